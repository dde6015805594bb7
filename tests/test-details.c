/* SPDX-License-Identifier: ISC */
/*
 * Unit tests for details.h: the detail reads kept between cycles for the
 * read budget — kept, reused with their times, forgotten when the listing
 * no longer shows the service or a change made them stale, and a listing
 * that shows a service changed marks it so.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "details.h"
#include "observation.h"

#define ROOT "arn:aws:iam::111111111111:root"

/* An observation listing services `ids` (NULL-terminated), complete. */
static struct observation *
listing(const char *const *ids)
{
	struct observation *obs = observation_new();

	assert_non_null(obs);
	for (; *ids; ids++) {
		struct ec2_service_config cfg = {0};
		struct observed_service *s;

		cfg.service_id = (char *)*ids;
		cfg.service_state = (char *)"Available";
		cfg.acceptance_required = EC2_BOOL_TRUE;
		assert_int_equal(observation_add_service(obs, &cfg, OBSERVATION_OWNED_LISTING, &s),
				 0);
	}
	obs->listing_complete = true;
	return obs;
}

static void
read_principals(struct observed_service *s, const char *p, time_t at)
{
	struct strv sv = STRV_INIT;

	assert_int_equal(strv_push(&sv, p), 0);
	assert_int_equal(observation_set_principals(s, &sv), 0);
	s->principals_at = at;
	strv_free(&sv);
}

static void
test_keep_and_reuse(void **state)
{
	struct details d = DETAILS_INIT;
	struct observation *obs = listing((const char *const[]){"vpce-svc-a", "vpce-svc-b", NULL});
	struct plan_read_age ages[2];

	(void)state;
	read_principals(&obs->services[0], ROOT, 100);
	/* An earlier cycle's read (older than `since`) is not this cycle's to keep. */
	read_principals(&obs->services[1], ROOT, 50);
	assert_int_equal(details_store(&d, obs, 100), 0);
	assert_int_equal(details_count(&d), 1);
	observation_free(obs);

	/* The next cycle lists both: a's principals come back, with their time. */
	obs = listing((const char *const[]){"vpce-svc-a", "vpce-svc-b", NULL});
	assert_int_equal(details_fill(&d, obs, ages), 0);
	assert_true(obs->services[0].permissions_known);
	assert_int_equal(obs->services[0].principals.n, 1);
	assert_string_equal(obs->services[0].principals.v[0], ROOT);
	assert_int_equal(obs->services[0].principals_at, 100);
	assert_int_equal(ages[0].at[0], 100);
	assert_false(ages[0].changed);
	assert_false(obs->services[1].permissions_known);
	assert_int_equal(ages[1].at[0], 0);
	observation_free(obs);
	details_free(&d);
}

static void
test_listing_changed(void **state)
{
	struct details d = DETAILS_INIT;
	struct observation *obs = listing((const char *const[]){"vpce-svc-a", NULL});
	struct plan_read_age age;

	(void)state;
	read_principals(&obs->services[0], ROOT, 100);
	assert_int_equal(details_store(&d, obs, 100), 0);
	observation_free(obs);
	/* The same listing: unchanged. */
	obs = listing((const char *const[]){"vpce-svc-a", NULL});
	assert_int_equal(details_fill(&d, obs, &age), 0);
	assert_false(age.changed);
	observation_free(obs);
	/* Someone turned acceptance off: changed, so its details are due at once. */
	obs = listing((const char *const[]){"vpce-svc-a", NULL});
	obs->services[0].cfg.acceptance_required = EC2_BOOL_FALSE;
	assert_int_equal(details_fill(&d, obs, &age), 0);
	assert_true(age.changed);
	observation_free(obs);
	details_free(&d);
}

static void
test_prune_and_forget(void **state)
{
	struct details d = DETAILS_INIT;
	struct observation *obs = listing((const char *const[]){"vpce-svc-a", "vpce-svc-b", NULL});

	(void)state;
	read_principals(&obs->services[0], ROOT, 100);
	read_principals(&obs->services[1], ROOT, 100);
	assert_int_equal(details_store(&d, obs, 100), 0);
	assert_int_equal(details_count(&d), 2);
	observation_free(obs);

	/* An incomplete listing forgets nothing; a complete one what it lacks. */
	obs = listing((const char *const[]){"vpce-svc-a", NULL});
	obs->listing_complete = false;
	assert_int_equal(details_store(&d, obs, 200), 0);
	assert_int_equal(details_count(&d), 2);
	obs->listing_complete = true;
	assert_int_equal(details_store(&d, obs, 200), 0);
	assert_int_equal(details_count(&d), 1);
	observation_free(obs);

	/* A change made a's principals stale: they are not reused. */
	details_forget(&d, "vpce-svc-a", OBSERVATION_PRINCIPALS);
	details_forget(&d, "vpce-svc-nope", OBSERVATION_PRINCIPALS);
	obs = listing((const char *const[]){"vpce-svc-a", NULL});
	assert_int_equal(details_fill(&d, obs, NULL), 0);
	assert_false(obs->services[0].permissions_known);
	observation_free(obs);
	details_free(&d);
	details_free(NULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_keep_and_reuse),
		cmocka_unit_test(test_listing_changed),
		cmocka_unit_test(test_prune_and_forget),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
