/* SPDX-License-Identifier: ISC */
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
 * Any allocation failure fails the whole plan (a half plan could, for
 * instance, skip a guard).
 *
 * plan_reads() runs steps 1–4 over the listings alone and, instead of
 * planning, notes which further reads the plan will need: the walk that
 * decides the reads is the walk that uses them.
 *
 * This file is the core: the steps above.  plan_change.c builds changes
 * and held items, plan_converge.c the changes of one service, field by
 * field, plan_memory.c the rules that use earlier cycles' memory, and
 * plan_print.c prints a plan; what they share is plan_internal.h.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "plan.h"
#include "plan_internal.h"

void
plan_input_from_config(struct plan_input *in, const struct vpcesd_config *c,
		       const struct observation *obs)
{
	memset(in, 0, sizeof(*in));
	in->owner = c->owner;
	in->region = c->region;
	in->policy = c->policy;
	in->max_deletes = c->del.max_per_cycle;
	in->max_fraction_pct = c->del.max_fraction_pct;
	in->allow_empty = c->del.allow_empty;
	in->reject_connections = c->del.reject_connections;
	in->interval_s = c->interval_s;
	in->handover_from = c->previous_owner;
	in->specs = c->services;
	in->n_specs = c->n_services;
	in->obs = obs;
	in->dns_verify_interval_s = c->dns_verify_interval_s;
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

struct ref *
find_by_id(const struct ctx *x, const char *id)
{
	struct ref **r =
		x->n_by_id ? bsearch(id, x->by_id, x->n_by_id, sizeof(*x->by_id), key_cmp_ref_id)
			   : NULL;

	return r ? *r : NULL;
}

const struct service_spec *
find_spec(const struct ctx *x, const char *name)
{
	const struct service_spec **s = x->in->n_specs
						? bsearch(name, x->specs, x->in->n_specs,
							  sizeof(*x->specs), key_cmp_spec_name)
						: NULL;

	return s ? *s : NULL;
}

/* First index in v[0..n) (sorted by (name, id)) whose name is >= name. */
static size_t
name_lower_bound(struct ref *const *v, size_t n, const char *name)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (strcmp(ref_name(v[mid]), name) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static int
cmp_lookup(const void *a, const void *b)
{
	const struct observation_lookup *x = *(const struct observation_lookup *const *)a;
	const struct observation_lookup *y = *(const struct observation_lookup *const *)b;
	int c = strcmp(x->service_id, y->service_id);

	return c != 0 ? c : x < y ? -1 : x > y; /* the first lookup of an id wins */
}

static int
key_cmp_lookup(const void *key, const void *elem)
{
	return strcmp(key, (*(const struct observation_lookup *const *)elem)->service_id);
}

const struct observation_lookup *
find_lookup(const struct ctx *x, const char *id)
{
	const struct observation_lookup *const *l =
		x->n_lookups
			? bsearch(id, x->lookups, x->n_lookups, sizeof(*x->lookups), key_cmp_lookup)
			: NULL;

	/* bsearch may land on any of equal keys: step back to the first. */
	while (l && l > x->lookups && strcmp((*(l - 1))->service_id, id) == 0)
		l--;
	return l ? *l : NULL;
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
	x->previous = calloc(n ? n : 1, sizeof(*x->previous));
	x->lookups = calloc(obs->n_lookups ? obs->n_lookups : 1, sizeof(*x->lookups));
	if (x->refs == NULL || x->by_id == NULL || x->owned == NULL || x->previous == NULL ||
	    x->lookups == NULL)
		return -ENOMEM;
	for (size_t i = 0; i < obs->n_lookups; i++)
		x->lookups[i] = &obs->lookups[i];
	x->n_lookups = obs->n_lookups;
	qsort(x->lookups, x->n_lookups, sizeof(*x->lookups), cmp_lookup);
	x->n_refs = n;
	for (size_t i = 0; i < n; i++) {
		struct ref *r = &x->refs[i];
		const struct ec2_service_config *cfg = &obs->services[i].cfg;

		r->s = &obs->services[i];
		r->id = cfg->service_id;
		r->state = cfg->service_state ? cfg->service_state : "";
		r->owner = owner_of(&cfg->tags);
		r->name = owner_name_of(&cfg->tags);
		r->owned = r->owner != NULL && strcmp(r->owner, x->in->owner) == 0;
		r->previous = r->owner != NULL && !r->owned && x->in->previous_owners &&
			      strv_contains_sorted(x->in->previous_owners, r->owner);
		r->deleted = state_is(r, "Deleted");
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
		if (!r->skip && !r->deleted && r->previous && r->name)
			x->previous[x->n_previous++] = r;
	}
	qsort(x->owned, x->n_owned, sizeof(*x->owned), cmp_ref_name);
	qsort(x->previous, x->n_previous, sizeof(*x->previous), cmp_ref_name);
	return 0;
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
		const struct observation_lookup *l = find_lookup(x, id);

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
					 id, r->owner, OWNER_TAG, x->in->owner));
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

/* plan_reads(): the reads a keeper's convergence will look at (only Available ones converge). */
static void
want_keeper_reads(struct ctx *x, const struct service_spec *spec, const struct ref *k)
{
	unsigned char *what = &x->reads->what[k->s - x->in->obs->services];

	if (!state_is(k, "Available"))
		return;
	if (spec->principals_managed)
		*what |= PLAN_READ_PRINCIPALS;
	if (spec->connections_managed)
		*what |= PLAN_READ_CONNECTIONS;
	if (spec->notifications_managed)
		*what |= PLAN_READ_NOTIFICATIONS;
}

struct ref *
previous_of(const struct ctx *x, const char *name)
{
	struct ref *best = NULL;

	const char *from = x->in->handover_from;

	for (size_t i = name_lower_bound(x->previous, x->n_previous, name);
	     i < x->n_previous && strcmp(ref_name(x->previous[i]), name) == 0; i++) {
		struct ref *r = x->previous[i];
		/* The owner to hand over from first: its service is the one to take. */
		bool mine = from && strcmp(r->owner, from) == 0;
		bool best_mine = best && from && strcmp(best->owner, from) == 0;

		if (r->claimed)
			continue;
		if (best == NULL || (mine && !best_mine) ||
		    (mine == best_mine && better_keeper(r, best)))
			best = r;
	}
	return best;
}

/*
 * Bind a spec to its service.  A service other than the remembered one
 * moves the name's generation on: it may be the answer to a create whose
 * generation never reached the state file (the daemon was killed before
 * the cycle ended), and that generation's ClientToken is spent — once
 * this service is deleted, a create with it would be answered with the
 * dead service.  Moving on is always safe: no create is in doubt for a
 * name whose service is listed.
 */
void
plan_bind(struct plan_binding *b, const struct ref *r, const struct plan_memory *m)
{
	b->service = r->s;
	if (m && m->service_id && strcmp(m->service_id, r->id) != 0 &&
	    b->generation <= m->generation)
		b->generation = m->generation + 1;
}

static int
plan_spec(struct ctx *x, size_t si)
{
	const struct service_spec *spec = x->specs[si];
	const struct adopt_res *a = &x->adopt[si];
	const struct plan_memory *m = memory_of(x->in, spec->name);
	struct plan_binding *b = x->reads ? NULL : &x->p->bindings[si];
	struct ref *keeper = NULL;
	size_t lo = name_lower_bound(x->owned, x->n_owned, spec->name), hi;
	int r;

	if (b != NULL) {
		if ((b->name = strdup(spec->name)) == NULL)
			return -ENOMEM;
		b->generation = m ? m->generation : 0;
		b->repeats = m ? m->repeats : 0;
		b->contested = m && m->contested;
		b->contested_until = m ? m->contested_until : 0;
	}
	if (spec->adopt) {
		if (a->target == NULL)
			return b ? add_held(x, a->hold, spec->name, spec->adopt, "%s", a->reason)
				 : 0;
		keeper = a->target;
	}
	/* The adopt target is always the keeper; otherwise the best one of the group. */
	for (hi = lo; hi < x->n_owned && strcmp(ref_name(x->owned[hi]), spec->name) == 0; hi++)
		if (!spec->adopt && !x->owned[hi]->claimed &&
		    (keeper == NULL || better_keeper(x->owned[hi], keeper)))
			keeper = x->owned[hi];
	if (keeper == NULL && !spec->adopt && m && m->service_id) {
		struct ref *remembered = find_by_id(x, m->service_id);

		/*
		 * The remembered service is ours but lost its name: plan_missing()
		 * holds the spec for a human to decide; it is no delete candidate.
		 * (Renamed to another spec's name, it is that spec's.)
		 */
		if (remembered && remembered->owned && !remembered->deleted &&
		    !(remembered->name && find_spec(x, remembered->name)))
			remembered->handled = true;
	}
	if (keeper == NULL && !spec->adopt && x->reads) {
		/* A previous owner's service converges once handed over; a remembered one is looked up. */
		struct ref *prev = previous_of(x, spec->name);

		if (prev && x->in->handover_from && strcmp(prev->owner, x->in->handover_from) == 0)
			want_keeper_reads(x, spec, prev);
		else if (!prev && m && m->service_id && find_by_id(x, m->service_id) == NULL &&
			 strv_push(&x->reads->lookup_ids, m->service_id) < 0)
			return -ENOMEM;
		return 0;
	}
	if (keeper == NULL)
		return plan_missing(x, spec, m, b);
	keeper->handled = true;
	for (size_t i = lo; i < hi; i++) {
		struct ref *d = x->owned[i];

		if (d != keeper && !d->claimed && (r = add_cand(x, d, keeper->id)) < 0)
			return r;
	}
	if (x->reads) {
		want_keeper_reads(x, spec, keeper);
		return 0;
	}
	plan_bind(b, keeper, m);
	x->n_kept++;
	return plan_converge(x, spec, keeper, spec->adopt ? a->need_adopt : false, b, m);
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
					c->keeper_id, NAME_TAG, policy);
		/* Kept as the policy says: nothing is wrong, so it is not a held problem. */
		return add_held(x, PLAN_HOLD_RETAINED, c->name, r->id,
				"retained: not in the configuration; policy %s does not delete "
				"(policy sync would delete %s)",
				policy, r->id);
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
			      c->keeper_id, NAME_TAG, blocking.n, ids);
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
		r = diff_line(&ch.diffs, "duplicate of %s (same %s)", c->keeper_id, NAME_TAG);
	else
		r = diff_line(&ch.diffs, "not in the configuration (policy sync)");
	if (r < 0) {
		change_clear(&ch);
		return -ENOMEM;
	}
	return push_change(x, &ch);
}

/*
 * The guard of the whole cycle's deletes (docs/internals/plan.md,
 * "Deletes"): an empty desired state is a decision, not an accident.  The
 * services vpcesd owns this cycle are the delete candidates plus the ones
 * specs stand for; when no spec stands for any of them, or the candidates
 * are more than max_fraction of them, every delete is held.  A new reason
 * line (free()) when every delete must be held, NULL when they may go
 * through their own guards; *err -ENOMEM on allocation failure.
 */
static char *
deletes_guard(const struct ctx *x, int *err)
{
	size_t n = x->n_cands, total = x->n_cands + x->n_kept;
	char *why = NULL;

	*err = 0;
	if (x->in->policy != MODEL_POLICY_SYNC || n == 0)
		return NULL;
	if (x->n_kept == 0) {
		if (x->in->allow_empty)
			return NULL;
		why = format("this cycle would delete every owned service (%zu): the configuration "
			     "names none of them; set delete.allow_empty: true if that is what you "
			     "want",
			     n);
	} else if (n * 100 > (size_t)x->in->max_fraction_pct * total) {
		why = format("this cycle would delete %zu of the %zu owned services, more than "
			     "delete.max_fraction (%u%%); raise it if that is what you want",
			     n, total, x->in->max_fraction_pct);
	} else {
		return NULL;
	}
	if (why == NULL)
		*err = -ENOMEM;
	return why;
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
	if (x->reads) {
		/* The delete guard looks at the connections of what may be deleted. */
		for (size_t i = 0; i < x->n_cands && x->in->policy == MODEL_POLICY_SYNC; i++) {
			const struct ref *c = x->cands[i].ref;

			if (state_is(c, "Available") || state_is(c, "Failed")) {
				size_t k = (size_t)(c->s - x->in->obs->services);

				x->reads->what[k] |= PLAN_READ_CONNECTIONS;
				x->reads->must[k] |= PLAN_READ_CONNECTIONS;
			}
		}
		return 0;
	}
	if ((x->p->delete_guard = deletes_guard(x, &r)) != NULL || x->in->state_lost) {
		const char *why =
			x->p->delete_guard
				? x->p->delete_guard
				: "the state file could not be read; no delete before a cycle "
				  "has read every owned service";

		for (size_t i = 0; i < x->n_cands && r == 0; i++)
			r = add_held(x, x->p->delete_guard ? PLAN_HOLD_GUARD : PLAN_HOLD_INCOMPLETE,
				     x->cands[i].name, x->cands[i].ref->id, "%s", why);
		return r;
	}
	if (r < 0)
		return r;
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
	for (size_t i = 0; i < in->obs->n_lookups; i++)
		if (in->obs->lookups[i].service_id == NULL)
			return err_set(e, -EINVAL, "plan: lookup #%zu has no id", i + 1);
	for (size_t i = 1; i < in->n_memory; i++)
		if (strcmp(in->memory[i - 1].name, in->memory[i].name) >= 0)
			return err_set(e, -EINVAL, "plan: memory not sorted by name at '%s'",
				       in->memory[i].name);
	return 0;
}

/* Sort the specs by name (no name twice) and resolve the adopts: steps 1 and 2. */
static int
walk_begin(struct ctx *x)
{
	const struct plan_input *in = x->in;

	x->specs = calloc(in->n_specs ? in->n_specs : 1, sizeof(*x->specs));
	x->adopt = calloc(in->n_specs ? in->n_specs : 1, sizeof(*x->adopt));
	if (x->specs == NULL || x->adopt == NULL)
		return -ENOMEM;
	for (size_t i = 0; i < in->n_specs; i++)
		x->specs[i] = &in->specs[i];
	qsort(x->specs, in->n_specs, sizeof(*x->specs), cmp_spec_name);
	for (size_t i = 1; i < in->n_specs; i++)
		if (strcmp(x->specs[i - 1]->name, x->specs[i]->name) == 0)
			return err_set(x->e, -EINVAL, "plan: service name '%s' appears twice",
				       x->specs[i]->name);
	if (build_index(x) < 0)
		return -ENOMEM;
	for (size_t i = 0; i < in->n_specs; i++)
		if (x->specs[i]->adopt && resolve_adopt(x, x->specs[i], &x->adopt[i]) < 0)
			return -ENOMEM;
	return 0;
}

/* Steps 3 and 4. */
static int
walk_specs_and_deletes(struct ctx *x)
{
	int r = 0;

	for (size_t i = 0; i < x->in->n_specs && r == 0; i++)
		r = plan_spec(x, i);
	return r < 0 ? r : plan_deletes(x);
}

static void
walk_end(struct ctx *x)
{
	if (x->adopt)
		for (size_t i = 0; i < x->in->n_specs; i++)
			free(x->adopt[i].reason);
	free(x->adopt);
	free(x->specs);
	free(x->refs);
	free(x->by_id);
	free(x->owned);
	free(x->previous);
	free(x->lookups);
	free(x->cands);
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
	if (x.p == NULL || (x.p->bindings = calloc(in->n_specs ? in->n_specs : 1,
						   sizeof(*x.p->bindings))) == NULL) {
		r = -ENOMEM;
		goto out;
	}
	x.p->n_bindings = in->n_specs;
	if ((r = walk_begin(&x)) < 0 || (r = walk_specs_and_deletes(&x)) < 0)
		goto out;
	if (x.p->n_held > 1)
		qsort(x.p->held, x.p->n_held, sizeof(*x.p->held), cmp_held);
	*ret = x.p;
	x.p = NULL;
out:
	if (r == -ENOMEM)
		err_set(e, r, "plan: out of memory");
	plan_free(x.p);
	walk_end(&x);
	return r;
}

int
plan_reads(const struct plan_input *in, struct plan_reads *out, struct err *e)
{
	struct plan_reads reads = {.lookup_ids = STRV_INIT};
	struct ctx x = {.in = in, .e = e, .reads = &reads};
	int r;

	r = check_input(in, e);
	if (r < 0)
		return r;
	reads.n = in->obs->n_services;
	reads.what = calloc(reads.n ? reads.n : 1, sizeof(*reads.what));
	reads.must = calloc(reads.n ? reads.n : 1, sizeof(*reads.must));
	if (reads.what == NULL || reads.must == NULL)
		r = -ENOMEM;
	if (r == 0 && (r = walk_begin(&x)) == 0)
		r = walk_specs_and_deletes(&x);
	walk_end(&x);
	if (r < 0) {
		if (r == -ENOMEM)
			err_set(e, r, "plan: out of memory");
		plan_reads_free(&reads);
		return r;
	}
	strv_uniq(&reads.lookup_ids);
	*out = reads;
	return 0;
}

void
plan_reads_free(struct plan_reads *r)
{
	if (r == NULL)
		return;
	free(r->what);
	free(r->must);
	strv_free(&r->lookup_ids);
	memset(r, 0, sizeof(*r));
}
