/* SPDX-License-Identifier: ISC */
/*
 * Unit tests for plan.h (and the observation.h builders it consumes): the
 * core (plan.c) and the convergence of one service (plan_converge.c).  The
 * rules that use the memory of earlier cycles (plan_memory.c) are in
 * tests/test-plan-memory.c; both share the fixture (struct fx, the
 * builders, run() and the digest), tests/support/plan_fixture.h.
 *
 * Each test builds desired specs and an observation by hand, runs
 * plan_compute() and compares a one-line-per-item digest of the whole plan
 * with the exact expected text, so an extra, missing or reordered change
 * fails the test.  Typed parameters that apply.c will send are checked
 * directly where they matter.
 */
#include "config.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/evp.h>

#include "ec2_xml.h"
#include "observation.h"
#include "plan.h"
#include "support/plan_fixture.h"

/* ---- create and no-op ---------------------------------------------------------- */

static void
test_converge_from_empty(void **state)
{
	struct fx *f = *state;
	struct service_spec *b = spec_add(f, "api-b"), *a;
	const struct plan_create *cr;

	a = spec_add(f, "api-a");
	a->acceptance_required = false;
	set_strv(&a->nlb_arns, NLB_B, NLB_A, NULL);
	a->private_dns_name = strdup("api.example.com");
	set_strv(&a->ip_address_types, "ipv4", "ipv6", NULL);
	set_strv(&a->supported_regions, "eu-west-1", REGION, NULL);
	a->principals_managed = true;
	set_strv(&a->allowed_principals, ROOT_2, ROOT_1, NULL);
	spec_tag(a, "team", "payments");
	spec_tag(a, "env", "prod");
	spec_gwlb(b);

	assert_string_equal(
		run(f),
		"create api-a -: acceptance_required: false; network_load_balancer_arns: " NLB_A
		", " NLB_B "; private_dns_name: api.example.com; supported_ip_address_types: "
		"ipv4, ipv6; supported_regions: eu-west-1; allowed_principals: " ROOT_1 ", " ROOT_2
		"; tags: env=prod, team=payments\n"
		"create api-b -: acceptance_required: true; gateway_load_balancer_arns: " GWLB_A
		"; supported_ip_address_types: ipv4\n");
	cr = &change(f, 0)->create;
	assert_false(cr->acceptance_required);
	assert_strv(&cr->nlb_arns, NLB_A "," NLB_B);
	assert_int_equal(cr->gwlb_arns.n, 0);
	assert_string_equal(cr->private_dns_name, "api.example.com");
	assert_strv(&cr->ip_address_types, "ipv4,ipv6");
	assert_strv(&cr->supported_regions, "eu-west-1"); /* home region left out */
	assert_strv(&cr->add_principals, ROOT_1 "," ROOT_2);
	assert_int_equal(cr->tags.n, 4);
	assert_string_equal(cr->tags.v[0].key, "env");
	assert_string_equal(cr->tags.v[1].key, "team");
	assert_string_equal(cr->tags.v[2].key, NAME_TAG);
	assert_string_equal(cr->tags.v[2].value, "api-a");
	assert_string_equal(cr->tags.v[3].key, OWNER_TAG);
	assert_string_equal(cr->tags.v[3].value, OWNER);
	assert_int_equal(strlen(cr->client_token), PLAN_CLIENT_TOKEN_LEN);
	assert_null(change(f, 0)->service_id);
	cr = &change(f, 1)->create;
	assert_strv(&cr->gwlb_arns, GWLB_A);
	assert_null(cr->private_dns_name);
	assert_int_equal(cr->add_principals.n, 0);
	assert_int_equal(f->plan->n_held, 0);
}

static void
test_noop_when_equal(void **state)
{
	struct fx *f = *state;
	struct service_spec *s = spec_add(f, "api");
	struct observed_service *o;

	s->acceptance_required = false;
	set_strv(&s->nlb_arns, NLB_A, NLB_B, NULL);
	s->private_dns_name = strdup("api.example.com");
	set_strv(&s->ip_address_types, "ipv4", "ipv6", NULL);
	set_strv(&s->supported_regions, "eu-west-1", "us-west-2", NULL);
	s->principals_managed = true;
	set_strv(&s->allowed_principals, ROOT_1, ROOT_2, NULL);
	spec_tag(s, "team", "payments");

	o = obs_add(f, "vpce-svc-1", OWNER, "api", "Available");
	o->cfg.acceptance_required = EC2_BOOL_FALSE;
	set_strv(&o->cfg.network_load_balancer_arns, NLB_B, NLB_A, NULL);
	o->cfg.private_dns_name = strdup("API.example.com"); /* DNS names ignore case */
	set_strv(&o->cfg.supported_ip_address_types, "ipv6", "ipv4", NULL);
	obs_region(o, "us-west-2", "Available");
	obs_region(o, "eu-west-1", "Pending"); /* Pending counts as present */
	obs_region(o, REGION, "Available");    /* the home region is not managed */
	obs_principals(o, ROOT_2, ROOT_1, NULL);
	cfg_tag(&o->cfg, "team", "payments");
	cfg_tag(&o->cfg, "aws:cloudformation:stack-name", "x");

	assert_string_equal(run(f), "");
	/* Every policy agrees that nothing is to be done. */
	f->in.policy = MODEL_POLICY_CREATE_ONLY;
	assert_string_equal(run(f), "");
	f->in.policy = MODEL_POLICY_UPSERT_ONLY;
	assert_string_equal(run(f), "");
}

/* ---- field drift ---------------------------------------------------------------- */

static void
test_drift_acceptance(void **state)
{
	struct fx *f = *state;
	struct observed_service *o;

	spec_add(f, "api");
	o = obs_add(f, "vpce-svc-1", OWNER, "api", "Available");
	o->cfg.acceptance_required = EC2_BOOL_FALSE;
	assert_string_equal(run(f),
			    "modify_config api vpce-svc-1: acceptance_required: false → true\n");
	assert_true(change(f, 0)->modify.set_acceptance);
	assert_true(change(f, 0)->modify.acceptance_required);

	f->specs[0].acceptance_required = false;
	o->cfg.acceptance_required = EC2_BOOL_TRUE;
	assert_string_equal(run(f),
			    "modify_config api vpce-svc-1: acceptance_required: true → false\n");
	assert_false(change(f, 0)->modify.acceptance_required);

	o->cfg.acceptance_required = EC2_BOOL_UNSET;
	assert_string_equal(
		run(f), "modify_config api vpce-svc-1: acceptance_required: (unknown) → false\n");
}

static void
test_drift_nlb_arns(void **state)
{
	struct fx *f = *state;
	struct service_spec *s = spec_add(f, "api");
	struct observed_service *o;
	const struct plan_modify *m;

	set_strv(&s->nlb_arns, NLB_A, NLB_B, NULL);
	o = obs_add(f, "vpce-svc-1", OWNER, "api", "Available");
	set_strv(&o->cfg.network_load_balancer_arns, NLB_C, NLB_A, NULL);
	assert_string_equal(run(f),
			    "modify_config api vpce-svc-1: network_load_balancer_arns: +" NLB_B
			    " −" NLB_C "\n");
	m = &change(f, 0)->modify;
	assert_strv(&m->add_nlb_arns, NLB_B);
	assert_strv(&m->remove_nlb_arns, NLB_C);
	assert_false(m->set_acceptance);
	assert_int_equal(m->add_gwlb_arns.n + m->remove_gwlb_arns.n, 0);
}

static void
test_drift_gwlb_arns(void **state)
{
	struct fx *f = *state;
	struct service_spec *s = spec_add(f, "gw");
	struct observed_service *o;
	const struct plan_modify *m;

	spec_gwlb(s);
	set_strv(&s->gwlb_arns, GWLB_B, NULL);
	o = obs_add(f, "vpce-svc-1", OWNER, "gw", "Available");
	strv_free(&o->cfg.network_load_balancer_arns);
	set_strv(&o->cfg.service_types, "GatewayLoadBalancer", NULL);
	set_strv(&o->cfg.gateway_load_balancer_arns, GWLB_A, NULL);
	assert_string_equal(run(f),
			    "modify_config gw vpce-svc-1: gateway_load_balancer_arns: +" GWLB_B
			    " −" GWLB_A "\n");
	m = &change(f, 0)->modify;
	assert_strv(&m->add_gwlb_arns, GWLB_B);
	assert_strv(&m->remove_gwlb_arns, GWLB_A);
	assert_int_equal(m->add_nlb_arns.n + m->remove_nlb_arns.n, 0);
}

static void
test_drift_private_dns(void **state)
{
	struct fx *f = *state;
	struct service_spec *s = spec_add(f, "api");
	struct observed_service *o = obs_add(f, "vpce-svc-1", OWNER, "api", "Available");

	/* set */
	s->private_dns_name = strdup("api.example.com");
	assert_string_equal(run(f), "modify_config api vpce-svc-1: private_dns_name: (none) → "
				    "api.example.com\n");
	assert_string_equal(change(f, 0)->modify.private_dns_name, "api.example.com");
	assert_false(change(f, 0)->modify.remove_private_dns);
	/* change */
	o->cfg.private_dns_name = strdup("old.example.com");
	assert_string_equal(run(f),
			    "modify_config api vpce-svc-1: private_dns_name: old.example.com → "
			    "api.example.com\n");
	assert_string_equal(change(f, 0)->modify.private_dns_name, "api.example.com");
	/* remove */
	free(s->private_dns_name);
	s->private_dns_name = NULL;
	assert_string_equal(run(f),
			    "modify_config api vpce-svc-1: private_dns_name: old.example.com → "
			    "(none)\n");
	assert_null(change(f, 0)->modify.private_dns_name);
	assert_true(change(f, 0)->modify.remove_private_dns);
	/* An empty observed name is no name: nothing to remove. */
	free(o->cfg.private_dns_name);
	o->cfg.private_dns_name = strdup("");
	assert_string_equal(run(f), "");
}

static void
test_drift_ip_types(void **state)
{
	struct fx *f = *state;
	struct service_spec *s = spec_add(f, "api");
	struct observed_service *o = obs_add(f, "vpce-svc-1", OWNER, "api", "Available");
	const struct plan_modify *m;

	/* add */
	set_strv(&s->ip_address_types, "ipv4", "ipv6", NULL);
	assert_string_equal(run(f),
			    "modify_config api vpce-svc-1: supported_ip_address_types: +ipv6\n");
	assert_strv(&change(f, 0)->modify.add_ip_types, "ipv6");
	assert_int_equal(change(f, 0)->modify.remove_ip_types.n, 0);
	/* remove */
	set_strv(&s->ip_address_types, "ipv6", NULL);
	set_strv(&o->cfg.supported_ip_address_types, "ipv4", "ipv6", NULL);
	assert_string_equal(run(f),
			    "modify_config api vpce-svc-1: supported_ip_address_types: −ipv4\n");
	assert_strv(&change(f, 0)->modify.remove_ip_types, "ipv4");
	assert_int_equal(change(f, 0)->modify.add_ip_types.n, 0);
	/* swap: both in one call, the set never empty (apply sends Add first) */
	set_strv(&o->cfg.supported_ip_address_types, "ipv4", NULL);
	assert_string_equal(
		run(f), "modify_config api vpce-svc-1: supported_ip_address_types: +ipv6 −ipv4\n");
	m = &change(f, 0)->modify;
	assert_strv(&m->add_ip_types, "ipv6");
	assert_strv(&m->remove_ip_types, "ipv4");
	assert_int_equal(f->plan->n_changes, 1);
}

static void
test_drift_regions(void **state)
{
	struct fx *f = *state;
	struct service_spec *s = spec_add(f, "api");
	struct observed_service *o = obs_add(f, "vpce-svc-1", OWNER, "api", "Available");
	const struct plan_modify *m;

	set_strv(&s->supported_regions, REGION, "eu-west-1", "eu-west-2", "eu-west-3", "ap-south-1",
		 NULL);
	obs_region(o, "eu-west-1", "Pending");   /* present */
	obs_region(o, "eu-west-2", "Closed");    /* absent: added again */
	obs_region(o, "eu-west-3", "failed");    /* absent (any case) */
	obs_region(o, "us-west-2", "Available"); /* not desired: removed */
	obs_region(o, "sa-east-1", "Deleting");  /* already going: not removed again */
	/* home region: in the spec but not observed → not added */
	assert_string_equal(run(f), "modify_config api vpce-svc-1: supported_regions: +ap-south-1 "
				    "+eu-west-2 +eu-west-3 −us-west-2\n");
	m = &change(f, 0)->modify;
	assert_strv(&m->add_regions, "ap-south-1,eu-west-2,eu-west-3");
	assert_strv(&m->remove_regions, "us-west-2");

	/* The home region observed but not desired is not removed either. */
	set_strv(&s->supported_regions, NULL);
	for (size_t i = 0; i < o->cfg.n_supported_regions; i++) {
		free(o->cfg.supported_regions[i].region);
		free(o->cfg.supported_regions[i].service_state);
	}
	o->cfg.n_supported_regions = 0;
	obs_region(o, REGION, "Available");
	assert_string_equal(run(f), "");
}

static void
test_drift_tags(void **state)
{
	struct fx *f = *state;
	struct service_spec *s = spec_add(f, "api");
	struct observed_service *o = obs_add(f, "vpce-svc-1", OWNER, "api", "Available");
	const struct plan_change *c;

	spec_tag(s, "team", "payments"); /* add */
	spec_tag(s, "env", "prod");      /* change */
	spec_tag(s, "keep", "same");
	cfg_tag(&o->cfg, "env", "dev");
	cfg_tag(&o->cfg, "keep", "same");
	cfg_tag(&o->cfg, "old", "x");                    /* remove */
	cfg_tag(&o->cfg, "Zed", "");                     /* remove, empty value */
	cfg_tag(&o->cfg, "aws:cloudformation:id", "cf"); /* never touched */
	cfg_tag(&o->cfg, "AWS:other", "cf");             /* never touched */
	cfg_tag(&o->cfg, "vpcesd:future", "y");          /* never touched */
	assert_string_equal(run(f),
			    "create_tags api vpce-svc-1: tag env: dev → prod; tag team: (none) "
			    "→ payments\n"
			    "delete_tags api vpce-svc-1: tag Zed: \"\" → (none); tag old: x → "
			    "(none)\n");
	c = change(f, 0);
	assert_int_equal(c->tags.n, 2);
	assert_string_equal(c->tags.v[0].key, "env");
	assert_string_equal(c->tags.v[0].value, "prod");
	assert_string_equal(c->tags.v[1].key, "team");
	c = change(f, 1);
	assert_strv(&c->tag_keys, "Zed,old");
}

static void
test_delete_tags_never_empty(void **state)
{
	struct fx *f = *state;
	struct observed_service *o;

	spec_add(f, "api");
	o = obs_add(f, "vpce-svc-1", OWNER, "api", "Available");
	cfg_tag(&o->cfg, "aws:x", "1"); /* only reserved extra tags: no DELETE_TAGS at all */
	assert_string_equal(run(f), "");
	for (size_t i = 0; i < f->plan->n_changes; i++)
		assert_int_not_equal(f->plan->changes[i].kind, PLAN_DELETE_TAGS);
}

static void
test_permissions(void **state)
{
	struct fx *f = *state;
	struct service_spec *s = spec_add(f, "api");
	struct observed_service *o = obs_add(f, "vpce-svc-1", OWNER, "api", "Available");

	/* absent key: unmanaged, observed principals left alone */
	obs_principals(o, USER_X, NULL);
	assert_string_equal(run(f), "");
	/* unmanaged and unreadable: still nothing to hold */
	o->permissions_known = false;
	assert_string_equal(run(f), "");
	o->permissions_known = true;

	/* add + remove in one call */
	s->principals_managed = true;
	set_strv(&s->allowed_principals, ROOT_2, ROOT_1, NULL);
	obs_principals(o, USER_X, ROOT_1, NULL);
	assert_string_equal(run(f),
			    "modify_permissions api vpce-svc-1: allowed_principals: +" ROOT_2
			    " −" USER_X "\n");
	assert_strv(&change(f, 0)->add_principals, ROOT_2);
	assert_strv(&change(f, 0)->remove_principals, USER_X);

	/* [] = remove all */
	set_strv(&s->allowed_principals, NULL);
	obs_principals(o, "*", ROOT_1, NULL);
	assert_string_equal(run(f), "modify_permissions api vpce-svc-1: allowed_principals: −*"
				    " −" ROOT_1 "\n");
	assert_int_equal(change(f, 0)->add_principals.n, 0);
	assert_strv(&change(f, 0)->remove_principals, "*," ROOT_1);
}

/* ---- ownership ------------------------------------------------------------------- */

static void
test_foreign_never_touched(void **state)
{
	struct fx *f = *state;
	struct observed_service *o;

	spec_add(f, "api");
	/* Same name, no owner tag; same name, other owner; both drifted. */
	o = obs_add(f, "vpce-svc-1", NULL, "api", "Available");
	o->cfg.acceptance_required = EC2_BOOL_FALSE;
	o = obs_add(f, "vpce-svc-2", "team-b", "api", "Available");
	o->cfg.acceptance_required = EC2_BOOL_FALSE;
	/* Not desired, other owner, connected to nothing: never deleted. */
	obs_add(f, "vpce-svc-3", "team-b", "gone", "Available");
	obs_add(f, "vpce-svc-4", NULL, NULL, "Available");
	obs_add(f, "vpce-svc-5", "TEAM-A", "gone", "Available"); /* owner compare is exact */
	f->in.policy = MODEL_POLICY_SYNC;
	/* The spec finds no service of ours, so it creates one. */
	assert_string_equal(run(f), "create api -: acceptance_required: true; "
				    "network_load_balancer_arns: " NLB_A
				    "; supported_ip_address_types: ipv4\n");
}

static void
test_owned_without_name_is_deleted_under_sync(void **state)
{
	struct fx *f = *state;

	obs_add(f, "vpce-svc-9", OWNER, NULL, "Available");
	assert_string_equal(
		run(f), "delete vpce-svc-9 vpce-svc-9: not in the configuration (policy sync)\n");
}

static void
test_repeated_id_first_wins(void **state)
{
	struct fx *f = *state;
	struct observed_service *o;

	spec_add(f, "api");
	obs_add(f, "vpce-svc-1", OWNER, "api", "Available");
	o = obs_add(f, "vpce-svc-1", OWNER, "api", "Available"); /* ignored */
	o->cfg.acceptance_required = EC2_BOOL_FALSE;
	assert_string_equal(run(f), "");
}

/* ---- adopt ------------------------------------------------------------------------ */

static void
test_adopt_untagged(void **state)
{
	struct fx *f = *state;
	struct service_spec *s = spec_add(f, "api");
	struct observed_service *o;
	const struct plan_change *c;

	s->adopt = strdup("vpce-svc-0a");
	spec_tag(s, "team", "payments");
	o = obs_add_src(f, "vpce-svc-0a", NULL, NULL, "Available", OBSERVATION_ID_LOOKUP);
	o->cfg.acceptance_required = EC2_BOOL_FALSE;
	assert_int_equal(observation_add_lookup(f->obs, "vpce-svc-0a", OBSERVATION_FOUND, NULL), 0);
	assert_string_equal(
		run(f), "adopt api vpce-svc-0a: tag vpcesd:name: (none) → api; tag vpcesd:owner: "
			"(none) → " OWNER "\n"
			"modify_config api vpce-svc-0a: acceptance_required: false → true\n"
			"create_tags api vpce-svc-0a: tag team: (none) → payments\n");
	c = change(f, 0);
	assert_int_equal(c->tags.n, 2);
	assert_string_equal(c->tags.v[0].key, NAME_TAG);
	assert_string_equal(c->tags.v[0].value, "api");
	assert_string_equal(c->tags.v[1].key, OWNER_TAG);
	assert_string_equal(c->tags.v[1].value, OWNER);

	/* Once tagged, the adopted service converges like any other. */
	cfg_tag(&o->cfg, OWNER_TAG, OWNER);
	cfg_tag(&o->cfg, NAME_TAG, "api");
	cfg_tag(&o->cfg, "team", "payments");
	o->cfg.acceptance_required = EC2_BOOL_TRUE;
	assert_string_equal(run(f), "");
}

static void
test_adopt_refused_and_incomplete(void **state)
{
	struct fx *f = *state;
	struct service_spec *s;

	s = spec_add(f, "a-foreign");
	s->adopt = strdup("vpce-svc-01");
	obs_add_src(f, "vpce-svc-01", "team-b", "x", "Available", OBSERVATION_ID_LOOKUP);
	s = spec_add(f, "b-missing");
	s->adopt = strdup("vpce-svc-02");
	assert_int_equal(observation_add_lookup(f->obs, "vpce-svc-02", OBSERVATION_NOT_FOUND, NULL),
			 0);
	s = spec_add(f, "c-unreadable");
	s->adopt = strdup("vpce-svc-03");
	assert_int_equal(observation_add_lookup(f->obs, "vpce-svc-03", OBSERVATION_UNREADABLE,
						"RequestLimitExceeded"),
			 0);
	s = spec_add(f, "d-unobserved");
	s->adopt = strdup("vpce-svc-04");
	s = spec_add(f, "e-other-spec");
	s->adopt = strdup("vpce-svc-05");
	obs_add_src(f, "vpce-svc-05", OWNER, "f-owner", "Available", OBSERVATION_ID_LOOKUP);
	spec_add(f, "f-owner");
	s = spec_add(f, "g-deleted");
	s->adopt = strdup("vpce-svc-07");
	obs_add_src(f, "vpce-svc-07", NULL, NULL, "Deleted", OBSERVATION_ID_LOOKUP);

	assert_string_equal(
		run(f),
		"! refused a-foreign vpce-svc-01: adopt target vpce-svc-01 belongs to owner "
		"'team-b' (tag vpcesd:owner), not '" OWNER "'\n"
		"! refused b-missing vpce-svc-02: adopt target vpce-svc-02 not found\n"
		"! incomplete c-unreadable vpce-svc-03: adopt target vpce-svc-03 could not be "
		"read: "
		"RequestLimitExceeded\n"
		"! incomplete d-unobserved vpce-svc-04: adopt target vpce-svc-04 was not observed\n"
		"! refused e-other-spec vpce-svc-05: adopt target vpce-svc-05 is already managed "
		"as "
		"'f-owner'\n"
		"! refused g-deleted vpce-svc-07: adopt target vpce-svc-07 is deleted\n");
}

static void
test_adopt_owned_renamed_and_kept(void **state)
{
	struct fx *f = *state;
	struct service_spec *s = spec_add(f, "api");

	/* Ours under a name no spec uses: adopt renames it, and it is not deleted. */
	s->adopt = strdup("vpce-svc-1");
	obs_add(f, "vpce-svc-1", OWNER, "legacy", "Available");
	f->in.policy = MODEL_POLICY_SYNC;
	assert_string_equal(run(f), "adopt api vpce-svc-1: tag vpcesd:name: legacy → api\n");
	assert_int_equal(change(f, 0)->tags.n, 2); /* both tags are written */
}

static void
test_adopt_target_is_keeper(void **state)
{
	struct fx *f = *state;
	struct service_spec *s = spec_add(f, "api");

	/* Another owned service with the spec's name is a duplicate of the target. */
	s->adopt = strdup("vpce-svc-9");
	obs_add(f, "vpce-svc-1", OWNER, "api", "Available");
	obs_add(f, "vpce-svc-9", OWNER, "api", "Available");
	assert_string_equal(run(f),
			    "delete api vpce-svc-1: duplicate of vpce-svc-9 (same vpcesd:name)\n");
}

static void
test_adopt_target_of_held_spec_never_deleted(void **state)
{
	struct fx *f = *state;
	struct service_spec *s = spec_add(f, "api");
	struct observed_service *o;

	/* The target is ours, named after no spec, but the spec is held: no delete. */
	s->adopt = strdup("vpce-svc-1");
	s->principals_managed = true;
	o = obs_add(f, "vpce-svc-1", OWNER, "legacy", "Available");
	o->permissions_known = false;
	assert_string_equal(run(f), "! incomplete api vpce-svc-1: allowed principals could not be "
				    "read; not modifying the service\n");
}

/* ---- policies ---------------------------------------------------------------------- */

static void
policy_fixture(struct fx *f)
{
	struct observed_service *o;

	spec_add(f, "new");
	spec_add(f, "drifted");
	o = obs_add(f, "vpce-svc-1", OWNER, "drifted", "Available");
	o->cfg.acceptance_required = EC2_BOOL_FALSE;
	cfg_tag(&o->cfg, "stale", "1");
	obs_add(f, "vpce-svc-2", OWNER, "gone", "Available");
}

static void
test_policy_sync(void **state)
{
	struct fx *f = *state;

	policy_fixture(f);
	f->in.policy = MODEL_POLICY_SYNC;
	assert_string_equal(
		run(f),
		"modify_config drifted vpce-svc-1: acceptance_required: false → "
		"true\n"
		"delete_tags drifted vpce-svc-1: tag stale: 1 → (none)\n"
		"create new -: acceptance_required: true; network_load_balancer_arns: " NLB_A
		"; supported_ip_address_types: ipv4\n"
		"delete gone vpce-svc-2: not in the configuration (policy sync)\n");
}

static void
test_policy_upsert_only(void **state)
{
	struct fx *f = *state;

	policy_fixture(f);
	f->in.policy = MODEL_POLICY_UPSERT_ONLY;
	assert_string_equal(
		run(f),
		"modify_config drifted vpce-svc-1: acceptance_required: false → "
		"true\n"
		"delete_tags drifted vpce-svc-1: tag stale: 1 → (none)\n"
		"create new -: acceptance_required: true; network_load_balancer_arns: " NLB_A
		"; supported_ip_address_types: ipv4\n"
		"! retained gone vpce-svc-2: retained: not in the configuration; policy "
		"upsert-only "
		"does not delete (policy sync would delete vpce-svc-2)\n");
}

static void
test_policy_create_only(void **state)
{
	struct fx *f = *state;

	policy_fixture(f);
	f->in.policy = MODEL_POLICY_CREATE_ONLY;
	assert_string_equal(
		run(f),
		"create new -: acceptance_required: true; network_load_balancer_arns: " NLB_A
		"; supported_ip_address_types: ipv4\n"
		"! policy drifted vpce-svc-1: would modify: acceptance_required: false → "
		"true; tag stale: 1 → (none) (policy create-only)\n"
		"! retained gone vpce-svc-2: retained: not in the configuration; policy "
		"create-only "
		"does not delete (policy sync would delete vpce-svc-2)\n");
}

static void
test_policy_create_only_adopts(void **state)
{
	struct fx *f = *state;
	struct service_spec *s = spec_add(f, "api");
	struct observed_service *o;

	s->adopt = strdup("vpce-svc-1");
	o = obs_add(f, "vpce-svc-1", NULL, NULL, "Available");
	o->cfg.acceptance_required = EC2_BOOL_FALSE;
	f->in.policy = MODEL_POLICY_CREATE_ONLY;
	assert_string_equal(run(f),
			    "adopt api vpce-svc-1: tag vpcesd:name: (none) → api; tag "
			    "vpcesd:owner: (none) → " OWNER "\n"
			    "! policy api vpce-svc-1: would modify: acceptance_required: false → "
			    "true (policy create-only)\n");
}

/* ---- deletes ------------------------------------------------------------------------- */

static void
test_delete_guard_connected(void **state)
{
	struct fx *f = *state;
	struct observed_service *o;

	o = obs_add(f, "vpce-svc-1", OWNER, "old", "Available");
	obs_conn(o, "vpce-2", "available");
	obs_conn(o, "vpce-1", "PendingAcceptance"); /* any case */
	obs_conn(o, "vpce-3", "rejected");
	assert_string_equal(run(f),
			    "! connected old vpce-svc-1: 2 endpoint connection(s) available or "
			    "pendingAcceptance (vpce-1, vpce-2); set "
			    "delete.reject_connections to reject them\n");

	f->in.reject_connections = true;
	assert_string_equal(run(f),
			    "reject_connections old vpce-svc-1: reject endpoint connections: "
			    "vpce-1, vpce-2\n"
			    "delete old vpce-svc-1: not in the configuration (policy sync)\n");
	assert_strv(&change(f, 0)->endpoint_ids, "vpce-1,vpce-2");
}

static void
test_delete_not_blocked_by_dead_connections(void **state)
{
	struct fx *f = *state;
	struct observed_service *o;

	o = obs_add(f, "vpce-svc-1", OWNER, "old", "Available");
	obs_conn(o, "vpce-1", "rejected");
	obs_conn(o, "vpce-2", "deleted");
	obs_conn(o, "vpce-3", "failed");
	assert_string_equal(run(f),
			    "delete old vpce-svc-1: not in the configuration (policy sync)\n");
}

static void
test_delete_needs_connections_known(void **state)
{
	struct fx *f = *state;
	struct observed_service *o;

	o = obs_add(f, "vpce-svc-1", OWNER, "old", "Available");
	o->connections_known = false;
	f->in.reject_connections = true;
	assert_string_equal(run(f),
			    "! incomplete old vpce-svc-1: endpoint connections could not be "
			    "read; not deleting\n");
}

static void
add_old_services(struct fx *f, size_t n)
{
	char id[32], name[32];

	for (size_t i = 0; i < n; i++) {
		snprintf(id, sizeof(id), "vpce-svc-%zu", i);
		snprintf(name, sizeof(name), "old-%zu", i);
		obs_add(f, id, OWNER, name, "Available");
	}
}

static void
test_valve_exactly_max(void **state)
{
	struct fx *f = *state;

	add_old_services(f, 3);
	f->in.max_deletes = 3;
	assert_string_equal(run(f),
			    "delete old-0 vpce-svc-0: not in the configuration (policy sync)\n"
			    "delete old-1 vpce-svc-1: not in the configuration (policy sync)\n"
			    "delete old-2 vpce-svc-2: not in the configuration (policy sync)\n");
}

static void
test_valve_above_max_holds_all(void **state)
{
	struct fx *f = *state;
	struct observed_service *o;

	add_old_services(f, 3);
	o = &f->obs->services[0];
	obs_conn(o, "vpce-1", "available");
	f->in.reject_connections = true; /* the reject is held with its delete */
	f->in.max_deletes = 2;
	assert_string_equal(
		run(f), "! valve old-0 vpce-svc-0: would delete 3 services this cycle, more than "
			"delete.max_per_cycle (2); holding every delete\n"
			"! valve old-1 vpce-svc-1: would delete 3 services this cycle, more than "
			"delete.max_per_cycle (2); holding every delete\n"
			"! valve old-2 vpce-svc-2: would delete 3 services this cycle, more than "
			"delete.max_per_cycle (2); holding every delete\n");
	/* Held deletes do not count: one connected service brings it back to 2. */
	f->in.reject_connections = false;
	assert_string_equal(run(f),
			    "delete old-1 vpce-svc-1: not in the configuration (policy sync)\n"
			    "delete old-2 vpce-svc-2: not in the configuration (policy sync)\n"
			    "! connected old-0 vpce-svc-0: 1 endpoint connection(s) available or "
			    "pendingAcceptance (vpce-1); set delete.reject_connections to reject "
			    "them\n");
}

static void
test_valve_zero(void **state)
{
	struct fx *f = *state;

	add_old_services(f, 1);
	f->in.max_deletes = 0;
	assert_string_equal(run(f), "! valve old-0 vpce-svc-0: would delete 1 services this cycle, "
				    "more than delete.max_per_cycle (0); holding every delete\n");
}

/* ---- the delete guard ------------------------------------------------------------------ */

#define GUARD_EVERY(n)                                                                          \
	"this cycle would delete every owned service (" n "): the configuration names none of " \
	"them; set delete.allow_empty: true if that is what you want"

static void
test_delete_guard_every(void **state)
{
	struct fx *f = *state;

	f->in.allow_empty = false;
	/* Nothing owned, nothing to delete: no guard either. */
	assert_string_equal(run(f), "");
	assert_null(f->plan->delete_guard);

	/* No spec stands for any owned service: every delete is held, none goes. */
	add_old_services(f, 2);
	assert_string_equal(run(f),
			    "! guard old-0 vpce-svc-0: " GUARD_EVERY(
				    "2") "\n"
					 "! guard old-1 vpce-svc-1: " GUARD_EVERY("2") "\n");
	assert_non_null(f->plan->delete_guard);
	assert_string_equal(f->plan->delete_guard, GUARD_EVERY("2"));
	assert_int_equal(f->plan->n_changes, 0);
	assert_int_equal(f->plan->held[0].kind, PLAN_HOLD_GUARD);
	assert_int_equal(f->plan->held[1].kind, PLAN_HOLD_GUARD);

	/* A spec to create stands for no existing service: still every one. */
	spec_add(f, "new");
	assert_string_equal(
		run(f), "create new -: acceptance_required: true; "
			"network_load_balancer_arns: " NLB_A "; supported_ip_address_types: ipv4\n"
			"! guard old-0 vpce-svc-0: " GUARD_EVERY(
				"2") "\n"
				     "! guard old-1 vpce-svc-1: " GUARD_EVERY("2") "\n");

	/* allow_empty lets them go. */
	f->in.allow_empty = true;
	assert_string_equal(
		run(f), "create new -: acceptance_required: true; "
			"network_load_balancer_arns: " NLB_A "; supported_ip_address_types: ipv4\n"
			"delete old-0 vpce-svc-0: not in the configuration (policy sync)\n"
			"delete old-1 vpce-svc-1: not in the configuration (policy sync)\n");
	assert_null(f->plan->delete_guard);
}

static void
test_delete_guard_allow_empty_keeps_other_guards(void **state)
{
	struct fx *f = *state;

	/* allow_empty lifts the guard only: the valve and the connections still hold. */
	add_old_services(f, 3);
	obs_conn(&f->obs->services[0], "vpce-1", "available");
	f->in.allow_empty = true;
	f->in.max_deletes = 1;
	assert_string_equal(
		run(f), "! connected old-0 vpce-svc-0: 1 endpoint connection(s) available or "
			"pendingAcceptance (vpce-1); set delete.reject_connections to reject "
			"them\n"
			"! valve old-1 vpce-svc-1: would delete 2 services this cycle, more than "
			"delete.max_per_cycle (1); holding every delete\n"
			"! valve old-2 vpce-svc-2: would delete 2 services this cycle, more than "
			"delete.max_per_cycle (1); holding every delete\n");
	assert_null(f->plan->delete_guard);
}

#define GUARD_FRACTION(n, total, pct)                                               \
	"this cycle would delete " n " of the " total " owned services, more than " \
	"delete.max_fraction (" pct "%); raise it if that is what you want"

static void
test_delete_guard_fraction(void **state)
{
	struct fx *f = *state;
	struct observed_service *o;

	/* One keeper (drifted) and three to delete: 3 of 4 owned services, 75%. */
	spec_add(f, "keep");
	o = obs_add(f, "vpce-svc-k", OWNER, "keep", "Available");
	o->cfg.acceptance_required = EC2_BOOL_FALSE;
	add_old_services(f, 3);
	f->in.allow_empty = false;
	f->in.max_fraction_pct = 75; /* exactly at the fraction: not more than it */
	assert_string_equal(run(f),
			    "modify_config keep vpce-svc-k: acceptance_required: false → true\n"
			    "delete old-0 vpce-svc-0: not in the configuration (policy sync)\n"
			    "delete old-1 vpce-svc-1: not in the configuration (policy sync)\n"
			    "delete old-2 vpce-svc-2: not in the configuration (policy sync)\n");
	assert_null(f->plan->delete_guard);

	/* Above it: every delete is held, the keeper's changes still go. */
	f->in.max_fraction_pct = 74;
	assert_string_equal(
		run(f),
		"modify_config keep vpce-svc-k: acceptance_required: false → true\n"
		"! guard old-0 vpce-svc-0: " GUARD_FRACTION(
			"3", "4", "74") "\n"
					"! guard old-1 vpce-svc-1: " GUARD_FRACTION(
						"3", "4",
						"74") "\n"
						      "! guard old-2 vpce-svc-2: " GUARD_FRACTION(
							      "3", "4", "74") "\n");
	assert_string_equal(f->plan->delete_guard, GUARD_FRACTION("3", "4", "74"));
	assert_int_equal(f->plan->n_changes, 1);

	/* allow_empty is about an empty desired state, not about the fraction. */
	f->in.allow_empty = true;
	assert_string_equal(
		run(f),
		"modify_config keep vpce-svc-k: acceptance_required: false → true\n"
		"! guard old-0 vpce-svc-0: " GUARD_FRACTION(
			"3", "4", "74") "\n"
					"! guard old-1 vpce-svc-1: " GUARD_FRACTION(
						"3", "4",
						"74") "\n"
						      "! guard old-2 vpce-svc-2: " GUARD_FRACTION(
							      "3", "4", "74") "\n");
}

static void
test_delete_guard_fraction_counts_duplicates(void **state)
{
	struct fx *f = *state;

	/* A duplicate is a delete too: 2 (duplicate, old) of 3 owned services, 66.7%. */
	spec_add(f, "api");
	obs_add(f, "vpce-svc-1", OWNER, "api", "Available");
	obs_add(f, "vpce-svc-2", OWNER, "api", "Available");
	obs_add(f, "vpce-svc-3", OWNER, "old", "Available");
	f->in.allow_empty = false;
	f->in.max_fraction_pct = 66;
	assert_string_equal(run(f),
			    "! guard api vpce-svc-2: " GUARD_FRACTION(
				    "2", "3", "66") "\n"
						    "! guard old vpce-svc-3: " GUARD_FRACTION(
							    "2", "3", "66") "\n");
	f->in.max_fraction_pct = 67;
	assert_string_equal(run(f),
			    "delete api vpce-svc-2: duplicate of vpce-svc-1 (same vpcesd:name)\n"
			    "delete old vpce-svc-3: not in the configuration (policy sync)\n");
	assert_null(f->plan->delete_guard);
}

static void
test_delete_guard_sync_only(void **state)
{
	struct fx *f = *state;

	/* upsert-only deletes nothing anyway: HELD_POLICY as before, no guard. */
	spec_add(f, "keep");
	obs_add(f, "vpce-svc-k", OWNER, "keep", "Available");
	add_old_services(f, 1);
	f->in.allow_empty = false;
	f->in.max_fraction_pct = 1;
	f->in.policy = MODEL_POLICY_UPSERT_ONLY;
	assert_string_equal(run(f), "! retained old-0 vpce-svc-0: retained: not in the "
				    "configuration; policy upsert-only "
				    "does not delete (policy sync would delete vpce-svc-0)\n");
	assert_null(f->plan->delete_guard);
	f->in.n_specs = 0; /* every one would be deleted: still only the policy */
	assert_string_equal(run(f), "! retained keep vpce-svc-k: retained: not in the "
				    "configuration; policy upsert-only "
				    "does not delete (policy sync would delete vpce-svc-k)\n"
				    "! retained old-0 vpce-svc-0: retained: not in the "
				    "configuration; policy upsert-only "
				    "does not delete (policy sync would delete vpce-svc-0)\n");
	assert_null(f->plan->delete_guard);
}

static void
test_delete_guard_adopt_target_is_kept(void **state)
{
	struct fx *f = *state;
	struct service_spec *s = spec_add(f, "api");

	/* Adopting X while deleting Y, a duplicate of X: not "every" service goes. */
	s->adopt = strdup("vpce-svc-x");
	obs_add_src(f, "vpce-svc-x", NULL, NULL, "Available", OBSERVATION_ID_LOOKUP);
	assert_int_equal(observation_add_lookup(f->obs, "vpce-svc-x", OBSERVATION_FOUND, NULL), 0);
	obs_add(f, "vpce-svc-y", OWNER, "api", "Available");
	f->in.allow_empty = false;
	f->in.max_fraction_pct = 50; /* 1 of 2 */
	assert_string_equal(run(f),
			    "adopt api vpce-svc-x: tag vpcesd:name: (none) → api; tag "
			    "vpcesd:owner: (none) → " OWNER "\n"
			    "delete api vpce-svc-y: duplicate of vpce-svc-x (same vpcesd:name)\n");
	assert_null(f->plan->delete_guard);
}

/* ---- duplicates ------------------------------------------------------------------------ */

static void
test_duplicates(void **state)
{
	struct fx *f = *state;
	struct observed_service *o;

	spec_add(f, "api");
	o = obs_add(f, "vpce-svc-b", OWNER, "api", "Available");
	o->cfg.acceptance_required = EC2_BOOL_FALSE;
	obs_add(f, "vpce-svc-c", OWNER, "api", "Available");
	obs_add(f, "vpce-svc-a", OWNER, "api", "Failed"); /* smaller id, but not Available */
	o = obs_add(f, "vpce-svc-d", OWNER, "api", "Available");
	obs_conn(o, "vpce-1", "available");

	f->in.policy = MODEL_POLICY_UPSERT_ONLY;
	assert_string_equal(
		run(f),
		"modify_config api vpce-svc-b: acceptance_required: false → true\n"
		"! duplicate api vpce-svc-a: duplicate of vpce-svc-b (same vpcesd:name); not "
		"deleted (policy upsert-only)\n"
		"! duplicate api vpce-svc-c: duplicate of vpce-svc-b (same vpcesd:name); not "
		"deleted (policy upsert-only)\n"
		"! duplicate api vpce-svc-d: duplicate of vpce-svc-b (same vpcesd:name); not "
		"deleted (policy upsert-only)\n");

	/* sync: deleted unless connected, never rejected, even with reject_connections. */
	f->in.policy = MODEL_POLICY_SYNC;
	f->in.reject_connections = true;
	assert_string_equal(
		run(f),
		"modify_config api vpce-svc-b: acceptance_required: false → true\n"
		"delete api vpce-svc-a: duplicate of vpce-svc-b (same vpcesd:name)\n"
		"delete api vpce-svc-c: duplicate of vpce-svc-b (same vpcesd:name)\n"
		"! duplicate api vpce-svc-d: duplicate of vpce-svc-b (same vpcesd:name); not "
		"deleted: 1 endpoint connection(s) available or pendingAcceptance (vpce-1)\n");

	/* Duplicates go through the same valve. */
	f->in.max_deletes = 1;
	assert_string_equal(
		run(f),
		"modify_config api vpce-svc-b: acceptance_required: false → true\n"
		"! valve api vpce-svc-a: would delete 2 services this cycle, more than "
		"delete.max_per_cycle (1); holding every delete\n"
		"! valve api vpce-svc-c: would delete 2 services this cycle, more than "
		"delete.max_per_cycle (1); holding every delete\n"
		"! duplicate api vpce-svc-d: duplicate of vpce-svc-b (same vpcesd:name); not "
		"deleted: 1 endpoint connection(s) available or pendingAcceptance (vpce-1)\n");
}

static void
test_duplicate_keeper_smallest_id(void **state)
{
	struct fx *f = *state;

	spec_add(f, "api");
	obs_add(f, "vpce-svc-2", OWNER, "api", "Available");
	obs_add(f, "vpce-svc-1", OWNER, "api", "Available");
	assert_string_equal(run(f),
			    "delete api vpce-svc-2: duplicate of vpce-svc-1 (same vpcesd:name)\n");
}

/* ---- completeness and states ------------------------------------------------------------ */

static void
test_incomplete_listing(void **state)
{
	struct fx *f = *state;
	struct observed_service *o;

	spec_add(f, "new");
	spec_add(f, "seen");
	o = obs_add(f, "vpce-svc-1", OWNER, "seen", "Available");
	o->cfg.acceptance_required = EC2_BOOL_FALSE;
	obs_add(f, "vpce-svc-2", OWNER, "gone", "Available");
	f->obs->listing_complete = false;
	assert_string_equal(run(f),
			    "modify_config seen vpce-svc-1: acceptance_required: false → true\n"
			    "! incomplete gone vpce-svc-2: the listing of owned services is "
			    "incomplete; not deleting\n"
			    "! incomplete new -: the listing of owned services is incomplete; "
			    "not creating\n");
}

static void
test_unknown_permissions_hold_service(void **state)
{
	struct fx *f = *state;
	struct service_spec *s;
	struct observed_service *o;

	s = spec_add(f, "a");
	s->principals_managed = true;
	s = spec_add(f, "b");
	o = obs_add(f, "vpce-svc-1", OWNER, "a", "Available");
	o->cfg.acceptance_required = EC2_BOOL_FALSE;
	o->permissions_known = false;
	o = obs_add(f, "vpce-svc-2", OWNER, "b", "Available");
	o->cfg.acceptance_required = EC2_BOOL_FALSE;
	assert_string_equal(run(f),
			    "modify_config b vpce-svc-2: acceptance_required: false → true\n"
			    "! incomplete a vpce-svc-1: allowed principals could not be read; "
			    "not modifying the service\n");
}

static void
test_states(void **state)
{
	struct fx *f = *state;
	struct observed_service *o;

	spec_add(f, "a-pending");
	spec_add(f, "b-deleting");
	spec_add(f, "c-failed");
	spec_add(f, "d-ok");
	spec_add(f, "e-deleted");
	spec_add(f, "f-odd");
	spec_add(f, "g-lower");
	spec_add(f, "h-lower");
	obs_add(f, "vpce-svc-1", OWNER, "a-pending", "Pending");
	obs_add(f, "vpce-svc-2", OWNER, "b-deleting", "Deleting");
	obs_add(f, "vpce-svc-3", OWNER, "c-failed", "Failed");
	o = obs_add(f, "vpce-svc-4", OWNER, "d-ok", "Available");
	o->cfg.acceptance_required = EC2_BOOL_FALSE;
	obs_add(f, "vpce-svc-5", OWNER, "e-deleted", "Deleted"); /* gone: created again */
	obs_add(f, "vpce-svc-6", OWNER, "f-odd", "Weird");
	o = obs_add(f, "vpce-svc-11", OWNER, "g-lower", "available"); /* any case */
	o->cfg.acceptance_required = EC2_BOOL_FALSE;
	obs_add(f, "vpce-svc-12", OWNER, "h-lower", "pending");
	/* Not desired any more: */
	obs_add(f, "vpce-svc-7", OWNER, "old-pending", "Pending");
	obs_add(f, "vpce-svc-8", OWNER, "old-deleting", "Deleting");
	obs_add(f, "vpce-svc-9", OWNER, "old-failed", "Failed");
	obs_add(f, "vpce-svc-10", OWNER, "old-deleted", "Deleted");
	assert_string_equal(
		run(f),
		"modify_config d-ok vpce-svc-4: acceptance_required: false → true\n"
		"create e-deleted -: acceptance_required: true; network_load_balancer_arns: " NLB_A
		"; supported_ip_address_types: ipv4\n"
		"modify_config g-lower vpce-svc-11: acceptance_required: false → true\n"
		"delete old-failed vpce-svc-9: not in the configuration (policy sync)\n"
		"! waiting a-pending vpce-svc-1: service is Pending; waiting for it to settle\n"
		"! waiting b-deleting vpce-svc-2: service is Deleting; waiting for it to settle\n"
		"! failed c-failed vpce-svc-3: service is in state Failed; not modifying it\n"
		"! incomplete f-odd vpce-svc-6: service state 'Weird' is unknown; not "
		"modifying it\n"
		"! waiting h-lower vpce-svc-12: service is pending; waiting for it to settle\n"
		"! waiting old-deleting vpce-svc-8: service is Deleting; waiting for it to "
		"settle\n"
		"! waiting old-pending vpce-svc-7: service is Pending; waiting for it to "
		"settle\n");
}

static void
test_lb_type_change_refused(void **state)
{
	struct fx *f = *state;
	struct service_spec *s;
	struct observed_service *o;

	s = spec_add(f, "to-gwlb");
	spec_gwlb(s);
	obs_add(f, "vpce-svc-1", OWNER, "to-gwlb", "Available");
	spec_add(f, "to-nlb");
	o = obs_add(f, "vpce-svc-2", OWNER, "to-nlb", "Available");
	strv_free(&o->cfg.network_load_balancer_arns);
	set_strv(&o->cfg.service_types, "GatewayLoadBalancer", NULL);
	set_strv(&o->cfg.gateway_load_balancer_arns, GWLB_A, NULL);
	assert_string_equal(run(f),
			    "! refused to-gwlb vpce-svc-1: load balancer type change network → "
			    "gateway needs a re-create (delete the service or give the spec a "
			    "new name)\n"
			    "! refused to-nlb vpce-svc-2: load balancer type change gateway → "
			    "network needs a re-create (delete the service or give the spec a "
			    "new name)\n");
}

/* ---- reads ---------------------------------------------------------------------------------- */

/* plan_reads() (asserting success) into *r, which the caller frees with plan_reads_free(). */
static void
reads(struct fx *f, struct plan_reads *r)
{
	memset(r, 0, sizeof(*r));
	err_clear(&f->e);
	assert_int_equal(plan_reads(&f->in, r, &f->e), 0);
	assert_false(err_isset(&f->e));
	assert_int_equal(r->n, f->obs->n_services);
}

static void
test_reads_keepers(void **state)
{
	struct fx *f = *state;
	struct service_spec *s;
	struct plan_reads r;

	s = spec_add(f, "p");
	s->principals_managed = true;
	s = spec_add(f, "c");
	s->connections_managed = true;
	s = spec_add(f, "n");
	s->notifications_managed = true;
	s = spec_add(f, "all");
	s->principals_managed = s->connections_managed = s->notifications_managed = true;
	s = spec_add(f, "pending");
	s->principals_managed = s->connections_managed = s->notifications_managed = true;
	spec_add(f, "plain");
	obs_add(f, "vpce-svc-0", OWNER, "p", "Available");
	obs_add(f, "vpce-svc-1", OWNER, "c", "Available");
	obs_add(f, "vpce-svc-2", OWNER, "n", "Available");
	obs_add(f, "vpce-svc-3", OWNER, "all", "Available");
	obs_add(f, "vpce-svc-4", OWNER, "pending", "Pending"); /* only Available ones converge */
	obs_add(f, "vpce-svc-5", OWNER, "plain", "Available");
	obs_add(f, "vpce-svc-6", "team-b", "p", "Available"); /* not ours: never read */
	reads(f, &r);
	assert_int_equal(r.what[0], PLAN_READ_PRINCIPALS);
	assert_int_equal(r.what[1], PLAN_READ_CONNECTIONS);
	assert_int_equal(r.what[2], PLAN_READ_NOTIFICATIONS);
	assert_int_equal(r.what[3],
			 PLAN_READ_PRINCIPALS | PLAN_READ_CONNECTIONS | PLAN_READ_NOTIFICATIONS);
	assert_int_equal(r.what[4], 0);
	assert_int_equal(r.what[5], 0);
	assert_int_equal(r.what[6], 0);
	assert_int_equal(r.lookup_ids.n, 0);
	plan_reads_free(&r);
	assert_null(r.what);
}

static void
test_reads_delete_candidates(void **state)
{
	struct fx *f = *state;
	struct plan_reads r;

	/* The delete guard looks at the connections of what may go: Available or Failed. */
	spec_add(f, "dup");
	obs_add(f, "vpce-svc-0", OWNER, "old-a", "Available");
	obs_add(f, "vpce-svc-1", OWNER, "old-f", "Failed");
	obs_add(f, "vpce-svc-2", OWNER, "old-p", "Pending");
	obs_add(f, "vpce-svc-3", OWNER, "old-d", "Deleting");
	obs_add(f, "vpce-svc-4", OWNER, "dup", "Available"); /* keeper */
	obs_add(f, "vpce-svc-5", OWNER, "dup", "Available"); /* duplicate */
	obs_add(f, "vpce-svc-6", OWNER, "old-x", "Deleted"); /* gone */
	reads(f, &r);
	assert_int_equal(r.what[0], PLAN_READ_CONNECTIONS);
	assert_int_equal(r.what[1], PLAN_READ_CONNECTIONS);
	assert_int_equal(r.what[2], 0);
	assert_int_equal(r.what[3], 0);
	assert_int_equal(r.what[4], 0);
	assert_int_equal(r.what[5], PLAN_READ_CONNECTIONS);
	assert_int_equal(r.what[6], 0);
	plan_reads_free(&r);

	/* upsert-only (and create-only) delete nothing: nothing to read for it. */
	f->in.policy = MODEL_POLICY_UPSERT_ONLY;
	reads(f, &r);
	for (size_t i = 0; i < r.n; i++)
		assert_int_equal(r.what[i], 0);
	plan_reads_free(&r);
	f->in.policy = MODEL_POLICY_CREATE_ONLY;
	reads(f, &r);
	for (size_t i = 0; i < r.n; i++)
		assert_int_equal(r.what[i], 0);
	plan_reads_free(&r);
}

static void
test_reads_lookups(void **state)
{
	struct fx *f = *state;
	struct plan_reads r;
	struct strv prev = STRV_INIT;
	const struct plan_memory mem[] = {
		{.name = "a", .service_id = "vpce-svc-9", .seen_at = 1}, /* not listed */
		{.name = "b", .service_id = "vpce-svc-1", .seen_at = 1}, /* listed, renamed */
		{.name = "c",
		 .service_id = "vpce-svc-7",
		 .seen_at = 1}, /* a previous owner's has c */
		{.name = "d", .service_id = "vpce-svc-8", .seen_at = 1}, /* not listed */
		{.name = "e", .service_id = "vpce-svc-8", .seen_at = 1}, /* the same id again */
		{.name = "f"},                                           /* no service remembered */
		{.name = "g", .service_id = "vpce-svc-6", .seen_at = 1}, /* g has a keeper */
	};

	for (const char *n = "abcdefg"; *n; n++) {
		char name[2] = {*n, '\0'};

		spec_add(f, name);
	}
	obs_add(f, "vpce-svc-1", OWNER, "renamed", "Available");
	obs_add_src(f, "vpce-svc-2", "team-old", "c", "Available", OBSERVATION_PREVIOUS_LISTING);
	obs_add(f, "vpce-svc-3", OWNER, "g", "Available");
	assert_int_equal(observation_add_owner_listing(f->obs, "team-old", true), 0);
	set_strv(&prev, "team-old", NULL);
	f->in.previous_owners = &prev;
	f->in.memory = mem;
	f->in.n_memory = sizeof(mem) / sizeof(mem[0]);
	reads(f, &r);
	assert_strv(&r.lookup_ids, "vpce-svc-8,vpce-svc-9"); /* sorted, unique */
	plan_reads_free(&r);
	assert_int_equal(r.lookup_ids.n, 0);

	/* No memory: nothing to look up. */
	f->in.memory = NULL;
	f->in.n_memory = 0;
	reads(f, &r);
	assert_int_equal(r.lookup_ids.n, 0);
	plan_reads_free(&r);
	strv_free(&prev);
}

static void
test_reads_handover(void **state)
{
	struct fx *f = *state;
	struct service_spec *s = spec_add(f, "api");
	struct plan_reads r;
	struct strv prev = STRV_INIT;
	const struct plan_memory mem[] = {
		{.name = "api", .service_id = "vpce-svc-9", .seen_at = 1}};

	s->principals_managed = s->notifications_managed = true;
	obs_add_src(f, "vpce-svc-1", "team-old", "api", "Available", OBSERVATION_PREVIOUS_LISTING);
	assert_int_equal(observation_add_owner_listing(f->obs, "team-old", true), 0);
	set_strv(&prev, "team-old", NULL);
	f->in.previous_owners = &prev;
	f->in.memory = mem;
	f->in.n_memory = 1;

	/* Not handed over: held, nothing to read, and the name is not looked up. */
	reads(f, &r);
	assert_int_equal(r.what[0], 0);
	assert_int_equal(r.lookup_ids.n, 0);
	plan_reads_free(&r);

	/* Handed over: it converges this cycle, so it gets a keeper's reads. */
	f->in.handover_from = "team-old";
	reads(f, &r);
	assert_int_equal(r.what[0], PLAN_READ_PRINCIPALS | PLAN_READ_NOTIFICATIONS);
	assert_int_equal(r.lookup_ids.n, 0);
	plan_reads_free(&r);

	/* ... when it is Available. */
	free(f->obs->services[0].cfg.service_state);
	f->obs->services[0].cfg.service_state = strdup("Pending");
	reads(f, &r);
	assert_int_equal(r.what[0], 0);
	plan_reads_free(&r);
	strv_free(&prev);
}

/* ---- bindings ------------------------------------------------------------------------------- */

static void
test_bindings(void **state)
{
	struct fx *f = *state;
	struct service_spec *s;
	const struct plan_binding *b;

	/* Specs in reverse name order on purpose. */
	spec_add(f, "zeta"); /* to create */
	spec_add(f, "mid");
	s = spec_add(f, "gamma");
	s->adopt = strdup("vpce-svc-g");
	s = spec_add(f, "delta"); /* refused adopt */
	s->adopt = strdup("vpce-svc-d");
	spec_add(f, "alpha");
	obs_add(f, "vpce-svc-m", OWNER, "mid", "Pending");
	obs_add(f, "vpce-svc-a2", OWNER, "alpha", "Available");
	obs_add(f, "vpce-svc-a1", OWNER, "alpha", "Available");
	obs_add_src(f, "vpce-svc-g", NULL, NULL, "Available", OBSERVATION_ID_LOOKUP);
	obs_add_src(f, "vpce-svc-d", "team-b", "x", "Available", OBSERVATION_ID_LOOKUP);
	run(f);
	assert_int_equal(f->plan->n_bindings, 5);
	assert_string_equal(f->plan->bindings[0].name, "alpha");
	assert_string_equal(f->plan->bindings[1].name, "delta");
	assert_string_equal(f->plan->bindings[2].name, "gamma");
	assert_string_equal(f->plan->bindings[3].name, "mid");
	assert_string_equal(f->plan->bindings[4].name, "zeta");

	b = plan_binding_of(f->plan, "alpha"); /* the keeper, not its duplicate */
	assert_ptr_equal(b, &f->plan->bindings[0]);
	assert_ptr_equal(b->service, &f->obs->services[2]);
	b = plan_binding_of(f->plan, "delta");
	assert_null(b->service);
	b = plan_binding_of(f->plan, "gamma"); /* the adopt target */
	assert_ptr_equal(b->service, &f->obs->services[3]);
	b = plan_binding_of(f->plan, "mid"); /* held WAITING, but it stands for it */
	assert_ptr_equal(b->service, &f->obs->services[0]);
	b = plan_binding_of(f->plan, "zeta");
	assert_non_null(b);
	assert_null(b->service);
	assert_int_equal(b->generation, 0);
	assert_false(b->forget_service);
	assert_null(plan_binding_of(f->plan, "nope"));
	assert_null(plan_binding_of(f->plan, "aaa"));
	assert_null(plan_binding_of(f->plan, "zzz"));

	/* No spec: no binding. */
	f->in.n_specs = 0;
	run(f);
	assert_int_equal(f->plan->n_bindings, 0);
	assert_null(plan_binding_of(f->plan, "alpha"));
}

/* ---- ordering ----------------------------------------------------------------------------- */

static void
test_order_within_and_across_services(void **state)
{
	struct fx *f = *state;
	struct service_spec *s;
	struct observed_service *o;

	/* Specs in reverse name order on purpose. */
	s = spec_add(f, "zeta");
	s->principals_managed = true;
	set_strv(&s->allowed_principals, ROOT_1, NULL);
	spec_tag(s, "k", "v");
	s->adopt = strdup("vpce-svc-z");
	spec_add(f, "mid");
	spec_add(f, "alpha");
	o = obs_add(f, "vpce-svc-z", NULL, NULL, "Available");
	o->cfg.acceptance_required = EC2_BOOL_FALSE;
	cfg_tag(&o->cfg, "x", "1");
	obs_add(f, "vpce-svc-a", OWNER, "alpha", "Available");
	obs_add(f, "vpce-svc-0", OWNER, "aaa-old", "Available");
	obs_add(f, "vpce-svc-y", OWNER, "yy-old", "Available");
	assert_string_equal(
		run(f),
		"create mid -: acceptance_required: true; network_load_balancer_arns: " NLB_A
		"; supported_ip_address_types: ipv4\n"
		"adopt zeta vpce-svc-z: tag vpcesd:name: (none) → zeta; tag vpcesd:owner: "
		"(none) → " OWNER "\n"
		"modify_config zeta vpce-svc-z: acceptance_required: false → true\n"
		"modify_permissions zeta vpce-svc-z: allowed_principals: +" ROOT_1 "\n"
		"create_tags zeta vpce-svc-z: tag k: (none) → v\n"
		"delete_tags zeta vpce-svc-z: tag x: 1 → (none)\n"
		"delete aaa-old vpce-svc-0: not in the configuration (policy sync)\n"
		"delete yy-old vpce-svc-y: not in the configuration (policy sync)\n");
}

/* ---- client token -------------------------------------------------------------------------- */

static void
test_client_token(void **state)
{
	struct fx *f = *state;
	struct service_spec *s = spec_add(f, "api");
	char t1[PLAN_CLIENT_TOKEN_SIZE], t2[PLAN_CLIENT_TOKEN_SIZE], t3[PLAN_CLIENT_TOKEN_SIZE];
	char t4[PLAN_CLIENT_TOKEN_SIZE], t5[PLAN_CLIENT_TOKEN_SIZE];

	assert_int_equal(plan_client_token(OWNER, s, 0, t1, &f->e), 0);
	assert_int_equal(plan_client_token(OWNER, s, 0, t2, &f->e), 0);
	assert_string_equal(t1, t2); /* deterministic */
	assert_int_equal(strlen(t1), PLAN_CLIENT_TOKEN_LEN);
	assert_true(strlen(t1) <= 64);
	assert_memory_equal(t1, "vpcesd-", 7);
	for (size_t i = 7; i < strlen(t1); i++)
		assert_non_null(strchr("0123456789abcdef", t1[i]));

	s->acceptance_required = false; /* the spec changed */
	assert_int_equal(plan_client_token(OWNER, s, 0, t3, &f->e), 0);
	assert_string_not_equal(t1, t3);
	s->acceptance_required = true;
	assert_int_equal(plan_client_token("team-b", s, 0, t4, &f->e), 0); /* other owner */
	assert_string_not_equal(t1, t4);
	spec_tag(s, "k", "v");
	assert_int_equal(plan_client_token(OWNER, s, 0, t5, &f->e), 0);
	assert_string_not_equal(t1, t5);

	/* The same token reaches the CREATE change. */
	model_tags_free(&s->tags);
	assert_string_equal(run(f), "create api -: acceptance_required: true; "
				    "network_load_balancer_arns: " NLB_A
				    "; supported_ip_address_types: ipv4\n");
	assert_string_equal(change(f, 0)->create.client_token, t1);
}

/* The generation-0 token by plan.h's formula, computed here from scratch. */
static void
token_by_formula(const char *owner, const struct service_spec *s, char out[PLAN_CLIENT_TOKEN_SIZE])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int md_len = 0;
	cJSON *j = model_service_to_json(s);
	char *json = cJSON_PrintUnformatted(j);
	struct buf in;

	assert_non_null(json);
	buf_init(&in, 1 << 20);
	assert_int_equal(buf_append(&in, owner, strlen(owner) + 1), 0);
	assert_int_equal(buf_append(&in, s->name, strlen(s->name) + 1), 0);
	assert_int_equal(buf_puts(&in, json), 0);
	assert_int_equal(EVP_Digest(in.data, in.len, md, &md_len, EVP_sha256(), NULL), 1);
	memcpy(out, "vpcesd-", 7);
	for (size_t i = 0; i < 24; i++)
		snprintf(out + 7 + 2 * i, 3, "%02x", md[i]);
	buf_free(&in);
	cJSON_free(json);
	cJSON_Delete(j);
}

/*
 * Issue 8: after vpcesd deleted a name's service, the name's next create
 * must not reuse the token EC2 would answer with the deleted service.
 * Generation 0 keeps the token of old (the formula, unchanged).
 */
static void
test_client_token_generation(void **state)
{
	struct fx *f = *state;
	struct service_spec *s = spec_add(f, "api");
	struct service_spec *other = spec_add(f, "other");
	char t0[PLAN_CLIENT_TOKEN_SIZE], old[PLAN_CLIENT_TOKEN_SIZE], t1[PLAN_CLIENT_TOKEN_SIZE];
	char t1b[PLAN_CLIENT_TOKEN_SIZE], t2[PLAN_CLIENT_TOKEN_SIZE];
	char other0[PLAN_CLIENT_TOKEN_SIZE];
	const struct plan_memory mem[] = {{.name = "aaa", .generation = 5},
					  {.name = "api", .generation = 1},
					  {.name = "zzz", .generation = 9}};

	assert_int_equal(plan_client_token(OWNER, s, 0, t0, &f->e), 0);
	token_by_formula(OWNER, s, old);
	assert_string_equal(t0, old);

	assert_int_equal(plan_client_token(OWNER, s, 1, t1, &f->e), 0);
	assert_int_equal(plan_client_token(OWNER, s, 1, t1b, &f->e), 0);
	assert_int_equal(plan_client_token(OWNER, s, 2, t2, &f->e), 0);
	assert_string_equal(t1, t1b); /* deterministic: a retry at one generation is idempotent */
	assert_string_not_equal(t1, t0);
	assert_string_not_equal(t2, t0);
	assert_string_not_equal(t2, t1);
	assert_int_equal(strlen(t1), PLAN_CLIENT_TOKEN_LEN);
	assert_memory_equal(t1, "vpcesd-", 7);
	for (size_t i = 7; i < PLAN_CLIENT_TOKEN_LEN; i++)
		assert_non_null(strchr("0123456789abcdef", t1[i]));

	/* The planner looks the generation up by spec name; others stay at 0. */
	assert_int_equal(plan_client_token(OWNER, other, 0, other0, &f->e), 0);
	f->in.memory = mem;
	f->in.n_memory = 3;
	run(f);
	assert_int_equal(f->plan->n_changes, 2);
	assert_string_equal(change(f, 0)->name, "api");
	assert_string_equal(change(f, 0)->create.client_token, t1);
	assert_string_equal(change(f, 1)->name, "other");
	assert_string_equal(change(f, 1)->create.client_token, other0);

	/* No memory at all: every token is the one of old. */
	f->in.memory = NULL;
	f->in.n_memory = 0;
	run(f);
	assert_string_equal(change(f, 0)->create.client_token, t0);
	assert_string_equal(change(f, 1)->create.client_token, other0);
}

/* ---- printers -------------------------------------------------------------------------------- */

static void
printer_fixture(struct fx *f)
{
	struct observed_service *o;

	spec_add(f, "api-a");
	spec_add(f, "api-b");
	spec_add(f, "api-c");
	spec_tag(&f->specs[1], "team", "x");
	o = obs_add(f, "vpce-svc-b", OWNER, "api-b", "Available");
	o->cfg.acceptance_required = EC2_BOOL_FALSE;
	obs_add(f, "vpce-svc-c", OWNER, "api-c", "Pending");
	o = obs_add(f, "vpce-svc-o", OWNER, "old", "Available");
	obs_conn(o, "vpce-1", "available");
	f->in.reject_connections = true;
}

static void
test_print_text_golden(void **state)
{
	struct fx *f = *state;
	struct buf b;

	printer_fixture(f);
	run(f);
	buf_init(&b, 1 << 16);
	assert_int_equal(plan_print_text(f->plan, &b), 0);
	assert_string_equal(
		buf_str(&b),
		"+ create api-a\n"
		"    acceptance_required: true\n"
		"    network_load_balancer_arns: " NLB_A "\n"
		"    supported_ip_address_types: ipv4\n"
		"~ modify api-b (vpce-svc-b)\n"
		"    acceptance_required: false → true\n"
		"    tag team: (none) → x\n"
		"- delete old (vpce-svc-o)\n"
		"    reject endpoint connections: vpce-1\n"
		"    not in the configuration (policy sync)\n"
		"! held api-c (vpce-svc-c): service is Pending; waiting for it to settle\n"
		"Plan: 1 to create, 1 to change, 1 to delete, 1 held.\n");
	buf_free(&b);

	/* An empty plan still says so. */
	plan_free(f->plan);
	f->plan = calloc(1, sizeof(*f->plan));
	assert_non_null(f->plan);
	buf_init(&b, 1 << 16);
	assert_int_equal(plan_print_text(f->plan, &b), 0);
	assert_string_equal(buf_str(&b), "Plan: 0 to create, 0 to change, 0 to delete, 0 held.\n");
	buf_free(&b);
}

static void
test_to_json_shape(void **state)
{
	struct fx *f = *state;
	cJSON *j;
	char *text;

	printer_fixture(f);
	run(f);
	j = plan_to_json(f->plan);
	assert_non_null(j);
	text = cJSON_PrintUnformatted(j);
	assert_non_null(text);
	/* Replace the token (a hash) before comparing: it has its own test. */
	{
		char *t = strstr(text, "\"client_token\":\"vpcesd-");

		assert_non_null(t);
		t += strlen("\"client_token\":\"vpcesd-");
		assert_int_equal(strspn(t, "0123456789abcdef"), 48);
		memset(t, 'h', 48);
	}
	assert_string_equal(
		text,
		"{\"changes\":["
		"{\"action\":\"create\",\"name\":\"api-a\",\"service_id\":null,"
		"\"reason\":\"acceptance_required: true; network_load_balancer_arns: " NLB_A
		"; supported_ip_address_types: ipv4\","
		"\"diffs\":[\"acceptance_required: true\",\"network_load_balancer_arns: " NLB_A
		"\",\"supported_ip_address_types: ipv4\"],"
		"\"parameters\":{\"acceptance_required\":true,\"network_load_balancer_arns\":["
		"\"" NLB_A "\"],\"supported_ip_address_types\":[\"ipv4\"],\"supported_regions\":[],"
		"\"tags\":{\"vpcesd:name\":\"api-a\",\"vpcesd:owner\":\"" OWNER "\"},"
		"\"client_token\":\"vpcesd-hhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhh\","
		"\"add_allowed_principals\":[]}},"
		"{\"action\":\"modify_config\",\"name\":\"api-b\",\"service_id\":\"vpce-svc-b\","
		"\"reason\":\"acceptance_required: false → true\","
		"\"diffs\":[\"acceptance_required: false → true\"],"
		"\"parameters\":{\"acceptance_required\":true}},"
		"{\"action\":\"create_tags\",\"name\":\"api-b\",\"service_id\":\"vpce-svc-b\","
		"\"reason\":\"tag team: (none) → x\",\"diffs\":[\"tag team: (none) → x\"],"
		"\"parameters\":{\"tags\":{\"team\":\"x\"}}},"
		"{\"action\":\"reject_connections\",\"name\":\"old\",\"service_id\":\"vpce-svc-o\","
		"\"reason\":\"reject endpoint connections: vpce-1\","
		"\"diffs\":[\"reject endpoint connections: vpce-1\"],"
		"\"parameters\":{\"vpc_endpoint_ids\":[\"vpce-1\"]}},"
		"{\"action\":\"delete\",\"name\":\"old\",\"service_id\":\"vpce-svc-o\","
		"\"reason\":\"not in the configuration (policy sync)\","
		"\"diffs\":[\"not in the configuration (policy sync)\"],\"parameters\":{}}],"
		"\"held\":[{\"kind\":\"waiting\",\"name\":\"api-c\",\"service_id\":\"vpce-svc-c\","
		"\"reason\":\"service is Pending; waiting for it to settle\"}],"
		"\"summary\":{\"create\":1,\"change\":1,\"delete\":1,\"held\":1}}");
	cJSON_free(text);
	cJSON_Delete(j);
}

/* ---- input errors ---------------------------------------------------------------------------- */

static void
test_bad_input(void **state)
{
	struct fx *f = *state;
	struct plan *p = (struct plan *)0x1; /* must stay untouched */
	struct service_spec *s;

	f->in.owner = NULL;
	assert_int_equal(plan_compute(&f->in, &p, &f->e), -EINVAL);
	assert_ptr_equal(p, (struct plan *)0x1);
	assert_string_equal(f->e.msg, "plan: no owner");
	f->in.owner = OWNER;

	err_clear(&f->e);
	s = spec_add(f, "both");
	set_strv(&s->gwlb_arns, GWLB_A, NULL);
	assert_int_equal(plan_compute(&f->in, &p, &f->e), -EINVAL);
	assert_string_equal(f->e.msg,
			    "plan: service 'both' needs exactly one kind of load balancer");
	strv_free(&s->gwlb_arns);

	err_clear(&f->e);
	spec_add(f, "both");
	assert_int_equal(plan_compute(&f->in, &p, &f->e), -EINVAL);
	assert_string_equal(f->e.msg, "plan: service name 'both' appears twice");
	assert_ptr_equal(p, (struct plan *)0x1);

	err_clear(&f->e);
	f->in.obs = NULL;
	assert_int_equal(plan_compute(&f->in, &p, &f->e), -EINVAL);
	assert_ptr_equal(p, (struct plan *)0x1);
}

/* ---- observation helpers ------------------------------------------------------------------------ */

static void
test_observation_copies(void **state)
{
	struct fx *f = *state;
	struct ec2_service_config c = {0};
	struct ec2_endpoint_connection conn = {0};
	struct observed_service *s;

	c.service_id = strdup("vpce-svc-1");
	c.private_dns_name_configuration.value = strdup("vpce:abc");
	assert_int_equal(strv_push(&c.network_load_balancer_arns, NLB_A), 0);
	cfg_tag(&c, "k", "");
	c.supported_regions = calloc(1, sizeof(*c.supported_regions));
	c.supported_regions[0].region = strdup("eu-west-1");
	c.n_supported_regions = 1;
	assert_int_equal(observation_add_service(f->obs, &c, OBSERVATION_ID_LOOKUP, &s), 0);
	/* The copy is deep: changing the source leaves it alone. */
	c.service_id[0] = 'X';
	c.tags.v[0].key[0] = 'X';
	c.supported_regions[0].region[0] = 'X';
	assert_string_equal(s->cfg.service_id, "vpce-svc-1");
	assert_string_equal(s->cfg.tags.v[0].key, "k");
	assert_string_equal(s->cfg.tags.v[0].value, "");
	assert_string_equal(observation_tag(&s->cfg.tags, "k"), "");
	assert_null(observation_tag(&s->cfg.tags, "missing"));
	assert_string_equal(s->cfg.supported_regions[0].region, "eu-west-1");
	assert_string_equal(s->cfg.private_dns_name_configuration.value, "vpce:abc");
	assert_int_equal(s->source, OBSERVATION_ID_LOOKUP);
	assert_false(s->permissions_known);
	assert_false(s->connections_known);
	ec2_service_config_free(&c);

	conn.vpc_endpoint_id = strdup("vpce-1");
	conn.dns_entries = calloc(1, sizeof(*conn.dns_entries));
	conn.dns_entries[0].dns_name = strdup("x.example");
	conn.n_dns_entries = 1;
	assert_int_equal(observation_set_connections(s, &conn, 1), 0);
	assert_true(s->connections_known);
	conn.dns_entries[0].dns_name[0] = 'X';
	assert_string_equal(s->connections[0].dns_entries[0].dns_name, "x.example");
	/* Replacing frees the old set (ASan checks). */
	assert_int_equal(observation_set_connections(s, &conn, 1), 0);
	assert_int_equal(s->n_connections, 1);
	ec2_endpoint_connection_free(&conn);
	ec2_endpoint_connection_free(&conn); /* zeroed: safe again */
	ec2_endpoint_connection_free(NULL);

	assert_int_equal(observation_add_lookup(f->obs, NULL, OBSERVATION_FOUND, NULL), -EINVAL);
	observation_free(NULL);
}

/* ---- connection policy ------------------------------------------------------------- */

#define ACCT_1 "111111111111"
#define ACCT_2 "222222222222"
#define ACCT_3 "333333333333"
#define ACCT_9 "999999999999"

static void
test_connections_accept_listed_leave_unlisted(void **state)
{
	struct fx *f = *state;
	struct service_spec *s = spec_add(f, "api");
	struct observed_service *o;

	s->connections_managed = true;
	set_strv(&s->accept, ACCT_1, USER_X, NULL); /* USER_X is in account 3333… */
	o = obs_add(f, "vpce-svc-1", OWNER, "api", "Available");
	obs_conn_owned(o, "vpce-4", ACCT_3, "pendingAcceptance");
	obs_conn_owned(o, "vpce-1", ACCT_1, "PendingAcceptance"); /* any case */
	obs_conn_owned(o, "vpce-2", ACCT_9, "pendingAcceptance");
	obs_conn_owned(o, "vpce-3", ACCT_1, "available");
	obs_conn_owned(o, "vpce-5", ACCT_1, "rejected");
	obs_conn_owned(o, "vpce-1", ACCT_9, "pendingAcceptance"); /* repeated id: first wins */
	obs_conn(o, "vpce-6", "pendingAcceptance");               /* no owner: never decided */

	/* Unlisted vpce-2 stays pending for a human. */
	assert_string_equal(run(f),
			    "accept_connections api vpce-svc-1: accept vpce-1 (owner " ACCT_1
			    "): listed in connections.accept; accept vpce-4 (owner " ACCT_3
			    "): listed in connections.accept\n");
	assert_strv(&change(f, 0)->endpoint_ids, "vpce-1,vpce-4");

	s->reject_unlisted = true;
	assert_string_equal(run(f),
			    "accept_connections api vpce-svc-1: accept vpce-1 (owner " ACCT_1
			    "): listed in connections.accept; accept vpce-4 (owner " ACCT_3
			    "): listed in connections.accept\n"
			    "deny_connections api vpce-svc-1: reject vpce-2 (owner " ACCT_9
			    "): not listed in connections.accept (reject_unlisted)\n");
	assert_int_equal(change(f, 1)->kind, PLAN_DENY_CONNECTIONS);
	assert_strv(&change(f, 1)->endpoint_ids, "vpce-2");

	/* An empty accept list with reject_unlisted rejects every pending one. */
	strv_free(&s->accept);
	assert_string_equal(run(f), "deny_connections api vpce-svc-1: reject vpce-1 (owner " ACCT_1
				    "): not listed in connections.accept (reject_unlisted); reject "
				    "vpce-2 (owner " ACCT_9
				    "): not listed in connections.accept (reject_unlisted); reject "
				    "vpce-4 (owner " ACCT_3
				    "): not listed in connections.accept (reject_unlisted)\n");

	/* Without acceptance_required nothing is pending to decide. */
	s->acceptance_required = false;
	o = &f->obs->services[0];
	o->cfg.acceptance_required = EC2_BOOL_FALSE;
	assert_string_equal(run(f), "");

	/* No policy at all: nothing. */
	s->acceptance_required = true;
	o->cfg.acceptance_required = EC2_BOOL_TRUE;
	s->connections_managed = false;
	s->reject_unlisted = false;
	assert_string_equal(run(f), "");
}

static void
test_connections_principal_removal(void **state)
{
	struct fx *f = *state;
	struct service_spec *s = spec_add(f, "api");
	struct observed_service *o;

	s->principals_managed = true;
	set_strv(&s->allowed_principals, ROOT_1, NULL);
	s->connections_managed = true;
	s->reject_on_principal_removal = true;
	set_strv(&s->accept, ACCT_2, NULL);
	o = obs_add(f, "vpce-svc-1", OWNER, "api", "Available");
	obs_principals(o, ROOT_1, ROOT_2, NULL);
	obs_conn_owned(o, "vpce-1", ACCT_2, "available");
	obs_conn_owned(o, "vpce-2", ACCT_2, "pendingAcceptance"); /* listed, but removal wins */
	obs_conn_owned(o, "vpce-3", ACCT_1, "available");
	obs_conn_owned(o, "vpce-4", ACCT_2, "rejected");

	/* The permissions change and the rejections go in the same cycle. */
	assert_string_equal(
		run(f),
		"modify_permissions api vpce-svc-1: allowed_principals: \u2212" ROOT_2 "\n"
		"deny_connections api vpce-svc-1: reject vpce-1 (owner " ACCT_2
		", available): owner no longer in allowed_principals; reject vpce-2 "
		"(owner " ACCT_2 ", pendingAcceptance): owner no longer in allowed_principals\n");
	assert_strv(&change(f, 1)->endpoint_ids, "vpce-1,vpce-2");

	/* Any principal of the account covers it (a user or role ARN too). */
	set_strv(&s->allowed_principals, ROOT_1, "arn:aws:iam::222222222222:role/app", NULL);
	obs_principals(&f->obs->services[0], ROOT_1, "arn:aws:iam::222222222222:role/app", NULL);
	assert_string_equal(run(f),
			    "accept_connections api vpce-svc-1: accept vpce-2 (owner " ACCT_2
			    "): listed in connections.accept\n");

	/* "*" covers every account. */
	set_strv(&s->allowed_principals, "*", NULL);
	obs_principals(&f->obs->services[0], "*", NULL);
	strv_free(&s->accept);
	assert_string_equal(run(f), "");

	/* Off: removing a principal does not cut access. */
	set_strv(&s->allowed_principals, ROOT_1, NULL);
	s->reject_on_principal_removal = false;
	assert_string_equal(run(f),
			    "modify_permissions api vpce-svc-1: allowed_principals: +" ROOT_1
			    " \u2212*\n");
}

static void
test_connections_need_connections_known(void **state)
{
	struct fx *f = *state;
	struct service_spec *s = spec_add(f, "api");
	struct observed_service *o;

	s->connections_managed = true;
	set_strv(&s->accept, ACCT_1, NULL);
	spec_tag(s, "env", "prod");
	o = obs_add(f, "vpce-svc-1", OWNER, "api", "Available");
	obs_conn_owned(o, "vpce-1", ACCT_1, "pendingAcceptance");
	o->connections_known = false;
	/* The other modifications still go; no connection is decided. */
	assert_string_equal(run(f),
			    "create_tags api vpce-svc-1: tag env: (none) \u2192 prod\n"
			    "! incomplete api vpce-svc-1: endpoint connections could not be "
			    "read; not accepting or rejecting any\n");

	/* A policy with nothing to decide does not need them. */
	strv_free(&s->accept);
	assert_string_equal(run(f), "create_tags api vpce-svc-1: tag env: (none) \u2192 prod\n");
}

static void
test_connections_only_owned(void **state)
{
	struct fx *f = *state;
	struct service_spec *s = spec_add(f, "api"), *t;
	struct observed_service *o;

	s->connections_managed = true;
	s->reject_unlisted = true;
	set_strv(&s->accept, ACCT_1, NULL);
	/* Another owner's service with our spec's name: never touched. */
	o = obs_add(f, "vpce-svc-2", "team-b", "api", "Available");
	obs_conn_owned(o, "vpce-1", ACCT_1, "pendingAcceptance");
	obs_conn_owned(o, "vpce-2", ACCT_9, "pendingAcceptance");
	assert_string_equal(run(f), "create api -: acceptance_required: true; "
				    "network_load_balancer_arns: " NLB_A
				    "; supported_ip_address_types: ipv4\n");

	/* An adopt target becomes ours this cycle; its connections wait for the next. */
	t = spec_add(f, "adopted");
	t->adopt = strdup("vpce-svc-3");
	t->connections_managed = true;
	t->reject_unlisted = true;
	o = obs_add_src(f, "vpce-svc-3", NULL, NULL, "Available", OBSERVATION_ID_LOOKUP);
	obs_conn_owned(o, "vpce-3", ACCT_9, "pendingAcceptance");
	assert_string_equal(run(f),
			    "adopt adopted vpce-svc-3: tag vpcesd:name: (none) \u2192 adopted; tag "
			    "vpcesd:owner: (none) \u2192 " OWNER "\n"
			    "create api -: acceptance_required: true; "
			    "network_load_balancer_arns: " NLB_A
			    "; supported_ip_address_types: ipv4\n");
}

static void
test_connections_policies_and_print(void **state)
{
	struct fx *f = *state;
	struct service_spec *s = spec_add(f, "api");
	struct observed_service *o;
	struct plan_summary sum;
	struct buf b;

	s->connections_managed = true;
	s->reject_unlisted = true;
	set_strv(&s->accept, ACCT_1, NULL);
	o = obs_add(f, "vpce-svc-1", OWNER, "api", "Available");
	obs_conn_owned(o, "vpce-1", ACCT_1, "pendingAcceptance");
	obs_conn_owned(o, "vpce-2", ACCT_9, "pendingAcceptance");

	f->in.policy = MODEL_POLICY_UPSERT_ONLY;
	run(f);
	assert_int_equal(f->plan->n_changes, 2);
	buf_init(&b, 1 << 16);
	assert_int_equal(plan_print_text(f->plan, &b), 0);
	assert_string_equal(buf_str(&b),
			    "~ modify api (vpce-svc-1)\n"
			    "    accept vpce-1 (owner " ACCT_1 "): listed in connections.accept\n"
			    "    reject vpce-2 (owner " ACCT_9
			    "): not listed in connections.accept (reject_unlisted)\n"
			    "Plan: 0 to create, 1 to change, 0 to delete, 0 held.\n");
	buf_free(&b);
	plan_summarize(f->plan, &sum);
	assert_int_equal(sum.change, 1);

	f->in.policy = MODEL_POLICY_CREATE_ONLY;
	assert_string_equal(run(f),
			    "! policy api vpce-svc-1: would modify: accept vpce-1 (owner " ACCT_1
			    "): listed in connections.accept; reject vpce-2 (owner " ACCT_9
			    "): not listed in connections.accept (reject_unlisted) (policy "
			    "create-only)\n");

	/* A service that is not Available decides nothing (it is held). */
	f->in.policy = MODEL_POLICY_SYNC;
	free(f->obs->services[0].cfg.service_state);
	f->obs->services[0].cfg.service_state = strdup("Pending");
	assert_string_equal(run(f), "! waiting api vpce-svc-1: service is Pending; waiting for it "
				    "to settle\n");
}

/* ---- private DNS verification -------------------------------------------------------- */

static void
test_dns_verification(void **state)
{
	struct fx *f = *state;
	struct service_spec *s = spec_add(f, "api");
	struct observed_service *o;
	struct plan_dns_start starts[2] = {{"vpce-svc-other", 0}, {"vpce-svc-1", 0}};

	s->private_dns_name = strdup("api.example.com");
	s->verify_private_dns = true;
	f->in.now = 100000;
	f->in.dns_verify_interval_s = 600;
	o = obs_add(f, "vpce-svc-1", OWNER, "api", "Available");
	obs_dns(o, "API.example.com", "pendingVerification"); /* names compare in any case */
	assert_string_equal(run(f), "start_dns_verification api vpce-svc-1: private DNS "
				    "verification of API.example.com: pendingVerification \u2192 "
				    "start (TXT _vpce-verify = vpce:abc)\n");
	assert_int_equal(change(f, 0)->kind, PLAN_START_DNS_VERIFICATION);

	/* At most once per interval, per service id. */
	f->in.dns_starts = starts;
	f->in.n_dns_starts = 2;
	starts[1].at = f->in.now - 599;
	starts[0].at = f->in.now - 100000; /* another service's start does not count */
	assert_string_equal(run(f), "");
	starts[1].at = f->in.now - 600;
	obs_dns(&f->obs->services[0], "api.example.com", "Failed"); /* any case */
	assert_string_equal(run(f), "start_dns_verification api vpce-svc-1: private DNS "
				    "verification of api.example.com: Failed \u2192 start (TXT "
				    "_vpce-verify = vpce:abc)\n");

	/* Verified, unknown state, or not asked for: nothing. */
	obs_dns(&f->obs->services[0], "api.example.com", "verified");
	assert_string_equal(run(f), "");
	obs_dns(&f->obs->services[0], "api.example.com", NULL);
	assert_string_equal(run(f), "");
	obs_dns(&f->obs->services[0], "api.example.com", "failed");
	s->verify_private_dns = false;
	assert_string_equal(run(f), "");

	/* The name changes this cycle: the new record is verified next cycle. */
	s->verify_private_dns = true;
	obs_dns(&f->obs->services[0], "old.example.com", "failed");
	assert_string_equal(run(f), "modify_config api vpce-svc-1: private_dns_name: "
				    "old.example.com \u2192 api.example.com\n");

	/* create-only holds it like any other modification. */
	obs_dns(&f->obs->services[0], "api.example.com", "failed");
	f->in.policy = MODEL_POLICY_CREATE_ONLY;
	assert_string_equal(run(f), "! policy api vpce-svc-1: would modify: private DNS "
				    "verification of api.example.com: failed \u2192 start (TXT "
				    "_vpce-verify = vpce:abc) (policy create-only)\n");
}

/* ---- connection notifications ---------------------------------------------------------- */

#define TOPIC_A "arn:aws:sns:us-east-1:111122223333:a"
#define TOPIC_B "arn:aws:sns:us-east-1:111122223333:b"
#define TOPIC_C "arn:aws:sns:us-east-1:111122223333:c"

static void
spec_notification(struct service_spec *s, const char *topic, ...)
{
	struct model_notification *grown =
		realloc(s->notifications, (s->n_notifications + 1) * sizeof(*grown));
	struct model_notification *n;
	const char *ev;
	va_list ap;

	assert_non_null(grown);
	s->notifications = grown;
	n = &grown[s->n_notifications++];
	memset(n, 0, sizeof(*n));
	n->topic_arn = strdup(topic);
	va_start(ap, topic);
	while ((ev = va_arg(ap, const char *)) != NULL)
		assert_int_equal(strv_push(&n->events, ev), 0);
	va_end(ap);
	strv_sort(&n->events);
	s->notifications_managed = true;
}

/* Observe notification `id` of service `o` on `topic` with the events. */
static void
obs_notification(struct observed_service *o, const char *id, const char *topic, ...)
{
	struct ec2_notification_page *p = &o->notifications;
	struct ec2_connection_notification *grown = realloc(p->v, (p->n + 1) * sizeof(*grown));
	struct ec2_connection_notification *n;
	const char *ev;
	va_list ap;

	assert_non_null(grown);
	p->v = grown;
	n = &grown[p->n++];
	memset(n, 0, sizeof(*n));
	n->connection_notification_id = strdup(id);
	n->service_id = strdup(o->cfg.service_id);
	n->connection_notification_arn = strdup(topic);
	n->connection_notification_type = strdup("Topic");
	va_start(ap, topic);
	while ((ev = va_arg(ap, const char *)) != NULL)
		assert_int_equal(strv_push(&n->connection_events, ev), 0);
	va_end(ap);
	o->notifications_known = true;
}

static void
test_notifications(void **state)
{
	struct fx *f = *state;
	struct service_spec *s = spec_add(f, "api");
	struct observed_service *o;
	const struct plan_change *c;
	char token[PLAN_CLIENT_TOKEN_SIZE];

	spec_notification(s, TOPIC_A, "Reject", "Accept", NULL);
	spec_notification(s, TOPIC_B, "Connect", NULL);
	f->in.now = 1000;
	o = obs_add(f, "vpce-svc-1", OWNER, "api", "Available");
	obs_notification(o, "vpce-nfn-3", TOPIC_C, "Accept", NULL);            /* not desired */
	obs_notification(o, "vpce-nfn-2", TOPIC_A, "accept", "Reject", NULL);  /* kept (any case) */
	obs_notification(o, "vpce-nfn-1", TOPIC_B, "Connect", "Delete", NULL); /* other events */
	obs_notification(o, "vpce-nfn-4", TOPIC_A, "Accept", "Reject", NULL);  /* a second one */
	assert_string_equal(
		run(f),
		"delete_notifications api vpce-svc-1: notification vpce-nfn-1 (" TOPIC_B
		": Connect, Delete): delete (events differ or repeated; replaced); "
		"notification vpce-nfn-3 (" TOPIC_C ": Accept): delete (topic not in the "
		"spec); notification vpce-nfn-4 (" TOPIC_A ": Accept, Reject): delete "
		"(events differ or repeated; replaced)\n"
		"create_notification api vpce-svc-1: notification " TOPIC_B ": create (Connect)\n");
	assert_strv(&change(f, 0)->notification_ids, "vpce-nfn-1,vpce-nfn-3,vpce-nfn-4");
	c = change(f, 1);
	assert_string_equal(c->notification.topic_arn, TOPIC_B);
	assert_strv(&c->notification.events, "Connect");
	assert_int_equal(strlen(c->notification.client_token), PLAN_CLIENT_TOKEN_LEN);
	memcpy(token, c->notification.client_token, sizeof(token));

	/* The token is stable for one cycle time and differs for another. */
	run(f);
	assert_string_equal(change(f, 1)->notification.client_token, token);
	f->in.now = 1001;
	run(f);
	assert_string_not_equal(change(f, 1)->notification.client_token, token);

	/* Converged: nothing. */
	o = &f->obs->services[0];
	ec2_notification_page_free(&o->notifications);
	obs_notification(o, "vpce-nfn-2", TOPIC_A, "Accept", "Reject", NULL);
	obs_notification(o, "vpce-nfn-5", TOPIC_B, "Connect", NULL);
	assert_string_equal(run(f), "");

	/* An empty list deletes every one; an absent key leaves them alone. */
	for (size_t i = 0; i < s->n_notifications; i++) {
		free(s->notifications[i].topic_arn);
		strv_free(&s->notifications[i].events);
	}
	s->n_notifications = 0;
	assert_string_equal(run(f),
			    "delete_notifications api vpce-svc-1: notification vpce-nfn-2 "
			    "(" TOPIC_A ": Accept, Reject): delete (topic not in the spec); "
			    "notification vpce-nfn-5 (" TOPIC_B
			    ": Connect): delete (topic not in the spec)\n");
	s->notifications_managed = false;
	assert_string_equal(run(f), "");

	/* Unknown notifications: held, the rest goes on. */
	spec_notification(s, TOPIC_A, "Accept", NULL);
	spec_tag(s, "env", "prod");
	o->notifications_known = false;
	assert_string_equal(run(f),
			    "create_tags api vpce-svc-1: tag env: (none) \u2192 prod\n"
			    "! incomplete api vpce-svc-1: connection notifications could not "
			    "be read; not changing them\n");

	/* create-only holds them. */
	o->notifications_known = true;
	f->in.policy = MODEL_POLICY_CREATE_ONLY;
	assert_non_null(strstr(run(f), "! policy api vpce-svc-1: would modify: tag env: (none) "
				       "\u2192 prod; notification vpce-nfn-2"));
}

static void
test_notifications_only_owned(void **state)
{
	struct fx *f = *state;
	struct service_spec *s = spec_add(f, "api");
	struct observed_service *o;

	spec_notification(s, TOPIC_A, "Accept", NULL);
	s->adopt = strdup("vpce-svc-9");
	/* Not ours yet: adopted this cycle, notifications from the next one. */
	o = obs_add_src(f, "vpce-svc-9", NULL, NULL, "Available", OBSERVATION_ID_LOOKUP);
	obs_notification(o, "vpce-nfn-1", TOPIC_C, "Accept", NULL);
	assert_string_equal(run(f), "adopt api vpce-svc-9: tag vpcesd:name: (none) \u2192 api; tag "
				    "vpcesd:owner: (none) \u2192 " OWNER "\n");
	/* Another owner's service: never. */
	free(s->adopt);
	s->adopt = NULL;
	o = obs_add(f, "vpce-svc-2", "team-b", "api", "Available");
	obs_notification(o, "vpce-nfn-2", TOPIC_C, "Accept", NULL);
	assert_null(strstr(run(f), "notification"));
	/* Endpoint-level notifications are not the service's. */
	o = obs_add(f, "vpce-svc-1", OWNER, "api", "Available");
	obs_notification(o, "vpce-nfn-3", TOPIC_A, "Accept", NULL);
	o->notifications.v[0].vpc_endpoint_id = strdup("vpce-1");
	assert_string_equal(run(f), "create_notification api vpce-svc-1: notification " TOPIC_A
				    ": create (Accept)\n");
}

/* ---- payer responsibility ------------------------------------------------------------ */

static void
test_payer_responsibility(void **state)
{
	struct fx *f = *state;
	struct service_spec *s = spec_add(f, "api");
	struct observed_service *o;

	s->payer_responsibility = strdup("ServiceOwner");
	o = obs_add(f, "vpce-svc-1", OWNER, "api", "Available");
	/* EC2 says nothing: the endpoint owner pays.  Set it, once. */
	assert_string_equal(run(f), "modify_payer api vpce-svc-1: payer_responsibility: (endpoint "
				    "owner) \u2192 ServiceOwner\n");
	assert_string_equal(change(f, 0)->payer, "ServiceOwner");
	o->cfg.payer_responsibility = strdup("serviceowner"); /* any case */
	assert_string_equal(run(f), "");

	/* The key removed: EC2 cannot go back; held, not a failing call. */
	free(s->payer_responsibility);
	s->payer_responsibility = NULL;
	spec_tag(s, "env", "prod");
	assert_string_equal(run(f),
			    "create_tags api vpce-svc-1: tag env: (none) \u2192 prod\n"
			    "! refused api vpce-svc-1: payer_responsibility is ServiceOwner in "
			    "EC2 and cannot be set back to the endpoint owner; write "
			    "payer_responsibility: ServiceOwner in the spec\n");

	/* Order: after MODIFY_CONFIG, before MODIFY_PERMISSIONS. */
	free(o->cfg.payer_responsibility);
	o->cfg.payer_responsibility = NULL;
	s->payer_responsibility = strdup("ServiceOwner");
	s->acceptance_required = false;
	s->principals_managed = true;
	set_strv(&s->allowed_principals, ROOT_1, NULL);
	run(f);
	assert_int_equal(f->plan->n_changes, 4);
	assert_int_equal(change(f, 0)->kind, PLAN_MODIFY_CONFIG);
	assert_int_equal(change(f, 1)->kind, PLAN_MODIFY_PAYER);
	assert_int_equal(change(f, 2)->kind, PLAN_MODIFY_PERMISSIONS);
	assert_int_equal(change(f, 3)->kind, PLAN_CREATE_TAGS);

	/* The printer shows them under one header, the JSON with typed parameters. */
	{
		struct buf b;
		cJSON *j, *params;
		char *text;

		buf_init(&b, 1 << 16);
		assert_int_equal(plan_print_text(f->plan, &b), 0);
		assert_string_equal(
			buf_str(&b),
			"~ modify api (vpce-svc-1)\n"
			"    acceptance_required: true \u2192 false\n"
			"    payer_responsibility: (endpoint owner) \u2192 ServiceOwner\n"
			"    allowed_principals: +" ROOT_1 "\n"
			"    tag env: (none) \u2192 prod\n"
			"Plan: 0 to create, 1 to change, 0 to delete, 0 held.\n");
		buf_free(&b);
		j = plan_to_json(f->plan);
		assert_non_null(j);
		params = cJSON_GetObjectItemCaseSensitive(
			cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(j, "changes"), 1),
			"parameters");
		text = cJSON_PrintUnformatted(params);
		assert_string_equal(text, "{\"payer_responsibility\":\"ServiceOwner\"}");
		cJSON_free(text);
		cJSON_Delete(j);
	}

	f->in.policy = MODEL_POLICY_CREATE_ONLY;
	assert_non_null(
		strstr(run(f), "payer_responsibility: (endpoint owner) \u2192 ServiceOwner"));
	assert_int_equal(f->plan->n_changes, 0);
}

int
main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_converge_from_empty),
		T(test_noop_when_equal),
		T(test_drift_acceptance),
		T(test_drift_nlb_arns),
		T(test_drift_gwlb_arns),
		T(test_drift_private_dns),
		T(test_drift_ip_types),
		T(test_drift_regions),
		T(test_drift_tags),
		T(test_delete_tags_never_empty),
		T(test_permissions),
		T(test_foreign_never_touched),
		T(test_owned_without_name_is_deleted_under_sync),
		T(test_repeated_id_first_wins),
		T(test_adopt_untagged),
		T(test_adopt_refused_and_incomplete),
		T(test_adopt_owned_renamed_and_kept),
		T(test_adopt_target_is_keeper),
		T(test_adopt_target_of_held_spec_never_deleted),
		T(test_policy_sync),
		T(test_policy_upsert_only),
		T(test_policy_create_only),
		T(test_policy_create_only_adopts),
		T(test_delete_guard_connected),
		T(test_delete_not_blocked_by_dead_connections),
		T(test_delete_needs_connections_known),
		T(test_valve_exactly_max),
		T(test_valve_above_max_holds_all),
		T(test_valve_zero),
		T(test_delete_guard_every),
		T(test_delete_guard_allow_empty_keeps_other_guards),
		T(test_delete_guard_fraction),
		T(test_delete_guard_fraction_counts_duplicates),
		T(test_delete_guard_sync_only),
		T(test_delete_guard_adopt_target_is_kept),
		T(test_duplicates),
		T(test_duplicate_keeper_smallest_id),
		T(test_incomplete_listing),
		T(test_unknown_permissions_hold_service),
		T(test_states),
		T(test_lb_type_change_refused),
		T(test_reads_keepers),
		T(test_reads_delete_candidates),
		T(test_reads_lookups),
		T(test_reads_handover),
		T(test_bindings),
		T(test_order_within_and_across_services),
		T(test_client_token),
		T(test_client_token_generation),
		T(test_print_text_golden),
		T(test_to_json_shape),
		T(test_bad_input),
		T(test_observation_copies),
		T(test_connections_accept_listed_leave_unlisted),
		T(test_connections_principal_removal),
		T(test_connections_need_connections_known),
		T(test_connections_only_owned),
		T(test_connections_policies_and_print),
		T(test_dns_verification),
		T(test_notifications),
		T(test_notifications_only_owned),
		T(test_payer_responsibility),
	};
#undef T
	return cmocka_run_group_tests(tests, NULL, NULL);
}
