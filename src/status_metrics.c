/* SPDX-License-Identifier: ISC */
/*
 * status_metrics: the status as Prometheus text exposition (status.h).
 *
 * The same families go to the textfile (metrics_file) and, later, to an
 * HTTP endpoint: one renderer, written straight into the caller's buffer,
 * which may be a streaming one (buf_init_sink()).  Every family is listed in
 * vpcesd(8), METRICS.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "status.h"

/* --- metrics -------------------------------------------------------------- */

/* A label value with \, " and newline escaped as the exposition format requires. */
static int
put_label_value(struct buf *b, const char *v)
{
	int r = 0;

	for (const char *p = v; r == 0 && *p; p++) {
		if (*p == '\\')
			r = buf_puts(b, "\\\\");
		else if (*p == '"')
			r = buf_puts(b, "\\\"");
		else if (*p == '\n')
			r = buf_puts(b, "\\n");
		else
			r = buf_append(b, p, 1);
	}
	return r;
}

static int
put_family(struct buf *b, const char *name, const char *type, const char *help)
{
	return buf_printf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/*
 * One sample: name{l1="v1",l2="v2"} value.  Labels come as a NULL-terminated
 * list of name, value pairs (`labels` may be NULL for none).
 */
static int
put_sample(struct buf *b, const char *name, const char *const *labels, const char *value)
{
	int r = buf_puts(b, name);

	if (r == 0 && labels != NULL && labels[0] != NULL) {
		r = buf_puts(b, "{");
		for (size_t i = 0; r == 0 && labels[i] != NULL; i += 2) {
			r = buf_printf(b, "%s%s=\"", i ? "," : "", labels[i]);
			if (r == 0)
				r = put_label_value(b, labels[i + 1]);
			if (r == 0)
				r = buf_puts(b, "\"");
		}
		if (r == 0)
			r = buf_puts(b, "}");
	}
	if (r == 0)
		r = buf_printf(b, " %s\n", value);
	return r;
}

static int
put_ulong(struct buf *b, const char *name, const char *const *labels, unsigned long v)
{
	char text[32];

	snprintf(text, sizeof(text), "%lu", v);
	return put_sample(b, name, labels, text);
}

static int
put_time(struct buf *b, const char *name, time_t v)
{
	char text[32];

	snprintf(text, sizeof(text), "%jd", (intmax_t)(v > 0 ? v : 0));
	return put_sample(b, name, NULL, text);
}

/* Seconds and other fractions: ten digits (sub-microsecond for a cycle), never a locale comma. */
static int
put_double(struct buf *b, const char *name, const char *const *labels, double v)
{
	char text[40];

	snprintf(text, sizeof(text), "%.10g", v);
	return put_sample(b, name, labels, text);
}

/* A label-less gauge or counter family with its single sample. */
static int
put_scalar(struct buf *b, const char *name, const char *type, const char *help, unsigned long v)
{
	int r = put_family(b, name, type, help);

	return r ? r : put_ulong(b, name, NULL, v);
}

static int
metrics_health(struct buf *b, const struct status *s)
{
	static const int all[] = {STATUS_STARTING, STATUS_CONVERGED, STATUS_PENDING,
				  STATUS_DEGRADED, STATUS_UNREACHABLE};
	int r = put_family(b, "vpcesd_health", "gauge",
			   "Health of the last cycle: 1 for the current value, 0 for the others.");

	for (size_t i = 0; r == 0 && i < sizeof(all) / sizeof(all[0]); i++) {
		const char *labels[] = {"health", status_health_name(all[i]), NULL};

		r = put_ulong(b, "vpcesd_health", labels, (int)s->health == all[i]);
	}
	return r;
}

static int
metrics_cycles(struct buf *b, const struct status *s)
{
	const struct status_cycle *cy = &s->cycle;
	int r;

	r = put_scalar(b, "vpcesd_cycles_total", "counter", "Reconciliation cycles finished.",
		       s->totals.cycles);
	if (r == 0)
		r = put_scalar(b, "vpcesd_consecutive_failed_cycles", "gauge",
			       "Cycles in a row that ended with a failure.",
			       s->totals.consecutive_failed_cycles);
	if (r == 0)
		r = put_family(b, "vpcesd_last_success_timestamp_seconds", "gauge",
			       "End of the last cycle without failure (Unix time, 0 if none).");
	if (r == 0)
		r = put_time(b, "vpcesd_last_success_timestamp_seconds", s->totals.last_success);
	if (r == 0)
		r = put_family(
			b, "vpcesd_last_cycle_timestamp_seconds", "gauge",
			"End of the last cycle, failed or not (Unix time, 0 before the first).");
	if (r == 0)
		r = put_time(b, "vpcesd_last_cycle_timestamp_seconds", cy->number ? cy->ended : 0);
	if (r == 0)
		r = put_family(b, "vpcesd_cycle_duration_seconds", "gauge",
			       "Duration of the last cycle, seconds.");
	if (r == 0)
		r = put_double(b, "vpcesd_cycle_duration_seconds", NULL,
			       cy->duration > 0 ? cy->duration : 0);
	return r;
}

static int
metrics_clock(struct buf *b, const struct status *s)
{
	char text[32];
	int r = put_family(b, "vpcesd_clock_skew_seconds", "gauge",
			   "Clock skew corrected for: EC2's clock minus the local one, seconds "
			   "(0 within 4 minutes).");

	snprintf(text, sizeof(text), "%ld", s->clock_skew_seconds);
	return r ? r : put_sample(b, "vpcesd_clock_skew_seconds", NULL, text);
}

/*
 * The read budget: reads made and left for later, and how old the oldest
 * read shown is, per kind (0 when none is shown).  An operator alerts on
 * the age: it is how long a drift of that kind can go unseen.
 */
static int
metrics_reads(struct buf *b, const struct status *s)
{
	static const char *const kinds[] = {"principals", "connections", "notifications"};
	time_t oldest[3] = {0, 0, 0};
	int r;

	for (size_t i = 0; i < s->n_services; i++) {
		const struct status_service *svc = &s->services[i];
		time_t at[3] = {svc->principals_at, svc->connections_at, svc->notifications_at};

		for (size_t k = 0; k < 3; k++)
			if (at[k] > 0 && (oldest[k] == 0 || at[k] < oldest[k]))
				oldest[k] = at[k];
	}
	r = put_scalar(b, "vpcesd_reads", "gauge", "Detail reads the last cycle made.",
		       s->cycle.reads);
	if (r == 0)
		r = put_scalar(b, "vpcesd_reads_deferred", "gauge",
			       "Detail reads the last cycle's budget left for later cycles.",
			       s->cycle.reads_deferred);
	if (r == 0)
		r = put_family(
			b, "vpcesd_oldest_read_age_seconds", "gauge",
			"Age of the oldest detail read the status shows, by kind (0: none).");
	for (size_t k = 0; r == 0 && k < 3; k++) {
		const char *labels[] = {"read", kinds[k], NULL};
		time_t age =
			oldest[k] && s->cycle.ended > oldest[k] ? s->cycle.ended - oldest[k] : 0;

		r = put_ulong(b, "vpcesd_oldest_read_age_seconds", labels, (unsigned long)age);
	}
	return r;
}

static int
metrics_changes(struct buf *b, const struct status *s)
{
	int r = put_family(b, "vpcesd_changes_total", "counter",
			   "Planned changes by kind and outcome (done, failed, skipped).");

	for (size_t i = 0; r == 0 && i < s->totals.n_changes; i++) {
		const struct status_change_count *c = &s->totals.changes[i];
		const char *labels[] = {"kind", c->kind, "outcome", c->outcome, NULL};

		r = put_ulong(b, "vpcesd_changes_total", labels, c->n);
	}
	if (r == 0)
		r = put_scalar(b, "vpcesd_held_changes", "gauge",
			       "Changes the last cycle held back (waiting, policy, safety valve).",
			       s->cycle.held);
	return r;
}

static int
metrics_api(struct buf *b, const struct status *s)
{
	const struct status_totals *t = &s->totals;
	int r = put_family(b, "vpcesd_api_calls_total", "counter",
			   "Finished AWS API calls by action and outcome code (OK for success).");

	for (size_t i = 0; r == 0 && i < t->n_api; i++) {
		const char *code = *t->api[i].code ? t->api[i].code : "OK";
		const char *labels[] = {"action", t->api[i].action, "code", code, NULL};

		r = put_ulong(b, "vpcesd_api_calls_total", labels, t->api[i].n);
	}
	if (r == 0)
		r = put_family(b, "vpcesd_api_errors_total", "counter",
			       "Failed AWS API calls by action and error code.");
	for (size_t i = 0; r == 0 && i < t->n_api; i++) {
		const char *labels[] = {"action", t->api[i].action, "code", t->api[i].code, NULL};

		if (*t->api[i].code != '\0')
			r = put_ulong(b, "vpcesd_api_errors_total", labels, t->api[i].n);
	}
	if (r == 0)
		r = put_family(b, "vpcesd_api_throttled_total", "counter",
			       "Throttled AWS API attempts by action.");
	/* The totals are sorted by action first: sum each action's run. */
	for (size_t i = 0; r == 0 && i < t->n_api;) {
		const char *labels[] = {"action", t->api[i].action, NULL};
		unsigned long n = 0;
		size_t j = i;

		for (; j < t->n_api && strcmp(t->api[j].action, t->api[i].action) == 0; j++)
			n += t->api[j].throttled;
		r = put_ulong(b, "vpcesd_api_throttled_total", labels, n);
		i = j;
	}
	return r;
}

/* vpcesd_api_request_duration_seconds: a histogram per action, cumulative buckets. */
static int
metrics_api_latency(struct buf *b, const struct status *s)
{
	const struct status_totals *t = &s->totals;
	int r = put_family(b, "vpcesd_api_request_duration_seconds", "histogram",
			   "EC2 and STS calls by action: seconds from the call to its answer, "
			   "pacing and retries included.");

	for (size_t i = 0; r == 0 && i < t->n_latency; i++) {
		const struct status_latency *l = &t->latency[i];
		unsigned long cum = 0;
		char le[32];

		for (size_t k = 0; r == 0 && k < STATUS_LATENCY_BUCKETS; k++) {
			const char *labels[] = {"action", l->action, "le", le, NULL};

			cum += l->bucket[k];
			snprintf(le, sizeof(le), "%g", status_latency_bounds[k]);
			r = put_ulong(b, "vpcesd_api_request_duration_seconds_bucket", labels, cum);
		}
		if (r == 0) {
			const char *labels[] = {"action", l->action, "le", "+Inf", NULL};

			r = put_ulong(b, "vpcesd_api_request_duration_seconds_bucket", labels,
				      l->count);
		}
		if (r == 0) {
			const char *labels[] = {"action", l->action, NULL};

			r = put_double(b, "vpcesd_api_request_duration_seconds_sum", labels,
				       l->sum);
			if (r == 0)
				r = put_ulong(b, "vpcesd_api_request_duration_seconds_count",
					      labels, l->count);
		}
	}
	return r;
}

/* vpcesd_build_info{version}: constant 1, the usual way to export a version. */
static int
metrics_build(struct buf *b)
{
	const char *labels[] = {"version", PACKAGE_VERSION, NULL};
	int r = put_family(b, "vpcesd_build_info", "gauge",
			   "Always 1; the version of vpcesd is in the label.");

	return r ? r : put_ulong(b, "vpcesd_build_info", labels, 1);
}

/*
 * vpcesd_services{state}: EC2's service states always appear (0 when no
 * service is in them, so alerts see a value rather than an absent series),
 * plus any other state EC2 reports and "unknown" for services not read yet.
 */
static int
metrics_service_states(struct buf *b, const struct status *s)
{
	static const char *const known[] = {"Available", "Deleted", "Deleting",
					    "Failed",    "Pending", "unknown"};
	const size_t n_known = sizeof(known) / sizeof(known[0]);
	const char **states;
	size_t n = 0;
	int r;

	states = malloc((n_known + s->n_services) * sizeof(*states));
	if (states == NULL)
		return -ENOMEM;
	for (size_t i = 0; i < n_known; i++)
		states[n++] = known[i];
	for (size_t i = 0; i < s->n_services; i++)
		if (s->services[i].state != NULL)
			states[n++] = s->services[i].state;
	qsort(states, n, sizeof(*states), strv_cmp);
	r = put_family(b, "vpcesd_services", "gauge",
		       "Services by EC2 state (unknown: not read yet).");
	for (size_t i = 0; r == 0 && i < n;) {
		const char *labels[] = {"state", states[i], NULL};
		bool unknown = strcmp(states[i], "unknown") == 0;
		unsigned long count = 0;
		size_t j = i;

		while (j < n && strcmp(states[j], states[i]) == 0)
			j++;
		for (size_t k = 0; k < s->n_services; k++) {
			const char *st = s->services[k].state;

			if (st != NULL ? strcmp(st, states[i]) == 0 : unknown)
				count++;
		}
		r = put_ulong(b, "vpcesd_services", labels, count);
		i = j;
	}
	free(states);
	return r;
}

/*
 * One sample per distinct state among the service's connections, in order
 * of first appearance.  Past STATUS_CONN_STATES_MAX distinct states (EC2 has
 * eight) the rest count as "other", which keeps the label set bounded.
 */
#define STATUS_CONN_STATES_MAX 16

static int
metrics_service_connections(struct buf *b, const struct status_service *svc)
{
	const char *states[STATUS_CONN_STATES_MAX + 1];
	unsigned long counts[STATUS_CONN_STATES_MAX + 1] = {0};
	size_t n = 0;
	int r = 0;

	if (!svc->connections_known)
		return 0;
	for (size_t i = 0; i < svc->n_connections; i++) {
		const char *state =
			svc->connections[i].state ? svc->connections[i].state : "unknown";
		size_t k = 0;

		while (k < n && strcmp(states[k], state) != 0)
			k++;
		if (k == n && n < STATUS_CONN_STATES_MAX)
			states[n++] = state;
		else if (k == n)
			k = STATUS_CONN_STATES_MAX;
		counts[k]++;
	}
	states[STATUS_CONN_STATES_MAX] = "other";
	for (size_t k = 0; r == 0 && k <= STATUS_CONN_STATES_MAX; k++) {
		const char *labels[] = {"service", svc->name, "state", states[k], NULL};

		if (k < n || (k == STATUS_CONN_STATES_MAX && counts[k] > 0))
			r = put_ulong(b, "vpcesd_service_connections", labels, counts[k]);
	}
	return r;
}

static int
metrics_services(struct buf *b, const struct status *s)
{
	unsigned long converged = 0, held = 0, failing = 0, contested = 0, stale = 0, retained = 0;
	int r = metrics_service_states(b, s);

	for (size_t i = 0; i < s->n_services; i++) {
		converged += s->services[i].converged;
		held += s->services[i].held != NULL && !s->services[i].retained;
		retained += s->services[i].retained;
		failing += s->services[i].consecutive_failures > 0;
		contested += s->services[i].contested;
		stale += s->services[i].stale;
	}
	if (r == 0)
		r = put_scalar(b, "vpcesd_services_converged", "gauge",
			       "Services the last cycle found equal to their spec.", converged);
	if (r == 0)
		r = put_scalar(b, "vpcesd_services_held", "gauge",
			       "Services with a change held back (retained ones not counted).",
			       held);
	if (r == 0)
		r = put_scalar(b, "vpcesd_services_retained", "gauge",
			       "Owned services no spec names, kept as the policy says.", retained);
	if (r == 0)
		r = put_scalar(b, "vpcesd_services_failing", "gauge",
			       "Services whose last change failed.", failing);
	if (r == 0)
		r = put_scalar(b, "vpcesd_services_contested", "gauge",
			       "Services someone else keeps changing back.", contested);
	if (r == 0)
		r = put_scalar(b, "vpcesd_services_stale", "gauge",
			       "Services the last cycle could not read (values as last seen).",
			       stale);
	if (r == 0)
		r = put_family(b, "vpcesd_service_converged", "gauge",
			       "1 when the service equals its spec.");
	for (size_t i = 0; r == 0 && i < s->n_services; i++) {
		const char *labels[] = {"service", s->services[i].name, NULL};

		r = put_ulong(b, "vpcesd_service_converged", labels, s->services[i].converged);
	}
	if (r == 0)
		r = put_family(b, "vpcesd_service_contested", "gauge",
			       "1 while someone else keeps changing the service back.");
	for (size_t i = 0; r == 0 && i < s->n_services; i++) {
		const char *labels[] = {"service", s->services[i].name, NULL};

		r = put_ulong(b, "vpcesd_service_contested", labels, s->services[i].contested);
	}
	if (r == 0)
		r = put_family(b, "vpcesd_service_consecutive_failures", "gauge",
			       "Failed changes in a row for the service.");
	for (size_t i = 0; r == 0 && i < s->n_services; i++) {
		const char *labels[] = {"service", s->services[i].name, NULL};

		r = put_ulong(b, "vpcesd_service_consecutive_failures", labels,
			      s->services[i].consecutive_failures);
	}
	if (r == 0)
		r = put_family(b, "vpcesd_service_connections", "gauge",
			       "Endpoint connections of the service by state (when read).");
	for (size_t i = 0; r == 0 && i < s->n_services; i++)
		r = metrics_service_connections(b, &s->services[i]);
	return r;
}

int
status_metrics(const struct status *s, struct buf *out)
{
	size_t start = buf_total(out);
	int r;

	/* Straight into `out`, taken back on failure (see status_json()). */
	r = metrics_build(out);
	if (r == 0)
		r = metrics_health(out, s);
	if (r == 0)
		r = metrics_cycles(out, s);
	if (r == 0)
		r = metrics_clock(out, s);
	if (r == 0)
		r = metrics_reads(out, s);
	if (r == 0)
		r = metrics_changes(out, s);
	if (r == 0)
		r = metrics_api(out, s);
	if (r == 0)
		r = metrics_api_latency(out, s);
	if (r == 0)
		r = metrics_services(out, s);
	if (r < 0)
		(void)buf_truncate(out, start);
	return r;
}
