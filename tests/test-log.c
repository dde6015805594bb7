/* SPDX-License-Identifier: ISC */
/*
 * Unit tests for log.h: stderr format with priority prefixes and fields,
 * level filtering, name parsing.  stderr is redirected to a temp file.
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
#include <unistd.h>

#include <cmocka.h>

#include "log.h"

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

static void
test_stderr_prefix_and_fields(void **state)
{
	struct capture c;
	char *out;

	(void)state;
	log_setup(LOG_TARGET_STDERR, LOG_INFO);
	capture_start(&c);
	log_fields(LOG_NOTICE,
		   LOG_FIELDS({"VPCESD_SERVICE", "api"}, {"VPCESD_ACTION", "create"}, {"EMPTY", ""},
			      {"CONFIG_FILE", "/etc/vpcesd/a b.yaml"}),
		   "created %s", "vpce-svc-0123");
	log_info("second line");
	out = capture_end(&c);
	assert_string_equal(out, "<5>created vpce-svc-0123 VPCESD_SERVICE=api VPCESD_ACTION=create "
				 "CONFIG_FILE=\"/etc/vpcesd/a b.yaml\"\n<6>second line\n");
	free(out);
}

/* A hostile string in a message or field cannot forge a record or reach the terminal. */
static void
test_hostile_text_is_escaped(void **state)
{
	struct capture c;
	char *out;

	(void)state;
	log_setup(LOG_TARGET_STDERR, LOG_INFO);
	capture_start(&c);
	log_fields(LOG_ERR, LOG_FIELDS({"AWS_ERROR", "a\"b\\c\nd"}, {"X", "\x1b[2J"}),
		   "EC2 said: %s", "bad\n<3>forged record\x1b]0;t\x07 \xe2\x80\xae caf\xc3\xa9");
	out = capture_end(&c);
	assert_string_equal(out,
			    "<3>EC2 said: bad\\n<3>forged record\\x1b]0;t\\x07 \\u202e caf\xc3\xa9 "
			    "AWS_ERROR=\"a\\\"b\\\\c\\nd\" X=\"\\x1b[2J\"\n");
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
	assert_string_equal(out, "<3>shown 1\n");
	free(out);
	log_set_max_priority(LOG_DEBUG);
	assert_true(log_enabled(LOG_DEBUG));
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
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_stderr_prefix_and_fields),
		cmocka_unit_test(test_hostile_text_is_escaped),
		cmocka_unit_test(test_level_filters_records),
		cmocka_unit_test(test_errno_is_preserved),
		cmocka_unit_test(test_auto_without_journal_stream_is_stderr),
		cmocka_unit_test(test_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
