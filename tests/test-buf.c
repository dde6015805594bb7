/* SPDX-License-Identifier: ISC */
/* Unit tests for buf.h: growth, the ceiling, formatting, steal, the sink. */
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

/* A sink that collects what it is handed, and fails on demand. */
struct collect {
	struct buf all;
	size_t chunks, largest;
	int fail_at; /* fail the call with this number (1-based); 0: never */
	int fail_r;
};

static int
collect(void *arg, char *data, size_t len)
{
	struct collect *c = arg;
	int r;

	c->chunks++;
	assert_int_equal(data[len], '\0');
	if (len > c->largest)
		c->largest = len;
	if (c->fail_at > 0 && c->chunks == (size_t)c->fail_at) {
		free(data);
		return c->fail_r;
	}
	r = buf_append(&c->all, data, len);
	free(data);
	return r;
}

/* Appends past the chunk size hand the contents over; the whole arrives in order. */
static void
test_sink_hands_over_chunks(void **state)
{
	struct collect c = {.chunks = 0};
	struct buf b;

	(void)state;
	buf_init(&c.all, 1 << 20);
	buf_init_sink(&b, 1 << 20, 100, collect, &c);
	assert_int_equal(buf_flush(&b), 0); /* nothing yet: no call */
	assert_int_equal(c.chunks, 0);
	for (int i = 0; i < 1000; i++)
		assert_int_equal(buf_printf(&b, "%03d,", i), 0);
	/* Never more than a chunk held; 4000 bytes went in 40 chunks of 100. */
	assert_true(b.len <= 100);
	assert_true(b.cap <= 101);
	assert_int_equal(buf_total(&b), 4000);
	assert_true(c.chunks >= 39);
	assert_true(c.largest <= 100);
	/* One append larger than a chunk is held whole, then handed over whole. */
	{
		char big[250];

		memset(big, 'z', sizeof(big));
		assert_int_equal(buf_append(&b, big, sizeof(big)), 0);
		assert_int_equal(b.len, 250);
		assert_int_equal(buf_puts(&b, "!"), 0);
		assert_int_equal(c.largest, 250);
		assert_int_equal(b.len, 1);
	}
	assert_int_equal(buf_flush(&b), 0);
	assert_int_equal(b.len, 0);
	assert_int_equal(buf_total(&b), 4251);
	assert_int_equal(c.all.len, 4251);
	assert_memory_equal(c.all.data, "000,001,002,", 12);
	assert_memory_equal(c.all.data + 3996, "999,zz", 6);
	assert_int_equal(c.all.data[4250], '!');
	buf_free(&b);
	assert_null(b.sink);
	buf_free(&c.all);
}

/* The ceiling counts what has been flushed: it bounds the document, not the chunk. */
static void
test_sink_ceiling_counts_flushed_bytes(void **state)
{
	struct collect c = {.chunks = 0};
	struct buf b;

	(void)state;
	buf_init(&c.all, 1 << 20);
	buf_init_sink(&b, 25, 10, collect, &c);
	assert_int_equal(buf_puts(&b, "0123456789"), 0);
	assert_int_equal(buf_puts(&b, "0123456789"), 0);
	assert_int_equal(c.chunks, 1);
	assert_int_equal(buf_puts(&b, "012345"), -E2BIG);
	assert_int_equal(buf_printf(&b, "%s", "012345"), -E2BIG);
	assert_int_equal(buf_total(&b), 20);
	assert_int_equal(buf_puts(&b, "01234"), 0);
	assert_int_equal(buf_append(&b, "x", 1), -E2BIG);
	assert_int_equal(buf_flush(&b), 0);
	assert_int_equal(c.all.len, 25);
	buf_free(&b);
	buf_free(&c.all);
}

/* A failing sink: its error now and on every later call; nothing more is handed over. */
static void
test_sink_failure_is_sticky(void **state)
{
	struct collect c = {.fail_at = 2, .fail_r = -ENOSPC};
	struct buf b;

	(void)state;
	buf_init(&c.all, 1 << 20);
	buf_init_sink(&b, 1 << 20, 8, collect, &c);
	assert_int_equal(buf_puts(&b, "aaaaaaaa"), 0);
	assert_int_equal(buf_puts(&b, "bbbbbbbb"), 0); /* first flush: fine */
	assert_int_equal(buf_puts(&b, "cccccccc"), -ENOSPC);
	assert_int_equal(buf_puts(&b, "d"), -ENOSPC);
	assert_int_equal(buf_printf(&b, "%d", 1), -ENOSPC);
	assert_int_equal(buf_flush(&b), -ENOSPC);
	assert_int_equal(c.chunks, 2);
	assert_int_equal(c.all.len, 8);
	buf_free(&b);

	/* Failing in the final flush. */
	c.chunks = 0;
	c.fail_at = 1;
	c.fail_r = -EIO;
	buf_init_sink(&b, 1 << 20, 8, collect, &c);
	assert_int_equal(buf_puts(&b, "abc"), 0);
	assert_int_equal(buf_flush(&b), -EIO);
	assert_int_equal(buf_flush(&b), -EIO);
	buf_free(&b);
	buf_free(&c.all);
}

/* Truncating back works while the bytes are held, and says so when they are gone. */
static void
test_truncate(void **state)
{
	struct collect c = {.chunks = 0};
	struct buf b;
	size_t mark;

	(void)state;
	buf_init(&b, 64);
	assert_int_equal(buf_puts(&b, "keep"), 0);
	mark = buf_total(&b);
	assert_int_equal(buf_puts(&b, " drop"), 0);
	assert_int_equal(buf_truncate(&b, mark), 0);
	assert_string_equal(buf_str(&b), "keep");
	assert_int_equal(buf_truncate(&b, 10), -EINVAL);
	assert_int_equal(buf_flush(&b), 0); /* no sink: nothing happens */
	assert_string_equal(buf_str(&b), "keep");
	buf_free(&b);

	buf_init(&c.all, 1 << 20);
	buf_init_sink(&b, 1 << 20, 8, collect, &c);
	assert_int_equal(buf_puts(&b, "abcd"), 0);
	mark = buf_total(&b);
	assert_int_equal(buf_puts(&b, "ef"), 0);
	assert_int_equal(buf_truncate(&b, mark), 0);
	assert_int_equal(buf_puts(&b, "efghij"), 0); /* flushes "abcd" */
	assert_int_equal(buf_truncate(&b, mark - 1), -ESPIPE);
	assert_int_equal(buf_truncate(&b, mark), 0);
	assert_int_equal(b.len, 0);
	assert_int_equal(buf_flush(&b), 0);
	assert_int_equal(c.all.len, 4);
	buf_free(&b);
	buf_free(&c.all);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_append_grows_and_terminates),
		cmocka_unit_test(test_ceiling_is_enforced_and_leaves_buffer_unchanged),
		cmocka_unit_test(test_printf_and_reset),
		cmocka_unit_test(test_steal_hands_over_ownership),
		cmocka_unit_test(test_sink_hands_over_chunks),
		cmocka_unit_test(test_sink_ceiling_counts_flushed_bytes),
		cmocka_unit_test(test_sink_failure_is_sticky),
		cmocka_unit_test(test_truncate),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
