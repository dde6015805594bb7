/*
 * reconcile: the cycle and its bookkeeping.  See reconcile.h.
 *
 * The cycle is a chain of asynchronous steps, each finishing in a callback:
 * observe_start → on_observed (plan, hold, apply_start or print) →
 * on_applied → publish → the caller's callback.  Everything a cycle
 * allocates hangs off `struct cycle`, freed in one place when it ends.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <syslog.h>
#include <time.h>

#include <ev.h>

#include "apply.h"
#include "atomic.h"
#include "log.h"
#include "observe.h"
#include "plan.h"
#include "reconcile.h"
#include "rfc3339.h"

struct cycle {
	const struct vpcesd_config *cfg;
	struct observe *observe;
	struct observation *obs;
	struct plan *plan;
	bool *hold;
	struct apply *apply;
	reconcile_done_fn *done;
	void *arg;
	ev_timer finish;   /* publishes from the loop when no apply runs */
	time_t planned_at; /* wall clock given to the planner */
	struct reconcile_result res;
};

/* The last StartVpcEndpointServicePrivateDnsVerification per service id. */
struct dns_start {
	char *service_id;
	time_t at;
};

struct reconciler {
	struct reconciler_options opt;
	struct status status;
	unsigned long cycles;
	struct cycle *cur;
	struct dns_start *dns_starts; /* bounded by the services seen; never shrinks below them */
	size_t n_dns_starts;
	/*
	 * Create generations (plan.h): per vpcesd:name, how many times this
	 * process moved the name to a new ClientToken (record_delete(),
	 * check_replayed()).  Sorted by name for the planner's bsearch; each
	 * name is strdup()ed here and freed in reconciler_free().  One entry
	 * per name ever bumped, never pruned: forgetting a name would hand its
	 * next create the token of a deleted service again.  A name plus a
	 * counter each, so even thousands of names stay small.
	 */
	struct plan_generation *gens;
	size_t n_gens;
	/*
	 * Ids of the owned, named services that a complete listing of this
	 * process showed alive (not Deleting or Deleted), strv_sort()ed: a
	 * create answered with one of them after it left the listing is a
	 * replayed ClientToken (check_replayed()).  An id leaves the set when
	 * it was handled: a create answered with it while it was gone (the
	 * name moved on), or our own delete of it succeeded.  What else stays
	 * is one id per service deleted behind our back that no create of
	 * ours asked for again (its spec changed or went away), so the set is
	 * bounded by the owned services this process has seen.
	 */
	struct strv seen;
	/*
	 * The held items of the last cycle ("name\x1fid\x1fkind\x1freason"):
	 * an item held again for the same reason is logged at debug only, so a
	 * standing hold (say, 2,500 undesired services under upsert-only) is
	 * one notice, not one per cycle.
	 */
	struct strv held_logged;
};

static void dns_starts_prune(struct reconciler *r, const struct observation *obs);
static void dns_start_record(struct reconciler *r, const char *id, time_t at);
static void record_delete(struct reconciler *r, const struct observation *obs, const char *owner,
			  const char *id);
static void seen_update(struct reconciler *r, const struct observation *obs, const char *owner);
static void seen_remove(struct reconciler *r, const char *id);
static void check_replayed(struct reconciler *r, const struct observation *obs,
			   const struct plan_change *ch, const char *id, unsigned long cycle);

static time_t
wall_now(const struct reconciler *r)
{
	return r->opt.now ? r->opt.now(r->opt.now_arg) : time(NULL);
}

int
reconciler_new(const struct reconciler_options *opt, struct reconciler **ret, struct err *e)
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
	status_init(&r->status);
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
	plan_free(c->plan);
	observation_free(c->obs);
	free(c->hold);
	free(c);
}

void
reconciler_free(struct reconciler *r)
{
	if (r == NULL)
		return;
	cycle_free(r, r->cur);
	status_free(&r->status);
	for (size_t i = 0; i < r->n_dns_starts; i++)
		free(r->dns_starts[i].service_id);
	free(r->dns_starts);
	for (size_t i = 0; i < r->n_gens; i++)
		free((void *)r->gens[i].name);
	free(r->gens);
	strv_free(&r->seen);
	strv_free(&r->held_logged);
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
reconcile_exit_code(const struct reconcile_result *res)
{
	if (!res->observed)
		return 1;
	if (res->failed > 0 || res->skipped > 0 || res->held > res->waiting)
		return 2;
	return 0;
}

void
reconciler_observe_call(void *arg, const struct aws_call_record *rec)
{
	struct reconciler *r = arg;
	char attempts[16], status[16];

	status_count_call(&r->status, rec->action, status_call_code(rec->r, rec->error_code),
			  rec->throttled);
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

/* ---- status bookkeeping ------------------------------------------------- */

static void
set_str(char **dst, const char *src)
{
	char *copy = src ? strdup(src) : NULL;

	free(*dst);
	*dst = copy;
}

static void
set_strv(struct strv *dst, const struct strv *src)
{
	struct strv copy = STRV_INIT;

	if (strv_copy(&copy, src) < 0)
		return;
	strv_free(dst);
	*dst = copy;
}

static bool
owned(const struct ec2_service_config *cfg, const char *owner)
{
	const char *o = observation_tag(&cfg->tags, OWNER_TAG);

	return o && strcmp(o, owner) == 0;
}

/*
 * The observed service a spec stands for, by the planner's rules: the adopt
 * target, else an owned service carrying its name (Available first, then
 * the smallest id).  NULL when there is none.
 */
static const struct observed_service *
find_observed(const struct observation *obs, const struct service_spec *spec, const char *owner)
{
	const struct observed_service *best = NULL;

	for (size_t i = 0; obs && i < obs->n_services; i++) {
		const struct observed_service *s = &obs->services[i];
		const char *name = observation_tag(&s->cfg.tags, NAME_TAG);
		bool avail, best_avail;

		if (s->cfg.service_id == NULL)
			continue;
		if (spec->adopt && strcmp(spec->adopt, s->cfg.service_id) == 0)
			return s;
		if (spec->adopt || !owned(&s->cfg, owner) || name == NULL ||
		    strcmp(name, spec->name) != 0)
			continue;
		if (s->cfg.service_state && strcasecmp(s->cfg.service_state, "Deleted") == 0)
			continue;
		avail = s->cfg.service_state && strcasecmp(s->cfg.service_state, "Available") == 0;
		best_avail = best && best->cfg.service_state &&
			     strcasecmp(best->cfg.service_state, "Available") == 0;
		if (best == NULL || (avail && !best_avail) ||
		    (avail == best_avail && strcmp(s->cfg.service_id, best->cfg.service_id) < 0))
			best = s;
	}
	return best;
}

static int
cmp_status_conn(const void *a, const void *b)
{
	const struct status_connection *x = a, *y = b;

	return strcmp(x->endpoint_id ? x->endpoint_id : "", y->endpoint_id ? y->endpoint_id : "");
}

/* The service's connections as read this cycle (none when they were not read). */
static void
fill_connections(struct status_service *svc, const struct observed_service *s)
{
	struct status_connection *v = NULL;

	if (s->connections_known && s->n_connections > 0 &&
	    (v = calloc(s->n_connections, sizeof(*v))) == NULL)
		return; /* keep the previous cycle's view rather than none */
	for (size_t i = 0; i < svc->n_connections; i++) {
		free(svc->connections[i].endpoint_id);
		free(svc->connections[i].owner);
		free(svc->connections[i].state);
	}
	free(svc->connections);
	svc->connections = v;
	svc->n_connections = 0;
	svc->connections_known = s->connections_known;
	if (!s->connections_known)
		return;
	for (size_t i = 0; i < s->n_connections; i++) {
		const struct ec2_endpoint_connection *c = &s->connections[i];

		set_str(&v[i].endpoint_id, c->vpc_endpoint_id);
		set_str(&v[i].owner, c->vpc_endpoint_owner);
		set_str(&v[i].state, c->vpc_endpoint_state);
		v[i].since = c->has_creation_timestamp ? c->creation_timestamp : 0;
	}
	svc->n_connections = s->n_connections;
	if (svc->n_connections > 1)
		qsort(v, svc->n_connections, sizeof(*v), cmp_status_conn);
}

static void
fill_from_observed(struct status_service *svc, const struct observed_service *s)
{
	const struct ec2_service_config *c = &s->cfg;
	const struct ec2_private_dns_config *d = &c->private_dns_name_configuration;
	struct status_region *regions;

	set_str(&svc->service_id, c->service_id);
	set_str(&svc->service_name, c->service_name);
	set_str(&svc->state, c->service_state);
	svc->acceptance_required = c->acceptance_required == EC2_BOOL_TRUE;
	set_strv(&svc->load_balancer_arns, c->network_load_balancer_arns.n
						   ? &c->network_load_balancer_arns
						   : &c->gateway_load_balancer_arns);
	set_strv(&svc->base_endpoint_dns_names, &c->base_endpoint_dns_names);
	set_strv(&svc->availability_zones, &c->availability_zones);
	set_strv(&svc->supported_ip_address_types, &c->supported_ip_address_types);
	set_str(&svc->private_dns_name, c->private_dns_name);
	set_str(&svc->private_dns_state, d->state);
	set_str(&svc->private_dns_txt_name, d->name);
	set_str(&svc->private_dns_txt_value, d->value);
	regions = calloc(c->n_supported_regions ? c->n_supported_regions : 1, sizeof(*regions));
	if (regions != NULL) {
		for (size_t i = 0; i < svc->n_regions; i++) {
			free(svc->regions[i].region);
			free(svc->regions[i].state);
		}
		free(svc->regions);
		for (size_t i = 0; i < c->n_supported_regions; i++) {
			set_str(&regions[i].region, c->supported_regions[i].region);
			set_str(&regions[i].state, c->supported_regions[i].service_state);
		}
		svc->regions = regions;
		svc->n_regions = c->n_supported_regions;
	}
	svc->principals_known = s->permissions_known;
	if (s->permissions_known)
		set_strv(&svc->allowed_principals, &s->principals);
	fill_connections(svc, s);
}

static bool
str_differs(const char *a, const char *b)
{
	return (a == NULL) != (b == NULL) || (a && strcmp(a, b) != 0);
}

/*
 * Before the status takes the new observation: one journal record when the
 * verification TXT record EC2 wants differs from the last one published
 * (the first observation included), so an operator or DNS automation can
 * create it; one when the verification state changes.
 */
static void
announce_dns(const struct status_service *svc, const struct observed_service *o, const char *name,
	     unsigned long cycle_no)
{
	const struct ec2_private_dns_config *d = &o->cfg.private_dns_name_configuration;
	char cycle[32];

	if (o->cfg.private_dns_name == NULL)
		return;
	snprintf(cycle, sizeof(cycle), "%lu", cycle_no);
	if (d->name && d->value &&
	    (str_differs(svc->private_dns_txt_name, d->name) ||
	     str_differs(svc->private_dns_txt_value, d->value)))
		log_fields(LOG_NOTICE,
			   LOG_FIELDS({"VPCESD_SERVICE", name},
				      {"VPCESD_SERVICE_ID", o->cfg.service_id},
				      {"VPCESD_DNS_NAME", o->cfg.private_dns_name},
				      {"VPCESD_DNS_TXT_NAME", d->name},
				      {"VPCESD_DNS_TXT_VALUE", d->value}, {"VPCESD_CYCLE", cycle}),
			   "private DNS name %s of %s: create TXT record %s with value %s",
			   o->cfg.private_dns_name, name, d->name, d->value);
	if (d->state && svc->private_dns_state && strcmp(svc->private_dns_state, d->state) != 0)
		log_fields(LOG_NOTICE,
			   LOG_FIELDS({"VPCESD_SERVICE", name},
				      {"VPCESD_SERVICE_ID", o->cfg.service_id},
				      {"VPCESD_DNS_NAME", o->cfg.private_dns_name},
				      {"VPCESD_DNS_STATE", d->state}, {"VPCESD_CYCLE", cycle}),
			   "private DNS verification of %s (%s): %s \u2192 %s",
			   o->cfg.private_dns_name, name, svc->private_dns_state, d->state);
}

/* Apply outcomes of one change to its service's entry. */
static void
record_outcome(struct reconciler *r, const struct plan_change *ch, const struct apply_outcome *o,
	       time_t now)
{
	struct status_service *svc = status_service_get(&r->status, ch->name);
	char text[ERR_MSG_MAX];

	/* Totals count what was attempted (status.h): held changes were not. */
	if (o->status != APPLY_HELD)
		status_count_change(&r->status, plan_kind_name(ch->kind),
				    o->status == APPLY_DONE     ? "done"
				    : o->status == APPLY_FAILED ? "failed"
								: "skipped");
	if (svc == NULL)
		return;
	if (o->status == APPLY_HELD && svc->held == NULL) {
		char at[RFC3339_SIZE];

		if (!rfc3339_format(svc->next_retry, at))
			snprintf(at, sizeof(at), "?");
		snprintf(text, sizeof(text),
			 "backing off after %u consecutive failure(s); next attempt at %s",
			 svc->consecutive_failures, at);
		set_str(&svc->held, text);
		return;
	}
	if (o->status == APPLY_DONE) {
		snprintf(text, sizeof(text), "%s%s%s", plan_kind_name(ch->kind),
			 ch->reason && ch->reason[0] ? ": " : "", ch->reason ? ch->reason : "");
		set_str(&svc->last_change, text);
		svc->last_change_at = now;
		if (o->created_service_id) {
			set_str(&svc->service_id, o->created_service_id);
			set_str(&svc->service_name, o->created_service_name);
			set_str(&svc->state, "Pending");
		}
	} else if (o->status == APPLY_FAILED) {
		unsigned shift;
		time_t delay;

		set_str(&svc->last_error, o->message);
		svc->last_error_at = now;
		svc->consecutive_failures++;
		shift = svc->consecutive_failures > 16 ? 16 : svc->consecutive_failures - 1;
		delay = (time_t)r->cur->cfg->interval_s << shift;
		if (delay > RECONCILE_BACKOFF_MAX || delay <= 0)
			delay = RECONCILE_BACKOFF_MAX;
		svc->next_retry = now + delay;
	}
}

static void
publish_files(struct reconciler *r, const struct vpcesd_config *cfg)
{
	struct buf b;
	struct err e;

	buf_init(&b, 64u << 20);
	if (cfg->status_file) {
		err_clear(&e);
		if (status_json(&r->status, &b) < 0)
			log_warning("status file %s: out of memory", cfg->status_file);
		else if (atomic_write_file(cfg->status_file, b.data, b.len, 0644, 0, &e) < 0)
			log_warning("cannot write the status file: %s", e.msg);
	}
	buf_reset(&b);
	if (cfg->metrics_file) {
		err_clear(&e);
		if (status_metrics(&r->status, &b) < 0)
			log_warning("metrics file %s: out of memory", cfg->metrics_file);
		else if (atomic_write_file(cfg->metrics_file, buf_str(&b), b.len, 0644, 0, &e) < 0)
			log_warning("cannot write the metrics file: %s", e.msg);
	}
	buf_free(&b);
}

static bool
service_failed(const struct plan *p, const struct apply_report *rep, const char *name)
{
	for (size_t k = 0; k < rep->n; k++)
		if (rep->outcomes[k].status == APPLY_FAILED &&
		    strcmp(p->changes[k].name, name) == 0)
			return true;
	return false;
}

/* The end of every cycle: bookkeeping, files, the caller's callback, free. */
static void
publish(struct reconciler *r, const struct apply_report *rep)
{
	struct cycle *c = r->cur;
	const struct vpcesd_config *cfg = c->cfg;
	struct status *st = &r->status;
	struct strv keep = STRV_INIT;
	time_t now = wall_now(r);
	reconcile_done_fn *done = c->done;
	void *arg = c->arg;
	struct reconcile_result res;

	/* Per spec: what EC2 showed, and whether anything is still to do. */
	for (size_t i = 0; i < cfg->n_services; i++) {
		const struct service_spec *spec = &cfg->services[i];
		struct status_service *svc = status_service_get(st, spec->name);
		const struct observed_service *o = find_observed(c->obs, spec, cfg->owner);
		bool pending = false;

		strv_push(&keep, spec->name);
		if (svc == NULL)
			continue;
		if (o) {
			announce_dns(svc, o, spec->name, c->res.cycle);
			fill_from_observed(svc, o);
		}
		set_str(&svc->held, NULL);
		for (size_t k = 0; c->plan && k < c->plan->n_changes; k++)
			pending = pending || strcmp(c->plan->changes[k].name, spec->name) == 0;
		for (size_t k = 0; c->plan && k < c->plan->n_held; k++)
			if (strcmp(c->plan->held[k].name, spec->name) == 0 && svc->held == NULL) {
				set_str(&svc->held, c->plan->held[k].reason);
				pending = true;
			}
		svc->converged = c->res.observed && !pending;
		c->res.converged_services += svc->converged;
		if (svc->converged) {
			/* Nothing left to do: whatever failed before is over. */
			set_str(&svc->last_error, NULL);
			svc->last_error_at = 0;
			svc->consecutive_failures = 0;
			svc->next_retry = 0;
		}
	}
	/* Owned services on their way out stay visible while something happens to them. */
	for (size_t k = 0; c->plan && k < c->plan->n_changes; k++)
		strv_push(&keep, c->plan->changes[k].name);
	for (size_t k = 0; c->plan && k < c->plan->n_held; k++)
		strv_push(&keep, c->plan->held[k].name);
	dns_starts_prune(r, c->obs);
	/* Before the outcomes: they take out of it what they handled. */
	seen_update(r, c->obs, cfg->owner);
	if (rep != NULL) {
		for (size_t k = 0; k < rep->n; k++) {
			const struct plan_change *ch = &c->plan->changes[k];

			if (ch->kind == PLAN_START_DNS_VERIFICATION && ch->service_id &&
			    (rep->outcomes[k].status == APPLY_DONE ||
			     rep->outcomes[k].status == APPLY_FAILED))
				dns_start_record(r, ch->service_id, c->planned_at);
			if (ch->kind == PLAN_DELETE && ch->service_id &&
			    rep->outcomes[k].status == APPLY_DONE)
				record_delete(r, c->obs, cfg->owner, ch->service_id);
			/* Done, or failed at its principals step: EC2 answered with an id. */
			if (ch->kind == PLAN_CREATE && rep->outcomes[k].created_service_id)
				check_replayed(r, c->obs, ch, rep->outcomes[k].created_service_id,
					       c->res.cycle);
			record_outcome(r, &c->plan->changes[k], &rep->outcomes[k], now);
			if (rep->outcomes[k].status == APPLY_FAILED && c->res.first_error == NULL)
				c->res.first_error = rep->outcomes[k].message;
		}
		/* A service whose changes all went through ends its backoff. */
		for (size_t k = 0; k < rep->n; k++) {
			const char *name = c->plan->changes[k].name;
			struct status_service *svc;

			if (rep->outcomes[k].status != APPLY_DONE ||
			    service_failed(c->plan, rep, name))
				continue;
			svc = status_service_get(st, name);
			if (svc) {
				svc->consecutive_failures = 0;
				svc->next_retry = 0;
				set_str(&svc->last_error, NULL);
				svc->last_error_at = 0;
			}
		}
	}
	status_services_retain(st, &keep);
	strv_free(&keep);

	st->cycle.number = c->res.cycle;
	st->cycle.ended = now;
	st->cycle.observed = c->res.observed;
	st->cycle.dry_run = r->opt.dry_run;
	st->cycle.changes_applied = c->res.applied;
	st->cycle.changes_failed = c->res.failed;
	st->cycle.changes_skipped = c->res.skipped;
	st->cycle.held = c->res.held;
	st->totals.cycles++;
	if (!c->res.observed || c->res.failed > 0) {
		st->totals.consecutive_failed_cycles++;
	} else {
		st->totals.consecutive_failed_cycles = 0;
		st->totals.last_success = now;
	}
	if (!c->res.observed)
		st->health = STATUS_UNREACHABLE;
	else if (c->res.failed > 0 || c->res.skipped > 0 || c->res.held > c->res.waiting)
		st->health = STATUS_DEGRADED;
	else if (c->res.planned > 0 || c->res.waiting > 0)
		st->health = STATUS_PENDING;
	else
		st->health = STATUS_CONVERGED;
	if (c->res.first_error == NULL && st->cycle.errors.n > 0)
		c->res.first_error = st->cycle.errors.v[0];
	publish_files(r, cfg);

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
on_applied(void *arg, const struct apply_report *rep)
{
	struct reconciler *r = arg;
	struct cycle *c = r->cur;

	c->apply = NULL; /* apply frees itself after this callback */
	c->res.applied = rep->done;
	c->res.failed = rep->failed;
	c->res.skipped = rep->skipped;
	c->res.held += rep->held;
	for (size_t i = 0; i < rep->n; i++)
		if (rep->outcomes[i].status == APPLY_FAILED && rep->outcomes[i].message)
			strv_push(&r->status.cycle.errors, rep->outcomes[i].message);
	publish(r, rep);
}

static void
on_finish_timer(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct reconciler *r = w->data;

	(void)loop;
	(void)revents;
	publish(r, NULL);
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

/*
 * Services that failed recently wait for their backoff to end: their
 * changes are held this cycle, everyone else's go ahead.
 */
static size_t
mark_backoff(struct reconciler *r, struct cycle *c, time_t now)
{
	size_t n = 0;

	for (size_t i = 0; i < c->plan->n_changes; i++) {
		const struct status_service *svc = NULL;

		for (size_t k = 0; k < r->status.n_services; k++)
			if (strcmp(r->status.services[k].name, c->plan->changes[i].name) == 0)
				svc = &r->status.services[k];
		c->hold[i] = svc && svc->next_retry > now;
		n += c->hold[i];
	}
	return n;
}

/* A plan_dns_start array over r->dns_starts (borrowed strings); caller frees the array. */
static int
dns_starts_view(const struct reconciler *r, struct plan_input *in)
{
	struct plan_dns_start *v;

	if (r->n_dns_starts == 0)
		return 0;
	v = calloc(r->n_dns_starts, sizeof(*v));
	if (v == NULL)
		return -ENOMEM;
	for (size_t i = 0; i < r->n_dns_starts; i++)
		v[i] = (struct plan_dns_start){r->dns_starts[i].service_id, r->dns_starts[i].at};
	in->dns_starts = v;
	in->n_dns_starts = r->n_dns_starts;
	return 0;
}

/*
 * Forget the starts of services the (complete) listing no longer shows, so
 * the array stays bounded by the services that exist.
 */
static void
dns_starts_prune(struct reconciler *r, const struct observation *obs)
{
	size_t w = 0;

	if (obs == NULL || !obs->listing_complete)
		return;
	for (size_t i = 0; i < r->n_dns_starts; i++) {
		bool live = false;

		for (size_t k = 0; k < obs->n_services && !live; k++)
			live = obs->services[k].cfg.service_id &&
			       strcmp(obs->services[k].cfg.service_id,
				      r->dns_starts[i].service_id) == 0;
		if (live)
			r->dns_starts[w++] = r->dns_starts[i];
		else
			free(r->dns_starts[i].service_id);
	}
	r->n_dns_starts = w;
}

/*
 * Remember a verification start sent at `at` (done or failed: either way
 * EC2 saw a mutating call, and the interval paces the next one).
 */
static void
dns_start_record(struct reconciler *r, const char *id, time_t at)
{
	struct dns_start *grown;

	for (size_t i = 0; i < r->n_dns_starts; i++)
		if (strcmp(r->dns_starts[i].service_id, id) == 0) {
			r->dns_starts[i].at = at;
			return;
		}
	grown = realloc(r->dns_starts, (r->n_dns_starts + 1) * sizeof(*grown));
	if (grown == NULL)
		return;
	r->dns_starts = grown;
	grown[r->n_dns_starts].service_id = strdup(id);
	grown[r->n_dns_starts].at = at;
	if (grown[r->n_dns_starts].service_id != NULL)
		r->n_dns_starts++;
}

static int
cmp_gen(const void *key, const void *elem)
{
	return strcmp(key, ((const struct plan_generation *)elem)->name);
}

/*
 * Move `name` to its next create generation: its next create sends a new
 * ClientToken (plan.h "Create generations").  Out of memory the name keeps
 * its generation (logged): a later create may get the deleted service back.
 */
static void
gen_bump(struct reconciler *r, const char *name)
{
	struct plan_generation *g, *grown;
	size_t at;
	char *copy;

	g = r->n_gens ? bsearch(name, r->gens, r->n_gens, sizeof(*r->gens), cmp_gen) : NULL;
	if (g != NULL) {
		g->generation++;
		return;
	}
	copy = strdup(name);
	grown = copy ? realloc(r->gens, (r->n_gens + 1) * sizeof(*grown)) : NULL;
	if (grown == NULL) {
		free(copy);
		log_warning("out of memory: a re-created %s may get its deleted service back",
			    name);
		return;
	}
	r->gens = grown;
	for (at = r->n_gens; at > 0 && strcmp(grown[at - 1].name, name) > 0; at--)
		grown[at] = grown[at - 1];
	grown[at] = (struct plan_generation){copy, 1};
	r->n_gens++;
}

/*
 * A name moves to a new generation on two triggers, both facts this
 * process saw, never the mere absence of a service from a listing:
 *   1. record_delete(): our own delete of an owned service carrying the
 *      name succeeded;
 *   2. check_replayed(): a create of the name was answered with the id of
 *      a service this process saw listed alive and that the cycle's
 *      complete listing no longer shows alive (deleted behind our back, in
 *      the console or by another tool).
 *
 * Trigger 1: our delete of service `id` succeeded.  When the cycle's
 * observation shows it owned and tagged with a vpcesd:name, that name's
 * next create needs a new ClientToken.  A failed or held delete changes
 * nothing: the service may still exist, and its name's token must keep
 * answering with it.  A deleted id leaves the seen set, named or not: it
 * is gone for good, and its name's new token is never answered with it.
 *
 * The generations and the seen set live only as long as the process.
 * After a restart every name is at 0 and no id was seen, so a create uses
 * the first token of its spec:
 *   - the usual case, a desired service that is listed, creates nothing,
 *     so no token is sent at all; and a service deleted behind our back
 *     after the new process listed it once is caught by trigger 2;
 *   - a create made at generation > 0 that the listing does not show yet
 *     (a crash within EC2's consistency delay) is sent again with the
 *     generation-0 token; within EC2's token window EC2 answers with that
 *     token's original, deleted service instead of making one (vpcesd
 *     reports that id; a principals step on it fails and backs off), and
 *     the first listing that shows the real service converges: no
 *     duplicate, no loop.  Past the token window the old token makes a
 *     second service, which the duplicate rule deletes under sync;
 *   - the corner left open: vpcesd restarted (or not running) between the
 *     deletion of a name's service, by itself under sync or behind its
 *     back, and the next create of the identical spec (a `--once` per run
 *     included), within EC2's ClientToken window.  This process never saw
 *     that service listed nor deleted it, so neither trigger fires: the
 *     generation-0 token answers with the deleted service every cycle,
 *     until EC2 forgets the token or the spec changes.  Surviving that
 *     would need the generations on disk.
 */
static void
record_delete(struct reconciler *r, const struct observation *obs, const char *owner,
	      const char *id)
{
	const char *name = NULL;

	for (size_t i = 0; obs && i < obs->n_services && name == NULL; i++) {
		const struct observed_service *s = &obs->services[i];

		if (s->cfg.service_id && strcmp(s->cfg.service_id, id) == 0 &&
		    owned(&s->cfg, owner))
			name = observation_tag(&s->cfg.tags, NAME_TAG);
	}
	seen_remove(r, id);
	if (name != NULL)
		gen_bump(r, name);
}

static int
cmp_key(const void *key, const void *elem)
{
	return strcmp(key, *(char *const *)elem);
}

/* Membership in a strv_sort()ed vector. */
static bool
sorted_contains(const struct strv *sv, const char *s)
{
	return sv->n > 0 && bsearch(s, sv->v, sv->n, sizeof(*sv->v), cmp_key) != NULL;
}

/* Listed and not on its way out: a service a create could stand for. */
static bool
alive(const struct ec2_service_config *cfg)
{
	return cfg->service_id && cfg->service_id[0] &&
	       !(cfg->service_state && (strcasecmp(cfg->service_state, "Deleting") == 0 ||
					strcasecmp(cfg->service_state, "Deleted") == 0));
}

static bool
listed_alive(const struct observation *obs, const char *id)
{
	for (size_t i = 0; i < obs->n_services; i++)
		if (alive(&obs->services[i].cfg) &&
		    strcmp(obs->services[i].cfg.service_id, id) == 0)
			return true;
	return false;
}

/*
 * Add the owned, named services a complete listing shows alive to the seen
 * set.  Out of memory some are missed this cycle (seen the next one).
 */
static void
seen_update(struct reconciler *r, const struct observation *obs, const char *owner)
{
	struct strv add = STRV_INIT;

	if (obs == NULL || !obs->listing_complete)
		return;
	for (size_t i = 0; i < obs->n_services; i++) {
		const struct ec2_service_config *cfg = &obs->services[i].cfg;

		if (!alive(cfg) || !owned(cfg, owner) ||
		    observation_tag(&cfg->tags, NAME_TAG) == NULL ||
		    sorted_contains(&r->seen, cfg->service_id))
			continue;
		if (strv_push(&add, cfg->service_id) < 0)
			break;
	}
	if (add.n == 0)
		return;
	strv_sort(&add); /* a repeated id in the listing is added once */
	for (size_t i = 0; i < add.n; i++)
		if ((i == 0 || strcmp(add.v[i], add.v[i - 1]) != 0) &&
		    strv_push(&r->seen, add.v[i]) < 0)
			break;
	strv_free(&add);
	strv_sort(&r->seen);
}

/* Take `id` out of the seen set (rare: rebuilt).  Out of memory it stays, which is harmless. */
static void
seen_remove(struct reconciler *r, const char *id)
{
	struct strv keep = STRV_INIT;

	if (!sorted_contains(&r->seen, id))
		return;
	for (size_t i = 0; i < r->seen.n; i++)
		if (strcmp(r->seen.v[i], id) != 0 && strv_push(&keep, r->seen.v[i]) < 0) {
			strv_free(&keep);
			return;
		}
	strv_free(&r->seen);
	r->seen = keep;
}

/*
 * Trigger 2 of a new generation (see record_delete()): a create of
 * `ch->name` was answered with `id` (done, or failed at its principals
 * step on that id), a service this process saw listed alive before and
 * that the cycle's complete listing no longer shows alive.  EC2 replayed
 * the ClientToken of a service deleted behind our back; with that token
 * every cycle would get the dead service again, so the name moves on and
 * the next cycle's create makes a new one.  The id leaves the seen set:
 * handled, and the new token can never be answered with it.
 *
 * An id never seen listed is no signal: a service created a moment ago may
 * be unlisted for a while, and its create, sent again with the same token,
 * is answered with that same live service (test_create_while_unlisted);
 * a new token there would make a duplicate.  Left to chance: a listing
 * that misses a live service it showed before, in the very cycle its spec
 * creates.  The name then moves on although the service lives; the next
 * listing shows it and nothing is created, or, if it stays unlisted, the
 * new token makes a second service, which the duplicate rule deletes under
 * sync.
 */
static void
check_replayed(struct reconciler *r, const struct observation *obs, const struct plan_change *ch,
	       const char *id, unsigned long cycle_no)
{
	char cycle[32];

	if (obs == NULL || !obs->listing_complete || !sorted_contains(&r->seen, id) ||
	    listed_alive(obs, id))
		return;
	seen_remove(r, id);
	gen_bump(r, ch->name);
	snprintf(cycle, sizeof(cycle), "%lu", cycle_no);
	log_fields(LOG_NOTICE,
		   LOG_FIELDS({"VPCESD_SERVICE", ch->name}, {"VPCESD_SERVICE_ID", id},
			      {"VPCESD_ACTION", "create"}, {"VPCESD_CYCLE", cycle}),
		   "create of %s returned deleted service %s (ClientToken replayed); the next "
		   "create uses a new token",
		   ch->name, id);
}

/*
 * Log each held item once while it stays held for the same reason: at
 * notice the first time, at debug in later cycles.
 */
static void
log_held(struct reconciler *r, const struct plan *p)
{
	struct strv now = STRV_INIT;
	struct buf key;

	buf_init(&key, 64 * 1024);
	for (size_t i = 0; i < p->n_held; i++) {
		const struct plan_held *h = &p->held[i];
		bool seen;

		buf_reset(&key);
		if (buf_printf(&key, "%s\x1f%s\x1f%s\x1f%s", h->name,
			       h->service_id ? h->service_id : "", plan_hold_name(h->kind),
			       h->reason ? h->reason : "") < 0)
			continue;
		seen = sorted_contains(&r->held_logged, buf_str(&key));
		strv_push(&now, buf_str(&key));
		log_fields(seen ? LOG_DEBUG : LOG_NOTICE,
			   LOG_FIELDS({"VPCESD_SERVICE", h->name},
				      {"VPCESD_SERVICE_ID", h->service_id},
				      {"VPCESD_ACTION", plan_hold_name(h->kind)}),
			   "held %s: %s", h->name, h->reason);
	}
	buf_free(&key);
	strv_sort(&now);
	strv_free(&r->held_logged);
	r->held_logged = now;
}

static void
on_observed(void *arg, struct observation *obs, const struct strv *errors)
{
	struct reconciler *r = arg;
	struct cycle *c = r->cur;
	struct plan_input in;
	char cycle[32];
	struct err e;
	int rc;

	c->observe = NULL;
	c->obs = obs;
	c->res.observed = obs->listing_complete;
	snprintf(cycle, sizeof(cycle), "%lu", c->res.cycle);
	for (size_t i = 0; i < errors->n; i++) {
		strv_push(&r->status.cycle.errors, errors->v[i]);
		log_fields(LOG_WARNING, LOG_FIELDS({"VPCESD_CYCLE", cycle}), "cannot read %s",
			   errors->v[i]);
	}
	plan_input_from_config(&in, c->cfg, obs);
	c->planned_at = wall_now(r);
	in.now = c->planned_at;
	in.generations = r->gens;
	in.n_generations = r->n_gens;
	if (dns_starts_view(r, &in) < 0) {
		strv_push(&r->status.cycle.errors, "out of memory");
		c->res.observed = false;
		ev_timer_start(r->opt.loop, &c->finish);
		return;
	}
	if (r->opt.policy >= 0)
		in.policy = (enum model_policy)r->opt.policy;
	err_clear(&e);
	rc = plan_compute(&in, &c->plan, &e);
	free((void *)in.dns_starts);
	if (rc < 0) {
		log_error("cannot plan: %s", e.msg);
		strv_push(&r->status.cycle.errors, e.msg);
		c->res.observed = false;
		ev_timer_start(r->opt.loop, &c->finish);
		return;
	}
	c->res.planned = c->plan->n_changes;
	c->res.held = c->plan->n_held;
	for (size_t i = 0; i < c->plan->n_held; i++)
		c->res.waiting += c->plan->held[i].kind == PLAN_HOLD_WAITING;
	log_held(r, c->plan);
	print_plan(r, c->plan);
	if (r->opt.dry_run || c->plan->n_changes == 0) {
		ev_timer_start(r->opt.loop, &c->finish);
		return;
	}
	c->hold = calloc(c->plan->n_changes, sizeof(*c->hold));
	if (c->hold == NULL) {
		strv_push(&r->status.cycle.errors, "out of memory");
		ev_timer_start(r->opt.loop, &c->finish);
		return;
	}
	mark_backoff(r, c, wall_now(r));
	err_clear(&e);
	if (apply_start(r->opt.loop, r->opt.ec2, c->plan, c->hold, c->res.cycle, on_applied, r,
			&c->apply, &e) < 0) {
		log_error("cannot apply: %s", e.msg);
		strv_push(&r->status.cycle.errors, e.msg);
		ev_timer_start(r->opt.loop, &c->finish);
	}
}

int
reconciler_cycle(struct reconciler *r, const struct vpcesd_config *cfg, reconcile_done_fn *done,
		 void *arg, struct err *e)
{
	struct vpcesd_config observed_cfg;
	struct cycle *c;
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
	c->finish.data = r;
	r->cur = c;
	status_reset_cycle_api(&r->status);
	strv_free(&r->status.cycle.errors);
	r->status.cycle.started = wall_now(r);
	set_str(&r->status.owner, cfg->owner);
	set_str(&r->status.region, cfg->region);
	/*
	 * The observer reads the policy to decide whose connections to read
	 * (deletes need them): it must see the --policy override too, or a
	 * `--policy sync` over a config saying upsert-only would hold every
	 * delete as incomplete.  observe_start() copies what it keeps.
	 */
	observed_cfg = *cfg;
	if (r->opt.policy >= 0)
		observed_cfg.policy = (enum model_policy)r->opt.policy;
	rc = observe_start(r->opt.ec2, &observed_cfg, on_observed, r, &c->observe, e);
	if (rc < 0) {
		r->cur = NULL;
		cycle_free(r, c);
		return rc;
	}
	return 0;
}
