/* SPDX-License-Identifier: ISC */
/*
 * err: a caller-supplied error message buffer.
 *
 * Functions across vpcesd return 0 or a negative errno and describe what went
 * wrong in a `struct err` the caller owns.  The first error wins: once a
 * message is set, later err_set() calls leave it alone, so the root cause is
 * what reaches the log, not a generic "failed" from an outer layer.
 *
 * Pure: no allocation, no I/O; safe anywhere, including the event loop.
 */
#ifndef VPCESD_ERR_H
#define VPCESD_ERR_H

#include <stdbool.h>
#include <stddef.h>

#define ERR_MSG_MAX 512

struct err {
	int code;              /* negative errno of the first error, 0 if none */
	char msg[ERR_MSG_MAX]; /* NUL-terminated, truncated to fit */
};

/* Reset to "no error". */
void err_clear(struct err *e);

/*
 * Record an error unless one is already recorded.  Returns `code` so callers
 * can write `return err_set(e, -EINVAL, "bad %s", x);`.  `e` may be NULL.
 */
int err_set(struct err *e, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* True when an error has been recorded. */
bool err_isset(const struct err *e);

#endif
