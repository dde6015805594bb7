/* SPDX-License-Identifier: ISC */
/*
 * http: asynchronous HTTPS requests on the daemon's libev loop.
 *
 * Everything vpcesd sends to AWS (EC2, STS, the credential endpoints) goes
 * through one `struct http_client`: a libcurl multi handle driven by the
 * multi *socket* interface, with libev io watchers for the sockets curl wants
 * watched and one libev timer for curl's timeouts.  Nothing here blocks the
 * loop: there is no curl_multi_perform polling, no curl_easy_perform and no
 * thread of our own.  (Name resolution uses libcurl's asynchronous resolver;
 * Debian's libcurl4-openssl builds the *threaded* resolver, so libcurl itself
 * resolves names on short-lived helper threads.  http_client_new() refuses a
 * libcurl without an asynchronous resolver, which would block the loop.)
 *
 * Policy that no caller can weaken:
 *  - TLS peer and host verification are always on.  The trust store is
 *    built once per client: libcurl's built-in CA bundle and directory, plus
 *    `ca_file`, which *adds* CAs and never replaces the system ones; every
 *    TLS context shares it (castore.h: the bundle is parsed only when a
 *    chain needs it).  Nothing turns verification off.
 *  - Only https:// URLs, unless a request sets HTTP_ALLOW_HTTP (the IMDS and
 *    ECS credential endpoints; the EC2 layer allows it for loopback only).
 *    Protocols are restricted to HTTP(S) and redirects are never followed.
 *  - Response bodies are capped (16 MiB by default); past the cap the
 *    transfer is aborted with HTTP_ERR_TOO_LARGE.  No Accept-Encoding is
 *    sent and nothing is decoded, so a compressed body cannot expand.
 *  - Header names and values with CR, LF or NUL are refused (no injection).
 *
 * Connections are kept alive and reused by the multi handle (HTTP/1.1, or
 * HTTP/2 multiplexing when the server offers it over ALPN).
 *
 * This module only reports facts (status, transport error kind, timings);
 * it never logs: the caller decides what is worth logging, and never sees
 * more than the caller gave it (request headers and bodies are wiped from
 * memory when a request is finished, since they carry signatures).
 *
 * Threading: every function must be called from the loop's thread.  All of
 * them may be called from the event loop (they never block), and
 * http_submit()/http_cancel() may be called from inside a completion
 * callback.
 */
#ifndef VPCESD_HTTP_H
#define VPCESD_HTTP_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"
#include "err.h"

struct ev_loop;
struct http_client;
struct http_call;

#define HTTP_DEFAULT_CONNECT_TIMEOUT_MS 5000L
#define HTTP_DEFAULT_TIMEOUT_MS         30000L
#define HTTP_DEFAULT_MAX_BODY           ((size_t)16 << 20)
#define HTTP_DEFAULT_MAX_HOST_CONNS     8L
#define HTTP_DEFAULT_MAX_IN_FLIGHT      256U

/* Client-wide settings.  Zero / NULL fields take the defaults above. */
struct http_client_options {
	const char *user_agent;     /* NULL: "vpcesd/<version>" */
	const char *ca_file;        /* extra CA bundle (PEM), added to the system store */
	const char *system_ca_file; /* replaces libcurl's built-in bundle path; for tests
					and systems whose bundle lives elsewhere */
	long connect_timeout_ms;    /* TCP + TLS handshake */
	long timeout_ms;            /* whole request */
	size_t max_body;            /* response body cap in bytes */
	long max_host_connections;  /* per host; further requests queue in libcurl */
	unsigned max_in_flight;     /* http_submit() refuses more (-EBUSY) */
};

enum http_method {
	HTTP_GET,
	HTTP_POST,
	HTTP_PUT,
	HTTP_DELETE,
};

/* Request flags. */
#define HTTP_ALLOW_HTTP 0x1U /* accept a plain http:// URL */

struct http_header {
	const char *name;  /* e.g. "X-Amz-Date"; no ':' CR LF */
	const char *value; /* no CR LF */
};

/*
 * One request.  Everything is copied by http_submit(): the caller may free or
 * reuse the strings and the body as soon as it returns.
 */
struct http_request {
	enum http_method method;
	const char *url;
	const struct http_header *headers; /* n_headers entries */
	size_t n_headers;
	const void *body; /* POST/PUT body, may be NULL when body_len is 0 */
	size_t body_len;
	long connect_timeout_ms; /* 0: client default */
	long timeout_ms;         /* 0: client default */
	size_t max_body;         /* 0: client default; may only lower the client's cap */
	unsigned flags;          /* HTTP_ALLOW_HTTP */
};

/* What went wrong below HTTP.  An HTTP error status is not a transport error. */
enum http_error {
	HTTP_ERR_NONE = 0,  /* a complete response arrived (any status) */
	HTTP_ERR_RESOLVE,   /* the host name did not resolve */
	HTTP_ERR_CONNECT,   /* TCP connection refused / unreachable */
	HTTP_ERR_TIMEOUT,   /* connect or total timeout */
	HTTP_ERR_RESET,     /* connection reset or closed mid-exchange */
	HTTP_ERR_TLS,       /* handshake or certificate verification failed */
	HTTP_ERR_TOO_LARGE, /* body past the cap */
	HTTP_ERR_CANCELLED, /* only from http_client_free() */
	HTTP_ERR_OTHER,
};

/* "none", "resolve", "connect", "timeout", "reset", "tls", "too-large", "cancelled", "other". */
const char *http_error_name(enum http_error e);

#define HTTP_HEADER_VALUE_MAX 256

/*
 * The outcome of one request, owned by the http module and valid only during
 * the completion callback.  The callback may take the body with
 * buf_steal(&resp->body) or by moving the struct out and calling
 * buf_init(&resp->body, 0); anything left is freed after the callback.
 * Header values are truncated to HTTP_HEADER_VALUE_MAX - 1 bytes; "" when
 * absent.
 */
struct http_response {
	enum http_error error;     /* HTTP_ERR_NONE or the transport failure */
	char message[ERR_MSG_MAX]; /* human-readable error, "" on success */
	long status;               /* HTTP status, 0 if none was received */
	long http_version;         /* 10, 11, 20 or 0 */
	struct buf body;           /* the body, NUL-terminated, ≤ max_body */
	char content_type[HTTP_HEADER_VALUE_MAX];
	char request_id[HTTP_HEADER_VALUE_MAX];  /* x-amzn-requestid or x-amz-request-id */
	char retry_after[HTTP_HEADER_VALUE_MAX]; /* x-amz-retry-after (milliseconds) */
	char date[HTTP_HEADER_VALUE_MAX];        /* Date: the server's clock (skew.h) */
	char age[HTTP_HEADER_VALUE_MAX];         /* Age: set when a cache answered */
	double elapsed;      /* seconds, as measured by libcurl for the transfer */
	bool new_connection; /* false when a kept-alive connection was reused */
};

/*
 * Completion callback: called exactly once per successfully submitted
 * request, from the loop, unless the request was cancelled with
 * http_cancel().  The `struct http_call` handle is invalid once the callback
 * returns.  The callback may submit and cancel other requests; it must not
 * free the client.
 */
typedef void (*http_done_fn)(struct http_response *resp, void *userdata);

/*
 * Overwrite the body of `resp` (all its capacity) before the module frees
 * it: for answers that carry secrets (credentials, tokens).
 */
void http_response_wipe(struct http_response *resp);

/*
 * Create a client on `loop`.  Reads the CA files (blocking file I/O: call it
 * at start-up or reload).  Fails with -EINVAL on bad options, -ENOENT /
 * -EBADMSG when ca_file cannot be read or holds no certificate, -ENOTSUP when
 * libcurl lacks an asynchronous resolver or is not built on OpenSSL, -ENOMEM.  On success *ret owns the client; free it with
 * http_client_free().
 */
/*
 * How many CA certificates the client's trust store holds now (ca_file's at
 * once, the system bundle's after the first handshake that needed them).
 * For tests.
 */
int http_client_ca_count(const struct http_client *c);

int http_client_new(struct ev_loop *loop, const struct http_client_options *opt,
		    struct http_client **ret, struct err *e);

/*
 * Cancel every request still in flight, calling each callback once with
 * HTTP_ERR_CANCELLED (so owners can free their userdata; the callbacks must
 * not submit new requests, which are refused with -ECANCELED meanwhile),
 * then free the client.  Not from inside a callback.  NULL is a no-op.
 */
void http_client_free(struct http_client *c);

/*
 * Start a request.  Returns 0 and, when ret_call is not NULL, a handle for
 * http_cancel(); the callback runs later, from the loop, never from inside
 * http_submit().  On failure (bad URL, http:// without HTTP_ALLOW_HTTP,
 * forbidden header, too many in flight: -EBUSY, -ENOMEM) the callback is
 * never called and *ret_call is untouched.
 */
int http_submit(struct http_client *c, const struct http_request *req, http_done_fn done,
		void *userdata, struct http_call **ret_call, struct err *e);

/*
 * Abort a request whose callback has not run yet; its callback will never be
 * called, the caller keeps its userdata.  Must not be called with a handle
 * whose callback already ran (the handle is freed by then).
 */
void http_cancel(struct http_call *call);

/* Requests submitted and not yet completed or cancelled. */
unsigned http_in_flight(const struct http_client *c);

#endif
