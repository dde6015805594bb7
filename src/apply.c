/* SPDX-License-Identifier: ISC */
/*
 * apply: run a plan through ec2.h, chain by chain.  See apply.h.
 *
 * A chain is a run of consecutive changes with the same (name, service id);
 * the planner emits each service's changes next to each other, in the order
 * they must happen.  A chain holds at most one EC2 operation at a time and
 * knows the service id as soon as a create returned it.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <syslog.h>

#include <ev.h>

#include "apply.h"
#include "ec2.h"
#include "ec2_xml.h"
#include "log.h"
#include "msgid.h"

#define CONTAINER_OF(ptr, type, member) ((type *)(void *)((char *)(ptr)-offsetof(type, member)))

struct chain {
	struct apply *a;
	size_t first, end, cur; /* changes [first, end), cur = the one running */
	char *service_id;       /* owned copy; set by the plan or by a create */
	bool created;           /* a create of this chain succeeded: NotFound may be lag */
	enum {
		CREATE_CALL,       /* CreateVpcEndpointServiceConfiguration */
		CREATE_VERIFY,     /* read the answered id back: a real service, or a phantom? */
		CREATE_PRINCIPALS, /* its first permissions */
	} create_step;
	unsigned ec_tries;
	ev_timer timer;
	struct ec2_op *op;
};

struct apply {
	struct ev_loop *loop;
	struct aws_client *c;
	const struct plan *plan;
	unsigned long cycle;
	struct apply_outcome *outcomes;
	size_t n; /* plan->n_changes; the plan may be gone once the callback returned */
	struct chain *chains;
	size_t n_chains;
	size_t running;
	const bool *hold;                /* per change, NULL: hold nothing */
	const enum apply_status *before; /* per change, NULL: nothing ran before */
	ev_timer idle;                   /* completes an empty plan from the loop */
	apply_done_fn *done;
	void *arg;
};

static const char *
action_of(const struct plan_change *ch, bool principals_step)
{
	switch (ch->kind) {
	case PLAN_CREATE:
		return principals_step ? "ModifyVpcEndpointServicePermissions"
				       : "CreateVpcEndpointServiceConfiguration";
	case PLAN_ADOPT:
	case PLAN_CREATE_TAGS:
		return "CreateTags";
	case PLAN_MODIFY_CONFIG:
		return "ModifyVpcEndpointServiceConfiguration";
	case PLAN_MODIFY_PAYER:
		return "ModifyVpcEndpointServicePayerResponsibility";
	case PLAN_MODIFY_PERMISSIONS:
		return "ModifyVpcEndpointServicePermissions";
	case PLAN_DELETE_TAGS:
		return "DeleteTags";
	case PLAN_ACCEPT_CONNECTIONS:
		return "AcceptVpcEndpointConnections";
	case PLAN_DENY_CONNECTIONS:
	case PLAN_REJECT_CONNECTIONS:
		return "RejectVpcEndpointConnections";
	case PLAN_START_DNS_VERIFICATION:
		return "StartVpcEndpointServicePrivateDnsVerification";
	case PLAN_DELETE_NOTIFICATIONS:
		return "DeleteVpcEndpointConnectionNotifications";
	case PLAN_CREATE_NOTIFICATION:
		return "CreateVpcEndpointConnectionNotification";
	case PLAN_DELETE:
		return "DeleteVpcEndpointServiceConfigurations";
	}
	return "unknown";
}

void
apply_outcome_clear(struct apply_outcome *o)
{
	free(o->message);
	free(o->error_code);
	free(o->request_id);
	free(o->created_service_id);
	free(o->created_service_name);
	if (o->created_config) {
		ec2_service_config_free(o->created_config);
		free(o->created_config);
	}
	memset(o, 0, sizeof(*o));
}

static char *
dup_or_null(const char *s)
{
	return s ? strdup(s) : NULL;
}

static void
log_outcome(struct chain *ch, const struct plan_change *c, const struct apply_outcome *o)
{
	char cycle[32];
	const char *id = ch->service_id ? ch->service_id : "";

	snprintf(cycle, sizeof(cycle), "%lu", ch->a->cycle);
	if (o->status == APPLY_DONE)
		log_fields(LOG_NOTICE,
			   LOG_FIELDS({"VPCESD_SERVICE", c->name}, {"VPCESD_SERVICE_ID", id},
				      {"VPCESD_ACTION", plan_kind_name(c->kind)},
				      {"VPCESD_CYCLE", cycle}, {"AWS_REQUEST_ID", o->request_id},
				      LOG_MESSAGE_ID(VPCESD_MESSAGE_CHANGE_APPLIED)),
			   "%s %s%s%s%s%s%s", plan_kind_name(c->kind), c->name, id[0] ? " (" : "",
			   id, id[0] ? ")" : "", c->reason && c->reason[0] ? ": " : "",
			   c->reason ? c->reason : "");
	else
		log_fields(LOG_ERR,
			   LOG_FIELDS({"VPCESD_SERVICE", c->name}, {"VPCESD_SERVICE_ID", id},
				      {"VPCESD_ACTION", plan_kind_name(c->kind)},
				      {"VPCESD_CYCLE", cycle}, {"AWS_REQUEST_ID", o->request_id},
				      {"AWS_ERROR_CODE", o->error_code},
				      LOG_MESSAGE_ID(VPCESD_MESSAGE_CHANGE_FAILED)),
			   "%s %s failed: %s", plan_kind_name(c->kind), c->name,
			   o->message ? o->message : "unknown error");
}

static void chain_run(struct chain *ch);

static void
apply_finish(struct apply *a)
{
	struct apply_report rep = {.plan = a->plan, .outcomes = a->outcomes, .n = a->n};

	for (size_t i = 0; i < rep.n; i++) {
		rep.done += a->outcomes[i].status == APPLY_DONE;
		rep.failed += a->outcomes[i].status == APPLY_FAILED;
		rep.skipped += a->outcomes[i].status == APPLY_SKIPPED;
		rep.held += a->outcomes[i].status == APPLY_HELD;
	}
	a->done(a->arg, &rep);
	apply_cancel(a);
}

static void
chain_end(struct chain *ch)
{
	struct apply *a = ch->a;

	ch->op = NULL;
	if (--a->running == 0)
		apply_finish(a);
}

/* The running change succeeded: record and go on with the chain. */
static void
step_done(struct chain *ch, const char *request_id)
{
	struct apply_outcome *o = &ch->a->outcomes[ch->cur];

	o->status = APPLY_DONE;
	if (request_id != o->request_id) { /* the create's own id may be passed back */
		free(o->request_id);
		o->request_id = dup_or_null(request_id);
	}
	log_outcome(ch, &ch->a->plan->changes[ch->cur], o);
	ch->cur++;
	ch->ec_tries = 0;
	ch->create_step = CREATE_CALL;
	chain_run(ch);
}

/* After a failure of the current change: the rest of the chain is skipped. */
static void
skip_rest(struct chain *ch)
{
	for (size_t i = ch->cur + 1; i < ch->end; i++) {
		ch->a->outcomes[i].status = APPLY_SKIPPED;
		ch->a->outcomes[i].message =
			strdup("skipped: an earlier change of this service failed");
	}
	chain_end(ch);
}

/* The rest of the chain from the current change is held. */
static void
hold_rest(struct chain *ch)
{
	for (size_t i = ch->cur; i < ch->end; i++)
		ch->a->outcomes[i].status = APPLY_HELD;
	chain_end(ch);
}

/* The running change failed: record it, skip the rest of the chain. */
static void
step_failed(struct chain *ch, int r, const char *message, const char *code, const char *request_id)
{
	struct apply_outcome *o = &ch->a->outcomes[ch->cur];

	o->status = APPLY_FAILED;
	o->r = r < 0 ? r : -EIO;
	free(o->message);
	o->message = dup_or_null(message ? message : "failed");
	o->error_code = dup_or_null(code);
	free(o->request_id);
	o->request_id = dup_or_null(request_id);
	log_outcome(ch, &ch->a->plan->changes[ch->cur], o);
	skip_rest(ch);
}

static void
on_ec_timer(struct ev_loop *loop, ev_timer *w, int revents)
{
	(void)loop;
	(void)revents;
	chain_run(CONTAINER_OF(w, struct chain, timer));
}

/*
 * A failed call: retry NotFound shortly after our own create (eventual
 * consistency), fail the change otherwise.
 */
static void
step_call_failed(struct chain *ch, const struct aws_response *resp)
{
	if (ch->created && resp->error_code &&
	    strcmp(resp->error_code, "InvalidVpcEndpointServiceId.NotFound") == 0 &&
	    ch->ec_tries < APPLY_EC_TRIES) {
		double delay = APPLY_EC_BASE * (double)(1u << ch->ec_tries);

		ch->ec_tries++;
		ch->op = NULL;
		ev_timer_set(&ch->timer, delay, 0.);
		ev_timer_start(ch->a->loop, &ch->timer);
		return;
	}
	step_failed(ch, resp->r, resp->e ? resp->e->msg : NULL, resp->error_code, resp->request_id);
}

static bool
tolerated_unsuccessful(enum plan_kind kind, const char *code)
{
	if (code == NULL)
		return false;
	/* Deleting what is already gone, deciding on an endpoint that left: done. */
	if (kind == PLAN_DELETE)
		return strcmp(code, "InvalidVpcEndpointService.NotFound") == 0 ||
		       strcmp(code, "InvalidVpcEndpointServiceId.NotFound") == 0;
	if (kind == PLAN_DELETE_NOTIFICATIONS)
		return strcmp(code, "InvalidConnectionNotification") == 0;
	if (kind == PLAN_REJECT_CONNECTIONS || kind == PLAN_DENY_CONNECTIONS ||
	    kind == PLAN_ACCEPT_CONNECTIONS)
		return strcmp(code, "InvalidVpcEndpointId.NotFound") == 0 ||
		       strcmp(code, "InvalidVpcEndpoint.NotFound") == 0;
	return false;
}

static void
on_result(void *arg, struct ec2_result *res, const struct aws_response *resp)
{
	struct chain *ch = arg;
	const struct plan_change *c = &ch->a->plan->changes[ch->cur];

	ch->op = NULL;
	if (res == NULL) {
		step_call_failed(ch, resp);
		return;
	}
	for (size_t i = 0; i < res->n_unsuccessful; i++) {
		const struct ec2_unsuccessful *u = &res->unsuccessful[i];
		char msg[ERR_MSG_MAX];

		if (tolerated_unsuccessful(c->kind, u->code))
			continue;
		snprintf(msg, sizeof(msg), "%s: %s: %s%s%s", action_of(c, false),
			 u->resource_id ? u->resource_id : "?", u->code ? u->code : "error",
			 u->message ? ": " : "", u->message ? u->message : "");
		step_failed(ch, -EREMOTEIO, msg, u->code, res->request_id);
		ec2_result_free(res);
		return;
	}
	step_done(ch, res->request_id);
	ec2_result_free(res);
}

static void
on_notification_created(void *arg, struct ec2_create_notification_result *res,
			const struct aws_response *resp)
{
	struct chain *ch = arg;

	ch->op = NULL;
	if (res == NULL) {
		step_call_failed(ch, resp);
		return;
	}
	step_done(ch, res->request_id);
	ec2_create_notification_result_free(res);
}

static void
on_permissions(void *arg, struct ec2_modify_permissions_result *res,
	       const struct aws_response *resp)
{
	struct chain *ch = arg;

	ch->op = NULL;
	if (res == NULL) {
		step_call_failed(ch, resp);
		return;
	}
	step_done(ch, res->request_id);
	ec2_modify_permissions_result_free(res);
}

static void
on_created(void *arg, struct ec2_create_service_result *res, const struct aws_response *resp)
{
	struct chain *ch = arg;
	struct apply_outcome *o = &ch->a->outcomes[ch->cur];

	ch->op = NULL;
	if (res == NULL) {
		if (resp->error_code &&
		    strcmp(resp->error_code, "IdempotentParameterMismatch") == 0)
			step_failed(
				ch, resp->r,
				"the spec changed while an earlier create with the same "
				"ClientToken was in doubt; the next cycle converges the service "
				"that exists",
				resp->error_code, resp->request_id);
		else
			step_call_failed(ch, resp);
		return;
	}
	if (res->config.service_id == NULL) {
		step_failed(ch, -EBADMSG, "create answered without a service id", NULL,
			    res->request_id);
	} else {
		free(ch->service_id);
		ch->service_id = strdup(res->config.service_id);
		o->created_service_id = strdup(res->config.service_id);
		o->created_service_name = dup_or_null(res->config.service_name);
		free(o->request_id);
		o->request_id = dup_or_null(res->request_id);
		ch->created = true;
		ch->create_step = CREATE_VERIFY;
		chain_run(ch);
	}
	ec2_create_service_result_free(res);
}

/* The answered service is gone: EC2 replayed the ClientToken of a deleted service. */
static void
step_phantom(struct chain *ch, const char *request_id)
{
	const struct plan_change *c = &ch->a->plan->changes[ch->cur];
	char msg[ERR_MSG_MAX];

	snprintf(msg, sizeof(msg),
		 "EC2 answered the create of %s with %s, a service that no longer exists (the "
		 "ClientToken of a deleted service, replayed); nothing was created: the next "
		 "cycle creates it with a new token",
		 c->name, ch->service_id);
	ch->a->outcomes[ch->cur].phantom = true;
	step_failed(ch, -ENOENT, msg, NULL, request_id);
}

/*
 * The read-back of a create's answer (see apply.h): the service EC2 named,
 * alive, or a phantom.  NotFound right after our own create may be EC2's
 * eventual consistency, so it is retried like the other steps; only a
 * service still NotFound after the retries, or one shown Deleting or
 * Deleted, is a phantom.
 */
static void
on_verified(void *arg, struct ec2_service_page *all, const struct aws_response *resp)
{
	struct chain *ch = arg;
	struct apply_outcome *o = &ch->a->outcomes[ch->cur];
	const struct plan_change *c = &ch->a->plan->changes[ch->cur];
	struct ec2_service_config *cfg;

	ch->op = NULL;
	if (all == NULL) {
		if (resp->error_code &&
		    strcmp(resp->error_code, "InvalidVpcEndpointServiceId.NotFound") == 0 &&
		    ch->ec_tries >= APPLY_VERIFY_TRIES) {
			char msg[ERR_MSG_MAX];

			snprintf(msg, sizeof(msg),
				 "EC2 answered the create of %s with %s but does not show that "
				 "service yet; not counted as created until it does",
				 c->name, ch->service_id);
			o->unconfirmed = true;
			step_failed(ch, -EAGAIN, msg, resp->error_code, resp->request_id);
			return;
		}
		step_call_failed(ch, resp);
		return;
	}
	if (all->n != 1 || all->v[0].service_id == NULL ||
	    strcmp(all->v[0].service_id, ch->service_id) != 0) {
		step_failed(ch, -EBADMSG,
			    "reading the created service back returned no single service", NULL,
			    all->request_id);
		ec2_service_page_free(all);
		return;
	}
	if (all->v[0].service_state && (strcasecmp(all->v[0].service_state, "Deleted") == 0 ||
					strcasecmp(all->v[0].service_state, "Deleting") == 0)) {
		step_phantom(ch, all->request_id);
		ec2_service_page_free(all);
		return;
	}
	/* What EC2 made, for the status: the values applied, not the spec's defaults. */
	cfg = malloc(sizeof(*cfg));
	if (cfg != NULL) {
		*cfg = all->v[0];
		memset(&all->v[0], 0, sizeof(all->v[0]));
		o->created_config = cfg;
	}
	ec2_service_page_free(all);
	ch->ec_tries = 0;
	if (c->create.add_principals.n > 0) {
		ch->create_step = CREATE_PRINCIPALS;
		chain_run(ch);
	} else {
		step_done(ch, o->request_id);
	}
}

/* model_tags → the ec2 tag array (borrowing the strings).  NULL only on ENOMEM. */
static struct ec2_tag_kv *
tag_array(const struct model_tags *t, bool with_values)
{
	struct ec2_tag_kv *kv = calloc(t->n ? t->n : 1, sizeof(*kv));

	for (size_t i = 0; kv && i < t->n; i++)
		kv[i] = (struct ec2_tag_kv){t->v[i].key, with_values ? t->v[i].value : NULL};
	return kv;
}

static int
start_create(struct chain *ch, const struct plan_change *c, struct err *e)
{
	const struct plan_create *p = &c->create;
	struct ec2_tag_kv *tags = tag_array(&p->tags, true);
	struct ec2_create_service_params params = {
		.acceptance_required = p->acceptance_required,
		.nlb_arns = &p->nlb_arns,
		.gwlb_arns = &p->gwlb_arns,
		.private_dns_name = p->private_dns_name,
		.ip_address_types = &p->ip_address_types,
		.supported_regions = &p->supported_regions,
		.tags = tags,
		.n_tags = p->tags.n,
		.client_token = p->client_token,
	};
	int r;

	if (tags == NULL)
		return err_set(e, -ENOMEM, "out of memory");
	r = ec2_create_service(ch->a->c, &params, on_created, ch, &ch->op, e);
	free(tags);
	return r;
}

static int
start_modify(struct chain *ch, const struct plan_change *c, struct err *e)
{
	const struct plan_modify *m = &c->modify;
	struct ec2_modify_service_params p = {
		.service_id = ch->service_id,
		.acceptance_required = !m->set_acceptance       ? EC2_BOOL_UNSET
				       : m->acceptance_required ? EC2_BOOL_TRUE
								: EC2_BOOL_FALSE,
		.private_dns_name = m->private_dns_name,
		.remove_private_dns_name = m->remove_private_dns,
		.add_nlb_arns = &m->add_nlb_arns,
		.remove_nlb_arns = &m->remove_nlb_arns,
		.add_gwlb_arns = &m->add_gwlb_arns,
		.remove_gwlb_arns = &m->remove_gwlb_arns,
		.add_ip_address_types = &m->add_ip_types,
		.remove_ip_address_types = &m->remove_ip_types,
		.add_supported_regions = &m->add_regions,
		.remove_supported_regions = &m->remove_regions,
	};

	return ec2_modify_service(ch->a->c, &p, on_result, ch, &ch->op, e);
}

static int
start_tags(struct chain *ch, const struct plan_change *c, struct err *e)
{
	struct ec2_tag_kv *kv;
	int r;

	if (c->kind == PLAN_DELETE_TAGS) {
		kv = calloc(c->tag_keys.n ? c->tag_keys.n : 1, sizeof(*kv));
		if (kv == NULL)
			return err_set(e, -ENOMEM, "out of memory");
		for (size_t i = 0; i < c->tag_keys.n; i++)
			kv[i] = (struct ec2_tag_kv){c->tag_keys.v[i], NULL};
		r = ec2_delete_tags(ch->a->c, ch->service_id, kv, c->tag_keys.n, on_result, ch,
				    &ch->op, e);
	} else {
		kv = tag_array(&c->tags, true);
		if (kv == NULL)
			return err_set(e, -ENOMEM, "out of memory");
		r = ec2_create_tags(ch->a->c, ch->service_id, kv, c->tags.n, on_result, ch, &ch->op,
				    e);
	}
	free(kv);
	return r;
}

/* Start the chain's current change, or end the chain. */
static void
chain_run(struct chain *ch)
{
	const struct plan_change *c;
	struct strv one = STRV_INIT;
	struct err e;
	int r = 0;

	if (ch->cur >= ch->end) {
		chain_end(ch);
		return;
	}
	c = &ch->a->plan->changes[ch->cur];
	err_clear(&e);
	if (ch->a->before && ch->a->before[ch->cur] != APPLY_PENDING) {
		/* Ran in an earlier round: the caller reports that outcome here. */
		enum apply_status was = ch->a->before[ch->cur];

		ch->a->outcomes[ch->cur].status = APPLY_HELD;
		if (was != APPLY_DONE) {
			skip_rest(ch);
		} else if (c->kind == PLAN_CREATE) {
			ch->cur++;
			hold_rest(ch);
		} else {
			ch->cur++;
			chain_run(ch);
		}
		return;
	}
	if (ch->a->hold && ch->a->hold[ch->cur]) {
		hold_rest(ch);
		return;
	}
	if (c->kind != PLAN_CREATE && ch->service_id == NULL) {
		step_failed(ch, -EINVAL, "no service id for this change", NULL, NULL);
		return;
	}
	switch (c->kind) {
	case PLAN_CREATE:
		if (ch->create_step == CREATE_PRINCIPALS) {
			r = ec2_modify_principals(ch->a->c, ch->service_id,
						  &c->create.add_principals, NULL, on_permissions,
						  ch, &ch->op, &e);
		} else if (ch->create_step == CREATE_VERIFY) {
			r = strv_push(&one, ch->service_id);
			if (r == 0)
				r = ec2_list_services(ch->a->c, NULL, 0, &one, on_verified, ch,
						      &ch->op, &e);
			else
				err_set(&e, r, "out of memory");
			strv_free(&one);
		} else {
			r = start_create(ch, c, &e);
		}
		break;
	case PLAN_ADOPT:
	case PLAN_CREATE_TAGS:
	case PLAN_DELETE_TAGS:
		r = start_tags(ch, c, &e);
		break;
	case PLAN_MODIFY_CONFIG:
		r = start_modify(ch, c, &e);
		break;
	case PLAN_MODIFY_PERMISSIONS:
		r = ec2_modify_principals(ch->a->c, ch->service_id, &c->add_principals,
					  &c->remove_principals, on_permissions, ch, &ch->op, &e);
		break;
	case PLAN_ACCEPT_CONNECTIONS:
	case PLAN_DENY_CONNECTIONS:
	case PLAN_REJECT_CONNECTIONS:
		r = ec2_decide_connections(ch->a->c, ch->service_id,
					   c->kind == PLAN_ACCEPT_CONNECTIONS, &c->endpoint_ids,
					   on_result, ch, &ch->op, &e);
		break;
	case PLAN_MODIFY_PAYER:
		r = ec2_modify_payer(ch->a->c, ch->service_id, c->payer, on_result, ch, &ch->op,
				     &e);
		break;
	case PLAN_DELETE_NOTIFICATIONS:
		r = ec2_delete_notifications(ch->a->c, &c->notification_ids, on_result, ch, &ch->op,
					     &e);
		break;
	case PLAN_CREATE_NOTIFICATION:
		r = ec2_create_notification(ch->a->c, ch->service_id, c->notification.topic_arn,
					    &c->notification.events, c->notification.client_token,
					    on_notification_created, ch, &ch->op, &e);
		break;
	case PLAN_START_DNS_VERIFICATION:
		r = ec2_start_dns_verification(ch->a->c, ch->service_id, on_result, ch, &ch->op,
					       &e);
		break;
	case PLAN_DELETE:
		r = strv_push(&one, ch->service_id);
		if (r == 0)
			r = ec2_delete_services(ch->a->c, &one, on_result, ch, &ch->op, &e);
		else
			err_set(&e, r, "out of memory");
		strv_free(&one);
		break;
	}
	if (r < 0)
		step_failed(ch, r, e.msg, NULL, NULL);
}

static void
on_idle(struct ev_loop *loop, ev_timer *w, int revents)
{
	(void)loop;
	(void)revents;
	apply_finish(CONTAINER_OF(w, struct apply, idle));
}

int
apply_start(struct ev_loop *loop, struct aws_client *c, const struct plan *plan, const bool *hold,
	    const enum apply_status *before, unsigned long cycle, apply_done_fn *done, void *arg,
	    struct apply **ret, struct err *e)
{
	struct apply *a = calloc(1, sizeof(*a));
	size_t n = plan->n_changes;

	if (a == NULL)
		return err_set(e, -ENOMEM, "apply: out of memory");
	a->loop = loop;
	a->c = c;
	a->plan = plan;
	a->cycle = cycle;
	a->done = done;
	a->arg = arg;
	a->hold = hold;
	a->before = before;
	a->n = n;
	ev_timer_init(&a->idle, on_idle, 0., 0.);
	a->outcomes = calloc(n ? n : 1, sizeof(*a->outcomes));
	a->chains = calloc(n ? n : 1, sizeof(*a->chains));
	if (a->outcomes == NULL || a->chains == NULL) {
		apply_cancel(a);
		return err_set(e, -ENOMEM, "apply: out of memory");
	}
	for (size_t i = 0; i < n; i++) {
		struct chain *ch;

		if (i > 0 && plan_same_chain(&plan->changes[i - 1], &plan->changes[i])) {
			a->chains[a->n_chains - 1].end = i + 1;
			continue;
		}
		ch = &a->chains[a->n_chains++];
		ch->a = a;
		ch->first = ch->cur = i;
		ch->end = i + 1;
		ev_timer_init(&ch->timer, on_ec_timer, 0., 0.);
		if (plan->changes[i].service_id &&
		    (ch->service_id = strdup(plan->changes[i].service_id)) == NULL) {
			apply_cancel(a);
			return err_set(e, -ENOMEM, "apply: out of memory");
		}
	}
	*ret = a;
	/*
	 * Start every chain.  One extra count guards the loop: chains that end
	 * at once (held, or a call that cannot even start) must not complete
	 * the apply from inside apply_start(); the idle timer does it then.
	 */
	a->running = a->n_chains + 1;
	for (size_t i = 0; i < a->n_chains; i++)
		chain_run(&a->chains[i]);
	if (--a->running == 0)
		ev_timer_start(loop, &a->idle);
	return 0;
}

void
apply_cancel(struct apply *a)
{
	if (a == NULL)
		return;
	ev_timer_stop(a->loop, &a->idle);
	for (size_t i = 0; i < a->n_chains; i++) {
		ev_timer_stop(a->loop, &a->chains[i].timer);
		ec2_op_cancel(a->chains[i].op);
		free(a->chains[i].service_id);
	}
	for (size_t i = 0; a->outcomes && i < a->n; i++)
		apply_outcome_clear(&a->outcomes[i]);
	free(a->outcomes);
	free(a->chains);
	free(a);
}

struct apply_outcome *
apply_take_outcomes(const struct apply_report *rep)
{
	struct apply_outcome *v = calloc(rep->n ? rep->n : 1, sizeof(*v));
	/* The outcomes are the apply's own (apply_start() allocated them). */
	struct apply_outcome *from = (struct apply_outcome *)rep->outcomes;

	if (v == NULL)
		return NULL;
	for (size_t i = 0; i < rep->n; i++) {
		v[i] = from[i];
		memset(&from[i], 0, sizeof(from[i]));
	}
	return v;
}

void
apply_outcomes_free(struct apply_outcome *v, size_t n)
{
	for (size_t i = 0; v && i < n; i++)
		apply_outcome_clear(&v[i]);
	free(v);
}
