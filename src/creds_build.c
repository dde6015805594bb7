/* SPDX-License-Identifier: ISC */
/*
 * creds_build: plan → provider chain.  See creds_build.h.
 *
 * The chain is built inside out: the source provider and its cache first,
 * then one AssumeRole provider per hop, each taking the cache before it.
 * Constructors take what they are given even when they fail, so on any
 * error the partial chain is already freed and *ret is left alone.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "creds_build.h"
#include "creds_net.h"

int
creds_sts_endpoint(const char *region, char *out, size_t n, struct err *e)
{
	size_t len = region ? strlen(region) : 0;

	if (len == 0 || len > 32 || strspn(region, "abcdefghijklmnopqrstuvwxyz0123456789-") != len)
		return err_set(e, -EINVAL,
			       "region '%s' is not a region name: STS needs one to assume roles",
			       region ? region : "");
	snprintf(out, n, "https://sts.%s.amazonaws.com%s", region,
		 strncmp(region, "cn-", 3) == 0 ? ".cn" : "");
	return 0;
}

static int
build_source(struct ev_loop *loop, struct http_client *http, const struct creds_build_options *o,
	     const struct creds_sts_options *sts, const struct creds_plan *plan,
	     struct creds_provider **ret, struct err *e)
{
	int r;

	switch (plan->source) {
	case CREDS_SOURCE_STATIC:
		r = creds_provider_new_static(&plan->static_creds, plan->description, ret);
		return r < 0 ? err_set(e, r, "out of memory") : 0;
	case CREDS_SOURCE_PROCESS:
		return creds_provider_new_process(&plan->process_argv, o->process_envp,
						  o->process_timeout > 0 ? o->process_timeout
									 : CREDS_PROCESS_TIMEOUT,
						  ret, e);
	case CREDS_SOURCE_WEB_IDENTITY:
		if (sts == NULL)
			return err_set(e, -EINVAL, "web identity needs a region for STS");
		return creds_provider_new_web_identity(loop, sts, plan->role_arn, plan->token_file,
						       plan->session_name, ret, e);
	case CREDS_SOURCE_ECS:
		return creds_provider_new_ecs(http, plan->url, plan->auth_token,
					      plan->auth_token_file, ret, e);
	case CREDS_SOURCE_IMDS:
		return creds_provider_new_imds(http, plan->url, ret, e);
	case CREDS_SOURCE_SSO: {
		struct creds_sso_options so = {
			.http = http,
			.writer = o->writer,
			.wall_clock = o->wall_clock,
			.wall_clock_arg = o->wall_clock_arg,
		};

		return creds_provider_new_sso(&so, &plan->sso, ret, e);
	}
	}
	return err_set(e, -EINVAL, "unknown credential source %d", (int)plan->source);
}

int
creds_build_ex(struct ev_loop *loop, struct http_client *http, const struct creds_build_options *o,
	       const struct creds_plan *plan, struct creds_cache **ret, struct err *e)
{
	static const struct creds_build_options defaults = {0};
	struct creds_sts_options sts = {0};
	struct creds_provider *p = NULL;
	struct creds_cache *cc = NULL;
	char endpoint[128];
	bool need_sts;
	size_t i;
	int r;

	if (o == NULL)
		o = &defaults;
	if (loop == NULL || http == NULL || plan == NULL)
		return err_set(e, -EINVAL, "credentials: loop, http client and plan are required");
	if (plan->n_hops > CREDS_MAX_HOPS)
		return err_set(e, -EINVAL, "credentials: more than %d AssumeRole hops",
			       CREDS_MAX_HOPS);
	need_sts = plan->n_hops > 0 || plan->source == CREDS_SOURCE_WEB_IDENTITY;
	if (need_sts) {
		if (o->sts_endpoint == NULL) {
			r = creds_sts_endpoint(o->region, endpoint, sizeof(endpoint), e);
			if (r < 0)
				return r;
		} else if (o->region == NULL || o->region[0] == '\0') {
			return err_set(e, -EINVAL, "credentials: STS needs a signing region");
		}
		sts.http = http;
		sts.endpoint = o->sts_endpoint ? o->sts_endpoint : endpoint;
		sts.region = o->region;
		sts.max_attempts = o->sts_max_attempts;
		sts.wall_clock = o->wall_clock;
		sts.wall_clock_arg = o->wall_clock_arg;
		sts.random01 = o->random01;
		sts.random01_arg = o->random01_arg;
	}
	r = build_source(loop, http, o, need_sts ? &sts : NULL, plan, &p, e);
	if (r < 0)
		return r;
	r = creds_cache_new(loop, p, o->now, o->now_arg, &cc); /* takes p */
	if (r < 0)
		return err_set(e, r, "out of memory");
	for (i = 0; i < plan->n_hops; i++) {
		r = creds_provider_new_assume_role(loop, &sts, cc, &plan->hops[i], &p, e);
		if (r < 0)
			return r; /* cc was taken and freed */
		r = creds_cache_new(loop, p, o->now, o->now_arg, &cc);
		if (r < 0)
			return err_set(e, r, "out of memory");
	}
	*ret = cc;
	return 0;
}

int
creds_build(struct ev_loop *loop, struct http_client *http, const char *sts_endpoint,
	    const char *region, const struct creds_plan *plan, struct creds_cache **ret,
	    struct err *e)
{
	struct creds_build_options o = {
		.sts_endpoint = sts_endpoint,
		.region = region,
	};

	return creds_build_ex(loop, http, &o, plan, ret, e);
}
