/* SPDX-License-Identifier: ISC */
/*
 * Unit tests for the planner's rules that use the memory of earlier cycles
 * (plan_memory.c; docs/internals/plan.md): a state file that could not be
 * read, the service remembered for a spec that has none this cycle,
 * services of previous owners and their handover, and fights.  The rest of
 * plan.h is tests/test-plan.c; both share tests/support/plan_fixture.h, and
 * compare the digest of the whole plan with the exact expected text.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "observation.h"
#include "plan.h"
#include "support/plan_fixture.h"

/* The cycle's clock in these cases: 1970-01-12T13:46:40Z. */
#define NOW 1000000

/* The CREATE digest of an unchanged spec_add() spec, after `why` (the first diff line). */
#define CREATE_REST                                                     \
	"acceptance_required: true; network_load_balancer_arns: " NLB_A \
	"; supported_ip_address_types: ipv4\n"

/* A service observed by id (a lookup found it), not in the owned listing. */
static struct observed_service *
obs_looked_up(struct fx *f, const char *id, const char *owner, const char *name, const char *state)
{
	struct observed_service *o = obs_add_src(f, id, owner, name, state, OBSERVATION_ID_LOOKUP);

	assert_int_equal(observation_add_lookup(f->obs, id, OBSERVATION_FOUND, NULL), 0);
	return o;
}

/* plan_reads() (asserting success) into *r; free it with plan_reads_free(). */
static void
reads_ok(struct fx *f, struct plan_reads *r)
{
	memset(r, 0, sizeof(*r));
	assert_int_equal(plan_reads(&f->in, r, &f->e), 0);
	assert_int_equal(r->n, f->obs->n_services);
}

/* ---- the state file could not be read ---------------------------------------------- */

static void
test_state_lost(void **state)
{
	struct fx *f = *state;
	struct observed_service *o;

	spec_add(f, "keep");
	spec_add(f, "new");
	o = obs_add(f, "vpce-svc-k", OWNER, "keep", "Available");
	o->cfg.acceptance_required = EC2_BOOL_FALSE;
	obs_add(f, "vpce-svc-l", OWNER, "keep", "Available"); /* a duplicate */
	obs_add(f, "vpce-svc-o", OWNER, "old", "Available");
	f->in.state_lost = true;
	/* No create, no delete (duplicates neither); the keeper's modifications still go. */
	assert_string_equal(run(f),
			    "modify_config keep vpce-svc-k: acceptance_required: false → true\n"
			    "! incomplete keep vpce-svc-l: the state file could not be read; no "
			    "delete before a cycle has read every owned service\n"
			    "! incomplete new -: the state file could not be read; no create "
			    "before a cycle has read every owned service\n"
			    "! incomplete old vpce-svc-o: the state file could not be read; no "
			    "delete before a cycle has read every owned service\n");
	assert_null(f->plan->delete_guard);

	f->in.state_lost = false;
	assert_string_equal(run(f),
			    "modify_config keep vpce-svc-k: acceptance_required: false → true\n"
			    "create new -: " CREATE_REST
			    "delete keep vpce-svc-l: duplicate of vpce-svc-k (same vpcesd:name)\n"
			    "delete old vpce-svc-o: not in the configuration (policy sync)\n");
}

/* ---- the service remembered for a spec without one ----------------------------------- */

static void
test_memory_not_looked_up(void **state)
{
	struct fx *f = *state;
	const struct plan_binding *b;
	const struct plan_memory mem[] = {
		{.name = "api", .service_id = "vpce-svc-9", .seen_at = NOW - 60, .generation = 2}};

	spec_add(f, "api");
	f->in.now = NOW;
	f->in.memory = mem;
	f->in.n_memory = 1;
	/* Not listed and no lookup: nothing is known of it, so nothing is created. */
	assert_string_equal(run(f), "! incomplete api vpce-svc-9: its service vpce-svc-9 is not "
				    "listed and could not be looked up; not creating\n");
	b = plan_binding_of(f->plan, "api");
	assert_int_equal(b->generation, 2);
	assert_false(b->forget_service);
	assert_null(b->service);

	assert_int_equal(observation_add_lookup(f->obs, "vpce-svc-9", OBSERVATION_UNREADABLE,
						"RequestLimitExceeded"),
			 0);
	assert_string_equal(run(f), "! incomplete api vpce-svc-9: its service vpce-svc-9 is not "
				    "listed and could not be looked up: RequestLimitExceeded; not "
				    "creating\n");
	assert_false(plan_binding_of(f->plan, "api")->forget_service);
}

/*
 * A service other than the remembered one answers a create whose
 * generation was lost (a kill before the cycle's end): its token is spent,
 * so binding it moves the generation on; the remembered one does not.
 */
static void
test_memory_other_service_moves_generation(void **state)
{
	struct fx *f = *state;
	const struct plan_memory mem[] = {
		{.name = "api", .service_id = "vpce-svc-0", .seen_at = NOW - 600, .generation = 3}};
	const struct plan_memory same[] = {
		{.name = "api", .service_id = "vpce-svc-1", .seen_at = NOW - 600, .generation = 3}};

	spec_add(f, "api");
	f->in.now = NOW;
	f->in.memory = mem;
	f->in.n_memory = 1;
	obs_add(f, "vpce-svc-1", OWNER, "api", "Available");
	assert_string_equal(run(f), "");
	assert_string_equal(plan_binding_of(f->plan, "api")->service->cfg.service_id, "vpce-svc-1");
	assert_int_equal(plan_binding_of(f->plan, "api")->generation, 4);

	/* The remembered service itself: the generation stays. */
	f->in.memory = same;
	assert_string_equal(run(f), "");
	assert_int_equal(plan_binding_of(f->plan, "api")->generation, 3);
}

static void
test_memory_gone(void **state)
{
	struct fx *f = *state;
	struct service_spec *s = spec_add(f, "api");
	const struct plan_binding *b;
	const struct plan_change *c;
	char token[PLAN_CLIENT_TOKEN_SIZE];
	const struct plan_memory mem[] = {
		{.name = "api", .service_id = "vpce-svc-9", .seen_at = NOW - 60, .generation = 2}};

	f->in.now = NOW;
	f->in.memory = mem;
	f->in.n_memory = 1;
	assert_int_equal(observation_add_lookup(f->obs, "vpce-svc-9", OBSERVATION_NOT_FOUND, NULL),
			 0);
	/* Seen alive before, not found now: gone; the create moves to a new generation. */
	assert_string_equal(run(f), "create api -: its service vpce-svc-9 is gone (deleted "
				    "outside vpcesd): a new ClientToken (generation 3) makes a new "
				    "one; " CREATE_REST);
	c = change(f, 0);
	assert_int_equal(c->create.generation, 3);
	assert_int_equal(plan_client_token(OWNER, s, 3, token, &f->e), 0);
	assert_string_equal(c->create.client_token, token);
	assert_string_equal(c->diffs.v[0], "its service vpce-svc-9 is gone (deleted outside "
					   "vpcesd): a new ClientToken (generation 3) makes a "
					   "new one");
	b = plan_binding_of(f->plan, "api");
	assert_true(b->forget_service);
	assert_int_equal(b->generation, 3);
	assert_null(b->service);
}

static void
test_memory_answered_not_yet_seen(void **state)
{
	struct fx *f = *state;
	struct service_spec *s = spec_add(f, "api");
	const struct plan_binding *b;
	char token[PLAN_CLIENT_TOKEN_SIZE];
	struct plan_memory mem[] = {{.name = "api",
				     .service_id = "vpce-svc-9",
				     .answered_at = NOW - (PLAN_CONFIRM_WINDOW - 1),
				     .generation = 4}};

	f->in.now = NOW;
	f->in.memory = mem;
	f->in.n_memory = 1;
	assert_int_equal(observation_add_lookup(f->obs, "vpce-svc-9", OBSERVATION_NOT_FOUND, NULL),
			 0);
	/* A create answered with it, never seen since, within the window: it may still appear. */
	assert_string_equal(run(f), "! waiting api vpce-svc-9: a create was answered with "
				    "vpce-svc-9 at 1970-01-12T13:36:41Z and EC2 does not show it "
				    "yet: waiting up to 10 minutes for it before creating again\n");
	b = plan_binding_of(f->plan, "api");
	assert_int_equal(b->generation, 4);
	assert_false(b->forget_service);

	/* Once it was seen alive, not found means gone, whenever the create was answered. */
	mem[0].seen_at = NOW - 30;
	assert_string_equal(run(f), "create api -: its service vpce-svc-9 is gone (deleted "
				    "outside vpcesd): a new ClientToken (generation 5) makes a new "
				    "one; " CREATE_REST);

	/* Never seen, answered a whole window ago: a phantom; create at the next generation. */
	mem[0].seen_at = 0;
	mem[0].answered_at = NOW - PLAN_CONFIRM_WINDOW;
	assert_string_equal(run(f), "create api -: its service vpce-svc-9 is gone (deleted "
				    "outside vpcesd): a new ClientToken (generation 5) makes a new "
				    "one; " CREATE_REST);
	assert_int_equal(change(f, 0)->create.generation, 5);
	assert_int_equal(plan_client_token(OWNER, s, 5, token, &f->e), 0);
	assert_string_equal(change(f, 0)->create.client_token, token);
	b = plan_binding_of(f->plan, "api");
	assert_int_equal(b->generation, 5);
	assert_true(b->forget_service);
}

static void
test_memory_retagged(void **state)
{
	struct fx *f = *state;
	struct observed_service *o;
	const struct plan_memory mem[] = {
		{.name = "api", .service_id = "vpce-svc-9", .seen_at = NOW - 60, .generation = 1}};

	spec_add(f, "api");
	f->in.now = NOW;
	f->in.memory = mem;
	f->in.n_memory = 1;

	/* Alive under another owner: never a second one. */
	o = obs_looked_up(f, "vpce-svc-9", "team-b", "api", "Available");
	assert_string_equal(run(f),
			    "! refused api vpce-svc-9: its service vpce-svc-9 no longer "
			    "carries vpcesd:owner=" OWNER " (now: team-b): not creating a "
			    "second one; put the tag back, adopt it (adopt: vpce-svc-9), or "
			    "delete it\n");
	assert_null(plan_binding_of(f->plan, "api")->service);
	assert_false(plan_binding_of(f->plan, "api")->forget_service);

	/* Without an owner tag at all. */
	free(o->cfg.tags.v[0].key);
	o->cfg.tags.v[0].key = strdup("team");
	assert_string_equal(run(f),
			    "! refused api vpce-svc-9: its service vpce-svc-9 no longer "
			    "carries vpcesd:owner=" OWNER " (now: none): not creating a "
			    "second one; put the tag back, adopt it (adopt: vpce-svc-9), or "
			    "delete it\n");

	/* Dead: gone, whatever its tags say. */
	free(o->cfg.service_state);
	o->cfg.service_state = strdup("Deleted");
	assert_string_equal(run(f), "create api -: its service vpce-svc-9 is gone (deleted "
				    "outside vpcesd): a new ClientToken (generation 2) makes a new "
				    "one; " CREATE_REST);
	assert_true(plan_binding_of(f->plan, "api")->forget_service);
}

static void
test_memory_renamed(void **state)
{
	struct fx *f = *state;
	struct plan_reads r;
	const struct plan_memory mem[] = {
		{.name = "api", .service_id = "vpce-svc-9", .seen_at = NOW - 60, .generation = 1}};

	spec_add(f, "api");
	f->in.now = NOW;
	f->in.memory = mem;
	f->in.n_memory = 1;
	/*
	 * Ours, but someone changed its vpcesd:name: not a second one, and
	 * not deleted either (the held item leaves the choice to a human).
	 */
	obs_add(f, "vpce-svc-9", OWNER, "other", "Available");
	assert_string_equal(run(f), "! refused api vpce-svc-9: its service vpce-svc-9 now carries "
				    "vpcesd:name=other: not creating a second one; put the tag "
				    "back, or delete the service\n");
	assert_null(plan_binding_of(f->plan, "api")->service);

	/* Any other owned service no spec names is deleted as before. */
	obs_add(f, "vpce-svc-8", OWNER, "old", "Available");
	assert_string_equal(run(f), "delete old vpce-svc-8: not in the configuration (policy "
				    "sync)\n"
				    "! refused api vpce-svc-9: its service vpce-svc-9 now carries "
				    "vpcesd:name=other: not creating a second one; put the tag "
				    "back, or delete the service\n");

	/* Without a name tag at all (an owned service without one is deleted otherwise). */
	free(f->obs->services[0].cfg.tags.v[1].key);
	f->obs->services[0].cfg.tags.v[1].key = strdup("team");
	assert_string_equal(run(f), "delete old vpce-svc-8: not in the configuration (policy "
				    "sync)\n"
				    "! refused api vpce-svc-9: its service vpce-svc-9 now carries "
				    "vpcesd:name=(none): not creating a second one; put the tag "
				    "back, or delete the service\n");

	/* The same walk decides the reads: the delete guard's read only for the other one. */
	reads_ok(f, &r);
	assert_int_equal(r.what[0], 0);
	assert_int_equal(r.what[1], PLAN_READ_CONNECTIONS);
	assert_int_equal(r.lookup_ids.n, 0);
	plan_reads_free(&r);

	/* Held for another reason first (a previous owner's listing is incomplete): still kept. */
	assert_int_equal(observation_add_owner_listing(f->obs, "team-old", false), 0);
	assert_string_equal(run(f), "delete old vpce-svc-8: not in the configuration (policy "
				    "sync)\n"
				    "! incomplete api -: the listing of the services of previous "
				    "owner 'team-old' is incomplete; not creating\n");
}

/* Renamed to another desired spec's name: that spec keeps it, this one gets a new service. */
static void
test_memory_renamed_to_other_spec(void **state)
{
	struct fx *f = *state;
	const struct plan_memory mem[] = {
		{.name = "api", .service_id = "vpce-svc-9", .seen_at = NOW - 60, .generation = 1}};

	spec_add(f, "api");
	spec_add(f, "web");
	f->in.now = NOW;
	f->in.memory = mem;
	f->in.n_memory = 1;
	obs_add(f, "vpce-svc-9", OWNER, "web", "Available");
	assert_string_equal(run(f), "create api -: its service vpce-svc-9 now carries "
				    "vpcesd:name=web: a new ClientToken (generation 2) makes a new "
				    "one; " CREATE_REST);
	assert_int_equal(change(f, 0)->create.generation, 2);
	assert_true(plan_binding_of(f->plan, "api")->forget_service);
	assert_ptr_equal(plan_binding_of(f->plan, "web")->service, &f->obs->services[0]);
}

/* A lookup that found the service, which the observation then lacks: nothing is guessed. */
static void
test_memory_found_not_observed(void **state)
{
	struct fx *f = *state;
	const struct plan_memory mem[] = {
		{.name = "api", .service_id = "vpce-svc-9", .seen_at = NOW - 60, .generation = 1}};

	spec_add(f, "api");
	f->in.now = NOW;
	f->in.memory = mem;
	f->in.n_memory = 1;
	assert_int_equal(observation_add_lookup(f->obs, "vpce-svc-9", OBSERVATION_FOUND, NULL), 0);
	assert_string_equal(run(f), "! incomplete api vpce-svc-9: the lookup of its service "
				    "vpce-svc-9 found it, but it is not in the observation; not "
				    "creating\n");
}

static void
test_memory_none(void **state)
{
	struct fx *f = *state;
	struct service_spec *s = spec_add(f, "api");
	const struct plan_binding *b;
	char token[PLAN_CLIENT_TOKEN_SIZE];
	const struct plan_memory mem[] = {{.name = "api", .generation = 3}};

	/* Nothing remembered: generation 0, the token of old. */
	assert_string_equal(run(f), "create api -: " CREATE_REST);
	assert_int_equal(change(f, 0)->create.generation, 0);
	assert_int_equal(plan_client_token(OWNER, s, 0, token, &f->e), 0);
	assert_string_equal(change(f, 0)->create.client_token, token);
	b = plan_binding_of(f->plan, "api");
	assert_int_equal(b->generation, 0);
	assert_false(b->forget_service);

	/* A generation but no service: create at that generation, nothing to forget. */
	f->in.memory = mem;
	f->in.n_memory = 1;
	assert_string_equal(run(f), "create api -: " CREATE_REST);
	assert_int_equal(change(f, 0)->create.generation, 3);
	assert_int_equal(plan_client_token(OWNER, s, 3, token, &f->e), 0);
	assert_string_equal(change(f, 0)->create.client_token, token);
	assert_int_equal(plan_binding_of(f->plan, "api")->generation, 3);
	assert_false(plan_binding_of(f->plan, "api")->forget_service);
}

/* ---- previous owners ------------------------------------------------------------------ */

#define OLD_OWNER "team-old"

/* A service of OLD_OWNER from its (complete) listing; OLD_OWNER is a previous owner. */
static struct observed_service *
obs_previous(struct fx *f, struct strv *prev, const char *id, const char *name, const char *state)
{
	struct observed_service *o =
		obs_add_src(f, id, OLD_OWNER, name, state, OBSERVATION_PREVIOUS_LISTING);

	if (prev->n == 0) {
		set_strv(prev, OLD_OWNER, NULL);
		assert_int_equal(observation_add_owner_listing(f->obs, OLD_OWNER, true), 0);
	}
	f->in.previous_owners = prev;
	return o;
}

#define PREVIOUS_REFUSED                                                                         \
	"! refused api vpce-svc-p: vpce-svc-p carries the previous owner '" OLD_OWNER            \
	"' (tag vpcesd:owner), not '" OWNER "': not creating a second one; set previous_owner: " \
	"" OLD_OWNER " to hand it over, or set owner back to '" OLD_OWNER "'\n"

static void
test_previous_owner_refused(void **state)
{
	struct fx *f = *state;
	struct strv prev = STRV_INIT;
	struct observed_service *o;

	spec_add(f, "api");
	o = obs_previous(f, &prev, "vpce-svc-p", "api", "Available");
	o->cfg.acceptance_required = EC2_BOOL_FALSE;
	/* Its name is desired, it is not ours yet: neither created again nor touched. */
	assert_string_equal(run(f), PREVIOUS_REFUSED);
	assert_null(plan_binding_of(f->plan, "api")->service);
	/* A handover from another owner does not take it. */
	f->in.handover_from = "team-x";
	assert_string_equal(run(f), PREVIOUS_REFUSED);

	/* Not a previous owner: just some other owner's service, and the spec is created. */
	f->in.handover_from = NULL;
	f->in.previous_owners = NULL;
	assert_string_equal(run(f), "create api -: " CREATE_REST);
	strv_free(&prev);
}

static void
test_previous_owner_handover(void **state)
{
	struct fx *f = *state;
	struct strv prev = STRV_INIT;
	struct observed_service *o;
	const struct plan_change *c;

	spec_add(f, "api");
	o = obs_previous(f, &prev, "vpce-svc-p", "api", "Available");
	o->cfg.acceptance_required = EC2_BOOL_FALSE;
	obs_add(f, "vpce-svc-o", OWNER, "old", "Available");
	f->in.handover_from = OLD_OWNER;
	/* The handover target counts as kept: 1 delete of 2 is not every one, nor past 50%. */
	f->in.allow_empty = false;
	f->in.max_fraction_pct = 50;
	assert_string_equal(run(f),
			    "adopt api vpce-svc-p: tag vpcesd:owner: " OLD_OWNER " → " OWNER "\n"
			    "modify_config api vpce-svc-p: acceptance_required: false → "
			    "true\n"
			    "delete old vpce-svc-o: not in the configuration (policy sync)\n");
	c = change(f, 0);
	assert_int_equal(c->kind, PLAN_ADOPT);
	assert_int_equal(c->tags.n, 2);
	assert_string_equal(c->tags.v[0].key, NAME_TAG);
	assert_string_equal(c->tags.v[0].value, "api");
	assert_string_equal(c->tags.v[1].key, OWNER_TAG);
	assert_string_equal(c->tags.v[1].value, OWNER);
	assert_ptr_equal(plan_binding_of(f->plan, "api")->service, &f->obs->services[0]);
	assert_null(f->plan->delete_guard);
	strv_free(&prev);
}

/* Two previous owners carry the name: the one to hand over from is the one taken. */
static void
test_previous_owner_handover_prefers_its_owner(void **state)
{
	struct fx *f = *state;
	struct strv prev = STRV_INIT;

	spec_add(f, "api");
	/* team-aaa sorts (and would win on id) before team-old. */
	obs_add_src(f, "vpce-svc-0", "team-aaa", "api", "Available", OBSERVATION_PREVIOUS_LISTING);
	obs_add_src(f, "vpce-svc-p", OLD_OWNER, "api", "Available", OBSERVATION_PREVIOUS_LISTING);
	set_strv(&prev, "team-aaa", OLD_OWNER, NULL);
	assert_int_equal(observation_add_owner_listing(f->obs, "team-aaa", true), 0);
	assert_int_equal(observation_add_owner_listing(f->obs, OLD_OWNER, true), 0);
	f->in.previous_owners = &prev;
	f->in.handover_from = OLD_OWNER;
	assert_string_equal(run(f),
			    "adopt api vpce-svc-p: tag vpcesd:owner: " OLD_OWNER " → " OWNER "\n");
	strv_free(&prev);
}

static void
test_previous_owner_listing_incomplete(void **state)
{
	struct fx *f = *state;
	struct strv prev = STRV_INIT;

	spec_add(f, "api");
	spec_add(f, "keep");
	obs_add(f, "vpce-svc-k", OWNER, "keep", "Available");
	set_strv(&prev, OLD_OWNER, NULL);
	f->in.previous_owners = &prev;
	/* A missing page could hold a service carrying the name: no create. */
	assert_int_equal(observation_add_owner_listing(f->obs, OLD_OWNER, false), 0);
	assert_string_equal(run(f), "! incomplete api -: the listing of the services of previous "
				    "owner '" OLD_OWNER "' is incomplete; not creating\n");
	strv_free(&prev);
}

static void
test_previous_owner_other_names_untouched(void **state)
{
	struct fx *f = *state;
	struct strv prev = STRV_INIT;
	struct observed_service *o;

	spec_add(f, "api");
	obs_add(f, "vpce-svc-a", OWNER, "api", "Available");
	/* A name no spec uses: never deleted, never changed, handed over or not. */
	o = obs_previous(f, &prev, "vpce-svc-p", "legacy", "Available");
	o->cfg.acceptance_required = EC2_BOOL_FALSE;
	cfg_tag(&o->cfg, "stale", "1");
	assert_string_equal(run(f), "");
	f->in.handover_from = OLD_OWNER;
	assert_string_equal(run(f), "");
	/* Not even when no spec is left. */
	f->in.n_specs = 0;
	assert_string_equal(run(f),
			    "delete api vpce-svc-a: not in the configuration (policy sync)\n");
	strv_free(&prev);
}

/* ---- fights --------------------------------------------------------------------------- */

#define FIGHT_LINE "acceptance_required: false → true"

/* A keeper of spec "api" whose acceptance someone keeps setting back to false. */
static void
fight_fixture(struct fx *f)
{
	struct observed_service *o;

	spec_add(f, "api");
	o = obs_add(f, "vpce-svc-1", OWNER, "api", "Available");
	o->cfg.acceptance_required = EC2_BOOL_FALSE;
	f->in.now = NOW;
	f->in.interval_s = 60;
}

static void
test_fight_first_repeat(void **state)
{
	struct fx *f = *state;
	struct strv applied = STRV_INIT;
	const struct plan_binding *b;
	struct plan_memory mem[] = {{.name = "api",
				     .service_id = "vpce-svc-1",
				     .seen_at = NOW - 60,
				     .applied = &applied}};

	fight_fixture(f);
	f->in.memory = mem;
	f->in.n_memory = 1;
	/* Applied last cycle, needed again: one repeat, not a fight yet. */
	set_strv(&applied, "tag x: (none) → 1", FIGHT_LINE, NULL);
	assert_string_equal(run(f), "modify_config api vpce-svc-1: " FIGHT_LINE "\n");
	b = plan_binding_of(f->plan, "api");
	assert_int_equal(b->repeats, 1);
	assert_false(b->contested);
	assert_false(b->contest_began);
	assert_false(b->forget_applied);
	assert_null(b->contested_diff);

	/* Something else was applied last cycle: no repeat. */
	mem[0].repeats = 1;
	set_strv(&applied, "tag x: (none) → 1", NULL);
	assert_string_equal(run(f), "modify_config api vpce-svc-1: " FIGHT_LINE "\n");
	b = plan_binding_of(f->plan, "api");
	assert_int_equal(b->repeats, 0);
	assert_false(b->contested);
	strv_free(&applied);
}

static void
test_fight_contested(void **state)
{
	struct fx *f = *state;
	struct strv applied = STRV_INIT;
	const struct plan_binding *b;
	struct plan_memory mem[] = {{.name = "api",
				     .service_id = "vpce-svc-1",
				     .seen_at = NOW - 60,
				     .applied = &applied,
				     .repeats = 1}};

	fight_fixture(f);
	spec_tag(&f->specs[0], "team", "x"); /* a second diff, applied once only */
	f->in.memory = mem;
	f->in.n_memory = 1;
	set_strv(&applied, FIGHT_LINE, NULL);
	/* The second repeat: contested, nothing pushed, back off 2 intervals. */
	assert_string_equal(run(f),
			    "! contested api vpce-svc-1: contested: vpcesd applied '" FIGHT_LINE
			    "' in each of the last 2 cycles and it was changed back each "
			    "time: someone else manages this service too; not changing it "
			    "before 1970-01-12T13:48:40Z\n");
	assert_int_equal(f->plan->n_changes, 0);
	assert_int_equal(f->plan->held[0].kind, PLAN_HOLD_CONTESTED);
	b = plan_binding_of(f->plan, "api");
	assert_int_equal(b->repeats, 2);
	assert_true(b->contested);
	assert_true(b->contest_began);
	assert_int_equal(b->contested_until, NOW + 2 * 60);
	assert_true(b->forget_applied);
	assert_string_equal(b->contested_diff, FIGHT_LINE);
	assert_ptr_equal(b->service, &f->obs->services[0]);

	/* The line fought over is the one applied again, not the first diff. */
	set_strv(&applied, "tag team: (none) → x", NULL);
	run(f);
	assert_string_equal(plan_binding_of(f->plan, "api")->contested_diff,
			    "tag team: (none) → x");

	/* Contested already (after its back-off): longer back-off, no second warning. */
	set_strv(&applied, FIGHT_LINE, NULL);
	mem[0].repeats = 2;
	mem[0].contested = true;
	mem[0].contested_until = NOW - 1;
	run(f);
	b = plan_binding_of(f->plan, "api");
	assert_int_equal(f->plan->n_changes, 0);
	assert_int_equal(b->repeats, 3);
	assert_true(b->contested);
	assert_false(b->contest_began);
	assert_int_equal(b->contested_until, NOW + 4 * 60);
	strv_free(&applied);
}

static void
test_fight_backoff_capped(void **state)
{
	struct fx *f = *state;
	struct strv applied = STRV_INIT;
	struct plan_memory mem[] = {{.name = "api",
				     .service_id = "vpce-svc-1",
				     .seen_at = NOW - 60,
				     .applied = &applied,
				     .repeats = 7}};

	fight_fixture(f);
	f->in.memory = mem;
	f->in.n_memory = 1;
	set_strv(&applied, FIGHT_LINE, NULL);
	/* 8 repeats: 60 s × 2^7 = 7680 s, capped at an hour. */
	run(f);
	assert_int_equal(plan_binding_of(f->plan, "api")->contested_until, NOW + 3600);
	assert_non_null(strstr(f->digest, "not changing it before 1970-01-12T14:46:40Z\n"));
	/* A long interval: 2 × 3000 s, capped. */
	mem[0].repeats = 1;
	f->in.interval_s = 3000;
	run(f);
	assert_int_equal(plan_binding_of(f->plan, "api")->contested_until, NOW + 3600);
	/* 66 repeats: the shift is bounded (past the width it would be undefined); the cap. */
	mem[0].repeats = 65;
	f->in.interval_s = 60;
	run(f);
	assert_int_equal(plan_binding_of(f->plan, "api")->contested_until, NOW + 3600);
	/* Just under the cap: 60 s × 2^5 = 1920 s. */
	mem[0].repeats = 5;
	run(f);
	assert_int_equal(plan_binding_of(f->plan, "api")->contested_until, NOW + 1920);
	strv_free(&applied);
}

static void
test_fight_backing_off(void **state)
{
	struct fx *f = *state;
	struct strv applied = STRV_INIT;
	const struct plan_binding *b;
	struct plan_memory mem[] = {{.name = "api",
				     .service_id = "vpce-svc-1",
				     .seen_at = NOW - 60,
				     .applied = &applied,
				     .repeats = 3,
				     .contested = true,
				     .contested_until = NOW + 1}};

	fight_fixture(f);
	f->in.memory = mem;
	f->in.n_memory = 1;
	/* Within the back-off: held, nothing pushed, the memory kept as it is. */
	assert_string_equal(run(f), "! contested api vpce-svc-1: contested: changed back outside "
				    "vpcesd again and again (" FIGHT_LINE "); not changing it "
				    "before 1970-01-12T13:46:41Z\n");
	assert_int_equal(f->plan->n_changes, 0);
	b = plan_binding_of(f->plan, "api");
	assert_int_equal(b->repeats, 3);
	assert_true(b->contested);
	assert_false(b->contest_began);
	assert_int_equal(b->contested_until, NOW + 1);
	assert_false(b->forget_applied);

	/* The back-off is over (until == now): the change goes once more, still contested. */
	mem[0].contested_until = NOW;
	assert_string_equal(run(f), "modify_config api vpce-svc-1: " FIGHT_LINE "\n");
	b = plan_binding_of(f->plan, "api");
	assert_int_equal(b->repeats, 3); /* nothing applied since: not reset */
	assert_true(b->contested);
	assert_false(b->contest_began);
	strv_free(&applied);
}

static void
test_fight_over(void **state)
{
	struct fx *f = *state;
	struct strv applied = STRV_INIT;
	const struct plan_binding *b;
	struct plan_memory mem[] = {{.name = "api",
				     .service_id = "vpce-svc-1",
				     .seen_at = NOW - 60,
				     .applied = &applied,
				     .repeats = 3,
				     .contested = true,
				     .contested_until = NOW + 600}};

	fight_fixture(f);
	f->obs->services[0].cfg.acceptance_required = EC2_BOOL_TRUE;
	f->in.memory = mem;
	f->in.n_memory = 1;
	set_strv(&applied, FIGHT_LINE, NULL);
	/* Converged (nothing to change), even within a back-off: the fight is over. */
	assert_string_equal(run(f), "");
	b = plan_binding_of(f->plan, "api");
	assert_int_equal(b->repeats, 0);
	assert_false(b->contested);
	assert_false(b->contest_began);
	assert_int_equal(b->contested_until, 0);
	assert_true(b->forget_applied);
	assert_null(b->contested_diff);
	strv_free(&applied);
}

static void
test_fight_not_dns_verification(void **state)
{
	struct fx *f = *state;
	struct service_spec *s;
	struct strv applied = STRV_INIT;
	const struct plan_binding *b;
	struct plan_memory mem[] = {{.name = "api",
				     .service_id = "vpce-svc-1",
				     .seen_at = NOW - 60,
				     .applied = &applied,
				     .repeats = 5}};

#define DNS_LINE                                                                           \
	"private DNS verification of api.example.com: pendingVerification → start (TXT " \
	"_vpce-verify = vpce:abc)"
	fight_fixture(f);
	f->obs->services[0].cfg.acceptance_required = EC2_BOOL_TRUE;
	s = &f->specs[0];
	s->private_dns_name = strdup("api.example.com");
	s->verify_private_dns = true;
	obs_dns(&f->obs->services[0], "api.example.com", "pendingVerification");
	f->in.memory = mem;
	f->in.n_memory = 1;
	/* A verification start repeats by design (it waits for DNS): never a fight. */
	set_strv(&applied, DNS_LINE, NULL);
	assert_string_equal(run(f), "start_dns_verification api vpce-svc-1: " DNS_LINE "\n");
	b = plan_binding_of(f->plan, "api");
	assert_false(b->contested);
	assert_int_equal(b->repeats, 0);
	assert_true(b->forget_applied);
#undef DNS_LINE
	strv_free(&applied);
}

int
main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_state_lost),
		T(test_memory_not_looked_up),
		T(test_memory_other_service_moves_generation),
		T(test_memory_gone),
		T(test_memory_answered_not_yet_seen),
		T(test_memory_retagged),
		T(test_memory_renamed),
		T(test_memory_renamed_to_other_spec),
		T(test_memory_found_not_observed),
		T(test_memory_none),
		T(test_previous_owner_refused),
		T(test_previous_owner_handover),
		T(test_previous_owner_handover_prefers_its_owner),
		T(test_previous_owner_listing_incomplete),
		T(test_previous_owner_other_names_untouched),
		T(test_fight_first_repeat),
		T(test_fight_contested),
		T(test_fight_backoff_capped),
		T(test_fight_backing_off),
		T(test_fight_over),
		T(test_fight_not_dns_verification),
	};
#undef T
	return cmocka_run_group_tests(tests, NULL, NULL);
}
