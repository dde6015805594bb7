/*
 * aws: the signed, paced, retried Query-protocol call.  See aws.h.
 *
 * Each call is a small state machine driven by libev callbacks:
 *
 *   QUEUED   waiting for a concurrency slot (FIFO in the client)
 *   PACING   holding a slot, waiting for the token buckets (ev_timer)
 *   CREDS    holding a slot, waiting for the credentials cache
 *   SENDING  holding a slot, the HTTP request is in flight
 *   BACKOFF  slot released, waiting to retry (ev_timer)
 *
 * The slot is held from pacing to the HTTP answer and released during
 * backoff, so a throttled or failing call never blocks the others.  The body
 * is encoded once per call; every attempt signs it afresh (new X-Amz-Date,
 * possibly refreshed credentials) and the signature lives only in the
 * request that http copies and wipes.
 */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>

#include <curl/curl.h>
#include <ev.h>
#include <openssl/crypto.h>

#include "aws.h"
#include "buf.h"
#include "creds_provider.h"
#include "ec2_types.h"
#include "ec2_xml.h"
#include "http.h"
#include "ratelimit.h"
#include "retry.h"
#include "sigv4.h"

/* A Query body: 1000 ids of ≤ 64 bytes plus names stays far below this. */
#define AWS_MAX_BODY (1024 * 1024)

#define CONTAINER_OF(ptr, type, member) ((type *)(void *)((char *)(ptr)-offsetof(type, member)))

enum call_state {
	CALL_QUEUED,
	CALL_PACING,
	CALL_CREDS,
	CALL_SENDING,
	CALL_BACKOFF,
};

struct aws_call {
	struct aws_client *client;
	char *action;
	struct buf body; /* encoded once */
	unsigned flags;
	aws_parse_fn *parse;
	aws_done_fn *done;
	void *arg;

	enum call_state state;
	ev_timer timer; /* pacing and backoff */
	struct creds_waiter waiter;
	struct http_call *http;
	struct retry_call retry;
	unsigned long creds_generation;
	unsigned throttled;
	double started;

	struct aws_call *prev, *next;             /* every pending call */
	struct aws_call *queue_prev, *queue_next; /* slot queue, while QUEUED */
};

struct aws_client {
	struct ev_loop *loop;
	struct aws_client_options opt; /* strings below are owned copies */
	char *endpoint_url;            /* normalised "scheme://authority/" */
	char *authority;               /* Host header and signed host: "host[:port]" */
	bool allow_http;
	struct retry_quota own_quota;
	uint64_t prng;

	unsigned in_flight; /* slots taken */
	unsigned pending;   /* calls not yet finished */
	bool closing;
	struct aws_call *calls;
	struct aws_call *queue_head, *queue_tail;
};

static void call_take_slot_or_queue(struct aws_call *call);
static void call_pace(struct aws_call *call);

bool
aws_host_is_loopback(const char *host)
{
	if (host == NULL)
		return false;
	if (strcasecmp(host, "localhost") == 0 || strcmp(host, "::1") == 0 ||
	    strcmp(host, "[::1]") == 0)
		return true;
	return strncmp(host, "127.", 4) == 0 && strspn(host, "0123456789.") == strlen(host);
}

static double
default_random01(void *arg)
{
	struct aws_client *c = arg;

	/* xorshift64*: jitter needs spread, not cryptographic strength. */
	c->prng ^= c->prng >> 12;
	c->prng ^= c->prng << 25;
	c->prng ^= c->prng >> 27;
	return (double)((c->prng * 2685821657736338717ULL) >> 11) / 9007199254740992.0;
}

static time_t
default_wall_clock(void *arg)
{
	(void)arg;
	return time(NULL);
}

/*
 * Split the endpoint with libcurl's URL parser into what the signer and the
 * Host header need.  Only the scheme and authority are kept: Query APIs are
 * always POSTed to "/".
 */
static int
parse_endpoint(struct aws_client *c, const char *endpoint, struct err *e)
{
	char *scheme = NULL, *host = NULL, *port = NULL, *path = NULL;
	CURLU *u = curl_url();
	struct buf b;
	int r = -EINVAL;
	bool https;

	buf_init(&b, 4096);
	if (u == NULL)
		return err_set(e, -ENOMEM, "aws: out of memory");
	if (curl_url_set(u, CURLUPART_URL, endpoint, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK) {
		err_set(e, -EINVAL, "endpoint '%s' is not a valid URL", endpoint);
		goto out;
	}
	if (curl_url_get(u, CURLUPART_PATH, &path, 0) == CURLUE_OK && strcmp(path, "/") != 0) {
		err_set(e, -EINVAL, "endpoint '%s' must not have a path", endpoint);
		goto out;
	}
	https = strcmp(scheme, "https") == 0;
	if (!https && strcmp(scheme, "http") != 0) {
		err_set(e, -EINVAL, "endpoint '%s': only https:// is supported", endpoint);
		goto out;
	}
	if (!https && !aws_host_is_loopback(host)) {
		err_set(e, -EINVAL,
			"endpoint '%s': plain http:// is only allowed to a loopback host (tests)",
			endpoint);
		goto out;
	}
	/* Without CURLU_DEFAULT_PORT only an explicit port is returned. */
	if (curl_url_get(u, CURLUPART_PORT, &port, 0) == CURLUE_OK &&
	    strcmp(port, https ? "443" : "80") != 0)
		r = buf_printf(&b, "%s:%s", host, port);
	else
		r = buf_puts(&b, host);
	if (r < 0) {
		err_set(e, r, "aws: out of memory");
		goto out;
	}
	c->authority = buf_steal(&b);
	buf_init(&b, 4096);
	r = buf_printf(&b, "%s://%s/", scheme, c->authority);
	if (r < 0) {
		err_set(e, r, "aws: out of memory");
		goto out;
	}
	c->endpoint_url = buf_steal(&b);
	c->allow_http = !https;
	r = (c->authority && c->endpoint_url) ? 0 : err_set(e, -ENOMEM, "aws: out of memory");
out:
	curl_free(scheme);
	curl_free(host);
	curl_free(port);
	curl_free(path);
	curl_url_cleanup(u);
	buf_free(&b);
	return r;
}

/* Free the client's own copies and the client (no call may be pending). */
static void
client_destroy(struct aws_client *c)
{
	free((char *)c->opt.region);
	free((char *)c->opt.service);
	free((char *)c->opt.version);
	free(c->authority);
	free(c->endpoint_url);
	free(c);
}

int
aws_client_new(struct ev_loop *loop, const struct aws_client_options *opt, struct aws_client **ret,
	       struct err *e)
{
	struct aws_client *c;
	int r;

	if (opt->http == NULL || opt->region == NULL || opt->region[0] == '\0' ||
	    opt->service == NULL || opt->version == NULL || opt->endpoint == NULL)
		return err_set(e, -EINVAL,
			       "aws: endpoint, region, service, version and http are required");
	c = calloc(1, sizeof(*c));
	if (c == NULL)
		return err_set(e, -ENOMEM, "aws: out of memory");
	c->loop = loop;
	c->opt = *opt;
	c->opt.endpoint = NULL;
	c->opt.region = strdup(opt->region);
	c->opt.service = strdup(opt->service);
	c->opt.version = strdup(opt->version);
	if (!c->opt.region || !c->opt.service || !c->opt.version) {
		r = err_set(e, -ENOMEM, "aws: out of memory");
		goto fail;
	}
	r = parse_endpoint(c, opt->endpoint, e);
	if (r < 0)
		goto fail;
	if (c->opt.max_attempts == 0)
		c->opt.max_attempts = AWS_DEFAULT_ATTEMPTS;
	if (c->opt.concurrency == 0)
		c->opt.concurrency = AWS_DEFAULT_CONCURRENCY;
	if (c->opt.quota == NULL) {
		retry_quota_init(&c->own_quota, RETRY_QUOTA_MAX);
		c->opt.quota = &c->own_quota;
	}
	if (c->opt.wall_clock == NULL)
		c->opt.wall_clock = default_wall_clock;
	if (c->opt.random01 == NULL) {
		if (getrandom(&c->prng, sizeof(c->prng), GRND_NONBLOCK) != sizeof(c->prng))
			c->prng = (uint64_t)time(NULL) ^ (uint64_t)(uintptr_t)c;
		c->prng |= 1;
		c->opt.random01 = default_random01;
		c->opt.random01_arg = c;
	}
	*ret = c;
	return 0;
fail:
	client_destroy(c);
	return r;
}

unsigned
aws_pending(const struct aws_client *c)
{
	return c->pending;
}

static void
queue_remove(struct aws_call *call)
{
	struct aws_client *c = call->client;

	if (call->queue_prev)
		call->queue_prev->queue_next = call->queue_next;
	else if (c->queue_head == call)
		c->queue_head = call->queue_next;
	else
		return; /* not queued */
	if (call->queue_next)
		call->queue_next->queue_prev = call->queue_prev;
	else
		c->queue_tail = call->queue_prev;
	call->queue_prev = call->queue_next = NULL;
}

/*
 * Give a slot back.  The longest-waiting call gets it, but starts from a
 * zero timer rather than right here: slot_put() runs inside completion and
 * cancellation paths, which must not re-enter the state machine.
 */
static void
slot_put(struct aws_client *c)
{
	struct aws_call *next = c->queue_head;

	c->in_flight--;
	if (next == NULL || c->closing || c->in_flight >= c->opt.concurrency)
		return;
	queue_remove(next);
	c->in_flight++;
	next->state = CALL_PACING;
	ev_timer_set(&next->timer, 0., 0.);
	ev_timer_start(c->loop, &next->timer);
}

/* Stop whatever the call is waiting for; the slot is released if held. */
static void
call_detach(struct aws_call *call)
{
	struct aws_client *c = call->client;

	ev_timer_stop(c->loop, &call->timer);
	switch (call->state) {
	case CALL_QUEUED:
		queue_remove(call);
		break;
	case CALL_CREDS:
		creds_cache_cancel(c->opt.creds, &call->waiter);
		slot_put(c);
		break;
	case CALL_SENDING:
		if (call->http)
			http_cancel(call->http);
		call->http = NULL;
		slot_put(c);
		break;
	case CALL_PACING:
		slot_put(c);
		break;
	case CALL_BACKOFF:
		break;
	}
}

static void
call_free(struct aws_call *call)
{
	struct aws_client *c = call->client;

	if (call->prev)
		call->prev->next = call->next;
	else
		c->calls = call->next;
	if (call->next)
		call->next->prev = call->prev;
	c->pending--;
	free(call->action);
	/* The body may hold a secret (a web identity token): wipe it. */
	if (call->body.data)
		OPENSSL_cleanse(call->body.data, call->body.len);
	buf_free(&call->body);
	free(call);
}

/* Report, call back, free.  `resp` carries everything the caller may see. */
static void
call_finish(struct aws_call *call, struct aws_response *resp)
{
	struct aws_client *c = call->client;

	resp->action = call->action;
	resp->attempts = (unsigned)call->retry.attempts;
	if (c->opt.observe && resp->r != -ECANCELED) {
		struct aws_call_record rec = {
			.service = c->opt.service,
			.action = call->action,
			.r = resp->r,
			.status = resp->status,
			.error_code = resp->error_code,
			.request_id = resp->request_id,
			.attempts = resp->attempts,
			.throttled = call->throttled,
			.elapsed = ev_now(c->loop) - call->started,
		};
		c->opt.observe(c->opt.observe_arg, &rec);
	}
	call->done(call->arg, resp);
	call_free(call);
}

static void
call_fail(struct aws_call *call, int r, const struct err *e)
{
	struct aws_response resp = {.r = r, .e = e};

	call_finish(call, &resp);
}

static void call_send(struct aws_call *call, const struct creds_ref *ref);

static void
on_creds(struct creds_waiter *w, int r, const struct creds_ref *ref, const struct err *e)
{
	struct aws_call *call = CONTAINER_OF(w, struct aws_call, waiter);
	struct err e2;

	if (r < 0) {
		err_clear(&e2);
		err_set(&e2, -ENOKEY, "%s: no credentials: %s", call->action,
			e && e->msg[0] ? e->msg : "refresh failed");
		call_detach(call);
		call_fail(call, -ENOKEY, &e2);
		return;
	}
	call_send(call, ref);
}

static void
call_get_creds(struct aws_call *call)
{
	struct aws_client *c = call->client;
	struct creds_ref ref;
	struct err e;
	int r;

	if (call->flags & AWS_CALL_UNSIGNED) {
		call_send(call, NULL);
		return;
	}
	err_clear(&e);
	call->state = CALL_CREDS;
	memset(&call->waiter, 0, sizeof(call->waiter));
	call->waiter.cb = on_creds;
	r = creds_cache_get(c->opt.creds, &call->waiter, &ref, &e);
	if (r > 0) {
		call_send(call, &ref);
	} else if (r < 0) {
		struct err e2;

		err_clear(&e2);
		err_set(&e2, -ENOKEY, "%s: no credentials: %s", call->action, e.msg);
		call_detach(call);
		call_fail(call, -ENOKEY, &e2);
	}
	/* r == 0: on_creds() continues. */
}

static void
on_timer(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct aws_call *call = CONTAINER_OF(w, struct aws_call, timer);

	(void)loop;
	(void)revents;
	if (call->state == CALL_BACKOFF)
		call_take_slot_or_queue(call);
	else
		call_pace(call);
}

/* Holding a slot: wait for the token buckets, then for credentials. */
static void
call_pace(struct aws_call *call)
{
	struct aws_client *c = call->client;
	double delay = 0;

	call->state = CALL_PACING;
	if (c->opt.ratelimit)
		delay = ratelimit_acquire(c->opt.ratelimit, call->action, ev_now(c->loop));
	if (delay > 0) {
		ev_timer_set(&call->timer, delay, 0.);
		ev_timer_start(c->loop, &call->timer);
		return;
	}
	call_get_creds(call);
}

static void
call_take_slot_or_queue(struct aws_call *call)
{
	struct aws_client *c = call->client;

	if (c->in_flight < c->opt.concurrency && c->queue_head == NULL) {
		c->in_flight++;
		call_pace(call);
		return;
	}
	call->state = CALL_QUEUED;
	call->queue_prev = c->queue_tail;
	call->queue_next = NULL;
	if (c->queue_tail)
		c->queue_tail->queue_next = call;
	else
		c->queue_head = call;
	c->queue_tail = call;
}

/* Map a transport failure to the errno the caller sees. */
static int
transport_errno(enum http_error kind)
{
	switch (kind) {
	case HTTP_ERR_RESOLVE:
		return -EHOSTUNREACH;
	case HTTP_ERR_CONNECT:
		return -ECONNREFUSED;
	case HTTP_ERR_TIMEOUT:
		return -ETIMEDOUT;
	case HTTP_ERR_RESET:
		return -ECONNRESET;
	case HTTP_ERR_TLS:
		return -EPROTO;
	case HTTP_ERR_TOO_LARGE:
		return -EMSGSIZE;
	case HTTP_ERR_CANCELLED:
		return -ECANCELED;
	case HTTP_ERR_NONE:
	case HTTP_ERR_OTHER:
		break;
	}
	return -EIO;
}

static void on_http_done(struct http_response *resp, void *userdata);

static void
call_send(struct aws_call *call, const struct creds_ref *ref)
{
	struct aws_client *c = call->client;
	struct http_header headers[5];
	struct sigv4_header signed_headers[1];
	struct sigv4_output sig;
	struct http_request req;
	size_t n = 0;
	struct err e;
	int r;

	err_clear(&e);
	sigv4_output_init(&sig);
	call->state = CALL_SENDING;
	headers[n++] = (struct http_header){"Host", c->authority};
	headers[n++] = (struct http_header){"Content-Type",
					    "application/x-www-form-urlencoded; charset=utf-8"};
	if (ref != NULL) {
		const struct creds *cr = ref->creds;
		struct sigv4_creds sc = {
			.access_key_id = cr->access_key_id,
			.secret_access_key = cr->secret_access_key,
			.session_token = cr->session_token,
		};
		struct sigv4_request sr = {
			.method = "POST",
			.host = c->authority,
			.path = "/",
			.headers = signed_headers,
			.n_headers = 1,
			.body = call->body.data,
			.body_len = call->body.len,
			.region = c->opt.region,
			.service = c->opt.service,
			.timestamp = c->opt.wall_clock(c->opt.wall_clock_arg),
		};

		signed_headers[0] = (struct sigv4_header){"Content-Type", headers[1].value};
		call->creds_generation = ref->generation;
		r = sigv4_sign(&sr, &sc, &sig, &e);
		if (r < 0)
			goto fail;
		headers[n++] = (struct http_header){"X-Amz-Date", sig.amz_date};
		if (cr->session_token && cr->session_token[0])
			headers[n++] =
				(struct http_header){"X-Amz-Security-Token", cr->session_token};
		headers[n++] = (struct http_header){"Authorization", buf_str(&sig.authorization)};
	}
	req = (struct http_request){
		.method = HTTP_POST,
		.url = c->endpoint_url,
		.headers = headers,
		.n_headers = n,
		.body = call->body.data,
		.body_len = call->body.len,
		.timeout_ms = c->opt.timeout_ms,
		.connect_timeout_ms = c->opt.connect_timeout_ms,
		.flags = c->allow_http ? HTTP_ALLOW_HTTP : 0,
	};
	r = http_submit(c->opt.http, &req, on_http_done, call, &call->http, &e);
	if (r < 0)
		goto fail;
	/* http copied the request; the signature need not outlive it here. */
	OPENSSL_cleanse(sig.signature, sizeof(sig.signature));
	if (sig.authorization.data)
		OPENSSL_cleanse(sig.authorization.data, sig.authorization.len);
	sigv4_output_free(&sig);
	return;
fail:
	if (sig.authorization.data)
		OPENSSL_cleanse(sig.authorization.data, sig.authorization.len);
	sigv4_output_free(&sig);
	call->http = NULL;
	call_detach(call);
	{
		struct err e2;

		err_clear(&e2);
		err_set(&e2, r, "%s: %s", call->action, e.msg);
		call_fail(call, r, &e2);
	}
}

static bool
status_ok(long status)
{
	return status >= 200 && status < 300;
}

static void
on_http_done(struct http_response *hr, void *userdata)
{
	struct aws_call *call = userdata;
	struct aws_client *c = call->client;
	struct ec2_error aerr = {0};
	struct retry_outcome o = {.transport = hr->error, .status = hr->status};
	struct retry_decision d;
	struct aws_response resp = {0};
	const char *request_id = hr->request_id[0] ? hr->request_id : NULL;
	struct err e;
	int parse_r = 0;

	err_clear(&e);
	call->http = NULL;
	o.retry_after = hr->retry_after;

	if (hr->error == HTTP_ERR_NONE && status_ok(hr->status) && call->parse) {
		parse_r = call->parse(call->arg, buf_str(&hr->body), hr->body.len, &e);
		/*
		 * A 2xx answer that does not parse was cut or mangled on the way:
		 * retry it like a dropped connection.
		 */
		if (parse_r == -EBADMSG)
			o.transport = HTTP_ERR_RESET;
	} else if (hr->error == HTTP_ERR_NONE && !status_ok(hr->status)) {
		struct err pe;

		err_clear(&pe);
		if (ec2_xml_error(buf_str(&hr->body), hr->body.len, &aerr, &pe) == 0) {
			o.error_code = aerr.code;
			if (aerr.request_id)
				request_id = aerr.request_id;
		}
	}

	retry_decide((int)c->opt.max_attempts, c->opt.quota, &call->retry, &o,
		     c->opt.random01(c->opt.random01_arg), &d);
	if (d.class == RETRY_CLASS_THROTTLING)
		call->throttled++;
	if (c->opt.ratelimit)
		ratelimit_record(c->opt.ratelimit, call->action, d.class == RETRY_CLASS_THROTTLING,
				 ev_now(c->loop));
	if (parse_r < 0 && parse_r != -EBADMSG) /* the caller's parser refused it outright */
		d.action = RETRY_GIVE_UP;

	switch (d.action) {
	case RETRY_AGAIN:
		call->state = CALL_BACKOFF;
		ev_timer_set(&call->timer, d.delay, 0.);
		ev_timer_start(c->loop, &call->timer);
		break;
	case RETRY_REFRESH_AGAIN:
		if (c->opt.creds)
			creds_cache_invalidate(c->opt.creds, call->creds_generation);
		call->state = CALL_BACKOFF;
		ev_timer_set(&call->timer, 0., 0.);
		ev_timer_start(c->loop, &call->timer);
		break;
	case RETRY_DONE:
		resp.r = 0;
		resp.status = hr->status;
		resp.request_id = request_id;
		resp.body = buf_str(&hr->body);
		resp.body_len = hr->body.len;
		resp.e = &e;
		call_finish(call, &resp);
		break;
	case RETRY_GIVE_UP:
		resp.status = hr->status;
		resp.request_id = request_id;
		resp.e = &e;
		if (parse_r < 0) {
			resp.r = parse_r;
		} else if (hr->error != HTTP_ERR_NONE) {
			resp.r = transport_errno(hr->error);
			err_set(&e, resp.r, "%s: %s (%s, after %d attempts)", call->action,
				hr->message[0] ? hr->message : http_error_name(hr->error), d.reason,
				call->retry.attempts);
		} else {
			resp.r = -EREMOTEIO;
			resp.error_code = aerr.code;
			resp.error_message = aerr.message;
			err_set(&e, resp.r, "%s: %s%s%s (HTTP %ld%s%s, %s, after %d attempts)",
				call->action, aerr.code ? aerr.code : "error",
				aerr.message ? ": " : "", aerr.message ? aerr.message : "",
				hr->status, request_id ? ", request " : "",
				request_id ? request_id : "", d.reason, call->retry.attempts);
		}
		call_finish(call, &resp);
		break;
	}
	ec2_error_free(&aerr);
	/* This attempt's slot is free (a retry queues again for one). */
	slot_put(c);
}

int
aws_call(struct aws_client *c, const char *action, struct query *params, unsigned flags,
	 aws_parse_fn *parse, aws_done_fn *done, void *arg, struct aws_call **ret_call,
	 struct err *e)
{
	struct query q = QUERY_INIT;
	struct aws_call *call = NULL;
	int r;

	if (c->closing) {
		r = err_set(e, -ECANCELED, "%s: client is shutting down", action);
		goto out;
	}
	if (!(flags & AWS_CALL_UNSIGNED) && c->opt.creds == NULL) {
		r = err_set(e, -ENOKEY, "%s: no credentials configured", action);
		goto out;
	}
	/* Action and Version first, as the SDKs send them. */
	if ((r = query_add(&q, "Action", action, e)) < 0 ||
	    (r = query_add(&q, "Version", c->opt.version, e)) < 0)
		goto out;
	for (size_t i = 0; i < params->n; i++)
		if ((r = query_add(&q, params->v[i].name, params->v[i].value, e)) < 0)
			goto out;
	call = calloc(1, sizeof(*call));
	if (call == NULL || (call->action = strdup(action)) == NULL) {
		r = err_set(e, -ENOMEM, "%s: out of memory", action);
		goto out;
	}
	buf_init(&call->body, AWS_MAX_BODY);
	r = query_encode(&q, &call->body, e);
	if (r < 0)
		goto out;
	call->client = c;
	call->flags = flags;
	call->parse = parse;
	call->done = done;
	call->arg = arg;
	call->started = ev_now(c->loop);
	retry_call_init(&call->retry);
	ev_init(&call->timer, on_timer);
	call->next = c->calls;
	if (c->calls)
		c->calls->prev = call;
	c->calls = call;
	c->pending++;
	if (ret_call)
		*ret_call = call;
	/* Start from the loop, never from inside aws_call(): the timer fires at once. */
	call->state = CALL_BACKOFF;
	ev_timer_set(&call->timer, 0., 0.);
	ev_timer_start(c->loop, &call->timer);
	call = NULL;
	r = 0;
out:
	if (call) {
		free(call->action);
		buf_free(&call->body);
		free(call);
	}
	query_free(&q);
	query_free(params);
	return r;
}

void
aws_cancel(struct aws_call *call)
{
	if (call == NULL)
		return;
	call_detach(call);
	call_free(call);
}

void
aws_client_free(struct aws_client *c)
{
	struct err e;

	if (c == NULL)
		return;
	c->closing = true;
	err_clear(&e);
	err_set(&e, -ECANCELED, "cancelled: shutting down");
	while (c->calls) {
		struct aws_call *call = c->calls;

		call_detach(call);
		call_fail(call, -ECANCELED, &e);
	}
	client_destroy(c);
}
