/* SPDX-License-Identifier: ISC */
/*
 * Unit tests for notify.h against a fake NOTIFY_SOCKET: the exact datagrams
 * systemd would receive, newline scrubbing in STATUS=, the no-socket case
 * and the watchdog interval parsing.
 */
#include "config.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cmocka.h>

#include "notify.h"

struct listener {
	int fd;
	char dir[32];
	char path[64];
};

static int
setup(void **state)
{
	struct listener *l = calloc(1, sizeof(*l));
	struct sockaddr_un sa = {.sun_family = AF_UNIX};

	assert_non_null(l);
	snprintf(l->dir, sizeof(l->dir), "/tmp/test-notify-XXXXXX");
	assert_non_null(mkdtemp(l->dir));
	snprintf(l->path, sizeof(l->path), "%s/notify", l->dir);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", l->path);
	l->fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	assert_true(l->fd >= 0);
	assert_int_equal(bind(l->fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	setenv("NOTIFY_SOCKET", l->path, 1);
	*state = l;
	return 0;
}

static int
teardown(void **state)
{
	struct listener *l = *state;

	unsetenv("NOTIFY_SOCKET");
	close(l->fd);
	unlink(l->path);
	rmdir(l->dir);
	free(l);
	return 0;
}

/* The next datagram, NUL-terminated; fails the test if none is queued. */
static void
next_message(struct listener *l, char *out, size_t size)
{
	ssize_t n = recv(l->fd, out, size - 1, MSG_DONTWAIT);

	assert_true(n >= 0);
	out[n] = '\0';
}

static void
assert_no_message(struct listener *l)
{
	char c;

	assert_int_equal(recv(l->fd, &c, 1, MSG_DONTWAIT), -1);
	assert_true(errno == EAGAIN || errno == EWOULDBLOCK);
}

static void
test_sequence(void **state)
{
	struct listener *l = *state;
	char msg[1024];
	unsigned long long usec;

	assert_true(notify_ready() > 0);
	next_message(l, msg, sizeof(msg));
	assert_string_equal(msg, "READY=1");

	assert_true(notify_reloading() > 0);
	next_message(l, msg, sizeof(msg));
	assert_int_equal(sscanf(msg, "RELOADING=1\nMONOTONIC_USEC=%llu", &usec), 1);
	assert_true(usec > 0);

	assert_true(notify_status("%d/%d converged\nnext", 12, 12) > 0);
	next_message(l, msg, sizeof(msg));
	assert_string_equal(msg, "STATUS=12/12 converged next");

	assert_true(notify_watchdog() > 0);
	next_message(l, msg, sizeof(msg));
	assert_string_equal(msg, "WATCHDOG=1");

	assert_true(notify_stopping() > 0);
	next_message(l, msg, sizeof(msg));
	assert_string_equal(msg, "STOPPING=1");

	assert_true(notify_errno(EACCES) > 0);
	next_message(l, msg, sizeof(msg));
	assert_string_equal(msg, "ERRNO=13");
	assert_no_message(l);
}

static void
test_without_socket_is_a_noop(void **state)
{
	(void)state;
	unsetenv("NOTIFY_SOCKET");
	assert_int_equal(notify_ready(), 0);
	assert_int_equal(notify_status("x"), 0);
}

static void
test_watchdog_usec(void **state)
{
	char pid[32];

	(void)state;
	unsetenv("WATCHDOG_USEC");
	unsetenv("WATCHDOG_PID");
	assert_int_equal(notify_watchdog_usec(), 0);
	setenv("WATCHDOG_USEC", "30000000", 1);
	assert_int_equal(notify_watchdog_usec(), 30000000);
	/* A watchdog meant for another process is not ours. */
	snprintf(pid, sizeof(pid), "%d", (int)getpid() + 1);
	setenv("WATCHDOG_PID", pid, 1);
	assert_int_equal(notify_watchdog_usec(), 0);
	snprintf(pid, sizeof(pid), "%d", (int)getpid());
	setenv("WATCHDOG_PID", pid, 1);
	assert_int_equal(notify_watchdog_usec(), 30000000);
	unsetenv("WATCHDOG_USEC");
	unsetenv("WATCHDOG_PID");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_sequence, setup, teardown),
		cmocka_unit_test(test_without_socket_is_a_noop),
		cmocka_unit_test(test_watchdog_usec),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
