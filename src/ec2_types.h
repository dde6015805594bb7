/* SPDX-License-Identifier: ISC */
/*
 * ec2_types: what EC2 and STS told us, as plain C structs.
 *
 * These are the *observed* side of the model: ec2_xml fills them from XML
 * answers, the EC2 client hands them to the reconciler and planner, which
 * must not need libxml2 to read them.  Field names follow the wire element
 * names of ec2-api.md §4 in snake_case.
 *
 * Conventions:
 *   - every `char *` is owned, NUL-terminated, and NULL when the element was
 *     absent or empty (`<x/>` and no element mean the same thing);
 *   - enumerations (states, types) stay strings: EC2 adds values over time
 *     and the wire case differs from the model (ec2-api.md §5), so callers
 *     compare with strcasecmp where the doc says so;
 *   - an optional boolean is an `enum ec2_bool` (unset / false / true);
 *   - lists are (pointer, count); an empty or absent list is (NULL, 0).
 * Free with the matching *_free() in ec2_xml.h; all are NULL-safe.
 *
 * Pure data: no functions here, no I/O.
 */
#ifndef VPCESD_EC2_TYPES_H
#define VPCESD_EC2_TYPES_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "strv.h"

enum ec2_bool {
	EC2_BOOL_UNSET = 0,
	EC2_BOOL_FALSE,
	EC2_BOOL_TRUE,
};

struct ec2_tag {
	char *key;
	char *value; /* "" for an empty value is kept as "" (not NULL): tags distinguish them */
};

struct ec2_tags {
	struct ec2_tag *v;
	size_t n;
};

/* privateDnsNameConfiguration: the TXT record EC2 wants to see. */
struct ec2_private_dns_config {
	char *state; /* pendingVerification | verified | failed */
	char *type;  /* e.g. TXT */
	char *value; /* record content */
	char *name;  /* record label */
};

/* supportedRegionSet/item */
struct ec2_supported_region {
	char *region;
	char *service_state; /* Pending | Available | Deleting | Deleted | Failed | Closed */
};

struct ec2_service_config {
	struct strv
		service_types; /* serviceType/item/serviceType: Interface | Gateway | GatewayLoadBalancer */
	char *service_id;
	char *service_name;
	char *service_state; /* Pending | Available | Deleting | Deleted | Failed */
	struct strv availability_zone_ids;
	struct strv availability_zones;
	enum ec2_bool acceptance_required;
	enum ec2_bool manages_vpc_endpoints;
	enum ec2_bool remote_access_enabled;
	struct strv network_load_balancer_arns;
	struct strv gateway_load_balancer_arns;
	struct strv supported_ip_address_types;
	struct strv base_endpoint_dns_names;
	char *private_dns_name;
	struct ec2_private_dns_config private_dns_name_configuration; /* all NULL when absent */
	char *payer_responsibility;
	struct ec2_tags tags;
	struct ec2_supported_region *supported_regions;
	size_t n_supported_regions;
};

/* DescribeVpcEndpointServiceConfigurations: one page. */
struct ec2_service_page {
	char *request_id;
	struct ec2_service_config *v;
	size_t n;
	char *next_token; /* NULL on the last page */
};

/* CreateVpcEndpointServiceConfiguration */
struct ec2_create_service_result {
	char *request_id;
	struct ec2_service_config config;
	char *client_token;
};

/* allowedPrincipals/item (tags empty) and addedPrincipalSet/item (no tags). */
struct ec2_principal {
	char *principal_type; /* All | Service | OrganizationUnit | Account | User | Role */
	char *principal;      /* ARN or "*" */
	char *service_permission_id;
	char *service_id;
	struct ec2_tags tags;
};

/* DescribeVpcEndpointServicePermissions: one page. */
struct ec2_principal_page {
	char *request_id;
	struct ec2_principal *v;
	size_t n;
	char *next_token;
};

/* ModifyVpcEndpointServicePermissions */
struct ec2_modify_permissions_result {
	char *request_id;
	struct ec2_principal *added; /* addedPrincipalSet */
	size_t n_added;
	enum ec2_bool ret; /* <return> */
};

struct ec2_dns_entry {
	char *dns_name;
	char *hosted_zone_id;
};

struct ec2_payer_responsibility {
	char *scope;
	char *payer_responsibility_type;
};

/* vpcEndpointConnectionSet/item */
struct ec2_endpoint_connection {
	char *service_id;
	char *vpc_endpoint_id;
	char *vpc_endpoint_owner;
	char *vpc_endpoint_state; /* lowerCamel on the wire; compare case-insensitively */
	bool has_creation_timestamp;
	time_t creation_timestamp; /* UTC */
	struct ec2_dns_entry *dns_entries;
	size_t n_dns_entries;
	struct strv network_load_balancer_arns;
	struct strv gateway_load_balancer_arns;
	char *ip_address_type; /* ipv4 | dualstack | ipv6 */
	char *vpc_endpoint_connection_id;
	struct ec2_tags tags;
	char *vpc_endpoint_region;
	struct ec2_payer_responsibility *payer_responsibilities;
	size_t n_payer_responsibilities;
};

/* DescribeVpcEndpointConnections: one page. */
struct ec2_connection_page {
	char *request_id;
	struct ec2_endpoint_connection *v;
	size_t n;
	char *next_token;
};

struct ec2_connection_notification {
	char *connection_notification_id;
	char *service_id;
	char *vpc_endpoint_id;
	char *connection_notification_type; /* Topic */
	char *connection_notification_arn;
	struct strv connection_events;       /* Accept | Connect | Delete | Reject */
	char *connection_notification_state; /* Enabled | Disabled */
	char *service_region;
};

/* DescribeVpcEndpointConnectionNotifications: one page. */
struct ec2_notification_page {
	char *request_id;
	struct ec2_connection_notification *v;
	size_t n;
	char *next_token;
};

/* CreateVpcEndpointConnectionNotification */
struct ec2_create_notification_result {
	char *request_id;
	struct ec2_connection_notification notification;
	char *client_token;
};

/* unsuccessful/item: a per-id failure inside an HTTP 200 answer. */
struct ec2_unsuccessful {
	char *resource_id;
	char *code;    /* error/code */
	char *message; /* error/message */
};

/*
 * The answer of every call that returns only `return` and/or `unsuccessful`
 * (Modify…Configuration, Delete…Configurations, Accept/Reject…Connections,
 * CreateTags, DeleteTags, Start…PrivateDnsVerification,
 * Delete…ConnectionNotifications).
 */
struct ec2_result {
	char *request_id;
	enum ec2_bool ret; /* <return>, unset when absent */
	struct ec2_unsuccessful *unsuccessful;
	size_t n_unsuccessful;
};

/* An EC2 (`Response/Errors/Error`) or STS (`ErrorResponse/Error`, `Error`) error. */
struct ec2_error {
	char *code;       /* e.g. InvalidVpcEndpointServiceId.NotFound */
	char *message;    /* server text; may be NULL */
	char *type;       /* STS only: Sender | Receiver */
	char *request_id; /* RequestID (EC2) / RequestId (STS) */
};

/*
 * STS AssumeRole / AssumeRoleWithWebIdentity result.  secret_access_key and
 * session_token are secrets: sts_credentials_free() wipes them, and nothing
 * may log or copy them into error messages.
 */
struct sts_credentials {
	char *access_key_id;
	char *secret_access_key;
	char *session_token;
	time_t expiration;      /* UTC */
	char *assumed_role_arn; /* AssumedRoleUser/Arn, may be NULL */
	char *request_id;       /* ResponseMetadata/RequestId */
};

#endif
