/* SPDX-License-Identifier: ISC */
/*
 * Hostile answers over the wire (issue 8): what the callers of the real
 * client stack get when EC2, STS, IMDS or ECS answer with something that is
 * not what they promised.  Runs through tests/hostile.sh, against ec2sim,
 * whose `answer` fault scripts the answer (status, content type, body or
 * bytes, headers): HTML pages from a portal or a load balancer, empty and
 * binary bodies, wrong types, huge numbers and years, duplicate elements
 * and keys, foreign namespaces, an answer for another action, a gzip bomb,
 * a body over the cap, header floods.
 *
 * Each case asserts the exact outcome: the return code, how often the sim
 * was asked (which shows the retry class of retry.h: a 2xx answer that does
 * not parse and a 5xx are transient, an oversized body is terminal), a
 * message that names the problem, and that no result reached the callback
 * (no partial data).  Every message is checked for the secrets the hostile
 * bodies carry (canaries) and the test's own.  The echo cases (issue 13)
 * are answers that quote the client's own secret and token back, or
 * credentials shaped like AWS's: EC2 and STS error messages and request
 * ids, `unsuccessful` items, HTML from a proxy; none of it may reach a
 * message, the observe record or a result.
 *
 * Parser-level cases of the same inputs are in tests/test-ec2-xml.c and
 * tests/test-creds.c; this file proves the layers above them (http.c,
 * aws.c, ec2.c, creds_sts.c, creds_http.c, the cache) keep the refusal.
 */
#include "config.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <ev.h>
#include <openssl/evp.h>

#include "aws.h"
#include "creds.h"
#include "creds_build.h"
#include "creds_net.h"
#include "creds_plan.h"
#include "creds_provider.h"
#include "ec2.h"
#include "ec2_xml.h"
#include "http.h"
#include "support/sim.h"
#include "support/stack.h"

#define KEY_ID "AKIDEXAMPLE"
#define SECRET "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
#define ROLE   "arn:aws:iam::111122223333:role/vpcesd"
#define NLB_A                                                                         \
	"arn:aws:elasticloadbalancing:us-east-1:111122223333:loadbalancer/net/nlb-a/" \
	"0123456789abcdef"
#define ECS_TOKEN         "ecs-test-token"
#define CANARY_SECRET     "CANARYSECRETdoNotLeak0123456789"
#define CANARY_TOKEN      "CANARYSESSIONTOKENdoNotLeak0123456789"
#define CANARY_IMDS_TOKEN "CANARYIMDSTOKENdoNotLeak"
/*
 * The echo cases: the client signs with ECHO_SECRET and ECHO_TOKEN, of odd
 * lengths, so only knowing them takes them out; SHAPED_* are unknown but
 * shaped like a real secret key (40) and session token (100+).
 */
#define ECHO_SECRET   "EchoSecret0123456789abcdefghijklmnopqrstuvw"
#define ECHO_TOKEN    "EchoToken0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ/+abcdefghijklmnop=="
#define SHAPED_SECRET "ShapedSecretAbCdEfGhIjKlMnOpQrSt01234567"
#define SHAPED_TOKEN                                                                          \
	"ShapedTokenIQoJb3JpZ2luX2VjEHsaCXVzLWVhc3QtMSJHMEUCIQD3ExAmPlEToKeN/AsE64StUfF+ThAt" \
	"IsLoNgEnOuGhToBeAsEsSiOnToKeN0123"
#define ECHO_SIG "c6ff60e818a2226bef8c28cc9a1b42047fbfeb290a658f5665fb81419c27ae53"

#define LIST   "DescribeVpcEndpointServiceConfigurations"
#define CREATE "CreateVpcEndpointServiceConfiguration"
#define CONNS  "DescribeVpcEndpointConnections"
#define EC2_NS "http://ec2.amazonaws.com/doc/2016-11-15/"
#define STS_NS "https://sts.amazonaws.com/doc/2011-06-15/"
#define SVC_ID "vpce-svc-0aaaaaaaaaaaaaaaa"

/* ---- the answers ---------------------------------------------------------- */

/* A captive portal or an HTML error page behind a 200. */
#define HTML_PAGE                                                                    \
	"<!DOCTYPE html>\n<html><head><title>Sign in</title></head><body><p>Please " \
	"log in<br></p></body></html>\n"
/* Well-formed, so it reaches the root check. */
#define XHTML_PAGE "<html><head><title>Sign in</title></head><body><p>Log in</p></body></html>"
/* What nginx in front of an API says when its upstream is gone. */
#define LB_503                                                                          \
	"<html>\r\n<head><title>503 Service Temporarily Unavailable</title></head>\r\n" \
	"<body>\r\n<center><h1>503 Service Temporarily Unavailable</h1></center>\r\n"   \
	"</body>\r\n</html>\r\n"

#define XML_DECL         "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
#define LIST_OPEN_NS(ns) XML_DECL "<" LIST "Response xmlns=\"" ns "\"><requestId>r-1</requestId>"
#define LIST_OPEN        LIST_OPEN_NS(EC2_NS)
#define LIST_CLOSE       "</" LIST "Response>"
#define SVC_ITEM(id, acceptance)                                                              \
	"<item><serviceId>" id "</serviceId><serviceName>com.amazonaws.vpce.us-east-1." id    \
	"</serviceName><serviceState>Available</serviceState><acceptanceRequired>" acceptance \
	"</acceptanceRequired></item>"
#define LIST_DOC(items, tail) \
	LIST_OPEN "<serviceConfigurationSet>" items "</serviceConfigurationSet>" tail LIST_CLOSE

#define CREATE_DOC(inner)                                                              \
	XML_DECL "<" CREATE "Response xmlns=\"" EC2_NS "\"><requestId>r-2</requestId>" \
		 "<serviceConfiguration>" inner "</serviceConfiguration>"              \
		 "<clientToken>tok</clientToken></" CREATE "Response>"
#define CREATE_INNER(id, acceptance)                                                 \
	"<serviceId>" id "</serviceId><serviceName>com.amazonaws.vpce.us-east-1." id \
	"</serviceName>"                                                             \
	"<serviceState>Pending</serviceState><acceptanceRequired>" acceptance        \
	"</acceptanceRequired>"

#define CONN_DOC(timestamp)                                                                    \
	XML_DECL "<" CONNS "Response xmlns=\"" EC2_NS "\"><requestId>r-3</requestId>"          \
		 "<vpcEndpointConnectionSet><item><serviceId>" SVC_ID "</serviceId>"           \
		 "<vpcEndpointId>vpce-0bbbbbbbbbbbbbbbb</vpcEndpointId>"                       \
		 "<vpcEndpointOwner>444455556666</vpcEndpointOwner>"                           \
		 "<vpcEndpointState>available</vpcEndpointState><creationTimestamp>" timestamp \
		 "</creationTimestamp></item></vpcEndpointConnectionSet></" CONNS "Response>"

#define STS_DOC(creds)                                                                       \
	"<AssumeRoleResponse xmlns=\"" STS_NS "\"><AssumeRoleResult><Credentials>" creds     \
	"</Credentials><AssumedRoleUser><Arn>arn:aws:sts::111122223333:assumed-role/vpcesd/" \
	"x</Arn></AssumedRoleUser></AssumeRoleResult><ResponseMetadata><RequestId>r-4</"     \
	"RequestId></ResponseMetadata></AssumeRoleResponse>"
#define STS_KEY     "<AccessKeyId>ASIAHOSTILE000000001</AccessKeyId>"
#define STS_SECRET  "<SecretAccessKey>" CANARY_SECRET "</SecretAccessKey>"
#define STS_TOKEN   "<SessionToken>" CANARY_TOKEN "</SessionToken>"
#define STS_EXP(ts) "<Expiration>" ts "</Expiration>"

/* IMDS / ECS credential documents; the members are given by the case. */
#define J_KEY    "\"AccessKeyId\": \"ASIAHOSTILE000000002\""
#define J_SECRET "\"SecretAccessKey\": \"" CANARY_SECRET "\""
#define J_TOKEN  "\"Token\": \"" CANARY_TOKEN "\""
#define J_EXP    "\"Expiration\": \"2099-01-01T00:00:00Z\""
#define J_IMDS   "\"Code\": \"Success\", \"Type\": \"AWS-HMAC\", "

/* ---- fixture -------------------------------------------------------------------- */

struct fixture {
	struct ev_loop *loop;
	struct sim sim;
	struct http_client *http;
	struct creds_cache *creds;
	struct aws_client *aws;
	struct aws_call_record last;       /* the last finished EC2 call (strings not kept) */
	char last_strings[3][ERR_MSG_MAX]; /* its request id, error code and failure text */
};

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

	f->last = *rec;
	snprintf(f->last_strings[0], ERR_MSG_MAX, "%s", rec->request_id ? rec->request_id : "");
	snprintf(f->last_strings[1], ERR_MSG_MAX, "%s", rec->error_code ? rec->error_code : "");
	snprintf(f->last_strings[2], ERR_MSG_MAX, "%s", rec->failure_text ? rec->failure_text : "");
}

/* No secret of the hostile bodies or of the test may appear in a message. */
static void
assert_clean(const char *msg)
{
	static const char *const canaries[] = {
		SECRET,        CANARY_SECRET, CANARY_TOKEN,    CANARY_IMDS_TOKEN, ECS_TOKEN,
		ECHO_SECRET,   ECHO_TOKEN,    SHAPED_SECRET,   SHAPED_TOKEN,      ECHO_SIG,
		"EchoSecret0", "EchoToken0",  "ShapedSecret0", "ShapedToken",
	};

	for (size_t i = 0; i < sizeof(canaries) / sizeof(canaries[0]); i++)
		if (strstr(msg, canaries[i]) != NULL)
			fail_msg("a secret leaked into: %s", msg);
}

static void
assert_has(const char *msg, const char *needle)
{
	if (strstr(msg, needle) == NULL)
		fail_msg("message \"%s\" does not say \"%s\"", msg, needle);
}

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct aws_client_options o = {
		.endpoint = getenv("EC2SIM_ENDPOINT"),
		.region = "us-east-1",
		.service = "ec2",
		.version = EC2_API_VERSION,
		.max_attempts = 3,
		.random01 = no_jitter,
		.observe = on_observe,
		.observe_arg = f,
	};
	struct err e;

	assert_non_null(f);
	f->loop = ev_default_loop(0);
	assert_true(sim_open(&f->sim, f->loop));
	assert_true(sim_do(&f->sim, "POST", "/_sim/reset", NULL));
	assert_true(sim_do(&f->sim, "POST", "/_sim/settings", "{\"pending_seconds\": 0}"));
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

/* ---- arming answers --------------------------------------------------------------- */

/* An `answer` fault for `action` (caller adds fields, arm() sends and frees it). */
static cJSON *
answer(const char *action, int status, const char *content_type, const char *body)
{
	cJSON *o = cJSON_CreateObject();

	assert_non_null(o);
	cJSON_AddStringToObject(o, "kind", "answer");
	cJSON_AddStringToObject(o, "action", action);
	cJSON_AddNumberToObject(o, "status", status);
	if (content_type != NULL)
		cJSON_AddStringToObject(o, "content_type", content_type);
	if (body != NULL)
		cJSON_AddStringToObject(o, "body", body);
	return o;
}

/* The fault answers the next `count` matching requests, after `skip` of them. */
static void
arm(struct fixture *f, cJSON *fault, int count, int skip)
{
	char *s;

	cJSON_AddNumberToObject(fault, "count", count);
	cJSON_AddNumberToObject(fault, "skip", skip);
	s = cJSON_PrintUnformatted(fault);
	assert_non_null(s);
	assert_true(sim_do(&f->sim, "POST", "/_sim/faults", s));
	cJSON_free(s);
	cJSON_Delete(fault);
}

/* One extra response header on a fault. */
static void
add_header(cJSON *fault, const char *name, const char *value)
{
	cJSON *h = cJSON_GetObjectItemCaseSensitive(fault, "headers");

	if (h == NULL)
		h = cJSON_AddObjectToObject(fault, "headers");
	cJSON_AddStringToObject(h, name, value);
}

/* `n` times `ch`, NUL-terminated; the caller frees it. */
static char *
repeat_char(char ch, size_t n)
{
	char *s = malloc(n + 1);

	assert_non_null(s);
	memset(s, ch, n);
	s[n] = '\0';
	return s;
}

/* body_b64 from raw bytes. */
static void
set_bytes(cJSON *fault, const void *bytes, size_t n)
{
	char *b64 = malloc(4 * ((n + 2) / 3) + 1);

	assert_non_null(b64);
	EVP_EncodeBlock((unsigned char *)b64, bytes, (int)n);
	cJSON_AddStringToObject(fault, "body_b64", b64);
	free(b64);
}

/* Forget the faults and counters of the previous case. */
static void
next_case(struct fixture *f)
{
	assert_true(sim_do(&f->sim, "DELETE", "/_sim/faults", NULL));
	assert_true(sim_do(&f->sim, "DELETE", "/_sim/log", NULL));
	memset(&f->last, 0, sizeof(f->last));
}

/* ---- EC2 outcomes ------------------------------------------------------------------- */

struct outcome {
	bool done;
	int r;
	bool handed_out; /* a result reached the callback */
	size_t n;        /* items of a listing that was handed out */
	time_t first_ts; /* connections: the first creationTimestamp */
	char msg[ERR_MSG_MAX];
	unsigned attempts;
};

static void
note(struct outcome *o, bool result, const struct aws_response *resp)
{
	o->done = true;
	o->r = resp ? resp->r : 0;
	o->handed_out = result;
	snprintf(o->msg, sizeof(o->msg), "%s",
		 resp != NULL && resp->e != NULL && !result ? resp->e->msg : "");
	o->attempts = resp ? resp->attempts : 0;
}

static void
on_services(void *arg, struct ec2_service_page *all, const struct aws_response *resp)
{
	struct outcome *o = arg;

	note(o, all != NULL, resp);
	if (all != NULL)
		o->n = all->n;
	ec2_service_page_free(all);
}

static void
on_created(void *arg, struct ec2_create_service_result *res, const struct aws_response *resp)
{
	struct outcome *o = arg;

	note(o, res != NULL, resp);
	ec2_create_service_result_free(res);
}

static void
on_connections(void *arg, struct ec2_connection_page *all, const struct aws_response *resp)
{
	struct outcome *o = arg;

	note(o, all != NULL, resp);
	if (all != NULL) {
		o->n = all->n;
		o->first_ts = all->n > 0 ? all->v[0].creation_timestamp : 0;
	}
	ec2_connection_page_free(all);
}

static void
wait_for(struct fixture *f, struct outcome *o)
{
	while (!o->done)
		ev_run(f->loop, EVRUN_ONCE);
}

static void
run_list(struct fixture *f, struct outcome *o)
{
	struct err e;

	memset(o, 0, sizeof(*o));
	err_clear(&e);
	if (ec2_list_services(f->aws, NULL, 0, NULL, on_services, o, NULL, &e) < 0)
		fail_msg("ec2_list_services: %s", e.msg);
	wait_for(f, o);
}

static void
run_create(struct fixture *f, struct outcome *o)
{
	struct strv nlb = STRV_INIT;
	struct ec2_create_service_params p = {
		.acceptance_required = true,
		.nlb_arns = &nlb,
		.client_token = "hostile-create-1",
	};
	struct err e;

	memset(o, 0, sizeof(*o));
	err_clear(&e);
	assert_int_equal(strv_push(&nlb, NLB_A), 0);
	if (ec2_create_service(f->aws, &p, on_created, o, NULL, &e) < 0)
		fail_msg("ec2_create_service: %s", e.msg);
	wait_for(f, o);
	strv_free(&nlb);
}

static void
run_connections(struct fixture *f, struct outcome *o)
{
	struct err e;

	memset(o, 0, sizeof(*o));
	err_clear(&e);
	if (ec2_list_connections(f->aws, SVC_ID, on_connections, o, NULL, &e) < 0)
		fail_msg("ec2_list_connections: %s", e.msg);
	wait_for(f, o);
}

/*
 * The call failed with `r` after `attempts` attempts, the sim saw `seen`
 * requests of `action`, the message names the problem, and nothing was
 * handed out.
 */
static void
expect_failure(struct fixture *f, const char *what, const struct outcome *o, const char *action,
	       int r, unsigned attempts, int seen, const char *needle)
{
	print_message("  %-34s r=%d attempts=%u: %s\n", what, o->r, o->attempts, o->msg);
	assert_true(o->done);
	assert_false(o->handed_out);
	assert_int_equal(o->r, r);
	assert_int_equal(o->attempts, attempts);
	assert_int_equal(f->last.attempts, attempts);
	assert_has(o->msg, needle);
	assert_clean(o->msg);
	assert_int_equal(sim_counter(&f->sim, action, "total"), seen);
}

/* One hostile answer to `count` requests of a listing, expected to fail. */
static void
list_case(struct fixture *f, const char *what, cJSON *fault, int count, int r, unsigned attempts,
	  const char *needle)
{
	struct outcome o;

	next_case(f);
	arm(f, fault, count, 0);
	run_list(f, &o);
	expect_failure(f, what, &o, LIST, r, attempts, (int)attempts, needle);
}

static void
create_case(struct fixture *f, const char *what, cJSON *fault, int count, int r, unsigned attempts,
	    const char *needle)
{
	struct outcome o;

	next_case(f);
	arm(f, fault, count, 0);
	run_create(f, &o);
	expect_failure(f, what, &o, CREATE, r, attempts, (int)attempts, needle);
}

static void
conn_case(struct fixture *f, const char *what, const char *timestamp, const char *needle)
{
	struct outcome o;
	char doc[2048];

	snprintf(doc, sizeof(doc), CONN_DOC("%s"), timestamp);
	next_case(f);
	arm(f, answer(CONNS, 200, "text/xml", doc), 3, 0);
	run_connections(f, &o);
	expect_failure(f, what, &o, CONNS, -EBADMSG, 3, 3, needle);
}

/* ---- peak memory ------------------------------------------------------------------- */

/* VmHWM of this process in KiB (peak resident set), 0 when unknown. */
static long
peak_rss_kib(void)
{
	FILE *fp = fopen("/proc/self/status", "r");
	char line[256];
	long kib = 0;

	if (fp == NULL)
		return 0;
	while (fgets(line, sizeof(line), fp) != NULL)
		if (sscanf(line, "VmHWM: %ld kB", &kib) == 1)
			break;
	fclose(fp);
	return kib;
}

/* Reset the peak to the current RSS (Linux ≥ 4.0); false when not possible. */
static bool
reset_peak_rss(void)
{
	FILE *fp = fopen("/proc/self/clear_refs", "w");
	bool ok;

	if (fp == NULL)
		return false;
	ok = fputs("5", fp) >= 0;
	return fclose(fp) == 0 && ok;
}

/* ---- EC2 ------------------------------------------------------------------------------ */

/*
 * First in the file, before anything large is allocated: a gzip bomb (50 MiB
 * of zeros in ~50 KiB, made by tests/hostile.sh) with Content-Encoding: gzip.
 * vpcesd sends no Accept-Encoding and decodes nothing, so the parser sees the
 * compressed bytes, refuses them (a 2xx that does not parse: retried, then
 * -EBADMSG), and the process never holds the 50 MiB.
 */
static void
test_ec2_gzip_bomb(void **state)
{
	struct fixture *f = *state;
	const char *dir = getenv("EC2SIM_DIR");
	char path[1024], *bomb;
	size_t n;
	long before, after;
	bool reset;
	FILE *fp;
	cJSON *fault;
	struct outcome o;

	assert_non_null(dir);
	snprintf(path, sizeof(path), "%s/bomb.gz", dir);
	fp = fopen(path, "rb");
	if (fp == NULL)
		fail_msg("%s missing: run through tests/hostile.sh", path);
	bomb = malloc(1 << 20);
	assert_non_null(bomb);
	n = fread(bomb, 1, 1 << 20, fp);
	fclose(fp);
	assert_true(n > 1000 && n < 200 * 1024);
	fault = answer(LIST, 200, "text/xml", NULL);
	set_bytes(fault, bomb, n);
	add_header(fault, "Content-Encoding", "gzip");

	next_case(f);
	arm(f, fault, 3, 0);
	reset = reset_peak_rss();
	before = peak_rss_kib();
	run_list(f, &o);
	after = peak_rss_kib();
	print_message("  gzip bomb of %zu bytes: peak RSS %ld -> %ld KiB (peak reset: %s)\n", n,
		      before, after, reset ? "yes" : "no");
	expect_failure(f, "gzip bomb", &o, LIST, -EBADMSG, 3, 3, "XML: body holds a NUL byte");
	assert_true(before > 0);
	/* 50 MiB inflated would show; the three 50 KiB answers do not. */
	assert_true(after - before < 16 * 1024);

	fault = answer(CREATE, 200, "text/xml", NULL);
	set_bytes(fault, bomb, n);
	add_header(fault, "Content-Encoding", "gzip");
	free(bomb);
	create_case(f, "create: gzip bomb", fault, 3, -EBADMSG, 3, "XML: body holds a NUL byte");
	assert_true(peak_rss_kib() - before < 16 * 1024);
}

/* The documents the cases below spoil are themselves accepted. */
static void
test_ec2_controls(void **state)
{
	struct fixture *f = *state;
	struct outcome o;

	next_case(f);
	arm(f, answer(LIST, 200, "text/xml", LIST_DOC(SVC_ITEM(SVC_ID, "true"), "")), 1, 0);
	run_list(f, &o);
	assert_int_equal(o.r, 0);
	assert_true(o.handed_out);
	assert_int_equal(o.n, 1);

	next_case(f);
	arm(f, answer(CREATE, 200, "text/xml", CREATE_DOC(CREATE_INNER(SVC_ID, "true"))), 1, 0);
	run_create(f, &o);
	assert_int_equal(o.r, 0);
	assert_true(o.handed_out);
	assert_int_equal(sim_counter(&f->sim, CREATE, "total"), 1);

	/* Four-digit years are the parser's range: 9999 is accepted, as a date. */
	next_case(f);
	arm(f, answer(CONNS, 200, "text/xml", CONN_DOC("9999-12-31T23:59:59Z")), 1, 0);
	run_connections(f, &o);
	assert_int_equal(o.r, 0);
	assert_int_equal(o.n, 1);
	assert_true(o.first_ts == (time_t)253402300799LL);
}

/* Non-XML answers: HTML behind 200 and 503, empty bodies, bytes, NUL. */
static void
test_ec2_not_xml(void **state)
{
	struct fixture *f = *state;
	static const unsigned char binary[] = {0x00, 0x00, 0x01, 0xff, 0xfe, '<', 0x00, 0x89, 'P'};
	static const unsigned char png[] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0xff};
	static const char nul_tail[] = LIST_DOC(SVC_ITEM(SVC_ID, "true"), "") "\0<evil/>";
	cJSON *fault;
	struct outcome o;

	/* A 2xx that does not parse is retried as transient, then -EBADMSG. */
	list_case(f, "listing: 200 HTML page", answer(LIST, 200, "text/html", HTML_PAGE), 3,
		  -EBADMSG, 3, "XML: document type declarations are not accepted");
	list_case(f, "listing: 200 XHTML page", answer(LIST, 200, "text/html", XHTML_PAGE), 3,
		  -EBADMSG, 3,
		  LIST ": bad answer (HTTP 200, text/html, after 3 attempts): "
		       "XML: expected root <" LIST "Response>, got <html>");
	list_case(f, "listing: 200 sloppy HTML",
		  answer(LIST, 200, "text/html", strstr(HTML_PAGE, "<html>")), 3, -EBADMSG, 3,
		  "XML: line 2: Premature end of data in tag html");
	/* A load balancer's 503: transient, max_attempts tries, then -EREMOTEIO. */
	list_case(f, "listing: 503 HTML from a balancer", answer(LIST, 503, "text/html", LB_503),
		  10, -EREMOTEIO, 3, "HTTP 503");
	list_case(f, "listing: 200 empty body", answer(LIST, 200, "text/xml", ""), 3, -EBADMSG, 3,
		  "XML: empty body");
	list_case(f, "listing: 500 empty body", answer(LIST, 500, "text/xml", ""), 3, -EREMOTEIO, 3,
		  "HTTP 500");
	fault = answer(LIST, 200, "application/octet-stream", NULL);
	set_bytes(fault, binary, sizeof(binary));
	list_case(f, "listing: binary body", fault, 3, -EBADMSG, 3, "XML: body holds a NUL byte");
	fault = answer(LIST, 200, "image/png", NULL);
	set_bytes(fault, png, sizeof(png));
	list_case(f, "listing: binary body without NUL", fault, 3, -EBADMSG, 3, "XML: line 1: ");
	/* A whole document, then a NUL and more: the prefix must not be taken. */
	fault = answer(LIST, 200, "text/xml", NULL);
	set_bytes(fault, nul_tail, sizeof(nul_tail) - 1);
	list_case(f, "listing: document + NUL + junk", fault, 3, -EBADMSG, 3,
		  "XML: body holds a NUL byte");

	/* Transient means: a balancer that recovers within the attempts costs nothing. */
	next_case(f);
	arm(f, answer(LIST, 503, "text/html", LB_503), 2, 0);
	run_list(f, &o);
	assert_int_equal(o.r, 0);
	assert_true(o.handed_out);
	assert_int_equal(f->last.attempts, 3);
	assert_int_equal(sim_counter(&f->sim, LIST, "503"), 2);
	assert_int_equal(sim_counter(&f->sim, LIST, "OK"), 1);

	create_case(f, "create: 200 HTML page", answer(CREATE, 200, "text/html", HTML_PAGE), 3,
		    -EBADMSG, 3, "XML: document type declarations are not accepted");
	create_case(f, "create: 503 HTML from a balancer", answer(CREATE, 503, "text/html", LB_503),
		    3, -EREMOTEIO, 3, "HTTP 503");
	create_case(f, "create: 200 empty body", answer(CREATE, 200, "text/xml", ""), 3, -EBADMSG,
		    3, "XML: empty body");
	create_case(f, "create: 500 empty body", answer(CREATE, 500, "text/xml", ""), 3, -EREMOTEIO,
		    3, "HTTP 500");
	fault = answer(CREATE, 200, "application/octet-stream", NULL);
	set_bytes(fault, binary, sizeof(binary));
	create_case(f, "create: binary body", fault, 3, -EBADMSG, 3, "XML: body holds a NUL byte");
	/* Phase before: none of these created anything. */
	{
		cJSON *st = sim_call(&f->sim, "GET", "/_sim/state", NULL);

		assert_non_null(st);
		assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(st, "services")), 0);
		cJSON_Delete(st);
	}
}

/*
 * The create happened, its answer was an HTML page: the retry carries the
 * same ClientToken, so EC2 answers with the same service instead of making
 * a second one.
 */
static void
test_ec2_create_answer_lost(void **state)
{
	struct fixture *f = *state;
	cJSON *fault = answer(CREATE, 200, "text/html", HTML_PAGE), *st;
	struct outcome o;

	cJSON_AddStringToObject(fault, "phase", "after");
	next_case(f);
	arm(f, fault, 1, 0);
	run_create(f, &o);
	assert_int_equal(o.r, 0);
	assert_true(o.handed_out);
	assert_int_equal(f->last.attempts, 2);
	st = sim_call(&f->sim, "GET", "/_sim/state", NULL);
	assert_non_null(st);
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(st, "services")), 1);
	cJSON_Delete(st);
}

/* XML that parses but is not the promised answer. */
static void
test_ec2_wrong_content(void **state)
{
	struct fixture *f = *state;
	size_t huge = EC2_XML_MAX_STRING + 10, items = EC2_XML_MAX_ITEMS + 1;
	char *digits = repeat_char('9', huge), *doc;
	struct buf b;

	/* Wrong types. */
	list_case(f, "listing: acceptanceRequired maybe",
		  answer(LIST, 200, "text/xml", LIST_DOC(SVC_ITEM(SVC_ID, "maybe"), "")), 3,
		  -EBADMSG, 3, "XML: <acceptanceRequired> is not true/false: 'maybe'");
	create_case(f, "create: acceptanceRequired maybe",
		    answer(CREATE, 200, "text/xml", CREATE_DOC(CREATE_INNER(SVC_ID, "maybe"))), 3,
		    -EBADMSG, 3, "XML: <acceptanceRequired> is not true/false: 'maybe'");
	conn_case(f, "connections: timestamp 'yesterday'", "yesterday",
		  "XML: <creationTimestamp> is not an ISO-8601 UTC time: 'yesterday'");
	conn_case(f, "connections: year 275760", "275760-09-13T00:00:00.000Z",
		  "XML: <creationTimestamp> is not an ISO-8601 UTC time");
	conn_case(f, "connections: year 99999999999", "99999999999-01-01T00:00:00Z",
		  "XML: <creationTimestamp> is not an ISO-8601 UTC time");
	conn_case(f, "connections: 30 February", "2026-02-30T00:00:00Z",
		  "XML: <creationTimestamp> is not an ISO-8601 UTC time");

	/* Huge numbers: EC2's answers carry ids, not numbers; a huge one is refused as text. */
	buf_init(&b, 1 << 20);
	assert_int_equal(buf_printf(&b,
				    LIST_OPEN
				    "<serviceConfigurationSet><item><serviceId>%s</"
				    "serviceId></item></serviceConfigurationSet>" LIST_CLOSE,
				    digits),
			 0);
	list_case(f, "listing: 65 KiB number as serviceId",
		  answer(LIST, 200, "text/xml", buf_str(&b)), 3, -EBADMSG, 3,
		  "XML: <serviceId> is longer than 65536 bytes");
	buf_free(&b);
	free(digits);
	/* ... and a huge count of items is refused before anything is allocated for them. */
	buf_init(&b, 2 << 20);
	assert_int_equal(buf_puts(&b, LIST_OPEN "<serviceConfigurationSet>"), 0);
	for (size_t i = 0; i < items; i++)
		assert_int_equal(buf_puts(&b, "<item/>"), 0);
	assert_int_equal(buf_puts(&b, "</serviceConfigurationSet>" LIST_CLOSE), 0);
	doc = buf_steal(&b);
	list_case(f, "listing: 100,001 items", answer(LIST, 200, "text/xml", doc), 3, -EBADMSG, 3,
		  "XML: <serviceConfigurationSet> has more than 100000 items");
	free(doc);

	/* Duplicate elements. */
	list_case(f, "listing: duplicate serviceId",
		  answer(LIST, 200, "text/xml",
			 LIST_DOC("<item><serviceId>" SVC_ID "</serviceId><serviceId>"
				  "vpce-svc-0ccccccccccccccccc</serviceId></item>",
				  "")),
		  3, -EBADMSG, 3, "XML: duplicate <serviceId> in <item>");
	list_case(f, "listing: duplicate nextToken",
		  answer(LIST, 200, "text/xml",
			 LIST_DOC(SVC_ITEM(SVC_ID, "true"),
				  "<nextToken>t1</nextToken><nextToken>t2</nextToken>")),
		  3, -EBADMSG, 3, "XML: duplicate <nextToken> in <" LIST "Response>");
	create_case(f, "create: duplicate serviceId",
		    answer(CREATE, 200, "text/xml",
			   CREATE_DOC(CREATE_INNER(SVC_ID, "true") "<serviceId>" SVC_ID
								   "</serviceId>")),
		    3, -EBADMSG, 3, "XML: duplicate <serviceId> in <serviceConfiguration>");

	/* An unexpected namespace on the root. */
	list_case(f, "listing: foreign namespace",
		  answer(LIST, 200, "text/xml",
			 LIST_OPEN_NS("http://evil.example.com/doc/") "</" LIST "Response>"),
		  3, -EBADMSG, 3, "XML: unexpected namespace 'http://evil.example.com/doc/'");

	/* A valid answer, for another action. */
	list_case(f, "listing: a create's answer",
		  answer(LIST, 200, "text/xml", CREATE_DOC(CREATE_INNER(SVC_ID, "true"))), 3,
		  -EBADMSG, 3, "XML: expected root <" LIST "Response>, got <" CREATE "Response>");
	create_case(f, "create: foreign namespace",
		    answer(CREATE, 200, "text/xml",
			   "<" CREATE
			   "Response xmlns=\"urn:evil\"><requestId>r</requestId></" CREATE
			   "Response>"),
		    3, -EBADMSG, 3, "XML: unexpected namespace 'urn:evil'");
	create_case(f, "create: a listing's answer",
		    answer(CREATE, 200, "text/xml", LIST_DOC(SVC_ITEM(SVC_ID, "true"), "")), 3,
		    -EBADMSG, 3, "XML: expected root <" CREATE "Response>, got <" LIST "Response>");
}

/* Page 1 is fine, page 2 is an HTML page: the caller sees no item at all. */
static void
test_ec2_hostile_second_page(void **state)
{
	struct fixture *f = *state;
	struct outcome o;
	cJSON *log;

	assert_true(sim_do(&f->sim, "POST", "/_sim/services",
			   "{\"count\": 1500, \"network_load_balancer_arn\": \"" NLB_A "\"}"));
	next_case(f);
	arm(f, answer(LIST, 200, "text/html", HTML_PAGE), 3, 1);
	run_list(f, &o);
	expect_failure(f, "listing: page 2 is HTML", &o, LIST, -EBADMSG, 3, 4,
		       "XML: document type declarations are not accepted");
	assert_int_equal(o.n, 0);
	/* Page 1 answered by the sim, page 2 (same NextToken) three times by the fault. */
	log = sim_call(&f->sim, "GET", "/_sim/log?action=" LIST, NULL);
	assert_non_null(log);
	assert_int_equal(cJSON_GetArraySize(log), 4);
	for (int i = 0; i < 4; i++) {
		cJSON *entry = cJSON_GetArrayItem(log, i);
		cJSON *token =
			cJSON_GetObjectItem(cJSON_GetObjectItem(entry, "params"), "NextToken");

		assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(entry, "faults")),
				 i == 0 ? 0 : 1);
		assert_true(i == 0 ? token == NULL : cJSON_IsString(token));
	}
	cJSON_Delete(log);
}

/* A body over the client's cap: refused from Content-Length, terminal, one attempt. */
static void
test_ec2_body_over_limit(void **state)
{
	struct fixture *f = *state;
	cJSON *fault = answer(LIST, 200, "text/xml", NULL);
	char *kib = repeat_char('x', 1024);
	char needle[96];

	cJSON_AddStringToObject(fault, "body", kib);
	cJSON_AddNumberToObject(fault, "body_repeat", (double)(HTTP_DEFAULT_MAX_BODY / 1024 + 1));
	free(kib);
	snprintf(needle, sizeof(needle), "response body larger than the %zu-byte limit",
		 HTTP_DEFAULT_MAX_BODY);
	list_case(f, "listing: 16 MiB + 1 KiB body", fault, 3, -EMSGSIZE, 1, needle);

	fault = answer(CREATE, 200, "text/xml", NULL);
	kib = repeat_char('y', 1024);
	cJSON_AddStringToObject(fault, "body", kib);
	cJSON_AddNumberToObject(fault, "body_repeat", (double)(HTTP_DEFAULT_MAX_BODY / 1024 + 1));
	free(kib);
	create_case(f, "create: 16 MiB + 1 KiB body", fault, 3, -EMSGSIZE, 1, needle);
}

/* An answer for `action` with `n` extra headers "X-Flood-00000: x" (arm() frees it). */
static cJSON *
flood(const char *action, const char *body, int n)
{
	cJSON *fault = answer(action, 200, "text/xml", body);
	char name[32];

	for (int i = 0; i < n; i++) {
		snprintf(name, sizeof(name), "X-Flood-%05d", i);
		add_header(fault, name, "x");
	}
	return fault;
}

/*
 * Header floods, as Debian 12's libcurl (7.88.1-10+deb12u*) handles them.
 * A header line over CURL_MAX_HTTP_HEADER (100 KiB) fails the transfer
 * (libcurl says only "Out of memory"; http.c names the limit): a transport
 * error, terminal.  Headers over 300 KiB in all fail it with "Too large
 * response headers" (the CVE-2023-38039 limit, backported), which libcurl
 * reports as a receive error: a reset, transient, so retried.  Fewer small
 * headers are read past: vpcesd keeps the three it needs.
 */
static void
test_ec2_header_floods(void **state)
{
	struct fixture *f = *state;
	char *big = repeat_char('a', 200 * 1024);
	cJSON *fault = answer(LIST, 200, "text/xml", LIST_DOC(SVC_ITEM(SVC_ID, "true"), ""));
	struct outcome o;

	add_header(fault, "X-Big", big);
	free(big);
	list_case(f, "listing: 200 KiB header", fault, 3, -EIO, 1,
		  "a response header line is longer than libcurl's 102400-byte limit");
	big = repeat_char('b', 200 * 1024);
	fault = answer(CREATE, 200, "text/xml", CREATE_DOC(CREATE_INNER(SVC_ID, "true")));
	add_header(fault, "X-Big", big);
	free(big);
	create_case(f, "create: 200 KiB header", fault, 3, -EIO, 1,
		    "a response header line is longer than libcurl's 102400-byte limit");
	list_case(f, "listing: 20,000 headers",
		  flood(LIST, LIST_DOC(SVC_ITEM(SVC_ID, "true"), ""), 20000), 3, -ECONNRESET, 3,
		  "Too large response headers: ");
	create_case(f, "create: 20,000 headers",
		    flood(CREATE, CREATE_DOC(CREATE_INNER(SVC_ID, "true")), 20000), 3, -ECONNRESET,
		    3, "Too large response headers: ");

	next_case(f);
	arm(f, flood(LIST, LIST_DOC(SVC_ITEM(SVC_ID, "true"), ""), 5000), 1, 0);
	run_list(f, &o);
	print_message("  %-34s r=%d attempts=%u\n", "listing: 5,000 headers", o.r, o.attempts);
	assert_int_equal(o.r, 0);
	assert_true(o.handed_out);
	assert_int_equal(o.n, 1);
	assert_int_equal(sim_counter(&f->sim, LIST, "total"), 1);
}

/* ---- credentials ------------------------------------------------------------------------ */

static time_t
wall_now(void *arg)
{
	(void)arg;
	return time(NULL);
}

/* strdup() that fails the test instead of returning NULL; the caller frees. */
static char *
xstrdup(const char *s)
{
	char *d = strdup(s);

	assert_non_null(d);
	return d;
}

/* Replace f->creds with the chain of `plan` (taken). */
static void
build(struct fixture *f, struct creds_plan *plan)
{
	struct creds_build_options o = {
		.sts_endpoint = getenv("EC2SIM_ENDPOINT"),
		.region = "us-east-1",
		.now = wall_now,
		.random01 = no_jitter,
	};
	struct err e;
	int r;

	aws_client_free(f->aws);
	f->aws = NULL;
	creds_cache_free(f->creds);
	f->creds = NULL;
	err_clear(&e);
	r = creds_build_ex(f->loop, f->http, &o, plan, &f->creds, &e);
	creds_plan_free(plan);
	if (r < 0)
		fail_msg("creds_build_ex: %s", e.msg);
}

static void
build_assume_role(struct fixture *f)
{
	struct creds_plan p = {0};
	struct err e;

	err_clear(&e);
	p.source = CREDS_SOURCE_STATIC;
	p.description = xstrdup("test: static keys, then a role");
	assert_int_equal(
		creds_set(&p.static_creds, KEY_ID, SECRET, NULL, 0, NULL, NULL, "test", &e), 0);
	p.hops[0].role_arn = xstrdup(ROLE);
	p.n_hops = 1;
	build(f, &p);
}

static void
build_url(struct fixture *f, enum creds_source source, const char *url)
{
	struct creds_plan p = {0};

	p.source = source;
	p.description = xstrdup("test: metadata");
	p.url = xstrdup(url);
	if (source == CREDS_SOURCE_ECS)
		p.auth_token = xstrdup(ECS_TOKEN);
	build(f, &p);
}

/* Ask the cache for credentials; on success *out holds a copy (caller frees). */
static int
get_creds(struct fixture *f, struct creds *out, struct err *e)
{
	return stack_get_creds(f->loop, f->creds, out, e);
}

/*
 * The provider was asked, got the hostile answer and handed out nothing:
 * the error is `r`, names the problem, holds no secret, and so does the
 * cache's last error.
 */
static void
expect_no_creds(struct fixture *f, const char *what, int r, const char *needle)
{
	struct creds c = {0};
	struct err e;
	int got = get_creds(f, &c, &e);

	print_message("  %-34s r=%d: %s\n", what, got, e.msg);
	if (got == 0)
		fail_msg("%s: credentials %s were handed out", what, c.access_key_id);
	assert_int_equal(got, r);
	assert_null(c.access_key_id);
	assert_has(e.msg, needle);
	assert_clean(e.msg);
	assert_clean(creds_cache_last_error(f->creds)->msg);
}

static void
sts_case(struct fixture *f, const char *what, const char *body, int r, int seen, const char *needle)
{
	next_case(f);
	build_assume_role(f);
	arm(f, answer("AssumeRole", 200, "text/xml", body), 10, 0);
	expect_no_creds(f, what, r, needle);
	assert_int_equal(sim_counter(&f->sim, "AssumeRole", "total"), seen);
}

static void
test_sts_assume_role(void **state)
{
	struct fixture *f = *state;
	struct creds c = {0};
	struct err e;

	/* Control: the template is accepted as it stands. */
	next_case(f);
	build_assume_role(f);
	arm(f,
	    answer("AssumeRole", 200, "text/xml",
		   STS_DOC(STS_KEY STS_SECRET STS_TOKEN STS_EXP("2099-01-01T00:00:00Z"))),
	    1, 0);
	assert_int_equal(get_creds(f, &c, &e), 0);
	assert_string_equal(c.access_key_id, "ASIAHOSTILE000000001");
	assert_string_equal(c.secret_access_key, CANARY_SECRET);
	creds_free(&c);

	/* A 2xx that does not parse: retried like a cut answer, then refused. */
	sts_case(f, "STS: 200 HTML page",
		 "<html><body><p>" CANARY_SECRET "</p><p>" CANARY_TOKEN "</p></body></html>",
		 -EBADMSG, 3, "XML: expected root <AssumeRoleResponse>, got <html>");
	sts_case(f, "STS: 200 empty body", "", -EBADMSG, 3, "XML: empty body");
	sts_case(f, "STS: duplicate AccessKeyId",
		 STS_DOC(STS_KEY STS_KEY STS_SECRET STS_TOKEN STS_EXP("2099-01-01T00:00:00Z")),
		 -EBADMSG, 3, "XML: duplicate <AccessKeyId> in <Credentials>");
	sts_case(f, "STS: no SessionToken",
		 STS_DOC(STS_KEY STS_SECRET STS_EXP("2099-01-01T00:00:00Z")), -EBADMSG, 3,
		 "lacks AccessKeyId, SecretAccessKey, SessionToken or Expiration");
	sts_case(f, "STS: Expiration year 99999",
		 STS_DOC(STS_KEY STS_SECRET STS_TOKEN STS_EXP("99999-01-01T00:00:00Z")), -EBADMSG,
		 3, "XML: <Expiration> is not an ISO-8601 UTC time");
	sts_case(f, "STS: SecretAccessKey with markup",
		 STS_DOC(STS_KEY
			 "<SecretAccessKey>" CANARY_SECRET "<b>" CANARY_TOKEN
			 "</b></SecretAccessKey>" STS_TOKEN STS_EXP("2099-01-01T00:00:00Z")),
		 -EBADMSG, 3, "XML: <SecretAccessKey> must hold text only");
	/* Parsed fine, but useless: refused by the cache, not retried. */
	sts_case(f, "STS: Expiration in the past",
		 STS_DOC(STS_KEY STS_SECRET STS_TOKEN STS_EXP("2001-01-01T00:00:00Z")),
		 -EKEYEXPIRED, 1, "returned credentials that are already expired");
}

/* ---- secrets echoed back (issue 13) -------------------------------------------------- */

/* A static chain of KEY_ID / ECHO_SECRET / ECHO_TOKEN, and an EC2 client signing with it. */
static void
use_echo_creds(struct fixture *f, bool assume_role)
{
	struct aws_client_options o = {
		.endpoint = getenv("EC2SIM_ENDPOINT"),
		.region = "us-east-1",
		.service = "ec2",
		.version = EC2_API_VERSION,
		.max_attempts = 3,
		.random01 = no_jitter,
		.observe = on_observe,
		.observe_arg = f,
	};
	struct creds_plan p = {0};
	struct err e;

	err_clear(&e);
	p.source = CREDS_SOURCE_STATIC;
	p.description = xstrdup("test: static keys with a session token");
	assert_int_equal(creds_set(&p.static_creds, KEY_ID, ECHO_SECRET, ECHO_TOKEN, 0, NULL, NULL,
				   "test", &e),
			 0);
	if (assume_role) {
		p.hops[0].role_arn = xstrdup(ROLE);
		p.n_hops = 1;
	}
	build(f, &p);
	o.http = f->http;
	o.creds = f->creds;
	if (aws_client_new(f->loop, &o, &f->aws, &e) < 0)
		fail_msg("aws_client_new: %s", e.msg);
}

/* The observe record's strings hold no secret either. */
static void
assert_record_clean(const struct fixture *f)
{
	for (size_t i = 0; i < 3; i++)
		assert_clean(f->last_strings[i]);
}

#define ECHO_HEADERS                                                                      \
	"Authorization: AWS4-HMAC-SHA256 Credential=" KEY_ID "/20260115/us-east-1/ec2/"   \
	"aws4_request, SignedHeaders=content-type;host;x-amz-date;x-amz-security-token, " \
	"Signature=" ECHO_SIG "\nX-Amz-Security-Token: " ECHO_TOKEN "\n"
#define EC2_ERROR(code, message, request_id)                                                    \
	XML_DECL "<Response><Errors><Error><Code>" code "</Code><Message>" message "</Message>" \
		 "</Error></Errors><RequestID>" request_id "</RequestID></Response>"

/* EC2 error answers that quote the request's credentials back. */
static void
test_ec2_error_echoes_secrets(void **state)
{
	struct fixture *f = *state;
	struct outcome o;

	use_echo_creds(f, false);
	/* The whole request echoed, headers and all, and credentials minted elsewhere. */
	next_case(f);
	arm(f,
	    answer(LIST, 400, "text/xml",
		   EC2_ERROR("InvalidParameterValue",
			     "We saw: " ECHO_HEADERS "secret " ECHO_SECRET " token " ECHO_TOKEN
			     "; and " SHAPED_SECRET " / " SHAPED_TOKEN,
			     ECHO_TOKEN)),
	    1, 0);
	run_list(f, &o);
	expect_failure(f, "EC2: error echoes the request", &o, LIST, -EREMOTEIO, 1, 1,
		       "InvalidParameterValue: We saw: Authorization: [redacted]");
	assert_has(o.msg, "secret [redacted] token [redacted]; and [redacted] / [redacted]");
	assert_record_clean(f);
	assert_string_equal(f->last_strings[0], "[redacted]");

	/* A secret cut by the message's length leaves no telling piece behind. */
	next_case(f);
	arm(f,
	    answer(LIST, 400, "text/xml",
		   EC2_ERROR("InvalidParameterValue",
			     "................................................................"
			     "................................................................"
			     "................................................................"
			     "................................................................"
			     "................................................................"
			     "................................................................"
			     "..................................... token " ECHO_TOKEN,
			     "r-cut")),
	    1, 0);
	run_list(f, &o);
	expect_failure(f, "EC2: echo at the end of a long message", &o, LIST, -EREMOTEIO, 1, 1,
		       "InvalidParameterValue");

	/* Credentials rejected, with the rejected secret quoted: words and record clean. */
	next_case(f);
	arm(f,
	    answer(LIST, 401, "text/xml",
		   EC2_ERROR("AuthFailure", "Unknown key with secret " ECHO_SECRET, "r-auth")),
	    2, 0);
	run_list(f, &o);
	expect_failure(f, "EC2: AuthFailure echoes the secret", &o, LIST, -EREMOTEIO, 2, 2,
		       "credentials rejected by EC2 (AuthFailure: Unknown key with secret "
		       "[redacted];");
	assert_int_equal(f->last.failure, AWS_FAILURE_CREDENTIALS);
	assert_record_clean(f);
}

static void
on_deleted(void *arg, struct ec2_result *res, const struct aws_response *resp)
{
	struct outcome *o = arg;

	note(o, res != NULL, resp);
	if (res != NULL && res->n_unsuccessful == 1) {
		snprintf(o->msg, sizeof(o->msg), "%s: %s", res->unsuccessful[0].code,
			 res->unsuccessful[0].message ? res->unsuccessful[0].message : "");
		o->n = res->n_unsuccessful;
	}
	ec2_result_free(res);
}

/* An `unsuccessful` item quoting the secrets: apply.h copies its message into errors. */
static void
test_unsuccessful_echoes_secrets(void **state)
{
	struct fixture *f = *state;
	struct strv ids = STRV_INIT;
	struct outcome o = {0};
	struct err e;

	use_echo_creds(f, false);
	next_case(f);
	arm(f,
	    answer("DeleteVpcEndpointServiceConfigurations", 200, "text/xml",
		   XML_DECL
		   "<DeleteVpcEndpointServiceConfigurationsResponse xmlns=\"" EC2_NS
		   "\"><requestId>r-9</requestId><unsuccessful><item><error><code>"
		   "ExistingVpcEndpointConnections</code><message>Connected; caller " ECHO_SECRET
		   " with " ECHO_TOKEN " and " SHAPED_TOKEN "</message></error><resourceId>" SVC_ID
		   "</resourceId></item></unsuccessful>"
		   "</DeleteVpcEndpointServiceConfigurationsResponse>"),
	    1, 0);
	assert_int_equal(strv_push(&ids, SVC_ID), 0);
	err_clear(&e);
	assert_int_equal(ec2_delete_services(f->aws, &ids, on_deleted, &o, NULL, &e), 0);
	wait_for(f, &o);
	strv_free(&ids);
	print_message("  %-34s %s\n", "EC2: unsuccessful item echoes", o.msg);
	assert_true(o.handed_out);
	assert_int_equal(o.n, 1);
	assert_string_equal(o.msg,
			    "ExistingVpcEndpointConnections: Connected; caller [redacted] with "
			    "[redacted] and [redacted]");
	assert_clean(o.msg);
}

/* STS, signed with the echo credentials, quoting them back in its refusal. */
static void
test_sts_error_echoes_secrets(void **state)
{
	struct fixture *f = *state;

	next_case(f);
	use_echo_creds(f, true);
	arm(f,
	    answer("AssumeRole", 403, "text/xml",
		   "<ErrorResponse xmlns=\"" STS_NS "\"><Error><Type>Sender</Type><Code>"
		   "AccessDenied</Code><Message>User with secret " ECHO_SECRET
		   " and token " ECHO_TOKEN " may not assume the role; it would get " SHAPED_SECRET
		   " " SHAPED_TOKEN "</Message></Error><RequestId>" ECHO_TOKEN
		   "</RequestId></ErrorResponse>"),
	    10, 0);
	expect_no_creds(f, "STS: refusal echoes the secrets", -EREMOTEIO,
			"AccessDenied: User with secret [redacted] and token [redacted] may not "
			"assume the role; it would get [redacted] [redacted]");
	assert_int_equal(sim_counter(&f->sim, "AssumeRole", "total"), 1);
}

/* HTML from a proxy in front of EC2 or STS, with the request's headers in it. */
static void
test_proxy_html_echoes_secrets(void **state)
{
	struct fixture *f = *state;
	struct outcome o;

	use_echo_creds(f, false);
	/* An error page: transient (502), and its body is not quoted. */
	next_case(f);
	arm(f,
	    answer(LIST, 502, "text/html",
		   "<html><body><h1>502 Bad Gateway</h1><pre>" ECHO_HEADERS "</pre></body></html>"),
	    3, 0);
	run_list(f, &o);
	expect_failure(f, "proxy: 502 page with the headers", &o, LIST, -EREMOTEIO, 3, 3,
		       "HTTP 502");
	assert_record_clean(f);
	/* A 200 page whose parser error quotes it (an undefined entity named like the secret). */
	next_case(f);
	arm(f,
	    answer(LIST, 200, "text/html",
		   "<html><body><p>&" ECHO_SECRET ";</p><p>" ECHO_TOKEN "</p></body></html>"),
	    3, 0);
	run_list(f, &o);
	expect_failure(f, "proxy: 200 page quoted by the parser", &o, LIST, -EBADMSG, 3, 3,
		       "Entity '[redacted]' not defined");
	/* The same in front of STS. */
	use_echo_creds(f, true);
	next_case(f);
	arm(f,
	    answer("AssumeRole", 200, "text/html",
		   "<html><body><p>&" ECHO_SECRET ";</p>" ECHO_HEADERS "</body></html>"),
	    10, 0);
	expect_no_creds(f, "proxy: STS 200 page", -EBADMSG, "Entity '[redacted]' not defined");
}

/* With its credentials refused, an EC2 call fails without being sent. */
static void
test_sts_refusal_stops_ec2_calls(void **state)
{
	struct fixture *f = *state;
	struct aws_client_options o = {
		.endpoint = getenv("EC2SIM_ENDPOINT"),
		.region = "us-east-1",
		.service = "ec2",
		.version = EC2_API_VERSION,
		.random01 = no_jitter,
		.observe = on_observe,
		.observe_arg = f,
	};
	struct outcome out;
	struct err e;

	next_case(f);
	build_assume_role(f);
	arm(f, answer("AssumeRole", 200, "text/html", HTML_PAGE " " CANARY_SECRET), 10, 0);
	o.http = f->http;
	o.creds = f->creds;
	err_clear(&e);
	if (aws_client_new(f->loop, &o, &f->aws, &e) < 0)
		fail_msg("aws_client_new: %s", e.msg);
	run_list(f, &out);
	print_message("  %-34s r=%d: %s\n", "EC2 call with STS refused", out.r, out.msg);
	assert_false(out.handed_out);
	assert_int_equal(out.r, -ENOKEY);
	assert_has(out.msg, "no credentials");
	assert_has(out.msg, "XML: document type declarations are not accepted");
	assert_clean(out.msg);
	assert_int_equal(sim_counter(&f->sim, "AssumeRole", "total"), 3);
	assert_int_equal(sim_counter(&f->sim, LIST, "total"), 0);
}

/* One hostile credential document from IMDS (the third request) or ECS. */
static void
meta_case(struct fixture *f, bool imds, const char *what, const char *content_type,
	  const char *body, int r, const char *needle)
{
	next_case(f);
	build_url(f, imds ? CREDS_SOURCE_IMDS : CREDS_SOURCE_ECS,
		  getenv(imds ? "EC2SIM_IMDS" : "EC2SIM_ECS"));
	arm(f, answer(imds ? "IMDS" : "ECS", 200, content_type, body), 1, imds ? 2 : 0);
	expect_no_creds(f, what, r, needle);
	/* Not retried: IMDS was asked for a token, the role and the document; ECS once. */
	assert_int_equal(sim_counter(&f->sim, imds ? "IMDS" : "ECS", "total"), imds ? 3 : 1);
}

/* The same hostile documents through IMDS and through ECS (which ignores Code and Type). */
static void
metadata_documents(struct fixture *f, bool imds)
{
	const char *json = "application/json";
	struct creds c = {0};
	struct err e;
	char what[64];

#define CASE(label, body, r, needle)                                                  \
	do {                                                                          \
		snprintf(what, sizeof(what), "%s: %s", imds ? "IMDS" : "ECS", label); \
		meta_case(f, imds, what, json, body, r, needle);                      \
	} while (0)

	/* Control: the document is accepted as it stands. */
	next_case(f);
	build_url(f, imds ? CREDS_SOURCE_IMDS : CREDS_SOURCE_ECS,
		  getenv(imds ? "EC2SIM_IMDS" : "EC2SIM_ECS"));
	arm(f,
	    answer(imds ? "IMDS" : "ECS", 200, json,
		   "{" J_IMDS J_KEY ", " J_SECRET ", " J_TOKEN ", " J_EXP ", \"Extra\": 1e999999}"),
	    1, imds ? 2 : 0);
	assert_int_equal(get_creds(f, &c, &e), 0);
	assert_string_equal(c.access_key_id, "ASIAHOSTILE000000002");
	creds_free(&c);

	/* Wrong types. */
	CASE("AccessKeyId a number",
	     "{" J_IMDS "\"AccessKeyId\": 12345, " J_SECRET ", " J_TOKEN ", " J_EXP "}", -EINVAL,
	     "member \"AccessKeyId\" is not a string");
	CASE("Expiration an object",
	     "{" J_IMDS J_KEY ", " J_SECRET ", " J_TOKEN ", \"Expiration\": {\"year\": 2099}}",
	     -EINVAL, "member \"Expiration\" is not a string");
	CASE("Token an array",
	     "{" J_IMDS J_KEY ", " J_SECRET ", \"Token\": [\"" CANARY_TOKEN "\"], " J_EXP "}",
	     -EINVAL, "member \"Token\" is not a string");
	/* Huge numbers are numbers (a double, inf past its range): where a string is due, a type
	 * error; elsewhere ignored, like 1e999999 in the control above. */
	CASE("Expiration a 400-digit number",
	     "{" J_IMDS J_KEY ", " J_SECRET ", " J_TOKEN ", \"Expiration\": "
	     "9999999999999999999999999999999999999999999999999999999999999999999999999999999999"
	     "9999999999999999999999999999999999999999999999999999999999999999999999999999999999"
	     "9999999999999999999999999999999999999999999999999999999999999999999999999999999999"
	     "9999999999999999999999999999999999999999999999999999999999999999999999999999999999"
	     "99999999999999999999999999999999999999999999999999999999999999999999999}",
	     -EINVAL, "member \"Expiration\" is not a string");
	CASE("Expiration year 99999",
	     "{" J_IMDS J_KEY ", " J_SECRET ", " J_TOKEN
	     ", \"Expiration\": \"99999-01-01T00:00:00Z\"}",
	     -EINVAL, "\"Expiration\" is not an ISO-8601 time");
	/* Duplicate keys: refused, whichever comes first. */
	CASE("duplicate AccessKeyId",
	     "{" J_IMDS J_KEY ", " J_SECRET ", " J_TOKEN ", " J_EXP
	     ", \"AccessKeyId\": \"ASIAOTHER\"}",
	     -EINVAL, "member \"AccessKeyId\" appears twice");
	CASE("duplicate SecretAccessKey",
	     "{" J_IMDS J_KEY ", " J_SECRET ", " J_TOKEN ", " J_EXP ", " J_SECRET "}", -EINVAL,
	     "member \"SecretAccessKey\" appears twice");
	/* Not JSON at all. */
	snprintf(what, sizeof(what), "%s: HTML page", imds ? "IMDS" : "ECS");
	meta_case(f, imds, what, "text/html", HTML_PAGE, -EINVAL,
		  "credential document is not valid JSON");
	CASE("empty body", "", -EINVAL, "credential document is empty or holds a NUL byte");
	CASE("truncated JSON", "{" J_IMDS J_KEY ", " J_SECRET ", \"Token\": \"" CANARY_TOKEN,
	     -EINVAL, "credential document is not valid JSON");
	CASE("JSON, then junk", "{" J_IMDS J_KEY ", " J_SECRET ", " J_TOKEN ", " J_EXP "} x",
	     -EINVAL, "garbage after the JSON document");
#undef CASE
}

static void
test_imds_documents(void **state)
{
	metadata_documents(*state, true);
}

static void
test_ecs_documents(void **state)
{
	metadata_documents(*state, false);
}

/* The IMDSv2 token PUT answered with too much: refused, no further request, no creds. */
static void
test_imds_token_over_limits(void **state)
{
	struct fixture *f = *state;
	char *big = repeat_char('t', 200 * 1024), *token = malloc(200 * 1024 + 64);
	cJSON *fault;

	assert_non_null(token);
	snprintf(token, 200 * 1024 + 64, "%s%s", CANARY_IMDS_TOKEN, big);

	/* A 200 KiB token: over the 4 KiB the token answer may have. */
	next_case(f);
	build_url(f, CREDS_SOURCE_IMDS, getenv("EC2SIM_IMDS"));
	arm(f, answer("IMDS", 200, "text/plain", token), 1, 0);
	expect_no_creds(f, "IMDS: 200 KiB token", -EMSGSIZE,
			"response body larger than the 4096-byte limit");
	assert_int_equal(sim_counter(&f->sim, "IMDS", "total"), 1);

	/* A normal token with a 200 KiB header: libcurl fails the transfer. */
	next_case(f);
	build_url(f, CREDS_SOURCE_IMDS, getenv("EC2SIM_IMDS"));
	fault = answer("IMDS", 200, "text/plain", CANARY_IMDS_TOKEN);
	add_header(fault, "X-aws-ec2-metadata-token-ttl-seconds", token);
	arm(f, fault, 1, 0);
	expect_no_creds(f, "IMDS: token with a 200 KiB header", -EIO,
			"IMDSv2 token request (PUT /latest/api/token) failed");
	assert_int_equal(sim_counter(&f->sim, "IMDS", "total"), 1);

	/* 20,000 small headers (360 KiB) around the token: over libcurl's 300 KiB. */
	next_case(f);
	build_url(f, CREDS_SOURCE_IMDS, getenv("EC2SIM_IMDS"));
	fault = flood("IMDS", CANARY_IMDS_TOKEN, 20000);
	cJSON_ReplaceItemInObject(fault, "content_type", cJSON_CreateString("text/plain"));
	arm(f, fault, 1, 0);
	expect_no_creds(f, "IMDS: token with 20,000 headers", -EIO,
			"IMDSv2 token request (PUT /latest/api/token) failed: Too large response "
			"headers: ");
	assert_int_equal(sim_counter(&f->sim, "IMDS", "total"), 1);
	free(big);
	free(token);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_ec2_gzip_bomb, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ec2_controls, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ec2_not_xml, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ec2_create_answer_lost, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ec2_wrong_content, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ec2_hostile_second_page, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ec2_body_over_limit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ec2_header_floods, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sts_assume_role, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sts_refusal_stops_ec2_calls, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ec2_error_echoes_secrets, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unsuccessful_echoes_secrets, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sts_error_echoes_secrets, setup, teardown),
		cmocka_unit_test_setup_teardown(test_proxy_html_echoes_secrets, setup, teardown),
		cmocka_unit_test_setup_teardown(test_imds_documents, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ecs_documents, setup, teardown),
		cmocka_unit_test_setup_teardown(test_imds_token_over_limits, setup, teardown),
	};

	if (getenv("EC2SIM_ENDPOINT") == NULL || getenv("EC2SIM_ADMIN") == NULL) {
		printf("SKIP: needs ec2sim (run through tests/hostile.sh)\n");
		return 77;
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
