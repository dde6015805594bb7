/* SPDX-License-Identifier: ISC */
/*
 * Unit tests for ratelimit.h in simulated time: class mapping, fractional
 * refill, the global bucket, a simulated EC2 token-bucket server that must
 * never throttle a limiter whose share fits, and the adaptive limiter's drop
 * after throttles and its recovery.
 */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "ratelimit.h"

static struct ratelimit *
make(double share, double rate, double burst, bool adaptive, double now)
{
	struct ratelimit_options o = {share, rate, burst, adaptive};
	struct ratelimit *rl = NULL;
	struct err e;

	err_clear(&e);
	if (ratelimit_new(&o, now, &rl, &e) < 0)
		fail_msg("ratelimit_new: %s", e.msg);
	return rl;
}

static void
test_class_of(void **state)
{
	(void)state;
	assert_int_equal(ratelimit_class_of("DescribeVpcEndpointServiceConfigurations"),
			 RATELIMIT_DESCRIBE);
	assert_int_equal(ratelimit_class_of("DescribeVpcEndpointConnections"), RATELIMIT_DESCRIBE);
	assert_int_equal(ratelimit_class_of("GetSomething"), RATELIMIT_DESCRIBE);
	assert_int_equal(ratelimit_class_of("ListThings"), RATELIMIT_DESCRIBE);
	assert_int_equal(ratelimit_class_of("SearchThings"), RATELIMIT_DESCRIBE);
	assert_int_equal(ratelimit_class_of("CreateVpcEndpointServiceConfiguration"),
			 RATELIMIT_CREATE_SERVICE);
	assert_int_equal(ratelimit_class_of("ModifyVpcEndpointServiceConfiguration"),
			 RATELIMIT_MODIFY_SERVICE);
	assert_int_equal(ratelimit_class_of("DeleteVpcEndpointServiceConfigurations"),
			 RATELIMIT_DELETE_SERVICES);
	assert_int_equal(ratelimit_class_of("AcceptVpcEndpointConnections"),
			 RATELIMIT_ACCEPT_CONNECTIONS);
	assert_int_equal(ratelimit_class_of("RejectVpcEndpointConnections"),
			 RATELIMIT_REJECT_CONNECTIONS);
	assert_int_equal(ratelimit_class_of("CreateTags"), RATELIMIT_TAGS);
	assert_int_equal(ratelimit_class_of("DeleteTags"), RATELIMIT_TAGS);
	assert_int_equal(ratelimit_class_of("ModifyVpcEndpointServicePermissions"),
			 RATELIMIT_MUTATING);
	assert_int_equal(ratelimit_class_of("StartVpcEndpointServicePrivateDnsVerification"),
			 RATELIMIT_MUTATING);
	assert_int_equal(ratelimit_class_of(NULL), RATELIMIT_MUTATING);
	assert_string_equal(ratelimit_class_name(RATELIMIT_DESCRIBE), "describe");
	assert_string_equal(ratelimit_class_name(RATELIMIT_MUTATING), "mutating");
	assert_string_equal(ratelimit_class_name(RATELIMIT_N_CLASSES), "unknown");
}

static void
test_bad_options(void **state)
{
	struct ratelimit_options o = {0};
	struct ratelimit *rl = NULL;
	struct err e;

	(void)state;
	o.share = 1.5;
	err_clear(&e);
	assert_int_equal(ratelimit_new(&o, 0, &rl, &e), -EINVAL);
	o.share = -0.1;
	assert_int_equal(ratelimit_new(&o, 0, &rl, &e), -EINVAL);
	o.share = 0.5;
	o.rate = -1;
	assert_int_equal(ratelimit_new(&o, 0, &rl, &e), -EINVAL);
	o.rate = INFINITY;
	assert_int_equal(ratelimit_new(&o, 0, &rl, &e), -EINVAL);
	o.rate = 1;
	assert_int_equal(ratelimit_new(&o, NAN, &rl, &e), -EINVAL);
	assert_null(rl);
	/* Defaults: share 0.5 → describe 10/s; global 10/s. */
	assert_int_equal(ratelimit_new(NULL, 0, &rl, &e), 0);
	assert_float_equal(ratelimit_class_rate(rl, RATELIMIT_DESCRIBE), 10.0, 1e-12);
	assert_float_equal(ratelimit_class_rate(rl, RATELIMIT_CREATE_SERVICE), 0.5, 1e-12);
	ratelimit_free(rl);
	ratelimit_free(NULL);
}

static void
test_fractional_refill(void **state)
{
	/* share 0.5: create-service bucket holds 5 and refills 0.5 per second. */
	struct ratelimit *rl = make(0.5, 1000, 1000, false, 100.0);
	const char *act = "CreateVpcEndpointServiceConfiguration";
	int i;

	(void)state;
	for (i = 0; i < 5; i++)
		assert_float_equal(ratelimit_acquire(rl, act, 100.0), 0.0, 0);
	assert_float_equal(ratelimit_acquire(rl, act, 100.0), 2.0, 1e-9);
	assert_float_equal(ratelimit_acquire(rl, act, 101.0), 1.0, 1e-9);
	assert_float_equal(ratelimit_acquire(rl, act, 101.5), 0.5, 1e-9);
	assert_float_equal(ratelimit_acquire(rl, act, 102.0), 0.0, 1e-9);
	/* Time going backwards adds nothing. */
	assert_true(ratelimit_acquire(rl, act, 50.0) > 0);
	/* Other classes are independent. */
	assert_float_equal(ratelimit_acquire(rl, "ModifyVpcEndpointServiceConfiguration", 102.0),
			   0.0, 0);
	ratelimit_free(rl);
}

static void
test_global_bucket(void **state)
{
	/* Global 10/s, burst 20, well below describe's 50 / 10 per s at share 0.5. */
	struct ratelimit *rl = make(0.5, 10, 20, false, 0.0);
	double d;
	int i;

	(void)state;
	for (i = 0; i < 20; i++)
		assert_float_equal(ratelimit_acquire(rl, "DescribeTags", 0.0), 0.0, 0);
	d = ratelimit_acquire(rl, "DescribeTags", 0.0);
	assert_float_equal(d, 0.1, 1e-9);
	/* A refused acquire takes nothing: the class bucket still has 30. */
	for (i = 0; i < 100; i++)
		assert_true(ratelimit_acquire(rl, "CreateTags", 0.0) > 0);
	assert_float_equal(ratelimit_acquire(rl, "DescribeTags", 0.1), 0.0, 1e-9);
	ratelimit_free(rl);
}

/*
 * A reload builds a new limiter; what the old one spent stays spent (EC2's
 * buckets did not refill), within the new capacity, and refills from there.
 */
static void
test_reload_carries_spending(void **state)
{
	struct ratelimit *old = make(1.0, 1000, 1000, false, 0.0);
	struct ratelimit *fresh, *carried;
	int i;

	(void)state;
	/* Describe at share 1: 100 tokens, 20/s.  Spend them all. */
	for (i = 0; i < 100; i++)
		assert_float_equal(ratelimit_acquire(old, "DescribeTags", 0.0), 0.0, 0);
	assert_true(ratelimit_acquire(old, "DescribeTags", 0.0) > 0);
	/* Without carrying, a new limiter would send at once. */
	fresh = make(0.5, 1000, 1000, false, 0.0);
	assert_float_equal(ratelimit_acquire(fresh, "DescribeTags", 0.0), 0.0, 0);
	ratelimit_free(fresh);
	carried = make(0.5, 1000, 1000, false, 0.0);
	ratelimit_carry(carried, old, 0.0);
	assert_float_equal(ratelimit_acquire(carried, "DescribeTags", 0.0), 0.1, 1e-9);
	/* One second later the new rate (10/s at share 0.5) gave back 10. */
	for (i = 0; i < 10; i++)
		assert_float_equal(ratelimit_acquire(carried, "DescribeTags", 1.0), 0.0, 1e-9);
	assert_true(ratelimit_acquire(carried, "DescribeTags", 1.0) > 0);
	ratelimit_free(carried);
	/* A full old bucket is capped at the new capacity (50 at share 0.5). */
	ratelimit_free(old);
	old = make(1.0, 1000, 1000, false, 0.0);
	carried = make(0.5, 1000, 1000, false, 0.0);
	ratelimit_carry(carried, old, 0.0);
	for (i = 0; i < 50; i++)
		assert_float_equal(ratelimit_acquire(carried, "DescribeTags", 0.0), 0.0, 0);
	assert_true(ratelimit_acquire(carried, "DescribeTags", 0.0) > 0);
	ratelimit_carry(carried, NULL, 0.0); /* nothing to carry: a no-op */
	ratelimit_free(carried);
	ratelimit_free(old);
}

/* --- simulated EC2 ------------------------------------------------------------ */

struct sim_bucket {
	double tokens, capacity, rate, last;
};

static bool
sim_take(struct sim_bucket *b, double now)
{
	b->tokens += (now - b->last) * b->rate;
	if (b->tokens > b->capacity)
		b->tokens = b->capacity;
	b->last = now;
	if (b->tokens < 1.0 - 1e-9)
		return false;
	b->tokens -= 1.0;
	return true;
}

/* EC2's server-side buckets, one per limiter class, full at t=0. */
static void
sim_server(struct sim_bucket *srv, double scale)
{
	static const double size[RATELIMIT_N_CLASSES] = {100, 10, 10, 10, 10, 10, 100, 50};
	static const double refill[RATELIMIT_N_CLASSES] = {20, 1, 1, 1, 1, 1, 10, 5};
	int i;

	for (i = 0; i < RATELIMIT_N_CLASSES; i++) {
		srv[i].capacity = srv[i].tokens = size[i] * scale;
		srv[i].rate = refill[i] * scale;
		srv[i].last = 0;
	}
}

static const char *const class_action[RATELIMIT_N_CLASSES] = {
	"DescribeVpcEndpointServiceConfigurations",
	"CreateVpcEndpointServiceConfiguration",
	"ModifyVpcEndpointServiceConfiguration",
	"DeleteVpcEndpointServiceConfigurations",
	"AcceptVpcEndpointConnections",
	"RejectVpcEndpointConnections",
	"CreateTags",
	"ModifyVpcEndpointServicePermissions",
};

/*
 * Clients with unlimited demand send whatever their limiter allows, every
 * 10 ms for `seconds`, to one simulated EC2.  Returns the throttle count.
 */
static long
simulate(struct ratelimit **clients, int n_clients, struct sim_bucket *srv, double seconds,
	 long *sent)
{
	long throttles = 0;
	double t;
	int step, i, c;

	*sent = 0;
	for (step = 0; (t = step * 0.01) <= seconds; step++)
		for (i = 0; i < n_clients; i++)
			for (c = 0; c < RATELIMIT_N_CLASSES; c++)
				while (ratelimit_acquire(clients[i], class_action[c], t) == 0) {
					bool ok = sim_take(&srv[c], t);

					(*sent)++;
					if (!ok)
						throttles++;
					ratelimit_record(clients[i], class_action[c], !ok, t);
				}
	return throttles;
}

static void
test_share_fits_never_throttled(void **state)
{
	struct sim_bucket srv[RATELIMIT_N_CLASSES];
	struct ratelimit *rl[2];
	long sent, throttles;

	(void)state;
	/* Alone with the default share (global bucket out of the way). */
	sim_server(srv, 1.0);
	rl[0] = make(0.5, 1e6, 1e6, true, 0);
	throttles = simulate(rl, 1, srv, 600, &sent);
	assert_int_equal(throttles, 0);
	/* It did use its half: describe alone ≈ 50 + 10/s × 600 s. */
	print_message("alone at share 0.5: %ld requests in 600 s, 0 throttled\n", sent);
	assert_true(sent > 6000);
	ratelimit_free(rl[0]);

	/* Alone with the whole budget. */
	sim_server(srv, 1.0);
	rl[0] = make(1.0, 1e6, 1e6, true, 0);
	assert_int_equal(simulate(rl, 1, srv, 600, &sent), 0);
	ratelimit_free(rl[0]);

	/* Two daemons, half each. */
	sim_server(srv, 1.0);
	rl[0] = make(0.5, 1e6, 1e6, true, 0);
	rl[1] = make(0.5, 1e6, 1e6, true, 0);
	assert_int_equal(simulate(rl, 2, srv, 600, &sent), 0);
	ratelimit_free(rl[0]);
	ratelimit_free(rl[1]);

	/* Control: two greedy daemons at full share do get throttled. */
	sim_server(srv, 1.0);
	rl[0] = make(1.0, 1e6, 1e6, false, 0);
	rl[1] = make(1.0, 1e6, 1e6, false, 0);
	assert_true(simulate(rl, 2, srv, 60, &sent) > 0);
	ratelimit_free(rl[0]);
	ratelimit_free(rl[1]);
}

static void
test_adaptive_backs_off_and_recovers(void **state)
{
	struct sim_bucket srv[RATELIMIT_N_CLASSES];
	struct ratelimit *rl[1];
	long sent, late_sent, throttles, late_throttles, static_throttles;
	double rate;

	(void)state;
	/* The account's budget is mostly used by someone else: EC2 gives us 1/10. */
	sim_server(srv, 0.1);
	rl[0] = make(1.0, 1e6, 1e6, true, 0);
	assert_false(ratelimit_adaptive_active(rl[0], RATELIMIT_DESCRIBE));
	throttles = simulate(rl, 1, srv, 60, &sent);
	assert_true(throttles > 0);
	assert_true(ratelimit_adaptive_active(rl[0], RATELIMIT_DESCRIBE));
	rate = ratelimit_class_rate(rl[0], RATELIMIT_DESCRIBE);
	assert_true(rate < 20.0); /* below the static 20/s */

	/* Keep going: the throttle rate in steady state is far below static pacing. */
	late_throttles = simulate(rl, 1, srv, 120, &late_sent);

	/* The same without adaptive pacing. */
	{
		struct sim_bucket srv2[RATELIMIT_N_CLASSES];
		struct ratelimit *st[1];
		long st_sent;

		sim_server(srv2, 0.1);
		st[0] = make(1.0, 1e6, 1e6, false, 0);
		(void)simulate(st, 1, srv2, 60, &st_sent);
		static_throttles = simulate(st, 1, srv2, 120, &st_sent);
		ratelimit_free(st[0]);
	}
	print_message("throttled in 120 s of steady state: adaptive %ld of %ld sent, static %ld\n",
		      late_throttles, late_sent, static_throttles);
	assert_true(late_throttles * 4 < static_throttles);

	/* The other tool stops: EC2's whole budget is back; the class recovers. */
	sim_server(srv, 1.0);
	{
		double t0 = 181.0, t;
		int i;

		for (i = 0; i < RATELIMIT_N_CLASSES; i++)
			srv[i].last = t0;
		/* One last throttle just before the budget comes back. */
		ratelimit_record(rl[0], class_action[RATELIMIT_DESCRIBE], true, t0);
		assert_true(ratelimit_adaptive_active(rl[0], RATELIMIT_DESCRIBE));
		assert_true(ratelimit_class_rate(rl[0], RATELIMIT_DESCRIBE) < 10.0);
		for (t = t0; t < t0 + 120 && ratelimit_adaptive_active(rl[0], RATELIMIT_DESCRIBE);
		     t += 0.01)
			while (ratelimit_acquire(rl[0], class_action[RATELIMIT_DESCRIBE], t) == 0)
				ratelimit_record(rl[0], class_action[RATELIMIT_DESCRIBE],
						 !sim_take(&srv[RATELIMIT_DESCRIBE], t), t);
		print_message("recovered after %.1f s\n", t - t0);
		assert_true(t - t0 > 1.0);
		assert_false(ratelimit_adaptive_active(rl[0], RATELIMIT_DESCRIBE));
		assert_float_equal(ratelimit_class_rate(rl[0], RATELIMIT_DESCRIBE), 20.0, 1e-12);
	}
	ratelimit_free(rl[0]);
}

static void
test_adaptive_drop_is_cubic_beta(void **state)
{
	struct ratelimit *rl = make(0.5, 1e6, 1e6, true, 0);
	const char *act = "DescribeVpcEndpointConnections";
	double t;

	(void)state;
	/* 8 responses per second for 5 s: the measured rate settles near 8/s. */
	for (t = 0; t < 5.0; t += 0.125)
		ratelimit_record(rl, act, false, t);
	assert_false(ratelimit_adaptive_active(rl, RATELIMIT_DESCRIBE));
	ratelimit_record(rl, act, true, 5.0);
	assert_true(ratelimit_adaptive_active(rl, RATELIMIT_DESCRIBE));
	/* 0.7 × min(measured ≈ 8, static 10) ≈ 5.6 */
	assert_float_equal(ratelimit_class_rate(rl, RATELIMIT_DESCRIBE), 0.7 * 8.0, 0.2);
	/* The next send waits for the adaptive bucket, which starts empty. */
	assert_true(ratelimit_acquire(rl, act, 5.0) > 0);
	/* Other classes are untouched. */
	assert_false(ratelimit_adaptive_active(rl, RATELIMIT_TAGS));
	assert_float_equal(ratelimit_acquire(rl, "CreateTags", 5.0), 0.0, 0);
	/* Adaptive off: record() is a no-op. */
	ratelimit_free(rl);
	rl = make(0.5, 1e6, 1e6, false, 0);
	ratelimit_record(rl, act, true, 1.0);
	assert_false(ratelimit_adaptive_active(rl, RATELIMIT_DESCRIBE));
	ratelimit_free(rl);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_class_of),
		cmocka_unit_test(test_bad_options),
		cmocka_unit_test(test_fractional_refill),
		cmocka_unit_test(test_global_bucket),
		cmocka_unit_test(test_reload_carries_spending),
		cmocka_unit_test(test_share_fits_never_throttled),
		cmocka_unit_test(test_adaptive_backs_off_and_recovers),
		cmocka_unit_test(test_adaptive_drop_is_cubic_beta),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
