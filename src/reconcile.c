/* SPDX-License-Identifier: ISC */
/*
 * reconcile: the cycle.  See reconcile.h.
 *
 * The cycle is a chain of asynchronous steps, each finishing in a callback:
 * observe_listings → on_listed (plan_reads, observe_details) → on_observed
 * (plan, hold, apply_start or print) → on_applied → finish (memory,
 * status, files) → the caller's callback.  Everything a cycle allocates
 * hangs off `struct cycle`, freed in one place when it ends.  What the
 * cycle does to the status lives in publish.c, what it does to the memory
 * in memory.c.
 */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include <ev.h>

#include "apply.h"
#include "atomic.h"
#include "details.h"
#include "log.h"
#include "memory.h"
#include "observe.h"
#include "plan.h"
#include "publish.h"
#include "ratelimit.h"
#include "reconcile.h"
#include "writer.h"

struct cycle {
	const struct vpcesd_config *cfg;
	struct strv previous_owners; /* the state's and previous_owner, sorted */
	struct observe *observe;
	struct observation *obs;
	struct plan *plan;
	bool *hold;
	struct apply *apply;
	const struct apply_report *rep; /* during finish() only */
	/*
	 * The early round (plan.h, "Rounds"): its plan, running while the
	 * details are read, and the outcomes of the changes it let go, which
	 * the final round holds and reports in its own changes' places.
	 */
	struct plan *early_plan;
	struct apply *early_apply;
	struct apply_outcome *early_out; /* early_plan->n_changes, NULL before it ended */
	size_t n_early_out;
	size_t *from_early;        /* per final change: the early one it stands for, or SIZE_MAX */
	enum apply_status *before; /* per final change: its early outcome, or APPLY_PENDING */
	bool details_read; /* phase 2 is over: the final round waits only for the early one */
	bool *early_hold;  /* what the early apply holds (it borrows the flags) */
	struct apply_outcome *merged; /* the final report's outcomes, early ones moved in */
	size_t n_merged;
	reconcile_done_fn *done;
	void *arg;
	ev_timer finish;   /* ends the cycle from the loop when no apply runs */
	double started;    /* CLOCK_MONOTONIC at the start, for the cycle's duration */
	time_t planned_at; /* wall clock given to the planner */
	char *failure;     /* the first call failure that was not the request's fault */
	struct reconcile_result res;
};

static void final_round(struct reconciler *r);

struct reconciler {
	struct reconciler_options opt;
	struct status status;
	struct state state;
	bool state_lost; /* the state file could not be read; cleared by a complete cycle */
	unsigned long cycles;
	struct cycle *cur;
	/* What was logged of the held items last cycle (publish.h). */
	struct strv held_logged;
	long skew_logged;       /* the clock skew last logged (0: none is corrected for) */
	struct details details; /* the detail reads of earlier cycles (details.h) */
};

static void on_finish_timer(struct ev_loop *loop, ev_timer *w, int revents);

static time_t
wall_now(const struct reconciler *r)
{
	return r->opt.now ? r->opt.now(r->opt.now_arg) : time(NULL);
}

/* Seconds on the monotonic clock: durations that a wall clock step cannot bend. */
static double
mono_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static char *
dup_or_null(const char *s)
{
	return s ? strdup(s) : NULL;
}

int
reconciler_new(const struct reconciler_options *opt, struct state *state, const char *state_error,
	       struct reconciler **ret, struct err *e)
{
	struct reconciler *r;

	if (opt->loop == NULL || opt->ec2 == NULL)
		return err_set(e, -EINVAL, "reconciler: loop and EC2 client are required");
	r = calloc(1, sizeof(*r));
	if (r == NULL)
		return err_set(e, -ENOMEM, "reconciler: out of memory");
	r->opt = *opt;
	if (r->opt.plan_out == NULL)
		r->opt.plan_out = stdout;
	/* The paths are the reconciler's own (the options may be a caller's temporaries). */
	r->opt.state_file = r->opt.status_file = NULL;
	if ((opt->state_file && (r->opt.state_file = strdup(opt->state_file)) == NULL) ||
	    (opt->status_file && (r->opt.status_file = strdup(opt->status_file)) == NULL)) {
		free((char *)r->opt.state_file);
		free(r);
		return err_set(e, -ENOMEM, "reconciler: out of memory");
	}
	status_init(&r->status);
	r->state = *state;
	state_init(state);
	r->state_lost = state_error != NULL;
	r->status.state_file = dup_or_null(opt->state_file);
	r->status.state_error = dup_or_null(state_error);
	*ret = r;
	return 0;
}

static void
cycle_free(struct reconciler *r, struct cycle *c)
{
	if (c == NULL)
		return;
	ev_timer_stop(r->opt.loop, &c->finish);
	observe_cancel(c->observe);
	apply_cancel(c->apply);
	apply_cancel(c->early_apply);
	plan_free(c->plan);
	plan_free(c->early_plan);
	apply_outcomes_free(c->early_out, c->n_early_out);
	apply_outcomes_free(c->merged, c->n_merged);
	free(c->early_hold);
	free(c->from_early);
	free(c->before);
	observation_free(c->obs);
	strv_free(&c->previous_owners);
	free(c->hold);
	free(c->failure);
	free(c);
}

void
reconciler_free(struct reconciler *r)
{
	if (r == NULL)
		return;
	cycle_free(r, r->cur);
	status_free(&r->status);
	state_free(&r->state);
	strv_free(&r->held_logged);
	details_free(&r->details);
	free((char *)r->opt.state_file);
	free((char *)r->opt.status_file);
	free(r);
}

void
reconciler_set_ec2(struct reconciler *r, struct aws_client *ec2)
{
	r->opt.ec2 = ec2;
}

bool
reconciler_busy(const struct reconciler *r)
{
	return r->cur != NULL;
}

const struct status *
reconciler_status(const struct reconciler *r)
{
	return &r->status;
}

int
reconcile_exit_code(const struct reconcile_result *res, bool dry_run)
{
	if (!res->observed)
		return RECONCILE_EXIT_ERROR;
	if (res->failed > 0 || res->skipped > 0 ||
	    res->held > res->waiting + res->retained + res->reading)
		return RECONCILE_EXIT_PROBLEM;
	if (dry_run)
		return res->planned > 0 ? RECONCILE_EXIT_PROBLEM : RECONCILE_EXIT_CONVERGED;
	if (res->planned > 0 || res->waiting > 0 || res->reading > 0)
		return RECONCILE_EXIT_PENDING;
	return RECONCILE_EXIT_CONVERGED;
}

/*
 * The clock skew is a fact about the host, not about one call: it is said
 * once when vpcesd starts correcting for it, again only when it moved by
 * more than a minute (the Date header's noise is a second), and once when
 * the clocks agree again.
 */
static void
note_clock_skew(struct reconciler *r, long skew)
{
	long moved = skew > r->skew_logged ? skew - r->skew_logged : r->skew_logged - skew;
	char text[32];

	r->status.clock_skew_seconds = skew;
	if (skew == r->skew_logged ||
	    (skew != 0 && r->skew_logged != 0 && moved <= RECONCILE_SKEW_LOG_STEP))
		return;
	snprintf(text, sizeof(text), "%ld", skew);
	if (skew == 0)
		log_fields(LOG_NOTICE, LOG_FIELDS({"VPCESD_CLOCK_SKEW", text}),
			   "the local clock agrees with EC2 again; no longer correcting for clock "
			   "skew");
	else
		log_fields(LOG_WARNING, LOG_FIELDS({"VPCESD_CLOCK_SKEW", text}),
			   "clock skew of %ld s (local clock %s EC2), correcting",
			   skew > 0 ? skew : -skew, skew > 0 ? "behind" : "ahead of");
	r->skew_logged = skew;
}

void
reconciler_observe_call(void *arg, const struct aws_call_record *rec)
{
	struct reconciler *r = arg;
	char attempts[16], status[16];

	note_clock_skew(r, rec->clock_skew);
	if (r->cur != NULL && r->cur->failure == NULL && rec->failure != AWS_FAILURE_NONE &&
	    rec->failure_text != NULL)
		r->cur->failure = strdup(rec->failure_text);
	status_count_call(&r->status, rec->action, status_call_code(rec->r, rec->error_code),
			  rec->throttled);
	status_observe_latency(&r->status, rec->action, rec->elapsed);
	if (!log_enabled(LOG_DEBUG))
		return;
	snprintf(attempts, sizeof(attempts), "%u", rec->attempts);
	snprintf(status, sizeof(status), "%ld", rec->status);
	log_fields(LOG_DEBUG,
		   LOG_FIELDS({"VPCESD_ACTION", rec->action}, {"AWS_REQUEST_ID", rec->request_id},
			      {"AWS_ERROR_CODE", rec->error_code}, {"VPCESD_ATTEMPTS", attempts},
			      {"VPCESD_HTTP_STATUS", status}),
		   "%s %s: %s in %.3fs, %u attempt%s, HTTP %ld", rec->service, rec->action,
		   rec->r == 0 ? "ok" : (rec->error_code ? rec->error_code : "failed"),
		   rec->elapsed, rec->attempts, rec->attempts == 1 ? "" : "s", rec->status);
}

/* ---- files ---------------------------------------------------------------- */

static void
on_written(void *arg, const char *path, int rc, const char *msg)
{
	struct reconciler *r = arg;

	if (rc == 0) {
		if (r->status.state_file && strcmp(path, r->status.state_file) == 0 &&
		    r->status.state_error && !r->state_lost) {
			free(r->status.state_error);
			r->status.state_error = NULL;
		}
		return;
	}
	if (r->status.state_file && strcmp(path, r->status.state_file) == 0) {
		log_error("cannot write the state file: %s", msg);
		free(r->status.state_error);
		r->status.state_error = strdup(msg);
	} else {
		log_warning("cannot write %s: %s", path, msg);
	}
}

/*
 * The files are streamed to the writer in chunks of this size as they are
 * rendered, instead of being built whole: the status document of a large
 * account is megabytes (5.9 MB at 5,000 services) and would otherwise sit
 * in memory at the end of every cycle.  The ceiling bounds a document.
 */
#define RECONCILE_FILE_CHUNK ((size_t)64 << 10)
#define RECONCILE_FILE_MAX   ((size_t)1 << 30)

/*
 * Render straight into a stream of the writer; `what` names the file in
 * messages.  A failed render aborts the stream, so the file stays as it
 * was (or as the write still queued for it will make it).
 */
static void
submit(struct reconciler *r, const char *path, mode_t mode, unsigned flags, const char *what,
       int (*render)(const void *obj, struct buf *out), const void *obj)
{
	struct writer_stream *s = NULL;
	struct buf b;
	int rc, sink_rc;

	rc = writer_stream_begin(r->opt.writer, path, mode, flags, on_written, r, &s);
	if (rc < 0) {
		log_warning("%s %s: cannot queue the write: %s", what, path, strerror(-rc));
		return;
	}
	buf_init_sink(&b, RECONCILE_FILE_MAX, RECONCILE_FILE_CHUNK, writer_stream_sink, s);
	rc = render(obj, &b);
	if (rc == 0)
		rc = buf_flush(&b);
	sink_rc = b.sink_err;
	buf_free(&b);
	if (rc < 0) {
		writer_stream_end(s, false);
		if (sink_rc < 0)
			log_warning("%s %s: cannot queue the write: %s", what, path,
				    strerror(-sink_rc));
		else
			log_warning("%s %s: %s", what, path,
				    rc == -E2BIG ? "too large" : "out of memory");
		return;
	}
	writer_stream_end(s, true);
}

static int
render_status(const void *obj, struct buf *out)
{
	return status_json(obj, out);
}

static int
render_metrics(const void *obj, struct buf *out)
{
	return status_metrics(obj, out);
}

/* The state document, written at the time the reconciler reads from its clock. */
struct state_render {
	const struct state *state;
	time_t now;
};

static int
render_state(const void *obj, struct buf *out)
{
	const struct state_render *sr = obj;

	return state_to_json(sr->state, sr->now, out);
}

static void
write_files(struct reconciler *r, const struct vpcesd_config *cfg, time_t now)
{
	const char *status_file = r->opt.status_file;

	if (r->opt.writer == NULL)
		return;
	if (status_file == NULL && !r->opt.dry_run)
		status_file = cfg->status_file;
	if (status_file)
		submit(r, status_file, 0644, 0, "status file", render_status, &r->status);
	if (cfg->metrics_file && !r->opt.dry_run)
		submit(r, cfg->metrics_file, 0644, 0, "metrics file", render_metrics, &r->status);
	if (r->opt.state_file && !r->opt.dry_run) {
		struct state_render sr = {&r->state, now};

		submit(r, r->opt.state_file, 0600, ATOMIC_DURABLE, "state file", render_state, &sr);
	}
}

/* ---- the end of a cycle ----------------------------------------------------- */

/*
 * The reads a change that went through made stale: they are read again
 * (first in the next sweep) before anything else is decided on them.
 */
static void
forget_changed(struct reconciler *r, const struct plan *p, const struct apply_outcome *out)
{
	for (size_t i = 0; out && i < p->n_changes; i++) {
		const struct plan_change *ch = &p->changes[i];
		unsigned what = ch->kind == PLAN_MODIFY_PERMISSIONS ? PLAN_READ_PRINCIPALS
				: ch->kind == PLAN_ACCEPT_CONNECTIONS ||
						ch->kind == PLAN_DENY_CONNECTIONS ||
						ch->kind == PLAN_REJECT_CONNECTIONS
					? PLAN_READ_CONNECTIONS
				: ch->kind == PLAN_DELETE_NOTIFICATIONS ||
						ch->kind == PLAN_CREATE_NOTIFICATION
					? PLAN_READ_NOTIFICATIONS
					: 0;

		if (what && out[i].status == APPLY_DONE && ch->service_id)
			details_forget(&r->details, ch->service_id, what);
	}
}

static void
finish(struct reconciler *r)
{
	struct cycle *c = r->cur;
	const struct publish_cycle pc = {
		.cfg = c->cfg,
		.obs = c->obs,
		.plan = c->plan,
		.rep = c->rep,
		.state = &r->state,
		.dry_run = r->opt.dry_run,
		.now = wall_now(r),
	};
	reconcile_done_fn *done = c->done;
	void *arg = c->arg;
	struct reconcile_result res;

	if (c->plan)
		for (size_t i = 0; i < c->plan->n_bindings; i++)
			c->res.contested += c->plan->bindings[i].contested;
	/* The status first: it reads the memory's last known values of what was not read. */
	publish_cycle(&r->status, &r->held_logged, &pc, &c->res);
	r->status.cycle.duration = mono_now() - c->started;
	memory_update(&r->state, c->obs, c->plan, c->rep, pc.now, c->planned_at);
	if (c->obs && details_store(&r->details, c->obs, c->planned_at) < 0)
		log_warning("out of memory keeping the detail reads: they are read again");
	if (c->plan && c->rep)
		forget_changed(r, c->plan, c->rep->outcomes);
	if (r->state_lost && c->plan && c->obs && c->obs->listing_complete) {
		/* Every owned service was read once: from now on the plan may decide again. */
		r->state_lost = false;
		log_notice("the state file is rebuilt from a complete read of the owned services");
	}
	write_files(r, c->cfg, pc.now);
	c->res.failure = c->failure;
	res = c->res;
	/*
	 * Detach first: the callback may start the next cycle (the daemon does,
	 * after a reload that waited for this one).  `c` stays alive until
	 * the callback returns, so res.first_error remains valid during it.
	 */
	r->cur = NULL;
	done(arg, &res);
	cycle_free(r, c);
}

static void
on_finish_timer(struct ev_loop *loop, ev_timer *w, int revents)
{
	(void)loop;
	(void)revents;
	finish(w->data);
}

/* End the cycle from the loop (never from inside the caller's own call). */
static void
finish_soon(struct reconciler *r, const char *error)
{
	if (error != NULL) {
		strv_push(&r->status.cycle.errors, error);
		r->cur->res.observed = false;
	}
	ev_timer_start(r->opt.loop, &r->cur->finish);
}

/*
 * The final report: the final round's outcomes, with those of the changes
 * that went early moved into the places of the final changes that stand for
 * them (plan_match_early()).
 */
static struct apply_outcome *
merge_outcomes(struct cycle *c, struct apply_outcome *final)
{
	for (size_t i = 0; i < c->plan->n_changes && c->from_early; i++) {
		size_t k = c->from_early[i];

		if (k == SIZE_MAX || c->early_out == NULL)
			continue;
		apply_outcome_clear(&final[i]);
		final[i] = c->early_out[k];
		memset(&c->early_out[k], 0, sizeof(c->early_out[k]));
	}
	return final;
}

static void
count_outcomes(struct cycle *c, struct reconciler *r, struct apply_report *rep)
{
	rep->done = rep->failed = rep->skipped = rep->held = 0;
	for (size_t i = 0; i < rep->n; i++) {
		const struct apply_outcome *o = &rep->outcomes[i];

		rep->done += o->status == APPLY_DONE;
		rep->failed += o->status == APPLY_FAILED;
		rep->skipped += o->status == APPLY_SKIPPED;
		rep->held += o->status == APPLY_HELD;
		if (o->status == APPLY_FAILED && o->message)
			strv_push(&r->status.cycle.errors, o->message);
		c->res.phantoms += o->phantom;
	}
	c->res.applied = rep->done;
	c->res.failed = rep->failed;
	c->res.skipped = rep->skipped;
	c->res.held += rep->held;
}

static void
on_applied(void *arg, const struct apply_report *rep)
{
	struct reconciler *r = arg;
	struct cycle *c = r->cur;
	struct apply_outcome *out = apply_take_outcomes(rep);
	struct apply_report merged = {.plan = c->plan, .n = rep->n};

	c->apply = NULL; /* apply frees itself after this callback */
	if (out == NULL) {
		finish_soon(r, "out of memory");
		return;
	}
	c->merged = merge_outcomes(c, out);
	c->n_merged = rep->n;
	merged.outcomes = c->merged;
	count_outcomes(c, r, &merged);
	c->rep = &merged;
	finish(r);
}

static void
on_early_applied(void *arg, const struct apply_report *rep)
{
	struct reconciler *r = arg;
	struct cycle *c = r->cur;

	c->early_apply = NULL;
	c->early_out = apply_take_outcomes(rep);
	c->n_early_out = c->early_out ? rep->n : 0;
	/* Lost (ENOMEM): nothing matches them, and the final round applies them again. */
	if (c->details_read)
		final_round(r);
}

static void
print_plan(struct reconciler *r, const struct plan *p)
{
	struct buf b;

	buf_init(&b, 64u << 20);
	if (r->opt.plan_output == RECONCILE_OUTPUT_TEXT) {
		if (plan_print_text(p, &b) == 0)
			fputs(buf_str(&b), r->opt.plan_out);
	} else if (r->opt.plan_output == RECONCILE_OUTPUT_JSON) {
		cJSON *j = plan_to_json(p);

		if (j && model_json_print(j, &b) == 0 && buf_puts(&b, "\n") == 0)
			fputs(buf_str(&b), r->opt.plan_out);
		cJSON_Delete(j);
	}
	fflush(r->opt.plan_out);
	buf_free(&b);
}

/* The planner's input for the cycle: config, observation, memory, clock. */
static void
cycle_input(struct reconciler *r, struct cycle *c, struct plan_input *in)
{
	plan_input_from_config(in, c->cfg, c->obs);
	in->now = c->planned_at;
	in->previous_owners = &c->previous_owners;
	in->state_lost = r->state_lost;
}

static void
note_errors(struct reconciler *r, const struct strv *errors)
{
	char cycle[32];

	snprintf(cycle, sizeof(cycle), "%lu", r->cur->res.cycle);
	for (size_t i = 0; i < errors->n; i++) {
		strv_push(&r->status.cycle.errors, errors->v[i]);
		log_fields(LOG_WARNING, LOG_FIELDS({"VPCESD_CYCLE", cycle}), "cannot read %s",
			   errors->v[i]);
	}
}

/* plan_compute() on the cycle's observation and memory.  0, or <0 with a message in *e. */
static int
plan_cycle(struct reconciler *r, struct cycle *c, struct plan **ret, struct err *e)
{
	struct memory_view mv;
	struct plan_input in;
	int rc;

	cycle_input(r, c, &in);
	if (memory_view(&r->state, &in, &mv) < 0)
		return err_set(e, -ENOMEM, "out of memory");
	rc = plan_compute(&in, ret, e);
	memory_view_free(&mv);
	return rc;
}

/* The final round: plan on everything read, apply what did not go early. */
static void
final_round(struct reconciler *r)
{
	struct cycle *c = r->cur;
	struct err e;
	int rc;

	err_clear(&e);
	rc = plan_cycle(r, c, &c->plan, &e);
	if (rc < 0) {
		log_error("cannot plan: %s", e.msg);
		finish_soon(r, e.msg);
		return;
	}
	c->res.planned = c->plan->n_changes;
	c->res.held = c->plan->n_held;
	for (size_t i = 0; i < c->plan->n_held; i++) {
		c->res.waiting += c->plan->held[i].kind == PLAN_HOLD_WAITING;
		c->res.retained += c->plan->held[i].kind == PLAN_HOLD_RETAINED;
		c->res.reading += c->plan->held[i].kind == PLAN_HOLD_READING;
	}
	print_plan(r, c->plan);
	if (r->opt.dry_run || c->plan->n_changes == 0) {
		finish_soon(r, NULL);
		return;
	}
	c->hold = calloc(c->plan->n_changes, sizeof(*c->hold));
	if (c->hold == NULL) {
		finish_soon(r, "out of memory");
		return;
	}
	publish_backoff(&r->status, c->plan, c->hold, wall_now(r));
	/* What went early is passed over, its outcome merged in (merge_outcomes()). */
	c->from_early = malloc(c->plan->n_changes * sizeof(*c->from_early));
	c->before = calloc(c->plan->n_changes, sizeof(*c->before));
	if (c->from_early == NULL || c->before == NULL ||
	    plan_match_early(c->plan, c->early_out ? c->early_plan : NULL, c->early_hold,
			     c->from_early) < 0) {
		finish_soon(r, "out of memory");
		return;
	}
	for (size_t i = 0; i < c->plan->n_changes; i++)
		c->before[i] = c->from_early[i] == SIZE_MAX ? APPLY_PENDING
							    : c->early_out[c->from_early[i]].status;
	err_clear(&e);
	if (apply_start(r->opt.loop, r->opt.ec2, c->plan, c->hold, c->before, c->res.cycle,
			on_applied, r, &c->apply, &e) < 0) {
		log_error("cannot apply: %s", e.msg);
		finish_soon(r, e.msg);
	}
}

/*
 * Phase 2 is over (each read it made carries its own time, observe.h); the
 * final round waits for the early one to end.
 */
static void
on_observed(void *arg, struct observation *obs, const struct strv *errors)
{
	struct reconciler *r = arg;
	struct cycle *c = r->cur;

	c->observe = NULL;
	c->obs = obs;
	note_errors(r, errors);
	c->details_read = true;
	if (c->early_apply == NULL)
		final_round(r);
}

/* How many detail reads the pacing allows this cycle (RECONCILE_READ_SHARE of an interval). */
static size_t
read_budget(const struct reconciler *r, const struct cycle *c, const struct observation *obs)
{
	const struct vpcesd_config *cfg = c->cfg;
	struct ratelimit_options ro = {
		.share = cfg->api.bucket_share_pct / 100.0,
		.rate = cfg->api.rate,
	};
	double reads = ratelimit_sustained(&ro, RATELIMIT_DESCRIBE) * cfg->interval_s *
		       RECONCILE_READ_SHARE;
	/* The listing pages of the next cycle come out of the same bucket. */
	size_t pages = obs->n_services / 1000 + 1 + obs->n_owner_listings + obs->n_lookups;

	if (r->opt.read_all)
		return SIZE_MAX;
	return reads > (double)pages ? (size_t)reads - pages : 0;
}

/*
 * Before phase 2: what the reads not made this cycle leave the plan.  A
 * selected read replaces an earlier one (dropped now, so a failed read is
 * unknown, not stale); a wanted read neither selected nor kept is deferred.
 */
static void
mark_reads(struct observation *obs, const struct plan_reads *wanted, const struct plan_reads *sel)
{
	for (size_t i = 0; i < obs->n_services && i < sel->n; i++) {
		struct observed_service *s = &obs->services[i];
		unsigned char now = sel->what[i], later = wanted->what[i] & (unsigned char)~now;

		observation_forget_details(s, now);
		s->deferred = 0;
		if ((later & PLAN_READ_PRINCIPALS) && !s->permissions_known)
			s->deferred |= PLAN_READ_PRINCIPALS;
		if ((later & PLAN_READ_CONNECTIONS) && !s->connections_known)
			s->deferred |= PLAN_READ_CONNECTIONS;
		if ((later & PLAN_READ_NOTIFICATIONS) && !s->notifications_known)
			s->deferred |= PLAN_READ_NOTIFICATIONS;
	}
}

/*
 * The early round (plan.h, "Rounds"): a plan on what is known, whose
 * changes derived from kept reads make those reads this cycle's, and whose
 * changes no outstanding read can affect go now.  Returns 0 (also when
 * nothing goes early) or -ENOMEM; a failure to plan here only means the
 * final round does everything.
 */
static int
early_round(struct reconciler *r, struct cycle *c, struct plan_reads *sel)
{
	bool *go = NULL;
	struct err e;
	size_t n_go = 0;
	int rc;

	/*
	 * Here a read being made counts as one not made yet: it holds only
	 * what depends on it (READING), not the whole service, so what the
	 * listing alone decides can go.  mark_reads() sets `deferred` right
	 * again for the final round.
	 */
	for (size_t i = 0; i < c->obs->n_services && i < sel->n; i++)
		c->obs->services[i].deferred |= sel->what[i];
	err_clear(&e);
	if (plan_cycle(r, c, &c->early_plan, &e) < 0)
		return 0;
	if ((rc = plan_fresh_reads(c->early_plan, c->obs, sel)) < 0)
		return rc;
	if (r->opt.dry_run || c->early_plan->n_changes == 0)
		return 0;
	go = calloc(c->early_plan->n_changes, sizeof(*go));
	if (go == NULL || (rc = plan_early(c->early_plan, c->obs, sel, go)) < 0) {
		free(go);
		return -ENOMEM;
	}
	/* apply_start() holds what `hold` flags: the changes that do not go, and backing-off ones. */
	c->early_hold = calloc(c->early_plan->n_changes, sizeof(*c->early_hold));
	if (c->early_hold == NULL) {
		free(go);
		return -ENOMEM;
	}
	publish_backoff(&r->status, c->early_plan, c->early_hold, wall_now(r));
	for (size_t i = 0; i < c->early_plan->n_changes; i++) {
		c->early_hold[i] = c->early_hold[i] || !go[i];
		n_go += !c->early_hold[i];
	}
	free(go);
	if (n_go == 0) {
		free(c->early_hold);
		c->early_hold = NULL;
		return 0;
	}
	err_clear(&e);
	if (apply_start(r->opt.loop, r->opt.ec2, c->early_plan, c->early_hold, NULL, c->res.cycle,
			on_early_applied, r, &c->early_apply, &e) < 0) {
		free(c->early_hold);
		c->early_hold = NULL;
		return 0;
	}
	return 0;
}

static void
on_listed(void *arg, struct observation *obs, const struct strv *errors)
{
	struct reconciler *r = arg;
	struct cycle *c = r->cur;
	struct plan_reads wanted = {.lookup_ids = STRV_INIT}, sel = {.lookup_ids = STRV_INIT};
	struct plan_read_age *ages = NULL;
	struct memory_view mv;
	struct plan_input in;
	struct err e;
	int rc;

	c->observe = NULL;
	c->obs = obs;
	c->res.observed = obs->listing_complete;
	note_errors(r, errors);
	c->planned_at = wall_now(r);
	cycle_input(r, c, &in);
	if (memory_view(&r->state, &in, &mv) < 0) {
		finish_soon(r, "out of memory");
		return;
	}
	err_clear(&e);
	rc = plan_reads(&in, &wanted, &e);
	memory_view_free(&mv);
	if (rc < 0) {
		log_error("cannot plan the reads: %s", e.msg);
		finish_soon(r, e.msg);
		return;
	}
	/* The reads of earlier cycles, and which of the wanted ones this cycle makes. */
	if ((ages = calloc(obs->n_services + 1, sizeof(*ages))) == NULL ||
	    details_fill(&r->details, obs, ages) < 0 ||
	    plan_budget_reads(&wanted, ages, read_budget(r, c, obs), &sel, &c->res.deferred) < 0) {
		free(ages);
		plan_reads_free(&wanted);
		finish_soon(r, "out of memory");
		return;
	}
	free(ages);
	mark_reads(obs, &wanted, &sel);
	if (early_round(r, c, &sel) < 0) {
		plan_reads_free(&wanted);
		plan_reads_free(&sel);
		finish_soon(r, "out of memory");
		return;
	}
	/* A read the early round made due cannot also be deferred. */
	mark_reads(obs, &wanted, &sel);
	c->res.reads = plan_reads_count(&sel);
	c->res.deferred = plan_reads_count(&wanted) - c->res.reads;
	plan_reads_free(&wanted);
	c->obs = NULL; /* phase 2 takes it, and hands it back */
	err_clear(&e);
	rc = observe_details(r->opt.ec2, obs, &sel,
			     (struct observe_clock){r->opt.now, r->opt.now_arg}, on_observed, r,
			     &c->observe, &e);
	plan_reads_free(&sel);
	if (rc < 0) {
		log_error("cannot observe: %s", e.msg);
		finish_soon(r, e.msg);
	}
}

int
reconciler_cycle(struct reconciler *r, const struct vpcesd_config *cfg, reconcile_done_fn *done,
		 void *arg, struct err *e)
{
	struct strv adopt_ids = STRV_INIT;
	struct observe_request req;
	struct cycle *c;
	char *old_owner = NULL;
	int rc;

	if (r->cur != NULL)
		return err_set(e, -EBUSY, "a cycle is already running");
	c = calloc(1, sizeof(*c));
	if (c == NULL)
		return err_set(e, -ENOMEM, "out of memory");
	c->cfg = cfg;
	c->done = done;
	c->arg = arg;
	c->res.cycle = ++r->cycles;
	c->res.services = cfg->n_services;
	ev_timer_init(&c->finish, on_finish_timer, 0., 0.);
	c->started = mono_now();
	c->finish.data = r;

	/* Owner changes: what was written under the old owner is not created again. */
	rc = memory_owner(&r->state, cfg->owner, &old_owner);
	if (rc == 1)
		log_fields(LOG_NOTICE, LOG_FIELDS({"VPCESD_ACTION", "owner"}),
			   "owner changed from '%s' to '%s': services of '%s' that carry a "
			   "desired name are not created again%s",
			   old_owner, cfg->owner, old_owner,
			   cfg->previous_owner && strcmp(cfg->previous_owner, old_owner) == 0
				   ? "; previous_owner hands them over"
				   : "; set previous_owner to hand them over");
	else if (rc == -E2BIG)
		log_error("owner changed to '%s', but %d previous owners are remembered already: "
			  "services of '%s' may be created again",
			  cfg->owner, STATE_OWNERS_MAX, r->state.owner);
	free(old_owner);
	if (strv_copy(&c->previous_owners, &r->state.previous_owners) < 0 ||
	    (cfg->previous_owner && strv_push(&c->previous_owners, cfg->previous_owner) < 0))
		goto nomem;
	strv_uniq(&c->previous_owners);
	for (size_t i = 0; i < cfg->n_services; i++)
		if (cfg->services[i].adopt && strv_push(&adopt_ids, cfg->services[i].adopt) < 0)
			goto nomem;

	r->cur = c;
	status_reset_cycle_api(&r->status);
	strv_free(&r->status.cycle.errors);
	r->status.cycle.started = wall_now(r);
	free(r->status.owner);
	r->status.owner = dup_or_null(cfg->owner);
	free(r->status.region);
	r->status.region = dup_or_null(cfg->region);
	req = (struct observe_request){cfg->owner, &c->previous_owners, &adopt_ids};
	rc = observe_listings(r->opt.ec2, &req, on_listed, r, &c->observe, e);
	strv_free(&adopt_ids);
	if (rc < 0) {
		r->cur = NULL;
		cycle_free(r, c);
		return rc;
	}
	return 0;

nomem:
	strv_free(&adopt_ids);
	cycle_free(r, c);
	return err_set(e, -ENOMEM, "out of memory");
}
