/* SPDX-License-Identifier: ISC */
/*
 * skew: how far this host's clock is from AWS's, measured and corrected the
 * way the AWS SDKs do it.
 *
 * SigV4 signs the request time; EC2 and STS refuse a signature more than
 * 15 minutes from their own clock (RequestExpired, SignatureDoesNotMatch
 * "Signature expired", RequestTimeTooSkewed...).  A host whose clock is 20
 * minutes off would fail every call forever, and say "credentials
 * rejected".  The SDKs that correct skew (aws-sdk-java-v2 ClockSkew and
 * ClockSkewAdjuster, aws-sdk-go-v2 and aws-sdk-js-v3 after the cross-SDK
 * clock skew SEP; botocore does not, boto/boto3#1252) read the server's time
 * from the answer's HTTP Date header and sign later requests with
 * local time + offset.  This module is that arithmetic; aws.c applies it.
 *
 * The rules, and where they come from:
 *  - a measurement is server time − the midpoint of send and receive (the
 *    SEP), discarded when the answer carries Age (a cache answered, its
 *    Date is old) or took longer than SKEW_MAX_ROUND_TRIP_SECS;
 *  - a skew under SKEW_THRESHOLD_SECS (4 min: Java v2's
 *    CLOCK_SKEW_ADJUST_THRESHOLD, the SEP's detection threshold) is no skew:
 *    SigV4's window is 15 min, and the Date header's 1 s resolution makes
 *    small offsets noise.  Once correcting, the offset is kept until the
 *    measurement falls under half the threshold, so a skew near 4 min does
 *    not flap on and off;
 *  - an error is a clock error only when its code is one the SDKs list for
 *    skew (skew_code_kind()) AND the answer's Date shows that the time the
 *    request was signed with was off by at least the threshold.  Codes alone
 *    are not proof: AuthFailure and SignatureDoesNotMatch also mean a wrong
 *    key, and EC2 answers RequestExpired for an expired session token too.
 *
 * Offsets are "server − local" in whole seconds: positive when the local
 * clock is behind AWS (aws-sdk-js's systemClockOffset; Java's timeOffset has
 * the opposite sign).
 *
 * Pure: no I/O, no clock (times are arguments), no allocation, no logging.
 */
#ifndef VPCESD_SKEW_H
#define VPCESD_SKEW_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#define SKEW_THRESHOLD_SECS      240L /* 4 min */
#define SKEW_MAX_ROUND_TRIP_SECS 900L /* 15 min: a Date that old says nothing */

enum skew_code_kind {
	SKEW_CODE_NONE,     /* not about time */
	SKEW_CODE_DEFINITE, /* RequestTimeTooSkewed, RequestInTheFuture: the time was refused */
	SKEW_CODE_POSSIBLE, /* RequestExpired, SignatureDoesNotMatch, InvalidSignatureException,
			       AuthFailure: the time, or something else */
};

/* Which kind of error code `code` is (NULL or "": SKEW_CODE_NONE). */
enum skew_code_kind skew_code_kind(const char *code);

/*
 * The time in an HTTP Date header (RFC 7231 IMF-fixdate and the two obsolete
 * forms, parsed by libcurl's curl_getdate()).  -ENODATA for NULL or "",
 * -EINVAL for anything that is not a date; *ret untouched on failure.
 */
int skew_parse_date(const char *date, time_t *ret);

struct skew_sample {
	time_t server; /* the answer's Date */
	long skew;     /* server − midpoint of sent and received, seconds */
};

/*
 * One measurement from an answer: its Date and Age headers ("" or NULL when
 * absent) and the local wall clock when the request was sent and when the
 * answer arrived.  -ENODATA (no Date), -EINVAL (not a date), -ESTALE (Age
 * present, round trip over SKEW_MAX_ROUND_TRIP_SECS, or the local clock went
 * backwards); *ret untouched on failure.
 */
int skew_measure(const char *date, const char *age, time_t sent, time_t received,
		 struct skew_sample *ret);

/* The offset to sign with after a measurement of `measured` while using `current`. */
long skew_adjust(long current, long measured);

/*
 * True when an error answer refused the request for its time: `code` is of a
 * skew kind and `signed_at` (the X-Amz-Date sent) is at least
 * SKEW_THRESHOLD_SECS from `server` (the answer's Date).
 */
bool skew_refused(const char *code, time_t signed_at, time_t server);

/*
 * "local clock 1200 s behind", "local clock 75 s ahead", "local clock in
 * step" for an offset `skew` (server − local), into `buf`; returns `buf`.
 */
const char *skew_describe(long skew, char *buf, size_t n);

#endif
