/* SPDX-License-Identifier: ISC */
/*
 * model: the desired state, as the configuration describes it.
 *
 * `struct vpcesd_config` holds the daemon settings and every service spec
 * after loading and validation (conf.h's loader builds it), with every
 * default filled in, so no other module needs to know a default or re-validate a value.
 * The planner compares these specs with what EC2 reports; the canonical JSON
 * form printed here is both what `vpcesd --dump-config` shows and what the
 * EC2 client hashes into a create call's ClientToken, so its key order and
 * value formats are part of the contract: change them only on purpose.
 *
 * A config is immutable once built; a reload builds a new one and swaps it in
 * whole.  Ownership: the config owns everything it points to;
 * model_config_free() releases it all.  Pure: no I/O; safe on the event loop.
 */
#ifndef VPCESD_MODEL_H
#define VPCESD_MODEL_H

#include <stdbool.h>
#include <stddef.h>

#include <cjson/cJSON.h>

#include "buf.h"
#include "strv.h"

enum model_policy {
	MODEL_POLICY_SYNC,        /* create, update and delete */
	MODEL_POLICY_UPSERT_ONLY, /* create and update, never delete */
	MODEL_POLICY_CREATE_ONLY, /* create only */
};

/* "sync", "upsert-only", "create-only" ↔ enum; from_string returns -EINVAL otherwise. */
int model_policy_from_string(const char *s);
const char *model_policy_name(enum model_policy p);

struct model_tag {
	char *key;
	char *value;
};

/* User tags of one service, sorted by key (keys are unique). */
struct model_tags {
	struct model_tag *v;
	size_t n;
	size_t cap;
};

/* Append copies of key and value.  -ENOMEM (unchanged) on failure. */
int model_tags_add(struct model_tags *t, const char *key, const char *value);

/* The value for key, or NULL. */
const char *model_tags_get(const struct model_tags *t, const char *key);

/* Sort by key (strcmp), the canonical order. */
void model_tags_sort(struct model_tags *t);

/* Free all pairs; leaves an empty list.  NULL-safe. */
void model_tags_free(struct model_tags *t);

/* One connection notification: an SNS topic and its events. */
struct model_notification {
	char *topic_arn;    /* arn:<partition>:sns:<home region>:<account>:<name> */
	struct strv events; /* non-empty subset of Accept, Connect, Delete, Reject; sorted */
};

/* One endpoint service as the user wants it. */
struct service_spec {
	char *name; /* [A-Za-z0-9._-]{1,64}, unique; tag vpcesd:name */
	/* Exactly one of the two is non-empty; sorted, no duplicates. */
	struct strv nlb_arns;
	struct strv gwlb_arns;
	bool acceptance_required; /* default true */
	/*
	 * allowed_principals: when !principals_managed vpcesd leaves the
	 * service's permissions alone (key absent); when managed, the list
	 * is authoritative and may be empty (nobody).  Sorted.
	 */
	bool principals_managed;
	struct strv allowed_principals;
	/*
	 * connections: when !connections_managed vpcesd never accepts or
	 * rejects an endpoint connection of the service (key absent).
	 * accept: 12-digit accounts and principal ARNs, sorted; a connection
	 * matches when its owner account is one of the accounts or the
	 * account of one of the ARNs.
	 */
	bool connections_managed;
	struct strv accept;
	bool reject_unlisted;             /* default false */
	bool reject_on_principal_removal; /* default false; needs allowed_principals */
	char *private_dns_name;           /* lower-case, NULL when unset (NLB only) */
	bool verify_private_dns;          /* default false; needs private_dns_name */
	/*
	 * notifications: when !notifications_managed vpcesd leaves the
	 * service's connection notifications alone (key absent); when
	 * managed, the list is authoritative and may be empty.  Sorted by
	 * topic, topics unique.
	 */
	char *payer_responsibility; /* "ServiceOwner" or NULL (unset: the endpoint owner pays) */
	bool notifications_managed;
	struct model_notification *notifications;
	size_t n_notifications;
	struct strv ip_address_types;  /* supported_ip_address_types, sorted; default ipv4 */
	struct strv supported_regions; /* sorted; empty = none */
	struct model_tags tags;        /* user tags, sorted by key, ≤ 48 */
	char *adopt;                   /* vpce-svc-… to take over, or NULL */
	/* Where the spec was written, for messages. */
	char *file;
	unsigned line;
	unsigned col;
};

/* Free the members of one spec (not the struct itself).  NULL-safe. */
void model_service_clear(struct service_spec *s);

/*
 * A deep copy of `src` into *dst (which the caller then owns: free with
 * model_service_clear()).  -ENOMEM with *dst untouched on failure.
 */
int model_service_copy(struct service_spec *dst, const struct service_spec *src);

/*
 * The provenance of a loaded config's specs, kept so that a reload handed
 * the running config (conf_env.previous) copies the specs of a services file
 * whose bytes did not change instead of parsing it again.
 *
 * One load balancer ARN of a spec, where it was written: the check that no
 * two specs share a load balancer needs the ARN's own position, which the
 * spec does not keep.  `arn` points into services[svc]'s strv.
 */
struct model_lb_pos {
	const char *arn;
	size_t svc;
	unsigned line, col;
};

/* One services file: its bytes' SHA-256, and its runs of specs and of ARNs. */
struct model_source_file {
	char *path;
	unsigned char sha256[32];
	size_t first, n;        /* services[first .. first + n) */
	size_t first_lb, n_lbs; /* lb_pos[first_lb .. first_lb + n_lbs) */
};

struct model_api {
	unsigned rate;         /* requests per second, token bucket refill */
	unsigned burst;        /* token bucket size */
	unsigned concurrency;  /* requests in flight */
	unsigned max_attempts; /* per call, including the first */
	bool retry_adaptive;   /* retry_mode: adaptive (default) or standard */
	unsigned timeout_s;    /* per attempt */
	unsigned connect_timeout_s;
	unsigned bucket_share_pct; /* share of EC2's per-action buckets we may use */
};

/* Each member NULL when unset (the provider chain decides). */
struct model_credentials {
	char *profile;
	char *role_arn;
	char *external_id;
	char *session_name;
	char *web_identity_token_file;
};

/*
 * Safety valves on deletes (policy: sync only; the planner applies them).
 * A cycle that would delete every owned service holds all its deletes
 * unless allow_empty; one that would delete more than max_fraction_pct of
 * them (but not all) holds all its deletes; max_per_cycle applies on top.
 */
struct model_delete {
	unsigned max_per_cycle;
	unsigned max_fraction_pct; /* 1..100, default 50 */
	bool allow_empty;          /* default false */
	bool reject_connections;
};

/*
 * Where the AWS settings came from (awsconf.h): "vpcesd.yaml", an environment
 * variable, "profile NAME", "default ...".  Each owned; NULL when the setting
 * is unset (ca_file) or in a config built by hand.
 */
struct model_sources {
	char *profile; /* the AWS profile consulted */
	char *region;
	char *endpoint;
	char *sts_endpoint;
	char *ca_file;
	char *max_attempts;
	char *retry_mode;
	char *note; /* worth saying at start-up (a setting taken differently), or NULL */
};

struct vpcesd_config {
	char *region;          /* always set in a loaded config */
	const char *partition; /* static string derived from region */
	char *endpoint;        /* default https://ec2.<region>.<partition suffix> */
	char *sts_endpoint;    /* default https://sts.<region>.<partition suffix> */
	char *ca_file;         /* NULL: system store only */
	char *owner;           /* default "default"; tag vpcesd:owner */
	/*
	 * The owner this configuration ran under before, NULL when unset;
	 * never equal to owner.  Services tagged with it whose vpcesd:name is
	 * a spec are handed over (retagged) instead of created again.
	 */
	char *previous_owner;
	enum model_policy policy;
	unsigned interval_s;
	unsigned jitter_pct;
	unsigned min_interval_s;
	unsigned dns_verify_interval_s; /* private_dns_verify_interval, default 600 */
	struct model_api api;
	struct model_credentials credentials;
	struct model_delete del;
	struct model_sources sources;
	char *status_file;  /* default /run/vpcesd/status.json */
	char *metrics_file; /* NULL: not written */
	/*
	 * Where the state file and lock live, always set in a loaded config:
	 * the state_dir key, else $STATE_DIRECTORY (first entry), else
	 * $(localstatedir)/lib/vpcesd.
	 */
	char *state_dir;
	int log_level;  /* syslog priority, LOG_INFO by default */
	int log_format; /* enum log_format of stderr records, LOG_FORMAT_TEXT by default */

	struct service_spec *services; /* in load order (file name, then position) */
	size_t n_services;
	size_t n_files;        /* YAML files read, vpcesd.yaml included */
	size_t n_files_reused; /* of those, services files copied from the previous config */
	/* Where the specs came from: for the loader (conf.h), nobody else. */
	struct model_source_file *source_files; /* every services file, in load order */
	size_t n_source_files;
	struct model_lb_pos *lb_pos; /* every load balancer ARN, in load order */
	size_t n_lb_pos;
};

/* The compiled default of state_dir. */
#define MODEL_STATE_DIR_DEFAULT LOCALSTATEDIR "/lib/vpcesd"

/*
 * A config with every daemon default set and no services; region, partition
 * and the endpoints stay NULL (they depend on the region).  Caller frees with
 * model_config_free().  NULL on allocation failure.
 */
struct vpcesd_config *model_config_new(void);

/*
 * One line naming each AWS setting with its source ("region eu-west-1 from
 * profile prod, endpoint https://... from AWS_ENDPOINT_URL_EC2, ...") into
 * `out` (`n` bytes, truncated to fit).
 */
void model_sources_describe(const struct vpcesd_config *c, char *out, size_t n);

/* Free a config and everything it owns.  NULL-safe. */
void model_config_free(struct vpcesd_config *c);

/*
 * Canonical JSON of one service spec: fixed key order, sets sorted, defaults
 * explicit, unset optional keys omitted, no source position.  Used for
 * --dump-config and hashed into the create ClientToken.  Caller frees with
 * cJSON_Delete(); NULL on allocation failure.
 */
cJSON *model_service_to_json(const struct service_spec *s);

/*
 * Canonical JSON of the whole config: daemon settings (durations as "60s",
 * percentages as "5%", so the output loads back as YAML) then "services".
 * Caller frees with cJSON_Delete(); NULL on allocation failure.
 */
cJSON *model_config_to_json(const struct vpcesd_config *c);

/*
 * Print JSON with two-space indentation and "key": value, a form that is
 * both JSON and YAML (cJSON's own pretty printer uses tabs, which YAML
 * forbids).  Appends to `out`; -ENOMEM / -E2BIG from buf.
 */
int model_json_print(const cJSON *j, struct buf *out);

#endif
