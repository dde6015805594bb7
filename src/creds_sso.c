/* SPDX-License-Identifier: ISC */
/*
 * creds_sso: the IAM Identity Center (SSO) provider.  See creds_net.h.
 *
 * One fetch is a small state machine on the http client's callbacks:
 *
 *   read the token cache ─▶ [renew the token: OIDC CreateToken] ─▶ portal
 *   GetRoleCredentials ─▶ role credentials (the cache in front of us
 *   refreshes them before their Expiration, like any temporary credentials)
 *
 * The cache file is re-read at every fetch (bounded, local, as the web
 * identity token file is), so an `aws sso login` while the daemon runs is
 * picked up at the next refresh.  A token is renewed as botocore's
 * SSOTokenProvider renews it: in the sso-session form only, once it is
 * within CREDS_SSO_REFRESH_WINDOW of its end, when the file has a refresh
 * token and a client registration that has not expired.  A failed renewal
 * is not fatal while the old token is still valid (botocore logs it and
 * goes on); once the token has expired, it is an error naming `aws sso
 * login`.  The renewed cache file is handed to the writer (writer.h), so
 * its fsync never blocks the loop; the renewed token is also kept here, so
 * a write that is slow or fails costs nothing until the next start.
 *
 * Every failure of a fetch is final for the chain: there is no other
 * provider behind this one.  Messages name the profile, the sso-session,
 * the cache file, the role, the account and the HTTP status, and say what
 * to run; the server's own words are quoted only after scrubbing with the
 * tokens and the client secret we hold.  Response bodies and request
 * headers that held a secret are wiped.
 */
#include "secret.h"
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <openssl/crypto.h>

#include "creds_net.h"
#include "creds_sso.h"
#include "http.h"
#include "json_strict.h"
#include "query.h"
#include "rfc3339.h"
#include "scrub.h"
#include "writer.h"

#define SSO_ATTEMPTS   3   /* portal and OIDC calls, on transport errors, 429 and 5xx */
#define SSO_RETRY_SECS 1.0 /* between attempts */
#define SSO_TIMEOUT_MS 10000L
#define SSO_HINT_MAX   256

enum sso_step {
	SSO_IDLE,
	SSO_REFRESH, /* POST <oidc>/token */
	SSO_PORTAL,  /* GET <portal>/federation/credentials */
};

struct sso_provider {
	struct creds_provider base;
	struct http_client *http;
	struct writer *writer; /* may be NULL */
	struct ev_loop *loop;
	time_t (*wall_clock)(void *arg);
	void *wall_clock_arg;
	struct creds_sso_plan plan; /* owned copy */
	char hint[SSO_HINT_MAX];    /* "run: aws sso login --profile P" */
	char file[CREDS_URL_MAX];   /* the cache file as messages name it: "~/.aws/sso/…" */
	/* The token of this fetch and the cache document it came from. */
	struct creds_sso_token token;
	char *doc;
	size_t doc_len;
	/* A token renewed here, newer than the file until the writer catches up. */
	struct creds_sso_token mem;
	char *mem_doc;
	size_t mem_doc_len;
	enum sso_step step;
	unsigned attempt;
	ev_timer retry;
	struct http_call *call;
	creds_fetch_done_fn *done;
	void *arg;
};

static time_t
wall_now(const struct sso_provider *sp)
{
	return sp->wall_clock ? sp->wall_clock(sp->wall_clock_arg) : time(NULL);
}

static void
doc_free(char **doc, size_t *len)
{
	if (*doc != NULL) {
		OPENSSL_cleanse(*doc, *len);
		free(*doc);
	}
	*doc = NULL;
	*len = 0;
}

/* Every secret we hold, for scrub.h. */
static void
scrub_keys_of(const struct sso_provider *sp, struct scrub_keys *k)
{
	scrub_keys_init(k);
	scrub_keys_add_str(k, sp->token.access_token);
	scrub_keys_add_str(k, sp->token.refresh_token);
	scrub_keys_add_str(k, sp->token.client_secret);
	scrub_keys_add_str(k, sp->token.client_id);
	scrub_keys_add_str(k, sp->mem.access_token);
	scrub_keys_add_str(k, sp->mem.refresh_token);
}

static void
finish(struct sso_provider *sp, int r, struct creds *c, struct err *e)
{
	creds_fetch_done_fn *done = sp->done;
	struct scrub_keys k;

	if (e != NULL) {
		scrub_keys_of(sp, &k);
		scrub_string(e->msg, sizeof(e->msg), &k);
	}
	creds_sso_token_free(&sp->token);
	doc_free(&sp->doc, &sp->doc_len);
	sp->done = NULL;
	sp->call = NULL;
	sp->step = SSO_IDLE;
	if (done != NULL)
		done(sp->arg, r, c, e);
	else if (c != NULL)
		creds_free(c);
}

/* " (HTTP 401, UnauthorizedException: Session token not found or invalid)" into out. */
static void
status_text(const struct http_response *resp, char *out, size_t n)
{
	char why[256];

	if (resp->error != HTTP_ERR_NONE) {
		snprintf(out, n, " (%.200s)",
			 resp->message[0] ? resp->message : http_error_name(resp->error));
		return;
	}
	creds_sso_error_text(buf_str(&resp->body), resp->body.len, NULL, why, sizeof(why));
	snprintf(out, n, " (HTTP %ld%s%.200s)", resp->status, why[0] ? ", " : "", why);
}

static void on_http(struct http_response *resp, void *userdata);

/* POST the refresh grant to OIDC CreateToken.  Fills `e` (no callback) on failure. */
static int
send_refresh(struct sso_provider *sp, struct err *e)
{
	struct http_header hdr = {"Content-Type", "application/json"};
	struct http_request req = {0};
	char url[CREDS_URL_MAX + 16];
	cJSON *body = cJSON_CreateObject();
	char *text = NULL;
	struct err he;
	int r;

	if (body == NULL || !cJSON_AddStringToObject(body, "grantType", "refresh_token") ||
	    !cJSON_AddStringToObject(body, "clientId", sp->token.client_id) ||
	    !cJSON_AddStringToObject(body, "clientSecret", sp->token.client_secret) ||
	    !cJSON_AddStringToObject(body, "refreshToken", sp->token.refresh_token) ||
	    (text = cJSON_PrintUnformatted(body)) == NULL) {
		r = err_set(e, -ENOMEM, "out of memory");
		goto out;
	}
	snprintf(url, sizeof(url), "%s/token", sp->plan.oidc_endpoint);
	req.method = HTTP_POST;
	req.url = url;
	req.headers = &hdr;
	req.n_headers = 1;
	req.body = text;
	req.body_len = strlen(text);
	req.timeout_ms = SSO_TIMEOUT_MS;
	req.max_body = CREDS_SSO_ANSWER_MAX;
	err_clear(&he);
	r = http_submit(sp->http, &req, on_http, sp, &sp->call, &he);
	if (r < 0)
		err_set(e, r, "%s: SSO OIDC %s: %s", sp->base.name, url, he.msg);
	else
		sp->step = SSO_REFRESH;
out:
	secret_free(text);
	json_strict_free(body); /* cJSON copied the secrets */
	return r;
}

/* GET the role credentials from the portal.  Fills `e` (no callback) on failure. */
static int
send_portal(struct sso_provider *sp, struct err *e)
{
	struct http_header hdr = {"x-amz-sso_bearer_token", sp->token.access_token};
	struct http_request req = {0};
	struct buf url;
	struct err he;
	int r;

	buf_init(&url, CREDS_URL_MAX + 512);
	if (buf_printf(&url, "%s/federation/credentials?account_id=", sp->plan.portal_endpoint) <
		    0 ||
	    query_pct_encode(&url, sp->plan.account_id, strlen(sp->plan.account_id), false) < 0 ||
	    buf_puts(&url, "&role_name=") < 0 ||
	    query_pct_encode(&url, sp->plan.role_name, strlen(sp->plan.role_name), false) < 0) {
		buf_free(&url);
		return err_set(e, -E2BIG, "%s: portal URL too long", sp->base.name);
	}
	req.method = HTTP_GET;
	req.url = buf_str(&url);
	req.headers = &hdr;
	req.n_headers = 1;
	req.timeout_ms = SSO_TIMEOUT_MS;
	req.max_body = CREDS_SSO_ANSWER_MAX;
	err_clear(&he);
	r = http_submit(sp->http, &req, on_http, sp, &sp->call, &he);
	if (r < 0)
		err_set(e, r, "%s: SSO portal %s: %s", sp->base.name, sp->plan.portal_endpoint,
			he.msg);
	else
		sp->step = SSO_PORTAL;
	buf_free(&url);
	return r;
}

static int
send_step(struct sso_provider *sp, enum sso_step step, struct err *e)
{
	return step == SSO_REFRESH ? send_refresh(sp, e) : send_portal(sp, e);
}

/* Go on with `step` (a new attempt counter), or finish with why not. */
static void
next(struct sso_provider *sp, enum sso_step step)
{
	struct err e;
	int r;

	err_clear(&e);
	sp->attempt = 0;
	r = send_step(sp, step, &e);
	if (r < 0)
		finish(sp, r, NULL, &e);
}

static void
on_retry(struct ev_loop *loop, ev_timer *t, int revents)
{
	struct sso_provider *sp = t->data;
	struct err e;
	int r;

	(void)loop;
	(void)revents;
	err_clear(&e);
	r = send_step(sp, sp->step, &e);
	if (r < 0)
		finish(sp, r, NULL, &e);
}

/* The token of this fetch has expired (or is about to be used expired): say what to run. */
static int
expired(struct sso_provider *sp, const char *why, struct err *e)
{
	char when[RFC3339_SIZE];

	if (!rfc3339_format(sp->token.expires_at, when))
		snprintf(when, sizeof(when), "?");
	return err_set(e, -EKEYEXPIRED, "%s: the SSO token in %s expired at %s%s; %s",
		       sp->base.name, sp->file, when, why, sp->hint);
}

/* Why a token of the sso-session form cannot be renewed ("" when it can). */
static const char *
not_refreshable(const struct sso_provider *sp, time_t now)
{
	if (sp->plan.session_name == NULL)
		return " (the legacy SSO form, without sso_session, has no refresh)";
	if (sp->token.refresh_token == NULL || sp->token.client_id == NULL ||
	    sp->token.client_secret == NULL)
		return " (the cache has no refresh token)";
	if (sp->token.registration_expires <= now)
		return " (its client registration has expired)";
	return "";
}

/* A renewed token: into the cache document, memory and (off the loop) the file. */
static int
take_renewal(struct sso_provider *sp, struct http_response *resp, struct err *e)
{
	char *access = NULL, *refresh = NULL, *doc = NULL;
	size_t doc_len = 0;
	long expires_in = 0;
	time_t expires_at;
	int r;

	r = creds_sso_parse_create_token(buf_str(&resp->body), resp->body.len, sp->base.name,
					 &access, &expires_in, &refresh, e);
	if (r < 0)
		return r;
	expires_at = wall_now(sp) + expires_in;
	r = creds_sso_token_renewed(sp->doc, sp->doc_len, access, expires_at, refresh, &doc,
				    &doc_len, e);
	if (r < 0)
		goto out;
	secret_free(sp->token.access_token);
	sp->token.access_token = access;
	access = NULL;
	sp->token.expires_at = expires_at;
	if (refresh != NULL) {
		secret_free(sp->token.refresh_token);
		sp->token.refresh_token = refresh;
		refresh = NULL;
	}
	/* Memory keeps its own copy of what the file will say. */
	creds_sso_token_free(&sp->mem);
	doc_free(&sp->mem_doc, &sp->mem_doc_len);
	r = creds_sso_token_parse(doc, doc_len, sp->base.name, &sp->mem, e);
	if (r < 0) {
		secret_free(doc);
		goto out;
	}
	sp->mem_doc = doc;
	sp->mem_doc_len = doc_len;
	if (sp->writer != NULL) {
		char *copy = malloc(doc_len + 1);

		/* The writer takes `copy` (freed also on failure); a failed write is not fatal. */
		if (copy != NULL) {
			memcpy(copy, doc, doc_len + 1);
			(void)writer_submit(sp->writer, sp->plan.cache_file, copy, doc_len, 0600, 0,
					    NULL, NULL);
		}
	}
out:
	secret_free(access);
	secret_free(refresh);
	return r;
}

static void
on_refresh(struct sso_provider *sp, struct http_response *resp)
{
	char why[ERR_MSG_MAX / 2];
	struct err e;

	err_clear(&e);
	if (resp->error == HTTP_ERR_NONE && resp->status == 200) {
		int r = take_renewal(sp, resp, &e);

		http_response_wipe(resp);
		if (r == 0) {
			next(sp, SSO_PORTAL);
			return;
		}
		snprintf(why, sizeof(why), " (%.200s)", e.msg);
	} else {
		status_text(resp, why, sizeof(why));
		http_response_wipe(resp);
	}
	/* botocore: a failed renewal is only a warning while the old token lasts. */
	if (sp->token.expires_at > wall_now(sp)) {
		next(sp, SSO_PORTAL);
		return;
	}
	err_clear(&e);
	{
		char full[ERR_MSG_MAX];

		snprintf(full, sizeof(full),
			 ", and renewing it failed (SSO OIDC CreateToken%.220s)", why);
		finish(sp, expired(sp, full, &e), NULL, &e);
	}
}

static void
on_portal(struct sso_provider *sp, struct http_response *resp)
{
	char why[ERR_MSG_MAX / 2];
	struct creds c = {0};
	struct err e;
	int r;

	err_clear(&e);
	if (resp->error == HTTP_ERR_NONE && resp->status == 200) {
		r = creds_sso_parse_role_credentials(buf_str(&resp->body), resp->body.len,
						     sp->base.name, &c, &e);
		http_response_wipe(resp);
		finish(sp, r, r == 0 ? &c : NULL, &e);
		return;
	}
	status_text(resp, why, sizeof(why));
	http_response_wipe(resp);
	if (resp->status == 401) {
		/* UnauthorizedException: the token is no good, whatever its expiresAt. */
		creds_sso_token_free(&sp->mem);
		doc_free(&sp->mem_doc, &sp->mem_doc_len);
		r = err_set(&e, -EACCES, "%s: the SSO portal refused the token from %s%s; %s",
			    sp->base.name, sp->file, why, sp->hint);
	} else if (resp->status == 403) {
		r = err_set(&e, -EACCES,
			    "%s: the SSO portal denied role %s in account %s%s; check "
			    "sso_account_id and sso_role_name, or %s",
			    sp->base.name, sp->plan.role_name, sp->plan.account_id, why, sp->hint);
	} else if (resp->status == 404) {
		r = err_set(&e, -ENOENT, "%s: the SSO portal knows no role %s in account %s%s",
			    sp->base.name, sp->plan.role_name, sp->plan.account_id, why);
	} else {
		r = err_set(&e,
			    resp->error != HTTP_ERR_NONE ? creds_transport_errno(resp->error)
							 : -EREMOTEIO,
			    "%s: SSO portal %s: GetRoleCredentials failed%s (after %u attempt%s)",
			    sp->base.name, sp->plan.portal_endpoint, why, sp->attempt,
			    sp->attempt == 1 ? "" : "s");
	}
	finish(sp, r, NULL, &e);
}

static void
on_http(struct http_response *resp, void *userdata)
{
	struct sso_provider *sp = userdata;
	bool transient = resp->error != HTTP_ERR_NONE || resp->status == 429 || resp->status >= 500;

	sp->call = NULL;
	sp->attempt++;
	if (transient && resp->error != HTTP_ERR_CANCELLED && sp->attempt < SSO_ATTEMPTS) {
		http_response_wipe(resp);
		ev_timer_set(&sp->retry, SSO_RETRY_SECS, 0.);
		ev_timer_start(sp->loop, &sp->retry);
		return;
	}
	if (sp->step == SSO_REFRESH)
		on_refresh(sp, resp);
	else
		on_portal(sp, resp);
}

/* Read and parse the cache file into sp->token / sp->doc; prefer a newer renewal of ours. */
static int
load_token(struct sso_provider *sp, struct err *e)
{
	char *doc = NULL;
	size_t len = 0;
	struct err le;
	int r;

	err_clear(&le);
	r = creds_read_secret_file(sp->plan.cache_file, CREDS_SSO_CACHE_MAX, "SSO token cache",
				   &doc, &len, &le);
	if (r == -ENOENT && sp->mem_doc == NULL)
		return err_set(e, r, "%s: no cached SSO token (%s does not exist); %s",
			       sp->base.name, sp->file, sp->hint);
	if (r < 0 && sp->mem_doc == NULL)
		return err_set(e, r, "%s: %s; %s", sp->base.name, le.msg, sp->hint);
	if (r == 0) {
		r = creds_sso_token_parse(doc, len, sp->file, &sp->token, &le);
		if (r < 0) {
			doc_free(&doc, &len);
			if (sp->mem_doc == NULL)
				return err_set(e, r, "%s: %s; %s", sp->base.name, le.msg, sp->hint);
		}
	}
	if (sp->mem_doc != NULL && (doc == NULL || sp->mem.expires_at > sp->token.expires_at)) {
		/* Our renewal is newer than the file (its write is still queued or failed). */
		creds_sso_token_free(&sp->token);
		doc_free(&doc, &len);
		doc = malloc(sp->mem_doc_len + 1);
		if (doc == NULL)
			return err_set(e, -ENOMEM, "out of memory");
		memcpy(doc, sp->mem_doc, sp->mem_doc_len + 1);
		len = sp->mem_doc_len;
		r = creds_sso_token_parse(doc, len, sp->base.name, &sp->token, e);
		if (r < 0) {
			doc_free(&doc, &len);
			return r;
		}
	}
	sp->doc = doc;
	sp->doc_len = len;
	return 0;
}

static int
sso_fetch(struct creds_provider *p, struct ev_loop *loop, creds_fetch_done_fn *done, void *arg,
	  struct err *e)
{
	struct sso_provider *sp = (struct sso_provider *)p;
	time_t now = wall_now(sp);
	const char *why;
	int r;

	sp->loop = loop;
	sp->attempt = 0;
	r = load_token(sp, e);
	if (r < 0)
		goto fail;
	why = not_refreshable(sp, now);
	if (sp->token.expires_at - now < CREDS_SSO_REFRESH_WINDOW && why[0] == '\0') {
		r = send_refresh(sp, e);
	} else if (sp->token.expires_at <= now) {
		r = expired(sp, why, e);
	} else {
		r = send_portal(sp, e);
	}
	if (r < 0)
		goto fail;
	sp->done = done;
	sp->arg = arg;
	return 0;
fail:
	if (e != NULL) {
		struct scrub_keys k;

		scrub_keys_of(sp, &k);
		scrub_string(e->msg, sizeof(e->msg), &k);
	}
	creds_sso_token_free(&sp->token);
	doc_free(&sp->doc, &sp->doc_len);
	return r;
}

static void
sso_cancel(struct creds_provider *p)
{
	struct sso_provider *sp = (struct sso_provider *)p;

	if (sp->call != NULL)
		http_cancel(sp->call);
	sp->call = NULL;
	if (sp->loop != NULL)
		ev_timer_stop(sp->loop, &sp->retry);
	creds_sso_token_free(&sp->token);
	doc_free(&sp->doc, &sp->doc_len);
	sp->step = SSO_IDLE;
	sp->done = NULL;
}

static void
sso_free(struct creds_provider *p)
{
	struct sso_provider *sp = (struct sso_provider *)p;

	sso_cancel(p);
	creds_sso_token_free(&sp->mem);
	doc_free(&sp->mem_doc, &sp->mem_doc_len);
	creds_sso_plan_free(&sp->plan);
	free(sp->base.name);
	free(sp);
}

static const struct creds_provider_ops sso_ops = {
	.kind = "sso",
	.fetch = sso_fetch,
	.cancel = sso_cancel,
	.free = sso_free,
};

static int
copy_plan(struct creds_sso_plan *dst, const struct creds_sso_plan *src)
{
	const char *const from[] = {src->profile,    src->session_name,    src->start_url,
				    src->region,     src->account_id,      src->role_name,
				    src->cache_file, src->portal_endpoint, src->oidc_endpoint};
	char **const to[] = {&dst->profile,    &dst->session_name,    &dst->start_url,
			     &dst->region,     &dst->account_id,      &dst->role_name,
			     &dst->cache_file, &dst->portal_endpoint, &dst->oidc_endpoint};

	for (size_t i = 0; i < sizeof(from) / sizeof(from[0]); i++) {
		*to[i] = from[i] ? strdup(from[i]) : NULL;
		if (from[i] != NULL && *to[i] == NULL)
			return -ENOMEM;
	}
	return 0;
}

/* An https:// URL without a trailing '/', which the paths are appended to. */
static bool
endpoint_ok(char *url)
{
	size_t n = strlen(url);

	while (n > 8 && url[n - 1] == '/')
		url[--n] = '\0';
	return n > 8 && n <= CREDS_URL_MAX && strncmp(url, "https://", 8) == 0 &&
	       strpbrk(url, "?# \t\r\n") == NULL;
}

int
creds_provider_new_sso(const struct creds_sso_options *o, const struct creds_sso_plan *plan,
		       struct creds_provider **ret, struct err *e)
{
	struct sso_provider *sp;
	char name[512];

	if (o == NULL || o->http == NULL || plan == NULL || plan->cache_file == NULL ||
	    plan->account_id == NULL || plan->role_name == NULL || plan->profile == NULL ||
	    plan->portal_endpoint == NULL || plan->oidc_endpoint == NULL)
		return err_set(e, -EINVAL, "SSO: an http client and a complete plan are required");
	sp = calloc(1, sizeof(*sp));
	if (sp == NULL)
		return err_set(e, -ENOMEM, "out of memory");
	sp->base.ops = &sso_ops;
	sp->http = o->http;
	sp->writer = o->writer;
	sp->wall_clock = o->wall_clock;
	sp->wall_clock_arg = o->wall_clock_arg;
	ev_timer_init(&sp->retry, on_retry, 0., 0.);
	sp->retry.data = sp;
	snprintf(name, sizeof(name), "SSO role %s in account %s (profile %s)", plan->role_name,
		 plan->account_id, plan->profile);
	if (copy_plan(&sp->plan, plan) < 0 || (sp->base.name = strdup(name)) == NULL) {
		sso_free(&sp->base);
		return err_set(e, -ENOMEM, "out of memory");
	}
	if (!endpoint_ok(sp->plan.portal_endpoint) || !endpoint_ok(sp->plan.oidc_endpoint)) {
		sso_free(&sp->base);
		return err_set(e, -EINVAL,
			       "SSO: the portal and OIDC endpoints must be https:// URLs without a "
			       "query (TLS is not optional)");
	}
	/*
	 * Messages end in the advice, which must survive ERR_MSG_MAX after the
	 * callers' prefixes: the cache file is named from "~", which is what
	 * the planner put before "/.aws/sso/cache/" ($HOME).
	 */
	{
		const char *tail = strstr(sp->plan.cache_file, "/.aws/sso/cache/");

		snprintf(sp->file, sizeof(sp->file), "%s%s", tail ? "~" : "",
			 tail ? tail : sp->plan.cache_file);
	}
	if (plan->session_name != NULL)
		snprintf(sp->hint, sizeof(sp->hint),
			 "run: aws sso login --profile %s (or aws sso login --sso-session %s)",
			 plan->profile, plan->session_name);
	else
		snprintf(sp->hint, sizeof(sp->hint), "run: aws sso login --profile %s",
			 plan->profile);
	*ret = &sp->base;
	return 0;
}
