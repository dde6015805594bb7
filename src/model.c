/* SPDX-License-Identifier: ISC */
/*
 * model: the desired state and its canonical JSON form.  See model.h.
 *
 * The printer is deliberately boring: a fixed key order written out by hand
 * (not derived from struct layout), sets printed in sorted order, every
 * default explicit.  Two configs that mean the same thing print the same
 * bytes, which is what makes the output usable as a hash input and as a
 * golden-test oracle.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "log.h"
#include "model.h"
#include "validate.h"

int
model_policy_from_string(const char *s)
{
	if (strcmp(s, "sync") == 0)
		return MODEL_POLICY_SYNC;
	if (strcmp(s, "upsert-only") == 0)
		return MODEL_POLICY_UPSERT_ONLY;
	if (strcmp(s, "create-only") == 0)
		return MODEL_POLICY_CREATE_ONLY;
	return -EINVAL;
}

const char *
model_policy_name(enum model_policy p)
{
	switch (p) {
	case MODEL_POLICY_SYNC:
		return "sync";
	case MODEL_POLICY_UPSERT_ONLY:
		return "upsert-only";
	case MODEL_POLICY_CREATE_ONLY:
		return "create-only";
	}
	return "?";
}

int
model_tags_add(struct model_tags *t, const char *key, const char *value)
{
	char *k, *v;

	if (t->n == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 4;
		struct model_tag *nv = realloc(t->v, cap * sizeof(*nv));

		if (nv == NULL)
			return -ENOMEM;
		t->v = nv;
		t->cap = cap;
	}
	k = strdup(key);
	v = strdup(value);
	if (k == NULL || v == NULL) {
		free(k);
		free(v);
		return -ENOMEM;
	}
	t->v[t->n].key = k;
	t->v[t->n].value = v;
	t->n++;
	return 0;
}

const char *
model_tags_get(const struct model_tags *t, const char *key)
{
	for (size_t i = 0; i < t->n; i++)
		if (strcmp(t->v[i].key, key) == 0)
			return t->v[i].value;
	return NULL;
}

static int
tag_cmp(const void *a, const void *b)
{
	return strcmp(((const struct model_tag *)a)->key, ((const struct model_tag *)b)->key);
}

void
model_tags_sort(struct model_tags *t)
{
	if (t->n > 1)
		qsort(t->v, t->n, sizeof(*t->v), tag_cmp);
}

void
model_tags_free(struct model_tags *t)
{
	if (t == NULL)
		return;
	for (size_t i = 0; i < t->n; i++) {
		free(t->v[i].key);
		free(t->v[i].value);
	}
	free(t->v);
	t->v = NULL;
	t->n = t->cap = 0;
}

void
model_service_clear(struct service_spec *s)
{
	if (s == NULL)
		return;
	free(s->name);
	strv_free(&s->nlb_arns);
	strv_free(&s->gwlb_arns);
	strv_free(&s->allowed_principals);
	strv_free(&s->accept);
	for (size_t i = 0; i < s->n_notifications; i++) {
		free(s->notifications[i].topic_arn);
		strv_free(&s->notifications[i].events);
	}
	free(s->notifications);
	free(s->private_dns_name);
	free(s->payer_responsibility);
	strv_free(&s->ip_address_types);
	strv_free(&s->supported_regions);
	model_tags_free(&s->tags);
	free(s->adopt);
	free(s->file);
	memset(s, 0, sizeof(*s));
}

/* *dst = a copy of s, NULL staying NULL; false on OOM. */
static bool
dup_opt(char **dst, const char *s)
{
	*dst = s != NULL ? strdup(s) : NULL;
	return s == NULL || *dst != NULL;
}

int
model_service_copy(struct service_spec *dst, const struct service_spec *src)
{
	/*
	 * The scalars by assignment, then every owned member replaced by its
	 * copy; each is cleared first, so a failure half way frees only what
	 * was copied (model_service_clear is NULL-safe member by member).
	 */
	struct service_spec c = *src;
	bool ok;

	c.name = c.private_dns_name = c.payer_responsibility = c.adopt = c.file = NULL;
	c.nlb_arns = c.gwlb_arns = c.allowed_principals = c.accept = (struct strv)STRV_INIT;
	c.ip_address_types = c.supported_regions = (struct strv)STRV_INIT;
	c.notifications = NULL;
	c.n_notifications = 0;
	c.tags = (struct model_tags){0};
	ok = dup_opt(&c.name, src->name) && dup_opt(&c.private_dns_name, src->private_dns_name) &&
	     dup_opt(&c.payer_responsibility, src->payer_responsibility) &&
	     dup_opt(&c.adopt, src->adopt) && dup_opt(&c.file, src->file) &&
	     strv_copy(&c.nlb_arns, &src->nlb_arns) == 0 &&
	     strv_copy(&c.gwlb_arns, &src->gwlb_arns) == 0 &&
	     strv_copy(&c.allowed_principals, &src->allowed_principals) == 0 &&
	     strv_copy(&c.accept, &src->accept) == 0 &&
	     strv_copy(&c.ip_address_types, &src->ip_address_types) == 0 &&
	     strv_copy(&c.supported_regions, &src->supported_regions) == 0;
	for (size_t i = 0; ok && i < src->tags.n; i++)
		ok = model_tags_add(&c.tags, src->tags.v[i].key, src->tags.v[i].value) == 0;
	if (ok && src->n_notifications > 0) {
		c.notifications = calloc(src->n_notifications, sizeof(*c.notifications));
		ok = c.notifications != NULL;
	}
	for (size_t i = 0; ok && i < src->n_notifications; i++) {
		struct model_notification *n = &c.notifications[i];

		c.n_notifications++;
		ok = dup_opt(&n->topic_arn, src->notifications[i].topic_arn) &&
		     strv_copy(&n->events, &src->notifications[i].events) == 0;
	}
	if (!ok) {
		model_service_clear(&c);
		return -ENOMEM;
	}
	*dst = c;
	return 0;
}

struct vpcesd_config *
model_config_new(void)
{
	struct vpcesd_config *c = calloc(1, sizeof(*c));

	if (c == NULL)
		return NULL;
	c->owner = strdup("default");
	c->status_file = strdup("/run/vpcesd/status.json");
	c->state_dir = strdup(MODEL_STATE_DIR_DEFAULT);
	if (c->owner == NULL || c->status_file == NULL || c->state_dir == NULL) {
		model_config_free(c);
		return NULL;
	}
	c->policy = MODEL_POLICY_UPSERT_ONLY;
	c->interval_s = 60;
	c->jitter_pct = 5;
	c->min_interval_s = 5;
	c->dns_verify_interval_s = 600;
	c->api.rate = 10;
	c->api.burst = 20;
	c->api.concurrency = 8;
	c->api.max_attempts = 5;
	c->api.retry_adaptive = true;
	c->api.timeout_s = 30;
	c->api.connect_timeout_s = 5;
	c->api.bucket_share_pct = 50;
	c->del.max_per_cycle = 10;
	c->del.max_fraction_pct = 50;
	c->del.allow_empty = false;
	c->del.reject_connections = false;
	c->log_level = LOG_INFO;
	c->log_format = LOG_FORMAT_TEXT;
	return c;
}

void
model_config_free(struct vpcesd_config *c)
{
	if (c == NULL)
		return;
	free(c->region);
	free(c->endpoint);
	free(c->sts_endpoint);
	free(c->ca_file);
	free(c->owner);
	free(c->previous_owner);
	free(c->credentials.profile);
	free(c->credentials.role_arn);
	free(c->credentials.external_id);
	free(c->credentials.session_name);
	free(c->credentials.web_identity_token_file);
	free(c->status_file);
	free(c->metrics_file);
	free(c->state_dir);
	free(c->sources.profile);
	free(c->sources.region);
	free(c->sources.endpoint);
	free(c->sources.sts_endpoint);
	free(c->sources.ca_file);
	free(c->sources.max_attempts);
	free(c->sources.retry_mode);
	free(c->sources.note);
	for (size_t i = 0; i < c->n_services; i++)
		model_service_clear(&c->services[i]);
	free(c->services);
	for (size_t i = 0; i < c->n_source_files; i++)
		free(c->source_files[i].path);
	free(c->source_files);
	free(c->lb_pos);
	free(c);
}

/* --- JSON ------------------------------------------------------------------ */

/* Each helper returns false on allocation failure; callers bail out then. */
static bool
add_str(cJSON *o, const char *key, const char *v)
{
	return cJSON_AddStringToObject(o, key, v) != NULL;
}

static bool
add_opt_str(cJSON *o, const char *key, const char *v)
{
	return v == NULL || add_str(o, key, v);
}

static bool
add_num(cJSON *o, const char *key, unsigned v)
{
	return cJSON_AddNumberToObject(o, key, (double)v) != NULL;
}

static bool
add_bool(cJSON *o, const char *key, bool v)
{
	return cJSON_AddBoolToObject(o, key, v) != NULL;
}

static bool
add_duration(cJSON *o, const char *key, unsigned seconds)
{
	char text[32];

	validate_format_duration(seconds, text, sizeof(text));
	return add_str(o, key, text);
}

static bool
add_percent(cJSON *o, const char *key, unsigned pct)
{
	char text[8];

	snprintf(text, sizeof(text), "%u%%", pct);
	return add_str(o, key, text);
}

/* Strings in strcmp order, without changing the model. */
static int
str_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool
add_set(cJSON *o, const char *key, const struct strv *sv)
{
	cJSON *arr = cJSON_AddArrayToObject(o, key);
	const char **sorted;
	bool ok = true;

	if (arr == NULL)
		return false;
	if (sv->n == 0)
		return true;
	sorted = malloc(sv->n * sizeof(*sorted));
	if (sorted == NULL)
		return false;
	memcpy(sorted, sv->v, sv->n * sizeof(*sorted));
	qsort(sorted, sv->n, sizeof(*sorted), str_cmp);
	for (size_t i = 0; i < sv->n && ok; i++) {
		cJSON *s = cJSON_CreateString(sorted[i]);

		ok = s != NULL && cJSON_AddItemToArray(arr, s);
		if (!ok)
			cJSON_Delete(s);
	}
	free(sorted);
	return ok;
}

cJSON *
model_service_to_json(const struct service_spec *s)
{
	cJSON *o = cJSON_CreateObject(), *tags;
	struct model_tags sorted = {0};
	bool ok;

	if (o == NULL)
		return NULL;
	ok = add_str(o, "name", s->name);
	if (ok && s->nlb_arns.n > 0)
		ok = add_set(o, "network_load_balancer_arns", &s->nlb_arns);
	if (ok && s->gwlb_arns.n > 0)
		ok = add_set(o, "gateway_load_balancer_arns", &s->gwlb_arns);
	ok = ok && add_bool(o, "acceptance_required", s->acceptance_required);
	if (ok && s->principals_managed)
		ok = add_set(o, "allowed_principals", &s->allowed_principals);
	if (ok && s->connections_managed) {
		cJSON *conn = cJSON_AddObjectToObject(o, "connections");

		ok = conn != NULL && add_set(conn, "accept", &s->accept) &&
		     add_bool(conn, "reject_unlisted", s->reject_unlisted) &&
		     add_bool(conn, "reject_on_principal_removal", s->reject_on_principal_removal);
	}
	ok = ok && add_opt_str(o, "private_dns_name", s->private_dns_name);
	/* Only with a name (the only case it may be set), so older tokens stay. */
	if (ok && s->private_dns_name)
		ok = add_bool(o, "verify_private_dns", s->verify_private_dns);
	ok = ok && add_opt_str(o, "payer_responsibility", s->payer_responsibility);
	if (ok && s->notifications_managed) {
		cJSON *arr = cJSON_AddArrayToObject(o, "notifications");

		ok = arr != NULL;
		for (size_t i = 0; ok && i < s->n_notifications; i++) {
			cJSON *n = cJSON_CreateObject();

			ok = n != NULL && cJSON_AddItemToArray(arr, n);
			if (!ok) {
				cJSON_Delete(n);
				break;
			}
			ok = add_str(n, "topic_arn", s->notifications[i].topic_arn) &&
			     add_set(n, "events", &s->notifications[i].events);
		}
	}
	ok = ok && add_set(o, "supported_ip_address_types", &s->ip_address_types);
	ok = ok && add_set(o, "supported_regions", &s->supported_regions);
	ok = ok && (tags = cJSON_AddObjectToObject(o, "tags")) != NULL;
	if (ok && s->tags.n > 0) {
		/* Sort a shallow copy: the spec is const. */
		sorted.v = malloc(s->tags.n * sizeof(*sorted.v));
		ok = sorted.v != NULL;
		if (ok) {
			memcpy(sorted.v, s->tags.v, s->tags.n * sizeof(*sorted.v));
			sorted.n = s->tags.n;
			model_tags_sort(&sorted);
			for (size_t i = 0; i < sorted.n && ok; i++)
				ok = add_str(tags, sorted.v[i].key, sorted.v[i].value);
			free(sorted.v);
		}
	}
	ok = ok && add_opt_str(o, "adopt", s->adopt);
	if (!ok) {
		cJSON_Delete(o);
		return NULL;
	}
	return o;
}

/*
 * "sources": what --dump-config adds beside the settings, so an operator
 * (and tests/awsconf-matrix.py) can see where each AWS setting came from.
 * It is not a configuration key: a dump loaded back must drop it.  Omitted
 * for a config that was not loaded (no source known).
 */
static bool
add_sources(cJSON *o, const struct model_sources *s)
{
	cJSON *src;

	if (s->region == NULL)
		return true;
	return (src = cJSON_AddObjectToObject(o, "sources")) != NULL &&
	       add_opt_str(src, "profile", s->profile) && add_opt_str(src, "region", s->region) &&
	       add_opt_str(src, "endpoint", s->endpoint) &&
	       add_opt_str(src, "sts_endpoint", s->sts_endpoint) &&
	       add_opt_str(src, "ca_file", s->ca_file) &&
	       add_opt_str(src, "max_attempts", s->max_attempts) &&
	       add_opt_str(src, "retry_mode", s->retry_mode) && add_opt_str(src, "note", s->note);
}

void
model_sources_describe(const struct vpcesd_config *c, char *out, size_t n)
{
	const struct model_sources *s = &c->sources;
	const char *q = "?";
	int len;

	len = snprintf(
		out, n,
		"profile %s, region %s from %s, endpoint %s from %s, sts_endpoint %s from "
		"%s, max_attempts %u from %s, retry_mode %s from %s",
		s->profile ? s->profile : q, c->region ? c->region : q, s->region ? s->region : q,
		c->endpoint ? c->endpoint : q, s->endpoint ? s->endpoint : q,
		c->sts_endpoint ? c->sts_endpoint : q, s->sts_endpoint ? s->sts_endpoint : q,
		c->api.max_attempts, s->max_attempts ? s->max_attempts : q,
		c->api.retry_adaptive ? "adaptive" : "standard", s->retry_mode ? s->retry_mode : q);
	if (len < 0 || (size_t)len >= n)
		return;
	len += snprintf(out + len, n - (size_t)len, ", ca_file %s%s%s",
			c->ca_file ? c->ca_file : "none (system store)", c->ca_file ? " from " : "",
			c->ca_file && s->ca_file ? s->ca_file : "");
	if (len < 0 || (size_t)len >= n || s->note == NULL)
		return;
	snprintf(out + len, n - (size_t)len, "; %s", s->note);
}

cJSON *
model_config_to_json(const struct vpcesd_config *c)
{
	cJSON *o = cJSON_CreateObject(), *api = NULL, *cred = NULL, *del = NULL, *log = NULL;
	cJSON *services = NULL;
	bool ok;

	if (o == NULL)
		return NULL;
	ok = add_opt_str(o, "region", c->region) && add_opt_str(o, "endpoint", c->endpoint) &&
	     add_opt_str(o, "sts_endpoint", c->sts_endpoint) &&
	     add_opt_str(o, "ca_file", c->ca_file) && add_str(o, "owner", c->owner) &&
	     add_opt_str(o, "previous_owner", c->previous_owner) &&
	     add_str(o, "policy", model_policy_name(c->policy)) &&
	     add_duration(o, "interval", c->interval_s) &&
	     add_percent(o, "jitter", c->jitter_pct) &&
	     add_duration(o, "min_interval", c->min_interval_s) &&
	     add_duration(o, "private_dns_verify_interval", c->dns_verify_interval_s);
	ok = ok && (api = cJSON_AddObjectToObject(o, "api")) != NULL &&
	     add_num(api, "rate", c->api.rate) && add_num(api, "burst", c->api.burst) &&
	     add_num(api, "concurrency", c->api.concurrency) &&
	     add_num(api, "max_attempts", c->api.max_attempts) &&
	     add_str(api, "retry_mode", c->api.retry_adaptive ? "adaptive" : "standard") &&
	     add_duration(api, "timeout", c->api.timeout_s) &&
	     add_duration(api, "connect_timeout", c->api.connect_timeout_s) &&
	     add_percent(api, "bucket_share", c->api.bucket_share_pct);
	ok = ok && (cred = cJSON_AddObjectToObject(o, "credentials")) != NULL &&
	     add_opt_str(cred, "profile", c->credentials.profile) &&
	     add_opt_str(cred, "role_arn", c->credentials.role_arn) &&
	     add_opt_str(cred, "external_id", c->credentials.external_id) &&
	     add_opt_str(cred, "session_name", c->credentials.session_name) &&
	     add_opt_str(cred, "web_identity_token_file", c->credentials.web_identity_token_file);
	ok = ok && (del = cJSON_AddObjectToObject(o, "delete")) != NULL &&
	     add_num(del, "max_per_cycle", c->del.max_per_cycle) &&
	     add_percent(del, "max_fraction", c->del.max_fraction_pct) &&
	     add_bool(del, "allow_empty", c->del.allow_empty) &&
	     add_bool(del, "reject_connections", c->del.reject_connections);
	ok = ok && add_str(o, "status_file", c->status_file) &&
	     add_opt_str(o, "metrics_file", c->metrics_file) &&
	     add_str(o, "state_dir", c->state_dir);
	ok = ok && (log = cJSON_AddObjectToObject(o, "log")) != NULL &&
	     add_str(log, "level", log_priority_name(c->log_level)) &&
	     add_str(log, "format", log_format_name(c->log_format));
	ok = ok && add_sources(o, &c->sources);
	ok = ok && (services = cJSON_AddArrayToObject(o, "services")) != NULL;
	for (size_t i = 0; ok && i < c->n_services; i++) {
		cJSON *s = model_service_to_json(&c->services[i]);

		ok = s != NULL && cJSON_AddItemToArray(services, s);
		if (!ok)
			cJSON_Delete(s);
	}
	if (!ok) {
		cJSON_Delete(o);
		return NULL;
	}
	return o;
}

/* A scalar (string, number, bool, null) in cJSON's compact form. */
static int
print_scalar(const cJSON *j, struct buf *out)
{
	char *text = cJSON_PrintUnformatted(j);
	int r;

	if (text == NULL)
		return -ENOMEM;
	r = buf_puts(out, text);
	cJSON_free(text);
	return r;
}

static int
print_indent(struct buf *out, unsigned depth)
{
	int r = 0;

	for (unsigned i = 0; i < depth && r == 0; i++)
		r = buf_puts(out, "  ");
	return r;
}

static int
print_value(const cJSON *j, struct buf *out, unsigned depth)
{
	bool obj = cJSON_IsObject(j);
	const cJSON *child;
	int r;

	if (!obj && !cJSON_IsArray(j))
		return print_scalar(j, out);
	if (j->child == NULL)
		return buf_puts(out, obj ? "{}" : "[]");
	r = buf_puts(out, obj ? "{\n" : "[\n");
	for (child = j->child; child && r == 0; child = child->next) {
		r = print_indent(out, depth + 1);
		if (r == 0 && obj) {
			cJSON *key = cJSON_CreateString(child->string);

			if (key == NULL)
				return -ENOMEM;
			r = print_scalar(key, out);
			cJSON_Delete(key);
			if (r == 0)
				r = buf_puts(out, ": ");
		}
		if (r == 0)
			r = print_value(child, out, depth + 1);
		if (r == 0)
			r = buf_puts(out, child->next ? ",\n" : "\n");
	}
	if (r == 0)
		r = print_indent(out, depth);
	if (r == 0)
		r = buf_puts(out, obj ? "}" : "]");
	return r;
}

int
model_json_print(const cJSON *j, struct buf *out)
{
	int r = print_value(j, out, 0);

	return r < 0 ? r : buf_puts(out, "\n");
}
