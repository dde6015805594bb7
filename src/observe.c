/*
 * observe: the concurrent EC2 reads of one cycle.  See observe.h.
 *
 * Two phases, because the second depends on the first: which services exist
 * (and what they are named) decides which principals and connections are
 * worth reading.  Every read is a `struct read` on a list, so cancelling an
 * observation cancels exactly the operations still running.  Services are
 * referred to by index into obs->services, which stays stable in phase 2
 * (nothing is added then).
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ec2.h"
#include "ec2_xml.h"
#include "observe.h"

enum read_kind {
	READ_OWNED,
	READ_ADOPT,
	READ_PRINCIPALS,
	READ_CONNECTIONS,
	READ_NOTIFICATIONS,
};

struct read {
	struct observe *o;
	enum read_kind kind;
	size_t index;     /* service index (phase 2) */
	char *service_id; /* adopt lookups */
	struct ec2_op *op;
	struct read *prev, *next;
};

struct observe {
	struct aws_client *c;
	char *owner;
	bool sync;
	struct strv names;         /* every spec name, one entry per spec */
	struct strv managed_names; /* specs whose allowed_principals are managed */
	struct strv conn_names;    /* specs whose connection policy needs the connections */
	struct strv notif_names;   /* specs that manage connection notifications */
	struct strv adopt_ids;
	struct strv adopt_names;   /* the spec name of each adopt id, same order */
	struct strv adopt_managed; /* adopt ids whose spec manages principals */
	struct observation *obs;
	/* Adopt targets found in phase 1, merged after the owned listing (no duplicates). */
	struct ec2_service_config *adopted;
	size_t n_adopted;
	struct strv errors;
	struct read *reads;
	bool phase2;
	observe_done_fn *done;
	void *arg;
};

static void
read_unlink(struct read *rd)
{
	struct observe *o = rd->o;

	if (rd->prev)
		rd->prev->next = rd->next;
	else
		o->reads = rd->next;
	if (rd->next)
		rd->next->prev = rd->prev;
	free(rd->service_id);
	free(rd);
}

static void
observe_free(struct observe *o)
{
	while (o->reads) {
		ec2_op_cancel(o->reads->op);
		read_unlink(o->reads);
	}
	observation_free(o->obs);
	for (size_t i = 0; i < o->n_adopted; i++)
		ec2_service_config_free(&o->adopted[i]);
	free(o->adopted);
	strv_free(&o->names);
	strv_free(&o->managed_names);
	strv_free(&o->conn_names);
	strv_free(&o->notif_names);
	strv_free(&o->adopt_ids);
	strv_free(&o->adopt_names);
	strv_free(&o->adopt_managed);
	strv_free(&o->errors);
	free(o->owner);
	free(o);
}

void
observe_cancel(struct observe *o)
{
	if (o != NULL)
		observe_free(o);
}

static void
note_error(struct observe *o, const struct aws_response *resp, const char *what)
{
	const char *msg = resp->e && resp->e->msg[0] ? resp->e->msg : "failed";
	size_t len = strlen(what) + strlen(msg) + 3;
	char *line = malloc(len);

	if (line == NULL)
		return;
	snprintf(line, len, "%s: %s", what, msg);
	strv_push_take(&o->errors, line);
}

static size_t
count_name(const struct strv *sv, const char *s)
{
	size_t n = 0;

	for (size_t i = 0; i < sv->n; i++)
		n += strcmp(sv->v[i], s) == 0;
	return n;
}

static bool
owned_by(const struct observe *o, const struct ec2_service_config *cfg)
{
	const char *owner = observation_tag(&cfg->tags, OWNER_TAG);

	return owner != NULL && strcmp(owner, o->owner) == 0;
}

static bool
in_state(const struct ec2_service_config *cfg, const char *state)
{
	return cfg->service_state && strcasecmp(cfg->service_state, state) == 0;
}

/*
 * True when the spec called `name` adopts a service other than `id`: then
 * this owned service of the same name is a duplicate plan.h may delete.
 */
static bool
adopts_other(const struct observe *o, const char *name, const char *id)
{
	for (size_t i = 0; i < o->adopt_names.n; i++)
		if (strcmp(o->adopt_names.v[i], name) == 0)
			return strcmp(o->adopt_ids.v[i], id) != 0;
	return false;
}

/*
 * The spec has a `connections:` policy: its connections are read, for the
 * planner's decisions (plan.h) and for the status file, even when the
 * policy decides nothing (`connections: {}` only publishes them).
 */
static bool
observe_wants_connections(const struct service_spec *s)
{
	return s->connections_managed;
}

static void phase_step(struct observe *o);

static struct read *
read_new(struct observe *o, enum read_kind kind, size_t index)
{
	struct read *rd = calloc(1, sizeof(*rd));

	if (rd == NULL)
		return NULL;
	rd->o = o;
	rd->kind = kind;
	rd->index = index;
	rd->next = o->reads;
	if (o->reads)
		o->reads->prev = rd;
	o->reads = rd;
	return rd;
}

/* The listed service with this id, if any. */
static bool
have_service(const struct observation *obs, const char *id)
{
	for (size_t i = 0; i < obs->n_services; i++)
		if (obs->services[i].cfg.service_id &&
		    strcmp(obs->services[i].cfg.service_id, id) == 0)
			return true;
	return false;
}

static void
on_services(void *arg, struct ec2_service_page *all, const struct aws_response *resp)
{
	struct read *rd = arg;
	struct observe *o = rd->o;

	if (rd->kind == READ_OWNED) {
		if (all != NULL) {
			int r = 0;

			for (size_t i = 0; i < all->n && r == 0; i++)
				r = observation_add_service_take(o->obs, &all->v[i],
								 OBSERVATION_OWNED_LISTING, NULL);
			/* A listing we could not hold in full is not a complete listing. */
			o->obs->listing_complete = r == 0;
			if (r < 0)
				strv_push(&o->errors, "owned services: out of memory");
			ec2_service_page_free(all);
		} else {
			note_error(o, resp, "listing owned services");
		}
	} else if (all != NULL) {
		/*
		 * An adopt lookup: exactly one service, unless EC2 misbehaves.
		 * It is kept aside and merged after the owned listing, which
		 * may list the same service (once adopted, it is ours): one
		 * entry per id, and the listing's entry wins.
		 */
		struct ec2_service_config *grown = NULL;

		if (all->n == 1 && all->v[0].service_id &&
		    strcmp(all->v[0].service_id, rd->service_id) == 0 &&
		    (grown = realloc(o->adopted, (o->n_adopted + 1) * sizeof(*grown))) != NULL) {
			o->adopted = grown;
			o->adopted[o->n_adopted++] = all->v[0];
			memset(&all->v[0], 0, sizeof(all->v[0]));
			observation_add_adopt_lookup(o->obs, rd->service_id, OBSERVATION_FOUND,
						     NULL);
		} else {
			observation_add_adopt_lookup(
				o->obs, rd->service_id, OBSERVATION_UNREADABLE,
				all->n == 1 && grown == NULL
					? "out of memory"
					: "lookup by id returned no single service");
		}
		ec2_service_page_free(all);
	} else if (resp->error_code &&
		   strcmp(resp->error_code, "InvalidVpcEndpointServiceId.NotFound") == 0) {
		observation_add_adopt_lookup(o->obs, rd->service_id, OBSERVATION_NOT_FOUND, NULL);
	} else {
		note_error(o, resp, rd->service_id);
		observation_add_adopt_lookup(o->obs, rd->service_id, OBSERVATION_UNREADABLE,
					     resp->e ? resp->e->msg : "failed");
	}
	read_unlink(rd);
	phase_step(o);
}

static void
on_principals(void *arg, struct ec2_principal_page *all, const struct aws_response *resp)
{
	struct read *rd = arg;
	struct observe *o = rd->o;
	struct observed_service *s = &o->obs->services[rd->index];

	if (all != NULL) {
		struct strv principals = STRV_INIT;
		int r = 0;

		for (size_t i = 0; i < all->n && r == 0; i++)
			if (all->v[i].principal)
				r = strv_push(&principals, all->v[i].principal);
		if (r == 0)
			observation_set_principals(s, &principals);
		strv_free(&principals);
		ec2_principal_page_free(all);
	} else {
		note_error(o, resp, s->cfg.service_id);
	}
	read_unlink(rd);
	phase_step(o);
}

static void
on_connections(void *arg, struct ec2_connection_page *all, const struct aws_response *resp)
{
	struct read *rd = arg;
	struct observe *o = rd->o;
	struct observed_service *s = &o->obs->services[rd->index];

	if (all != NULL) {
		observation_set_connections(s, all->v, all->n);
		ec2_connection_page_free(all);
	} else {
		note_error(o, resp, s->cfg.service_id);
	}
	read_unlink(rd);
	phase_step(o);
}

static void
on_notifications(void *arg, struct ec2_notification_page *all, const struct aws_response *resp)
{
	struct read *rd = arg;
	struct observe *o = rd->o;
	struct observed_service *s = &o->obs->services[rd->index];

	if (all != NULL) {
		observation_set_notifications_take(s, all);
		ec2_notification_page_free(all);
	} else {
		note_error(o, resp, s->cfg.service_id);
	}
	read_unlink(rd);
	phase_step(o);
}

/* Start one phase-2 read; a failure to start is recorded like a failed read. */
static void
start_detail(struct observe *o, enum read_kind kind, size_t index)
{
	struct observed_service *s = &o->obs->services[index];
	struct read *rd = read_new(o, kind, index);
	struct err e;
	int r;

	err_clear(&e);
	if (rd == NULL) {
		strv_push(&o->errors, "observe: out of memory");
		return;
	}
	if (kind == READ_PRINCIPALS)
		r = ec2_list_principals(o->c, s->cfg.service_id, on_principals, rd, &rd->op, &e);
	else if (kind == READ_CONNECTIONS)
		r = ec2_list_connections(o->c, s->cfg.service_id, on_connections, rd, &rd->op, &e);
	else
		r = ec2_list_notifications(o->c, s->cfg.service_id, on_notifications, rd, &rd->op,
					   &e);
	if (r < 0) {
		struct aws_response resp = {.r = r, .e = &e};

		note_error(o, &resp, s->cfg.service_id);
		read_unlink(rd);
	}
}

/* Decide and start the per-service reads of phase 2. */
static void
start_phase2(struct observe *o)
{
	struct strv listed_names = STRV_INIT;

	o->phase2 = true;
	for (size_t i = 0; i < o->n_adopted; i++)
		if (o->adopted[i].service_id != NULL &&
		    !have_service(o->obs, o->adopted[i].service_id) &&
		    observation_add_service_take(o->obs, &o->adopted[i], OBSERVATION_ADOPT_LOOKUP,
						 NULL) < 0)
			strv_push(&o->errors, "observe: out of memory");
	for (size_t i = 0; i < o->obs->n_services; i++) {
		const struct ec2_service_config *cfg = &o->obs->services[i].cfg;
		const char *name = observation_tag(&cfg->tags, NAME_TAG);

		if (owned_by(o, cfg) && name)
			strv_push(&listed_names, name);
	}
	for (size_t i = 0; i < o->obs->n_services; i++) {
		const struct observed_service *s = &o->obs->services[i];
		const char *name = observation_tag(&s->cfg.tags, NAME_TAG);
		bool want_principals = false, want_connections = false, want_notifications = false;
		bool available = in_state(&s->cfg, "Available");

		/*
		 * Only Available services are modified; Available and Failed
		 * ones may be deleted (plan.h), so both need their connections.
		 */
		if (s->cfg.service_id == NULL || (!available && !in_state(&s->cfg, "Failed")))
			continue;
		if (s->source == OBSERVATION_ADOPT_LOOKUP ||
		    strv_contains(&o->adopt_ids, s->cfg.service_id))
			want_principals = strv_contains(&o->adopt_managed, s->cfg.service_id);
		if (owned_by(o, &s->cfg) && name) {
			want_principals = want_principals || strv_contains(&o->managed_names, name);
			want_connections = o->sync && (!strv_contains(&o->names, name) ||
						       count_name(&listed_names, name) > 1 ||
						       adopts_other(o, name, s->cfg.service_id));
			/* The connection policy acts on owned Available services only. */
			want_connections = want_connections ||
					   (available && strv_contains(&o->conn_names, name));
			want_notifications = available && strv_contains(&o->notif_names, name);
		}
		if (want_principals && available)
			start_detail(o, READ_PRINCIPALS, i);
		if (want_connections)
			start_detail(o, READ_CONNECTIONS, i);
		if (want_notifications)
			start_detail(o, READ_NOTIFICATIONS, i);
	}
	strv_free(&listed_names);
}

/* Called after every finished read: move on when the phase's reads are done. */
static void
phase_step(struct observe *o)
{
	struct observation *obs;

	if (o->reads != NULL)
		return;
	if (!o->phase2) {
		start_phase2(o);
		if (o->reads != NULL)
			return;
	}
	obs = o->obs;
	o->obs = NULL;
	o->done(o->arg, obs, &o->errors);
	observe_free(o);
}

int
observe_start(struct aws_client *c, const struct vpcesd_config *cfg, observe_done_fn *done,
	      void *arg, struct observe **ret, struct err *e)
{
	const char *owner_values[1];
	struct ec2_filter filter;
	struct observe *o = calloc(1, sizeof(*o));
	struct read *rd;
	int r = -ENOMEM;

	if (o == NULL)
		return err_set(e, -ENOMEM, "observe: out of memory");
	o->c = c;
	o->sync = cfg->policy == MODEL_POLICY_SYNC;
	o->done = done;
	o->arg = arg;
	o->owner = strdup(cfg->owner);
	o->obs = observation_new();
	if (o->owner == NULL || o->obs == NULL)
		goto fail;
	for (size_t i = 0; i < cfg->n_services; i++) {
		const struct service_spec *s = &cfg->services[i];

		if (strv_push(&o->names, s->name) < 0 ||
		    (s->principals_managed && strv_push(&o->managed_names, s->name) < 0) ||
		    (observe_wants_connections(s) && strv_push(&o->conn_names, s->name) < 0) ||
		    (s->notifications_managed && strv_push(&o->notif_names, s->name) < 0) ||
		    (s->adopt && strv_push(&o->adopt_ids, s->adopt) < 0) ||
		    (s->adopt && strv_push(&o->adopt_names, s->name) < 0) ||
		    (s->adopt && s->principals_managed &&
		     strv_push(&o->adopt_managed, s->adopt) < 0))
			goto fail;
	}

	owner_values[0] = o->owner;
	filter = (struct ec2_filter){"tag:" OWNER_TAG, owner_values, 1};
	rd = read_new(o, READ_OWNED, 0);
	if (rd == NULL)
		goto fail;
	r = ec2_list_services(c, &filter, 1, NULL, on_services, rd, &rd->op, e);
	if (r < 0)
		goto fail;
	for (size_t i = 0; i < o->adopt_ids.n; i++) {
		struct strv one = STRV_INIT;

		rd = read_new(o, READ_ADOPT, 0);
		if (rd == NULL || (rd->service_id = strdup(o->adopt_ids.v[i])) == NULL ||
		    strv_push(&one, rd->service_id) < 0) {
			r = -ENOMEM;
			goto fail;
		}
		r = ec2_list_services(c, NULL, 0, &one, on_services, rd, &rd->op, e);
		strv_free(&one);
		if (r < 0)
			goto fail;
	}
	*ret = o;
	return 0;
fail:
	observe_free(o);
	return r == -ENOMEM ? err_set(e, r, "observe: out of memory") : r;
}
