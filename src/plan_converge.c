/* SPDX-License-Identifier: ISC */
/*
 * plan_converge: the changes of one spec's service, field by field.
 *
 * plan_create() turns a spec without a service into one CREATE that carries
 * every create parameter, the ownership and user tags and the ClientToken.
 * plan_converge() takes the keeper the core (plan.c) chose for a spec: it
 * holds the whole service when it may not be touched (state, load balancer
 * type, unreadable permissions), else compares it with the spec field by
 * field (configuration, payer, permissions, tags, connection policy,
 * notifications, private DNS verification).  Every part is built in a
 * `struct conv` before anything is pushed; then the non-empty parts go into
 * the plan in the fixed order, or under create-only all of them become one
 * HELD_POLICY item.  The rules, that order among them, are in
 * docs/internals/plan.md; pure like the rest of the planner.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "plan.h"
#include "plan_internal.h"
#include "validate.h"

/* ---- field diffs ------------------------------------------------------------------ */

/* out = a − b (as sets), sorted. */
static int
set_minus(const struct strv *a, const struct strv *b, struct strv *out)
{
	for (size_t i = 0; i < a->n; i++)
		if (!strv_contains(b, a->v[i]) && !strv_contains(out, a->v[i]) &&
		    strv_push(out, a->v[i]) < 0)
			return -ENOMEM;
	strv_sort(out);
	return 0;
}

/* "field: +a +b −c" for a non-empty add/remove pair. */
static int
diff_sets(struct strv *diffs, const char *field, const struct strv *add, const struct strv *remove)
{
	struct buf b;
	int r;

	if (add->n == 0 && remove->n == 0)
		return 0;
	buf_init(&b, PLAN_LINE_MAX);
	r = buf_printf(&b, "%s:", field);
	for (size_t i = 0; i < add->n && r == 0; i++)
		r = buf_printf(&b, " +%s", add->v[i]);
	for (size_t i = 0; i < remove->n && r == 0; i++)
		r = buf_printf(&b, " \u2212%s", remove->v[i]);
	if (r == 0)
		r = strv_push_take(diffs, buf_steal(&b));
	buf_free(&b);
	return r < 0 ? -ENOMEM : 0;
}

/*
 * A set-valued field: add = want - have, remove = have - want, and one
 * human diff line for both.
 */
static int
set_diff(struct strv *diffs, const char *field, const struct strv *want, const struct strv *have,
	 struct strv *add, struct strv *remove)
{
	int r = set_minus(want, have, add);

	if (r == 0)
		r = set_minus(have, want, remove);
	if (r == 0)
		r = diff_sets(diffs, field, add, remove);
	return r;
}

/* "field: a, b" for a create parameter. */
static int
diff_list(struct strv *diffs, const char *field, const struct strv *v)
{
	struct buf b;
	int r;

	buf_init(&b, PLAN_LINE_MAX);
	r = buf_printf(&b, "%s: ", field);
	for (size_t i = 0; i < v->n && r == 0; i++)
		r = buf_printf(&b, "%s%s", i ? ", " : "", v->v[i]);
	if (r == 0)
		r = strv_push_take(diffs, buf_steal(&b));
	buf_free(&b);
	return r < 0 ? -ENOMEM : 0;
}

static const char *
show_value(const char *v)
{
	if (v == NULL)
		return "(none)";
	return v[0] ? v : "\"\"";
}

/* Sorted copy of `sv` without the home region. */
static int
regions_without_home(const struct strv *sv, const char *home, struct strv *out)
{
	for (size_t i = 0; i < sv->n; i++)
		if (strcmp(sv->v[i], home) != 0 && !strv_contains(out, sv->v[i]) &&
		    strv_push(out, sv->v[i]) < 0)
			return -ENOMEM;
	strv_sort(out);
	return 0;
}

/* Regions that count as present: any state but Deleting/Deleted/Failed/Closed. */
static int
regions_present(const struct ec2_service_config *cfg, const char *home, struct strv *out)
{
	static const char *const gone[] = {"Deleting", "Deleted", "Failed", "Closed"};

	for (size_t i = 0; i < cfg->n_supported_regions; i++) {
		const struct ec2_supported_region *sr = &cfg->supported_regions[i];
		bool absent = false;

		if (sr->region == NULL || strcmp(sr->region, home) == 0)
			continue;
		for (size_t k = 0; k < sizeof(gone) / sizeof(gone[0]); k++)
			if (sr->service_state && strcasecmp(sr->service_state, gone[k]) == 0)
				absent = true;
		if (!absent && !strv_contains(out, sr->region) && strv_push(out, sr->region) < 0)
			return -ENOMEM;
	}
	strv_sort(out);
	return 0;
}

static bool
strv_contains_nocase(const struct strv *sv, const char *s)
{
	for (size_t i = 0; i < sv->n; i++)
		if (strcasecmp(sv->v[i], s) == 0)
			return true;
	return false;
}

/* ---- create ---------------------------------------------------------------------- */

int
plan_create(struct ctx *x, const struct service_spec *spec, unsigned long generation,
	    const char *why)
{
	struct plan_change c;
	struct plan_create *cr;
	struct strv user_keys = STRV_INIT;
	int r;

	if (change_init(&c, PLAN_CREATE, spec->name, NULL) < 0)
		return -ENOMEM;
	cr = &c.create;
	cr->acceptance_required = spec->acceptance_required;
	r = strv_copy(&cr->nlb_arns, &spec->nlb_arns);
	if (r == 0)
		r = strv_copy(&cr->gwlb_arns, &spec->gwlb_arns);
	if (r == 0)
		r = strv_copy(&cr->ip_address_types, &spec->ip_address_types);
	if (r == 0)
		r = regions_without_home(&spec->supported_regions, x->in->region,
					 &cr->supported_regions);
	if (r == 0 && spec->principals_managed)
		r = strv_copy(&cr->add_principals, &spec->allowed_principals);
	if (r == 0 && spec->private_dns_name &&
	    (cr->private_dns_name = strdup(spec->private_dns_name)) == NULL)
		r = -ENOMEM;
	if (r == 0)
		r = model_tags_add(&cr->tags, OWNER_TAG, x->in->owner);
	if (r == 0)
		r = model_tags_add(&cr->tags, NAME_TAG, spec->name);
	for (size_t i = 0; i < spec->tags.n && r == 0; i++) {
		if (owner_tag_reserved(spec->tags.v[i].key))
			continue;
		r = model_tags_add(&cr->tags, spec->tags.v[i].key, spec->tags.v[i].value);
		if (r == 0)
			r = strv_push_take(&user_keys, format("%s=%s", spec->tags.v[i].key,
							      spec->tags.v[i].value));
	}
	if (r < 0)
		goto fail;
	model_tags_sort(&cr->tags);
	strv_sort(&cr->add_principals);
	strv_sort(&cr->nlb_arns);
	strv_sort(&cr->gwlb_arns);
	strv_sort(&cr->ip_address_types);
	r = plan_client_token(x->in->owner, spec, generation, cr->client_token, x->e);
	if (r < 0)
		goto fail;
	cr->generation = generation;

	if (why != NULL)
		r = diff_line(&c.diffs, "%s", why);
	if (r == 0)
		r = diff_line(&c.diffs, "acceptance_required: %s",
			      spec->acceptance_required ? "true" : "false");
	if (r == 0 && cr->nlb_arns.n > 0)
		r = diff_list(&c.diffs, "network_load_balancer_arns", &cr->nlb_arns);
	if (r == 0 && cr->gwlb_arns.n > 0)
		r = diff_list(&c.diffs, "gateway_load_balancer_arns", &cr->gwlb_arns);
	if (r == 0 && cr->private_dns_name)
		r = diff_line(&c.diffs, "private_dns_name: %s", cr->private_dns_name);
	if (r == 0)
		r = diff_list(&c.diffs, "supported_ip_address_types", &cr->ip_address_types);
	if (r == 0 && cr->supported_regions.n > 0)
		r = diff_list(&c.diffs, "supported_regions", &cr->supported_regions);
	if (r == 0 && spec->principals_managed && cr->add_principals.n > 0)
		r = diff_list(&c.diffs, "allowed_principals", &cr->add_principals);
	if (r == 0 && user_keys.n > 0)
		r = diff_list(&c.diffs, "tags", &user_keys);
	if (r < 0)
		goto fail;
	strv_free(&user_keys);
	return push_change(x, &c);

fail:
	strv_free(&user_keys);
	change_clear(&c);
	return r;
}

/* ---- converge one existing service ------------------------------------------------ */

/* The parts of a convergence, built before anything is pushed. */
struct conv {
	struct plan_change adopt, modify, payer, perms, set_tags, del_tags, accept, deny, dns;
	struct plan_change notif_del;
	struct plan_change *notif_new; /* one per topic to create */
	size_t n_notif_new;
};

static void
conv_clear(struct conv *v)
{
	change_clear(&v->adopt);
	change_clear(&v->modify);
	change_clear(&v->payer);
	change_clear(&v->perms);
	change_clear(&v->set_tags);
	change_clear(&v->del_tags);
	change_clear(&v->accept);
	change_clear(&v->deny);
	change_clear(&v->dns);
	change_clear(&v->notif_del);
	for (size_t i = 0; i < v->n_notif_new; i++)
		change_clear(&v->notif_new[i]);
	free(v->notif_new);
}

static int
conv_modify(struct ctx *x, const struct service_spec *spec, const struct ec2_service_config *cfg,
	    struct plan_modify *m, struct strv *diffs)
{
	bool nlb = spec->nlb_arns.n > 0;
	struct strv want = STRV_INIT, have = STRV_INIT;
	int r = 0;

	if (cfg->acceptance_required == EC2_BOOL_UNSET ||
	    (cfg->acceptance_required == EC2_BOOL_TRUE) != spec->acceptance_required) {
		m->set_acceptance = true;
		m->acceptance_required = spec->acceptance_required;
		r = diff_line(diffs, "acceptance_required: %s \u2192 %s",
			      cfg->acceptance_required == EC2_BOOL_UNSET  ? "(unknown)"
			      : cfg->acceptance_required == EC2_BOOL_TRUE ? "true"
									  : "false",
			      spec->acceptance_required ? "true" : "false");
	}
	if (r == 0 && nlb) {
		r = set_diff(diffs, "network_load_balancer_arns", &spec->nlb_arns,
			     &cfg->network_load_balancer_arns, &m->add_nlb_arns,
			     &m->remove_nlb_arns);
	} else if (r == 0) {
		r = set_diff(diffs, "gateway_load_balancer_arns", &spec->gwlb_arns,
			     &cfg->gateway_load_balancer_arns, &m->add_gwlb_arns,
			     &m->remove_gwlb_arns);
	}
	if (r == 0 && nlb) {
		const char *d = spec->private_dns_name, *o = cfg->private_dns_name;

		if (o && o[0] == '\0')
			o = NULL;
		if (d && (o == NULL || strcasecmp(d, o) != 0)) {
			m->private_dns_name = strdup(d);
			r = m->private_dns_name ? diff_line(diffs, "private_dns_name: %s \u2192 %s",
							    show_value(o), d)
						: -ENOMEM;
		} else if (d == NULL && o) {
			m->remove_private_dns = true;
			r = diff_line(diffs, "private_dns_name: %s \u2192 (none)", o);
		}
	}
	if (r == 0 && spec->ip_address_types.n > 0) {
		r = set_diff(diffs, "supported_ip_address_types", &spec->ip_address_types,
			     &cfg->supported_ip_address_types, &m->add_ip_types,
			     &m->remove_ip_types);
	}
	if (r == 0)
		r = regions_without_home(&spec->supported_regions, x->in->region, &want);
	if (r == 0)
		r = regions_present(cfg, x->in->region, &have);
	if (r == 0)
		r = set_diff(diffs, "supported_regions", &want, &have, &m->add_regions,
			     &m->remove_regions);
	strv_free(&want);
	strv_free(&have);
	return r < 0 ? -ENOMEM : 0;
}

static int
conv_tags(const struct service_spec *spec, const struct ec2_service_config *cfg, struct conv *v)
{
	struct strv extra = STRV_INIT;
	int r = 0;

	for (size_t i = 0; i < spec->tags.n && r == 0; i++) {
		const struct model_tag *t = &spec->tags.v[i];
		const char *o;

		if (owner_tag_reserved(t->key))
			continue;
		o = observation_tag(&cfg->tags, t->key);
		if (o && strcmp(o, t->value) == 0)
			continue;
		r = model_tags_add(&v->set_tags.tags, t->key, t->value);
		if (r == 0)
			r = diff_line(&v->set_tags.diffs, "tag %s: %s \u2192 %s", t->key,
				      show_value(o), show_value(t->value));
	}
	for (size_t i = 0; i < cfg->tags.n && r == 0; i++) {
		const char *k = cfg->tags.v[i].key;

		if (k == NULL || owner_tag_reserved(k) || model_tags_get(&spec->tags, k) ||
		    strv_contains(&extra, k))
			continue;
		r = strv_push(&extra, k);
	}
	strv_sort(&extra);
	for (size_t i = 0; i < extra.n && r == 0; i++) {
		r = strv_push(&v->del_tags.tag_keys, extra.v[i]);
		if (r == 0)
			r = diff_line(&v->del_tags.diffs, "tag %s: %s \u2192 (none)", extra.v[i],
				      show_value(observation_tag(&cfg->tags, extra.v[i])));
	}
	model_tags_sort(&v->set_tags.tags);
	strv_free(&extra);
	return r < 0 ? -ENOMEM : 0;
}

static int
cmp_conn_id(const void *a, const void *b)
{
	const struct ec2_endpoint_connection *const *x = a, *const *y = b;

	return strcmp((*x)->vpc_endpoint_id, (*y)->vpc_endpoint_id);
}

/* True when `account` is one of the accounts named by `list` ("*" too when `star`). */
static bool
account_listed(const struct strv *list, const char *account, bool star)
{
	char acct[13];

	for (size_t i = 0; i < list->n; i++) {
		if (star && strcmp(list->v[i], "*") == 0)
			return true;
		if (validate_principal_account(list->v[i], acct) && strcmp(acct, account) == 0)
			return true;
	}
	return false;
}

static bool
conn_state_is(const struct ec2_endpoint_connection *c, const char *state)
{
	return c->vpc_endpoint_state && strcasecmp(c->vpc_endpoint_state, state) == 0;
}

/*
 * The connection policy of `spec` for the owned service `r`: fills
 * v->accept and v->deny (docs/internals/plan.md).  *unknown is set when
 * the policy needs the connections and they could not be read.
 */
static int
conv_connections(const struct service_spec *spec, const struct ref *r, struct conv *v,
		 bool *unknown)
{
	bool pending_policy =
		spec->acceptance_required && (spec->accept.n > 0 || spec->reject_unlisted);
	bool removal = spec->reject_on_principal_removal && spec->principals_managed;
	const struct observed_service *s = r->s;
	const struct ec2_endpoint_connection **sorted = NULL;
	size_t n = 0;
	int rc = 0;

	*unknown = false;
	if (!spec->connections_managed || !r->owned || (!pending_policy && !removal))
		return 0;
	if (!s->connections_known) {
		*unknown = true;
		return 0;
	}
	if (s->n_connections > 0 && (sorted = malloc(s->n_connections * sizeof(*sorted))) == NULL)
		return -ENOMEM;
	for (size_t i = 0; i < s->n_connections; i++)
		if (s->connections[i].vpc_endpoint_id && s->connections[i].vpc_endpoint_owner)
			sorted[n++] = &s->connections[i];
	if (n > 1)
		qsort(sorted, n, sizeof(*sorted), cmp_conn_id);
	for (size_t i = 0; i < n && rc == 0; i++) {
		const struct ec2_endpoint_connection *c = sorted[i];
		const char *id = c->vpc_endpoint_id, *owner = c->vpc_endpoint_owner;
		bool pending = conn_state_is(c, "pendingAcceptance");
		bool live = pending || conn_state_is(c, "available");

		if (i > 0 && strcmp(sorted[i - 1]->vpc_endpoint_id, id) == 0)
			continue;
		if (removal && live && !account_listed(&spec->allowed_principals, owner, true)) {
			rc = strv_push(&v->deny.endpoint_ids, id);
			if (rc == 0)
				rc = diff_line(&v->deny.diffs,
					       "reject %s (owner %s, %s): owner no longer in "
					       "allowed_principals",
					       id, owner, c->vpc_endpoint_state);
		} else if (pending && pending_policy &&
			   account_listed(&spec->accept, owner, false)) {
			rc = strv_push(&v->accept.endpoint_ids, id);
			if (rc == 0)
				rc = diff_line(&v->accept.diffs,
					       "accept %s (owner %s): listed in connections.accept",
					       id, owner);
		} else if (pending && pending_policy && spec->reject_unlisted) {
			rc = strv_push(&v->deny.endpoint_ids, id);
			if (rc == 0)
				rc = diff_line(&v->deny.diffs,
					       "reject %s (owner %s): not listed in "
					       "connections.accept (reject_unlisted)",
					       id, owner);
		}
	}
	free(sorted);
	return rc < 0 ? -ENOMEM : 0;
}

/* The ClientToken of a notification create (docs/internals/plan.md). */
static int
notification_token(const struct plan_input *in, const char *service_id,
		   const struct model_notification *n, char out[PLAN_CLIENT_TOKEN_SIZE])
{
	struct buf b;
	int r;

	buf_init(&b, PLAN_LINE_MAX);
	r = buf_append(&b, in->owner, strlen(in->owner) + 1);
	if (r == 0)
		r = buf_append(&b, service_id, strlen(service_id) + 1);
	if (r == 0)
		r = buf_append(&b, n->topic_arn, strlen(n->topic_arn) + 1);
	for (size_t i = 0; i < n->events.n && r == 0; i++)
		r = buf_printf(&b, "%s%s", i ? "," : "", n->events.v[i]);
	if (r == 0)
		r = buf_printf(&b, "%c%lld", '\0', (long long)in->now);
	if (r == 0)
		r = token_of(&b, out);
	buf_free(&b);
	return r;
}

/* The observed events equal the desired ones, as sets, in any case. */
static bool
events_equal(const struct strv *have, const struct strv *want)
{
	for (size_t i = 0; i < have->n; i++)
		if (!strv_contains_nocase(want, have->v[i]))
			return false;
	for (size_t i = 0; i < want->n; i++)
		if (!strv_contains_nocase(have, want->v[i]))
			return false;
	return true;
}

static int
cmp_notification_id(const void *a, const void *b)
{
	const struct ec2_connection_notification *const *x = a, *const *y = b;

	return strcmp((*x)->connection_notification_id, (*y)->connection_notification_id);
}

/*
 * The notifications of `spec` for the owned service `r`
 * (docs/internals/plan.md): fills v->notif_del and v->notif_new.
 * *unknown when they could not be read.
 */
static int
conv_notifications(const struct plan_input *in, const struct service_spec *spec,
		   const struct ref *r, struct conv *v, bool *unknown)
{
	const struct ec2_notification_page *np = &r->s->notifications;
	const struct ec2_connection_notification **obs = NULL;
	bool *kept = NULL;
	size_t n = 0;
	int rc = 0;

	*unknown = false;
	if (!spec->notifications_managed || !r->owned)
		return 0;
	if (!r->s->notifications_known) {
		*unknown = true;
		return 0;
	}
	if (np->n > 0 && ((obs = malloc(np->n * sizeof(*obs))) == NULL ||
			  (kept = calloc(np->n, sizeof(*kept))) == NULL)) {
		rc = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < np->n; i++) {
		const struct ec2_connection_notification *cn = &np->v[i];

		/* Only this service's own (not an endpoint's) notifications. */
		if (cn->connection_notification_id == NULL || cn->vpc_endpoint_id != NULL ||
		    (cn->service_id != NULL && strcmp(cn->service_id, r->id) != 0))
			continue;
		obs[n++] = cn;
	}
	if (n > 1)
		qsort(obs, n, sizeof(*obs), cmp_notification_id);
	for (size_t d = 0; d < spec->n_notifications && rc == 0; d++) {
		const struct model_notification *want = &spec->notifications[d];
		bool have = false;
		struct plan_change *c, *grown;

		for (size_t i = 0; i < n && !have; i++)
			if (!kept[i] && obs[i]->connection_notification_arn &&
			    strcmp(obs[i]->connection_notification_arn, want->topic_arn) == 0 &&
			    events_equal(&obs[i]->connection_events, &want->events))
				have = kept[i] = true;
		if (have)
			continue;
		grown = realloc(v->notif_new, (v->n_notif_new + 1) * sizeof(*grown));
		if (grown == NULL) {
			rc = -ENOMEM;
			break;
		}
		v->notif_new = grown;
		c = &grown[v->n_notif_new];
		if (change_init(c, PLAN_CREATE_NOTIFICATION, spec->name, r->id) < 0) {
			rc = -ENOMEM;
			break;
		}
		v->n_notif_new++;
		c->notification.topic_arn = strdup(want->topic_arn);
		rc = c->notification.topic_arn ? strv_copy(&c->notification.events, &want->events)
					       : -ENOMEM;
		if (rc == 0)
			rc = notification_token(in, r->id, want, c->notification.client_token);
		if (rc == 0) {
			char *events = join(&want->events, ", ");

			rc = events ? diff_line(&c->diffs, "notification %s: create (%s)",
						want->topic_arn, events)
				    : -ENOMEM;
			free(events);
		}
	}
	for (size_t i = 0; i < n && rc == 0; i++) {
		const char *arn = obs[i]->connection_notification_arn;
		char *events;
		bool desired = false;

		if (kept[i])
			continue;
		for (size_t d = 0; arn && d < spec->n_notifications && !desired; d++)
			desired = strcmp(spec->notifications[d].topic_arn, arn) == 0;
		events = join(&obs[i]->connection_events, ", ");
		if (events == NULL) {
			rc = -ENOMEM;
			break;
		}
		rc = strv_push(&v->notif_del.notification_ids, obs[i]->connection_notification_id);
		if (rc == 0)
			rc = diff_line(&v->notif_del.diffs, "notification %s (%s: %s): delete (%s)",
				       obs[i]->connection_notification_id, show_value(arn), events,
				       desired ? "events differ or repeated; replaced"
					       : "topic not in the spec");
		free(events);
	}
out:
	free(obs);
	free(kept);
	return rc < 0 ? rc : 0;
}

/*
 * START_DNS_VERIFICATION when docs/internals/plan.md says so: fills
 * v->dns's diffs (none when there is nothing to start).
 */
static int
conv_dns(const struct plan_input *in, const struct service_spec *spec,
	 const struct ec2_service_config *cfg, const struct plan_modify *m, struct conv *v)
{
	const struct ec2_private_dns_config *d = &cfg->private_dns_name_configuration;
	const char *state = d->state;

	if (!spec->verify_private_dns || spec->private_dns_name == NULL ||
	    m->private_dns_name != NULL || m->remove_private_dns || cfg->private_dns_name == NULL ||
	    strcasecmp(cfg->private_dns_name, spec->private_dns_name) != 0 || state == NULL ||
	    (strcasecmp(state, "pendingVerification") != 0 && strcasecmp(state, "failed") != 0))
		return 0;
	for (size_t i = 0; i < in->n_dns_starts; i++) {
		const struct plan_dns_start *ds = &in->dns_starts[i];

		if (ds->service_id && strcmp(ds->service_id, cfg->service_id) == 0 &&
		    in->now - ds->at < (time_t)in->dns_verify_interval_s)
			return 0;
	}
	return diff_line(&v->dns.diffs,
			 "private DNS verification of %s: %s \u2192 start (TXT %s = %s)",
			 cfg->private_dns_name, state, show_value(d->name), show_value(d->value));
}

static bool
modify_empty(const struct plan_modify *m)
{
	return !m->set_acceptance && m->add_nlb_arns.n == 0 && m->remove_nlb_arns.n == 0 &&
	       m->add_gwlb_arns.n == 0 && m->remove_gwlb_arns.n == 0 && !m->private_dns_name &&
	       !m->remove_private_dns && m->add_ip_types.n == 0 && m->remove_ip_types.n == 0 &&
	       m->add_regions.n == 0 && m->remove_regions.n == 0;
}

/* The diff lines of every part that changes the service (a fight is about these). */
static int
fight_diffs(const struct conv *v, struct plan_change *const *parts, size_t n, struct strv *out)
{
	for (size_t i = 0; i < n; i++) {
		/* Verification starts repeat by design: they wait for DNS. */
		if (parts[i]->kind == PLAN_START_DNS_VERIFICATION)
			continue;
		for (size_t k = 0; k < parts[i]->diffs.n; k++)
			if (strv_push(out, parts[i]->diffs.v[k]) < 0)
				return -ENOMEM;
	}
	for (size_t j = 0; j < v->n_notif_new; j++)
		for (size_t k = 0; k < v->notif_new[j].diffs.n; k++)
			if (strv_push(out, v->notif_new[j].diffs.v[k]) < 0)
				return -ENOMEM;
	return 0;
}

/* One unread part: READING if the budget deferred it, else INCOMPLETE. */
static int
hold_one(struct ctx *x, const struct service_spec *spec, const struct ref *r, unsigned char read,
	 const char *reading, const char *incomplete)
{
	return (r->s->deferred & read)
		       ? add_held(x, PLAN_HOLD_READING, spec->name, r->id, "%s", reading)
		       : add_held(x, PLAN_HOLD_INCOMPLETE, spec->name, r->id, "%s", incomplete);
}

/*
 * What the service's convergence could not compare: reads that failed
 * (INCOMPLETE, a reason to look) or that the read budget left for a later
 * cycle (READING: they come round, nothing is wrong).  0 or -ENOMEM.
 */
static int
hold_unread(struct ctx *x, const struct service_spec *spec, const struct ref *r, bool notif_unknown,
	    bool conn_unknown)
{
	int rc = 0;

	if (spec->principals_managed && !r->s->permissions_known &&
	    (r->s->deferred & PLAN_READ_PRINCIPALS))
		rc = add_held(x, PLAN_HOLD_READING, spec->name, r->id,
			      "allowed principals not read yet (the read budget takes them in "
			      "turn); compared once read");
	if (rc == 0 && notif_unknown)
		rc = hold_one(x, spec, r, PLAN_READ_NOTIFICATIONS,
			      "connection notifications not read yet (the read budget takes them "
			      "in turn); compared once read",
			      "connection notifications could not be read; not changing them");
	if (rc == 0 && conn_unknown)
		rc = hold_one(x, spec, r, PLAN_READ_CONNECTIONS,
			      "endpoint connections not read yet (the read budget takes them in "
			      "turn); decided once read",
			      "endpoint connections could not be read; not accepting or rejecting "
			      "any");
	return rc;
}

int
plan_converge(struct ctx *x, const struct service_spec *spec, struct ref *r, bool need_adopt,
	      struct plan_binding *b, const struct plan_memory *m)
{
	const struct ec2_service_config *cfg = &r->s->cfg;
	bool spec_nlb = spec->nlb_arns.n > 0;
	bool obs_gwlb = cfg->gateway_load_balancer_arns.n > 0 ||
			strv_contains_nocase(&cfg->service_types, "GatewayLoadBalancer");
	bool obs_nlb = cfg->network_load_balancer_arns.n > 0 ||
		       strv_contains_nocase(&cfg->service_types, "Interface");
	struct conv v;
	struct strv all = STRV_INIT;
	struct plan_change *parts[9];
	bool conn_unknown = false, notif_unknown = false;
	int rc;

	if (state_is(r, "Pending") || state_is(r, "Deleting"))
		return add_held(x, PLAN_HOLD_WAITING, spec->name, r->id,
				"service is %s; waiting for it to settle", r->state);
	if (state_is(r, "Failed"))
		return add_held(x, PLAN_HOLD_FAILED, spec->name, r->id,
				"service is in state Failed; not modifying it");
	if (!state_is(r, "Available"))
		return add_held(x, PLAN_HOLD_INCOMPLETE, spec->name, r->id,
				"service state '%s' is unknown; not modifying it", r->state);
	if ((spec_nlb && obs_gwlb) || (!spec_nlb && obs_nlb))
		return add_held(x, PLAN_HOLD_REFUSED, spec->name, r->id,
				"load balancer type change %s \u2192 %s needs a re-create "
				"(delete the service or give the spec a new name)",
				spec_nlb ? "gateway" : "network", spec_nlb ? "network" : "gateway");
	/*
	 * Principals that could not be read hold the whole service; ones the
	 * read budget left for a later cycle only their own change.
	 */
	if (spec->principals_managed && !r->s->permissions_known &&
	    !(r->s->deferred & PLAN_READ_PRINCIPALS))
		return add_held(x, PLAN_HOLD_INCOMPLETE, spec->name, r->id,
				"allowed principals could not be read; not modifying the service");

	memset(&v, 0, sizeof(v));
	if (change_init(&v.adopt, PLAN_ADOPT, spec->name, r->id) < 0 ||
	    change_init(&v.modify, PLAN_MODIFY_CONFIG, spec->name, r->id) < 0 ||
	    change_init(&v.perms, PLAN_MODIFY_PERMISSIONS, spec->name, r->id) < 0 ||
	    change_init(&v.set_tags, PLAN_CREATE_TAGS, spec->name, r->id) < 0 ||
	    change_init(&v.del_tags, PLAN_DELETE_TAGS, spec->name, r->id) < 0 ||
	    change_init(&v.accept, PLAN_ACCEPT_CONNECTIONS, spec->name, r->id) < 0 ||
	    change_init(&v.deny, PLAN_DENY_CONNECTIONS, spec->name, r->id) < 0 ||
	    change_init(&v.dns, PLAN_START_DNS_VERIFICATION, spec->name, r->id) < 0 ||
	    change_init(&v.notif_del, PLAN_DELETE_NOTIFICATIONS, spec->name, r->id) < 0 ||
	    change_init(&v.payer, PLAN_MODIFY_PAYER, spec->name, r->id) < 0)
		goto nomem;
	if (need_adopt) {
		/* Both tags are always written (they are one claim); only changes are shown. */
		if (model_tags_add(&v.adopt.tags, NAME_TAG, spec->name) < 0 ||
		    model_tags_add(&v.adopt.tags, OWNER_TAG, x->in->owner) < 0)
			goto nomem;
		if ((r->name == NULL || strcmp(r->name, spec->name) != 0) &&
		    diff_line(&v.adopt.diffs, "tag %s: %s \u2192 %s", NAME_TAG, show_value(r->name),
			      spec->name) < 0)
			goto nomem;
		if (!r->owned && diff_line(&v.adopt.diffs, "tag %s: %s \u2192 %s", OWNER_TAG,
					   show_value(r->owner), x->in->owner) < 0)
			goto nomem;
	}
	if (conv_modify(x, spec, cfg, &v.modify.modify, &v.modify.diffs) < 0)
		goto nomem;
	if (spec->principals_managed && r->s->permissions_known) {
		if (set_diff(&v.perms.diffs, "allowed_principals", &spec->allowed_principals,
			     &r->s->principals, &v.perms.add_principals,
			     &v.perms.remove_principals) < 0)
			goto nomem;
	}
	if (conv_tags(spec, cfg, &v) < 0)
		goto nomem;
	if (conv_connections(spec, r, &v, &conn_unknown) < 0 ||
	    conv_dns(x->in, spec, cfg, &v.modify.modify, &v) < 0)
		goto nomem;
	if ((rc = conv_notifications(x->in, spec, r, &v, &notif_unknown)) < 0) {
		if (rc != -ENOMEM)
			err_set(x->e, rc, "plan: notification ClientToken: SHA-256 failed");
		goto fail;
	}
	if (spec->payer_responsibility &&
	    (cfg->payer_responsibility == NULL ||
	     strcasecmp(cfg->payer_responsibility, spec->payer_responsibility) != 0) &&
	    ((v.payer.payer = strdup(spec->payer_responsibility)) == NULL ||
	     diff_line(&v.payer.diffs, "payer_responsibility: %s \u2192 %s",
		       cfg->payer_responsibility ? cfg->payer_responsibility : "(endpoint owner)",
		       spec->payer_responsibility) < 0))
		goto nomem;
	if (spec->payer_responsibility == NULL && cfg->payer_responsibility &&
	    strcasecmp(cfg->payer_responsibility, "ServiceOwner") == 0 &&
	    (rc = add_held(x, PLAN_HOLD_REFUSED, spec->name, r->id,
			   "payer_responsibility is ServiceOwner in EC2 and cannot be set back "
			   "to the endpoint owner; write payer_responsibility: ServiceOwner in "
			   "the spec")) < 0)
		goto fail;
	if ((rc = hold_unread(x, spec, r, notif_unknown, conn_unknown)) < 0)
		goto fail;

	if (need_adopt && (rc = push_change(x, &v.adopt)) < 0)
		goto fail;
	parts[0] = &v.modify;
	parts[1] = &v.payer;
	parts[2] = &v.perms;
	parts[3] = &v.set_tags;
	parts[4] = &v.del_tags;
	parts[5] = &v.accept;
	parts[6] = &v.deny;
	parts[7] = &v.notif_del;
	parts[8] = &v.dns;
	if (x->in->policy == MODEL_POLICY_CREATE_ONLY) {
		char *joined;

		for (size_t i = 0; i < 9; i++) {
			for (size_t k = 0; k < parts[i]->diffs.n; k++)
				if (strv_push(&all, parts[i]->diffs.v[k]) < 0)
					goto nomem;
			/* The creates come after the deletes, as they would run. */
			for (size_t j = 0; i == 7 && j < v.n_notif_new; j++)
				for (size_t k = 0; k < v.notif_new[j].diffs.n; k++)
					if (strv_push(&all, v.notif_new[j].diffs.v[k]) < 0)
						goto nomem;
		}
		if (all.n > 0) {
			joined = join(&all, "; ");
			if (joined == NULL)
				goto nomem;
			rc = add_held(x, PLAN_HOLD_POLICY, spec->name, r->id,
				      "would modify: %s (policy create-only)", joined);
			free(joined);
			if (rc < 0)
				goto fail;
		}
		strv_free(&all);
		conv_clear(&v);
		return 0;
	}
	if (fight_diffs(&v, parts, 9, &all) < 0)
		goto nomem;
	rc = plan_fight(x, spec, r, &all, m, b);
	strv_free(&all);
	if (rc != 0) {
		/* Contested: held, nothing pushed (or out of memory). */
		conv_clear(&v);
		return rc < 0 ? rc : 0;
	}
	if (!modify_empty(&v.modify.modify) && (rc = push_change(x, &v.modify)) < 0)
		goto fail;
	if (v.payer.payer && (rc = push_change(x, &v.payer)) < 0)
		goto fail;
	if ((v.perms.add_principals.n > 0 || v.perms.remove_principals.n > 0) &&
	    (rc = push_change(x, &v.perms)) < 0)
		goto fail;
	if (v.set_tags.tags.n > 0 && (rc = push_change(x, &v.set_tags)) < 0)
		goto fail;
	if (v.del_tags.tag_keys.n > 0 && (rc = push_change(x, &v.del_tags)) < 0)
		goto fail;
	if (v.accept.endpoint_ids.n > 0 && (rc = push_change(x, &v.accept)) < 0)
		goto fail;
	if (v.deny.endpoint_ids.n > 0 && (rc = push_change(x, &v.deny)) < 0)
		goto fail;
	if (v.notif_del.notification_ids.n > 0 && (rc = push_change(x, &v.notif_del)) < 0)
		goto fail;
	for (size_t i = 0; i < v.n_notif_new; i++)
		if ((rc = push_change(x, &v.notif_new[i])) < 0)
			goto fail;
	if (v.dns.diffs.n > 0 && (rc = push_change(x, &v.dns)) < 0)
		goto fail;
	conv_clear(&v);
	return 0;

nomem:
	rc = -ENOMEM;
fail:
	strv_free(&all);
	conv_clear(&v);
	return rc;
}
