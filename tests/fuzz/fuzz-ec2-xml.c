/*
 * libFuzzer target for ec2_xml: every answer parser gets every input.
 *
 * The parsers face whatever the network returns, so none of them may crash,
 * leak or read outside the input, whatever the bytes.  The first input byte
 * also picks an action name for the generic result parser.
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>

#include "ec2_xml.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const actions[] = {"DeleteVpcEndpointServiceConfigurations",
					      "CreateTags", "ModifyVpcEndpointServiceConfiguration",
					      "AcceptVpcEndpointConnections"};
	const char *body = (const char *)data;
	struct ec2_service_page sp;
	struct ec2_create_service_result cs;
	struct ec2_principal_page pp;
	struct ec2_modify_permissions_result mp;
	struct ec2_connection_page cp;
	struct ec2_notification_page np;
	struct ec2_create_notification_result cn;
	struct ec2_result rr;
	struct ec2_error er;
	struct sts_credentials sc;
	struct err e;
	const char *action = actions[size > 0 ? data[0] % 4 : 0];

	err_clear(&e);
	if (ec2_xml_service_page(body, size, &sp, &e) == 0)
		ec2_service_page_free(&sp);
	if (ec2_xml_create_service(body, size, &cs, &e) == 0)
		ec2_create_service_result_free(&cs);
	if (ec2_xml_principal_page(body, size, &pp, &e) == 0)
		ec2_principal_page_free(&pp);
	if (ec2_xml_modify_permissions(body, size, &mp, &e) == 0)
		ec2_modify_permissions_result_free(&mp);
	if (ec2_xml_connection_page(body, size, &cp, &e) == 0)
		ec2_connection_page_free(&cp);
	if (ec2_xml_notification_page(body, size, &np, &e) == 0)
		ec2_notification_page_free(&np);
	if (ec2_xml_create_notification(body, size, &cn, &e) == 0)
		ec2_create_notification_result_free(&cn);
	if (ec2_xml_result(action, body, size, &rr, &e) == 0)
		ec2_result_free(&rr);
	if (ec2_xml_error(body, size, &er, &e) == 0)
		ec2_error_free(&er);
	if (ec2_xml_sts_credentials("AssumeRole", body, size, &sc, &e) == 0)
		sts_credentials_free(&sc);
	if (ec2_xml_sts_credentials("AssumeRoleWithWebIdentity", body, size, &sc, &e) == 0)
		sts_credentials_free(&sc);
	return 0;
}
