/* SPDX-License-Identifier: ISC */
/*
 * memory: the state as the planner sees it, and a cycle's facts folded in.
 * See memory.h.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "memory.h"
#include "owner.h"

int
memory_view(const struct state *s, struct plan_input *in, struct memory_view *v)
{
	memset(v, 0, sizeof(*v));
	if (s->n_services > 0) {
		v->memory = calloc(s->n_services, sizeof(*v->memory));
		if (v->memory == NULL)
			return -ENOMEM;
	}
	if (s->n_dns_starts > 0) {
		v->dns_starts = calloc(s->n_dns_starts, sizeof(*v->dns_starts));
		if (v->dns_starts == NULL) {
			memory_view_free(v);
			return -ENOMEM;
		}
	}
	/* Both are sorted in the state already, as the planner wants them. */
	for (size_t i = 0; i < s->n_services; i++) {
		const struct state_service *r = &s->services[i];

		v->memory[i] = (struct plan_memory){
			.name = r->name,
			.service_id = r->service_id,
			.seen_at = r->seen_at,
			.answered_at = r->answered_at,
			.generation = r->generation,
			.applied = &r->applied,
			.repeats = r->repeats,
			.contested = r->contested,
			.contested_until = r->contested_until,
		};
	}
	for (size_t i = 0; i < s->n_dns_starts; i++)
		v->dns_starts[i] =
			(struct plan_dns_start){s->dns_starts[i].service_id, s->dns_starts[i].at};
	v->n_memory = s->n_services;
	v->n_dns_starts = s->n_dns_starts;
	in->memory = v->memory;
	in->n_memory = v->n_memory;
	in->dns_starts = v->dns_starts;
	in->n_dns_starts = v->n_dns_starts;
	return 0;
}

void
memory_view_free(struct memory_view *v)
{
	free(v->memory);
	free(v->dns_starts);
	memset(v, 0, sizeof(*v));
}

int
memory_owner(struct state *s, const char *owner, char **old_owner)
{
	char *copy;
	int r;

	*old_owner = NULL;
	if (s->owner != NULL && strcmp(s->owner, owner) == 0)
		return 0;
	if ((copy = strdup(owner)) == NULL)
		return -ENOMEM;
	if (s->owner == NULL) {
		/* A first run: nothing was written under another owner. */
		s->owner = copy;
		return 0;
	}
	if ((r = state_add_previous_owner(s, s->owner)) < 0) {
		free(copy);
		return r;
	}
	/* Back to an owner used before: it is the current one again, not a previous one. */
	state_forget_previous_owner(s, owner);
	*old_owner = s->owner;
	s->owner = copy;
	return 1;
}

static int
set_str(char **dst, const char *src)
{
	char *copy = NULL;

	if (src != NULL && (copy = strdup(src)) == NULL)
		return -ENOMEM;
	free(*dst);
	*dst = copy;
	return 0;
}

/* The record now stands for service `cfg`, seen at `now`. */
static void
record_service(struct state_service *rec, const struct ec2_service_config *cfg, time_t now)
{
	struct strv dns = STRV_INIT;

	if (set_str(&rec->service_id, cfg->service_id) < 0 ||
	    set_str(&rec->service_name, cfg->service_name) < 0 ||
	    set_str(&rec->state, cfg->service_state) < 0 ||
	    strv_copy(&dns, &cfg->base_endpoint_dns_names) < 0) {
		strv_free(&dns);
		return;
	}
	strv_free(&rec->dns_names);
	rec->dns_names = dns;
	rec->seen_at = now;
	rec->answered_at = 0;
}

static void
forget_service(struct state_service *rec)
{
	free(rec->service_id);
	free(rec->service_name);
	free(rec->state);
	strv_free(&rec->dns_names);
	rec->service_id = rec->service_name = rec->state = NULL;
	rec->seen_at = rec->answered_at = 0;
}

/* The plan's verdicts on each spec: its service, generation and fight. */
static void
fold_bindings(struct state *s, const struct plan *p, time_t now)
{
	for (size_t i = 0; i < p->n_bindings; i++) {
		const struct plan_binding *b = &p->bindings[i];
		struct state_service *rec = state_get(s, b->name);

		if (rec == NULL)
			continue;
		if (b->service != NULL)
			record_service(rec, &b->service->cfg, now);
		else if (b->forget_service)
			forget_service(rec);
		if (b->generation > rec->generation)
			rec->generation = b->generation;
		rec->repeats = b->repeats;
		rec->contested = b->contested;
		rec->contested_until = b->contested_until;
		if (b->forget_applied)
			strv_free(&rec->applied);
	}
}

/* Changes that count in a fight (plan.h): the ones that change a service. */
static bool
fights_over(enum plan_kind k)
{
	return k != PLAN_CREATE && k != PLAN_ADOPT && k != PLAN_START_DNS_VERIFICATION &&
	       k != PLAN_REJECT_CONNECTIONS && k != PLAN_DELETE;
}

/* What the apply did: created services, applied diffs, verification starts. */
static void
fold_outcomes(struct state *s, const struct plan *p, const struct apply_report *rep, time_t now,
	      time_t planned_at)
{
	size_t i = 0;

	while (i < rep->n) {
		const char *name = p->changes[i].name;
		struct strv applied = STRV_INIT;
		bool any = false;
		size_t j = i;

		/* One service's changes are next to each other (plan.h, "Order"). */
		for (; j < rep->n && strcmp(p->changes[j].name, name) == 0; j++) {
			const struct plan_change *ch = &p->changes[j];
			const struct apply_outcome *o = &rep->outcomes[j];
			struct state_service *rec;

			if (ch->kind == PLAN_START_DNS_VERIFICATION && ch->service_id &&
			    (o->status == APPLY_DONE || o->status == APPLY_FAILED))
				state_set_dns_start(s, ch->service_id, planned_at);
			if (ch->kind == PLAN_CREATE && (rec = state_get(s, name)) != NULL) {
				if (ch->create.generation > rec->generation)
					rec->generation = ch->create.generation;
				/*
				 * The id EC2 answered, a phantom's too: next cycle the
				 * planner finds it gone and moves the name on.  One
				 * not read back yet waits for EC2 to show it.
				 */
				if (o->created_config) {
					record_service(rec, o->created_config, now);
				} else if (o->created_service_id &&
					   set_str(&rec->service_id, o->created_service_id) == 0) {
					set_str(&rec->service_name, o->created_service_name);
					rec->seen_at = 0;
					rec->answered_at = o->phantom ? 0 : now;
				}
			}
			if (o->status != APPLY_DONE || !fights_over(ch->kind))
				continue;
			any = true;
			for (size_t k = 0; k < ch->diffs.n; k++)
				strv_push(&applied, ch->diffs.v[k]);
		}
		if (any) {
			struct state_service *rec = state_get(s, name);

			if (rec != NULL) {
				strv_free(&rec->applied);
				rec->applied = applied;
				applied = (struct strv)STRV_INIT;
			}
		}
		strv_free(&applied);
		i = j;
	}
}

static int
cmp_id(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/*
 * After a complete listing: forget verification starts of services that
 * are gone (the map stays bounded by what exists), and previous owners
 * whose listing was complete and empty (nothing of theirs is left).
 */
static void
prune(struct state *s, const struct observation *obs)
{
	const char **ids;
	size_t n = 0;

	if (!obs->listing_complete)
		return;
	for (size_t i = 0; i < obs->n_owner_listings; i++) {
		const struct observation_owner_listing *l = &obs->owner_listings[i];
		bool any = false;

		for (size_t k = 0; l->complete && k < obs->n_services && !any; k++)
			any = obs->services[k].source == OBSERVATION_PREVIOUS_LISTING &&
			      owner_is(&obs->services[k].cfg.tags, l->owner);
		if (l->complete && !any)
			state_forget_previous_owner(s, l->owner);
	}
	if (s->n_dns_starts == 0)
		return;
	ids = malloc((obs->n_services + 1) * sizeof(*ids));
	if (ids == NULL)
		return;
	for (size_t i = 0; i < obs->n_services; i++)
		if (obs->services[i].cfg.service_id)
			ids[n++] = obs->services[i].cfg.service_id;
	qsort(ids, n, sizeof(*ids), cmp_id);
	for (size_t i = s->n_dns_starts; i-- > 0;) {
		const char *id = s->dns_starts[i].service_id;

		if (n == 0 || bsearch(&id, ids, n, sizeof(*ids), cmp_id) == NULL)
			state_forget_dns_start(s, id);
	}
	free(ids);
}

void
memory_update(struct state *s, const struct observation *obs, const struct plan *p,
	      const struct apply_report *rep, time_t now, time_t planned_at)
{
	if (p != NULL)
		fold_bindings(s, p, now);
	if (p != NULL && rep != NULL)
		fold_outcomes(s, p, rep, now, planned_at);
	if (obs != NULL)
		prune(s, obs);
}
