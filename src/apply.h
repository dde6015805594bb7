/* SPDX-License-Identifier: ISC */
/*
 * apply: carry out a plan's changes through the EC2 client.
 *
 * The plan lists changes in order; consecutive changes of one service form
 * a *chain*.  Chains run concurrently (the aws client bounds how many calls
 * are in flight); inside a chain the changes run in order and the first
 * failure stops the chain, so one service is never left half-converged by
 * a later step built on a failed earlier one — and one failing service never
 * stops the others.
 *
 * EC2 facts handled here:
 *  - eventual consistency: right after a create, EC2 may answer
 *    InvalidVpcEndpointServiceId.NotFound for the new id; such answers are
 *    retried on a short bounded backoff (APPLY_EC_TRIES);
 *  - `unsuccessful` items fail the change for those ids, except a delete of
 *    an id that is already gone (InvalidVpcEndpointService.NotFound);
 *  - IdempotentParameterMismatch on a create means the spec changed while a
 *    create with the same ClientToken was in doubt: the change fails with a
 *    message saying so; the next cycle observes the service and converges it;
 *  - EC2 answers a ClientToken it has seen with the original service, even
 *    one deleted since: every create is read back by id before it counts.
 *    Shown Deleting or Deleted, the create is a *phantom*: failed, with
 *    `phantom` set and the answered id kept, never "done" — the next
 *    cycle's plan gives the name a new token.  Still NotFound after
 *    APPLY_VERIFY_TRIES retries, it is *unconfirmed*: failed too, the id
 *    kept, and the planner waits PLAN_CONFIRM_WINDOW for EC2 to show it
 *    before it takes it for a phantom (plan.h, "Memory").
 *
 * Every finished change is logged once (this is where the decision to call
 * EC2 was carried out) with VPCESD_SERVICE, VPCESD_SERVICE_ID,
 * VPCESD_ACTION, VPCESD_CYCLE, AWS_REQUEST_ID and AWS_ERROR_CODE fields.
 *
 * Threading: loop thread only.
 */
#ifndef VPCESD_APPLY_H
#define VPCESD_APPLY_H

#include <stdbool.h>
#include <stddef.h>

#include "aws.h"
#include "err.h"
#include "plan.h"

struct ev_loop;
struct apply;

#define APPLY_EC_TRIES     6   /* NotFound retries after a create */
#define APPLY_VERIFY_TRIES 3   /* of which reading the created service back waits for */
#define APPLY_EC_BASE      0.5 /* seconds, doubled per retry */

enum apply_status {
	APPLY_PENDING, /* not run (only while applying) */
	APPLY_DONE,
	APPLY_FAILED,
	APPLY_SKIPPED, /* an earlier change of the same service failed */
	APPLY_HELD,    /* not attempted: the caller held it (per-service backoff) */
};

struct apply_outcome {
	enum apply_status status;
	int r;                    /* 0 or negative errno */
	char *message;            /* failure reason, NULL on success */
	char *error_code;         /* AWS error code, NULL if none */
	char *request_id;         /* AWS request id of the (last) call, NULL if unknown */
	char *created_service_id; /* PLAN_CREATE: the id EC2 answered (also for a phantom) */
	char *created_service_name;
	/* PLAN_CREATE: the service as read back, for the status (NULL when not read). */
	struct ec2_service_config *created_config;
	bool phantom;     /* PLAN_CREATE: the answered service no longer exists (failed) */
	bool unconfirmed; /* PLAN_CREATE: the answered service could not be read back (failed) */
};

/* Outcomes indexed like plan->changes; valid during the callback. */
struct apply_report {
	const struct plan *plan;
	const struct apply_outcome *outcomes;
	size_t n;
	size_t done, failed, skipped, held;
};

typedef void apply_done_fn(void *arg, const struct apply_report *rep);

/*
 * Apply every change of `plan` (borrowed: it must stay alive until the
 * callback returned; the callback may free it).
 * `hold` (NULL or one flag per change) marks changes not to attempt: they
 * end APPLY_HELD, like every later change of their chain.  `before` (NULL
 * or one status per change) names the changes an earlier round of the
 * cycle already ran, with their outcome there: an APPLY_DONE one is passed
 * over and its chain goes on (after a create, whose service this plan does
 * not know, the rest of the chain is held); an APPLY_FAILED or
 * APPLY_SKIPPED one skips the rest of its chain, as a failure here would;
 * APPLY_PENDING runs.  A change passed over ends APPLY_HELD: the caller
 * reports the earlier outcome in its place.  `cycle` tags the log records.
 * The callback runs from the loop once all chains finished (also for an
 * empty plan).  -ENOMEM.
 */
int apply_start(struct ev_loop *loop, struct aws_client *c, const struct plan *plan,
		const bool *hold, const enum apply_status *before, unsigned long cycle,
		apply_done_fn *done, void *arg, struct apply **ret, struct err *e);

/* Abandon: calls in flight are cancelled, the callback does not run.  NULL-safe. */
void apply_cancel(struct apply *a);

/*
 * During the callback only: move the report's outcomes out.  Returns a new
 * array of rep->n outcomes (free with apply_outcomes_free()); the report's
 * are left empty.  NULL on ENOMEM (the report keeps them).
 */
struct apply_outcome *apply_take_outcomes(const struct apply_report *rep);

/* Free n outcomes and the array.  NULL-safe. */
void apply_outcomes_free(struct apply_outcome *v, size_t n);

/* Free what one outcome holds and zero it. */
void apply_outcome_clear(struct apply_outcome *o);

#endif
