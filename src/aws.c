/* SPDX-License-Identifier: ISC */
/*
 * aws: the signed, paced, retried Query-protocol call.  See aws.h.
 *
 * Each call is a small state machine driven by libev callbacks:
 *
 *   PACING        in its action class's FIFO, waiting for the token buckets
 *   PACED         through pacing; starts for a slot from a zero timer
 *   QUEUED        waiting for a concurrency slot (FIFO in the client)
 *   SLOT_GRANTED  given a slot by a finishing call; starts from a zero timer
 *   CREDS         holding a slot, waiting for the credentials cache
 *   SENDING       holding a slot, the HTTP request is in flight
 *   BACKOFF       waiting to (re)enter pacing (ev_timer); also the start
 *
 * Pacing comes before the slot, and each action class paces in its own
 * queue where only the head asks the token buckets (one timer per class):
 * a class that must wait (creates at one per second) never occupies the
 * slots other classes need, and a thousand queued calls do not wake up a
 * thousand times per token.  The slot is held from credentials to the HTTP
 * answer and released during backoff.  The body is encoded once per call;
 * every attempt signs it afresh (new X-Amz-Date, possibly refreshed
 * credentials) and the signature lives only in the request that http copies
 * and wipes.  Every retry is paced again: it is one more request.
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
#include "endpoint.h"
#include "http.h"
#include "ratelimit.h"
#include "retry.h"
#include "scrub.h"
#include "sigv4.h"
#include "skew.h"

/* A Query body: 1000 ids of ≤ 64 bytes plus names stays far below this. */
#define AWS_MAX_BODY (1024 * 1024)

#define CONTAINER_OF(ptr, type, member) ((type *)(void *)((char *)(ptr)-offsetof(type, member)))

enum call_state {
	CALL_PACING,
	CALL_PACED,
	CALL_QUEUED,
	CALL_SLOT_GRANTED,
	CALL_CREDS,
	CALL_SENDING,
	CALL_BACKOFF,
};

struct aws_call;

/* An intrusive FIFO of calls (a call is in at most one at a time). */
struct callq {
	struct aws_call *head, *tail;
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
	ev_timer timer; /* backoff and zero-delay steps */
	enum ratelimit_class klass;
	struct creds_waiter waiter;
	struct http_call *http;
	struct retry_call retry;
	unsigned long creds_generation;
	unsigned throttled;
	double started;
	time_t sent_local; /* the local wall clock when the last attempt was signed */
	time_t signed_at;  /* its X-Amz-Date: sent_local + the skew offset then */
	bool skew_corrected;

	struct aws_call *prev, *next;             /* every pending call */
	struct callq *queue;                      /* the queue the call is in, or NULL */
	struct aws_call *queue_prev, *queue_next; /* links in that queue */
};

struct aws_client {
	struct ev_loop *loop;
	struct aws_client_options opt; /* strings below are owned copies */
	char *endpoint_url;            /* normalised "scheme://authority/" */
	char *authority;               /* Host header and signed host: "host[:port]" */
	bool allow_http;
	char service_word[16]; /* "EC2", "STS": the service as messages name it */
	long skew;             /* clock skew offset, server − local seconds (skew.h) */
	struct retry_quota own_quota;
	uint64_t prng;
	/*
	 * The signing key of the last (credentials, day): every call of a
	 * cycle signs with it instead of deriving it again (four HMACs, most
	 * of a signature's cost).  Wiped in client_destroy().
	 */
	struct sigv4_key_cache sign_key;

	unsigned in_flight; /* slots taken */
	unsigned pending;   /* calls not yet finished */
	bool closing;
	struct aws_call *calls;
	struct callq slots; /* calls waiting for a concurrency slot */
	struct {
		struct callq q; /* calls of the class waiting for its buckets */
		ev_timer timer; /* when the head may ask again */
		struct aws_client *c;
	} pace[RATELIMIT_N_CLASSES];
};

static void pace_enter(struct aws_call *call);
static void on_pace_timer(struct ev_loop *loop, ev_timer *w, int revents);
static void slot_enter(struct aws_call *call);
static void call_get_creds(struct aws_call *call);

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

/* The endpoint, as endpoint.h allows it: scheme and authority are all the client keeps. */
static int
parse_endpoint(struct aws_client *c, const char *endpoint, struct err *e)
{
	struct endpoint ep;
	int r = endpoint_parse(endpoint, &ep, e);

	if (r < 0)
		return r;
	c->authority = ep.authority;
	c->endpoint_url = ep.url;
	c->allow_http = !ep.https;
	free(ep.host);
	return 0;
}

/* Free the client's own copies and the client (no call may be pending). */
static void
client_destroy(struct aws_client *c)
{
	sigv4_key_cache_clear(&c->sign_key);
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
	for (size_t i = 0; i + 1 < sizeof(c->service_word) && opt->service[i]; i++)
		c->service_word[i] = (char)(opt->service[i] >= 'a' && opt->service[i] <= 'z'
						    ? opt->service[i] - 'a' + 'A'
						    : opt->service[i]);
	for (int k = 0; k < RATELIMIT_N_CLASSES; k++) {
		ev_init(&c->pace[k].timer, on_pace_timer);
		c->pace[k].timer.data = c;
	}
	c->skew = opt->clock_skew;
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

struct ev_loop *
aws_client_loop(const struct aws_client *c)
{
	return c->loop;
}

unsigned
aws_pending(const struct aws_client *c)
{
	return c->pending;
}

long
aws_client_clock_skew(const struct aws_client *c)
{
	return c->skew;
}

void
aws_client_scrub(const struct aws_client *c, char *text, size_t size)
{
	struct scrub_keys k;

	scrub_keys_init(&k);
	creds_cache_scrub_keys(c->opt.creds, &k);
	scrub_string(text, size, &k);
}

/*
 * The secrets a call's answer might echo: the client's credentials and, for
 * AssumeRoleWithWebIdentity, the JWT in the call's own body (its characters
 * need no percent-encoding, so the body holds it as it is).
 */
static void
call_scrub_keys(const struct aws_call *call, struct scrub_keys *k)
{
	static const char param[] = "WebIdentityToken=";
	const char *body = call->body.data, *p;

	scrub_keys_init(k);
	creds_cache_scrub_keys(call->client->opt.creds, k);
	if (body == NULL)
		return;
	p = memmem(body, call->body.len, param, sizeof(param) - 1);
	if (p != NULL) {
		p += sizeof(param) - 1;
		scrub_keys_add(k, p, strcspn(p, "&"));
	}
}

/* Scrub a string of an answer in place (strings the XML parser allocated). */
static void
scrub_owned(char *s, const struct scrub_keys *k)
{
	if (s != NULL)
		scrub_string(s, strlen(s) + 1, k);
}

static void
callq_push(struct callq *q, struct aws_call *call)
{
	call->queue = q;
	call->queue_prev = q->tail;
	call->queue_next = NULL;
	if (q->tail)
		q->tail->queue_next = call;
	else
		q->head = call;
	q->tail = call;
}

/* Take `call` out of whatever queue it is in (no-op when in none). */
static void
callq_remove(struct aws_call *call)
{
	struct callq *q = call->queue;

	if (q == NULL)
		return;
	if (call->queue_prev)
		call->queue_prev->queue_next = call->queue_next;
	else
		q->head = call->queue_next;
	if (call->queue_next)
		call->queue_next->queue_prev = call->queue_prev;
	else
		q->tail = call->queue_prev;
	call->queue = NULL;
	call->queue_prev = call->queue_next = NULL;
}

/* Run a call's next step from the loop, not from the current stack. */
static void
call_defer(struct aws_call *call, enum call_state state)
{
	call->state = state;
	ev_timer_stop(call->client->loop, &call->timer);
	ev_timer_set(&call->timer, 0., 0.);
	ev_timer_start(call->client->loop, &call->timer);
}

/*
 * Give a slot back.  The longest-waiting call gets it, but starts from a
 * zero timer rather than right here: slot_put() runs inside completion and
 * cancellation paths, which must not re-enter the state machine.
 */
static void
slot_put(struct aws_client *c)
{
	struct aws_call *next = c->slots.head;

	c->in_flight--;
	if (next == NULL || c->closing || c->in_flight >= c->opt.concurrency)
		return;
	callq_remove(next);
	c->in_flight++;
	call_defer(next, CALL_SLOT_GRANTED);
}

/* Stop whatever the call is waiting for; the slot is released if held. */
static void
call_detach(struct aws_call *call)
{
	struct aws_client *c = call->client;

	ev_timer_stop(c->loop, &call->timer);
	switch (call->state) {
	case CALL_PACING: {
		struct callq *q = call->queue;
		bool was_head = q && q->head == call;

		callq_remove(call);
		/* The next in line may ask the buckets now (from the loop). */
		if (was_head && q->head) {
			ev_timer_stop(c->loop, &c->pace[call->klass].timer);
			ev_timer_set(&c->pace[call->klass].timer, 0., 0.);
			ev_timer_start(c->loop, &c->pace[call->klass].timer);
		}
		break;
	}
	case CALL_QUEUED:
		callq_remove(call);
		break;
	case CALL_SLOT_GRANTED:
		slot_put(c);
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
	case CALL_PACED:
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
	struct scrub_keys keys;
	struct err e;
	char failure[ERR_MSG_MAX];

	/*
	 * Last line: the message as composed, which may hold the end of a
	 * secret an earlier truncation cut (the parts were scrubbed whole).
	 */
	call_scrub_keys(call, &keys);
	if (resp->e != NULL) {
		e = *resp->e;
		scrub_string(e.msg, sizeof(e.msg), &keys);
		resp->e = &e;
	}
	if (resp->failure_text != NULL) {
		snprintf(failure, sizeof(failure), "%s", resp->failure_text);
		scrub_string(failure, sizeof(failure), &keys);
		resp->failure_text = failure;
	}
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
			.clock_skew = c->skew,
			.skew_corrected = call->skew_corrected,
			.failure = resp->failure,
			.failure_text = resp->failure_text,
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

/* No credentials to sign with: the cache's reason is the whole story. */
static void
call_fail_no_creds(struct aws_call *call, const struct err *e)
{
	char text[ERR_MSG_MAX + 32]; /* room for the prefix: err_set() truncates later */
	const char *why = strstr(e->msg, ": no credentials: ");
	struct aws_response resp = {.r = -ENOKEY, .e = e, .failure = AWS_FAILURE_NO_CREDS};

	snprintf(text, sizeof(text), "no AWS credentials: %s",
		 why ? why + strlen(": no credentials: ") : e->msg);
	resp.failure_text = text;
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
		call_fail_no_creds(call, &e2);
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
		call_fail_no_creds(call, &e2);
	}
	/* r == 0: on_creds() continues. */
}

static void
on_timer(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct aws_call *call = CONTAINER_OF(w, struct aws_call, timer);

	(void)loop;
	(void)revents;
	switch (call->state) {
	case CALL_BACKOFF:
		pace_enter(call);
		break;
	case CALL_PACED:
		slot_enter(call);
		break;
	case CALL_SLOT_GRANTED:
		call_get_creds(call);
		break;
	default:
		break;
	}
}

/*
 * Let the heads of class `k` through while the buckets allow; when the head
 * must wait, arm the class timer.  Calls let through continue from a zero
 * timer, so nothing here runs a later step on this stack.
 */
static void
pace_pump(struct aws_client *c, enum ratelimit_class k)
{
	struct aws_call *head;

	while ((head = c->pace[k].q.head) != NULL) {
		double delay = ratelimit_acquire(c->opt.ratelimit, head->action, ev_now(c->loop));

		if (delay > 0) {
			ev_timer_stop(c->loop, &c->pace[k].timer);
			ev_timer_set(&c->pace[k].timer, delay, 0.);
			ev_timer_start(c->loop, &c->pace[k].timer);
			return;
		}
		callq_remove(head);
		call_defer(head, CALL_PACED);
	}
}

static void
on_pace_timer(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct aws_client *c = w->data;

	(void)loop;
	(void)revents;
	for (int k = 0; k < RATELIMIT_N_CLASSES; k++)
		if (w == &c->pace[k].timer)
			pace_pump(c, (enum ratelimit_class)k);
}

/* Join the class's pacing queue (or skip pacing without a limiter). */
static void
pace_enter(struct aws_call *call)
{
	struct aws_client *c = call->client;

	if (c->opt.ratelimit == NULL) {
		slot_enter(call);
		return;
	}
	call->state = CALL_PACING;
	callq_push(&c->pace[call->klass].q, call);
	/* A new head asks at once; behind a head, the class timer decides. */
	if (c->pace[call->klass].q.head == call)
		pace_pump(c, call->klass);
}

/* Take a free slot and go on, or wait in line for one. */
static void
slot_enter(struct aws_call *call)
{
	struct aws_client *c = call->client;

	if (c->in_flight < c->opt.concurrency && c->slots.head == NULL) {
		c->in_flight++;
		call_get_creds(call);
		return;
	}
	call->state = CALL_QUEUED;
	callq_push(&c->slots, call);
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
	call->sent_local = c->opt.wall_clock(c->opt.wall_clock_arg);
	call->signed_at = call->sent_local + (time_t)c->skew;
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
			.timestamp = call->signed_at,
		};

		signed_headers[0] = (struct sigv4_header){"Content-Type", headers[1].value};
		call->creds_generation = ref->generation;
		r = sigv4_sign_cached(&sr, &sc, &c->sign_key, &sig, &e);
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

/*
 * The words for a network failure, NULL for a transport error that is not
 * one (a body over the cap): the service was not reached (name, connection,
 * TLS), or it was and the answer never came whole (timeout, reset).
 */
static const char *
network_words(enum http_error kind)
{
	switch (kind) {
	case HTTP_ERR_RESOLVE:
	case HTTP_ERR_CONNECT:
	case HTTP_ERR_TLS:
		return "cannot reach";
	case HTTP_ERR_TIMEOUT:
	case HTTP_ERR_RESET:
		return "no complete answer from";
	default:
		return NULL;
	}
}

/* What one attempt's answer says about the clocks (skew.h). */
struct attempt_clock {
	bool sampled; /* the answer had a usable Date */
	struct skew_sample sample;
	bool refused; /* refused for its signing time: re-signing may help */
};

/*
 * Measure the answer's Date against the local clock and move the client's
 * offset; say whether the attempt was refused for its time.  Done for every
 * answer, successes included (a stale offset is dropped without an error),
 * but an unsigned call's refusal is never about its signature's time.
 */
static void
clock_check(struct aws_call *call, const struct http_response *hr, const char *code,
	    struct attempt_clock *ac)
{
	struct aws_client *c = call->client;
	time_t received = c->opt.wall_clock(c->opt.wall_clock_arg);

	memset(ac, 0, sizeof(*ac));
	if (hr->error != HTTP_ERR_NONE ||
	    skew_measure(hr->date, hr->age, call->sent_local, received, &ac->sample) < 0)
		return;
	ac->sampled = true;
	if (code != NULL && !(call->flags & AWS_CALL_UNSIGNED))
		ac->refused = skew_refused(code, call->signed_at, ac->sample.server);
	c->skew = skew_adjust(c->skew, ac->sample.skew);
}

/*
 * The words of a failed call, in `e` and the short `failure` (the hook's
 * and the daemon's status line): the failures that are not the request's
 * fault say what they are instead of "EC2 unreachable" for all of them.
 */
static void
give_up_words(struct aws_call *call, const struct http_response *hr, const struct ec2_error *aerr,
	      const struct retry_decision *d, const struct attempt_clock *ac,
	      const char *request_id, struct aws_response *resp, struct err *e, char *failure,
	      size_t failure_size)
{
	const char *word = call->client->service_word;
	const char *action = call->action;
	int attempts = call->retry.attempts;
	const char *plural = attempts == 1 ? "" : "s";
	char detail[ERR_MSG_MAX], skew_text[64];

	if (hr->error != HTTP_ERR_NONE) {
		const char *why = hr->message[0] ? hr->message : http_error_name(hr->error);
		const char *words = network_words(hr->error);

		resp->r = transport_errno(hr->error);
		if (words == NULL) {
			err_set(e, resp->r, "%s: %s (%s, after %d attempt%s)", action, why,
				d->reason, attempts, plural);
			return;
		}
		snprintf(failure, failure_size, "%s %s: %s", words, word, why);
		resp->failure = AWS_FAILURE_NETWORK;
		resp->failure_text = failure;
		err_set(e, resp->r, "%s: %s (%s, after %d attempt%s)", action, failure, d->reason,
			attempts, plural);
		return;
	}
	resp->r = -EREMOTEIO;
	resp->error_code = aerr->code;
	resp->error_message = aerr->message;
	snprintf(detail, sizeof(detail), "%s%s%s; HTTP %ld%s%s, %s, after %d attempt%s",
		 aerr->code ? aerr->code : "error", aerr->message ? ": " : "",
		 aerr->message ? aerr->message : "", hr->status, request_id ? ", request " : "",
		 request_id ? request_id : "", d->reason, attempts, plural);
	if (d->class == RETRY_CLASS_CLOCK_SKEW ||
	    skew_code_kind(aerr->code) == SKEW_CODE_DEFINITE) {
		if (ac->refused)
			snprintf(failure, failure_size, "%s refused the request time: %s", word,
				 skew_describe(ac->sample.skew, skew_text, sizeof(skew_text)));
		else if (ac->sampled)
			snprintf(failure, failure_size,
				 "%s refused the request time, though its Date agrees with the "
				 "local clock",
				 word);
		else
			snprintf(failure, failure_size,
				 "%s refused the request time, and its answer has no Date to "
				 "correct the clock by",
				 word);
		resp->failure = AWS_FAILURE_CLOCK;
	} else if (d->class == RETRY_CLASS_CREDENTIALS) {
		snprintf(failure, failure_size, "credentials rejected by %s (%s)", word,
			 aerr->code);
		resp->failure = AWS_FAILURE_CREDENTIALS;
	} else {
		err_set(e, resp->r, "%s: %s%s%s (HTTP %ld%s%s, %s, after %d attempt%s)", action,
			aerr->code ? aerr->code : "error", aerr->message ? ": " : "",
			aerr->message ? aerr->message : "", hr->status,
			request_id ? ", request " : "", request_id ? request_id : "", d->reason,
			attempts, plural);
		return;
	}
	resp->failure_text = failure;
	if (resp->failure == AWS_FAILURE_CREDENTIALS)
		/* "credentials rejected by EC2 (AuthFailure: …; HTTP 401, …)" */
		err_set(e, resp->r, "%s: credentials rejected by %s (%s)", action, word, detail);
	else
		err_set(e, resp->r, "%s: %s (%s)", action, failure, detail);
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
	struct attempt_clock ac;
	struct scrub_keys keys;
	char failure[ERR_MSG_MAX + 64]; /* room for the words around a message */
	struct err e;
	int parse_r = 0;

	err_clear(&e);
	call->http = NULL;
	o.retry_after = hr->retry_after;
	/* What the answer says goes into messages and the log: without our secrets. */
	call_scrub_keys(call, &keys);
	scrub_string(hr->request_id, sizeof(hr->request_id), &keys);
	scrub_string(hr->message, sizeof(hr->message), &keys);

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
			/* Whole, before any truncation, so a secret's shape is seen. */
			scrub_owned(aerr.code, &keys);
			scrub_owned(aerr.message, &keys);
			scrub_owned(aerr.request_id, &keys);
			o.error_code = aerr.code;
			if (aerr.request_id)
				request_id = aerr.request_id;
		}
	}
	clock_check(call, hr, o.error_code, &ac);
	o.clock_skewed = ac.refused;

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
		if (d.class == RETRY_CLASS_CLOCK_SKEW)
			call->skew_corrected = true;
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
			/* The parser's reason, with what a reader needs to find the answer. */
			char why[ERR_MSG_MAX];

			snprintf(why, sizeof(why), "%s", e.msg);
			resp.r = parse_r;
			err_clear(&e); /* first error wins: make room for the whole story */
			err_set(&e, resp.r, "%s: bad answer (HTTP %ld%s%s%s%s, %s%d attempt%s): %s",
				call->action, hr->status, hr->content_type[0] ? ", " : "",
				hr->content_type, request_id ? ", request " : "",
				request_id ? request_id : "", parse_r == -EBADMSG ? "after " : "",
				call->retry.attempts, call->retry.attempts == 1 ? "" : "s", why);
		} else {
			give_up_words(call, hr, &aerr, &d, &ac, request_id, &resp, &e, failure,
				      sizeof(failure));
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
	call->klass = ratelimit_class_of(action);
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
	for (int k = 0; k < RATELIMIT_N_CLASSES; k++)
		ev_timer_stop(c->loop, &c->pace[k].timer);
	client_destroy(c);
}
