/* SPDX-License-Identifier: ISC */
/*
 * libFuzzer target for creds_parse_json (all three formats) and
 * creds_parse_time: any bytes parse or fail cleanly, never crash or leak.
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "creds.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const enum creds_json_format fmts[] = {CREDS_JSON_PROCESS, CREDS_JSON_ECS,
						      CREDS_JSON_IMDS};
	char *s;
	time_t t;

	for (size_t i = 0; i < sizeof(fmts) / sizeof(fmts[0]); i++) {
		struct creds c;
		struct err e;

		err_clear(&e);
		if (creds_parse_json(fmts[i], (const char *)data, size, "fuzz", &c, &e) == 0) {
			if (!creds_valid(&c))
				__builtin_trap();
			creds_free(&c);
		}
	}
	s = malloc(size + 1);
	if (s == NULL)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	(void)creds_parse_time(s, &t);
	free(s);
	return 0;
}
