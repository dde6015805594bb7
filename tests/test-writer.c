/* SPDX-License-Identifier: ISC */
/*
 * Tests of writer.h: writes happen off the loop, results come back on it,
 * a busy writer keeps one job per path, failures are reported; streamed
 * jobs: chunks in order, their place in the order, abort, replacement,
 * and streams left open at writer_free().
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <ev.h>

#include "support/tmpdir.h"
#include "writer.h"

struct seen {
	int calls;
	int last_r;
	char last_msg[512];
	char last_path[256];
	bool on_loop_thread;
	pthread_t loop_thread;
};

static void
on_done(void *arg, const char *path, int r, const char *msg)
{
	struct seen *s = arg;

	s->calls++;
	s->last_r = r;
	snprintf(s->last_msg, sizeof(s->last_msg), "%s", msg);
	snprintf(s->last_path, sizeof(s->last_path), "%s", path);
	s->on_loop_thread = pthread_equal(pthread_self(), s->loop_thread);
}

static char *
dup_text(const char *s)
{
	char *d = strdup(s);

	assert_non_null(d);
	return d;
}

static void
slurp(const char *path, char *out, size_t size)
{
	int fd = open(path, O_RDONLY);
	ssize_t n;

	assert_true(fd >= 0);
	n = read(fd, out, size - 1);
	assert_true(n >= 0);
	out[n] = '\0';
	close(fd);
}

static void
test_writes_and_reports_on_loop(void **state)
{
	struct ev_loop *loop = ev_default_loop(0);
	char dir[] = "/tmp/test-writer-XXXXXX", a[300], b[300], got[64];
	struct seen sa = {.loop_thread = pthread_self()}, sb = sa;
	struct writer *w = NULL;
	struct stat st;
	struct err e;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(a, sizeof(a), "%s/a.json", dir);
	snprintf(b, sizeof(b), "%s/b.prom", dir);
	err_clear(&e);
	assert_int_equal(writer_new(loop, &w, &e), 0);
	assert_int_equal(writer_submit(w, a, dup_text("alpha\n"), 6, 0600, 0, on_done, &sa), 0);
	assert_int_equal(writer_submit(w, b, dup_text("beta\n"), 5, 0644, 0, on_done, &sb), 0);
	assert_int_equal(writer_pending(w), 2);
	/* Results arrive through the loop, not from the worker thread. */
	while (sa.calls + sb.calls < 2)
		ev_run(loop, EVRUN_ONCE);
	assert_int_equal(writer_pending(w), 0);
	assert_int_equal(sa.calls, 1);
	assert_int_equal(sa.last_r, 0);
	assert_true(sa.on_loop_thread);
	assert_string_equal(sa.last_path, a);
	slurp(a, got, sizeof(got));
	assert_string_equal(got, "alpha\n");
	assert_int_equal(stat(a, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	slurp(b, got, sizeof(got));
	assert_string_equal(got, "beta\n");
	/* The watcher does not keep the loop alive on its own. */
	assert_int_equal(ev_run(loop, 0), 0);
	writer_free(w, 5.0);
	unlink(a);
	unlink(b);
	rmdir(dir);
}

/*
 * While the worker is busy with a large file, fifty writes of one small
 * file become one or two jobs (one may have started in between), and the
 * file ends with the newest contents.  Without the per-path slot there
 * would be fifty.
 */
static void
test_busy_writer_keeps_one_job_per_path(void **state)
{
	struct ev_loop *loop = ev_default_loop(0);
	char dir[] = "/tmp/test-writer-XXXXXX", big[300], small[300], got[64];
	struct seen sb = {.loop_thread = pthread_self()}, ss = sb;
	struct writer *w = NULL;
	size_t big_len = 64u << 20;
	char *data = malloc(big_len);
	struct err e;

	(void)state;
	assert_non_null(data);
	memset(data, 'x', big_len);
	assert_non_null(mkdtemp(dir));
	snprintf(big, sizeof(big), "%s/big", dir);
	snprintf(small, sizeof(small), "%s/small", dir);
	err_clear(&e);
	assert_int_equal(writer_new(loop, &w, &e), 0);
	assert_int_equal(writer_submit(w, big, data, big_len, 0644, 0, on_done, &sb), 0);
	for (int i = 0; i < 50; i++) {
		char text[32];

		snprintf(text, sizeof(text), "version %d\n", i);
		assert_int_equal(writer_submit(w, small, dup_text(text), strlen(text), 0644, 0,
					       on_done, &ss),
				 0);
	}
	assert_true(writer_pending(w) <= 3);
	assert_int_equal(writer_drain(w, 60.0), 0);
	assert_int_equal(sb.calls, 1);
	assert_true(ss.calls >= 1 && ss.calls <= 2);
	assert_int_equal(ss.last_r, 0);
	slurp(small, got, sizeof(got));
	assert_string_equal(got, "version 49\n");
	writer_free(w, 5.0);
	unlink(big);
	unlink(small);
	rmdir(dir);
}

static void
test_failure_is_reported(void **state)
{
	struct ev_loop *loop = ev_default_loop(0);
	struct seen s = {.loop_thread = pthread_self()};
	struct writer *w = NULL;
	struct err e;

	(void)state;
	err_clear(&e);
	assert_int_equal(writer_new(loop, &w, &e), 0);
	assert_int_equal(writer_submit(w, "/nonexistent-vpcesd-dir/status.json", dup_text("x"), 1,
				       0644, 0, on_done, &s),
			 0);
	assert_int_equal(writer_drain(w, 10.0), 0);
	assert_int_equal(s.calls, 1);
	assert_int_equal(s.last_r, -ENOENT);
	assert_non_null(strstr(s.last_msg, "/nonexistent-vpcesd-dir/status.json"));
	/* Freeing with nothing queued is quick; NULL is a no-op. */
	writer_free(w, 1.0);
	writer_free(NULL, 1.0);
}

/* Callbacks in the order they ran, as "path r" lines relative to a directory. */
struct order {
	char dir[64];
	char log[1024];
	int calls;
};

static void
on_order(void *arg, const char *path, int r, const char *msg)
{
	struct order *o = arg;
	size_t n = strlen(o->log), skip = strlen(o->dir) + 1;

	(void)msg;
	o->calls++;
	snprintf(o->log + n, sizeof(o->log) - n, "%s %d\n",
		 strncmp(path, o->dir, skip - 1) == 0 ? path + skip : path, r);
}

/*
 * A stream's file is the concatenation of its chunks, appears only when it
 * is committed, and keeps its place in the order: a plain job submitted
 * after it waits for it.
 */
static void
test_stream_writes_chunks_in_order(void **state)
{
	struct ev_loop *loop = ev_default_loop(0);
	struct order o = {.calls = 0};
	char a[128], b[128], got[4096], want[4096] = "";
	struct writer_stream *s = NULL;
	struct writer *w = NULL;
	struct stat st;
	struct err e;

	(void)state;
	snprintf(o.dir, sizeof(o.dir), "/tmp/test-writer-XXXXXX");
	assert_non_null(mkdtemp(o.dir));
	snprintf(a, sizeof(a), "%s/status.json", o.dir);
	snprintf(b, sizeof(b), "%s/metrics.prom", o.dir);
	err_clear(&e);
	assert_int_equal(writer_new(loop, &w, &e), 0);
	assert_int_equal(writer_stream_begin(w, a, 0640, 0, on_order, &o, &s), 0);
	assert_int_equal(writer_submit(w, b, dup_text("b\n"), 2, 0644, 0, on_order, &o), 0);
	assert_int_equal(writer_pending(w), 2);
	for (int i = 0; i < 100; i++) {
		char text[32];

		size_t n = strlen(want);

		snprintf(text, sizeof(text), "chunk %d\n", i);
		snprintf(want + n, sizeof(want) - n, "%s", text);
		assert_int_equal(writer_stream_put(s, dup_text(text), strlen(text)), 0);
	}
	assert_int_equal(writer_stream_put(s, dup_text(""), 0), 0);
	/* Every chunk written, the worker waits for the end: nothing renamed yet. */
	assert_int_equal(writer_drain(w, 10.0), -EBUSY);
	assert_int_equal(access(a, F_OK), -1);
	assert_int_equal(access(b, F_OK), -1);
	assert_int_equal(tmpdir_count(o.dir), 1); /* the temporary file */
	writer_stream_end(s, true);
	assert_int_equal(writer_drain(w, 10.0), 0);
	assert_int_equal(writer_pending(w), 0);
	assert_string_equal(o.log, "status.json 0\nmetrics.prom 0\n");
	slurp(a, got, sizeof(got));
	assert_string_equal(got, want);
	assert_int_equal(stat(a, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0640);
	slurp(b, got, sizeof(got));
	assert_string_equal(got, "b\n");
	assert_int_equal(tmpdir_count(o.dir), 2);

	/* A stream that cannot be written reports it, once, after its end. */
	o.log[0] = '\0';
	assert_int_equal(
		writer_stream_begin(w, "/nonexistent-vpcesd-dir/s.json", 0644, 0, on_order, &o, &s),
		0);
	assert_int_equal(writer_stream_put(s, dup_text("x"), 1), 0);
	writer_stream_end(s, true);
	assert_int_equal(writer_drain(w, 10.0), 0);
	assert_string_equal(o.log, "/nonexistent-vpcesd-dir/s.json -2\n");
	writer_free(w, 5.0);
	assert_int_equal(tmpdir_remove(o.dir), 0);
}

/*
 * Aborted, a stream leaves the file as it was and no temporary file, and
 * runs no callback: started (its temporary file exists) or still queued.
 */
static void
test_stream_abort(void **state)
{
	struct ev_loop *loop = ev_default_loop(0);
	struct order o = {.calls = 0};
	struct writer_stream *s = NULL, *q = NULL;
	char a[128], c[128], got[64];
	struct writer *w = NULL;
	struct err e;

	(void)state;
	snprintf(o.dir, sizeof(o.dir), "/tmp/test-writer-XXXXXX");
	assert_non_null(mkdtemp(o.dir));
	snprintf(a, sizeof(a), "%s/status.json", o.dir);
	snprintf(c, sizeof(c), "%s/other.json", o.dir);
	err_clear(&e);
	assert_int_equal(writer_new(loop, &w, &e), 0);
	assert_int_equal(writer_submit(w, a, dup_text("old\n"), 4, 0644, 0, on_order, &o), 0);
	assert_int_equal(writer_drain(w, 10.0), 0);
	o.log[0] = '\0';
	assert_int_equal(writer_stream_begin(w, a, 0644, 0, on_order, &o, &s), 0);
	assert_int_equal(writer_stream_begin(w, c, 0644, 0, on_order, &o, &q), 0);
	assert_int_equal(writer_stream_put(s, dup_text("half a doc"), 10), 0);
	assert_int_equal(writer_stream_put(q, dup_text("queued"), 6), 0);
	assert_int_equal(writer_drain(w, 10.0), -EBUSY);
	assert_int_equal(tmpdir_count(o.dir), 2); /* status.json and its temporary file */
	assert_int_equal(writer_pending(w), 2);
	writer_stream_end(q, false); /* never started */
	assert_int_equal(writer_pending(w), 1);
	writer_stream_end(s, false);
	writer_stream_end(NULL, true);
	assert_int_equal(writer_drain(w, 10.0), 0);
	assert_int_equal(writer_pending(w), 0);
	assert_string_equal(o.log, "");
	slurp(a, got, sizeof(got));
	assert_string_equal(got, "old\n");
	assert_int_equal(access(c, F_OK), -1);
	assert_int_equal(tmpdir_count(o.dir), 1);
	writer_free(w, 5.0);
	assert_int_equal(tmpdir_remove(o.dir), 0);
}

/*
 * Replacement with streams, behind an open stream that holds the worker:
 * an open stream is never replaced (the newer job queues after it); a
 * committed one drops the older queued jobs of its path, and may itself
 * be replaced; an aborted one drops nothing.
 */
static void
test_stream_replacement(void **state)
{
	struct ev_loop *loop = ev_default_loop(0);
	struct order o = {.calls = 0};
	struct writer_stream *block = NULL, *s1 = NULL, *s2 = NULL;
	char blk[128], p[128], got[64];
	struct writer *w = NULL;
	struct err e;

	(void)state;
	snprintf(o.dir, sizeof(o.dir), "/tmp/test-writer-XXXXXX");
	assert_non_null(mkdtemp(o.dir));
	snprintf(blk, sizeof(blk), "%s/block", o.dir);
	snprintf(p, sizeof(p), "%s/p", o.dir);
	err_clear(&e);
	assert_int_equal(writer_new(loop, &w, &e), 0);
	assert_int_equal(writer_stream_begin(w, blk, 0644, 0, on_order, &o, &block), 0);
	assert_int_equal(writer_drain(w, 10.0), -EBUSY); /* the worker holds `block` */

	assert_int_equal(writer_submit(w, p, dup_text("v1"), 2, 0644, 0, on_order, &o), 0);
	assert_int_equal(writer_stream_begin(w, p, 0644, 0, on_order, &o, &s1), 0);
	assert_int_equal(writer_pending(w), 3); /* block, v1, s1: s1 may yet be aborted */
	assert_int_equal(writer_stream_put(s1, dup_text("s1"), 2), 0);
	assert_int_equal(writer_submit(w, p, dup_text("v2"), 2, 0644, 0, on_order, &o), 0);
	assert_int_equal(writer_pending(w), 4); /* s1 is open: v2 queues after it */
	writer_stream_end(s1, true);
	assert_int_equal(writer_pending(w), 3); /* v1 is older than s1: gone */
	assert_int_equal(writer_submit(w, p, dup_text("v3"), 2, 0644, 0, on_order, &o), 0);
	assert_int_equal(writer_pending(w), 3); /* v3 replaced v2 */
	assert_int_equal(writer_stream_begin(w, p, 0644, 0, on_order, &o, &s2), 0);
	assert_int_equal(writer_stream_put(s2, dup_text("s2"), 2), 0);
	writer_stream_end(s2, false);
	assert_int_equal(writer_pending(w), 3); /* aborted: v3 stays */

	assert_int_equal(writer_stream_put(block, dup_text("blocked"), 7), 0);
	writer_stream_end(block, true);
	assert_int_equal(writer_drain(w, 10.0), 0);
	assert_string_equal(o.log, "block 0\np 0\np 0\n");
	slurp(p, got, sizeof(got));
	assert_string_equal(got, "v3");
	slurp(blk, got, sizeof(got));
	assert_string_equal(got, "blocked");

	/* A committed stream still queued is replaced like a plain job. */
	o.log[0] = '\0';
	assert_int_equal(writer_stream_begin(w, blk, 0644, 0, on_order, &o, &block), 0);
	assert_int_equal(writer_stream_begin(w, p, 0644, 0, on_order, &o, &s1), 0);
	assert_int_equal(writer_stream_put(s1, dup_text("s1 again"), 8), 0);
	writer_stream_end(s1, true);
	assert_int_equal(writer_submit(w, p, dup_text("v4"), 2, 0644, 0, on_order, &o), 0);
	assert_int_equal(writer_pending(w), 2);
	writer_stream_end(block, true);
	assert_int_equal(writer_drain(w, 10.0), 0);
	assert_string_equal(o.log, "block 0\np 0\n");
	slurp(p, got, sizeof(got));
	assert_string_equal(got, "v4");
	slurp(blk, got, sizeof(got));
	assert_string_equal(got, "");
	assert_int_equal(tmpdir_count(o.dir), 2);
	writer_free(w, 5.0);
	assert_int_equal(tmpdir_remove(o.dir), 0);
}

/*
 * Streams not ended at writer_free() are aborted, started or queued: no
 * file, no temporary file, no callback; what was queued before them is
 * still written.
 */
static void
test_stream_open_at_free_is_aborted(void **state)
{
	struct ev_loop *loop = ev_default_loop(0);
	struct order o = {.calls = 0};
	struct writer_stream *s = NULL, *q = NULL;
	char a[128], b[128], c[128], got[64];
	struct writer *w = NULL;
	struct err e;

	(void)state;
	snprintf(o.dir, sizeof(o.dir), "/tmp/test-writer-XXXXXX");
	assert_non_null(mkdtemp(o.dir));
	snprintf(a, sizeof(a), "%s/a", o.dir);
	snprintf(b, sizeof(b), "%s/b", o.dir);
	snprintf(c, sizeof(c), "%s/c", o.dir);
	err_clear(&e);
	assert_int_equal(writer_new(loop, &w, &e), 0);
	assert_int_equal(writer_submit(w, a, dup_text("a"), 1, 0644, 0, on_order, &o), 0);
	assert_int_equal(writer_stream_begin(w, b, 0644, 0, on_order, &o, &s), 0);
	assert_int_equal(writer_stream_begin(w, c, 0644, 0, on_order, &o, &q), 0);
	assert_int_equal(writer_stream_put(s, dup_text("started"), 7), 0);
	assert_int_equal(writer_stream_put(q, dup_text("queued"), 6), 0);
	assert_int_equal(writer_drain(w, 10.0), -EBUSY);
	assert_int_equal(tmpdir_count(o.dir), 2); /* a and b's temporary file */
	writer_free(w, 5.0);
	assert_string_equal(o.log, "a 0\n");
	slurp(a, got, sizeof(got));
	assert_string_equal(got, "a");
	assert_int_equal(access(b, F_OK), -1);
	assert_int_equal(access(c, F_OK), -1);
	assert_int_equal(tmpdir_count(o.dir), 1);
	assert_int_equal(tmpdir_remove(o.dir), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_writes_and_reports_on_loop),
		cmocka_unit_test(test_busy_writer_keeps_one_job_per_path),
		cmocka_unit_test(test_failure_is_reported),
		cmocka_unit_test(test_stream_writes_chunks_in_order),
		cmocka_unit_test(test_stream_abort),
		cmocka_unit_test(test_stream_replacement),
		cmocka_unit_test(test_stream_open_at_free_is_aborted),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
