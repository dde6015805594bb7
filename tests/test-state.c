/* SPDX-License-Identifier: ISC */
/*
 * Tests of state.h: the document round-trips exactly, every malformed or
 * foreign file is refused with where it is wrong, a newer version is
 * refused as such, and the sorted records behave.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "state.h"

#define T0 ((time_t)1795901400) /* 2026-11-28T21:30:00Z */

static void
fill(struct state *s)
{
	struct state_service *v;

	s->owner = strdup("platform");
	assert_int_equal(state_add_previous_owner(s, "old-team"), 0);
	assert_int_equal(state_add_previous_owner(s, "ancient"), 0);
	assert_int_equal(state_add_previous_owner(s, "old-team"), 0); /* once */
	v = state_get(s, "api-b");
	assert_non_null(v);
	v->service_id = strdup("vpce-svc-0b");
	v->service_name = strdup("com.amazonaws.vpce.us-east-1.vpce-svc-0b");
	v->state = strdup("Available");
	assert_int_equal(strv_push(&v->dns_names, "vpce-svc-0b.us-east-1.vpce.amazonaws.com"), 0);
	v->seen_at = T0;
	v->generation = 3;
	v = state_get(s, "api-a");
	assert_non_null(v);
	assert_int_equal(strv_push(&v->applied, "acceptance_required: false \u2192 true"), 0);
	v->repeats = 2;
	v->contested = true;
	v->contested_until = T0 + 120;
	assert_int_equal(state_set_dns_start(s, "vpce-svc-0b", T0 - 60), 0);
}

static char *
render(const struct state *s)
{
	struct buf b;

	buf_init(&b, 1 << 20);
	assert_int_equal(state_to_json(s, T0, &b), 0);
	return buf_steal(&b);
}

static void
test_round_trip(void **state)
{
	struct state s, back;
	char *a, *b;
	struct err e;

	(void)state;
	state_init(&s);
	fill(&s);
	/* Sorted on insertion. */
	assert_string_equal(s.services[0].name, "api-a");
	assert_string_equal(s.previous_owners.v[0], "ancient");
	a = render(&s);
	assert_non_null(strstr(a, "\"version\": 1,\n"));
	assert_non_null(strstr(a, "\"written_at\": \"2026-11-28T21:30:00Z\""));
	assert_non_null(strstr(a, "\"contested_until\": \"2026-11-28T21:32:00Z\""));
	state_init(&back);
	err_clear(&e);
	assert_int_equal(state_from_json(a, strlen(a), &back, &e), 0);
	b = render(&back);
	assert_string_equal(a, b);
	assert_int_equal(state_find(&back, "api-b")->generation, 3);
	assert_int_equal(state_dns_start(&back, "vpce-svc-0b"), T0 - 60);
	assert_int_equal(state_dns_start(&back, "vpce-svc-none"), 0);
	assert_null(state_find(&back, "nope"));
	free(a);
	free(b);
	state_free(&s);
	state_free(&back);
}

/* An empty state (a first run) renders and reads back; the minimal file is {"version": 1}. */
static void
test_empty_and_minimal(void **state)
{
	struct state s, back;
	char *a;
	struct err e;

	(void)state;
	state_init(&s);
	a = render(&s);
	state_init(&back);
	err_clear(&e);
	assert_int_equal(state_from_json(a, strlen(a), &back, &e), 0);
	assert_null(back.owner);
	assert_int_equal(back.n_services, 0);
	free(a);
	assert_int_equal(state_from_json("{\"version\": 1}", 14, &back, &e), 0);
	state_free(&back);
	state_free(&s);
}

/* Refused, with `want` in the message, leaving *out as it was. */
static void
refused(const char *text, int code, const char *want)
{
	struct state out;
	struct err e;

	state_init(&out);
	out.owner = strdup("sentinel");
	err_clear(&e);
	if (state_from_json(text, strlen(text), &out, &e) != code)
		fail_msg("'%s' was not refused with %d (%s)", text, code, e.msg);
	if (strstr(e.msg, want) == NULL)
		fail_msg("message '%s' lacks '%s'", e.msg, want);
	assert_string_equal(out.owner, "sentinel");
	state_free(&out);
}

static void
test_malformed_refused(void **state)
{
	(void)state;
	refused("", -EBADMSG, "empty");
	refused("{\"version\": 1,\n  \"owner\": }", -EBADMSG, "line 2");
	refused("[1, 2]", -EBADMSG, "not a JSON object");
	refused("{}", -EBADMSG, "version: missing");
	refused("{\"version\": 0}", -EBADMSG, "at least 1");
	refused("{\"version\": 1.5}", -EBADMSG, "version: not a whole number");
	refused("{\"version\": \"1\"}", -EBADMSG, "version");
	refused("{\"version\": 1, \"owner\": 7}", -EBADMSG, "owner: not a string");
	refused("{\"version\": 1, \"owner\": \"\"}", -EBADMSG, "owner: not a string");
	refused("{\"version\": 1, \"previous_owners\": [\"a\", \"a\"]}", -EBADMSG, "twice");
	refused("{\"version\": 1, \"previous_owners\": [1]}", -EBADMSG, "previous_owners");
	refused("{\"version\": 1, \"services\": []}", -EBADMSG, "services: not an object");
	refused("{\"version\": 1, \"services\": {\"a\": 1}}", -EBADMSG,
		"services.a: not an object");
	refused("{\"version\": 1, \"services\": {\"a\": {\"generation\": -1}}}", -EBADMSG,
		"services.a.generation");
	refused("{\"version\": 1, \"services\": {\"a\": {\"generation\": 1e300}}}", -EBADMSG,
		"services.a.generation");
	refused("{\"version\": 1, \"services\": {\"a\": {\"seen_at\": \"yesterday\"}}}", -EBADMSG,
		"services.a.seen_at: not an RFC 3339");
	refused("{\"version\": 1, \"services\": {\"a\": {\"contested\": 1}}}", -EBADMSG,
		"services.a.contested");
	refused("{\"version\": 1, \"services\": {\"a\": {\"applied\": \"x\"}}}", -EBADMSG,
		"services.a.applied");
	refused("{\"version\": 1, \"services\": {\"a\": {}, \"a\": {}}}", -EBADMSG,
		"services.a: the name appears twice");
	refused("{\"version\": 1, \"dns_verification_starts\": {\"vpce-svc-1\": 5}}", -EBADMSG,
		"dns_verification_starts.vpce-svc-1");
	refused("{\"version\": 1, \"owner\": \"a\"} trailing", -EBADMSG, "not valid JSON");
	/* A NUL byte: cut-off or binary files are never guessed at. */
	{
		struct state out;
		struct err e;

		state_init(&out);
		err_clear(&e);
		assert_int_equal(state_from_json("{\"version\": 1}\0", 15, &out, &e), -EBADMSG);
		assert_non_null(strstr(e.msg, "NUL"));
	}
}

static void
test_newer_version_refused(void **state)
{
	(void)state;
	refused("{\"version\": 2, \"whatever\": {\"the\": \"future\"}}", -EPROTONOSUPPORT,
		"newer vpcesd (format version 2; this one reads version 1)");
}

/* Keys this version does not know are ignored (a later minor addition). */
static void
test_unknown_keys_ignored(void **state)
{
	const char *text = "{\"version\": 1, \"paused\": [\"x\"], \"services\": {\"a\": "
			   "{\"generation\": 2, \"new_thing\": true}}}";
	struct state s;
	struct err e;

	(void)state;
	state_init(&s);
	err_clear(&e);
	assert_int_equal(state_from_json(text, strlen(text), &s, &e), 0);
	assert_int_equal(state_find(&s, "a")->generation, 2);
	state_free(&s);
}

static void
test_records(void **state)
{
	struct state s;

	(void)state;
	state_init(&s);
	assert_non_null(state_get(&s, "m"));
	assert_non_null(state_get(&s, "a"));
	assert_non_null(state_get(&s, "z"));
	assert_int_equal(s.n_services, 3);
	assert_string_equal(s.services[0].name, "a");
	assert_string_equal(s.services[2].name, "z");
	state_forget(&s, "m");
	state_forget(&s, "never");
	assert_int_equal(s.n_services, 2);
	assert_string_equal(s.services[1].name, "z");
	for (int i = 0; i < STATE_OWNERS_MAX - 1; i++) {
		char o[16];

		snprintf(o, sizeof(o), "o%d", i);
		assert_int_equal(state_add_previous_owner(&s, o), 0);
	}
	assert_int_equal(state_add_previous_owner(&s, "last"), 0);
	assert_int_equal(state_add_previous_owner(&s, "one-too-many"), -E2BIG);
	state_forget_previous_owner(&s, "o3");
	assert_int_equal(s.previous_owners.n, STATE_OWNERS_MAX - 1);
	assert_int_equal(state_set_dns_start(&s, "vpce-svc-2", 5), 0);
	assert_int_equal(state_set_dns_start(&s, "vpce-svc-1", 6), 0);
	assert_int_equal(state_set_dns_start(&s, "vpce-svc-2", 7), 0);
	assert_int_equal(s.n_dns_starts, 2);
	assert_int_equal(state_dns_start(&s, "vpce-svc-2"), 7);
	state_forget_dns_start(&s, "vpce-svc-1");
	assert_int_equal(state_dns_start(&s, "vpce-svc-1"), 0);
	state_free(&s);
	state_free(NULL);
}

static void
test_read_file(void **state)
{
	char dir[] = "/tmp/test-state-XXXXXX", path[128], link[128];
	struct state s;
	struct err e;
	FILE *fp;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/" STATE_FILE_NAME, dir);
	state_init(&s);
	err_clear(&e);
	assert_int_equal(state_read_file(path, &s, &e), -ENOENT);
	assert_non_null(strstr(e.msg, path));
	fp = fopen(path, "w");
	assert_non_null(fp);
	fputs("{\"version\": 1, \"owner\": \"x\"}\n", fp);
	fclose(fp);
	err_clear(&e);
	assert_int_equal(state_read_file(path, &s, &e), 0);
	assert_string_equal(s.owner, "x");
	/* Errors name the file. */
	fp = fopen(path, "w");
	fputs("{\"version\": 1, \"owner\": \"x\"", fp); /* cut short */
	fclose(fp);
	err_clear(&e);
	assert_int_equal(state_read_file(path, &s, &e), -EBADMSG);
	assert_non_null(strstr(e.msg, path));
	assert_string_equal(s.owner, "x");
	/* A directory, a symlink. */
	err_clear(&e);
	assert_int_equal(state_read_file(dir, &s, &e), -EINVAL);
	snprintf(link, sizeof(link), "%s/link", dir);
	assert_int_equal(symlink(path, link), 0);
	err_clear(&e);
	assert_int_equal(state_read_file(link, &s, &e), -ELOOP);
	unlink(link);
	unlink(path);
	rmdir(dir);
	state_free(&s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_empty_and_minimal),
		cmocka_unit_test(test_malformed_refused),
		cmocka_unit_test(test_newer_version_refused),
		cmocka_unit_test(test_unknown_keys_ignored),
		cmocka_unit_test(test_records),
		cmocka_unit_test(test_read_file),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
