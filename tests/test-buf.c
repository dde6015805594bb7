/* SPDX-License-Identifier: ISC */
/* Unit tests for buf.h: growth, the ceiling, formatting, steal. */
#include "config.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "buf.h"

static void
test_append_grows_and_terminates(void **state)
{
	struct buf b;

	(void)state;
	buf_init(&b, 1 << 20);
	assert_string_equal(buf_str(&b), "");
	for (int i = 0; i < 1000; i++)
		assert_int_equal(buf_append(&b, "ab", 2), 0);
	assert_int_equal(b.len, 2000);
	assert_int_equal(b.data[2000], '\0');
	assert_memory_equal(b.data + 1998, "ab", 2);
	buf_free(&b);
	assert_null(b.data);
}

static void
test_ceiling_is_enforced_and_leaves_buffer_unchanged(void **state)
{
	struct buf b;

	(void)state;
	buf_init(&b, 8);
	assert_int_equal(buf_puts(&b, "12345678"), 0);
	assert_int_equal(buf_puts(&b, "9"), -E2BIG);
	assert_int_equal(buf_printf(&b, "%d", 9), -E2BIG);
	assert_string_equal(buf_str(&b), "12345678");
	assert_int_equal(buf_append(&b, "", 0), 0);
	buf_free(&b);
}

static void
test_printf_and_reset(void **state)
{
	struct buf b;

	(void)state;
	buf_init(&b, 64);
	assert_int_equal(buf_printf(&b, "%s=%d", "n", 42), 0);
	assert_int_equal(buf_printf(&b, "&%s", "x"), 0);
	assert_string_equal(buf_str(&b), "n=42&x");
	buf_reset(&b);
	assert_int_equal(b.len, 0);
	assert_string_equal(buf_str(&b), "");
	buf_free(&b);
}

static void
test_steal_hands_over_ownership(void **state)
{
	struct buf b;
	char *s;

	(void)state;
	buf_init(&b, 64);
	s = buf_steal(&b);
	assert_non_null(s);
	assert_string_equal(s, "");
	free(s);
	assert_int_equal(buf_puts(&b, "hello"), 0);
	s = buf_steal(&b);
	assert_string_equal(s, "hello");
	assert_null(b.data);
	assert_int_equal(b.len, 0);
	free(s);
	buf_free(NULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_append_grows_and_terminates),
		cmocka_unit_test(test_ceiling_is_enforced_and_leaves_buffer_unchanged),
		cmocka_unit_test(test_printf_and_reset),
		cmocka_unit_test(test_steal_hands_over_ownership),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
