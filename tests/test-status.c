/* SPDX-License-Identifier: ISC */
/*
 * Unit tests for status.h: the exact JSON document (keys, order, nulls, RFC
 * 3339 times), the exact metrics text and its grammar, label escaping,
 * counter aggregation and bounds, and the service list helpers.  The file
 * write itself is tests/test-atomic.c.
 */
#include "config.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <cmocka.h>
#include <ev.h>

#include "status.h"
#include "writer.h"

#define T0 ((time_t)1795901400) /* 2026-11-28T21:30:00Z */

#define DESCRIBE "DescribeVpcEndpointServiceConfigurations"
#define MODIFY   "ModifyVpcEndpointServicePermissions"

static char *
xstrdup(const char *s)
{
	char *p = strdup(s);

	assert_non_null(p);
	return p;
}

static void
push(struct strv *sv, const char *s)
{
	assert_int_equal(strv_push(sv, s), 0);
}

/*
 * A small status: "api-b" is created first and knows nothing but a hold;
 * "api-a" has every field set.  Three calls and two changes are counted.
 */
static void
fill_small(struct status *s)
{
	struct status_service *svc;

	status_init(s);
	s->owner = xstrdup("team-a");
	s->region = xstrdup("eu-west-1");
	s->state_file = xstrdup("/var/lib/vpcesd/state.json");
	s->state_error = xstrdup("unreadable");
	s->clock_skew_seconds = -1200; /* the local clock 20 minutes ahead of EC2 */
	s->health = STATUS_DEGRADED;
	s->health_reason = xstrdup("1 change failed: api-a: " MODIFY ": UnauthorizedOperation");
	s->cycle.number = 7;
	s->cycle.started = T0;
	s->cycle.ended = T0 + 12;
	s->cycle.duration = 12.25;
	s->cycle.observed = true;
	s->cycle.changes_applied = 2;
	s->cycle.changes_failed = 1;
	s->cycle.held = 1;
	s->cycle.reads = 3;
	s->cycle.reads_deferred = 2;
	push(&s->cycle.errors, "api-a: " MODIFY ": UnauthorizedOperation");
	s->totals.cycles = 7;
	s->totals.consecutive_failed_cycles = 2;
	s->totals.last_success = T0 - 60;

	svc = status_service_get(s, "api-b");
	assert_non_null(svc);
	svc->held = xstrdup("waiting");

	svc = status_service_get(s, "api-a");
	assert_non_null(svc);
	svc->service_id = xstrdup("vpce-svc-0123456789abcdef0");
	svc->service_name = xstrdup("com.amazonaws.vpce.eu-west-1.vpce-svc-0123456789abcdef0");
	svc->state = xstrdup("Available");
	svc->acceptance_required = true;
	push(&svc->load_balancer_arns,
	     "arn:aws:elasticloadbalancing:eu-west-1:111122223333:loadbalancer/net/a/1");
	push(&svc->base_endpoint_dns_names,
	     "vpce-svc-0123456789abcdef0.eu-west-1.vpce.amazonaws.com");
	push(&svc->availability_zones, "eu-west-1a");
	push(&svc->availability_zones, "eu-west-1b");
	push(&svc->supported_ip_address_types, "ipv4");
	svc->private_dns_name = xstrdup("api.example.com");
	svc->private_dns_state = xstrdup("pendingVerification");
	svc->private_dns_txt_name = xstrdup("_vpce:abc");
	svc->private_dns_txt_value = xstrdup("vpce:xyz");
	svc->regions = calloc(1, sizeof(*svc->regions));
	assert_non_null(svc->regions);
	svc->n_regions = 1;
	svc->regions[0].region = xstrdup("eu-west-1");
	svc->regions[0].state = xstrdup("Available");
	svc->principals_known = true;
	push(&svc->allowed_principals, "arn:aws:iam::444455556666:root");
	svc->connections_known = true;
	svc->connections = calloc(3, sizeof(*svc->connections));
	assert_non_null(svc->connections);
	svc->n_connections = 3;
	svc->connections[0].endpoint_id = xstrdup("vpce-0a");
	svc->connections[0].owner = xstrdup("444455556666");
	svc->connections[0].state = xstrdup("available");
	svc->connections[0].since = T0 - 60;
	svc->connections[1].endpoint_id = xstrdup("vpce-0b");
	svc->connections[1].owner = xstrdup("777788889999");
	svc->connections[1].state = xstrdup("pendingAcceptance");
	svc->connections[2].endpoint_id = xstrdup("vpce-0c");
	svc->connections[2].owner = xstrdup("444455556666");
	svc->connections[2].state = xstrdup("available");
	svc->last_change = xstrdup("created");
	svc->last_change_at = T0 + 3;
	svc->observed_at = T0 + 1;
	svc->principals_at = T0 + 1;
	svc->connections_at = T0 - 30; /* an earlier cycle's read, under the budget */
	svc->contested = true;
	svc->contested_diff = xstrdup("acceptance_required: false \u2192 true");
	svc->contested_repeats = 2;
	svc->contested_until = T0 + 120;
	svc->last_error = xstrdup(MODIFY ": UnauthorizedOperation");
	svc->last_error_at = T0 + 11;
	svc->consecutive_failures = 1;
	svc->next_retry = T0 + 42;

	assert_int_equal(status_count_call(s, MODIFY, "UnauthorizedOperation", 1), 0);
	assert_int_equal(status_count_call(s, DESCRIBE, NULL, 0), 0);
	assert_int_equal(status_count_call(s, DESCRIBE, "", 2), 0);
	assert_int_equal(status_observe_latency(s, DESCRIBE, 0.03), 0);
	assert_int_equal(status_observe_latency(s, DESCRIBE, 75), 0); /* past every bound */
	assert_int_equal(status_observe_latency(s, MODIFY, 0.25), 0); /* on a bound: in it */
	assert_int_equal(status_observe_latency(s, MODIFY, -1), -EINVAL);
	assert_int_equal(status_count_change(s, "create_service", "done"), 0);
	assert_int_equal(status_count_change(s, "add_permissions", "failed"), 0);
}

/* The document, parsed back (it must be JSON) and printed compactly. */
static cJSON *
parse_json(const struct status *s)
{
	struct buf b;
	cJSON *j;

	buf_init(&b, 1 << 20);
	assert_int_equal(status_json(s, &b), 0);
	assert_true(b.len > 0 && b.data[b.len - 1] == '\n');
	j = cJSON_Parse(b.data);
	assert_non_null(j);
	buf_free(&b);
	return j;
}

static char *
render_json(const struct status *s)
{
	cJSON *j = parse_json(s);
	char *text;

	text = cJSON_PrintUnformatted(j);
	cJSON_Delete(j);
	assert_non_null(text);
	return text;
}

static const char small_json[] =
	"{\"version\":1,\"owner\":\"team-a\",\"region\":\"eu-west-1\",\"health\":\"degraded\","
	"\"health_reason\":\"1 change failed: api-a: " MODIFY ": UnauthorizedOperation\","
	"\"generated_at\":\"2026-11-28T21:30:12Z\","
	"\"state\":{\"file\":\"/var/lib/vpcesd/state.json\",\"error\":\"unreadable\"},"
	"\"clock_skew_seconds\":-1200,"
	"\"cycle\":{\"number\":7,\"started\":\"2026-11-28T21:30:00Z\","
	"\"ended\":\"2026-11-28T21:30:12Z\",\"observed\":true,\"dry_run\":false,"
	"\"changes\":{\"applied\":2,\"failed\":1,\"skipped\":0,\"held\":1},"
	"\"reads\":{\"made\":3,\"deferred\":2},"
	"\"errors\":[\"api-a: " MODIFY ": UnauthorizedOperation\"],"
	"\"api_calls\":{"
	"\"" DESCRIBE "\":{\"calls\":2,\"errors\":0,\"throttled\":2,\"error_codes\":{}},"
	"\"" MODIFY "\":{\"calls\":1,\"errors\":1,\"throttled\":1,"
	"\"error_codes\":{\"UnauthorizedOperation\":1}}}},"
	"\"services\":["
	"{\"name\":\"api-a\",\"service_id\":\"vpce-svc-0123456789abcdef0\","
	"\"service_name\":\"com.amazonaws.vpce.eu-west-1.vpce-svc-0123456789abcdef0\","
	"\"state\":\"Available\",\"observed_at\":\"2026-11-28T21:30:01Z\",\"stale\":false,"
	"\"verified_at\":{\"config\":\"2026-11-28T21:30:01Z\",\"principals\":"
	"\"2026-11-28T21:30:01Z\",\"connections\":\"2026-11-28T21:29:30Z\",\"notifications\":null},"
	"\"acceptance_required\":true,"
	"\"load_balancer_arns\":[\"arn:aws:elasticloadbalancing:eu-west-1:111122223333:"
	"loadbalancer/net/a/1\"],"
	"\"base_endpoint_dns_names\":[\"vpce-svc-0123456789abcdef0.eu-west-1.vpce.amazonaws.com\"],"
	"\"availability_zones\":[\"eu-west-1a\",\"eu-west-1b\"],"
	"\"supported_ip_address_types\":[\"ipv4\"],"
	"\"private_dns\":{\"name\":\"api.example.com\",\"state\":\"pendingVerification\","
	"\"txt_name\":\"_vpce:abc\",\"txt_value\":\"vpce:xyz\"},"
	"\"supported_regions\":[{\"region\":\"eu-west-1\",\"state\":\"Available\"}],"
	"\"allowed_principals\":[\"arn:aws:iam::444455556666:root\"],"
	"\"connections\":["
	"{\"endpoint_id\":\"vpce-0a\",\"owner\":\"444455556666\",\"state\":\"available\","
	"\"since\":\"2026-11-28T21:29:00Z\"},"
	"{\"endpoint_id\":\"vpce-0b\",\"owner\":\"777788889999\","
	"\"state\":\"pendingAcceptance\",\"since\":null},"
	"{\"endpoint_id\":\"vpce-0c\",\"owner\":\"444455556666\",\"state\":\"available\","
	"\"since\":null}],"
	"\"converged\":false,\"held\":null,\"retained\":false,"
	"\"contested\":{\"change\":\"acceptance_required: false \u2192 true\",\"repeats\":2,"
	"\"until\":\"2026-11-28T21:32:00Z\"},"
	"\"last_change\":{\"text\":\"created\",\"at\":\"2026-11-28T21:30:03Z\"},"
	"\"last_error\":{\"text\":\"" MODIFY ": UnauthorizedOperation\","
	"\"at\":\"2026-11-28T21:30:11Z\"},"
	"\"consecutive_failures\":1,\"next_retry\":\"2026-11-28T21:30:42Z\"},"
	"{\"name\":\"api-b\",\"service_id\":null,\"service_name\":null,\"state\":null,"
	"\"observed_at\":null,\"stale\":false,\"verified_at\":{\"config\":null,\"principals\":null,"
	"\"connections\":null,\"notifications\":null},\"acceptance_required\":false,\"load_"
	"balancer_arns\":"
	"[],\"base_endpoint_dns_names\":[],"
	"\"availability_zones\":[],\"supported_ip_address_types\":[],\"private_dns\":null,"
	"\"supported_regions\":[],\"allowed_principals\":null,\"connections\":null,"
	"\"converged\":false,"
	"\"held\":\"waiting\",\"retained\":false,\"contested\":null,\"last_change\":null,\"last_"
	"error\":null,"
	"\"consecutive_failures\":0,\"next_retry\":null}]}";

static void
test_json_exact(void **state)
{
	struct status s;
	char *text;
	cJSON *back;

	(void)state;
	fill_small(&s);
	text = render_json(&s);
	assert_string_equal(text, small_json);
	/* It parses back, and the question the file exists for has its answer. */
	back = cJSON_Parse(text);
	assert_non_null(back);
	{
		cJSON *svcs = cJSON_GetObjectItemCaseSensitive(back, "services");
		cJSON *a = cJSON_GetArrayItem(svcs, 0);
		cJSON *sn = cJSON_GetObjectItemCaseSensitive(a, "service_name");

		assert_true(cJSON_IsString(sn));
		assert_string_equal(sn->valuestring,
				    "com.amazonaws.vpce.eu-west-1.vpce-svc-0123456789abcdef0");
	}
	cJSON_Delete(back);
	free(text);
	status_free(&s);
}

static void
test_json_starting_is_all_nulls(void **state)
{
	struct status s;
	char *text;

	(void)state;
	status_init(&s);
	text = render_json(&s);
	assert_string_equal(text,
			    "{\"version\":1,\"owner\":null,\"region\":null,\"health\":\"starting\","
			    "\"health_reason\":\"no cycle has finished yet\","
			    "\"generated_at\":null,\"state\":{\"file\":null,\"error\":null},"
			    "\"clock_skew_seconds\":0,"
			    "\"cycle\":{\"number\":0,\"started\":null,"
			    "\"ended\":null,\"observed\":false,\"dry_run\":false,"
			    "\"changes\":{\"applied\":0,\"failed\":0,\"skipped\":0,\"held\":0},"
			    "\"reads\":{\"made\":0,\"deferred\":0},"
			    "\"errors\":[],\"api_calls\":{}},\"services\":[]}");
	free(text);
	status_free(&s);
	/* status_free leaves a usable, empty status; a second free is harmless. */
	status_free(&s);
	status_free(NULL);
}

/* generated_at of a status whose cycle ended at `t`, as JSON text. */
static char *
json_time(time_t t)
{
	struct status s;
	cJSON *j, *v;
	char *text;

	status_init(&s);
	s.cycle.ended = t;
	j = parse_json(&s);
	v = cJSON_GetObjectItemCaseSensitive(j, "generated_at");
	assert_non_null(v);
	text = cJSON_PrintUnformatted(v);
	assert_non_null(text);
	cJSON_Delete(j);
	return text;
}

static void
test_json_times(void **state)
{
	static const struct {
		time_t t;
		const char *json;
	} cases[] = {
		{0, "null"},
		{-1, "null"},
		{1, "\"1970-01-01T00:00:01Z\""},
		{T0, "\"2026-11-28T21:30:00Z\""},
		{951782400, "\"2000-02-29T00:00:00Z\""},
		{(time_t)253402300799, "\"9999-12-31T23:59:59Z\""},
		{(time_t)253402300800, "null"}, /* year 10000 is not RFC 3339 */
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *text = json_time(cases[i].t);

		assert_string_equal(text, cases[i].json);
		free(text);
	}
}

static void
test_health_names(void **state)
{
	(void)state;
	assert_string_equal(status_health_name(STATUS_STARTING), "starting");
	assert_string_equal(status_health_name(STATUS_CONVERGED), "converged");
	assert_string_equal(status_health_name(STATUS_PENDING), "pending");
	assert_string_equal(status_health_name(STATUS_DEGRADED), "degraded");
	assert_string_equal(status_health_name(STATUS_UNREACHABLE), "unreachable");
	assert_string_equal(status_health_name(99), "unknown");
	assert_string_equal(status_health_name(-1), "unknown");
}

/* --- metrics -------------------------------------------------------------- */

static const char small_metrics[] =
	"# HELP vpcesd_build_info Always 1; the version of vpcesd is in the label.\n"
	"# TYPE vpcesd_build_info gauge\n"
	"vpcesd_build_info{version=\"" PACKAGE_VERSION "\"} 1\n"
	"# HELP vpcesd_health Health of the last cycle: 1 for the current value, 0 for the "
	"others.\n"
	"# TYPE vpcesd_health gauge\n"
	"vpcesd_health{health=\"starting\"} 0\n"
	"vpcesd_health{health=\"converged\"} 0\n"
	"vpcesd_health{health=\"pending\"} 0\n"
	"vpcesd_health{health=\"degraded\"} 1\n"
	"vpcesd_health{health=\"unreachable\"} 0\n"
	"# HELP vpcesd_cycles_total Reconciliation cycles finished.\n"
	"# TYPE vpcesd_cycles_total counter\n"
	"vpcesd_cycles_total 7\n"
	"# HELP vpcesd_consecutive_failed_cycles Cycles in a row that ended with a failure.\n"
	"# TYPE vpcesd_consecutive_failed_cycles gauge\n"
	"vpcesd_consecutive_failed_cycles 2\n"
	"# HELP vpcesd_last_success_timestamp_seconds End of the last cycle without failure (Unix "
	"time, 0 if none).\n"
	"# TYPE vpcesd_last_success_timestamp_seconds gauge\n"
	"vpcesd_last_success_timestamp_seconds 1795901340\n"
	"# HELP vpcesd_last_cycle_timestamp_seconds End of the last cycle, failed or not (Unix "
	"time, 0 before the first).\n"
	"# TYPE vpcesd_last_cycle_timestamp_seconds gauge\n"
	"vpcesd_last_cycle_timestamp_seconds 1795901412\n"
	"# HELP vpcesd_cycle_duration_seconds Duration of the last cycle, seconds.\n"
	"# TYPE vpcesd_cycle_duration_seconds gauge\n"
	"vpcesd_cycle_duration_seconds 12.25\n"
	"# HELP vpcesd_clock_skew_seconds Clock skew corrected for: EC2's clock minus the local "
	"one, seconds (0 within 4 minutes).\n"
	"# TYPE vpcesd_clock_skew_seconds gauge\n"
	"vpcesd_clock_skew_seconds -1200\n"
	"# HELP vpcesd_reads Detail reads the last cycle made.\n"
	"# TYPE vpcesd_reads gauge\n"
	"vpcesd_reads 3\n"
	"# HELP vpcesd_reads_deferred Detail reads the last cycle's budget left for later cycles.\n"
	"# TYPE vpcesd_reads_deferred gauge\n"
	"vpcesd_reads_deferred 2\n"
	"# HELP vpcesd_oldest_read_age_seconds Age of the oldest detail read the status shows, by "
	"kind (0: none).\n"
	"# TYPE vpcesd_oldest_read_age_seconds gauge\n"
	"vpcesd_oldest_read_age_seconds{read=\"principals\"} 11\n"
	"vpcesd_oldest_read_age_seconds{read=\"connections\"} 42\n"
	"vpcesd_oldest_read_age_seconds{read=\"notifications\"} 0\n"
	"# HELP vpcesd_changes_total Planned changes by kind and outcome (done, failed, skipped).\n"
	"# TYPE vpcesd_changes_total counter\n"
	"vpcesd_changes_total{kind=\"add_permissions\",outcome=\"failed\"} 1\n"
	"vpcesd_changes_total{kind=\"create_service\",outcome=\"done\"} 1\n"
	"# HELP vpcesd_held_changes Changes the last cycle held back (waiting, policy, safety "
	"valve).\n"
	"# TYPE vpcesd_held_changes gauge\n"
	"vpcesd_held_changes 1\n"
	"# HELP vpcesd_api_calls_total Finished AWS API calls by action and outcome code (OK for "
	"success).\n"
	"# TYPE vpcesd_api_calls_total counter\n"
	"vpcesd_api_calls_total{action=\"" DESCRIBE "\",code=\"OK\"} 2\n"
	"vpcesd_api_calls_total{action=\"" MODIFY "\",code=\"UnauthorizedOperation\"} 1\n"
	"# HELP vpcesd_api_errors_total Failed AWS API calls by action and error code.\n"
	"# TYPE vpcesd_api_errors_total counter\n"
	"vpcesd_api_errors_total{action=\"" MODIFY "\",code=\"UnauthorizedOperation\"} 1\n"
	"# HELP vpcesd_api_throttled_total Throttled AWS API attempts by action.\n"
	"# TYPE vpcesd_api_throttled_total counter\n"
	"vpcesd_api_throttled_total{action=\"" DESCRIBE "\"} 2\n"
	"vpcesd_api_throttled_total{action=\"" MODIFY "\"} 1\n"
	"# HELP vpcesd_api_request_duration_seconds EC2 and STS calls by action: seconds from the "
	"call to its answer, pacing and retries included.\n"
	"# TYPE vpcesd_api_request_duration_seconds histogram\n"
	"vpcesd_api_request_duration_seconds_bucket{action=\"" DESCRIBE "\",le=\"0.01\"} 0\n"
	"vpcesd_api_request_duration_seconds_bucket{action=\"" DESCRIBE "\",le=\"0.025\"} 0\n"
	"vpcesd_api_request_duration_seconds_bucket{action=\"" DESCRIBE "\",le=\"0.05\"} 1\n"
	"vpcesd_api_request_duration_seconds_bucket{action=\"" DESCRIBE "\",le=\"0.1\"} 1\n"
	"vpcesd_api_request_duration_seconds_bucket{action=\"" DESCRIBE "\",le=\"0.25\"} 1\n"
	"vpcesd_api_request_duration_seconds_bucket{action=\"" DESCRIBE "\",le=\"0.5\"} 1\n"
	"vpcesd_api_request_duration_seconds_bucket{action=\"" DESCRIBE "\",le=\"1\"} 1\n"
	"vpcesd_api_request_duration_seconds_bucket{action=\"" DESCRIBE "\",le=\"2.5\"} 1\n"
	"vpcesd_api_request_duration_seconds_bucket{action=\"" DESCRIBE "\",le=\"5\"} 1\n"
	"vpcesd_api_request_duration_seconds_bucket{action=\"" DESCRIBE "\",le=\"10\"} 1\n"
	"vpcesd_api_request_duration_seconds_bucket{action=\"" DESCRIBE "\",le=\"30\"} 1\n"
	"vpcesd_api_request_duration_seconds_bucket{action=\"" DESCRIBE "\",le=\"60\"} 1\n"
	"vpcesd_api_request_duration_seconds_bucket{action=\"" DESCRIBE "\",le=\"+Inf\"} 2\n"
	"vpcesd_api_request_duration_seconds_sum{action=\"" DESCRIBE "\"} 75.03\n"
	"vpcesd_api_request_duration_seconds_count{action=\"" DESCRIBE "\"} 2\n"
	"vpcesd_api_request_duration_seconds_bucket{action=\"" MODIFY "\",le=\"0.01\"} 0\n"
	"vpcesd_api_request_duration_seconds_bucket{action=\"" MODIFY "\",le=\"0.025\"} 0\n"
	"vpcesd_api_request_duration_seconds_bucket{action=\"" MODIFY "\",le=\"0.05\"} 0\n"
	"vpcesd_api_request_duration_seconds_bucket{action=\"" MODIFY "\",le=\"0.1\"} 0\n"
	"vpcesd_api_request_duration_seconds_bucket{action=\"" MODIFY "\",le=\"0.25\"} 1\n"
	"vpcesd_api_request_duration_seconds_bucket{action=\"" MODIFY "\",le=\"0.5\"} 1\n"
	"vpcesd_api_request_duration_seconds_bucket{action=\"" MODIFY "\",le=\"1\"} 1\n"
	"vpcesd_api_request_duration_seconds_bucket{action=\"" MODIFY "\",le=\"2.5\"} 1\n"
	"vpcesd_api_request_duration_seconds_bucket{action=\"" MODIFY "\",le=\"5\"} 1\n"
	"vpcesd_api_request_duration_seconds_bucket{action=\"" MODIFY "\",le=\"10\"} 1\n"
	"vpcesd_api_request_duration_seconds_bucket{action=\"" MODIFY "\",le=\"30\"} 1\n"
	"vpcesd_api_request_duration_seconds_bucket{action=\"" MODIFY "\",le=\"60\"} 1\n"
	"vpcesd_api_request_duration_seconds_bucket{action=\"" MODIFY "\",le=\"+Inf\"} 1\n"
	"vpcesd_api_request_duration_seconds_sum{action=\"" MODIFY "\"} 0.25\n"
	"vpcesd_api_request_duration_seconds_count{action=\"" MODIFY "\"} 1\n"
	"# HELP vpcesd_services Services by EC2 state (unknown: not read yet).\n"
	"# TYPE vpcesd_services gauge\n"
	"vpcesd_services{state=\"Available\"} 1\n"
	"vpcesd_services{state=\"Deleted\"} 0\n"
	"vpcesd_services{state=\"Deleting\"} 0\n"
	"vpcesd_services{state=\"Failed\"} 0\n"
	"vpcesd_services{state=\"Pending\"} 0\n"
	"vpcesd_services{state=\"unknown\"} 1\n"
	"# HELP vpcesd_services_converged Services the last cycle found equal to their spec.\n"
	"# TYPE vpcesd_services_converged gauge\n"
	"vpcesd_services_converged 0\n"
	"# HELP vpcesd_services_held Services with a change held back (retained ones not "
	"counted).\n"
	"# TYPE vpcesd_services_held gauge\n"
	"vpcesd_services_held 1\n"
	"# HELP vpcesd_services_retained Owned services no spec names, kept as the policy says.\n"
	"# TYPE vpcesd_services_retained gauge\n"
	"vpcesd_services_retained 0\n"
	"# HELP vpcesd_services_failing Services whose last change failed.\n"
	"# TYPE vpcesd_services_failing gauge\n"
	"vpcesd_services_failing 1\n"
	"# HELP vpcesd_services_contested Services someone else keeps changing back.\n"
	"# TYPE vpcesd_services_contested gauge\n"
	"vpcesd_services_contested 1\n"
	"# HELP vpcesd_services_stale Services the last cycle could not read (values as last "
	"seen).\n"
	"# TYPE vpcesd_services_stale gauge\n"
	"vpcesd_services_stale 0\n"
	"# HELP vpcesd_service_converged 1 when the service equals its spec.\n"
	"# TYPE vpcesd_service_converged gauge\n"
	"vpcesd_service_converged{service=\"api-a\"} 0\n"
	"vpcesd_service_converged{service=\"api-b\"} 0\n"
	"# HELP vpcesd_service_contested 1 while someone else keeps changing the service back.\n"
	"# TYPE vpcesd_service_contested gauge\n"
	"vpcesd_service_contested{service=\"api-a\"} 1\n"
	"vpcesd_service_contested{service=\"api-b\"} 0\n"
	"# HELP vpcesd_service_consecutive_failures Failed changes in a row for the service.\n"
	"# TYPE vpcesd_service_consecutive_failures gauge\n"
	"vpcesd_service_consecutive_failures{service=\"api-a\"} 1\n"
	"vpcesd_service_consecutive_failures{service=\"api-b\"} 0\n"
	"# HELP vpcesd_service_connections Endpoint connections of the service by state (when "
	"read).\n"
	"# TYPE vpcesd_service_connections gauge\n"
	"vpcesd_service_connections{service=\"api-a\",state=\"available\"} 2\n"
	"vpcesd_service_connections{service=\"api-a\",state=\"pendingAcceptance\"} 1\n";

/*
 * A checker for the text exposition format 0.0.4, as much of it as we emit:
 * "# HELP name text", "# TYPE name type" (once per family, before its
 * samples), samples "name{label="value",...} value" with escaped values.
 * Returns NULL when `text` is valid, else a static description of the first
 * problem (the offending line goes to stderr).
 */
static bool
is_name_start(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':';
}

static bool
is_name_char(char c)
{
	return is_name_start(c) || (c >= '0' && c <= '9');
}

/* Length of the metric (or, with colon false, label) name at p; 0 if none. */
static size_t
name_len(const char *p, bool colon)
{
	size_t n = 0;

	if (!is_name_start(p[0]) || (!colon && p[0] == ':'))
		return 0;
	while (is_name_char(p[n]) && (colon || p[n] != ':'))
		n++;
	return n;
}

static const char *
check_exposition(const char *text)
{
	char typed[64][96];
	bool histogram[64];
	size_t n_typed = 0;
	const char *line = text;

	if (*text == '\0' || text[strlen(text) - 1] != '\n')
		return "must end with a newline";
	while (*line) {
		const char *end = strchr(line, '\n');
		const char *p = line;
		const char *problem = NULL;
		size_t n;

		if (strncmp(p, "# HELP ", 7) == 0 || strncmp(p, "# TYPE ", 7) == 0) {
			bool type = p[2] == 'T';

			p += 7;
			n = name_len(p, true);
			if (n == 0 || p[n] != ' ')
				problem = "bad family name";
			else if (type) {
				const char *t = p + n + 1;
				size_t tl = (size_t)(end - t);
				bool ok = false;

				for (const char *const *k =
					     (const char *const[]){"counter", "gauge", "histogram",
								   "summary", "untyped", NULL};
				     *k; k++)
					ok = ok || (strlen(*k) == tl && strncmp(*k, t, tl) == 0);
				if (!ok)
					problem = "bad type";
				for (size_t i = 0; problem == NULL && i < n_typed; i++)
					if (strlen(typed[i]) == n && strncmp(typed[i], p, n) == 0)
						problem = "family typed twice";
				if (problem == NULL && (n_typed == 64 || n >= sizeof(typed[0])))
					problem = "checker limits";
				if (problem == NULL) {
					histogram[n_typed] =
						tl == 9 && strncmp(t, "histogram", 9) == 0;
					memcpy(typed[n_typed], p, n);
					typed[n_typed++][n] = '\0';
				}
			} else {
				for (const char *q = p + n + 1; q < end && problem == NULL; q++)
					if (*q == '\\' && !(q[1] == '\\' || q[1] == 'n'))
						problem = "bad escape in HELP";
			}
		} else if (*p == '#') {
			problem = "unknown comment";
		} else {
			bool found = false;

			n = name_len(p, true);
			if (n == 0)
				problem = "bad metric name";
			for (size_t i = 0; i < n_typed; i++) {
				size_t tn = strlen(typed[i]);

				found = found || (tn == n && strncmp(typed[i], p, n) == 0);
				/* A histogram's samples: NAME_bucket, NAME_sum, NAME_count. */
				for (const char *const *sfx =
					     (const char *const[]){"_bucket", "_sum", "_count",
								   NULL};
				     histogram[i] && *sfx; sfx++)
					found = found || (tn + strlen(*sfx) == n &&
							  strncmp(typed[i], p, tn) == 0 &&
							  strncmp(p + tn, *sfx, n - tn) == 0);
			}
			if (problem == NULL && !found)
				problem = "sample before its TYPE";
			p += n;
			if (problem == NULL && *p == '{') {
				p++;
				while (problem == NULL) {
					size_t ln = name_len(p, false);

					if (ln == 0 || p[ln] != '=' || p[ln + 1] != '"') {
						problem = "bad label";
						break;
					}
					p += ln + 2;
					while (p < end && *p != '"') {
						if (*p == '\\') {
							if (p[1] != '\\' && p[1] != '"' &&
							    p[1] != 'n') {
								problem = "bad escape";
								break;
							}
							p++;
						}
						p++;
					}
					if (problem != NULL)
						break;
					if (p >= end) {
						problem = "unterminated label value";
						break;
					}
					p++;
					if (*p == ',') {
						p++;
						continue;
					}
					if (*p != '}')
						problem = "bad label list";
					p++;
					break;
				}
			}
			if (problem == NULL) {
				char *num_end;

				if (*p != ' ' || p[1] == ' ')
					problem = "no value";
				else {
					errno = 0;
					(void)strtod(p + 1, &num_end);
					if (num_end == p + 1 || num_end != end || errno != 0)
						problem = "bad value";
				}
			}
		}
		if (problem != NULL) {
			fprintf(stderr, "exposition: %s: %.*s\n", problem, (int)(end - line), line);
			return problem;
		}
		line = end + 1;
	}
	return NULL;
}

static void
test_checker_rejects(void **state)
{
	/* The grammar checker must be able to fail, or the grammar tests prove nothing. */
	(void)state;
	assert_null(check_exposition("# TYPE a gauge\na 1\n"));
	assert_null(check_exposition("# TYPE a gauge\na{b=\"x\\\"y\\\\z\\n\",c=\"\"} 1.5\n"));
	assert_non_null(check_exposition("a 1\n"));
	assert_non_null(check_exposition("# TYPE a gauge\na 1"));
	assert_non_null(check_exposition("# TYPE a gauge\na{b=\"x\"y\"} 1\n"));
	assert_non_null(check_exposition("# TYPE a gauge\na{b=\"x\\q\"} 1\n"));
	assert_non_null(check_exposition("# TYPE a gauge\na{1b=\"x\"} 1\n"));
	assert_non_null(check_exposition("# TYPE a gauge\na{b=\"x\"} one\n"));
	assert_non_null(check_exposition("# TYPE a gauge\n# TYPE a gauge\n"));
	assert_non_null(check_exposition("# TYPE a bogus\n"));
	assert_non_null(check_exposition("# TYPE a gauge\na-b 1\n"));
}

static void
test_metrics_golden(void **state)
{
	struct status s;
	struct buf b;

	(void)state;
	fill_small(&s);
	buf_init(&b, 1 << 20);
	assert_int_equal(status_metrics(&s, &b), 0);
	assert_string_equal(buf_str(&b), small_metrics);
	assert_null(check_exposition(buf_str(&b)));
	buf_free(&b);
	status_free(&s);
}

static void
test_metrics_starting(void **state)
{
	struct status s;
	struct buf b;

	(void)state;
	status_init(&s);
	buf_init(&b, 1 << 20);
	assert_int_equal(status_metrics(&s, &b), 0);
	assert_null(check_exposition(buf_str(&b)));
	assert_non_null(strstr(buf_str(&b), "\nvpcesd_health{health=\"starting\"} 1\n"));
	assert_non_null(strstr(buf_str(&b), "\nvpcesd_cycles_total 0\n"));
	assert_non_null(strstr(buf_str(&b), "\nvpcesd_last_success_timestamp_seconds 0\n"));
	assert_non_null(strstr(buf_str(&b), "\nvpcesd_cycle_duration_seconds 0\n"));
	assert_non_null(strstr(buf_str(&b), "\nvpcesd_last_cycle_timestamp_seconds 0\n"));
	assert_non_null(
		strstr(buf_str(&b), "vpcesd_build_info{version=\"" PACKAGE_VERSION "\"} 1\n"));
	/* No call yet: the histogram family is there, with no series. */
	assert_null(strstr(buf_str(&b), "vpcesd_api_request_duration_seconds_count"));
	assert_non_null(strstr(buf_str(&b), "\nvpcesd_services{state=\"unknown\"} 0\n"));
	buf_free(&b);
	status_free(&s);
}

static void
test_metrics_label_escaping(void **state)
{
	struct status s;
	struct status_service *svc;
	struct buf b;

	(void)state;
	status_init(&s);
	svc = status_service_get(&s, "a\"b\\c\nd");
	assert_non_null(svc);
	svc->state = xstrdup("Odd \"state\"");
	buf_init(&b, 1 << 20);
	assert_int_equal(status_metrics(&s, &b), 0);
	assert_null(check_exposition(buf_str(&b)));
	assert_non_null(
		strstr(buf_str(&b), "vpcesd_service_converged{service=\"a\\\"b\\\\c\\nd\"} 0\n"));
	assert_non_null(strstr(buf_str(&b), "vpcesd_services{state=\"Odd \\\"state\\\"\"} 1\n"));
	/* No raw newline inside a sample: every line is one sample or comment. */
	assert_null(strstr(buf_str(&b), "c\nd"));
	buf_free(&b);
	status_free(&s);
}

static void
test_metrics_bounded_and_append(void **state)
{
	struct status s;
	struct buf b;
	size_t full;

	(void)state;
	fill_small(&s);
	buf_init(&b, 1 << 20);
	assert_int_equal(buf_puts(&b, "# previous\n"), 0);
	assert_int_equal(status_metrics(&s, &b), 0);
	full = b.len;
	assert_string_equal(buf_str(&b) + strlen("# previous\n"), small_metrics);
	buf_free(&b);

	/* One byte short: -E2BIG and the buffer keeps exactly what it had. */
	buf_init(&b, full - 1);
	assert_int_equal(buf_puts(&b, "# previous\n"), 0);
	assert_int_equal(status_metrics(&s, &b), -E2BIG);
	assert_string_equal(buf_str(&b), "# previous\n");
	buf_free(&b);
	status_free(&s);
}

/* --- counters ------------------------------------------------------------- */

static const struct status_api_count *
total(const struct status *s, const char *action, const char *code)
{
	for (size_t i = 0; i < s->totals.n_api; i++)
		if (strcmp(s->totals.api[i].action, action) == 0 &&
		    strcmp(s->totals.api[i].code, code) == 0)
			return &s->totals.api[i];
	return NULL;
}

static void
test_count_calls(void **state)
{
	struct status s;

	(void)state;
	status_init(&s);
	assert_int_equal(status_count_call(&s, "B", NULL, 0), 0);
	assert_int_equal(status_count_call(&s, "A", "Throttling", 3), 0);
	assert_int_equal(status_count_call(&s, "B", "X.NotFound", 0), 0);
	assert_int_equal(status_count_call(&s, "B", "X.NotFound", 1), 0);
	assert_int_equal(status_count_call(&s, "A", "", 0), 0);
	assert_int_equal(status_count_call(&s, NULL, NULL, 0), -EINVAL);
	assert_int_equal(status_count_call(&s, "", NULL, 0), -EINVAL);

	/* The cycle's view, sorted by action. */
	assert_int_equal(s.n_api, 2);
	assert_string_equal(s.api[0].action, "A");
	assert_int_equal(s.api[0].calls, 2);
	assert_int_equal(s.api[0].errors, 1);
	assert_int_equal(s.api[0].throttled, 3);
	assert_int_equal(s.api[0].error_codes.n, 1);
	assert_string_equal(s.api[0].error_codes.v[0], "Throttling");
	assert_string_equal(s.api[1].action, "B");
	assert_int_equal(s.api[1].calls, 3);
	assert_int_equal(s.api[1].errors, 2);
	assert_int_equal(s.api[1].throttled, 1);
	assert_int_equal(s.api[1].error_codes.n, 2);

	/* A new cycle forgets the per-action view, not the totals. */
	status_reset_cycle_api(&s);
	assert_int_equal(s.n_api, 0);
	assert_null(s.api);
	assert_int_equal(status_count_call(&s, "A", NULL, 0), 0);
	assert_int_equal(s.n_api, 1);
	assert_int_equal(s.api[0].calls, 1);

	/* Totals, sorted by (action, code), "" for success. */
	assert_int_equal(s.totals.n_api, 4);
	assert_string_equal(s.totals.api[0].action, "A");
	assert_string_equal(s.totals.api[0].code, "");
	assert_int_equal(s.totals.api[0].n, 2);
	assert_string_equal(s.totals.api[1].code, "Throttling");
	assert_int_equal(s.totals.api[1].n, 1);
	assert_int_equal(s.totals.api[1].throttled, 3);
	assert_string_equal(s.totals.api[2].action, "B");
	assert_string_equal(s.totals.api[2].code, "");
	assert_int_equal(s.totals.api[2].n, 1);
	assert_string_equal(s.totals.api[3].code, "X.NotFound");
	assert_int_equal(s.totals.api[3].n, 2);
	assert_int_equal(s.totals.api[3].throttled, 1);

	/* JSON aggregates the codes of one action: {code: n}. */
	{
		char *text;

		assert_int_equal(status_count_call(&s, "A", "Zeta", 0), 0);
		assert_int_equal(status_count_call(&s, "A", "Alpha", 0), 0);
		assert_int_equal(status_count_call(&s, "A", "Zeta", 0), 0);
		text = render_json(&s);
		assert_non_null(strstr(text, "\"api_calls\":{\"A\":{\"calls\":4,\"errors\":3,"
					     "\"throttled\":0,\"error_codes\":{\"Alpha\":1,"
					     "\"Zeta\":2}}}"));
		free(text);
	}
	status_free(&s);
}

static void
test_count_call_bounds(void **state)
{
	struct status s;
	char code[STATUS_CODE_LEN_MAX + 2];

	(void)state;
	status_init(&s);
	/* Codes that would make odd labels or unbounded ones fold into "Other". */
	memset(code, 'A', sizeof(code) - 1);
	code[sizeof(code) - 1] = '\0';
	assert_int_equal(status_count_call(&s, "A", code, 0), 0);
	assert_int_equal(status_count_call(&s, "A", "bad\"code", 0), 0);
	assert_int_equal(status_count_call(&s, "A", "new\nline", 0), 0);
	code[STATUS_CODE_LEN_MAX] = '\0'; /* exactly the maximum is kept */
	assert_int_equal(status_count_call(&s, "A", code, 0), 0);
	assert_non_null(total(&s, "A", "Other"));
	assert_int_equal(total(&s, "A", "Other")->n, 3);
	assert_non_null(total(&s, "A", code));
	assert_int_equal(s.api[0].error_codes.n, 4);
	assert_string_equal(s.api[0].error_codes.v[0], "Other");
	status_free(&s);

	/* Past STATUS_API_COUNTS_MAX distinct pairs, new codes count as "Other". */
	status_init(&s);
	for (unsigned i = 0; i < STATUS_API_COUNTS_MAX; i++) {
		char c[32];

		snprintf(c, sizeof(c), "Code%u", i);
		assert_int_equal(status_count_call(&s, "A", c, 0), 0);
	}
	assert_int_equal(s.totals.n_api, STATUS_API_COUNTS_MAX);
	assert_int_equal(status_count_call(&s, "A", "Code0", 0), 0);
	assert_int_equal(total(&s, "A", "Code0")->n, 2);
	assert_int_equal(status_count_call(&s, "A", "Fresh", 0), 0);
	assert_int_equal(status_count_call(&s, "B", NULL, 0), 0);
	assert_int_equal(s.totals.n_api, STATUS_API_COUNTS_MAX + 2);
	assert_null(total(&s, "A", "Fresh"));
	assert_int_equal(total(&s, "A", "Other")->n, 1);
	assert_int_equal(total(&s, "B", "Other")->n, 1);
	status_free(&s);
}

static void
test_call_code(void **state)
{
	(void)state;
	assert_null(status_call_code(0, NULL));
	assert_null(status_call_code(0, "Ignored"));
	assert_string_equal(status_call_code(-EREMOTEIO, "Throttling"), "Throttling");
	assert_string_equal(status_call_code(-ETIMEDOUT, NULL), "ETIMEDOUT");
	assert_string_equal(status_call_code(-ECONNREFUSED, ""), "ECONNREFUSED");
	assert_string_equal(status_call_code(-EBADMSG, NULL), "EBADMSG");
	assert_string_equal(status_call_code(-EREMOTEIO, NULL), "Error");
}

static void
test_count_changes(void **state)
{
	struct status s;

	(void)state;
	status_init(&s);
	assert_int_equal(status_count_change(&s, "modify", "done"), 0);
	assert_int_equal(status_count_change(&s, "create", "failed"), 0);
	assert_int_equal(status_count_change(&s, "modify", "done"), 0);
	assert_int_equal(status_count_change(&s, "create", "done"), 0);
	assert_int_equal(status_count_change(&s, NULL, "done"), -EINVAL);
	assert_int_equal(status_count_change(&s, "create", ""), -EINVAL);
	assert_int_equal(s.totals.n_changes, 3);
	assert_string_equal(s.totals.changes[0].kind, "create");
	assert_string_equal(s.totals.changes[0].outcome, "done");
	assert_int_equal(s.totals.changes[0].n, 1);
	assert_string_equal(s.totals.changes[1].outcome, "failed");
	assert_int_equal(s.totals.changes[1].n, 1);
	assert_string_equal(s.totals.changes[2].kind, "modify");
	assert_int_equal(s.totals.changes[2].n, 2);
	status_free(&s);
}

/* --- service list --------------------------------------------------------- */

static void
test_service_get_sorted(void **state)
{
	static const char *const names[] = {"m", "c", "x", "a", "c", "z", "b"};
	struct status s;
	struct status_service *svc;

	(void)state;
	status_init(&s);
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		svc = status_service_get(&s, names[i]);
		assert_non_null(svc);
		assert_string_equal(svc->name, names[i]);
	}
	assert_int_equal(s.n_services, 6);
	for (size_t i = 1; i < s.n_services; i++)
		assert_true(strcmp(s.services[i - 1].name, s.services[i].name) < 0);
	/* An existing entry is returned, not recreated. */
	svc = status_service_get(&s, "c");
	svc->converged = true;
	assert_true(status_service_get(&s, "c")->converged);
	assert_int_equal(s.n_services, 6);
	assert_null(status_service_get(&s, NULL));
	status_free(&s);
}

static void
test_services_retain(void **state)
{
	struct status s;
	struct strv keep = STRV_INIT;
	struct status_service *svc;

	(void)state;
	status_init(&s);
	for (const char *const *n = (const char *const[]){"a", "b", "c", "d", NULL}; *n; n++) {
		svc = status_service_get(&s, *n);
		assert_non_null(svc);
		svc->state = xstrdup("Available");
		push(&svc->availability_zones, "az");
	}
	push(&keep, "d");
	push(&keep, "b");
	push(&keep, "not-there");
	strv_sort(&keep); /* the contract: a sorted set */
	status_services_retain(&s, &keep);
	assert_int_equal(s.n_services, 2);
	assert_string_equal(s.services[0].name, "b");
	assert_string_equal(s.services[1].name, "d");
	assert_string_equal(s.services[1].state, "Available");
	/* Still sorted and usable: a new name lands in order. */
	assert_non_null(status_service_get(&s, "c"));
	assert_string_equal(s.services[1].name, "c");
	status_services_retain(&s, NULL);
	assert_int_equal(s.n_services, 0);
	assert_non_null(status_service_get(&s, "e"));
	strv_free(&keep);
	status_free(&s);

	/* Clearing one entry leaves it zeroed; NULL is a no-op. */
	{
		struct status_service one;

		memset(&one, 0, sizeof(one));
		one.name = xstrdup("x");
		push(&one.allowed_principals, "p");
		status_service_clear(&one);
		assert_null(one.name);
		assert_int_equal(one.allowed_principals.n, 0);
		status_service_clear(NULL);
	}
}

/* --- nothing invented ------------------------------------------------------ */

static bool
allowed_string(const char *v, const char *const *allowed)
{
	for (size_t i = 0; allowed[i]; i++)
		if (strcmp(v, allowed[i]) == 0)
			return true;
	return false;
}

/* Every string value and key in the document is one we put in or a fixed word/time. */
static void
check_strings(const cJSON *j, const char *const *allowed)
{
	for (const cJSON *c = j->child; c != NULL; c = c->next) {
		if (c->string != NULL && strncmp(c->string, "Canary", 6) == 0)
			assert_true(allowed_string(c->string, allowed));
		if (cJSON_IsString(c)) {
			const char *v = c->valuestring;
			bool is_time =
				strlen(v) == 20 && v[4] == '-' && v[10] == 'T' && v[19] == 'Z';

			if (!is_time && !allowed_string(v, allowed))
				fail_msg("invented string value \"%s\"", v);
		}
		check_strings(c, allowed);
	}
}

static void
test_nothing_invented(void **state)
{
	static const char *const allowed[] = {"CANARY-owner",
					      "CANARY-region",
					      "CANARY-name",
					      "CANARY-id",
					      "CANARY-svcname",
					      "CANARY-state",
					      "CANARY-arn",
					      "CANARY-dns",
					      "CANARY-az",
					      "CANARY-ip",
					      "CANARY-pdns",
					      "CANARY-pdns-state",
					      "CANARY-txt-name",
					      "CANARY-txt-value",
					      "CANARY-region2",
					      "CANARY-region2-state",
					      "CANARY-principal",
					      "CANARY-held",
					      "CANARY-change",
					      "CANARY-error",
					      "CANARY-cycle-error",
					      "CanaryAction",
					      "CanaryCode",
					      "degraded",
					      NULL};
	struct status s;
	struct status_service *svc;
	struct buf b;
	char *text;
	cJSON *j;

	(void)state;
	status_init(&s);
	s.owner = xstrdup("CANARY-owner");
	s.region = xstrdup("CANARY-region");
	s.health = STATUS_DEGRADED;
	push(&s.cycle.errors, "CANARY-cycle-error");
	svc = status_service_get(&s, "CANARY-name");
	svc->service_id = xstrdup("CANARY-id");
	svc->service_name = xstrdup("CANARY-svcname");
	svc->state = xstrdup("CANARY-state");
	push(&svc->load_balancer_arns, "CANARY-arn");
	push(&svc->base_endpoint_dns_names, "CANARY-dns");
	push(&svc->availability_zones, "CANARY-az");
	push(&svc->supported_ip_address_types, "CANARY-ip");
	svc->private_dns_name = xstrdup("CANARY-pdns");
	svc->private_dns_state = xstrdup("CANARY-pdns-state");
	svc->private_dns_txt_name = xstrdup("CANARY-txt-name");
	svc->private_dns_txt_value = xstrdup("CANARY-txt-value");
	svc->regions = calloc(1, sizeof(*svc->regions));
	svc->n_regions = 1;
	svc->regions[0].region = xstrdup("CANARY-region2");
	svc->regions[0].state = xstrdup("CANARY-region2-state");
	svc->principals_known = true;
	push(&svc->allowed_principals, "CANARY-principal");
	svc->held = xstrdup("CANARY-held");
	svc->last_change = xstrdup("CANARY-change");
	svc->last_error = xstrdup("CANARY-error");
	assert_int_equal(status_count_call(&s, "CanaryAction", "CanaryCode", 0), 0);

	text = render_json(&s);
	/* Every canary is rendered exactly once where it belongs... */
	for (size_t i = 0; allowed[i]; i++)
		assert_non_null(strstr(text, allowed[i]));
	/* ...and nothing else appears: no pointer, no "(null)", no stray value. */
	assert_null(strstr(text, "0x"));
	assert_null(strstr(text, "(null)"));
	j = cJSON_Parse(text);
	assert_non_null(j);
	check_strings(j, allowed);
	cJSON_Delete(j);
	free(text);

	buf_init(&b, 1 << 20);
	assert_int_equal(status_metrics(&s, &b), 0);
	assert_null(check_exposition(buf_str(&b)));
	assert_null(strstr(buf_str(&b), "0x"));
	assert_null(strstr(buf_str(&b), "(null)"));
	/* The metrics carry names and codes, never free text. */
	for (const char *const *n =
		     (const char *const[]){"CANARY-owner", "CANARY-region", "CANARY-error",
					   "CANARY-change", "CANARY-held", "CANARY-principal",
					   "CANARY-txt-value", "CANARY-cycle-error", NULL};
	     *n; n++)
		assert_null(strstr(buf_str(&b), *n));
	assert_non_null(strstr(buf_str(&b), "{service=\"CANARY-name\"}"));
	buf_free(&b);
	status_free(&s);
}

/* --- streamed through the writer ---------------------------------------- */

/* Forwards to the writer's stream, noting the largest chunk. */
struct via {
	struct writer_stream *s;
	size_t chunks, largest;
};

static int
via_stream(void *arg, char *data, size_t len)
{
	struct via *v = arg;

	v->chunks++;
	if (len > v->largest)
		v->largest = len;
	return writer_stream_sink(v->s, data, len);
}

static char *
slurp_file(const char *path, size_t *ret_len)
{
	FILE *f = fopen(path, "rb");
	struct buf b;
	char chunk[4096];
	size_t n;

	assert_non_null(f);
	buf_init(&b, 64u << 20);
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		assert_int_equal(buf_append(&b, chunk, n), 0);
	fclose(f);
	*ret_len = b.len;
	return buf_steal(&b);
}

/*
 * Render `render` of `s` through a stream of `w` to `path` in chunks of
 * `chunk` bytes and return the document read back; *ret_largest is the
 * largest chunk handed over.
 */
static char *
stream_to_file(struct writer *w, const char *path, size_t chunk,
	       int (*render)(const struct status *, struct buf *), const struct status *s,
	       size_t *ret_len, size_t *ret_largest)
{
	struct via v = {.chunks = 0};
	struct buf b;

	assert_int_equal(writer_stream_begin(w, path, 0644, 0, NULL, NULL, &v.s), 0);
	buf_init_sink(&b, 64u << 20, chunk, via_stream, &v);
	assert_int_equal(render(s, &b), 0);
	assert_int_equal(buf_flush(&b), 0);
	buf_free(&b);
	writer_stream_end(v.s, true);
	assert_int_equal(writer_drain(w, 30.0), 0);
	*ret_largest = v.largest;
	return slurp_file(path, ret_len);
}

/*
 * The status and metrics documents streamed to their file, in small chunks
 * and in the reconciler's 64 KiB ones, are byte for byte what they are
 * rendered whole into a plain buffer; no producer builds the document (or
 * a large part of it) aside, so no chunk is much larger than asked.  And a
 * render that fails after chunks went out is aborted: the file stays.
 */
static void
test_streamed_file_is_identical(void **state)
{
	int (*renders[])(const struct status *, struct buf *) = {status_json, status_metrics};
	struct ev_loop *loop = ev_default_loop(0);
	char dir[] = "/tmp/test-status-XXXXXX", path[128];
	struct writer *w = NULL;
	struct status s;
	struct err e;

	(void)state;
	fill_small(&s);
	for (int i = 0; i < 400; i++) {
		struct status_service *svc;
		char name[32], id[48];

		snprintf(name, sizeof(name), "svc-%04d", i);
		snprintf(id, sizeof(id), "vpce-svc-%017d", i);
		svc = status_service_get(&s, name);
		assert_non_null(svc);
		svc->service_id = xstrdup(id);
		svc->state = xstrdup(i % 3 ? "Available" : "Pending");
		push(&svc->availability_zones, "eu-west-1a");
		svc->converged = i % 2;
		svc->consecutive_failures = (unsigned)i % 5;
	}
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/doc", dir);
	err_clear(&e);
	assert_int_equal(writer_new(loop, &w, &e), 0);
	for (size_t k = 0; k < 2; k++) {
		const size_t chunks[] = {1, 97, 4096, (size_t)64 << 10};
		struct buf plain;

		buf_init(&plain, 64u << 20);
		assert_int_equal(renders[k](&s, &plain), 0);
		assert_true(plain.len > (size_t)60 << 10); /* more than a few chunks */
		for (size_t c = 0; c < sizeof(chunks) / sizeof(chunks[0]); c++) {
			size_t len, largest;
			char *got =
				stream_to_file(w, path, chunks[c], renders[k], &s, &len, &largest);

			assert_int_equal(len, plain.len);
			assert_memory_equal(got, plain.data, len);
			assert_true(largest <= chunks[c] + 512);
			free(got);
		}
		/* Too large after chunks went out: aborted, the file as it was. */
		{
			struct via v = {.chunks = 0};
			struct buf b;
			size_t len;
			char *got;

			assert_int_equal(writer_stream_begin(w, path, 0644, 0, NULL, NULL, &v.s),
					 0);
			buf_init_sink(&b, plain.len - 1, 4096, via_stream, &v);
			assert_int_equal(renders[k](&s, &b), -E2BIG);
			assert_true(v.chunks > 0);
			buf_free(&b);
			writer_stream_end(v.s, false);
			assert_int_equal(writer_drain(w, 30.0), 0);
			got = slurp_file(path, &len);
			assert_int_equal(len, plain.len);
			assert_memory_equal(got, plain.data, len);
			free(got);
		}
		buf_free(&plain);
	}
	writer_free(w, 5.0);
	unlink(path);
	assert_int_equal(rmdir(dir), 0);
	status_free(&s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_json_exact),
		cmocka_unit_test(test_json_starting_is_all_nulls),
		cmocka_unit_test(test_json_times),
		cmocka_unit_test(test_health_names),
		cmocka_unit_test(test_checker_rejects),
		cmocka_unit_test(test_metrics_golden),
		cmocka_unit_test(test_metrics_starting),
		cmocka_unit_test(test_metrics_label_escaping),
		cmocka_unit_test(test_metrics_bounded_and_append),
		cmocka_unit_test(test_count_calls),
		cmocka_unit_test(test_count_call_bounds),
		cmocka_unit_test(test_call_code),
		cmocka_unit_test(test_count_changes),
		cmocka_unit_test(test_service_get_sorted),
		cmocka_unit_test(test_services_retain),
		cmocka_unit_test(test_nothing_invented),
		cmocka_unit_test(test_streamed_file_is_identical),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
