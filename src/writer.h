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
 * path is queued, plus the one being written.
 *
 * Threading: every function but the worker itself is called from the loop
 * thread; callbacks run on the loop thread.  The worker touches nothing but
 * its queue and the files.
 */
#ifndef VPCESD_WRITER_H
#define VPCESD_WRITER_H

#include <stddef.h>
#include <sys/types.h>

#include "err.h"

struct ev_loop;
struct writer;

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
 * Block until every queued write has finished, at most `timeout_s` seconds,
 * then run the callbacks of the finished ones.  For the end of `--once`
 * and for shutdown only.  0, or -ETIMEDOUT with writes still queued.
 */
int writer_drain(struct writer *w, double timeout_s);

/* Jobs submitted and not yet reported (queued, running, or finished but not delivered). */
size_t writer_pending(const struct writer *w);

/*
 * Drain for at most `timeout_s` seconds, stop the worker and free.  Jobs
 * still queued then are dropped and their callbacks never run.  NULL-safe.
 */
void writer_free(struct writer *w, double timeout_s);

#endif
