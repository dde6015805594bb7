/* SPDX-License-Identifier: ISC */
/*
 * plan_internal: what the files of the planner share.
 *
 * Private to plan*.c: plan.c, the core; plan_change.c, the builders;
 * plan_converge.c, the convergence of one service; plan_memory.c, the
 * rules that use what earlier cycles learned.  It is not a contract for other modules:
 * they use plan.h only, and nothing here may be relied on outside the
 * planner.  It holds the index of the observation (struct ref, struct ctx),
 * the outcome of adopt resolution and the delete candidates, and the small
 * builders of changes and held items that both files use.  Everything here
 * is as pure as plan.h says.
 */
#ifndef VPCESD_PLAN_INTERNAL_H
#define VPCESD_PLAN_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"
#include "err.h"
#include "model.h"
#include "observation.h"
#include "plan.h"
#include "strv.h"

/* A reason line never needs more; longer ones are truncated by buf (-E2BIG). */
#define PLAN_LINE_MAX (1024u * 1024u)

/* ---- the index of observed services (plan.c, step 1) ------------------------ */

struct ref {
	const struct observed_service *s;
	const char *id;
	const char *state; /* "" when EC2 did not say */
	const char *owner; /* vpcesd:owner tag or NULL */
	const char *name;  /* vpcesd:name tag or NULL */
	bool owned;        /* owner tag equals ours */
	bool skip;         /* no id or a repeated id: never acted on */
	bool deleted;      /* state Deleted: gone */
	bool adopt_target; /* some spec adopts it: never deleted */
	bool claimed;      /* the keeper of an adopt spec */
	bool handled;      /* keeper or duplicate of some spec */
	bool previous;     /* tagged with a previous owner (plan_input.previous_owners) */
};

/* The outcome of resolving one adopt spec (step 2). */
struct adopt_res {
	struct ref *target; /* NULL: held with `hold` / `reason` */
	bool need_adopt;    /* write the ownership tags */
	enum plan_hold hold;
	char *reason;
};

/* A service that may be deleted (step 4). */
struct cand {
	struct ref *ref;
	const char *name;      /* for messages and ordering */
	const char *keeper_id; /* duplicates: the service kept, else NULL */
};

struct ctx {
	const struct plan_input *in;
	struct plan *p;
	struct err *e;
	struct ref *refs;
	size_t n_refs;
	struct ref **by_id; /* non-skip refs sorted by id */
	size_t n_by_id;
	struct ref **owned; /* owned, live refs sorted by (name, id) */
	size_t n_owned;
	struct ref **previous; /* named, live refs of previous owners, sorted by (name, id) */
	size_t n_previous;
	const struct observation_lookup **lookups; /* sorted by id, observation order on ties */
	size_t n_lookups;
	const struct service_spec **specs; /* sorted by name */
	struct adopt_res *adopt;           /* parallel to `specs` */
	struct cand *cands;
	size_t n_cands;
	size_t cap_cands;
	/* Existing services specs stand for this cycle (keepers, adopt and handover targets). */
	size_t n_kept;
	/* plan_reads(): record the reads the walk needs instead of planning. */
	struct plan_reads *reads;
};

/* True when the state of `r` is `state`, in any case. */
bool state_is(const struct ref *r, const char *state);

/* The ref with this service id (skipped entries excluded), or NULL. */
struct ref *find_by_id(const struct ctx *x, const char *id);

/* The spec called `name`, or NULL. */
const struct service_spec *find_spec(const struct ctx *x, const char *name);

/*
 * The best unclaimed service of a previous owner carrying vpcesd:name
 * `name` (one of handover_from's first), or NULL.
 */
struct ref *previous_of(const struct ctx *x, const char *name);

/* The outcome of looking `id` up, or NULL when it was not looked up. */
const struct observation_lookup *find_lookup(const struct ctx *x, const char *id);

/* ---- building blocks (plan_change.c) ---------------------------------------- */

/* Room for one more of n elements of `size` bytes in *v (capacity *cap).  0 or -ENOMEM. */
int grow(void **v, size_t *cap, size_t n, size_t size);

/* A new printf-formatted string (free()), NULL when out of memory. */
char *format(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Append a formatted line to a set of diff lines.  0 or -ENOMEM. */
int diff_line(struct strv *diffs, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The members of `sv` joined with `sep`, a new string (free()); NULL when out of memory. */
char *join(const struct strv *sv, const char *sep);

/* Free everything a change holds and zero it. */
void change_clear(struct plan_change *c);

/* A change with its kind, name and id set; the caller fills the rest.  0 or -ENOMEM. */
int change_init(struct plan_change *c, enum plan_kind kind, const char *name, const char *id);

/*
 * Move *c into the plan (its reason is set from its diffs when NULL).  On
 * failure *c is freed.  Either way *c is left zeroed.  0 or -ENOMEM.
 */
int push_change(struct ctx *x, struct plan_change *c);

/* Add a held item with a formatted reason to the plan.  0 or -ENOMEM. */
int add_held(struct ctx *x, enum plan_hold kind, const char *name, const char *id, const char *fmt,
	     ...) __attribute__((format(printf, 5, 6)));

/* ---- client tokens (plan_change.c) ------------------------------------------ */

/* SHA-256 of `in` as "vpcesd-" + 48 hex digits.  0 or -EIO (libcrypto). */
int token_of(const struct buf *in, char out[PLAN_CLIENT_TOKEN_SIZE]);

/* ---- one service (plan_converge.c) ------------------------------------------ */

/*
 * Push the CREATE of `spec`, which has no service yet, with the ClientToken
 * of `generation`.  `why` (NULL: none) is a first diff line saying why.
 * 0, -ENOMEM, or the error of plan_client_token() (set in x->e).
 */
int plan_create(struct ctx *x, const struct service_spec *spec, unsigned long generation,
		const char *why);

/*
 * Converge the keeper `r` of `spec`: hold it (state, LB type, unknown
 * permissions, policy, a fight) or push its changes in the fixed order.
 * With need_adopt the ADOPT (ownership tags) comes first.  `b` is the
 * spec's binding, `m` its memory (NULL: none).  0, -ENOMEM, or the error
 * of a notification ClientToken (set in x->e).
 */
int plan_converge(struct ctx *x, const struct service_spec *spec, struct ref *r, bool need_adopt,
		  struct plan_binding *b, const struct plan_memory *m);

/* ---- memory of earlier cycles (plan_memory.c) ------------------------------- */

/* The memory of `name`, or NULL. */
const struct plan_memory *memory_of(const struct plan_input *in, const char *name);

/*
 * Bind the spec of `b` to the service of `r`; a service other than the
 * one remembered in `m` (NULL: none) moves the generation on (plan.c).
 */
void plan_bind(struct plan_binding *b, const struct ref *r, const struct plan_memory *m);

/*
 * A spec without a keeper this cycle: create it, hand over a previous
 * owner's service, or hold (listing incomplete, state lost, a previous
 * owner's service without handover, a remembered service that lost its
 * tags or could not be looked up).  0 or <0 as plan_create().
 */
int plan_missing(struct ctx *x, const struct service_spec *spec, const struct plan_memory *m,
		 struct plan_binding *b);

/*
 * The fight rule for a keeper whose changes carry the diff lines `diffs`.
 * Fills the fight members of `b`.  1 when the changes must be held this
 * cycle (a held CONTESTED item was added), 0 when they may go, -ENOMEM.
 */
int plan_fight(struct ctx *x, const struct service_spec *spec, const struct ref *r,
	       const struct strv *diffs, const struct plan_memory *m, struct plan_binding *b);

#endif
