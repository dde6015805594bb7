/* SPDX-License-Identifier: ISC */
/*
 * Unit tests for the read budget and the rounds of a cycle (plan.h,
 * plan_budget_reads(), plan_fresh_reads(), plan_early(); plan_budget.c;
 * docs/internals/plan.md, "Budget" and "Rounds"), and for the planner's
 * READING holds of reads the budget left for later.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "observation.h"
#include "plan.h"
#include "support/plan_fixture.h"

#define P PLAN_READ_PRINCIPALS
#define C PLAN_READ_CONNECTIONS
#define N PLAN_READ_NOTIFICATIONS

/* A `wanted` of n services with the given bits (must: none). */
static struct plan_reads
wanted_of(size_t n, const unsigned char *what, const unsigned char *must)
{
	struct plan_reads w = {.n = n, .lookup_ids = STRV_INIT};

	w.what = calloc(n + 1, 1);
	w.must = calloc(n + 1, 1);
	assert_non_null(w.what);
	assert_non_null(w.must);
	memcpy(w.what, what, n);
	if (must)
		memcpy(w.must, must, n);
	return w;
}

static void
test_budget_oldest_first(void **state)
{
	/* Five services; s1 never read, s3 read long ago, s0/s2/s4 recently. */
	const unsigned char what[5] = {P, P, P, P | C, P};
	const struct plan_read_age ages[5] = {
		{{100, 0, 0}, false}, {{0, 0, 0}, false},  {{90, 0, 0}, false},
		{{10, 50, 0}, false}, {{95, 0, 0}, false},
	};
	struct plan_reads w = wanted_of(5, what, NULL), sel = {0};
	size_t deferred = 99;

	(void)state;
	assert_int_equal(plan_budget_reads(&w, ages, 3, &sel, &deferred), 0);
	assert_int_equal(plan_reads_count(&sel), 3);
	assert_int_equal(deferred, 3);
	/* Never read first, then the oldest: s1, s3's principals (10), s3's connections (50). */
	assert_int_equal(sel.what[1], P);
	assert_int_equal(sel.what[3], P | C);
	assert_int_equal(sel.what[0] | sel.what[2] | sel.what[4], 0);
	plan_reads_free(&sel);

	/* No budget to speak of: nothing optional; unlimited: everything wanted. */
	assert_int_equal(plan_budget_reads(&w, ages, 0, &sel, &deferred), 0);
	assert_int_equal(plan_reads_count(&sel), 0);
	assert_int_equal(deferred, 6);
	plan_reads_free(&sel);
	assert_int_equal(plan_budget_reads(&w, ages, SIZE_MAX, &sel, &deferred), 0);
	assert_memory_equal(sel.what, what, 5);
	assert_int_equal(deferred, 0);
	plan_reads_free(&sel);
	plan_reads_free(&w);
}

static void
test_budget_must_and_changed(void **state)
{
	/* s0: a delete's connections (must); s2: changed in the listing; budget 0. */
	const unsigned char what[3] = {C, P, P | N};
	const unsigned char must[3] = {C, 0, 0};
	const struct plan_read_age ages[3] = {
		{{0, 5, 0}, false}, {{1, 0, 0}, false}, {{200, 0, 300}, true}};
	struct plan_reads w = wanted_of(3, what, must), sel = {0};
	size_t deferred = 0;

	(void)state;
	assert_int_equal(strv_push(&w.lookup_ids, "vpce-svc-l"), 0);
	assert_int_equal(plan_budget_reads(&w, ages, 0, &sel, &deferred), 0);
	/* Must and changed are read whatever the budget; the lookups always. */
	assert_int_equal(sel.what[0], C);
	assert_int_equal(sel.what[1], 0);
	assert_int_equal(sel.what[2], P | N);
	assert_int_equal(deferred, 1);
	assert_int_equal(sel.lookup_ids.n, 1);
	/* They count against the budget: a budget of 3 leaves nothing for the sweep. */
	plan_reads_free(&sel);
	assert_int_equal(plan_budget_reads(&w, ages, 3, &sel, &deferred), 0);
	assert_int_equal(sel.what[1], 0);
	plan_reads_free(&sel);
	assert_int_equal(plan_budget_reads(&w, ages, 4, &sel, &deferred), 0);
	assert_int_equal(sel.what[1], P);
	assert_int_equal(deferred, 0);
	plan_reads_free(&sel);
	/* Without ages every read is "never": in service order. */
	assert_int_equal(plan_budget_reads(&w, NULL, 2, &sel, &deferred), 0);
	assert_int_equal(sel.what[0], C);
	assert_int_equal(sel.what[1], P);
	assert_int_equal(sel.what[2], 0);
	plan_reads_free(&sel);
	plan_reads_free(&w);
}

/* ---- READING holds ------------------------------------------------------------- */

static void
test_reading_holds_only_what_depends_on_it(void **state)
{
	struct fx *f = *state;
	struct service_spec *s = spec_add(f, "api");
	struct observed_service *o = obs_add(f, "vpce-svc-1", OWNER, "api", "Available");

	s->principals_managed = true;
	set_strv(&s->allowed_principals, ROOT_1, NULL);
	o->cfg.acceptance_required = EC2_BOOL_FALSE;
	o->permissions_known = false;
	/* Not read and not deferred: a failed read holds the whole service. */
	assert_string_equal(run(f), "! incomplete api vpce-svc-1: allowed principals could not be "
				    "read; not modifying the service\n");
	/* Deferred by the budget: the acceptance goes, the principals wait their turn. */
	o->deferred = PLAN_READ_PRINCIPALS;
	assert_string_equal(run(f),
			    "modify_config api vpce-svc-1: acceptance_required: false → "
			    "true\n"
			    "! reading api vpce-svc-1: allowed principals not read yet (the "
			    "read budget takes them in turn); compared once read\n");
	/* Read (this cycle or an earlier one): compared. */
	o->deferred = 0;
	obs_principals(o, ROOT_2, NULL);
	assert_string_equal(run(f),
			    "modify_config api vpce-svc-1: acceptance_required: false → "
			    "true\n"
			    "modify_permissions api vpce-svc-1: allowed_principals: +" ROOT_1
			    " −" ROOT_2 "\n");
}

static void
test_reading_connections(void **state)
{
	struct fx *f = *state;
	struct service_spec *s = spec_add(f, "api");
	struct observed_service *o = obs_add(f, "vpce-svc-1", OWNER, "api", "Available");

	s->connections_managed = true;
	set_strv(&s->accept, "444455556666", NULL);
	o->connections_known = false;
	o->deferred = PLAN_READ_CONNECTIONS;
	assert_string_equal(run(f), "! reading api vpce-svc-1: endpoint connections not read yet "
				    "(the read budget takes them in turn); decided once read\n");
	o->deferred = 0;
	assert_string_equal(run(f), "! incomplete api vpce-svc-1: endpoint connections could not "
				    "be read; not accepting or rejecting any\n");
}

/* ---- rounds ---------------------------------------------------------------------- */

static void
test_fresh_reads_for_changes_from_kept_reads(void **state)
{
	struct fx *f = *state;
	struct service_spec *a = spec_add(f, "a");
	struct service_spec *b = spec_add(f, "b");
	struct observed_service *o;
	struct plan_reads sel = {.n = 2, .lookup_ids = STRV_INIT};

	a->principals_managed = b->principals_managed = true;
	set_strv(&a->allowed_principals, ROOT_1, NULL);
	set_strv(&b->allowed_principals, ROOT_1, NULL);
	set_strv(&b->nlb_arns, NLB_B, NULL);
	o = obs_add(f, "vpce-svc-a", OWNER, "a", "Available");
	obs_principals(o, ROOT_2, NULL); /* kept from an earlier cycle: differs from the spec */
	o = obs_add(f, "vpce-svc-b", OWNER, "b", "Available");
	set_strv(&o->cfg.network_load_balancer_arns, NLB_B, NULL);
	obs_principals(o, ROOT_1, NULL); /* kept, and equal: nothing to read now */
	sel.what = calloc(2, 1);
	assert_non_null(sel.what);
	run(f);
	assert_int_equal(f->plan->n_changes, 1);
	assert_int_equal(plan_fresh_reads(f->plan, f->obs, &sel), 0);
	/* The change of `a` was derived from a kept read: it is read again first. */
	assert_int_equal(sel.what[0], PLAN_READ_PRINCIPALS);
	assert_int_equal(sel.what[1], 0);
	plan_reads_free(&sel);
}

static void
test_early_changes(void **state)
{
	struct fx *f = *state;
	struct service_spec *s;
	struct observed_service *o;
	struct plan_reads sel = {.n = 4, .lookup_ids = STRV_INIT};
	bool go[16];
	size_t n_config = 0;

	f->in.policy = MODEL_POLICY_SYNC;
	f->in.allow_empty = true;
	spec_add(f, "quiet"); /* acceptance drift, no read outstanding: goes early */
	o = obs_add(f, "vpce-svc-q", OWNER, "quiet", "Available");
	o->cfg.acceptance_required = EC2_BOOL_FALSE;
	/*
	 * Acceptance drift while its principals are being read: the listing
	 * alone decides it, so it goes early too; the principals wait.
	 */
	s = spec_add(f, "busy");
	set_strv(&s->nlb_arns, NLB_B, NULL);
	set_strv(&s->allowed_principals, ROOT_1, NULL);
	o = obs_add(f, "vpce-svc-b", OWNER, "busy", "Available");
	o->cfg.acceptance_required = EC2_BOOL_FALSE;
	set_strv(&o->cfg.network_load_balancer_arns, NLB_B, NULL);
	obs_principals(o, ROOT_2, NULL);                     /* an earlier read, being made again */
	obs_add(f, "vpce-svc-o", OWNER, "old", "Available"); /* a delete: always the final round */
	sel.what = calloc(4, 1);
	assert_non_null(sel.what);
	sel.what[1] = PLAN_READ_PRINCIPALS;
	run(f);
	assert_true(f->plan->n_changes <= 16);
	assert_int_equal(plan_early(f->plan, f->obs, &sel, go), 0);
	for (size_t i = 0; i < f->plan->n_changes; i++) {
		const struct plan_change *c = &f->plan->changes[i];

		if (c->kind == PLAN_MODIFY_CONFIG) {
			n_config++;
			assert_true(go[i]);
		} else if (c->kind == PLAN_MODIFY_PERMISSIONS) {
			assert_string_equal(c->name, "busy");
			assert_false(go[i]);
		} else {
			assert_int_equal(c->kind, PLAN_DELETE);
			assert_false(go[i]);
		}
	}
	assert_int_equal(n_config, 2);
	plan_reads_free(&sel);
}

/* The final round finds what went early by name, kind and service, each once. */
static void
test_match_early(void **state)
{
	struct plan_change early_ch[] = {
		{.kind = PLAN_MODIFY_CONFIG,
		 .name = (char *)"a",
		 .service_id = (char *)"vpce-svc-a"},
		{.kind = PLAN_MODIFY_CONFIG,
		 .name = (char *)"b",
		 .service_id = (char *)"vpce-svc-b"},
		{.kind = PLAN_CREATE, .name = (char *)"c"},
		{.kind = PLAN_CREATE_TAGS, .name = (char *)"a", .service_id = (char *)"vpce-svc-a"},
	};
	struct plan_change final_ch[] = {
		{.kind = PLAN_CREATE, .name = (char *)"c"},
		{.kind = PLAN_MODIFY_CONFIG,
		 .name = (char *)"a",
		 .service_id = (char *)"vpce-svc-a"},
		{.kind = PLAN_MODIFY_PERMISSIONS,
		 .name = (char *)"a",
		 .service_id = (char *)"vpce-svc-a"},
		{.kind = PLAN_MODIFY_CONFIG,
		 .name = (char *)"a",
		 .service_id = (char *)"vpce-svc-x"},
		{.kind = PLAN_MODIFY_CONFIG,
		 .name = (char *)"b",
		 .service_id = (char *)"vpce-svc-b"},
		{.kind = PLAN_CREATE_TAGS, .name = (char *)"a", .service_id = (char *)"vpce-svc-a"},
		{.kind = PLAN_CREATE, .name = (char *)"c"},
	};
	const bool held[] = {false, true, false, false};
	const size_t want[] = {2, 0, SIZE_MAX, SIZE_MAX, SIZE_MAX, 3, SIZE_MAX};
	struct plan early = {.changes = early_ch, .n_changes = 4};
	struct plan final = {.changes = final_ch, .n_changes = 7};
	size_t from[7];

	(void)state;
	assert_int_equal(plan_match_early(&final, &early, held, from), 0);
	for (size_t i = 0; i < 7; i++)
		assert_int_equal(from[i], want[i]);
	/* No early round, or its outcomes lost: nothing stands for anything. */
	assert_int_equal(plan_match_early(&final, NULL, held, from), 0);
	for (size_t i = 0; i < 7; i++)
		assert_int_equal(from[i], SIZE_MAX);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_budget_oldest_first),
		cmocka_unit_test(test_budget_must_and_changed),
		T(test_reading_holds_only_what_depends_on_it),
		T(test_reading_connections),
		T(test_fresh_reads_for_changes_from_kept_reads),
		T(test_early_changes),
		cmocka_unit_test(test_match_early),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
