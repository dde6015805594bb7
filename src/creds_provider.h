/* SPDX-License-Identifier: ISC */
/*
 * creds_provider: asynchronous credential providers and the cache the EC2
 * client draws from.
 *
 * A provider is an object with an asynchronous fetch(): static keys and
 * credential_process exist now; STS AssumeRole / web identity, ECS and IMDS
 * slot in as further implementations of the same ops.  The cache sits in
 * front of one provider and implements the refresh policy of the issue:
 *
 *  - fresh credentials are handed out at once;
 *  - inside the advisory window (15 min before Expiration) they are still
 *    handed out while one refresh runs in the background;
 *  - inside the mandatory window (10 min) and when expired, callers wait for
 *    the refresh; one refresh serves every waiter; a failed refresh still
 *    serves credentials that have not expired yet;
 *  - creds_cache_invalidate() after an AuthFailure makes the next get wait
 *    for a new refresh, once per generation, however many requests failed
 *    with the same credentials (the client then retries each request once).
 *
 * Everything here runs on the libev loop and never blocks it.  No logging:
 * results and errors are returned; creds_cache_last_error() keeps the last
 * refresh failure for the daemon to report.  A provider's failure quotes
 * others (a helper's stderr, STS's message): the cache scrubs it (scrub.h)
 * with the credentials it holds before anyone sees it.
 */
#ifndef VPCESD_CREDS_PROVIDER_H
#define VPCESD_CREDS_PROVIDER_H

#include <stdbool.h>
#include <time.h>

#include <ev.h>

#include "creds.h"
#include "err.h"
#include "scrub.h"
#include "strv.h"

#define CREDS_PROCESS_TIMEOUT     30.0 /* seconds, default for credential_process */
#define CREDS_PROCESS_STDERR_KEEP 4096 /* bytes of stderr kept for the error message */
#define CREDS_REFRESH_RETRY_SECS  30   /* no new refresh sooner after one ended, while valid */

struct creds_provider;

/*
 * Completion of a fetch: r == 0 and *c filled (the callee owns *c and must
 * take it or creds_free() it), or r < 0, c == NULL and `e` saying why.
 */
typedef void creds_fetch_done_fn(void *arg, int r, struct creds *c, const struct err *e);

struct creds_provider_ops {
	const char *kind; /* "static", "process", ... */
	/*
	 * Start one fetch; `done` is called exactly once, always later from the
	 * loop, never from inside fetch().  At most one fetch per provider is in
	 * flight.  An immediate failure returns <0 (with `e`) and `done` is
	 * never called.
	 */
	int (*fetch)(struct creds_provider *p, struct ev_loop *loop, creds_fetch_done_fn *done,
		     void *arg, struct err *e);
	/* Abandon the fetch in flight, if any: `done` will not be called. */
	void (*cancel)(struct creds_provider *p);
	/* Free the provider (cancelling first). */
	void (*free)(struct creds_provider *p);
};

struct creds_provider {
	const struct creds_provider_ops *ops;
	char *name; /* owned description for messages, e.g. "credential_process /usr/bin/x" */
};

/* Free any provider (NULL-safe). */
void creds_provider_free(struct creds_provider *p);

/* A provider that always yields a copy of `c` (copied now).  -ENOMEM. */
int creds_provider_new_static(const struct creds *c, const char *name, struct creds_provider **ret);

/*
 * credential_process: run argv (argv[0] looked up in PATH) without a shell,
 * stdin /dev/null, in its own process group, with environment `envp` (copied;
 * NULL: the daemon's own), reading stdout (capped at CREDS_JSON_MAX) and
 * stderr (first CREDS_PROCESS_STDERR_KEEP bytes); after `timeout` seconds the
 * whole group gets SIGKILL.  Exit status 0 and a valid document (creds.h,
 * CREDS_JSON_PROCESS) is success.  Needs the default libev loop (ev_child).
 */
int creds_provider_new_process(const struct strv *argv, char *const *envp, double timeout,
			       struct creds_provider **ret, struct err *e);

/* The credentials handed out by the cache: borrowed until control returns to the loop. */
struct creds_ref {
	const struct creds *creds;
	unsigned long generation; /* pass to creds_cache_invalidate() */
};

/*
 * A caller waiting for credentials.  The caller owns the storage, zeroes it
 * once and sets `cb` (and may use `data`); the rest is the cache's.  A
 * waiter must stay alive until its callback ran or it was cancelled.
 */
struct creds_waiter {
	void (*cb)(struct creds_waiter *w, int r, const struct creds_ref *ref, const struct err *e);
	void *data;
	struct creds_waiter *prev, *next; /* private */
};

struct creds_cache;

/*
 * A cache in front of `provider` (taken, also on failure).  `now` reads the
 * wall clock (NULL: time()); tests pass their own.  -ENOMEM.
 */
int creds_cache_new(struct ev_loop *loop, struct creds_provider *provider, time_t (*now)(void *arg),
		    void *now_arg, struct creds_cache **ret);

/*
 * Free the cache, cancelling a refresh in flight.  Waiters still queued are
 * dropped without a call.  Not from inside a waiter callback.  NULL-safe.
 */
void creds_cache_free(struct creds_cache *cc);

/*
 * Get credentials.  Returns 1 with *ret filled when usable credentials are at
 * hand (possibly starting a background refresh); 0 when `w` was queued and
 * w->cb will be called from the loop with the outcome; <0 when no
 * credentials are at hand and a refresh could not even start (`e` says why).
 */
int creds_cache_get(struct creds_cache *cc, struct creds_waiter *w, struct creds_ref *ret,
		    struct err *e);

/* Withdraw a queued waiter (no-op when not queued). */
void creds_cache_cancel(struct creds_cache *cc, struct creds_waiter *w);

/*
 * The credentials of `generation` were refused (AuthFailure): unless they
 * were replaced already, the next get waits for a refresh (the one in flight,
 * if any, or a new one).  Returns
 * true when this call marked them.
 */
bool creds_cache_invalidate(struct creds_cache *cc, unsigned long generation);

/*
 * Add the secrets of the credentials at hand (secret key, session token) to
 * `k` for scrub.h, borrowed until control returns to the loop; nothing when
 * the cache holds none.
 */
void creds_cache_scrub_keys(const struct creds_cache *cc, struct scrub_keys *k);

/* The last refresh failure ("" when the last refresh succeeded). */
const struct err *creds_cache_last_error(const struct creds_cache *cc);

/* Number of fetches started so far (for tests and metrics). */
unsigned long creds_cache_fetches(const struct creds_cache *cc);

#endif
