/* SPDX-License-Identifier: ISC */
/*
 * Tests for http.h against tests/http-fixture.py over loopback TLS.
 *
 * tests/http.sh makes the certificates, starts the fixture and exports
 * HTTP_TEST_CERTS (directory) and HTTP_PORT_<NAME> for each listener; run
 * alone, the binary skips.  Each test drives the real libev loop until its
 * callbacks have fired; a guard timer fails a test that would otherwise hang.
 */
#include "config.h"

#include <errno.h>
#include <ev.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "http.h"
#include "skew.h"

#define GUARD_SECONDS 20.0

struct env {
	struct ev_loop *loop;
	char certs[512];
};

/* What one completion callback saw. */
struct result {
	bool called;
	enum http_error error;
	long status;
	char message[ERR_MSG_MAX];
	char content_type[HTTP_HEADER_VALUE_MAX];
	char request_id[HTTP_HEADER_VALUE_MAX];
	char retry_after[HTTP_HEADER_VALUE_MAX];
	char date[HTTP_HEADER_VALUE_MAX];
	char age[HTTP_HEADER_VALUE_MAX];
	char *body;
	size_t body_len;
	bool new_connection;
	int *counter; /* incremented when called, if set */
};

static void
on_done(struct http_response *resp, void *userdata)
{
	struct result *r = userdata;

	assert_false(r->called);
	r->called = true;
	r->error = resp->error;
	r->status = resp->status;
	snprintf(r->message, sizeof(r->message), "%s", resp->message);
	snprintf(r->content_type, sizeof(r->content_type), "%s", resp->content_type);
	snprintf(r->request_id, sizeof(r->request_id), "%s", resp->request_id);
	snprintf(r->retry_after, sizeof(r->retry_after), "%s", resp->retry_after);
	snprintf(r->date, sizeof(r->date), "%s", resp->date);
	snprintf(r->age, sizeof(r->age), "%s", resp->age);
	r->body_len = resp->body.len;
	r->body = buf_steal(&resp->body);
	r->new_connection = resp->new_connection;
	if (r->counter)
		(*r->counter)++;
}

static void
result_free(struct result *r)
{
	free(r->body);
	r->body = NULL;
}

static void
on_guard(struct ev_loop *loop, ev_timer *w, int revents)
{
	(void)revents;
	*(bool *)w->data = true;
	ev_break(loop, EVBREAK_ONE);
}

/* Run the loop until *count reaches want; fail after GUARD_SECONDS. */
static void
run_until(struct ev_loop *loop, const int *count, int want)
{
	bool expired = false;
	ev_timer guard;

	ev_timer_init(&guard, on_guard, GUARD_SECONDS, 0.);
	guard.data = &expired;
	ev_timer_start(loop, &guard);
	while (*count < want && !expired)
		ev_run(loop, EVRUN_ONCE);
	ev_timer_stop(loop, &guard);
	if (expired)
		fail_msg("loop guard expired: %d of %d callbacks", *count, want);
}

static int
port_of(const char *name)
{
	char var[64];
	const char *v;

	snprintf(var, sizeof(var), "HTTP_PORT_%s", name);
	v = getenv(var);
	if (!v)
		fail_msg("%s not set", var);
	return (int)strtol(v, NULL, 10);
}

static void
url(char *dst, size_t n, const char *scheme, const char *port_name, const char *path)
{
	snprintf(dst, n, "%s://127.0.0.1:%d%s", scheme, port_of(port_name), path);
}

static struct http_client *
client_with(struct env *env, const char *system_ca, const char *extra_ca,
	    const struct http_client_options *base)
{
	struct http_client_options opt = {0};
	char sys_path[700], extra_path[700];
	struct http_client *c = NULL;
	struct err e;

	if (base)
		opt = *base;
	if (system_ca) {
		snprintf(sys_path, sizeof(sys_path), "%s/%s", env->certs, system_ca);
		opt.system_ca_file = sys_path;
	}
	if (extra_ca) {
		snprintf(extra_path, sizeof(extra_path), "%s/%s", env->certs, extra_ca);
		opt.ca_file = extra_path;
	}
	err_clear(&e);
	if (http_client_new(env->loop, &opt, &c, &e) < 0)
		fail_msg("http_client_new: %s", e.msg);
	return c;
}

/* A client that trusts the test CA in addition to the system store. */
static struct http_client *
client(struct env *env)
{
	return client_with(env, NULL, "ca.pem", NULL);
}

static void
submit_ok(struct http_client *c, const struct http_request *req, struct result *r)
{
	struct err e;

	err_clear(&e);
	if (http_submit(c, req, on_done, r, NULL, &e) < 0)
		fail_msg("http_submit: %s", e.msg);
}

/* One request, run to completion. */
static void
fetch(struct env *env, struct http_client *c, const struct http_request *req, struct result *r)
{
	int count = 0;

	memset(r, 0, sizeof(*r));
	r->counter = &count;
	submit_ok(c, req, r);
	assert_false(r->called); /* never from inside http_submit() */
	run_until(env->loop, &count, 1);
	r->counter = NULL;
}

static void
get(struct env *env, struct http_client *c, const char *port, const char *path, struct result *r)
{
	char u[256];
	struct http_request req = {.method = HTTP_GET, .url = u};

	url(u, sizeof(u), "https", port, path);
	fetch(env, c, &req, r);
}

static int
setup(void **state)
{
	struct env *env;
	const char *certs = getenv("HTTP_TEST_CERTS");

	if (!certs)
		return -1;
	env = calloc(1, sizeof(*env));
	assert_non_null(env);
	env->loop = ev_loop_new(EVFLAG_AUTO);
	assert_non_null(env->loop);
	snprintf(env->certs, sizeof(env->certs), "%s", certs);
	*state = env;
	return 0;
}

static int
teardown(void **state)
{
	struct env *env = *state;

	ev_loop_destroy(env->loop);
	free(env);
	return 0;
}

/* --- tests ------------------------------------------------------------------ */

static void
test_post_echo(void **state)
{
	struct env *env = *state;
	struct http_client *c = client(env);
	const struct http_header hdrs[] = {
		{"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"},
		{"X-Amz-Date", "20260115T120000Z"},
		{"X-Empty", ""},
	};
	const char body[] = "Action=DescribeVpcEndpointServiceConfigurations&Version=2016-11-15";
	char u[256];
	struct http_request req = {
		.method = HTTP_POST,
		.url = u,
		.headers = hdrs,
		.n_headers = 3,
		.body = body,
		.body_len = sizeof(body) - 1,
	};
	struct result r;

	url(u, sizeof(u), "https", "GOOD", "/echo");
	fetch(env, c, &req, &r);
	assert_int_equal(r.error, HTTP_ERR_NONE);
	assert_int_equal(r.status, 200);
	assert_string_equal(r.content_type, "application/json");
	assert_string_equal(r.request_id, "fixture-req-200");
	assert_string_equal(r.retry_after, "");
	assert_non_null(r.body);
	assert_non_null(strstr(r.body, "\"method\": \"POST\""));
	assert_non_null(strstr(r.body, "\"x-amz-date\": \"20260115T120000Z\""));
	assert_non_null(strstr(r.body, "\"x-empty\": \"\""));
	assert_non_null(strstr(r.body, "\"user-agent\": \"vpcesd/"));
	assert_non_null(
		strstr(r.body, "\"body\": \"Action=DescribeVpcEndpointServiceConfigurations&"));
	/* Policy: no compression negotiated, no 100-continue round trip. */
	assert_null(strstr(r.body, "accept-encoding"));
	assert_null(strstr(r.body, "\"expect\""));
	result_free(&r);
	http_client_free(c);
}

static void
test_put_and_status(void **state)
{
	struct env *env = *state;
	struct http_client *c = client(env);
	char u[256];
	struct http_request req = {.method = HTTP_PUT, .url = u};
	struct result r;

	url(u, sizeof(u), "https", "GOOD", "/echo");
	fetch(env, c, &req, &r);
	assert_int_equal(r.error, HTTP_ERR_NONE);
	assert_non_null(strstr(r.body, "\"method\": \"PUT\""));
	result_free(&r);

	/* An HTTP error status is a response, not a transport error. */
	get(env, c, "GOOD", "/status/503?retry_after=1500", &r);
	assert_int_equal(r.error, HTTP_ERR_NONE);
	assert_int_equal(r.status, 503);
	assert_string_equal(r.retry_after, "1500");
	assert_string_equal(r.request_id, "fixture-req-503");
	assert_string_equal(r.body, "status 503");
	assert_string_equal(r.age, "");
	result_free(&r);

	/* Date and Age, for clock skew (skew.h): the fixture's clock is this host's. */
	get(env, c, "GOOD", "/status/200?age=17280", &r);
	assert_int_equal(r.status, 200);
	assert_string_equal(r.age, "17280");
	{
		time_t server = 0, now = time(NULL);

		assert_int_equal(skew_parse_date(r.date, &server), 0);
		assert_true(server > now - 60 && server < now + 60);
	}
	result_free(&r);
	http_client_free(c);
}

static void
test_64_in_flight(void **state)
{
	struct env *env = *state;
	struct http_client *c = client(env);
	struct result r[64];
	char u[256];
	struct http_request req = {.method = HTTP_GET, .url = u};
	int count = 0, i;

	url(u, sizeof(u), "https", "GOOD", "/echo");
	memset(r, 0, sizeof(r));
	for (i = 0; i < 64; i++) {
		r[i].counter = &count;
		submit_ok(c, &req, &r[i]);
	}
	assert_int_equal(http_in_flight(c), 64);
	run_until(env->loop, &count, 64);
	assert_int_equal(http_in_flight(c), 0);
	for (i = 0; i < 64; i++) {
		assert_true(r[i].called);
		assert_int_equal(r[i].error, HTTP_ERR_NONE);
		assert_int_equal(r[i].status, 200);
		result_free(&r[i]);
	}
	http_client_free(c);
}

static long
fixture_connections(struct env *env, struct http_client *c)
{
	struct result r;
	const char *p;
	long n;

	get(env, c, "GOOD", "/stats", &r);
	assert_int_equal(r.error, HTTP_ERR_NONE);
	p = strstr(r.body, "\"connections\": ");
	assert_non_null(p);
	n = strtol(p + strlen("\"connections\": "), NULL, 10);
	result_free(&r);
	return n;
}

/* Sequential requests, each submitted from the previous one's callback. */
struct chain {
	struct http_client *c;
	struct http_request req;
	int done;
	int want;
	int new_connections;
	int failures;
};

static void
on_chain(struct http_response *resp, void *userdata)
{
	struct chain *ch = userdata;
	struct err e;

	if (resp->error != HTTP_ERR_NONE || resp->status != 200)
		ch->failures++;
	if (resp->new_connection)
		ch->new_connections++;
	ch->done++;
	if (ch->done < ch->want) {
		err_clear(&e);
		if (http_submit(ch->c, &ch->req, on_chain, ch, NULL, &e) < 0)
			ch->failures++;
	}
}

static void
test_connection_reuse(void **state)
{
	struct env *env = *state;
	struct http_client *c = client(env);
	char u[256];
	struct chain ch = {.c = c, .want = 100};
	struct err e;
	long before, after;

	url(u, sizeof(u), "https", "GOOD", "/echo");
	ch.req.method = HTTP_POST;
	ch.req.url = u;
	ch.req.body = "a=b";
	ch.req.body_len = 3;
	before = fixture_connections(env, c);
	err_clear(&e);
	assert_int_equal(http_submit(c, &ch.req, on_chain, &ch, NULL, &e), 0);
	run_until(env->loop, &ch.done, 100);
	assert_int_equal(ch.failures, 0);
	after = fixture_connections(env, c);
	/* 100 requests + 1 stats request over the connection kept from before. */
	assert_true(after - before <= 1);
	assert_true(ch.new_connections <= 1);
	http_client_free(c);
}

static void
test_timeouts(void **state)
{
	struct env *env = *state;
	struct http_client_options opt = {.connect_timeout_ms = 300, .timeout_ms = 600};
	struct http_client *c = client_with(env, NULL, "ca.pem", &opt);
	struct result r;

	/* The kernel completes the TCP handshake, then nothing ever answers. */
	get(env, c, "BLACKHOLE", "/", &r);
	assert_int_equal(r.error, HTTP_ERR_TIMEOUT);
	assert_string_not_equal(r.message, "");
	assert_int_equal(r.status, 0);
	result_free(&r);

	/* Connected and TLS done, but the answer never comes. */
	get(env, c, "GOOD", "/stall", &r);
	assert_int_equal(r.error, HTTP_ERR_TIMEOUT);
	assert_non_null(strstr(r.message, "imed out"));
	result_free(&r);
	http_client_free(c);
}

static void
test_body_cap(void **state)
{
	struct env *env = *state;
	struct http_client_options opt = {.max_body = 100000};
	struct http_client *c = client_with(env, NULL, "ca.pem", &opt);
	struct result r;
	char u[256];
	struct http_request req = {.method = HTTP_GET, .url = u, .max_body = 5000};

	get(env, c, "GOOD", "/big/100000", &r); /* exactly at the cap */
	assert_int_equal(r.error, HTTP_ERR_NONE);
	assert_int_equal(r.body_len, 100000);
	result_free(&r);

	get(env, c, "GOOD", "/big/100001", &r); /* announced by Content-Length */
	assert_int_equal(r.error, HTTP_ERR_TOO_LARGE);
	assert_non_null(strstr(r.message, "100000-byte limit"));
	assert_int_equal(r.body_len, 0);
	result_free(&r);

	get(env, c, "GOOD", "/chunked/300000", &r); /* found while reading */
	assert_int_equal(r.error, HTTP_ERR_TOO_LARGE);
	result_free(&r);

	/* A request may lower the cap, not raise it. */
	url(u, sizeof(u), "https", "GOOD", "/big/5001");
	fetch(env, c, &req, &r);
	assert_int_equal(r.error, HTTP_ERR_TOO_LARGE);
	result_free(&r);
	req.max_body = 1 << 30;
	url(u, sizeof(u), "https", "GOOD", "/big/100001");
	fetch(env, c, &req, &r);
	assert_int_equal(r.error, HTTP_ERR_TOO_LARGE);
	result_free(&r);

	/* A compressed body is neither requested nor expanded. */
	get(env, c, "GOOD", "/gzip", &r);
	assert_int_equal(r.error, HTTP_ERR_NONE);
	assert_true(r.body_len > 2 && r.body_len < 100000);
	assert_int_equal((unsigned char)r.body[0], 0x1f);
	assert_int_equal((unsigned char)r.body[1], 0x8b);
	result_free(&r);
	http_client_free(c);
}

static void
test_reset_and_refused(void **state)
{
	struct env *env = *state;
	struct http_client *c = client(env);
	struct sockaddr_in sa = {.sin_family = AF_INET};
	socklen_t len = sizeof(sa);
	char u[256];
	struct http_request req = {.method = HTTP_GET, .url = u};
	struct result r;
	int fd;

	get(env, c, "GOOD", "/reset", &r);
	assert_int_equal(r.error, HTTP_ERR_RESET);
	assert_string_not_equal(r.message, "");
	result_free(&r);

	/* A bound socket that does not listen refuses connections. */
	fd = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(fd >= 0);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &len), 0);
	snprintf(u, sizeof(u), "https://127.0.0.1:%d/", ntohs(sa.sin_port));
	fetch(env, c, &req, &r);
	assert_int_equal(r.error, HTTP_ERR_CONNECT);
	result_free(&r);
	close(fd);
	http_client_free(c);
}

static void
expect_tls_refusal(struct env *env, struct http_client *c, const char *port, const char *what)
{
	struct result r;

	get(env, c, port, "/echo", &r);
	assert_int_equal(r.error, HTTP_ERR_TLS);
	assert_int_equal(r.status, 0);
	assert_null(r.body && r.body_len ? r.body : NULL);
	if (what && !strstr(r.message, what))
		fail_msg("TLS message \"%s\" lacks \"%s\"", r.message, what);
	result_free(&r);
}

static void
test_bad_certificates(void **state)
{
	struct env *env = *state;
	struct http_client *c = client(env);
	struct http_client *plain;

	expect_tls_refusal(env, c, "UNTRUSTED", "certificate");
	expect_tls_refusal(env, c, "EXPIRED", "expired");
	expect_tls_refusal(env, c, "WRONGHOST", "127.0.0.1");
	/* Without the extra CA the system store does not know the test CA. */
	plain = client_with(env, NULL, NULL, NULL);
	expect_tls_refusal(env, plain, "GOOD", "certificate");
	http_client_free(plain);
	http_client_free(c);
}

static void
test_extra_ca_adds_to_store(void **state)
{
	struct env *env = *state;
	struct http_client *c;
	struct result r;
	struct err e;

	/*
	 * "System" store = CA 1, extra = CA 2: both chains verify.  The
	 * system bundle is read only when a chain needs it (castore.h): CA 2's
	 * server verifies with ca_file alone, CA 1's brings the bundle in.
	 */
	c = client_with(env, "ca.pem", "ca2.pem", NULL);
	assert_int_equal(http_client_ca_count(c), 1);
	get(env, c, "CA2GOOD", "/echo", &r);
	assert_int_equal(r.error, HTTP_ERR_NONE);
	result_free(&r);
	assert_int_equal(http_client_ca_count(c), 1);
	get(env, c, "GOOD", "/echo", &r);
	assert_int_equal(r.error, HTTP_ERR_NONE);
	result_free(&r);
	assert_int_equal(http_client_ca_count(c), 2);
	expect_tls_refusal(env, c, "UNTRUSTED", NULL);
	http_client_free(c);

	/*
	 * A reload builds a new client: a changed ca_file takes effect there,
	 * and nothing of the old store (nor of its lazily read bundle) stays.
	 */
	c = client_with(env, "rogue-ca.pem", "ca.pem", NULL);
	get(env, c, "GOOD", "/echo", &r);
	assert_int_equal(r.error, HTTP_ERR_NONE);
	result_free(&r);
	expect_tls_refusal(env, c, "CA2GOOD", NULL);
	http_client_free(c);
	c = client_with(env, "rogue-ca.pem", "ca2.pem", NULL);
	get(env, c, "CA2GOOD", "/echo", &r);
	assert_int_equal(r.error, HTTP_ERR_NONE);
	result_free(&r);
	expect_tls_refusal(env, c, "GOOD", NULL);
	http_client_free(c);

	/* Only CA 2 as the system store: CA 1's server is refused. */
	c = client_with(env, "ca2.pem", NULL, NULL);
	expect_tls_refusal(env, c, "GOOD", NULL);
	http_client_free(c);

	/* A missing or empty CA file fails at creation, not at first use. */
	{
		struct http_client_options opt = {.ca_file = "/nonexistent/ca.pem"};
		struct http_client *bad = NULL;

		err_clear(&e);
		assert_int_equal(http_client_new(env->loop, &opt, &bad, &e), -ENOENT);
		assert_null(bad);
		assert_non_null(strstr(e.msg, "/nonexistent/ca.pem"));
		opt.ca_file = "/dev/null";
		err_clear(&e);
		assert_int_equal(http_client_new(env->loop, &opt, &bad, &e), -EBADMSG);
		assert_null(bad);
		/* The system bundle is read lazily, but must exist at creation. */
		opt.ca_file = NULL;
		opt.system_ca_file = "/nonexistent/system.pem";
		err_clear(&e);
		assert_int_equal(http_client_new(env->loop, &opt, &bad, &e), -ENOENT);
		assert_null(bad);
		assert_non_null(strstr(e.msg, "/nonexistent/system.pem"));
	}
}

static void
test_scheme_policy(void **state)
{
	struct env *env = *state;
	struct http_client *c = client(env);
	char u[256];
	struct http_request req = {.method = HTTP_GET, .url = u};
	struct http_call *call = NULL;
	struct result r = {0};
	struct err e;

	url(u, sizeof(u), "http", "PLAIN", "/echo");
	err_clear(&e);
	assert_int_equal(http_submit(c, &req, on_done, &r, &call, &e), -EPROTONOSUPPORT);
	assert_null(call);
	assert_non_null(strstr(e.msg, "http://"));
	assert_int_equal(http_in_flight(c), 0);

	req.flags = HTTP_ALLOW_HTTP;
	fetch(env, c, &req, &r);
	assert_int_equal(r.error, HTTP_ERR_NONE);
	assert_int_equal(r.status, 200);
	result_free(&r);

	memset(&r, 0, sizeof(r));
	snprintf(u, sizeof(u), "ftp://127.0.0.1:%d/", port_of("PLAIN"));
	err_clear(&e);
	assert_int_equal(http_submit(c, &req, on_done, &r, NULL, &e), -EPROTONOSUPPORT);
	snprintf(u, sizeof(u), "not a url");
	err_clear(&e);
	assert_int_equal(http_submit(c, &req, on_done, &r, NULL, &e), -EINVAL);
	assert_false(r.called);
	http_client_free(c);
}

static void
test_bad_requests(void **state)
{
	struct env *env = *state;
	struct http_client_options opt = {.max_in_flight = 2};
	struct http_client *c = client_with(env, NULL, "ca.pem", &opt);
	char u[256];
	struct http_header bad_value[] = {{"X-Test", "a\r\nInjected: yes"}};
	struct http_header bad_name[] = {{"X Test", "a"}};
	struct http_request req = {
		.method = HTTP_GET, .url = u, .headers = bad_value, .n_headers = 1};
	struct result r[3];
	struct err e;
	int count = 0;

	memset(r, 0, sizeof(r));
	url(u, sizeof(u), "https", "GOOD", "/echo");
	err_clear(&e);
	assert_int_equal(http_submit(c, &req, on_done, &r[0], NULL, &e), -EINVAL);
	req.headers = bad_name;
	err_clear(&e);
	assert_int_equal(http_submit(c, &req, on_done, &r[0], NULL, &e), -EINVAL);
	assert_int_equal(http_in_flight(c), 0);

	/* The in-flight bound. */
	req.n_headers = 0;
	r[0].counter = r[1].counter = &count;
	submit_ok(c, &req, &r[0]);
	submit_ok(c, &req, &r[1]);
	err_clear(&e);
	assert_int_equal(http_submit(c, &req, on_done, &r[2], NULL, &e), -EBUSY);
	run_until(env->loop, &count, 2);
	assert_false(r[2].called);
	result_free(&r[0]);
	result_free(&r[1]);
	http_client_free(c);
}

static void
test_cancel(void **state)
{
	struct env *env = *state;
	struct http_client *c = client(env);
	char stall[256], echo[256];
	struct http_request req_stall = {.method = HTTP_GET, .url = stall};
	struct http_request req_echo = {.method = HTTP_GET, .url = echo};
	struct http_call *h1 = NULL, *h2 = NULL;
	struct result r1 = {0}, r2 = {0}, r3 = {0}, r4 = {0};
	struct err e;
	int count = 0;

	url(stall, sizeof(stall), "https", "GOOD", "/stall");
	url(echo, sizeof(echo), "https", "GOOD", "/echo");
	/* Cancelled before the loop ever ran it. */
	err_clear(&e);
	assert_int_equal(http_submit(c, &req_stall, on_done, &r1, &h1, &e), 0);
	http_cancel(h1);
	/* Cancelled while the server holds it: started together with an echo. */
	assert_int_equal(http_submit(c, &req_stall, on_done, &r2, &h2, &e), 0);
	r3.counter = &count;
	submit_ok(c, &req_echo, &r3);
	run_until(env->loop, &count, 1);
	assert_int_equal(http_in_flight(c), 1);
	http_cancel(h2);
	assert_int_equal(http_in_flight(c), 0);
	/* The client still works; the cancelled callbacks never ran. */
	r4.counter = &count;
	submit_ok(c, &req_echo, &r4);
	run_until(env->loop, &count, 2);
	assert_int_equal(r4.error, HTTP_ERR_NONE);
	assert_false(r1.called);
	assert_false(r2.called);
	result_free(&r3);
	result_free(&r4);

	/* Freeing the client reports what is still in flight as cancelled. */
	memset(&r1, 0, sizeof(r1));
	submit_ok(c, &req_stall, &r1);
	http_client_free(c);
	assert_true(r1.called);
	assert_int_equal(r1.error, HTTP_ERR_CANCELLED);
	result_free(&r1);
}

static void
test_error_names(void **state)
{
	(void)state;
	assert_string_equal(http_error_name(HTTP_ERR_NONE), "none");
	assert_string_equal(http_error_name(HTTP_ERR_TIMEOUT), "timeout");
	assert_string_equal(http_error_name(HTTP_ERR_TOO_LARGE), "too-large");
	assert_string_equal(http_error_name((enum http_error)99), "other");
	http_client_free(NULL);
	http_cancel(NULL);
	assert_int_equal(http_in_flight(NULL), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_error_names),
		cmocka_unit_test(test_post_echo),
		cmocka_unit_test(test_put_and_status),
		cmocka_unit_test(test_64_in_flight),
		cmocka_unit_test(test_connection_reuse),
		cmocka_unit_test(test_timeouts),
		cmocka_unit_test(test_body_cap),
		cmocka_unit_test(test_reset_and_refused),
		cmocka_unit_test(test_bad_certificates),
		cmocka_unit_test(test_extra_ca_adds_to_store),
		cmocka_unit_test(test_scheme_policy),
		cmocka_unit_test(test_bad_requests),
		cmocka_unit_test(test_cancel),
	};

	if (!getenv("HTTP_TEST_CERTS")) {
		printf("SKIP: run through tests/http.sh (needs the fixture)\n");
		return 77;
	}
	return cmocka_run_group_tests(tests, setup, teardown);
}
