/* SPDX-License-Identifier: ISC */
/*
 * log: journal/stderr structured logging.  See log.h.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#define SD_JOURNAL_SUPPRESS_LOCATION
#include <systemd/sd-journal.h>

#include "buf.h"
#include "escape.h"
#include "log.h"

/* A record larger than this is truncated: a log line is not a data channel. */
#define LOG_RECORD_MAX (64 * 1024)
#define LOG_FIELDS_MAX 32

static enum log_target log_target = LOG_TARGET_STDERR;
static int log_max_priority = LOG_INFO;

static const char *const priority_names[] = {
	[LOG_EMERG] = "emerg", [LOG_ALERT] = "alert",     [LOG_CRIT] = "crit",
	[LOG_ERR] = "error",   [LOG_WARNING] = "warning", [LOG_NOTICE] = "notice",
	[LOG_INFO] = "info",   [LOG_DEBUG] = "debug",
};

/* systemd sets JOURNAL_STREAM=<dev>:<ino> for the stream it connected to stderr. */
static bool
stderr_is_journal(void)
{
	const char *e = getenv("JOURNAL_STREAM");
	uintmax_t dev, ino;
	struct stat st;
	char tail;

	if (e == NULL || sscanf(e, "%ju:%ju%c", &dev, &ino, &tail) != 2)
		return false;
	if (fstat(STDERR_FILENO, &st) < 0)
		return false;
	return (uintmax_t)st.st_dev == dev && (uintmax_t)st.st_ino == ino;
}

void
log_setup(enum log_target target, int max_priority)
{
	if (target == LOG_TARGET_AUTO)
		target = stderr_is_journal() ? LOG_TARGET_JOURNAL : LOG_TARGET_STDERR;
	log_target = target;
	log_set_max_priority(max_priority);
}

void
log_set_max_priority(int max_priority)
{
	if (max_priority < LOG_EMERG)
		max_priority = LOG_EMERG;
	if (max_priority > LOG_DEBUG)
		max_priority = LOG_DEBUG;
	log_max_priority = max_priority;
}

bool
log_enabled(int priority)
{
	return priority <= log_max_priority;
}

enum log_target
log_get_target(void)
{
	return log_target;
}

int
log_priority_from_string(const char *s)
{
	/* The levels a user may configure; emerg/alert/crit are never useful limits. */
	static const int accepted[] = {LOG_ERR, LOG_WARNING, LOG_NOTICE, LOG_INFO, LOG_DEBUG};

	for (size_t i = 0; i < sizeof(accepted) / sizeof(accepted[0]); i++)
		if (strcmp(s, priority_names[accepted[i]]) == 0)
			return accepted[i];
	return -EINVAL;
}

const char *
log_priority_name(int priority)
{
	if (priority < LOG_EMERG || priority > LOG_DEBUG)
		return "unknown";
	return priority_names[priority];
}

int
log_target_from_string(const char *s)
{
	if (strcmp(s, "auto") == 0)
		return LOG_TARGET_AUTO;
	if (strcmp(s, "journal") == 0)
		return LOG_TARGET_JOURNAL;
	if (strcmp(s, "stderr") == 0)
		return LOG_TARGET_STDERR;
	return -EINVAL;
}

static bool
field_present(const struct log_field *f)
{
	return f->value != NULL && f->value[0] != '\0';
}

/* Each journal entry is a "NAME=value" string; all of them live in one buffer. */
static void
emit_journal(int priority, const char *file, int line, const char *func,
	     const struct log_field *fields, const char *message)
{
	struct iovec iov[LOG_FIELDS_MAX + 6];
	size_t offsets[LOG_FIELDS_MAX + 6], ends[LOG_FIELDS_MAX + 6];
	struct buf b;
	int n = 0;

	buf_init(&b, 2 * LOG_RECORD_MAX);
#define ADD(...)                                     \
	do {                                         \
		offsets[n] = b.len;                  \
		if (buf_printf(&b, __VA_ARGS__) < 0) \
			goto out;                    \
		ends[n] = b.len;                     \
		n++;                                 \
	} while (0)
	ADD("MESSAGE=%s", message);
	ADD("PRIORITY=%d", priority);
	ADD("SYSLOG_IDENTIFIER=%s", PACKAGE_NAME);
	ADD("CODE_FILE=%s", file);
	ADD("CODE_LINE=%d", line);
	ADD("CODE_FUNC=%s", func);
	for (size_t i = 0; fields && fields[i].name && n < (int)(sizeof(iov) / sizeof(iov[0])); i++)
		if (field_present(&fields[i]))
			ADD("%s=%s", fields[i].name, fields[i].value);
#undef ADD
	/* Pointers only now: the buffer may have moved while growing. */
	for (int i = 0; i < n; i++) {
		iov[i].iov_base = b.data + offsets[i];
		iov[i].iov_len = ends[i] - offsets[i];
	}
	sd_journal_sendv(iov, n);
out:
	buf_free(&b);
}

/*
 * key=value, quoted when the value would not survive splitting on spaces;
 * controls and the like escaped (escape.h), '"' and '\\' backslashed.
 */
static void
append_stderr_field(struct buf *b, const struct log_field *f)
{
	const char *p = f->value;

	if (strpbrk(p, " \t\"=") == NULL && !escape_needed(p)) {
		buf_printf(b, " %s=%s", f->name, p);
		return;
	}
	buf_printf(b, " %s=\"", f->name);
	for (;;) {
		size_t run = strcspn(p, "\"\\");

		escape_append(b, p, run);
		p += run;
		if (*p == '\0')
			break;
		buf_append(b, "\\", 1);
		buf_append(b, p++, 1);
	}
	buf_puts(b, "\"");
}

static void
emit_stderr(int priority, const struct log_field *fields, const char *message)
{
	struct buf b;

	buf_init(&b, 2 * LOG_RECORD_MAX);
	if (isatty(STDERR_FILENO))
		buf_printf(&b, "%s: %s", log_priority_name(priority), message);
	else
		buf_printf(&b, "<%d>%s", priority, message);
	for (size_t i = 0; fields && fields[i].name && i < LOG_FIELDS_MAX; i++)
		if (field_present(&fields[i]))
			append_stderr_field(&b, &fields[i]);
	buf_puts(&b, "\n");
	/* One write per record so concurrent writers never interleave lines. */
	if (b.data != NULL) {
		ssize_t r = write(STDERR_FILENO, b.data, b.len);
		(void)r;
	}
	buf_free(&b);
}

int
log_emit(int priority, const char *file, int line, const char *func, const struct log_field *fields,
	 const char *fmt, ...)
{
	char message[LOG_RECORD_MAX];
	int saved_errno = errno;
	va_list ap;

	if (!log_enabled(priority))
		return 0;
	va_start(ap, fmt);
	vsnprintf(message, sizeof(message), fmt, ap);
	va_end(ap);
	/*
	 * Messages quote EC2 answers, file names and config text: escaped so a
	 * hostile byte cannot act on a terminal or start a forged record.  The
	 * journal's structured fields stay exact (it stores them binary-safe).
	 */
	if (escape_needed(message)) {
		char safe[LOG_RECORD_MAX];

		escape_into(safe, sizeof(safe), message);
		memcpy(message, safe, strlen(safe) + 1);
	}
	if (log_target == LOG_TARGET_JOURNAL)
		emit_journal(priority, file, line, func, fields, message);
	else
		emit_stderr(priority, fields, message);
	errno = saved_errno;
	return 0;
}
