/* SPDX-License-Identifier: ISC */
/*
 * memory: what the reconciler carries from one cycle to the next, and
 * across restarts — the state file's contents (state.h) as the planner
 * reads them and as each cycle updates them.
 *
 * Before a cycle plans, memory_view() lends the planner the state as
 * plan_input.memory (plan.h) and the DNS verification starts; after it
 * applied, memory_update() folds in what the cycle learned: the service
 * each spec stands for (the plan's bindings), what creates answered, what
 * was applied (for fight detection), generations, verification starts,
 * previous owners whose services are all gone.  The rules that decide
 * with this memory are the planner's; this module only records.
 *
 * Pure: no I/O, no clock (times are arguments); safe on the event loop.
 */
#ifndef VPCESD_MEMORY_H
#define VPCESD_MEMORY_H

#include <stdbool.h>
#include <time.h>

#include "apply.h"
#include "observation.h"
#include "plan.h"
#include "state.h"

/* The planner's view of a state: arrays over the state's strings (borrowed). */
struct memory_view {
	struct plan_memory *memory;
	size_t n_memory;
	struct plan_dns_start *dns_starts;
	size_t n_dns_starts;
};

/*
 * Lend `s` to the planner: fills in->memory and in->dns_starts from a new
 * view (free with memory_view_free() after planning; `s` must not change
 * meanwhile).  -ENOMEM.
 */
int memory_view(const struct state *s, struct plan_input *in, struct memory_view *v);
void memory_view_free(struct memory_view *v);

/*
 * The configuration's owner is `owner`: when the state was written under
 * another one, that one becomes a previous owner.  Returns 1 when the owner
 * changed (*old_owner, a new string the caller frees, says from what), 0
 * when not, -E2BIG when too many previous owners are remembered already
 * (nothing changes: the caller refuses the owner change), -ENOMEM.
 */
int memory_owner(struct state *s, const char *owner, char **old_owner);

/*
 * Fold a finished cycle into `s`: its observation, its plan and (when it
 * applied) the outcomes; `now` is when it ended, `planned_at` the time the
 * planner saw.  Out of memory some facts are not recorded this cycle (they
 * are learned again next cycle; nothing is guessed).
 */
void memory_update(struct state *s, const struct observation *obs, const struct plan *p,
		   const struct apply_report *rep, time_t now, time_t planned_at);

#endif
