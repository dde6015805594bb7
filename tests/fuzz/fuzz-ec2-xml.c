/* SPDX-License-Identifier: ISC */
/*
 * libFuzzer target for the EC2 answer parsers in ec2_xml.
 *
 * The parsers face whatever the network returns, so none of them may crash,
 * leak or read outside the input, whatever the bytes.  The first input byte
 * picks the parser and the rest is the body: one libxml2 parse per input
 * instead of one per parser is what makes ≥10 M executions affordable, and
 * libFuzzer learns quickly which selector reaches which code.  The STS
 * parsers have their own target (fuzz-sts-xml.c).
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>

#include "ec2_xml.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

enum parser {
	P_SERVICE_PAGE,
	P_CREATE_SERVICE,
	P_PRINCIPAL_PAGE,
	P_MODIFY_PERMISSIONS,
	P_CONNECTION_PAGE,
	P_NOTIFICATION_PAGE,
	P_CREATE_NOTIFICATION,
	P_RESULT_DELETE,
	P_RESULT_TAGS,
	P_RESULT_MODIFY,
	P_RESULT_ACCEPT,
	P_ERROR,
	P_COUNT,
};

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *body;
	struct ec2_service_page sp;
	struct ec2_create_service_result cs;
	struct ec2_principal_page pp;
	struct ec2_modify_permissions_result mp;
	struct ec2_connection_page cp;
	struct ec2_notification_page np;
	struct ec2_create_notification_result cn;
	struct ec2_result rr;
	struct ec2_error er;
	struct err e;

	if (size == 0)
		return 0;
	body = (const char *)data + 1;
	size--;
	err_clear(&e);
	switch ((enum parser)(data[0] % P_COUNT)) {
	case P_SERVICE_PAGE:
		if (ec2_xml_service_page(body, size, &sp, &e) == 0)
			ec2_service_page_free(&sp);
		break;
	case P_CREATE_SERVICE:
		if (ec2_xml_create_service(body, size, &cs, &e) == 0)
			ec2_create_service_result_free(&cs);
		break;
	case P_PRINCIPAL_PAGE:
		if (ec2_xml_principal_page(body, size, &pp, &e) == 0)
			ec2_principal_page_free(&pp);
		break;
	case P_MODIFY_PERMISSIONS:
		if (ec2_xml_modify_permissions(body, size, &mp, &e) == 0)
			ec2_modify_permissions_result_free(&mp);
		break;
	case P_CONNECTION_PAGE:
		if (ec2_xml_connection_page(body, size, &cp, &e) == 0)
			ec2_connection_page_free(&cp);
		break;
	case P_NOTIFICATION_PAGE:
		if (ec2_xml_notification_page(body, size, &np, &e) == 0)
			ec2_notification_page_free(&np);
		break;
	case P_CREATE_NOTIFICATION:
		if (ec2_xml_create_notification(body, size, &cn, &e) == 0)
			ec2_create_notification_result_free(&cn);
		break;
	case P_RESULT_DELETE:
	case P_RESULT_TAGS:
	case P_RESULT_MODIFY:
	case P_RESULT_ACCEPT: {
		static const char *const actions[] = {
			"DeleteVpcEndpointServiceConfigurations", "CreateTags",
			"ModifyVpcEndpointServiceConfiguration", "AcceptVpcEndpointConnections"};

		if (ec2_xml_result(actions[data[0] % P_COUNT - P_RESULT_DELETE], body, size, &rr,
				   &e) == 0)
			ec2_result_free(&rr);
		break;
	}
	case P_ERROR:
	case P_COUNT:
		if (ec2_xml_error(body, size, &er, &e) == 0)
			ec2_error_free(&er);
		break;
	}
	return 0;
}
