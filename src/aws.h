/* SPDX-License-Identifier: ISC */
/*
 * aws: one AWS Query-protocol call (EC2 or STS), end to end, on the loop.
 *
 * Every call vpcesd makes to AWS walks the same path, and this module is
 * that path, so that no caller can skip a step:
 *
 *   slot ──▶ pace ──▶ credentials ──▶ sign ──▶ send ──▶ classify ─┬─▶ done
 *    ▲                                                            │
 *    └──────────── backoff / credential refresh ◀─────────────────┘
 *
 *  - slot: at most `concurrency` requests in flight per client; the rest
 *    wait in FIFO order (so pacing timers never stampede);
 *  - pace: the client-side token buckets of ratelimit.h;
 *  - credentials: from the creds_cache (waiting for a refresh in progress
 *    instead of failing); unsigned calls (AssumeRoleWithWebIdentity) skip it;
 *  - sign: SigV4 with the wall clock read through an injectable function,
 *    plus the client's clock skew offset (skew.h): every answer's Date
 *    header is measured, and an attempt refused for its signing time
 *    (RequestExpired, SignatureDoesNotMatch... with a Date 4+ minutes away)
 *    is re-signed once with the corrected clock; the offset stays for every
 *    later call of the client;
 *  - send: http.h (TLS always verified; plain http only to a loopback host);
 *  - classify: EC2/STS error envelopes → retry.h's SDK-standard decision:
 *    backoff with jitter, retry quota, one credential refresh after an
 *    AuthFailure-like error, give up on terminal errors; failures that are
 *    not the request's fault get words of their own: "cannot reach EC2: …"
 *    (name, connection, TLS), "no complete answer from EC2: …" (timeout,
 *    reset),
 *    "EC2 refused the request time: local clock 1200 s behind", "credentials
 *    rejected by EC2 (AuthFailure)".  A 2xx answer whose
 *    body the caller's parser rejects as malformed counts as a transient
 *    fault (a truncated body is a transport accident, not an answer).
 *
 * The caller gets exactly one completion per call with the outcome and, on
 * success, the raw body (already accepted by its parser).  This module does
 * not log: each finished call is reported to the optional `observe` hook,
 * which the daemon uses for its debug log and metrics.  Nothing it reports
 * holds a secret: no credentials, signatures or request bodies, and what it
 * quotes from the answers (codes, messages, request ids, parser and
 * transport reasons) is scrubbed (scrub.h) with the secrets the client
 * signs with.
 *
 * Threading: loop thread only; no function blocks.  aws_call() and
 * aws_cancel() may be called from completion callbacks.
 */
#ifndef VPCESD_AWS_H
#define VPCESD_AWS_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "err.h"
#include "query.h"

struct ev_loop;
struct http_client;
struct creds_cache;
struct ratelimit;
struct retry_quota;

#define AWS_DEFAULT_CONCURRENCY 8
#define AWS_DEFAULT_ATTEMPTS    3

/* Why a call failed, when it was not the request itself that EC2 refused. */
enum aws_failure {
	AWS_FAILURE_NONE,        /* success, or an error answer about the request */
	AWS_FAILURE_NETWORK,     /* no answer: DNS, connect, TLS, timeout, reset */
	AWS_FAILURE_CLOCK,       /* refused for its time, and not correctable */
	AWS_FAILURE_CREDENTIALS, /* credentials rejected, after the one refresh */
	AWS_FAILURE_NO_CREDS,    /* no credentials to sign with */
};

/* What one finished call was, for the daemon's debug log and metrics. */
struct aws_call_record {
	const char *service;    /* "ec2", "sts" */
	const char *action;     /* e.g. "DescribeVpcEndpointServiceConfigurations" */
	int r;                  /* 0 or the negative errno the caller got */
	long status;            /* last HTTP status, 0 when none */
	const char *error_code; /* AWS error code of the last attempt, NULL if none */
	const char *request_id; /* AWS request id of the last attempt, NULL if none */
	unsigned attempts;      /* HTTP attempts made */
	unsigned throttled;     /* of which answered with a throttling error */
	double elapsed;         /* seconds from aws_call() to completion, waits included */
	long clock_skew;        /* the client's offset after the call (aws_client_clock_skew()) */
	bool skew_corrected;    /* an attempt was refused for its time and re-signed */
	enum aws_failure failure;
	const char *failure_text; /* short, e.g. "cannot reach EC2: …"; NULL without a failure */
};

struct aws_client_options {
	const char *endpoint; /* "https://ec2.us-east-1.amazonaws.com"; http:// only for loopback */
	const char *region;   /* signing region */
	const char *service;  /* signing name: "ec2" or "sts" */
	const char *version;  /* API version: "2016-11-15" (EC2), "2011-06-15" (STS) */
	unsigned max_attempts;   /* including the first; 0: AWS_DEFAULT_ATTEMPTS */
	unsigned concurrency;    /* requests in flight; 0: AWS_DEFAULT_CONCURRENCY */
	long timeout_ms;         /* per attempt; 0: the http client's default */
	long connect_timeout_ms; /* 0: the http client's default */
	/* Borrowed collaborators; they must outlive the client. */
	struct http_client *http;    /* required */
	struct creds_cache *creds;   /* NULL: only AWS_CALL_UNSIGNED calls are possible */
	struct ratelimit *ratelimit; /* NULL: no client-side pacing */
	struct retry_quota *quota;   /* NULL: the client keeps its own */
	/* Injectable sources, for tests; NULL: time() and an internal PRNG. */
	time_t (*wall_clock)(void *arg);
	void *wall_clock_arg;
	double (*random01)(void *arg); /* uniform in [0, 1) */
	void *random01_arg;
	/* The clock skew offset to start from (aws_client_clock_skew() of a client
	   this one replaces, after a reload); 0: none until an answer tells. */
	long clock_skew;
	/* Called once per finished call (success, failure, not cancellation). */
	void (*observe)(void *arg, const struct aws_call_record *rec);
	void *observe_arg;
};

struct aws_client;
struct aws_call;

/*
 * The outcome handed to the completion callback; valid only during it.
 *  r == 0: success; body/body_len is the 2xx answer (accepted by `parse`).
 *  r < 0:  failure; `e` says why in one line.  -EREMOTEIO: AWS answered with
 *          an error (`error_code`/`error_message`); -ETIMEDOUT, -ECONNREFUSED,
 *          -ECONNRESET, -EHOSTUNREACH (name resolution), -EPROTO (TLS),
 *          -EMSGSIZE (body over the cap), -EBADMSG (malformed answer), -ENOKEY
 *          (no credentials), -ECANCELED (client freed), -ENOMEM.
 */
struct aws_response {
	int r;
	const struct err *e;
	const char *action;
	long status;
	const char *error_code;    /* NULL unless AWS returned an error */
	const char *error_message; /* NULL unless AWS returned an error */
	const char *request_id;    /* NULL when unknown */
	const char *body;          /* NUL-terminated; NULL on failure */
	size_t body_len;
	unsigned attempts;
	enum aws_failure failure;
	const char *failure_text; /* as in struct aws_call_record */
};

typedef void aws_done_fn(void *arg, const struct aws_response *resp);

/*
 * Optional validation of a 2xx body before the call is declared done.
 * Return 0 to accept; -EBADMSG makes the attempt a transient fault (retried
 * within max_attempts, then failed with `e`); any other error fails the call.
 */
typedef int aws_parse_fn(void *arg, const char *body, size_t len, struct err *e);

/* Call flags. */
#define AWS_CALL_UNSIGNED 0x1U /* no credentials, no signature (AssumeRoleWithWebIdentity) */

/*
 * Create a client.  -EINVAL for a missing or malformed endpoint, region,
 * service or version, or an http:// endpoint whose host is not loopback;
 * -ENOMEM.  Free with aws_client_free().
 */
int aws_client_new(struct ev_loop *loop, const struct aws_client_options *opt,
		   struct aws_client **ret, struct err *e);

/*
 * Fail every call still pending with -ECANCELED (callbacks run, so owners can
 * release their state; they must not start new calls, which are refused),
 * then free the client.  Not from inside a callback.  NULL-safe.
 */
void aws_client_free(struct aws_client *c);

/*
 * Start a call of `action` with `params` (moved into the call: *params is
 * left empty whether or not the call starts).  `Action` and `Version` are
 * added here.  On success returns 0 and, if ret_call is not NULL, a handle
 * for aws_cancel(); `done` runs later from the loop, exactly once, never from
 * inside aws_call().  On failure (-ENOMEM, -E2BIG for an oversized body,
 * -ENOKEY for a signed call on a client without credentials, -ECANCELED
 * while the client is being freed) `done` is never called.
 */
int aws_call(struct aws_client *c, const char *action, struct query *params, unsigned flags,
	     aws_parse_fn *parse, aws_done_fn *done, void *arg, struct aws_call **ret_call,
	     struct err *e);

/* Abandon a pending call: its callback will not run.  Not after the callback ran. */
void aws_cancel(struct aws_call *call);

/* Calls started and not yet finished or cancelled. */
unsigned aws_pending(const struct aws_client *c);

/* The loop the client runs on (for callers that need a timer beside its calls). */
struct ev_loop *aws_client_loop(const struct aws_client *c);

/*
 * The clock skew the client corrects for, in seconds: AWS's clock minus the
 * local one, as learnt from answers' Date headers (skew.h); positive when
 * the local clock is behind, 0 while the clocks agree within 4 minutes.
 */
long aws_client_clock_skew(const struct aws_client *c);

/*
 * Scrub `text` (NUL-terminated, in a buffer of `size` bytes) in place with
 * the secrets the client signs with (scrub.h): for callers that copy text
 * from an answer into their own messages (ec2.h's `unsuccessful` items).
 */
void aws_client_scrub(const struct aws_client *c, char *text, size_t size);

#endif
