/* SPDX-License-Identifier: ISC */
/*
 * plan_change: the vocabulary of a plan — names of kinds and holds, the
 * builders of changes and held items, the create ClientToken, freeing.
 *
 * Everything the plan holds is owned by it; intermediate sets are built in
 * locals and moved into a change only when complete (push_change()), so
 * the error paths free exactly what was built.  Pure, like the rest of the
 * planner (plan.h).
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "plan.h"
#include "plan_internal.h"

/* ---- names ----------------------------------------------------------------- */

const char *
plan_kind_name(enum plan_kind k)
{
	switch (k) {
	case PLAN_CREATE:
		return "create";
	case PLAN_ADOPT:
		return "adopt";
	case PLAN_MODIFY_CONFIG:
		return "modify_config";
	case PLAN_MODIFY_PAYER:
		return "modify_payer";
	case PLAN_MODIFY_PERMISSIONS:
		return "modify_permissions";
	case PLAN_CREATE_TAGS:
		return "create_tags";
	case PLAN_DELETE_TAGS:
		return "delete_tags";
	case PLAN_ACCEPT_CONNECTIONS:
		return "accept_connections";
	case PLAN_DENY_CONNECTIONS:
		return "deny_connections";
	case PLAN_DELETE_NOTIFICATIONS:
		return "delete_notifications";
	case PLAN_CREATE_NOTIFICATION:
		return "create_notification";
	case PLAN_START_DNS_VERIFICATION:
		return "start_dns_verification";
	case PLAN_REJECT_CONNECTIONS:
		return "reject_connections";
	case PLAN_DELETE:
		return "delete";
	}
	return "?";
}

const char *
plan_hold_name(enum plan_hold h)
{
	switch (h) {
	case PLAN_HOLD_WAITING:
		return "waiting";
	case PLAN_HOLD_FAILED:
		return "failed";
	case PLAN_HOLD_POLICY:
		return "policy";
	case PLAN_HOLD_VALVE:
		return "valve";
	case PLAN_HOLD_CONNECTED:
		return "connected";
	case PLAN_HOLD_INCOMPLETE:
		return "incomplete";
	case PLAN_HOLD_REFUSED:
		return "refused";
	case PLAN_HOLD_DUPLICATE:
		return "duplicate";
	case PLAN_HOLD_GUARD:
		return "guard";
	case PLAN_HOLD_CONTESTED:
		return "contested";
	case PLAN_HOLD_RETAINED:
		return "retained";
	case PLAN_HOLD_READING:
		return "reading";
	}
	return "?";
}

/* ---- freeing --------------------------------------------------------------- */

void
change_clear(struct plan_change *c)
{
	free(c->name);
	free(c->service_id);
	free(c->reason);
	strv_free(&c->diffs);
	strv_free(&c->create.nlb_arns);
	strv_free(&c->create.gwlb_arns);
	free(c->create.private_dns_name);
	strv_free(&c->create.ip_address_types);
	strv_free(&c->create.supported_regions);
	model_tags_free(&c->create.tags);
	strv_free(&c->create.add_principals);
	strv_free(&c->modify.add_nlb_arns);
	strv_free(&c->modify.remove_nlb_arns);
	strv_free(&c->modify.add_gwlb_arns);
	strv_free(&c->modify.remove_gwlb_arns);
	free(c->modify.private_dns_name);
	strv_free(&c->modify.add_ip_types);
	strv_free(&c->modify.remove_ip_types);
	strv_free(&c->modify.add_regions);
	strv_free(&c->modify.remove_regions);
	strv_free(&c->add_principals);
	strv_free(&c->remove_principals);
	model_tags_free(&c->tags);
	strv_free(&c->tag_keys);
	strv_free(&c->endpoint_ids);
	free(c->payer);
	strv_free(&c->notification_ids);
	free(c->notification.topic_arn);
	strv_free(&c->notification.events);
	memset(c, 0, sizeof(*c));
}

void
plan_free(struct plan *p)
{
	if (p == NULL)
		return;
	for (size_t i = 0; i < p->n_changes; i++)
		change_clear(&p->changes[i]);
	free(p->changes);
	for (size_t i = 0; i < p->n_held; i++) {
		free(p->held[i].name);
		free(p->held[i].service_id);
		free(p->held[i].reason);
	}
	free(p->held);
	for (size_t i = 0; i < p->n_bindings; i++) {
		free(p->bindings[i].name);
		free(p->bindings[i].contested_diff);
	}
	free(p->bindings);
	free(p->delete_guard);
	free(p);
}

static int
cmp_binding(const void *key, const void *elem)
{
	return strcmp(key, ((const struct plan_binding *)elem)->name);
}

const struct plan_binding *
plan_binding_of(const struct plan *p, const char *name)
{
	return p->n_bindings ? bsearch(name, p->bindings, p->n_bindings, sizeof(*p->bindings),
				       cmp_binding)
			     : NULL;
}

/* ---- client token ------------------------------------------------------------ */

int
token_of(const struct buf *in, char out[PLAN_CLIENT_TOKEN_SIZE])
{
	static const char hex[] = "0123456789abcdef";
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int md_len = 0;

	if (EVP_Digest(in->data, in->len, md, &md_len, EVP_sha256(), NULL) != 1 || md_len < 24)
		return -EIO;
	memcpy(out, "vpcesd-", 7);
	for (size_t i = 0; i < 24; i++) {
		out[7 + 2 * i] = hex[md[i] >> 4];
		out[7 + 2 * i + 1] = hex[md[i] & 0xf];
	}
	out[PLAN_CLIENT_TOKEN_LEN] = '\0';
	return 0;
}

int
plan_client_token(const char *owner, const struct service_spec *spec, unsigned long generation,
		  char out[PLAN_CLIENT_TOKEN_SIZE], struct err *e)
{
	struct buf in;
	cJSON *j;
	char *text;
	int r;

	j = model_service_to_json(spec);
	if (j == NULL)
		return err_set(e, -ENOMEM, "client token: out of memory");
	text = cJSON_PrintUnformatted(j);
	cJSON_Delete(j);
	if (text == NULL)
		return err_set(e, -ENOMEM, "client token: out of memory");
	buf_init(&in, 4u * PLAN_LINE_MAX); /* a spec's canonical form is far smaller */
	r = buf_append(&in, owner, strlen(owner) + 1);
	if (r == 0)
		r = buf_append(&in, spec->name, strlen(spec->name) + 1);
	if (r == 0)
		r = buf_puts(&in, text);
	/* Only past a delete (a NUL first: the JSON never holds one); 0 keeps the old tokens. */
	if (r == 0 && generation > 0 && (r = buf_append(&in, "", 1)) == 0)
		r = buf_printf(&in, "%lu", generation);
	cJSON_free(text);
	if (r < 0) {
		buf_free(&in);
		return err_set(e, r, "client token: %s",
			       r == -E2BIG ? "spec too large" : "out of memory");
	}
	r = token_of(&in, out);
	buf_free(&in);
	return r < 0 ? err_set(e, r, "client token: SHA-256 failed") : 0;
}

/* ---- building blocks ------------------------------------------------------------ */

static char *
vformat(const char *fmt, va_list ap)
{
	va_list aq;
	char *s;
	int n;

	va_copy(aq, ap);
	n = vsnprintf(NULL, 0, fmt, aq);
	va_end(aq);
	if (n < 0)
		return NULL;
	s = malloc((size_t)n + 1);
	if (s == NULL)
		return NULL;
	vsnprintf(s, (size_t)n + 1, fmt, ap);
	return s;
}

char *
format(const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	s = vformat(fmt, ap);
	va_end(ap);
	return s;
}

int
diff_line(struct strv *diffs, const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	s = vformat(fmt, ap);
	va_end(ap);
	return strv_push_take(diffs, s);
}

int
grow(void **v, size_t *cap, size_t n, size_t size)
{
	size_t ncap;
	void *nv;

	if (n < *cap)
		return 0;
	ncap = *cap ? *cap * 2 : 8;
	nv = realloc(*v, ncap * size);
	if (nv == NULL)
		return -ENOMEM;
	*v = nv;
	*cap = ncap;
	return 0;
}

char *
join(const struct strv *sv, const char *sep)
{
	struct buf b;
	int r = 0;

	buf_init(&b, PLAN_LINE_MAX);
	for (size_t i = 0; i < sv->n && r == 0; i++) {
		if (i > 0)
			r = buf_puts(&b, sep);
		if (r == 0)
			r = buf_puts(&b, sv->v[i]);
	}
	if (r < 0) {
		buf_free(&b);
		return NULL;
	}
	return b.data ? buf_steal(&b) : strdup("");
}

int
push_change(struct ctx *x, struct plan_change *c)
{
	struct plan *p = x->p;

	if (c->reason == NULL) {
		c->reason = join(&c->diffs, "; ");
		if (c->reason == NULL)
			goto fail;
	}
	if (grow((void **)&p->changes, &p->cap_changes, p->n_changes, sizeof(*p->changes)) < 0)
		goto fail;
	p->changes[p->n_changes++] = *c;
	memset(c, 0, sizeof(*c));
	return 0;

fail:
	change_clear(c);
	return -ENOMEM;
}

int
change_init(struct plan_change *c, enum plan_kind kind, const char *name, const char *id)
{
	memset(c, 0, sizeof(*c));
	c->kind = kind;
	c->name = strdup(name);
	c->service_id = id ? strdup(id) : NULL;
	if (c->name == NULL || (id && c->service_id == NULL)) {
		change_clear(c);
		return -ENOMEM;
	}
	return 0;
}

int
add_held(struct ctx *x, enum plan_hold kind, const char *name, const char *id, const char *fmt, ...)
{
	struct plan *p = x->p;
	struct plan_held h = {.kind = kind};
	va_list ap;

	va_start(ap, fmt);
	h.reason = vformat(fmt, ap);
	va_end(ap);
	h.name = strdup(name);
	h.service_id = id ? strdup(id) : NULL;
	if (h.reason == NULL || h.name == NULL || (id && h.service_id == NULL))
		goto fail;
	if (grow((void **)&p->held, &p->cap_held, p->n_held, sizeof(*p->held)) < 0)
		goto fail;
	p->held[p->n_held++] = h;
	return 0;

fail:
	free(h.reason);
	free(h.name);
	free(h.service_id);
	return -ENOMEM;
}

bool
plan_same_chain(const struct plan_change *a, const struct plan_change *b)
{
	if (strcmp(a->name, b->name) != 0)
		return false;
	if (a->service_id == NULL || b->service_id == NULL)
		return a->service_id == b->service_id;
	return strcmp(a->service_id, b->service_id) == 0;
}
