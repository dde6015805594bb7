/* SPDX-License-Identifier: ISC */
/*
 * Tests of rfc3339.h: the one timestamp parser and formatter.
 */
#include "config.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <cmocka.h>

#include "rfc3339.h"

static void
test_parse_time(void **state)
{
	time_t t;

	(void)state;
	assert_int_equal(rfc3339_parse("1970-01-01T00:00:00Z", &t), 0);
	assert_int_equal(t, 0);
	assert_int_equal(rfc3339_parse("2026-01-15T13:00:00Z", &t), 0);
	assert_int_equal(t, 1768482000);
	assert_int_equal(rfc3339_parse("2026-01-15T13:00:00.5+00:00", &t), 0);
	assert_int_equal(t, 1768482000);
	assert_int_equal(rfc3339_parse("2000-02-29T00:00:00Z", &t), 0);
	assert_int_equal(rfc3339_parse("2100-02-29T00:00:00Z", &t), -EINVAL);
	assert_int_equal(rfc3339_parse("2026-13-01T00:00:00Z", &t), -EINVAL);
	assert_int_equal(rfc3339_parse("2026-04-31T00:00:00Z", &t), -EINVAL);
	assert_int_equal(rfc3339_parse("2026-01-01T24:00:00Z", &t), -EINVAL);
	assert_int_equal(rfc3339_parse("2026-01-01T00:00:00", &t), -EINVAL);
	assert_int_equal(rfc3339_parse("2026-01-01T00:00:00+02:00", &t), -EINVAL);
	assert_int_equal(rfc3339_parse("2026-01-01T00:00:00.Z", &t), -EINVAL);
	assert_int_equal(rfc3339_parse("2026-01-01T00:00:00.1234567890Z", &t), -EINVAL);
	assert_int_equal(rfc3339_parse("99999999999-01-01T00:00:00Z", &t), -EINVAL);
	assert_int_equal(rfc3339_parse("1969-12-31T23:59:59Z", &t), -EINVAL);
	assert_int_equal(rfc3339_parse("+026-01-01T00:00:00Z", &t), -EINVAL);
	assert_int_equal(rfc3339_parse(NULL, &t), -EINVAL);
}

static void
test_format(void **state)
{
	char out[RFC3339_SIZE];
	time_t back;

	(void)state;
	assert_true(rfc3339_format(1768482000, out));
	assert_string_equal(out, "2026-01-15T13:00:00Z");
	assert_true(rfc3339_format(1, out));
	assert_string_equal(out, "1970-01-01T00:00:01Z");
	assert_true(rfc3339_format(253402300799, out)); /* the last second of 9999 */
	assert_string_equal(out, "9999-12-31T23:59:59Z");
	/* What it writes, it reads back. */
	assert_int_equal(rfc3339_parse(out, &back), 0);
	assert_int_equal(back, 253402300799);
	assert_false(rfc3339_format(0, out));
	assert_string_equal(out, "");
	assert_false(rfc3339_format(-5, out));
	assert_string_equal(out, "");
	if (sizeof(time_t) > 4) {
		assert_false(rfc3339_format(253402300800, out)); /* year 10000 */
		assert_string_equal(out, "");
	}
}

/* Log timestamps: milliseconds, truncated, and the same refusals. */
static void
test_format_ms(void **state)
{
	struct timespec ts = {.tv_sec = 1768482000, .tv_nsec = 7999999};
	char out[RFC3339_MS_SIZE];
	time_t back;

	(void)state;
	assert_true(rfc3339_format_ms(&ts, out));
	assert_string_equal(out, "2026-01-15T13:00:00.007Z");
	assert_int_equal(rfc3339_parse(out, &back), 0);
	assert_int_equal(back, 1768482000);
	ts.tv_nsec = 999999999;
	assert_true(rfc3339_format_ms(&ts, out));
	assert_string_equal(out, "2026-01-15T13:00:00.999Z");
	ts.tv_nsec = 0;
	assert_true(rfc3339_format_ms(&ts, out));
	assert_string_equal(out, "2026-01-15T13:00:00.000Z");
	ts.tv_nsec = 1000000000L;
	assert_false(rfc3339_format_ms(&ts, out));
	assert_string_equal(out, "");
	ts = (struct timespec){.tv_sec = 0, .tv_nsec = 5};
	assert_false(rfc3339_format_ms(&ts, out));
	assert_string_equal(out, "");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_time),
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_format_ms),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
