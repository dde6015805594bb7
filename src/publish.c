/* SPDX-License-Identifier: ISC */
/*
 * publish: a finished cycle into the status and the journal.  See publish.h.
 *
 * Every lookup here is by name in sorted arrays (the status's services, the
 * plan's bindings): publishing N services costs N log N, not N².
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <syslog.h>

#include "log.h"
#include "msgid.h"
#include "publish.h"
#include "rfc3339.h"

static void
set_str(char **dst, const char *src)
{
	char *copy = src ? strdup(src) : NULL;

	if (src != NULL && copy == NULL)
		return; /* out of memory: keep the old value rather than none */
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

static int
cmp_status_conn(const void *a, const void *b)
{
	const struct status_connection *x = a, *y = b;

	return strcmp(x->endpoint_id ? x->endpoint_id : "", y->endpoint_id ? y->endpoint_id : "");
}

static void
clear_connections(struct status_service *svc)
{
	for (size_t i = 0; i < svc->n_connections; i++) {
		free(svc->connections[i].endpoint_id);
		free(svc->connections[i].owner);
		free(svc->connections[i].state);
	}
	free(svc->connections);
	svc->connections = NULL;
	svc->n_connections = 0;
}

/* The service's connections as read this cycle (none when they were not read). */
static void
fill_connections(struct status_service *svc, const struct observed_service *s)
{
	struct status_connection *v = NULL;

	if (s->connections_known && s->n_connections > 0 &&
	    (v = calloc(s->n_connections, sizeof(*v))) == NULL)
		return; /* keep the previous cycle's view rather than none */
	clear_connections(svc);
	svc->connections = v;
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

/* Everything EC2 said of the service's configuration. */
static void
fill_config(struct status_service *svc, const struct ec2_service_config *c, time_t now)
{
	const struct ec2_private_dns_config *d = &c->private_dns_name_configuration;
	struct status_region *regions;

	set_str(&svc->service_id, c->service_id);
	set_str(&svc->service_name, c->service_name);
	set_str(&svc->state, c->service_state);
	svc->observed_at = now;
	svc->stale = false;
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
}

static void
fill_from_observed(struct status_service *svc, const struct observed_service *s, time_t now)
{
	fill_config(svc, &s->cfg, now);
	/* Under the read budget a detail may be an earlier cycle's read: say when it was made. */
	svc->principals_at = s->permissions_known ? s->principals_at : 0;
	svc->connections_at = s->connections_known ? s->connections_at : 0;
	svc->notifications_at = s->notifications_known ? s->notifications_at : 0;
	svc->principals_known = s->permissions_known;
	if (s->permissions_known)
		set_strv(&svc->allowed_principals, &s->principals);
	fill_connections(svc, s);
}

/* A complete read shows no service for the spec: it has none (to create, or held). */
static void
clear_service(struct status_service *svc)
{
	static const struct ec2_service_config none;

	fill_config(svc, &none, 0);
	svc->principals_at = svc->connections_at = svc->notifications_at = 0;
	svc->principals_known = false;
	strv_free(&svc->allowed_principals);
	clear_connections(svc);
	svc->connections_known = false;
}

/* Last known values from the state file, for a service this process has not read yet. */
static void
fill_from_state(struct status_service *svc, const struct state_service *rec)
{
	set_str(&svc->service_id, rec->service_id);
	set_str(&svc->service_name, rec->service_name);
	set_str(&svc->state, rec->state);
	set_strv(&svc->base_endpoint_dns_names, &rec->dns_names);
	svc->observed_at = rec->seen_at;
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
announce_dns(const struct status_service *svc, const struct ec2_service_config *cfg,
	     const char *name, const char *cycle)
{
	const struct ec2_private_dns_config *d = &cfg->private_dns_name_configuration;

	if (cfg->private_dns_name == NULL)
		return;
	if (d->name && d->value &&
	    (str_differs(svc->private_dns_txt_name, d->name) ||
	     str_differs(svc->private_dns_txt_value, d->value)))
		log_fields(LOG_NOTICE,
			   LOG_FIELDS({"VPCESD_SERVICE", name},
				      {"VPCESD_SERVICE_ID", cfg->service_id},
				      {"VPCESD_DNS_NAME", cfg->private_dns_name},
				      {"VPCESD_DNS_TXT_NAME", d->name},
				      {"VPCESD_DNS_TXT_VALUE", d->value}, {"VPCESD_CYCLE", cycle}),
			   "private DNS name %s of %s: create TXT record %s with value %s",
			   cfg->private_dns_name, name, d->name, d->value);
	if (d->state && svc->private_dns_state && strcmp(svc->private_dns_state, d->state) != 0)
		log_fields(LOG_NOTICE,
			   LOG_FIELDS({"VPCESD_SERVICE", name},
				      {"VPCESD_SERVICE_ID", cfg->service_id},
				      {"VPCESD_DNS_NAME", cfg->private_dns_name},
				      {"VPCESD_DNS_STATE", d->state}, {"VPCESD_CYCLE", cycle}),
			   "private DNS verification of %s (%s): %s \u2192 %s",
			   cfg->private_dns_name, name, svc->private_dns_state, d->state);
}

/*
 * The contest of a spec, from its binding; one warning when it begins,
 * naming the field and both values.  Diff lines read "field: have → want"
 * (plan.h); others are quoted whole.
 */
static void
publish_contest(struct status_service *svc, const struct plan_binding *b, const char *cycle)
{
	svc->contested = b->contested;
	svc->contested_repeats = b->contested ? b->repeats : 0;
	svc->contested_until = b->contested ? b->contested_until : 0;
	set_str(&svc->contested_diff, b->contested ? b->contested_diff : NULL);
	if (b->contest_began && b->contested_diff) {
		const char *colon = strstr(b->contested_diff, ": ");
		const char *arrow = colon ? strstr(colon, " \u2192 ") : NULL;
		char until[RFC3339_SIZE];

		rfc3339_format(b->contested_until, until);
		if (colon && arrow)
			log_fields(
				LOG_WARNING,
				LOG_FIELDS({"VPCESD_SERVICE", b->name},
					   {"VPCESD_SERVICE_ID", svc->service_id},
					   {"VPCESD_ACTION", "contested"}, {"VPCESD_CYCLE", cycle},
					   LOG_MESSAGE_ID(VPCESD_MESSAGE_CONTESTED)),
				"%s: %.*s is changed back outside vpcesd: vpcesd set it to %s in "
				"each of the last %u cycles and found it %.*s again; another tool "
				"or daemon manages this service too; backing off until %s",
				b->name, (int)(colon - b->contested_diff), b->contested_diff,
				arrow + strlen(" \u2192 "), b->repeats, (int)(arrow - colon - 2),
				colon + 2, until);
		else
			log_fields(
				LOG_WARNING,
				LOG_FIELDS({"VPCESD_SERVICE", b->name},
					   {"VPCESD_SERVICE_ID", svc->service_id},
					   {"VPCESD_ACTION", "contested"}, {"VPCESD_CYCLE", cycle},
					   LOG_MESSAGE_ID(VPCESD_MESSAGE_CONTESTED)),
				"%s: '%s' is undone outside vpcesd after each of the last %u "
				"cycles; another tool or daemon manages this service too; backing "
				"off until %s",
				b->name, b->contested_diff, b->repeats, until);
	}
}

/* *set ∖ remove ∪ add, as a sorted set.  On ENOMEM it keeps the old set. */
static void
set_delta(struct strv *set, const struct strv *add, const struct strv *remove)
{
	struct strv out = STRV_INIT;
	int r = 0;

	for (size_t i = 0; r == 0 && i < set->n; i++)
		if (!strv_contains(remove, set->v[i]))
			r = strv_push(&out, set->v[i]);
	for (size_t i = 0; r == 0 && add && i < add->n; i++)
		r = strv_push(&out, add->v[i]);
	if (r < 0) {
		strv_free(&out);
		return;
	}
	strv_uniq(&out);
	strv_free(set);
	*set = out;
}

static void
regions_delta(struct status_service *svc, const struct strv *add, const struct strv *remove)
{
	size_t n = 0;
	struct status_region *v = calloc(svc->n_regions + add->n + 1, sizeof(*v));

	if (v == NULL)
		return;
	for (size_t i = 0; i < svc->n_regions; i++) {
		if (strv_contains(remove, svc->regions[i].region) ||
		    strv_contains(add, svc->regions[i].region)) {
			free(svc->regions[i].region);
			free(svc->regions[i].state);
			continue;
		}
		v[n++] = svc->regions[i];
	}
	/* A region just added: its state is EC2's to tell (null until read). */
	for (size_t i = 0; i < add->n; i++)
		set_str(&v[n++].region, add->v[i]);
	free(svc->regions);
	svc->regions = v;
	svc->n_regions = n;
}

/*
 * What a change that went through makes of its service's entry, so the
 * status shows what was applied from the moment it was, not the values the
 * change replaced (issue 13).  Only what the change settles is set; what
 * EC2 derives from it (a new verification TXT record, a new region's state)
 * becomes null until the next read shows it.  Connections move the way EC2
 * documents: accepted ones to "pending", rejected ones to "rejected".
 */
static void
apply_to_entry(struct status_service *svc, const struct plan_change *ch)
{
	const struct plan_modify *m = &ch->modify;

	/* A change of another service under this name (a duplicate) is not this entry's. */
	if (ch->service_id && svc->service_id && strcmp(ch->service_id, svc->service_id) != 0)
		return;
	switch (ch->kind) {
	case PLAN_CREATE:
		/* A new service allows exactly the principals its create added. */
		svc->principals_known = true;
		set_strv(&svc->allowed_principals, &ch->create.add_principals);
		strv_uniq(&svc->allowed_principals);
		break;
	case PLAN_MODIFY_CONFIG:
		if (m->set_acceptance)
			svc->acceptance_required = m->acceptance_required;
		set_delta(&svc->load_balancer_arns, &m->add_nlb_arns, &m->remove_nlb_arns);
		set_delta(&svc->load_balancer_arns, &m->add_gwlb_arns, &m->remove_gwlb_arns);
		set_delta(&svc->supported_ip_address_types, &m->add_ip_types, &m->remove_ip_types);
		if (m->add_regions.n || m->remove_regions.n)
			regions_delta(svc, &m->add_regions, &m->remove_regions);
		if (m->private_dns_name || m->remove_private_dns) {
			set_str(&svc->private_dns_name, m->private_dns_name);
			set_str(&svc->private_dns_state, NULL);
			set_str(&svc->private_dns_txt_name, NULL);
			set_str(&svc->private_dns_txt_value, NULL);
		}
		break;
	case PLAN_MODIFY_PERMISSIONS:
		/* The plan diffed against principals it had read. */
		if (svc->principals_known)
			set_delta(&svc->allowed_principals, &ch->add_principals,
				  &ch->remove_principals);
		break;
	case PLAN_START_DNS_VERIFICATION:
		if (svc->private_dns_name)
			set_str(&svc->private_dns_state, "pendingVerification");
		break;
	case PLAN_ACCEPT_CONNECTIONS:
	case PLAN_DENY_CONNECTIONS:
	case PLAN_REJECT_CONNECTIONS: {
		struct strv ids = STRV_INIT; /* sorted: a service may have thousands */

		if (!svc->connections_known || strv_copy(&ids, &ch->endpoint_ids) < 0)
			break;
		strv_sort(&ids);
		for (size_t i = 0; i < svc->n_connections; i++)
			if (svc->connections[i].endpoint_id &&
			    strv_contains_sorted(&ids, svc->connections[i].endpoint_id))
				set_str(&svc->connections[i].state,
					ch->kind == PLAN_ACCEPT_CONNECTIONS ? "pending"
									    : "rejected");
		strv_free(&ids);
		break;
	}
	default:
		break; /* tags, payer, notifications, deletes: not in the entry */
	}
}

/* The outcome of one change on its service's entry: last change, error, back-off. */
static void
record_outcome(struct status *st, const struct vpcesd_config *cfg, const struct plan_change *ch,
	       const struct apply_outcome *o, time_t now, const char *cycle)
{
	struct status_service *svc = status_service_find(st, ch->name);
	char text[ERR_MSG_MAX];

	/* Totals count what was attempted (status.h): held changes were not. */
	if (o->status != APPLY_HELD)
		status_count_change(st, plan_kind_name(ch->kind),
				    o->status == APPLY_DONE     ? "done"
				    : o->phantom                ? "phantom"
				    : o->unconfirmed            ? "unconfirmed"
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
		if (o->created_config) {
			announce_dns(svc, o->created_config, ch->name, cycle);
			fill_config(svc, o->created_config, now);
		}
		apply_to_entry(svc, ch);
	} else if (o->status == APPLY_FAILED) {
		unsigned shift;
		time_t delay;

		set_str(&svc->last_error, o->message);
		svc->last_error_at = now;
		svc->consecutive_failures++;
		shift = svc->consecutive_failures > 16 ? 16 : svc->consecutive_failures - 1;
		delay = (time_t)cfg->interval_s << shift;
		if (delay > RECONCILE_BACKOFF_MAX || delay <= 0)
			delay = RECONCILE_BACKOFF_MAX;
		svc->next_retry = now + delay;
	}
}

static void
end_backoff(struct status_service *svc)
{
	set_str(&svc->last_error, NULL);
	svc->last_error_at = 0;
	svc->consecutive_failures = 0;
	svc->next_retry = 0;
}

/*
 * New holds told one by one in a cycle; the rest in one line.  A first
 * cycle over thousands of retained services would otherwise flood the
 * journal with one notice each.
 */
#define LOG_HELD_MAX 20

/*
 * Log each held item once while it stays held for the same reason: at
 * notice the first time, at debug in later cycles (past LOG_HELD_MAX new
 * ones, counted in one line).  Items held by the cycle's delete guard are
 * said once per cycle, as one warning, instead.
 */

static void
log_held(struct strv *held_logged, const struct plan *p)
{
	struct strv now = STRV_INIT;
	struct buf key;

	if (p->delete_guard)
		log_fields(
			LOG_WARNING,
			LOG_FIELDS({"VPCESD_ACTION", "guard"}, LOG_MESSAGE_ID(VPCESD_MESSAGE_HELD)),
			"holding every delete of this cycle: %s", p->delete_guard);
	size_t told = 0, untold = 0;

	buf_init(&key, 64 * 1024);
	for (size_t i = 0; i < p->n_held; i++) {
		const struct plan_held *h = &p->held[i];
		bool seen, quiet;

		buf_reset(&key);
		if (buf_printf(&key, "%s\x1f%s\x1f%s\x1f%s", h->name,
			       h->service_id ? h->service_id : "", plan_hold_name(h->kind),
			       h->reason ? h->reason : "") < 0)
			continue;
		seen = strv_contains_sorted(held_logged, buf_str(&key));
		strv_push(&now, buf_str(&key));
		quiet = seen || h->kind == PLAN_HOLD_GUARD;
		if (!quiet && told == LOG_HELD_MAX) {
			untold++;
			continue;
		}
		told += !quiet;
		log_fields(quiet ? LOG_DEBUG : LOG_NOTICE,
			   LOG_FIELDS({"VPCESD_SERVICE", h->name},
				      {"VPCESD_SERVICE_ID", h->service_id},
				      {"VPCESD_ACTION", plan_hold_name(h->kind)},
				      /* Retained is kept by policy, nothing to alert on. */
				      LOG_MESSAGE_ID(h->kind == PLAN_HOLD_RETAINED
							     ? NULL
							     : VPCESD_MESSAGE_HELD)),
			   "%s%s: %s", h->kind == PLAN_HOLD_RETAINED ? "" : "held ", h->name,
			   h->reason);
	}
	buf_free(&key);
	if (untold > 0)
		log_notice("%zu more services held or retained (each with its reason in the status "
			   "file)",
			   untold);
	strv_sort(&now);
	strv_free(held_logged);
	*held_logged = now;
}

/* The names with a change or a held item in the plan, for a lookup per spec. */
struct pending {
	const char **names; /* names with a change or held item, sorted */
	size_t n;
};

static bool
pending_has(const struct pending *pd, const char *name)
{
	return pd->n > 0 && bsearch(&name, pd->names, pd->n, sizeof(*pd->names), strv_cmp);
}

static int
pending_build(struct pending *pd, const struct plan *p)
{
	pd->n = 0;
	pd->names = malloc((p->n_changes + p->n_held + 1) * sizeof(*pd->names));
	if (pd->names == NULL)
		return -ENOMEM;
	for (size_t i = 0; i < p->n_changes; i++)
		pd->names[pd->n++] = p->changes[i].name;
	for (size_t i = 0; i < p->n_held; i++)
		pd->names[pd->n++] = p->held[i].name;
	qsort(pd->names, pd->n, sizeof(*pd->names), strv_cmp);
	return 0;
}

/* The first held reason of `name` (held items are sorted by name). */
static const struct plan_held *
first_held(const struct plan *p, const char *name)
{
	size_t lo = 0, hi = p->n_held;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (strcmp(p->held[mid].name, name) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < p->n_held && strcmp(p->held[lo].name, name) == 0 ? &p->held[lo] : NULL;
}

/* One spec's entry: what EC2 shows (or showed), held, converged, contested. */
static void
publish_spec(struct status *st, const struct publish_cycle *c, const struct service_spec *spec,
	     const struct pending *pd, const char *cycle, struct reconcile_result *res)
{
	struct status_service *svc = status_service_get(st, spec->name);
	const struct plan_binding *b = c->plan ? plan_binding_of(c->plan, spec->name) : NULL;
	const struct plan_held *h = c->plan ? first_held(c->plan, spec->name) : NULL;
	bool read = c->obs && c->obs->listing_complete && c->plan;

	if (svc == NULL)
		return;
	if (b && b->service) {
		announce_dns(svc, &b->service->cfg, spec->name, cycle);
		fill_from_observed(svc, b->service, c->now);
	} else if (read) {
		clear_service(svc);
	} else {
		/* Not read this cycle: what is known, marked stale. */
		const struct state_service *rec =
			c->state ? state_find(c->state, spec->name) : NULL;

		if (svc->service_id == NULL && rec && rec->service_id)
			fill_from_state(svc, rec);
		svc->stale = svc->service_id != NULL;
	}
	set_str(&svc->held, h ? h->reason : NULL);
	svc->retained = false;
	if (b)
		publish_contest(svc, b, cycle);
	svc->converged = res->observed && !(c->plan && pending_has(pd, spec->name));
	res->converged_services += svc->converged;
	if (svc->converged)
		end_backoff(svc); /* nothing left to do: whatever failed before is over */
}

static int
cmp_obs_id(const void *a, const void *b)
{
	const struct observed_service *x = *(const struct observed_service *const *)a;
	const struct observed_service *y = *(const struct observed_service *const *)b;

	return strcmp(x->cfg.service_id, y->cfg.service_id);
}

static int
key_cmp_obs_id(const void *key, const void *elem)
{
	return strcmp(key, (*(const struct observed_service *const *)elem)->cfg.service_id);
}

/*
 * The owned services no spec names that the plan deletes, holds or retains:
 * each has an entry saying what EC2 shows and what happens to it — never
 * "converged" with nothing held while its delete waits.
 */
static void
publish_others(struct status *st, const struct publish_cycle *c, const struct strv *specs)
{
	const struct observation *obs = c->obs;
	const struct observed_service **by_id = NULL;
	size_t n = 0;

	if (c->plan == NULL || obs == NULL)
		return;
	by_id = malloc((obs->n_services + 1) * sizeof(*by_id));
	if (by_id == NULL)
		return;
	for (size_t i = 0; i < obs->n_services; i++)
		if (obs->services[i].cfg.service_id)
			by_id[n++] = &obs->services[i];
	qsort(by_id, n, sizeof(*by_id), cmp_obs_id);
	for (size_t pass = 0; pass < 2; pass++) {
		size_t count = pass == 0 ? c->plan->n_held : c->plan->n_changes;

		for (size_t k = 0; k < count; k++) {
			const char *name =
				pass == 0 ? c->plan->held[k].name : c->plan->changes[k].name;
			const char *id = pass == 0 ? c->plan->held[k].service_id
						   : c->plan->changes[k].service_id;
			const struct observed_service *const *o;
			struct status_service *svc;

			if (strv_contains_sorted(specs, name) || id == NULL)
				continue;
			svc = status_service_get(st, name);
			if (svc == NULL)
				continue;
			o = n ? bsearch(id, by_id, n, sizeof(*by_id), key_cmp_obs_id) : NULL;
			if (o != NULL)
				fill_from_observed(svc, *o, c->now);
			svc->converged = false;
			if (pass == 0) {
				set_str(&svc->held, c->plan->held[k].reason);
				svc->retained = c->plan->held[k].kind == PLAN_HOLD_RETAINED;
			} else if (svc->held == NULL || !svc->retained) {
				/* Deleted this cycle: what is happening to it. */
				set_str(&svc->held, NULL);
				svc->retained = false;
			}
		}
	}
	free(by_id);
}

/* The health of the cycle and its one-line reason. */
static void
publish_health(struct status *st, const struct publish_cycle *c, const struct reconcile_result *res)
{
	size_t problems = res->held - res->waiting - res->retained - res->reading;
	const struct plan_held *first = NULL;
	char text[ERR_MSG_MAX + 128];

	for (size_t i = 0; c->plan && i < c->plan->n_held && first == NULL; i++)
		if (c->plan->held[i].kind != PLAN_HOLD_WAITING &&
		    c->plan->held[i].kind != PLAN_HOLD_RETAINED &&
		    c->plan->held[i].kind != PLAN_HOLD_READING)
			first = &c->plan->held[i];
	if (!res->observed) {
		st->health = STATUS_UNREACHABLE;
		snprintf(text, sizeof(text), "EC2 could not be read: %s",
			 res->first_error ? res->first_error : "the listing failed");
	} else if (res->failed > 0 || res->skipped > 0) {
		st->health = STATUS_DEGRADED;
		snprintf(text, sizeof(text), "%zu change%s failed: %s", res->failed,
			 res->failed == 1 ? "" : "s", res->first_error ? res->first_error : "?");
	} else if (problems > 0) {
		st->health = STATUS_DEGRADED;
		snprintf(text, sizeof(text), "%zu held: %s: %s", problems,
			 first ? first->name : "?", first ? first->reason : "?");
	} else if (res->planned > 0) {
		st->health = STATUS_PENDING;
		snprintf(text, sizeof(text),
			 c->dry_run ? "%zu change%s would be made"
				    : "%zu change%s made; the next cycle verifies them",
			 res->planned, res->planned == 1 ? "" : "s");
	} else if (res->waiting > 0) {
		st->health = STATUS_PENDING;
		snprintf(text, sizeof(text), "%zu service%s settling in EC2 (Pending or Deleting)",
			 res->waiting, res->waiting == 1 ? "" : "s");
	} else if (res->reading > 0) {
		st->health = STATUS_PENDING;
		snprintf(text, sizeof(text),
			 "%zu held until a read is made: the read budget takes the reads in turn "
			 "(%zu left for later cycles)",
			 res->reading, res->deferred);
	} else {
		st->health = STATUS_CONVERGED;
		if (res->retained > 0)
			snprintf(text, sizeof(text),
				 "every service equals its spec; %zu retained by the policy",
				 res->retained);
		else
			snprintf(text, sizeof(text), "every service equals its spec");
	}
	set_str(&st->health_reason, text);
}

void
publish_cycle(struct status *st, struct strv *held_logged, const struct publish_cycle *c,
	      struct reconcile_result *res)
{
	const struct vpcesd_config *cfg = c->cfg;
	const struct apply_report *rep = c->rep;
	struct pending pd = {0};
	struct strv keep = STRV_INIT;
	char cycle[32];

	snprintf(cycle, sizeof(cycle), "%lu", res->cycle);
	if (c->plan) {
		log_held(held_logged, c->plan);
		if (pending_build(&pd, c->plan) < 0)
			strv_push(&st->cycle.errors, "out of memory");
	}
	for (size_t i = 0; i < cfg->n_services; i++) {
		strv_push(&keep, cfg->services[i].name);
		publish_spec(st, c, &cfg->services[i], &pd, cycle, res);
	}
	strv_uniq(&keep);
	publish_others(st, c, &keep);
	/* Owned services on their way out stay visible while something happens to them. */
	for (size_t k = 0; c->plan && k < c->plan->n_changes; k++)
		strv_push(&keep, c->plan->changes[k].name);
	for (size_t k = 0; c->plan && k < c->plan->n_held; k++)
		strv_push(&keep, c->plan->held[k].name);
	strv_uniq(&keep);
	if (rep != NULL) {
		const struct plan_change *ch = c->plan->changes;

		for (size_t k = 0; k < rep->n; k++) {
			record_outcome(st, cfg, &ch[k], &rep->outcomes[k], c->now, cycle);
			if (rep->outcomes[k].status == APPLY_FAILED && res->first_error == NULL)
				res->first_error = rep->outcomes[k].message;
		}
		/* A service whose changes all went through ends its back-off. */
		for (size_t k = 0; k < rep->n;) {
			size_t j = k;
			bool failed = false, done = false;

			for (; j < rep->n && strcmp(ch[j].name, ch[k].name) == 0; j++) {
				failed = failed || rep->outcomes[j].status == APPLY_FAILED;
				done = done || rep->outcomes[j].status == APPLY_DONE;
			}
			if (done && !failed) {
				struct status_service *svc = status_service_find(st, ch[k].name);

				if (svc)
					end_backoff(svc);
			}
			k = j;
		}
	}
	status_services_retain(st, &keep);
	strv_free(&keep);
	free(pd.names);

	st->cycle.number = res->cycle;
	st->cycle.ended = c->now;
	st->cycle.observed = res->observed;
	st->cycle.dry_run = c->dry_run;
	st->cycle.changes_applied = res->applied;
	st->cycle.changes_failed = res->failed;
	st->cycle.changes_skipped = res->skipped;
	st->cycle.held = res->held;
	st->cycle.reads = res->reads;
	st->cycle.reads_deferred = res->deferred;
	st->totals.cycles++;
	if (!res->observed || res->failed > 0) {
		st->totals.consecutive_failed_cycles++;
	} else {
		st->totals.consecutive_failed_cycles = 0;
		st->totals.last_success = c->now;
	}
	if (res->first_error == NULL && st->cycle.errors.n > 0)
		res->first_error = st->cycle.errors.v[0];
	publish_health(st, c, res);
}

size_t
publish_backoff(const struct status *st, const struct plan *plan, bool *hold, time_t now)
{
	size_t n = 0;

	for (size_t i = 0; i < plan->n_changes; i++) {
		const struct status_service *svc = status_service_find(st, plan->changes[i].name);

		hold[i] = svc && svc->next_retry > now;
		n += hold[i];
	}
	return n;
}
