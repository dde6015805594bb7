/* SPDX-License-Identifier: ISC */
/*
 * observe: the concurrent EC2 reads of one cycle.  See observe.h.
 *
 * Every read is a `struct read` on a list, so cancelling an observation
 * cancels exactly the operations still running.  Phase 1 keeps what each
 * listing returns aside and merges it when the last read is done, so the
 * order of obs->services never depends on which answer came first.  In
 * phase 2 services are referred to by index into obs->services, stable
 * because the remembered services looked up are appended only at its end.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ev.h>

#include "ec2.h"
#include "ec2_xml.h"
#include "observe.h"

enum read_kind {
	READ_OWNED,
	READ_PREVIOUS,
	READ_ADOPT,
	READ_PRINCIPALS,
	READ_CONNECTIONS,
	READ_NOTIFICATIONS,
	READ_REMEMBERED,
};

struct read {
	struct observe *o;
	enum read_kind kind;
	size_t index;     /* service index (details), previous owner index (READ_PREVIOUS) */
	char *service_id; /* lookups by id */
	struct ec2_op *op;
	struct read *prev, *next;
};

/* A listing's answer, kept until the phase ends. */
struct listing {
	char *owner;
	bool complete;
	struct ec2_service_page page;
};

struct observe {
	struct aws_client *c;
	struct observation *obs;
	struct listing owned;
	struct listing *previous; /* one per previous owner, in request order */
	size_t n_previous;
	/* Services found by id, merged at the end of the phase (adopt targets, remembered ones). */
	struct ec2_service_config *found;
	size_t n_found;
	struct strv errors;
	struct read *reads;
	bool details; /* phase 2 */
	struct observe_clock clock;
	ev_timer idle; /* completes a phase with nothing to read from the loop */
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
listing_free(struct listing *l)
{
	free(l->owner);
	ec2_service_page_free(&l->page);
}

static void
observe_free(struct observe *o)
{
	while (o->reads) {
		ec2_op_cancel(o->reads->op);
		read_unlink(o->reads);
	}
	ev_timer_stop(aws_client_loop(o->c), &o->idle);
	observation_free(o->obs);
	listing_free(&o->owned);
	for (size_t i = 0; i < o->n_previous; i++)
		listing_free(&o->previous[i]);
	free(o->previous);
	for (size_t i = 0; i < o->n_found; i++)
		ec2_service_config_free(&o->found[i]);
	free(o->found);
	strv_free(&o->errors);
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

static struct read *
read_new(struct observe *o, enum read_kind kind, size_t index, const char *service_id)
{
	struct read *rd = calloc(1, sizeof(*rd));

	if (rd == NULL || (service_id && (rd->service_id = strdup(service_id)) == NULL)) {
		free(rd);
		return NULL;
	}
	rd->o = o;
	rd->kind = kind;
	rd->index = index;
	rd->next = o->reads;
	if (o->reads)
		o->reads->prev = rd;
	o->reads = rd;
	return rd;
}

/* Keep a service found by id aside (moved out of *cfg). */
static int
keep_found(struct observe *o, struct ec2_service_config *cfg)
{
	struct ec2_service_config *grown = realloc(o->found, (o->n_found + 1) * sizeof(*grown));

	if (grown == NULL)
		return -ENOMEM;
	o->found = grown;
	o->found[o->n_found++] = *cfg;
	memset(cfg, 0, sizeof(*cfg));
	return 0;
}

static int
cmp_id(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Move a listing's items into the observation. */
static int
merge_page(struct observe *o, struct ec2_service_page *page, enum observation_source src)
{
	int r = 0;

	for (size_t i = 0; i < page->n && r == 0; i++)
		r = observation_add_service_take(o->obs, &page->v[i], src, NULL);
	return r;
}

/*
 * The end of phase 1: owned listing, previous owners' listings, then the
 * adopt targets no listing returned (an adopted service is ours, so the
 * owned listing may list it too: one entry per id, the listing's wins).
 */
static void
merge_listings(struct observe *o)
{
	const char **ids = NULL;
	size_t n_ids = 0;
	int r;

	r = merge_page(o, &o->owned.page, OBSERVATION_OWNED_LISTING);
	/* A listing we could not hold in full is not a complete listing. */
	o->obs->listing_complete = o->owned.complete && r == 0;
	for (size_t i = 0; i < o->n_previous && r == 0; i++) {
		r = merge_page(o, &o->previous[i].page, OBSERVATION_PREVIOUS_LISTING);
		if (r == 0)
			r = observation_add_owner_listing(o->obs, o->previous[i].owner,
							  o->previous[i].complete);
	}
	if (r == 0 && o->n_found > 0) {
		ids = malloc(o->obs->n_services * sizeof(*ids) + 1);
		if (ids == NULL)
			r = -ENOMEM;
		for (size_t i = 0; r == 0 && i < o->obs->n_services; i++)
			if (o->obs->services[i].cfg.service_id)
				ids[n_ids++] = o->obs->services[i].cfg.service_id;
		if (r == 0)
			qsort(ids, n_ids, sizeof(*ids), cmp_id);
	}
	for (size_t i = 0; i < o->n_found && r == 0; i++) {
		const char *id = o->found[i].service_id;

		if (n_ids && bsearch(&id, ids, n_ids, sizeof(*ids), cmp_id))
			continue;
		r = observation_add_service_take(o->obs, &o->found[i], OBSERVATION_ID_LOOKUP, NULL);
	}
	free(ids);
	if (r < 0) {
		o->obs->listing_complete = false;
		strv_push(&o->errors, "observe: out of memory");
	}
}

/* The end of phase 2: the remembered services found, after everything else. */
static void
merge_found(struct observe *o)
{
	for (size_t i = 0; i < o->n_found; i++)
		if (observation_add_service_take(o->obs, &o->found[i], OBSERVATION_ID_LOOKUP,
						 NULL) < 0) {
			strv_push(&o->errors, "observe: out of memory");
			/* Unknown, not absent: the planner holds what depends on it. */
			for (size_t k = 0; k < o->obs->n_lookups; k++)
				if (strcmp(o->obs->lookups[k].service_id, o->found[i].service_id) ==
				    0)
					o->obs->lookups[k].result = OBSERVATION_UNREADABLE;
		}
}

/* Called after every finished read: when none is left, the phase is over. */
static void
phase_step(struct observe *o)
{
	struct observation *obs;

	if (o->reads != NULL)
		return;
	if (o->details)
		merge_found(o);
	else
		merge_listings(o);
	obs = o->obs;
	o->obs = NULL;
	o->done(o->arg, obs, &o->errors);
	observe_free(o);
}

static void
on_idle(struct ev_loop *loop, ev_timer *w, int revents)
{
	(void)loop;
	(void)revents;
	phase_step(w->data);
}

/* Listings (owned, previous owner) and lookups by id (adopt, remembered). */
static void
on_services(void *arg, struct ec2_service_page *all, const struct aws_response *resp)
{
	struct read *rd = arg;
	struct observe *o = rd->o;
	struct listing *l = rd->kind == READ_OWNED      ? &o->owned
			    : rd->kind == READ_PREVIOUS ? &o->previous[rd->index]
							: NULL;

	if (l != NULL) {
		if (all != NULL) {
			/* The contents are ours now (ec2.h); the struct is not. */
			l->page = *all;
			l->complete = true;
		} else {
			char what[256];

			snprintf(what, sizeof(what), "listing the services of owner %s", l->owner);
			note_error(o, resp,
				   rd->kind == READ_OWNED ? "listing owned services" : what);
		}
	} else if (all != NULL) {
		/* A lookup by id: exactly one service, unless EC2 misbehaves. */
		bool one = all->n == 1 && all->v[0].service_id &&
			   strcmp(all->v[0].service_id, rd->service_id) == 0;
		int r = one ? keep_found(o, &all->v[0]) : 0;

		observation_add_lookup(o->obs, rd->service_id,
				       one && r == 0 ? OBSERVATION_FOUND : OBSERVATION_UNREADABLE,
				       one ? (r < 0 ? "out of memory" : NULL)
					   : "lookup by id returned no single service");
		ec2_service_page_free(all);
	} else if (resp->error_code &&
		   strcmp(resp->error_code, "InvalidVpcEndpointServiceId.NotFound") == 0) {
		observation_add_lookup(o->obs, rd->service_id, OBSERVATION_NOT_FOUND, NULL);
	} else {
		note_error(o, resp, rd->service_id);
		observation_add_lookup(o->obs, rd->service_id, OBSERVATION_UNREADABLE,
				       resp->e ? resp->e->msg : "failed");
	}
	read_unlink(rd);
	phase_step(o);
}

static time_t
read_time(const struct observe *o)
{
	return o->clock.now ? o->clock.now(o->clock.arg) : time(NULL);
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
		if (r == 0 && observation_set_principals(s, &principals) == 0)
			s->principals_at = read_time(o);
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
		if (s->connections_known)
			s->connections_at = read_time(o);
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
		if (s->notifications_known)
			s->notifications_at = read_time(o);
		ec2_notification_page_free(all);
	} else {
		note_error(o, resp, s->cfg.service_id);
	}
	read_unlink(rd);
	phase_step(o);
}

/* A listing filtered on one owner's tag. */
static int
start_listing(struct observe *o, enum read_kind kind, size_t index, const char *owner,
	      struct err *e)
{
	const char *values[1] = {owner};
	struct ec2_filter filter = {"tag:" OWNER_TAG, values, 1};
	struct read *rd = read_new(o, kind, index, NULL);
	int r;

	if (rd == NULL)
		return err_set(e, -ENOMEM, "observe: out of memory");
	r = ec2_list_services(o->c, &filter, 1, NULL, on_services, rd, &rd->op, e);
	if (r < 0)
		read_unlink(rd);
	return r;
}

/* A lookup by id; a failure to start is recorded like a failed read. */
static int
start_lookup(struct observe *o, enum read_kind kind, const char *id, struct err *e)
{
	struct strv one = STRV_INIT;
	struct read *rd = read_new(o, kind, 0, id);
	int r;

	if (rd == NULL || strv_push(&one, id) < 0) {
		if (rd)
			read_unlink(rd);
		strv_free(&one);
		return err_set(e, -ENOMEM, "observe: out of memory");
	}
	r = ec2_list_services(o->c, NULL, 0, &one, on_services, rd, &rd->op, e);
	strv_free(&one);
	if (r < 0)
		read_unlink(rd);
	return r;
}

static struct observe *
observe_new(struct aws_client *c, observe_done_fn *done, void *arg)
{
	struct observe *o = calloc(1, sizeof(*o));

	if (o == NULL)
		return NULL;
	o->c = c;
	o->done = done;
	o->arg = arg;
	ev_timer_init(&o->idle, on_idle, 0., 0.);
	o->idle.data = o;
	return o;
}

int
observe_listings(struct aws_client *c, const struct observe_request *req, observe_done_fn *done,
		 void *arg, struct observe **ret, struct err *e)
{
	struct observe *o = observe_new(c, done, arg);
	size_t n_prev = req->previous_owners ? req->previous_owners->n : 0;
	int r = -ENOMEM;

	if (o == NULL)
		return err_set(e, -ENOMEM, "observe: out of memory");
	o->obs = observation_new();
	o->owned.owner = strdup(req->owner);
	o->previous = calloc(n_prev ? n_prev : 1, sizeof(*o->previous));
	if (o->obs == NULL || o->owned.owner == NULL || o->previous == NULL)
		goto fail;
	o->n_previous = n_prev;
	for (size_t i = 0; i < n_prev; i++)
		if ((o->previous[i].owner = strdup(req->previous_owners->v[i])) == NULL)
			goto fail;
	if ((r = start_listing(o, READ_OWNED, 0, o->owned.owner, e)) < 0)
		goto fail;
	for (size_t i = 0; i < n_prev; i++)
		if ((r = start_listing(o, READ_PREVIOUS, i, o->previous[i].owner, e)) < 0)
			goto fail;
	for (size_t i = 0; req->adopt_ids && i < req->adopt_ids->n; i++)
		if ((r = start_lookup(o, READ_ADOPT, req->adopt_ids->v[i], e)) < 0)
			goto fail;
	*ret = o;
	return 0;
fail:
	observe_free(o);
	return r == -ENOMEM ? err_set(e, r, "observe: out of memory") : r;
}

/* Start one per-service read; a failure to start is recorded like a failed read. */
static void
start_detail(struct observe *o, enum read_kind kind, size_t index)
{
	struct observed_service *s = &o->obs->services[index];
	struct read *rd = read_new(o, kind, index, NULL);
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

int
observe_details(struct aws_client *c, struct observation *obs, const struct plan_reads *reads,
		struct observe_clock clock, observe_done_fn *done, void *arg, struct observe **ret,
		struct err *e)
{
	struct observe *o = observe_new(c, done, arg);
	size_t n = reads->n < obs->n_services ? reads->n : obs->n_services;

	if (o == NULL) {
		observation_free(obs);
		return err_set(e, -ENOMEM, "observe: out of memory");
	}
	o->obs = obs;
	o->details = true;
	o->clock = clock;
	for (size_t i = 0; i < n; i++) {
		if (obs->services[i].cfg.service_id == NULL)
			continue;
		if (reads->what[i] & PLAN_READ_PRINCIPALS)
			start_detail(o, READ_PRINCIPALS, i);
		if (reads->what[i] & PLAN_READ_CONNECTIONS)
			start_detail(o, READ_CONNECTIONS, i);
		if (reads->what[i] & PLAN_READ_NOTIFICATIONS)
			start_detail(o, READ_NOTIFICATIONS, i);
	}
	for (size_t i = 0; i < reads->lookup_ids.n; i++) {
		struct err le;

		err_clear(&le);
		if (start_lookup(o, READ_REMEMBERED, reads->lookup_ids.v[i], &le) < 0) {
			struct aws_response resp = {.r = -EIO, .e = &le};

			note_error(o, &resp, reads->lookup_ids.v[i]);
			observation_add_lookup(obs, reads->lookup_ids.v[i], OBSERVATION_UNREADABLE,
					       le.msg);
		}
	}
	/* Nothing to read: finish from the loop, as if the last read just ended. */
	if (o->reads == NULL)
		ev_timer_start(aws_client_loop(o->c), &o->idle);
	*ret = o;
	return 0;
}
