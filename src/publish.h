/* SPDX-License-Identifier: ISC */
/*
 * publish: what a finished cycle tells the operator.
 *
 * The reconciler keeps one `struct status` (status.h) for the daemon's
 * life; after every cycle publish_cycle() updates it from the cycle's
 * observation, plan and apply outcomes, and logs the records an operator
 * acts on that are not a change of their own (apply.c logs those): a held
 * item the first time it is held for a reason, one warning per cycle when
 * the whole cycle's deletes are held by their guard, a new private DNS
 * verification record, a state change of the verification, a contest.
 *
 * What the status says of a service:
 *   - the service the plan bound its spec to (plan.h, struct
 *     plan_binding), as observed this cycle, or as a create just made it
 *     (read back by apply.c), never the spec's defaults;
 *   - when the cycle could not read it (an outage), the last known values,
 *     from this process or from the state file, marked stale with the time
 *     they were last seen — never nulls over what is known;
 *   - when a complete read shows it gone, nothing: a dead id is not an id.
 *
 * Per-service back-off after failures lives here too (status.h keeps the
 * counters); reconcile.c asks it which changes wait.
 *
 * Loop thread only (it logs); no I/O besides the log.
 */
#ifndef VPCESD_PUBLISH_H
#define VPCESD_PUBLISH_H

#include <stdbool.h>
#include <time.h>

#include "apply.h"
#include "model.h"
#include "observation.h"
#include "plan.h"
#include "reconcile.h"
#include "state.h"
#include "status.h"
#include "strv.h"

/* A finished cycle, as publish_cycle() needs it.  Everything is borrowed. */
struct publish_cycle {
	const struct vpcesd_config *cfg;
	const struct observation *obs;  /* NULL when the cycle ended before observing */
	const struct plan *plan;        /* NULL when it ended before planning */
	const struct apply_report *rep; /* NULL when nothing was applied */
	const struct state *state;      /* last known values for services not read */
	bool dry_run;
	time_t now; /* when it ended */
};

/*
 * Update `st` (and `res`: converged_services, first_error) for a finished
 * cycle, log what is said above, and compute the health.  `held_logged` is
 * the publisher's memory of what it logged last cycle (a strv the caller
 * keeps, initially empty).
 */
void publish_cycle(struct status *st, struct strv *held_logged, const struct publish_cycle *c,
		   struct reconcile_result *res);

/*
 * The changes of `plan` that wait for their service's back-off to end:
 * hold[i] set for each; returns how many.  `now` is the wall clock.
 */
size_t publish_backoff(const struct status *st, const struct plan *plan, bool *hold, time_t now);

#endif
