/* SPDX-License-Identifier: ISC */
/*
 * ec2: the EC2 endpoint-service calls vpcesd makes, typed.
 *
 * One function per action, over the call engine of aws.h.  This module owns
 * the wire names of ec2-api.md §3 (through query.h) and pagination:
 *
 *  - a listing follows NextToken to the last page and delivers every item at
 *    once; if any page fails (after aws.h's retries), the whole listing fails
 *    and the caller sees no item at all, so nobody can act on half a list;
 *  - listings are bounded (EC2_LIST_MAX_ITEMS) and a NextToken that repeats
 *    ends the listing with an error instead of looping forever.
 *
 * Calls that answer with `unsuccessful` items (Delete, Accept, Reject)
 * succeed at the HTTP level; the caller inspects res->unsuccessful per id.
 *
 * Ownership: on success each callback receives the result by pointer and
 * takes over its contents (free with the matching *_free of ec2_xml.h, or
 * move the members out); on failure the result pointer is NULL and `resp`
 * describes the failure (resp->r, resp->e, resp->error_code).  Callbacks run
 * from the loop, exactly once per started operation unless it is cancelled.
 *
 * Threading: loop thread only; nothing blocks.
 */
#ifndef VPCESD_EC2_H
#define VPCESD_EC2_H

#include <stdbool.h>
#include <stddef.h>

#include "aws.h"
#include "ec2_types.h"
#include "err.h"
#include "query.h"
#include "strv.h"

#define EC2_API_VERSION    "2016-11-15"
#define EC2_PAGE_SIZE      1000
#define EC2_LIST_MAX_ITEMS 100000
#define EC2_LIST_MAX_PAGES 10000

/* An EC2 filter: Filter.N.Name / Filter.N.Value.M. */
struct ec2_filter {
	const char *name;
	const char *const *values;
	size_t n_values;
};

struct ec2_op;

/* ---- listings ----------------------------------------------------------- */

typedef void ec2_services_fn(void *arg, struct ec2_service_page *all,
			     const struct aws_response *resp);
typedef void ec2_principals_fn(void *arg, struct ec2_principal_page *all,
			       const struct aws_response *resp);
typedef void ec2_connections_fn(void *arg, struct ec2_connection_page *all,
				const struct aws_response *resp);

/*
 * DescribeVpcEndpointServiceConfigurations with `filters` and/or `ids`
 * (ServiceId.N; an unknown id fails the whole call with
 * InvalidVpcEndpointServiceId.NotFound).
 */
int ec2_list_services(struct aws_client *c, const struct ec2_filter *filters, size_t n_filters,
		      const struct strv *ids, ec2_services_fn *done, void *arg,
		      struct ec2_op **ret_op, struct err *e);

/* DescribeVpcEndpointServicePermissions of one service. */
int ec2_list_principals(struct aws_client *c, const char *service_id, ec2_principals_fn *done,
			void *arg, struct ec2_op **ret_op, struct err *e);

/* DescribeVpcEndpointConnections filtered on service-id. */
int ec2_list_connections(struct aws_client *c, const char *service_id, ec2_connections_fn *done,
			 void *arg, struct ec2_op **ret_op, struct err *e);

/* ---- mutations ---------------------------------------------------------- */

typedef void ec2_created_fn(void *arg, struct ec2_create_service_result *res,
			    const struct aws_response *resp);
typedef void ec2_result_fn(void *arg, struct ec2_result *res, const struct aws_response *resp);
typedef void ec2_permissions_fn(void *arg, struct ec2_modify_permissions_result *res,
				const struct aws_response *resp);

struct ec2_tag_kv {
	const char *key;
	const char *value; /* NULL: DeleteTags by key whatever the value */
};

struct ec2_create_service_params {
	bool acceptance_required;
	const struct strv *nlb_arns; /* exactly one of the two non-empty */
	const struct strv *gwlb_arns;
	const char *private_dns_name;        /* NULL: none */
	const struct strv *ip_address_types; /* NULL or empty: EC2's default */
	const struct strv *supported_regions;
	const struct ec2_tag_kv *tags; /* TagSpecification for vpc-endpoint-service */
	size_t n_tags;
	const char *client_token; /* ≤ 64 ASCII, required: creates must be idempotent */
};

/* Every member optional (NULL / UNSET / false = no change). */
struct ec2_modify_service_params {
	const char *service_id;
	enum ec2_bool acceptance_required;
	const char *private_dns_name;
	bool remove_private_dns_name;
	const struct strv *add_nlb_arns, *remove_nlb_arns;
	const struct strv *add_gwlb_arns, *remove_gwlb_arns;
	const struct strv *add_ip_address_types, *remove_ip_address_types;
	const struct strv *add_supported_regions, *remove_supported_regions;
};

int ec2_create_service(struct aws_client *c, const struct ec2_create_service_params *p,
		       ec2_created_fn *done, void *arg, struct ec2_op **ret_op, struct err *e);

int ec2_modify_service(struct aws_client *c, const struct ec2_modify_service_params *p,
		       ec2_result_fn *done, void *arg, struct ec2_op **ret_op, struct err *e);

/* ModifyVpcEndpointServicePermissions: add and remove in one call (either may be NULL). */
int ec2_modify_principals(struct aws_client *c, const char *service_id, const struct strv *add,
			  const struct strv *remove, ec2_permissions_fn *done, void *arg,
			  struct ec2_op **ret_op, struct err *e);

/* CreateTags on one resource; every tag carries a value. */
int ec2_create_tags(struct aws_client *c, const char *resource_id, const struct ec2_tag_kv *tags,
		    size_t n_tags, ec2_result_fn *done, void *arg, struct ec2_op **ret_op,
		    struct err *e);

/*
 * DeleteTags on one resource.  n_tags must be ≥ 1: DeleteTags without tags
 * deletes every tag of the resource, so this function refuses (-EINVAL) to
 * send one.
 */
int ec2_delete_tags(struct aws_client *c, const char *resource_id, const struct ec2_tag_kv *tags,
		    size_t n_tags, ec2_result_fn *done, void *arg, struct ec2_op **ret_op,
		    struct err *e);

/* Accept (accept=true) or reject VpcEndpointId.N of one service. */
int ec2_decide_connections(struct aws_client *c, const char *service_id, bool accept,
			   const struct strv *endpoint_ids, ec2_result_fn *done, void *arg,
			   struct ec2_op **ret_op, struct err *e);

/* DeleteVpcEndpointServiceConfigurations of `ids` (≥ 1). */
int ec2_delete_services(struct aws_client *c, const struct strv *ids, ec2_result_fn *done,
			void *arg, struct ec2_op **ret_op, struct err *e);

/* StartVpcEndpointServicePrivateDnsVerification. */
int ec2_start_dns_verification(struct aws_client *c, const char *service_id, ec2_result_fn *done,
			       void *arg, struct ec2_op **ret_op, struct err *e);

/* Abandon an operation: its callback will not run.  NULL-safe. */
void ec2_op_cancel(struct ec2_op *op);

/* ---- connection notifications, payer responsibility (issue 7) ----------- */

typedef void ec2_notifications_fn(void *arg, struct ec2_notification_page *all,
				  const struct aws_response *resp);
typedef void ec2_notification_created_fn(void *arg, struct ec2_create_notification_result *res,
					 const struct aws_response *resp);

/* DescribeVpcEndpointConnectionNotifications filtered on service-id, every page. */
int ec2_list_notifications(struct aws_client *c, const char *service_id, ec2_notifications_fn *done,
			   void *arg, struct ec2_op **ret_op, struct err *e);

/*
 * CreateVpcEndpointConnectionNotification for a service: an SNS topic and
 * ConnectionEvents.N (≥ 1); client_token (≤ 64 ASCII) is required so a
 * retried create cannot make a second notification.
 */
int ec2_create_notification(struct aws_client *c, const char *service_id, const char *topic_arn,
			    const struct strv *events, const char *client_token,
			    ec2_notification_created_fn *done, void *arg, struct ec2_op **ret_op,
			    struct err *e);

/* DeleteVpcEndpointConnectionNotifications of `ids` (≥ 1); per-id failures in `unsuccessful`. */
int ec2_delete_notifications(struct aws_client *c, const struct strv *ids, ec2_result_fn *done,
			     void *arg, struct ec2_op **ret_op, struct err *e);

/* ModifyVpcEndpointServicePayerResponsibility (`payer`: "ServiceOwner"). */
int ec2_modify_payer(struct aws_client *c, const char *service_id, const char *payer,
		     ec2_result_fn *done, void *arg, struct ec2_op **ret_op, struct err *e);

#endif
