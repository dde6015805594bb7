/* SPDX-License-Identifier: ISC */
/*
 * Integration tests of aws.h + ec2.h against ec2sim over HTTPS (run through
 * tests/with-ec2sim.sh): every typed call on the happy path, pagination to
 * the end, idempotent creates, the refusal to send an empty DeleteTags,
 * terminal errors that are not retried, transient faults and throttling that
 * are, malformed answers, credential refresh after AuthFailure,
 * `unsuccessful` items, clock skew corrected from the answers' Date (the
 * sim's wall clock 20 minutes off either way) and the words of failures
 * that are not the request's fault.  What vpcesd sent is checked in the sim's counters,
 * not only in what the client returned.
 */
#include "config.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>
#include <ev.h>

#include "aws.h"
#include "creds.h"
#include "creds_provider.h"
#include "ec2.h"
#include "ec2_xml.h"
#include "http.h"
#include "ratelimit.h"
#include "support/sim.h"
#include "support/stack.h"

#define NLB_A                                                                         \
	"arn:aws:elasticloadbalancing:us-east-1:111122223333:loadbalancer/net/nlb-a/" \
	"0123456789abcdef"
#define NLB_B                                                                         \
	"arn:aws:elasticloadbalancing:us-east-1:111122223333:loadbalancer/net/nlb-b/" \
	"1123456789abcdef"
#define KEY_ID "AKIDEXAMPLE"
#define SECRET "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"

struct fixture {
	struct ev_loop *loop;
	struct sim sim;
	struct http_client *http;
	struct creds_cache *creds;
	struct aws_client *aws;
	unsigned observed;           /* calls reported to the observe hook */
	struct aws_call_record last; /* the last one (strings not kept) */
	char last_code[128];
	char last_failure[ERR_MSG_MAX];
	char last_msg[ERR_MSG_MAX]; /* list_expect_failure()'s message */
};

/* Zero jitter: retries happen at once, so tests are fast and deterministic. */
static double
no_jitter(void *arg)
{
	(void)arg;
	return 0.0;
}

static void
on_observe(void *arg, const struct aws_call_record *rec)
{
	struct fixture *f = arg;

	f->observed++;
	f->last = *rec;
	snprintf(f->last_code, sizeof(f->last_code), "%s", rec->error_code ? rec->error_code : "");
	snprintf(f->last_failure, sizeof(f->last_failure), "%s",
		 rec->failure_text ? rec->failure_text : "");
}

/* The aws client options of these tests (http and creds from the fixture). */
static struct aws_client_options
aws_options(struct fixture *f, unsigned max_attempts, struct ratelimit *rl, unsigned concurrency)
{
	struct aws_client_options o = {
		.endpoint = getenv("EC2SIM_ENDPOINT"),
		.region = "us-east-1",
		.service = "ec2",
		.version = EC2_API_VERSION,
		.max_attempts = max_attempts,
		.concurrency = concurrency,
		.http = f->http,
		.creds = f->creds,
		.ratelimit = rl,
		.random01 = no_jitter,
		.observe = on_observe,
		.observe_arg = f,
	};

	return o;
}

static struct aws_client *
make_aws(struct fixture *f, unsigned max_attempts, struct ratelimit *rl, unsigned concurrency)
{
	struct aws_client_options o = aws_options(f, max_attempts, rl, concurrency);
	struct aws_client *c = NULL;
	struct err e;

	err_clear(&e);
	if (aws_client_new(f->loop, &o, &c, &e) < 0)
		fail_msg("aws_client_new: %s", e.msg);
	return c;
}

static struct creds_cache *
make_creds(struct ev_loop *loop, const char *key, const char *secret)
{
	struct creds_cache *cc = NULL;
	struct err e;

	err_clear(&e);
	if (stack_static_creds(loop, key, secret, &cc, &e) < 0)
		fail_msg("stack_static_creds: %s", e.msg);
	return cc;
}

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct aws_client_options o;
	struct err e;

	if (getenv("EC2SIM_ENDPOINT") == NULL) {
		print_message("SKIP: run through tests/with-ec2sim.sh\n");
		free(f);
		return -1;
	}
	f->loop = ev_default_loop(0);
	assert_true(sim_open(&f->sim, f->loop));
	assert_true(sim_do(&f->sim, "POST", "/_sim/reset", NULL));
	/* Services become Available at once; tests that need Pending set it. */
	assert_true(sim_do(&f->sim, "POST", "/_sim/settings", "{\"pending_seconds\": 0}"));
	o = aws_options(f, 3, NULL, 8);
	err_clear(&e);
	if (stack_new(f->loop, &o, KEY_ID, SECRET, &f->http, &f->creds, &f->aws, &e) < 0)
		fail_msg("stack_new: %s", e.msg);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	stack_free(f->http, f->creds, f->aws);
	sim_close(&f->sim);
	free(f);
	return 0;
}

/* ---- a generic "wait for the callback" for every result type ---------- */

struct wait {
	bool done;
	int r;
	char code[128];
	char msg[ERR_MSG_MAX];
	void *res; /* owned copy of the result struct, or NULL */
};

static void
wait_for(struct fixture *f, struct wait *w)
{
	while (!w->done)
		ev_run(f->loop, EVRUN_ONCE);
}

static void
record(struct wait *w, void *res, size_t size, const struct aws_response *resp)
{
	w->done = true;
	w->r = resp ? resp->r : 0;
	snprintf(w->code, sizeof(w->code), "%s", resp && resp->error_code ? resp->error_code : "");
	snprintf(w->msg, sizeof(w->msg), "%s", resp && resp->e ? resp->e->msg : "");
	if (res != NULL) {
		w->res = malloc(size);
		assert_non_null(w->res);
		memcpy(w->res, res, size);
		w->r = 0;
	}
}

static void
on_services(void *arg, struct ec2_service_page *all, const struct aws_response *resp)
{
	record(arg, all, sizeof(*all), resp);
}

static void
on_created(void *arg, struct ec2_create_service_result *res, const struct aws_response *resp)
{
	record(arg, res, sizeof(*res), resp);
}

static void
on_result(void *arg, struct ec2_result *res, const struct aws_response *resp)
{
	record(arg, res, sizeof(*res), resp);
}

static void
on_principals(void *arg, struct ec2_principal_page *all, const struct aws_response *resp)
{
	record(arg, all, sizeof(*all), resp);
}

static void
on_perm(void *arg, struct ec2_modify_permissions_result *res, const struct aws_response *resp)
{
	record(arg, res, sizeof(*res), resp);
}

static void
on_connections(void *arg, struct ec2_connection_page *all, const struct aws_response *resp)
{
	record(arg, all, sizeof(*all), resp);
}

/* Create one NLB service with our ownership tags; returns its id (caller frees). */
static char *
create_service(struct fixture *f, const char *token, const char *name)
{
	struct strv nlb = STRV_INIT;
	struct ec2_tag_kv tags[] = {{"vpcesd:owner", "test"}, {"vpcesd:name", name}};
	struct ec2_create_service_params p = {
		.acceptance_required = true,
		.nlb_arns = &nlb,
		.tags = tags,
		.n_tags = 2,
		.client_token = token,
	};
	struct wait w = {0};
	struct ec2_create_service_result *res;
	struct err e;
	char *id;

	err_clear(&e);
	strv_push(&nlb, NLB_A);
	assert_int_equal(ec2_create_service(f->aws, &p, on_created, &w, NULL, &e), 0);
	wait_for(f, &w);
	strv_free(&nlb);
	assert_int_equal(w.r, 0);
	res = w.res;
	assert_non_null(res->config.service_id);
	assert_non_null(res->config.service_name);
	assert_non_null(strstr(res->config.service_name, res->config.service_id));
	id = strdup(res->config.service_id);
	ec2_create_service_result_free(res);
	free(res);
	return id;
}

static struct ec2_service_page *
list_owned(struct fixture *f, int *r)
{
	const char *owner[] = {"test"};
	struct ec2_filter filter = {"tag:vpcesd:owner", owner, 1};
	struct wait w = {0};
	struct err e;

	err_clear(&e);
	assert_int_equal(ec2_list_services(f->aws, &filter, 1, NULL, on_services, &w, NULL, &e), 0);
	wait_for(f, &w);
	*r = w.r;
	return w.res;
}

static void
free_page(struct ec2_service_page *p)
{
	ec2_service_page_free(p);
	free(p);
}

static void
test_create_is_idempotent_and_listed(void **state)
{
	struct fixture *f = *state;
	char *a = create_service(f, "tok-1", "api");
	char *b = create_service(f, "tok-1", "api");
	struct ec2_service_page *p;
	int r;

	/* Same ClientToken, same parameters: the same service, one create. */
	assert_string_equal(a, b);
	p = list_owned(f, &r);
	assert_int_equal(r, 0);
	assert_int_equal(p->n, 1);
	assert_string_equal(p->v[0].service_id, a);
	assert_string_equal(p->v[0].service_state, "Available");
	free_page(p);
	free(a);
	free(b);
}

static void
test_pagination_reads_every_page(void **state)
{
	struct fixture *f = *state;
	struct ec2_service_page *p;
	int r;

	/* 2,345 owned services: three pages of at most 1,000. */
	assert_true(sim_do(&f->sim, "POST", "/_sim/services",
			   "{\"count\": 2345, \"network_load_balancer_arn\": \"" NLB_B "\","
			   " \"tags\": {\"vpcesd:owner\": \"test\", \"vpcesd:name\": \"bulk\"}}"));
	assert_true(sim_do(&f->sim, "POST", "/_sim/services",
			   "{\"count\": 7, \"network_load_balancer_arn\": \"" NLB_B "\","
			   " \"tags\": {\"vpcesd:owner\": \"someone-else\"}}"));
	p = list_owned(f, &r);
	assert_int_equal(r, 0);
	assert_int_equal(p->n, 2345);
	assert_null(p->next_token);
	assert_int_equal(sim_counter(&f->sim, "DescribeVpcEndpointServiceConfigurations", "OK"), 3);
	for (size_t i = 1; i < p->n; i++)
		assert_true(strcmp(p->v[i - 1].service_id, p->v[i].service_id) != 0);
	free_page(p);
}

static void
test_mid_listing_failure_fails_whole_listing(void **state)
{
	struct fixture *f = *state;
	struct ec2_service_page *p;
	int r;

	aws_client_free(f->aws);
	f->aws = make_aws(f, 1, NULL, 8); /* no retries: the fault is final */
	assert_true(sim_do(&f->sim, "POST", "/_sim/services",
			   "{\"count\": 1500, \"network_load_balancer_arn\": \"" NLB_B "\","
			   " \"tags\": {\"vpcesd:owner\": \"test\"}}"));
	/* Page 1 passes, page 2 is answered with a 500. */
	assert_true(sim_do(
		&f->sim, "POST", "/_sim/faults",
		"{\"kind\": \"error\", \"action\": \"DescribeVpcEndpointServiceConfigurations\","
		" \"code\": \"InternalError\", \"status\": 500, \"count\": 1, \"skip\": 1}"));
	p = list_owned(f, &r);
	assert_null(p);
	assert_int_equal(r, -EREMOTEIO);
	assert_int_equal(sim_counter(&f->sim, "DescribeVpcEndpointServiceConfigurations", "total"),
			 2);
}

static void
test_modify_principals_and_tags(void **state)
{
	struct fixture *f = *state;
	char *id = create_service(f, "tok-2", "web");
	struct strv add = STRV_INIT, none = STRV_INIT;
	struct ec2_modify_service_params mp = {.service_id = id,
					       .acceptance_required = EC2_BOOL_FALSE};
	struct ec2_tag_kv tags[] = {{"team", "payments"}}, del[] = {{"team", NULL}};
	struct ec2_principal_page *pp;
	struct ec2_service_page *sp;
	struct wait w1 = {0}, w2 = {0}, w3 = {0}, w4 = {0}, w5 = {0};
	struct err e;
	int r;

	err_clear(&e);
	strv_push(&add, "arn:aws:iam::444455556666:root");
	assert_int_equal(ec2_modify_service(f->aws, &mp, on_result, &w1, NULL, &e), 0);
	assert_int_equal(ec2_modify_principals(f->aws, id, &add, NULL, on_perm, &w2, NULL, &e), 0);
	assert_int_equal(ec2_create_tags(f->aws, id, tags, 1, on_result, &w3, NULL, &e), 0);
	wait_for(f, &w1);
	wait_for(f, &w2);
	wait_for(f, &w3);
	assert_int_equal(w1.r, 0);
	assert_int_equal(w2.r, 0);
	assert_int_equal(w3.r, 0);
	ec2_result_free(w1.res);
	ec2_modify_permissions_result_free(w2.res);
	ec2_result_free(w3.res);
	free(w1.res);
	free(w2.res);
	free(w3.res);

	assert_int_equal(ec2_list_principals(f->aws, id, on_principals, &w4, NULL, &e), 0);
	wait_for(f, &w4);
	pp = w4.res;
	assert_int_equal(pp->n, 1);
	assert_string_equal(pp->v[0].principal, "arn:aws:iam::444455556666:root");
	ec2_principal_page_free(pp);
	free(pp);

	sp = list_owned(f, &r);
	assert_int_equal(sp->n, 1);
	assert_int_equal(sp->v[0].acceptance_required, EC2_BOOL_FALSE);
	free_page(sp);

	/* DeleteTags by key; an empty DeleteTags is refused before it is sent. */
	assert_int_equal(ec2_delete_tags(f->aws, id, del, 0, on_result, &w5, NULL, &e), -EINVAL);
	assert_int_equal(sim_counter(&f->sim, "DeleteTags", "total"), 0);
	err_clear(&e);
	assert_int_equal(ec2_delete_tags(f->aws, id, del, 1, on_result, &w5, NULL, &e), 0);
	wait_for(f, &w5);
	assert_int_equal(w5.r, 0);
	ec2_result_free(w5.res);
	free(w5.res);
	strv_free(&add);
	strv_free(&none);
	free(id);
}

static void
test_terminal_error_is_not_retried(void **state)
{
	struct fixture *f = *state;
	struct ec2_modify_service_params mp = {.service_id = "vpce-svc-0123456789abcdef0",
					       .acceptance_required = EC2_BOOL_TRUE};
	struct wait w = {0};
	struct err e;

	err_clear(&e);
	assert_int_equal(ec2_modify_service(f->aws, &mp, on_result, &w, NULL, &e), 0);
	wait_for(f, &w);
	assert_int_equal(w.r, -EREMOTEIO);
	assert_string_equal(w.code, "InvalidVpcEndpointServiceId.NotFound");
	assert_int_equal(f->last.attempts, 1);
	assert_int_equal(sim_counter(&f->sim, "ModifyVpcEndpointServiceConfiguration", "total"), 1);
}

static void
test_transient_faults_are_retried(void **state)
{
	struct fixture *f = *state;
	struct ec2_service_page *p;
	int r;

	assert_true(sim_do(
		&f->sim, "POST", "/_sim/faults",
		"{\"kind\": \"error\", \"action\": \"DescribeVpcEndpointServiceConfigurations\","
		" \"code\": \"Unavailable\", \"status\": 503, \"count\": 1}"));
	assert_true(sim_do(&f->sim, "POST", "/_sim/faults",
			   "{\"kind\": \"malformed\", \"action\": "
			   "\"DescribeVpcEndpointServiceConfigurations\","
			   " \"count\": 1, \"skip\": 1}"));
	p = list_owned(f, &r);
	assert_int_equal(r, 0);
	assert_non_null(p);
	assert_int_equal(f->last.attempts, 3);
	assert_int_equal(sim_counter(&f->sim, "DescribeVpcEndpointServiceConfigurations", "total"),
			 3);
	free_page(p);
}

static void
test_throttling_storm_gives_up_after_max_attempts(void **state)
{
	struct fixture *f = *state;
	struct ec2_service_page *p;
	int r;

	assert_true(sim_do(&f->sim, "POST", "/_sim/faults",
			   "{\"kind\": \"throttle\", \"action\": \"*\", \"count\": 10}"));
	p = list_owned(f, &r);
	assert_null(p);
	assert_int_equal(r, -EREMOTEIO);
	assert_string_equal(f->last_code, "RequestLimitExceeded");
	assert_int_equal(f->last.attempts, 3);
	assert_int_equal(f->last.throttled, 3);
	/* DELETE /_sim/faults drops the 7 throttles left: the next listing goes through at once. */
	assert_true(sim_do(&f->sim, "DELETE", "/_sim/faults", NULL));
	p = list_owned(f, &r);
	assert_int_equal(r, 0);
	assert_int_equal(f->last.attempts, 1);
	free_page(p);
}

static void
test_auth_failure_refreshes_once_then_fails(void **state)
{
	struct fixture *f = *state;
	struct ec2_service_page *p;
	int r;

	aws_client_free(f->aws);
	creds_cache_free(f->creds);
	f->creds = make_creds(f->loop, "AKIDUNKNOWN0000", "not-a-known-secret");
	f->aws = make_aws(f, 5, NULL, 8);
	p = list_owned(f, &r);
	assert_null(p);
	assert_int_equal(r, -EREMOTEIO);
	assert_string_equal(f->last_code, "AuthFailure");
	/* One refresh and one retry, not max_attempts. */
	assert_int_equal(f->last.attempts, 2);
	assert_int_equal(creds_cache_fetches(f->creds), 2);
	/* Said as what it is; the clocks agree, so it is not called skew. */
	assert_int_equal(f->last.failure, AWS_FAILURE_CREDENTIALS);
	assert_string_equal(f->last_failure, "credentials rejected by EC2 (AuthFailure)");
	assert_false(f->last.skew_corrected);
	assert_int_equal(f->last.clock_skew, 0);
}

/* The last failure's words, as the observe hook saw them. */
static void
list_expect_failure(struct fixture *f, int r, const char *needle)
{
	struct wait w = {0};
	const char *owner[] = {"test"};
	struct ec2_filter filter = {"tag:vpcesd:owner", owner, 1};
	struct err e;

	err_clear(&e);
	assert_int_equal(ec2_list_services(f->aws, &filter, 1, NULL, on_services, &w, NULL, &e), 0);
	wait_for(f, &w);
	print_message("  %s\n", w.msg);
	assert_int_equal(w.r, r);
	if (strstr(w.msg, needle) == NULL)
		fail_msg("\"%s\" does not say \"%s\"", w.msg, needle);
	snprintf(f->last_msg, sizeof(f->last_msg), "%s", w.msg);
}

/*
 * The sim's wall clock 20 minutes ahead, then behind: the first call is
 * refused (RequestExpired), re-signed once with the offset learnt from the
 * answer's Date, and succeeds; later calls are signed right the first time.
 * When the clocks agree again, the stale offset is refused once and dropped.
 */
static void
test_clock_skew_is_corrected(void **state)
{
	static const long skews[] = {1200, -1200};
	struct fixture *f = *state;
	const char *list = "DescribeVpcEndpointServiceConfigurations";

	for (size_t i = 0; i < sizeof(skews) / sizeof(skews[0]); i++) {
		char settings[64];
		struct ec2_service_page *p;
		int r;

		aws_client_free(f->aws);
		f->aws = make_aws(f, 3, NULL, 8);
		assert_int_equal(aws_client_clock_skew(f->aws), 0);
		assert_true(sim_do(&f->sim, "DELETE", "/_sim/log", NULL));
		snprintf(settings, sizeof(settings), "{\"wall_skew_seconds\": %ld}", skews[i]);
		assert_true(sim_do(&f->sim, "POST", "/_sim/settings", settings));

		p = list_owned(f, &r);
		assert_int_equal(r, 0);
		free_page(p);
		assert_int_equal(f->last.attempts, 2);
		assert_true(f->last.skew_corrected);
		assert_int_equal(f->last.failure, AWS_FAILURE_NONE);
		assert_in_range(f->last.clock_skew, skews[i] - 2, skews[i] + 2);
		assert_int_equal(aws_client_clock_skew(f->aws), f->last.clock_skew);
		assert_int_equal(sim_counter(&f->sim, list, "RequestExpired"), 1);
		assert_int_equal(sim_counter(&f->sim, list, "OK"), 1);
		/* Learnt once, used for every later call. */
		p = list_owned(f, &r);
		assert_int_equal(r, 0);
		free_page(p);
		assert_int_equal(f->last.attempts, 1);
		assert_false(f->last.skew_corrected);
		assert_int_equal(sim_counter(&f->sim, list, "RequestExpired"), 1);
		assert_int_equal(sim_counter(&f->sim, list, "total"), 3);
	}
	/* The clocks agree again: the offset in use is refused once, then dropped. */
	{
		struct ec2_service_page *p;
		int r;

		assert_true(
			sim_do(&f->sim, "POST", "/_sim/settings", "{\"wall_skew_seconds\": 0}"));
		p = list_owned(f, &r);
		assert_int_equal(r, 0);
		free_page(p);
		assert_int_equal(f->last.attempts, 2);
		assert_true(f->last.skew_corrected);
		assert_int_equal(f->last.clock_skew, 0);
		assert_int_equal(aws_client_clock_skew(f->aws), 0);
	}
}

/* An RFC 7231 date `delta` seconds from now. */
static void
http_date(long delta, char *buf, size_t n)
{
	time_t t = time(NULL) + delta;
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, n, "%a, %d %b %Y %H:%M:%S GMT", &tm);
}

/* An EC2 error answer for the listing, with the given Date ("" for none). */
static void
arm_refusal(struct fixture *f, const char *code, const char *date, int skip)
{
	char fault[1024];

	snprintf(fault, sizeof(fault),
		 "{\"kind\": \"answer\", \"action\": "
		 "\"DescribeVpcEndpointServiceConfigurations\", \"status\": 400, \"skip\": %d, "
		 "\"headers\": {\"Date\": \"%s\"}, \"body\": \"<Response><Errors><Error><Code>%s"
		 "</Code><Message>Request refused.</Message></Error></Errors><RequestID>r-skew"
		 "</RequestID></Response>\"}",
		 skip, date, code);
	assert_true(sim_do(&f->sim, "POST", "/_sim/faults", fault));
}

/* Refusals that re-signing cannot cure end with words about the clock, not the keys. */
static void
test_clock_skew_that_cannot_be_corrected(void **state)
{
	struct fixture *f = *state;
	char ahead[64], behind[64];

	/* No Date to learn from: given up at once, and said so. */
	arm_refusal(f, "RequestTimeTooSkewed", "", 0);
	list_expect_failure(f, -EREMOTEIO,
			    "DescribeVpcEndpointServiceConfigurations: EC2 refused the request "
			    "time, and its answer has no Date to correct the clock by "
			    "(RequestTimeTooSkewed: Request refused.; HTTP 400, request r-skew");
	assert_int_equal(f->last.attempts, 1);
	assert_int_equal(f->last.failure, AWS_FAILURE_CLOCK);
	assert_int_equal(f->last.clock_skew, 0);

	/* Refused again after the correction (the "server" clock jumps): one re-signing only. */
	assert_true(sim_do(&f->sim, "DELETE", "/_sim/faults", NULL));
	http_date(3600, ahead, sizeof(ahead));
	http_date(-3600, behind, sizeof(behind));
	arm_refusal(f, "RequestExpired", ahead, 0);
	arm_refusal(f, "RequestExpired", behind, 1);
	/* 3600 s, give or take a second (the range is checked below). */
	list_expect_failure(f, -EREMOTEIO, "EC2 refused the request time: local clock 3");
	assert_non_null(strstr(f->last_msg, " s ahead (RequestExpired: Request refused.; HTTP 400, "
					    "request r-skew, refused again after correcting the "
					    "clock, after 2 attempts)"));
	assert_int_equal(f->last.attempts, 2);
	assert_true(f->last.skew_corrected);
	assert_int_equal(f->last.failure, AWS_FAILURE_CLOCK);
	assert_non_null(strstr(f->last_failure, "EC2 refused the request time: local clock 3"));
	assert_non_null(strstr(f->last_failure, " s ahead"));
	assert_in_range(f->last.clock_skew, -3602, -3598);
	assert_int_equal(sim_counter(&f->sim, "DescribeVpcEndpointServiceConfigurations", "total"),
			 3);
}

/* Reached, but the connection broke every time: not "cannot reach". */
static void
test_no_complete_answer_words(void **state)
{
	struct fixture *f = *state;

	assert_true(sim_do(&f->sim, "POST", "/_sim/faults",
			   "{\"kind\": \"reset\", \"action\": "
			   "\"DescribeVpcEndpointServiceConfigurations\", \"count\": 3}"));
	list_expect_failure(
		f, -ECONNRESET,
		"DescribeVpcEndpointServiceConfigurations: no complete answer from EC2: ");
	assert_int_equal(f->last.failure, AWS_FAILURE_NETWORK);
	assert_int_equal(strncmp(f->last_failure, "no complete answer from EC2: ", 29), 0);
	assert_int_equal(f->last.attempts, 3);
}

/* Nothing answers: "cannot reach EC2", not a word about credentials or EC2's answer. */
static void
test_unreachable_words(void **state)
{
	struct fixture *f = *state;
	struct aws_client_options o = aws_options(f, 2, NULL, 8);
	struct err e;

	aws_client_free(f->aws);
	f->aws = NULL;
	o.endpoint = "https://127.0.0.1:1";
	err_clear(&e);
	assert_int_equal(aws_client_new(f->loop, &o, &f->aws, &e), 0);
	list_expect_failure(f, -ECONNREFUSED,
			    "DescribeVpcEndpointServiceConfigurations: cannot reach EC2: ");
	assert_int_equal(f->last.failure, AWS_FAILURE_NETWORK);
	assert_int_equal(strncmp(f->last_failure, "cannot reach EC2: ", 18), 0);
	assert_int_equal(f->last.attempts, 2);
}

static void
test_delete_reports_unsuccessful_items(void **state)
{
	struct fixture *f = *state;
	char *id = create_service(f, "tok-3", "db");
	char body[256];
	struct strv ids = STRV_INIT;
	struct ec2_result *res;
	struct ec2_connection_page *cp;
	struct wait w = {0}, wc = {0};
	struct err e;

	snprintf(body, sizeof(body),
		 "{\"service_id\": \"%s\", \"owner\": \"444455556666\", \"state\": \"available\"}",
		 id);
	assert_true(sim_do(&f->sim, "POST", "/_sim/connections", body));
	err_clear(&e);
	assert_int_equal(ec2_list_connections(f->aws, id, on_connections, &wc, NULL, &e), 0);
	wait_for(f, &wc);
	cp = wc.res;
	assert_int_equal(cp->n, 1);
	assert_string_equal(cp->v[0].vpc_endpoint_owner, "444455556666");
	ec2_connection_page_free(cp);
	free(cp);

	strv_push(&ids, id);
	strv_push(&ids, "vpce-svc-0000000000000000f");
	assert_int_equal(ec2_delete_services(f->aws, &ids, on_result, &w, NULL, &e), 0);
	wait_for(f, &w);
	res = w.res;
	assert_int_equal(res->n_unsuccessful, 2);
	for (size_t i = 0; i < 2; i++) {
		const struct ec2_unsuccessful *u = &res->unsuccessful[i];

		if (strcmp(u->resource_id, id) == 0)
			assert_string_equal(u->code, "ExistingVpcEndpointConnections");
		else
			assert_string_equal(u->code, "InvalidVpcEndpointService.NotFound");
	}
	ec2_result_free(res);
	free(res);
	strv_free(&ids);
	free(id);
}

static void
test_accept_connections_and_dns_verification(void **state)
{
	struct fixture *f = *state;
	struct strv nlb = STRV_INIT, ids = STRV_INIT;
	struct ec2_tag_kv tags[] = {{"vpcesd:owner", "test"}, {"vpcesd:name", "dns"}};
	struct ec2_create_service_params p = {
		.acceptance_required = true,
		.nlb_arns = &nlb,
		.private_dns_name = "api.example.com",
		.tags = tags,
		.n_tags = 2,
		.client_token = "tok-dns",
	};
	struct wait wc = {0}, wa = {0}, wd = {0}, wl = {0};
	struct ec2_create_service_result *created;
	struct ec2_connection_page *cp;
	cJSON *conn;
	char body[256], *id;
	struct err e;

	err_clear(&e);
	strv_push(&nlb, NLB_A);
	assert_int_equal(ec2_create_service(f->aws, &p, on_created, &wc, NULL, &e), 0);
	wait_for(f, &wc);
	created = wc.res;
	assert_non_null(created);
	/* EC2 hands out the TXT record to publish with the new service. */
	assert_string_equal(created->config.private_dns_name_configuration.state,
			    "pendingVerification");
	assert_non_null(created->config.private_dns_name_configuration.name);
	assert_non_null(created->config.private_dns_name_configuration.value);
	id = strdup(created->config.service_id);
	ec2_create_service_result_free(created);
	free(created);

	snprintf(body, sizeof(body),
		 "{\"service_id\": \"%s\", \"owner\": \"444455556666\", \"state\": "
		 "\"pendingAcceptance\"}",
		 id);
	conn = sim_call(&f->sim, "POST", "/_sim/connections", body);
	assert_non_null(conn);
	strv_push(&ids, cJSON_GetStringValue(cJSON_GetObjectItem(conn, "vpc_endpoint_id")));
	cJSON_Delete(conn);
	assert_int_equal(ec2_decide_connections(f->aws, id, true, &ids, on_result, &wa, NULL, &e),
			 0);
	assert_int_equal(ec2_start_dns_verification(f->aws, id, on_result, &wd, NULL, &e), 0);
	wait_for(f, &wa);
	wait_for(f, &wd);
	assert_int_equal(wa.r, 0);
	assert_int_equal(((struct ec2_result *)wa.res)->n_unsuccessful, 0);
	assert_int_equal(wd.r, 0);
	ec2_result_free(wa.res);
	ec2_result_free(wd.res);
	free(wa.res);
	free(wd.res);

	assert_int_equal(ec2_list_connections(f->aws, id, on_connections, &wl, NULL, &e), 0);
	wait_for(f, &wl);
	cp = wl.res;
	assert_int_equal(cp->n, 1);
	assert_string_equal(cp->v[0].vpc_endpoint_state, "available");
	ec2_connection_page_free(cp);
	free(cp);
	assert_int_equal(sim_counter(&f->sim, "AcceptVpcEndpointConnections", "OK"), 1);
	assert_int_equal(
		sim_counter(&f->sim, "StartVpcEndpointServicePrivateDnsVerification", "OK"), 1);
	strv_free(&nlb);
	strv_free(&ids);
	free(id);
}

/*
 * A class that must wait for its bucket never holds the slots other classes
 * need: with one slot and a create bucket of one token refilled at 0.1/s,
 * a listing submitted after three creates completes while the second and
 * third creates still wait for their tokens.
 */
static void
test_pacing_does_not_block_other_classes(void **state)
{
	struct fixture *f = *state;
	const struct ratelimit_options ro = {.share = 0.1, .rate = 100, .burst = 100};
	const char *owner[] = {"test"};
	struct ec2_filter filter = {"tag:vpcesd:owner", owner, 1};
	struct strv nlb = STRV_INIT;
	struct ec2_tag_kv tags[] = {{"vpcesd:owner", "test"}, {"vpcesd:name", "paced"}};
	const char *tokens[] = {"tok-p1", "tok-p2", "tok-p3"};
	struct wait wc[3] = {{0}}, wl = {0};
	struct ec2_op *ops[3] = {NULL};
	struct ratelimit *rl = NULL;
	struct err e;

	err_clear(&e);
	assert_int_equal(ratelimit_new(&ro, ev_now(f->loop), &rl, &e), 0);
	aws_client_free(f->aws);
	f->aws = make_aws(f, 3, rl, 1);
	strv_push(&nlb, NLB_A);
	for (int i = 0; i < 3; i++) {
		struct ec2_create_service_params p = {
			.acceptance_required = true,
			.nlb_arns = &nlb,
			.tags = tags,
			.n_tags = 2,
			.client_token = tokens[i],
		};

		assert_int_equal(ec2_create_service(f->aws, &p, on_created, &wc[i], &ops[i], &e),
				 0);
	}
	/* Once create 1 is done, create 2 waits ten seconds for its token. */
	wait_for(f, &wc[0]);
	assert_int_equal(ec2_list_services(f->aws, &filter, 1, NULL, on_services, &wl, NULL, &e),
			 0);
	wait_for(f, &wl);
	assert_int_equal(wl.r, 0);
	assert_true(wc[0].done);
	assert_false(wc[1].done);
	assert_false(wc[2].done);
	assert_int_equal(sim_counter(&f->sim, "CreateVpcEndpointServiceConfiguration", "total"), 1);
	ec2_service_page_free(wl.res);
	free(wl.res);
	ec2_create_service_result_free(wc[0].res);
	free(wc[0].res);
	ec2_op_cancel(ops[1]);
	ec2_op_cancel(ops[2]);
	aws_client_free(f->aws);
	f->aws = NULL;
	ratelimit_free(rl);
	strv_free(&nlb);
}

static void
test_cancel_runs_no_callback(void **state)
{
	struct fixture *f = *state;
	const char *owner[] = {"test"};
	struct ec2_filter filter = {"tag:vpcesd:owner", owner, 1};
	struct wait w = {0};
	struct ec2_op *op = NULL;
	struct err e;

	err_clear(&e);
	assert_int_equal(ec2_list_services(f->aws, &filter, 1, NULL, on_services, &w, &op, &e), 0);
	ec2_op_cancel(op);
	assert_int_equal(aws_pending(f->aws), 0);
	/* Let the loop run a while: nothing may call back. */
	for (int i = 0; i < 5; i++)
		ev_run(f->loop, EVRUN_NOWAIT);
	assert_false(w.done);
}

static void
test_http_endpoint_must_be_loopback(void **state)
{
	struct fixture *f = *state;
	struct aws_client_options o = {
		.endpoint = "http://ec2.us-east-1.amazonaws.com",
		.region = "us-east-1",
		.service = "ec2",
		.version = EC2_API_VERSION,
		.http = f->http,
	};
	struct aws_client *c = NULL;
	struct err e;

	err_clear(&e);
	assert_int_equal(aws_client_new(f->loop, &o, &c, &e), -EINVAL);
	assert_non_null(strstr(e.msg, "loopback"));
	assert_null(c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_create_is_idempotent_and_listed, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_pagination_reads_every_page, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mid_listing_failure_fails_whole_listing, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_modify_principals_and_tags, setup, teardown),
		cmocka_unit_test_setup_teardown(test_terminal_error_is_not_retried, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_transient_faults_are_retried, setup, teardown),
		cmocka_unit_test_setup_teardown(test_throttling_storm_gives_up_after_max_attempts,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_clock_skew_is_corrected, setup, teardown),
		cmocka_unit_test_setup_teardown(test_clock_skew_that_cannot_be_corrected, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_unreachable_words, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_complete_answer_words, setup, teardown),
		cmocka_unit_test_setup_teardown(test_auth_failure_refreshes_once_then_fails, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_delete_reports_unsuccessful_items, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_accept_connections_and_dns_verification, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_pacing_does_not_block_other_classes, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_cancel_runs_no_callback, setup, teardown),
		cmocka_unit_test_setup_teardown(test_http_endpoint_must_be_loopback, setup,
						teardown),
	};

	if (getenv("EC2SIM_ENDPOINT") == NULL) {
		printf("SKIP: needs ec2sim (run through tests/with-ec2sim.sh)\n");
		return 77;
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
