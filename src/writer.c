/* SPDX-License-Identifier: ISC */
/*
 * writer: one worker thread, a queue with one slot per path, results back
 * through ev_async.  See writer.h.
 *
 * Locking: `mu` guards the queue, the finished list, `current`,
 * `stalled`, `stop`, and a stream job's chunk list and ended / commit
 * flags; the worker holds it only to take a job, a chunk, or hand a job
 * back, never while it writes.  `pending` is the loop thread's own count
 * and needs no lock.
 *
 * A stream job is its own handle (struct writer_stream is struct job).
 * Until it ends, the loop thread appends chunks to it, in the queue or
 * while the worker runs it; the worker waits on `work` for each next chunk
 * and frees each once written.  A job leaves the queue when the worker
 * takes it, so "in the queue" means "not started".
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <ev.h>

#include "atomic.h"
#include "writer.h"

struct chunk {
	struct chunk *next;
	char *data;
	size_t len;
};

struct job {
	struct job *next;
	struct writer *w;
	char *path;
	char *data; /* plain job: the contents */
	size_t len;
	mode_t mode;
	unsigned flags;
	writer_done_fn *done;
	void *arg;
	int r;
	char msg[ERR_MSG_MAX];
	/* Stream jobs only (under mu): */
	bool stream;
	bool ended;  /* writer_stream_end() was called */
	bool commit; /* ... with commit */
	struct chunk *chunks, **tail;
};

struct writer {
	struct ev_loop *loop;
	ev_async async;
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t work; /* a job was queued, or stop */
	pthread_cond_t idle; /* a job finished */
	struct job *queue;   /* FIFO, one job per path */
	struct job *finished;
	struct job *current; /* the job the worker holds, or NULL */
	bool stalled;        /* the worker waits for a chunk of `current` */
	bool stop;
	size_t pending; /* loop thread only: submitted, not yet delivered */
};

static void
job_free(struct job *j)
{
	if (j == NULL)
		return;
	while (j->chunks) {
		struct chunk *c = j->chunks;

		j->chunks = c->next;
		free(c->data);
		free(c);
	}
	free(j->path);
	free(j->data);
	free(j);
}

static struct job *
job_of(struct writer_stream *s)
{
	return (struct job *)(void *)s;
}

static void
append(struct job **list, struct job *j)
{
	while (*list)
		list = &(*list)->next;
	j->next = NULL;
	*list = j;
}

/*
 * Worker: write a stream job's chunks as they come, then commit or abort.
 * Called and returns without `mu`.  After a failed step the remaining
 * chunks are still taken and freed, so the producer never blocks and
 * memory goes; the first error is the job's result.
 */
static void
run_stream(struct writer *w, struct job *j, struct err *e)
{
	struct atomic_file a;
	bool commit;
	int r;

	r = atomic_begin(&a, j->path, j->mode, j->flags, e);
	pthread_mutex_lock(&w->mu);
	for (;;) {
		struct chunk *c;

		while (j->chunks == NULL && !j->ended) {
			w->stalled = true;
			pthread_cond_broadcast(&w->idle);
			pthread_cond_wait(&w->work, &w->mu);
		}
		w->stalled = false;
		if ((c = j->chunks) == NULL)
			break;
		j->chunks = c->next;
		if (j->chunks == NULL)
			j->tail = &j->chunks;
		pthread_mutex_unlock(&w->mu);
		if (r == 0)
			r = atomic_append(&a, c->data, c->len, e);
		free(c->data);
		free(c);
		pthread_mutex_lock(&w->mu);
	}
	commit = j->commit;
	pthread_mutex_unlock(&w->mu);
	if (r == 0 && commit)
		r = atomic_commit(&a, e);
	else
		atomic_abort(&a);
	j->r = r;
}

static void *
worker(void *arg)
{
	struct writer *w = arg;

	pthread_mutex_lock(&w->mu);
	for (;;) {
		struct job *j;
		struct err e;

		while (w->queue == NULL && !w->stop)
			pthread_cond_wait(&w->work, &w->mu);
		if (w->stop)
			break;
		j = w->queue;
		w->queue = j->next;
		w->current = j;
		pthread_mutex_unlock(&w->mu);

		err_clear(&e);
		if (j->stream) {
			run_stream(w, j, &e);
		} else {
			j->r = atomic_write_file(j->path, j->data, j->len, j->mode, j->flags, &e);
			free(j->data);
			j->data = NULL;
		}
		memcpy(j->msg, e.msg, sizeof(j->msg));

		pthread_mutex_lock(&w->mu);
		w->current = NULL;
		append(&w->finished, j);
		pthread_cond_broadcast(&w->idle);
		ev_async_send(w->loop, &w->async);
	}
	pthread_mutex_unlock(&w->mu);
	return NULL;
}

/* Loop thread: run the callbacks (when `call`) of every finished job, free them. */
static void
deliver(struct writer *w, bool call)
{
	struct job *done;

	pthread_mutex_lock(&w->mu);
	done = w->finished;
	w->finished = NULL;
	pthread_mutex_unlock(&w->mu);
	while (done) {
		struct job *next = done->next;

		/* An aborted stream reports nothing: its caller gave it up. */
		if (call && done->done && !(done->stream && !done->commit))
			done->done(done->arg, done->path, done->r, done->msg);
		job_free(done);
		w->pending--;
		done = next;
	}
}

static void
on_async(struct ev_loop *loop, ev_async *a, int revents)
{
	(void)loop;
	(void)revents;
	deliver(a->data, true);
}

int
writer_new(struct ev_loop *loop, struct writer **ret, struct err *e)
{
	struct writer *w = calloc(1, sizeof(*w));
	pthread_condattr_t ca;
	sigset_t all, old;
	int r;

	if (w == NULL)
		return err_set(e, -ENOMEM, "writer: out of memory");
	w->loop = loop;
	pthread_mutex_init(&w->mu, NULL);
	pthread_cond_init(&w->work, NULL);
	/* Deadlines of writer_drain() must not jump with the wall clock. */
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&w->idle, &ca);
	pthread_condattr_destroy(&ca);
	ev_async_init(&w->async, on_async);
	w->async.data = w;
	/* Signals belong to the loop thread's libev watchers, never to the worker. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	r = pthread_create(&w->thread, NULL, worker, w);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (r != 0) {
		pthread_cond_destroy(&w->idle);
		pthread_cond_destroy(&w->work);
		pthread_mutex_destroy(&w->mu);
		free(w);
		return err_set(e, -r, "writer: cannot start a thread: %s", strerror(r));
	}
	ev_async_start(loop, &w->async);
	/* The watcher alone must not keep ev_run() going. */
	ev_unref(loop);
	*ret = w;
	return 0;
}

static struct job *
job_new(struct writer *w, const char *path, mode_t mode, unsigned flags, writer_done_fn *done,
	void *arg)
{
	struct job *j = calloc(1, sizeof(*j));

	if (j == NULL || (j->path = strdup(path)) == NULL) {
		free(j);
		return NULL;
	}
	j->w = w;
	j->mode = mode;
	j->flags = flags;
	j->done = done;
	j->arg = arg;
	j->tail = &j->chunks;
	return j;
}

/* Whether a queued job may give way to newer contents for its path. */
static bool
replaceable(const struct job *j)
{
	return !j->stream || j->ended;
}

/*
 * Queue `j`; a plain job (`replace`) takes the place of the last queued job
 * for its path when that one may be replaced (not an open stream: its
 * producer still holds it).  Only the last: an earlier one is followed by
 * an open stream of the same path, and replacing it would write newer
 * contents before older ones.  A stream replaces nothing when it begins
 * (it may yet be aborted); writer_stream_end() does that on commit.
 */
static int
enqueue(struct writer *w, struct job *j, bool replace)
{
	struct job **q, **last = NULL, *old = NULL;

	pthread_mutex_lock(&w->mu);
	if (w->stop) {
		pthread_mutex_unlock(&w->mu);
		job_free(j);
		return -ESHUTDOWN;
	}
	for (q = &w->queue; replace && *q; q = &(*q)->next)
		if (strcmp((*q)->path, j->path) == 0)
			last = q;
	if (last != NULL && replaceable(*last)) {
		/* Not started yet: only the newest contents matter. */
		old = *last;
		j->next = old->next;
		*last = j;
	} else {
		append(&w->queue, j);
		w->pending++;
	}
	pthread_cond_signal(&w->work);
	pthread_mutex_unlock(&w->mu);
	job_free(old);
	return 0;
}

int
writer_submit(struct writer *w, const char *path, char *data, size_t len, mode_t mode,
	      unsigned flags, writer_done_fn *done, void *arg)
{
	struct job *j = job_new(w, path, mode, flags, done, arg);

	if (j == NULL) {
		free(data);
		return -ENOMEM;
	}
	j->data = data;
	j->len = len;
	return enqueue(w, j, true);
}

int
writer_stream_begin(struct writer *w, const char *path, mode_t mode, unsigned flags,
		    writer_done_fn *done, void *arg, struct writer_stream **ret)
{
	struct job *j = job_new(w, path, mode, flags, done, arg);
	int r;

	if (j == NULL)
		return -ENOMEM;
	j->stream = true;
	if ((r = enqueue(w, j, false)) < 0)
		return r;
	*ret = (struct writer_stream *)(void *)j;
	return 0;
}

int
writer_stream_put(struct writer_stream *s, char *data, size_t len)
{
	struct job *j = job_of(s);
	struct writer *w = j->w;
	struct chunk *c;

	if (len == 0) {
		free(data);
		return 0;
	}
	if ((c = malloc(sizeof(*c))) == NULL) {
		free(data);
		return -ENOMEM;
	}
	c->next = NULL;
	c->data = data;
	c->len = len;
	pthread_mutex_lock(&w->mu);
	if (w->stop) {
		pthread_mutex_unlock(&w->mu);
		free(data);
		free(c);
		return -ESHUTDOWN;
	}
	*j->tail = c;
	j->tail = &c->next;
	w->stalled = false;
	pthread_cond_signal(&w->work);
	pthread_mutex_unlock(&w->mu);
	return 0;
}

int
writer_stream_sink(void *s, char *data, size_t len)
{
	return writer_stream_put(s, data, len);
}

/*
 * Under mu: end `j`.  Aborted, it leaves the queue if it had not started;
 * committed while still queued, it drops the replaceable jobs of its path
 * queued before it, whose contents are older (the replacement a plain job
 * does when submitted, deferred to the moment the stream is complete).
 * Returns what left the queue, linked through `next`, for the caller to
 * free outside the lock; the worker finishes the rest.
 */
static struct job *
end_locked(struct writer *w, struct job *j, bool commit)
{
	struct job *gone = NULL, **q;

	j->ended = true;
	j->commit = commit;
	w->stalled = false;
	pthread_cond_signal(&w->work);
	for (q = &w->queue; *q && *q != j; q = &(*q)->next)
		;
	if (*q == NULL)
		return NULL; /* started */
	if (!commit) {
		*q = j->next;
		w->pending--;
		j->next = NULL;
		return j;
	}
	for (q = &w->queue; *q != j;) {
		struct job *o = *q;

		if (strcmp(o->path, j->path) == 0 && replaceable(o)) {
			*q = o->next;
			w->pending--;
			o->next = gone;
			gone = o;
		} else {
			q = &o->next;
		}
	}
	return gone;
}

void
writer_stream_end(struct writer_stream *s, bool commit)
{
	struct job *j, *gone;
	struct writer *w;

	if (s == NULL)
		return;
	j = job_of(s);
	w = j->w;
	pthread_mutex_lock(&w->mu);
	gone = end_locked(w, j, commit);
	pthread_mutex_unlock(&w->mu);
	while (gone) {
		struct job *next = gone->next;

		job_free(gone);
		gone = next;
	}
}

size_t
writer_pending(const struct writer *w)
{
	return w->pending;
}

int
writer_drain(struct writer *w, double timeout_s)
{
	struct timespec deadline;
	bool busy, stalled;

	clock_gettime(CLOCK_MONOTONIC, &deadline);
	deadline.tv_sec += (time_t)timeout_s;
	deadline.tv_nsec += (long)((timeout_s - (double)(time_t)timeout_s) * 1e9);
	if (deadline.tv_nsec >= 1000000000L) {
		deadline.tv_sec++;
		deadline.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&w->mu);
	while ((w->queue || w->current) && !w->stalled &&
	       pthread_cond_timedwait(&w->idle, &w->mu, &deadline) != ETIMEDOUT)
		;
	busy = w->queue || w->current;
	stalled = w->stalled;
	pthread_mutex_unlock(&w->mu);
	deliver(w, true);
	return !busy ? 0 : stalled ? -EBUSY : -ETIMEDOUT;
}

void
writer_free(struct writer *w, double timeout_s)
{
	struct job *dropped = NULL, **q;
	bool running;

	if (w == NULL)
		return;
	/* Streams nobody will end: the started one is aborted by the worker. */
	pthread_mutex_lock(&w->mu);
	for (q = &w->queue; *q;) {
		struct job *j = *q;

		if (j->stream && !j->ended) {
			*q = j->next;
			w->pending--;
			j->next = dropped;
			dropped = j;
		} else {
			q = &j->next;
		}
	}
	if (w->current && w->current->stream && !w->current->ended)
		end_locked(w, w->current, false);
	pthread_mutex_unlock(&w->mu);
	while (dropped) {
		struct job *next = dropped->next;

		job_free(dropped);
		dropped = next;
	}
	writer_drain(w, timeout_s);
	pthread_mutex_lock(&w->mu);
	w->stop = true;
	dropped = w->queue;
	w->queue = NULL;
	running = w->current != NULL;
	pthread_cond_signal(&w->work);
	pthread_mutex_unlock(&w->mu);
	while (dropped) {
		struct job *next = dropped->next;

		job_free(dropped);
		dropped = next;
	}
	ev_ref(w->loop);
	ev_async_stop(w->loop, &w->async);
	if (running) {
		/*
		 * A write that outlived the drain (a disk that does not answer):
		 * joining could wait for ever, and the worker still uses `w`.  The
		 * process is about to exit; leave both to it.
		 */
		pthread_detach(w->thread);
		return;
	}
	pthread_join(w->thread, NULL);
	deliver(w, false); /* what finished meanwhile: its callers are gone */
	pthread_cond_destroy(&w->idle);
	pthread_cond_destroy(&w->work);
	pthread_mutex_destroy(&w->mu);
	free(w);
}
