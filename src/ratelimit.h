/* SPDX-License-Identifier: ISC */
/*
 * ratelimit: client-side pacing of EC2 calls, as a pure state machine.
 *
 * EC2 throttles each account and Region with token buckets per action class
 * (ec2-api.md §8) and that budget is shared by every tool on the account.
 * vpcesd paces itself so that, alone on an account, it never sees
 * RequestLimitExceeded, and leaves room for the others:
 *
 *  - one static token bucket per class, seeded with EC2's published bucket
 *    size and refill rate scaled by `share` (default 0.5):
 *      describe   Describe*, List*, Search*, Get*        100 / 20 per s
 *      the five endpoint-service mutations, each alone   10 / 1 per s
 *        (Create/ModifyVpcEndpointServiceConfiguration,
 *         DeleteVpcEndpointServiceConfigurations,
 *         Accept/RejectVpcEndpointConnections)
 *      tags       CreateTags, DeleteTags                 100 / 10 per s
 *      mutating   every other action                     50 / 5 per s
 *    Where EC2 may count actions separately (e.g. CreateTags vs DeleteTags,
 *    the Describe calls), we share one bucket: never more than EC2 allows.
 *  - the global bucket api.rate / api.burst (default 10 / 20) on top;
 *  - an adaptive limiter per class, after botocore's adaptive mode
 *    (retries/adaptive.py, throttling.py, bucket.py): off until the class
 *    sees a throttle; then the class's rate drops to 0.7 × min(measured
 *    response rate, current rate) and recovers along the CUBIC curve
 *    0.4·(t−K)³ + Wmax, K = ∛(Wmax·0.3/0.4), capped at 2 × the measured
 *    rate, through a bucket of capacity max(rate, 1) and a floor of 0.5/s.
 *    Deviation from botocore: the "current rate" before the first throttle
 *    is the class's static rate (not only the measured one), and once the
 *    CUBIC rate has climbed back to the static rate the adaptive limiter
 *    switches off again, returning the class to its static bucket.
 *
 * Time is an argument (seconds on a monotonic clock, e.g. ev_now()), so the
 * module is pure and tests run in simulated time.  Time going backwards is
 * treated as no time passing.
 *
 * Pure: no I/O, no clock, no logging; allocation only in ratelimit_new().
 * Safe on the event loop.
 */
#ifndef VPCESD_RATELIMIT_H
#define VPCESD_RATELIMIT_H

#include <stdbool.h>

#include "err.h"

enum ratelimit_class {
	RATELIMIT_DESCRIBE,
	RATELIMIT_CREATE_SERVICE,
	RATELIMIT_MODIFY_SERVICE,
	RATELIMIT_DELETE_SERVICES,
	RATELIMIT_ACCEPT_CONNECTIONS,
	RATELIMIT_REJECT_CONNECTIONS,
	RATELIMIT_TAGS,
	RATELIMIT_MUTATING,
	RATELIMIT_N_CLASSES,
};

#define RATELIMIT_DEFAULT_SHARE 0.5
#define RATELIMIT_DEFAULT_RATE  10.0
#define RATELIMIT_DEFAULT_BURST 20.0

struct ratelimit_options {
	double share;  /* fraction of EC2's budget, (0, 1]; 0: default 0.5 */
	double rate;   /* global requests per second (api.rate); 0: default */
	double burst;  /* global bucket size (api.burst); 0: default */
	bool adaptive; /* slow down after throttles (recommended) */
};

struct ratelimit;

/* The class an EC2 action name belongs to (NULL or unknown: mutating). */
enum ratelimit_class ratelimit_class_of(const char *action);

/* "describe", "create-service", ..., "mutating". */
const char *ratelimit_class_name(enum ratelimit_class c);

/*
 * Build a limiter with every bucket full at time `now`.  -EINVAL for a share
 * outside (0, 1] or a negative / non-finite rate or burst; -ENOMEM.  Free with
 * ratelimit_free().
 */
int ratelimit_new(const struct ratelimit_options *opt, double now, struct ratelimit **ret,
		  struct err *e);

/* NULL is a no-op. */
void ratelimit_free(struct ratelimit *rl);

/*
 * A reload builds a new limiter for the new settings; EC2's buckets did not
 * refill because vpcesd re-read its files.  Carry over into `to` what `from`
 * has spent (each bucket's tokens at `now`, capped at the new capacity) and
 * what its adaptive limiter learnt, so a burst of SIGHUPs cannot spend more
 * than the share.  `from` NULL: nothing to carry.
 */
void ratelimit_carry(struct ratelimit *to, const struct ratelimit *from, double now);

/*
 * Ask to send `action` at `now`.  Returns 0 when it may go (a token is taken
 * from each bucket involved), otherwise the number of seconds (> 0) after
 * which asking again can succeed; nothing is taken then.
 */
double ratelimit_acquire(struct ratelimit *rl, const char *action, double now);

/*
 * Report the answer to a request of `action` received at `now`: whether it
 * was throttled (retry_classify() == RETRY_CLASS_THROTTLING).  Drives the
 * adaptive limiter; a no-op when adaptive pacing is off.
 */
void ratelimit_record(struct ratelimit *rl, const char *action, bool throttled, double now);

/*
 * The send rate the class is held to at `now` (requests per second): the
 * static rate, or the lower adaptive rate while that is active.
 */
double ratelimit_class_rate(const struct ratelimit *rl, enum ratelimit_class c);

/*
 * The rate (requests per second) class `c` can keep up for long under
 * `opt`: EC2's refill for the class times the share, or the global rate
 * when that is lower.  Pure; what a budget of reads per interval is built
 * on (reconcile.c).
 */
double ratelimit_sustained(const struct ratelimit_options *opt, enum ratelimit_class c);

/* True while the adaptive limiter of the class is slowing it down. */
bool ratelimit_adaptive_active(const struct ratelimit *rl, enum ratelimit_class c);

#endif
