/* SPDX-License-Identifier: ISC */
/*
 * writer: one worker thread, a queue with one slot per path, results back
 * through ev_async.  See writer.h.
 *
 * Locking: `mu` guards the queue, the finished list, `running` and `stop`;
 * the worker holds it only to take a job or hand one back, never while it
 * writes.  `pending` is the loop thread's own count and needs no lock.
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

struct job {
	struct job *next;
	char *path;
	char *data;
	size_t len;
	mode_t mode;
	unsigned flags;
	writer_done_fn *done;
	void *arg;
	int r;
	char msg[ERR_MSG_MAX];
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
	bool running; /* the worker holds a job */
	bool stop;
	size_t pending; /* loop thread only: submitted, not yet delivered */
};

static void
job_free(struct job *j)
{
	if (j == NULL)
		return;
	free(j->path);
	free(j->data);
	free(j);
}

static void
append(struct job **list, struct job *j)
{
	while (*list)
		list = &(*list)->next;
	j->next = NULL;
	*list = j;
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
		w->running = true;
		pthread_mutex_unlock(&w->mu);

		err_clear(&e);
		j->r = atomic_write_file(j->path, j->data, j->len, j->mode, j->flags, &e);
		memcpy(j->msg, e.msg, sizeof(j->msg));
		free(j->data);
		j->data = NULL;

		pthread_mutex_lock(&w->mu);
		w->running = false;
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

		if (call && done->done)
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

int
writer_submit(struct writer *w, const char *path, char *data, size_t len, mode_t mode,
	      unsigned flags, writer_done_fn *done, void *arg)
{
	struct job *j = calloc(1, sizeof(*j)), **q, *old = NULL;

	if (j == NULL || (j->path = strdup(path)) == NULL) {
		free(j);
		free(data);
		return -ENOMEM;
	}
	j->data = data;
	j->len = len;
	j->mode = mode;
	j->flags = flags;
	j->done = done;
	j->arg = arg;
	pthread_mutex_lock(&w->mu);
	if (w->stop) {
		pthread_mutex_unlock(&w->mu);
		job_free(j);
		return -ESHUTDOWN;
	}
	for (q = &w->queue; *q; q = &(*q)->next)
		if (strcmp((*q)->path, path) == 0) {
			/* Not started yet: only the newest contents matter. */
			old = *q;
			j->next = old->next;
			*q = j;
			break;
		}
	if (old == NULL) {
		append(&w->queue, j);
		w->pending++;
	}
	pthread_cond_signal(&w->work);
	pthread_mutex_unlock(&w->mu);
	job_free(old);
	return 0;
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
	bool busy;

	clock_gettime(CLOCK_MONOTONIC, &deadline);
	deadline.tv_sec += (time_t)timeout_s;
	deadline.tv_nsec += (long)((timeout_s - (double)(time_t)timeout_s) * 1e9);
	if (deadline.tv_nsec >= 1000000000L) {
		deadline.tv_sec++;
		deadline.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&w->mu);
	while ((w->queue || w->running) &&
	       pthread_cond_timedwait(&w->idle, &w->mu, &deadline) != ETIMEDOUT)
		;
	busy = w->queue || w->running;
	pthread_mutex_unlock(&w->mu);
	deliver(w, true);
	return busy ? -ETIMEDOUT : 0;
}

void
writer_free(struct writer *w, double timeout_s)
{
	struct job *dropped;
	bool running;

	if (w == NULL)
		return;
	writer_drain(w, timeout_s);
	pthread_mutex_lock(&w->mu);
	w->stop = true;
	dropped = w->queue;
	w->queue = NULL;
	running = w->running;
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
