/* SPDX-License-Identifier: ISC */
/*
 * daemon: the running vpcesd — one libev loop that owns everything.
 *
 * The context (`struct daemon`, private to daemon.c) holds the active
 * configuration and the client stack built from it (http → credentials →
 * pacing → aws → reconciler), and drives cycles:
 *
 *  - a cycle timer at `interval` ± `jitter`, never closer than
 *    `min_interval` to the previous cycle's start;
 *  - SIGHUP reloads: the whole configuration is parsed; if valid it is
 *    swapped in with a freshly built client stack and a cycle starts; if
 *    not, every error is logged and the daemon keeps running on the old one.
 *    A SIGHUP during a cycle is honoured after that cycle completes, so
 *    nothing is ever half-applied;
 *  - SIGUSR1 starts a cycle now; SIGTERM/SIGINT stop starting work, let the
 *    cycle in flight finish (at most DAEMON_STOP_GRACE seconds) and exit 0.
 *    Signals arrive through libev watchers; repeats are coalesced;
 *  - sd_notify: READY=1 once the configuration is valid and the loop runs
 *    (not gated on AWS), RELOADING=1 / READY=1 around reloads, STOPPING=1,
 *    WATCHDOG=1 at half of WATCHDOG_USEC from a loop timer (a stuck loop is
 *    therefore killed by systemd), STATUS= one line after every cycle.
 *
 * `--once` runs exactly one cycle on the same stack and returns its exit
 * code (reconcile_exit_code()).
 */
#ifndef VPCESD_DAEMON_H
#define VPCESD_DAEMON_H

#include <stdbool.h>

#include "log.h"
#include "model.h"
#include "reconcile.h"
#include "strv.h"

#define DAEMON_STOP_GRACE 10.0 /* seconds the in-flight cycle may take after SIGTERM */

/* Exit codes (documented in vpcesd(8)). */
#define DAEMON_EXIT_OK          0
#define DAEMON_EXIT_ERROR       1 /* invalid configuration; --once: EC2 could not be read */
#define DAEMON_EXIT_INCOMPLETE  2 /* --once: changes failed or were held */
#define DAEMON_EXIT_CREDENTIALS 3 /* no usable credentials provider */
#define DAEMON_EXIT_SETUP       4 /* other start-up failure (TLS set-up, memory) */
#define DAEMON_EXIT_PENDING     5 /* --once: changes made or services Pending, not verified */
#define DAEMON_EXIT_USAGE       64

struct daemon_options {
	const char *config_dir;
	bool once;       /* one cycle, then exit */
	bool dry_run;    /* observe and plan only */
	unsigned wait_s; /* --once: cycle again while PENDING, for up to this long (0: no) */
	int policy;      /* -1: the configuration's */
	enum reconcile_output output;
	const char *
		status_file; /* --status-file: write the status there (NULL: the configuration's) */
	int log_priority;    /* -1: the configuration's log.level */
	int log_format;      /* -1: the configuration's log.format */
	enum log_target log_target;
};

/*
 * The start-up checks the daemon makes before it talks to AWS, for `vpcesd
 * -n`: the credentials chain as it would be chosen (files, their modes;
 * no network), and the state directory (unless `dry_run`).  Appends one
 * line per problem to `problems` and returns how many.  A credentials file
 * this process may not read is noted on stderr, not counted: the daemon's
 * user may (systemd hands credentials to the service only).  Blocking
 * file I/O.
 */
int daemon_check_startup(const struct vpcesd_config *cfg, bool dry_run, struct strv *problems);

/*
 * Where the daemon would take its credentials from, as the start-up line
 * names it ("SSO role R in account A (profile P)", "environment
 * (AWS_ACCESS_KEY_ID)", ...), for --dump-config: a new string the caller
 * frees with free(), or NULL when no provider applies or memory ran out.
 * No secret, no network; blocking file I/O.
 */
char *daemon_credentials_description(const struct vpcesd_config *cfg);

/* Run vpcesd; returns the process exit code.  Call once, from main(). */
int daemon_main(const struct daemon_options *opt);

#endif
