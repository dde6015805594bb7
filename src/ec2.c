/* SPDX-License-Identifier: ISC */
/*
 * ec2: typed EC2 endpoint-service calls and pagination.  See ec2.h.
 *
 * An operation (`struct ec2_op`) is one logical call: a single aws_call for
 * the mutations, a chain of them for a listing.  The parse hook given to
 * aws_call() parses each answer into the op, so a 2xx answer that does not
 * parse is retried by aws.c like a transport fault, and the completion only
 * has to move the parsed page into the accumulated result.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ec2.h"
#include "ec2_xml.h"

enum op_kind {
	OP_LIST_SERVICES,
	OP_LIST_PRINCIPALS,
	OP_LIST_CONNECTIONS,
	OP_CREATE_SERVICE,
	OP_MODIFY_PRINCIPALS,
	OP_RESULT,
	OP_LIST_NOTIFICATIONS,
	OP_CREATE_NOTIFICATION,
};

struct ec2_op {
	struct aws_client *client;
	enum op_kind kind;
	char *action;
	struct query base; /* listing parameters without NextToken */
	struct aws_call *call;
	char *last_token; /* the NextToken sent with the current page, NULL for the first */
	unsigned pages;
	/* The kind's callback type, stored as a generic function pointer (cast back by kind). */
	void (*done)(void);
	void *arg;
	/* The page being parsed and, for listings, everything so far. */
	union {
		struct ec2_service_page services;
		struct ec2_principal_page principals;
		struct ec2_connection_page connections;
		struct ec2_create_service_result created;
		struct ec2_modify_permissions_result permissions;
		struct ec2_result result;
		struct ec2_notification_page notifications;
		struct ec2_create_notification_result created_notification;
	} page, all;
	bool parsed;
	size_t cap; /* allocated items in `all` */
};

static void
op_page_free(enum op_kind kind, void *page)
{
	switch (kind) {
	case OP_LIST_SERVICES:
		ec2_service_page_free(page);
		break;
	case OP_LIST_PRINCIPALS:
		ec2_principal_page_free(page);
		break;
	case OP_LIST_CONNECTIONS:
		ec2_connection_page_free(page);
		break;
	case OP_CREATE_SERVICE:
		ec2_create_service_result_free(page);
		break;
	case OP_MODIFY_PRINCIPALS:
		ec2_modify_permissions_result_free(page);
		break;
	case OP_RESULT:
		ec2_result_free(page);
		break;
	case OP_LIST_NOTIFICATIONS:
		ec2_notification_page_free(page);
		break;
	case OP_CREATE_NOTIFICATION:
		ec2_create_notification_result_free(page);
		break;
	}
}

static void
op_free(struct ec2_op *op)
{
	if (op == NULL)
		return;
	if (op->parsed)
		op_page_free(op->kind, &op->page);
	op_page_free(op->kind, &op->all);
	query_free(&op->base);
	free(op->last_token);
	free(op->action);
	free(op);
}

void
ec2_op_cancel(struct ec2_op *op)
{
	if (op == NULL)
		return;
	aws_cancel(op->call);
	op_free(op);
}

/* Scrub one string of the parsed answer in place (scrub.h through the client). */
static void
scrub_field(const struct ec2_op *op, char *s)
{
	if (s != NULL)
		aws_client_scrub(op->client, s, strlen(s) + 1);
}

/*
 * What of a parsed answer goes into messages and the log as EC2 wrote it:
 * the request id, and the code and message of `unsuccessful` items, which
 * apply.h quotes into its errors.
 */
static void
scrub_page(struct ec2_op *op)
{
	switch (op->kind) {
	case OP_LIST_SERVICES:
		scrub_field(op, op->page.services.request_id);
		break;
	case OP_LIST_PRINCIPALS:
		scrub_field(op, op->page.principals.request_id);
		break;
	case OP_LIST_CONNECTIONS:
		scrub_field(op, op->page.connections.request_id);
		break;
	case OP_CREATE_SERVICE:
		scrub_field(op, op->page.created.request_id);
		break;
	case OP_MODIFY_PRINCIPALS:
		scrub_field(op, op->page.permissions.request_id);
		break;
	case OP_RESULT:
		scrub_field(op, op->page.result.request_id);
		for (size_t i = 0; i < op->page.result.n_unsuccessful; i++) {
			scrub_field(op, op->page.result.unsuccessful[i].code);
			scrub_field(op, op->page.result.unsuccessful[i].message);
		}
		break;
	case OP_LIST_NOTIFICATIONS:
		scrub_field(op, op->page.notifications.request_id);
		break;
	case OP_CREATE_NOTIFICATION:
		scrub_field(op, op->page.created_notification.request_id);
		break;
	}
}

static int
on_parse(void *arg, const char *body, size_t len, struct err *e)
{
	struct ec2_op *op = arg;
	int r = -EINVAL;

	if (op->parsed) {
		op_page_free(op->kind, &op->page);
		op->parsed = false;
	}
	memset(&op->page, 0, sizeof(op->page));
	switch (op->kind) {
	case OP_LIST_SERVICES:
		r = ec2_xml_service_page(body, len, &op->page.services, e);
		break;
	case OP_LIST_PRINCIPALS:
		r = ec2_xml_principal_page(body, len, &op->page.principals, e);
		break;
	case OP_LIST_CONNECTIONS:
		r = ec2_xml_connection_page(body, len, &op->page.connections, e);
		break;
	case OP_CREATE_SERVICE:
		r = ec2_xml_create_service(body, len, &op->page.created, e);
		break;
	case OP_MODIFY_PRINCIPALS:
		r = ec2_xml_modify_permissions(body, len, &op->page.permissions, e);
		break;
	case OP_RESULT:
		r = ec2_xml_result(op->action, body, len, &op->page.result, e);
		break;
	case OP_LIST_NOTIFICATIONS:
		r = ec2_xml_notification_page(body, len, &op->page.notifications, e);
		break;
	case OP_CREATE_NOTIFICATION:
		r = ec2_xml_create_notification(body, len, &op->page.created_notification, e);
		break;
	}
	op->parsed = r == 0;
	if (op->parsed)
		scrub_page(op);
	/* Anything the parser refuses is a mangled answer: let aws.c retry it. */
	return r == -ENOMEM ? r : (r < 0 ? -EBADMSG : 0);
}

/*
 * Append `n` items of `size` bytes from *items to the accumulated array
 * (*all, *all_n), taking them over: the page's array is freed, its items
 * now live in the accumulation.
 */
static int
append_items(void **all, size_t *all_n, size_t *cap, void **items, size_t *n, size_t size)
{
	if (*n == 0)
		return 0;
	if (*all_n + *n > EC2_LIST_MAX_ITEMS)
		return -E2BIG;
	if (*all_n + *n > *cap) {
		size_t ncap = *cap ? *cap : 64;
		void *p;

		while (ncap < *all_n + *n)
			ncap *= 2;
		p = realloc(*all, ncap * size);
		if (p == NULL)
			return -ENOMEM;
		*all = p;
		*cap = ncap;
	}
	memcpy((char *)*all + *all_n * size, *items, *n * size);
	*all_n += *n;
	free(*items);
	*items = NULL;
	*n = 0;
	return 0;
}

/* Move the parsed page's items into `all`; returns the page's next token (owned by the page). */
static int
accumulate(struct ec2_op *op, const char **next_token)
{
	int r = -EINVAL;

	switch (op->kind) {
	case OP_LIST_SERVICES:
		r = append_items((void **)&op->all.services.v, &op->all.services.n, &op->cap,
				 (void **)&op->page.services.v, &op->page.services.n,
				 sizeof(*op->page.services.v));
		*next_token = op->page.services.next_token;
		break;
	case OP_LIST_PRINCIPALS:
		r = append_items((void **)&op->all.principals.v, &op->all.principals.n, &op->cap,
				 (void **)&op->page.principals.v, &op->page.principals.n,
				 sizeof(*op->page.principals.v));
		*next_token = op->page.principals.next_token;
		break;
	case OP_LIST_CONNECTIONS:
		r = append_items((void **)&op->all.connections.v, &op->all.connections.n, &op->cap,
				 (void **)&op->page.connections.v, &op->page.connections.n,
				 sizeof(*op->page.connections.v));
		*next_token = op->page.connections.next_token;
		break;
	case OP_LIST_NOTIFICATIONS:
		r = append_items((void **)&op->all.notifications.v, &op->all.notifications.n,
				 &op->cap, (void **)&op->page.notifications.v,
				 &op->page.notifications.n, sizeof(*op->page.notifications.v));
		*next_token = op->page.notifications.next_token;
		break;
	default:
		*next_token = NULL;
		break;
	}
	return r;
}

static void on_done(void *arg, const struct aws_response *resp);

static int
op_send(struct ec2_op *op, const char *next_token, struct err *e)
{
	struct query q = QUERY_INIT;
	int r = 0;

	for (size_t i = 0; i < op->base.n && r == 0; i++)
		r = query_add(&q, op->base.v[i].name, op->base.v[i].value, e);
	if (r == 0 && next_token)
		r = query_add(&q, "NextToken", next_token, e);
	if (r < 0) {
		query_free(&q);
		return r;
	}
	op->call = NULL;
	return aws_call(op->client, op->action, &q, 0, on_parse, on_done, op, &op->call, e);
}

/* Hand the finished op's result to its callback and free the op. */
static void
op_complete(struct ec2_op *op, const struct aws_response *resp)
{
	bool ok = resp->r == 0;
	void *res = ok ? (void *)&op->all : NULL;

	switch (op->kind) {
	case OP_LIST_SERVICES:
		((ec2_services_fn *)op->done)(op->arg, res, resp);
		break;
	case OP_LIST_PRINCIPALS:
		((ec2_principals_fn *)op->done)(op->arg, res, resp);
		break;
	case OP_LIST_CONNECTIONS:
		((ec2_connections_fn *)op->done)(op->arg, res, resp);
		break;
	case OP_CREATE_SERVICE:
		((ec2_created_fn *)op->done)(op->arg, res, resp);
		break;
	case OP_MODIFY_PRINCIPALS:
		((ec2_permissions_fn *)op->done)(op->arg, res, resp);
		break;
	case OP_RESULT:
		((ec2_result_fn *)op->done)(op->arg, res, resp);
		break;
	case OP_LIST_NOTIFICATIONS:
		((ec2_notifications_fn *)op->done)(op->arg, res, resp);
		break;
	case OP_CREATE_NOTIFICATION:
		((ec2_notification_created_fn *)op->done)(op->arg, res, resp);
		break;
	}
	/*
	 * On success the callback took over the contents of `all`; zero it so
	 * op_free() does not free them twice.
	 */
	if (ok)
		memset(&op->all, 0, sizeof(op->all));
	op_free(op);
}

static void
op_fail(struct ec2_op *op, const struct aws_response *last, int r, const struct err *e)
{
	struct aws_response resp = *last;

	resp.r = r;
	resp.e = e;
	resp.body = NULL;
	resp.body_len = 0;
	op_complete(op, &resp);
}

static void
on_done(void *arg, const struct aws_response *resp)
{
	struct ec2_op *op = arg;
	const char *next = NULL;
	char *next_copy = NULL;
	struct err e;
	int r;

	op->call = NULL;
	err_clear(&e);
	if (resp->r < 0 || !op->parsed) {
		if (resp->r < 0) {
			op_complete(op, resp);
		} else {
			err_set(&e, -EBADMSG, "%s: answer was not parsed", op->action);
			op_fail(op, resp, -EBADMSG, &e);
		}
		return;
	}
	op->pages++;
	if (op->kind != OP_LIST_SERVICES && op->kind != OP_LIST_PRINCIPALS &&
	    op->kind != OP_LIST_CONNECTIONS && op->kind != OP_LIST_NOTIFICATIONS) {
		/* A single answer: the parsed page is the result. */
		op->all = op->page;
		op->parsed = false;
		op_complete(op, resp);
		return;
	}
	r = accumulate(op, &next);
	if (r < 0) {
		err_set(&e, r, "%s: listing too large or out of memory after %u pages", op->action,
			op->pages);
		op_fail(op, resp, r, &e);
		return;
	}
	if (next == NULL || next[0] == '\0') {
		op_page_free(op->kind, &op->page);
		op->parsed = false;
		op_complete(op, resp);
		return;
	}
	/* Guard against a server that hands back the token we sent. */
	if (op->pages >= EC2_LIST_MAX_PAGES ||
	    (op->last_token != NULL && strcmp(op->last_token, next) == 0)) {
		err_set(&e, -ELOOP, "%s: pagination does not end (page %u)", op->action, op->pages);
		op_fail(op, resp, -ELOOP, &e);
		return;
	}
	next_copy = strdup(next);
	op_page_free(op->kind, &op->page);
	op->parsed = false;
	if (next_copy == NULL) {
		err_set(&e, -ENOMEM, "%s: out of memory", op->action);
		op_fail(op, resp, -ENOMEM, &e);
		return;
	}
	free(op->last_token);
	op->last_token = next_copy;
	r = op_send(op, op->last_token, &e);
	if (r < 0)
		op_fail(op, resp, r, &e);
}

static struct ec2_op *
op_new(struct aws_client *c, enum op_kind kind, const char *action, void (*done)(void), void *arg)
{
	struct ec2_op *op = calloc(1, sizeof(*op));

	if (op == NULL)
		return NULL;
	op->action = strdup(action);
	if (op->action == NULL) {
		free(op);
		return NULL;
	}
	op->client = c;
	op->kind = kind;
	op->done = done;
	op->arg = arg;
	query_init(&op->base);
	return op;
}

/* Send the op's first request; on failure the op is freed and `done` never runs. */
static int
op_start(struct ec2_op *op, struct ec2_op **ret_op, struct err *e)
{
	int r = op_send(op, NULL, e);

	if (r < 0) {
		op_free(op);
		return r;
	}
	if (ret_op)
		*ret_op = op;
	return 0;
}

#define NEW_OP_OR_FAIL(op, c, kind, action, done, arg, e)                            \
	do {                                                                         \
		(op) = op_new((c), (kind), (action), (void (*)(void))(done), (arg)); \
		if ((op) == NULL)                                                    \
			return err_set((e), -ENOMEM, "%s: out of memory", (action)); \
	} while (0)

int
ec2_list_services(struct aws_client *c, const struct ec2_filter *filters, size_t n_filters,
		  const struct strv *ids, ec2_services_fn *done, void *arg, struct ec2_op **ret_op,
		  struct err *e)
{
	static const char action[] = "DescribeVpcEndpointServiceConfigurations";
	struct ec2_op *op;
	int r = 0;

	NEW_OP_OR_FAIL(op, c, OP_LIST_SERVICES, action, done, arg, e);
	for (size_t i = 0; i < n_filters && r == 0; i++)
		r = query_add_filter(&op->base, i + 1, filters[i].name, filters[i].values,
				     filters[i].n_values, e);
	if (r == 0 && ids && ids->n > 0)
		r = query_add_strv(&op->base, "ServiceId", ids, e);
	/* EC2 refuses MaxResults together with explicit ids. */
	else if (r == 0)
		r = query_add_int(&op->base, "MaxResults", EC2_PAGE_SIZE, e);
	if (r < 0) {
		op_free(op);
		return r;
	}
	return op_start(op, ret_op, e);
}

int
ec2_list_principals(struct aws_client *c, const char *service_id, ec2_principals_fn *done,
		    void *arg, struct ec2_op **ret_op, struct err *e)
{
	static const char action[] = "DescribeVpcEndpointServicePermissions";
	struct ec2_op *op;
	int r;

	NEW_OP_OR_FAIL(op, c, OP_LIST_PRINCIPALS, action, done, arg, e);
	if ((r = query_add(&op->base, "ServiceId", service_id, e)) < 0 ||
	    (r = query_add_int(&op->base, "MaxResults", EC2_PAGE_SIZE, e)) < 0) {
		op_free(op);
		return r;
	}
	return op_start(op, ret_op, e);
}

int
ec2_list_connections(struct aws_client *c, const char *service_id, ec2_connections_fn *done,
		     void *arg, struct ec2_op **ret_op, struct err *e)
{
	static const char action[] = "DescribeVpcEndpointConnections";
	const char *values[] = {service_id};
	struct ec2_op *op;
	int r;

	NEW_OP_OR_FAIL(op, c, OP_LIST_CONNECTIONS, action, done, arg, e);
	if ((r = query_add_filter(&op->base, 1, "service-id", values, 1, e)) < 0 ||
	    (r = query_add_int(&op->base, "MaxResults", EC2_PAGE_SIZE, e)) < 0) {
		op_free(op);
		return r;
	}
	return op_start(op, ret_op, e);
}

/*
 * Tags as query.h wants them: `Tag.N.Key/Value` (CreateTags, DeleteTags) or,
 * with tag_spec, TagSpecification.1 for resource type `prefix_or_type`.
 */
static int
add_tags(struct query *q, const char *prefix_or_type, const struct ec2_tag_kv *tags, size_t n,
	 bool tag_spec, struct err *e)
{
	struct query_tag *qt;
	int r;

	if (n == 0)
		return 0;
	qt = calloc(n, sizeof(*qt));
	if (qt == NULL)
		return err_set(e, -ENOMEM, "out of memory");
	for (size_t i = 0; i < n; i++)
		qt[i] = (struct query_tag){tags[i].key, tags[i].value};
	if (tag_spec)
		r = query_add_tag_spec(q, 1, prefix_or_type, qt, n, e);
	else
		r = query_add_tags(q, prefix_or_type, qt, n, e);
	free(qt);
	return r;
}

static bool
strv_nonempty(const struct strv *sv)
{
	return sv != NULL && sv->n > 0;
}

int
ec2_create_service(struct aws_client *c, const struct ec2_create_service_params *p,
		   ec2_created_fn *done, void *arg, struct ec2_op **ret_op, struct err *e)
{
	static const char action[] = "CreateVpcEndpointServiceConfiguration";
	struct ec2_op *op;
	struct query *q;
	int r;

	if (p->client_token == NULL || p->client_token[0] == '\0' || strlen(p->client_token) > 64)
		return err_set(e, -EINVAL, "%s: a ClientToken of 1-64 characters is required",
			       action);
	if (strv_nonempty(p->nlb_arns) == strv_nonempty(p->gwlb_arns))
		return err_set(e, -EINVAL, "%s: exactly one kind of load balancer is required",
			       action);
	NEW_OP_OR_FAIL(op, c, OP_CREATE_SERVICE, action, done, arg, e);
	q = &op->base;
	if ((r = query_add_bool(q, "AcceptanceRequired", p->acceptance_required, e)) < 0 ||
	    (p->private_dns_name &&
	     (r = query_add(q, "PrivateDnsName", p->private_dns_name, e)) < 0) ||
	    (p->nlb_arns &&
	     (r = query_add_strv(q, "NetworkLoadBalancerArn", p->nlb_arns, e)) < 0) ||
	    (p->gwlb_arns &&
	     (r = query_add_strv(q, "GatewayLoadBalancerArn", p->gwlb_arns, e)) < 0) ||
	    (p->ip_address_types &&
	     (r = query_add_strv(q, "SupportedIpAddressType", p->ip_address_types, e)) < 0) ||
	    (p->supported_regions &&
	     (r = query_add_strv(q, "SupportedRegion", p->supported_regions, e)) < 0) ||
	    (r = query_add(q, "ClientToken", p->client_token, e)) < 0 ||
	    (r = add_tags(q, "vpc-endpoint-service", p->tags, p->n_tags, true, e)) < 0) {
		op_free(op);
		return r;
	}
	return op_start(op, ret_op, e);
}

int
ec2_modify_service(struct aws_client *c, const struct ec2_modify_service_params *p,
		   ec2_result_fn *done, void *arg, struct ec2_op **ret_op, struct err *e)
{
	static const char action[] = "ModifyVpcEndpointServiceConfiguration";
	const struct {
		const char *name;
		const struct strv *v;
	} lists[] = {
		{"AddNetworkLoadBalancerArn", p->add_nlb_arns},
		{"RemoveNetworkLoadBalancerArn", p->remove_nlb_arns},
		{"AddGatewayLoadBalancerArn", p->add_gwlb_arns},
		{"RemoveGatewayLoadBalancerArn", p->remove_gwlb_arns},
		{"AddSupportedIpAddressType", p->add_ip_address_types},
		{"RemoveSupportedIpAddressType", p->remove_ip_address_types},
		{"AddSupportedRegion", p->add_supported_regions},
		{"RemoveSupportedRegion", p->remove_supported_regions},
	};
	struct ec2_op *op;
	struct query *q;
	int r = 0;

	if (p->service_id == NULL)
		return err_set(e, -EINVAL, "%s: service id required", action);
	NEW_OP_OR_FAIL(op, c, OP_RESULT, action, done, arg, e);
	q = &op->base;
	r = query_add(q, "ServiceId", p->service_id, e);
	if (r == 0 && p->acceptance_required != EC2_BOOL_UNSET)
		r = query_add_bool(q, "AcceptanceRequired", p->acceptance_required == EC2_BOOL_TRUE,
				   e);
	if (r == 0 && p->private_dns_name)
		r = query_add(q, "PrivateDnsName", p->private_dns_name, e);
	if (r == 0 && p->remove_private_dns_name)
		r = query_add_bool(q, "RemovePrivateDnsName", true, e);
	for (size_t i = 0; i < sizeof(lists) / sizeof(lists[0]) && r == 0; i++)
		if (lists[i].v)
			r = query_add_strv(q, lists[i].name, lists[i].v, e);
	if (r < 0) {
		op_free(op);
		return r;
	}
	return op_start(op, ret_op, e);
}

int
ec2_modify_principals(struct aws_client *c, const char *service_id, const struct strv *add,
		      const struct strv *remove, ec2_permissions_fn *done, void *arg,
		      struct ec2_op **ret_op, struct err *e)
{
	static const char action[] = "ModifyVpcEndpointServicePermissions";
	struct ec2_op *op;
	int r;

	if (!strv_nonempty(add) && !strv_nonempty(remove))
		return err_set(e, -EINVAL, "%s: nothing to add or remove", action);
	NEW_OP_OR_FAIL(op, c, OP_MODIFY_PRINCIPALS, action, done, arg, e);
	if ((r = query_add(&op->base, "ServiceId", service_id, e)) < 0 ||
	    (add && (r = query_add_strv(&op->base, "AddAllowedPrincipals", add, e)) < 0) ||
	    (remove && (r = query_add_strv(&op->base, "RemoveAllowedPrincipals", remove, e)) < 0)) {
		op_free(op);
		return r;
	}
	return op_start(op, ret_op, e);
}

static int
tags_call(struct aws_client *c, const char *action, const char *resource_id,
	  const struct ec2_tag_kv *tags, size_t n_tags, ec2_result_fn *done, void *arg,
	  struct ec2_op **ret_op, struct err *e)
{
	struct ec2_op *op;
	int r;

	NEW_OP_OR_FAIL(op, c, OP_RESULT, action, done, arg, e);
	if ((r = query_add(&op->base, "ResourceId.1", resource_id, e)) < 0 ||
	    (r = add_tags(&op->base, "Tag", tags, n_tags, false, e)) < 0) {
		op_free(op);
		return r;
	}
	return op_start(op, ret_op, e);
}

int
ec2_create_tags(struct aws_client *c, const char *resource_id, const struct ec2_tag_kv *tags,
		size_t n_tags, ec2_result_fn *done, void *arg, struct ec2_op **ret_op,
		struct err *e)
{
	if (n_tags == 0)
		return err_set(e, -EINVAL, "CreateTags: no tags");
	for (size_t i = 0; i < n_tags; i++)
		if (tags[i].value == NULL)
			return err_set(e, -EINVAL, "CreateTags: tag '%s' has no value",
				       tags[i].key);
	return tags_call(c, "CreateTags", resource_id, tags, n_tags, done, arg, ret_op, e);
}

int
ec2_delete_tags(struct aws_client *c, const char *resource_id, const struct ec2_tag_kv *tags,
		size_t n_tags, ec2_result_fn *done, void *arg, struct ec2_op **ret_op,
		struct err *e)
{
	/* Without Tag.N, EC2 deletes every tag of the resource: never send that. */
	if (n_tags == 0)
		return err_set(e, -EINVAL, "DeleteTags: refusing a call without explicit keys");
	return tags_call(c, "DeleteTags", resource_id, tags, n_tags, done, arg, ret_op, e);
}

int
ec2_decide_connections(struct aws_client *c, const char *service_id, bool accept,
		       const struct strv *endpoint_ids, ec2_result_fn *done, void *arg,
		       struct ec2_op **ret_op, struct err *e)
{
	const char *action =
		accept ? "AcceptVpcEndpointConnections" : "RejectVpcEndpointConnections";
	struct ec2_op *op;
	int r;

	if (!strv_nonempty(endpoint_ids))
		return err_set(e, -EINVAL, "%s: no endpoint ids", action);
	NEW_OP_OR_FAIL(op, c, OP_RESULT, action, done, arg, e);
	if ((r = query_add(&op->base, "ServiceId", service_id, e)) < 0 ||
	    (r = query_add_strv(&op->base, "VpcEndpointId", endpoint_ids, e)) < 0) {
		op_free(op);
		return r;
	}
	return op_start(op, ret_op, e);
}

int
ec2_delete_services(struct aws_client *c, const struct strv *ids, ec2_result_fn *done, void *arg,
		    struct ec2_op **ret_op, struct err *e)
{
	static const char action[] = "DeleteVpcEndpointServiceConfigurations";
	struct ec2_op *op;
	int r;

	if (!strv_nonempty(ids))
		return err_set(e, -EINVAL, "%s: no service ids", action);
	NEW_OP_OR_FAIL(op, c, OP_RESULT, action, done, arg, e);
	if ((r = query_add_strv(&op->base, "ServiceId", ids, e)) < 0) {
		op_free(op);
		return r;
	}
	return op_start(op, ret_op, e);
}

int
ec2_start_dns_verification(struct aws_client *c, const char *service_id, ec2_result_fn *done,
			   void *arg, struct ec2_op **ret_op, struct err *e)
{
	static const char action[] = "StartVpcEndpointServicePrivateDnsVerification";
	struct ec2_op *op;
	int r;

	NEW_OP_OR_FAIL(op, c, OP_RESULT, action, done, arg, e);
	if ((r = query_add(&op->base, "ServiceId", service_id, e)) < 0) {
		op_free(op);
		return r;
	}
	return op_start(op, ret_op, e);
}

/* ---- connection notifications, payer responsibility (issue 7) ------------------- */

int
ec2_list_notifications(struct aws_client *c, const char *service_id, ec2_notifications_fn *done,
		       void *arg, struct ec2_op **ret_op, struct err *e)
{
	static const char action[] = "DescribeVpcEndpointConnectionNotifications";
	const char *values[] = {service_id};
	struct ec2_op *op;
	int r;

	NEW_OP_OR_FAIL(op, c, OP_LIST_NOTIFICATIONS, action, done, arg, e);
	if ((r = query_add_filter(&op->base, 1, "service-id", values, 1, e)) < 0 ||
	    (r = query_add_int(&op->base, "MaxResults", EC2_PAGE_SIZE, e)) < 0) {
		op_free(op);
		return r;
	}
	return op_start(op, ret_op, e);
}

int
ec2_create_notification(struct aws_client *c, const char *service_id, const char *topic_arn,
			const struct strv *events, const char *client_token,
			ec2_notification_created_fn *done, void *arg, struct ec2_op **ret_op,
			struct err *e)
{
	static const char action[] = "CreateVpcEndpointConnectionNotification";
	struct ec2_op *op;
	int r;

	if (!strv_nonempty(events))
		return err_set(e, -EINVAL, "%s: no connection events", action);
	if (client_token == NULL || client_token[0] == '\0')
		return err_set(e, -EINVAL, "%s: a ClientToken is required", action);
	NEW_OP_OR_FAIL(op, c, OP_CREATE_NOTIFICATION, action, done, arg, e);
	if ((r = query_add(&op->base, "ServiceId", service_id, e)) < 0 ||
	    (r = query_add(&op->base, "ConnectionNotificationArn", topic_arn, e)) < 0 ||
	    (r = query_add_strv(&op->base, "ConnectionEvents", events, e)) < 0 ||
	    (r = query_add(&op->base, "ClientToken", client_token, e)) < 0) {
		op_free(op);
		return r;
	}
	return op_start(op, ret_op, e);
}

int
ec2_delete_notifications(struct aws_client *c, const struct strv *ids, ec2_result_fn *done,
			 void *arg, struct ec2_op **ret_op, struct err *e)
{
	static const char action[] = "DeleteVpcEndpointConnectionNotifications";
	struct ec2_op *op;
	int r;

	if (!strv_nonempty(ids))
		return err_set(e, -EINVAL, "%s: no notification ids", action);
	NEW_OP_OR_FAIL(op, c, OP_RESULT, action, done, arg, e);
	if ((r = query_add_strv(&op->base, "ConnectionNotificationId", ids, e)) < 0) {
		op_free(op);
		return r;
	}
	return op_start(op, ret_op, e);
}

int
ec2_modify_payer(struct aws_client *c, const char *service_id, const char *payer,
		 ec2_result_fn *done, void *arg, struct ec2_op **ret_op, struct err *e)
{
	static const char action[] = "ModifyVpcEndpointServicePayerResponsibility";
	struct ec2_op *op;
	int r;

	NEW_OP_OR_FAIL(op, c, OP_RESULT, action, done, arg, e);
	if ((r = query_add(&op->base, "ServiceId", service_id, e)) < 0 ||
	    (r = query_add(&op->base, "PayerResponsibility", payer, e)) < 0) {
		op_free(op);
		return r;
	}
	return op_start(op, ret_op, e);
}
