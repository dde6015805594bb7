/* SPDX-License-Identifier: ISC */
/*
 * Unit tests for log.h: the stderr formats (text with a timestamp, text
 * with the bare priority prefix on the journal's stream, json parsed back
 * with cJSON), escaping, level filtering, name parsing.  stderr is
 * redirected to a temp file; the clock is fixed through log_set_clock().
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <cmocka.h>

#include "log.h"
#include "msgid.h"

/* 2026-01-15T13:00:00.123456789Z: the clock of every record below. */
static void
fixed_clock(struct timespec *ret)
{
	ret->tv_sec = 1768482000;
	ret->tv_nsec = 123456789;
}

#define T "2026-01-15T13:00:00.123Z"

struct capture {
	int saved_fd;
	char path[64];
};

static void
capture_start(struct capture *c)
{
	int fd;

	snprintf(c->path, sizeof(c->path), "/tmp/test-log-XXXXXX");
	fd = mkstemp(c->path);
	assert_true(fd >= 0);
	c->saved_fd = dup(STDERR_FILENO);
	assert_true(dup2(fd, STDERR_FILENO) >= 0);
	close(fd);
}

/* Returns the captured text (caller frees). */
static char *
capture_end(struct capture *c)
{
	char *text = calloc(1, 65536);
	FILE *f;
	size_t n;

	assert_non_null(text);
	assert_true(dup2(c->saved_fd, STDERR_FILENO) >= 0);
	close(c->saved_fd);
	f = fopen(c->path, "r");
	assert_non_null(f);
	n = fread(text, 1, 65535, f);
	text[n] = '\0';
	fclose(f);
	unlink(c->path);
	return text;
}

/* Each test starts from text on a plain file, at info, on the fixed clock. */
static int
reset_log(void **state)
{
	(void)state;
	unsetenv("JOURNAL_STREAM");
	log_setup(LOG_TARGET_STDERR, LOG_INFO);
	log_set_format(LOG_FORMAT_TEXT);
	log_set_clock(fixed_clock);
	return 0;
}

static void
test_stderr_prefix_and_fields(void **state)
{
	struct capture c;
	char *out;

	(void)state;
	capture_start(&c);
	log_fields(LOG_NOTICE,
		   LOG_FIELDS({"VPCESD_SERVICE", "api"}, {"VPCESD_ACTION", "create"}, {"EMPTY", ""},
			      {"CONFIG_FILE", "/etc/vpcesd/a b.yaml"},
			      LOG_MESSAGE_ID(VPCESD_MESSAGE_CHANGE_APPLIED)),
		   "created %s", "vpce-svc-0123");
	log_info("second line");
	out = capture_end(&c);
	/* Off the journal: a timestamp and the level name; MESSAGE_ID is not for text. */
	assert_string_equal(out, T " notice: created vpce-svc-0123 VPCESD_SERVICE=api "
				   "VPCESD_ACTION=create CONFIG_FILE=\"/etc/vpcesd/a b.yaml\"\n" T
				   " info: second line\n");
	free(out);
}

/* On the stream systemd connected to the journal, journald stamps the lines itself. */
static void
test_journal_stream_keeps_bare_prefix(void **state)
{
	struct capture c;
	struct stat st;
	char env[64];
	char *out;

	(void)state;
	capture_start(&c);
	assert_int_equal(fstat(STDERR_FILENO, &st), 0);
	snprintf(env, sizeof(env), "%ju:%ju", (uintmax_t)st.st_dev, (uintmax_t)st.st_ino);
	setenv("JOURNAL_STREAM", env, 1);
	log_setup(LOG_TARGET_STDERR, LOG_INFO);
	log_fields(LOG_NOTICE, LOG_FIELDS({"VPCESD_SERVICE", "api"}), "created %s", "x");
	log_warning("second");
	/* And auto picks the journal itself there. */
	log_setup(LOG_TARGET_AUTO, LOG_INFO);
	assert_int_equal(log_get_target(), LOG_TARGET_JOURNAL);
	out = capture_end(&c);
	assert_string_equal(out, "<5>created x VPCESD_SERVICE=api\n<4>second\n");
	free(out);
	unsetenv("JOURNAL_STREAM");
	log_setup(LOG_TARGET_STDERR, LOG_INFO);
}

/* A hostile string in a message or field cannot forge a record or reach the terminal. */
static void
test_hostile_text_is_escaped(void **state)
{
	struct capture c;
	char *out;

	(void)state;
	capture_start(&c);
	log_fields(LOG_ERR, LOG_FIELDS({"AWS_ERROR", "a\"b\\c\nd"}, {"X", "\x1b[2J"}),
		   "EC2 said: %s", "bad\n<3>forged record\x1b]0;t\x07 \xe2\x80\xae caf\xc3\xa9");
	out = capture_end(&c);
	assert_string_equal(out, T " error: EC2 said: bad\\n<3>forged record\\x1b]0;t\\x07 \\u202e "
				   "caf\xc3\xa9 AWS_ERROR=\"a\\\"b\\\\c\\nd\" X=\"\\x1b[2J\"\n");
	free(out);
}

/* The real clock: "YYYY-MM-DDTHH:MM:SS.mmmZ", UTC, now. */
static void
test_text_timestamp_format(void **state)
{
	struct capture c;
	char *out, now[8];
	time_t t = time(NULL);
	struct tm tm;

	(void)state;
	log_set_clock(NULL);
	capture_start(&c);
	log_info("tick");
	out = capture_end(&c);
	assert_true(strlen(out) > 24);
	for (size_t i = 0; i < 24; i++) {
		if (i == 4 || i == 7)
			assert_int_equal(out[i], '-');
		else if (i == 10)
			assert_int_equal(out[i], 'T');
		else if (i == 13 || i == 16)
			assert_int_equal(out[i], ':');
		else if (i == 19)
			assert_int_equal(out[i], '.');
		else if (i == 23)
			assert_int_equal(out[i], 'Z');
		else
			assert_true(out[i] >= '0' && out[i] <= '9');
	}
	assert_string_equal(out + 24, " info: tick\n");
	gmtime_r(&t, &tm);
	strftime(now, sizeof(now), "%Y-", &tm);
	assert_memory_equal(out, now, 5);
	free(out);
}

static void
test_level_filters_records(void **state)
{
	struct capture c;
	char *out;

	(void)state;
	log_setup(LOG_TARGET_STDERR, LOG_WARNING);
	assert_false(log_enabled(LOG_INFO));
	assert_true(log_enabled(LOG_ERR));
	capture_start(&c);
	log_debug("hidden debug");
	log_info("hidden info");
	log_error("shown %d", 1);
	out = capture_end(&c);
	assert_string_equal(out, T " error: shown 1\n");
	free(out);
	log_set_max_priority(LOG_DEBUG);
	assert_true(log_enabled(LOG_DEBUG));
}

/* One line, ending in \n, that is valid UTF-8 without a raw control byte. */
static void
assert_clean_line(const char *out)
{
	const unsigned char *p = (const unsigned char *)out;
	size_t n = strlen(out);

	assert_true(n > 0 && out[n - 1] == '\n');
	assert_ptr_equal(strchr(out, '\n'), out + n - 1);
	for (size_t i = 0; i + 1 < n;) {
		size_t len = p[i] < 0x80             ? 1
			     : (p[i] & 0xe0) == 0xc0 ? 2
			     : (p[i] & 0xf0) == 0xe0 ? 3
			     : (p[i] & 0xf8) == 0xf0 ? 4
						     : 0;

		assert_true(len > 0);
		assert_false(p[i] < 0x20 || p[i] == 0x7f);
		if (len == 2)
			assert_true(p[i] >= 0xc2);
		for (size_t k = 1; k < len; k++)
			assert_int_equal(p[i + k] & 0xc0, 0x80);
		i += len;
	}
}

static const char *
member(const cJSON *o, const char *name)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

static void
test_json_record(void **state)
{
	struct capture c;
	char *out;
	cJSON *o;
	int line;

	(void)state;
	assert_int_equal(log_get_format(), LOG_FORMAT_TEXT);
	log_set_format(LOG_FORMAT_JSON);
	assert_int_equal(log_get_format(), LOG_FORMAT_JSON);
	capture_start(&c);
	/* clang-format off */
	line = __LINE__; log_fields(LOG_NOTICE, LOG_FIELDS({"VPCESD_SERVICE", "api"}, {"EMPTY", ""},
		{"VPCESD_SERVICE_ID", NULL}, LOG_MESSAGE_ID(VPCESD_MESSAGE_CHANGE_APPLIED)),
		"create %s (%s)", "api", "vpce-svc-0123");
	/* clang-format on */
	out = capture_end(&c);
	assert_clean_line(out);
	o = cJSON_Parse(out);
	assert_non_null(o);
	assert_string_equal(member(o, "time"), T);
	assert_string_equal(member(o, "level"), "notice");
	assert_string_equal(member(o, "message"), "create api (vpce-svc-0123)");
	assert_string_equal(member(o, "PRIORITY"), "5");
	assert_string_equal(member(o, "SYSLOG_IDENTIFIER"), "vpcesd");
	assert_string_equal(member(o, "MESSAGE_ID"), VPCESD_MESSAGE_CHANGE_APPLIED);
	assert_string_equal(member(o, "VPCESD_SERVICE"), "api");
	/* Relative to the source tree, whatever the build directory (-fmacro-prefix-map). */
	assert_string_equal(member(o, "CODE_FILE"), "tests/test-log.c");
	assert_int_equal(atoi(member(o, "CODE_LINE")), line);
	assert_string_equal(member(o, "CODE_FUNC"), "test_json_record");
	assert_null(cJSON_GetObjectItemCaseSensitive(o, "EMPTY"));
	assert_null(cJSON_GetObjectItemCaseSensitive(o, "VPCESD_SERVICE_ID"));
	assert_null(cJSON_GetObjectItemCaseSensitive(o, "MESSAGE"));
	assert_int_equal(cJSON_GetArraySize(o), 10);
	cJSON_Delete(o);
	free(out);
}

/*
 * Controls become \u00XX, bidi controls \uXXXX, bytes that are not UTF-8
 * U+FFFD: the line stays valid UTF-8 without raw controls, and parses back
 * to the same text but for the bad bytes.
 */
static void
test_json_escaping(void **state)
{
	struct capture c;
	char *out;
	cJSON *o;

	(void)state;
	log_set_format(LOG_FORMAT_JSON);
	capture_start(&c);
	log_fields(LOG_ERR, LOG_FIELDS({"AWS_ERROR", "a\"b\\c\nd\x7f"}, {"X", "\x1b[2J\xff"}),
		   "EC2 said: %s",
		   "bad\n<3>forged\x1b]0;t\x07 \xe2\x80\xae caf\xc3\xa9 \xc0\x80\t.");
	out = capture_end(&c);
	assert_clean_line(out);
	assert_non_null(strstr(out, "\\u001b]0;t\\u0007 \\u202e caf\xc3\xa9 \\ufffd\\ufffd\\t."));
	o = cJSON_Parse(out);
	assert_non_null(o);
	assert_string_equal(member(o, "message"),
			    "EC2 said: bad\n<3>forged\x1b]0;t\x07 \xe2\x80\xae caf\xc3\xa9 "
			    "\xef\xbf\xbd\xef\xbf\xbd\t.");
	assert_string_equal(member(o, "AWS_ERROR"), "a\"b\\c\nd\x7f");
	assert_string_equal(member(o, "X"), "\x1b[2J\xef\xbf\xbd");
	assert_string_equal(member(o, "level"), "error");
	cJSON_Delete(o);
	free(out);
}

/* A record that cannot be encoded whole is replaced by one valid line saying so. */
static void
test_json_too_large(void **state)
{
	size_t n = 200 * 1024;
	char *big = malloc(n + 1), *out;
	struct capture c;
	cJSON *o;

	(void)state;
	assert_non_null(big);
	memset(big, '\x01', n);
	big[n] = '\0';
	log_set_format(LOG_FORMAT_JSON);
	capture_start(&c);
	log_fields(LOG_WARNING, LOG_FIELDS({"BIG", big}), "x");
	out = capture_end(&c);
	free(big);
	assert_clean_line(out);
	o = cJSON_Parse(out);
	assert_non_null(o);
	assert_string_equal(member(o, "message"), "(a log record too large to encode was dropped)");
	assert_string_equal(member(o, "level"), "warning");
	assert_string_equal(member(o, "time"), T);
	cJSON_Delete(o);
	free(out);
}

static void
test_errno_is_preserved(void **state)
{
	struct capture c;
	char *out;

	(void)state;
	log_setup(LOG_TARGET_STDERR, LOG_DEBUG);
	capture_start(&c);
	errno = EAGAIN;
	log_info("x");
	assert_int_equal(errno, EAGAIN);
	out = capture_end(&c);
	free(out);
}

static void
test_auto_without_journal_stream_is_stderr(void **state)
{
	(void)state;
	unsetenv("JOURNAL_STREAM");
	log_setup(LOG_TARGET_AUTO, LOG_INFO);
	assert_int_equal(log_get_target(), LOG_TARGET_STDERR);
	/* A JOURNAL_STREAM naming some other file is not our stderr. */
	setenv("JOURNAL_STREAM", "1:1", 1);
	log_setup(LOG_TARGET_AUTO, LOG_INFO);
	assert_int_equal(log_get_target(), LOG_TARGET_STDERR);
	unsetenv("JOURNAL_STREAM");
}

static void
test_names(void **state)
{
	(void)state;
	assert_int_equal(log_priority_from_string("debug"), LOG_DEBUG);
	assert_int_equal(log_priority_from_string("info"), LOG_INFO);
	assert_int_equal(log_priority_from_string("notice"), LOG_NOTICE);
	assert_int_equal(log_priority_from_string("warning"), LOG_WARNING);
	assert_int_equal(log_priority_from_string("error"), LOG_ERR);
	assert_int_equal(log_priority_from_string("crit"), -EINVAL);
	assert_int_equal(log_priority_from_string("INFO"), -EINVAL);
	assert_string_equal(log_priority_name(LOG_WARNING), "warning");
	assert_string_equal(log_priority_name(99), "unknown");
	assert_int_equal(log_target_from_string("journal"), LOG_TARGET_JOURNAL);
	assert_int_equal(log_target_from_string("stderr"), LOG_TARGET_STDERR);
	assert_int_equal(log_target_from_string("auto"), LOG_TARGET_AUTO);
	assert_int_equal(log_target_from_string("syslog"), -EINVAL);
	assert_int_equal(log_format_from_string("text"), LOG_FORMAT_TEXT);
	assert_int_equal(log_format_from_string("json"), LOG_FORMAT_JSON);
	assert_int_equal(log_format_from_string("JSON"), -EINVAL);
	assert_int_equal(log_format_from_string("logfmt"), -EINVAL);
	assert_int_equal(log_format_from_string(""), -EINVAL);
	assert_string_equal(log_format_name(LOG_FORMAT_TEXT), "text");
	assert_string_equal(log_format_name(LOG_FORMAT_JSON), "json");
}

int
main(void)
{
#define T_(f) cmocka_unit_test_setup(f, reset_log)
	const struct CMUnitTest tests[] = {
		T_(test_stderr_prefix_and_fields),
		T_(test_journal_stream_keeps_bare_prefix),
		T_(test_hostile_text_is_escaped),
		T_(test_text_timestamp_format),
		T_(test_level_filters_records),
		T_(test_json_record),
		T_(test_json_escaping),
		T_(test_json_too_large),
		T_(test_errno_is_preserved),
		T_(test_auto_without_journal_stream_is_stderr),
		T_(test_names),
	};
#undef T_
	return cmocka_run_group_tests(tests, NULL, NULL);
}
