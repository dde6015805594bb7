/* SPDX-License-Identifier: ISC */
/*
 * creds_build: a credential plan (creds_plan.h) → the chain of providers and
 * caches the EC2 client draws from.
 *
 * The plan says *what* to use; this builds it:
 *
 *   source provider ──▶ cache ──▶ AssumeRole(hop 1) ──▶ cache ──▶ … ──▶ cache
 *   (static, process,                                              (returned)
 *    web identity, ECS, IMDS, SSO)
 *
 * Each AssumeRole provider signs with the cache before it and owns it, so
 * the returned (outermost) cache owns the whole chain: free it with
 * creds_cache_free().  Every cache refreshes on its own (advisory /
 * mandatory windows), so a hop is renewed before the credentials it was
 * assumed with run out.
 *
 * Building does no network I/O and does not log (the daemon logs the
 * plan's description once); it may be called from the loop.  The http
 * client is borrowed: free the chain before it.
 */
#ifndef VPCESD_CREDS_BUILD_H
#define VPCESD_CREDS_BUILD_H

#include <stddef.h>
#include <time.h>

#include <ev.h>

#include "creds_plan.h"
#include "creds_provider.h"
#include "err.h"

struct http_client;
struct writer;

/* Everything but the plan; zero fields take the defaults. */
struct creds_build_options {
	const char *sts_endpoint;  /* NULL: https://sts.<region>.amazonaws.com(.cn) */
	const char *region;        /* STS signing region; required when the plan assumes roles */
	char *const *process_envp; /* credential_process environment; NULL: the daemon's */
	double process_timeout;    /* seconds; 0: CREDS_PROCESS_TIMEOUT */
	unsigned sts_max_attempts; /* 0: aws.h default */
	struct writer *writer;     /* SSO: writes renewed tokens back; NULL: memory only */
	/* Injectable sources for tests (NULL: the real ones). */
	time_t (*now)(void *arg); /* the caches' clock: refresh windows */
	void *now_arg;
	time_t (*wall_clock)(void *arg); /* STS signing time and session names */
	void *wall_clock_arg;
	double (*random01)(void *arg); /* STS retry jitter */
	void *random01_arg;
};

/*
 * Build the chain for `plan` (copied; it may be freed afterwards) into
 * *ret.  Errors (-EINVAL naming the field, -ENOMEM) leave *ret untouched
 * and free whatever was built.  The process provider needs the default
 * libev loop.
 */
int creds_build_ex(struct ev_loop *loop, struct http_client *http,
		   const struct creds_build_options *o, const struct creds_plan *plan,
		   struct creds_cache **ret, struct err *e);

/* creds_build_ex() with the defaults and the given STS endpoint (NULL: regional) and region. */
int creds_build(struct ev_loop *loop, struct http_client *http, const char *sts_endpoint,
		const char *region, const struct creds_plan *plan, struct creds_cache **ret,
		struct err *e);

/* The regional STS endpoint for `region` into out (n bytes).  -EINVAL for a bad region. */
int creds_sts_endpoint(const char *region, char *out, size_t n, struct err *e);

#endif
