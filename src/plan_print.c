/* SPDX-License-Identifier: ISC */
/*
 * plan_print: a plan as people and programs read it (plan.h).
 *
 * plan_summarize() counts; plan_print_text() writes the text form of
 * --dry-run, in the manner of `terraform plan`; plan_to_json() builds the
 * stable JSON form.  They only read the plan.  A service's consecutive
 * changes form one block (starts_block()): one header in the text, one
 * change in the summary.
 */
#include "config.h"

#include <stdbool.h>
#include <string.h>

#include "plan.h"

/* ---- summaries and printers ------------------------------------------------------------ */

static bool
is_modify_kind(enum plan_kind k)
{
	return k != PLAN_CREATE && k != PLAN_REJECT_CONNECTIONS && k != PLAN_DELETE;
}

/* True when change i starts a new block in the text form. */
static bool
starts_block(const struct plan *p, size_t i)
{
	const struct plan_change *c = &p->changes[i], *prev;

	if (i == 0 || c->kind == PLAN_CREATE)
		return true;
	prev = &p->changes[i - 1];
	if (prev->service_id == NULL || c->service_id == NULL ||
	    strcmp(prev->service_id, c->service_id) != 0)
		return true;
	if (is_modify_kind(c->kind))
		return !is_modify_kind(prev->kind);
	/* DELETE right after the REJECT_CONNECTIONS of the same service. */
	return !(c->kind == PLAN_DELETE && prev->kind == PLAN_REJECT_CONNECTIONS);
}

void
plan_summarize(const struct plan *p, struct plan_summary *s)
{
	memset(s, 0, sizeof(*s));
	for (size_t i = 0; i < p->n_changes; i++) {
		enum plan_kind k = p->changes[i].kind;

		if (k == PLAN_CREATE)
			s->create++;
		else if (k == PLAN_DELETE)
			s->delete ++;
		else if (is_modify_kind(k) && starts_block(p, i))
			s->change++;
	}
	s->held = p->n_held;
}

int
plan_print_text(const struct plan *p, struct buf *out)
{
	struct plan_summary s;
	int r = 0;

	for (size_t i = 0; i < p->n_changes && r == 0; i++) {
		const struct plan_change *c = &p->changes[i];

		if (starts_block(p, i)) {
			if (c->kind == PLAN_CREATE)
				r = buf_printf(out, "+ create %s\n", c->name);
			else if (is_modify_kind(c->kind))
				r = buf_printf(out, "~ modify %s (%s)\n", c->name, c->service_id);
			else
				r = buf_printf(out, "- delete %s (%s)\n", c->name, c->service_id);
		}
		for (size_t k = 0; k < c->diffs.n && r == 0; k++)
			r = buf_printf(out, "    %s\n", c->diffs.v[k]);
	}
	for (size_t i = 0; i < p->n_held && r == 0; i++) {
		const struct plan_held *h = &p->held[i];

		if (h->service_id)
			r = buf_printf(out, "! held %s (%s): %s\n", h->name, h->service_id,
				       h->reason);
		else
			r = buf_printf(out, "! held %s: %s\n", h->name, h->reason);
	}
	plan_summarize(p, &s);
	if (r == 0)
		r = buf_printf(out,
			       "Plan: %zu to create, %zu to change, %zu to delete, %zu held.\n",
			       s.create, s.change, s.delete, s.held);
	return r;
}

/* ---- JSON ------------------------------------------------------------------------------ */

static bool
json_str(cJSON *o, const char *key, const char *v)
{
	return (v ? cJSON_AddStringToObject(o, key, v) : cJSON_AddNullToObject(o, key)) != NULL;
}

static bool
json_strv(cJSON *o, const char *key, const struct strv *sv)
{
	cJSON *a = cJSON_AddArrayToObject(o, key);

	if (a == NULL)
		return false;
	for (size_t i = 0; i < sv->n; i++) {
		cJSON *s = cJSON_CreateString(sv->v[i]);

		if (s == NULL || !cJSON_AddItemToArray(a, s)) {
			cJSON_Delete(s);
			return false;
		}
	}
	return true;
}

/* A set member only when non-empty. */
static bool
json_opt_strv(cJSON *o, const char *key, const struct strv *sv)
{
	return sv->n == 0 || json_strv(o, key, sv);
}

static bool
json_tags(cJSON *o, const char *key, const struct model_tags *t)
{
	cJSON *m = cJSON_AddObjectToObject(o, key);

	if (m == NULL)
		return false;
	for (size_t i = 0; i < t->n; i++)
		if (cJSON_AddStringToObject(m, t->v[i].key, t->v[i].value) == NULL)
			return false;
	return true;
}

static bool
json_params(cJSON *o, const struct plan_change *c)
{
	const struct plan_create *cr = &c->create;
	const struct plan_modify *m = &c->modify;

	switch (c->kind) {
	case PLAN_CREATE:
		return cJSON_AddBoolToObject(o, "acceptance_required", cr->acceptance_required) &&
		       json_opt_strv(o, "network_load_balancer_arns", &cr->nlb_arns) &&
		       json_opt_strv(o, "gateway_load_balancer_arns", &cr->gwlb_arns) &&
		       (cr->private_dns_name == NULL ||
			json_str(o, "private_dns_name", cr->private_dns_name)) &&
		       json_strv(o, "supported_ip_address_types", &cr->ip_address_types) &&
		       json_strv(o, "supported_regions", &cr->supported_regions) &&
		       json_tags(o, "tags", &cr->tags) &&
		       json_str(o, "client_token", cr->client_token) &&
		       json_strv(o, "add_allowed_principals", &cr->add_principals);
	case PLAN_ADOPT:
	case PLAN_CREATE_TAGS:
		return json_tags(o, "tags", &c->tags);
	case PLAN_MODIFY_CONFIG:
		return (!m->set_acceptance ||
			cJSON_AddBoolToObject(o, "acceptance_required", m->acceptance_required)) &&
		       json_opt_strv(o, "add_network_load_balancer_arns", &m->add_nlb_arns) &&
		       json_opt_strv(o, "remove_network_load_balancer_arns", &m->remove_nlb_arns) &&
		       json_opt_strv(o, "add_gateway_load_balancer_arns", &m->add_gwlb_arns) &&
		       json_opt_strv(o, "remove_gateway_load_balancer_arns",
				     &m->remove_gwlb_arns) &&
		       (m->private_dns_name == NULL ||
			json_str(o, "private_dns_name", m->private_dns_name)) &&
		       (!m->remove_private_dns ||
			cJSON_AddBoolToObject(o, "remove_private_dns_name", true)) &&
		       json_opt_strv(o, "add_supported_ip_address_types", &m->add_ip_types) &&
		       json_opt_strv(o, "remove_supported_ip_address_types", &m->remove_ip_types) &&
		       json_opt_strv(o, "add_supported_regions", &m->add_regions) &&
		       json_opt_strv(o, "remove_supported_regions", &m->remove_regions);
	case PLAN_MODIFY_PERMISSIONS:
		return json_strv(o, "add_allowed_principals", &c->add_principals) &&
		       json_strv(o, "remove_allowed_principals", &c->remove_principals);
	case PLAN_DELETE_TAGS:
		return json_strv(o, "keys", &c->tag_keys);
	case PLAN_ACCEPT_CONNECTIONS:
	case PLAN_DENY_CONNECTIONS:
	case PLAN_REJECT_CONNECTIONS:
		return json_strv(o, "vpc_endpoint_ids", &c->endpoint_ids);
	case PLAN_MODIFY_PAYER:
		return json_str(o, "payer_responsibility", c->payer);
	case PLAN_DELETE_NOTIFICATIONS:
		return json_strv(o, "connection_notification_ids", &c->notification_ids);
	case PLAN_CREATE_NOTIFICATION:
		return json_str(o, "topic_arn", c->notification.topic_arn) &&
		       json_strv(o, "events", &c->notification.events) &&
		       json_str(o, "client_token", c->notification.client_token);
	case PLAN_START_DNS_VERIFICATION:
	case PLAN_DELETE:
		return true;
	}
	return false;
}

cJSON *
plan_to_json(const struct plan *p)
{
	cJSON *root = cJSON_CreateObject(), *changes, *held, *sum;
	struct plan_summary s;
	bool ok;

	if (root == NULL)
		return NULL;
	ok = (changes = cJSON_AddArrayToObject(root, "changes")) != NULL;
	for (size_t i = 0; ok && i < p->n_changes; i++) {
		const struct plan_change *c = &p->changes[i];
		cJSON *o = cJSON_CreateObject(), *params;

		ok = o != NULL && cJSON_AddItemToArray(changes, o);
		if (!ok) {
			cJSON_Delete(o);
			break;
		}
		ok = json_str(o, "action", plan_kind_name(c->kind)) &&
		     json_str(o, "name", c->name) && json_str(o, "service_id", c->service_id) &&
		     json_str(o, "reason", c->reason) && json_strv(o, "diffs", &c->diffs) &&
		     (params = cJSON_AddObjectToObject(o, "parameters")) != NULL &&
		     json_params(params, c);
	}
	ok = ok && (held = cJSON_AddArrayToObject(root, "held")) != NULL;
	for (size_t i = 0; ok && i < p->n_held; i++) {
		const struct plan_held *h = &p->held[i];
		cJSON *o = cJSON_CreateObject();

		ok = o != NULL && cJSON_AddItemToArray(held, o);
		if (!ok) {
			cJSON_Delete(o);
			break;
		}
		ok = json_str(o, "kind", plan_hold_name(h->kind)) && json_str(o, "name", h->name) &&
		     json_str(o, "service_id", h->service_id) && json_str(o, "reason", h->reason);
	}
	plan_summarize(p, &s);
	ok = ok && (sum = cJSON_AddObjectToObject(root, "summary")) != NULL &&
	     cJSON_AddNumberToObject(sum, "create", (double)s.create) &&
	     cJSON_AddNumberToObject(sum, "change", (double)s.change) &&
	     cJSON_AddNumberToObject(sum, "delete", (double)s.delete) &&
	     cJSON_AddNumberToObject(sum, "held", (double)s.held);
	if (!ok) {
		cJSON_Delete(root);
		return NULL;
	}
	return root;
}
