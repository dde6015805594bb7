/* SPDX-License-Identifier: ISC */
/*
 * creds_provider: the static provider and the refreshing cache.  See
 * creds_provider.h for the policy.
 *
 * The cache is a small state machine: `current` credentials (maybe none),
 * whether a refresh is in flight, whether `current` was refused (stale), and
 * a FIFO of waiters.  Every waiter queued while a refresh runs is answered by
 * that one refresh.  Waiters are answered from a detached list so a callback
 * may queue itself again or cancel another waiter safely.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "creds_provider.h"

void
creds_provider_free(struct creds_provider *p)
{
	if (p != NULL)
		p->ops->free(p);
}

/* --- static provider ----------------------------------------------------------- */

struct static_provider {
	struct creds_provider base;
	struct creds creds;
	struct ev_loop *loop;
	ev_timer timer; /* completes the fetch from the loop, never inside fetch() */
	creds_fetch_done_fn *done;
	void *arg;
};

static void
static_fire(struct ev_loop *loop, ev_timer *t, int revents)
{
	struct static_provider *sp = t->data;
	struct creds c;
	struct err e;
	int r;

	(void)loop;
	(void)revents;
	err_clear(&e);
	r = creds_copy(&c, &sp->creds);
	if (r < 0)
		err_set(&e, r, "%s: out of memory", sp->base.name);
	sp->done(sp->arg, r, r < 0 ? NULL : &c, &e);
}

static int
static_fetch(struct creds_provider *p, struct ev_loop *loop, creds_fetch_done_fn *done, void *arg,
	     struct err *e)
{
	struct static_provider *sp = (struct static_provider *)p;

	(void)e;
	sp->loop = loop;
	sp->done = done;
	sp->arg = arg;
	ev_timer_init(&sp->timer, static_fire, 0., 0.);
	sp->timer.data = sp;
	ev_timer_start(loop, &sp->timer);
	return 0;
}

static void
static_cancel(struct creds_provider *p)
{
	struct static_provider *sp = (struct static_provider *)p;

	if (sp->loop != NULL)
		ev_timer_stop(sp->loop, &sp->timer);
}

static void
static_free(struct creds_provider *p)
{
	struct static_provider *sp = (struct static_provider *)p;

	static_cancel(p);
	creds_free(&sp->creds);
	free(sp->base.name);
	free(sp);
}

static const struct creds_provider_ops static_ops = {
	.kind = "static",
	.fetch = static_fetch,
	.cancel = static_cancel,
	.free = static_free,
};

int
creds_provider_new_static(const struct creds *c, const char *name, struct creds_provider **ret)
{
	struct static_provider *sp = calloc(1, sizeof(*sp));

	if (sp == NULL)
		return -ENOMEM;
	sp->base.ops = &static_ops;
	sp->base.name = strdup(name ? name : "static credentials");
	if (sp->base.name == NULL || creds_copy(&sp->creds, c) < 0) {
		free(sp->base.name);
		free(sp);
		return -ENOMEM;
	}
	*ret = &sp->base;
	return 0;
}

/* --- cache ----------------------------------------------------------------------- */

struct creds_cache {
	struct ev_loop *loop;
	struct creds_provider *provider;
	time_t (*now)(void *arg);
	void *now_arg;
	struct creds current;
	unsigned long generation; /* bumped with every new `current` */
	bool stale;               /* current was refused by AWS */
	bool refreshing;
	time_t last_end; /* when the last refresh ended (0: never) */
	unsigned long fetches;
	struct err last_error;
	struct creds_waiter waiters; /* sentinel of a circular list */
};

static time_t
now_of(const struct creds_cache *cc)
{
	return cc->now ? cc->now(cc->now_arg) : time(NULL);
}

static void
list_init(struct creds_waiter *head)
{
	head->prev = head->next = head;
}

static void
list_unlink(struct creds_waiter *w)
{
	if (w->next == NULL)
		return;
	w->prev->next = w->next;
	w->next->prev = w->prev;
	w->prev = w->next = NULL;
}

static void
list_append(struct creds_waiter *head, struct creds_waiter *w)
{
	w->prev = head->prev;
	w->next = head;
	head->prev->next = w;
	head->prev = w;
}

int
creds_cache_new(struct ev_loop *loop, struct creds_provider *provider, time_t (*now)(void *arg),
		void *now_arg, struct creds_cache **ret)
{
	struct creds_cache *cc = calloc(1, sizeof(*cc));

	if (cc == NULL) {
		creds_provider_free(provider);
		return -ENOMEM;
	}
	cc->loop = loop;
	cc->provider = provider;
	cc->now = now;
	cc->now_arg = now_arg;
	err_clear(&cc->last_error);
	list_init(&cc->waiters);
	*ret = cc;
	return 0;
}

void
creds_cache_free(struct creds_cache *cc)
{
	if (cc == NULL)
		return;
	while (cc->waiters.next != &cc->waiters)
		list_unlink(cc->waiters.next);
	creds_provider_free(cc->provider); /* cancels a fetch in flight */
	creds_free(&cc->current);
	free(cc);
}

/* The freshness of `current`, with a refused value counting as expired. */
static enum creds_freshness
state_of(const struct creds_cache *cc, time_t now)
{
	return cc->stale ? CREDS_EXPIRED : creds_freshness(&cc->current, now);
}

static void
fill(const struct creds_cache *cc, struct creds_ref *ret)
{
	ret->creds = &cc->current;
	ret->generation = cc->generation;
}

void
creds_cache_scrub_keys(const struct creds_cache *cc, struct scrub_keys *k)
{
	if (cc == NULL || !creds_valid(&cc->current))
		return;
	scrub_keys_add_str(k, cc->current.secret_access_key);
	scrub_keys_add_str(k, cc->current.session_token);
}

/* A provider's message, with the secrets the cache holds taken out. */
static void
scrub_error(const struct creds_cache *cc, struct err *e)
{
	struct scrub_keys k;

	scrub_keys_init(&k);
	creds_cache_scrub_keys(cc, &k);
	scrub_string(e->msg, sizeof(e->msg), &k);
}

static void on_fetched(void *arg, int r, struct creds *c, const struct err *fe);

static int
start_refresh(struct creds_cache *cc, struct err *e)
{
	struct err fe;
	int r;

	if (cc->refreshing)
		return 0;
	err_clear(&fe);
	cc->fetches++;
	r = cc->provider->ops->fetch(cc->provider, cc->loop, on_fetched, cc, &fe);
	if (r < 0) {
		cc->last_end = now_of(cc);
		if (!err_isset(&fe))
			err_set(&fe, r, "%s: cannot start", cc->provider->name);
		scrub_error(cc, &fe);
		cc->last_error = fe;
		err_set(e, fe.code, "%s", fe.msg);
		return r;
	}
	cc->refreshing = true;
	return 0;
}

static void
on_fetched(void *arg, int r, struct creds *c, const struct err *fe)
{
	struct creds_cache *cc = arg;
	struct creds_waiter batch, *w;
	struct creds_ref ref;
	struct err e;
	time_t now = now_of(cc);

	err_clear(&e);
	cc->refreshing = false;
	cc->last_end = now;
	if (r == 0 && c->expiration != 0 && c->expiration <= now)
		r = err_set(&e, -EKEYEXPIRED,
			    "%s: returned credentials that are already expired (check its "
			    "Expiration and the system clock)",
			    cc->provider->name);
	if (r == 0 && c->provider == NULL && (c->provider = strdup(cc->provider->name)) == NULL)
		r = err_set(&e, -ENOMEM, "out of memory");
	if (r == 0) {
		creds_free(&cc->current);
		cc->current = *c;
		memset(c, 0, sizeof(*c));
		cc->generation++;
		cc->stale = false;
		err_clear(&cc->last_error);
	} else {
		if (c != NULL)
			creds_free(c);
		if (!err_isset(&e)) {
			if (fe != NULL && err_isset(fe))
				e = *fe;
			else
				err_set(&e, r, "%s: failed", cc->provider->name);
		}
		scrub_error(cc, &e);
		cc->last_error = e;
	}

	/* Answer everyone queued so far; later arrivals queue afresh. */
	list_init(&batch);
	if (cc->waiters.next != &cc->waiters) {
		batch.next = cc->waiters.next;
		batch.prev = cc->waiters.prev;
		batch.next->prev = &batch;
		batch.prev->next = &batch;
		list_init(&cc->waiters);
	}
	while ((w = batch.next) != &batch) {
		list_unlink(w);
		if (state_of(cc, now) != CREDS_EXPIRED) {
			fill(cc, &ref);
			w->cb(w, 0, &ref, NULL);
		} else {
			w->cb(w, cc->last_error.code ? cc->last_error.code : -EKEYEXPIRED, NULL,
			      &cc->last_error);
		}
	}
}

int
creds_cache_get(struct creds_cache *cc, struct creds_waiter *w, struct creds_ref *ret,
		struct err *e)
{
	time_t now = now_of(cc);
	bool recent = cc->last_end != 0 && now - cc->last_end < CREDS_REFRESH_RETRY_SECS;
	int r;

	switch (state_of(cc, now)) {
	case CREDS_FRESH:
		fill(cc, ret);
		return 1;
	case CREDS_ADVISORY:
		if (!recent)
			(void)start_refresh(cc, NULL); /* failure: keep using what we have */
		fill(cc, ret);
		return 1;
	case CREDS_MANDATORY:
		if (!cc->refreshing && (recent || start_refresh(cc, NULL) < 0)) {
			fill(cc, ret);
			return 1;
		}
		break;
	case CREDS_EXPIRED:
		r = start_refresh(cc, e);
		if (r < 0)
			return r;
		break;
	}
	list_append(&cc->waiters, w);
	return 0;
}

void
creds_cache_cancel(struct creds_cache *cc, struct creds_waiter *w)
{
	(void)cc;
	list_unlink(w);
}

bool
creds_cache_invalidate(struct creds_cache *cc, unsigned long generation)
{
	if (generation != cc->generation || cc->stale)
		return false;
	cc->stale = true;
	return true;
}

const struct err *
creds_cache_last_error(const struct creds_cache *cc)
{
	return &cc->last_error;
}

unsigned long
creds_cache_fetches(const struct creds_cache *cc)
{
	return cc->fetches;
}
