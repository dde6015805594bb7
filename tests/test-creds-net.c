/* SPDX-License-Identifier: ISC */
/*
 * End-to-end tests of the network credential providers (creds_net.h) and
 * the chain builder (creds_build.h) against ec2sim (run through
 * tests/with-ec2sim.sh): a static key assuming two roles in a row, web
 * identity with a JWT file that is re-read, the ECS endpoint with a token
 * and a token file, IMDSv2 with token and credential expiry mid-run, and
 * the failures (unknown role, throttling, a refused token, an unreachable
 * IMDS).  Credentials that come out of a chain are *used*: EC2 calls signed
 * with them must succeed.  What was sent is checked in the sim's counters
 * and request log.  Time is driven through the caches' injectable clock;
 * nothing sleeps.  Every error message is checked for canary secrets.
 */
#include "config.h"

#include <errno.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>
#include <ev.h>

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

#define KEY_ID     "AKIDEXAMPLE"
#define SECRET     "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
#define ROLE       "arn:aws:iam::111122223333:role/vpcesd"
#define ROLE_WEB   "arn:aws:iam::111122223333:role/vpcesd-web"
#define ROLE_NOPE  "arn:aws:iam::111122223333:role/not-in-the-seed"
#define ECS_TOKEN  "ecs-test-token"
#define JWT_CANARY "CANARYJWTSIGNATUREdoNotLeak"
#define ECS_CANARY "CANARYECSTOKENdoNotLeak"

struct fixture {
	struct ev_loop *loop;
	struct sim sim;
	struct http_client *http;
	struct creds_cache *creds;
	struct aws_client *ec2;
	time_t offset; /* added to time() by the caches' clock */
	char dir[512]; /* scratch files */
};

static time_t
fake_now(void *arg)
{
	const struct fixture *f = arg;

	return time(NULL) + f->offset;
}

static double
no_jitter(void *arg)
{
	(void)arg;
	return 0.0;
}

/* No secret of the tests may appear in a message. */
static void
assert_clean(const char *msg)
{
	static const char *const canaries[] = {SECRET, JWT_CANARY, ECS_CANARY, ECS_TOKEN};
	size_t i;

	for (i = 0; i < sizeof(canaries) / sizeof(canaries[0]); i++)
		if (strstr(msg, canaries[i]) != NULL)
			fail_msg("a secret leaked into: %s", msg);
}

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct http_client_options ho = {0};
	const char *dir = getenv("EC2SIM_DIR");
	struct err e;

	if (getenv("EC2SIM_ENDPOINT") == NULL || dir == NULL) {
		print_message("SKIP: run through tests/with-ec2sim.sh\n");
		free(f);
		return -1;
	}
	f->loop = ev_default_loop(0);
	snprintf(f->dir, sizeof(f->dir), "%s", dir);
	assert_true(sim_open(&f->sim, f->loop));
	assert_true(sim_do(&f->sim, "POST", "/_sim/reset", NULL));
	assert_true(sim_do(&f->sim, "POST", "/_sim/settings", "{\"pending_seconds\": 0}"));
	ho.ca_file = getenv("EC2SIM_CA");
	err_clear(&e);
	if (http_client_new(f->loop, &ho, &f->http, &e) < 0)
		fail_msg("http_client_new: %s", e.msg);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	aws_client_free(f->ec2);
	creds_cache_free(f->creds); /* the whole chain */
	http_client_free(f->http);
	sim_close(&f->sim);
	free(f);
	return 0;
}

/* ---- plans ------------------------------------------------------------------ */

static char *
xstrdup(const char *s)
{
	char *d = s ? strdup(s) : NULL;

	if (s != NULL && d == NULL)
		fail_msg("out of memory");
	return d;
}

static void
plan_init(struct creds_plan *p, enum creds_source source, const char *description)
{
	memset(p, 0, sizeof(*p));
	p->source = source;
	p->description = xstrdup(description);
}

static void
plan_static(struct creds_plan *p)
{
	struct err e;

	err_clear(&e);
	plan_init(p, CREDS_SOURCE_STATIC, "test: static keys");
	assert_int_equal(
		creds_set(&p->static_creds, KEY_ID, SECRET, NULL, 0, NULL, NULL, "test", &e), 0);
}

static void
plan_hop(struct creds_plan *p, const char *role, const char *session_name)
{
	struct creds_hop *h = &p->hops[p->n_hops++];

	h->role_arn = xstrdup(role);
	h->session_name = xstrdup(session_name);
}

/* Build the chain of `plan` into f->creds and an EC2 client on top of it. */
static int
build(struct fixture *f, struct creds_plan *plan, struct err *e)
{
	struct creds_build_options o = {
		.sts_endpoint = getenv("EC2SIM_ENDPOINT"),
		.region = "us-east-1",
		.now = fake_now,
		.now_arg = f,
		.random01 = no_jitter,
	};
	struct aws_client_options ao = {
		.endpoint = getenv("EC2SIM_ENDPOINT"),
		.region = "us-east-1",
		.service = "ec2",
		.version = EC2_API_VERSION,
		.http = f->http,
		.random01 = no_jitter,
	};
	int r;

	err_clear(e);
	r = creds_build_ex(f->loop, f->http, &o, plan, &f->creds, e);
	creds_plan_free(plan);
	if (r < 0)
		return r;
	ao.creds = f->creds;
	if (aws_client_new(f->loop, &ao, &f->ec2, e) < 0)
		fail_msg("aws_client_new: %s", e->msg);
	return 0;
}

/* ---- getting credentials and using them --------------------------------------- */

/* Credentials from the cache, waiting for a refresh when one is needed. */
static int
get_creds(struct fixture *f, struct creds *out, struct err *e)
{
	int r = stack_get_creds(f->loop, f->creds, out, e);

	if (r < 0) {
		assert_true(err_isset(e));
		assert_clean(e->msg);
	}
	return r;
}

struct listing {
	bool done;
	int r;
	char msg[ERR_MSG_MAX];
};

static void
on_services(void *arg, struct ec2_service_page *all, const struct aws_response *resp)
{
	struct listing *l = arg;

	l->done = true;
	l->r = all ? 0 : resp->r;
	snprintf(l->msg, sizeof(l->msg), "%s", all == NULL && resp->e ? resp->e->msg : "");
	ec2_service_page_free(all);
}

static void
start_listing(struct fixture *f, struct listing *l)
{
	struct err e;

	memset(l, 0, sizeof(*l));
	err_clear(&e);
	if (ec2_list_services(f->ec2, NULL, 0, NULL, on_services, l, NULL, &e) < 0)
		fail_msg("ec2_list_services: %s", e.msg);
}

/* One DescribeVpcEndpointServiceConfigurations signed by the chain. */
static int
list_services(struct fixture *f, char *msg, size_t n)
{
	struct listing l;

	start_listing(f, &l);
	while (!l.done)
		ev_run(f->loop, EVRUN_ONCE);
	assert_clean(l.msg);
	if (msg != NULL)
		snprintf(msg, n, "%s", l.msg);
	return l.r;
}

/* The access key the sim saw on the last request of `action`, copied into out. */
static void
last_access_key(struct fixture *f, const char *action, char *out, size_t n)
{
	char path[256];
	cJSON *log, *last, *key;

	snprintf(path, sizeof(path), "/_sim/log?action=%s", action);
	log = sim_call(&f->sim, "GET", path, NULL);
	assert_non_null(log);
	assert_true(cJSON_GetArraySize(log) > 0);
	last = cJSON_GetArrayItem(log, cJSON_GetArraySize(log) - 1);
	key = cJSON_GetObjectItemCaseSensitive(last, "access_key");
	snprintf(out, n, "%s", cJSON_IsString(key) ? key->valuestring : "");
	cJSON_Delete(log);
}

/* Parameter `name` of AssumeRole request number `i` (from 0) in the sim's log. */
static void
assume_role_param(struct fixture *f, int i, const char *name, char *out, size_t n)
{
	cJSON *log = sim_call(&f->sim, "GET", "/_sim/log?action=AssumeRole", NULL);
	cJSON *params, *v;

	assert_non_null(log);
	params = cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(log, i), "params");
	v = cJSON_GetObjectItemCaseSensitive(params, name);
	snprintf(out, n, "%s", cJSON_IsString(v) ? v->valuestring : "");
	cJSON_Delete(log);
}

static void
write_file(const char *path, const char *content)
{
	FILE *fp = fopen(path, "w");

	assert_non_null(fp);
	assert_int_equal(fputs(content, fp) >= 0, 1);
	assert_int_equal(fclose(fp), 0);
}

/* ---- AssumeRole chains --------------------------------------------------------- */

static bool
generated_session_name(const char *s)
{
	const char *p = s + strlen("vpcesd-");
	size_t digits, hex;

	if (strncmp(s, "vpcesd-", 7) != 0)
		return false;
	digits = strspn(p, "0123456789");
	if (digits == 0 || p[digits] != '-')
		return false;
	hex = strspn(p + digits + 1, "0123456789abcdef");
	return hex == 8 && p[digits + 1 + hex] == '\0' && creds_session_name_valid(s);
}

static void
test_assume_role_two_hops(void **state)
{
	struct fixture *f = *state;
	struct creds_plan plan;
	struct creds c = {0};
	char key[128], first_key[128], name[128];
	struct err e;

	plan_static(&plan);
	plan_hop(&plan, ROLE, NULL);
	plan.hops[0].external_id = xstrdup("ext-id-42");
	plan.hops[0].duration = 900;
	plan_hop(&plan, ROLE_WEB, "second-hop");
	assert_int_equal(build(f, &plan, &e), 0);

	assert_int_equal(list_services(f, NULL, 0), 0);
	assert_int_equal(sim_counter(&f->sim, "AssumeRole", "total"), 2);
	assert_int_equal(sim_counter(&f->sim, "AssumeRole", "OK"), 2);
	assert_int_equal(sim_counter(&f->sim, "DescribeVpcEndpointServiceConfigurations", "OK"), 1);

	/* The EC2 call was signed with the second hop's temporary key ... */
	assert_int_equal(get_creds(f, &c, &e), 0);
	assert_non_null(c.session_token);
	assert_true(c.expiration > time(NULL));
	assert_string_equal(c.account_id, "111122223333");
	assert_string_not_equal(c.access_key_id, KEY_ID);
	last_access_key(f, "DescribeVpcEndpointServiceConfigurations", key, sizeof(key));
	assert_string_equal(key, c.access_key_id);
	/* ... which was assumed with the first hop's key, itself assumed with the static one. */
	last_access_key(f, "AssumeRole", first_key, sizeof(first_key));
	assert_string_not_equal(first_key, KEY_ID);
	assert_string_not_equal(first_key, c.access_key_id);
	assume_role_param(f, 0, "RoleSessionName", name, sizeof(name));
	assert_true(generated_session_name(name));
	assume_role_param(f, 0, "ExternalId", name, sizeof(name));
	assert_string_equal(name, "ext-id-42");
	assume_role_param(f, 0, "DurationSeconds", name, sizeof(name));
	assert_string_equal(name, "900");
	assume_role_param(f, 1, "RoleSessionName", name, sizeof(name));
	assert_string_equal(name, "second-hop");
	assume_role_param(f, 1, "ExternalId", name, sizeof(name));
	assert_string_equal(name, "");
	creds_free(&c);
}

/* Many requests waiting for credentials are served by one AssumeRole, also on refresh. */
static void
test_waiters_share_one_refresh(void **state)
{
	struct fixture *f = *state;
	struct creds_plan plan;
	struct listing l[6];
	struct creds c1 = {0}, c2 = {0};
	struct err e;
	size_t i;

	plan_static(&plan);
	plan_hop(&plan, ROLE, NULL);
	assert_int_equal(build(f, &plan, &e), 0);

	for (i = 0; i < 6; i++)
		start_listing(f, &l[i]);
	for (i = 0; i < 6; i++) {
		while (!l[i].done)
			ev_run(f->loop, EVRUN_ONCE);
		assert_int_equal(l[i].r, 0);
	}
	assert_int_equal(sim_counter(&f->sim, "AssumeRole", "total"), 1);
	assert_int_equal(get_creds(f, &c1, &e), 0);

	/* 55 minutes later the credentials are inside the mandatory window. */
	f->offset = c1.expiration - time(NULL) - CREDS_MANDATORY_SECS + 60;
	for (i = 0; i < 6; i++)
		start_listing(f, &l[i]);
	for (i = 0; i < 6; i++) {
		while (!l[i].done)
			ev_run(f->loop, EVRUN_ONCE);
		assert_int_equal(l[i].r, 0);
	}
	assert_int_equal(sim_counter(&f->sim, "AssumeRole", "total"), 2);
	assert_int_equal(get_creds(f, &c2, &e), 0);
	assert_string_not_equal(c1.access_key_id, c2.access_key_id);
	creds_free(&c1);
	creds_free(&c2);
}

static void
test_assume_role_access_denied(void **state)
{
	struct fixture *f = *state;
	struct creds_plan plan;
	struct creds c = {0};
	char msg[ERR_MSG_MAX];
	struct err e;

	plan_static(&plan);
	plan_hop(&plan, ROLE_NOPE, NULL);
	assert_int_equal(build(f, &plan, &e), 0);

	assert_int_equal(list_services(f, msg, sizeof(msg)), -ENOKEY);
	assert_non_null(strstr(msg, "AccessDenied"));
	assert_non_null(strstr(msg, ROLE_NOPE));
	/* Not retried (terminal), and no EC2 call went out unsigned or with the base key. */
	assert_int_equal(sim_counter(&f->sim, "AssumeRole", "AccessDenied"), 1);
	assert_int_equal(sim_counter(&f->sim, "DescribeVpcEndpointServiceConfigurations", "total"),
			 0);
	assert_non_null(strstr(creds_cache_last_error(f->creds)->msg, "AccessDenied"));
	assert_int_equal(get_creds(f, &c, &e), -EREMOTEIO);
	assert_non_null(strstr(e.msg, ROLE_NOPE));
}

static void
test_sts_throttling_retried(void **state)
{
	struct fixture *f = *state;
	struct creds_plan plan;
	struct err e;

	assert_true(sim_do(&f->sim, "POST", "/_sim/faults",
			   "{\"kind\": \"throttle\", \"action\": \"AssumeRole\", \"count\": 2}"));
	plan_static(&plan);
	plan_hop(&plan, ROLE, NULL);
	assert_int_equal(build(f, &plan, &e), 0);

	assert_int_equal(list_services(f, NULL, 0), 0);
	assert_int_equal(sim_counter(&f->sim, "AssumeRole", "total"), 3);
	assert_int_equal(sim_counter(&f->sim, "AssumeRole", "OK"), 1);
}

/*
 * The sim's clock 20 minutes off: STS refuses the AssumeRole
 * (SignatureDoesNotMatch, "Signature expired"), its client corrects its own
 * clock from the Date and re-signs once; then the EC2 client does the same
 * for its first call, signed with the assumed role's key.
 */
static void
test_sts_clock_skew_corrected(void **state)
{
	static const char *const skews[] = {"{\"wall_skew_seconds\": 1200}",
					    "{\"wall_skew_seconds\": -1200}"};
	struct fixture *f = *state;

	for (size_t i = 0; i < 2; i++) {
		struct creds_plan plan;
		struct err e;

		aws_client_free(f->ec2);
		creds_cache_free(f->creds);
		f->ec2 = NULL;
		f->creds = NULL;
		assert_true(sim_do(&f->sim, "DELETE", "/_sim/log", NULL));
		assert_true(sim_do(&f->sim, "POST", "/_sim/settings", skews[i]));
		plan_static(&plan);
		plan_hop(&plan, ROLE, NULL);
		assert_int_equal(build(f, &plan, &e), 0);

		assert_int_equal(list_services(f, NULL, 0), 0);
		assert_int_equal(sim_counter(&f->sim, "AssumeRole", "SignatureDoesNotMatch"), 1);
		assert_int_equal(sim_counter(&f->sim, "AssumeRole", "OK"), 1);
		assert_int_equal(sim_counter(&f->sim, "DescribeVpcEndpointServiceConfigurations",
					     "RequestExpired"),
				 1);
		assert_int_equal(
			sim_counter(&f->sim, "DescribeVpcEndpointServiceConfigurations", "OK"), 1);
		assert_in_range(aws_client_clock_skew(f->ec2), i == 0 ? 1198 : -1202,
				i == 0 ? 1202 : -1198);
	}
}

static void
test_sts_bad_hop_refused_at_build(void **state)
{
	struct fixture *f = *state;
	struct creds_plan plan;
	struct err e;

	plan_static(&plan);
	plan_hop(&plan, ROLE, "has space");
	assert_int_equal(build(f, &plan, &e), -EINVAL);
	assert_non_null(strstr(e.msg, "session name"));
	assert_null(f->creds);

	plan_static(&plan);
	plan_hop(&plan, "arn:aws:iam::111122223333:user/x", NULL);
	assert_int_equal(build(f, &plan, &e), -EINVAL);
	assert_non_null(strstr(e.msg, "role_arn"));

	plan_static(&plan);
	plan_hop(&plan, ROLE, NULL);
	plan.hops[0].duration = 60;
	assert_int_equal(build(f, &plan, &e), -EINVAL);
	assert_non_null(strstr(e.msg, "duration"));
	assert_null(f->creds);
}

/* ---- web identity ------------------------------------------------------------------ */

static void
b64url(const char *in, char *out, size_t n)
{
	static const char tab[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	size_t len = strlen(in), i, o = 0;

	for (i = 0; i < len; i += 3) {
		unsigned v = (unsigned char)in[i] << 16;
		size_t k, m = len - i < 3 ? len - i : 3;

		if (m > 1)
			v |= (unsigned char)in[i + 1] << 8;
		if (m > 2)
			v |= (unsigned char)in[i + 2];
		for (k = 0; k <= m && o + 1 < n; k++)
			out[o++] = tab[(v >> (18 - 6 * k)) & 63];
	}
	out[o] = '\0';
}

/* A JWT whose claims the sim checks (iss, sub, aud, exp) and a canary signature. */
static void
write_jwt(const char *path, const char *sub, long long exp)
{
	char claims[512], header[128], payload[1024], jwt[2048];

	snprintf(claims, sizeof(claims),
		 "{\"iss\":\"https://oidc.example.com/id/1\",\"sub\":\"%s\","
		 "\"aud\":\"sts.amazonaws.com\",\"exp\":%lld}",
		 sub, exp);
	b64url("{\"alg\":\"RS256\",\"typ\":\"JWT\"}", header, sizeof(header));
	b64url(claims, payload, sizeof(payload));
	snprintf(jwt, sizeof(jwt), "%s.%s.%s\n", header, payload, JWT_CANARY);
	write_file(path, jwt);
}

static void
plan_web(struct fixture *f, struct creds_plan *p, char *token_file, size_t n)
{
	snprintf(token_file, n, "%s/jwt", f->dir);
	plan_init(p, CREDS_SOURCE_WEB_IDENTITY, "test: web identity");
	p->role_arn = xstrdup(ROLE_WEB);
	p->token_file = xstrdup(token_file);
}

/* STS quoting the JWT it was sent: the token is a secret, and the client knows it. */
static void
test_web_identity_token_echoed(void **state)
{
	struct fixture *f = *state;
	struct creds_plan plan;
	struct creds c = {0};
	char path[600], jwt[2048], fault[4096];
	struct err e;
	FILE *fp;
	size_t n;

	plan_web(f, &plan, path, sizeof(path));
	write_jwt(path, "system:serviceaccount:vpcesd:echo", (long long)time(NULL) + 3600);
	fp = fopen(path, "r");
	assert_non_null(fp);
	n = fread(jwt, 1, sizeof(jwt) - 1, fp);
	fclose(fp);
	while (n > 0 && jwt[n - 1] == '\n')
		n--;
	jwt[n] = '\0';
	snprintf(fault, sizeof(fault),
		 "{\"kind\": \"answer\", \"action\": \"AssumeRoleWithWebIdentity\", \"status\": "
		 "400, "
		 "\"body\": \"<ErrorResponse "
		 "xmlns='https://sts.amazonaws.com/doc/2011-06-15/'><Error>"
		 "<Type>Sender</Type><Code>InvalidIdentityToken</Code><Message>Token %s has no "
		 "trusted issuer</Message></Error><RequestId>r-1</RequestId></ErrorResponse>\"}",
		 jwt);
	assert_true(sim_do(&f->sim, "POST", "/_sim/faults", fault));
	assert_int_equal(build(f, &plan, &e), 0);
	assert_int_equal(get_creds(f, &c, &e), -EREMOTEIO);
	assert_non_null(
		strstr(e.msg, "InvalidIdentityToken: Token [redacted] has no trusted issuer"));
	assert_null(strstr(e.msg, ".eyJ"));
}

static void
test_web_identity(void **state)
{
	struct fixture *f = *state;
	struct creds_plan plan;
	struct creds c1 = {0}, c2 = {0};
	char path[600], key[128];
	struct err e;

	plan_web(f, &plan, path, sizeof(path));
	unlink(path);
	assert_int_equal(build(f, &plan, &e), 0);

	/* No file yet: a clear error naming it. */
	assert_int_equal(get_creds(f, &c1, &e), -ENOENT);
	assert_non_null(strstr(e.msg, path));

	/* An expired token: STS refuses it, and the JWT is in no message. */
	write_jwt(path, "system:serviceaccount:vpcesd:old", (long long)time(NULL) - 60);
	assert_int_equal(get_creds(f, &c1, &e), -EREMOTEIO);
	assert_non_null(strstr(e.msg, "ExpiredTokenException"));

	/* The file is read again at the next fetch. */
	write_jwt(path, "system:serviceaccount:vpcesd:new", (long long)time(NULL) + 3600);
	assert_int_equal(get_creds(f, &c1, &e), 0);
	assert_int_equal(list_services(f, NULL, 0), 0);
	last_access_key(f, "DescribeVpcEndpointServiceConfigurations", key, sizeof(key));
	assert_string_equal(key, c1.access_key_id);
	assert_int_equal(sim_counter(&f->sim, "AssumeRoleWithWebIdentity", "OK"), 1);

	/* Refresh mid-run with a rotated token file. */
	write_jwt(path, "system:serviceaccount:vpcesd:rotated", (long long)time(NULL) + 7200);
	f->offset = c1.expiration - time(NULL) - CREDS_MANDATORY_SECS + 60;
	assert_int_equal(list_services(f, NULL, 0), 0);
	assert_int_equal(sim_counter(&f->sim, "AssumeRoleWithWebIdentity", "OK"), 2);
	assert_int_equal(get_creds(f, &c2, &e), 0);
	assert_string_not_equal(c1.access_key_id, c2.access_key_id);

	/* A file that holds no token. */
	write_file(path, "two words\n");
	f->offset = c2.expiration - time(NULL) + 1;
	assert_int_equal(get_creds(f, &c1 /* unused on failure */, &e), -EINVAL);
	assert_non_null(strstr(e.msg, "not a token"));
	creds_free(&c1);
	creds_free(&c2);
}

/* ---- ECS ------------------------------------------------------------------------------ */

static void
plan_ecs(struct creds_plan *p, const char *token, const char *token_file)
{
	char url[512];

	snprintf(url, sizeof(url), "%s/v2/credentials/3f2d7a", getenv("EC2SIM_ECS"));
	plan_init(p, CREDS_SOURCE_ECS, "test: ECS");
	p->url = xstrdup(url);
	p->auth_token = xstrdup(token);
	p->auth_token_file = xstrdup(token_file);
}

static void
test_ecs_token(void **state)
{
	struct fixture *f = *state;
	struct creds_plan plan;
	struct creds c = {0};
	char key[128];
	struct err e;

	plan_ecs(&plan, ECS_TOKEN, NULL);
	assert_int_equal(build(f, &plan, &e), 0);
	assert_int_equal(list_services(f, NULL, 0), 0);
	assert_int_equal(get_creds(f, &c, &e), 0);
	assert_string_equal(c.account_id, "111122223333");
	last_access_key(f, "DescribeVpcEndpointServiceConfigurations", key, sizeof(key));
	assert_string_equal(key, c.access_key_id);
	assert_int_equal(sim_counter(&f->sim, "ECS", "OK"), 1);
	creds_free(&c);
}

static void
test_ecs_token_file(void **state)
{
	struct fixture *f = *state;
	struct creds_plan plan;
	struct creds c = {0};
	char path[600];
	struct err e;

	snprintf(path, sizeof(path), "%s/ecs-token", f->dir);
	write_file(path, "wrong-" ECS_CANARY "\n");
	/* The file wins over the fixed token. */
	plan_ecs(&plan, ECS_TOKEN, path);
	assert_int_equal(build(f, &plan, &e), 0);

	assert_int_equal(get_creds(f, &c, &e), -EACCES);
	assert_non_null(strstr(e.msg, "HTTP 401"));
	assert_int_equal(sim_counter(&f->sim, "ECS", "total"), 1); /* 4xx: not retried */

	write_file(path, ECS_TOKEN "\n"); /* re-read per fetch, newline stripped */
	assert_int_equal(get_creds(f, &c, &e), 0);
	assert_int_equal(list_services(f, NULL, 0), 0);
	creds_free(&c);

	write_file(path, "a\r\nInjected: " ECS_CANARY "\n");
	f->offset = 7200;
	assert_int_equal(get_creds(f, &c, &e), -EINVAL);
	assert_non_null(strstr(e.msg, path));
}

static void
test_ecs_url_refused(void **state)
{
	struct fixture *f = *state;
	struct creds_provider *p = NULL;
	struct err e;

	err_clear(&e);
	assert_int_equal(
		creds_provider_new_ecs(f->http, "http://10.1.2.3/creds", NULL, NULL, &p, &e),
		-EINVAL);
	assert_null(p);
	assert_non_null(strstr(e.msg, "not allowed"));
}

/* ---- IMDSv2 ----------------------------------------------------------------------------- */

static void
plan_imds(struct creds_plan *p, const char *url)
{
	plan_init(p, CREDS_SOURCE_IMDS, "test: IMDS");
	p->url = xstrdup(url);
}

static void
test_imds(void **state)
{
	struct fixture *f = *state;
	struct creds_plan plan;
	struct creds c1 = {0}, c2 = {0}, c3 = {0};
	char key[128];
	struct err e;

	assert_true(sim_do(&f->sim, "POST", "/_sim/settings", "{\"credential_seconds\": 1200}"));
	plan_imds(&plan, getenv("EC2SIM_IMDS"));
	assert_int_equal(build(f, &plan, &e), 0);

	/* Token PUT, role name, credentials. */
	assert_int_equal(list_services(f, NULL, 0), 0);
	assert_int_equal(sim_counter(&f->sim, "IMDS", "OK"), 3);
	assert_int_equal(get_creds(f, &c1, &e), 0);
	assert_true(c1.expiration <= time(NULL) + 1200);
	last_access_key(f, "DescribeVpcEndpointServiceConfigurations", key, sizeof(key));
	assert_string_equal(key, c1.access_key_id);

	/*
	 * The instance's credentials and our token both expire; 10 minutes
	 * later ours are in the mandatory window: the refresh gets a 401, PUTs
	 * a new token once and fetches the new credentials.
	 */
	assert_true(sim_do(&f->sim, "POST", "/_sim/credentials/expire", "{\"imds_tokens\": true}"));
	f->offset = c1.expiration - time(NULL) - CREDS_MANDATORY_SECS + 60;
	assert_int_equal(list_services(f, NULL, 0), 0);
	/* The refresh succeeded before the call was signed: EC2 refused nothing. */
	assert_int_equal(sim_counter(&f->sim, "DescribeVpcEndpointServiceConfigurations", "total"),
			 2);
	assert_int_equal(creds_cache_fetches(f->creds), 2);
	assert_int_equal(sim_counter(&f->sim, "IMDS", "401"), 1);
	assert_int_equal(sim_counter(&f->sim, "IMDS", "OK"), 6);
	assert_int_equal(get_creds(f, &c2, &e), 0);
	assert_string_not_equal(c1.access_key_id, c2.access_key_id);
	last_access_key(f, "DescribeVpcEndpointServiceConfigurations", key, sizeof(key));
	assert_string_equal(key, c2.access_key_id);

	/*
	 * Credentials revoked before their time (our clock says fresh): EC2
	 * refuses them, the cache refreshes once (token kept) and the call is
	 * retried once.
	 */
	assert_true(sim_do(&f->sim, "POST", "/_sim/credentials/expire", "{}"));
	assert_int_equal(list_services(f, NULL, 0), 0);
	assert_int_equal(sim_counter(&f->sim, "IMDS", "OK"), 8);
	assert_int_equal(
		sim_counter(&f->sim, "DescribeVpcEndpointServiceConfigurations", "RequestExpired"),
		1);
	assert_int_equal(creds_cache_fetches(f->creds), 3);
	assert_int_equal(sim_counter(&f->sim, "DescribeVpcEndpointServiceConfigurations", "OK"), 3);
	assert_int_equal(get_creds(f, &c3, &e), 0);
	assert_string_not_equal(c2.access_key_id, c3.access_key_id);
	creds_free(&c1);
	creds_free(&c2);
	creds_free(&c3);
}

static void
test_imds_token_refused(void **state)
{
	struct fixture *f = *state;
	struct creds_plan plan;
	struct creds c = {0};
	cJSON *faults;
	struct err e;

	assert_true(sim_do(&f->sim, "POST", "/_sim/faults",
			   "{\"kind\": \"error\", \"action\": \"IMDS\", \"status\": 403}"));
	plan_imds(&plan, getenv("EC2SIM_IMDS"));
	assert_int_equal(build(f, &plan, &e), 0);
	assert_int_equal(get_creds(f, &c, &e), -EREMOTEIO);
	assert_non_null(strstr(e.msg, "HTTP 403"));
	assert_non_null(strstr(e.msg, "IMDSv1 is not used"));
	/*
	 * The fault answered our PUT (and is used up); the sim does not count
	 * faulted requests, so any IMDSv1 GET after it would be the only one.
	 */
	faults = sim_call(&f->sim, "GET", "/_sim/faults", NULL);
	assert_non_null(faults);
	assert_int_equal(cJSON_GetArraySize(faults), 0);
	cJSON_Delete(faults);
	assert_int_equal(sim_counter(&f->sim, "IMDS", "total"), 0);
}

/* A loopback port nobody listens on. */
static int
closed_port(void)
{
	struct sockaddr_in sa = {0};
	socklen_t len = sizeof(sa);
	int fd = socket(AF_INET, SOCK_STREAM, 0), port;

	assert_true(fd >= 0);
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &len), 0);
	port = ntohs(sa.sin_port);
	close(fd);
	return port;
}

static void
test_imds_unreachable(void **state)
{
	struct fixture *f = *state;
	struct creds_plan plan;
	struct creds c = {0};
	char url[64], msg[ERR_MSG_MAX];
	struct err e;

	snprintf(url, sizeof(url), "http://127.0.0.1:%d", closed_port());
	plan_imds(&plan, url);
	assert_int_equal(build(f, &plan, &e), 0);
	/* Refused at once: an error, not a wait for a timeout. */
	assert_int_equal(get_creds(f, &c, &e), -ECONNREFUSED);
	assert_non_null(strstr(e.msg, url));
	assert_non_null(strstr(e.msg, "token request"));
	assert_int_equal(list_services(f, msg, sizeof(msg)), -ENOKEY);
	assert_non_null(strstr(msg, "IMDS"));
}

static void
test_imds_endpoint_refused(void **state)
{
	struct fixture *f = *state;
	struct creds_provider *p = NULL;
	struct err e;

	err_clear(&e);
	assert_int_equal(creds_provider_new_imds(f->http, "http://169.254.169.254/latest", &p, &e),
			 -EINVAL);
	err_clear(&e);
	assert_int_equal(creds_provider_new_imds(f->http, "ftp://169.254.169.254", &p, &e),
			 -EINVAL);
	assert_null(p);
	err_clear(&e);
	assert_int_equal(creds_provider_new_imds(f->http, "http://169.254.169.254/", &p, &e), 0);
	assert_string_equal(p->name, "IMDS http://169.254.169.254");
	creds_provider_free(p);
}

/* ---- building -------------------------------------------------------------------- */

static void
test_build_needs_region(void **state)
{
	struct fixture *f = *state;
	struct creds_plan plan;
	struct creds_cache *cc = NULL;
	char url[128];
	struct err e;

	plan_static(&plan);
	plan_hop(&plan, ROLE, NULL);
	err_clear(&e);
	assert_int_equal(creds_build(f->loop, f->http, NULL, NULL, &plan, &cc, &e), -EINVAL);
	assert_null(cc);
	assert_non_null(strstr(e.msg, "region"));
	creds_plan_free(&plan);

	err_clear(&e);
	assert_int_equal(creds_sts_endpoint("eu-west-1", url, sizeof(url), &e), 0);
	assert_string_equal(url, "https://sts.eu-west-1.amazonaws.com");
	assert_int_equal(creds_sts_endpoint("cn-north-1", url, sizeof(url), &e), 0);
	assert_string_equal(url, "https://sts.cn-north-1.amazonaws.com.cn");
	assert_int_equal(creds_sts_endpoint("evil.com/x", url, sizeof(url), &e), -EINVAL);
}

static void
test_session_names(void **state)
{
	(void)state;
	assert_true(creds_session_name_valid("ab"));
	assert_true(creds_session_name_valid("user@example.com,x=y+z_1-2"));
	assert_false(creds_session_name_valid("a"));
	assert_false(creds_session_name_valid("a b"));
	assert_false(creds_session_name_valid("a/b"));
	assert_true(creds_session_name_valid(
		"0123456789012345678901234567890123456789012345678901234567890123"));
	assert_false(creds_session_name_valid(
		"01234567890123456789012345678901234567890123456789012345678901234"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_assume_role_two_hops, setup, teardown),
		cmocka_unit_test_setup_teardown(test_waiters_share_one_refresh, setup, teardown),
		cmocka_unit_test_setup_teardown(test_assume_role_access_denied, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sts_throttling_retried, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sts_clock_skew_corrected, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sts_bad_hop_refused_at_build, setup, teardown),
		cmocka_unit_test_setup_teardown(test_web_identity, setup, teardown),
		cmocka_unit_test_setup_teardown(test_web_identity_token_echoed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ecs_token, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ecs_token_file, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ecs_url_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_imds, setup, teardown),
		cmocka_unit_test_setup_teardown(test_imds_token_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_imds_unreachable, setup, teardown),
		cmocka_unit_test_setup_teardown(test_imds_endpoint_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_build_needs_region, setup, teardown),
		cmocka_unit_test(test_session_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
