/* SPDX-License-Identifier: ISC */
/*
 * creds_http: the ECS container and IMDSv2 providers.  See creds_net.h.
 *
 * Both speak plain HTTP to a link-local (or loopback) endpoint through the
 * daemon's http client, so they are small state machines on its completion
 * callbacks.  Plain http is asked for per request (HTTP_ALLOW_HTTP), only
 * for these endpoints; the ECS URL is checked against the allow-list of
 * creds_container_url_allowed() when the provider is made.
 *
 * IMDS: the session token is kept between fetches until shortly before its
 * TTL runs out (measured on the loop's monotonic clock) or until a GET is
 * answered 401, which drops it and PUTs a new one, once per fetch.  A token
 * PUT that fails (403 from a proxy hop, 404/405 from an IMDSv1-only
 * service, a timeout) is an error: IMDSv1 is never tried, because it is
 * what SSRF attacks against instances exploit.
 *
 * Every body that held credentials or a token is wiped before the http
 * module frees it, and so is every token copy of ours.  A failure's message
 * may quote the endpoint (a role name, a JSON member name, libcurl's
 * reason): it is scrubbed (scrub.h) with the token we hold before it leaves.
 */
#include "secret.h"
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "creds_net.h"
#include "http.h"
#include "scrub.h"

#define IMDS_TOKEN_PATH   "/latest/api/token"
#define IMDS_ROLE_PATH    "/latest/meta-data/iam/security-credentials/"
#define IMDS_SMALL_BODY   4096 /* token and role name answers */
#define IMDS_ROLE_MAX     128
#define IMDS_TOKEN_MARGIN 300.0 /* seconds before the TTL when a token is replaced */

int
creds_read_secret_file(const char *path, size_t max, const char *what, char **ret, size_t *ret_len,
		       struct err *e)
{
	struct stat st;
	char *data = NULL;
	size_t len = 0;
	ssize_t n;
	int fd, r;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return err_set(e, -errno, "%s %s: %s", what, path, strerror(errno));
	if (fstat(fd, &st) < 0) {
		r = err_set(e, -errno, "%s %s: %s", what, path, strerror(errno));
		goto fail;
	}
	if (!S_ISREG(st.st_mode)) {
		r = err_set(e, -EINVAL, "%s %s: not a regular file", what, path);
		goto fail;
	}
	if ((size_t)st.st_size > max) {
		r = err_set(e, -E2BIG, "%s %s: larger than %zu bytes", what, path, max);
		goto fail;
	}
	data = malloc(max + 1);
	if (data == NULL) {
		r = err_set(e, -ENOMEM, "out of memory");
		goto fail;
	}
	/* Read to EOF, one byte past the cap to notice a file that grew. */
	while (len <= max) {
		n = read(fd, data + len, max + 1 - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			r = err_set(e, -EIO, "%s %s: %s", what, path, strerror(errno));
			goto fail;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	if (len > max) {
		r = err_set(e, -E2BIG, "%s %s: larger than %zu bytes", what, path, max);
		goto fail;
	}
	data[len] = '\0';
	close(fd);
	*ret = data;
	*ret_len = len;
	return 0;
fail:
	if (data != NULL) {
		OPENSSL_cleanse(data, max + 1);
		free(data);
	}
	close(fd);
	return r;
}

/* "connect: Connection refused" style text for a transport failure. */
static const char *
transport_text(const struct http_response *resp)
{
	return resp->message[0] ? resp->message : http_error_name(resp->error);
}

int
creds_transport_errno(enum http_error kind)
{
	switch (kind) {
	case HTTP_ERR_TIMEOUT:
		return -ETIMEDOUT;
	case HTTP_ERR_CONNECT:
		return -ECONNREFUSED;
	case HTTP_ERR_RESOLVE:
		return -EHOSTUNREACH;
	case HTTP_ERR_TOO_LARGE:
		return -EMSGSIZE;
	case HTTP_ERR_CANCELLED:
		return -ECANCELED;
	default:
		return -EIO;
	}
}

/* --- ECS container endpoint ----------------------------------------------------- */

struct ecs_provider {
	struct creds_provider base;
	struct http_client *http;
	struct ev_loop *loop;
	char *url;
	char *auth_token;      /* secret, may be NULL */
	char *auth_token_file; /* wins over auth_token */
	bool allow_http;
	struct http_call *call;
	ev_timer retry; /* between attempts */
	unsigned attempt;
	creds_fetch_done_fn *done;
	void *arg;
};

static void ecs_on_done(struct http_response *resp, void *userdata);

/* One GET with a freshly read token.  Fills `e` (no callback) on failure. */
static int
ecs_send(struct ecs_provider *ep, struct err *e)
{
	struct http_header hdr = {"Authorization", NULL};
	struct http_request req = {0};
	char *token = NULL;
	size_t len = 0;
	struct err he;
	int r;

	if (ep->auth_token_file != NULL) {
		r = creds_read_secret_file(ep->auth_token_file, CREDS_FIELD_MAX + 2,
					   "ECS authorization token file", &token, &len, e);
		if (r < 0)
			return r;
		r = creds_auth_token_clean(token, ep->auth_token_file, e);
		if (r < 0)
			goto out;
	} else if (ep->auth_token != NULL) {
		token = strdup(ep->auth_token);
		if (token == NULL) {
			r = err_set(e, -ENOMEM, "out of memory");
			goto out;
		}
	}
	hdr.value = token;
	req.method = HTTP_GET;
	req.url = ep->url;
	req.headers = token ? &hdr : NULL;
	req.n_headers = token ? 1 : 0;
	req.connect_timeout_ms = CREDS_ECS_TIMEOUT_MS;
	req.timeout_ms = CREDS_ECS_TIMEOUT_MS;
	req.max_body = CREDS_JSON_MAX;
	req.flags = ep->allow_http ? HTTP_ALLOW_HTTP : 0;
	err_clear(&he);
	r = http_submit(ep->http, &req, ecs_on_done, ep, &ep->call, &he);
	if (r < 0)
		err_set(e, r, "%s: %s", ep->base.name, he.msg);
out:
	secret_free(token);
	return r;
}

/* A copy of `e` scrubbed with `secret` (may be NULL) and by shapes. */
static const struct err *
scrubbed(const struct err *e, const char *secret, struct err *out)
{
	struct scrub_keys k;

	if (e == NULL)
		return NULL;
	*out = *e;
	scrub_keys_init(&k);
	scrub_keys_add_str(&k, secret);
	scrub_string(out->msg, sizeof(out->msg), &k);
	return out;
}

static void
ecs_finish(struct ecs_provider *ep, int r, struct creds *c, const struct err *e)
{
	creds_fetch_done_fn *done = ep->done;
	struct err se;

	e = scrubbed(e, ep->auth_token, &se);
	ep->done = NULL;
	ep->call = NULL;
	if (done != NULL)
		done(ep->arg, r, c, e);
	else if (c != NULL)
		creds_free(c);
}

static void
ecs_on_retry(struct ev_loop *loop, ev_timer *t, int revents)
{
	struct ecs_provider *ep = t->data;
	struct err e;
	int r;

	(void)loop;
	(void)revents;
	err_clear(&e);
	r = ecs_send(ep, &e);
	if (r < 0)
		ecs_finish(ep, r, NULL, &e);
}

static void
ecs_on_done(struct http_response *resp, void *userdata)
{
	struct ecs_provider *ep = userdata;
	struct creds c = {0};
	struct err e;
	int r;

	err_clear(&e);
	ep->call = NULL;
	ep->attempt++;
	if (resp->error == HTTP_ERR_NONE && resp->status == 200) {
		r = creds_parse_json(CREDS_JSON_ECS, buf_str(&resp->body), resp->body.len,
				     ep->base.name, &c, &e);
		http_response_wipe(resp);
		ecs_finish(ep, r, r == 0 ? &c : NULL, &e);
		return;
	}
	http_response_wipe(resp);
	/* botocore: transport failures and 5xx are tried again, 1 s apart. */
	if ((resp->error != HTTP_ERR_NONE || resp->status >= 500) &&
	    ep->attempt < CREDS_ECS_ATTEMPTS && resp->error != HTTP_ERR_CANCELLED) {
		ev_timer_set(&ep->retry, CREDS_ECS_RETRY_SECS, 0.);
		ev_timer_start(ep->loop, &ep->retry);
		return;
	}
	if (resp->error != HTTP_ERR_NONE)
		r = err_set(&e, creds_transport_errno(resp->error), "%s: %s (after %u attempts)",
			    ep->base.name, transport_text(resp), ep->attempt);
	else
		r = err_set(&e, resp->status == 401 || resp->status == 403 ? -EACCES : -EREMOTEIO,
			    "%s: HTTP %ld%s", ep->base.name, resp->status,
			    resp->status == 401 || resp->status == 403
				    ? " (authorization token refused)"
				    : "");
	ecs_finish(ep, r, NULL, &e);
}

static int
ecs_fetch(struct creds_provider *p, struct ev_loop *loop, creds_fetch_done_fn *done, void *arg,
	  struct err *e)
{
	struct ecs_provider *ep = (struct ecs_provider *)p;
	int r;

	ep->loop = loop;
	ep->attempt = 0;
	ep->done = done;
	ep->arg = arg;
	r = ecs_send(ep, e);
	if (r < 0)
		ep->done = NULL;
	return r;
}

static void
ecs_cancel(struct creds_provider *p)
{
	struct ecs_provider *ep = (struct ecs_provider *)p;

	if (ep->call != NULL)
		http_cancel(ep->call);
	ep->call = NULL;
	if (ep->loop != NULL)
		ev_timer_stop(ep->loop, &ep->retry);
	ep->done = NULL;
}

static void
ecs_free(struct creds_provider *p)
{
	struct ecs_provider *ep = (struct ecs_provider *)p;

	ecs_cancel(p);
	free(ep->url);
	secret_free(ep->auth_token);
	free(ep->auth_token_file);
	free(ep->base.name);
	free(ep);
}

static const struct creds_provider_ops ecs_ops = {
	.kind = "ecs",
	.fetch = ecs_fetch,
	.cancel = ecs_cancel,
	.free = ecs_free,
};

int
creds_provider_new_ecs(struct http_client *http, const char *url, const char *auth_token,
		       const char *auth_token_file, struct creds_provider **ret, struct err *e)
{
	struct ecs_provider *ep;
	char name[CREDS_URL_MAX + 64];

	if (http == NULL || url == NULL)
		return err_set(e, -EINVAL, "ECS: a URL and an http client are required");
	if (strlen(url) > CREDS_URL_MAX || !creds_container_url_allowed(url))
		return err_set(e, -EINVAL,
			       "ECS container endpoint %s is not allowed: https anywhere, or http "
			       "to loopback, 169.254.170.2, 169.254.170.23 or [fd00:ec2::23]",
			       strlen(url) > CREDS_URL_MAX ? "(too long)" : url);
	ep = calloc(1, sizeof(*ep));
	if (ep == NULL)
		return err_set(e, -ENOMEM, "out of memory");
	ep->base.ops = &ecs_ops;
	ep->http = http;
	ep->allow_http = strncmp(url, "http://", 7) == 0;
	ev_timer_init(&ep->retry, ecs_on_retry, 0., 0.);
	ep->retry.data = ep;
	snprintf(name, sizeof(name), "ECS container endpoint %s", url);
	if ((ep->url = strdup(url)) == NULL || (ep->base.name = strdup(name)) == NULL ||
	    (auth_token && (ep->auth_token = strdup(auth_token)) == NULL) ||
	    (auth_token_file && (ep->auth_token_file = strdup(auth_token_file)) == NULL)) {
		ecs_free(&ep->base);
		return err_set(e, -ENOMEM, "out of memory");
	}
	*ret = &ep->base;
	return 0;
}

/* --- IMDSv2 ------------------------------------------------------------------------ */

enum imds_step {
	IMDS_IDLE,
	IMDS_TOKEN, /* PUT /latest/api/token */
	IMDS_ROLE,  /* GET …/security-credentials/ */
	IMDS_CREDS, /* GET …/security-credentials/<role> */
};

struct imds_provider {
	struct creds_provider base;
	struct http_client *http;
	struct ev_loop *loop;
	char *endpoint; /* without a trailing '/' */
	bool allow_http;
	char *token;         /* secret, NULL when none */
	double token_expiry; /* ev_now() when it must be replaced */
	enum imds_step step;
	bool token_renewed; /* this fetch already PUT a token after a 401 */
	char role[IMDS_ROLE_MAX + 1];
	struct http_call *call;
	creds_fetch_done_fn *done;
	void *arg;
};

static void imds_on_done(struct http_response *resp, void *userdata);

static void
imds_drop_token(struct imds_provider *ip)
{
	secret_free(ip->token);
	ip->token = NULL;
}

/* Start `step`; fills `e` on failure (no callback then). */
static int
imds_send(struct imds_provider *ip, enum imds_step step, struct err *e)
{
	char url[CREDS_URL_MAX + IMDS_ROLE_MAX + 64], ttl[16];
	struct http_header hdr;
	struct http_request req = {0};
	struct err he;
	int r;

	if (step == IMDS_TOKEN) {
		snprintf(url, sizeof(url), "%s%s", ip->endpoint, IMDS_TOKEN_PATH);
		snprintf(ttl, sizeof(ttl), "%d", CREDS_IMDS_TOKEN_TTL);
		hdr.name = "X-aws-ec2-metadata-token-ttl-seconds";
		hdr.value = ttl;
		req.method = HTTP_PUT;
		req.max_body = IMDS_SMALL_BODY;
	} else {
		snprintf(url, sizeof(url), "%s%s%s", ip->endpoint, IMDS_ROLE_PATH,
			 step == IMDS_CREDS ? ip->role : "");
		hdr.name = "X-aws-ec2-metadata-token";
		hdr.value = ip->token;
		req.method = HTTP_GET;
		req.max_body = step == IMDS_ROLE ? IMDS_SMALL_BODY : CREDS_JSON_MAX;
	}
	req.url = url;
	req.headers = &hdr;
	req.n_headers = 1;
	req.connect_timeout_ms = CREDS_IMDS_TIMEOUT_MS;
	req.timeout_ms = CREDS_IMDS_TIMEOUT_MS;
	req.flags = ip->allow_http ? HTTP_ALLOW_HTTP : 0;
	err_clear(&he);
	r = http_submit(ip->http, &req, imds_on_done, ip, &ip->call, &he);
	if (r < 0)
		return err_set(e, r, "%s: %s", ip->base.name, he.msg);
	ip->step = step;
	return 0;
}

static void
imds_finish(struct imds_provider *ip, int r, struct creds *c, const struct err *e)
{
	creds_fetch_done_fn *done = ip->done;
	struct err se;

	e = scrubbed(e, ip->token, &se);
	ip->done = NULL;
	ip->call = NULL;
	ip->step = IMDS_IDLE;
	if (done != NULL)
		done(ip->arg, r, c, e);
	else if (c != NULL)
		creds_free(c);
}

/* Continue with `step`, or finish with the error. */
static void
imds_next(struct imds_provider *ip, enum imds_step step)
{
	struct err e;
	int r;

	err_clear(&e);
	r = imds_send(ip, step, &e);
	if (r < 0)
		imds_finish(ip, r, NULL, &e);
}

/* Token answer: printable, no blanks, bounded. */
static int
imds_take_token(struct imds_provider *ip, struct http_response *resp, struct err *e)
{
	char *s = resp->body.data;
	size_t len = resp->body.len, i;

	while (len > 0 && (s[len - 1] == '\n' || s[len - 1] == '\r'))
		len--;
	for (i = 0; i < len; i++)
		if (s[i] <= ' ' || s[i] > '~')
			break;
	if (len == 0 || i < len)
		return err_set(e, -EBADMSG, "%s: the token answer is not a token", ip->base.name);
	imds_drop_token(ip);
	ip->token = strndup(s, len);
	if (ip->token == NULL)
		return err_set(e, -ENOMEM, "out of memory");
	ip->token_expiry = ev_now(ip->loop) + CREDS_IMDS_TOKEN_TTL - IMDS_TOKEN_MARGIN;
	return 0;
}

/* The first line of the role listing: an IAM role name. */
static int
imds_take_role(struct imds_provider *ip, struct http_response *resp, struct err *e)
{
	const char *s = buf_str(&resp->body);
	size_t len = strcspn(s, "\r\n"), i;

	for (i = 0; i < len; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
		      (s[i] >= '0' && s[i] <= '9') || strchr("_+=,.@-", s[i]) != NULL))
			break;
	if (len == 0)
		return err_set(e, -ENOENT, "%s: no IAM role is attached to this instance",
			       ip->base.name);
	if (i < len || len > IMDS_ROLE_MAX)
		return err_set(e, -EBADMSG, "%s: the role listing does not name an IAM role",
			       ip->base.name);
	memcpy(ip->role, s, len);
	ip->role[len] = '\0';
	return 0;
}

static void
imds_on_done(struct http_response *resp, void *userdata)
{
	struct imds_provider *ip = userdata;
	enum imds_step step = ip->step;
	struct creds c = {0};
	struct err e;
	int r;

	err_clear(&e);
	ip->call = NULL;
	if (step == IMDS_TOKEN) {
		if (resp->error != HTTP_ERR_NONE)
			r = err_set(&e, creds_transport_errno(resp->error),
				    "%s: IMDSv2 token request (PUT %s) failed: %s; IMDSv1 is "
				    "not used",
				    ip->base.name, IMDS_TOKEN_PATH, transport_text(resp));
		else if (resp->status != 200)
			r = err_set(&e, -EREMOTEIO,
				    "%s: IMDSv2 token request (PUT %s) answered HTTP %ld%s; "
				    "IMDSv1 is not used",
				    ip->base.name, IMDS_TOKEN_PATH, resp->status,
				    resp->status == 403 ? " (a proxy or container hop? raise the "
							  "instance's metadata hop limit)"
							: "");
		else
			r = imds_take_token(ip, resp, &e);
		http_response_wipe(resp);
		if (r < 0)
			imds_finish(ip, r, NULL, &e);
		else
			imds_next(ip, IMDS_ROLE);
		return;
	}
	if (resp->error != HTTP_ERR_NONE) {
		http_response_wipe(resp);
		r = err_set(&e, creds_transport_errno(resp->error), "%s: GET %s%s failed: %s",
			    ip->base.name, IMDS_ROLE_PATH, step == IMDS_CREDS ? ip->role : "",
			    transport_text(resp));
		imds_finish(ip, r, NULL, &e);
		return;
	}
	if (resp->status == 401) {
		/* The token expired (or IMDS restarted): a new one, once per fetch. */
		http_response_wipe(resp);
		imds_drop_token(ip);
		if (ip->token_renewed) {
			r = err_set(&e, -EACCES, "%s: a fresh IMDSv2 token was refused (HTTP 401)",
				    ip->base.name);
			imds_finish(ip, r, NULL, &e);
			return;
		}
		ip->token_renewed = true;
		imds_next(ip, IMDS_TOKEN);
		return;
	}
	if (resp->status != 200) {
		http_response_wipe(resp);
		if (step == IMDS_ROLE && resp->status == 404)
			r = err_set(&e, -ENOENT,
				    "%s: no IAM role is attached to this instance (HTTP 404)",
				    ip->base.name);
		else
			r = err_set(&e, -EREMOTEIO, "%s: GET %s%s answered HTTP %ld", ip->base.name,
				    IMDS_ROLE_PATH, step == IMDS_CREDS ? ip->role : "",
				    resp->status);
		imds_finish(ip, r, NULL, &e);
		return;
	}
	if (step == IMDS_ROLE) {
		r = imds_take_role(ip, resp, &e);
		http_response_wipe(resp);
		if (r < 0)
			imds_finish(ip, r, NULL, &e);
		else
			imds_next(ip, IMDS_CREDS);
		return;
	}
	r = creds_parse_json(CREDS_JSON_IMDS, buf_str(&resp->body), resp->body.len, ip->base.name,
			     &c, &e);
	http_response_wipe(resp);
	imds_finish(ip, r, r == 0 ? &c : NULL, &e);
}

static int
imds_fetch(struct creds_provider *p, struct ev_loop *loop, creds_fetch_done_fn *done, void *arg,
	   struct err *e)
{
	struct imds_provider *ip = (struct imds_provider *)p;
	int r;

	ip->loop = loop;
	ip->done = done;
	ip->arg = arg;
	ip->token_renewed = false;
	if (ip->token != NULL && ev_now(loop) >= ip->token_expiry)
		imds_drop_token(ip);
	r = imds_send(ip, ip->token ? IMDS_ROLE : IMDS_TOKEN, e);
	if (r < 0)
		ip->done = NULL;
	return r;
}

static void
imds_cancel(struct creds_provider *p)
{
	struct imds_provider *ip = (struct imds_provider *)p;

	if (ip->call != NULL)
		http_cancel(ip->call);
	ip->call = NULL;
	ip->step = IMDS_IDLE;
	ip->done = NULL;
}

static void
imds_free(struct creds_provider *p)
{
	struct imds_provider *ip = (struct imds_provider *)p;

	imds_cancel(p);
	imds_drop_token(ip);
	free(ip->endpoint);
	free(ip->base.name);
	free(ip);
}

static const struct creds_provider_ops imds_ops = {
	.kind = "imds",
	.fetch = imds_fetch,
	.cancel = imds_cancel,
	.free = imds_free,
};

int
creds_provider_new_imds(struct http_client *http, const char *endpoint, struct creds_provider **ret,
			struct err *e)
{
	struct imds_provider *ip;
	char name[CREDS_URL_MAX + 16];
	size_t len, i;
	const char *rest;

	if (http == NULL || endpoint == NULL)
		return err_set(e, -EINVAL, "IMDS: an endpoint and an http client are required");
	len = strlen(endpoint);
	while (len > 0 && endpoint[len - 1] == '/')
		len--;
	if (strncmp(endpoint, "http://", 7) == 0)
		rest = endpoint + 7;
	else if (strncmp(endpoint, "https://", 8) == 0)
		rest = endpoint + 8;
	else
		rest = NULL;
	if (rest == NULL || len > CREDS_URL_MAX || (size_t)(rest - endpoint) >= len ||
	    memchr(rest, '/', len - (size_t)(rest - endpoint)) != NULL ||
	    memchr(rest, '?', len - (size_t)(rest - endpoint)) != NULL)
		return err_set(e, -EINVAL,
			       "IMDS endpoint '%.*s' must be http://HOST[:PORT] without a path",
			       (int)(len > 200 ? 200 : len), endpoint);
	for (i = 0; i < len; i++)
		if (endpoint[i] <= ' ' || endpoint[i] > '~')
			return err_set(e, -EINVAL,
				       "IMDS endpoint has blanks or control characters");
	ip = calloc(1, sizeof(*ip));
	if (ip == NULL)
		return err_set(e, -ENOMEM, "out of memory");
	ip->base.ops = &imds_ops;
	ip->http = http;
	ip->allow_http = rest == endpoint + 7;
	ip->endpoint = strndup(endpoint, len);
	snprintf(name, sizeof(name), "IMDS %.*s", (int)len, endpoint);
	if (ip->endpoint == NULL || (ip->base.name = strdup(name)) == NULL) {
		imds_free(&ip->base);
		return err_set(e, -ENOMEM, "out of memory");
	}
	*ret = &ip->base;
	return 0;
}
