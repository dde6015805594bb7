/* SPDX-License-Identifier: ISC */
/*
 * writer: atomic file writes off the event loop.
 *
 * After every cycle vpcesd rewrites its status, metrics and state files.
 * Each write ends in fsync(2), which can take as long as the disk wants
 * (seconds on a loaded machine, more on a network file system), and the
 * status file of a large account is megabytes.  The loop must never wait
 * for that: it drives every EC2 call, the watchdog and the signals.  So
 * one worker thread does the writes (atomic.h), in the order they were
 * submitted, and reports each result back on the loop through an ev_async
 * watcher.
 *
 * Only the newest contents of a file matter: a job for a path that has not
 * started yet is replaced by a newer submission for the same path, so a
 * slow disk costs staleness, never an unbounded queue.  At most one job per
 * path is queued, plus the one being written (and while a stream for the
 * path is being filled, see below, one job on either side of it).
 *
 * A document too large to hold whole (the status file of a large account)
 * is streamed instead: writer_stream_begin() queues a job like any other,
 * writer_stream_put() hands over its contents a chunk at a time, and
 * writer_stream_end() commits or aborts it.  The worker creates the
 * temporary file when the job's turn comes and writes each chunk as it
 * arrives, concurrently with the loop thread producing the next, so while
 * it keeps up only a few chunks are in memory.  When it is busy (a slow
 * fsync of an earlier file) the chunks queue behind it, costing up to the
 * whole document, as a plain job would.  A stream's place in the order is
 * where it began.  Only an ended stream can be replaced by a newer job for
 * its path (an open one is still being filled: the newer job queues after
 * it); a stream replaces the older queued jobs of its path when it is
 * committed, not when it begins, so an aborted stream loses nothing: it
 * leaves the file as it was (or to the older job still queued) and runs no
 * callback.
 *
 * Threading: every function but the worker itself is called from the loop
 * thread; callbacks run on the loop thread.  The worker touches nothing but
 * its queue and the files.  On the loop thread nothing blocks but for the
 * short mutex around the queue (writer_drain() and writer_free() excepted).
 */
#ifndef VPCESD_WRITER_H
#define VPCESD_WRITER_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "err.h"

struct ev_loop;
struct writer;
struct writer_stream;

/* A finished write: r is 0 or -errno, msg says what failed ("" on success). */
typedef void writer_done_fn(void *arg, const char *path, int r, const char *msg);

/*
 * Start the worker thread; completions are delivered on `loop`.  Free with
 * writer_free().  -ENOMEM, -EAGAIN (no thread).
 */
int writer_new(struct ev_loop *loop, struct writer **ret, struct err *e);

/*
 * Queue data[0..len), which the writer takes (it frees it with free(),
 * also when this call fails), for an atomic write to `path` (copied) with
 * `mode` and atomic.h `flags`.  A queued job for the same path that has not
 * started is dropped in favour of this one, without its callback.  `done`
 * may be NULL.  0, -ENOMEM or -ESHUTDOWN (after writer_free began).
 */
int writer_submit(struct writer *w, const char *path, char *data, size_t len, mode_t mode,
		  unsigned flags, writer_done_fn *done, void *arg);

/*
 * Queue a streamed atomic write to `path` (copied) with `mode` and atomic.h
 * `flags`, whose contents follow through writer_stream_put().  When it is
 * committed while still queued, the queued jobs for the same path before
 * it that are not open streams are dropped without their callbacks, as
 * writer_submit() replaces one.  *ret is the handle until
 * writer_stream_end(); `done` (may be NULL) runs after a committed stream
 * is written or failed.  0, -ENOMEM or -ESHUTDOWN.
 */
int writer_stream_begin(struct writer *w, const char *path, mode_t mode, unsigned flags,
			writer_done_fn *done, void *arg, struct writer_stream **ret);

/*
 * Append data[0..len) to the stream's file.  The writer takes `data`
 * (frees it with free(), also when this call fails).  Never waits for the
 * disk.  0, -ENOMEM or -ESHUTDOWN; after a failure the caller ends the
 * stream with commit false.  A write error on the worker's side is not
 * reported here but through `done`.
 */
int writer_stream_put(struct writer_stream *s, char *data, size_t len);

/*
 * writer_stream_put() as a buf.h sink: buf_init_sink(&b, max, chunk,
 * writer_stream_sink, s) streams whatever is appended to `b`.
 */
int writer_stream_sink(void *s, char *data, size_t len);

/*
 * No more chunks: with `commit`, the file becomes what was put (the write
 * completes, `done` reports it); without, the temporary file is removed,
 * the target stays as it was and `done` is not called.  `s` is invalid
 * afterwards.  NULL-safe.
 */
void writer_stream_end(struct writer_stream *s, bool commit);

/*
 * Block until every queued write has finished, at most `timeout_s` seconds,
 * then run the callbacks of the finished ones.  For the end of `--once`
 * and for shutdown only.  0, -ETIMEDOUT with writes still queued, or
 * -EBUSY as soon as the worker waits for the chunks of a stream not yet
 * ended (the caller, who would have to put them, is the one waiting).
 */
int writer_drain(struct writer *w, double timeout_s);

/* Jobs submitted and not yet reported (queued, running, or finished but not delivered). */
size_t writer_pending(const struct writer *w);

/*
 * Abort the streams not ended (their handles become invalid), drain for at
 * most `timeout_s` seconds, stop the worker and free.  Jobs still queued
 * then are dropped and their callbacks never run.  NULL-safe.
 */
void writer_free(struct writer *w, double timeout_s);

#endif
