/* SPDX-License-Identifier: ISC */
/*
 * buf: a growable byte buffer with a hard maximum.
 *
 * Every buffer that grows from untrusted or unbounded input (HTTP bodies,
 * canonical requests, query strings, file contents) has a ceiling, so a
 * hostile peer or file turns into -E2BIG instead of unbounded memory.  The
 * contents are always NUL-terminated (the NUL is not counted in `len`), so
 * text can be handed to C string functions directly.
 *
 * Pure: no I/O; safe on the event loop.
 */
#ifndef VPCESD_BUF_H
#define VPCESD_BUF_H

#include <stddef.h>

struct buf {
	char *data; /* owned; NULL until the first append */
	size_t len; /* bytes used, excluding the terminating NUL */
	size_t cap; /* bytes allocated */
	size_t max; /* largest allowed len */
};

/* Start empty with a ceiling of `max` bytes.  Allocates nothing. */
void buf_init(struct buf *b, size_t max);

/*
 * Make room for `extra` more bytes (plus the NUL) now, so appends within it
 * never move the data: a buffer that will hold a secret is sized once, since
 * realloc() would leave unwiped copies behind.  Errors as buf_append.
 */
int buf_reserve(struct buf *b, size_t extra);

/* Append n bytes.  -E2BIG past the ceiling, -ENOMEM; the buffer is unchanged on error. */
int buf_append(struct buf *b, const void *p, size_t n);

/* Append a C string. */
int buf_puts(struct buf *b, const char *s);

/* Append formatted text; same errors as buf_append. */
int buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The contents as a C string; "" for an empty buffer.  Owned by `b`. */
const char *buf_str(const struct buf *b);

/* Forget the contents, keep the allocation. */
void buf_reset(struct buf *b);

/* Free the allocation and reset to empty.  NULL-safe. */
void buf_free(struct buf *b);

/*
 * Hand the contents to the caller as a malloc'd NUL-terminated string (the
 * caller frees it with free()); the buffer is left empty.  Returns NULL only
 * on allocation failure.
 */
char *buf_steal(struct buf *b);

#endif
