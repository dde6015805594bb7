/* SPDX-License-Identifier: ISC */
/*
 * Tests of atomic.h: replace a file whole or not at all.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "atomic.h"
#include "support/tmpdir.h"

/* --------------------------------------------------------- */

struct tmpdir {
	char path[64];
};

static int
setup_dir(void **state)
{
	struct tmpdir *d = calloc(1, sizeof(*d));

	if (d == NULL)
		return -1;
	snprintf(d->path, sizeof(d->path), "/tmp/test-atomic-XXXXXX");
	if (mkdtemp(d->path) == NULL) {
		free(d);
		return -1;
	}
	*state = d;
	return 0;
}

static int
teardown_dir(void **state)
{
	struct tmpdir *d = *state;
	int r = tmpdir_remove(d->path);

	free(d);
	return r == 0 ? 0 : -1;
}

static void
read_file(const char *path, char *out, size_t size)
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
test_write_new_and_replace(void **state)
{
	struct tmpdir *d = *state;
	char path[128], got[64];
	struct stat st1, st2;
	struct err e;
	mode_t old;
	int keep;

	snprintf(path, sizeof(path), "%s/status.json", d->path);
	old = umask(077);
	err_clear(&e);
	assert_int_equal(atomic_write_file(path, "first\n", 6, 0644, 0, &e), 0);
	assert_false(err_isset(&e));
	assert_int_equal(stat(path, &st1), 0);
	assert_int_equal(st1.st_mode & 07777, 0644);
	read_file(path, got, sizeof(got));
	assert_string_equal(got, "first\n");

	/* A reader holding the old file keeps seeing it whole; the name moves on. */
	keep = open(path, O_RDONLY);
	assert_true(keep >= 0);
	assert_int_equal(atomic_write_file(path, "second, longer\n", 15, 0644, 0, &e), 0);
	assert_int_equal(stat(path, &st2), 0);
	assert_int_equal(st2.st_mode & 07777, 0644);
	assert_true(st1.st_ino != st2.st_ino);
	read_file(path, got, sizeof(got));
	assert_string_equal(got, "second, longer\n");
	{
		char old_text[16];
		ssize_t n = pread(keep, old_text, sizeof(old_text) - 1, 0);

		assert_int_equal(n, 6);
		old_text[n] = '\0';
		assert_string_equal(old_text, "first\n");
	}
	close(keep);

	/* Empty content is a valid (empty) file. */
	assert_int_equal(atomic_write_file(path, "", 0, 0644, 0, &e), 0);
	assert_int_equal(stat(path, &st2), 0);
	assert_int_equal(st2.st_size, 0);
	umask(old);
	assert_int_equal(tmpdir_count(d->path), 1);
}

static void
test_write_relative_path(void **state)
{
	struct tmpdir *d = *state;
	char cwd[512], got[16];
	struct err e;

	assert_non_null(getcwd(cwd, sizeof(cwd)));
	assert_int_equal(chdir(d->path), 0);
	err_clear(&e);
	assert_int_equal(atomic_write_file("rel.prom", "x 1\n", 4, 0644, 0, &e), 0);
	read_file("rel.prom", got, sizeof(got));
	assert_string_equal(got, "x 1\n");
	assert_int_equal(chdir(cwd), 0);
	assert_int_equal(tmpdir_count(d->path), 1);
}

static void
test_write_failures(void **state)
{
	struct tmpdir *d = *state;
	char path[256], sub[128];
	struct err e;

	/* The directory does not exist. */
	snprintf(path, sizeof(path), "%s/missing/status.json", d->path);
	err_clear(&e);
	assert_int_equal(atomic_write_file(path, "x", 1, 0644, 0, &e), -ENOENT);
	assert_non_null(strstr(e.msg, path));
	assert_int_equal(tmpdir_count(d->path), 0);

	/* The path is a directory: rename fails, the directory stays, no temp file. */
	snprintf(sub, sizeof(sub), "%s/adir", d->path);
	assert_int_equal(mkdir(sub, 0755), 0);
	err_clear(&e);
	assert_true(atomic_write_file(sub, "x", 1, 0644, 0, &e) < 0);
	assert_non_null(strstr(e.msg, sub));
	assert_int_equal(tmpdir_count(d->path), 1);
	assert_int_equal(tmpdir_count(sub), 0);

	/* Names that are not file names. */
	snprintf(path, sizeof(path), "%s/", d->path);
	err_clear(&e);
	assert_int_equal(atomic_write_file(path, "x", 1, 0644, 0, &e), -EISDIR);
	err_clear(&e);
	assert_int_equal(atomic_write_file("", "x", 1, 0644, 0, &e), -EINVAL);
	err_clear(&e);
	assert_int_equal(atomic_write_file(NULL, "x", 1, 0644, 0, &e), -EINVAL);
	err_clear(&e);
	assert_int_equal(atomic_write_file(sub, NULL, 1, 0644, 0, &e), -EINVAL);
	assert_int_equal(tmpdir_count(d->path), 1);
}

/*
 * A write that fails half-way (the file size limit, which binds root too)
 * must leave the previous file as it was and no temporary file.  Run in a
 * child so the limit does not outlive the test.
 */
static void
test_write_failure_keeps_old_file(void **state)
{
	struct tmpdir *d = *state;
	char path[128], got[64], big[4096];
	struct err e;
	pid_t pid;
	int status;

	snprintf(path, sizeof(path), "%s/metrics.prom", d->path);
	err_clear(&e);
	assert_int_equal(atomic_write_file(path, "old\n", 4, 0644, 0, &e), 0);
	memset(big, 'x', sizeof(big));

	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct rlimit rl = {1024, 1024};
		int r;

		signal(SIGXFSZ, SIG_IGN);
		if (setrlimit(RLIMIT_FSIZE, &rl) < 0)
			_exit(2);
		err_clear(&e);
		r = atomic_write_file(path, big, sizeof(big), 0644, 0, &e);
		_exit(r == -EFBIG && strstr(e.msg, path) != NULL ? 0 : 1);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	read_file(path, got, sizeof(got));
	assert_string_equal(got, "old\n");
	assert_int_equal(tmpdir_count(d->path), 1);
}

/* The mode is the caller's, whatever the umask; a durable write reports nothing on success. */
static void
test_write_mode_and_durable(void **state)
{
	struct tmpdir *d = *state;
	char path[128], got[16];
	struct stat st;
	struct err e;
	mode_t old;

	snprintf(path, sizeof(path), "%s/state.json", d->path);
	old = umask(0);
	err_clear(&e);
	assert_int_equal(atomic_write_file(path, "{}\n", 3, 0600, ATOMIC_DURABLE, &e), 0);
	umask(old);
	assert_false(err_isset(&e));
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	read_file(path, got, sizeof(got));
	assert_string_equal(got, "{}\n");
	assert_int_equal(tmpdir_count(d->path), 1);
}

static void
touch(const char *dir, const char *name)
{
	char p[256];
	int fd;

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	fd = open(p, O_WRONLY | O_CREAT | O_EXCL, 0600);
	assert_true(fd >= 0);
	close(fd);
}

static bool
exists(const char *dir, const char *name)
{
	char p[256];
	struct stat st;

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	return lstat(p, &st) == 0;
}

/*
 * What a writer killed mid-write leaves (".<name>.XXXXXX") goes; the file
 * itself, other files' temporaries, look-alikes and directories stay.
 */
static void
test_sweep(void **state)
{
	struct tmpdir *d = *state;
	char path[128], sub[128];
	size_t n = 99;
	struct err e;

	snprintf(path, sizeof(path), "%s/state.json", d->path);
	err_clear(&e);
	assert_int_equal(atomic_sweep(path, &n, &e), 0);
	assert_int_equal(n, 0);
	assert_int_equal(atomic_write_file(path, "{}\n", 3, 0600, ATOMIC_DURABLE, &e), 0);
	touch(d->path, ".state.json.a1B2c3");
	touch(d->path, ".state.json.ZZZZZZ");
	touch(d->path, ".status.json.a1B2c3"); /* another file's */
	touch(d->path, ".state.json.a1B2c");   /* five characters */
	touch(d->path, ".state.json.a1B2c3d"); /* seven */
	touch(d->path, ".state.json.a1-2c3");  /* not what mkostemp() picks */
	touch(d->path, "state.json.a1B2c3");
	touch(d->path, "lock");
	snprintf(sub, sizeof(sub), "%s/.state.json.dirdir", d->path);
	assert_int_equal(mkdir(sub, 0700), 0);
	err_clear(&e);
	assert_int_equal(atomic_sweep(path, &n, &e), 0);
	assert_false(err_isset(&e));
	assert_int_equal(n, 2);
	assert_false(exists(d->path, ".state.json.a1B2c3"));
	assert_false(exists(d->path, ".state.json.ZZZZZZ"));
	assert_true(exists(d->path, "state.json"));
	assert_true(exists(d->path, ".status.json.a1B2c3"));
	assert_true(exists(d->path, ".state.json.a1B2c"));
	assert_true(exists(d->path, ".state.json.a1B2c3d"));
	assert_true(exists(d->path, ".state.json.a1-2c3"));
	assert_true(exists(d->path, "state.json.a1B2c3"));
	assert_true(exists(d->path, "lock"));
	assert_true(exists(d->path, ".state.json.dirdir"));
	assert_int_equal(tmpdir_count(d->path), 8);

	/* A directory that cannot be read: an error naming it, nothing removed. */
	snprintf(path, sizeof(path), "%s/missing/state.json", d->path);
	err_clear(&e);
	n = 99;
	assert_int_equal(atomic_sweep(path, &n, &e), -ENOENT);
	assert_non_null(strstr(e.msg, path));
	err_clear(&e);
	assert_int_equal(atomic_sweep("", NULL, &e), -EINVAL);
}

/*
 * The steps: the target keeps its old contents until atomic_commit(), and
 * the new contents are the appends in order.
 */
static void
test_steps_commit(void **state)
{
	struct tmpdir *d = *state;
	char path[128], got[64];
	struct atomic_file a;
	struct stat st;
	struct err e;

	snprintf(path, sizeof(path), "%s/status.json", d->path);
	err_clear(&e);
	assert_int_equal(atomic_write_file(path, "old\n", 4, 0644, 0, &e), 0);
	assert_int_equal(atomic_begin(&a, path, 0640, 0, &e), 0);
	assert_int_equal(tmpdir_count(d->path), 2);
	assert_int_equal(atomic_append(&a, "one, ", 5, &e), 0);
	assert_int_equal(atomic_append(&a, "", 0, &e), 0);
	assert_int_equal(atomic_append(&a, "two\n", 4, &e), 0);
	read_file(path, got, sizeof(got));
	assert_string_equal(got, "old\n");
	assert_int_equal(atomic_commit(&a, &e), 0);
	assert_false(err_isset(&e));
	read_file(path, got, sizeof(got));
	assert_string_equal(got, "one, two\n");
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0640);
	assert_int_equal(tmpdir_count(d->path), 1);
	/* The write is over: no second commit, abort is harmless. */
	err_clear(&e);
	assert_int_equal(atomic_append(&a, "x", 1, &e), -EBADF);
	assert_int_equal(atomic_commit(&a, &e), -EBADF);
	atomic_abort(&a);
	atomic_abort(NULL);
	read_file(path, got, sizeof(got));
	assert_string_equal(got, "one, two\n");
}

/* Abort leaves the target as it was (or absent) and no temporary file. */
static void
test_steps_abort(void **state)
{
	struct tmpdir *d = *state;
	char path[128], fresh[128], got[64];
	struct atomic_file a;
	struct err e;

	snprintf(path, sizeof(path), "%s/metrics.prom", d->path);
	snprintf(fresh, sizeof(fresh), "%s/never.prom", d->path);
	err_clear(&e);
	assert_int_equal(atomic_write_file(path, "old\n", 4, 0644, 0, &e), 0);
	assert_int_equal(atomic_begin(&a, path, 0644, ATOMIC_DURABLE, &e), 0);
	assert_int_equal(atomic_append(&a, "half of a new", 13, &e), 0);
	atomic_abort(&a);
	atomic_abort(&a);
	read_file(path, got, sizeof(got));
	assert_string_equal(got, "old\n");
	assert_int_equal(tmpdir_count(d->path), 1);
	assert_int_equal(atomic_commit(&a, &e), -EBADF);
	read_file(path, got, sizeof(got));
	assert_string_equal(got, "old\n");

	assert_int_equal(atomic_begin(&a, fresh, 0644, 0, &e), 0);
	atomic_abort(&a);
	assert_int_equal(access(fresh, F_OK), -1);
	assert_int_equal(tmpdir_count(d->path), 1);

	/* A failed begin leaves nothing and needs no abort; NULL data ends the write. */
	snprintf(fresh, sizeof(fresh), "%s/missing/x", d->path);
	err_clear(&e);
	assert_int_equal(atomic_begin(&a, fresh, 0644, 0, &e), -ENOENT);
	assert_non_null(strstr(e.msg, fresh));
	atomic_abort(&a);
	assert_int_equal(atomic_begin(&a, path, 0644, 0, &e), 0);
	err_clear(&e);
	assert_int_equal(atomic_append(&a, NULL, 1, &e), -EINVAL);
	assert_non_null(strstr(e.msg, "no data to write"));
	assert_int_equal(tmpdir_count(d->path), 1);
	read_file(path, got, sizeof(got));
	assert_string_equal(got, "old\n");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_write_new_and_replace, setup_dir,
						teardown_dir),
		cmocka_unit_test_setup_teardown(test_write_relative_path, setup_dir, teardown_dir),
		cmocka_unit_test_setup_teardown(test_write_failures, setup_dir, teardown_dir),
		cmocka_unit_test_setup_teardown(test_write_failure_keeps_old_file, setup_dir,
						teardown_dir),
		cmocka_unit_test_setup_teardown(test_write_mode_and_durable, setup_dir,
						teardown_dir),
		cmocka_unit_test_setup_teardown(test_sweep, setup_dir, teardown_dir),
		cmocka_unit_test_setup_teardown(test_steps_commit, setup_dir, teardown_dir),
		cmocka_unit_test_setup_teardown(test_steps_abort, setup_dir, teardown_dir),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
