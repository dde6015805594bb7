/*
 * observe: read from EC2 what the planner needs, concurrently.
 *
 * One observation per cycle:
 *   1. the owned-services listing (filter tag:vpcesd:owner=<owner>, every
 *      page) and, in parallel, one lookup per `adopt:` id (by ServiceId, so
 *      one missing id cannot fail the others);
 *   2. then, per service, only what a decision depends on:
 *      - allowed principals of services whose spec manages them;
 *      - endpoint connections of services that may be deleted under
 *        `policy: sync` (no longer desired, or a duplicate name), in state
 *        Available or Failed (the states plan.h may delete);
 *      - endpoint connections of owned Available services whose spec has
 *        a `connections:` policy (for the planner and the status file);
 *      - connection notifications of owned Available services whose spec
 *        has `notifications:`.
 *   An adopt target that the owned listing also returns appears once (the
 *   listing's entry).
 *
 * Every read that fails leaves its completeness flag false (observation.h);
 * nothing is guessed.  The calls go through aws.h, so they are paced,
 * retried and bounded by the client's concurrency.
 *
 * Ownership: the finished observation is handed to the callback, which
 * takes it (observation_free()).  `errors` lists one line per failed read,
 * valid during the callback.  Threading: loop thread only.
 */
#ifndef VPCESD_OBSERVE_H
#define VPCESD_OBSERVE_H

#include "aws.h"
#include "err.h"
#include "model.h"
#include "observation.h"
#include "strv.h"

struct observe;

/* Tag keys vpcesd writes on every service it owns. */
#define OWNER_TAG "vpcesd:owner"
#define NAME_TAG  "vpcesd:name"

typedef void observe_done_fn(void *arg, struct observation *obs, const struct strv *errors);

/*
 * Start observing for `cfg` (its owner, policy and specs are read now; the
 * config need not outlive the call).  The policy must be the effective one
 * (after a --policy override): it decides whose connections are read.  The callback runs later from the
 * loop, exactly once unless observe_cancel() is called.  -ENOMEM.
 */
int observe_start(struct aws_client *c, const struct vpcesd_config *cfg, observe_done_fn *done,
		  void *arg, struct observe **ret, struct err *e);

/* Abandon an observation in progress: the callback will not run.  NULL-safe. */
void observe_cancel(struct observe *o);

#endif
