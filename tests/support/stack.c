/* SPDX-License-Identifier: ISC */
/*
 * Test support: the EC2 client stack against ec2sim.  See stack.h.
 */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>

#include <ev.h>

#include "aws.h"
#include "creds.h"
#include "creds_provider.h"
#include "err.h"
#include "http.h"
#include "stack.h"

int
stack_static_creds(struct ev_loop *loop, const char *key_id, const char *secret,
		   struct creds_cache **ret, struct err *e)
{
	struct creds c = {0};
	struct creds_provider *p = NULL;
	int r;

	*ret = NULL;
	r = creds_set(&c, key_id, secret, NULL, 0, "test", NULL, "test", e);
	if (r < 0)
		return r;
	r = creds_provider_new_static(&c, "test", &p);
	creds_free(&c);
	if (r < 0)
		return err_set(e, r, "static credentials provider: out of memory");
	/* The cache takes the provider, also when it fails. */
	r = creds_cache_new(loop, p, NULL, NULL, ret);
	if (r < 0)
		return err_set(e, r, "credentials cache: out of memory");
	return 0;
}

int
stack_new(struct ev_loop *loop, const struct aws_client_options *tmpl, const char *key_id,
	  const char *secret, struct http_client **http, struct creds_cache **creds,
	  struct aws_client **aws, struct err *e)
{
	struct http_client_options ho = {.ca_file = getenv("EC2SIM_CA")};
	struct aws_client_options o = *tmpl;
	int r;

	*http = NULL;
	*creds = NULL;
	*aws = NULL;
	r = http_client_new(loop, &ho, http, e);
	if (r < 0)
		goto fail;
	r = stack_static_creds(loop, key_id, secret, creds, e);
	if (r < 0)
		goto fail;
	o.http = *http;
	o.creds = *creds;
	r = aws_client_new(loop, &o, aws, e);
	if (r < 0)
		goto fail;
	return 0;
fail:
	stack_free(*http, *creds, *aws);
	*http = NULL;
	*creds = NULL;
	*aws = NULL;
	return r;
}

void
stack_free(struct http_client *http, struct creds_cache *creds, struct aws_client *aws)
{
	aws_client_free(aws);
	creds_cache_free(creds);
	http_client_free(http);
}

struct got {
	bool done;
	int r;
	struct err e;
	struct creds c;
};

static void
on_got(struct creds_waiter *w, int r, const struct creds_ref *ref, const struct err *e)
{
	struct got *g = w->data;

	g->done = true;
	g->r = r;
	if (r == 0) {
		g->r = creds_copy(&g->c, ref->creds);
		if (g->r < 0)
			err_set(&g->e, g->r, "copying the credentials: out of memory");
	} else if (e != NULL) {
		g->e = *e;
	}
}

int
stack_get_creds(struct ev_loop *loop, struct creds_cache *cc, struct creds *out, struct err *e)
{
	struct creds_waiter w = {0};
	struct got g = {0};
	struct creds_ref ref;
	int r;

	err_clear(e);
	err_clear(&g.e);
	w.cb = on_got;
	w.data = &g;
	r = creds_cache_get(cc, &w, &ref, e);
	if (r > 0) {
		r = creds_copy(out, ref.creds);
		return r < 0 ? err_set(e, r, "copying the credentials: out of memory") : 0;
	}
	if (r < 0)
		return r;
	while (!g.done)
		ev_run(loop, EVRUN_ONCE);
	if (g.r == 0) {
		*out = g.c;
		return 0;
	}
	*e = g.e;
	return g.r;
}
