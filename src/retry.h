/* SPDX-License-Identifier: ISC */
/*
 * retry: the AWS SDK "standard" retry policy, as a pure function.
 *
 * vpcesd shares the account's EC2 budget with every other tool, so it must
 * retry the way the AWS SDKs do: only what is worth retrying, with jittered
 * exponential backoff, and with a client-wide retry quota so that an outage
 * turns into fast failures instead of a retry storm (ec2-api.md §9).
 *
 * The caller (the EC2/STS layer) feeds each attempt's outcome to
 * retry_decide() and gets back: done, retry after a delay, refresh the
 * credentials and retry, or give up.  Randomness is an argument, so tests
 * are deterministic.
 *
 * Rules, with the choices made where the SDK generations differ:
 *  - classes: throttling (error codes of §9, HTTP 429), transient (HTTP
 *    500/502/503/504, RequestTimeout(Exception), PriorRequestNotComplete,
 *    IDPCommunicationError, EC2's InternalError/InternalFailure/ServerInternal/
 *    Unavailable/ServiceUnavailable; transport errors connect/timeout/reset),
 *    credentials (AuthFailure & co.: refresh once, then terminal), clock
 *    skew (the caller saw, from the answer's Date, that the attempt was
 *    refused for its signing time: re-sign once with the corrected clock,
 *    at once and free of quota, as the SDKs that correct skew do), terminal
 *    (everything else, including DNS failure, TLS failure, oversized bodies,
 *    IdempotentParameterMismatch, DryRunOperation).  Throttling codes win over
 *    the HTTP status (RequestLimitExceeded comes with 503).
 *  - backoff: rand[0,1) × min(base × 2^(attempt-1), 20 s) with base 1 s for
 *    throttling and 50 ms otherwise (the 2026 rules: transient faults clear
 *    fast, throttles need room); x-amz-retry-after (milliseconds) honoured as
 *    delay = max(t, min(retry_after, t + 5 s)).
 *  - quota: 500 tokens per client; a retry costs 5 (10 after a timeout); a
 *    success refunds 1 when it needed no retry, else the last retry's cost;
 *    an empty quota means no retry.  A credential refresh costs nothing.
 *  - attempts: at most max_attempts including the first (config
 *    api.max_attempts, default 3 like the SDKs).
 *
 * Pure: no I/O, no clock, no allocation; safe on the event loop.
 */
#ifndef VPCESD_RETRY_H
#define VPCESD_RETRY_H

#include <stdbool.h>

#include "http.h"

#define RETRY_DEFAULT_MAX_ATTEMPTS 3
#define RETRY_QUOTA_MAX            500
#define RETRY_COST                 5
#define RETRY_COST_TIMEOUT         10
#define RETRY_NO_RETRY_REFUND      1
#define RETRY_MAX_BACKOFF          20.0
#define RETRY_THROTTLE_BASE        1.0
#define RETRY_TRANSIENT_BASE       0.05
#define RETRY_AFTER_MAX_EXTRA      5.0

enum retry_class {
	RETRY_CLASS_SUCCESS,
	RETRY_CLASS_THROTTLING,
	RETRY_CLASS_TRANSIENT,
	RETRY_CLASS_CREDENTIALS, /* refresh credentials, then retry once */
	RETRY_CLASS_CLOCK_SKEW,  /* refused for its time: re-sign with the corrected clock, once */
	RETRY_CLASS_TERMINAL,
};

/* What one attempt produced. */
struct retry_outcome {
	enum http_error transport; /* HTTP_ERR_NONE when a response arrived */
	long status;               /* HTTP status, 0 without a response */
	const char *error_code;    /* AWS error code from the body, NULL or "" if none */
	const char *retry_after;   /* x-amz-retry-after header, NULL or "" if absent */
	bool clock_skewed;         /* refused for its signing time (skew_refused()), and the
				      caller corrected its clock */
};

/* The client-wide retry quota (one per http client / account). */
struct retry_quota {
	int available;
	int max;
};

/* Per API call state; retry_call_init() before the first attempt. */
struct retry_call {
	int attempts;         /* attempts finished so far */
	int last_cost;        /* quota taken by the last retry, 0 if none */
	bool refreshed_creds; /* the one credential refresh was used */
	bool skew_retried;    /* the one re-signing after a clock skew was used */
};

enum retry_action {
	RETRY_DONE,          /* success: hand the response to the caller */
	RETRY_AGAIN,         /* send again after `delay` seconds */
	RETRY_REFRESH_AGAIN, /* refresh credentials, then send again (delay 0) */
	RETRY_GIVE_UP,       /* fail the call with this attempt's error */
};

struct retry_decision {
	enum retry_action action;
	enum retry_class class;
	double delay;       /* seconds, for RETRY_AGAIN */
	const char *reason; /* static text for the log: "throttled", "retry quota exhausted", ... */
};

void retry_quota_init(struct retry_quota *q, int max);
void retry_call_init(struct retry_call *rc);

/* Classify an outcome (no state change). */
enum retry_class retry_classify(const struct retry_outcome *o);

/* "success", "throttling", "transient", "credentials", "clock-skew", "terminal". */
const char *retry_class_name(enum retry_class c);

/*
 * The backoff before retry number `attempt` (1 for the first retry) for a
 * given class, with `rand01` in [0, 1) and the raw x-amz-retry-after value
 * (may be NULL).  An unparsable retry-after is ignored.
 */
double retry_backoff(enum retry_class c, int attempt, double rand01, const char *retry_after);

/*
 * Decide what to do after an attempt: counts the attempt in `rc`, takes or
 * refunds quota in `q`, fills `out`.  `max_attempts` < 1 counts as 1.
 * `rand01` is a uniform random number in [0, 1) supplied by the caller.
 */
void retry_decide(int max_attempts, struct retry_quota *q, struct retry_call *rc,
		  const struct retry_outcome *o, double rand01, struct retry_decision *out);

#endif
