/* SPDX-License-Identifier: ISC */
/*
 * skew: clock skew measurement and correction.  See skew.h for the rules
 * and the SDK sources they follow.
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include <curl/curl.h>

#include "skew.h"

/*
 * The codes the SDKs treat as clock skew (aws-sdk-java-v2 AwsErrorCode
 * DEFINITE_/POSSIBLE_CLOCK_SKEW_ERROR_CODES, aws-sdk-js-v3
 * CLOCK_SKEW_ERROR_CODES).  Java counts RequestExpired as definite; here it
 * is only possible, because EC2 also answers it for an expired session
 * token (ec2-api.md §7) and vpcesd must not call that a clock problem.
 */
static const char *const definite_codes[] = {"RequestTimeTooSkewed", "RequestInTheFuture"};
static const char *const possible_codes[] = {"RequestExpired", "SignatureDoesNotMatch",
					     "InvalidSignatureException", "AuthFailure"};

#define N_ELEMENTS(a) (sizeof(a) / sizeof((a)[0]))

enum skew_code_kind
skew_code_kind(const char *code)
{
	if (code == NULL || *code == '\0')
		return SKEW_CODE_NONE;
	for (size_t i = 0; i < N_ELEMENTS(definite_codes); i++)
		if (strcmp(code, definite_codes[i]) == 0)
			return SKEW_CODE_DEFINITE;
	for (size_t i = 0; i < N_ELEMENTS(possible_codes); i++)
		if (strcmp(code, possible_codes[i]) == 0)
			return SKEW_CODE_POSSIBLE;
	return SKEW_CODE_NONE;
}

int
skew_parse_date(const char *date, time_t *ret)
{
	time_t t;

	if (date == NULL || *date == '\0')
		return -ENODATA;
	/* curl_getdate() knows RFC 7231's three forms; -1 is its "not a date". */
	t = curl_getdate(date, NULL);
	if (t == (time_t)-1)
		return -EINVAL;
	*ret = t;
	return 0;
}

int
skew_measure(const char *date, const char *age, time_t sent, time_t received,
	     struct skew_sample *ret)
{
	long long twice;
	time_t server;
	int r = skew_parse_date(date, &server);

	if (r < 0)
		return r;
	/* A cache's answer carries a Date from when it was first made. */
	if (age != NULL && *age != '\0')
		return -ESTALE;
	if (received < sent || (long long)received - (long long)sent > SKEW_MAX_ROUND_TRIP_SECS)
		return -ESTALE;
	/* server − (sent + received) / 2, rounded half away from zero, in integers. */
	twice = 2LL * (long long)server - (long long)sent - (long long)received;
	twice = twice >= 0 ? (twice + 1) / 2 : -((-twice + 1) / 2);
	if (twice > LONG_MAX / 2 || twice < LONG_MIN / 2)
		return -EINVAL;
	ret->server = server;
	ret->skew = (long)twice;
	return 0;
}

static long
labs_long(long v)
{
	return v < 0 ? -v : v;
}

long
skew_adjust(long current, long measured)
{
	/*
	 * Under the threshold the clocks agree as far as SigV4 cares; while a
	 * correction is in use it is kept down to half the threshold, so a skew
	 * right at 4 minutes does not switch the correction on and off.
	 */
	if (labs_long(measured) < SKEW_THRESHOLD_SECS &&
	    (current == 0 || labs_long(measured) < SKEW_THRESHOLD_SECS / 2))
		return 0;
	/* The Date header has a one-second resolution: ±1 s is the same skew. */
	if (labs_long(measured - current) <= 1)
		return current;
	return measured;
}

bool
skew_refused(const char *code, time_t signed_at, time_t server)
{
	long long d = (long long)server - (long long)signed_at;

	if (skew_code_kind(code) == SKEW_CODE_NONE)
		return false;
	return d >= SKEW_THRESHOLD_SECS || d <= -SKEW_THRESHOLD_SECS;
}

const char *
skew_describe(long skew, char *buf, size_t n)
{
	if (skew == 0)
		snprintf(buf, n, "local clock in step");
	else
		snprintf(buf, n, "local clock %ld s %s", labs_long(skew),
			 skew > 0 ? "behind" : "ahead");
	return buf;
}
