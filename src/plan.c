/*
 * plan: the pure planner of the reconciler.  The rules are in
 * docs/internals/plan.md, the contract in plan.h.
 *
 * The computation runs in four steps over a private index of the
 * observation (`struct ref`, one per observed service):
 *
 *   1. index: drop entries we must not act on (no id, Deleted, repeated id),
 *      read the ownership tags once, sort by id and by (name, id);
 *   2. adopt: resolve every `adopt:` spec to its target or a refusal, and
 *      claim the targets, so no other spec can take them in step 3;
 *   3. specs, in name order: find the service of each spec (adopt target or
 *      owned services tagged with its name), pick the keeper, queue the
 *      other ones as duplicates, then create or converge (plan_converge.c);
 *   4. deletes: owned services no spec names or adopts, plus duplicates,
 *      sorted by (name, id), each through the guards (policy, state,
 *      completeness, connections) and then the valve, which is applied to
 *      the whole cycle at once.
 *
 * Everything the plan holds is owned by it; intermediate sets are built in
 * locals and moved into a change only when complete, so the error paths
 * free exactly what was built.  Any allocation failure fails the whole plan
 * (a half plan could, for instance, skip a guard).
 *
 * This file is the core: the steps above, the builders of changes and held
 * items, the ClientToken and freeing.  plan_converge.c computes the changes
 * of one service, field by field, and plan_print.c prints a plan; what the
 * files share is plan_internal.h.
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

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
	}
	return "?";
}

void
plan_input_from_config(struct plan_input *in, const struct vpcesd_config *c,
		       const struct observation *obs)
{
	memset(in, 0, sizeof(*in));
	in->owner = c->owner;
	in->region = c->region;
	in->policy = c->policy;
	in->max_deletes = c->del.max_per_cycle;
	in->reject_connections = c->del.reject_connections;
	in->specs = c->services;
	in->n_specs = c->n_services;
	in->obs = obs;
	in->dns_verify_interval_s = c->dns_verify_interval_s;
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
	free(p);
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

static int
cmp_generation(const void *key, const void *elem)
{
	return strcmp(key, ((const struct plan_generation *)elem)->name);
}

unsigned long
generation_of(const struct plan_input *in, const char *name)
{
	const struct plan_generation *g;

	if (in->n_generations == 0)
		return 0;
	g = bsearch(name, in->generations, in->n_generations, sizeof(*in->generations),
		    cmp_generation);
	return g ? g->generation : 0;
}

/* ---- the index of observed services ------------------------------------------- */

bool
state_is(const struct ref *r, const char *state)
{
	return strcasecmp(r->state, state) == 0;
}

static int
cmp_ref_id(const void *a, const void *b)
{
	const struct ref *x = *(struct ref *const *)a, *y = *(struct ref *const *)b;
	int c = strcmp(x->id, y->id);

	if (c != 0)
		return c;
	return x < y ? -1 : x > y; /* observation order breaks ties */
}

static const char *
ref_name(const struct ref *r)
{
	return r->name ? r->name : r->id;
}

static int
cmp_ref_name(const void *a, const void *b)
{
	const struct ref *x = *(struct ref *const *)a, *y = *(struct ref *const *)b;
	int c = strcmp(ref_name(x), ref_name(y));

	return c != 0 ? c : strcmp(x->id, y->id);
}

static int
cmp_spec_name(const void *a, const void *b)
{
	const struct service_spec *x = *(const struct service_spec *const *)a;
	const struct service_spec *y = *(const struct service_spec *const *)b;

	return strcmp(x->name, y->name);
}

/* bsearch() comparators: a string key against an element's id or name. */
static int
key_cmp_ref_id(const void *key, const void *elem)
{
	return strcmp(key, (*(struct ref *const *)elem)->id);
}

static int
key_cmp_spec_name(const void *key, const void *elem)
{
	return strcmp(key, (*(const struct service_spec *const *)elem)->name);
}

static struct ref *
find_by_id(const struct ctx *x, const char *id)
{
	struct ref **r =
		x->n_by_id ? bsearch(id, x->by_id, x->n_by_id, sizeof(*x->by_id), key_cmp_ref_id)
			   : NULL;

	return r ? *r : NULL;
}

static const struct service_spec *
find_spec(const struct ctx *x, const char *name)
{
	const struct service_spec **s = x->in->n_specs
						? bsearch(name, x->specs, x->in->n_specs,
							  sizeof(*x->specs), key_cmp_spec_name)
						: NULL;

	return s ? *s : NULL;
}

/* First index in x->owned whose name is >= name. */
static size_t
owned_lower_bound(const struct ctx *x, const char *name)
{
	size_t lo = 0, hi = x->n_owned;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (strcmp(ref_name(x->owned[mid]), name) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static const struct observation_adopt_lookup *
find_lookup(const struct observation *obs, const char *id)
{
	for (size_t i = 0; i < obs->n_adopt_lookups; i++)
		if (strcmp(obs->adopt_lookups[i].service_id, id) == 0)
			return &obs->adopt_lookups[i];
	return NULL;
}

/* Step 1. */
static int
build_index(struct ctx *x)
{
	const struct observation *obs = x->in->obs;
	size_t n = obs->n_services, w = 0;

	x->refs = calloc(n ? n : 1, sizeof(*x->refs));
	x->by_id = calloc(n ? n : 1, sizeof(*x->by_id));
	x->owned = calloc(n ? n : 1, sizeof(*x->owned));
	if (x->refs == NULL || x->by_id == NULL || x->owned == NULL)
		return -ENOMEM;
	x->n_refs = n;
	for (size_t i = 0; i < n; i++) {
		struct ref *r = &x->refs[i];
		const struct ec2_service_config *cfg = &obs->services[i].cfg;

		r->s = &obs->services[i];
		r->id = cfg->service_id;
		r->state = cfg->service_state ? cfg->service_state : "";
		r->owner = observation_tag(&cfg->tags, PLAN_OWNER_TAG);
		r->name = observation_tag(&cfg->tags, PLAN_NAME_TAG);
		r->owned = r->owner != NULL && strcmp(r->owner, x->in->owner) == 0;
		r->deleted = state_is(r, "Deleted");
		if (r->name && r->name[0] == '\0')
			r->name = NULL;
		r->skip = r->id == NULL || r->id[0] == '\0';
		if (!r->skip)
			x->by_id[x->n_by_id++] = r;
	}
	qsort(x->by_id, x->n_by_id, sizeof(*x->by_id), cmp_ref_id);
	/* A repeated id: the first observed entry wins, the others are ignored. */
	for (size_t i = 0; i < x->n_by_id; i++) {
		if (w > 0 && strcmp(x->by_id[i]->id, x->by_id[w - 1]->id) == 0)
			x->by_id[i]->skip = true;
		else
			x->by_id[w++] = x->by_id[i];
	}
	x->n_by_id = w;
	for (size_t i = 0; i < n; i++) {
		struct ref *r = &x->refs[i];

		if (!r->skip && !r->deleted && r->owned)
			x->owned[x->n_owned++] = r;
	}
	qsort(x->owned, x->n_owned, sizeof(*x->owned), cmp_ref_name);
	return 0;
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

static int
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

/* ---- step 2: adopt ------------------------------------------------------------------ */

static int
adopt_hold(struct adopt_res *a, enum plan_hold kind, char *reason)
{
	a->target = NULL;
	a->hold = kind;
	a->reason = reason;
	return reason ? 0 : -ENOMEM;
}

static int
resolve_adopt(struct ctx *x, const struct service_spec *spec, struct adopt_res *a)
{
	const char *id = spec->adopt;
	struct ref *r = find_by_id(x, id);

	if (r == NULL) {
		const struct observation_adopt_lookup *l = find_lookup(x->in->obs, id);

		if (l && l->result == OBSERVATION_NOT_FOUND)
			return adopt_hold(a, PLAN_HOLD_REFUSED,
					  format("adopt target %s not found", id));
		if (l && l->result == OBSERVATION_UNREADABLE)
			return adopt_hold(a, PLAN_HOLD_INCOMPLETE,
					  format("adopt target %s could not be read: %s", id,
						 l->error ? l->error : "unknown error"));
		return adopt_hold(a, PLAN_HOLD_INCOMPLETE,
				  format("adopt target %s was not observed", id));
	}
	r->adopt_target = true;
	if (r->deleted)
		return adopt_hold(a, PLAN_HOLD_REFUSED, format("adopt target %s is deleted", id));
	if (r->owner && !r->owned)
		return adopt_hold(a, PLAN_HOLD_REFUSED,
				  format("adopt target %s belongs to owner '%s' (tag %s), not '%s'",
					 id, r->owner, PLAN_OWNER_TAG, x->in->owner));
	if (r->owned && r->name && strcmp(r->name, spec->name) != 0 && find_spec(x, r->name))
		return adopt_hold(
			a, PLAN_HOLD_REFUSED,
			format("adopt target %s is already managed as '%s'", id, r->name));
	if (r->claimed)
		return adopt_hold(a, PLAN_HOLD_REFUSED,
				  format("adopt target %s is adopted by another spec", id));
	r->claimed = true;
	a->target = r;
	a->need_adopt = !r->owned || r->name == NULL || strcmp(r->name, spec->name) != 0;
	return 0;
}

/* ---- step 3: specs -------------------------------------------------------------------- */

static int
add_cand(struct ctx *x, struct ref *r, const char *keeper_id)
{
	if (grow((void **)&x->cands, &x->cap_cands, x->n_cands, sizeof(*x->cands)) < 0)
		return -ENOMEM;
	x->cands[x->n_cands++] = (struct cand){r, ref_name(r), keeper_id};
	r->handled = true;
	return 0;
}

/* True when a is a better keeper than b: Available first, then the smaller id. */
static bool
better_keeper(const struct ref *a, const struct ref *b)
{
	bool aa = state_is(a, "Available"), ba = state_is(b, "Available");

	if (aa != ba)
		return aa;
	return strcmp(a->id, b->id) < 0;
}

static int
plan_spec(struct ctx *x, size_t si)
{
	const struct service_spec *spec = x->specs[si];
	const struct adopt_res *a = &x->adopt[si];
	struct ref *keeper = NULL;
	size_t lo = owned_lower_bound(x, spec->name), hi;
	int r;

	if (spec->adopt) {
		if (a->target == NULL)
			return add_held(x, a->hold, spec->name, spec->adopt, "%s", a->reason);
		keeper = a->target;
	}
	/* The adopt target is always the keeper; otherwise the best one of the group. */
	for (hi = lo; hi < x->n_owned && strcmp(ref_name(x->owned[hi]), spec->name) == 0; hi++)
		if (!spec->adopt && !x->owned[hi]->claimed &&
		    (keeper == NULL || better_keeper(x->owned[hi], keeper)))
			keeper = x->owned[hi];
	if (keeper == NULL) {
		if (!x->in->obs->listing_complete)
			return add_held(
				x, PLAN_HOLD_INCOMPLETE, spec->name, NULL,
				"the listing of owned services is incomplete; not creating");
		return plan_create(x, spec);
	}
	keeper->handled = true;
	for (size_t i = lo; i < hi; i++) {
		struct ref *d = x->owned[i];

		if (d != keeper && !d->claimed && (r = add_cand(x, d, keeper->id)) < 0)
			return r;
	}
	return plan_converge(x, spec, keeper, spec->adopt ? a->need_adopt : false);
}

/* ---- step 4: deletes ------------------------------------------------------------------ */

static int
cmp_cand(const void *a, const void *b)
{
	const struct cand *x = a, *y = b;
	int c = strcmp(x->name, y->name);

	return c != 0 ? c : strcmp(x->ref->id, y->ref->id);
}

static bool
connection_blocks(const struct ec2_endpoint_connection *c)
{
	const char *s = c->vpc_endpoint_state;

	return s && (strcasecmp(s, "available") == 0 || strcasecmp(s, "pendingAcceptance") == 0);
}

/*
 * The guards of one delete.  Returns 1 when it may go (with the endpoints
 * to reject first in *reject), 0 when it was held, <0 on error.
 */
static int
delete_guard(struct ctx *x, const struct cand *c, struct strv *reject)
{
	const struct ref *r = c->ref;
	const char *policy = model_policy_name(x->in->policy);
	struct strv blocking = STRV_INIT;
	char *ids;
	int rc;

	if (x->in->policy != MODEL_POLICY_SYNC) {
		if (c->keeper_id)
			return add_held(x, PLAN_HOLD_DUPLICATE, c->name, r->id,
					"duplicate of %s (same %s); not deleted (policy %s)",
					c->keeper_id, PLAN_NAME_TAG, policy);
		return add_held(x, PLAN_HOLD_POLICY, c->name, r->id,
				"would delete %s (%s): not in the configuration (policy %s)",
				c->name, r->id, policy);
	}
	if (state_is(r, "Pending") || state_is(r, "Deleting"))
		return add_held(x, PLAN_HOLD_WAITING, c->name, r->id,
				"service is %s; waiting for it to settle", r->state);
	if (!state_is(r, "Available") && !state_is(r, "Failed"))
		return add_held(x, PLAN_HOLD_INCOMPLETE, c->name, r->id,
				"service state '%s' is unknown; not deleting", r->state);
	if (!x->in->obs->listing_complete)
		return add_held(x, PLAN_HOLD_INCOMPLETE, c->name, r->id,
				"the listing of owned services is incomplete; not deleting");
	if (!r->s->connections_known)
		return add_held(x, PLAN_HOLD_INCOMPLETE, c->name, r->id,
				"endpoint connections could not be read; not deleting");
	for (size_t i = 0; i < r->s->n_connections; i++) {
		const struct ec2_endpoint_connection *ec = &r->s->connections[i];

		if (connection_blocks(ec) && ec->vpc_endpoint_id &&
		    !strv_contains(&blocking, ec->vpc_endpoint_id) &&
		    strv_push(&blocking, ec->vpc_endpoint_id) < 0)
			goto nomem;
	}
	if (blocking.n == 0)
		return 1;
	strv_sort(&blocking);
	if (c->keeper_id == NULL && x->in->reject_connections) {
		*reject = blocking;
		return 1;
	}
	ids = join(&blocking, ", ");
	if (ids == NULL)
		goto nomem;
	if (c->keeper_id)
		rc = add_held(x, PLAN_HOLD_DUPLICATE, c->name, r->id,
			      "duplicate of %s (same %s); not deleted: %zu endpoint connection(s) "
			      "available or pendingAcceptance (%s)",
			      c->keeper_id, PLAN_NAME_TAG, blocking.n, ids);
	else
		rc = add_held(x, PLAN_HOLD_CONNECTED, c->name, r->id,
			      "%zu endpoint connection(s) available or pendingAcceptance (%s); "
			      "set delete.reject_connections to reject them",
			      blocking.n, ids);
	free(ids);
	strv_free(&blocking);
	return rc < 0 ? rc : 0;

nomem:
	strv_free(&blocking);
	return -ENOMEM;
}

static int
push_delete(struct ctx *x, const struct cand *c, struct strv *reject)
{
	struct plan_change ch;
	char *ids;
	int r;

	if (reject->n > 0) {
		if (change_init(&ch, PLAN_REJECT_CONNECTIONS, c->name, c->ref->id) < 0)
			return -ENOMEM;
		ch.endpoint_ids = *reject;
		*reject = (struct strv)STRV_INIT;
		ids = join(&ch.endpoint_ids, ", ");
		r = ids ? diff_line(&ch.diffs, "reject endpoint connections: %s", ids) : -ENOMEM;
		free(ids);
		if (r < 0) {
			change_clear(&ch);
			return -ENOMEM;
		}
		if ((r = push_change(x, &ch)) < 0)
			return r;
	}
	if (change_init(&ch, PLAN_DELETE, c->name, c->ref->id) < 0)
		return -ENOMEM;
	if (c->keeper_id)
		r = diff_line(&ch.diffs, "duplicate of %s (same %s)", c->keeper_id, PLAN_NAME_TAG);
	else
		r = diff_line(&ch.diffs, "not in the configuration (policy sync)");
	if (r < 0) {
		change_clear(&ch);
		return -ENOMEM;
	}
	return push_change(x, &ch);
}

static int
plan_deletes(struct ctx *x)
{
	struct strv *rejects = NULL;
	bool *go = NULL;
	size_t n_go = 0;
	int r = 0;

	/* Owned services no spec names or adopts (duplicates are queued already). */
	for (size_t i = 0; i < x->n_owned; i++) {
		struct ref *o = x->owned[i];

		if (o->handled || o->adopt_target || (o->name && find_spec(x, o->name)))
			continue;
		if ((r = add_cand(x, o, NULL)) < 0)
			return r;
	}
	if (x->n_cands == 0)
		return 0;
	qsort(x->cands, x->n_cands, sizeof(*x->cands), cmp_cand);
	rejects = calloc(x->n_cands, sizeof(*rejects));
	go = calloc(x->n_cands, sizeof(*go));
	if (rejects == NULL || go == NULL) {
		r = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < x->n_cands; i++) {
		r = delete_guard(x, &x->cands[i], &rejects[i]);
		if (r < 0)
			goto out;
		go[i] = r == 1;
		n_go += go[i];
	}
	r = 0;
	for (size_t i = 0; i < x->n_cands && r == 0; i++) {
		const struct cand *c = &x->cands[i];

		if (!go[i])
			continue;
		if (n_go > x->in->max_deletes)
			r = add_held(x, PLAN_HOLD_VALVE, c->name, c->ref->id,
				     "would delete %zu services this cycle, more than "
				     "delete.max_per_cycle (%u); holding every delete",
				     n_go, x->in->max_deletes);
		else
			r = push_delete(x, c, &rejects[i]);
	}
out:
	if (rejects)
		for (size_t i = 0; i < x->n_cands; i++)
			strv_free(&rejects[i]);
	free(rejects);
	free(go);
	return r;
}

/* ---- plan_compute -------------------------------------------------------------------- */

static int
cmp_held(const void *a, const void *b)
{
	const struct plan_held *x = a, *y = b;
	int c = strcmp(x->name, y->name);

	if (c != 0)
		return c;
	if ((x->service_id == NULL) != (y->service_id == NULL))
		return x->service_id == NULL ? -1 : 1;
	if (x->service_id && (c = strcmp(x->service_id, y->service_id)) != 0)
		return c;
	return strcmp(x->reason, y->reason);
}

static int
check_input(const struct plan_input *in, struct err *e)
{
	if (in == NULL || in->owner == NULL || in->owner[0] == '\0')
		return err_set(e, -EINVAL, "plan: no owner");
	if (in->region == NULL || in->region[0] == '\0')
		return err_set(e, -EINVAL, "plan: no region");
	if (in->obs == NULL)
		return err_set(e, -EINVAL, "plan: no observation");
	if (in->n_specs > 0 && in->specs == NULL)
		return err_set(e, -EINVAL, "plan: no specs");
	for (size_t i = 0; i < in->n_specs; i++) {
		const struct service_spec *s = &in->specs[i];

		if (s->name == NULL || s->name[0] == '\0')
			return err_set(e, -EINVAL, "plan: spec #%zu has no name", i + 1);
		if ((s->nlb_arns.n > 0) == (s->gwlb_arns.n > 0))
			return err_set(e, -EINVAL,
				       "plan: service '%s' needs exactly one kind of load balancer",
				       s->name);
	}
	for (size_t i = 0; i < in->obs->n_adopt_lookups; i++)
		if (in->obs->adopt_lookups[i].service_id == NULL)
			return err_set(e, -EINVAL, "plan: adopt lookup #%zu has no id", i + 1);
	return 0;
}

int
plan_compute(const struct plan_input *in, struct plan **ret, struct err *e)
{
	struct ctx x = {.in = in, .e = e};
	int r;

	r = check_input(in, e);
	if (r < 0)
		return r;
	x.p = calloc(1, sizeof(*x.p));
	x.specs = calloc(in->n_specs ? in->n_specs : 1, sizeof(*x.specs));
	x.adopt = calloc(in->n_specs ? in->n_specs : 1, sizeof(*x.adopt));
	if (x.p == NULL || x.specs == NULL || x.adopt == NULL)
		goto nomem;
	for (size_t i = 0; i < in->n_specs; i++)
		x.specs[i] = &in->specs[i];
	qsort(x.specs, in->n_specs, sizeof(*x.specs), cmp_spec_name);
	for (size_t i = 1; i < in->n_specs; i++)
		if (strcmp(x.specs[i - 1]->name, x.specs[i]->name) == 0) {
			r = err_set(e, -EINVAL, "plan: service name '%s' appears twice",
				    x.specs[i]->name);
			goto fail;
		}
	if (build_index(&x) < 0)
		goto nomem;
	for (size_t i = 0; i < in->n_specs; i++)
		if (x.specs[i]->adopt && resolve_adopt(&x, x.specs[i], &x.adopt[i]) < 0)
			goto nomem;
	for (size_t i = 0; i < in->n_specs; i++)
		if ((r = plan_spec(&x, i)) < 0)
			goto fail;
	if ((r = plan_deletes(&x)) < 0)
		goto fail;
	if (x.p->n_held > 1)
		qsort(x.p->held, x.p->n_held, sizeof(*x.p->held), cmp_held);
	*ret = x.p;
	x.p = NULL;
	r = 0;
	goto out;

nomem:
	r = -ENOMEM;
fail:
	if (r == -ENOMEM)
		err_set(e, r, "plan: out of memory");
out:
	plan_free(x.p);
	if (x.adopt)
		for (size_t i = 0; i < in->n_specs; i++)
			free(x.adopt[i].reason);
	free(x.adopt);
	free(x.specs);
	free(x.refs);
	free(x.by_id);
	free(x.owned);
	free(x.cands);
	return r;
}
