/* SPDX-License-Identifier: ISC */
/*
 * Tests of lock.h: one holder per state directory, the second one told the
 * holder's pid, the lock gone with its holder, unsafe directories refused.
 */
#include "config.h"

#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "lock.h"

static char dir[64];

static int
setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/test-lock-XXXXXX");
	return mkdtemp(dir) ? 0 : -1;
}

static int
teardown(void **state)
{
	char p[128];

	(void)state;
	snprintf(p, sizeof(p), "%s/lock", dir);
	unlink(p);
	snprintf(p, sizeof(p), "%s/sub", dir);
	rmdir(p);
	rmdir(dir);
	return 0;
}

/* In a child (locks belong to processes): try to take the lock; 0 taken, 1 busy with msg. */
static int
child_tries(char *msg, size_t size)
{
	int fds[2], status;
	pid_t pid;
	ssize_t n;

	assert_int_equal(pipe(fds), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct lock *l = NULL;
		struct err e;
		int r;

		close(fds[0]);
		err_clear(&e);
		r = lock_acquire(dir, &l, &e);
		n = write(fds[1], e.msg, strlen(e.msg));
		(void)n;
		_exit(r == 0 ? 0 : r == -EBUSY ? 1 : 2);
	}
	close(fds[1]);
	n = read(fds[0], msg, size - 1);
	msg[n > 0 ? n : 0] = '\0';
	close(fds[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	return WEXITSTATUS(status);
}

static void
test_one_holder(void **state)
{
	struct lock *l = NULL;
	char msg[512], want[64], path[128], text[32] = "";
	struct err e;
	FILE *fp;

	(void)state;
	err_clear(&e);
	assert_int_equal(lock_prepare_dir(dir, &e), 0);
	assert_int_equal(lock_acquire(dir, &l, &e), 0);
	/* The file names the holder for people; the second one is refused with the pid. */
	snprintf(path, sizeof(path), "%s/lock", dir);
	fp = fopen(path, "r");
	assert_non_null(fp);
	assert_non_null(fgets(text, sizeof(text), fp));
	fclose(fp);
	snprintf(want, sizeof(want), "%ld\n", (long)getpid());
	assert_string_equal(text, want);
	assert_int_equal(child_tries(msg, sizeof(msg)), 1);
	snprintf(want, sizeof(want), "(pid %ld)", (long)getpid());
	assert_non_null(strstr(msg, want));
	assert_non_null(strstr(msg, path));
	/* Released: the next one gets it. */
	lock_release(l);
	assert_int_equal(child_tries(msg, sizeof(msg)), 0);
	lock_release(NULL);
}

/* A holder that dies (SIGKILL included) releases the lock with its descriptors. */
static void
test_dead_holder_releases(void **state)
{
	char msg[512];
	int fds[2], status;
	pid_t pid;
	char c;

	(void)state;
	assert_int_equal(pipe(fds), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct lock *l = NULL;
		struct err e;

		close(fds[0]);
		err_clear(&e);
		if (lock_acquire(dir, &l, &e) < 0)
			_exit(2);
		if (write(fds[1], "x", 1) != 1)
			_exit(3);
		pause();
		_exit(0);
	}
	close(fds[1]);
	assert_int_equal(read(fds[0], &c, 1), 1); /* readiness: the child holds the lock */
	assert_int_equal(child_tries(msg, sizeof(msg)), 1);
	kill(pid, SIGKILL);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	close(fds[0]);
	assert_int_equal(child_tries(msg, sizeof(msg)), 0);
}

static void
test_prepare_dir(void **state)
{
	char sub[128], file[128];
	struct err e;
	struct stat st;

	(void)state;
	/* Created when missing, 0750 whatever the umask allows. */
	snprintf(sub, sizeof(sub), "%s/sub", dir);
	err_clear(&e);
	assert_int_equal(lock_prepare_dir(sub, &e), 0);
	assert_int_equal(stat(sub, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	assert_int_equal(st.st_mode & 0007, 0);
	/* Writable by everyone: refused with the fix. */
	assert_int_equal(chmod(sub, 0777), 0);
	err_clear(&e);
	assert_int_equal(lock_prepare_dir(sub, &e), -EPERM);
	assert_non_null(strstr(e.msg, "chmod o-w"));
	/* Not a directory; a missing parent. */
	snprintf(file, sizeof(file), "%s/lock", dir);
	fclose(fopen(file, "w"));
	err_clear(&e);
	assert_int_equal(lock_prepare_dir(file, &e), -ENOTDIR);
	err_clear(&e);
	assert_int_equal(lock_prepare_dir("/nonexistent-vpcesd/state", &e), -ENOENT);
	assert_non_null(strstr(e.msg, "/nonexistent-vpcesd/state"));
}

/* The check -n makes: what lock_prepare_dir() would say, creating nothing. */
static void
test_check_dir(void **state)
{
	char sub[128], deep[160], file[128];
	struct stat st;
	struct err e;

	(void)state;
	snprintf(sub, sizeof(sub), "%s/sub", dir);
	err_clear(&e);
	assert_int_equal(lock_check_dir(sub, &e), 0); /* missing, parent there */
	assert_int_equal(stat(sub, &st), -1);         /* and not created */
	snprintf(deep, sizeof(deep), "%s/missing/state", dir);
	err_clear(&e);
	assert_int_equal(lock_check_dir(deep, &e), -ENOENT);
	assert_non_null(strstr(e.msg, "its parent"));
	assert_int_equal(mkdir(sub, 0777), 0);
	assert_int_equal(chmod(sub, 0777), 0);
	err_clear(&e);
	assert_int_equal(lock_check_dir(sub, &e), -EPERM);
	assert_int_equal(chmod(sub, 0750), 0);
	err_clear(&e);
	assert_int_equal(lock_check_dir(sub, &e), 0);
	snprintf(file, sizeof(file), "%s/lock", dir);
	fclose(fopen(file, "w"));
	err_clear(&e);
	assert_int_equal(lock_check_dir(file, &e), -ENOTDIR);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_one_holder, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dead_holder_releases, setup, teardown),
		cmocka_unit_test_setup_teardown(test_prepare_dir, setup, teardown),
		cmocka_unit_test_setup_teardown(test_check_dir, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
