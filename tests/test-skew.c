/* SPDX-License-Identifier: ISC */
/*
 * Unit tests for skew.h: which codes may mean clock skew, the Date header,
 * the measurement (midpoint, Age, slow answers), the offset's threshold and
 * hysteresis, the refusal test, and a client's offset over a sequence of
 * answers (in the spirit of the cross-SDK clock skew SEP's vectors).
 */
#include "config.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "skew.h"

#define T2026 ((time_t)1767225600) /* 2026-01-01T00:00:00Z */

static void
test_code_kinds(void **state)
{
	static const char *const definite[] = {"RequestTimeTooSkewed", "RequestInTheFuture"};
	static const char *const possible[] = {"RequestExpired", "SignatureDoesNotMatch",
					       "InvalidSignatureException", "AuthFailure"};
	static const char *const none[] = {"InvalidParameterValue", "UnauthorizedOperation",
					   "InvalidClientTokenId",  "ExpiredToken",
					   "RequestLimitExceeded",  "requestexpired",
					   "RequestExpiredX",       ""};

	(void)state;
	for (size_t i = 0; i < sizeof(definite) / sizeof(definite[0]); i++)
		assert_int_equal(skew_code_kind(definite[i]), SKEW_CODE_DEFINITE);
	for (size_t i = 0; i < sizeof(possible) / sizeof(possible[0]); i++)
		assert_int_equal(skew_code_kind(possible[i]), SKEW_CODE_POSSIBLE);
	for (size_t i = 0; i < sizeof(none) / sizeof(none[0]); i++)
		assert_int_equal(skew_code_kind(none[i]), SKEW_CODE_NONE);
	assert_int_equal(skew_code_kind(NULL), SKEW_CODE_NONE);
}

static void
test_parse_date(void **state)
{
	time_t t = 42;

	(void)state;
	/* RFC 7231 §7.1.1.1: IMF-fixdate and the two obsolete forms. */
	assert_int_equal(skew_parse_date("Thu, 01 Jan 2026 00:05:01 GMT", &t), 0);
	assert_int_equal(t, T2026 + 301);
	t = 0;
	assert_int_equal(skew_parse_date("Thursday, 01-Jan-26 00:05:01 GMT", &t), 0);
	assert_int_equal(t, T2026 + 301);
	t = 0;
	assert_int_equal(skew_parse_date("Thu Jan  1 00:05:01 2026", &t), 0);
	assert_int_equal(t, T2026 + 301);
	/* Failures leave *ret alone. */
	t = 42;
	assert_int_equal(skew_parse_date(NULL, &t), -ENODATA);
	assert_int_equal(skew_parse_date("", &t), -ENODATA);
	assert_int_equal(skew_parse_date("not a date", &t), -EINVAL);
	assert_int_equal(skew_parse_date("[redacted]", &t), -EINVAL);
	assert_int_equal(t, 42);
}

static void
test_measure(void **state)
{
	struct skew_sample s = {0, 7};
	const char *date = "Thu, 01 Jan 2026 00:05:01 GMT";

	(void)state;
	/* Sent at 00:00:00, answered at 00:00:02: the server's 00:05:01 is the midpoint's. */
	assert_int_equal(skew_measure(date, "", T2026, T2026 + 2, &s), 0);
	assert_int_equal(s.server, T2026 + 301);
	assert_int_equal(s.skew, 300);
	assert_int_equal(skew_measure(date, NULL, T2026 + 1200, T2026 + 1202, &s), 0);
	assert_int_equal(s.skew, 301 - 1201);
	/* Half seconds round away from zero, both ways. */
	assert_int_equal(skew_measure(date, NULL, T2026, T2026 + 1, &s), 0);
	assert_int_equal(s.skew, 301);
	assert_int_equal(
		skew_measure("Thu, 01 Jan 2026 00:00:00 GMT", NULL, T2026 + 300, T2026 + 301, &s),
		0);
	assert_int_equal(s.skew, -301);

	/* Nothing to learn from: untouched. */
	s = (struct skew_sample){1, 2};
	assert_int_equal(skew_measure(NULL, NULL, T2026, T2026, &s), -ENODATA);
	assert_int_equal(skew_measure("", NULL, T2026, T2026, &s), -ENODATA);
	assert_int_equal(skew_measure("yesterday-ish", NULL, T2026, T2026, &s), -EINVAL);
	/* A cache answered (Age): its Date is when the answer was made, not now. */
	assert_int_equal(skew_measure(date, "17280", T2026, T2026 + 2, &s), -ESTALE);
	/* Sixteen minutes on the way: the Date says little about now. */
	assert_int_equal(skew_measure(date, NULL, T2026, T2026 + 960, &s), -ESTALE);
	assert_int_equal(skew_measure(date, NULL, T2026, T2026 + SKEW_MAX_ROUND_TRIP_SECS, &s), 0);
	s = (struct skew_sample){1, 2};
	/* The local clock stepped back between send and receive. */
	assert_int_equal(skew_measure(date, NULL, T2026 + 10, T2026, &s), -ESTALE);
	assert_int_equal(s.server, 1);
	assert_int_equal(s.skew, 2);
}

static void
test_adjust(void **state)
{
	(void)state;
	/* Under four minutes there is nothing to correct. */
	assert_int_equal(skew_adjust(0, 0), 0);
	assert_int_equal(skew_adjust(0, 100), 0);
	assert_int_equal(skew_adjust(0, SKEW_THRESHOLD_SECS - 1), 0);
	assert_int_equal(skew_adjust(0, -(SKEW_THRESHOLD_SECS - 1)), 0);
	/* From four minutes on, the measurement is the offset. */
	assert_int_equal(skew_adjust(0, SKEW_THRESHOLD_SECS), SKEW_THRESHOLD_SECS);
	assert_int_equal(skew_adjust(0, -SKEW_THRESHOLD_SECS), -SKEW_THRESHOLD_SECS);
	assert_int_equal(skew_adjust(0, 1200), 1200);
	assert_int_equal(skew_adjust(0, -1200), -1200);
	/* The Date header's resolution: ±1 s keeps the offset steady. */
	assert_int_equal(skew_adjust(1200, 1201), 1200);
	assert_int_equal(skew_adjust(1200, 1199), 1200);
	assert_int_equal(skew_adjust(1200, 1202), 1202);
	assert_int_equal(skew_adjust(-1200, -1260), -1260);
	/* The clock moved: follow it, in either direction. */
	assert_int_equal(skew_adjust(1200, -1200), -1200);
	/* Hysteresis: a correction in use is kept down to half the threshold... */
	assert_int_equal(skew_adjust(300, 200), 200);
	assert_int_equal(skew_adjust(-300, -SKEW_THRESHOLD_SECS / 2), -SKEW_THRESHOLD_SECS / 2);
	/* ...and dropped below it (the clock was fixed). */
	assert_int_equal(skew_adjust(300, SKEW_THRESHOLD_SECS / 2 - 1), 0);
	assert_int_equal(skew_adjust(1200, 0), 0);
	assert_int_equal(skew_adjust(-1200, 1), 0);
}

static void
test_refused(void **state)
{
	(void)state;
	assert_true(skew_refused("RequestExpired", T2026, T2026 + 1200));
	assert_true(skew_refused("SignatureDoesNotMatch", T2026, T2026 - 1200));
	assert_true(skew_refused("AuthFailure", T2026, T2026 + SKEW_THRESHOLD_SECS));
	assert_true(skew_refused("RequestTimeTooSkewed", T2026, T2026 - SKEW_THRESHOLD_SECS));
	assert_true(skew_refused("InvalidSignatureException", T2026, T2026 + 901));
	/* The time was fine: the code means something else (a wrong key, an expired session). */
	assert_false(skew_refused("RequestExpired", T2026, T2026 + SKEW_THRESHOLD_SECS - 1));
	assert_false(skew_refused("AuthFailure", T2026, T2026));
	assert_false(skew_refused("RequestTimeTooSkewed", T2026, T2026 + 5));
	/* Not a code about time, however far the clocks are apart. */
	assert_false(skew_refused("InvalidClientTokenId", T2026, T2026 + 3600));
	assert_false(skew_refused("UnauthorizedOperation", T2026, T2026 + 3600));
	assert_false(skew_refused(NULL, T2026, T2026 + 3600));
}

static void
test_describe(void **state)
{
	char buf[64];

	(void)state;
	assert_string_equal(skew_describe(1200, buf, sizeof(buf)), "local clock 1200 s behind");
	assert_string_equal(skew_describe(-1200, buf, sizeof(buf)), "local clock 1200 s ahead");
	assert_string_equal(skew_describe(0, buf, sizeof(buf)), "local clock in step");
	skew_describe(-75, buf, 12);
	assert_string_equal(buf, "local clock");
}

/*
 * One client's life: each step is an answer (its Date, Age, the local times
 * of send and receive, its error code, and the offset the request was signed
 * with), and what the client must conclude: the offset afterwards and
 * whether the attempt was refused for its time (and so is re-signed once).
 */
struct step {
	const char *what;
	long sent, received; /* seconds after T2026 on the local clock */
	const char *date;    /* NULL: none */
	const char *age;
	const char *code; /* NULL: success */
	long offset_after;
	bool refused;
};

static void
test_a_clients_offset_over_time(void **state)
{
	static const struct step steps[] = {
		{"clocks agree", 0, 2, "Thu, 01 Jan 2026 00:00:01 GMT", NULL, NULL, 0, false},
		{"EC2 is 20 min ahead: refused", 10, 10, "Thu, 01 Jan 2026 00:20:10 GMT", NULL,
		 "RequestExpired", 1200, true},
		{"re-signed with the offset: accepted", 11, 12, "Thu, 01 Jan 2026 00:20:12 GMT",
		 NULL, NULL, 1200, false},
		{"a later call, Date one second late", 70, 70, "Thu, 01 Jan 2026 00:21:11 GMT",
		 NULL, NULL, 1200, false},
		{"a cached answer says nothing", 80, 81, "Wed, 31 Dec 2025 20:00:00 GMT", "14400",
		 NULL, 1200, false},
		{"no Date: nothing learnt, nothing refused", 90, 91, NULL, NULL,
		 "RequestTimeTooSkewed", 1200, false},
		{"the clock was fixed: refused the other way", 1300, 1301,
		 "Thu, 01 Jan 2026 00:21:40 GMT", NULL, "SignatureDoesNotMatch", 0, true},
		{"a wrong key, clocks in step: not skew", 1400, 1400,
		 "Thu, 01 Jan 2026 00:23:20 GMT", NULL, "AuthFailure", 0, false},
		{"EC2 10 min behind", 2000, 2002, "Thu, 01 Jan 2026 00:23:21 GMT", NULL,
		 "RequestExpired", -600, true},
	};
	long offset = 0;

	(void)state;
	for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		const struct step *st = &steps[i];
		time_t signed_at = T2026 + st->sent + offset;
		struct skew_sample s;
		bool refused = false;

		if (skew_measure(st->date, st->age, T2026 + st->sent, T2026 + st->received, &s) ==
		    0) {
			refused = st->code != NULL && skew_refused(st->code, signed_at, s.server);
			offset = skew_adjust(offset, s.skew);
		}
		if (offset != st->offset_after || refused != st->refused)
			fail_msg("step %zu (%s): offset %ld refused %d, expected %ld and %d", i,
				 st->what, offset, refused, st->offset_after, st->refused);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_code_kinds),
		cmocka_unit_test(test_parse_date),
		cmocka_unit_test(test_measure),
		cmocka_unit_test(test_adjust),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_describe),
		cmocka_unit_test(test_a_clients_offset_over_time),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
