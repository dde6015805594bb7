/* SPDX-License-Identifier: ISC */
/*
 * Test support: the fixture of the planner's unit tests (tests/test-plan.c,
 * tests/test-plan-memory.c).
 *
 * A `struct fx` holds the specs, an observation and the plan_input of one
 * case; setup() gives every case the same defaults (policy sync, a
 * complete listing, the delete guard of an empty or mostly deleted desired
 * state switched off: cases about the guard set it), teardown() frees it
 * all.  The builders add specs and observed services that match each
 * other by default, so a case spells only what differs; run() computes
 * the plan and digests it into one line per change and per held item, so
 * an expected text catches an extra, missing or reordered item.  Every
 * helper asserts (cmocka) instead of returning errors: test code only.
 */
#ifndef VPCESD_TEST_PLAN_FIXTURE_H
#define VPCESD_TEST_PLAN_FIXTURE_H

#include <stddef.h>

#include "err.h"
#include "model.h"
#include "observation.h"
#include "plan.h"
#include "strv.h"

#define OWNER  "team-a"
#define REGION "us-east-1"
#define NLB_A  "arn:aws:elasticloadbalancing:us-east-1:111122223333:loadbalancer/net/a/1"
#define NLB_B  "arn:aws:elasticloadbalancing:us-east-1:111122223333:loadbalancer/net/b/2"
#define NLB_C  "arn:aws:elasticloadbalancing:us-east-1:111122223333:loadbalancer/net/c/3"
#define GWLB_A "arn:aws:elasticloadbalancing:us-east-1:111122223333:loadbalancer/gwy/a/4"
#define GWLB_B "arn:aws:elasticloadbalancing:us-east-1:111122223333:loadbalancer/gwy/b/5"
#define ROOT_1 "arn:aws:iam::111111111111:root"
#define ROOT_2 "arn:aws:iam::222222222222:root"
#define USER_X "arn:aws:iam::333333333333:user/x"

#define MAX_SPECS 16

struct fx {
	struct service_spec specs[MAX_SPECS];
	size_t n_specs;
	struct observation *obs;
	struct plan_input in;
	struct plan *plan;
	struct err e;
	char *digest;
};

int setup(void **state);
int teardown(void **state);

/* ---- builders (everything they add is the fixture's, freed by teardown()) ---- */

/* Replace *sv with the NULL-terminated strings, sorted. */
void set_strv(struct strv *sv, ...);

/* A spec that matches obs_add()'s default service: NLB_A, acceptance, ipv4. */
struct service_spec *spec_add(struct fx *f, const char *name);
void spec_tag(struct service_spec *s, const char *k, const char *v);
void spec_gwlb(struct service_spec *s);
void cfg_tag(struct ec2_service_config *c, const char *k, const char *v);

/*
 * Observe a service `id` in `state`, tagged with owner and name when not
 * NULL, matching spec_add()'s defaults; permissions (none) and connections
 * (none) known.  The pointer is valid until the next obs_add().
 */
struct observed_service *obs_add_src(struct fx *f, const char *id, const char *owner,
				     const char *name, const char *state,
				     enum observation_source src);
struct observed_service *obs_add(struct fx *f, const char *id, const char *owner, const char *name,
				 const char *state);
void obs_region(struct observed_service *s, const char *region, const char *state);
void obs_conn(struct observed_service *s, const char *vpce, const char *state);
/* A connection of endpoint `vpce` owned by account `owner`. */
void obs_conn_owned(struct observed_service *s, const char *vpce, const char *owner,
		    const char *state);
/* Replace the allowed principals with the NULL-terminated list. */
void obs_principals(struct observed_service *s, ...);
/* Show private DNS name `name` in verification state `state` (NULL: none). */
void obs_dns(struct observed_service *o, const char *name, const char *state);

/* ---- running and digesting ---------------------------------------------------- */

/* The digest of f->plan: one line per change, then one per held item. */
const char *digest(struct fx *f);
/* Compute the plan (asserting success) and return its digest. */
const char *run(struct fx *f);
/* Change i of the plan (asserting it exists). */
const struct plan_change *change(struct fx *f, size_t i);
/* sv's members joined with "," equal `joined`. */
void assert_strv(const struct strv *sv, const char *joined);

#endif
