/* SPDX-License-Identifier: ISC */
/* Unit tests for retry.h: classification, backoff, quota, attempts. */
#include "config.h"

#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "retry.h"

static struct retry_outcome
resp(long status, const char *code)
{
	struct retry_outcome o = {HTTP_ERR_NONE, status, code, NULL, false};

	return o;
}

static struct retry_outcome
transport(enum http_error err)
{
	struct retry_outcome o = {err, 0, NULL, NULL, false};

	return o;
}

static void
test_classify_codes(void **state)
{
	static const char *const throttles[] = {
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
	static const char *const transients[] = {
		"RequestTimeout", "RequestTimeoutException", "IDPCommunicationError",
		"InternalError",  "InternalFailure",         "ServerInternal",
		"Unavailable",    "ServiceUnavailable",
	};
	static const char *const creds[] = {
		"AuthFailure",
		"RequestExpired",
		"ExpiredToken",
		"ExpiredTokenException",
		"InvalidClientTokenId",
		"SignatureDoesNotMatch",
		"UnrecognizedClientException",
	};
	static const char *const terminals[] = {
		"IdempotentParameterMismatch",
		"InvalidVpcEndpointServiceId.NotFound",
		"UnauthorizedOperation",
		"DryRunOperation",
		"InvalidParameterValue",
		"MissingParameter",
		"AccessDenied",
		"throttling", /* codes are case-sensitive */
	};
	size_t i;
	struct retry_outcome o;

	(void)state;
	for (i = 0; i < sizeof(throttles) / sizeof(throttles[0]); i++) {
		o = resp(400, throttles[i]);
		assert_int_equal(retry_classify(&o), RETRY_CLASS_THROTTLING);
	}
	/* The code wins over the status: RequestLimitExceeded comes with 503. */
	o = resp(503, "RequestLimitExceeded");
	assert_int_equal(retry_classify(&o), RETRY_CLASS_THROTTLING);
	for (i = 0; i < sizeof(transients) / sizeof(transients[0]); i++) {
		o = resp(400, transients[i]);
		assert_int_equal(retry_classify(&o), RETRY_CLASS_TRANSIENT);
	}
	for (i = 0; i < sizeof(creds) / sizeof(creds[0]); i++) {
		o = resp(401, creds[i]);
		assert_int_equal(retry_classify(&o), RETRY_CLASS_CREDENTIALS);
	}
	for (i = 0; i < sizeof(terminals) / sizeof(terminals[0]); i++) {
		o = resp(400, terminals[i]);
		assert_int_equal(retry_classify(&o), RETRY_CLASS_TERMINAL);
	}
}

static void
test_classify_status_and_transport(void **state)
{
	struct retry_outcome o;

	(void)state;
	o = resp(200, NULL);
	assert_int_equal(retry_classify(&o), RETRY_CLASS_SUCCESS);
	o = resp(204, "");
	assert_int_equal(retry_classify(&o), RETRY_CLASS_SUCCESS);
	/* A 200 carrying an error code is not a success. */
	o = resp(200, "InvalidParameterValue");
	assert_int_equal(retry_classify(&o), RETRY_CLASS_TERMINAL);
	o = resp(500, NULL);
	assert_int_equal(retry_classify(&o), RETRY_CLASS_TRANSIENT);
	o = resp(502, NULL);
	assert_int_equal(retry_classify(&o), RETRY_CLASS_TRANSIENT);
	o = resp(503, "SomethingNew");
	assert_int_equal(retry_classify(&o), RETRY_CLASS_TRANSIENT);
	o = resp(504, NULL);
	assert_int_equal(retry_classify(&o), RETRY_CLASS_TRANSIENT);
	o = resp(429, NULL);
	assert_int_equal(retry_classify(&o), RETRY_CLASS_THROTTLING);
	o = resp(412, "DryRunOperation");
	assert_int_equal(retry_classify(&o), RETRY_CLASS_TERMINAL);
	o = resp(404, NULL);
	assert_int_equal(retry_classify(&o), RETRY_CLASS_TERMINAL);
	o = resp(301, NULL);
	assert_int_equal(retry_classify(&o), RETRY_CLASS_TERMINAL);

	o = transport(HTTP_ERR_CONNECT);
	assert_int_equal(retry_classify(&o), RETRY_CLASS_TRANSIENT);
	o = transport(HTTP_ERR_TIMEOUT);
	assert_int_equal(retry_classify(&o), RETRY_CLASS_TRANSIENT);
	o = transport(HTTP_ERR_RESET);
	assert_int_equal(retry_classify(&o), RETRY_CLASS_TRANSIENT);
	/* A failed name resolution is retried, as the SDKs retry it (issue 15). */
	o = transport(HTTP_ERR_RESOLVE);
	assert_int_equal(retry_classify(&o), RETRY_CLASS_TRANSIENT);
	o = transport(HTTP_ERR_TLS);
	assert_int_equal(retry_classify(&o), RETRY_CLASS_TERMINAL);
	o = transport(HTTP_ERR_TOO_LARGE);
	assert_int_equal(retry_classify(&o), RETRY_CLASS_TERMINAL);
	o = transport(HTTP_ERR_CANCELLED);
	assert_int_equal(retry_classify(&o), RETRY_CLASS_TERMINAL);
	o = transport(HTTP_ERR_OTHER);
	assert_int_equal(retry_classify(&o), RETRY_CLASS_TERMINAL);
	/* A transport error wins over whatever status was seen before it. */
	o = transport(HTTP_ERR_TLS);
	o.status = 503;
	assert_int_equal(retry_classify(&o), RETRY_CLASS_TERMINAL);

	assert_string_equal(retry_class_name(RETRY_CLASS_SUCCESS), "success");
	assert_string_equal(retry_class_name(RETRY_CLASS_THROTTLING), "throttling");
	assert_string_equal(retry_class_name(RETRY_CLASS_TRANSIENT), "transient");
	assert_string_equal(retry_class_name(RETRY_CLASS_CREDENTIALS), "credentials");
	assert_string_equal(retry_class_name(RETRY_CLASS_CLOCK_SKEW), "clock-skew");
	assert_string_equal(retry_class_name(RETRY_CLASS_TERMINAL), "terminal");
}

static void
test_backoff(void **state)
{
	(void)state;
	/* Throttling: base 1 s, doubling, capped at 20 s. */
	assert_float_equal(retry_backoff(RETRY_CLASS_THROTTLING, 1, 0.5, NULL), 0.5, 1e-12);
	assert_float_equal(retry_backoff(RETRY_CLASS_THROTTLING, 2, 0.5, NULL), 1.0, 1e-12);
	assert_float_equal(retry_backoff(RETRY_CLASS_THROTTLING, 3, 0.5, NULL), 2.0, 1e-12);
	assert_float_equal(retry_backoff(RETRY_CLASS_THROTTLING, 5, 0.5, NULL), 8.0, 1e-12);
	assert_float_equal(retry_backoff(RETRY_CLASS_THROTTLING, 6, 0.5, NULL), 10.0, 1e-12);
	assert_float_equal(retry_backoff(RETRY_CLASS_THROTTLING, 1000, 0.5, NULL), 10.0, 1e-12);
	/* Transient: base 50 ms. */
	assert_float_equal(retry_backoff(RETRY_CLASS_TRANSIENT, 1, 0.5, NULL), 0.025, 1e-12);
	assert_float_equal(retry_backoff(RETRY_CLASS_TRANSIENT, 4, 1.0 / 4, NULL), 0.1, 1e-12);
	assert_float_equal(retry_backoff(RETRY_CLASS_TRANSIENT, 30, 0.99, NULL), 19.8, 1e-9);
	/* Full jitter: 0 is possible, 1 is not reached; bad random values are clamped. */
	assert_float_equal(retry_backoff(RETRY_CLASS_THROTTLING, 3, 0.0, NULL), 0.0, 0);
	assert_true(retry_backoff(RETRY_CLASS_THROTTLING, 3, 1.0, NULL) < 4.0);
	assert_float_equal(retry_backoff(RETRY_CLASS_THROTTLING, 3, -3.0, NULL), 0.0, 0);
	assert_float_equal(retry_backoff(RETRY_CLASS_THROTTLING, 3, NAN, NULL), 0.0, 0);
	assert_float_equal(retry_backoff(RETRY_CLASS_THROTTLING, 0, 0.5, NULL), 0.5, 1e-12);
}

static void
test_retry_after(void **state)
{
	(void)state;
	/* Longer than t: honoured. */
	assert_float_equal(retry_backoff(RETRY_CLASS_THROTTLING, 1, 0.5, "1500"), 1.5, 1e-12);
	/* Shorter than t: t stays. */
	assert_float_equal(retry_backoff(RETRY_CLASS_THROTTLING, 1, 0.5, "100"), 0.5, 1e-12);
	/* At most t + 5 s. */
	assert_float_equal(retry_backoff(RETRY_CLASS_THROTTLING, 1, 0.5, "60000"), 5.5, 1e-12);
	assert_float_equal(retry_backoff(RETRY_CLASS_TRANSIENT, 1, 0.0, "0"), 0.0, 0);
	/* Garbage is ignored. */
	assert_float_equal(retry_backoff(RETRY_CLASS_THROTTLING, 1, 0.5, ""), 0.5, 1e-12);
	assert_float_equal(retry_backoff(RETRY_CLASS_THROTTLING, 1, 0.5, "1.5"), 0.5, 1e-12);
	assert_float_equal(retry_backoff(RETRY_CLASS_THROTTLING, 1, 0.5, "-100"), 0.5, 1e-12);
	assert_float_equal(retry_backoff(RETRY_CLASS_THROTTLING, 1, 0.5, "2000ms"), 0.5, 1e-12);
	assert_float_equal(retry_backoff(RETRY_CLASS_THROTTLING, 1, 0.5, "99999999999999"), 0.5,
			   1e-12);
}

static void
test_decide_success_refunds(void **state)
{
	struct retry_quota q;
	struct retry_call rc;
	struct retry_decision d;
	struct retry_outcome ok = resp(200, NULL), busy = resp(503, NULL);

	(void)state;
	retry_quota_init(&q, 0);
	assert_int_equal(q.max, RETRY_QUOTA_MAX);
	assert_int_equal(q.available, 500);

	/* First-try success at full quota: nothing to refund. */
	retry_call_init(&rc);
	retry_decide(3, &q, &rc, &ok, 0.5, &d);
	assert_int_equal(d.action, RETRY_DONE);
	assert_int_equal(d.class, RETRY_CLASS_SUCCESS);
	assert_int_equal(q.available, 500);

	/* A retry takes 5; success after it gives the 5 back. */
	retry_call_init(&rc);
	retry_decide(3, &q, &rc, &busy, 0.5, &d);
	assert_int_equal(d.action, RETRY_AGAIN);
	assert_float_equal(d.delay, 0.025, 1e-12);
	assert_string_equal(d.reason, "transient error");
	assert_int_equal(q.available, 495);
	retry_decide(3, &q, &rc, &ok, 0.5, &d);
	assert_int_equal(d.action, RETRY_DONE);
	assert_int_equal(q.available, 500);
	assert_int_equal(rc.attempts, 2);

	/* A first-try success refunds 1 when the quota is not full. */
	q.available = 490;
	retry_call_init(&rc);
	retry_decide(3, &q, &rc, &ok, 0.5, &d);
	assert_int_equal(q.available, 491);
}

static void
test_decide_timeout_costs_more(void **state)
{
	struct retry_quota q;
	struct retry_call rc;
	struct retry_decision d;
	struct retry_outcome to = transport(HTTP_ERR_TIMEOUT), ok = resp(200, NULL);

	(void)state;
	retry_quota_init(&q, 500);
	retry_call_init(&rc);
	retry_decide(5, &q, &rc, &to, 0.0, &d);
	assert_int_equal(d.action, RETRY_AGAIN);
	assert_int_equal(q.available, 490);
	retry_decide(5, &q, &rc, &ok, 0.0, &d);
	assert_int_equal(q.available, 500);
}

static void
test_decide_max_attempts(void **state)
{
	struct retry_quota q;
	struct retry_call rc;
	struct retry_decision d;
	struct retry_outcome thr = resp(503, "RequestLimitExceeded");

	(void)state;
	retry_quota_init(&q, 500);
	retry_call_init(&rc);
	retry_decide(3, &q, &rc, &thr, 0.5, &d);
	assert_int_equal(d.action, RETRY_AGAIN);
	assert_int_equal(d.class, RETRY_CLASS_THROTTLING);
	assert_float_equal(d.delay, 0.5, 1e-12);
	assert_string_equal(d.reason, "throttled");
	retry_decide(3, &q, &rc, &thr, 0.5, &d);
	assert_int_equal(d.action, RETRY_AGAIN);
	assert_float_equal(d.delay, 1.0, 1e-12);
	retry_decide(3, &q, &rc, &thr, 0.5, &d);
	assert_int_equal(d.action, RETRY_GIVE_UP);
	assert_string_equal(d.reason, "max attempts reached");
	assert_int_equal(q.available, 490); /* failures give nothing back */

	/* max_attempts 1 (or nonsense) means no retry at all. */
	retry_call_init(&rc);
	retry_decide(0, &q, &rc, &thr, 0.5, &d);
	assert_int_equal(d.action, RETRY_GIVE_UP);
	assert_int_equal(q.available, 490);
}

static void
test_decide_quota_exhaustion(void **state)
{
	struct retry_quota q;
	struct retry_call rc;
	struct retry_decision d;
	struct retry_outcome busy = resp(500, "InternalError");
	struct retry_outcome to = transport(HTTP_ERR_TIMEOUT);
	int retries = 0, i;

	(void)state;
	retry_quota_init(&q, 500);
	/* 100 failing calls of 2 attempts each: 100 retries × 5 drain 500. */
	for (i = 0; i < 150; i++) {
		retry_call_init(&rc);
		retry_decide(2, &q, &rc, &busy, 0.5, &d);
		if (d.action == RETRY_AGAIN)
			retries++;
		else
			assert_string_equal(d.reason, "retry quota exhausted");
		retry_decide(2, &q, &rc, &busy, 0.5, &d);
		assert_int_equal(d.action, RETRY_GIVE_UP);
	}
	assert_int_equal(retries, 100);
	assert_int_equal(q.available, 0);

	/* 7 left: enough for a normal retry (5), not for a timeout retry (10). */
	q.available = 7;
	retry_call_init(&rc);
	retry_decide(3, &q, &rc, &to, 0.5, &d);
	assert_int_equal(d.action, RETRY_GIVE_UP);
	assert_string_equal(d.reason, "retry quota exhausted");
	retry_call_init(&rc);
	retry_decide(3, &q, &rc, &busy, 0.5, &d);
	assert_int_equal(d.action, RETRY_AGAIN);
	assert_int_equal(q.available, 2);
}

static void
test_decide_terminal(void **state)
{
	struct retry_quota q;
	struct retry_call rc;
	struct retry_decision d;
	struct retry_outcome o = resp(400, "IdempotentParameterMismatch");

	(void)state;
	retry_quota_init(&q, 500);
	retry_call_init(&rc);
	retry_decide(5, &q, &rc, &o, 0.5, &d);
	assert_int_equal(d.action, RETRY_GIVE_UP);
	assert_int_equal(d.class, RETRY_CLASS_TERMINAL);
	assert_string_equal(d.reason, "not retryable");
	assert_int_equal(q.available, 500);
}

static void
test_decide_credentials_once(void **state)
{
	struct retry_quota q;
	struct retry_call rc;
	struct retry_decision d;
	struct retry_outcome auth = resp(401, "AuthFailure");

	(void)state;
	retry_quota_init(&q, 500);
	retry_call_init(&rc);
	retry_decide(5, &q, &rc, &auth, 0.5, &d);
	assert_int_equal(d.action, RETRY_REFRESH_AGAIN);
	assert_int_equal(d.class, RETRY_CLASS_CREDENTIALS);
	assert_float_equal(d.delay, 0.0, 0);
	assert_int_equal(q.available, 500); /* free */
	retry_decide(5, &q, &rc, &auth, 0.5, &d);
	assert_int_equal(d.action, RETRY_GIVE_UP);
	assert_string_equal(d.reason, "credentials rejected after a refresh");

	/* No attempt left: no refresh either. */
	retry_call_init(&rc);
	retry_decide(1, &q, &rc, &auth, 0.5, &d);
	assert_int_equal(d.action, RETRY_GIVE_UP);
	assert_string_equal(d.reason, "max attempts reached");
}

/*
 * Refused for its time (the caller's finding, from the Date): re-signed
 * once, at once and for free; refused again, it is given up with words of
 * its own, however many attempts are left.
 */
static void
test_decide_clock_skew_once(void **state)
{
	struct retry_quota q;
	struct retry_call rc;
	struct retry_decision d;
	struct retry_outcome skewed = resp(400, "RequestExpired");
	struct retry_outcome expired = resp(400, "RequestExpired");

	(void)state;
	skewed.clock_skewed = true;
	assert_int_equal(retry_classify(&skewed), RETRY_CLASS_CLOCK_SKEW);
	/* The same code without the clock's evidence stays a credential error. */
	assert_int_equal(retry_classify(&expired), RETRY_CLASS_CREDENTIALS);
	/* A transport failure has no answer to judge the time by. */
	skewed.transport = HTTP_ERR_RESET;
	assert_int_equal(retry_classify(&skewed), RETRY_CLASS_TRANSIENT);
	skewed.transport = HTTP_ERR_NONE;

	retry_quota_init(&q, 500);
	retry_call_init(&rc);
	retry_decide(5, &q, &rc, &skewed, 0.9, &d);
	assert_int_equal(d.action, RETRY_AGAIN);
	assert_int_equal(d.class, RETRY_CLASS_CLOCK_SKEW);
	assert_float_equal(d.delay, 0.0, 0);
	assert_int_equal(q.available, 500);
	assert_string_equal(d.reason, "clock skew; re-signing with the corrected clock");
	retry_decide(5, &q, &rc, &skewed, 0.9, &d);
	assert_int_equal(d.action, RETRY_GIVE_UP);
	assert_string_equal(d.reason, "refused again after correcting the clock");
	assert_int_equal(q.available, 500);

	/* The re-signing and the credential refresh are separate allowances. */
	retry_call_init(&rc);
	retry_decide(5, &q, &rc, &skewed, 0.9, &d);
	assert_int_equal(d.action, RETRY_AGAIN);
	retry_decide(5, &q, &rc, &expired, 0.9, &d);
	assert_int_equal(d.action, RETRY_REFRESH_AGAIN);

	/* No attempt left: no re-signing either. */
	retry_call_init(&rc);
	retry_decide(1, &q, &rc, &skewed, 0.9, &d);
	assert_int_equal(d.action, RETRY_GIVE_UP);
	assert_string_equal(d.reason, "max attempts reached");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_classify_codes),
		cmocka_unit_test(test_classify_status_and_transport),
		cmocka_unit_test(test_backoff),
		cmocka_unit_test(test_retry_after),
		cmocka_unit_test(test_decide_success_refunds),
		cmocka_unit_test(test_decide_timeout_costs_more),
		cmocka_unit_test(test_decide_max_attempts),
		cmocka_unit_test(test_decide_quota_exhaustion),
		cmocka_unit_test(test_decide_terminal),
		cmocka_unit_test(test_decide_credentials_once),
		cmocka_unit_test(test_decide_clock_skew_once),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
