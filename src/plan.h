/* SPDX-License-Identifier: ISC */
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
#include "owner.h"
#include "strv.h"

/* "vpcesd-" + 48 hex digits; PLAN_CLIENT_TOKEN_SIZE includes the NUL. */
#define PLAN_CLIENT_TOKEN_LEN  55
#define PLAN_CLIENT_TOKEN_SIZE (PLAN_CLIENT_TOKEN_LEN + 1)

/* When StartVpcEndpointServicePrivateDnsVerification was last sent for a service. */
struct plan_dns_start {
	const char *service_id;
	time_t at;
};

/*
 * How long a service a create was answered with may stay invisible before
 * the planner takes it for a phantom (docs/internals/plan.md, "Memory"):
 * EC2's eventual consistency can hide a new service for a while, and a
 * second create then would make a duplicate.
 */
#define PLAN_CONFIRM_WINDOW (10 * 60)

/*
 * What earlier cycles learned of one vpcesd:name (the state file, state.h;
 * docs/internals/plan.md, "Memory").  Borrowed strings.
 */
struct plan_memory {
	const char *name;
	const char *service_id;   /* the service last known for the name, NULL: none */
	time_t seen_at;           /* when a read last showed it alive, 0: never */
	time_t answered_at;       /* when a create was answered with it, unseen since; 0: not so */
	unsigned long generation; /* its create generation */
	/* Fights: the diff lines the last cycle that changed the service applied. */
	const struct strv *applied; /* NULL: none */
	unsigned repeats;           /* consecutive cycles that had to apply them again */
	bool contested;
	time_t contested_until; /* its changes wait until then; 0: not backing off */
};

struct plan_input {
	const char *owner;  /* vpcesd:owner value, required */
	const char *region; /* home region, required */
	enum model_policy policy;
	unsigned max_deletes;      /* delete.max_per_cycle */
	unsigned max_fraction_pct; /* delete.max_fraction, 1–100 */
	bool allow_empty;          /* delete.allow_empty */
	bool reject_connections;   /* delete.reject_connections */
	const struct service_spec *specs;
	size_t n_specs;
	const struct observation *obs; /* required */
	/*
	 * The cycle's wall clock (the planner reads none) and `interval`: for
	 * the private DNS verification pacing and the fights' back-off.
	 */
	time_t now;
	unsigned interval_s;
	/*
	 * Private DNS verification pacing: private_dns_verify_interval, and
	 * the last start per service id that the reconciler remembers (none:
	 * never started).
	 */
	unsigned dns_verify_interval_s;
	const struct plan_dns_start *dns_starts;
	size_t n_dns_starts;
	/* Memory of earlier cycles, sorted by name (strcmp), names unique. */
	const struct plan_memory *memory;
	size_t n_memory;
	/*
	 * Owner changes: owners this configuration's services were written
	 * under before (sorted, unique), and `previous_owner`, whose services
	 * are handed over (NULL: none is).  Their services carrying a desired
	 * name are never created again.
	 */
	const struct strv *previous_owners;
	const char *handover_from;
	/*
	 * The state file could not be read: this cycle creates and deletes
	 * nothing (docs/internals/plan.md, "Memory").
	 */
	bool state_lost;
};

/* Fill *in from a loaded config: everything but the observation's companions (memory, DNS starts, now, state_lost). */
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
	PLAN_HOLD_GUARD,      /* deletes of all owned services, or past delete.max_fraction */
	PLAN_HOLD_CONTESTED,  /* someone else keeps changing it back: backing off */
	PLAN_HOLD_RETAINED,   /* an owned service no spec names, kept as the policy says */
	PLAN_HOLD_READING,    /* depends on a read the budget left for a later cycle */
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
	unsigned long generation;   /* of the ClientToken */
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

/*
 * What a spec stands for after this cycle's plan, and what the memory of
 * its name becomes: one per spec, sorted by name.  The reconciler reads the
 * status from `service` and writes the rest into the state file.
 */
struct plan_binding {
	char *name;
	/*
	 * The observed service the spec stands for (also while its changes
	 * are held: Pending, contested, …); NULL when it has none this cycle
	 * (to create, or held for want of one).
	 */
	const struct observed_service *service;
	/* The create generation of the name from now on (a CREATE uses it). */
	unsigned long generation;
	/* The remembered service is gone (a complete read shows it): forget it. */
	bool forget_service;
	/* Fights (docs/internals/plan.md, "Fights"). */
	unsigned repeats;
	bool contested;
	time_t contested_until;
	char *contested_diff; /* the diff line applied again, while contested */
	bool contest_began;   /* it became contested in this cycle: warn once */
	bool forget_applied;  /* what was applied before no longer counts */
};

struct plan {
	struct plan_change *changes; /* in apply order */
	size_t n_changes;
	size_t cap_changes;
	struct plan_held *held; /* sorted by (name, id) */
	size_t n_held;
	size_t cap_held;
	struct plan_binding *bindings; /* one per spec, sorted by name */
	size_t n_bindings;
	/* Why every delete of the cycle is held (GUARD), one line; NULL when they are not. */
	char *delete_guard;
};

/* The binding of spec `name`, or NULL. */
const struct plan_binding *plan_binding_of(const struct plan *p, const char *name);

/*
 * Which reads the cycle needs after the listings (docs/internals/plan.md,
 * "Reads"): per observed service, by index into in->obs->services, the
 * PLAN_READ_* bits; and the ids to look up one by one.  Decided by the same
 * walk as plan_compute() (keepers, duplicates, delete candidates), so the
 * planner never lacks a read it needs and no read is made for nothing.
 */
#define PLAN_READ_PRINCIPALS    OBSERVATION_PRINCIPALS
#define PLAN_READ_CONNECTIONS   OBSERVATION_CONNECTIONS
#define PLAN_READ_NOTIFICATIONS OBSERVATION_NOTIFICATIONS

struct plan_reads {
	unsigned char *what; /* in->obs->n_services entries */
	/*
	 * Of `what`, the reads that must be made this cycle whatever the read
	 * budget: a delete is decided on the connections read now, never on
	 * an earlier cycle's.  NULL in a selection (plan_budget_reads()).
	 */
	unsigned char *must;
	size_t n;
	struct strv lookup_ids; /* remembered services of desired names the listing lacks, sorted */
};

/*
 * Fill *out (zeroed by the caller) for the listings in in->obs.  Free with
 * plan_reads_free().  -EINVAL, -ENOMEM as plan_compute(); *out empty then.
 */
int plan_reads(const struct plan_input *in, struct plan_reads *out, struct err *e);
void plan_reads_free(struct plan_reads *r);

/*
 * The age of one observed service's earlier reads (details.h keeps them):
 * at[k] is when read k (0 principals, 1 connections, 2 notifications,
 * the PLAN_READ_* bits in order) was last made, 0 never; `changed`: the
 * listing shows the service different from when its details were read.
 */
struct plan_read_age {
	time_t at[3];
	bool changed;
};

/*
 * The reads of one cycle under a budget (docs/internals/plan.md,
 * "Budget").  From the reads `wanted` (plan_reads()) and the age of each
 * service's earlier reads (`ages`, wanted->n entries; NULL: none known),
 * select into *out (zeroed by the caller; free with plan_reads_free()):
 *   1. every must read, and every wanted read of a service the listing
 *      shows changed since its details were read (someone touched it);
 *   2. then the other wanted reads by age, never read first, then oldest
 *      (ties: by service index), while fewer than `budget` reads are
 *      selected in all; SIZE_MAX reads everything.
 * The lookups are always made (they decide creates).  *ret_deferred (may
 * be NULL) is the number of wanted reads left for a later cycle.  -ENOMEM.
 */
int plan_budget_reads(const struct plan_reads *wanted, const struct plan_read_age *ages,
		      size_t budget, struct plan_reads *out, size_t *ret_deferred);

/* The number of reads (set bits over all services) in `sel`. */
size_t plan_reads_count(const struct plan_reads *sel);

/*
 * Rounds (docs/internals/plan.md, "Rounds").  A cycle plans once right
 * after the listings, on the reads it has (this cycle's and earlier ones'),
 * and lets go at once the changes no outstanding read can affect; then it
 * plans again with the reads made and applies the rest.  Both plans come
 * from the same listing, so the changes that went early come out the same
 * in the second (plan_match_early() finds them) and are not applied twice.
 *
 * plan_fresh_reads(): every change of `first` derived from an earlier
 * cycle's read (permissions, connections, notifications) makes that read
 * a read of this cycle in *sel: a change is only ever applied on what EC2
 * showed this cycle.  -ENOMEM.
 *
 * plan_early(): go[i] (first->n_changes flags) says whether change i may go
 * before the reads in `sel` are made: never a delete; a change to an
 * existing service's configuration or payer always, since the listing
 * alone decides it and it comes before anything a read decides; any other
 * change when no read of a service of its name is outstanding; and
 * never before a change of its service that comes first in the plan and
 * does not go (the planner orders them as they must happen).  -ENOMEM.
 */
int plan_fresh_reads(const struct plan *first, const struct observation *obs,
		     struct plan_reads *sel);
int plan_early(const struct plan *first, const struct observation *obs,
	       const struct plan_reads *sel, bool *go);

/*
 * plan_match_early(): what each change of the final plan stands for in the
 * early one.  from[i] (final->n_changes slots) is the index in `early` of a
 * change with the same name, kind and service that went (!held[k]) and
 * matches no earlier change of `final`, or SIZE_MAX: the final round holds
 * the first kind and reports the early outcome in its place, and applies the
 * rest (a name's reads may add changes the early round could not see).
 * `early` or `held` NULL: nothing matches.  -ENOMEM.
 */
int plan_match_early(const struct plan *final, const struct plan *early, const bool *held,
		     size_t *from);

/*
 * Compute the plan.  On success *ret is a new plan the caller frees with
 * plan_free().  -EINVAL when the input is malformed (no owner, region or
 * observation; a spec without a name), -ENOMEM; *ret untouched then.
 */
int plan_compute(const struct plan_input *in, struct plan **ret, struct err *e);

/*
 * Two changes of one chain: the same name and service (a create has none).
 * The planner puts a chain's changes next to each other in the order they
 * must happen; apply.h runs them so, and an early round never lets one
 * overtake another.
 */
bool plan_same_chain(const struct plan_change *a, const struct plan_change *b);

/* Free a plan.  NULL-safe. */
void plan_free(struct plan *p);

/* "create", "adopt", "modify_config", "modify_payer", "modify_permissions", "create_tags", "delete_tags",
 * "accept_connections", "deny_connections", "delete_notifications", "create_notification",
 * "start_dns_verification", "reject_connections", "delete". */
const char *plan_kind_name(enum plan_kind k);

/* "waiting", "failed", "policy", "valve", "connected", "incomplete", "refused", "duplicate",
 * "guard", "contested", "retained". */
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
