/* SPDX-License-Identifier: ISC */
/*
 * Unit tests for ini.h: the AWS shared-file dialect of configparser, as
 * botocore reads it (every expectation here was checked against Python's
 * configparser / botocore.configloader), and errors with file:line:col that
 * never quote a value.
 */
#include "config.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ini.h"
#include "shlex.h"

#define CANARY "CANARYsecret/xyz+42"

static int
parse(const char *text, enum ini_kind kind, struct ini *ret, struct err *e)
{
	err_clear(e);
	return ini_parse(text, strlen(text), kind, "f.ini", ret, e);
}

/* Parse must fail with `code` and a message starting with `prefix`, quoting no value. */
static void
expect_error(const char *text, enum ini_kind kind, int code, const char *prefix)
{
	struct ini ini = {.n_sec = 12345};
	struct err e;
	int r = parse(text, kind, &ini, &e);

	assert_int_equal(r, code);
	assert_int_equal(e.code, code);
	if (strncmp(e.msg, prefix, strlen(prefix)) != 0)
		fail_msg("message \"%s\" does not start with \"%s\"", e.msg, prefix);
	assert_null(strstr(e.msg, CANARY));
	assert_int_equal(ini.n_sec, 12345); /* untouched on failure */
}

static void
test_basic_config(void **state)
{
	static const char text[] = "# comment\n"
				   "; another\n"
				   "[default]\n"
				   "region = eu-west-1\n"
				   "Output: json\n"
				   "\n"
				   "[profile prod]\n"
				   "role_arn = arn:aws:iam::123456789012:role/x\n"
				   "  ; indented comment\n"
				   "note = a # not a comment\n"
				   "eq = a=b:c\n"
				   "empty =\n"
				   "[profile \"with space\"]\n"
				   "k = v\n"
				   "[profilex]\n"
				   "k = 1\n"
				   "[profile a b]\n"
				   "k = 2\n"
				   "[sso-session corp]\n"
				   "sso_region = us-east-1\n"
				   "[services dev]\n"
				   "k = 3\n"
				   "[plain]\n"
				   "k = 4\n";
	const struct ini_section *s;
	struct ini ini;
	struct err e;

	(void)state;
	assert_int_equal(parse(text, INI_CONFIG, &ini, &e), 0);
	assert_int_equal(ini.n_sec, 8);
	s = ini_profile(&ini, "default");
	assert_non_null(s);
	assert_string_equal(ini_get(s, "region"), "eu-west-1");
	assert_string_equal(ini_get(s, "output"), "json"); /* keys fold to lower case */
	assert_null(ini_get(s, "Output"));
	s = ini_profile(&ini, "prod");
	assert_non_null(s);
	assert_string_equal(s->name, "profile prod");
	assert_string_equal(ini_get(s, "role_arn"), "arn:aws:iam::123456789012:role/x");
	assert_string_equal(ini_get(s, "note"), "a # not a comment");
	assert_string_equal(ini_get(s, "eq"), "a=b:c");
	assert_string_equal(ini_get(s, "empty"), "");
	assert_int_equal(ini_find(s, "eq")->line, 11);
	assert_non_null(ini_profile(&ini, "with space"));
	assert_null(ini_profile(&ini, "profilex"));
	assert_null(ini_profile(&ini, "x"));
	assert_null(ini_profile(&ini, "a b"));
	assert_null(ini_profile(&ini, "corp"));
	assert_null(ini_profile(&ini, "dev"));
	assert_null(ini_profile(&ini, "plain"));
	assert_null(ini_profile(&ini, "sso-session corp"));
	ini_free(&ini);
	ini_free(&ini); /* idempotent */
	ini_free(NULL);
}

static void
test_credentials_kind(void **state)
{
	struct ini ini;
	struct err e;

	(void)state;
	assert_int_equal(parse("[default]\naws_access_key_id=A\n[profile x]\nk=v\n[prod]\nk=w\n",
			       INI_CREDENTIALS, &ini, &e),
			 0);
	assert_non_null(ini_profile(&ini, "default"));
	assert_non_null(ini_profile(&ini, "profile x")); /* named as written */
	assert_null(ini_profile(&ini, "x"));
	assert_string_equal(ini_get(ini_profile(&ini, "prod"), "k"), "w");
	ini_free(&ini);
}

static void
test_later_profile_section_wins(void **state)
{
	struct ini ini;
	struct err e;

	(void)state;
	assert_int_equal(parse("[default]\nk=1\n[profile default]\nk=2\n", INI_CONFIG, &ini, &e),
			 0);
	assert_string_equal(ini_get(ini_profile(&ini, "default"), "k"), "2");
	ini_free(&ini);
}

static void
test_continuation_and_nested(void **state)
{
	static const char text[] = "[a]\n"
				   "k = v\n"
				   "  more\n"
				   "\n"
				   "  after\n"
				   "z =\n"
				   "  x = 1\n"
				   "  y=2\n"
				   " j = w\n" /* deeper than "z": one more block line */
				   "last = 1\n"
				   "\n"
				   "\n";
	const struct ini_section *s;
	struct ini ini;
	struct err e;

	(void)state;
	assert_int_equal(parse(text, INI_CREDENTIALS, &ini, &e), 0);
	s = ini_profile(&ini, "a");
	assert_string_equal(ini_get(s, "k"), "v\nmore\n\nafter");
	assert_non_null(ini_find(s, "z"));
	assert_null(ini_get(s, "z")); /* nested block: no plain value */
	assert_null(ini_get(s, "x"));
	assert_string_equal(ini_get_nested(s, "z", "x"), "1");
	assert_string_equal(ini_get_nested(s, "z", "y"), "2");
	assert_int_equal(ini_find_nested(s, "z", "y")->line, 8);
	assert_int_equal(ini_find_nested(s, "z", "y")->col, 3);
	assert_string_equal(ini_get_nested(s, "z", "j"), "w"); /* " j = w": a block line too */
	assert_null(ini_get_nested(s, "k", "more"));           /* plain values have no block */
	assert_string_equal(ini_get(s, "last"), "1");
	ini_free(&ini);

	/* An indented first key, and keys at the same indentation. */
	assert_int_equal(parse("[a]\n  k=v\n  j=w\n", INI_CREDENTIALS, &ini, &e), 0);
	assert_string_equal(ini_get(&ini.sec[0], "k"), "v");
	assert_string_equal(ini_get(&ini.sec[0], "j"), "w");
	ini_free(&ini);
}

/*
 * The service-specific endpoint layout of the SDKs: a profile names a
 * `[services NAME]` section whose nested blocks are keyed by service.
 */
static void
test_services_section(void **state)
{
	static const char text[] = "[profile dev]\n"
				   "services = local\n"
				   "[services local]\n"
				   "EC2 =\n"
				   "  endpoint_url = http://127.0.0.1:4566\n"
				   "  Endpoint_URL = other\n"
				   "\n"
				   "  endpoint_url = http://127.0.0.1:9\n"
				   "sts =\n"
				   "\tendpoint_url=https://sts.example\n"
				   "[services \"two words\"]\n"
				   "ec2 =\n"
				   "  a = b = c\n"
				   "[servicesx local]\n"
				   "[services]\n";
	const struct ini_section *s;
	struct ini ini;
	struct err e;

	(void)state;
	assert_int_equal(parse(text, INI_CONFIG, &ini, &e), 0);
	assert_null(ini_profile(&ini, "local"));
	s = ini_section(&ini, "services", "local");
	assert_non_null(s);
	assert_string_equal(s->name, "services local");
	/* Keys fold to lower case; sub-keys do not; the last repeat wins. */
	assert_string_equal(ini_get_nested(s, "ec2", "endpoint_url"), "http://127.0.0.1:9");
	assert_string_equal(ini_get_nested(s, "ec2", "Endpoint_URL"), "other");
	assert_int_equal(ini_find_nested(s, "ec2", "endpoint_url")->line, 8);
	assert_string_equal(ini_get_nested(s, "sts", "endpoint_url"), "https://sts.example");
	s = ini_section(&ini, "services", "two words");
	assert_non_null(s);
	assert_string_equal(ini_get_nested(s, "ec2", "a"), "b = c");
	assert_null(ini_section(&ini, "services", "x"));
	assert_null(ini_section(&ini, "profile", "local"));
	assert_null(ini_section(NULL, "services", "local"));
	assert_non_null(ini_section(&ini, "profile", "dev"));
	ini_free(&ini);

	/* A block line needs "=" (":" is no delimiter there). */
	err_clear(&e);
	assert_int_equal(parse("[services a]\nec2 =\n  endpoint_url: x\n", INI_CONFIG, &ini, &e),
			 -EINVAL);
	assert_non_null(strstr(e.msg, ":3:3: expected \"key = value\" in the block of \"ec2\""));
}

static void
test_crlf_and_trailing_text(void **state)
{
	struct ini ini;
	struct err e;

	(void)state;
	assert_int_equal(parse("[a] junk\r\nk = v \r\n", INI_CREDENTIALS, &ini, &e), 0);
	assert_string_equal(ini.sec[0].name, "a");
	assert_string_equal(ini_get(&ini.sec[0], "k"), "v");
	ini_free(&ini);
	assert_int_equal(parse("", INI_CONFIG, &ini, &e), 0);
	assert_int_equal(ini.n_sec, 0);
	ini_free(&ini);
}

static void
test_errors(void **state)
{
	(void)state;
	expect_error("k=" CANARY "\n", INI_CONFIG, -EINVAL, "f.ini:1:1: key outside of any");
	expect_error("[a]\n" CANARY "\n", INI_CONFIG, -EINVAL, "f.ini:2:1: expected");
	expect_error("[a]\n  =" CANARY "\n", INI_CONFIG, -EINVAL, "f.ini:2:3: empty key");
	expect_error("[a]\nK=" CANARY "\nk=2\n", INI_CONFIG, -EINVAL,
		     "f.ini:3:1: duplicate key \"k\" in [a] (first on line 2)");
	expect_error("[a]\nk=1\n[a]\n", INI_CONFIG, -EINVAL,
		     "f.ini:3:1: duplicate section [a] (first on line 1)");
	expect_error("[]\n", INI_CONFIG, -EINVAL, "f.ini:1:1: empty section name");
	expect_error("[abc\n", INI_CONFIG, -EINVAL, "f.ini:1:1: section header without");
	expect_error("[a]\nk =\n  " CANARY "\n", INI_CONFIG, -EINVAL,
		     "f.ini:3:3: expected \"key = value\" in the block of \"k\"");
	expect_error("\xef\xbb\xbf[a]\n", INI_CONFIG, -EINVAL, "f.ini:1:1: byte order mark");
}

static void
test_nul_and_size(void **state)
{
	static const char text[] = "[a]\nk=v\0x\n";
	struct ini ini = {.n_sec = 7};
	struct err e;
	char *big;

	(void)state;
	err_clear(&e);
	assert_int_equal(ini_parse(text, sizeof(text) - 1, INI_CONFIG, "f", &ini, &e), -EINVAL);
	assert_string_equal(e.msg, "f:2:4: NUL byte");
	big = malloc(INI_MAX_BYTES + 1);
	assert_non_null(big);
	memset(big, '#', INI_MAX_BYTES + 1);
	err_clear(&e);
	assert_int_equal(ini_parse(big, INI_MAX_BYTES + 1, INI_CONFIG, "f", &ini, &e), -E2BIG);
	assert_int_equal(ini.n_sec, 7);
	/* Exactly at the limit is fine. */
	err_clear(&e);
	assert_int_equal(ini_parse(big, INI_MAX_BYTES, INI_CONFIG, "f", &ini, &e), 0);
	ini_free(&ini);
	free(big);
}

static void
test_no_trailing_newline_and_unterminated_input(void **state)
{
	static const char text[] = "[a]\nk = v"; /* not NUL-terminated within len */
	struct ini ini;
	struct err e;

	(void)state;
	err_clear(&e);
	assert_int_equal(ini_parse(text, sizeof(text) - 1, INI_CONFIG, "f", &ini, &e), 0);
	assert_string_equal(ini_get(&ini.sec[0], "k"), "v");
	ini_free(&ini);
}

/* shlex_split against Python's shlex.split (expectations from CPython). */
static void
expect_split(const char *s, int n, ...)
{
	struct strv v = STRV_INIT;
	struct err e;
	va_list ap;

	err_clear(&e);
	assert_int_equal(shlex_split(s, &v, &e), 0);
	assert_int_equal(v.n, n);
	va_start(ap, n);
	for (int i = 0; i < n; i++)
		assert_string_equal(v.v[i], va_arg(ap, const char *));
	va_end(ap);
	strv_free(&v);
}

static void
test_shlex(void **state)
{
	struct strv v = STRV_INIT;
	struct err e;

	(void)state;
	expect_split("a b  c", 3, "a", "b", "c");
	expect_split("a\"b c\"d", 1, "ab cd");
	expect_split("'a b' c", 2, "a b", "c");
	expect_split("a \"\" b", 3, "a", "", "b");
	expect_split("a\\ b", 1, "a b");
	expect_split("\"a\\\\b\\\"c\\d\"", 1, "a\\b\"c\\d");
	expect_split("'x\\y'", 1, "x\\y");
	expect_split("  ", 0);
	expect_split("a\tb\nc", 3, "a", "b", "c");
	expect_split("a''b", 1, "ab");
	err_clear(&e);
	assert_int_equal(shlex_split("\"abc", &v, &e), -EINVAL);
	assert_string_equal(e.msg, "command line has no closing double quote");
	err_clear(&e);
	assert_int_equal(shlex_split("'a", &v, &e), -EINVAL);
	err_clear(&e);
	assert_int_equal(shlex_split("a\\", &v, &e), -EINVAL);
	assert_int_equal(v.n, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_basic_config),
		cmocka_unit_test(test_credentials_kind),
		cmocka_unit_test(test_later_profile_section_wins),
		cmocka_unit_test(test_continuation_and_nested),
		cmocka_unit_test(test_services_section),
		cmocka_unit_test(test_crlf_and_trailing_text),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_nul_and_size),
		cmocka_unit_test(test_no_trailing_newline_and_unterminated_input),
		cmocka_unit_test(test_shlex),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
