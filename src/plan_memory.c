/* SPDX-License-Identifier: ISC */
/*
 * plan_memory: the rules that use what earlier cycles learned.
 *
 * The listing shows what EC2 holds now; the memory (the state file, given
 * to the planner as plan_input.memory and .previous_owners) says what vpcesd
 * saw and did before.  Three rules need both (docs/internals/plan.md):
 *
 *   - a spec without a service: is that because it was never created,
 *     because its service was deleted behind our back (then EC2 would
 *     answer the old ClientToken with the dead service: a new generation),
 *     because the owner was renamed (the service carries the previous
 *     owner), or because someone removed our tags (never create a second
 *     one);
 *   - a fight: the same change applied cycle after cycle means someone else
 *     changes it back; say so and back off;
 *   - the generations themselves.
 *
 * Pure, like the rest of the planner.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "plan.h"
#include "plan_internal.h"
#include "rfc3339.h"

/* A fight's back-off never exceeds this (an hour). */
#define FIGHT_BACKOFF_MAX 3600
/* From this many repeats on, a change is contested. */
#define FIGHT_REPEATS 2

static int
cmp_memory(const void *key, const void *elem)
{
	return strcmp(key, ((const struct plan_memory *)elem)->name);
}

const struct plan_memory *
memory_of(const struct plan_input *in, const char *name)
{
	return in->n_memory
		       ? bsearch(name, in->memory, in->n_memory, sizeof(*in->memory), cmp_memory)
		       : NULL;
}

/* True when some listing of a previous owner did not read every page. */
static const char *
previous_listing_incomplete(const struct plan_input *in)
{
	for (size_t i = 0; i < in->obs->n_owner_listings; i++)
		if (!in->obs->owner_listings[i].complete)
			return in->obs->owner_listings[i].owner;
	return NULL;
}

int
plan_missing(struct ctx *x, const struct service_spec *spec, const struct plan_memory *m,
	     struct plan_binding *b)
{
	const struct plan_input *in = x->in;
	const char *incomplete = previous_listing_incomplete(in);
	struct ref *prev;

	if (!in->obs->listing_complete)
		return add_held(x, PLAN_HOLD_INCOMPLETE, spec->name, NULL,
				"the listing of owned services is incomplete; not creating");
	if (in->state_lost)
		return add_held(x, PLAN_HOLD_INCOMPLETE, spec->name, NULL,
				"the state file could not be read; no create before a cycle has "
				"read every owned service");
	if (incomplete)
		return add_held(x, PLAN_HOLD_INCOMPLETE, spec->name, NULL,
				"the listing of the services of previous owner '%s' is incomplete; "
				"not creating",
				incomplete);
	/* Owner changes: the service is there, under the owner it was created with. */
	prev = previous_of(x, spec->name);
	if (prev != NULL) {
		if (in->handover_from && strcmp(prev->owner, in->handover_from) == 0) {
			prev->claimed = prev->handled = true;
			plan_bind(b, prev, m);
			x->n_kept++;
			return plan_converge(x, spec, prev, true, b, m);
		}
		return add_held(
			x, PLAN_HOLD_REFUSED, spec->name, prev->id,
			"%s carries the previous owner '%s' (tag %s), not '%s': not creating "
			"a second one; set previous_owner: %s to hand it over, or set owner "
			"back to '%s'",
			prev->id, prev->owner, OWNER_TAG, in->owner, prev->owner, prev->owner);
	}
	/* The service this name had: gone, or still there under other tags? */
	if (m && m->service_id) {
		const struct ref *r = find_by_id(x, m->service_id);
		const struct observation_lookup *l = find_lookup(x, m->service_id);
		char *why;
		int rc;

		if (r == NULL && l && l->result == OBSERVATION_FOUND)
			return add_held(x, PLAN_HOLD_INCOMPLETE, spec->name, m->service_id,
					"the lookup of its service %s found it, but it is not in "
					"the observation; not creating",
					m->service_id);
		if (r != NULL && !r->deleted && r->owned && r->name &&
		    strcmp(r->name, spec->name) != 0 && find_spec(x, r->name)) {
			/*
			 * Renamed to another desired spec's name: that spec's now.
			 * This name's token would be answered with it: a new one.
			 */
			b->generation = m->generation + 1;
			b->forget_service = true;
			why = format("its service %s now carries %s=%s: a new ClientToken "
				     "(generation %lu) makes a new one",
				     r->id, NAME_TAG, r->name, b->generation);
			if (why == NULL)
				return -ENOMEM;
			rc = plan_create(x, spec, b->generation, why);
			free(why);
			return rc;
		}
		if (r != NULL && !r->deleted) {
			if (r->owned)
				return add_held(
					x, PLAN_HOLD_REFUSED, spec->name, r->id,
					"its service %s now carries %s=%s: not creating a "
					"second one; put the tag back, or delete the service",
					r->id, NAME_TAG, r->name ? r->name : "(none)");
			return add_held(x, PLAN_HOLD_REFUSED, spec->name, r->id,
					"its service %s no longer carries %s=%s (now: %s): not "
					"creating a second one; put the tag back, adopt it (adopt: "
					"%s), or delete it",
					r->id, OWNER_TAG, in->owner, r->owner ? r->owner : "none",
					r->id);
		}
		if (r == NULL && (l == NULL || l->result == OBSERVATION_UNREADABLE))
			return add_held(
				x, PLAN_HOLD_INCOMPLETE, spec->name, m->service_id,
				"its service %s is not listed and could not be looked up%s%s; "
				"not creating",
				m->service_id, l && l->error ? ": " : "",
				l && l->error ? l->error : "");
		if (r == NULL && m->seen_at == 0 && m->answered_at > 0 &&
		    in->now - m->answered_at < PLAN_CONFIRM_WINDOW) {
			char since[RFC3339_SIZE];

			rfc3339_format(m->answered_at, since);
			return add_held(x, PLAN_HOLD_WAITING, spec->name, m->service_id,
					"a create was answered with %s at %s and EC2 does not show "
					"it yet: waiting up to %d minutes for it before creating "
					"again",
					m->service_id, since, PLAN_CONFIRM_WINDOW / 60);
		}
		/*
		 * Gone (Deleted, or not found although it was seen alive, or
		 * answered long enough ago): EC2 would answer the name's
		 * ClientToken with the dead service, so the create moves on.
		 */
		b->generation = m->generation + 1;
		b->forget_service = true;
		why = format("its service %s is gone (deleted outside vpcesd): a new ClientToken "
			     "(generation %lu) makes a new one",
			     m->service_id, b->generation);
		if (why == NULL)
			return -ENOMEM;
		rc = plan_create(x, spec, b->generation, why);
		free(why);
		return rc;
	}
	return plan_create(x, spec, b->generation, NULL);
}

/* The first line of `a` that `b` also holds, or NULL. */
static const char *
first_common(const struct strv *a, const struct strv *b)
{
	for (size_t i = 0; b && i < a->n; i++)
		if (strv_contains(b, a->v[i]))
			return a->v[i];
	return NULL;
}

static time_t
fight_backoff(unsigned interval_s, unsigned repeats)
{
	unsigned shift = repeats - 1 > 12 ? 12 : repeats - 1;
	time_t d = (time_t)(interval_s ? interval_s : 1) << shift;

	return d > FIGHT_BACKOFF_MAX ? FIGHT_BACKOFF_MAX : d;
}

int
plan_fight(struct ctx *x, const struct service_spec *spec, const struct ref *r,
	   const struct strv *diffs, const struct plan_memory *m, struct plan_binding *b)
{
	const struct plan_input *in = x->in;
	char until[RFC3339_SIZE];
	const char *again;

	if (diffs->n == 0) {
		/* Converged: whatever was fought over is over. */
		b->repeats = 0;
		b->contested = false;
		b->contested_until = 0;
		b->forget_applied = true;
		return 0;
	}
	if (m && m->contested_until > in->now) {
		rfc3339_format(m->contested_until, until);
		if ((b->contested_diff = strdup(diffs->v[0])) == NULL)
			return -ENOMEM;
		return add_held(x, PLAN_HOLD_CONTESTED, spec->name, r->id,
				"contested: changed back outside vpcesd again and again (%s); not "
				"changing it before %s",
				diffs->v[0], until) < 0
			       ? -ENOMEM
			       : 1;
	}
	again = m ? first_common(diffs, m->applied) : NULL;
	if (again == NULL) {
		if (!b->contested)
			b->repeats = 0;
		return 0;
	}
	b->repeats = (m ? m->repeats : 0) + 1;
	if (b->repeats < FIGHT_REPEATS)
		return 0;
	b->contest_began = !b->contested;
	b->contested = true;
	b->contested_until = in->now + fight_backoff(in->interval_s, b->repeats);
	/* After the back-off the change goes once more; only a repeat of that counts. */
	b->forget_applied = true;
	if ((b->contested_diff = strdup(again)) == NULL)
		return -ENOMEM;
	rfc3339_format(b->contested_until, until);
	return add_held(x, PLAN_HOLD_CONTESTED, spec->name, r->id,
			"contested: vpcesd applied '%s' in each of the last %u cycles and it was "
			"changed back each time: someone else manages this service too; not "
			"changing it before %s",
			again, b->repeats, until) < 0
		       ? -ENOMEM
		       : 1;
}
