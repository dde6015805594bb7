/* SPDX-License-Identifier: ISC */
/*
 * Tests of jsonw.h: the layout matches model_json_print(), strings are
 * escaped, and misuse is a sticky error rather than bad JSON.
 */
#include "config.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <cmocka.h>

#include "jsonw.h"
#include "model.h"

/* The same document through jsonw and through cJSON + model_json_print(): byte for byte. */
static void
test_layout_matches_model_print(void **state)
{
	struct buf a, b;
	struct jsonw w;
	cJSON *j;

	(void)state;
	buf_init(&a, 1 << 16);
	jsonw_init(&w, &a);
	jsonw_object_begin(&w, NULL);
	jsonw_uint(&w, "version", 1);
	jsonw_string(&w, "owner", "team");
	jsonw_null(&w, "none");
	jsonw_bool(&w, "yes", true);
	jsonw_int(&w, "neg", -42);
	jsonw_array_begin(&w, "empty");
	jsonw_array_end(&w);
	jsonw_object_begin(&w, "nothing");
	jsonw_object_end(&w);
	jsonw_array_begin(&w, "list");
	jsonw_string(&w, NULL, "a");
	jsonw_object_begin(&w, NULL);
	jsonw_uint(&w, "n", 7);
	jsonw_object_end(&w);
	jsonw_array_end(&w);
	jsonw_object_end(&w);
	assert_int_equal(jsonw_finish(&w), 0);

	j = cJSON_Parse(
		"{\"version\": 1, \"owner\": \"team\", \"none\": null, \"yes\": true, "
		"\"neg\": -42, \"empty\": [], \"nothing\": {}, \"list\": [\"a\", {\"n\": 7}]}");
	assert_non_null(j);
	buf_init(&b, 1 << 16);
	assert_int_equal(model_json_print(j, &b), 0);
	cJSON_Delete(j);
	assert_string_equal(a.data, b.data);
	buf_free(&a);
	buf_free(&b);
}

static void
test_big_numbers(void **state)
{
	struct buf a;
	struct jsonw w;

	(void)state;
	buf_init(&a, 4096);
	jsonw_init(&w, &a);
	jsonw_array_begin(&w, NULL);
	jsonw_uint(&w, NULL, UINT64_MAX);
	jsonw_int(&w, NULL, INT64_MIN);
	jsonw_uint(&w, NULL, 0);
	jsonw_int(&w, NULL, 0);
	jsonw_int(&w, NULL, -1);
	jsonw_int(&w, NULL, INT64_MAX);
	jsonw_uint(&w, NULL, 10);
	jsonw_array_end(&w);
	assert_int_equal(jsonw_finish(&w), 0);
	assert_string_equal(a.data, "[\n  18446744073709551615,\n  -9223372036854775808,\n  0,\n"
				    "  0,\n  -1,\n  9223372036854775807,\n  10\n]\n");
	buf_free(&a);
}

/* The indent is two spaces a level, down to the deepest level allowed. */
static void
test_deep_indent(void **state)
{
	char want[4096];
	size_t o = 0;
	struct buf a;
	struct jsonw w;

	(void)state;
	buf_init(&a, 8192);
	jsonw_init(&w, &a);
	for (int d = 0; d < JSONW_DEPTH_MAX; d++)
		jsonw_array_begin(&w, NULL);
	jsonw_null(&w, NULL);
	for (int d = 0; d < JSONW_DEPTH_MAX; d++)
		jsonw_array_end(&w);
	assert_int_equal(jsonw_finish(&w), 0);
	for (int d = 0; d < JSONW_DEPTH_MAX; d++)
		o += (size_t)snprintf(want + o, sizeof(want) - o, "%*s[\n", 2 * d, "");
	o += (size_t)snprintf(want + o, sizeof(want) - o, "%*snull\n", 2 * JSONW_DEPTH_MAX, "");
	for (int d = JSONW_DEPTH_MAX - 1; d >= 0; d--)
		o += (size_t)snprintf(want + o, sizeof(want) - o, "%*s]\n", 2 * d, "");
	/* The last "]" closes the document: its newline is jsonw_finish()'s. */
	assert_string_equal(a.data, want);
	buf_free(&a);
}

static void
test_strings_escaped(void **state)
{
	struct buf a;
	struct jsonw w;
	cJSON *j;

	(void)state;
	buf_init(&a, 4096);
	jsonw_init(&w, &a);
	jsonw_object_begin(&w, NULL);
	jsonw_string(&w, "k\"ey", "line\nbreak \x1b[31m \xe2\x80\xae \xff");
	jsonw_object_end(&w);
	assert_int_equal(jsonw_finish(&w), 0);
	assert_string_equal(a.data,
			    "{\n  \"k\\\"ey\": \"line\\nbreak \\u001b[31m \\u202e \\ufffd\"\n}\n");
	j = cJSON_Parse(a.data);
	assert_non_null(j);
	cJSON_Delete(j);
	buf_free(&a);
}

static void
test_misuse_is_sticky(void **state)
{
	struct buf a;
	struct jsonw w;

	(void)state;
	buf_init(&a, 4096);
	/* A value without a key inside an object. */
	jsonw_init(&w, &a);
	jsonw_object_begin(&w, NULL);
	jsonw_string(&w, NULL, "x");
	jsonw_object_end(&w);
	assert_int_equal(jsonw_finish(&w), -EINVAL);
	/* A key inside an array, an unbalanced end, an open container. */
	buf_reset(&a);
	jsonw_init(&w, &a);
	jsonw_array_begin(&w, NULL);
	jsonw_string(&w, "k", "x");
	assert_int_equal(jsonw_finish(&w), -EINVAL);
	buf_reset(&a);
	jsonw_init(&w, &a);
	jsonw_object_end(&w);
	assert_int_equal(jsonw_finish(&w), -EINVAL);
	buf_reset(&a);
	jsonw_init(&w, &a);
	jsonw_object_begin(&w, NULL);
	assert_int_equal(jsonw_finish(&w), -EINVAL);
	/* Two documents. */
	buf_reset(&a);
	jsonw_init(&w, &a);
	jsonw_null(&w, NULL);
	jsonw_null(&w, NULL);
	assert_int_equal(jsonw_finish(&w), -EINVAL);
	/* Too deep. */
	buf_reset(&a);
	jsonw_init(&w, &a);
	for (int i = 0; i <= JSONW_DEPTH_MAX; i++)
		jsonw_array_begin(&w, NULL);
	assert_int_equal(jsonw_finish(&w), -EINVAL);
	buf_free(&a);
}

static void
test_buffer_ceiling(void **state)
{
	struct buf a;
	struct jsonw w;

	(void)state;
	buf_init(&a, 16);
	jsonw_init(&w, &a);
	jsonw_object_begin(&w, NULL);
	jsonw_string(&w, "key", "a value longer than the ceiling");
	jsonw_object_end(&w);
	assert_int_equal(jsonw_finish(&w), -E2BIG);
	buf_free(&a);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_layout_matches_model_print),
		cmocka_unit_test(test_big_numbers),
		cmocka_unit_test(test_deep_indent),
		cmocka_unit_test(test_strings_escaped),
		cmocka_unit_test(test_misuse_is_sticky),
		cmocka_unit_test(test_buffer_ceiling),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
