/* SPDX-License-Identifier: ISC */
/*
 * libFuzzer target for the STS answer parsers in ec2_xml: AssumeRole and
 * AssumeRoleWithWebIdentity results (which carry secrets) and STS error
 * bodies.  The first input byte picks the parser, the rest is the body (see
 * fuzz-ec2-xml.c for why).
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>

#include "ec2_xml.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const actions[] = {"AssumeRole", "AssumeRoleWithWebIdentity"};
	const char *body;
	struct sts_credentials sc;
	struct ec2_error er;
	struct err e;

	if (size == 0)
		return 0;
	body = (const char *)data + 1;
	size--;
	err_clear(&e);
	if (data[0] % 3 == 2) {
		if (ec2_xml_error(body, size, &er, &e) == 0)
			ec2_error_free(&er);
	} else if (ec2_xml_sts_credentials(actions[data[0] % 3], body, size, &sc, &e) == 0) {
		sts_credentials_free(&sc);
	}
	return 0;
}
