/* SPDX-License-Identifier: ISC */
/*
 * plan_budget: which of the wanted reads a cycle makes.  See plan.h,
 * plan_budget_reads(), and docs/internals/plan.md, "Budget".
 *
 * A rule, not I/O: the reconciler says how many reads the pacing allows in
 * an interval and how old each earlier read is; this says which reads to
 * make.  What must be fresh (a delete's connections, anything of a service
 * someone changed) is read whatever the budget; the rest is a sweep, never
 * read first, then oldest first, so every read comes round within
 * ceil(reads / budget) cycles — the physical minimum at that rate.
 */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "owner.h"
#include "plan.h"

/* One optional read: a service and one PLAN_READ_* bit, with its age. */
struct pick {
	size_t service;
	unsigned char bit;
	time_t at; /* 0: never read */
};

static int
cmp_pick(const void *a, const void *b)
{
	const struct pick *x = a, *y = b;

	if (x->at != y->at)
		return x->at < y->at ? -1 : 1;
	if (x->service != y->service)
		return x->service < y->service ? -1 : 1;
	return (int)x->bit - (int)y->bit;
}

static unsigned
count_bits(unsigned char v)
{
	unsigned n = 0;

	for (; v; v &= (unsigned char)(v - 1))
		n++;
	return n;
}

size_t
plan_reads_count(const struct plan_reads *sel)
{
	size_t n = 0;

	for (size_t i = 0; i < sel->n; i++)
		n += count_bits(sel->what[i]);
	return n;
}

int
plan_budget_reads(const struct plan_reads *wanted, const struct plan_read_age *ages, size_t budget,
		  struct plan_reads *out, size_t *ret_deferred)
{
	struct plan_reads sel = {.n = wanted->n, .lookup_ids = STRV_INIT};
	struct pick *picks = NULL;
	size_t n_picks = 0, taken = 0, deferred = 0;

	sel.what = calloc(sel.n ? sel.n : 1, sizeof(*sel.what));
	if (sel.what == NULL || strv_copy(&sel.lookup_ids, &wanted->lookup_ids) < 0)
		goto nomem;
	/* 1. What must be fresh. */
	for (size_t i = 0; i < wanted->n; i++) {
		unsigned char must = wanted->must ? wanted->must[i] : 0;

		if (ages && ages[i].changed)
			must = wanted->what[i];
		sel.what[i] = must & wanted->what[i];
		taken += count_bits(sel.what[i]);
		n_picks += count_bits(wanted->what[i] & (unsigned char)~sel.what[i]);
	}
	/* 2. The sweep, by age. */
	if (n_picks > 0 && (picks = malloc(n_picks * sizeof(*picks))) == NULL)
		goto nomem;
	n_picks = 0;
	for (size_t i = 0; i < wanted->n; i++) {
		unsigned char rest = wanted->what[i] & (unsigned char)~sel.what[i];

		for (unsigned k = 0; k < 3; k++) {
			unsigned char bit = (unsigned char)(1u << k);

			if (rest & bit)
				picks[n_picks++] = (struct pick){i, bit, ages ? ages[i].at[k] : 0};
		}
	}
	if (budget != SIZE_MAX && n_picks > 1)
		qsort(picks, n_picks, sizeof(*picks), cmp_pick);
	for (size_t j = 0; j < n_picks; j++) {
		if (budget != SIZE_MAX && taken >= budget) {
			deferred += n_picks - j;
			break;
		}
		sel.what[picks[j].service] |= picks[j].bit;
		taken++;
	}
	free(picks);
	if (ret_deferred)
		*ret_deferred = deferred;
	*out = sel;
	return 0;

nomem:
	free(picks);
	plan_reads_free(&sel);
	return -ENOMEM;
}

/* The read a change was derived from (PLAN_READ_* bit), 0 when none. */
static unsigned char
read_of(enum plan_kind k)
{
	switch (k) {
	case PLAN_MODIFY_PERMISSIONS:
		return PLAN_READ_PRINCIPALS;
	case PLAN_ACCEPT_CONNECTIONS:
	case PLAN_DENY_CONNECTIONS:
	case PLAN_REJECT_CONNECTIONS:
		return PLAN_READ_CONNECTIONS;
	case PLAN_DELETE_NOTIFICATIONS:
	case PLAN_CREATE_NOTIFICATION:
		return PLAN_READ_NOTIFICATIONS;
	default:
		return 0;
	}
}

struct by_id {
	const char *id;
	size_t index;
};

static int
cmp_by_id(const void *a, const void *b)
{
	return strcmp(((const struct by_id *)a)->id, ((const struct by_id *)b)->id);
}

/* The observed services sorted by id, for lookups from changes.  NULL on ENOMEM. */
static struct by_id *
index_ids(const struct observation *obs, size_t *ret_n)
{
	struct by_id *v = malloc((obs->n_services + 1) * sizeof(*v));
	size_t n = 0;

	if (v == NULL)
		return NULL;
	for (size_t i = 0; i < obs->n_services; i++)
		if (obs->services[i].cfg.service_id)
			v[n++] = (struct by_id){obs->services[i].cfg.service_id, i};
	qsort(v, n, sizeof(*v), cmp_by_id);
	*ret_n = n;
	return v;
}

static const struct by_id *
find_id(const struct by_id *v, size_t n, const char *id)
{
	struct by_id key = {id, 0};

	return id && n ? bsearch(&key, v, n, sizeof(*v), cmp_by_id) : NULL;
}

int
plan_fresh_reads(const struct plan *first, const struct observation *obs, struct plan_reads *sel)
{
	size_t n_ids = 0;
	struct by_id *ids = index_ids(obs, &n_ids);

	if (ids == NULL)
		return -ENOMEM;
	for (size_t i = 0; i < first->n_changes; i++) {
		const struct plan_change *c = &first->changes[i];
		const struct by_id *hit = find_id(ids, n_ids, c->service_id);
		unsigned char bit = read_of(c->kind);

		/* Derived from a read not made this cycle: make it now, decide on that. */
		if (bit && hit && hit->index < sel->n && !(sel->what[hit->index] & bit))
			sel->what[hit->index] |= bit;
	}
	free(ids);
	return 0;
}

/*
 * A change no outstanding read can affect or overtake: one to an existing
 * service that the listing alone decides and that comes before anything a
 * read decides.  plan_converge() pushes a service's changes as its
 * configuration, its payer, then the permissions, tags, connections,
 * notifications and DNS verification: only the first two qualify (tags
 * come after the permissions, and must not run ahead of them).
 */
static bool
leads_from_listing(enum plan_kind k)
{
	return k == PLAN_MODIFY_CONFIG || k == PLAN_MODIFY_PAYER;
}

int
plan_early(const struct plan *first, const struct observation *obs, const struct plan_reads *sel,
	   bool *go)
{
	struct strv busy = STRV_INIT;
	int r = 0;

	/* A name is busy while a read of one of its services is outstanding. */
	for (size_t i = 0; i < obs->n_services && i < sel->n && r == 0; i++) {
		const char *name = owner_name_of(&obs->services[i].cfg.tags);

		if (sel->what[i] && name)
			r = strv_push(&busy, name);
	}
	strv_uniq(&busy);
	for (size_t i = 0; i < first->n_changes && r == 0; i++) {
		const struct plan_change *c = &first->changes[i];

		if (c->kind == PLAN_DELETE)
			go[i] = false; /* its connections are read in the final round */
		else if (c->service_id != NULL && leads_from_listing(c->kind))
			go[i] = true;
		else
			go[i] = !strv_contains_sorted(&busy, c->name);
		/* A service's changes come in the order they must happen: none overtakes. */
		if (go[i] && i > 0 && !go[i - 1] && plan_same_chain(&first->changes[i - 1], c))
			go[i] = false;
	}
	strv_free(&busy);
	return r;
}

struct early_key {
	const struct plan_change *ch;
	size_t k;
};

/* Same name, kind and service; a create has no service. */
static int
cmp_change(const struct plan_change *a, const struct plan_change *b)
{
	int d = strcmp(a->name, b->name);

	if (d == 0)
		d = (a->kind > b->kind) - (a->kind < b->kind);
	if (d == 0)
		d = strcmp(a->service_id ? a->service_id : "", b->service_id ? b->service_id : "");
	return d;
}

/* By change, then by place in the early plan: equal changes match in order. */
static int
cmp_early_key(const void *a, const void *b)
{
	const struct early_key *x = a, *y = b;
	int d = cmp_change(x->ch, y->ch);

	return d ? d : (x->k > y->k) - (x->k < y->k);
}

int
plan_match_early(const struct plan *final, const struct plan *early, const bool *held, size_t *from)
{
	struct early_key *v;
	bool *used;
	size_t n = 0;

	for (size_t i = 0; i < final->n_changes; i++)
		from[i] = SIZE_MAX;
	if (early == NULL || held == NULL || early->n_changes == 0)
		return 0;
	v = malloc(early->n_changes * sizeof(*v));
	used = calloc(early->n_changes, sizeof(*used));
	if (v == NULL || used == NULL) {
		free(v);
		free(used);
		return -ENOMEM;
	}
	for (size_t k = 0; k < early->n_changes; k++)
		if (!held[k])
			v[n++] = (struct early_key){&early->changes[k], k};
	qsort(v, n, sizeof(*v), cmp_early_key);
	for (size_t i = 0; i < final->n_changes; i++) {
		size_t lo = 0, hi = n;

		/* The first key not below the change, then the first of its equals unused. */
		while (lo < hi) {
			size_t mid = lo + (hi - lo) / 2;

			if (cmp_change(v[mid].ch, &final->changes[i]) < 0)
				lo = mid + 1;
			else
				hi = mid;
		}
		for (; lo < n && cmp_change(v[lo].ch, &final->changes[i]) == 0; lo++)
			if (!used[lo]) {
				used[lo] = true;
				from[i] = v[lo].k;
				break;
			}
	}
	free(v);
	free(used);
	return 0;
}
