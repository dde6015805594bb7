/* SPDX-License-Identifier: ISC */
/*
 * Unit tests for ec2_xml.h: every answer structure (the examples of
 * ec2-api.md §6/§7 included), empty lists and structures, shuffled order,
 * and hostile or broken input, which must end in a clear error, never a
 * crash, a network access or a file read.
 */
#include "config.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "buf.h"
#include "ec2_xml.h"

#define NS "xmlns=\"http://ec2.amazonaws.com/doc/2016-11-15/\""

static const char create_example[] =
	"<CreateVpcEndpointServiceConfigurationResponse " NS ">\n"
	"  <requestId>5f1c0a9e-1111-4a2b-9c3d-EXAMPLE</requestId>\n"
	"  <serviceConfiguration>\n"
	"    <serviceType><item><serviceType>Interface</serviceType></item></serviceType>\n"
	"    <serviceId>vpce-svc-0123456789abcdef0</serviceId>\n"
	"    <serviceName>com.amazonaws.vpce.us-east-1.vpce-svc-0123456789abcdef0</serviceName>\n"
	"    <serviceState>Pending</serviceState>\n"
	"    <acceptanceRequired>true</acceptanceRequired><managesVpcEndpoints>false</"
	"managesVpcEndpoints>\n"
	"    <networkLoadBalancerArnSet><item>arn:aws:elasticloadbalancing:us-east-1:111122223333:"
	"loadbalancer/net/nlb-a/0123456789abcdef</item></networkLoadBalancerArnSet>\n"
	"    <privateDnsName>api.example.com</privateDnsName>\n"
	"    <privateDnsNameConfiguration><state>pendingVerification</state><type>TXT</type><value>"
	"vpce:AbCdEf</value><name>_1a2b3c</name></privateDnsNameConfiguration>\n"
	"    <tagSet><item><key>managed-by</key><value>vpcesd</value></item></tagSet>\n"
	"  </serviceConfiguration>\n"
	"  <clientToken>vpcesd-7b2f0c1e</clientToken>\n"
	"</CreateVpcEndpointServiceConfigurationResponse>\n";

static const char describe_example[] =
	"<DescribeVpcEndpointServiceConfigurationsResponse " NS ">\n"
	"  <requestId>9a8b7c6d-2222-4e5f-8a9b-EXAMPLE</requestId>\n"
	"  <serviceConfigurationSet>\n"
	"    <item>\n"
	"      <serviceType><item><serviceType>Interface</serviceType></item></serviceType>\n"
	"      <serviceId>vpce-svc-0123456789abcdef0</serviceId>\n"
	"      <serviceState>Available</serviceState>\n"
	"      <acceptanceRequired>true</acceptanceRequired>\n"
	"      <gatewayLoadBalancerArnSet/>\n"
	"      <privateDnsNameConfiguration/>\n"
	"      <tagSet><item><key>Name</key><value>svc-a</value></item><item><key>managed-by</key>"
	"<value>vpcesd</value></item></tagSet>\n"
	"    </item>\n"
	"  </serviceConfigurationSet>\n"
	"  <nextToken>eyJ2IjoxLCJjIjoiRVhBTVBMRSJ9</nextToken>\n"
	"</DescribeVpcEndpointServiceConfigurationsResponse>\n";

static const char error_example[] =
	"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	"<Response><Errors><Error><Code>InvalidVpcEndpointServiceId.NotFound</Code><Message>The "
	"VpcEndpointService Id 'vpce-svc-0123456789abcdef0' does not exist</Message></Error></"
	"Errors><RequestID>0f5e1c2d-3333-4a4b-9c8d-EXAMPLE</RequestID></Response>";

/* Every field of a ServiceConfiguration, in an unusual order. */
static const char full_service[] =
	"<?xml version='1.0' encoding='UTF-8'?>"
	"<DescribeVpcEndpointServiceConfigurationsResponse " NS ">"
	"<nextToken></nextToken>"
	"<serviceConfigurationSet><item>"
	"<tagSet><item><value/><key>empty</key></item><item><key>k</key><value>v</value></item>"
	"</tagSet>"
	"<supportedRegionSet><item><serviceState>Available</serviceState><region>us-west-2</region>"
	"</item><item><region>eu-west-1</region><serviceState>Closed</serviceState></item>"
	"</supportedRegionSet>"
	"<remoteAccessEnabled>false</remoteAccessEnabled>"
	"<payerResponsibility>ServiceOwner</payerResponsibility>"
	"<privateDnsNameConfiguration><name>_n</name><value>v</value><type>TXT</type>"
	"<state>verified</state></privateDnsNameConfiguration>"
	"<baseEndpointDnsNameSet><item>vpce-svc-1.us-east-1.vpce.amazonaws.com</item>"
	"</baseEndpointDnsNameSet>"
	"<supportedIpAddressTypeSet><item>ipv4</item><item>ipv6</item></supportedIpAddressTypeSet>"
	"<gatewayLoadBalancerArnSet><item>arn:g</item></gatewayLoadBalancerArnSet>"
	"<networkLoadBalancerArnSet><item>arn:n1</item><item>arn:n2</item>"
	"</networkLoadBalancerArnSet>"
	"<managesVpcEndpoints>true</managesVpcEndpoints>"
	"<acceptanceRequired>false</acceptanceRequired>"
	"<availabilityZoneSet><item>us-east-1a</item><item>us-east-1b</item></availabilityZoneSet>"
	"<availabilityZoneIdSet><item>use1-az1</item><item>use1-az2</item></availabilityZoneIdSet>"
	"<serviceState>Available</serviceState>"
	"<serviceName>com.amazonaws.vpce.us-east-1.vpce-svc-1</serviceName>"
	"<serviceId>vpce-svc-1</serviceId>"
	"<privateDnsName>a.example.com</privateDnsName>"
	"<someFutureField><x>1</x></someFutureField>"
	"<serviceType><item><serviceType>Interface</serviceType></item>"
	"<item><serviceType>GatewayLoadBalancer</serviceType></item></serviceType>"
	"</item><item><serviceId>vpce-svc-2</serviceId></item></serviceConfigurationSet>"
	"<requestId>r-1</requestId>"
	"</DescribeVpcEndpointServiceConfigurationsResponse>";

static void
test_create_example(void **state)
{
	struct ec2_create_service_result r;
	struct err e;
	const struct ec2_service_config *c = &r.config;

	(void)state;
	err_clear(&e);
	assert_int_equal(ec2_xml_create_service(create_example, strlen(create_example), &r, &e), 0);
	assert_string_equal(r.request_id, "5f1c0a9e-1111-4a2b-9c3d-EXAMPLE");
	assert_string_equal(r.client_token, "vpcesd-7b2f0c1e");
	assert_int_equal(c->service_types.n, 1);
	assert_string_equal(c->service_types.v[0], "Interface");
	assert_string_equal(c->service_id, "vpce-svc-0123456789abcdef0");
	assert_string_equal(c->service_name,
			    "com.amazonaws.vpce.us-east-1.vpce-svc-0123456789abcdef0");
	assert_string_equal(c->service_state, "Pending");
	assert_int_equal(c->acceptance_required, EC2_BOOL_TRUE);
	assert_int_equal(c->manages_vpc_endpoints, EC2_BOOL_FALSE);
	assert_int_equal(c->remote_access_enabled, EC2_BOOL_UNSET);
	assert_int_equal(c->network_load_balancer_arns.n, 1);
	assert_string_equal(c->network_load_balancer_arns.v[0],
			    "arn:aws:elasticloadbalancing:us-east-1:111122223333:loadbalancer/net/"
			    "nlb-a/0123456789abcdef");
	assert_int_equal(c->gateway_load_balancer_arns.n, 0);
	assert_string_equal(c->private_dns_name, "api.example.com");
	assert_string_equal(c->private_dns_name_configuration.state, "pendingVerification");
	assert_string_equal(c->private_dns_name_configuration.type, "TXT");
	assert_string_equal(c->private_dns_name_configuration.value, "vpce:AbCdEf");
	assert_string_equal(c->private_dns_name_configuration.name, "_1a2b3c");
	assert_int_equal(c->tags.n, 1);
	assert_string_equal(c->tags.v[0].key, "managed-by");
	assert_string_equal(c->tags.v[0].value, "vpcesd");
	assert_null(c->payer_responsibility);
	ec2_create_service_result_free(&r);
	ec2_create_service_result_free(&r);
	ec2_create_service_result_free(NULL);
}

static void
test_describe_example(void **state)
{
	struct ec2_service_page p;
	struct err e;

	(void)state;
	err_clear(&e);
	assert_int_equal(ec2_xml_service_page(describe_example, strlen(describe_example), &p, &e),
			 0);
	assert_string_equal(p.request_id, "9a8b7c6d-2222-4e5f-8a9b-EXAMPLE");
	assert_string_equal(p.next_token, "eyJ2IjoxLCJjIjoiRVhBTVBMRSJ9");
	assert_int_equal(p.n, 1);
	assert_string_equal(p.v[0].service_state, "Available");
	assert_int_equal(p.v[0].gateway_load_balancer_arns.n, 0);
	assert_null(p.v[0].private_dns_name_configuration.state);
	assert_int_equal(p.v[0].tags.n, 2);
	assert_string_equal(p.v[0].tags.v[1].key, "managed-by");
	ec2_service_page_free(&p);
}

static void
test_full_service_shuffled(void **state)
{
	struct ec2_service_page p;
	struct ec2_service_config *c;
	struct err e;

	(void)state;
	err_clear(&e);
	assert_int_equal(ec2_xml_service_page(full_service, strlen(full_service), &p, &e), 0);
	assert_null(p.next_token); /* <nextToken></nextToken>: last page */
	assert_string_equal(p.request_id, "r-1");
	assert_int_equal(p.n, 2);
	c = &p.v[0];
	assert_int_equal(c->service_types.n, 2);
	assert_string_equal(c->service_types.v[1], "GatewayLoadBalancer");
	assert_string_equal(c->service_id, "vpce-svc-1");
	assert_int_equal(c->availability_zone_ids.n, 2);
	assert_string_equal(c->availability_zone_ids.v[1], "use1-az2");
	assert_string_equal(c->availability_zones.v[0], "us-east-1a");
	assert_int_equal(c->acceptance_required, EC2_BOOL_FALSE);
	assert_int_equal(c->manages_vpc_endpoints, EC2_BOOL_TRUE);
	assert_int_equal(c->remote_access_enabled, EC2_BOOL_FALSE);
	assert_int_equal(c->network_load_balancer_arns.n, 2);
	assert_string_equal(c->gateway_load_balancer_arns.v[0], "arn:g");
	assert_int_equal(c->supported_ip_address_types.n, 2);
	assert_string_equal(c->base_endpoint_dns_names.v[0],
			    "vpce-svc-1.us-east-1.vpce.amazonaws.com");
	assert_string_equal(c->private_dns_name, "a.example.com");
	assert_string_equal(c->private_dns_name_configuration.state, "verified");
	assert_string_equal(c->private_dns_name_configuration.name, "_n");
	assert_string_equal(c->payer_responsibility, "ServiceOwner");
	assert_int_equal(c->tags.n, 2);
	assert_string_equal(c->tags.v[0].key, "empty");
	assert_string_equal(c->tags.v[0].value, "");
	assert_int_equal(c->n_supported_regions, 2);
	assert_string_equal(c->supported_regions[0].region, "us-west-2");
	assert_string_equal(c->supported_regions[0].service_state, "Available");
	assert_string_equal(c->supported_regions[1].service_state, "Closed");
	/* A near-empty item. */
	assert_string_equal(p.v[1].service_id, "vpce-svc-2");
	assert_int_equal(p.v[1].tags.n, 0);
	assert_int_equal(p.v[1].acceptance_required, EC2_BOOL_UNSET);
	ec2_service_page_free(&p);
}

static void
test_empty_lists(void **state)
{
	static const char a[] = "<DescribeVpcEndpointServiceConfigurationsResponse " NS ">"
				"<requestId>r</requestId><serviceConfigurationSet/>"
				"</DescribeVpcEndpointServiceConfigurationsResponse>";
	static const char b[] = "<DescribeVpcEndpointServiceConfigurationsResponse>"
				"<requestId>r</requestId>"
				"</DescribeVpcEndpointServiceConfigurationsResponse>";
	struct ec2_service_page p;
	struct err e;

	(void)state;
	err_clear(&e);
	assert_int_equal(ec2_xml_service_page(a, strlen(a), &p, &e), 0);
	assert_int_equal(p.n, 0);
	assert_null(p.v);
	assert_null(p.next_token);
	ec2_service_page_free(&p);
	assert_int_equal(ec2_xml_service_page(b, strlen(b), &p, &e), 0);
	assert_int_equal(p.n, 0);
	ec2_service_page_free(&p);
}

static void
test_principals(void **state)
{
	static const char page[] =
		"<DescribeVpcEndpointServicePermissionsResponse " NS ">"
		"<requestId>r2</requestId><allowedPrincipals>"
		"<item><principalType>Account</principalType>"
		"<principal>arn:aws:iam::111122223333:root</principal>"
		"<servicePermissionId>vpce-svc-perm-1</servicePermissionId>"
		"<serviceId>vpce-svc-1</serviceId>"
		"<tagSet><item><key>a</key><value>b</value></item></tagSet></item>"
		"<item><principal>*</principal><principalType>All</principalType></item>"
		"</allowedPrincipals><nextToken>t2</nextToken>"
		"</DescribeVpcEndpointServicePermissionsResponse>";
	static const char mod[] = "<ModifyVpcEndpointServicePermissionsResponse " NS ">"
				  "<requestId>r3</requestId><addedPrincipalSet><item>"
				  "<principal>arn:aws:iam::111122223333:role/x</principal>"
				  "<principalType>Role</principalType>"
				  "<servicePermissionId>p-2</servicePermissionId>"
				  "<serviceId>vpce-svc-1</serviceId></item></addedPrincipalSet>"
				  "<return>true</return>"
				  "</ModifyVpcEndpointServicePermissionsResponse>";
	struct ec2_principal_page p;
	struct ec2_modify_permissions_result m;
	struct err e;

	(void)state;
	err_clear(&e);
	assert_int_equal(ec2_xml_principal_page(page, strlen(page), &p, &e), 0);
	assert_int_equal(p.n, 2);
	assert_string_equal(p.v[0].principal_type, "Account");
	assert_string_equal(p.v[0].principal, "arn:aws:iam::111122223333:root");
	assert_string_equal(p.v[0].service_permission_id, "vpce-svc-perm-1");
	assert_string_equal(p.v[0].service_id, "vpce-svc-1");
	assert_int_equal(p.v[0].tags.n, 1);
	assert_string_equal(p.v[1].principal, "*");
	assert_string_equal(p.next_token, "t2");
	ec2_principal_page_free(&p);
	assert_int_equal(ec2_xml_modify_permissions(mod, strlen(mod), &m, &e), 0);
	assert_int_equal(m.n_added, 1);
	assert_string_equal(m.added[0].principal_type, "Role");
	assert_string_equal(m.added[0].service_permission_id, "p-2");
	assert_int_equal(m.ret, EC2_BOOL_TRUE);
	assert_string_equal(m.request_id, "r3");
	ec2_modify_permissions_result_free(&m);
}

static void
test_connections(void **state)
{
	static const char page[] =
		"<DescribeVpcEndpointConnectionsResponse " NS ">"
		"<requestId>r4</requestId><vpcEndpointConnectionSet><item>"
		"<serviceId>vpce-svc-1</serviceId><vpcEndpointId>vpce-1</vpcEndpointId>"
		"<vpcEndpointOwner>111122223333</vpcEndpointOwner>"
		"<vpcEndpointState>pendingAcceptance</vpcEndpointState>"
		"<creationTimestamp>2026-01-15T12:00:00.123Z</creationTimestamp>"
		"<dnsEntrySet><item><dnsName>vpce-1.example</dnsName>"
		"<hostedZoneId>Z1</hostedZoneId></item></dnsEntrySet>"
		"<networkLoadBalancerArnSet><item>arn:n</item></networkLoadBalancerArnSet>"
		"<gatewayLoadBalancerArnSet/>"
		"<ipAddressType>dualstack</ipAddressType>"
		"<vpcEndpointConnectionId>vpce-con-1</vpcEndpointConnectionId>"
		"<tagSet/><vpcEndpointRegion>us-west-2</vpcEndpointRegion>"
		"<payerResponsibilitySet><item><scope>All</scope>"
		"<payerResponsibilityType>ServiceOwner</payerResponsibilityType></item>"
		"</payerResponsibilitySet>"
		"</item><item><vpcEndpointId>vpce-2</vpcEndpointId>"
		"<creationTimestamp>2024-02-29T23:59:59Z</creationTimestamp></item>"
		"</vpcEndpointConnectionSet></DescribeVpcEndpointConnectionsResponse>";
	struct ec2_connection_page p;
	struct err e;

	(void)state;
	err_clear(&e);
	assert_int_equal(ec2_xml_connection_page(page, strlen(page), &p, &e), 0);
	assert_int_equal(p.n, 2);
	assert_string_equal(p.v[0].vpc_endpoint_state, "pendingAcceptance");
	assert_true(p.v[0].has_creation_timestamp);
	assert_int_equal(p.v[0].creation_timestamp, 1768478400);
	assert_int_equal(p.v[0].n_dns_entries, 1);
	assert_string_equal(p.v[0].dns_entries[0].hosted_zone_id, "Z1");
	assert_string_equal(p.v[0].network_load_balancer_arns.v[0], "arn:n");
	assert_string_equal(p.v[0].ip_address_type, "dualstack");
	assert_string_equal(p.v[0].vpc_endpoint_connection_id, "vpce-con-1");
	assert_string_equal(p.v[0].vpc_endpoint_owner, "111122223333");
	assert_string_equal(p.v[0].vpc_endpoint_region, "us-west-2");
	assert_int_equal(p.v[0].n_payer_responsibilities, 1);
	assert_string_equal(p.v[0].payer_responsibilities[0].payer_responsibility_type,
			    "ServiceOwner");
	assert_int_equal(p.v[1].creation_timestamp, 1709251199);
	assert_null(p.next_token);
	ec2_connection_page_free(&p);
}

static void
test_notifications(void **state)
{
	static const char page[] =
		"<DescribeVpcEndpointConnectionNotificationsResponse " NS ">"
		"<requestId>r5</requestId><connectionNotificationSet><item>"
		"<connectionNotificationId>vpce-nfn-1</connectionNotificationId>"
		"<serviceId>vpce-svc-1</serviceId>"
		"<connectionNotificationType>Topic</connectionNotificationType>"
		"<connectionNotificationArn>arn:aws:sns:us-east-1:1:t</connectionNotificationArn>"
		"<connectionEvents><item>Accept</item><item>Reject</item></connectionEvents>"
		"<connectionNotificationState>Enabled</connectionNotificationState>"
		"<serviceRegion>us-east-1</serviceRegion>"
		"</item></connectionNotificationSet><nextToken>n</nextToken>"
		"</DescribeVpcEndpointConnectionNotificationsResponse>";
	static const char create[] =
		"<CreateVpcEndpointConnectionNotificationResponse " NS ">"
		"<requestId>r6</requestId><clientToken>ct</clientToken><connectionNotification>"
		"<connectionNotificationId>vpce-nfn-2</connectionNotificationId>"
		"<vpcEndpointId>vpce-9</vpcEndpointId>"
		"<connectionEvents><item>Connect</item></connectionEvents>"
		"</connectionNotification></CreateVpcEndpointConnectionNotificationResponse>";
	struct ec2_notification_page p;
	struct ec2_create_notification_result c;
	struct err e;

	(void)state;
	err_clear(&e);
	assert_int_equal(ec2_xml_notification_page(page, strlen(page), &p, &e), 0);
	assert_int_equal(p.n, 1);
	assert_string_equal(p.v[0].connection_notification_id, "vpce-nfn-1");
	assert_string_equal(p.v[0].connection_notification_type, "Topic");
	assert_string_equal(p.v[0].connection_notification_arn, "arn:aws:sns:us-east-1:1:t");
	assert_int_equal(p.v[0].connection_events.n, 2);
	assert_string_equal(p.v[0].connection_events.v[1], "Reject");
	assert_string_equal(p.v[0].connection_notification_state, "Enabled");
	assert_string_equal(p.v[0].service_region, "us-east-1");
	assert_string_equal(p.next_token, "n");
	ec2_notification_page_free(&p);
	assert_int_equal(ec2_xml_create_notification(create, strlen(create), &c, &e), 0);
	assert_string_equal(c.client_token, "ct");
	assert_string_equal(c.notification.vpc_endpoint_id, "vpce-9");
	assert_string_equal(c.notification.connection_events.v[0], "Connect");
	ec2_create_notification_result_free(&c);
}

static void
test_results(void **state)
{
	static const char del[] =
		"<DeleteVpcEndpointServiceConfigurationsResponse " NS ">"
		"<requestId>r7</requestId><unsuccessful><item><error>"
		"<code>ExistingVpcEndpointConnections</code><message>has connections</message>"
		"</error><resourceId>vpce-svc-1</resourceId></item><item>"
		"<resourceId>vpce-svc-2</resourceId><error><message>m</message>"
		"<code>InvalidVpcEndpointService.NotFound</code></error></item></unsuccessful>"
		"</DeleteVpcEndpointServiceConfigurationsResponse>";
	static const char ok[] = "<DeleteVpcEndpointServiceConfigurationsResponse " NS ">"
				 "<requestId>r8</requestId><unsuccessful/>"
				 "</DeleteVpcEndpointServiceConfigurationsResponse>";
	static const char tags[] = "<CreateTagsResponse " NS "><requestId>r9</requestId>"
				   "<return>true</return></CreateTagsResponse>";
	struct ec2_result r;
	struct err e;

	(void)state;
	err_clear(&e);
	assert_int_equal(
		ec2_xml_result("DeleteVpcEndpointServiceConfigurations", del, strlen(del), &r, &e),
		0);
	assert_int_equal(r.n_unsuccessful, 2);
	assert_string_equal(r.unsuccessful[0].code, "ExistingVpcEndpointConnections");
	assert_string_equal(r.unsuccessful[0].message, "has connections");
	assert_string_equal(r.unsuccessful[0].resource_id, "vpce-svc-1");
	assert_string_equal(r.unsuccessful[1].code, "InvalidVpcEndpointService.NotFound");
	assert_int_equal(r.ret, EC2_BOOL_UNSET);
	ec2_result_free(&r);
	assert_int_equal(
		ec2_xml_result("DeleteVpcEndpointServiceConfigurations", ok, strlen(ok), &r, &e),
		0);
	assert_int_equal(r.n_unsuccessful, 0);
	ec2_result_free(&r);
	assert_int_equal(ec2_xml_result("CreateTags", tags, strlen(tags), &r, &e), 0);
	assert_int_equal(r.ret, EC2_BOOL_TRUE);
	assert_string_equal(r.request_id, "r9");
	ec2_result_free(&r);
	/* Wrong action for the root. */
	assert_int_equal(ec2_xml_result("DeleteTags", tags, strlen(tags), &r, &e), -EBADMSG);
	assert_non_null(strstr(e.msg, "DeleteTagsResponse"));
	err_clear(&e);
	assert_int_equal(ec2_xml_result("Bad<Name", tags, strlen(tags), &r, &e), -EINVAL);
}

static void
test_errors(void **state)
{
	static const char sts[] =
		"<ErrorResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">"
		"<Error><Type>Sender</Type><Code>AccessDenied</Code>"
		"<Message>no</Message></Error><RequestId>s-1</RequestId>"
		"</ErrorResponse>";
	static const char bare[] = "<Error><Code>Throttling</Code><Message>slow</Message>"
				   "<RequestId>b-1</RequestId></Error>";
	static const char nocode[] = "<Response><Errors><Error><Message>x</Message></Error>"
				     "</Errors></Response>";
	static const char html[] = "<html><head><title>502 Bad Gateway</title></head><body>"
				   "</body></html>";
	static const char html_sloppy[] = "<html><body><p>Bad Gateway<br></body></html>";
	struct ec2_error er;
	struct err e;

	(void)state;
	err_clear(&e);
	assert_int_equal(ec2_xml_error(error_example, strlen(error_example), &er, &e), 0);
	assert_string_equal(er.code, "InvalidVpcEndpointServiceId.NotFound");
	assert_string_equal(
		er.message,
		"The VpcEndpointService Id 'vpce-svc-0123456789abcdef0' does not exist");
	assert_string_equal(er.request_id, "0f5e1c2d-3333-4a4b-9c8d-EXAMPLE");
	assert_null(er.type);
	ec2_error_free(&er);
	assert_int_equal(ec2_xml_error(sts, strlen(sts), &er, &e), 0);
	assert_string_equal(er.code, "AccessDenied");
	assert_string_equal(er.type, "Sender");
	assert_string_equal(er.request_id, "s-1");
	ec2_error_free(&er);
	assert_int_equal(ec2_xml_error(bare, strlen(bare), &er, &e), 0);
	assert_string_equal(er.code, "Throttling");
	assert_string_equal(er.request_id, "b-1");
	ec2_error_free(&er);
	assert_int_equal(ec2_xml_error(nocode, strlen(nocode), &er, &e), -EBADMSG);
	err_clear(&e);
	assert_int_equal(ec2_xml_error(html, strlen(html), &er, &e), -EBADMSG);
	assert_non_null(strstr(e.msg, "<html>"));
	err_clear(&e);
	assert_int_equal(ec2_xml_error(html_sloppy, strlen(html_sloppy), &er, &e), -EBADMSG);
	err_clear(&e);
	/* An error document handed to a success parser says so. */
	struct ec2_service_page p;

	assert_int_equal(ec2_xml_service_page(error_example, strlen(error_example), &p, &e),
			 -EBADMSG);
	assert_non_null(strstr(e.msg, "error document"));
}

static const char sts_ok[] =
	"<AssumeRoleResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">"
	"<AssumeRoleResult><SourceIdentity>x</SourceIdentity><AssumedRoleUser>"
	"<AssumedRoleId>AROA:s</AssumedRoleId><Arn>arn:aws:sts::1:assumed-role/r/s</Arn>"
	"</AssumedRoleUser><Credentials><AccessKeyId>ASIAEXAMPLE</AccessKeyId>"
	"<SecretAccessKey>SECRETxSECRETxSECRET</SecretAccessKey>"
	"<SessionToken>TOKENxTOKENxTOKEN</SessionToken>"
	"<Expiration>2026-01-15T13:00:00Z</Expiration></Credentials>"
	"<PackedPolicySize>6</PackedPolicySize></AssumeRoleResult>"
	"<ResponseMetadata><RequestId>sts-r</RequestId></ResponseMetadata></AssumeRoleResponse>";

static void
test_sts_credentials(void **state)
{
	static const char web[] =
		"<AssumeRoleWithWebIdentityResponse "
		"xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/"
		"\"><AssumeRoleWithWebIdentityResult>"
		"<Credentials><SessionToken>T</SessionToken><SecretAccessKey>S</SecretAccessKey>"
		"<Expiration>2026-01-15T13:00:00.000Z</Expiration><AccessKeyId>A</AccessKeyId>"
		"</Credentials><Audience>sts</Audience></AssumeRoleWithWebIdentityResult>"
		"</AssumeRoleWithWebIdentityResponse>";
	static const char missing[] =
		"<AssumeRoleResponse><AssumeRoleResult><Credentials><AccessKeyId>A</AccessKeyId>"
		"<SecretAccessKey>SECRETVALUE</SecretAccessKey>"
		"<Expiration>2026-01-15T13:00:00Z</Expiration></Credentials></AssumeRoleResult>"
		"</AssumeRoleResponse>";
	static const char badsecret[] =
		"<AssumeRoleResponse><AssumeRoleResult><Credentials><AccessKeyId>A</AccessKeyId>"
		"<SecretAccessKey>SECRETVALUE<b/></SecretAccessKey></Credentials></"
		"AssumeRoleResult>"
		"</AssumeRoleResponse>";
	struct sts_credentials c;
	struct err e;

	(void)state;
	err_clear(&e);
	assert_int_equal(ec2_xml_sts_credentials("AssumeRole", sts_ok, strlen(sts_ok), &c, &e), 0);
	assert_string_equal(c.access_key_id, "ASIAEXAMPLE");
	assert_string_equal(c.secret_access_key, "SECRETxSECRETxSECRET");
	assert_string_equal(c.session_token, "TOKENxTOKENxTOKEN");
	assert_int_equal(c.expiration, 1768482000);
	assert_string_equal(c.assumed_role_arn, "arn:aws:sts::1:assumed-role/r/s");
	assert_string_equal(c.request_id, "sts-r");
	sts_credentials_free(&c);
	assert_null(c.secret_access_key);
	sts_credentials_free(&c);
	sts_credentials_free(NULL);

	assert_int_equal(
		ec2_xml_sts_credentials("AssumeRoleWithWebIdentity", web, strlen(web), &c, &e), 0);
	assert_string_equal(c.access_key_id, "A");
	assert_null(c.assumed_role_arn);
	sts_credentials_free(&c);

	assert_int_equal(ec2_xml_sts_credentials("AssumeRole", missing, strlen(missing), &c, &e),
			 -EBADMSG);
	assert_null(strstr(e.msg, "SECRETVALUE"));
	err_clear(&e);
	assert_int_equal(
		ec2_xml_sts_credentials("AssumeRole", badsecret, strlen(badsecret), &c, &e),
		-EBADMSG);
	assert_null(strstr(e.msg, "SECRETVALUE"));
	err_clear(&e);
	assert_int_equal(ec2_xml_sts_credentials("AssumeRoleWithWebIdentity", sts_ok,
						 strlen(sts_ok), &c, &e),
			 -EBADMSG);
	err_clear(&e);
	assert_int_equal(ec2_xml_sts_credentials("GetSessionToken", sts_ok, strlen(sts_ok), &c, &e),
			 -EINVAL);
}

/* Parse `doc` with the Describe parser and expect `code` with `needle` in the message. */
static void
expect_fail(const char *doc, size_t len, int code, const char *needle)
{
	struct ec2_service_page p;
	struct err e;

	memset(&p, 0x5a, sizeof(p));
	err_clear(&e);
	assert_int_equal(ec2_xml_service_page(doc, len, &p, &e), code);
	if (needle != NULL && strstr(e.msg, needle) == NULL)
		fail_msg("message '%s' lacks '%s'", e.msg, needle);
	/* Output untouched. */
	assert_int_equal(((unsigned char *)&p)[0], 0x5a);
}

static void
test_hostile(void **state)
{
	static const char laughs[] =
		"<?xml version=\"1.0\"?><!DOCTYPE lolz [<!ENTITY lol \"lol\">"
		"<!ENTITY lol2 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">"
		"<!ENTITY lol3 \"&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;\">]>"
		"<DescribeVpcEndpointServiceConfigurationsResponse><requestId>&lol3;</requestId>"
		"</DescribeVpcEndpointServiceConfigurationsResponse>";
	static const char xxe_tmpl[] =
		"<?xml version=\"1.0\"?><!DOCTYPE r [<!ENTITY x SYSTEM \"file://%s\">]>"
		"<DescribeVpcEndpointServiceConfigurationsResponse><requestId>&x;</requestId>"
		"</DescribeVpcEndpointServiceConfigurationsResponse>";
	static const char undeclared[] =
		"<DescribeVpcEndpointServiceConfigurationsResponse><requestId>&x;</requestId>"
		"</DescribeVpcEndpointServiceConfigurationsResponse>";
	static const char truncated[] =
		"<DescribeVpcEndpointServiceConfigurationsResponse><requestId>r</req";
	static const char wrong_root[] = "<DescribeInstancesResponse " NS "/>";
	static const char wrong_root_nul[] =
		"<DescribeVpcEndpointServiceConfigurationsResponse/>\0<evil/>";
	static const char dup[] =
		"<DescribeVpcEndpointServiceConfigurationsResponse><serviceConfigurationSet><item>"
		"<serviceId>a</serviceId><serviceId>b</serviceId></item></serviceConfigurationSet>"
		"</DescribeVpcEndpointServiceConfigurationsResponse>";
	static const char foreign_root[] =
		"<DescribeVpcEndpointServiceConfigurationsResponse xmlns=\"urn:evil\">"
		"<requestId>r</requestId></DescribeVpcEndpointServiceConfigurationsResponse>";
	static const char bad_bool[] =
		"<DescribeVpcEndpointServiceConfigurationsResponse><serviceConfigurationSet><item>"
		"<acceptanceRequired>TRUE</acceptanceRequired></item></serviceConfigurationSet>"
		"</DescribeVpcEndpointServiceConfigurationsResponse>";
	static const char nested_text[] =
		"<DescribeVpcEndpointServiceConfigurationsResponse><requestId>a<b/>c</requestId>"
		"</DescribeVpcEndpointServiceConfigurationsResponse>";
	static const char tag_nokey[] =
		"<DescribeVpcEndpointServiceConfigurationsResponse><serviceConfigurationSet><item>"
		"<tagSet><item><value>v</value></item></tagSet></item></serviceConfigurationSet>"
		"</DescribeVpcEndpointServiceConfigurationsResponse>";
	char path[] = "/tmp/test-ec2-xml-XXXXXX";
	char xxe[512];
	char *big;
	size_t big_len = 100u * 1024 * 1024;
	int fd;

	(void)state;
	expect_fail(laughs, strlen(laughs), -EBADMSG, "document type");
	/* External entity: refused, and the file (which exists) never read. */
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "LEAKED", 6), 6);
	close(fd);
	snprintf(xxe, sizeof(xxe), xxe_tmpl, path);
	expect_fail(xxe, strlen(xxe), -EBADMSG, "document type");
	unlink(path);
	expect_fail(undeclared, strlen(undeclared), -EBADMSG, "line 1");
	expect_fail(truncated, strlen(truncated), -EBADMSG, "XML: line");
	expect_fail(wrong_root, strlen(wrong_root), -EBADMSG, "got <DescribeInstancesResponse>");
	expect_fail("", 0, -EBADMSG, "empty body");
	expect_fail(NULL, 0, -EBADMSG, "empty body");
	expect_fail("   ", 3, -EBADMSG, NULL);
	expect_fail("not xml at all", 14, -EBADMSG, NULL);
	/* libxml2 would stop at the NUL and accept the document before it. */
	expect_fail(wrong_root_nul, sizeof(wrong_root_nul) - 1, -EBADMSG, "NUL byte");
	expect_fail(dup, strlen(dup), -EBADMSG, "duplicate <serviceId>");
	expect_fail(foreign_root, strlen(foreign_root), -EBADMSG, "namespace");
	expect_fail(bad_bool, strlen(bad_bool), -EBADMSG, "true/false");
	expect_fail(nested_text, strlen(nested_text), -EBADMSG, "text only");
	expect_fail(tag_nokey, strlen(tag_nokey), -EBADMSG, "without <key>");

	/* 100 MB body: refused by the cap before parsing. */
	big = malloc(big_len);
	assert_non_null(big);
	memset(big, ' ', big_len);
	memcpy(big, "<a>", 3);
	expect_fail(big, big_len, -E2BIG, "limit");
	free(big);
}

/*
 * The reader streams: a broken rule found early still yields to a document
 * that is not well-formed later on; skipped subtrees may nest deeper than
 * any shape and hold elements named like fields, which fill nothing; the
 * error document's first <Error> counts, and the request id beside it beats
 * the one inside it.
 */
static void
test_streaming_rules(void **state)
{
	static const char dup_then_truncated[] =
		"<DescribeVpcEndpointServiceConfigurationsResponse><serviceConfigurationSet><item>"
		"<serviceId>a</serviceId><serviceId>b</serviceId></item>";
	static const char wrong_root_truncated[] = "<DescribeInstancesResponse><a>";
	static const char two_errors[] =
		"<Response><Errors><Error><Code>First</Code><RequestId>inner</RequestId></Error>"
		"<Error><Code>Second</Code></Error></Errors><RequestID>outer-1</RequestID>"
		"<RequestID>outer-2</RequestID></Response>";
	static const char no_error[] = "<Response><Errors/><RequestID>r</RequestID></Response>";
	struct ec2_service_page p;
	struct ec2_error er;
	struct buf b;
	struct err e;

	(void)state;
	expect_fail(dup_then_truncated, strlen(dup_then_truncated), -EBADMSG, "XML: line");
	expect_fail(wrong_root_truncated, strlen(wrong_root_truncated), -EBADMSG, "XML: line");

	buf_init(&b, 1u << 20);
	assert_int_equal(buf_puts(&b, "<DescribeVpcEndpointServiceConfigurationsResponse>"
				      "<serviceConfigurationSet><item><serviceId>s-1</serviceId>"),
			 0);
	for (int i = 0; i < 200; i++)
		assert_int_equal(buf_puts(&b, "<unknown><serviceId>x</serviceId>"), 0);
	for (int i = 0; i < 200; i++)
		assert_int_equal(buf_puts(&b, "</unknown>"), 0);
	assert_int_equal(buf_puts(&b, "</item></serviceConfigurationSet>"
				      "</DescribeVpcEndpointServiceConfigurationsResponse>"),
			 0);
	err_clear(&e);
	assert_int_equal(ec2_xml_service_page(b.data, b.len, &p, &e), 0);
	assert_int_equal(p.n, 1);
	assert_string_equal(p.v[0].service_id, "s-1");
	ec2_service_page_free(&p);
	buf_free(&b);

	err_clear(&e);
	assert_int_equal(ec2_xml_error(two_errors, strlen(two_errors), &er, &e), 0);
	assert_string_equal(er.code, "First");
	assert_string_equal(er.request_id, "outer-2");
	ec2_error_free(&er);
	assert_int_equal(ec2_xml_error(no_error, strlen(no_error), &er, &e), -EBADMSG);
	assert_non_null(strstr(e.msg, "without <Error>"));
}

static void
test_foreign_namespace_children_ignored(void **state)
{
	static const char doc[] =
		"<DescribeVpcEndpointServiceConfigurationsResponse " NS " xmlns:x=\"urn:other\">"
		"<requestId>r</requestId><x:requestId>evil</x:requestId>"
		"<x:serviceConfigurationSet><item><serviceId>evil</serviceId></item>"
		"</x:serviceConfigurationSet></DescribeVpcEndpointServiceConfigurationsResponse>";
	struct ec2_service_page p;
	struct err e;

	(void)state;
	err_clear(&e);
	assert_int_equal(ec2_xml_service_page(doc, strlen(doc), &p, &e), 0);
	assert_string_equal(p.request_id, "r");
	assert_int_equal(p.n, 0);
	ec2_service_page_free(&p);
}

static void
test_long_strings_and_lists(void **state)
{
	struct buf b;
	struct ec2_service_page p;
	struct err e;

	(void)state;
	buf_init(&b, 64u << 20);
	assert_int_equal(buf_puts(&b, "<DescribeVpcEndpointServiceConfigurationsResponse>"
				      "<requestId>"),
			 0);
	for (unsigned i = 0; i <= EC2_XML_MAX_STRING; i++)
		assert_int_equal(buf_append(&b, "x", 1), 0);
	assert_int_equal(
		buf_puts(&b, "</requestId></DescribeVpcEndpointServiceConfigurationsResponse>"), 0);
	expect_fail(b.data, b.len, -E2BIG, "longer than");

	/*
	 * The cap holds for text split into pieces (the joined path) and a
	 * string of exactly the cap in one piece (the direct copy) passes.
	 */
	buf_reset(&b);
	assert_int_equal(buf_puts(&b, "<DescribeVpcEndpointServiceConfigurationsResponse>"
				      "<requestId><![CDATA[y]]>"),
			 0);
	for (unsigned i = 0; i < EC2_XML_MAX_STRING; i++)
		assert_int_equal(buf_append(&b, "x", 1), 0);
	assert_int_equal(
		buf_puts(&b, "</requestId></DescribeVpcEndpointServiceConfigurationsResponse>"), 0);
	expect_fail(b.data, b.len, -E2BIG, "longer than");

	buf_reset(&b);
	assert_int_equal(buf_puts(&b, "<DescribeVpcEndpointServiceConfigurationsResponse>"
				      "<requestId>"),
			 0);
	for (unsigned i = 0; i < EC2_XML_MAX_STRING; i++)
		assert_int_equal(buf_append(&b, "x", 1), 0);
	assert_int_equal(
		buf_puts(&b, "</requestId></DescribeVpcEndpointServiceConfigurationsResponse>"), 0);
	err_clear(&e);
	assert_int_equal(ec2_xml_service_page(b.data, b.len, &p, &e), 0);
	assert_int_equal(strlen(p.request_id), EC2_XML_MAX_STRING);
	ec2_service_page_free(&p);

	buf_reset(&b);
	assert_int_equal(buf_puts(&b, "<DescribeVpcEndpointServiceConfigurationsResponse>"
				      "<serviceConfigurationSet>"),
			 0);
	for (unsigned i = 0; i <= EC2_XML_MAX_ITEMS; i++)
		assert_int_equal(buf_puts(&b, "<item/>"), 0);
	assert_int_equal(buf_puts(&b, "</serviceConfigurationSet>"
				      "</DescribeVpcEndpointServiceConfigurationsResponse>"),
			 0);
	expect_fail(b.data, b.len, -E2BIG, "items");
	buf_free(&b);

	/* CDATA and character references are text like any other. */
	static const char cdata[] = "<DescribeVpcEndpointServiceConfigurationsResponse>"
				    "<requestId><![CDATA[a<b]]>&amp;&#x41;</requestId>"
				    "</DescribeVpcEndpointServiceConfigurationsResponse>";
	err_clear(&e);
	assert_int_equal(ec2_xml_service_page(cdata, strlen(cdata), &p, &e), 0);
	assert_string_equal(p.request_id, "a<b&A");
	ec2_service_page_free(&p);
}

static void
test_huge_timestamp_in_document(void **state)
{
	static const char doc[] =
		"<DescribeVpcEndpointConnectionsResponse><vpcEndpointConnectionSet><item>"
		"<creationTimestamp>99999999999999999999-01-01T00:00:00Z</creationTimestamp>"
		"</item></vpcEndpointConnectionSet></DescribeVpcEndpointConnectionsResponse>";
	struct ec2_connection_page p;
	struct err e;

	(void)state;
	err_clear(&e);
	assert_int_equal(ec2_xml_connection_page(doc, strlen(doc), &p, &e), -EBADMSG);
	assert_non_null(strstr(e.msg, "creationTimestamp"));
}

/*
 * A body whose bytes do not match its declared encoding: refused, and
 * libxml2 prints nothing on stderr (the daemon's journal) by itself.
 */
static void
test_encoding_errors_are_silent(void **state)
{
	static const char doc[] = "<?xml version=\"1.0\" encoding=\"ISO-2022-JP\"?>"
				  "<DescribeVpcEndpointServiceConfigurationsResponse>\x1b$B\xff\xff"
				  "</DescribeVpcEndpointServiceConfigurationsResponse>";
	char path[] = "/tmp/test-ec2-xml-stderr-XXXXXX";
	struct ec2_service_page p;
	struct err e;
	struct stat st;
	int fd, saved;

	(void)state;
	fd = mkstemp(path);
	assert_true(fd >= 0);
	fflush(stderr);
	saved = dup(STDERR_FILENO);
	assert_true(saved >= 0);
	assert_int_equal(dup2(fd, STDERR_FILENO), STDERR_FILENO);
	err_clear(&e);
	assert_int_equal(ec2_xml_service_page(doc, sizeof(doc) - 1, &p, &e), -EBADMSG);
	fflush(stderr);
	assert_int_equal(dup2(saved, STDERR_FILENO), STDERR_FILENO);
	close(saved);
	assert_int_equal(fstat(fd, &st), 0);
	close(fd);
	unlink(path);
	assert_int_equal(st.st_size, 0);
	assert_true(e.msg[0] != '\0');
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_create_example),
		cmocka_unit_test(test_describe_example),
		cmocka_unit_test(test_full_service_shuffled),
		cmocka_unit_test(test_empty_lists),
		cmocka_unit_test(test_principals),
		cmocka_unit_test(test_connections),
		cmocka_unit_test(test_notifications),
		cmocka_unit_test(test_results),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_sts_credentials),
		cmocka_unit_test(test_hostile),
		cmocka_unit_test(test_foreign_namespace_children_ignored),
		cmocka_unit_test(test_streaming_rules),
		cmocka_unit_test(test_long_strings_and_lists),
		cmocka_unit_test(test_huge_timestamp_in_document),
		cmocka_unit_test(test_encoding_errors_are_silent),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
