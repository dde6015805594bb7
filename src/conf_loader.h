/* SPDX-License-Identifier: ISC */
/*
 * conf_loader: the internal contract between the parts of the configuration
 * loader (conf.h is the public one).  One load is one `struct loader`: the
 * config being built and the diagnostics, which every part adds to and
 * conf.c sorts into file order and hands back.
 *
 *   conf.c          loader context, diagnostics, the directory, entry points
 *   conf_yaml.c     stages 1-2: bytes and the node tree (conf_parse_tree)
 *   conf_node.c     typed access to nodes for the schema walk (stage 3)
 *   conf_daemon.c   the schema of vpcesd.yaml, the AWS settings
 *   conf_service.c  the schema of services files, the checks across files
 *
 * Every function here reports what it refuses through the conf_diag*()
 * family and never fails the walk: a load reports every problem of every
 * file, and fails when it reported any (conf.c).
 */
#ifndef VPCESD_CONF_LOADER_H
#define VPCESD_CONF_LOADER_H

#include <stdbool.h>
#include <stddef.h>

#include "awsconf.h"
#include "conf.h"
#include "err.h"
#include "ynode.h"

struct pending; /* conf.c: a diagnostic waiting to be sorted */

struct loader {
	const struct conf_env *env;
	struct conf_diags *diags;
	size_t errors; /* diagnostics of this load */
	struct vpcesd_config *cfg;
	const char *path; /* file being read */
	size_t nodes;     /* nodes of the file being read */
	size_t services_seen;
	size_t services_cap;     /* allocated entries of cfg->services */
	size_t cap_lb_pos;       /* allocated entries of cfg->lb_pos */
	size_t cap_source_files; /* allocated entries of cfg->source_files */
	struct pending *pending; /* diagnostics of the current file, unsorted */
	size_t n_pending, cap_pending;
	size_t seq;
	bool oom;
	/* What vpcesd.yaml said of the AWS settings awsconf.h also finds elsewhere. */
	bool yaml_region, yaml_max_attempts;
	enum awsconf_retry_mode yaml_retry_mode;
	/*
	 * Peeked before credentials: are loaded; a copy, since the tree it comes
	 * from is freed before loader_end() resolves the AWS settings with it.
	 */
	char *yaml_profile;
};

/* --- conf.c: diagnostics ----------------------------------------------------- */

/* A diagnostic at a node of the current file: "path:line:col: message". */
void __attribute__((format(printf, 3, 4)))
conf_diag(struct loader *l, const struct ynode *n, const char *fmt, ...);

/* A diagnostic about a whole file (or the environment): "path: message". */
void __attribute__((format(printf, 3, 4)))
conf_diag_file(struct loader *l, const char *path, const char *fmt, ...);

/* A diagnostic at an explicit position of `path`. */
void __attribute__((format(printf, 5, 6)))
conf_diag_at(struct loader *l, const char *path, unsigned line, unsigned col, const char *fmt, ...);

/*
 * Move the pending diagnostics of the current file, sorted by position, to
 * the caller's list (positions of different files do not sort: flush
 * between them).
 */
void conf_flush_diags(struct loader *l);

/* Report an allocation failure once and remember it (the load then fails with -ENOMEM). */
void conf_oom(struct loader *l);

/* --- conf_yaml.c ---------------------------------------------------------------- */

/*
 * Parse one file (l->path) into a tree.  Returns 0 with *ret_root set (NULL
 * for a file with no document; the caller frees it with ynode_free()), or
 * -EINVAL / -ENOMEM after reporting.  A tree may come back after a reported
 * tag, alias or NUL-escape problem, so that the walk reports the rest.
 */
int conf_parse_tree(struct loader *l, const unsigned char *data, size_t len,
		    struct ynode **ret_root);

/* --- conf_node.c ----------------------------------------------------------------- */

/* "a list", "a mapping", "a boolean", ...: what a node is, for messages. */
const char *conf_kind_name(const struct ynode *n);

/* True when n is of `kind` (Y_MAP or Y_SEQ); reports it otherwise. */
bool conf_want_kind(struct loader *l, const struct ynode *n, enum ynode_kind kind,
		    const char *what);

/*
 * A mapping with its keys checked against `known` (NULL-terminated): unknown
 * keys (with a suggestion) and duplicates are reported.  Returns the skip
 * array that conf_map_get() takes (the caller frees it), or NULL when the
 * node is not a usable mapping or on OOM (reported).
 */
bool *conf_checked_map(struct loader *l, const struct ynode *n, const char *const *known,
		       const char *ctx);

/* The value of `key` in a checked mapping (NULL when absent); its key node in *ret_key. */
const struct ynode *conf_map_get(const struct ynode *map, const bool *skip, const char *key,
				 const struct ynode **ret_key);

/*
 * Scalars.  Each returns false (NULL) after reporting a value of the wrong
 * type or out of range; *out is written only on success.  A returned string
 * is borrowed from the tree.
 */
const char *conf_get_str(struct loader *l, const struct ynode *n, const char *what);
bool conf_get_bool(struct loader *l, const struct ynode *n, const char *what, bool *out);
bool conf_get_uint(struct loader *l, const struct ynode *n, const char *what, unsigned min,
		   unsigned max, unsigned *out);
/* Seconds, as an integer or with a unit ("30s", "5m", "1h"; validate_duration). */
bool conf_get_duration(struct loader *l, const struct ynode *n, const char *what, unsigned min,
		       unsigned max, unsigned *out);
/* A percentage, "5%" or an integer (validate_percent). */
bool conf_get_percent(struct loader *l, const struct ynode *n, const char *what, unsigned min,
		      unsigned max, unsigned *out);

/* Replace *dst with a copy of s (freeing the old value).  False only on OOM (reported). */
bool conf_set_str(struct loader *l, char **dst, const char *s);

/* A string checked by `check` (a validate_* function, or NULL) and stored into *dst. */
void conf_take_checked(struct loader *l, const struct ynode *n, const char *what,
		       int (*check)(const char *s, struct err *e), char **dst);

/* A string of letters, digits and the characters of `accept`, min..max long, into *dst. */
void conf_take_charset(struct loader *l, const struct ynode *n, const char *what,
		       const char *accept, size_t min, size_t max, char **dst);

/* --- conf_daemon.c ------------------------------------------------------------------ */

/* The runtime defaults that status_file and state_dir in vpcesd.yaml replace. */
void conf_runtime_status_file(struct loader *l, struct vpcesd_config *c);
void conf_runtime_state_dir(struct loader *l, struct vpcesd_config *c);

/*
 * The region from vpcesd.yaml, the environment or the profile (awsconf.h),
 * needed to check the services' ARNs; `quiet` when vpcesd.yaml failed to
 * parse and only the environment's answer is wanted.
 */
void conf_resolve_region(struct loader *l, const char *daemon_path, bool quiet);

/* Walk vpcesd.yaml's tree (root may be NULL: an empty file) into l->cfg. */
void conf_load_daemon(struct loader *l, const struct ynode *root, const char *daemon_path);

/* At the end of a load: endpoints, CA, retries from awsconf.h, with their sources. */
void conf_resolve_aws(struct loader *l);

/* --- conf_service.c ------------------------------------------------------------------ */

/* Walk a services file's tree (root may be NULL: an empty file) into l->cfg. */
void conf_load_services_tree(struct loader *l, const struct ynode *root);

/* Record where load balancer `arn` (a string of services[svc]) was written. */
void conf_note_lb(struct loader *l, const char *arn, size_t svc, unsigned line, unsigned col);

/*
 * Copy the specs and load balancer positions that services file `f` gave
 * `prev` into the config being built, as parsing the same bytes would.
 * False when it did not (past CONF_SERVICES_MAX: parse it to report that);
 * an allocation failure is reported and counts as done.  Sound only while a
 * services file's specs depend on the daemon settings through cfg->region
 * alone: conf.c compares that before it calls this.
 */
bool conf_reuse_file(struct loader *l, const struct vpcesd_config *prev,
		     const struct model_source_file *f);

/* No two specs with the same name (adopt = false) or the same adoption key (true). */
void conf_check_unique(struct loader *l, bool adopt);

/* No load balancer in two specs (EC2 associates one with one service only). */
void conf_check_shared_lbs(struct loader *l);

#endif
