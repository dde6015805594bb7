/* SPDX-License-Identifier: ISC */
/* Unit tests for strv.h: push, copy, sort, set equality. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "strv.h"

static void
test_push_contains_and_terminator(void **state)
{
	struct strv sv = STRV_INIT;

	(void)state;
	for (int i = 0; i < 100; i++)
		assert_int_equal(strv_push(&sv, i % 2 ? "odd" : "even"), 0);
	assert_int_equal(sv.n, 100);
	assert_null(sv.v[100]);
	assert_true(strv_contains(&sv, "odd"));
	assert_false(strv_contains(&sv, "none"));
	strv_free(&sv);
	assert_int_equal(sv.n, 0);
	strv_free(NULL);
}

static void
test_copy_is_deep_and_sort_orders(void **state)
{
	struct strv a = STRV_INIT, b = STRV_INIT;

	(void)state;
	assert_int_equal(strv_push(&a, "c"), 0);
	assert_int_equal(strv_push(&a, "a"), 0);
	assert_int_equal(strv_push_take(&a, strdup("b")), 0);
	assert_int_equal(strv_copy(&b, &a), 0);
	assert_ptr_not_equal(a.v[0], b.v[0]);
	strv_sort(&b);
	assert_string_equal(b.v[0], "a");
	assert_string_equal(b.v[1], "b");
	assert_string_equal(b.v[2], "c");
	assert_string_equal(a.v[0], "c");
	strv_free(&a);
	strv_free(&b);
}

static void
test_set_equal_ignores_order(void **state)
{
	struct strv a = STRV_INIT, b = STRV_INIT;

	(void)state;
	assert_true(strv_set_equal(&a, &b));
	strv_push(&a, "x");
	strv_push(&a, "y");
	strv_push(&b, "y");
	assert_false(strv_set_equal(&a, &b));
	strv_push(&b, "x");
	assert_true(strv_set_equal(&a, &b));
	strv_push(&b, "z");
	assert_false(strv_set_equal(&a, &b));
	strv_free(&a);
	strv_free(&b);
}

static void
test_uniq_and_sorted_contains(void **state)
{
	struct strv sv = STRV_INIT;

	(void)state;
	assert_false(strv_contains_sorted(&sv, "a"));
	strv_uniq(&sv);
	assert_int_equal(sv.n, 0);
	for (const char *const *p = (const char *const[]){"m", "a", "z", "a", "m", "m", NULL}; *p;
	     p++)
		assert_int_equal(strv_push(&sv, *p), 0);
	strv_uniq(&sv);
	assert_int_equal(sv.n, 3);
	assert_string_equal(sv.v[0], "a");
	assert_string_equal(sv.v[1], "m");
	assert_string_equal(sv.v[2], "z");
	assert_null(sv.v[3]);
	assert_true(strv_contains_sorted(&sv, "a"));
	assert_true(strv_contains_sorted(&sv, "z"));
	assert_false(strv_contains_sorted(&sv, "b"));
	strv_free(&sv);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_push_contains_and_terminator),
		cmocka_unit_test(test_copy_is_deep_and_sort_orders),
		cmocka_unit_test(test_set_equal_ignores_order),
		cmocka_unit_test(test_uniq_and_sorted_contains),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
