/* SPDX-License-Identifier: ISC */
/*
 * conf: load the configuration directory into the desired model.
 *
 * (The module is conf, not config, because "config.h" is autoconf's header,
 * which every source file includes first.)
 *
 * A configuration directory holds vpcesd.yaml (daemon settings, optional) and
 * services.d/ *.yaml|*.yml (service specs).  services.d itself is required:
 * empty means "no services", absent is an error, so that a lost directory
 * never reads as an empty desired state.  Loading parses each file with
 * libyaml into a small tree that keeps the line and column of every node,
 * then validates it into a `struct vpcesd_config` (model.h).  The
 * loader never stops at the first problem: every diagnostic of the load is
 * collected, each as "path:line:col: message" (1-based; whole-file problems
 * such as "cannot open" are "path: message"), so one `vpcesd -n` shows
 * everything to fix.  A load either succeeds completely or hands back
 * nothing: a daemon reloading on SIGHUP keeps its old config on error.
 *
 * Limits (each a clean diagnostic, never a crash): files over 1 MiB, more
 * than 10,000 services, more than 10,000 files, YAML nesting deeper than 32,
 * more than 262,144 nodes in a file, NUL bytes and invalid UTF-8, several
 * documents in one file.  YAML aliases are refused outright (anchors alone are
 * harmless and ignored): that rules out expansion bombs and keeps "what you
 * read is what you get".  Scalars follow the YAML 1.2 core schema: only
 * true/false are booleans ("yes"/"on" are errors with a hint).
 *
 * conf_load() does file I/O (open/read/readdir, and reading a CA file the
 * AWS settings name), nothing else: no getenv, no logging, no clock.  The
 * environment it needs comes in `struct conf_env`, so it is deterministic
 * and testable.  It blocks on the file
 * system; call it at start-up or on reload, not in the middle of a cycle.
 */
#ifndef VPCESD_CONF_H
#define VPCESD_CONF_H

#include <stddef.h>

#include "ini.h"
#include "model.h"
#include "strv.h"

#define CONF_FILE_MAX     (1024 * 1024) /* bytes per file */
#define CONF_SERVICES_MAX 10000         /* services per load */
#define CONF_FILES_MAX    10000         /* files in services.d */
#define CONF_DEPTH_MAX    32            /* YAML nesting */
#define CONF_NODES_MAX    262144        /* YAML nodes per file */
#define CONF_DIAGS_MAX    1000          /* diagnostics kept per load */

/* Inputs that are not files.  NULL or "" means unset. */
struct conf_env {
	/*
	 * The environment ("NAME=VALUE", NULL-terminated; may be NULL) and the
	 * parsed AWS config file (NULL: none) with its path, from which
	 * awsconf.h resolves region, endpoints, ca_file, api.max_attempts and
	 * api.retry_mode where vpcesd.yaml leaves them out.  conf_env.h builds
	 * all of this from the process's environment.
	 */
	char *const *envp;
	const struct ini *aws_config;
	const char *aws_config_path;
	/*
	 * $RUNTIME_DIRECTORY (systemd's RuntimeDirectory=, first entry): when
	 * set and status_file is not, the status file is <dir>/status.json, so
	 * each vpcesd@<instance> gets its own.
	 */
	const char *runtime_directory;
	/*
	 * $STATE_DIRECTORY (systemd's StateDirectory=, first entry): when set
	 * and state_dir is not, the state directory, so each vpcesd@<instance>
	 * gets its own.  Otherwise $(localstatedir)/lib/vpcesd.
	 */
	const char *state_directory;
	/*
	 * The running config, on a reload (NULL otherwise): a services file
	 * whose bytes did not change since that config was loaded, checked
	 * against the same region, has its specs copied from it instead of
	 * parsed.  The result is the same either way; borrowed, read only.
	 */
	const struct vpcesd_config *previous;
};

/*
 * Diagnostics of one load, in the order found.  Owned by the caller:
 * initialise with CONF_DIAGS_INIT, release with conf_diags_free().
 */
struct conf_diags {
	struct strv lines; /* "path:line:col: message", at most CONF_DIAGS_MAX */
	size_t dropped;    /* diagnostics beyond the cap, not kept */
	bool oom;          /* a diagnostic could not be stored */
};

#define CONF_DIAGS_INIT             \
	{                           \
		STRV_INIT, 0, false \
	}

/* Total number of diagnostics found (kept + dropped). */
size_t conf_diags_count(const struct conf_diags *d);

/* Free the lines; leaves an empty set.  NULL-safe. */
void conf_diags_free(struct conf_diags *d);

/*
 * Load the directory `dir`.  On success returns 0 and sets *ret (caller frees
 * with model_config_free()).  Otherwise returns -EINVAL (the configuration is
 * wrong; diags says why) or -ENOMEM, appends to `diags`, and leaves *ret
 * untouched.  `env` may be NULL.
 */
int conf_load(const char *dir, const struct conf_env *env, struct vpcesd_config **ret,
	      struct conf_diags *diags);

/*
 * Parse and validate one services file held in memory, as if it were the only
 * file of a directory with no vpcesd.yaml (defaults for everything, region
 * from env).  `path` only names the source in diagnostics.  Same contract as
 * conf_load(); does no I/O at all (the fuzz target's entry point).
 */
int conf_load_services_buffer(const char *path, const void *data, size_t len,
			      const struct conf_env *env, struct vpcesd_config **ret,
			      struct conf_diags *diags);

#endif
