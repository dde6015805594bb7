/* SPDX-License-Identifier: ISC */
/*
 * Integration tests of the reconciler (observe → plan → apply → publish)
 * against ec2sim over HTTPS, run through tests/with-ec2sim.sh.
 *
 * Each test writes a configuration as YAML files, loads it with conf_load()
 * like the daemon does, drives cycles with reconciler_cycle() and then
 * checks three things that must agree: the cycle's result, what vpcesd
 * called (the sim's request log: exact numbers of mutating calls per action
 * and per service id) and what the account holds afterwards (GET
 * /_sim/state).  Time for backoff is the injected reconciler clock; sim time
 * is driven with its settings, never by sleeping.
 *
 * The crash between a create request and its answer (`vpcesd --once` killed
 * with SIGKILL) needs the daemon binary and is tested with it, not here.
 */
#include "config.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <ev.h>

#include "apply.h"
#include "aws.h"
#include "conf.h"
#include "creds.h"
#include "creds_provider.h"
#include "ec2.h"
#include "ec2_xml.h"
#include "http.h"
#include "log.h"
#include "model.h"
#include "plan.h"
#include "reconcile.h"
#include "state.h"
#include "status.h"
#include "support/sim.h"
#include "support/stack.h"
#include "writer.h"

#define LB_PREFIX "arn:aws:elasticloadbalancing:us-east-1:111122223333:loadbalancer/"
#define NLB_A     LB_PREFIX "net/nlb-a/0123456789abcdef"
#define NLB_B     LB_PREFIX "net/nlb-b/1123456789abcdef" /* dualstack */
#define NLB_C     LB_PREFIX "net/nlb-c/2123456789abcdef" /* dualstack */
#define NLB_D     LB_PREFIX "net/nlb-d/3123456789abcdef"
#define GWLB_A    LB_PREFIX "gwy/gwlb-a/4123456789abcdef"
#define P_ROOT    "arn:aws:iam::111122223333:root"
#define P_ROLE    "arn:aws:iam::444455556666:role/consumer"
#define P_OTHER   "arn:aws:iam::999988887777:root"
#define KEY_ID    "AKIDEXAMPLE"
#define SECRET    "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
#define OWNER     "test"
#define T0        1800000000 /* the injected wall clock starts here */
#define ID_MAX    64

#define CREATE   "CreateVpcEndpointServiceConfiguration"
#define MODIFY   "ModifyVpcEndpointServiceConfiguration"
#define PERMS    "ModifyVpcEndpointServicePermissions"
#define TAG      "CreateTags"
#define UNTAG    "DeleteTags"
#define ACCEPT   "AcceptVpcEndpointConnections"
#define REJECT   "RejectVpcEndpointConnections"
#define DELETE   "DeleteVpcEndpointServiceConfigurations"
#define DESCRIBE "DescribeVpcEndpointServiceConfigurations"
#define VERIFY   "StartVpcEndpointServicePrivateDnsVerification"
#define NFN_NEW  "CreateVpcEndpointConnectionNotification"
#define PAYER    "ModifyVpcEndpointServicePayerResponsibility"
#define NFN_DEL  "DeleteVpcEndpointConnectionNotifications"
#define TOPIC    "arn:aws:sns:us-east-1:111122223333:privatelink-events"
#define TOPIC_2  "arn:aws:sns:us-east-1:111122223333:alerts"

/* Three specs: NLB with principals + private DNS + tags, GWLB, NLB dualstack. */
#define THREE_SPECS                                          \
	"services:\n"                                        \
	"  - name: api-a\n"                                  \
	"    network_load_balancer_arns: [" NLB_A "]\n"      \
	"    acceptance_required: false\n"                   \
	"    allowed_principals: [" P_ROOT ", " P_ROLE "]\n" \
	"    private_dns_name: api.example.com\n"            \
	"    tags: {team: core, env: prod}\n"                \
	"  - name: gw\n"                                     \
	"    gateway_load_balancer_arns: [" GWLB_A "]\n"     \
	"  - name: dual\n"                                   \
	"    network_load_balancer_arns: [" NLB_B "]\n"      \
	"    supported_ip_address_types: [ipv4, ipv6]\n"

struct fixture {
	struct ev_loop *loop;
	struct sim sim;
	struct http_client *http;
	struct creds_cache *creds;
	struct aws_client *aws;
	struct reconciler *rec;
	struct writer *writer;
	struct vpcesd_config *cfg;
	int policy; /* --policy, applied to each configuration as the daemon does; -1: none */
	char state_path[320];
	time_t now;  /* the reconciler's wall clock */
	time_t tick; /* added to `now` each time the reconciler reads it */
	char dir[256];
	/* JSON plan output of a dry run (open_memstream). */
	FILE *plan_out;
	char *plan_text;
	size_t plan_len;
	/* The last cycle. */
	bool done;
	struct reconcile_result res;
	char first_error[512];
};

/* ---- fixture ------------------------------------------------------------- */

static double
no_jitter(void *arg)
{
	(void)arg;
	return 0.0;
}

static time_t
fake_now(void *arg)
{
	struct fixture *f = arg;

	f->now += f->tick;
	return f->now;
}

/* The aws observe hook, forwarded to the reconciler once there is one. */
static void
on_call(void *arg, const struct aws_call_record *rec)
{
	struct fixture *f = arg;

	if (f->rec)
		reconciler_observe_call(f->rec, rec);
}

/*
 * A new reconciler, as after a restart: from the state file the last one
 * wrote when `with_state`, from nothing (a first run, or a lost state
 * directory) otherwise.
 */
static void
restart(struct fixture *f, bool dry_run, int policy, bool with_state)
{
	struct reconciler_options o = {
		.loop = f->loop,
		.ec2 = f->aws,
		.writer = f->writer,
		.dry_run = dry_run,
		.plan_output = f->plan_out ? RECONCILE_OUTPUT_JSON : RECONCILE_OUTPUT_NONE,
		.plan_out = f->plan_out,
		.now = fake_now,
		.now_arg = f,
		.state_file = f->state_path,
	};
	struct state st;
	struct err e;

	reconciler_free(f->rec);
	f->rec = NULL;
	f->policy = policy;
	state_init(&st);
	err_clear(&e);
	if (with_state && state_read_file(f->state_path, &st, &e) < 0)
		fail_msg("state_read_file: %s", e.msg);
	err_clear(&e);
	if (reconciler_new(&o, &st, NULL, &f->rec, &e) < 0)
		fail_msg("reconciler_new: %s", e.msg);
	state_free(&st);
}

static void
new_reconciler(struct fixture *f, bool dry_run, int policy)
{
	restart(f, dry_run, policy, false);
}

/* The fixture's client stack, with `concurrency` requests in flight at most. */
static void
make_stack(struct fixture *f, unsigned concurrency)
{
	struct aws_client_options ao = {
		.endpoint = getenv("EC2SIM_ENDPOINT"),
		.region = "us-east-1",
		.service = "ec2",
		.version = EC2_API_VERSION,
		.max_attempts = 3,
		.concurrency = concurrency,
		.random01 = no_jitter,
		.observe = on_call,
		.observe_arg = f,
	};
	struct err e;

	stack_free(f->http, f->creds, f->aws);
	err_clear(&e);
	if (stack_new(f->loop, &ao, KEY_ID, SECRET, &f->http, &f->creds, &f->aws, &e) < 0)
		fail_msg("stack_new: %s", e.msg);
	if (f->rec)
		reconciler_set_ec2(f->rec, f->aws);
}

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	const char *base = getenv("EC2SIM_DIR");
	struct err e;

	if (getenv("EC2SIM_ENDPOINT") == NULL || base == NULL) {
		print_message("SKIP: run through tests/with-ec2sim.sh\n");
		free(f);
		return -1;
	}
	log_setup(LOG_TARGET_STDERR, LOG_WARNING);
	f->loop = ev_default_loop(0);
	f->now = T0;
	assert_true(sim_open(&f->sim, f->loop));
	assert_true(sim_do(&f->sim, "POST", "/_sim/reset", NULL));
	/* Services are Available at once; the consistency test changes that. */
	assert_true(sim_do(&f->sim, "POST", "/_sim/settings",
			   "{\"pending_seconds\": 0, \"consistency_seconds\": 0, "
			   "\"ignore_tag_filters\": 0, \"time_scale\": 1}"));
	make_stack(f, 8);
	snprintf(f->dir, sizeof(f->dir), "%s/reconcile.XXXXXX", base);
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->state_path, sizeof(f->state_path), "%s/state.json", f->dir);
	err_clear(&e);
	if (writer_new(f->loop, &f->writer, &e) < 0)
		fail_msg("writer_new: %s", e.msg);
	new_reconciler(f, false, -1);
	*state = f;
	return 0;
}

static void
remove_in(const char *dir, const char *name)
{
	char path[1024];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	(void)unlink(path);
}

static int
teardown(void **state)
{
	struct fixture *f = *state;
	char sub[300];

	reconciler_free(f->rec);
	writer_free(f->writer, 10.0);
	model_config_free(f->cfg);
	if (f->plan_out)
		fclose(f->plan_out);
	free(f->plan_text);
	stack_free(f->http, f->creds, f->aws);
	sim_close(&f->sim);
	snprintf(sub, sizeof(sub), "%s/services.d", f->dir);
	remove_in(sub, "services.yaml");
	(void)rmdir(sub);
	remove_in(f->dir, "vpcesd.yaml");
	remove_in(f->dir, "status.json");
	remove_in(f->dir, "state.json");
	(void)rmdir(f->dir);
	free(f);
	return 0;
}

/* ---- configuration ------------------------------------------------------- */

static void
write_file(const char *path, const char *text)
{
	FILE *fp = fopen(path, "w");

	assert_non_null(fp);
	assert_true(fputs(text, fp) >= 0);
	assert_int_equal(fclose(fp), 0);
}

/*
 * Write vpcesd.yaml (region, owner, status file + `settings`) and
 * services.d/services.yaml (`services`, may be NULL), then load them.
 */
static void
configure(struct fixture *f, const char *settings, const char *services)
{
	struct conf_diags d = CONF_DIAGS_INIT;
	struct vpcesd_config *cfg = NULL;
	char path[512], text[4096];

	snprintf(text, sizeof(text),
		 "region: us-east-1\nowner: " OWNER "\nstatus_file: %s/status.json\n%s", f->dir,
		 settings ? settings : "");
	snprintf(path, sizeof(path), "%s/vpcesd.yaml", f->dir);
	write_file(path, text);
	snprintf(path, sizeof(path), "%s/services.d", f->dir);
	assert_true(mkdir(path, 0755) == 0 || errno == EEXIST);
	snprintf(path, sizeof(path), "%s/services.d/services.yaml", f->dir);
	write_file(path, services ? services : "services: []\n");
	if (conf_load(f->dir, NULL, &cfg, &d) < 0) {
		for (size_t i = 0; i < d.lines.n; i++)
			print_error("%s\n", d.lines.v[i]);
		conf_diags_free(&d);
		fail_msg("the test configuration does not load");
	}
	conf_diags_free(&d);
	model_config_free(f->cfg);
	f->cfg = cfg;
}

/* ---- cycles --------------------------------------------------------------- */

static void
on_cycle(void *arg, const struct reconcile_result *res)
{
	struct fixture *f = arg;

	f->res = *res;
	snprintf(f->first_error, sizeof(f->first_error), "%s",
		 res->first_error ? res->first_error : "");
	f->res.first_error = NULL;
	f->done = true;
}

/*
 * A copy of the cycle's status file in $EC2SIM_DIR/status-samples, which
 * tests/with-ec2sim.sh validates against the published schema when the
 * tests are done: every status these tests produce is checked (13).
 */
static void
keep_status_sample(const struct fixture *f)
{
	static unsigned n;
	char from[320], to[512];
	FILE *in, *out;
	char chunk[8192];
	size_t len;

	snprintf(from, sizeof(from), "%s/status.json", f->dir);
	if ((in = fopen(from, "rb")) == NULL)
		return; /* a dry run writes none */
	snprintf(to, sizeof(to), "%s/status-samples", getenv("EC2SIM_DIR"));
	assert_true(mkdir(to, 0755) == 0 || errno == EEXIST);
	snprintf(to, sizeof(to), "%s/status-samples/%04u.json", getenv("EC2SIM_DIR"), n++);
	out = fopen(to, "wb");
	assert_non_null(out);
	while ((len = fread(chunk, 1, sizeof(chunk), in)) > 0)
		assert_int_equal(fwrite(chunk, 1, len, out), len);
	assert_int_equal(fclose(out), 0);
	fclose(in);
}

static void
cycle(struct fixture *f)
{
	struct err e;

	err_clear(&e);
	f->done = false;
	if (f->policy >= 0)
		f->cfg->policy = (enum model_policy)f->policy;
	if (reconciler_cycle(f->rec, f->cfg, on_cycle, f, &e) < 0)
		fail_msg("reconciler_cycle: %s", e.msg);
	assert_true(reconciler_busy(f->rec));
	while (!f->done)
		ev_run(f->loop, EVRUN_ONCE);
	assert_false(reconciler_busy(f->rec));
	assert_int_equal(aws_pending(f->aws), 0);
	/* Its files are written: what the next step reads is this cycle's. */
	assert_int_equal(writer_drain(f->writer, 30.0), 0);
	keep_status_sample(f);
}

/* Assert the numbers of the last cycle. */
static void
expect_result(const struct fixture *f, size_t planned, size_t applied, size_t failed, size_t held)
{
	const struct reconcile_result *r = &f->res;

	if (r->planned != planned || r->applied != applied || r->failed != failed ||
	    r->held != held)
		fail_msg("cycle %lu: planned %zu applied %zu failed %zu held %zu; expected %zu %zu "
			 "%zu %zu (first error: %s)",
			 r->cycle, r->planned, r->applied, r->failed, r->held, planned, applied,
			 failed, held, f->first_error);
	assert_true(r->observed);
	assert_int_equal(r->skipped, 0);
}

/* ---- the sim's request log ----------------------------------------------- */

static bool
is_mutating(const char *action)
{
	return strncmp(action, "Describe", 8) != 0;
}

/* The last sequence number in the log (0 when empty). */
static long
log_mark(struct fixture *f)
{
	cJSON *log = sim_call(&f->sim, "GET", "/_sim/log", NULL);
	const cJSON *last;
	long seq = 0;

	assert_non_null(log);
	last = cJSON_GetArrayItem(log, cJSON_GetArraySize(log) - 1);
	if (last)
		seq = (long)cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(last, "seq"));
	cJSON_Delete(log);
	return seq;
}

static cJSON *
log_since(struct fixture *f, long since)
{
	char path[64];
	cJSON *log;

	snprintf(path, sizeof(path), "/_sim/log?since=%ld", since);
	log = sim_call(&f->sim, "GET", path, NULL);
	assert_non_null(log);
	return log;
}

static const char *
entry_str(const cJSON *entry, const char *key)
{
	return cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(entry, key));
}

/* True when a request parameter of the entry has the value `id`. */
static bool
names_id(const cJSON *entry, const char *id)
{
	const cJSON *p;

	cJSON_ArrayForEach(p, cJSON_GetObjectItemCaseSensitive(entry, "params"))
	{
		const char *v = cJSON_GetStringValue(p);

		if (v && strcmp(v, id) == 0)
			return true;
	}
	return false;
}

/*
 * Mutating calls after `since`: of `action` (NULL: any), naming `id` (NULL:
 * any), answered with `code` (NULL: any outcome, "OK": success).
 */
static int
count_calls(struct fixture *f, long since, const char *action, const char *id, const char *code)
{
	cJSON *log = log_since(f, since);
	const cJSON *entry;
	int n = 0;

	cJSON_ArrayForEach(entry, log)
	{
		const char *a = entry_str(entry, "action");
		const char *c = entry_str(entry, "code");

		if (a == NULL || (action ? strcmp(a, action) != 0 : !is_mutating(a)))
			continue;
		if (id && !names_id(entry, id))
			continue;
		if (code && strcmp(code, c ? c : "OK") != 0)
			continue;
		n++;
	}
	cJSON_Delete(log);
	return n;
}

/* ---- the sim's state ----------------------------------------------------- */

static cJSON *
sim_state(struct fixture *f)
{
	cJSON *s = sim_call(&f->sim, "GET", "/_sim/state", NULL);

	assert_non_null(s);
	return s;
}

static const cJSON *
svc_by_id(const cJSON *state, const char *id)
{
	const cJSON *s;

	cJSON_ArrayForEach(s, cJSON_GetObjectItemCaseSensitive(state, "services"))
	{
		if (strcmp(entry_str(s, "id"), id) == 0)
			return s;
	}
	return NULL;
}

static const char *
tag_of(const cJSON *svc, const char *key)
{
	return entry_str(cJSON_GetObjectItemCaseSensitive(svc, "tags"), key);
}

/* Services tagged with owner and name. */
static int
count_named(const cJSON *state, const char *owner, const char *name)
{
	const cJSON *s;
	int n = 0;

	cJSON_ArrayForEach(s, cJSON_GetObjectItemCaseSensitive(state, "services"))
	{
		const char *o = tag_of(s, "vpcesd:owner"), *nm = tag_of(s, "vpcesd:name");

		n += o && nm && strcmp(o, owner) == 0 && strcmp(nm, name) == 0;
	}
	return n;
}

/* The one service owned by OWNER named `name` (fails unless exactly one). */
static const cJSON *
svc_named(const cJSON *state, const char *name)
{
	const cJSON *s;

	if (count_named(state, OWNER, name) != 1)
		fail_msg("expected exactly one service named %s, found %d", name,
			 count_named(state, OWNER, name));
	cJSON_ArrayForEach(s, cJSON_GetObjectItemCaseSensitive(state, "services"))
	{
		const char *o = tag_of(s, "vpcesd:owner"), *nm = tag_of(s, "vpcesd:name");

		if (o && nm && strcmp(o, OWNER) == 0 && strcmp(nm, name) == 0)
			return s;
	}
	return NULL;
}

static int
n_services(const cJSON *state)
{
	return cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(state, "services"));
}

/* A JSON string array equals the NULL-terminated list, as sets. */
static void
expect_set(const cJSON *svc, const char *key, ...)
{
	const cJSON *arr = cJSON_GetObjectItemCaseSensitive(svc, key);
	const char *want;
	va_list ap;
	int n = 0;

	assert_true(cJSON_IsArray(arr));
	va_start(ap, key);
	while ((want = va_arg(ap, const char *)) != NULL) {
		const cJSON *item;
		bool found = false;

		cJSON_ArrayForEach(item, arr)
		{
			found = found || strcmp(cJSON_GetStringValue(item), want) == 0;
		}
		if (!found)
			fail_msg("%s of %s lacks %s", key, entry_str(svc, "id"), want);
		n++;
	}
	va_end(ap);
	if (cJSON_GetArraySize(arr) != n)
		fail_msg("%s of %s has %d entries, expected %d", key, entry_str(svc, "id"),
			 cJSON_GetArraySize(arr), n);
}

/* The service's tags are exactly the NULL-terminated key, value, … list. */
static void
expect_tags(const cJSON *svc, ...)
{
	const cJSON *tags = cJSON_GetObjectItemCaseSensitive(svc, "tags");
	const char *key;
	va_list ap;
	int n = 0;

	va_start(ap, svc);
	while ((key = va_arg(ap, const char *)) != NULL) {
		const char *want = va_arg(ap, const char *), *have = entry_str(tags, key);

		if (have == NULL || strcmp(have, want) != 0)
			fail_msg("tag %s of %s is %s, expected %s", key, entry_str(svc, "id"),
				 have ? have : "(absent)", want);
		n++;
	}
	va_end(ap);
	assert_int_equal(cJSON_GetArraySize(tags), n);
}

static bool
acceptance(const cJSON *svc)
{
	return cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(svc, "acceptance_required"));
}

/* The JSON string array `key` of `svc` equals the set `sv` (order aside). */
static void
expect_strv_is(const cJSON *svc, const char *key, const struct strv *sv, const char *what)
{
	const cJSON *a = cJSON_GetObjectItemCaseSensitive(svc, key), *x;
	size_t n = 0;

	cJSON_ArrayForEach(x, a)
	{
		if (!cJSON_IsString(x) || !strv_contains(sv, x->valuestring))
			fail_msg("%s: %s %s in EC2, not in the status", what, key,
				 cJSON_IsString(x) ? x->valuestring : "?");
		n++;
	}
	if (n != sv->n)
		fail_msg("%s: %zu %s in the status, %zu in EC2", what, sv->n, key, n);
}

/*
 * 13: the status entry of `name` shows what EC2 holds (the sim's own view),
 * field by field: never the values a change just replaced.
 */
static void
expect_status_is_ec2(const struct status *st, const cJSON *sim, const char *name)
{
	const struct status_service *e = NULL;
	const cJSON *svc = svc_named(sim, name);
	const char *dns = entry_str(svc, "private_dns_name");

	for (size_t i = 0; i < st->n_services; i++)
		if (strcmp(st->services[i].name, name) == 0)
			e = &st->services[i];
	if (e == NULL)
		fail_msg("%s: no status entry", name);
	assert_string_equal(e->service_id, entry_str(svc, "id"));
	if (e->acceptance_required != acceptance(svc))
		fail_msg("%s: acceptance_required %d in the status, %d in EC2", name,
			 e->acceptance_required, acceptance(svc));
	expect_strv_is(svc, "supported_ip_address_types", &e->supported_ip_address_types, name);
	expect_strv_is(svc, "load_balancers", &e->load_balancer_arns, name);
	/* Principals are read for specs that name some; unknown is null, not a guess. */
	if (e->principals_known)
		expect_strv_is(svc, "allowed_principals", &e->allowed_principals, name);
	if ((dns == NULL) != (e->private_dns_name == NULL) ||
	    (dns && strcmp(dns, e->private_dns_name) != 0))
		fail_msg("%s: private DNS name %s in the status, %s in EC2", name,
			 e->private_dns_name ? e->private_dns_name : "none", dns ? dns : "none");
}

/* ---- sim set-up ------------------------------------------------------------ */

/* A service made behind vpcesd's back (admin bulk create); its id into `id`. */
static void
sim_service(struct fixture *f, const char *lb, const char *tags_json, char id[ID_MAX])
{
	char body[1024];
	cJSON *j;

	snprintf(body, sizeof(body), "{\"network_load_balancer_arn\": \"%s\", \"tags\": %s}", lb,
		 tags_json);
	j = sim_call(&f->sim, "POST", "/_sim/services", body);
	assert_non_null(j);
	snprintf(id, ID_MAX, "%s",
		 cJSON_GetStringValue(cJSON_GetArrayItem(
			 cJSON_GetObjectItemCaseSensitive(j, "service_ids"), 0)));
	cJSON_Delete(j);
	assert_int_equal(strncmp(id, "vpce-svc-", 9), 0);
}

static void
sim_owned(struct fixture *f, const char *lb, const char *name, char id[ID_MAX])
{
	char tags[256];

	snprintf(tags, sizeof(tags), "{\"vpcesd:owner\": \"" OWNER "\", \"vpcesd:name\": \"%s\"}",
		 name);
	sim_service(f, lb, tags, id);
}

static void
sim_patch(struct fixture *f, const char *id, const char *patch_json)
{
	char path[128];

	snprintf(path, sizeof(path), "/_sim/services/%s", id);
	assert_true(sim_do(&f->sim, "POST", path, patch_json));
}

static void
sim_fault(struct fixture *f, const char *json)
{
	assert_true(sim_do(&f->sim, "POST", "/_sim/faults", json));
}

/* A consumer endpoint connected to service `id`. */
static void
sim_connection(struct fixture *f, const char *id, const char *state, char vpce[ID_MAX])
{
	char body[256];
	cJSON *j;

	snprintf(body, sizeof(body), "{\"service_id\": \"%s\", \"state\": \"%s\"}", id, state);
	j = sim_call(&f->sim, "POST", "/_sim/connections", body);
	assert_non_null(j);
	snprintf(vpce, ID_MAX, "%s", entry_str(j, "vpc_endpoint_id"));
	cJSON_Delete(j);
}

/* A consumer endpoint of account `owner` connected to service `id`. */
static void
sim_connection_of(struct fixture *f, const char *id, const char *owner, const char *state,
		  char vpce[ID_MAX])
{
	char body[256];
	cJSON *j;

	snprintf(body, sizeof(body),
		 "{\"service_id\": \"%s\", \"owner\": \"%s\", \"state\": \"%s\"}", id, owner,
		 state);
	j = sim_call(&f->sim, "POST", "/_sim/connections", body);
	assert_non_null(j);
	snprintf(vpce, ID_MAX, "%s", entry_str(j, "vpc_endpoint_id"));
	cJSON_Delete(j);
}

/* The state of endpoint `vpce` in the sim. */
static void
expect_connection_state(struct fixture *f, const char *vpce, const char *want)
{
	cJSON *sim = sim_state(f);
	const cJSON *c;
	const char *have = NULL;

	cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(sim, "connections"))
	{
		if (strcmp(entry_str(c, "vpc_endpoint_id"), vpce) == 0)
			have = entry_str(c, "state");
	}
	if (have == NULL || strcmp(have, want) != 0)
		fail_msg("endpoint %s is %s, expected %s", vpce, have ? have : "(absent)", want);
	cJSON_Delete(sim);
}

static void
copy_id(const cJSON *svc, char id[ID_MAX])
{
	assert_non_null(svc);
	snprintf(id, ID_MAX, "%s", entry_str(svc, "id"));
}

/* ---- 1, 12: converge from empty, then nothing to do; the status ---------- */

static void
check_three(const cJSON *st)
{
	const cJSON *a = svc_named(st, "api-a"), *g = svc_named(st, "gw"),
		    *d = svc_named(st, "dual");

	assert_string_equal(entry_str(a, "state"), "Available");
	expect_set(a, "load_balancers", NLB_A, NULL);
	assert_false(acceptance(a));
	expect_set(a, "allowed_principals", P_ROOT, P_ROLE, NULL);
	assert_string_equal(entry_str(a, "private_dns_name"), "api.example.com");
	expect_set(a, "supported_ip_address_types", "ipv4", NULL);
	expect_tags(a, "vpcesd:owner", OWNER, "vpcesd:name", "api-a", "env", "prod", "team", "core",
		    NULL);

	assert_string_equal(entry_str(g, "type"), "GatewayLoadBalancer");
	expect_set(g, "load_balancers", GWLB_A, NULL);
	assert_true(acceptance(g));
	expect_set(g, "allowed_principals", NULL);
	assert_null(entry_str(g, "private_dns_name"));
	expect_tags(g, "vpcesd:owner", OWNER, "vpcesd:name", "gw", NULL);

	expect_set(d, "load_balancers", NLB_B, NULL);
	assert_true(acceptance(d));
	expect_set(d, "supported_ip_address_types", "ipv4", "ipv6", NULL);
	expect_tags(d, "vpcesd:owner", OWNER, "vpcesd:name", "dual", NULL);
}

static const struct status_service *
status_of(const struct status *st, const char *name)
{
	for (size_t i = 0; i < st->n_services; i++)
		if (strcmp(st->services[i].name, name) == 0)
			return &st->services[i];
	fail_msg("no status for %s", name);
	return NULL;
}

static void
test_converge_from_empty(void **state)
{
	struct fixture *f = *state;
	const char *names[] = {"api-a", "dual", "gw"}; /* status order */
	const struct status *st;
	cJSON *sim, *file;
	char path[512];
	long mark;

	configure(f, NULL, THREE_SPECS);
	cycle(f);
	expect_result(f, 3, 3, 0, 0);
	assert_int_equal(f->res.services, 3);
	assert_int_equal(f->res.converged_services, 0);
	assert_int_equal(count_calls(f, 0, CREATE, NULL, "OK"), 3);
	assert_int_equal(count_calls(f, 0, PERMS, NULL, "OK"), 1);
	assert_int_equal(count_calls(f, 0, NULL, NULL, NULL), 4);
	sim = sim_state(f);
	assert_int_equal(n_services(sim), 3);
	check_three(sim);
	assert_int_equal(count_calls(f, 0, PERMS, entry_str(svc_named(sim, "api-a"), "id"), "OK"),
			 1);

	/*
	 * The status right after the creates: new ids and names, and the
	 * values EC2 shows for them (each create is read back), not defaults.
	 */
	st = reconciler_status(f->rec);
	assert_int_equal(st->n_services, 3);
	for (size_t i = 0; i < 3; i++) {
		const struct status_service *s = &st->services[i];

		assert_string_equal(s->name, names[i]);
		assert_string_equal(s->service_id, entry_str(svc_named(sim, names[i]), "id"));
		assert_non_null(s->service_name);
		assert_string_equal(s->state, entry_str(svc_named(sim, names[i]), "state"));
		assert_int_equal(s->observed_at, T0);
		assert_false(s->stale);
		assert_false(s->converged);
		assert_non_null(s->last_change);
	}
	assert_false(status_of(st, "api-a")->acceptance_required);
	assert_true(status_of(st, "gw")->acceptance_required);
	assert_int_equal(status_of(st, "dual")->supported_ip_address_types.n, 2);
	assert_string_equal(status_of(st, "api-a")->private_dns_name, "api.example.com");
	for (size_t i = 0; i < 3; i++)
		expect_status_is_ec2(st, sim, names[i]);
	assert_int_equal(st->health, STATUS_PENDING);
	assert_non_null(strstr(st->health_reason, "3 changes made"));
	/* 13: changes made are not verified yet: not "converged". */
	assert_int_equal(reconcile_exit_code(&f->res, false), RECONCILE_EXIT_PENDING);

	/* Second cycle: nothing to do, not a single mutating call. */
	mark = log_mark(f);
	cycle(f);
	expect_result(f, 0, 0, 0, 0);
	assert_int_equal(f->res.converged_services, 3);
	assert_int_equal(reconcile_exit_code(&f->res, false), 0);
	assert_int_equal(count_calls(f, mark, NULL, NULL, NULL), 0);

	/* 12: the status names every service as EC2 does. */
	st = reconciler_status(f->rec);
	assert_int_equal(st->health, STATUS_CONVERGED);
	assert_int_equal(st->n_services, 3);
	for (size_t i = 0; i < 3; i++) {
		const struct status_service *s = status_of(st, names[i]);
		const char *id = entry_str(svc_named(sim, names[i]), "id");
		char want[128];

		assert_string_equal(s->service_id, id);
		snprintf(want, sizeof(want), "com.amazonaws.vpce.us-east-1.%s", id);
		assert_string_equal(s->service_name, want);
		assert_string_equal(s->state, "Available");
		assert_int_equal(s->base_endpoint_dns_names.n, 1);
		snprintf(want, sizeof(want), "%s.us-east-1.vpce.amazonaws.com", id);
		assert_string_equal(s->base_endpoint_dns_names.v[0], want);
		assert_true(s->converged);
		assert_null(s->held);
		assert_null(s->last_error);
		assert_int_equal(s->consecutive_failures, 0);
	}
	assert_true(status_of(st, "api-a")->principals_known);
	assert_int_equal(status_of(st, "api-a")->allowed_principals.n, 2);
	assert_string_equal(status_of(st, "api-a")->private_dns_name, "api.example.com");
	assert_string_equal(status_of(st, "dual")->supported_ip_address_types.v[1], "ipv6");
	assert_true(st->cycle.observed);
	assert_true(st->n_api > 0);

	{
		struct buf b;

		buf_init(&b, 1 << 20);
		assert_int_equal(status_json(st, &b), 0);
		assert_non_null(strstr(b.data, entry_str(svc_named(sim, "gw"), "id")));
		buf_free(&b);
	}

	/* …and the status file the cycle wrote says the same. */
	snprintf(path, sizeof(path), "%s/status.json", f->dir);
	{
		FILE *fp = fopen(path, "r");
		char buf[65536];
		size_t n;

		assert_non_null(fp);
		n = fread(buf, 1, sizeof(buf) - 1, fp);
		fclose(fp);
		buf[n] = '\0';
		file = cJSON_Parse(buf);
	}
	assert_non_null(file);
	assert_string_equal(entry_str(file, "health"), "converged");
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(file, "services")), 3);
	assert_string_equal(
		entry_str(cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(file, "services"), 0),
			  "service_name"),
		status_of(st, "api-a")->service_name);
	cJSON_Delete(file);
	cJSON_Delete(sim);
}

/* ---- 2: every field drifted out of band is repaired ---------------------- */

struct op_wait {
	bool done;
	int r;
};

static void
on_modified(void *arg, struct ec2_result *res, const struct aws_response *resp)
{
	struct op_wait *w = arg;

	w->done = true;
	w->r = resp->r;
	if (res)
		ec2_result_free(res);
}

static void
test_drift_repaired(void **state)
{
	struct fixture *f = *state;
	char a_id[ID_MAX], g_id[ID_MAX], d_id[ID_MAX], body[1024];
	struct ec2_modify_service_params mp = {.remove_private_dns_name = true};
	struct op_wait w = {0};
	cJSON *sim;
	struct err e;
	long mark;

	configure(f, NULL, THREE_SPECS);
	cycle(f);
	expect_result(f, 3, 3, 0, 0);
	sim = sim_state(f);
	copy_id(svc_named(sim, "api-a"), a_id);
	copy_id(svc_named(sim, "gw"), g_id);
	copy_id(svc_named(sim, "dual"), d_id);
	cJSON_Delete(sim);

	/* Someone edits every field in the console… */
	snprintf(body, sizeof(body),
		 "{\"acceptance_required\": true, \"allowed_principals\": [\"" P_ROOT
		 "\", \"" P_OTHER "\"], \"tags\": {\"vpcesd:owner\": \"" OWNER
		 "\", \"vpcesd:name\": \"api-a\", \"env\": \"dev\", \"extra\": \"x\"}}");
	sim_patch(f, a_id, body);
	sim_patch(f, d_id, "{\"supported_ip_address_types\": [\"ipv4\"]}");
	/* …removes the private DNS name with another tool… */
	mp.service_id = a_id;
	err_clear(&e);
	assert_int_equal(ec2_modify_service(f->aws, &mp, on_modified, &w, NULL, &e), 0);
	while (!w.done)
		ev_run(f->loop, EVRUN_ONCE);
	assert_int_equal(w.r, 0);
	/* …and changes the GWLB service right while vpcesd lists. */
	snprintf(body, sizeof(body),
		 "{\"kind\": \"oob\", \"action\": \"" DESCRIBE "\", \"service_id\": \"%s\", "
		 "\"patch\": {\"acceptance_required\": false}}",
		 g_id);
	sim_fault(f, body);

	mark = log_mark(f);
	cycle(f);
	/* api-a: config, permissions, tags, untag; dual: ip types; gw: acceptance. */
	expect_result(f, 6, 6, 0, 0);
	sim = sim_state(f);
	/* 13: in the cycle that repaired them, the status shows the repaired values. */
	for (const char *const *n = (const char *const[]){"api-a", "dual", "gw", NULL}; *n; n++)
		expect_status_is_ec2(reconciler_status(f->rec), sim, *n);
	assert_true(status_of(reconciler_status(f->rec), "api-a")->principals_known);
	cJSON_Delete(sim);
	assert_int_equal(count_calls(f, mark, MODIFY, a_id, "OK"), 1);
	assert_int_equal(count_calls(f, mark, MODIFY, d_id, "OK"), 1);
	assert_int_equal(count_calls(f, mark, MODIFY, g_id, "OK"), 1);
	assert_int_equal(count_calls(f, mark, PERMS, a_id, "OK"), 1);
	assert_int_equal(count_calls(f, mark, TAG, a_id, "OK"), 1);
	assert_int_equal(count_calls(f, mark, UNTAG, a_id, "OK"), 1);
	assert_int_equal(count_calls(f, mark, NULL, NULL, NULL), 6);
	sim = sim_state(f);
	check_three(sim);
	cJSON_Delete(sim);

	mark = log_mark(f);
	cycle(f);
	expect_result(f, 0, 0, 0, 0);
	assert_int_equal(f->res.converged_services, 3);
	assert_int_equal(count_calls(f, mark, NULL, NULL, NULL), 0);
}

/* A failed change stops its service's chain, and only that chain. */
static void
test_chain_stops_at_failure(void **state)
{
	struct fixture *f = *state;
	char a_id[ID_MAX], g_id[ID_MAX];
	cJSON *sim;
	long mark;

	configure(f, NULL, THREE_SPECS);
	cycle(f);
	expect_result(f, 3, 3, 0, 0);
	sim = sim_state(f);
	copy_id(svc_named(sim, "api-a"), a_id);
	copy_id(svc_named(sim, "gw"), g_id);
	cJSON_Delete(sim);
	sim_patch(f, a_id,
		  "{\"allowed_principals\": [\"" P_ROOT "\"], \"tags\": {\"vpcesd:owner\": "
		  "\"" OWNER "\", \"vpcesd:name\": \"api-a\", \"env\": \"prod\", \"team\": "
		  "\"core\", \"extra\": \"x\"}}");
	sim_patch(f, g_id, "{\"acceptance_required\": false}");
	sim_fault(f, "{\"kind\": \"error\", \"action\": \"" PERMS "\", \"code\": "
		     "\"UnauthorizedOperation\", \"status\": 403, \"count\": 1}");
	mark = log_mark(f);
	cycle(f);
	assert_true(f->res.observed);
	assert_int_equal(f->res.planned, 3); /* api-a: permissions, untag; gw: modify */
	assert_int_equal(f->res.applied, 1);
	assert_int_equal(f->res.failed, 1);
	assert_int_equal(f->res.skipped, 1);
	assert_int_equal(reconcile_exit_code(&f->res, false), 2);
	assert_int_equal(count_calls(f, mark, PERMS, a_id, "UnauthorizedOperation"), 1);
	assert_int_equal(count_calls(f, mark, UNTAG, NULL, NULL), 0);
	assert_int_equal(count_calls(f, mark, MODIFY, g_id, "OK"), 1);
	assert_int_equal(count_calls(f, mark, NULL, NULL, NULL), 2);
	sim = sim_state(f);
	assert_true(acceptance(svc_by_id(sim, g_id)));
	assert_string_equal(tag_of(svc_by_id(sim, a_id), "extra"), "x");
	cJSON_Delete(sim);
	assert_int_equal(status_of(reconciler_status(f->rec), "api-a")->consecutive_failures, 1);
	assert_int_equal(status_of(reconciler_status(f->rec), "gw")->consecutive_failures, 0);
}

/* ---- 3: foreign and unowned services are never touched ------------------- */

static void
test_foreign_untouched(void **state)
{
	struct fixture *f = *state;
	char foreign[ID_MAX], unowned[ID_MAX], nameonly[ID_MAX];
	cJSON *sim, *settings;

	/* A server that ignores the tag filter lists every service. */
	settings = sim_call(&f->sim, "POST", "/_sim/settings", "{\"ignore_tag_filters\": 1}");
	assert_non_null(settings);
	assert_int_equal(cJSON_GetNumberValue(
				 cJSON_GetObjectItemCaseSensitive(settings, "ignore_tag_filters")),
			 1);
	cJSON_Delete(settings);
	/* Staged through the admin API, which lets them share NLB_D; EC2 would not. */
	sim_service(f, NLB_D, "{\"vpcesd:owner\": \"other\", \"vpcesd:name\": \"api-a\"}", foreign);
	sim_service(f, NLB_D, "{}", unowned);
	sim_service(f, NLB_D, "{\"vpcesd:name\": \"api-a\"}", nameonly);
	configure(f, "policy: sync\n",
		  "services:\n"
		  "  - name: api-a\n"
		  "    network_load_balancer_arns: [" NLB_A "]\n"
		  "    acceptance_required: false\n"
		  "    allowed_principals: [" P_ROOT "]\n");

	for (int i = 0; i < 2; i++) {
		cycle(f);
		if (i == 0)
			expect_result(f, 1, 1, 0, 0);
		else
			expect_result(f, 0, 0, 0, 0);
	}
	assert_int_equal(f->res.converged_services, 1);
	assert_int_equal(count_calls(f, 0, CREATE, NULL, "OK"), 1);
	assert_int_equal(count_calls(f, 0, NULL, foreign, NULL), 0);
	assert_int_equal(count_calls(f, 0, NULL, unowned, NULL), 0);
	assert_int_equal(count_calls(f, 0, NULL, nameonly, NULL), 0);
	assert_int_equal(count_calls(f, 0, "DescribeVpcEndpointServicePermissions", foreign, NULL),
			 0);
	sim = sim_state(f);
	assert_int_equal(n_services(sim), 4);
	expect_tags(svc_by_id(sim, foreign), "vpcesd:owner", "other", "vpcesd:name", "api-a", NULL);
	assert_true(acceptance(svc_by_id(sim, foreign)));
	expect_tags(svc_by_id(sim, unowned), NULL);
	expect_tags(svc_by_id(sim, nameonly), "vpcesd:name", "api-a", NULL);
	assert_false(acceptance(svc_named(sim, "api-a")));
	cJSON_Delete(sim);
}

/* ---- 4: adopt --------------------------------------------------------------- */

static void
test_adopt(void **state)
{
	struct fixture *f = *state;
	char id[ID_MAX], services[1024];
	cJSON *sim;
	long mark;

	sim_service(f, NLB_C, "{\"console\": \"yes\"}", id);
	snprintf(services, sizeof(services),
		 "services:\n"
		 "  - name: adopted\n"
		 "    adopt: %s\n"
		 "    network_load_balancer_arns: [" NLB_C "]\n"
		 "    allowed_principals: [" P_ROLE "]\n"
		 "    tags: {team: core}\n",
		 id);
	configure(f, "policy: sync\n", services);
	cycle(f);
	/* Ownership tags, principals, user tags, the console's tag removed. */
	expect_result(f, 4, 4, 0, 0);
	assert_int_equal(count_calls(f, 0, TAG, id, "OK"), 2);
	assert_int_equal(count_calls(f, 0, PERMS, id, "OK"), 1);
	assert_int_equal(count_calls(f, 0, UNTAG, id, "OK"), 1);
	assert_int_equal(count_calls(f, 0, NULL, NULL, NULL), 4);
	assert_int_equal(count_calls(f, 0, CREATE, NULL, NULL), 0);
	sim = sim_state(f);
	assert_int_equal(n_services(sim), 1);
	expect_tags(svc_by_id(sim, id), "vpcesd:owner", OWNER, "vpcesd:name", "adopted", "team",
		    "core", NULL);
	expect_set(svc_by_id(sim, id), "allowed_principals", P_ROLE, NULL);
	cJSON_Delete(sim);

	/* Adopted: listed as ours and looked up by id, still one service, nothing to do. */
	mark = log_mark(f);
	cycle(f);
	expect_result(f, 0, 0, 0, 0);
	assert_int_equal(f->res.converged_services, 1);
	assert_int_equal(count_calls(f, mark, NULL, NULL, NULL), 0);
	assert_int_equal(count_calls(f, mark, "DescribeVpcEndpointServicePermissions", id, NULL),
			 1);
	assert_string_equal(status_of(reconciler_status(f->rec), "adopted")->service_id, id);
}

/* An owned service under the name of a spec that adopts another one: a duplicate. */
static void
test_adopt_replaces_owned(void **state)
{
	struct fixture *f = *state;
	char target[ID_MAX], mine[ID_MAX], services[1024];
	cJSON *sim;

	sim_service(f, NLB_C, "{}", target);
	sim_owned(f, NLB_C, "adopted", mine);
	snprintf(services, sizeof(services),
		 "services:\n"
		 "  - name: adopted\n"
		 "    adopt: %s\n"
		 "    network_load_balancer_arns: [" NLB_C "]\n",
		 target);
	configure(f, "policy: sync\n", services);
	cycle(f);
	expect_result(f, 2, 2, 0, 0);
	assert_int_equal(count_calls(f, 0, TAG, target, "OK"), 1);
	assert_int_equal(count_calls(f, 0, DELETE, mine, "OK"), 1);
	assert_int_equal(count_calls(f, 0, NULL, NULL, NULL), 2);
	sim = sim_state(f);
	assert_int_equal(n_services(sim), 1);
	expect_tags(svc_by_id(sim, target), "vpcesd:owner", OWNER, "vpcesd:name", "adopted", NULL);
	cJSON_Delete(sim);
}

static void
test_adopt_foreign_refused(void **state)
{
	struct fixture *f = *state;
	char id[ID_MAX], services[1024];
	cJSON *sim;

	sim_service(f, NLB_C, "{\"vpcesd:owner\": \"other\", \"vpcesd:name\": \"theirs\"}", id);
	snprintf(services, sizeof(services),
		 "services:\n"
		 "  - name: stolen\n"
		 "    adopt: %s\n"
		 "    network_load_balancer_arns: [" NLB_C "]\n"
		 "    acceptance_required: false\n",
		 id);
	configure(f, "policy: sync\n", services);
	cycle(f);
	expect_result(f, 0, 0, 0, 1);
	assert_int_equal(reconcile_exit_code(&f->res, false), 2);
	assert_int_equal(count_calls(f, 0, NULL, NULL, NULL), 0);
	assert_non_null(status_of(reconciler_status(f->rec), "stolen")->held);
	sim = sim_state(f);
	expect_tags(svc_by_id(sim, id), "vpcesd:owner", "other", "vpcesd:name", "theirs", NULL);
	assert_true(acceptance(svc_by_id(sim, id)));
	cJSON_Delete(sim);
}

/* ---- 5: policies -------------------------------------------------------------- */

#define KEEP_AND_NEW                                    \
	"services:\n"                                   \
	"  - name: keep\n"                              \
	"    network_load_balancer_arns: [" NLB_A "]\n" \
	"    acceptance_required: false\n"              \
	"  - name: new\n"                               \
	"    network_load_balancer_arns: [" NLB_B "]\n"

/*
 * An owned service no spec wants ("old"), an owned one drifted from its spec
 * ("keep": acceptance true, spec false) and a spec with no service ("new").
 */
static void
policy_scene(struct fixture *f, const char *settings, char old[ID_MAX], char keep[ID_MAX])
{
	sim_owned(f, NLB_D, "old", old);
	sim_owned(f, NLB_A, "keep", keep);
	configure(f, settings, KEEP_AND_NEW);
}

static void
test_policy_sync(void **state)
{
	struct fixture *f = *state;
	char old[ID_MAX], keep[ID_MAX];
	cJSON *sim;

	policy_scene(f, "policy: sync\n", old, keep);
	cycle(f);
	expect_result(f, 3, 3, 0, 0);
	assert_int_equal(count_calls(f, 0, DELETE, old, "OK"), 1);
	assert_int_equal(count_calls(f, 0, MODIFY, keep, "OK"), 1);
	assert_int_equal(count_calls(f, 0, CREATE, NULL, "OK"), 1);
	assert_int_equal(count_calls(f, 0, NULL, NULL, NULL), 3);
	sim = sim_state(f);
	assert_null(svc_by_id(sim, old));
	assert_false(acceptance(svc_by_id(sim, keep)));
	assert_int_equal(count_named(sim, OWNER, "new"), 1);
	assert_int_equal(n_services(sim), 2);
	cJSON_Delete(sim);
}

static void
test_policy_upsert_only(void **state)
{
	struct fixture *f = *state;
	char old[ID_MAX], keep[ID_MAX];
	const struct status *st;
	cJSON *sim;

	policy_scene(f, "policy: upsert-only\n", old, keep);
	cycle(f);
	expect_result(f, 2, 2, 0, 1);
	assert_int_equal(count_calls(f, 0, DELETE, NULL, NULL), 0);
	assert_int_equal(count_calls(f, 0, MODIFY, keep, "OK"), 1);
	assert_int_equal(count_calls(f, 0, CREATE, NULL, "OK"), 1);
	assert_int_equal(count_calls(f, 0, NULL, old, NULL), 0);
	assert_int_equal(count_calls(f, 0, NULL, NULL, NULL), 2);
	sim = sim_state(f);
	assert_non_null(svc_by_id(sim, old));
	assert_false(acceptance(svc_by_id(sim, keep)));
	cJSON_Delete(sim);
	/* Changes were made: not verified yet. */
	assert_int_equal(reconcile_exit_code(&f->res, false), RECONCILE_EXIT_PENDING);

	/*
	 * 13: once they are, the service no spec names is retained, as the
	 * policy says: listed so, with its reason, and no problem.
	 */
	cycle(f);
	expect_result(f, 0, 0, 0, 1);
	assert_int_equal(f->res.retained, 1);
	assert_int_equal(reconcile_exit_code(&f->res, false), RECONCILE_EXIT_CONVERGED);
	st = reconciler_status(f->rec);
	assert_true(status_of(st, "old")->retained);
	assert_string_equal(status_of(st, "old")->service_id, old);
	assert_false(status_of(st, "old")->converged);
	assert_non_null(strstr(status_of(st, "old")->held, "policy upsert-only does not delete"));
	assert_false(status_of(st, "keep")->retained);
	assert_int_equal(st->health, STATUS_CONVERGED);
	assert_string_equal(st->health_reason,
			    "every service equals its spec; 1 retained by the policy");
}

static void
test_policy_create_only(void **state)
{
	struct fixture *f = *state;
	char old[ID_MAX], keep[ID_MAX];
	cJSON *sim;

	policy_scene(f, "policy: create-only\n", old, keep);
	cycle(f);
	expect_result(f, 1, 1, 0, 2);
	assert_int_equal(count_calls(f, 0, CREATE, NULL, "OK"), 1);
	assert_int_equal(count_calls(f, 0, NULL, NULL, NULL), 1);
	sim = sim_state(f);
	assert_non_null(svc_by_id(sim, old));
	assert_true(acceptance(svc_by_id(sim, keep)));
	cJSON_Delete(sim);
}

/* --policy overrides the configuration, both ways. */
static void
test_policy_override(void **state)
{
	struct fixture *f = *state;
	char old[ID_MAX], keep[ID_MAX], old2[ID_MAX];
	cJSON *sim;

	policy_scene(f, "policy: upsert-only\n", old, keep);
	new_reconciler(f, false, MODEL_POLICY_SYNC);
	cycle(f);
	expect_result(f, 3, 3, 0, 0);
	assert_int_equal(count_calls(f, 0, DELETE, old, "OK"), 1);
	sim = sim_state(f);
	assert_null(svc_by_id(sim, old));
	cJSON_Delete(sim);

	sim_owned(f, NLB_D, "old2", old2);
	configure(f, "policy: sync\n", KEEP_AND_NEW);
	new_reconciler(f, false, MODEL_POLICY_CREATE_ONLY);
	cycle(f);
	expect_result(f, 0, 0, 0, 1);
	assert_int_equal(count_calls(f, 0, DELETE, old2, NULL), 0);
}

/*
 * A Failed service: deleted under sync when no spec wants it (its
 * connections must be read for that), held when a spec does.
 */
static void
test_failed_services(void **state)
{
	struct fixture *f = *state;
	char old[ID_MAX], bad[ID_MAX];
	cJSON *sim;

	sim_owned(f, NLB_D, "old", old);
	sim_owned(f, NLB_A, "keep", bad);
	sim_patch(f, old, "{\"state\": \"Failed\"}");
	sim_patch(f, bad, "{\"state\": \"Failed\"}");
	configure(f, "policy: sync\n",
		  "services:\n"
		  "  - name: keep\n"
		  "    network_load_balancer_arns: [" NLB_A "]\n"
		  "    acceptance_required: false\n");
	cycle(f);
	expect_result(f, 1, 1, 0, 1);
	assert_int_equal(count_calls(f, 0, "DescribeVpcEndpointConnections", old, "OK"), 1);
	assert_int_equal(count_calls(f, 0, DELETE, old, "OK"), 1);
	assert_int_equal(count_calls(f, 0, NULL, bad, NULL), 0);
	assert_int_equal(count_calls(f, 0, NULL, NULL, NULL), 1);
	assert_non_null(status_of(reconciler_status(f->rec), "keep")->held);
	sim = sim_state(f);
	assert_null(svc_by_id(sim, old));
	assert_true(acceptance(svc_by_id(sim, bad)));
	cJSON_Delete(sim);
}

/* ---- 6: delete guard, reject, valve ------------------------------------------ */

static void
test_delete_guard(void **state)
{
	struct fixture *f = *state;
	char old[ID_MAX], vpce[ID_MAX];
	cJSON *sim;
	long mark;

	sim_owned(f, NLB_D, "old", old);
	sim_connection(f, old, "available", vpce);
	/* An empty desired state on purpose: the connections are the guard here. */
	configure(f, "policy: sync\ndelete:\n  allow_empty: true\n", NULL);
	cycle(f);
	expect_result(f, 0, 0, 0, 1);
	assert_int_equal(count_calls(f, 0, NULL, NULL, NULL), 0);
	assert_int_equal(count_calls(f, 0, "DescribeVpcEndpointConnections", old, "OK"), 1);
	sim = sim_state(f);
	assert_non_null(svc_by_id(sim, old));
	cJSON_Delete(sim);

	/* With reject_connections: reject the endpoint, then delete. */
	configure(f, "policy: sync\ndelete:\n  reject_connections: true\n  allow_empty: true\n",
		  NULL);
	mark = log_mark(f);
	cycle(f);
	expect_result(f, 2, 2, 0, 0);
	assert_int_equal(count_calls(f, mark, REJECT, old, "OK"), 1);
	assert_int_equal(count_calls(f, mark, REJECT, vpce, "OK"), 1);
	assert_int_equal(count_calls(f, mark, DELETE, old, "OK"), 1);
	assert_int_equal(count_calls(f, mark, NULL, NULL, NULL), 2);
	sim = sim_state(f);
	assert_null(svc_by_id(sim, old));
	assert_string_equal(
		entry_str(
			cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(sim, "connections"), 0),
			"state"),
		"rejected");
	cJSON_Delete(sim);
}

static void
test_delete_valve(void **state)
{
	struct fixture *f = *state;
	char old[3][ID_MAX];
	cJSON *sim;
	long mark;

	sim_owned(f, NLB_D, "old-1", old[0]);
	sim_owned(f, NLB_D, "old-2", old[1]);
	sim_owned(f, NLB_D, "old-3", old[2]);
	configure(f, "policy: sync\ndelete:\n  max_per_cycle: 2\n  allow_empty: true\n", NULL);
	cycle(f);
	expect_result(f, 0, 0, 0, 3);
	assert_int_equal(count_calls(f, 0, NULL, NULL, NULL), 0);
	/* Held by the valve is not converged: someone has to look. */
	assert_int_equal(reconciler_status(f->rec)->health, STATUS_DEGRADED);
	/* 13: each held delete is on its service, with the reason, and so is the health's. */
	for (size_t i = 0; i < 3; i++) {
		char name[16];
		const struct status_service *e;

		snprintf(name, sizeof(name), "old-%zu", i + 1);
		e = status_of(reconciler_status(f->rec), name);
		assert_non_null(e);
		assert_string_equal(e->service_id, old[i]);
		assert_false(e->converged);
		assert_false(e->retained);
		assert_non_null(e->held);
		assert_non_null(strstr(e->held, "delete.max_per_cycle (2)"));
	}
	assert_non_null(strstr(reconciler_status(f->rec)->health_reason, "3 held: old-1: "));

	/* One of them goes to another owner: two deletes fit the valve. */
	sim_patch(f, old[2],
		  "{\"tags\": {\"vpcesd:owner\": \"other\", \"vpcesd:name\": \"old-3\"}}");
	mark = log_mark(f);
	cycle(f);
	expect_result(f, 2, 2, 0, 0);
	assert_int_equal(count_calls(f, mark, DELETE, old[0], "OK"), 1);
	assert_int_equal(count_calls(f, mark, DELETE, old[1], "OK"), 1);
	assert_int_equal(count_calls(f, mark, NULL, old[2], NULL), 0);
	assert_int_equal(count_calls(f, mark, NULL, NULL, NULL), 2);
	sim = sim_state(f);
	assert_int_equal(n_services(sim), 1);
	assert_non_null(svc_by_id(sim, old[2]));
	cJSON_Delete(sim);
}

/* ---- 7: duplicates -------------------------------------------------------------- */

static void
test_duplicates(void **state)
{
	struct fixture *f = *state;
	char a[ID_MAX], b[ID_MAX];
	const char *keeper, *dup;
	const char *spec = "services:\n"
			   "  - name: dup\n"
			   "    network_load_balancer_arns: [" NLB_A "]\n";
	cJSON *sim;
	long mark;

	sim_owned(f, NLB_A, "dup", a);
	sim_owned(f, NLB_A, "dup", b);
	keeper = strcmp(a, b) < 0 ? a : b; /* both Available: the smaller id stays */
	dup = keeper == a ? b : a;

	configure(f, NULL, spec); /* upsert-only: reported, kept */
	cycle(f);
	expect_result(f, 0, 0, 0, 1);
	assert_int_equal(count_calls(f, 0, NULL, NULL, NULL), 0);
	assert_string_equal(status_of(reconciler_status(f->rec), "dup")->service_id, keeper);

	configure(f, "policy: sync\n", spec);
	mark = log_mark(f);
	cycle(f);
	expect_result(f, 1, 1, 0, 0);
	assert_int_equal(count_calls(f, mark, DELETE, dup, "OK"), 1);
	assert_int_equal(count_calls(f, mark, NULL, keeper, NULL), 0);
	assert_int_equal(count_calls(f, mark, NULL, NULL, NULL), 1);
	sim = sim_state(f);
	assert_int_equal(n_services(sim), 1);
	assert_non_null(svc_by_id(sim, keeper));
	cJSON_Delete(sim);

	mark = log_mark(f);
	cycle(f);
	expect_result(f, 0, 0, 0, 0);
	assert_int_equal(count_calls(f, mark, NULL, NULL, NULL), 0);
}

/* ---- 8: eventual consistency ------------------------------------------------------ */

static void
test_eventual_consistency(void **state)
{
	struct fixture *f = *state;
	cJSON *sim;

	/* A new id is unknown for 2 s of sim time = 0.1 s of real time. */
	assert_true(sim_do(&f->sim, "POST", "/_sim/settings",
			   "{\"consistency_seconds\": 2, \"time_scale\": 20}"));
	configure(f, NULL,
		  "services:\n"
		  "  - name: lagging\n"
		  "    network_load_balancer_arns: [" NLB_A "]\n"
		  "    allowed_principals: [" P_ROLE "]\n");
	cycle(f);
	expect_result(f, 1, 1, 0, 0);
	assert_int_equal(count_calls(f, 0, CREATE, NULL, "OK"), 1);
	/* The read-back of the create waited for it; then the permissions went through. */
	assert_true(count_calls(f, 0, DESCRIBE, NULL, "InvalidVpcEndpointServiceId.NotFound") >= 1);
	assert_int_equal(count_calls(f, 0, PERMS, NULL, "OK"), 1);
	sim = sim_state(f);
	expect_set(svc_named(sim, "lagging"), "allowed_principals", P_ROLE, NULL);
	cJSON_Delete(sim);
}

/*
 * A service EC2 does not show yet (eventual consistency) after its create:
 * the create is not counted as done, and the next cycle waits for it
 * instead of creating again — no second create, no second service — until
 * EC2 shows it.
 */
static void
test_create_while_unlisted(void **state)
{
	struct fixture *f = *state;
	const struct status_service *s;
	cJSON *sim;
	char id[ID_MAX];
	long mark;

	assert_true(sim_do(&f->sim, "POST", "/_sim/settings", "{\"consistency_seconds\": 600}"));
	configure(f, NULL,
		  "services:\n"
		  "  - name: shy\n"
		  "    network_load_balancer_arns: [" NLB_A "]\n");
	cycle(f);
	expect_result(f, 1, 0, 1, 0);
	assert_int_equal(count_calls(f, 0, CREATE, NULL, "OK"), 1);
	sim = sim_state(f);
	assert_int_equal(n_services(sim), 1);
	copy_id(svc_named(sim, "shy"), id);
	cJSON_Delete(sim);
	s = status_of(reconciler_status(f->rec), "shy");
	assert_false(s->converged);

	mark = log_mark(f);
	cycle(f);
	expect_result(f, 0, 0, 0, 1);
	assert_int_equal(f->res.waiting, 1);
	assert_int_equal(count_calls(f, mark, NULL, NULL, NULL), 0);
	assert_int_equal(count_calls(f, mark, DESCRIBE, id, "InvalidVpcEndpointServiceId.NotFound"),
			 1);
	sim = sim_state(f);
	assert_int_equal(n_services(sim), 1);
	cJSON_Delete(sim);

	assert_true(sim_do(&f->sim, "POST", "/_sim/clock", "{\"advance\": 600}"));
	mark = log_mark(f);
	cycle(f);
	expect_result(f, 0, 0, 0, 0);
	assert_int_equal(count_calls(f, mark, NULL, NULL, NULL), 0);
	assert_string_equal(status_of(reconciler_status(f->rec), "shy")->service_id, id);
	assert_true(status_of(reconciler_status(f->rec), "shy")->converged);
}

/*
 * One more cycle changes nothing, `name` is converged and its service `id`
 * is the only one in the sim.
 */
static void
expect_converged_alone(struct fixture *f, const char *name, const char *id)
{
	long mark = log_mark(f);
	cJSON *sim;

	cycle(f);
	expect_result(f, 0, 0, 0, 0);
	assert_int_equal(count_calls(f, mark, NULL, NULL, NULL), 0);
	assert_true(status_of(reconciler_status(f->rec), name)->converged);
	sim = sim_state(f);
	assert_int_equal(count_named(sim, OWNER, name), 1);
	assert_non_null(svc_by_id(sim, id));
	assert_int_equal(n_services(sim), 1);
	cJSON_Delete(sim);
}

/*
 * Issue 8: under sync, a spec removed (its service deleted) and then added
 * back unchanged gets a new service.  With the old ClientToken EC2 answers
 * with the deleted service, which the next listing never shows: vpcesd
 * would "create" it again every cycle and never converge.
 */
static void
test_readd_after_delete(void **state)
{
	struct fixture *f = *state;
	const char *spec = "services:\n"
			   "  - name: again\n"
			   "    network_load_balancer_arns: [" NLB_A "]\n";
	char first[ID_MAX], second[ID_MAX];
	cJSON *sim;
	long mark;

	configure(f, "policy: sync\n", spec);
	cycle(f);
	expect_result(f, 1, 1, 0, 0);
	assert_int_equal(count_calls(f, 0, CREATE, NULL, "OK"), 1);
	sim = sim_state(f);
	copy_id(svc_named(sim, "again"), first);
	cJSON_Delete(sim);

	configure(f, "policy: sync\ndelete:\n  allow_empty: true\n", NULL);
	mark = log_mark(f);
	cycle(f);
	expect_result(f, 1, 1, 0, 0);
	assert_int_equal(count_calls(f, mark, DELETE, first, "OK"), 1);
	assert_int_equal(count_calls(f, mark, NULL, NULL, NULL), 1);
	sim = sim_state(f);
	assert_int_equal(n_services(sim), 0);
	cJSON_Delete(sim);

	/* The identical spec again: a new service, not the deleted one. */
	configure(f, "policy: sync\n", spec);
	mark = log_mark(f);
	cycle(f);
	expect_result(f, 1, 1, 0, 0);
	assert_int_equal(count_calls(f, mark, CREATE, NULL, "OK"), 1);
	assert_int_equal(count_calls(f, mark, NULL, NULL, NULL), 1);
	sim = sim_state(f);
	assert_int_equal(n_services(sim), 1);
	copy_id(svc_named(sim, "again"), second);
	cJSON_Delete(sim);
	assert_string_not_equal(second, first);
	assert_string_equal(status_of(reconciler_status(f->rec), "again")->service_id, second);

	/* Converged: nothing mutating, still exactly one live "again". */
	expect_converged_alone(f, "again", second);
}

/* ---- 9: a failure stays with its service; backoff ---------------------------------- */

static void
test_failure_isolation_backoff(void **state)
{
	struct fixture *f = *state;
	const char *failed_name, *ok_name;
	const struct status_service *s;
	cJSON *sim;
	long mark;

	configure(f, NULL,
		  "services:\n"
		  "  - name: one\n"
		  "    network_load_balancer_arns: [" NLB_A "]\n"
		  "  - name: two\n"
		  "    network_load_balancer_arns: [" NLB_B "]\n");
	sim_fault(f, "{\"kind\": \"error\", \"action\": \"" CREATE "\", \"code\": "
		     "\"UnauthorizedOperation\", \"status\": 403, \"message\": \"denied\", "
		     "\"count\": 1}");
	cycle(f);
	expect_result(f, 2, 1, 1, 0);
	assert_int_equal(reconcile_exit_code(&f->res, false), 2);
	assert_non_null(strstr(f->first_error, "denied"));
	assert_int_equal(count_calls(f, 0, CREATE, NULL, "UnauthorizedOperation"), 1);
	assert_int_equal(count_calls(f, 0, CREATE, NULL, "OK"), 1);
	sim = sim_state(f);
	assert_int_equal(n_services(sim), 1);
	failed_name = count_named(sim, OWNER, "one") == 1 ? "two" : "one";
	ok_name = strcmp(failed_name, "one") == 0 ? "two" : "one";
	assert_int_equal(count_named(sim, OWNER, ok_name), 1);
	cJSON_Delete(sim);
	s = status_of(reconciler_status(f->rec), failed_name);
	assert_int_equal(s->consecutive_failures, 1);
	assert_int_equal(s->next_retry, T0 + 60); /* interval × 2^0 */
	assert_non_null(s->last_error);
	assert_null(s->service_id);
	assert_int_equal(reconciler_status(f->rec)->health, STATUS_DEGRADED);

	/* Within its backoff: held, not tried; the other one converges. */
	f->now = T0 + 30;
	mark = log_mark(f);
	cycle(f);
	expect_result(f, 1, 0, 0, 1);
	assert_int_equal(f->res.converged_services, 1);
	assert_int_equal(count_calls(f, mark, NULL, NULL, NULL), 0);
	s = status_of(reconciler_status(f->rec), failed_name);
	assert_non_null(s->held);
	assert_int_equal(s->consecutive_failures, 1);
	assert_true(status_of(reconciler_status(f->rec), ok_name)->converged);

	/* After it: created, and the backoff ends. */
	f->now = T0 + 61;
	mark = log_mark(f);
	cycle(f);
	expect_result(f, 1, 1, 0, 0);
	assert_int_equal(count_calls(f, mark, CREATE, NULL, "OK"), 1);
	assert_int_equal(count_calls(f, mark, NULL, NULL, NULL), 1);
	s = status_of(reconciler_status(f->rec), failed_name);
	assert_int_equal(s->consecutive_failures, 0);
	assert_int_equal(s->next_retry, 0);
	assert_null(s->last_error);
	assert_null(s->held);

	mark = log_mark(f);
	cycle(f);
	expect_result(f, 0, 0, 0, 0);
	assert_int_equal(f->res.converged_services, 2);
	assert_int_equal(reconcile_exit_code(&f->res, false), 0);
	assert_int_equal(count_calls(f, mark, NULL, NULL, NULL), 0);
	sim = sim_state(f);
	assert_int_equal(count_named(sim, OWNER, "one"), 1);
	assert_int_equal(count_named(sim, OWNER, "two"), 1);
	cJSON_Delete(sim);
}

/* ---- 10: dry run ------------------------------------------------------------------- */

static const char *
api_action(const char *kind)
{
	static const char *const map[][2] = {
		{"create", CREATE},
		{"adopt", TAG},
		{"modify_config", MODIFY},
		{"modify_permissions", PERMS},
		{"create_tags", TAG},
		{"delete_tags", UNTAG},
		{"reject_connections", REJECT},
		{"delete", DELETE},
	};

	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (strcmp(map[i][0], kind) == 0)
			return map[i][1];
	fail_msg("unknown change kind %s", kind);
	return NULL;
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void
push_line(struct strv *sv, const char *action, const char *who)
{
	char line[256];

	snprintf(line, sizeof(line), "%s %s", action, who);
	assert_int_equal(strv_push(sv, line), 0);
}

/* The id a mutating log entry acts on (NULL for a create). */
static const char *
entry_id(const cJSON *entry)
{
	static const char *const keys[] = {"ServiceId", "ServiceId.1", "ResourceId.1"};
	const cJSON *params = cJSON_GetObjectItemCaseSensitive(entry, "params");

	for (size_t i = 0; i < 3; i++)
		if (entry_str(params, keys[i]))
			return entry_str(params, keys[i]);
	return NULL;
}

/* The vpcesd:name in a create's TagSpecification. */
static const char *
create_name(const cJSON *entry)
{
	const cJSON *params = cJSON_GetObjectItemCaseSensitive(entry, "params");
	char key[64];

	for (int i = 1; i <= 50; i++) {
		const char *k;

		snprintf(key, sizeof(key), "TagSpecification.1.Tag.%d.Key", i);
		k = entry_str(params, key);
		if (k && strcmp(k, "vpcesd:name") == 0) {
			snprintf(key, sizeof(key), "TagSpecification.1.Tag.%d.Value", i);
			return entry_str(params, key);
		}
	}
	return NULL;
}

static void
test_dry_run(void **state)
{
	struct fixture *f = *state;
	char old[ID_MAX], keep[ID_MAX];
	struct strv planned = STRV_INIT, done = STRV_INIT, ids = STRV_INIT;
	cJSON *plan, *log, *sim;
	const cJSON *ch, *entry;

	sim_owned(f, NLB_D, "old", old);
	sim_owned(f, NLB_A, "keep", keep);
	configure(f, "policy: sync\n",
		  KEEP_AND_NEW "    allowed_principals: [" P_ROOT "]\n"
			       "  - name: gw\n"
			       "    gateway_load_balancer_arns: [" GWLB_A "]\n");
	f->plan_out = open_memstream(&f->plan_text, &f->plan_len);
	assert_non_null(f->plan_out);
	new_reconciler(f, true, -1);
	cycle(f);
	expect_result(f, 4, 0, 0, 0);
	assert_int_equal(count_calls(f, 0, NULL, NULL, NULL), 0);
	assert_int_equal(fflush(f->plan_out), 0);
	plan = cJSON_Parse(f->plan_text);
	assert_non_null(plan);
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(plan, "changes")), 4);
	assert_true(reconciler_status(f->rec)->cycle.dry_run);
	/* 13: like `terraform plan -detailed-exitcode`, 2: there are changes. */
	assert_int_equal(reconcile_exit_code(&f->res, true), RECONCILE_EXIT_PROBLEM);

	/* What the plan says, as "<EC2 action> <service id, or name for a create>". */
	cJSON_ArrayForEach(ch, cJSON_GetObjectItemCaseSensitive(plan, "changes"))
	{
		const char *kind = entry_str(ch, "action"), *id = entry_str(ch, "service_id");
		const cJSON *params = cJSON_GetObjectItemCaseSensitive(ch, "parameters");

		push_line(&planned, api_action(kind), id ? id : entry_str(ch, "name"));
		if (id)
			assert_int_equal(strv_push(&ids, id), 0);
		if (strcmp(kind, "create") == 0 &&
		    cJSON_GetArraySize(
			    cJSON_GetObjectItemCaseSensitive(params, "add_allowed_principals")) > 0)
			push_line(&planned, PERMS, entry_str(ch, "name"));
	}
	cJSON_Delete(plan);

	/* The real cycle does exactly that. */
	new_reconciler(f, false, -1);
	cycle(f);
	expect_result(f, 4, 4, 0, 0);
	log = log_since(f, 0);
	sim = sim_state(f);
	cJSON_ArrayForEach(entry, log)
	{
		const char *action = entry_str(entry, "action"), *id = entry_id(entry);

		if (!is_mutating(action))
			continue;
		if (id == NULL) {
			push_line(&done, action, create_name(entry));
		} else if (strv_contains(&ids, id)) {
			push_line(&done, action, id);
		} else {
			/* A create's follow-up on its new id: named by its tag. */
			assert_non_null(svc_by_id(sim, id));
			push_line(&done, action, tag_of(svc_by_id(sim, id), "vpcesd:name"));
		}
	}
	cJSON_Delete(sim);
	cJSON_Delete(log);
	qsort(planned.v, planned.n, sizeof(*planned.v), cmp_str);
	qsort(done.v, done.n, sizeof(*done.v), cmp_str);
	assert_int_equal(planned.n, 5); /* 2 creates (+1 permissions), 1 modify, 1 delete */
	assert_int_equal(done.n, planned.n);
	for (size_t i = 0; i < planned.n; i++)
		assert_string_equal(done.v[i], planned.v[i]);

	/* A dry run of the converged services: nothing would change, 0. */
	new_reconciler(f, true, -1);
	cycle(f);
	expect_result(f, 0, 0, 0, 0);
	assert_int_equal(reconcile_exit_code(&f->res, true), RECONCILE_EXIT_CONVERGED);
	strv_free(&planned);
	strv_free(&done);
	strv_free(&ids);
}

/* ---- 14: the read budget and the early round ------------------------------------ */

#define BUDGET_N 10
#define BUDGET_LB(i, buf) \
	(snprintf((buf), sizeof(buf), LB_PREFIX "net/bud-%d/%016x", (i), (unsigned)(i)), (buf))

/* The seq of the first `action` call after `since` naming `id` (NULL: any), 0: none. */
static long
first_seq_of(struct fixture *f, long since, const char *action, const char *id)
{
	cJSON *log = log_since(f, since);
	const cJSON *entry;
	long seq = 0;

	cJSON_ArrayForEach(entry, log)
	{
		const char *a = entry_str(entry, "action");

		if (a && strcmp(a, action) == 0 && (id == NULL || names_id(entry, id))) {
			seq = (long)cJSON_GetNumberValue(
				cJSON_GetObjectItemCaseSensitive(entry, "seq"));
			break;
		}
	}
	cJSON_Delete(log);
	return seq;
}

static long
first_seq(struct fixture *f, long since, const char *action)
{
	return first_seq_of(f, since, action, NULL);
}

/* How many status entries have their principals read (at > 0), and the oldest read. */
static size_t
principals_read(const struct status *st, time_t *oldest)
{
	size_t n = 0;

	*oldest = 0;
	for (size_t i = 0; i < st->n_services; i++) {
		time_t at = st->services[i].principals_at;

		if (at > 0) {
			n++;
			if (*oldest == 0 || at < *oldest)
				*oldest = at;
		}
	}
	return n;
}

/*
 * The specs of the budget scene: bud-0 … bud-9, each on its own load
 * balancer, allowing P_ROOT, and "plain" (NLB_D), which manages no
 * principals and so needs no detail read; plain with acceptance
 * `acceptance_plain`.  1 read/s (api.rate) × 10 s × RECONCILE_READ_SHARE =
 * 8, less the listing page: 7 detail reads a cycle.
 */
static void
budget_specs(struct fixture *f, bool acceptance_plain)
{
	char lb[160], specs[8192];
	size_t len = (size_t)snprintf(specs, sizeof(specs),
				      "services:\n  - name: plain\n"
				      "    network_load_balancer_arns: [" NLB_D "]\n"
				      "    acceptance_required: %s\n",
				      acceptance_plain ? "true" : "false");

	for (int i = 0; i < BUDGET_N; i++)
		len += (size_t)snprintf(specs + len, sizeof(specs) - len,
					"  - name: bud-%d\n    network_load_balancer_arns: [%s]\n"
					"    allowed_principals: [" P_ROOT "]\n",
					i, BUDGET_LB(i, lb));
	configure(f, "interval: 10s\nmin_interval: 1s\napi:\n  rate: 1\n", specs);
}

/* The sim side: eleven owned services equal to budget_specs(f, true). */
static void
budget_scene(struct fixture *f, char ids[BUDGET_N][ID_MAX], char plain[ID_MAX])
{
	char body[4096], lb[160], name[16];
	size_t len = (size_t)snprintf(body, sizeof(body), "{\"load_balancers\": [");

	for (int i = 0; i < BUDGET_N; i++)
		len += (size_t)snprintf(body + len, sizeof(body) - len, "%s{\"arn\": \"%s\"}",
					i ? ", " : "", BUDGET_LB(i, lb));
	snprintf(body + len, sizeof(body) - len, "]}");
	assert_true(sim_do(&f->sim, "POST", "/_sim/load-balancers", body));
	for (int i = 0; i < BUDGET_N; i++) {
		snprintf(name, sizeof(name), "bud-%d", i);
		sim_owned(f, BUDGET_LB(i, lb), name, ids[i]);
		sim_patch(f, ids[i], "{\"allowed_principals\": [\"" P_ROOT "\"]}");
	}
	sim_owned(f, NLB_D, "plain", plain);
	budget_specs(f, true);
}

/*
 * The budget scene, converged, one call at a time (and no client-side
 * pacing in these tests): the order of the calls in the sim's log is the
 * order vpcesd issued them.  Cycles 1 and 2 read every permission list
 * (test_read_budget).
 */
static void
budget_converged(struct fixture *f, char ids[BUDGET_N][ID_MAX], char plain[ID_MAX])
{
	make_stack(f, 1);
	budget_scene(f, ids, plain);
	cycle(f);
	f->now += 10;
	cycle(f);
	assert_int_equal(f->res.converged_services, BUDGET_N + 1);
}

static void
test_read_budget(void **state)
{
	struct fixture *f = *state;
	char ids[BUDGET_N][ID_MAX], plain[ID_MAX];
	const struct status *st;
	time_t oldest, first_reads;
	long mark;

	budget_scene(f, ids, plain);

	/* Cycle 1: nothing read before; 7 of the 10 permission lists are read. */
	mark = log_mark(f);
	cycle(f);
	assert_int_equal(f->res.reads, 7);
	assert_int_equal(f->res.deferred, 3);
	assert_int_equal(f->res.reading, 3);
	assert_int_equal(f->res.planned, 0);
	assert_int_equal(f->res.converged_services, 8); /* plain needs no read */
	assert_int_equal(count_calls(f, mark, "DescribeVpcEndpointServicePermissions", NULL, "OK"),
			 7);
	st = reconciler_status(f->rec);
	assert_int_equal(principals_read(st, &oldest), 7);
	assert_int_equal(oldest, T0);
	assert_int_equal(st->health, STATUS_PENDING);
	assert_int_equal(st->cycle.reads_deferred, 3);
	/* Not a problem, not converged either: the reads come round. */
	assert_int_equal(reconcile_exit_code(&f->res, false), RECONCILE_EXIT_PENDING);
	first_reads = oldest;

	/* Cycle 2: the three never read first, then the oldest: all ten are known. */
	f->now += 10;
	cycle(f);
	assert_int_equal(f->res.reads, 7);
	assert_int_equal(f->res.reading, 0);
	assert_int_equal(f->res.converged_services, BUDGET_N + 1);
	st = reconciler_status(f->rec);
	assert_int_equal(principals_read(st, &oldest), BUDGET_N);
	assert_int_equal(oldest, first_reads); /* three of cycle 1 are still the oldest */
	assert_int_equal(st->health, STATUS_CONVERGED);

	/*
	 * Cycle 3: someone flips bud-5's acceptance.  The listing shows it
	 * changed: its principals are read at once (not in turn), and the
	 * acceptance is repaired.
	 */
	sim_patch(f, ids[5], "{\"acceptance_required\": false}");
	f->now += 10;
	mark = log_mark(f);
	cycle(f);
	assert_int_equal(count_calls(f, mark, MODIFY, ids[5], "OK"), 1);
	assert_int_equal(
		count_calls(f, mark, "DescribeVpcEndpointServicePermissions", ids[5], "OK"), 1);
	assert_int_equal(f->res.failed, 0);
}

static void
test_early_round(void **state)
{
	struct fixture *f = *state;
	char ids[BUDGET_N][ID_MAX], plain[ID_MAX];
	long mark, modify, reads;

	budget_converged(f, ids, plain);

	/*
	 * The spec of plain changes its acceptance; no read of plain is
	 * outstanding.  Its modify goes in the early round, before the
	 * cycle's permission reads, not after them.
	 */
	budget_specs(f, false);
	f->now += 10;
	mark = log_mark(f);
	cycle(f);
	modify = first_seq(f, mark, MODIFY);
	reads = first_seq(f, mark, "DescribeVpcEndpointServicePermissions");
	assert_true(modify > 0 && reads > 0);
	assert_true(modify < reads);
	assert_int_equal(count_calls(f, mark, MODIFY, plain, "OK"), 1);
	/* Counted once, published once, like any change of the cycle. */
	expect_result(f, 1, 1, 0, 0);
	assert_non_null(status_of(reconciler_status(f->rec), "plain")->last_change);
	assert_false(status_of(reconciler_status(f->rec), "plain")->acceptance_required);

	/* The next cycle finds it done. */
	f->now += 10;
	mark = log_mark(f);
	cycle(f);
	assert_int_equal(f->res.planned, 0);
	assert_int_equal(count_calls(f, mark, MODIFY, NULL, NULL), 0);
}

/*
 * Each service's principals carry the time of their own read, not of the
 * end of the reads (issue 14: the oldest verification's age is the truth).
 * The clock advances a second each time it is read, and the reads go one
 * at a time: seven reads, seven different times within the cycle.
 */
static void
test_reads_carry_their_own_time(void **state)
{
	struct fixture *f = *state;
	char ids[BUDGET_N][ID_MAX], plain[ID_MAX];
	const struct status *st;
	time_t start, oldest, seen[BUDGET_N + 1];
	size_t n_seen = 0;

	make_stack(f, 1);
	budget_scene(f, ids, plain);
	f->tick = 1;
	start = f->now;
	cycle(f);
	f->tick = 0;
	st = reconciler_status(f->rec);
	assert_int_equal(principals_read(st, &oldest), 7);
	assert_true(oldest > start);
	for (size_t i = 0; i < st->n_services; i++) {
		time_t at = st->services[i].principals_at;
		bool dup = false;

		if (at == 0)
			continue;
		assert_true(at > start && at <= f->now);
		for (size_t k = 0; k < n_seen; k++)
			dup = dup || seen[k] == at;
		if (!dup)
			seen[n_seen++] = at;
	}
	assert_int_equal(n_seen, 7);
}

/*
 * A config drift of a service whose own details are being read again (the
 * listing shows it different, so its principals are read at once): the
 * listing alone decides the modify, which goes in the early round, before
 * that read; the principals drift the read finds is repaired in the same
 * cycle's final round.  Both are counted once.
 */
static void
test_early_round_while_reading(void **state)
{
	struct fixture *f = *state;
	char ids[BUDGET_N][ID_MAX], plain[ID_MAX];
	long mark, modify, read, grant;

	budget_converged(f, ids, plain);
	sim_patch(f, ids[3], "{\"acceptance_required\": false, \"allowed_principals\": []}");
	f->now += 10;
	mark = log_mark(f);
	cycle(f);
	modify = first_seq_of(f, mark, MODIFY, ids[3]);
	read = first_seq_of(f, mark, "DescribeVpcEndpointServicePermissions", ids[3]);
	grant = first_seq_of(f, mark, "ModifyVpcEndpointServicePermissions", ids[3]);
	assert_true(modify > 0 && read > 0 && grant > 0);
	assert_true(modify < read);
	assert_true(read < grant);
	assert_int_equal(count_calls(f, mark, MODIFY, ids[3], "OK"), 1);
	assert_int_equal(count_calls(f, mark, "ModifyVpcEndpointServicePermissions", ids[3], "OK"),
			 1);
	expect_result(f, 2, 2, 0, 0);

	f->now += 10;
	mark = log_mark(f);
	cycle(f);
	assert_int_equal(count_calls(f, mark, NULL, NULL, NULL), 0);
}

/* ---- 13: exit codes scripts can trust ------------------------------------------- */

static void
test_exit_codes(void **state)
{
	static const struct {
		struct reconcile_result res;
		bool dry_run;
		int code;
	} cases[] = {
		{{.observed = false}, false, RECONCILE_EXIT_ERROR},
		{{.observed = false}, true, RECONCILE_EXIT_ERROR},
		{{.observed = true}, false, RECONCILE_EXIT_CONVERGED},
		{{.observed = true}, true, RECONCILE_EXIT_CONVERGED},
		{{.observed = true, .planned = 2, .applied = 2}, false, RECONCILE_EXIT_PENDING},
		{{.observed = true, .planned = 2}, true, RECONCILE_EXIT_PROBLEM},
		{{.observed = true, .held = 1, .waiting = 1}, false, RECONCILE_EXIT_PENDING},
		{{.observed = true, .held = 1, .waiting = 1}, true, RECONCILE_EXIT_CONVERGED},
		{{.observed = true, .held = 1, .retained = 1}, false, RECONCILE_EXIT_CONVERGED},
		{{.observed = true, .held = 1, .retained = 1}, true, RECONCILE_EXIT_CONVERGED},
		{{.observed = true, .held = 2, .retained = 1}, false, RECONCILE_EXIT_PROBLEM},
		{{.observed = true, .held = 1}, true, RECONCILE_EXIT_PROBLEM},
		{{.observed = true, .planned = 2, .applied = 1, .failed = 1},
		 false,
		 RECONCILE_EXIT_PROBLEM},
		{{.observed = true, .planned = 2, .skipped = 1}, false, RECONCILE_EXIT_PROBLEM},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int code = reconcile_exit_code(&cases[i].res, cases[i].dry_run);

		if (code != cases[i].code)
			fail_msg("case %zu: exit code %d, expected %d", i, code, cases[i].code);
	}
}

/* ---- 11: an observation that fails changes nothing --------------------------------- */

static void
test_observation_failure(void **state)
{
	struct fixture *f = *state;

	configure(f, "policy: sync\n",
		  "services:\n"
		  "  - name: blind\n"
		  "    network_load_balancer_arns: [" NLB_A "]\n");
	sim_fault(f, "{\"kind\": \"error\", \"action\": \"" DESCRIBE "\", \"code\": "
		     "\"UnauthorizedOperation\", \"status\": 403, \"message\": \"no describe\", "
		     "\"count\": 1}");
	cycle(f);
	assert_false(f->res.observed);
	assert_int_equal(f->res.planned, 0);
	assert_int_equal(f->res.applied, 0);
	assert_int_equal(reconcile_exit_code(&f->res, false), 1);
	assert_non_null(strstr(f->first_error, "no describe"));
	assert_int_equal(count_calls(f, 0, NULL, NULL, NULL), 0);
	assert_int_equal(reconciler_status(f->rec)->health, STATUS_UNREACHABLE);
	assert_false(status_of(reconciler_status(f->rec), "blind")->converged);

	/* The fault is gone: the next cycle sees the account and creates. */
	cycle(f);
	expect_result(f, 1, 1, 0, 0);
	assert_int_equal(count_calls(f, 0, CREATE, NULL, "OK"), 1);
}

/* ---- issue 7: endpoint connection policy -------------------------------------- */

#define ACCT_ROLE  "444455556666" /* P_ROLE's account */
#define ACCT_OTHER "999988887777"
#define CONN_SPEC(principals, policy)                   \
	"services:\n"                                   \
	"  - name: conn\n"                              \
	"    network_load_balancer_arns: [" NLB_A "]\n" \
	"    allowed_principals: [" principals "]\n"    \
	"    connections:\n"                            \
	"      accept: [\"" ACCT_ROLE "\"]\n" policy

static void
test_connection_policy(void **state)
{
	struct fixture *f = *state;
	char id[ID_MAX], foreign[ID_MAX], listed[ID_MAX], unlisted[ID_MAX], theirs[ID_MAX];
	const struct status_service *ss;
	cJSON *sim, *settings;
	long mark;

	/* Even a server that ignores the tag filter must not get us near the foreign one. */
	settings = sim_call(&f->sim, "POST", "/_sim/settings", "{\"ignore_tag_filters\": 1}");
	assert_non_null(settings);
	cJSON_Delete(settings);
	sim_service(f, NLB_D, "{\"vpcesd:owner\": \"other\", \"vpcesd:name\": \"conn\"}", foreign);
	sim_connection_of(f, foreign, ACCT_ROLE, "pendingAcceptance", theirs);
	configure(f, NULL, CONN_SPEC(P_ROOT ", " P_ROLE, ""));
	cycle(f);
	expect_result(f, 1, 1, 0, 0);
	sim = sim_state(f);
	copy_id(svc_named(sim, "conn"), id);
	cJSON_Delete(sim);
	sim_connection_of(f, id, ACCT_ROLE, "pendingAcceptance", listed);
	sim_connection_of(f, id, ACCT_OTHER, "pendingAcceptance", unlisted);

	/* Listed owner accepted; the unlisted one left pending for a human. */
	mark = log_mark(f);
	cycle(f);
	expect_result(f, 1, 1, 0, 0);
	assert_int_equal(count_calls(f, mark, ACCEPT, id, "OK"), 1);
	assert_int_equal(count_calls(f, mark, ACCEPT, listed, "OK"), 1);
	assert_int_equal(count_calls(f, mark, NULL, NULL, NULL), 1);
	assert_int_equal(count_calls(f, mark, "DescribeVpcEndpointConnections", id, "OK"), 1);
	expect_connection_state(f, listed, "available");
	expect_connection_state(f, unlisted, "pendingAcceptance");
	/*
	 * The status lists the connections as observed, with the decision of
	 * the cycle applied: the accepted one is "pending" (EC2's next state
	 * after an accept), the other still waits for a human (13).
	 */
	ss = status_of(reconciler_status(f->rec), "conn");
	assert_true(ss->connections_known);
	assert_int_equal(ss->n_connections, 2);
	for (size_t i = 0; i < 2; i++) {
		bool is_listed = strcmp(ss->connections[i].endpoint_id, listed) == 0;

		assert_string_equal(ss->connections[i].state,
				    is_listed ? "pending" : "pendingAcceptance");
		assert_string_equal(ss->connections[i].owner, is_listed ? ACCT_ROLE : ACCT_OTHER);
		assert_true(ss->connections[i].since > 0);
	}

	/* Nothing left to decide: a quiet cycle. */
	mark = log_mark(f);
	cycle(f);
	expect_result(f, 0, 0, 0, 0);
	assert_int_equal(count_calls(f, mark, NULL, NULL, NULL), 0);

	/* reject_unlisted rejects the pending stranger. */
	configure(f, NULL, CONN_SPEC(P_ROOT ", " P_ROLE, "      reject_unlisted: true\n"));
	mark = log_mark(f);
	cycle(f);
	expect_result(f, 1, 1, 0, 0);
	assert_int_equal(count_calls(f, mark, REJECT, unlisted, "OK"), 1);
	assert_int_equal(count_calls(f, mark, NULL, NULL, NULL), 1);
	expect_connection_state(f, unlisted, "rejected");
	expect_connection_state(f, listed, "available");

	/* Removing the principal cuts the live connection of its account. */
	configure(f, NULL,
		  CONN_SPEC(P_ROOT, "      reject_unlisted: true\n"
				    "      reject_on_principal_removal: true\n"));
	mark = log_mark(f);
	cycle(f);
	expect_result(f, 2, 2, 0, 0);
	assert_int_equal(count_calls(f, mark, PERMS, id, "OK"), 1);
	assert_int_equal(count_calls(f, mark, REJECT, listed, "OK"), 1);
	assert_int_equal(count_calls(f, mark, NULL, NULL, NULL), 2);
	expect_connection_state(f, listed, "rejected");

	mark = log_mark(f);
	cycle(f);
	expect_result(f, 0, 0, 0, 0);
	assert_int_equal(count_calls(f, mark, NULL, NULL, NULL), 0);

	/* The foreign service's connection was never read nor decided. */
	assert_int_equal(count_calls(f, 0, NULL, foreign, NULL), 0);
	assert_int_equal(count_calls(f, 0, NULL, theirs, NULL), 0);
	assert_int_equal(count_calls(f, 0, "DescribeVpcEndpointConnections", foreign, NULL), 0);
	expect_connection_state(f, theirs, "pendingAcceptance");
}

/* ---- issue 7: private DNS verification ------------------------------------------- */

/* Log records go to stderr (write(2)); a cycle's records are captured in a file. */
struct capture {
	char path[300];
	int saved;
};

static void
capture_start(struct fixture *f, struct capture *cap)
{
	int fd;

	snprintf(cap->path, sizeof(cap->path), "%s/log.txt", f->dir);
	fd = open(cap->path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	assert_true(fd >= 0);
	cap->saved = dup(STDERR_FILENO);
	assert_true(cap->saved >= 0);
	assert_true(dup2(fd, STDERR_FILENO) >= 0);
	close(fd);
	log_set_max_priority(LOG_NOTICE);
}

/* Stop capturing; the number of captured lines containing every one of the strings. */
static int
capture_count(struct capture *cap, const char *a, const char *b)
{
	char line[4096];
	FILE *fp;
	int n = 0;

	log_set_max_priority(LOG_WARNING);
	assert_true(dup2(cap->saved, STDERR_FILENO) >= 0);
	close(cap->saved);
	fp = fopen(cap->path, "r");
	assert_non_null(fp);
	while (fgets(line, sizeof(line), fp))
		n += strstr(line, a) != NULL && (b == NULL || strstr(line, b) != NULL);
	fclose(fp);
	unlink(cap->path);
	return n;
}

static void
test_dns_verification(void **state)
{
	struct fixture *f = *state;
	const struct status_service *ss;
	struct capture cap;
	char id[ID_MAX], txt[128];
	cJSON *sim;
	long mark;

	/* Results are due at once; wall time of the reconciler paces the starts. */
	assert_true(sim_do(&f->sim, "POST", "/_sim/settings", "{\"dns_verify_seconds\": 0}"));
	configure(f, NULL,
		  "services:\n"
		  "  - name: dnsv\n"
		  "    network_load_balancer_arns: [" NLB_A "]\n"
		  "    private_dns_name: api.unverifiable.test\n"
		  "    verify_private_dns: true\n");
	/* First sight is the create's read-back: one record with the TXT to create. */
	capture_start(f, &cap);
	cycle(f);
	expect_result(f, 1, 1, 0, 0);
	ss = status_of(reconciler_status(f->rec), "dnsv");
	snprintf(txt, sizeof(txt), "VPCESD_DNS_TXT_NAME=%s", ss->private_dns_txt_name);
	assert_int_equal(capture_count(&cap, "VPCESD_DNS_TXT_VALUE=", txt), 1);
	sim = sim_state(f);
	copy_id(svc_named(sim, "dnsv"), id);
	cJSON_Delete(sim);

	/* The next cycle sees it pending: one start, no second record. */
	mark = log_mark(f);
	capture_start(f, &cap);
	cycle(f);
	ss = status_of(reconciler_status(f->rec), "dnsv");
	assert_int_equal(capture_count(&cap, "VPCESD_DNS_TXT_VALUE=", NULL), 0);
	expect_result(f, 1, 1, 0, 0);
	assert_int_equal(count_calls(f, mark, VERIFY, id, "OK"), 1);
	assert_int_equal(count_calls(f, mark, NULL, NULL, NULL), 1);
	assert_string_equal(ss->private_dns_state, "pendingVerification");
	assert_non_null(ss->private_dns_txt_value);

	/* EC2 says failed; the interval has not passed: no call, one transition record. */
	mark = log_mark(f);
	capture_start(f, &cap);
	cycle(f);
	assert_int_equal(capture_count(&cap, "VPCESD_DNS_STATE=failed", NULL), 1);
	expect_result(f, 0, 0, 0, 0);
	assert_int_equal(count_calls(f, mark, NULL, NULL, NULL), 0);
	assert_string_equal(status_of(reconciler_status(f->rec), "dnsv")->private_dns_state,
			    "failed");
	f->now += 599;
	capture_start(f, &cap);
	cycle(f);
	assert_int_equal(capture_count(&cap, "VPCESD_DNS_", NULL), 0); /* nothing changed */
	expect_result(f, 0, 0, 0, 0);

	/* Once the interval passed: one more start. */
	f->now += 1;
	mark = log_mark(f);
	cycle(f);
	expect_result(f, 1, 1, 0, 0);
	assert_int_equal(count_calls(f, mark, VERIFY, id, "OK"), 1);

	/* Verified (the DNS record appeared): nothing more to do. */
	sim_patch(f, id, "{\"private_dns_state\": \"verified\"}");
	f->now += 3600;
	mark = log_mark(f);
	capture_start(f, &cap);
	cycle(f);
	assert_int_equal(capture_count(&cap, "VPCESD_DNS_STATE=verified", NULL), 1);
	expect_result(f, 0, 0, 0, 0);
	assert_int_equal(count_calls(f, mark, NULL, NULL, NULL), 0);
	assert_int_equal(count_calls(f, 0, VERIFY, NULL, NULL), 2);

	/* A new name is a new TXT record: announced again. */
	configure(f, NULL,
		  "services:\n"
		  "  - name: dnsv\n"
		  "    network_load_balancer_arns: [" NLB_A "]\n"
		  "    private_dns_name: api.example.com\n"
		  "    verify_private_dns: true\n");
	cycle(f);
	expect_result(f, 1, 1, 0, 0);
	f->now += 600;
	mark = log_mark(f);
	capture_start(f, &cap);
	cycle(f);
	assert_int_equal(capture_count(&cap, "VPCESD_DNS_TXT_NAME=", NULL), 1);
	expect_result(f, 1, 1, 0, 0);
	assert_int_equal(count_calls(f, mark, VERIFY, id, "OK"), 1);
	cycle(f);
	expect_result(f, 0, 0, 0, 0);
	assert_string_equal(status_of(reconciler_status(f->rec), "dnsv")->private_dns_state,
			    "verified");
}

/* ---- issue 7: connection notifications ---------------------------------------------- */

/* The sim's notifications of service `id`: "topic=Ev,Ev;…" sorted by topic, into out. */
static void
notifications_of(struct fixture *f, const char *id, char *out, size_t size)
{
	cJSON *sim = sim_state(f);
	const cJSON *n;
	struct strv lines = STRV_INIT;
	size_t len = 0;

	cJSON_ArrayForEach(n, cJSON_GetObjectItemCaseSensitive(sim, "notifications"))
	{
		const char *sid = entry_str(n, "service_id");
		const cJSON *ev;
		char line[512];
		size_t k;

		if (sid == NULL || strcmp(sid, id) != 0)
			continue;
		k = (size_t)snprintf(line, sizeof(line), "%s=", entry_str(n, "arn"));
		cJSON_ArrayForEach(ev, cJSON_GetObjectItemCaseSensitive(n, "events"))
		{
			k += (size_t)snprintf(line + k, sizeof(line) - k, "%s%s",
					      line[k - 1] == '=' ? "" : ",",
					      cJSON_GetStringValue(ev));
		}
		assert_int_equal(strv_push(&lines, line), 0);
	}
	cJSON_Delete(sim);
	strv_sort(&lines);
	out[0] = '\0';
	for (size_t i = 0; i < lines.n; i++)
		len += (size_t)snprintf(out + len, size - len, "%s%s", i ? ";" : "", lines.v[i]);
	strv_free(&lines);
}

struct made {
	bool done;
	char id[ID_MAX];
};

static void
on_made(void *arg, struct ec2_create_notification_result *res, const struct aws_response *resp)
{
	struct made *m = arg;

	if (res == NULL)
		fail_msg("CreateVpcEndpointConnectionNotification: %s",
			 resp->e ? resp->e->msg : "failed");
	snprintf(m->id, sizeof(m->id), "%s", res->notification.connection_notification_id);
	ec2_create_notification_result_free(res);
	m->done = true;
}

/* A notification made behind vpcesd's back, through the EC2 API; its id into `id`. */
static void
hand_notification(struct fixture *f, const char *service_id, const char *topic, const char *token,
		  char id[ID_MAX])
{
	struct strv events = STRV_INIT;
	struct made m = {0};
	struct err e;

	err_clear(&e);
	assert_int_equal(strv_push(&events, "Accept"), 0);
	if (ec2_create_notification(f->aws, service_id, topic, &events, token, on_made, &m, NULL,
				    &e) < 0)
		fail_msg("ec2_create_notification: %s", e.msg);
	strv_free(&events);
	while (!m.done)
		ev_run(f->loop, EVRUN_ONCE);
	snprintf(id, ID_MAX, "%s", m.id);
}

#define NFN_SPEC(list)                                  \
	"services:\n"                                   \
	"  - name: nfn\n"                               \
	"    network_load_balancer_arns: [" NLB_A "]\n" \
	"    notifications:" list

static void
test_notifications(void **state)
{
	struct fixture *f = *state;
	char id[ID_MAX], foreign[ID_MAX], theirs[ID_MAX], extra[ID_MAX], have[1024];
	cJSON *sim;
	long mark;

	/* A notification of another owner's service: never touched. */
	sim_service(f, NLB_D, "{\"vpcesd:owner\": \"other\", \"vpcesd:name\": \"nfn\"}", foreign);
	configure(f, NULL,
		  NFN_SPEC("\n"
			   "      - topic_arn: " TOPIC "\n"
			   "        events: [Connect, Accept, Reject, Delete]\n"));
	cycle(f);
	expect_result(f, 1, 1, 0, 0);
	sim = sim_state(f);
	copy_id(svc_named(sim, "nfn"), id);
	cJSON_Delete(sim);
	hand_notification(f, foreign, TOPIC_2, "test-foreign-1", theirs);

	/* Created on the next cycle (the service exists now). */
	mark = log_mark(f);
	cycle(f);
	expect_result(f, 1, 1, 0, 0);
	assert_int_equal(count_calls(f, mark, NFN_NEW, id, "OK"), 1);
	assert_int_equal(count_calls(f, mark, NULL, NULL, NULL), 1);
	notifications_of(f, id, have, sizeof(have));
	assert_string_equal(have, TOPIC "=Accept,Connect,Delete,Reject");
	mark = log_mark(f);
	cycle(f);
	expect_result(f, 0, 0, 0, 0);
	assert_int_equal(count_calls(f, mark, NULL, NULL, NULL), 0);

	/* Events change: delete + create; a second topic: create. */
	configure(f, NULL,
		  NFN_SPEC("\n"
			   "      - topic_arn: " TOPIC "\n"
			   "        events: [Accept, Reject]\n"
			   "      - topic_arn: " TOPIC_2 "\n"
			   "        events: [Delete]\n"));
	mark = log_mark(f);
	cycle(f);
	expect_result(f, 3, 3, 0, 0);
	assert_int_equal(count_calls(f, mark, NFN_DEL, NULL, "OK"), 1);
	assert_int_equal(count_calls(f, mark, NFN_NEW, id, "OK"), 2);
	notifications_of(f, id, have, sizeof(have));
	assert_string_equal(have, TOPIC_2 "=Delete;" TOPIC "=Accept,Reject");

	/* One topic dropped from the spec, and one made by hand: both deleted in one call. */
	hand_notification(f, id, TOPIC_2, "test-extra-1", extra);
	configure(f, NULL,
		  NFN_SPEC("\n"
			   "      - topic_arn: " TOPIC "\n"
			   "        events: [Accept, Reject]\n"));
	mark = log_mark(f);
	cycle(f);
	expect_result(f, 1, 1, 0, 0);
	assert_int_equal(count_calls(f, mark, NFN_DEL, NULL, "OK"), 1);
	assert_int_equal(count_calls(f, mark, NFN_DEL, extra, "OK"), 1);
	notifications_of(f, id, have, sizeof(have));
	assert_string_equal(have, TOPIC "=Accept,Reject");

	/* [] removes every one; then nothing more. */
	configure(f, NULL, NFN_SPEC(" []\n"));
	cycle(f);
	expect_result(f, 1, 1, 0, 0);
	notifications_of(f, id, have, sizeof(have));
	assert_string_equal(have, "");
	mark = log_mark(f);
	cycle(f);
	expect_result(f, 0, 0, 0, 0);
	assert_int_equal(count_calls(f, mark, NULL, NULL, NULL), 0);
	/* The foreign service's notification: never read, never deleted. */
	assert_int_equal(
		count_calls(f, 0, "DescribeVpcEndpointConnectionNotifications", foreign, NULL), 0);
	assert_int_equal(count_calls(f, 0, NFN_DEL, theirs, NULL), 0);
	notifications_of(f, foreign, have, sizeof(have));
	assert_string_equal(have, TOPIC_2 "=Accept");
}

/* ---- issue 7: payer responsibility ------------------------------------------------- */

static void
test_payer_responsibility(void **state)
{
	struct fixture *f = *state;
	char id[ID_MAX];
	cJSON *sim;
	long mark;

	configure(f, NULL,
		  "services:\n"
		  "  - name: pay\n"
		  "    network_load_balancer_arns: [" NLB_A "]\n"
		  "    payer_responsibility: ServiceOwner\n");
	cycle(f);
	expect_result(f, 1, 1, 0, 0);
	sim = sim_state(f);
	copy_id(svc_named(sim, "pay"), id);
	assert_null(entry_str(svc_named(sim, "pay"), "payer_responsibility"));
	cJSON_Delete(sim);

	/* Applied once. */
	mark = log_mark(f);
	cycle(f);
	expect_result(f, 1, 1, 0, 0);
	assert_int_equal(count_calls(f, mark, PAYER, id, "OK"), 1);
	sim = sim_state(f);
	assert_string_equal(entry_str(svc_by_id(sim, id), "payer_responsibility"), "ServiceOwner");
	cJSON_Delete(sim);
	mark = log_mark(f);
	cycle(f);
	expect_result(f, 0, 0, 0, 0);
	assert_int_equal(count_calls(f, mark, NULL, NULL, NULL), 0);

	/* The key removed: one held item with the reason, every cycle, and no call. */
	configure(f, NULL,
		  "services:\n"
		  "  - name: pay\n"
		  "    network_load_balancer_arns: [" NLB_A "]\n");
	for (int i = 0; i < 2; i++) {
		mark = log_mark(f);
		cycle(f);
		expect_result(f, 0, 0, 0, 1);
		assert_int_equal(count_calls(f, mark, NULL, NULL, NULL), 0);
		assert_non_null(strstr(status_of(reconciler_status(f->rec), "pay")->held,
				       "cannot be set back"));
	}
	assert_int_equal(count_calls(f, 0, PAYER, NULL, NULL), 1);
}

/* ---- a service deleted behind vpcesd's back ------------------------------------ */

/* The ClientToken of the one create after `since`, into `token`. */
static void
create_token(struct fixture *f, long since, char token[ID_MAX])
{
	cJSON *log = log_since(f, since);
	const cJSON *entry;
	int n = 0;

	cJSON_ArrayForEach(entry, log)
	{
		const char *a = entry_str(entry, "action");
		const char *t =
			entry_str(cJSON_GetObjectItemCaseSensitive(entry, "params"), "ClientToken");

		if (a == NULL || strcmp(a, CREATE) != 0)
			continue;
		assert_non_null(t);
		snprintf(token, ID_MAX, "%s", t);
		n++;
	}
	cJSON_Delete(log);
	assert_int_equal(n, 1);
}

/*
 * The service of a converged spec deleted in the console.  vpcesd
 * remembers the name's service: the listing lacks it, a lookup by id says
 * it is gone, so the create moves to a new ClientToken at once — EC2 would
 * answer the old one with the dead service — and one create makes one new
 * service.  The same after a restart that kept the state file.
 */
static void
deleted_out_of_band(struct fixture *f, bool restart_between)
{
	const char *spec = "services:\n"
			   "  - name: ghost\n"
			   "    network_load_balancer_arns: [" NLB_A "]\n";
	char first[ID_MAX], second[ID_MAX], path[128];
	char token1[ID_MAX], token2[ID_MAX];
	struct capture cap;
	cJSON *sim;
	long mark;

	configure(f, NULL, spec);
	cycle(f);
	expect_result(f, 1, 1, 0, 0);
	assert_int_equal(count_calls(f, 0, CREATE, NULL, "OK"), 1);
	assert_int_equal(count_calls(f, 0, NULL, NULL, NULL), 1);
	create_token(f, 0, token1);
	sim = sim_state(f);
	copy_id(svc_named(sim, "ghost"), first);
	cJSON_Delete(sim);
	mark = log_mark(f);
	cycle(f);
	expect_result(f, 0, 0, 0, 0);
	assert_int_equal(count_calls(f, mark, NULL, NULL, NULL), 0);
	assert_true(status_of(reconciler_status(f->rec), "ghost")->converged);

	/* Deleted in the console: no API call of vpcesd's. */
	snprintf(path, sizeof(path), "/_sim/services/%s", first);
	mark = log_mark(f);
	assert_true(sim_do(&f->sim, "DELETE", path, NULL));
	assert_int_equal(log_mark(f), mark);
	if (restart_between)
		restart(f, false, -1, true);

	/* One create with a new token: one new service, never the dead one. */
	capture_start(f, &cap);
	mark = log_mark(f);
	cycle(f);
	expect_result(f, 1, 1, 0, 0);
	assert_int_equal(count_calls(f, mark, CREATE, NULL, "OK"), 1);
	assert_int_equal(count_calls(f, mark, NULL, NULL, NULL), 1);
	assert_int_equal(
		count_calls(f, mark, DESCRIBE, first, "InvalidVpcEndpointServiceId.NotFound"), 1);
	create_token(f, mark, token2);
	assert_string_not_equal(token2, token1);
	assert_int_equal(capture_count(&cap, "is gone (deleted outside vpcesd)", first), 1);
	sim = sim_state(f);
	assert_int_equal(n_services(sim), 1);
	copy_id(svc_named(sim, "ghost"), second);
	cJSON_Delete(sim);
	assert_string_not_equal(second, first);
	assert_string_equal(status_of(reconciler_status(f->rec), "ghost")->service_id, second);

	/* Converged: nothing mutating, exactly one live "ghost". */
	expect_converged_alone(f, "ghost", second);
	assert_int_equal(count_calls(f, 0, CREATE, NULL, "OK"), 2);
}

static void
test_deleted_out_of_band(void **state)
{
	deleted_out_of_band(*state, false);
}

static void
test_deleted_out_of_band_restart(void **state)
{
	deleted_out_of_band(*state, true);
}

/*
 * The same with the state lost (a first run on an account that has seen
 * vpcesd before): nothing remembers the dead service, so the create sends
 * the old token and EC2 answers with it.  The read-back does not find it:
 * not created, not converged, no exit 0 — and no second create while EC2
 * might merely be slow to show a new service.  Once PLAN_CONFIRM_WINDOW
 * has passed, the answer is taken for the phantom it is: a new token, one
 * real service.
 */
static void
test_phantom_without_state(void **state)
{
	struct fixture *f = *state;
	const char *spec = "services:\n"
			   "  - name: ghost\n"
			   "    network_load_balancer_arns: [" NLB_A "]\n";
	char first[ID_MAX], second[ID_MAX], path[128];
	char token1[ID_MAX], token2[ID_MAX], token3[ID_MAX];
	const struct status_service *s;
	cJSON *sim;
	long mark;

	configure(f, NULL, spec);
	cycle(f);
	expect_result(f, 1, 1, 0, 0);
	create_token(f, 0, token1);
	sim = sim_state(f);
	copy_id(svc_named(sim, "ghost"), first);
	cJSON_Delete(sim);
	snprintf(path, sizeof(path), "/_sim/services/%s", first);
	assert_true(sim_do(&f->sim, "DELETE", path, NULL));
	restart(f, false, -1, false);

	/* The replayed answer: read back, not found, so not created. */
	mark = log_mark(f);
	cycle(f);
	expect_result(f, 1, 0, 1, 0);
	assert_int_equal(f->res.phantoms, 0);
	assert_int_equal(count_calls(f, mark, CREATE, NULL, "OK"), 1);
	create_token(f, mark, token2);
	assert_string_equal(token2, token1);
	assert_true(count_calls(f, mark, DESCRIBE, first, "InvalidVpcEndpointServiceId.NotFound") >=
		    APPLY_VERIFY_TRIES);
	assert_false(f->res.converged_services);
	s = status_of(reconciler_status(f->rec), "ghost");
	assert_false(s->converged);
	assert_null(s->service_id); /* a dead id is not an id */
	assert_non_null(strstr(s->last_error, "does not show that service yet"));
	sim = sim_state(f);
	assert_int_equal(n_services(sim), 0);
	cJSON_Delete(sim);

	/* Within the window: waiting, no second create. */
	f->now = T0 + PLAN_CONFIRM_WINDOW - 1;
	mark = log_mark(f);
	cycle(f);
	expect_result(f, 0, 0, 0, 1);
	assert_int_equal(f->res.waiting, 1);
	assert_int_equal(count_calls(f, mark, NULL, NULL, NULL), 0);

	/* Past it: a phantom; the next token makes one real service. */
	f->now = T0 + PLAN_CONFIRM_WINDOW + 1;
	mark = log_mark(f);
	cycle(f);
	expect_result(f, 1, 1, 0, 0);
	create_token(f, mark, token3);
	assert_string_not_equal(token3, token1);
	sim = sim_state(f);
	assert_int_equal(n_services(sim), 1);
	copy_id(svc_named(sim, "ghost"), second);
	cJSON_Delete(sim);
	assert_string_not_equal(second, first);
	expect_converged_alone(f, "ghost", second);
	assert_int_equal(count_calls(f, 0, CREATE, NULL, "OK"), 3);
}

/*
 * The same with principals: the name moves on as soon as the listing
 * lacks the remembered service, and the new one gets its principal.
 */
static void
test_deleted_out_of_band_principals(void **state)
{
	struct fixture *f = *state;
	const char *spec = "services:\n"
			   "  - name: ghost\n"
			   "    network_load_balancer_arns: [" NLB_A "]\n"
			   "    allowed_principals: [" P_ROLE "]\n";
	char first[ID_MAX], second[ID_MAX], path[128];
	char token1[ID_MAX], token2[ID_MAX];
	cJSON *sim;
	long mark;

	configure(f, NULL, spec);
	cycle(f);
	expect_result(f, 1, 1, 0, 0);
	assert_int_equal(count_calls(f, 0, PERMS, NULL, "OK"), 1);
	create_token(f, 0, token1);
	sim = sim_state(f);
	copy_id(svc_named(sim, "ghost"), first);
	cJSON_Delete(sim);

	snprintf(path, sizeof(path), "/_sim/services/%s", first);
	assert_true(sim_do(&f->sim, "DELETE", path, NULL));
	mark = log_mark(f);
	cycle(f);
	expect_result(f, 1, 1, 0, 0);
	assert_int_equal(count_calls(f, mark, CREATE, NULL, "OK"), 1);
	assert_int_equal(count_calls(f, mark, PERMS, NULL, "OK"), 1);
	assert_int_equal(count_calls(f, mark, NULL, first, NULL), 0);
	create_token(f, mark, token2);
	assert_string_not_equal(token2, token1);
	sim = sim_state(f);
	assert_int_equal(n_services(sim), 1);
	copy_id(svc_named(sim, "ghost"), second);
	expect_set(svc_by_id(sim, second), "allowed_principals", P_ROLE, NULL);
	cJSON_Delete(sim);
	assert_string_not_equal(second, first);
	expect_converged_alone(f, "ghost", second);
}

/*
 * The clock skew the EC2 client reports with every call: said once when it
 * is first corrected for, again only when it moves by more than a minute,
 * once when the clocks agree again; always in the status.
 */
static void
test_clock_skew_logged_once(void **state)
{
	static const long skews[] = {0, 1200, 1201, 1199, 1230, 1261, 1261, 0, 0, -600, -650};
	struct fixture *f = *state;
	char path[600], text[4096], stream[64];
	struct stat st;
	int saved, fd;
	ssize_t n;

	snprintf(path, sizeof(path), "%s/stderr.log", f->dir);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	assert_true(fd >= 0);
	saved = dup(STDERR_FILENO);
	assert_true(saved >= 0);
	assert_true(dup2(fd, STDERR_FILENO) >= 0);
	/* As on the journal's stream: bare "<N>" prefixes, no timestamps (log.h). */
	assert_int_equal(fstat(fd, &st), 0);
	snprintf(stream, sizeof(stream), "%llu:%llu", (unsigned long long)st.st_dev,
		 (unsigned long long)st.st_ino);
	setenv("JOURNAL_STREAM", stream, 1);
	log_setup(LOG_TARGET_STDERR, LOG_NOTICE);
	close(fd);
	for (size_t i = 0; i < sizeof(skews) / sizeof(skews[0]); i++) {
		struct aws_call_record rec = {
			.service = "ec2",
			.action = "DescribeVpcEndpointServiceConfigurations",
			.attempts = 1,
			.clock_skew = skews[i],
		};

		reconciler_observe_call(f->rec, &rec);
		assert_int_equal(reconciler_status(f->rec)->clock_skew_seconds, skews[i]);
	}
	unsetenv("JOURNAL_STREAM");
	log_setup(LOG_TARGET_STDERR, LOG_WARNING);
	assert_true(dup2(saved, STDERR_FILENO) >= 0);
	close(saved);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	n = read(fd, text, sizeof(text) - 1);
	close(fd);
	unlink(path);
	assert_true(n > 0);
	text[n] = '\0';
	assert_string_equal(text,
			    "<4>clock skew of 1200 s (local clock behind EC2), correcting "
			    "VPCESD_CLOCK_SKEW=1200\n"
			    "<4>clock skew of 1261 s (local clock behind EC2), correcting "
			    "VPCESD_CLOCK_SKEW=1261\n"
			    "<5>the local clock agrees with EC2 again; no longer correcting for "
			    "clock skew VPCESD_CLOCK_SKEW=0\n"
			    "<4>clock skew of 600 s (local clock ahead of EC2), correcting "
			    "VPCESD_CLOCK_SKEW=-600\n");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_converge_from_empty, setup, teardown),
		cmocka_unit_test_setup_teardown(test_drift_repaired, setup, teardown),
		cmocka_unit_test_setup_teardown(test_chain_stops_at_failure, setup, teardown),
		cmocka_unit_test_setup_teardown(test_foreign_untouched, setup, teardown),
		cmocka_unit_test_setup_teardown(test_adopt, setup, teardown),
		cmocka_unit_test_setup_teardown(test_adopt_replaces_owned, setup, teardown),
		cmocka_unit_test_setup_teardown(test_adopt_foreign_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_policy_sync, setup, teardown),
		cmocka_unit_test_setup_teardown(test_policy_upsert_only, setup, teardown),
		cmocka_unit_test_setup_teardown(test_policy_create_only, setup, teardown),
		cmocka_unit_test_setup_teardown(test_policy_override, setup, teardown),
		cmocka_unit_test_setup_teardown(test_failed_services, setup, teardown),
		cmocka_unit_test_setup_teardown(test_delete_guard, setup, teardown),
		cmocka_unit_test_setup_teardown(test_delete_valve, setup, teardown),
		cmocka_unit_test_setup_teardown(test_duplicates, setup, teardown),
		cmocka_unit_test_setup_teardown(test_eventual_consistency, setup, teardown),
		cmocka_unit_test_setup_teardown(test_create_while_unlisted, setup, teardown),
		cmocka_unit_test_setup_teardown(test_readd_after_delete, setup, teardown),
		cmocka_unit_test_setup_teardown(test_failure_isolation_backoff, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dry_run, setup, teardown),
		cmocka_unit_test(test_exit_codes),
		cmocka_unit_test_setup_teardown(test_read_budget, setup, teardown),
		cmocka_unit_test_setup_teardown(test_early_round, setup, teardown),
		cmocka_unit_test_setup_teardown(test_early_round_while_reading, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reads_carry_their_own_time, setup, teardown),
		cmocka_unit_test_setup_teardown(test_observation_failure, setup, teardown),
		cmocka_unit_test_setup_teardown(test_connection_policy, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dns_verification, setup, teardown),
		cmocka_unit_test_setup_teardown(test_notifications, setup, teardown),
		cmocka_unit_test_setup_teardown(test_payer_responsibility, setup, teardown),
		cmocka_unit_test_setup_teardown(test_deleted_out_of_band, setup, teardown),
		cmocka_unit_test_setup_teardown(test_deleted_out_of_band_restart, setup, teardown),
		cmocka_unit_test_setup_teardown(test_phantom_without_state, setup, teardown),
		cmocka_unit_test_setup_teardown(test_clock_skew_logged_once, setup, teardown),
		cmocka_unit_test_setup_teardown(test_deleted_out_of_band_principals, setup,
						teardown),
	};

	if (getenv("EC2SIM_ENDPOINT") == NULL) {
		fprintf(stderr, "SKIP: run through tests/with-ec2sim.sh\n");
		return 77;
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
