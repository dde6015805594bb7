/* SPDX-License-Identifier: ISC */
/*
 * status: what vpcesd publishes for other tools after every cycle.
 *
 * The status file (JSON) answers "what is the service name of api-a?" — the
 * question CloudFormation users write a Lambda for — and "is everything
 * converged, and if not, why?".  The metrics file (Prometheus text format,
 * for node_exporter's textfile collector) carries the same facts as
 * numbers.  Both are rewritten whole after each cycle, atomically (temporary
 * file in the same directory, fsync, rename), so a reader never sees half a
 * file, and mode 0644: they hold no secret.
 *
 * The reconciler keeps a `struct status` across cycles and updates it;
 * this module renders it.  Pure: no I/O (atomic.h and writer.h write the
 * files); safe on the event loop.
 */
#ifndef VPCESD_STATUS_H
#define VPCESD_STATUS_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "buf.h"
#include "err.h"
#include "strv.h"

/* Per supported region: its state as EC2 reports it. */
struct status_region {
	char *region;
	char *state;
};

/* One endpoint connection of a service. */
struct status_connection {
	char *endpoint_id; /* vpce-… */
	char *owner;       /* account id */
	char *state;       /* EC2 vpcEndpointState, e.g. pendingAcceptance */
	time_t since;      /* creation timestamp, 0 if unknown */
};

/* One desired service (or an owned one being deleted), as last observed. */
struct status_service {
	char *name;         /* spec name (vpcesd:name) */
	char *service_id;   /* vpce-svc-…, NULL until created */
	char *service_name; /* com.amazonaws.vpce.<region>.vpce-svc-…, NULL until known */
	char *state;        /* EC2 serviceState, NULL until known */
	/*
	 * When a read last showed the service (0: never), and whether the
	 * values below are older than the last cycle (it could not read the
	 * service: an outage, or they come from the state file).
	 */
	time_t observed_at;
	bool stale;
	/*
	 * When the details shown were read (0: not known): under the read
	 * budget (details.h) they may be an earlier cycle's reads.
	 */
	time_t principals_at, connections_at, notifications_at;
	bool acceptance_required;
	struct strv load_balancer_arns;
	struct strv base_endpoint_dns_names;
	struct strv availability_zones;
	struct strv supported_ip_address_types;
	char *private_dns_name;  /* NULL when none */
	char *private_dns_state; /* pendingVerification | verified | failed */
	char *private_dns_txt_name;
	char *private_dns_txt_value;
	struct status_region *regions;
	size_t n_regions;
	bool principals_known;
	struct strv allowed_principals;
	/* Endpoint connections, valid when connections_known; sorted by endpoint id. */
	bool connections_known;
	struct status_connection *connections;
	size_t n_connections;
	/*
	 * Reconciler bookkeeping: converged = the last cycle planned no change
	 * and held nothing for this service.
	 */
	bool converged;
	char *held;    /* reason it is held, NULL if not */
	bool retained; /* no spec names it; the policy keeps it (not a problem) */
	/* Someone else keeps changing it back (plan.h, struct plan_binding). */
	bool contested;
	char *contested_diff; /* the change applied again and again */
	unsigned contested_repeats;
	time_t contested_until; /* vpcesd leaves it alone until then */
	char *last_change;      /* human text of the last applied change, NULL if none yet */
	time_t last_change_at;
	char *last_error; /* last failure (cleared by a success), NULL if none */
	time_t last_error_at;
	unsigned consecutive_failures;
	time_t next_retry; /* 0: not backing off */
};

/*
 * Bounds on what outside input can grow: AWS error codes come from answers,
 * so a misbehaving endpoint could invent any number of them.  Past
 * STATUS_API_COUNTS_MAX (action, code) pairs in the totals, or for a code
 * longer than STATUS_CODE_LEN_MAX or not made of [A-Za-z0-9._-], the code is
 * counted as "Other" (keeps the metrics' label cardinality bounded).
 */
#define STATUS_API_COUNTS_MAX 256
#define STATUS_CODE_LEN_MAX   64

/*
 * Bounds of the API call duration histogram (seconds).  A call's duration
 * runs from aws_call() to its answer, pacing waits and retries included:
 * what a cycle waits for, not only the network.  Actions are vpcesd's own,
 * so the histogram's cardinality is bounded by the code.
 */
#define STATUS_LATENCY_BUCKETS 12
extern const double status_latency_bounds[STATUS_LATENCY_BUCKETS];

/* API calls of one action in the last cycle (from aws.h's observe hook). */
struct status_api {
	char *action;
	unsigned long calls;     /* finished calls */
	unsigned long errors;    /* of which failed */
	unsigned long throttled; /* throttled attempts (retried or not) */
	struct strv error_codes; /* AWS error codes seen, one entry per failed call */
};

struct status_cycle {
	unsigned long number;
	time_t started;
	time_t ended;
	double duration; /* seconds, sub-second: the loop's clock, not the wall */
	bool observed;   /* the owned listing was complete */
	bool dry_run;
	size_t changes_applied;
	size_t changes_failed;
	size_t changes_skipped;
	size_t held;
	size_t reads;          /* detail reads made (principals, connections, notifications) */
	size_t reads_deferred; /* wanted reads the budget left for later cycles */
	struct strv errors;    /* observe errors and failed changes, one line each */
};

/* Counters over the daemon's life, for the metrics file. */
struct status_totals {
	unsigned long cycles;
	unsigned long consecutive_failed_cycles;
	time_t last_success; /* end of the last cycle without failure, 0 if none */
	/* changes[kind][outcome]: kinds by plan_kind_name(), outcomes "done", "failed", "skipped" */
	struct status_change_count {
		char *kind;
		char *outcome;
		unsigned long n;
	} * changes;
	size_t n_changes;
	/* api calls by action and code ("" for success), over the daemon's life, sorted */
	struct status_api_count {
		char *action;
		char *code;
		unsigned long n;
		unsigned long throttled; /* throttled attempts of these calls */
	} * api;
	size_t n_api;
	/* How long calls took, by action (sorted), over the daemon's life. */
	struct status_latency {
		char *action;
		unsigned long
			bucket[STATUS_LATENCY_BUCKETS]; /* calls <= the bound, not cumulative */
		unsigned long count;                    /* every call, +Inf included */
		double sum;                             /* seconds */
	} * latency;
	size_t n_latency;
};

struct status {
	char *owner;
	char *region;
	/* The state file (state.h): where, and why it could not be read (NULL: it could). */
	char *state_file;
	char *state_error;
	/*
	 * The clock skew the EC2 client corrects for (aws_client_clock_skew()):
	 * EC2's clock minus the local one, seconds; 0 when none.
	 */
	long clock_skew_seconds;
	enum {
		STATUS_STARTING,    /* no cycle finished yet */
		STATUS_CONVERGED,   /* last cycle: nothing to do, nothing held */
		STATUS_PENDING,     /* last cycle applied changes or waits for EC2 */
		STATUS_DEGRADED,    /* failures or held items */
		STATUS_UNREACHABLE, /* EC2 could not be read at all */
	} health;
	char *health_reason;             /* one line: why the health is what it is */
	struct status_service *services; /* sorted by name */
	size_t n_services;
	struct status_cycle cycle; /* the last finished cycle */
	struct status_api *api;    /* the last cycle's calls, sorted by action */
	size_t n_api;
	struct status_totals totals;
};

/* Zeroed status; free with status_free(). */
void status_init(struct status *s);
void status_free(struct status *s);

/*
 * The entry for `name`, created (zeroed, name set) when absent.  NULL on ENOMEM.
 * s->services stays sorted by name, so creating an entry moves others: the
 * pointer is valid only until the next status_service_get() or
 * status_services_retain() on `s`.  Do not rename an entry.
 */
struct status_service *status_service_get(struct status *s, const char *name);

/* The entry for `name`, or NULL.  Valid like status_service_get()'s. */
struct status_service *status_service_find(const struct status *s, const char *name);

/*
 * Drop services whose name is not in `keep` (specs removed and their services
 * gone), which must be strv_sort()ed; NULL keeps none.  The survivors keep
 * their order.
 */
void status_services_retain(struct status *s, const struct strv *keep);

/* Free the members of one service entry (not the entry) and zero it.  NULL-safe. */
void status_service_clear(struct status_service *svc);

/*
 * Count one finished API call into the cycle and the totals.  `error_code`
 * NULL or "" means the call succeeded; a failed call must name a code (use
 * status_call_code() to get one for failures that carry no AWS code).
 * `throttled`: throttled attempts of the call.  -ENOMEM (counters unchanged).
 */
int status_count_call(struct status *s, const char *action, const char *error_code,
		      unsigned throttled);

/* One call of `action` took `seconds` (the histogram above).  -EINVAL, -ENOMEM. */
int status_observe_latency(struct status *s, const char *action, double seconds);

/*
 * The code to count for a finished call: NULL when r == 0, else the AWS
 * error code when there is one, else a fixed name for the errno ("ETIMEDOUT",
 * "ECONNREFUSED", "ECONNRESET", "EHOSTUNREACH", "EPROTO", "EMSGSIZE",
 * "EBADMSG", "ENOKEY", "ECANCELED", "ENOMEM", others "Error").  Static or borrowed.
 */
const char *status_call_code(int r, const char *error_code);

/* Count one change outcome into the totals.  -ENOMEM (counters unchanged). */
int status_count_change(struct status *s, const char *kind, const char *outcome);

/* Forget the last cycle's per-action counters (at the start of a cycle). */
void status_reset_cycle_api(struct status *s);

/* "starting", "converged", "pending", "degraded", "unreachable"; "unknown" otherwise. */
const char *status_health_name(int health);

/*
 * The status document, version 1.  Every key is always present, in this
 * order; null where a value is unknown.  Times are RFC 3339 UTC strings
 * ("2026-11-28T21:30:00Z"), null for 0.  Services in name order.
 *
 *   {"version": 1, "owner", "region", "health", "generated_at" (= cycle.ended),
 *    "state": {"file", "error"},
 *    "clock_skew_seconds" (number: EC2's clock − the local one, 0 when none),
 *    "cycle": {"number", "started", "ended", "observed", "dry_run",
 *              "changes": {"applied", "failed", "skipped", "held"},
 *              "errors": [text...],
 *              "api_calls": {Action: {"calls", "errors", "throttled",
 *                                     "error_codes": {Code: n}}}},
 *    "services": [{"name", "service_id", "service_name", "state",
 *                  "acceptance_required", "load_balancer_arns",
 *                  "base_endpoint_dns_names", "availability_zones",
 *                  "supported_ip_address_types",
 *                  "private_dns": {"name", "state", "txt_name", "txt_value"} | null,
 *                  "supported_regions": [{"region", "state"}],
 *                  "allowed_principals": [..] | null (not read yet),
 *                  "connections": [{"endpoint_id", "owner", "state", "since"}]
 *                                 | null (not read: no connection policy),
 *                  "converged", "held" (reason | null),
 *                  "last_change": {"text", "at"} | null,
 *                  "last_error": {"text", "at"} | null,
 *                  "consecutive_failures", "next_retry"}]}
 *
 * Written straight into `out` (no tree first: the document of a large
 * account is megabytes) with two-space indentation and a final newline;
 * strings escaped by escape_json_append(), so the file is valid UTF-8 with
 * no raw control, bidi or invisible character.  -ENOMEM / -E2BIG (past
 * out's maximum), with `out` as it was; when `out` feeds a sink (buf.h)
 * that already took part of the document, or the sink's own error, its
 * user must abort what the sink writes.
 */
int status_json(const struct status *s, struct buf *out);

/*
 * The Prometheus text exposition (format 0.0.4) of `s`, appended to `out`
 * as it is rendered (no copy aside: it streams through a sink, buf.h);
 * `out` is unchanged on failure, with the same exception for a sink as
 * status_json().  -ENOMEM / -E2BIG (past out's maximum).
 * Metric families, each with HELP and TYPE, in this order:
 *   vpcesd_health{health} (1 for the current one, 0 for the others),
 *   vpcesd_cycles_total, vpcesd_consecutive_failed_cycles,
 *   vpcesd_last_success_timestamp_seconds, vpcesd_cycle_duration_seconds,
 *   vpcesd_clock_skew_seconds,
 *   vpcesd_changes_total{kind,outcome}, vpcesd_held_changes,
 *   vpcesd_api_calls_total{action,code} (code "OK" for success),
 *   vpcesd_api_errors_total{action,code}, vpcesd_api_throttled_total{action},
 *   vpcesd_services{state} ("unknown" when not read yet), vpcesd_services_converged,
 *   vpcesd_services_held, vpcesd_services_failing,
 *   vpcesd_service_converged{service}, vpcesd_service_consecutive_failures{service},
 *   vpcesd_service_connections{service,state} (services whose connections were read;
 *   one sample per state present).
 */
int status_metrics(const struct status *s, struct buf *out);

#endif
