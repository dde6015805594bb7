/* SPDX-License-Identifier: ISC */
/*
 * Test support: the fixture of the planner's unit tests.  See plan_fixture.h.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "buf.h"
#include "plan_fixture.h"

int
setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	f->obs = observation_new();
	assert_non_null(f->obs);
	f->obs->listing_complete = true;
	f->in.owner = OWNER;
	f->in.region = REGION;
	f->in.policy = MODEL_POLICY_SYNC;
	f->in.max_deletes = 10;
	/*
	 * Cases that are not about the guard of an empty (or mostly deleted)
	 * desired state run with it off; the guard's own cases set it.
	 */
	f->in.max_fraction_pct = 100;
	f->in.allow_empty = true;
	f->in.interval_s = 60;
	f->in.reject_connections = false;
	f->in.specs = f->specs;
	f->in.obs = f->obs;
	err_clear(&f->e);
	*state = f;
	return 0;
}

int
teardown(void **state)
{
	struct fx *f = *state;

	for (size_t i = 0; i < f->n_specs; i++)
		model_service_clear(&f->specs[i]);
	observation_free(f->obs);
	plan_free(f->plan);
	free(f->digest);
	free(f);
	return 0;
}

/* ---- builders -------------------------------------------------------------- */

/* Replace *sv with the NULL-terminated strings, sorted. */
void
set_strv(struct strv *sv, ...)
{
	va_list ap;
	const char *s;

	strv_free(sv);
	va_start(ap, sv);
	while ((s = va_arg(ap, const char *)) != NULL)
		assert_int_equal(strv_push(sv, s), 0);
	va_end(ap);
	strv_sort(sv);
}

/* A spec that matches obs_add()'s default service: NLB_A, acceptance, ipv4. */
struct service_spec *
spec_add(struct fx *f, const char *name)
{
	struct service_spec *s;

	assert_true(f->n_specs < MAX_SPECS);
	s = &f->specs[f->n_specs++];
	memset(s, 0, sizeof(*s));
	s->name = strdup(name);
	assert_non_null(s->name);
	set_strv(&s->nlb_arns, NLB_A, NULL);
	s->acceptance_required = true;
	set_strv(&s->ip_address_types, "ipv4", NULL);
	f->in.n_specs = f->n_specs;
	return s;
}

void
spec_tag(struct service_spec *s, const char *k, const char *v)
{
	assert_int_equal(model_tags_add(&s->tags, k, v), 0);
	model_tags_sort(&s->tags);
}

void
spec_gwlb(struct service_spec *s)
{
	strv_free(&s->nlb_arns);
	set_strv(&s->gwlb_arns, GWLB_A, NULL);
}

void
cfg_tag(struct ec2_service_config *c, const char *k, const char *v)
{
	struct ec2_tag *t = realloc(c->tags.v, (c->tags.n + 1) * sizeof(*t));

	assert_non_null(t);
	c->tags.v = t;
	t[c->tags.n].key = strdup(k);
	t[c->tags.n].value = strdup(v);
	assert_non_null(t[c->tags.n].key);
	assert_non_null(t[c->tags.n].value);
	c->tags.n++;
}

/*
 * Observe a service `id` in `state`, tagged with owner and name when not
 * NULL, matching spec_add()'s defaults; permissions (none) and connections
 * (none) known.  The pointer is valid until the next obs_add().
 */
struct observed_service *
obs_add_src(struct fx *f, const char *id, const char *owner, const char *name, const char *state,
	    enum observation_source src)
{
	struct ec2_service_config c = {0};
	struct observed_service *s;

	c.service_id = strdup(id);
	c.service_state = strdup(state);
	assert_int_equal(strv_push(&c.service_types, "Interface"), 0);
	c.acceptance_required = EC2_BOOL_TRUE;
	assert_int_equal(strv_push(&c.network_load_balancer_arns, NLB_A), 0);
	assert_int_equal(strv_push(&c.supported_ip_address_types, "ipv4"), 0);
	if (owner)
		cfg_tag(&c, OWNER_TAG, owner);
	if (name)
		cfg_tag(&c, NAME_TAG, name);
	assert_int_equal(observation_add_service_take(f->obs, &c, src, &s), 0);
	assert_null(c.service_id); /* moved */
	assert_int_equal(observation_set_principals(s, &(struct strv)STRV_INIT), 0);
	assert_int_equal(observation_set_connections(s, NULL, 0), 0);
	return s;
}

struct observed_service *
obs_add(struct fx *f, const char *id, const char *owner, const char *name, const char *state)
{
	return obs_add_src(f, id, owner, name, state, OBSERVATION_OWNED_LISTING);
}

void
obs_region(struct observed_service *s, const char *region, const char *state)
{
	struct ec2_service_config *c = &s->cfg;
	struct ec2_supported_region *r =
		realloc(c->supported_regions, (c->n_supported_regions + 1) * sizeof(*r));

	assert_non_null(r);
	c->supported_regions = r;
	r[c->n_supported_regions].region = strdup(region);
	r[c->n_supported_regions].service_state = strdup(state);
	c->n_supported_regions++;
}

void
obs_conn(struct observed_service *s, const char *vpce, const char *state)
{
	struct ec2_endpoint_connection c = {0};

	c.vpc_endpoint_id = strdup(vpce);
	c.vpc_endpoint_state = strdup(state);
	assert_int_equal(observation_add_connection_take(s, &c), 0);
	assert_null(c.vpc_endpoint_id);
}

/* A connection of endpoint `vpce` owned by account `owner`. */
void
obs_conn_owned(struct observed_service *s, const char *vpce, const char *owner, const char *state)
{
	struct ec2_endpoint_connection c = {0};

	c.vpc_endpoint_id = strdup(vpce);
	c.vpc_endpoint_owner = strdup(owner);
	c.vpc_endpoint_state = strdup(state);
	assert_int_equal(observation_add_connection_take(s, &c), 0);
	assert_null(c.vpc_endpoint_id);
}

void
obs_principals(struct observed_service *s, ...)
{
	struct strv sv = STRV_INIT;
	va_list ap;
	const char *p;

	va_start(ap, s);
	while ((p = va_arg(ap, const char *)) != NULL)
		assert_int_equal(strv_push(&sv, p), 0);
	va_end(ap);
	assert_int_equal(observation_set_principals(s, &sv), 0);
	strv_free(&sv);
}

/* Show private DNS name `name` in verification state `state` (NULL: none). */
void
obs_dns(struct observed_service *o, const char *name, const char *state)
{
	struct ec2_private_dns_config *d = &o->cfg.private_dns_name_configuration;

	free(o->cfg.private_dns_name);
	free(d->state);
	free(d->name);
	free(d->value);
	o->cfg.private_dns_name = strdup(name);
	d->state = state ? strdup(state) : NULL;
	d->name = strdup("_vpce-verify");
	d->value = strdup("vpce:abc");
	d->type = d->type ? d->type : strdup("TXT");
}

/* ---- running and digesting ---------------------------------------------------- */

const char *
digest(struct fx *f)
{
	struct buf b;

	buf_init(&b, 1 << 20);
	for (size_t i = 0; i < f->plan->n_changes; i++) {
		const struct plan_change *c = &f->plan->changes[i];

		assert_int_equal(buf_printf(&b, "%s %s %s: %s\n", plan_kind_name(c->kind), c->name,
					    c->service_id ? c->service_id : "-", c->reason),
				 0);
	}
	for (size_t i = 0; i < f->plan->n_held; i++) {
		const struct plan_held *h = &f->plan->held[i];

		assert_int_equal(buf_printf(&b, "! %s %s %s: %s\n", plan_hold_name(h->kind),
					    h->name, h->service_id ? h->service_id : "-",
					    h->reason),
				 0);
	}
	free(f->digest);
	f->digest = b.data ? buf_steal(&b) : strdup("");
	buf_free(&b);
	return f->digest;
}

/* Compute the plan (asserting success) and return its digest. */
const char *
run(struct fx *f)
{
	plan_free(f->plan);
	f->plan = NULL;
	err_clear(&f->e);
	assert_int_equal(plan_compute(&f->in, &f->plan, &f->e), 0);
	assert_false(err_isset(&f->e));
	return digest(f);
}

const struct plan_change *
change(struct fx *f, size_t i)
{
	assert_true(i < f->plan->n_changes);
	return &f->plan->changes[i];
}

void
assert_strv(const struct strv *sv, const char *joined)
{
	struct buf b;

	buf_init(&b, 1 << 16);
	for (size_t i = 0; i < sv->n; i++)
		assert_int_equal(buf_printf(&b, "%s%s", i ? "," : "", sv->v[i]), 0);
	assert_string_equal(buf_str(&b), joined);
	buf_free(&b);
}
