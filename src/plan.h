/*
 * plan: desired specs + observation → the ordered changes of one cycle.
 *
 * This is where every safety rule of design.md §3 is decided, so it is a
 * pure function (no I/O, no clock, no logging, no globals) and every rule is
 * a unit test.  apply.c executes the changes in order; --dry-run prints them
 * with plan_print_text() / plan_to_json().  Each change and each held item
 * carries a human reason.
 *
 * plan_compute() returns a plan that owns every string and set in it; the
 * caller frees it with plan_free().  The inputs are only read, never kept.
 * plan_to_json()'s tree is the caller's (cJSON_Delete()).  Pure; safe on the
 * event loop.
 *
 * The rules: docs/internals/plan.md.
 */
#ifndef VPCESD_PLAN_H
#define VPCESD_PLAN_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "buf.h"
#include "err.h"
#include "model.h"
#include "observation.h"
#include "strv.h"

#define PLAN_OWNER_TAG "vpcesd:owner"
#define PLAN_NAME_TAG  "vpcesd:name"

/* "vpcesd-" + 48 hex digits; PLAN_CLIENT_TOKEN_SIZE includes the NUL. */
#define PLAN_CLIENT_TOKEN_LEN  55
#define PLAN_CLIENT_TOKEN_SIZE (PLAN_CLIENT_TOKEN_LEN + 1)

/* When StartVpcEndpointServicePrivateDnsVerification was last sent for a service. */
struct plan_dns_start {
	const char *service_id;
	time_t at;
};

/*
 * How many times the reconciler moved this vpcesd:name to a new create
 * token in this process (docs/internals/plan.md, "Create generations": its
 * own successful deletes of the name's services, and creates answered with
 * a service of the name that was deleted behind its back).
 */
struct plan_generation {
	const char *name;
	unsigned long generation;
};

struct plan_input {
	const char *owner;  /* vpcesd:owner value, required */
	const char *region; /* home region, required */
	enum model_policy policy;
	unsigned max_deletes;    /* delete.max_per_cycle */
	bool reject_connections; /* delete.reject_connections */
	const struct service_spec *specs;
	size_t n_specs;
	const struct observation *obs; /* required */
	/*
	 * Private DNS verification pacing (the planner reads no clock): the
	 * cycle's time, private_dns_verify_interval, and the last start per
	 * service id that the reconciler remembers (none: never started).
	 */
	time_t now;
	unsigned dns_verify_interval_s;
	const struct plan_dns_start *dns_starts;
	size_t n_dns_starts;
	/*
	 * Create generations (docs/internals/plan.md, "Create generations"):
	 * sorted by name (strcmp), names unique; a name not listed has
	 * generation 0.
	 */
	const struct plan_generation *generations;
	size_t n_generations;
};

/* Fill *in from a loaded config (policy may be overridden afterwards). */
void plan_input_from_config(struct plan_input *in, const struct vpcesd_config *c,
			    const struct observation *obs);

enum plan_kind {
	PLAN_CREATE,
	PLAN_ADOPT,
	PLAN_MODIFY_CONFIG,
	PLAN_MODIFY_PAYER, /* ModifyVpcEndpointServicePayerResponsibility ServiceOwner */
	PLAN_MODIFY_PERMISSIONS,
	PLAN_CREATE_TAGS,
	PLAN_DELETE_TAGS,
	PLAN_ACCEPT_CONNECTIONS, /* connection policy: accept pending endpoints */
	PLAN_DENY_CONNECTIONS,   /* connection policy: reject endpoints */
	PLAN_DELETE_NOTIFICATIONS,
	PLAN_CREATE_NOTIFICATION,
	PLAN_START_DNS_VERIFICATION,
	PLAN_REJECT_CONNECTIONS, /* before a DELETE */
	PLAN_DELETE,
};

enum plan_hold {
	PLAN_HOLD_WAITING,    /* Pending / Deleting */
	PLAN_HOLD_FAILED,     /* service state Failed */
	PLAN_HOLD_POLICY,     /* the policy forbids it */
	PLAN_HOLD_VALVE,      /* delete.max_per_cycle exceeded */
	PLAN_HOLD_CONNECTED,  /* live endpoints, reject_connections off */
	PLAN_HOLD_INCOMPLETE, /* listing or this service's observation incomplete */
	PLAN_HOLD_REFUSED,    /* cannot be done: foreign adopt, LB type change, … */
	PLAN_HOLD_DUPLICATE,  /* a second owned service with the same name, kept */
};

/* CreateVpcEndpointServiceConfiguration, then the first permissions. */
struct plan_create {
	bool acceptance_required;
	struct strv nlb_arns;
	struct strv gwlb_arns;
	char *private_dns_name; /* NULL: none */
	struct strv ip_address_types;
	struct strv supported_regions; /* home region left out */
	struct model_tags tags;        /* vpcesd:owner, vpcesd:name + user tags, by key */
	char client_token[PLAN_CLIENT_TOKEN_SIZE];
	struct strv add_principals; /* ModifyVpcEndpointServicePermissions once the id exists */
};

/* One ModifyVpcEndpointServiceConfiguration; empty members are not sent. */
struct plan_modify {
	bool set_acceptance;
	bool acceptance_required;
	struct strv add_nlb_arns;
	struct strv remove_nlb_arns;
	struct strv add_gwlb_arns;
	struct strv remove_gwlb_arns;
	char *private_dns_name;   /* set/change; NULL: unchanged */
	bool remove_private_dns;  /* RemovePrivateDnsName=true */
	struct strv add_ip_types; /* sent before the removals */
	struct strv remove_ip_types;
	struct strv add_regions;
	struct strv remove_regions;
};

/* CreateVpcEndpointConnectionNotification for the change's service. */
struct plan_notification {
	char *topic_arn;
	struct strv events; /* sorted */
	char client_token[PLAN_CLIENT_TOKEN_SIZE];
};

/*
 * One change.  Only the members of its kind are filled, the others are
 * empty (zero).  All strings and sets are owned by the plan.
 */
struct plan_change {
	enum plan_kind kind;
	char *name;                    /* spec name; for a delete the vpcesd:name tag (or the id) */
	char *service_id;              /* NULL for CREATE */
	char *reason;                  /* one line: the diffs joined with "; " */
	struct strv diffs;             /* one human line per field diff */
	struct plan_create create;     /* CREATE */
	struct plan_modify modify;     /* MODIFY_CONFIG */
	char *payer;                   /* MODIFY_PAYER: "ServiceOwner" */
	struct strv add_principals;    /* MODIFY_PERMISSIONS */
	struct strv remove_principals; /* MODIFY_PERMISSIONS */
	struct model_tags tags;        /* ADOPT (ownership tags), CREATE_TAGS */
	struct strv tag_keys;          /* DELETE_TAGS: never empty */
	struct strv endpoint_ids;      /* ACCEPT/DENY/REJECT_CONNECTIONS */
	struct strv notification_ids;  /* DELETE_NOTIFICATIONS: never empty */
	struct plan_notification notification; /* CREATE_NOTIFICATION */
};

struct plan_held {
	enum plan_hold kind;
	char *name;       /* spec name, or the vpcesd:name tag, or the id */
	char *service_id; /* NULL when there is no service (e.g. a held create) */
	char *reason;
};

struct plan {
	struct plan_change *changes; /* in apply order */
	size_t n_changes;
	size_t cap_changes;
	struct plan_held *held; /* sorted by (name, id) */
	size_t n_held;
	size_t cap_held;
};

/*
 * Compute the plan.  On success *ret is a new plan the caller frees with
 * plan_free().  -EINVAL when the input is malformed (no owner, region or
 * observation; a spec without a name), -ENOMEM; *ret untouched then.
 */
int plan_compute(const struct plan_input *in, struct plan **ret, struct err *e);

/* Free a plan.  NULL-safe. */
void plan_free(struct plan *p);

/* "create", "adopt", "modify_config", "modify_payer", "modify_permissions", "create_tags", "delete_tags",
 * "accept_connections", "deny_connections", "delete_notifications", "create_notification",
 * "start_dns_verification", "reject_connections", "delete". */
const char *plan_kind_name(enum plan_kind k);

/* "waiting", "failed", "policy", "valve", "connected", "incomplete", "refused", "duplicate". */
const char *plan_hold_name(enum plan_hold h);

/*
 * The create ClientToken of `spec` for `owner` at `generation`: "vpcesd-"
 * followed by the first 48 hex digits of SHA-256(owner NUL name NUL
 * canonical-JSON), where canonical JSON is model_service_to_json() printed
 * compactly; when generation > 0, NUL and the generation in decimal follow
 * the JSON (which never holds a NUL), so generation 0 gives the token of
 * old.  Deterministic; changes whenever the spec's canonical form or the
 * generation changes.  -ENOMEM, -E2BIG or -EIO (libcrypto) with `out`
 * untouched on failure.
 */
int plan_client_token(const char *owner, const struct service_spec *spec, unsigned long generation,
		      char out[PLAN_CLIENT_TOKEN_SIZE], struct err *e);

/*
 * Human form, like `terraform plan`:
 *   + create api-a
 *       acceptance_required: true
 *   ~ modify api-b (vpce-svc-…)
 *       acceptance_required: false → true
 *   - delete old (vpce-svc-…)
 *       reason
 *   ! held api-c: reason
 *   Plan: 1 to create, 1 to change, 1 to delete, 1 held.
 * Consecutive changes of one service share one header.  Appends to `out`;
 * -ENOMEM / -E2BIG from buf.
 */
int plan_print_text(const struct plan *p, struct buf *out);

/*
 * Stable JSON form: {"changes": [...], "held": [...], "summary": {...}}, keys
 * in a fixed order.  Caller frees with cJSON_Delete(); NULL on allocation
 * failure.
 */
cJSON *plan_to_json(const struct plan *p);

/* Counts for summaries and exit codes. */
struct plan_summary {
	size_t create;
	size_t change; /* services with at least one non-create, non-delete change */
	size_t delete;
	size_t held;
};
void plan_summarize(const struct plan *p, struct plan_summary *s);

#endif
