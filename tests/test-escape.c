/* SPDX-License-Identifier: ISC */
/* Unit tests for escape.h: what is escaped, what passes, truncation. */
#include "config.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "escape.h"

/* escape_append() and escape_into() must agree; returns the escape_into() text. */
static const char *
esc(const char *s)
{
	static char out[512];
	struct buf b;

	buf_init(&b, 4096);
	assert_int_equal(escape_append(&b, s, strlen(s)), 0);
	assert_true(escape_into(out, sizeof(out), s));
	assert_string_equal(buf_str(&b), out);
	assert_int_equal(escape_needed(s), strcmp(s, out) != 0);
	buf_free(&b);
	return out;
}

static void
test_plain_text_passes(void **state)
{
	(void)state;
	assert_string_equal(esc(""), "");
	assert_string_equal(esc("unknown key 'x' in vpcesd.yaml"),
			    "unknown key 'x' in vpcesd.yaml");
	assert_string_equal(esc("C:\\path \"q\""), "C:\\path \"q\"");
	/* Non-ASCII text that is not a control: é, →, 漢, 😀. */
	assert_string_equal(esc("caf\xc3\xa9 \xe2\x86\x92 \xe6\xbc\xa2 \xf0\x9f\x98\x80"),
			    "caf\xc3\xa9 \xe2\x86\x92 \xe6\xbc\xa2 \xf0\x9f\x98\x80");
}

static void
test_controls_are_escaped(void **state)
{
	(void)state;
	assert_string_equal(esc("a\nb\rc\td"), "a\\nb\\rc\\td");
	assert_string_equal(esc("\x1b[31mred\x1b]0;title\x07"), "\\x1b[31mred\\x1b]0;title\\x07");
	assert_string_equal(esc("\x01\x7f"), "\\x01\\x7f");
	/* C1 controls, e.g. U+009B (CSI). */
	assert_string_equal(esc("x\xc2\x9b"
				"1m"),
			    "x\\u009b1m");
}

static void
test_bidi_controls_are_escaped(void **state)
{
	(void)state;
	/* U+202E RIGHT-TO-LEFT OVERRIDE, U+2066 LRI, U+200F RLM, U+061C ALM. */
	assert_string_equal(esc("admin\xe2\x80\xae"
				"txt"),
			    "admin\\u202etxt");
	assert_string_equal(esc("\xe2\x81\xa6"
				"a\xe2\x80\x8f\xd8\x9c"),
			    "\\u2066a\\u200f\\u061c");
}

static void
test_invalid_utf8_is_escaped_bytewise(void **state)
{
	(void)state;
	assert_string_equal(esc("caf\xe9!"), "caf\\xe9!");                    /* Latin-1 */
	assert_string_equal(esc("\xc0\xaf"), "\\xc0\\xaf");                   /* overlong '/' */
	assert_string_equal(esc("\xed\xa0\x80"), "\\xed\\xa0\\x80");          /* surrogate */
	assert_string_equal(esc("\xf4\x90\x80\x80"), "\\xf4\\x90\\x80\\x80"); /* > U+10FFFF */
	assert_string_equal(esc("\xe2\x86"), "\\xe2\\x86");                   /* truncated */
	assert_string_equal(esc("\xff\xfe"), "\\xff\\xfe");                   /* UTF-16 BOM */
}

static void
test_idempotent(void **state)
{
	char once[256];

	(void)state;
	snprintf(once, sizeof(once), "%s", esc("a\x1b\n\xe2\x80\xae\xff"));
	assert_string_equal(esc(once), once);
}

static void
test_truncation_keeps_units_whole(void **state)
{
	char out[8];

	(void)state;
	/* "ab" and a 4-byte escape: 6 bytes and the NUL fit in 8. */
	assert_true(escape_into(out, sizeof(out), "ab\x1b"));
	assert_string_equal(out, "ab\\x1b");
	/* The escape would end at byte 9: it is dropped whole. */
	assert_false(escape_into(out, sizeof(out), "abcde\x1b"));
	assert_string_equal(out, "abcde");
	/* A 4-byte character is never split. */
	assert_false(escape_into(out, sizeof(out), "abcd\xf0\x9f\x98\x80"));
	assert_string_equal(out, "abcd");
	assert_false(escape_into(out, 1, "x"));
	assert_string_equal(out, "");
}

static void
test_append_respects_ceiling(void **state)
{
	struct buf b;

	(void)state;
	buf_init(&b, 5);
	assert_int_equal(escape_append(&b, "a\x1b", 2), 0);
	assert_string_equal(buf_str(&b), "a\\x1b");
	assert_int_equal(escape_append(&b, "\n", 1), -E2BIG);
	assert_string_equal(buf_str(&b), "a\\x1b");
	buf_free(&b);
}

/* Characters that hide or split text: zero-width, word joiner, line/paragraph separators, BOM. */
static void
test_invisible_characters_are_escaped(void **state)
{
	(void)state;
	assert_string_equal(esc("a\xe2\x80\xa8"
				"b\xe2\x80\xa9"
				"c"),
			    "a\\u2028b\\u2029c");
	assert_string_equal(esc("zero\xe2\x80\x8bwidth\xe2\x80\x8c\xe2\x80\x8d"),
			    "zero\\u200bwidth\\u200c\\u200d");
	assert_string_equal(esc("\xef\xbb\xbf"
				"bom"),
			    "\\ufeffbom");
	assert_string_equal(esc("word\xe2\x81\xa0joiner"), "word\\u2060joiner");
	/* Their neighbours stay: U+2027, U+202F (narrow no-break space), U+FEFE. */
	assert_string_equal(esc("\xe2\x80\xa7\xe2\x80\xaf\xef\xbb\xbe"),
			    "\xe2\x80\xa7\xe2\x80\xaf\xef\xbb\xbe");
}

/* The inside of a JSON string. */
static const char *
json(const char *s, size_t len)
{
	static char out[512];
	struct buf b;

	buf_init(&b, 4096);
	assert_int_equal(escape_json_append(&b, s, len), 0);
	snprintf(out, sizeof(out), "%s", buf_str(&b));
	buf_free(&b);
	return out;
}

static void
test_json_strings(void **state)
{
	(void)state;
	assert_string_equal(json("", 0), "");
	assert_string_equal(json("plain caf\xc3\xa9", 11), "plain caf\xc3\xa9");
	assert_string_equal(json("q\"b\\", 4), "q\\\"b\\\\");
	assert_string_equal(json("a\nb\tc\r", 6), "a\\nb\\tc\\r");
	assert_string_equal(json("\x01\x1b\x7f", 3), "\\u0001\\u001b\\u007f");
	/* A NUL inside the given length is data, escaped. */
	assert_string_equal(json("a\0b", 3), "a\\u0000b");
	/* C1 (CSI), bidi override, line separator, BOM. */
	assert_string_equal(json("\xc2\x9b\xe2\x80\xae\xe2\x80\xa8\xef\xbb\xbf", 11),
			    "\\u009b\\u202e\\u2028\\ufeff");
	/* Bytes that are not UTF-8 become U+FFFD, one per byte. */
	assert_string_equal(json("x\xff\xc3(", 4), "x\\ufffd\\ufffd(");
}

/*
 * Every ASCII byte inside a run of plain text (where escape_json_append()
 * skips without decoding) is escaped or kept exactly as on its own.
 */
static void
test_json_ascii_in_runs(void **state)
{
	(void)state;
	for (unsigned c = 0; c < 0x80; c++) {
		char in[16], want[32], alone[16];
		const char *e;

		snprintf(alone, sizeof(alone), "%s", json((const char *)&(char){(char)c}, 1));
		if (c == '"' || c == '\\')
			e = c == '"' ? "\\\"" : "\\\\";
		else
			e = NULL;
		if (e != NULL)
			assert_string_equal(alone, e);
		else if (c >= 0x20 && c < 0x7f)
			assert_string_equal(alone, ((char[]){(char)c, '\0'}));
		else
			assert_int_equal(alone[0], '\\');
		memcpy(in, "abc", 3);
		in[3] = (char)c;
		memcpy(in + 4, "xyz\xc3\xa9", 5);
		snprintf(want, sizeof(want), "abc%sxyz\xc3\xa9", alone);
		assert_string_equal(json(in, 9), want);
	}
	/* A hidden code point right after a plain run is still escaped. */
	assert_string_equal(json("ab\xe2\x80\x8b"
				 "cd",
				 7),
			    "ab\\u200bcd");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain_text_passes),
		cmocka_unit_test(test_controls_are_escaped),
		cmocka_unit_test(test_bidi_controls_are_escaped),
		cmocka_unit_test(test_invisible_characters_are_escaped),
		cmocka_unit_test(test_json_strings),
		cmocka_unit_test(test_json_ascii_in_runs),
		cmocka_unit_test(test_invalid_utf8_is_escaped_bytewise),
		cmocka_unit_test(test_idempotent),
		cmocka_unit_test(test_truncation_keeps_units_whole),
		cmocka_unit_test(test_append_respects_ceiling),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
