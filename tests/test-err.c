/* SPDX-License-Identifier: ISC */
/* Unit tests for err.h: first error wins, truncation, NULL tolerance. */
#include "config.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "err.h"

static void
test_first_error_wins(void **state)
{
	struct err e;

	(void)state;
	err_clear(&e);
	assert_false(err_isset(&e));
	assert_int_equal(err_set(&e, -EINVAL, "first %d", 1), -EINVAL);
	assert_int_equal(err_set(&e, -ENOMEM, "second"), -ENOMEM);
	assert_true(err_isset(&e));
	assert_int_equal(e.code, -EINVAL);
	assert_string_equal(e.msg, "first 1");
}

static void
test_truncates_long_message(void **state)
{
	struct err e;
	char big[2 * ERR_MSG_MAX];

	(void)state;
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	err_clear(&e);
	err_set(&e, -E2BIG, "%s", big);
	assert_int_equal(strlen(e.msg), ERR_MSG_MAX - 1);
}

static void
test_null_is_tolerated(void **state)
{
	(void)state;
	err_clear(NULL);
	assert_false(err_isset(NULL));
	assert_int_equal(err_set(NULL, -EIO, "ignored"), -EIO);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_first_error_wins),
		cmocka_unit_test(test_truncates_long_message),
		cmocka_unit_test(test_null_is_tolerated),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
