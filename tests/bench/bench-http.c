/* SPDX-License-Identifier: ISC */
/*
 * bench-http: requests per second through http.c with 64 requests in flight.
 *
 * Prints numbers; asserts nothing about speed.  Run through the fixture
 * wrapper, which makes the certificates and exports the ports:
 *   make tests/bench/bench-http && \
 *   top_srcdir=$SRC top_builddir=. tests/http.sh tests/bench/bench-http [N]
 * The fixture is a threaded Python server, so the number measures the pair;
 * it is a floor for the client, not its ceiling.
 */
#include "config.h"

#include <ev.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "http.h"

#define IN_FLIGHT 64

struct bench {
	struct http_client *client;
	struct http_request req;
	long total;
	long submitted;
	long done;
	long failed;
	long new_connections;
	char first_failure[ERR_MSG_MAX + 64];
};

static void on_done(struct http_response *resp, void *userdata);

static int
submit_one(struct bench *b)
{
	struct err e;

	err_clear(&e);
	if (http_submit(b->client, &b->req, on_done, b, NULL, &e) < 0) {
		fprintf(stderr, "bench-http: submit: %s\n", e.msg);
		return -1;
	}
	b->submitted++;
	return 0;
}

static void
on_done(struct http_response *resp, void *userdata)
{
	struct bench *b = userdata;

	b->done++;
	if (resp->error != HTTP_ERR_NONE || resp->status != 200) {
		if (!b->failed++)
			snprintf(b->first_failure, sizeof(b->first_failure), "%s (%ld): %s",
				 http_error_name(resp->error), resp->status, resp->message);
	}
	if (resp->new_connection)
		b->new_connections++;
	if (b->submitted < b->total)
		submit_one(b);
}

static double
now_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int
main(int argc, char **argv)
{
	struct http_client_options opt = {.max_host_connections = IN_FLIGHT};
	const char *certs = getenv("HTTP_TEST_CERTS"), *port = getenv("HTTP_PORT_GOOD");
	struct ev_loop *loop = ev_default_loop(0);
	char ca[512], url[128];
	struct bench b = {0};
	const char body[] = "Action=DescribeVpcEndpointServiceConfigurations&Version=2016-11-15";
	double t0, t1;
	struct err e;
	int i;

	if (!certs || !port) {
		fprintf(stderr, "bench-http: run through tests/http.sh\n");
		return 2;
	}
	b.total = argc > 1 ? strtol(argv[1], NULL, 10) : 5000;
	if (b.total < IN_FLIGHT)
		b.total = IN_FLIGHT;
	snprintf(ca, sizeof(ca), "%s/ca.pem", certs);
	snprintf(url, sizeof(url), "https://127.0.0.1:%s/echo", port);
	/* BENCH_CA_AS_SYSTEM=1: trust the test CA as the whole store (no system bundle). */
	if (getenv("BENCH_CA_AS_SYSTEM"))
		opt.system_ca_file = ca;
	else
		opt.ca_file = ca;
	err_clear(&e);
	if (http_client_new(loop, &opt, &b.client, &e) < 0) {
		fprintf(stderr, "bench-http: %s\n", e.msg);
		return 1;
	}
	b.req.method = HTTP_POST;
	b.req.url = url;
	b.req.body = body;
	b.req.body_len = sizeof(body) - 1;

	t0 = now_seconds();
	for (i = 0; i < IN_FLIGHT; i++)
		if (submit_one(&b) < 0)
			return 1;
	while (b.done < b.total)
		ev_run(loop, EVRUN_ONCE);
	t1 = now_seconds();
	printf("bench-http: %ld requests, %d in flight, %.2f s, %.0f requests/s, "
	       "%ld new connections, %ld failed\n",
	       b.total, IN_FLIGHT, t1 - t0, (double)b.total / (t1 - t0), b.new_connections,
	       b.failed);
	if (b.failed)
		printf("bench-http: first failure: %s\n", b.first_failure);
	http_client_free(b.client);
	return b.failed ? 1 : 0;
}
