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
#include <time.h>
#include <unistd.h>

#define SD_JOURNAL_SUPPRESS_LOCATION
#include <systemd/sd-journal.h>

#include "buf.h"
#include "escape.h"
#include "log.h"
#include "rfc3339.h"

/* A record larger than this is truncated: a log line is not a data channel. */
#define LOG_RECORD_MAX (64 * 1024)
#define LOG_FIELDS_MAX 32

static enum log_target log_target = LOG_TARGET_STDERR;
static int log_max_priority = LOG_INFO;
static enum log_format log_format = LOG_FORMAT_TEXT;
/* Our stderr is the journal's stream: journald stamps the lines itself. */
static bool log_stderr_journal;
static void (*log_clock)(struct timespec *ret);

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
	log_stderr_journal = stderr_is_journal();
	if (target == LOG_TARGET_AUTO)
		target = log_stderr_journal ? LOG_TARGET_JOURNAL : LOG_TARGET_STDERR;
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

void
log_set_format(enum log_format format)
{
	log_format = format == LOG_FORMAT_JSON ? LOG_FORMAT_JSON : LOG_FORMAT_TEXT;
}

enum log_format
log_get_format(void)
{
	return log_format;
}

int
log_format_from_string(const char *s)
{
	if (strcmp(s, "text") == 0)
		return LOG_FORMAT_TEXT;
	if (strcmp(s, "json") == 0)
		return LOG_FORMAT_JSON;
	return -EINVAL;
}

const char *
log_format_name(enum log_format format)
{
	return format == LOG_FORMAT_JSON ? "json" : "text";
}

void
log_set_clock(void (*clock)(struct timespec *ret))
{
	log_clock = clock;
}

/* Now, as stamped on stderr records; "" when the clock cannot be formatted. */
static void
log_now(char out[RFC3339_MS_SIZE])
{
	struct timespec ts = {0, 0};

	if (log_clock != NULL)
		log_clock(&ts);
	else
		clock_gettime(CLOCK_REALTIME, &ts);
	rfc3339_format_ms(&ts, out);
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

/* MESSAGE_ID is for machines: the journal and json records carry it, text lines do not. */
static bool
field_in_text(const struct log_field *f)
{
	return field_present(f) && strcmp(f->name, "MESSAGE_ID") != 0;
}

/* One write per record so concurrent writers never interleave lines. */
static void
write_record(const struct buf *b)
{
	if (b->data != NULL) {
		ssize_t r = write(STDERR_FILENO, b->data, b->len);
		(void)r;
	}
}

static void
emit_text(int priority, const struct log_field *fields, const char *message)
{
	struct buf b;

	buf_init(&b, 2 * LOG_RECORD_MAX);
	if (log_stderr_journal) {
		buf_printf(&b, "<%d>%s", priority, message);
	} else {
		char now[RFC3339_MS_SIZE];

		log_now(now);
		buf_printf(&b, "%s %s: %s", now, log_priority_name(priority), message);
	}
	for (size_t i = 0; fields && fields[i].name && i < LOG_FIELDS_MAX; i++)
		if (field_in_text(&fields[i]))
			append_stderr_field(&b, &fields[i]);
	buf_puts(&b, "\n");
	write_record(&b);
	buf_free(&b);
}

/* ,"name":"value" — both escaped; negative when the record outgrew its buffer. */
static int
json_member(struct buf *b, const char *name, const char *value)
{
	int r;

	if ((r = buf_puts(b, ",\"")) < 0 || (r = escape_json_append(b, name, strlen(name))) < 0 ||
	    (r = buf_puts(b, "\":\"")) < 0 || (r = escape_json_append(b, value, strlen(value))) < 0)
		return r;
	return buf_puts(b, "\"");
}

/*
 * {"time":…,"level":…,"message":…} and the journal record's fields as
 * journalctl -o json names them.  A record too large for its buffer (a
 * message of control bytes grows sixfold) is replaced by one that says so,
 * so every line stays one valid object.
 */
static void
emit_json(int priority, const char *file, int line, const char *func,
	  const struct log_field *fields, const char *message)
{
	char now[RFC3339_MS_SIZE], prio[16], lineno[16];
	struct buf b;
	int r;

	log_now(now);
	snprintf(prio, sizeof(prio), "%d", priority);
	snprintf(lineno, sizeof(lineno), "%d", line);
	buf_init(&b, 8 * LOG_RECORD_MAX);
	r = buf_printf(&b, "{\"time\":\"%s\",\"level\":\"%s\"", now, log_priority_name(priority));
	if (r >= 0)
		r = json_member(&b, "message", message);
	if (r >= 0)
		r = json_member(&b, "PRIORITY", prio);
	if (r >= 0)
		r = json_member(&b, "SYSLOG_IDENTIFIER", PACKAGE_NAME);
	for (size_t i = 0; r >= 0 && fields && fields[i].name && i < LOG_FIELDS_MAX; i++)
		if (field_present(&fields[i]))
			r = json_member(&b, fields[i].name, fields[i].value);
	if (r >= 0)
		r = json_member(&b, "CODE_FILE", file);
	if (r >= 0)
		r = json_member(&b, "CODE_LINE", lineno);
	if (r >= 0)
		r = json_member(&b, "CODE_FUNC", func);
	if (r >= 0)
		r = buf_puts(&b, "}\n");
	if (r < 0) {
		buf_reset(&b);
		buf_printf(&b,
			   "{\"time\":\"%s\",\"level\":\"%s\",\"message\":\"(a log record too "
			   "large to encode was dropped)\",\"PRIORITY\":\"%s\","
			   "\"SYSLOG_IDENTIFIER\":\"%s\"}\n",
			   now, log_priority_name(priority), prio, PACKAGE_NAME);
	}
	write_record(&b);
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
	/* json escapes every string itself, control bytes and bad UTF-8 included. */
	if (log_target != LOG_TARGET_JOURNAL && log_format == LOG_FORMAT_JSON) {
		emit_json(priority, file, line, func, fields, message);
		errno = saved_errno;
		return 0;
	}
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
		emit_text(priority, fields, message);
	errno = saved_errno;
	return 0;
}
