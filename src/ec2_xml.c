/* SPDX-License-Identifier: ISC */
/*
 * ec2_xml: EC2 and STS answers → ec2_types.h structs.  See ec2_xml.h.
 *
 * The answers are small trees of `<name>text</name>`, nested structures and
 * `<xSet><item>…</item></xSet>` lists, whose element order EC2 does not keep
 * stable.  Rather than one hand-written walker per answer, each struct is
 * described by a table (`struct xp_shape`: element name → kind + offset in
 * the C struct) and one generic streaming reader (xp.c) fills any struct
 * from its table.  That keeps the rules — match by local name within the
 * parent, refuse duplicates, `<x/>` equals absent, strict booleans, bounded
 * strings and lists — in one place, where the fuzzer exercises all of them
 * at once.  This file holds the tables, the destructors and the entry points.
 */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "ec2_xml.h"
#include "secret.h"
#include "xp.h"

#define NFIELDS(a) (sizeof(a) / sizeof((a)[0]))

static void
xp_str_free(char **s)
{
	free(*s);
	*s = NULL;
}

static void
xp_secret_free(char **s)
{
	secret_free(*s);
	*s = NULL;
}

/*
 * Parse a whole answer whose root must be `root_name` into out (sizeof
 * sh->size), using sh for the root's children; out is filled only on
 * success.
 */
static int
xp_parse(const char *body, size_t len, const char *root_name, const struct xp_shape *sh, void *out,
	 bool secret, struct err *e)
{
	const struct xp_root root = {root_name, sh};
	char seen[72] = "";
	size_t which;
	void *obj;
	int r;

	obj = calloc(1, sh->size);
	if (obj == NULL)
		return err_set(e, -ENOMEM, "XML: out of memory");
	r = xp_read(body, len, &root, 1, obj, secret, &which, seen, sizeof(seen), e);
	if (r == -ENOMSG) {
		if (strcmp(seen, "Response") == 0 || strcmp(seen, "ErrorResponse") == 0 ||
		    strcmp(seen, "Error") == 0)
			r = err_set(e, -EBADMSG, "XML: expected <%s>, got an error document <%s>",
				    root_name, seen);
		else
			r = err_set(e, -EBADMSG, "XML: expected root <%s>, got <%s>", root_name,
				    seen);
	}
	if (r < 0) {
		sh->free_fn(obj);
		if (secret)
			OPENSSL_cleanse(obj, sh->size);
		free(obj);
		return r;
	}
	memcpy(out, obj, sh->size);
	if (secret)
		OPENSSL_cleanse(obj, sh->size);
	free(obj);
	return 0;
}

/* ---- destructors -------------------------------------------------------- */

static void
ec2_tags_free(struct ec2_tags *t)
{
	for (size_t i = 0; i < t->n; i++) {
		free(t->v[i].key);
		free(t->v[i].value);
	}
	free(t->v);
	t->v = NULL;
	t->n = 0;
}

void
ec2_service_config_free(struct ec2_service_config *c)
{
	if (c == NULL)
		return;
	strv_free(&c->service_types);
	free(c->service_id);
	free(c->service_name);
	free(c->service_state);
	strv_free(&c->availability_zone_ids);
	strv_free(&c->availability_zones);
	strv_free(&c->network_load_balancer_arns);
	strv_free(&c->gateway_load_balancer_arns);
	strv_free(&c->supported_ip_address_types);
	strv_free(&c->base_endpoint_dns_names);
	free(c->private_dns_name);
	free(c->private_dns_name_configuration.state);
	free(c->private_dns_name_configuration.type);
	free(c->private_dns_name_configuration.value);
	free(c->private_dns_name_configuration.name);
	free(c->payer_responsibility);
	ec2_tags_free(&c->tags);
	for (size_t i = 0; i < c->n_supported_regions; i++) {
		free(c->supported_regions[i].region);
		free(c->supported_regions[i].service_state);
	}
	free(c->supported_regions);
	memset(c, 0, sizeof(*c));
}

void
ec2_service_page_free(struct ec2_service_page *p)
{
	if (p == NULL)
		return;
	for (size_t i = 0; i < p->n; i++)
		ec2_service_config_free(&p->v[i]);
	free(p->v);
	free(p->request_id);
	free(p->next_token);
	memset(p, 0, sizeof(*p));
}

void
ec2_create_service_result_free(struct ec2_create_service_result *r)
{
	if (r == NULL)
		return;
	free(r->request_id);
	ec2_service_config_free(&r->config);
	free(r->client_token);
	memset(r, 0, sizeof(*r));
}

static void
ec2_principal_free(struct ec2_principal *p)
{
	free(p->principal_type);
	free(p->principal);
	free(p->service_permission_id);
	free(p->service_id);
	ec2_tags_free(&p->tags);
	memset(p, 0, sizeof(*p));
}

void
ec2_principal_page_free(struct ec2_principal_page *p)
{
	if (p == NULL)
		return;
	for (size_t i = 0; i < p->n; i++)
		ec2_principal_free(&p->v[i]);
	free(p->v);
	free(p->request_id);
	free(p->next_token);
	memset(p, 0, sizeof(*p));
}

void
ec2_modify_permissions_result_free(struct ec2_modify_permissions_result *r)
{
	if (r == NULL)
		return;
	for (size_t i = 0; i < r->n_added; i++)
		ec2_principal_free(&r->added[i]);
	free(r->added);
	free(r->request_id);
	memset(r, 0, sizeof(*r));
}

void
ec2_endpoint_connection_free(struct ec2_endpoint_connection *c)
{
	if (c == NULL)
		return;
	free(c->service_id);
	free(c->vpc_endpoint_id);
	free(c->vpc_endpoint_owner);
	free(c->vpc_endpoint_state);
	for (size_t i = 0; i < c->n_dns_entries; i++) {
		free(c->dns_entries[i].dns_name);
		free(c->dns_entries[i].hosted_zone_id);
	}
	free(c->dns_entries);
	strv_free(&c->network_load_balancer_arns);
	strv_free(&c->gateway_load_balancer_arns);
	free(c->ip_address_type);
	free(c->vpc_endpoint_connection_id);
	ec2_tags_free(&c->tags);
	free(c->vpc_endpoint_region);
	for (size_t i = 0; i < c->n_payer_responsibilities; i++) {
		free(c->payer_responsibilities[i].scope);
		free(c->payer_responsibilities[i].payer_responsibility_type);
	}
	free(c->payer_responsibilities);
	memset(c, 0, sizeof(*c));
}

void
ec2_connection_page_free(struct ec2_connection_page *p)
{
	if (p == NULL)
		return;
	for (size_t i = 0; i < p->n; i++)
		ec2_endpoint_connection_free(&p->v[i]);
	free(p->v);
	free(p->request_id);
	free(p->next_token);
	memset(p, 0, sizeof(*p));
}

static void
ec2_connection_notification_free(struct ec2_connection_notification *n)
{
	free(n->connection_notification_id);
	free(n->service_id);
	free(n->vpc_endpoint_id);
	free(n->connection_notification_type);
	free(n->connection_notification_arn);
	strv_free(&n->connection_events);
	free(n->connection_notification_state);
	free(n->service_region);
	memset(n, 0, sizeof(*n));
}

void
ec2_notification_page_free(struct ec2_notification_page *p)
{
	if (p == NULL)
		return;
	for (size_t i = 0; i < p->n; i++)
		ec2_connection_notification_free(&p->v[i]);
	free(p->v);
	free(p->request_id);
	free(p->next_token);
	memset(p, 0, sizeof(*p));
}

void
ec2_create_notification_result_free(struct ec2_create_notification_result *r)
{
	if (r == NULL)
		return;
	free(r->request_id);
	ec2_connection_notification_free(&r->notification);
	free(r->client_token);
	memset(r, 0, sizeof(*r));
}

void
ec2_result_free(struct ec2_result *r)
{
	if (r == NULL)
		return;
	for (size_t i = 0; i < r->n_unsuccessful; i++) {
		free(r->unsuccessful[i].resource_id);
		free(r->unsuccessful[i].code);
		free(r->unsuccessful[i].message);
	}
	free(r->unsuccessful);
	free(r->request_id);
	memset(r, 0, sizeof(*r));
}

void
ec2_error_free(struct ec2_error *err)
{
	if (err == NULL)
		return;
	free(err->code);
	free(err->message);
	free(err->type);
	free(err->request_id);
	memset(err, 0, sizeof(*err));
}

void
sts_credentials_free(struct sts_credentials *c)
{
	if (c == NULL)
		return;
	xp_str_free(&c->access_key_id);
	xp_secret_free(&c->secret_access_key);
	xp_secret_free(&c->session_token);
	xp_str_free(&c->assumed_role_arn);
	xp_str_free(&c->request_id);
	memset(c, 0, sizeof(*c));
}

/* void * adapters for the shape tables. */
#define XP_FREE_ADAPTER(name, type, fn) \
	static void name(void *p)       \
	{                               \
		fn((type *)p);          \
	}
XP_FREE_ADAPTER(xp_free_service_config, struct ec2_service_config, ec2_service_config_free)
XP_FREE_ADAPTER(xp_free_service_page, struct ec2_service_page, ec2_service_page_free)
XP_FREE_ADAPTER(xp_free_create_service, struct ec2_create_service_result,
		ec2_create_service_result_free)
XP_FREE_ADAPTER(xp_free_principal, struct ec2_principal, ec2_principal_free)
XP_FREE_ADAPTER(xp_free_principal_page, struct ec2_principal_page, ec2_principal_page_free)
XP_FREE_ADAPTER(xp_free_modify_permissions, struct ec2_modify_permissions_result,
		ec2_modify_permissions_result_free)
XP_FREE_ADAPTER(xp_free_connection, struct ec2_endpoint_connection, ec2_endpoint_connection_free)
XP_FREE_ADAPTER(xp_free_connection_page, struct ec2_connection_page, ec2_connection_page_free)
XP_FREE_ADAPTER(xp_free_notification, struct ec2_connection_notification,
		ec2_connection_notification_free)
XP_FREE_ADAPTER(xp_free_notification_page, struct ec2_notification_page, ec2_notification_page_free)
XP_FREE_ADAPTER(xp_free_create_notification, struct ec2_create_notification_result,
		ec2_create_notification_result_free)
XP_FREE_ADAPTER(xp_free_result, struct ec2_result, ec2_result_free)
XP_FREE_ADAPTER(xp_free_sts, struct sts_credentials, sts_credentials_free)

static void
xp_free_tag(void *p)
{
	struct ec2_tag *t = p;

	free(t->key);
	free(t->value);
}

static void
xp_free_pair(void *p)
{
	char **s = p; /* both element structs below are two char * */

	free(s[0]);
	free(s[1]);
}

static void
xp_free_unsuccessful(void *p)
{
	struct ec2_unsuccessful *u = p;

	free(u->resource_id);
	free(u->code);
	free(u->message);
}

static void
xp_free_nothing(void *p)
{
	(void)p;
}

/* A tag needs a key; an empty or absent value is "". */
static int
xp_check_tag(void *obj, struct err *e)
{
	struct ec2_tag *t = obj;

	if (t->key == NULL)
		return err_set(e, -EBADMSG, "XML: tag without <key>");
	if (t->value == NULL) {
		t->value = strdup("");
		if (t->value == NULL)
			return err_set(e, -ENOMEM, "XML: out of memory");
	}
	return 0;
}

/* ---- shape tables ------------------------------------------------------- */

#define F_STR(n, T, m)                                           \
	{                                                        \
		.name = n, .kind = XP_STR, .off = offsetof(T, m) \
	}
#define F_STRE(n, T, m)                                                \
	{                                                              \
		.name = n, .kind = XP_STR_EMPTY, .off = offsetof(T, m) \
	}
#define F_BOOL(n, T, m)                                           \
	{                                                         \
		.name = n, .kind = XP_BOOL, .off = offsetof(T, m) \
	}
#define F_TIME(n, T, m, has)                                                               \
	{                                                                                  \
		.name = n, .kind = XP_TIME, .off = offsetof(T, m), .aux = offsetof(T, has) \
	}
#define F_STRV(n, T, m)                                           \
	{                                                         \
		.name = n, .kind = XP_STRV, .off = offsetof(T, m) \
	}
#define F_STRVI(n, T, m, in)                                                         \
	{                                                                            \
		.name = n, .kind = XP_STRV_INNER, .off = offsetof(T, m), .inner = in \
	}
#define F_STRUCT(n, T, m, sh)                                                   \
	{                                                                       \
		.name = n, .kind = XP_STRUCT, .off = offsetof(T, m), .sub = &sh \
	}
#define F_LIST(n, T, m, cnt, sh)                                                            \
	{                                                                                   \
		.name = n, .kind = XP_LIST, .off = offsetof(T, m), .aux = offsetof(T, cnt), \
		.sub = &sh                                                                  \
	}
#define SHAPE(what, fields, T, freefn, check)                           \
	{                                                               \
		what, fields, NFIELDS(fields), sizeof(T), freefn, check \
	}

static const struct xp_field tag_fields[] = {
	F_STR("key", struct ec2_tag, key),
	F_STRE("value", struct ec2_tag, value),
};
static const struct xp_shape tag_shape =
	SHAPE("tag", tag_fields, struct ec2_tag, xp_free_tag, xp_check_tag);

static const struct xp_field pdns_fields[] = {
	F_STR("state", struct ec2_private_dns_config, state),
	F_STR("type", struct ec2_private_dns_config, type),
	F_STR("value", struct ec2_private_dns_config, value),
	F_STR("name", struct ec2_private_dns_config, name),
};
static const struct xp_shape pdns_shape =
	SHAPE("private DNS configuration", pdns_fields, struct ec2_private_dns_config,
	      xp_free_nothing, NULL);

static const struct xp_field region_fields[] = {
	F_STR("region", struct ec2_supported_region, region),
	F_STR("serviceState", struct ec2_supported_region, service_state),
};
static const struct xp_shape region_shape =
	SHAPE("supported region", region_fields, struct ec2_supported_region, xp_free_pair, NULL);

#define SC struct ec2_service_config
static const struct xp_field service_fields[] = {
	F_STRVI("serviceType", SC, service_types, "serviceType"),
	F_STR("serviceId", SC, service_id),
	F_STR("serviceName", SC, service_name),
	F_STR("serviceState", SC, service_state),
	F_STRV("availabilityZoneIdSet", SC, availability_zone_ids),
	F_STRV("availabilityZoneSet", SC, availability_zones),
	F_BOOL("acceptanceRequired", SC, acceptance_required),
	F_BOOL("managesVpcEndpoints", SC, manages_vpc_endpoints),
	F_BOOL("remoteAccessEnabled", SC, remote_access_enabled),
	F_STRV("networkLoadBalancerArnSet", SC, network_load_balancer_arns),
	F_STRV("gatewayLoadBalancerArnSet", SC, gateway_load_balancer_arns),
	F_STRV("supportedIpAddressTypeSet", SC, supported_ip_address_types),
	F_STRV("baseEndpointDnsNameSet", SC, base_endpoint_dns_names),
	F_STR("privateDnsName", SC, private_dns_name),
	F_STRUCT("privateDnsNameConfiguration", SC, private_dns_name_configuration, pdns_shape),
	F_STR("payerResponsibility", SC, payer_responsibility),
	F_LIST("tagSet", SC, tags.v, tags.n, tag_shape),
	F_LIST("supportedRegionSet", SC, supported_regions, n_supported_regions, region_shape),
};
#undef SC
static const struct xp_shape service_shape =
	SHAPE("service configuration", service_fields, struct ec2_service_config,
	      xp_free_service_config, NULL);

static const struct xp_field service_page_fields[] = {
	F_STR("requestId", struct ec2_service_page, request_id),
	F_LIST("serviceConfigurationSet", struct ec2_service_page, v, n, service_shape),
	F_STR("nextToken", struct ec2_service_page, next_token),
};
static const struct xp_shape service_page_shape = SHAPE(
	"Describe page", service_page_fields, struct ec2_service_page, xp_free_service_page, NULL);

static const struct xp_field create_service_fields[] = {
	F_STR("requestId", struct ec2_create_service_result, request_id),
	F_STRUCT("serviceConfiguration", struct ec2_create_service_result, config, service_shape),
	F_STR("clientToken", struct ec2_create_service_result, client_token),
};
static const struct xp_shape create_service_shape =
	SHAPE("Create result", create_service_fields, struct ec2_create_service_result,
	      xp_free_create_service, NULL);

#define PR struct ec2_principal
static const struct xp_field principal_fields[] = {
	F_STR("principalType", PR, principal_type),
	F_STR("principal", PR, principal),
	F_STR("servicePermissionId", PR, service_permission_id),
	F_STR("serviceId", PR, service_id),
	F_LIST("tagSet", PR, tags.v, tags.n, tag_shape),
};
#undef PR
static const struct xp_shape principal_shape =
	SHAPE("principal", principal_fields, struct ec2_principal, xp_free_principal, NULL);

static const struct xp_field principal_page_fields[] = {
	F_STR("requestId", struct ec2_principal_page, request_id),
	F_LIST("allowedPrincipals", struct ec2_principal_page, v, n, principal_shape),
	F_STR("nextToken", struct ec2_principal_page, next_token),
};
static const struct xp_shape principal_page_shape =
	SHAPE("permissions page", principal_page_fields, struct ec2_principal_page,
	      xp_free_principal_page, NULL);

static const struct xp_field modify_permissions_fields[] = {
	F_STR("requestId", struct ec2_modify_permissions_result, request_id),
	F_LIST("addedPrincipalSet", struct ec2_modify_permissions_result, added, n_added,
	       principal_shape),
	F_BOOL("return", struct ec2_modify_permissions_result, ret),
};
static const struct xp_shape modify_permissions_shape =
	SHAPE("permissions result", modify_permissions_fields, struct ec2_modify_permissions_result,
	      xp_free_modify_permissions, NULL);

static const struct xp_field dns_fields[] = {
	F_STR("dnsName", struct ec2_dns_entry, dns_name),
	F_STR("hostedZoneId", struct ec2_dns_entry, hosted_zone_id),
};
static const struct xp_shape dns_shape =
	SHAPE("DNS entry", dns_fields, struct ec2_dns_entry, xp_free_pair, NULL);

static const struct xp_field payer_fields[] = {
	F_STR("scope", struct ec2_payer_responsibility, scope),
	F_STR("payerResponsibilityType", struct ec2_payer_responsibility,
	      payer_responsibility_type),
};
static const struct xp_shape payer_shape = SHAPE(
	"payer responsibility", payer_fields, struct ec2_payer_responsibility, xp_free_pair, NULL);

#define CO struct ec2_endpoint_connection
static const struct xp_field connection_fields[] = {
	F_STR("serviceId", CO, service_id),
	F_STR("vpcEndpointId", CO, vpc_endpoint_id),
	F_STR("vpcEndpointOwner", CO, vpc_endpoint_owner),
	F_STR("vpcEndpointState", CO, vpc_endpoint_state),
	F_TIME("creationTimestamp", CO, creation_timestamp, has_creation_timestamp),
	F_LIST("dnsEntrySet", CO, dns_entries, n_dns_entries, dns_shape),
	F_STRV("networkLoadBalancerArnSet", CO, network_load_balancer_arns),
	F_STRV("gatewayLoadBalancerArnSet", CO, gateway_load_balancer_arns),
	F_STR("ipAddressType", CO, ip_address_type),
	F_STR("vpcEndpointConnectionId", CO, vpc_endpoint_connection_id),
	F_LIST("tagSet", CO, tags.v, tags.n, tag_shape),
	F_STR("vpcEndpointRegion", CO, vpc_endpoint_region),
	F_LIST("payerResponsibilitySet", CO, payer_responsibilities, n_payer_responsibilities,
	       payer_shape),
};
#undef CO
static const struct xp_shape connection_shape =
	SHAPE("endpoint connection", connection_fields, struct ec2_endpoint_connection,
	      xp_free_connection, NULL);

static const struct xp_field connection_page_fields[] = {
	F_STR("requestId", struct ec2_connection_page, request_id),
	F_LIST("vpcEndpointConnectionSet", struct ec2_connection_page, v, n, connection_shape),
	F_STR("nextToken", struct ec2_connection_page, next_token),
};
static const struct xp_shape connection_page_shape =
	SHAPE("connections page", connection_page_fields, struct ec2_connection_page,
	      xp_free_connection_page, NULL);

#define CN struct ec2_connection_notification
static const struct xp_field notification_fields[] = {
	F_STR("connectionNotificationId", CN, connection_notification_id),
	F_STR("serviceId", CN, service_id),
	F_STR("vpcEndpointId", CN, vpc_endpoint_id),
	F_STR("connectionNotificationType", CN, connection_notification_type),
	F_STR("connectionNotificationArn", CN, connection_notification_arn),
	F_STRV("connectionEvents", CN, connection_events),
	F_STR("connectionNotificationState", CN, connection_notification_state),
	F_STR("serviceRegion", CN, service_region),
};
#undef CN
static const struct xp_shape notification_shape =
	SHAPE("connection notification", notification_fields, struct ec2_connection_notification,
	      xp_free_notification, NULL);

static const struct xp_field notification_page_fields[] = {
	F_STR("requestId", struct ec2_notification_page, request_id),
	F_LIST("connectionNotificationSet", struct ec2_notification_page, v, n, notification_shape),
	F_STR("nextToken", struct ec2_notification_page, next_token),
};
static const struct xp_shape notification_page_shape =
	SHAPE("notifications page", notification_page_fields, struct ec2_notification_page,
	      xp_free_notification_page, NULL);

static const struct xp_field create_notification_fields[] = {
	F_STR("requestId", struct ec2_create_notification_result, request_id),
	F_STRUCT("connectionNotification", struct ec2_create_notification_result, notification,
		 notification_shape),
	F_STR("clientToken", struct ec2_create_notification_result, client_token),
};
static const struct xp_shape create_notification_shape =
	SHAPE("notification result", create_notification_fields,
	      struct ec2_create_notification_result, xp_free_create_notification, NULL);

/* unsuccessful/item: `error` is flattened into the same struct (offset 0). */
static const struct xp_field unsuccessful_error_fields[] = {
	F_STR("code", struct ec2_unsuccessful, code),
	F_STR("message", struct ec2_unsuccessful, message),
};
static const struct xp_shape unsuccessful_error_shape =
	SHAPE("unsuccessful error", unsuccessful_error_fields, struct ec2_unsuccessful,
	      xp_free_nothing, NULL);
static const struct xp_field unsuccessful_fields[] = {
	F_STR("resourceId", struct ec2_unsuccessful, resource_id),
	{.name = "error", .kind = XP_STRUCT, .sub = &unsuccessful_error_shape},
};
static const struct xp_shape unsuccessful_shape =
	SHAPE("unsuccessful item", unsuccessful_fields, struct ec2_unsuccessful,
	      xp_free_unsuccessful, NULL);

static const struct xp_field result_fields[] = {
	F_STR("requestId", struct ec2_result, request_id),
	F_BOOL("return", struct ec2_result, ret),
	F_LIST("unsuccessful", struct ec2_result, unsuccessful, n_unsuccessful, unsuccessful_shape),
};
static const struct xp_shape result_shape =
	SHAPE("result", result_fields, struct ec2_result, xp_free_result, NULL);

/*
 * Errors.  EC2: Response/Errors/Error, with RequestID beside Errors; STS:
 * ErrorResponse/Error, with RequestId beside Error; or a bare <Error> root.
 * The first <Error> counts, and the request id beside it beats one inside.
 * Every shape below fills the same struct error_doc (offset 0 all the way
 * down), so the error shape's check can note that an <Error> was there.
 */
struct error_doc {
	struct ec2_error err;
	char *outer_id;
	bool has_error;
};

static int
xp_check_error(void *obj, struct err *e)
{
	(void)e;
	((struct error_doc *)obj)->has_error = true;
	return 0;
}

static void
xp_free_error_doc(void *p)
{
	struct error_doc *d = p;

	ec2_error_free(&d->err);
	xp_str_free(&d->outer_id);
}

#define ED struct error_doc
static const struct xp_field error_fields[] = {
	F_STR("Code", ED, err.code), F_STR("Message", ED, err.message), F_STR("Type", ED, err.type),
	F_STR("RequestId", ED, err.request_id), /* bare <Error> root */
};
static const struct xp_shape error_shape =
	SHAPE("error", error_fields, ED, xp_free_error_doc, xp_check_error);

#define F_FIRST_ERROR(n, sh)                                                        \
	{                                                                           \
		.name = n, .kind = XP_STRUCT, .sub = &sh, .repeat = XP_REPEAT_FIRST \
	}
#define F_OUTER_ID(n)                                                                              \
	{                                                                                          \
		.name = n, .kind = XP_STR, .off = offsetof(ED, outer_id), .repeat = XP_REPEAT_LAST \
	}
static const struct xp_field errors_fields[] = {F_FIRST_ERROR("Error", error_shape)};
static const struct xp_shape errors_shape =
	SHAPE("errors", errors_fields, ED, xp_free_error_doc, NULL);
static const struct xp_field ec2_error_doc_fields[] = {
	F_FIRST_ERROR("Errors", errors_shape), F_OUTER_ID("RequestID"), F_OUTER_ID("RequestId")};
static const struct xp_shape ec2_error_doc_shape =
	SHAPE("EC2 error", ec2_error_doc_fields, ED, xp_free_error_doc, NULL);
static const struct xp_field sts_error_doc_fields[] = {
	F_FIRST_ERROR("Error", error_shape), F_OUTER_ID("RequestId"), F_OUTER_ID("RequestID")};
static const struct xp_shape sts_error_doc_shape =
	SHAPE("STS error", sts_error_doc_fields, ED, xp_free_error_doc, NULL);
#undef ED

/* STS: <XResult> and <ResponseMetadata> are flattened into sts_credentials. */
static const struct xp_field sts_creds_fields[] = {
	F_STR("AccessKeyId", struct sts_credentials, access_key_id),
	F_STR("SecretAccessKey", struct sts_credentials, secret_access_key),
	F_STR("SessionToken", struct sts_credentials, session_token),
	{.name = "Expiration",
	 .kind = XP_TIME,
	 .off = offsetof(struct sts_credentials, expiration),
	 .aux = offsetof(struct sts_credentials, expiration) /* overwritten by a flag below */},
};

/* ---- public parsers ----------------------------------------------------- */

int
ec2_xml_service_page(const char *body, size_t len, struct ec2_service_page *out, struct err *e)
{
	return xp_parse(body, len, "DescribeVpcEndpointServiceConfigurationsResponse",
			&service_page_shape, out, false, e);
}

int
ec2_xml_create_service(const char *body, size_t len, struct ec2_create_service_result *out,
		       struct err *e)
{
	return xp_parse(body, len, "CreateVpcEndpointServiceConfigurationResponse",
			&create_service_shape, out, false, e);
}

int
ec2_xml_principal_page(const char *body, size_t len, struct ec2_principal_page *out, struct err *e)
{
	return xp_parse(body, len, "DescribeVpcEndpointServicePermissionsResponse",
			&principal_page_shape, out, false, e);
}

int
ec2_xml_modify_permissions(const char *body, size_t len, struct ec2_modify_permissions_result *out,
			   struct err *e)
{
	return xp_parse(body, len, "ModifyVpcEndpointServicePermissionsResponse",
			&modify_permissions_shape, out, false, e);
}

int
ec2_xml_connection_page(const char *body, size_t len, struct ec2_connection_page *out,
			struct err *e)
{
	return xp_parse(body, len, "DescribeVpcEndpointConnectionsResponse", &connection_page_shape,
			out, false, e);
}

int
ec2_xml_notification_page(const char *body, size_t len, struct ec2_notification_page *out,
			  struct err *e)
{
	return xp_parse(body, len, "DescribeVpcEndpointConnectionNotificationsResponse",
			&notification_page_shape, out, false, e);
}

int
ec2_xml_create_notification(const char *body, size_t len,
			    struct ec2_create_notification_result *out, struct err *e)
{
	return xp_parse(body, len, "CreateVpcEndpointConnectionNotificationResponse",
			&create_notification_shape, out, false, e);
}

/* "<action>Response" into buf; false when the action name is unusable. */
static bool
xp_root_name(const char *action, const char *suffix, char *buf, size_t size)
{
	int n;

	if (action == NULL || action[0] == '\0')
		return false;
	for (const char *p = action; *p; p++)
		if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z')))
			return false;
	n = snprintf(buf, size, "%s%s", action, suffix);
	return n > 0 && (size_t)n < size;
}

int
ec2_xml_result(const char *action, const char *body, size_t len, struct ec2_result *out,
	       struct err *e)
{
	char root[128];

	if (!xp_root_name(action, "Response", root, sizeof(root)))
		return err_set(e, -EINVAL, "XML: invalid action name");
	return xp_parse(body, len, root, &result_shape, out, false, e);
}

int
ec2_xml_error(const char *body, size_t len, struct ec2_error *out, struct err *e)
{
	static const struct xp_root roots[] = {
		{"Response", &ec2_error_doc_shape},
		{"ErrorResponse", &sts_error_doc_shape},
		{"Error", &error_shape},
	};
	struct error_doc d;
	char seen[72] = "";
	size_t which;
	int r;

	memset(&d, 0, sizeof(d));
	r = xp_read(body, len, roots, NFIELDS(roots), &d, false, &which, seen, sizeof(seen), e);
	if (r == -ENOMSG)
		r = err_set(e, -EBADMSG, "XML: <%s> is not an EC2 or STS error document", seen);
	else if (r == 0 && !d.has_error)
		r = err_set(e, -EBADMSG, "XML: error document without <Error>");
	else if (r == 0 && d.err.code == NULL)
		r = err_set(e, -EBADMSG, "XML: error document without <Code>");
	if (r < 0) {
		xp_free_error_doc(&d);
		return r;
	}
	if (d.outer_id != NULL) {
		free(d.err.request_id);
		d.err.request_id = d.outer_id;
	}
	*out = d.err;
	return 0;
}

int
ec2_xml_sts_credentials(const char *action, const char *body, size_t len,
			struct sts_credentials *out, struct err *e)
{
	/* The flag for Expiration lives in a wrapper so sts_credentials stays plain. */
	struct sts_wrap {
		struct sts_credentials c;
		bool has_expiration;
	};
	struct xp_field creds_fields[NFIELDS(sts_creds_fields)];
	const struct xp_field user_fields[] = {
		F_STR("Arn", struct sts_wrap, c.assumed_role_arn),
	};
	const struct xp_field meta_fields[] = {
		F_STR("RequestId", struct sts_wrap, c.request_id),
	};
	struct xp_shape creds_shape = {"credentials",           creds_fields, NFIELDS(creds_fields),
				       sizeof(struct sts_wrap), xp_free_sts,  NULL};
	const struct xp_shape user_shape = {"assumed role user",  user_fields,
					    NFIELDS(user_fields), sizeof(struct sts_wrap),
					    xp_free_nothing,      NULL};
	const struct xp_shape meta_shape = {"response metadata",  meta_fields,
					    NFIELDS(meta_fields), sizeof(struct sts_wrap),
					    xp_free_nothing,      NULL};
	const struct xp_field result_sts_fields[] = {
		{.name = "Credentials", .kind = XP_STRUCT, .sub = &creds_shape},
		{.name = "AssumedRoleUser", .kind = XP_STRUCT, .sub = &user_shape},
	};
	const struct xp_shape result_sts_shape = {"STS result",
						  result_sts_fields,
						  NFIELDS(result_sts_fields),
						  sizeof(struct sts_wrap),
						  xp_free_nothing,
						  NULL};
	char root[128], result[128];
	struct xp_field root_fields[2];
	struct xp_shape root_shape;
	struct sts_wrap w;
	int r;

	if ((action == NULL || (strcmp(action, "AssumeRole") != 0 &&
				strcmp(action, "AssumeRoleWithWebIdentity") != 0)) ||
	    !xp_root_name(action, "Response", root, sizeof(root)) ||
	    !xp_root_name(action, "Result", result, sizeof(result)))
		return err_set(e, -EINVAL, "XML: unsupported STS action");
	memcpy(creds_fields, sts_creds_fields, sizeof(creds_fields));
	for (size_t i = 0; i < NFIELDS(creds_fields); i++)
		if (creds_fields[i].kind == XP_TIME)
			creds_fields[i].aux = offsetof(struct sts_wrap, has_expiration);
	root_fields[0] =
		(struct xp_field){.name = result, .kind = XP_STRUCT, .sub = &result_sts_shape};
	root_fields[1] = (struct xp_field){
		.name = "ResponseMetadata", .kind = XP_STRUCT, .sub = &meta_shape};
	root_shape = (struct xp_shape){"STS answer", root_fields, 2, sizeof(struct sts_wrap),
				       xp_free_sts,  NULL};

	memset(&w, 0, sizeof(w));
	r = xp_parse(body, len, root, &root_shape, &w, true, e);
	if (r < 0)
		return r;
	if (w.c.access_key_id == NULL || w.c.secret_access_key == NULL ||
	    w.c.session_token == NULL || !w.has_expiration) {
		sts_credentials_free(&w.c);
		return err_set(e, -EBADMSG,
			       "XML: %s answer lacks AccessKeyId, SecretAccessKey, SessionToken "
			       "or Expiration",
			       action);
	}
	*out = w.c;
	OPENSSL_cleanse(&w, sizeof(w));
	return 0;
}
