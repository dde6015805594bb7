/* SPDX-License-Identifier: ISC */
/*
 * http: libcurl's multi socket interface on libev.
 *
 * Why this shape: vpcesd runs one event loop and must never block it, yet it
 * talks HTTPS to EC2, STS and credential endpoints with many requests in
 * flight.  libcurl's multi *socket* interface lets the application own the
 * waiting: curl tells us which sockets to watch (CURLMOPT_SOCKETFUNCTION)
 * and when to wake it up (CURLMOPT_TIMERFUNCTION); we map those to libev io
 * watchers and one libev timer, and hand every event back with
 * curl_multi_socket_action().  Finished transfers are collected with
 * curl_multi_info_read() after each action and reported through the
 * request's callback -- always from the loop, never from inside a libcurl
 * callback, so callbacks may add and remove transfers freely.
 *
 * One multi handle serves every request, so its connection cache gives
 * keep-alive reuse; easy handles are per request (they are cheap; the
 * connection, TLS session and DNS caches live in the multi handle).
 *
 * Every policy that protects the daemon (TLS verification, https only, body
 * cap, no redirects, no content decoding, header validation) is applied here
 * per transfer from fixed code, not from caller-supplied curl options, so no
 * caller can switch it off.
 */
#include "config.h"

#include "castore.h"
#include "http.h"
#include "scrub.h"

#include <curl/curl.h>
#include <errno.h>
#include <ev.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct sock_watch {
	ev_io io;
	struct http_client *client;
	struct sock_watch *prev, *next;
};

struct http_call {
	struct http_client *client;
	CURL *easy;
	struct curl_slist *headers;
	char *body;      /* our copy of the request body (wiped before free) */
	size_t body_len; /* bytes in body */
	http_done_fn done;
	void *userdata;
	bool too_large;  /* the write callback hit the body cap */
	bool oom;        /* the write callback could not allocate */
	bool in_headers; /* a status line arrived, the blank line ending its headers not yet */
	struct http_response resp;
	char errbuf[CURL_ERROR_SIZE];
	struct http_call *prev, *next;
};

struct http_client {
	struct ev_loop *loop;
	CURLM *multi;
	ev_timer timer;
	X509_STORE *store; /* trust anchors: system bundle + ca_file, built once */
	char *user_agent;
	long connect_timeout_ms;
	long timeout_ms;
	size_t max_body;
	unsigned max_in_flight;
	unsigned in_flight;
	bool closing;
	struct http_call *calls;    /* in flight, newest first */
	struct sock_watch *sockets; /* watched sockets */
};

const char *
http_error_name(enum http_error e)
{
	switch (e) {
	case HTTP_ERR_NONE:
		return "none";
	case HTTP_ERR_RESOLVE:
		return "resolve";
	case HTTP_ERR_CONNECT:
		return "connect";
	case HTTP_ERR_TIMEOUT:
		return "timeout";
	case HTTP_ERR_RESET:
		return "reset";
	case HTTP_ERR_TLS:
		return "tls";
	case HTTP_ERR_TOO_LARGE:
		return "too-large";
	case HTTP_ERR_CANCELLED:
		return "cancelled";
	case HTTP_ERR_OTHER:
		break;
	}
	return "other";
}

void
http_response_wipe(struct http_response *resp)
{
	if (resp->body.data != NULL)
		OPENSSL_cleanse(resp->body.data, resp->body.cap);
}

/* --- libev <-> libcurl glue ------------------------------------------------ */

static void drain_done(struct http_client *c);

static void
on_io(struct ev_loop *loop, ev_io *w, int revents)
{
	struct sock_watch *sw = (struct sock_watch *)w;
	struct http_client *c = sw->client;
	int action = 0, running = 0;
	int fd = w->fd;

	(void)loop;
	if (revents & EV_READ)
		action |= CURL_CSELECT_IN;
	if (revents & EV_WRITE)
		action |= CURL_CSELECT_OUT;
	/* `sw` may be freed inside this call (CURL_POLL_REMOVE): not used after. */
	curl_multi_socket_action(c->multi, fd, action, &running);
	drain_done(c);
}

static void
on_timer(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct http_client *c = w->data;
	int running = 0;

	(void)loop;
	(void)revents;
	curl_multi_socket_action(c->multi, CURL_SOCKET_TIMEOUT, 0, &running);
	drain_done(c);
}

/*
 * CURLMOPT_SOCKETFUNCTION: curl says which events it wants on a socket.  A
 * watcher per socket is created on first use, re-armed on change, freed on
 * CURL_POLL_REMOVE.  Watchers are also listed in the client, so that any left
 * after curl_multi_cleanup() are still freed.
 */
static int
on_socket(CURL *easy, curl_socket_t s, int what, void *clientp, void *socketp)
{
	struct http_client *c = clientp;
	struct sock_watch *sw = socketp;
	int events = 0;

	(void)easy;
	if (what == CURL_POLL_REMOVE) {
		if (sw) {
			ev_io_stop(c->loop, &sw->io);
			if (sw->prev)
				sw->prev->next = sw->next;
			else
				c->sockets = sw->next;
			if (sw->next)
				sw->next->prev = sw->prev;
			free(sw);
			curl_multi_assign(c->multi, s, NULL);
		}
		return 0;
	}
	if (what & CURL_POLL_IN)
		events |= EV_READ;
	if (what & CURL_POLL_OUT)
		events |= EV_WRITE;
	if (!sw) {
		sw = calloc(1, sizeof(*sw));
		if (!sw)
			return -1; /* curl aborts the transfers on this socket */
		sw->client = c;
		ev_io_init(&sw->io, on_io, s, events);
		sw->next = c->sockets;
		if (c->sockets)
			c->sockets->prev = sw;
		c->sockets = sw;
		curl_multi_assign(c->multi, s, sw);
	} else {
		ev_io_stop(c->loop, &sw->io);
		ev_io_set(&sw->io, s, events);
	}
	ev_io_start(c->loop, &sw->io);
	return 0;
}

/*
 * CURLMOPT_TIMERFUNCTION: -1 deletes the timer; 0 means "as soon as
 * possible", which we still deliver through the loop (a zero-delay timer)
 * because calling back into libcurl from inside its own callback is not
 * allowed.
 */
static int
on_timer_change(CURLM *multi, long timeout_ms, void *clientp)
{
	struct http_client *c = clientp;

	(void)multi;
	ev_timer_stop(c->loop, &c->timer);
	if (timeout_ms >= 0) {
		ev_timer_set(&c->timer, (double)timeout_ms / 1000.0, 0.);
		ev_timer_start(c->loop, &c->timer);
	}
	return 0;
}

/* --- per-transfer callbacks ------------------------------------------------- */

static size_t
on_body(char *p, size_t size, size_t n, void *userdata)
{
	struct http_call *call = userdata;
	size_t len = size * n;
	int r;

	r = buf_append(&call->resp.body, p, len);
	if (r == -E2BIG) {
		call->too_large = true;
		return 0;
	}
	if (r < 0) {
		call->oom = true;
		return 0;
	}
	return len;
}

static void
copy_value(char *dst, const char *src, size_t len)
{
	while (len > 0 && (*src == ' ' || *src == '\t')) {
		src++;
		len--;
	}
	while (len > 0 && (src[len - 1] == '\r' || src[len - 1] == '\n' || src[len - 1] == ' ' ||
			   src[len - 1] == '\t'))
		len--;
	if (len >= HTTP_HEADER_VALUE_MAX)
		len = HTTP_HEADER_VALUE_MAX - 1;
	memcpy(dst, src, len);
	dst[len] = '\0';
}

/*
 * Keep the few response headers callers need.  A status line starts a new
 * header block (after a 1xx answer), so the fields are reset there and only
 * the final response's headers remain.
 */
static size_t
on_header(char *p, size_t size, size_t n, void *userdata)
{
	struct http_call *call = userdata;
	struct http_response *r = &call->resp;
	size_t len = size * n;
	const char *colon;
	size_t name_len;

	if (len >= 5 && strncasecmp(p, "HTTP/", 5) == 0) {
		r->content_type[0] = r->request_id[0] = r->retry_after[0] = '\0';
		r->date[0] = r->age[0] = '\0';
		call->in_headers = true;
		return len;
	}
	if (len >= 1 && len <= 2 && (p[0] == '\r' || p[0] == '\n')) {
		call->in_headers = false;
		return len;
	}
	colon = memchr(p, ':', len);
	if (!colon)
		return len;
	name_len = (size_t)(colon - p);
	len -= name_len + 1;
#define HDR_IS(s) (name_len == sizeof(s) - 1 && strncasecmp(p, s, name_len) == 0)
	if (HDR_IS("content-type"))
		copy_value(r->content_type, colon + 1, len);
	else if (HDR_IS("x-amzn-requestid") || HDR_IS("x-amz-request-id"))
		copy_value(r->request_id, colon + 1, len);
	else if (HDR_IS("x-amz-retry-after"))
		copy_value(r->retry_after, colon + 1, len);
	else if (HDR_IS("date"))
		copy_value(r->date, colon + 1, len);
	else if (HDR_IS("age"))
		copy_value(r->age, colon + 1, len);
#undef HDR_IS
	return size * n;
}

/*
 * CURLOPT_SSL_CTX_FUNCTION: give each new TLS context the client's trust
 * store (shared, reference-counted).  libcurl is told to load no CA file of
 * its own: parsing the ~140-certificate system bundle for every new
 * connection cost ~40 ms of blocked loop per handshake (measured with
 * tests/bench/bench-http), so the store is built once in http_client_new()
 * (castore.h: the bundle itself is read at most once, when first needed).
 */
static CURLcode
on_ssl_ctx(CURL *easy, void *ssl_ctx, void *userdata)
{
	struct http_client *c = userdata;

	(void)easy;
	SSL_CTX_set1_cert_store(ssl_ctx, c->store);
	return CURLE_OK;
}

/* --- calls ------------------------------------------------------------------ */

static void
call_unlink(struct http_call *call)
{
	struct http_client *c = call->client;

	if (call->prev)
		call->prev->next = call->next;
	else if (c->calls == call)
		c->calls = call->next;
	if (call->next)
		call->next->prev = call->prev;
	call->prev = call->next = NULL;
	c->in_flight--;
}

static void
call_free(struct http_call *call)
{
	struct curl_slist *h;

	if (!call)
		return;
	if (call->easy)
		curl_easy_cleanup(call->easy);
	/* Request headers carry the signature and maybe a session token. */
	for (h = call->headers; h; h = h->next)
		OPENSSL_cleanse(h->data, strlen(h->data));
	curl_slist_free_all(call->headers);
	if (call->body) {
		OPENSSL_cleanse(call->body, call->body_len);
		free(call->body);
	}
	buf_free(&call->resp.body);
	free(call);
}

static enum http_error
map_curl_error(CURLcode rc, const struct http_call *call)
{
	switch (rc) {
	case CURLE_OK:
		return HTTP_ERR_NONE;
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_RESOLVE_PROXY:
		return HTTP_ERR_RESOLVE;
	case CURLE_COULDNT_CONNECT:
		return HTTP_ERR_CONNECT;
	case CURLE_OPERATION_TIMEDOUT:
		return HTTP_ERR_TIMEOUT;
	case CURLE_SEND_ERROR:
	case CURLE_RECV_ERROR:
	case CURLE_GOT_NOTHING:
	case CURLE_PARTIAL_FILE:
	case CURLE_HTTP2:
	case CURLE_HTTP2_STREAM:
		return HTTP_ERR_RESET;
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_CIPHER:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_ISSUER_ERROR:
	case CURLE_SSL_INVALIDCERTSTATUS:
	case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
	case CURLE_SSL_CRL_BADFILE:
	case CURLE_SSL_SHUTDOWN_FAILED:
		return HTTP_ERR_TLS;
	case CURLE_FILESIZE_EXCEEDED:
		return HTTP_ERR_TOO_LARGE;
	case CURLE_WRITE_ERROR:
		return call->too_large ? HTTP_ERR_TOO_LARGE : HTTP_ERR_OTHER;
	default:
		return HTTP_ERR_OTHER;
	}
}

/*
 * libcurl's reason may quote the peer (a proxy's CONNECT answer, a header
 * line): scrub it with the secrets this request sent (its Authorization,
 * session token and metadata token headers) and by their shapes.
 */
static void
scrub_message(struct http_call *call)
{
	static const char *const secret_headers[] = {
		"authorization:", "x-amz-security-token:", "x-aws-ec2-metadata-token:"};
	struct scrub_keys k;

	scrub_keys_init(&k);
	for (struct curl_slist *h = call->headers; h; h = h->next)
		for (size_t i = 0; i < sizeof(secret_headers) / sizeof(secret_headers[0]); i++) {
			size_t n = strlen(secret_headers[i]);
			const char *v = h->data + n;

			if (strncasecmp(h->data, secret_headers[i], n) != 0)
				continue;
			while (*v == ' ')
				v++;
			scrub_keys_add_str(&k, v);
		}
	scrub_string(call->resp.message, sizeof(call->resp.message), &k);
}

/* Fill the response from the finished easy handle. */
static void
call_result(struct http_call *call, CURLcode rc)
{
	struct http_response *r = &call->resp;
	curl_off_t total_us = 0;
	long version = 0, connects = 0;

	curl_easy_getinfo(call->easy, CURLINFO_RESPONSE_CODE, &r->status);
	curl_easy_getinfo(call->easy, CURLINFO_TOTAL_TIME_T, &total_us);
	curl_easy_getinfo(call->easy, CURLINFO_HTTP_VERSION, &version);
	curl_easy_getinfo(call->easy, CURLINFO_NUM_CONNECTS, &connects);
	r->elapsed = (double)total_us / 1e6;
	r->new_connection = connects > 0;
	switch (version) {
	case CURL_HTTP_VERSION_1_0:
		r->http_version = 10;
		break;
	case CURL_HTTP_VERSION_1_1:
		r->http_version = 11;
		break;
	case CURL_HTTP_VERSION_2_0:
		r->http_version = 20;
		break;
	default:
		r->http_version = 0;
	}
	r->error = map_curl_error(rc, call);
	if (r->error == HTTP_ERR_NONE) {
		r->message[0] = '\0';
		return;
	}
	if (r->error == HTTP_ERR_TOO_LARGE)
		snprintf(r->message, sizeof(r->message),
			 "response body larger than the %zu-byte limit", r->body.max);
	else if (call->oom)
		snprintf(r->message, sizeof(r->message), "out of memory reading the response body");
	else if (rc == CURLE_OUT_OF_MEMORY && call->in_headers)
		/*
		 * libcurl 7.88 refuses a header line over CURL_MAX_HTTP_HEADER
		 * with CURLE_OUT_OF_MEMORY and no message of its own: say what
		 * happened, not "Out of memory".
		 */
		snprintf(r->message, sizeof(r->message),
			 "a response header line is longer than libcurl's %d-byte limit",
			 CURL_MAX_HTTP_HEADER);
	else if (call->errbuf[0])
		snprintf(r->message, sizeof(r->message), "%s", call->errbuf);
	else
		snprintf(r->message, sizeof(r->message), "%s", curl_easy_strerror(rc));
	scrub_message(call);
	/* A failed transfer has no trustworthy body. */
	buf_reset(&r->body);
}

/* Report and free every finished transfer. */
static void
drain_done(struct http_client *c)
{
	CURLMsg *msg;
	int left;

	while ((msg = curl_multi_info_read(c->multi, &left))) {
		struct http_call *call = NULL;
		CURLcode rc;

		if (msg->msg != CURLMSG_DONE)
			continue;
		rc = msg->data.result;
		curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&call);
		if (!call)
			continue;
		curl_multi_remove_handle(c->multi, call->easy);
		call_unlink(call);
		call_result(call, rc);
		call->done(&call->resp, call->userdata);
		call_free(call);
	}
}

/* --- client ----------------------------------------------------------------- */

int
http_client_ca_count(const struct http_client *c)
{
	return castore_count(c->store);
}

void
http_client_free(struct http_client *c)
{
	struct sock_watch *sw;

	if (!c)
		return;
	c->closing = true;
	while (c->calls) {
		struct http_call *call = c->calls;

		curl_multi_remove_handle(c->multi, call->easy);
		call_unlink(call);
		call->resp.error = HTTP_ERR_CANCELLED;
		snprintf(call->resp.message, sizeof(call->resp.message), "request cancelled");
		buf_reset(&call->resp.body);
		call->done(&call->resp, call->userdata);
		call_free(call);
	}
	if (c->multi)
		curl_multi_cleanup(c->multi);
	while ((sw = c->sockets)) {
		c->sockets = sw->next;
		ev_io_stop(c->loop, &sw->io);
		free(sw);
	}
	ev_timer_stop(c->loop, &c->timer);
	X509_STORE_free(c->store);
	free(c->user_agent);
	free(c);
	curl_global_cleanup();
}

int
http_client_new(struct ev_loop *loop, const struct http_client_options *opt,
		struct http_client **ret, struct err *e)
{
	static const struct http_client_options defaults = {0};
	const curl_version_info_data *vi;
	struct http_client *c;
	long host_conns;
	int r;

	if (!loop || !ret)
		return err_set(e, -EINVAL, "http_client_new: missing loop or result");
	if (!opt)
		opt = &defaults;
	if (opt->connect_timeout_ms < 0 || opt->timeout_ms < 0 || opt->max_host_connections < 0)
		return err_set(e, -EINVAL, "http: negative timeout or connection limit");
	vi = curl_version_info(CURLVERSION_NOW);
	if (!(vi->features & CURL_VERSION_ASYNCHDNS))
		return err_set(
			e, -ENOTSUP,
			"libcurl %s has no asynchronous resolver; it would block the event loop",
			vi->version);
	if (!vi->ssl_version || strncmp(vi->ssl_version, "OpenSSL", 7) != 0)
		return err_set(e, -ENOTSUP, "http needs libcurl built with OpenSSL (have %s)",
			       vi->ssl_version ? vi->ssl_version : "no TLS");
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		return err_set(e, -EIO, "curl_global_init failed");

	c = calloc(1, sizeof(*c));
	if (!c) {
		curl_global_cleanup();
		return err_set(e, -ENOMEM, "out of memory");
	}
	c->loop = loop;
	ev_timer_init(&c->timer, on_timer, 0., 0.);
	c->timer.data = c;
	c->connect_timeout_ms =
		opt->connect_timeout_ms ? opt->connect_timeout_ms : HTTP_DEFAULT_CONNECT_TIMEOUT_MS;
	c->timeout_ms = opt->timeout_ms ? opt->timeout_ms : HTTP_DEFAULT_TIMEOUT_MS;
	c->max_body = opt->max_body ? opt->max_body : HTTP_DEFAULT_MAX_BODY;
	c->max_in_flight = opt->max_in_flight ? opt->max_in_flight : HTTP_DEFAULT_MAX_IN_FLIGHT;
	host_conns =
		opt->max_host_connections ? opt->max_host_connections : HTTP_DEFAULT_MAX_HOST_CONNS;
	c->user_agent =
		strdup(opt->user_agent ? opt->user_agent : PACKAGE_NAME "/" PACKAGE_VERSION);
	if (!c->user_agent) {
		r = err_set(e, -ENOMEM, "out of memory");
		goto fail;
	}
	r = castore_build(opt->system_ca_file, opt->ca_file, &c->store, e);
	if (r < 0)
		goto fail;
	c->multi = curl_multi_init();
	if (!c->multi) {
		r = err_set(e, -ENOMEM, "curl_multi_init failed");
		goto fail;
	}
	curl_multi_setopt(c->multi, CURLMOPT_SOCKETFUNCTION, on_socket);
	curl_multi_setopt(c->multi, CURLMOPT_SOCKETDATA, c);
	curl_multi_setopt(c->multi, CURLMOPT_TIMERFUNCTION, on_timer_change);
	curl_multi_setopt(c->multi, CURLMOPT_TIMERDATA, c);
	curl_multi_setopt(c->multi, CURLMOPT_PIPELINING, (long)CURLPIPE_MULTIPLEX);
	curl_multi_setopt(c->multi, CURLMOPT_MAX_HOST_CONNECTIONS, host_conns);
	*ret = c;
	return 0;
fail:
	http_client_free(c);
	return r;
}

unsigned
http_in_flight(const struct http_client *c)
{
	return c ? c->in_flight : 0;
}

/* RFC 9110 token characters, so a header name cannot smuggle syntax. */
static bool
header_name_ok(const char *s)
{
	if (!s || !*s)
		return false;
	for (; *s; s++)
		if (!strchr("!#$%&'*+-.^_`|~", *s) &&
		    !((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'z') ||
		      (*s >= 'A' && *s <= 'Z')))
			return false;
	return true;
}

static bool
header_value_ok(const char *s)
{
	return s && !strpbrk(s, "\r\n");
}

static int
check_scheme(const char *url, unsigned flags, struct err *e)
{
	CURLU *u = curl_url();
	char *scheme = NULL;
	int r = 0;

	if (!u)
		return err_set(e, -ENOMEM, "out of memory");
	if (curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK) {
		r = err_set(e, -EINVAL, "http: invalid URL");
		goto out;
	}
	if (strcasecmp(scheme, "https") == 0)
		goto out;
	if (strcasecmp(scheme, "http") == 0) {
		if (!(flags & HTTP_ALLOW_HTTP))
			r = err_set(e, -EPROTONOSUPPORT,
				    "http: plain http:// refused; only https:// is allowed here");
		goto out;
	}
	r = err_set(e, -EPROTONOSUPPORT, "http: URL scheme \"%s\" not allowed", scheme);
out:
	curl_free(scheme);
	curl_url_cleanup(u);
	return r;
}

static int
add_header(struct curl_slist **list, const char *name, const char *value)
{
	struct curl_slist *n;
	struct buf line;
	int r;

	buf_init(&line, 16384);
	/* "Name;" is libcurl's way to send a header with an empty value. */
	r = *value ? buf_printf(&line, "%s: %s", name, value) : buf_printf(&line, "%s;", name);
	if (r == 0) {
		n = curl_slist_append(*list, buf_str(&line));
		if (n)
			*list = n;
		else
			r = -ENOMEM;
	}
	if (line.data)
		OPENSSL_cleanse(line.data, line.len);
	buf_free(&line);
	return r;
}

/* Apply the fixed policy and the request to a fresh easy handle. */
static int
call_setup(struct http_call *call, const struct http_request *req, struct err *e)
{
	struct http_client *c = call->client;
	CURL *h = call->easy;
	long connect_ms =
		req->connect_timeout_ms > 0 ? req->connect_timeout_ms : c->connect_timeout_ms;
	long total_ms = req->timeout_ms > 0 ? req->timeout_ms : c->timeout_ms;
	const char *protocols = (req->flags & HTTP_ALLOW_HTTP) ? "http,https" : "https";
	CURLcode rc = CURLE_OK;
	struct curl_slist *n;
	size_t i;

#define SET(opt, val)                                       \
	do {                                                \
		if (rc == CURLE_OK)                         \
			rc = curl_easy_setopt(h, opt, val); \
	} while (0)
	SET(CURLOPT_URL, req->url);
	SET(CURLOPT_PRIVATE, call);
	SET(CURLOPT_ERRORBUFFER, call->errbuf);
	SET(CURLOPT_NOSIGNAL, 1L);
#if LIBCURL_VERSION_NUM >= 0x075500
	SET(CURLOPT_PROTOCOLS_STR, protocols);
	SET(CURLOPT_REDIR_PROTOCOLS_STR, "https");
#else
	SET(CURLOPT_PROTOCOLS, (req->flags & HTTP_ALLOW_HTTP)
				       ? (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS)
				       : (long)CURLPROTO_HTTPS);
	SET(CURLOPT_REDIR_PROTOCOLS, (long)CURLPROTO_HTTPS);
	(void)protocols;
#endif
	SET(CURLOPT_FOLLOWLOCATION, 0L);
	SET(CURLOPT_SSL_VERIFYPEER, 1L);
	SET(CURLOPT_SSL_VERIFYHOST, 2L);
	/* Trust comes only from the client's store (on_ssl_ctx). */
	SET(CURLOPT_CAINFO, (char *)NULL);
	SET(CURLOPT_CAPATH, (char *)NULL);
	SET(CURLOPT_SSL_CTX_FUNCTION, on_ssl_ctx);
	SET(CURLOPT_SSL_CTX_DATA, c);
	SET(CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_2TLS);
	SET(CURLOPT_PIPEWAIT, 1L);
	SET(CURLOPT_TCP_KEEPALIVE, 1L);
	SET(CURLOPT_CONNECTTIMEOUT_MS, connect_ms);
	SET(CURLOPT_TIMEOUT_MS, total_ms);
	SET(CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)call->resp.body.max);
	SET(CURLOPT_WRITEFUNCTION, on_body);
	SET(CURLOPT_WRITEDATA, call);
	SET(CURLOPT_HEADERFUNCTION, on_header);
	SET(CURLOPT_HEADERDATA, call);
	SET(CURLOPT_USERAGENT, c->user_agent);
	switch (req->method) {
	case HTTP_GET:
		SET(CURLOPT_HTTPGET, 1L);
		break;
	case HTTP_PUT:
	case HTTP_DELETE:
		/* The body goes out as for a POST; only the method's name differs. */
		SET(CURLOPT_CUSTOMREQUEST, req->method == HTTP_PUT ? "PUT" : "DELETE");
		/* fall through */
	case HTTP_POST:
		SET(CURLOPT_POST, 1L);
		SET(CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)call->body_len);
		SET(CURLOPT_POSTFIELDS, call->body ? call->body : "");
		break;
	}
#undef SET
	if (rc != CURLE_OK)
		return err_set(e, -EINVAL, "http: %s", curl_easy_strerror(rc));

	for (i = 0; i < req->n_headers; i++) {
		const struct http_header *hd = &req->headers[i];

		if (!header_name_ok(hd->name) || !header_value_ok(hd->value))
			return err_set(e, -EINVAL, "http: invalid request header #%zu (%s)", i,
				       header_name_ok(hd->name) ? hd->name : "bad name");
		if (add_header(&call->headers, hd->name, hd->value) < 0)
			return err_set(e, -ENOMEM, "out of memory");
	}
	/*
	 * "Expect:" (no value) removes libcurl's "Expect: 100-continue" round
	 * trip for larger bodies.  No Accept-Encoding is ever sent.
	 */
	n = curl_slist_append(call->headers, "Expect:");
	if (!n)
		return err_set(e, -ENOMEM, "out of memory");
	call->headers = n;
	if (curl_easy_setopt(h, CURLOPT_HTTPHEADER, call->headers) != CURLE_OK)
		return err_set(e, -EINVAL, "http: cannot set headers");
	return 0;
}

int
http_submit(struct http_client *c, const struct http_request *req, http_done_fn done,
	    void *userdata, struct http_call **ret_call, struct err *e)
{
	struct http_call *call = NULL;
	size_t max_body;
	int r;

	if (!c || !req || !req->url || !done)
		return err_set(e, -EINVAL, "http_submit: missing client, request, URL or callback");
	if (c->closing)
		return err_set(e, -ECANCELED, "http: client is shutting down");
	if (c->in_flight >= c->max_in_flight)
		return err_set(e, -EBUSY, "http: %u requests already in flight", c->in_flight);
	if (req->method != HTTP_GET && req->method != HTTP_POST && req->method != HTTP_PUT &&
	    req->method != HTTP_DELETE)
		return err_set(e, -EINVAL, "http: unknown method");
	if (req->body_len > 0 && !req->body)
		return err_set(e, -EINVAL, "http: body_len without body");
	if (req->body_len > c->max_body)
		return err_set(e, -E2BIG, "http: request body of %zu bytes too large",
			       req->body_len);
	r = check_scheme(req->url, req->flags, e);
	if (r < 0)
		return r;

	call = calloc(1, sizeof(*call));
	if (!call)
		return err_set(e, -ENOMEM, "out of memory");
	call->client = c;
	call->done = done;
	call->userdata = userdata;
	max_body = req->max_body && req->max_body < c->max_body ? req->max_body : c->max_body;
	buf_init(&call->resp.body, max_body);
	if (req->body_len > 0) {
		call->body = malloc(req->body_len);
		if (!call->body) {
			r = err_set(e, -ENOMEM, "out of memory");
			goto fail;
		}
		memcpy(call->body, req->body, req->body_len);
		call->body_len = req->body_len;
	}
	call->easy = curl_easy_init();
	if (!call->easy) {
		r = err_set(e, -ENOMEM, "curl_easy_init failed");
		goto fail;
	}
	r = call_setup(call, req, e);
	if (r < 0)
		goto fail;
	if (curl_multi_add_handle(c->multi, call->easy) != CURLM_OK) {
		r = err_set(e, -ENOMEM, "curl_multi_add_handle failed");
		goto fail;
	}
	call->next = c->calls;
	if (c->calls)
		c->calls->prev = call;
	c->calls = call;
	c->in_flight++;
	if (ret_call)
		*ret_call = call;
	return 0;
fail:
	call_free(call);
	return r;
}

void
http_cancel(struct http_call *call)
{
	if (!call)
		return;
	curl_multi_remove_handle(call->client->multi, call->easy);
	call_unlink(call);
	call_free(call);
}
