/* SPDX-License-Identifier: ISC */
/*
 * observe: read from EC2 what the planner needs, concurrently.
 *
 * One observation per cycle, in two phases, because what the second reads
 * depends on what the first found:
 *   1. the listings (observe_listings()): the owned services (filter
 *      tag:vpcesd:owner=<owner>, every page), the services of each previous
 *      owner the same way, and one lookup per `adopt:` id (by ServiceId, so
 *      one missing id cannot fail the others);
 *   2. the details (observe_details()): what plan_reads() (plan.h) says the
 *      plan will need — allowed principals, endpoint connections and
 *      connection notifications of the services it names, and a lookup by
 *      id of each remembered service the listing lacks.  The planner
 *      decides; this module only reads.
 * Results are merged in a fixed order whatever order the answers came in:
 * the owned listing, the previous owners' listings in the order given, the
 * adopt targets not listed already, then the remembered services found.
 *
 * Every read that fails leaves its completeness flag false (observation.h);
 * nothing is guessed.  The calls go through aws.h, so they are paced,
 * retried and bounded by the client's concurrency.
 *
 * Ownership: each phase hands its observation to the callback, which takes
 * it (observation_free(), or observe_details() for phase 2).  `errors`
 * lists one line per failed read, valid during the callback.  Threading:
 * loop thread only.
 */
#ifndef VPCESD_OBSERVE_H
#define VPCESD_OBSERVE_H

#include "aws.h"
#include "err.h"
#include <time.h>

#include "model.h"
#include "observation.h"
#include "owner.h"
#include "plan.h"
#include "strv.h"

struct observe;

typedef void observe_done_fn(void *arg, struct observation *obs, const struct strv *errors);

/* What phase 1 lists; everything is copied by observe_listings(). */
struct observe_request {
	const char *owner;                  /* required */
	const struct strv *previous_owners; /* NULL: none */
	const struct strv *adopt_ids;       /* NULL: none */
};

/*
 * Phase 1.  The callback runs later from the loop, exactly once unless
 * observe_cancel() is called, with a new observation.  -ENOMEM.
 */
int observe_listings(struct aws_client *c, const struct observe_request *req, observe_done_fn *done,
		     void *arg, struct observe **ret, struct err *e);

/* The wall clock a read's time is taken from (the caller's, so tests can set it). */
struct observe_clock {
	time_t (*now)(void *arg); /* NULL: time(NULL) */
	void *arg;
};

/*
 * Phase 2 on `obs` (taken: on success it comes back through the callback,
 * on failure it is freed): the reads `reads` names (copied).  Each read
 * that succeeds stamps its service's *_at (observation.h) with `clock` as
 * it ends, so a service's verification is as old as its own read, not as
 * the end of the phase.  The callback runs later from the loop, exactly
 * once unless observe_cancel() is called, also when there is nothing to
 * read.  -ENOMEM.
 */
int observe_details(struct aws_client *c, struct observation *obs, const struct plan_reads *reads,
		    struct observe_clock clock, observe_done_fn *done, void *arg,
		    struct observe **ret, struct err *e);

/* Abandon an observation in progress: the callback will not run.  NULL-safe. */
void observe_cancel(struct observe *o);

#endif
