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
 * A buffer may instead feed a sink (buf_init_sink()): a document too
 * large to hold whole (the status file of a large account) is written
 * through the same appends, and whenever the next append would grow the
 * buffer past its chunk size the contents so far go to the sink, which
 * hands them on (writer.h streams them to the file), and the buffer starts
 * empty again.  So a producer that only appends needs no change to stream;
 * one that looks back at what it wrote must use buf_total() and
 * buf_truncate(), which say when that is no longer possible.
 *
 * Pure: no I/O of its own (a sink may do some); safe on the event loop.
 */
#ifndef VPCESD_BUF_H
#define VPCESD_BUF_H

#include <stddef.h>

/*
 * Takes data[0..len) (malloc'd, NUL-terminated after len; the sink frees it
 * with free(), also when it fails).  0 or -errno.
 */
typedef int buf_sink_fn(void *arg, char *data, size_t len);

struct buf {
	char *data; /* owned; NULL until the first append */
	size_t len; /* bytes used, excluding the terminating NUL */
	size_t cap; /* bytes allocated */
	size_t max; /* largest allowed len (with a sink: len + flushed) */
	/* With a sink only (sink == NULL otherwise): */
	buf_sink_fn *sink;
	void *sink_arg;
	size_t chunk;   /* flush rather than grow past this many bytes */
	size_t flushed; /* bytes handed to the sink so far */
	int sink_err;   /* the sink's first failure; every later append returns it */
};

/* Start empty with a ceiling of `max` bytes.  Allocates nothing. */
void buf_init(struct buf *b, size_t max);

/*
 * Start empty, feeding `sink` (with `arg`): when an append would make the
 * contents longer than `chunk` bytes, the contents so far are handed to the
 * sink first and the buffer starts over, so at most about `chunk` bytes
 * (or one larger append) are held.  `max` bounds the whole document,
 * flushed bytes included.  When the sink fails, its error is returned by
 * that append and by every later one (and by buf_flush()); what it was
 * handed is gone.  End with buf_flush() for the rest, then buf_free().
 * Allocates nothing.
 */
void buf_init_sink(struct buf *b, size_t max, size_t chunk, buf_sink_fn *sink, void *arg);

/*
 * Hand the contents (if any) to the sink now and start over empty.  0, the
 * sink's error (now or from an earlier flush), and 0 for a buffer without a
 * sink, which it leaves alone.
 */
int buf_flush(struct buf *b);

/* Bytes appended since the start: len plus what went to the sink. */
size_t buf_total(const struct buf *b);

/*
 * Cut the contents back to the first `total` bytes ever appended (a value
 * buf_total() returned), keeping the allocation: a producer that fails
 * half-way takes back what it wrote.  -ESPIPE when part of it has already
 * gone to the sink (the buffer is left alone; its user aborts the document
 * instead), -EINVAL when `total` is past the end.
 */
int buf_truncate(struct buf *b, size_t total);

/*
 * Make room for `extra` more bytes (plus the NUL) now, so appends within it
 * never move the data: a buffer that will hold a secret is sized once, since
 * realloc() would leave unwiped copies behind (with a sink, the contents
 * may be handed over first).  Errors as buf_append.
 */
int buf_reserve(struct buf *b, size_t extra);

/*
 * Append n bytes.  -E2BIG past the ceiling, -ENOMEM; the buffer is unchanged
 * on error, except that a sink may have been handed the contents (and may
 * be the one that failed, see buf_init_sink()).
 */
int buf_append(struct buf *b, const void *p, size_t n);

/* Append a C string. */
int buf_puts(struct buf *b, const char *s);

/* Append formatted text; same errors as buf_append. */
int buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/*
 * The contents as a C string; "" for an empty buffer.  Owned by `b`.  With
 * a sink: only what has not been flushed yet.
 */
const char *buf_str(const struct buf *b);

/* Forget the contents, keep the allocation. */
void buf_reset(struct buf *b);

/*
 * Free the allocation and reset to an empty buffer with the same ceiling
 * and no sink (contents not flushed are dropped).  NULL-safe.
 */
void buf_free(struct buf *b);

/*
 * Hand the contents to the caller as a malloc'd NUL-terminated string (the
 * caller frees it with free()); the buffer is left empty (with its sink,
 * if any, and the count of flushed bytes).  Returns NULL only on
 * allocation failure.
 */
char *buf_steal(struct buf *b);

#endif
