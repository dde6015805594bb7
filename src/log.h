/* SPDX-License-Identifier: ISC */
/*
 * log: structured logging to the journal or to stderr.
 *
 * vpcesd logs where a decision is made (daemon, apply, config loading), once,
 * with machine-readable fields next to the human message, so that
 * `journalctl -u vpcesd VPCESD_SERVICE=api -o json` answers "what happened to
 * this service" without parsing text.  Library-like modules never log; they
 * return errors.
 *
 * Targets:
 *  - journal: sd_journal_sendv() with MESSAGE, PRIORITY, CODE_FILE/LINE/FUNC,
 *    SYSLOG_IDENTIFIER=vpcesd and the caller's fields;
 *  - stderr, in one of two formats:
 *    - text: when $JOURNAL_STREAM names our stderr (systemd connected it to
 *      the journal, which stamps each line itself) "<N>message", with the
 *      sd-daemon(3) priority prefix journald understands; anywhere else
 *      (terminal, file, pipe, container runtime)
 *      "2026-11-28T21:30:00.123Z notice: message", an RFC 3339 UTC time
 *      with milliseconds and the level name.  Fields are appended as
 *      key=value, MESSAGE_ID left out (it is for machines: the journal and
 *      json carry it);
 *    - json: one object per line, {"time": "2026-11-28T21:30:00.123Z",
 *      "level": "notice", "message": "…"} followed by every field of the
 *      journal record but MESSAGE, named and valued as `journalctl -o json`
 *      shows them (PRIORITY, SYSLOG_IDENTIFIER, MESSAGE_ID, CODE_FILE,
 *      CODE_LINE, CODE_FUNC, the caller's fields; all strings).  Journal
 *      names are upper case, so they never collide with the three
 *      lower-case keys.  Strings go through escape_json_append(): the line
 *      is valid UTF-8 and holds no raw control character.
 * LOG_TARGET_AUTO picks the journal when $JOURNAL_STREAM names our stderr,
 * stderr otherwise; both are decided in log_setup().  The format applies to
 * stderr only: journal records are structured already.
 *
 * The level, format and target are the only mutable globals of vpcesd (set
 * once at start-up and on reload, from the loop thread).  Never pass a
 * secret: there is no redaction layer here, by design the callers hold none.
 */
#ifndef VPCESD_LOG_H
#define VPCESD_LOG_H

#include <stdbool.h>
#include <syslog.h>
#include <time.h>

enum log_target {
	LOG_TARGET_AUTO,
	LOG_TARGET_JOURNAL,
	LOG_TARGET_STDERR,
};

enum log_format {
	LOG_FORMAT_TEXT,
	LOG_FORMAT_JSON,
};

/* One structured field; NAME must be a valid journal field name (A-Z, 0-9, _). */
struct log_field {
	const char *name;
	const char *value; /* NULL or "" fields are skipped */
};

/* Choose the target and the most verbose priority to emit (LOG_ERR … LOG_DEBUG). */
void log_setup(enum log_target target, int max_priority);

/* Change only the level (e.g. after a reload). */
void log_set_max_priority(int max_priority);

/* The format of stderr records (text by default); kept by log_setup(). */
void log_set_format(enum log_format format);
enum log_format log_get_format(void);

/* "text", "json" → enum; -EINVAL otherwise.  log_format_name() is the inverse. */
int log_format_from_string(const char *s);
const char *log_format_name(enum log_format format);

/*
 * Tests: the wall clock stamped on stderr records, NULL for the real one
 * (clock_gettime(CLOCK_REALTIME)).
 */
void log_set_clock(void (*clock)(struct timespec *ret));

/* True when a record of this priority would be emitted (to skip building costly fields). */
bool log_enabled(int priority);

/* The target actually in use after AUTO was resolved. */
enum log_target log_get_target(void);

/*
 * "debug", "info", "notice", "warning", "error" → LOG_*; returns -EINVAL for
 * anything else.  log_priority_name() is the inverse ("info" for LOG_INFO).
 */
int log_priority_from_string(const char *s);
const char *log_priority_name(int priority);

/* "auto", "journal", "stderr" → enum; -EINVAL otherwise. */
int log_target_from_string(const char *s);

/*
 * Emit one record.  `fields` is an array terminated by a {NULL, NULL} entry,
 * or NULL.  Always returns 0 so it can end an expression; logging failures are
 * not reported (there is nowhere left to report them).
 */
int log_emit(int priority, const char *file, int line, const char *func,
	     const struct log_field *fields, const char *fmt, ...)
	__attribute__((format(printf, 6, 7)));

/* log_fields(LOG_INFO, LOG_FIELDS({"VPCESD_SERVICE", name}), "created %s", id); */
#define LOG_FIELDS(...) ((const struct log_field[]){__VA_ARGS__, {NULL, NULL}})
#define log_fields(prio, fields, ...) \
	log_emit((prio), __FILE__, __LINE__, __func__, (fields), __VA_ARGS__)

#define log_debug(...)   log_fields(LOG_DEBUG, NULL, __VA_ARGS__)
#define log_info(...)    log_fields(LOG_INFO, NULL, __VA_ARGS__)
#define log_notice(...)  log_fields(LOG_NOTICE, NULL, __VA_ARGS__)
#define log_warning(...) log_fields(LOG_WARNING, NULL, __VA_ARGS__)
#define log_error(...)   log_fields(LOG_ERR, NULL, __VA_ARGS__)

#endif
