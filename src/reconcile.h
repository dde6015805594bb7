/* SPDX-License-Identifier: ISC */
/*
 * reconcile: one cycle of vpcesd — observe → plan → apply → publish — and
 * the state that lives from one cycle to the next.
 *
 * A cycle reads live state (observe.h), computes the plan (plan.h, pure),
 * holds the changes of services that are backing off after failures,
 * applies the rest (apply.h) or, in dry-run mode, only prints the plan, and
 * publishes the outcome: the status and metrics files (status.h) and the
 * per-cycle summary the caller turns into sd_notify STATUS= and exit codes.
 *
 * The steps, each finishing in a callback on the loop:
 *   1. the listings (observe.h, phase 1): owned services, previous owners'
 *      services, adopt targets;
 *   2. plan_reads() (plan.h) says which further reads the plan needs;
 *      plan_budget_reads() which of them this cycle makes (oldest first,
 *      within the Describe budget; the rest are an earlier cycle's reads,
 *      details.h); a first plan on what is known lets go at once the
 *      changes no outstanding read can affect (plan_early()), while
 *      observe.h reads the rest (phase 2);
 *   3. plan_compute() with the observation and the memory of earlier
 *      cycles (memory.h, the state file); back-off holds (publish.h);
 *   4. apply (apply.h) of what did not go early, unless dry-running;
 *   5. the cycle is folded into the memory and the status (publish.h), and
 *      the status, metrics and state files are handed to the writer
 *      (writer.h): the loop never waits for a disk.
 *
 * Per-service backoff: a service whose change failed is not retried before
 * interval × 2^(failures−1), capped at RECONCILE_BACKOFF_MAX; its last error
 * stays in the status file and its `held` says until when it waits.  A
 * service whose changes all went through, or that has nothing left to do,
 * ends its backoff and clears its last error.  One failing service never
 * delays the others.
 *
 * The state: the reconciler owns the daemon's `struct state` (state.h) and
 * rewrites the state file after every cycle, except in a dry run, which
 * writes neither state nor the configured status and metrics files (only a
 * status file named in the options).  When the state file could not be read
 * at start-up, the reconciler creates and deletes nothing until one cycle
 * has read every owned service (docs/internals/plan.md, "Memory").
 *
 * Threading: loop thread only.  The config passed to a cycle must stay alive
 * until its callback ran (the daemon swaps configs only between cycles).
 */
#ifndef VPCESD_RECONCILE_H
#define VPCESD_RECONCILE_H

#include <stdbool.h>
#include <stdio.h>
#include <time.h>

#include "aws.h"
#include "err.h"
#include "model.h"
#include "state.h"
#include "status.h"

struct ev_loop;
struct reconciler;
struct writer;

#define RECONCILE_BACKOFF_MAX   (30 * 60)
#define RECONCILE_SKEW_LOG_STEP 60 /* seconds a logged clock skew may drift silently */

enum reconcile_output {
	RECONCILE_OUTPUT_NONE, /* do not print the plan */
	RECONCILE_OUTPUT_TEXT, /* terraform-like text */
	RECONCILE_OUTPUT_JSON, /* plan_to_json() */
};

struct reconciler_options {
	struct ev_loop *loop;
	struct aws_client *ec2; /* borrowed */
	struct writer *writer;  /* borrowed; writes the files (NULL: none are written) */
	bool dry_run;           /* observe and plan only; change nothing, write no daemon file */
	enum reconcile_output plan_output;
	FILE *plan_out;           /* where plans are printed; NULL: stdout */
	time_t (*now)(void *arg); /* wall clock for status times; NULL: time() */
	void *now_arg;
	/* The state file (NULL: none is kept, e.g. a dry run). */
	const char *state_file;
	/* A status file that replaces the configuration's (--status-file); NULL: none. */
	const char *status_file;
	/*
	 * Read every service's details every cycle (--once: one cycle must
	 * see everything).  Otherwise each cycle reads what the Describe
	 * budget allows in RECONCILE_READ_SHARE of an interval (details.h).
	 */
	bool read_all;
};

/* The part of an interval the detail reads of a cycle may take, at the sustained rate. */
#define RECONCILE_READ_SHARE 0.8

struct reconcile_result {
	unsigned long cycle;
	bool observed;    /* the owned listing was complete */
	size_t planned;   /* changes in the plan */
	size_t applied;   /* changes done */
	size_t failed;    /* changes failed */
	size_t skipped;   /* changes skipped after an earlier failure of their service */
	size_t held;      /* held by the plan or by backoff (waiting included) */
	size_t waiting;   /* of which: services Pending/Deleting in EC2 */
	size_t retained;  /* of held: owned services no spec names, kept as the policy says */
	size_t reading;   /* of held: waiting for a read the budget left for a later cycle */
	size_t reads;     /* detail reads made (principals, connections, notifications) */
	size_t deferred;  /* detail reads left for a later cycle by the budget */
	size_t phantoms;  /* creates EC2 answered with a deleted service (counted in failed) */
	size_t contested; /* services someone else keeps changing back */
	size_t services;  /* desired services */
	size_t converged_services;
	const char *first_error; /* one line, NULL if none; valid during the callback */
	/*
	 * The first failure of the cycle that was not a request's fault (aws.h
	 * failure_text: "cannot reach EC2: …", "credentials rejected by EC2
	 * (AuthFailure)", …), NULL if none; valid during the callback.
	 */
	const char *failure;
};

typedef void reconcile_done_fn(void *arg, const struct reconcile_result *res);

/*
 * A reconciler starting from `state` (moved in: *state is left empty; an
 * empty state is a first run).  `state_error` (NULL: none) says why the
 * state file could not be read: then the first cycle that reads every
 * owned service creates and deletes nothing.  -EINVAL without loop or ec2
 * client; -ENOMEM.  Free with reconciler_free().
 */
int reconciler_new(const struct reconciler_options *opt, struct state *state,
		   const char *state_error, struct reconciler **ret, struct err *e);

/* Cancel a cycle in progress (its callback does not run) and free.  NULL-safe. */
void reconciler_free(struct reconciler *r);

/*
 * Start a cycle for `cfg`.  -EBUSY while a cycle runs; -ENOMEM.  The callback
 * runs from the loop when the cycle is published.
 */
int reconciler_cycle(struct reconciler *r, const struct vpcesd_config *cfg, reconcile_done_fn *done,
		     void *arg, struct err *e);

bool reconciler_busy(const struct reconciler *r);

/*
 * Use another EC2 client from the next cycle on (after a reload rebuilt the
 * client stack); the status and backoff state are kept.  Only between cycles.
 */
void reconciler_set_ec2(struct reconciler *r, struct aws_client *ec2);

/* The published state (read-only for callers). */
const struct status *reconciler_status(const struct reconciler *r);

/*
 * aws.h observe hook: counts the call into the status (API calls by action
 * and code) and logs it at debug level; keeps the EC2 client's clock skew
 * in the status and logs it once when it is first corrected for, when it
 * moves by more than RECONCILE_SKEW_LOG_STEP seconds, and when it ends.
 * `arg` is the reconciler.
 */
void reconciler_observe_call(void *arg, const struct aws_call_record *rec);

/* `vpcesd --once` exit codes (vpcesd(8)); 3 and 4 are the daemon's own start-up failures. */
#define RECONCILE_EXIT_CONVERGED 0 /* every service observed equal to its spec, Available */
#define RECONCILE_EXIT_ERROR     1 /* EC2 could not be read, or the cycle could not plan */
#define RECONCILE_EXIT_PROBLEM   2 /* changes failed, or held for a reason to look at */
#define RECONCILE_EXIT_PENDING   5 /* changes made, or services Pending: not verified yet */

/*
 * The exit code of `vpcesd --once` for a cycle.  A cycle that changed
 * something has not seen the result: it is PENDING, not CONVERGED, and so
 * is one that waits for services EC2 still creates or deletes.  Retained
 * services (the policy keeps them) are no problem.  A dry run (`dry_run`)
 * answers like `terraform plan -detailed-exitcode`: 0 when nothing would
 * change, 2 when something would (or is held for a reason to look at), 1 on
 * error.
 */
int reconcile_exit_code(const struct reconcile_result *res, bool dry_run);

#endif
