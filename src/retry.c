/* SPDX-License-Identifier: ISC */
/*
 * retry: AWS SDK standard retry mode (see retry.h for the rules and the
 * choices).  The tables mirror botocore's retries/standard.py and the Go v2
 * SDK's aws/retry; ec2-api.md §7 and §9 list the codes vpcesd meets.
 */
#include "config.h"

#include "retry.h"

#include <math.h>
#include <stddef.h>
#include <string.h>

static const char *const throttling_codes[] = {
	"Throttling",
	"ThrottlingException",
	"ThrottledException",
	"RequestThrottledException",
	"TooManyRequestsException",
	"ProvisionedThroughputExceededException",
	"TransactionInProgressException",
	"RequestLimitExceeded",
	"BandwidthLimitExceeded",
	"LimitExceededException",
	"RequestThrottled",
	"SlowDown",
	"PriorRequestNotComplete",
	"EC2ThrottledException",
};

static const char *const transient_codes[] =
	{
		"RequestTimeout",        "RequestTimeoutException",
		"IDPCommunicationError", /* STS web identity: botocore retries it */
		"InternalError",         "InternalFailure",
		"ServerInternal",        "Unavailable",
		"ServiceUnavailable",
};

/*
 * Expired or rejected credentials: worth one refresh (rotated keys, expired
 * session).  UnrecognizedClientException is the JSON-protocol services'
 * InvalidClientTokenId (botocore lists both as credential errors).
 */
static const char *const credential_codes[] = {
	"AuthFailure",
	"RequestExpired",
	"ExpiredToken",
	"ExpiredTokenException",
	"InvalidClientTokenId",
	"SignatureDoesNotMatch",
	"UnrecognizedClientException",
};

#define N_ELEMENTS(a) (sizeof(a) / sizeof((a)[0]))

static bool
in_list(const char *code, const char *const *list, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(code, list[i]) == 0)
			return true;
	return false;
}

void
retry_quota_init(struct retry_quota *q, int max)
{
	q->max = max > 0 ? max : RETRY_QUOTA_MAX;
	q->available = q->max;
}

void
retry_call_init(struct retry_call *rc)
{
	rc->attempts = 0;
	rc->last_cost = 0;
	rc->refreshed_creds = false;
	rc->skew_retried = false;
}

const char *
retry_class_name(enum retry_class c)
{
	switch (c) {
	case RETRY_CLASS_SUCCESS:
		return "success";
	case RETRY_CLASS_THROTTLING:
		return "throttling";
	case RETRY_CLASS_TRANSIENT:
		return "transient";
	case RETRY_CLASS_CREDENTIALS:
		return "credentials";
	case RETRY_CLASS_CLOCK_SKEW:
		return "clock-skew";
	case RETRY_CLASS_TERMINAL:
		break;
	}
	return "terminal";
}

enum retry_class
retry_classify(const struct retry_outcome *o)
{
	const char *code = o->error_code && *o->error_code ? o->error_code : NULL;

	switch (o->transport) {
	case HTTP_ERR_NONE:
		break;
	case HTTP_ERR_RESOLVE:
		/*
		 * The SDKs retry a failed name resolution like any connection
		 * error (botocore: EndpointConnectionError is retryable): a
		 * resolver that times out or a DNS blip heals within a call's
		 * attempts, and a wrong name costs only those attempts.
		 */
	case HTTP_ERR_CONNECT:
	case HTTP_ERR_TIMEOUT:
	case HTTP_ERR_RESET:
		return RETRY_CLASS_TRANSIENT;
	case HTTP_ERR_TLS: /* a certificate problem does not heal in seconds */
	case HTTP_ERR_TOO_LARGE:
	case HTTP_ERR_CANCELLED:
	case HTTP_ERR_OTHER:
	default:
		return RETRY_CLASS_TERMINAL;
	}
	/* Only the caller can tell, from the Date, that a refusal was about time. */
	if (o->clock_skewed)
		return RETRY_CLASS_CLOCK_SKEW;
	if (code) {
		if (in_list(code, throttling_codes, N_ELEMENTS(throttling_codes)))
			return RETRY_CLASS_THROTTLING;
		if (in_list(code, credential_codes, N_ELEMENTS(credential_codes)))
			return RETRY_CLASS_CREDENTIALS;
		if (in_list(code, transient_codes, N_ELEMENTS(transient_codes)))
			return RETRY_CLASS_TRANSIENT;
	}
	if (o->status == 429)
		return RETRY_CLASS_THROTTLING;
	if (o->status == 500 || o->status == 502 || o->status == 503 || o->status == 504)
		return RETRY_CLASS_TRANSIENT;
	if (o->status >= 200 && o->status < 300 && !code)
		return RETRY_CLASS_SUCCESS;
	return RETRY_CLASS_TERMINAL;
}

/* x-amz-retry-after: a decimal count of milliseconds; -1 when absent or invalid. */
static double
parse_retry_after(const char *s)
{
	double ms = 0;
	size_t i;

	if (!s || !*s)
		return -1;
	for (i = 0; s[i]; i++) {
		if (s[i] < '0' || s[i] > '9' || i >= 9) /* ≥ 10^9 ms is nonsense */
			return -1;
		ms = ms * 10 + (s[i] - '0');
	}
	return ms / 1000.0;
}

double
retry_backoff(enum retry_class c, int attempt, double rand01, const char *retry_after)
{
	double base = c == RETRY_CLASS_THROTTLING ? RETRY_THROTTLE_BASE : RETRY_TRANSIENT_BASE;
	double ceiling, t, ra;

	if (attempt < 1)
		attempt = 1;
	if (!(rand01 >= 0.0)) /* also catches NaN */
		rand01 = 0.0;
	if (rand01 >= 1.0)
		rand01 = nextafter(1.0, 0.0);
	/* 2^(attempt-1) × base, computed without overflow for any attempt. */
	ceiling = attempt > 30 ? RETRY_MAX_BACKOFF : ldexp(base, attempt - 1);
	if (ceiling > RETRY_MAX_BACKOFF)
		ceiling = RETRY_MAX_BACKOFF;
	t = rand01 * ceiling;
	ra = parse_retry_after(retry_after);
	if (ra >= 0) {
		if (ra > t + RETRY_AFTER_MAX_EXTRA)
			ra = t + RETRY_AFTER_MAX_EXTRA;
		if (ra > t)
			t = ra;
	}
	return t;
}

static void
quota_release(struct retry_quota *q, int amount)
{
	q->available += amount;
	if (q->available > q->max)
		q->available = q->max;
}

void
retry_decide(int max_attempts, struct retry_quota *q, struct retry_call *rc,
	     const struct retry_outcome *o, double rand01, struct retry_decision *out)
{
	enum retry_class c = retry_classify(o);
	int cost;

	if (max_attempts < 1)
		max_attempts = 1;
	rc->attempts++;
	out->class = c;
	out->delay = 0;
	switch (c) {
	case RETRY_CLASS_SUCCESS:
		quota_release(q, rc->last_cost ? rc->last_cost : RETRY_NO_RETRY_REFUND);
		out->action = RETRY_DONE;
		out->reason = "success";
		return;
	case RETRY_CLASS_TERMINAL:
		out->action = RETRY_GIVE_UP;
		out->reason = "not retryable";
		return;
	case RETRY_CLASS_CREDENTIALS:
		if (rc->refreshed_creds) {
			out->action = RETRY_GIVE_UP;
			out->reason = "credentials rejected after a refresh";
		} else if (rc->attempts >= max_attempts) {
			out->action = RETRY_GIVE_UP;
			out->reason = "max attempts reached";
		} else {
			rc->refreshed_creds = true;
			out->action = RETRY_REFRESH_AGAIN;
			out->reason = "credentials rejected; refreshing";
		}
		return;
	case RETRY_CLASS_CLOCK_SKEW:
		/*
		 * Re-signed at once and free of quota: it happens once per call,
		 * only when the answer's Date showed the signing time was off, so
		 * it cannot multiply into a retry storm the quota must stop.
		 */
		if (rc->skew_retried) {
			out->action = RETRY_GIVE_UP;
			out->reason = "refused again after correcting the clock";
		} else if (rc->attempts >= max_attempts) {
			out->action = RETRY_GIVE_UP;
			out->reason = "max attempts reached";
		} else {
			rc->skew_retried = true;
			out->action = RETRY_AGAIN;
			out->reason = "clock skew; re-signing with the corrected clock";
		}
		return;
	case RETRY_CLASS_THROTTLING:
	case RETRY_CLASS_TRANSIENT:
		break;
	}
	if (rc->attempts >= max_attempts) {
		out->action = RETRY_GIVE_UP;
		out->reason = "max attempts reached";
		return;
	}
	cost = o->transport == HTTP_ERR_TIMEOUT ? RETRY_COST_TIMEOUT : RETRY_COST;
	if (q->available < cost) {
		out->action = RETRY_GIVE_UP;
		out->reason = "retry quota exhausted";
		return;
	}
	q->available -= cost;
	rc->last_cost = cost;
	out->action = RETRY_AGAIN;
	out->delay = retry_backoff(c, rc->attempts, rand01, o->retry_after);
	out->reason = c == RETRY_CLASS_THROTTLING ? "throttled" : "transient error";
}
