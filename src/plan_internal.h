/*
 * plan_internal: what the files of the planner share.
 *
 * Private to plan*.c (plan.c, the core, and plan_converge.c, the
 * convergence of one service).  It is not a contract for other modules:
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
	const struct service_spec **specs; /* sorted by name */
	struct adopt_res *adopt;           /* parallel to `specs` */
	struct cand *cands;
	size_t n_cands;
	size_t cap_cands;
};

/* True when the state of `r` is `state`, in any case. */
bool state_is(const struct ref *r, const char *state);

/* ---- building blocks (plan.c) ----------------------------------------------- */

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

/* ---- client tokens (plan.c) ------------------------------------------------- */

/* SHA-256 of `in` as "vpcesd-" + 48 hex digits.  0 or -EIO (libcrypto). */
int token_of(const struct buf *in, char out[PLAN_CLIENT_TOKEN_SIZE]);

/*
 * The create generation of `name` (docs/internals/plan.md, "Create
 * generations"); 0 when it is not listed.
 */
unsigned long generation_of(const struct plan_input *in, const char *name);

/* ---- one service (plan_converge.c) ------------------------------------------ */

/*
 * Push the CREATE of `spec`, which has no service yet.  0, -ENOMEM, or the
 * error of plan_client_token() (set in x->e).
 */
int plan_create(struct ctx *x, const struct service_spec *spec);

/*
 * Converge the keeper `r` of `spec`: hold it (state, LB type, unknown
 * permissions, policy) or push its changes in the fixed order.  With
 * need_adopt the ADOPT (ownership tags) comes first.  0, -ENOMEM, or the
 * error of a notification ClientToken (set in x->e).
 */
int plan_converge(struct ctx *x, const struct service_spec *spec, struct ref *r, bool need_adopt);

#endif
