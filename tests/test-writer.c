/* SPDX-License-Identifier: ISC */
/*
 * Tests of writer.h: writes happen off the loop, results come back on it,
 * a busy writer keeps one job per path, failures are reported.
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

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_writes_and_reports_on_loop),
		cmocka_unit_test(test_busy_writer_keeps_one_job_per_path),
		cmocka_unit_test(test_failure_is_reported),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
