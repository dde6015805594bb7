/*
 * plan: desired specs + observation → the ordered changes of one cycle.
 *
 * This is where every safety rule of design.md §3 is decided, so it is a
 * pure function (no I/O, no clock, no logging, no globals) and every rule is
 * a unit test.  apply.c executes the changes in order; --dry-run prints them
 * with plan_print_text() / plan_to_json().  Each change and each held item
 * carries a human reason.
 *
 * Rules (the unspecified ones decided here):
 *
 * Ownership.  An observed service is ours only when its tag vpcesd:owner
 * equals the owner, checked here even though the listing was filtered on
 * that tag by the server.  Its spec is the one named by tag vpcesd:name.
 * Services that are not ours are never changed or deleted unless a spec
 * adopts them by id.  Tags with a `vpcesd:` or `aws:` prefix (any case) are
 * never changed by tag diffs.  Observed entries without a service id, in
 * state Deleted, or repeating an id already seen (the first entry wins) are
 * ignored: Deleted services count as gone.
 *
 * Completeness.  Creates and deletes need obs->listing_complete.  A
 * service's modifications need its configuration (always present) and, when
 * the spec manages allowed_principals, permissions_known; otherwise the
 * whole service is HELD_INCOMPLETE.  Deletes and rejects need
 * connections_known; the connection policy needs connections_known and
 * the notifications need notifications_known (each held on its own, the
 * service's other modifications still go).  Nothing is inferred from a
 * failed read.
 *
 * States.  Available services converge.  Pending and Deleting are WAITING,
 * Failed is FAILED (a desired service) — none of them blocks other services.
 * Any other state is HELD_INCOMPLETE.  An owned service that is no longer
 * desired may be deleted when Available or Failed; Pending/Deleting ones are
 * WAITING.
 *
 * Policies.  sync: create, update, delete.  upsert-only: create, update;
 * every delete becomes HELD_POLICY ("would delete … (policy upsert-only)")
 * and every duplicate DUPLICATE.  create-only: create (and adopt: taking
 * ownership only writes the two ownership tags); drift of an existing
 * service is HELD_POLICY with the diff in the reason.
 *
 * Per field (services whose spec uses NLBs or GWLBs, never both):
 *   - acceptance_required: set when it differs (or EC2 did not say).
 *   - LB ARNs: add/remove as a set diff.  A spec with NLBs for a service
 *     with GWLBs (or the reverse, by ARNs or service type) is REFUSED: the
 *     type cannot change without a re-create.
 *   - private_dns_name (NLB only): set, change (case-insensitive compare) or
 *     remove (RemovePrivateDnsName).
 *   - supported_ip_address_types: set diff; the desired set is never empty
 *     (an empty one is not managed), apply sends Add before Remove.
 *   - supported_regions: a region whose per-region state is Deleting,
 *     Deleted, Failed or Closed (any case) is absent, any other (Pending,
 *     Available) present; the home region (in->region) is never added or
 *     removed.
 *   - allowed_principals: only when managed; authoritative set diff, `[]`
 *     removes all; one MODIFY_PERMISSIONS with add + remove.
 *   - tags: user tags authoritative: CREATE_TAGS for missing/different
 *     values, DELETE_TAGS with the explicit keys of extra ones (never an
 *     empty key list: that would delete every tag).
 *
 * Connection policy (spec `connections:`, owned services only — never an
 * adopt target before it is ours, never a service of another owner).  It
 * is decided only for an Available keeper whose other modifications may go
 * (the same holds apply), and needs connections_known, else one
 * HELD_INCOMPLETE item says so while the other modifications still go.
 * Per connection with an endpoint id and an owner account, first id wins:
 *   - reject_on_principal_removal: an available or pendingAcceptance
 *     connection whose owner account is not covered by the *desired*
 *     allowed_principals (`*` covers every account; an ARN covers its
 *     account, whatever the user or role) is rejected — in the same cycle
 *     as the MODIFY_PERMISSIONS that removes the principal.  This wins over
 *     `accept`.
 *   - otherwise, with acceptance_required, a pendingAcceptance connection
 *     whose owner is listed in `accept` (an account, or the account of an
 *     ARN) is accepted; an unlisted one is rejected with reject_unlisted,
 *     else left pending for a human (nothing planned).
 * ACCEPT_CONNECTIONS and DENY_CONNECTIONS (RejectVpcEndpointConnections)
 * follow DELETE_TAGS, endpoint ids sorted, one diff line per endpoint.
 * Under create-only they are HELD_POLICY like every other modification.
 *
 * Connection notifications (spec `notifications:`, owned keepers only,
 * authoritative per service; needs notifications_known, else one
 * HELD_INCOMPLETE item while the other modifications go).  Observed
 * notifications of the service, by id: per desired topic the first one
 * with the same topic ARN and the same events (as sets, any case) is kept;
 * every other one — unknown topic, other events, a second one of a topic —
 * goes into one DELETE_NOTIFICATIONS; each desired topic without a kept
 * one gets a CREATE_NOTIFICATION (so changed events are a delete plus a
 * create).  A notification's ClientToken is "vpcesd-" + 48 hex digits of
 * SHA-256(owner NUL service id NUL topic NUL events NUL now): a retry of
 * the call is idempotent, a later re-create (after a delete) is not
 * answered with the deleted one.  Under create-only they are HELD_POLICY.
 *
 * Private DNS verification (spec `verify_private_dns`).  For a keeper whose
 * other modifications may go, when EC2 shows the spec's private DNS name
 * (not changed or removed by this cycle's MODIFY_CONFIG: the new name gets
 * a new record, decided next cycle) in state pendingVerification or failed
 * (any case), START_DNS_VERIFICATION — unless the last start for that
 * service id is less than dns_verify_interval_s before `now`, then nothing
 * (not held: waiting for DNS is the normal case).  It comes last among the
 * service's changes; under create-only it is HELD_POLICY.
 *
 * Create: CREATE carries every create parameter, the ownership + user tags
 * (TagSpecification) and the ClientToken; the principals to add once the id
 * exists ride along in `create.add_principals`.
 *
 * Create generations (issue 8).  EC2 answers a ClientToken it has seen with
 * the ORIGINAL result, even when that service was deleted since.  So a spec
 * whose service is gone (deleted under sync and the spec added back
 * unchanged, or deleted behind vpcesd's back while the spec stayed) would
 * get its dead service back on every create and never converge.  The
 * reconciler therefore keeps, per vpcesd:name, a generation
 * (in->generations, for the life of the process), and the token of a
 * create mixes it in when it is > 0: a new service after each bump, while
 * a retry of the same create (same generation) stays idempotent.  A
 * generation moves on two facts the process saw itself:
 *   - its own delete of an owned service carrying the name succeeded;
 *   - a create of the name was answered with the id of an owned service
 *     this process saw listed alive before and that the cycle's complete
 *     listing no longer shows alive: EC2 replayed the token of a service
 *     deleted behind vpcesd's back (that create reports the dead id; the
 *     next cycle's create, with the new token, makes a new service).
 * Never because a service is missing from a listing alone: a fresh service
 * may be unlisted for a while, and a new token then would make a
 * duplicate.  Names never bumped keep generation 0 and their tokens of
 * old.  Left open: a restart (or vpcesd not running) between a deletion
 * and the next create of the identical spec, within EC2's token window:
 * the new process neither deleted nor saw that service, so nothing moves
 * the generation and the create keeps getting the dead service back until
 * EC2 forgets the token or the spec changes (the generations are not on
 * disk; reconcile.c, record_delete()).
 *
 * Adopt.  A spec with `adopt: vpce-svc-…` uses that service as its own.
 * Not observed: NOT_FOUND → REFUSED; UNREADABLE or no lookup → HELD_INCOMPLETE.
 * Tagged with another owner → REFUSED.  Untagged (or ours under a name that
 * no spec uses) → ADOPT (CreateTags vpcesd:owner + vpcesd:name), then the
 * normal modifications.  Ours under another desired spec's name → REFUSED.
 * An adopt target is never deleted, whatever happens to its spec.
 *
 * Duplicates.  Several owned services named by one spec: the keeper is the
 * adopt target if any, else an Available one, then the smallest id; each
 * other one is reported.  Under sync a duplicate is deleted (through the
 * same valve) when its connections are known and none is
 * available/pendingAcceptance; otherwise it is held as DUPLICATE.  Its
 * connections are never rejected.
 *
 * Deletes (sync only): owned services whose name no spec uses and that no
 * spec adopts, plus duplicates.  A service with available/pendingAcceptance
 * connections (any case) is HELD_CONNECTED unless delete.reject_connections,
 * then REJECT_CONNECTIONS precedes its DELETE.  Valve: when more than
 * max_per_cycle services would be deleted, every delete (and its reject) of
 * the cycle is HELD_VALVE with the counts in the reason.
 *
 * Payer responsibility (spec `payer_responsibility: ServiceOwner`, the only
 * value).  When EC2 shows anything else (or nothing: the endpoint owner
 * pays), MODIFY_PAYER — once: the next cycle sees ServiceOwner.  A spec
 * without the key for a service whose payer is ServiceOwner (any case) is
 * HELD_REFUSED ("cannot be set back"), never a call EC2 would refuse each
 * cycle; the service's other changes still go.  Under create-only
 * MODIFY_PAYER is HELD_POLICY.  A created service gets it next cycle.
 *
 * Order.  Changes: per service ADOPT, MODIFY_CONFIG, MODIFY_PAYER, MODIFY_PERMISSIONS,
 * CREATE_TAGS, DELETE_TAGS, ACCEPT_CONNECTIONS, DENY_CONNECTIONS,
 * DELETE_NOTIFICATIONS, CREATE_NOTIFICATION (by topic), START_DNS_VERIFICATION; services (and creates) in spec-name order; then
 * every REJECT_CONNECTIONS/DELETE pair sorted by (name, id).  Held items are
 * sorted by (name, id).  Sets inside a change are sorted (strcmp).
 *
 * Pure; safe on the event loop.
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
 * token in this process (see "Create generations": its own successful
 * deletes of the name's services, and creates answered with a service of
 * the name that was deleted behind its back).
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
	 * Create generations (see "Create generations" above): sorted by name
	 * (strcmp), names unique; a name not listed has generation 0.
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
