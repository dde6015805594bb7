/* SPDX-License-Identifier: ISC */
/*
 * bench-ec2: EC2 calls per second through the whole client stack (aws.h +
 * ec2.h: pacing slot, SigV4, libcurl multi over TLS, XML parsing) against
 * ec2sim with 64 calls in flight (prints numbers; not a test).
 *
 * The sim's throttling is switched off and no client-side pacing is set, so
 * the number is what the client and the sim manage together, not EC2's
 * budget.  The sim is a threaded Python server behind one lock: the result is
 * a floor for the client, not its ceiling (bench-client measures the client's
 * CPU-bound parts alone).
 *
 * Measured: DescribeVpcEndpointServiceConfigurations of the owned services
 * (one page of SERVICES items), and with -m also CreateTags on one service
 * (a mutating call).  Connections used = the most sockets this process held
 * open during the run, sampled from /proc/self/fd, minus those open before.
 *
 * Usage (tests/bench/ec2.sh runs it under tests/with-ec2sim.sh):
 *   bench-ec2 [-n CALLS] [-s SERVICES] [-c IN_FLIGHT] [-m]
 * Defaults: 5000 calls, 20 services, 64 in flight.
 */
#include "config.h"

#include <dirent.h>
#include <fcntl.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <ev.h>

#include "aws.h"
#include "creds.h"
#include "creds_provider.h"
#include "ec2.h"
#include "ec2_xml.h"
#include "http.h"
#include "support/sim.h"
#include "support/stack.h"

#define KEY_ID     "AKIDEXAMPLE"
#define SECRET     "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
#define OWNER_TAG  "vpcesd:owner"
#define MAX_FLIGHT 256

enum bench_kind {
	BENCH_DESCRIBE,
	BENCH_CREATE_TAGS,
};

struct bench {
	struct ev_loop *loop;
	struct aws_client *aws;
	enum bench_kind kind;
	const char *service_id; /* CreateTags target */
	long total;
	long started;
	long done;
	long failed;
	long items;      /* services seen by the listings */
	long attempts;   /* HTTP attempts (observe hook) */
	long throttled;  /* of which throttled */
	int sockets_max; /* most open sockets seen */
	char first_failure[ERR_MSG_MAX + 64];
};

static double
now_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Open sockets of this process: the connections libcurl holds (plus the admin one). */
static int
count_sockets(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *de;
	char target[64];
	int n = 0;

	if (d == NULL)
		return -1;
	while ((de = readdir(d)) != NULL) {
		ssize_t len;

		if (de->d_name[0] == '.')
			continue;
		len = readlinkat(dirfd(d), de->d_name, target, sizeof(target) - 1);
		if (len > 0) {
			target[len] = '\0';
			if (strncmp(target, "socket:", 7) == 0)
				n++;
		}
	}
	closedir(d);
	return n;
}

static void
note_failure(struct bench *b, const struct aws_response *resp)
{
	if (b->failed++ == 0)
		snprintf(b->first_failure, sizeof(b->first_failure), "%s: %s",
			 resp->error_code ? resp->error_code : "-", resp->e ? resp->e->msg : "?");
}

static void start_one(struct bench *b);

static void
finished(struct bench *b)
{
	b->done++;
	if ((b->done & 31) == 0) {
		int n = count_sockets();

		if (n > b->sockets_max)
			b->sockets_max = n;
	}
	if (b->started < b->total)
		start_one(b);
}

static void
on_services(void *arg, struct ec2_service_page *all, const struct aws_response *resp)
{
	struct bench *b = arg;

	if (all == NULL) {
		note_failure(b, resp);
	} else {
		b->items += (long)all->n;
		ec2_service_page_free(all); /* the contents are ours, not the struct */
	}
	finished(b);
}

static void
on_result(void *arg, struct ec2_result *res, const struct aws_response *resp)
{
	struct bench *b = arg;

	if (res == NULL)
		note_failure(b, resp);
	ec2_result_free(res); /* the contents are ours, not the struct */
	finished(b);
}

static void
on_observe(void *arg, const struct aws_call_record *rec)
{
	struct bench *b = arg;

	b->attempts += rec->attempts;
	b->throttled += rec->throttled;
}

static void
start_one(struct bench *b)
{
	static const char *const owner[] = {"bench"};
	const struct ec2_filter f = {"tag:" OWNER_TAG, owner, 1};
	struct ec2_tag_kv tag = {"bench", "1"};
	struct err e;
	int r;

	err_clear(&e);
	b->started++;
	if (b->kind == BENCH_DESCRIBE)
		r = ec2_list_services(b->aws, &f, 1, NULL, on_services, b, NULL, &e);
	else
		r = ec2_create_tags(b->aws, b->service_id, &tag, 1, on_result, b, NULL, &e);
	if (r < 0) {
		/* Not started: count it as done and failed, or the run never ends. */
		if (b->failed++ == 0)
			snprintf(b->first_failure, sizeof(b->first_failure), "start: %s", e.msg);
		b->done++;
	}
}

static double
cpu_seconds(void)
{
	struct rusage ru;

	if (getrusage(RUSAGE_SELF, &ru) < 0)
		return 0;
	return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
	       (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

struct setup {
	struct ev_loop *loop;
	struct creds_cache *creds;
	const char *service_id; /* CreateTags target */
	long calls;
	long in_flight;
};

/*
 * One run of `kind` on a fresh http client and aws client (so connections
 * are counted from zero); prints its line.  Returns 0 when every call
 * succeeded.
 */
static int
run(const struct setup *st, enum bench_kind kind, const char *label)
{
	struct bench b = {.loop = st->loop, .kind = kind, .total = st->calls};
	struct http_client_options ho = {
		.ca_file = getenv("EC2SIM_CA"),
		.max_host_connections = st->in_flight,
	};
	struct aws_client_options o = {
		.endpoint = getenv("EC2SIM_ENDPOINT"),
		.region = "us-east-1",
		.service = "ec2",
		.version = EC2_API_VERSION,
		.concurrency = (unsigned)st->in_flight,
		.creds = st->creds,
		.observe = on_observe,
		.observe_arg = &b,
	};
	struct http_client *http = NULL;
	double t0, t1, cpu0, cpu1;
	int base;
	struct err e;

	err_clear(&e);
	if (http_client_new(st->loop, &ho, &http, &e) < 0) {
		fprintf(stderr, "bench-ec2: %s\n", e.msg);
		return -1;
	}
	o.http = http;
	if (aws_client_new(st->loop, &o, &b.aws, &e) < 0) {
		fprintf(stderr, "bench-ec2: %s\n", e.msg);
		http_client_free(http);
		return -1;
	}
	/* After the clients exist: libcurl's own wake-up socketpair is not a connection. */
	base = count_sockets();
	b.service_id = st->service_id;
	b.sockets_max = base;
	cpu0 = cpu_seconds();
	t0 = now_seconds();
	for (long i = 0; i < st->in_flight && b.started < b.total; i++)
		start_one(&b);
	while (b.done < b.total)
		ev_run(b.loop, EVRUN_ONCE);
	t1 = now_seconds();
	cpu1 = cpu_seconds();
	printf("bench-ec2: %s: %ld calls, %ld in flight, %.2f s, %.0f calls/s, "
	       "%d connections, %ld attempts (%ld throttled), %ld failed; client CPU %.0f "
	       "us/call\n",
	       label, b.total, st->in_flight, t1 - t0, (double)b.total / (t1 - t0),
	       b.sockets_max - base, b.attempts, b.throttled, b.failed,
	       (cpu1 - cpu0) * 1e6 / (double)b.total);
	if (kind == BENCH_DESCRIBE && b.total > b.failed)
		printf("bench-ec2:   %.1f services per listing\n",
		       (double)b.items / (double)(b.total - b.failed));
	if (b.failed)
		printf("bench-ec2:   first failure: %s\n", b.first_failure);
	aws_client_free(b.aws);
	http_client_free(http);
	return b.failed ? -1 : 0;
}

static int
parse_long(const char *s, long lo, long hi, long *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < lo || v > hi)
		return -1;
	*out = v;
	return 0;
}

int
main(int argc, char **argv)
{
	struct setup st = {.loop = ev_default_loop(0), .calls = 5000, .in_flight = 64};
	long services = 20;
	int mutating = 0, opt, rc = 1;
	struct sim sim;
	bool sim_opened = false;
	char body[256], id[64] = "";
	cJSON *j = NULL;
	struct err e;

	while ((opt = getopt(argc, argv, "n:s:c:m")) != -1) {
		switch (opt) {
		case 'n':
			if (parse_long(optarg, 1, 10000000, &st.calls) < 0)
				goto usage;
			break;
		case 's':
			if (parse_long(optarg, 1, 1000, &services) < 0)
				goto usage;
			break;
		case 'c':
			if (parse_long(optarg, 1, MAX_FLIGHT, &st.in_flight) < 0)
				goto usage;
			break;
		case 'm':
			mutating = 1;
			break;
		default:
			goto usage;
		}
	}
	if (optind != argc)
		goto usage;
	if (getenv("EC2SIM_ENDPOINT") == NULL || !(sim_opened = sim_open(&sim, st.loop))) {
		fprintf(stderr, "bench-ec2: run through tests/bench/ec2.sh (needs ec2sim)\n");
		return 2;
	}

	/* The sim: fresh, no throttling, SERVICES owned services. */
	snprintf(body, sizeof(body),
		 "{\"count\": %ld, \"tags\": {\"" OWNER_TAG "\": \"bench\"}, "
		 "\"state\": \"Available\"}",
		 services);
	if (!sim_do(&sim, "POST", "/_sim/reset", NULL) ||
	    !sim_do(&sim, "POST", "/_sim/settings", "{\"throttle\": false}") ||
	    (j = sim_call(&sim, "POST", "/_sim/services", body)) == NULL)
		goto out;
	{
		const cJSON *first =
			cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(j, "service_ids"), 0);

		if (!cJSON_IsString(first))
			goto out;
		snprintf(id, sizeof(id), "%s", first->valuestring);
		st.service_id = id;
	}
	err_clear(&e);
	if (stack_static_creds(st.loop, KEY_ID, SECRET, &st.creds, &e) < 0) {
		fprintf(stderr, "bench-ec2: credentials: %s\n", e.msg);
		goto out;
	}
	rc = run(&st, BENCH_DESCRIBE, "DescribeVpcEndpointServiceConfigurations") < 0;
	if (mutating && run(&st, BENCH_CREATE_TAGS, "CreateTags (mutating)") < 0)
		rc = 1;
out:
	cJSON_Delete(j);
	creds_cache_free(st.creds);
	if (sim_opened)
		sim_close(&sim);
	return rc;
usage:
	fprintf(stderr, "usage: bench-ec2 [-n CALLS] [-s SERVICES] [-c IN_FLIGHT] [-m]\n");
	return 2;
}
