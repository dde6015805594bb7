/* SPDX-License-Identifier: ISC */
/*
 * daemon: the loop, its signals and timers, reloads.  See daemon.h.
 *
 * Everything happens on libev's default loop (credential_process needs it
 * for ev_child).  The only state shared between callbacks is `struct
 * daemon`; flags such as reload_requested are plain fields because every
 * callback runs on the loop thread — signals are delivered by libev
 * watchers, never by handlers of our own.
 *
 * Invariant: a cycle runs with the configuration and client stack it
 * started with.  Reloads swap both only while no cycle runs.
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include <ev.h>

#include "atomic.h"
#include "aws.h"
#include "conf.h"
#include "conf_env.h"
#include "creds_build.h"
#include "creds_plan.h"
#include "daemon.h"
#include "ec2.h"
#include "http.h"
#include "lock.h"
#include "log.h"
#include "msgid.h"
#include "notify.h"
#include "ratelimit.h"
#include "reconcile.h"
#include "state.h"
#include "writer.h"

/* What a configuration needs to talk to EC2; rebuilt whole on reload. */
struct stack {
	struct http_client *http;
	struct creds_cache *creds;
	struct ratelimit *rl;
	struct aws_client *aws;
	char *creds_description;
};

struct daemon {
	struct daemon_options opt;
	struct ev_loop *loop;
	struct vpcesd_config *cfg;
	struct stack stack;
	struct reconciler *rec;
	struct writer *writer; /* status, metrics and state files, off the loop */
	struct lock *lock;     /* the state directory's; NULL in a dry run */

	ev_signal sighup, sigterm, sigint, sigusr1, sigusr2;
	ev_timer cycle_timer; /* the next scheduled cycle */
	ev_timer watchdog;
	ev_timer stop_timer;   /* bounds the grace period after SIGTERM */
	ev_timer reload_timer; /* a reload deferred out of a cycle's completion */

	bool reload_requested;
	struct vpcesd_config *pending; /* validated during a cycle, swapped in after it */
	char *reload_verdict;          /* what the last validation of this reload found */
	bool cycle_requested;
	bool stopping;
	bool cycle_running;
	double last_cycle_start; /* ev_now() of the last cycle start, 0: none */
	double wait_until;       /* --once --wait: ev_now() past which it gives up */
	struct reconcile_result last;
	bool have_last;
	char last_error[ERR_MSG_MAX];
	char last_failure[ERR_MSG_MAX]; /* reconcile_result.failure of the last cycle */
	int exit_code;
};

/* ---- configuration ------------------------------------------------------ */

/*
 * "path:line:col: message" → a record with CONFIG_FILE / CONFIG_LINE, so
 * `journalctl CONFIG_FILE=…` finds every problem of one file.
 */
static void
log_diag(const char *line)
{
	const char *p = line, *colon;
	char file[512] = "", lineno[16] = "";

	/* The path may itself contain ':'; the position is the first ":N:N: ". */
	while ((colon = strchr(p, ':')) != NULL) {
		unsigned l, c;
		int n = 0;

		if (sscanf(colon, ":%u:%u: %n", &l, &c, &n) == 2 && n > 0) {
			snprintf(file, sizeof(file), "%.*s", (int)(colon - line), line);
			snprintf(lineno, sizeof(lineno), "%u", l);
			break;
		}
		p = colon + 1;
	}
	log_fields(LOG_ERR, LOG_FIELDS({"CONFIG_FILE", file}, {"CONFIG_LINE", lineno}), "%s", line);
}

/*
 * Load and validate into *diags (CONF_DIAGS_INIT; the caller frees it).
 * `running` is the config in force on a reload (its unchanged services
 * files are copied, not parsed), else NULL.  NULL when invalid.
 */
static struct vpcesd_config *
load_config_diags(const char *dir, const struct vpcesd_config *running, struct conf_diags *diags)
{
	struct vpcesd_config *cfg = NULL;

	return conf_env_load(dir, environ, running, &cfg, diags) < 0 ? NULL : cfg;
}

static void
log_diags(const char *dir, const struct conf_diags *diags)
{
	for (size_t i = 0; i < diags->lines.n; i++)
		log_diag(diags->lines.v[i]);
	if (diags->dropped > 0)
		log_error("%zu more configuration errors not shown", diags->dropped);
	log_error("configuration in %s is invalid (%zu error%s)", dir, conf_diags_count(diags),
		  conf_diags_count(diags) == 1 ? "" : "s");
}

/* Load and validate; every diagnostic is logged.  NULL when invalid. */
static struct vpcesd_config *
load_config(const char *dir)
{
	struct conf_diags diags = CONF_DIAGS_INIT;
	struct vpcesd_config *cfg = load_config_diags(dir, NULL, &diags);

	if (cfg == NULL)
		log_diags(dir, &diags);
	conf_diags_free(&diags);
	return cfg;
}

/*
 * The command line beats the file, once, where a configuration is swapped
 * in: everything downstream (observe, plan, status) sees one policy.
 */
static void
apply_overrides(const struct daemon *d, struct vpcesd_config *cfg)
{
	if (d->opt.policy >= 0)
		cfg->policy = (enum model_policy)d->opt.policy;
}

/* ---- the client stack --------------------------------------------------- */

static void
stack_free(struct stack *s)
{
	/* Outermost first: the aws client borrows everything below it. */
	aws_client_free(s->aws);
	ratelimit_free(s->rl);
	creds_cache_free(s->creds);
	http_client_free(s->http);
	free(s->creds_description);
	memset(s, 0, sizeof(*s));
}

static void
daemon_observe_call(void *arg, const struct aws_call_record *rec)
{
	struct daemon *d = arg;

	if (d->rec)
		reconciler_observe_call(d->rec, rec);
}

static void
creds_config_of(const struct vpcesd_config *cfg, struct creds_config *cc)
{
	*cc = (struct creds_config){
		.profile = cfg->credentials.profile,
		.role_arn = cfg->credentials.role_arn,
		.external_id = cfg->credentials.external_id,
		.session_name = cfg->credentials.session_name,
		.web_identity_token_file = cfg->credentials.web_identity_token_file,
	};
}

/* Build the credentials chain from the configuration and the environment. */
static int
build_creds(struct daemon *d, const struct vpcesd_config *cfg, struct stack *s, struct err *e)
{
	struct creds_config cc;
	struct creds_plan plan;
	int r;

	creds_config_of(cfg, &cc);
	r = creds_plan_load(&cc, environ, &plan, e);
	if (r < 0)
		return r;
	{
		struct creds_build_options o = {
			.sts_endpoint = cfg->sts_endpoint,
			.region = cfg->region,
			/* SSO writes a renewed token back to its cache, off the loop. */
			.writer = d->writer,
		};

		r = creds_build_ex(d->loop, s->http, &o, &plan, &s->creds, e);
	}
	if (r == 0 && plan.description)
		s->creds_description = strdup(plan.description);
	creds_plan_free(&plan);
	return r;
}

/*
 * Everything EC2 calls need, for `cfg`.  On failure nothing is kept and the
 * return value says which exit code applies.
 */
static int
stack_build(struct daemon *d, const struct vpcesd_config *cfg, struct stack *out, struct err *e)
{
	struct http_client_options ho = {
		.ca_file = cfg->ca_file,
		.connect_timeout_ms = (long)cfg->api.connect_timeout_s * 1000,
		.timeout_ms = (long)cfg->api.timeout_s * 1000,
	};
	struct ratelimit_options ro = {
		.share = cfg->api.bucket_share_pct / 100.0,
		.rate = cfg->api.rate,
		.burst = cfg->api.burst,
		.adaptive = cfg->api.retry_adaptive,
	};
	struct aws_client_options ao = {
		.endpoint = cfg->endpoint,
		.region = cfg->region,
		.service = "ec2",
		.version = EC2_API_VERSION,
		.max_attempts = cfg->api.max_attempts,
		.concurrency = cfg->api.concurrency,
		.timeout_ms = (long)cfg->api.timeout_s * 1000,
		.connect_timeout_ms = (long)cfg->api.connect_timeout_s * 1000,
		.observe = daemon_observe_call,
		.observe_arg = d,
		/* A reload keeps what the old client learnt about the clocks. */
		.clock_skew = d->stack.aws ? aws_client_clock_skew(d->stack.aws) : 0,
	};
	struct stack s = {0};
	int r;

	if ((r = http_client_new(d->loop, &ho, &s.http, e)) < 0)
		goto fail_setup;
	if ((r = build_creds(d, cfg, &s, e)) < 0) {
		stack_free(&s);
		return DAEMON_EXIT_CREDENTIALS;
	}
	if ((r = ratelimit_new(&ro, ev_now(d->loop), &s.rl, e)) < 0)
		goto fail_setup;
	/* A reload keeps what the old limiter spent: EC2's buckets did not refill. */
	ratelimit_carry(s.rl, d->stack.rl, ev_now(d->loop));
	ao.http = s.http;
	ao.creds = s.creds;
	ao.ratelimit = s.rl;
	if ((r = aws_client_new(d->loop, &ao, &s.aws, e)) < 0)
		goto fail_setup;
	*out = s;
	return 0;
fail_setup:
	stack_free(&s);
	return DAEMON_EXIT_SETUP;
}

int
daemon_check_startup(const struct vpcesd_config *cfg, bool dry_run, struct strv *problems)
{
	struct creds_config cc;
	struct creds_plan plan;
	struct err e;
	int n = 0, r;

	creds_config_of(cfg, &cc);
	err_clear(&e);
	r = creds_plan_load(&cc, environ, &plan, &e);
	if (r == -EACCES) {
		/*
		 * This process may not read what the daemon will (systemd gives
		 * the credentials to the service, not to ExecReload= or to an
		 * operator's shell): not knowable here, so not a failure.
		 */
		fprintf(stderr, "note: credentials not checked: %s\n", e.msg);
	} else if (r < 0) {
		char line[ERR_MSG_MAX + 16];

		snprintf(line, sizeof(line), "credentials: %s", e.msg);
		strv_push(problems, line);
		n++;
	} else {
		creds_plan_free(&plan);
	}
	err_clear(&e);
	if (!dry_run && lock_check_dir(cfg->state_dir, &e) < 0) {
		strv_push(problems, e.msg);
		n++;
	}
	return n;
}

char *
daemon_credentials_description(const struct vpcesd_config *cfg)
{
	struct creds_config cc;
	struct creds_plan plan;
	struct err e;
	char *desc;

	creds_config_of(cfg, &cc);
	err_clear(&e);
	if (creds_plan_load(&cc, environ, &plan, &e) < 0)
		return NULL;
	desc = plan.description ? strdup(plan.description) : NULL;
	creds_plan_free(&plan);
	return desc;
}

/* ---- status line -------------------------------------------------------- */

static void
publish_status_line(struct daemon *d)
{
	const struct reconcile_result *res = &d->last;
	double next =
		ev_is_active(&d->cycle_timer) ? ev_timer_remaining(d->loop, &d->cycle_timer) : 0;

	if (!d->have_last) {
		notify_status("starting: first cycle in progress");
		return;
	}
	if (!res->observed) {
		/*
		 * Say why in the failure's own words ("cannot reach EC2: …",
		 * "credentials rejected by EC2 (AuthFailure)", "EC2 refused the
		 * request time: …"), not "unreachable" for all of them.
		 */
		if (d->last_failure[0])
			notify_status("%s (retrying in %.0fs)", d->last_failure, next);
		else
			notify_status("EC2 could not be read: %s (retrying in %.0fs)",
				      d->last_error[0] ? d->last_error : "listing failed", next);
		return;
	}
	{
		char held[32] = "", failed[32] = "";

		if (res->held)
			snprintf(held, sizeof(held), ", %zu held", res->held);
		if (res->failed)
			snprintf(failed, sizeof(failed), ", %zu failed", res->failed);
		notify_status("%zu/%zu converged%s%s, next cycle in %.0fs", res->converged_services,
			      res->services, held, failed, next);
	}
}

/* ---- cycles ------------------------------------------------------------- */

static void start_cycle(struct daemon *d);
static void do_reload(struct daemon *d);
static void finish_stop(struct daemon *d);

static double
random01(void)
{
	unsigned int v = 0;

	if (getrandom(&v, sizeof(v), GRND_NONBLOCK) != sizeof(v))
		v = (unsigned)rand();
	return (double)v / 4294967296.0;
}

/*
 * The next cycle starts interval ± jitter after the last one started (so
 * the period is the interval, whatever a cycle takes), at once when that
 * has passed, and never sooner than min_interval after the last start.
 */
static void
schedule_next(struct daemon *d, bool asap)
{
	const struct vpcesd_config *cfg = d->cfg;
	double now = ev_now(d->loop), delay = 0, earliest;

	if (!asap) {
		double j = cfg->interval_s * (cfg->jitter_pct / 100.0);
		double from = d->last_cycle_start > 0 ? d->last_cycle_start : now;

		delay = from + cfg->interval_s + (2 * random01() - 1) * j - now;
		if (delay < 0)
			delay = 0;
	}
	earliest = d->last_cycle_start > 0 ? d->last_cycle_start + cfg->min_interval_s : now;
	if (now + delay < earliest)
		delay = earliest - now;
	ev_timer_stop(d->loop, &d->cycle_timer);
	ev_timer_set(&d->cycle_timer, delay, 0.);
	ev_timer_start(d->loop, &d->cycle_timer);
}

static void
log_cycle(const struct daemon *d, const struct reconcile_result *res)
{
	char cycle[32];

	snprintf(cycle, sizeof(cycle), "%lu", res->cycle);
	if (!res->observed)
		log_fields(LOG_ERR, LOG_FIELDS({"VPCESD_CYCLE", cycle}),
			   "cycle %lu: EC2 could not be read%s%s; nothing changed", res->cycle,
			   res->first_error ? ": " : "", res->first_error ? res->first_error : "");
	else
		log_fields(res->failed ? LOG_WARNING : LOG_INFO,
			   LOG_FIELDS({"VPCESD_CYCLE", cycle},
				      /* Every configured service as specified, nothing failed. */
				      LOG_MESSAGE_ID(res->converged_services == res->services &&
								     res->failed == 0
							     ? VPCESD_MESSAGE_CONVERGED
							     : NULL)),
			   "cycle %lu%s: %zu/%zu services converged, %zu change%s planned, %zu "
			   "applied, %zu failed, %zu held",
			   res->cycle, d->opt.dry_run ? " (dry run)" : "", res->converged_services,
			   res->services, res->planned, res->planned == 1 ? "" : "s", res->applied,
			   res->failed, res->held);
}

static void
on_cycle_done(void *arg, const struct reconcile_result *res)
{
	struct daemon *d = arg;

	d->cycle_running = false;
	d->last = *res;
	d->last.first_error = NULL;
	d->last.failure = NULL;
	d->have_last = true;
	snprintf(d->last_error, sizeof(d->last_error), "%s",
		 res->first_error ? res->first_error : "");
	snprintf(d->last_failure, sizeof(d->last_failure), "%s", res->failure ? res->failure : "");
	log_cycle(d, res);
	if (!d->opt.once && ev_now(d->loop) - d->last_cycle_start > d->cfg->interval_s)
		log_warning("cycle %lu took %.0fs, longer than interval (%us): the next one starts "
			    "at once (%zu detail reads made, %zu left for later cycles)",
			    res->cycle, ev_now(d->loop) - d->last_cycle_start, d->cfg->interval_s,
			    res->reads, res->deferred);
	if (d->opt.once) {
		d->exit_code = reconcile_exit_code(res, d->opt.dry_run);
		if (d->exit_code == RECONCILE_EXIT_PENDING && !d->opt.dry_run &&
		    ev_now(d->loop) + d->cfg->min_interval_s < d->wait_until) {
			/* --wait: again once min_interval allows, until converged or out of time. */
			log_info("waiting: %zu/%zu converged; another cycle in %us",
				 res->converged_services, res->services, d->cfg->min_interval_s);
			schedule_next(d, true);
			return;
		}
		if (d->exit_code == RECONCILE_EXIT_PENDING && d->opt.wait_s > 0)
			log_warning("gave up waiting after %us: %zu/%zu services converged",
				    d->opt.wait_s, res->converged_services, res->services);
		ev_break(d->loop, EVBREAK_ALL);
		return;
	}
	if (d->stopping) {
		finish_stop(d);
		return;
	}
	if (d->reload_requested) {
		/*
		 * Not from here: this callback runs inside the completion of the
		 * cycle's last EC2 call, and a reload frees the client that call
		 * belongs to.  The loop runs the reload once the stack unwound.
		 */
		ev_timer_set(&d->reload_timer, 0., 0.);
		ev_timer_start(d->loop, &d->reload_timer);
		return;
	}
	schedule_next(d, d->cycle_requested);
	d->cycle_requested = false;
	publish_status_line(d);
}

static void
start_cycle(struct daemon *d)
{
	struct err e;

	if (d->stopping)
		return;
	if (d->cycle_running || ev_is_active(&d->reload_timer)) {
		d->cycle_requested = true; /* coalesced: one more cycle after this one */
		return;
	}
	ev_timer_stop(d->loop, &d->cycle_timer);
	err_clear(&e);
	d->last_cycle_start = ev_now(d->loop);
	if (reconciler_cycle(d->rec, d->cfg, on_cycle_done, d, &e) < 0) {
		log_error("cannot start a cycle: %s", e.msg);
		schedule_next(d, false);
		return;
	}
	d->cycle_running = true;
}

static void
on_cycle_timer(struct ev_loop *loop, ev_timer *w, int revents)
{
	(void)loop;
	(void)revents;
	start_cycle(w->data);
}

/*
 * Read the state file of `dir` into *st.  A missing file is a first run.  A
 * file that cannot be used is an error the reconciler works around (it
 * creates and deletes nothing until it has read every owned service): its
 * text goes into *error (a new string).  A daemon moves the bad file
 * aside, so the next write does not destroy what someone may want to look
 * at, and clears *path when it cannot (then no state is written at all).
 */
static void
load_state(const struct daemon *d, char **path, struct state *st, char **error)
{
	struct err e;
	char aside[PATH_MAX];
	time_t now = time(NULL);
	struct tm tm;
	int r;

	*error = NULL;
	err_clear(&e);
	r = state_read_file(*path, st, &e);
	if (r == 0) {
		log_info("state from %s (written under owner %s)", *path,
			 st->owner ? st->owner : "(none)");
		return;
	}
	if (r == -ENOENT) {
		log_info("no state file %s: a first run", *path);
		return;
	}
	if (d->opt.dry_run && r != -EBADMSG && r != -EPROTONOSUPPORT) {
		/* A dry run often runs as someone who may not read the daemon's file. */
		log_warning("cannot read the state file (%s): planning without it", e.msg);
		return;
	}
	log_error("the state file is unusable: %s; until a cycle has read every owned service, "
		  "nothing is created or deleted",
		  e.msg);
	*error = strdup(e.msg);
	if (d->opt.dry_run)
		return;
	gmtime_r(&now, &tm);
	snprintf(aside, sizeof(aside), "%s.bad-%04d%02d%02dT%02d%02d%02dZ", *path,
		 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
	if (rename(*path, aside) == 0) {
		log_notice("moved the unusable state file to %s", aside);
		return;
	}
	log_error("cannot move %s aside (%s): no state is written this run", *path,
		  strerror(errno));
	free(*path);
	*path = NULL;
}

/*
 * The temporary files of state writes that a crash cut short: only a
 * SIGKILL or a power cut between a temporary file's creation and its
 * rename leaves one, nothing else would ever remove it, and every such
 * crash would add one more.  Under the lock no one else writes the state
 * file, so whatever temporary is there belongs to a writer that is gone.
 */
static void
sweep_state(const char *path)
{
	size_t n = 0;
	struct err e;

	err_clear(&e);
	if (atomic_sweep(path, &n, &e) < 0)
		log_warning("cannot remove what interrupted state writes left: %s", e.msg);
	if (n > 0)
		log_notice("removed %zu temporary state file%s left by an interrupted write", n,
			   n == 1 ? "" : "s");
}

/*
 * The state directory, its lock (not in a dry run: it writes nothing), the
 * sweep of what interrupted state writes left, and the reconciler that
 * starts from the state file.
 */
static int
make_reconciler(struct daemon *d, struct reconciler **ret, struct err *e)
{
	struct reconciler_options ro = {
		.loop = d->loop,
		.ec2 = d->stack.aws,
		.writer = d->writer,
		.dry_run = d->opt.dry_run,
		.plan_output = d->opt.output,
		.status_file = d->opt.status_file,
		/* One cycle must see everything; a daemon spreads the reads over its cycles. */
		.read_all = d->opt.once,
	};
	const char *dir = d->cfg->state_dir;
	struct state st;
	char *path, *error = NULL;
	int r;

	if (!d->opt.dry_run) {
		if ((r = lock_prepare_dir(dir, e)) < 0 || (r = lock_acquire(dir, &d->lock, e)) < 0)
			return r;
	}
	r = snprintf(NULL, 0, "%s/%s", dir, STATE_FILE_NAME);
	path = r < 0 ? NULL : malloc((size_t)r + 1);
	if (path == NULL)
		return err_set(e, -ENOMEM, "out of memory");
	snprintf(path, (size_t)r + 1, "%s/%s", dir, STATE_FILE_NAME);
	if (!d->opt.dry_run)
		sweep_state(path);
	state_init(&st);
	load_state(d, &path, &st, &error);
	ro.state_file = d->opt.dry_run ? NULL : path;
	r = reconciler_new(&ro, &st, error, ret, e);
	state_free(&st);
	free(path);
	free(error);
	return r;
}

/*
 * The configuration a reload would swap in, validated as a whole now —
 * also while a cycle runs, so the operator learns at once whether the new
 * files are good.  NULL when it must be refused.  What it finds is logged,
 * unless it is what the previous validation of this reload found (a burst
 * of signals over unchanged files says it once).
 */
static struct vpcesd_config *
reload_candidate(struct daemon *d)
{
	struct conf_diags diags = CONF_DIAGS_INIT;
	struct vpcesd_config *cfg = load_config_diags(d->opt.config_dir, d->cfg, &diags);
	struct buf verdict;
	bool repeat;

	buf_init(&verdict, 1 << 20);
	for (size_t i = 0; i < diags.lines.n; i++)
		buf_printf(&verdict, "%s\n", diags.lines.v[i]);
	if (cfg != NULL) {
		apply_overrides(d, cfg);
		if (strcmp(cfg->state_dir, d->cfg->state_dir) != 0)
			buf_printf(&verdict, "state_dir %s", cfg->state_dir);
		else
			buf_printf(&verdict, "valid, %zu services", cfg->n_services);
	}
	repeat = d->reload_verdict && strcmp(d->reload_verdict, buf_str(&verdict)) == 0;
	free(d->reload_verdict);
	d->reload_verdict = buf_steal(&verdict);
	if (cfg == NULL) {
		if (!repeat) {
			log_diags(d->opt.config_dir, &diags);
			log_fields(
				LOG_ERR, LOG_FIELDS(LOG_MESSAGE_ID(VPCESD_MESSAGE_RELOAD_REFUSED)),
				"reload failed: keeping the previous configuration (%zu services)",
				d->cfg->n_services);
		}
	} else if (strcmp(cfg->state_dir, d->cfg->state_dir) != 0) {
		/* The lock and the state belong to the directory the daemon started with. */
		if (!repeat)
			log_fields(LOG_ERR,
				   LOG_FIELDS(LOG_MESSAGE_ID(VPCESD_MESSAGE_RELOAD_REFUSED)),
				   "reload failed: state_dir changed from %s to %s, which needs a "
				   "restart; keeping the previous configuration",
				   d->cfg->state_dir, cfg->state_dir);
		model_config_free(cfg);
		cfg = NULL;
	}
	conf_diags_free(&diags);
	buf_free(&verdict);
	return cfg;
}

/*
 * Reload: the swap happens only between cycles.  A bad configuration, or
 * one whose client stack cannot be built, changes nothing.  A SIGHUP during
 * a cycle was validated when it came (on_sighup): the configuration it
 * found good is the one swapped in now.
 */
static void
do_reload(struct daemon *d)
{
	struct vpcesd_config *cfg = d->pending;
	struct stack s;
	struct err e;

	d->reload_requested = false;
	d->pending = NULL;
	notify_reloading();
	log_info("reloading the configuration from %s", d->opt.config_dir);
	if (cfg == NULL)
		cfg = reload_candidate(d);
	free(d->reload_verdict);
	d->reload_verdict = NULL;
	err_clear(&e);
	if (cfg == NULL) {
		/* Refused, and said so. */
	} else if (stack_build(d, cfg, &s, &e) != 0) {
		log_fields(LOG_ERR, LOG_FIELDS(LOG_MESSAGE_ID(VPCESD_MESSAGE_RELOAD_REFUSED)),
			   "reload failed: %s; keeping the previous configuration", e.msg);
		model_config_free(cfg);
	} else {
		/*
		 * Swap: the reconciler keeps its status (backoff, last changes)
		 * and is pointed at the new client.
		 */
		reconciler_set_ec2(d->rec, s.aws);
		stack_free(&d->stack);
		d->stack = s;
		model_config_free(d->cfg);
		d->cfg = cfg;
		log_set_max_priority(d->opt.log_priority >= 0 ? d->opt.log_priority
							      : cfg->log_level);
		char aws[1024];

		log_set_format(d->opt.log_format >= 0 ? d->opt.log_format : cfg->log_format);
		model_sources_describe(cfg, aws, sizeof(aws));
		log_fields(
			LOG_INFO, LOG_FIELDS(LOG_MESSAGE_ID(VPCESD_MESSAGE_RELOADED)),
			"configuration reloaded: %zu service%s (%zu file%s read, %zu unchanged), "
			"credentials from %s, %s",
			cfg->n_services, cfg->n_services == 1 ? "" : "s", cfg->n_files,
			cfg->n_files == 1 ? "" : "s", cfg->n_files_reused,
			d->stack.creds_description ? d->stack.creds_description : "?", aws);
		notify_ready();
		start_cycle(d);
		publish_status_line(d);
		return;
	}
	notify_ready();
	if (!d->cycle_running && !ev_is_active(&d->cycle_timer)) {
		schedule_next(d, d->cycle_requested);
		d->cycle_requested = false;
	}
	publish_status_line(d);
}

static void
on_reload_timer(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct daemon *d = w->data;

	(void)loop;
	(void)revents;
	if (!d->stopping && !d->cycle_running)
		do_reload(d);
}

static void
on_sighup(struct ev_loop *loop, ev_signal *w, int revents)
{
	struct daemon *d = w->data;

	(void)loop;
	(void)revents;
	if (d->stopping || ev_is_active(&d->reload_timer))
		return; /* a reload is already on its way */
	if (d->cycle_running) {
		/*
		 * Validated now, swapped in when the cycle ends: a stalled cycle
		 * must not keep the operator waiting to learn of a typo.
		 */
		struct vpcesd_config *cfg = reload_candidate(d);

		model_config_free(d->pending);
		d->pending = cfg;
		if (cfg && !d->reload_requested)
			log_info("reload requested: the configuration in %s is valid (%zu "
				 "service%s); "
				 "it takes over after the cycle in progress",
				 d->opt.config_dir, cfg->n_services,
				 cfg->n_services == 1 ? "" : "s");
		d->reload_requested = cfg != NULL;
		return;
	}
	do_reload(d);
}

static void
on_sigusr1(struct ev_loop *loop, ev_signal *w, int revents)
{
	struct daemon *d = w->data;

	(void)loop;
	(void)revents;
	log_info("cycle requested (SIGUSR1)");
	start_cycle(d);
}

/*
 * Test hook (only with VPCESD_TEST_HOOKS=hang in the environment): SIGUSR2
 * blocks the loop for good, so the systemd test can prove that a stuck loop
 * stops the watchdog pings and gets the daemon restarted.
 */
static void
on_sigusr2(struct ev_loop *loop, ev_signal *w, int revents)
{
	(void)loop;
	(void)w;
	(void)revents;
	log_warning("test hook: hanging the event loop");
	for (;;)
		pause();
}

static void
finish_stop(struct daemon *d)
{
	ev_timer_stop(d->loop, &d->stop_timer);
	log_fields(LOG_INFO, LOG_FIELDS(LOG_MESSAGE_ID(VPCESD_MESSAGE_STOPPED)), "stopped");
	ev_break(d->loop, EVBREAK_ALL);
}

static void
on_stop_timer(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct daemon *d = w->data;

	(void)loop;
	(void)revents;
	log_warning("the cycle in progress did not finish within %.0fs: cancelling it",
		    DAEMON_STOP_GRACE);
	finish_stop(d);
}

static void
on_sigterm(struct ev_loop *loop, ev_signal *w, int revents)
{
	struct daemon *d = w->data;

	(void)loop;
	(void)revents;
	if (d->stopping)
		return;
	d->stopping = true;
	notify_stopping();
	ev_timer_stop(d->loop, &d->cycle_timer);
	ev_timer_stop(d->loop, &d->watchdog);
	ev_timer_stop(d->loop, &d->reload_timer);
	if (!d->cycle_running) {
		finish_stop(d);
		return;
	}
	log_info("stopping after the cycle in progress (at most %.0fs)", DAEMON_STOP_GRACE);
	ev_timer_set(&d->stop_timer, DAEMON_STOP_GRACE, 0.);
	ev_timer_start(d->loop, &d->stop_timer);
}

static void
on_watchdog(struct ev_loop *loop, ev_timer *w, int revents)
{
	(void)loop;
	(void)w;
	(void)revents;
	notify_watchdog();
}

static void
watchers_init(struct daemon *d)
{
	uint64_t wd = notify_watchdog_usec();

	ev_signal_init(&d->sighup, on_sighup, SIGHUP);
	ev_signal_init(&d->sigterm, on_sigterm, SIGTERM);
	ev_signal_init(&d->sigint, on_sigterm, SIGINT);
	ev_signal_init(&d->sigusr1, on_sigusr1, SIGUSR1);
	ev_signal_init(&d->sigusr2, on_sigusr2, SIGUSR2);
	d->sighup.data = d->sigterm.data = d->sigint.data = d->sigusr1.data = d;
	d->sigusr2.data = d;
	ev_signal_start(d->loop, &d->sighup);
	ev_signal_start(d->loop, &d->sigterm);
	ev_signal_start(d->loop, &d->sigint);
	ev_signal_start(d->loop, &d->sigusr1);
	if (getenv("VPCESD_TEST_HOOKS") && strstr(getenv("VPCESD_TEST_HOOKS"), "hang"))
		ev_signal_start(d->loop, &d->sigusr2);
	ev_init(&d->cycle_timer, on_cycle_timer);
	d->cycle_timer.data = d;
	ev_init(&d->stop_timer, on_stop_timer);
	d->stop_timer.data = d;
	ev_init(&d->reload_timer, on_reload_timer);
	d->reload_timer.data = d;
	ev_init(&d->watchdog, on_watchdog);
	if (wd > 0) {
		double period = (double)wd / 2e6;

		ev_timer_set(&d->watchdog, period, period);
		ev_timer_start(d->loop, &d->watchdog);
	}
}

static void
watchers_stop(struct daemon *d)
{
	ev_signal_stop(d->loop, &d->sighup);
	ev_signal_stop(d->loop, &d->sigterm);
	ev_signal_stop(d->loop, &d->sigint);
	ev_signal_stop(d->loop, &d->sigusr1);
	ev_signal_stop(d->loop, &d->sigusr2);
	ev_timer_stop(d->loop, &d->cycle_timer);
	ev_timer_stop(d->loop, &d->stop_timer);
	ev_timer_stop(d->loop, &d->reload_timer);
	ev_timer_stop(d->loop, &d->watchdog);
}

int
daemon_main(const struct daemon_options *opt)
{
	struct daemon d = {.opt = *opt, .exit_code = DAEMON_EXIT_OK};
	struct err e;
	char aws[1024];
	int r;

	log_setup(opt->log_target, opt->log_priority >= 0 ? opt->log_priority : LOG_INFO);
	log_set_format(opt->log_format >= 0 ? opt->log_format : LOG_FORMAT_TEXT);
	signal(SIGPIPE, SIG_IGN);
	d.loop = ev_default_loop(EVFLAG_AUTO);
	if (d.loop == NULL) {
		log_error("cannot initialise the event loop");
		return DAEMON_EXIT_SETUP;
	}
	d.cfg = load_config(opt->config_dir);
	if (d.cfg == NULL) {
		notify_errno(EINVAL);
		return DAEMON_EXIT_ERROR;
	}
	apply_overrides(&d, d.cfg);
	if (opt->log_priority < 0)
		log_set_max_priority(d.cfg->log_level);
	if (opt->log_format < 0)
		log_set_format(d.cfg->log_format);
	err_clear(&e);
	/* The writer first: the credentials (SSO) may write through it too. */
	if (writer_new(d.loop, &d.writer, &e) < 0) {
		log_error("%s", e.msg);
		notify_errno(EIO);
		model_config_free(d.cfg);
		return DAEMON_EXIT_SETUP;
	}
	r = stack_build(&d, d.cfg, &d.stack, &e);
	if (r != 0) {
		log_error("%s", e.msg);
		notify_errno(r == DAEMON_EXIT_CREDENTIALS ? ENOKEY : EIO);
		writer_free(d.writer, 0);
		model_config_free(d.cfg);
		return r;
	}
	if (make_reconciler(&d, &d.rec, &e) < 0) {
		log_error("%s", e.msg);
		notify_errno(EIO);
		lock_release(d.lock);
		writer_free(d.writer, 0);
		stack_free(&d.stack);
		model_config_free(d.cfg);
		return DAEMON_EXIT_SETUP;
	}
	model_sources_describe(d.cfg, aws, sizeof(aws));
	log_fields(LOG_INFO, LOG_FIELDS(LOG_MESSAGE_ID(VPCESD_MESSAGE_STARTED)),
		   "vpcesd %s: %zu service%s, owner %s, policy %s, credentials from %s, %s, "
		   "state in %s%s",
		   PACKAGE_VERSION, d.cfg->n_services, d.cfg->n_services == 1 ? "" : "s",
		   d.cfg->owner, model_policy_name(d.cfg->policy),
		   d.stack.creds_description ? d.stack.creds_description : "?", aws,
		   d.cfg->state_dir, opt->dry_run ? " (dry run: nothing will be changed)" : "");

	if (!opt->once) {
		watchers_init(&d);
		notify_ready();
	} else {
		/* The cycle timer also paces the cycles of --wait. */
		ev_init(&d.cycle_timer, on_cycle_timer);
		d.cycle_timer.data = &d;
		d.wait_until = ev_now(d.loop) + opt->wait_s;
	}
	start_cycle(&d);
	if (!opt->once)
		publish_status_line(&d);
	ev_run(d.loop, 0);

	if (!opt->once)
		watchers_stop(&d);
	else
		ev_timer_stop(d.loop, &d.cycle_timer);
	/* The last cycle's files before anything they report on goes away. */
	if (writer_drain(d.writer, DAEMON_STOP_GRACE) < 0)
		log_warning("files still being written after %.0fs: giving up on them",
			    DAEMON_STOP_GRACE);
	reconciler_free(d.rec);
	writer_free(d.writer, 0);
	lock_release(d.lock);
	stack_free(&d.stack);
	/* Let libcurl and the credential helpers finish their cancellations. */
	ev_run(d.loop, EVRUN_NOWAIT);
	model_config_free(d.pending);
	free(d.reload_verdict);
	model_config_free(d.cfg);
	return d.exit_code;
}
