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
 *  - stderr: "<N>message" (sd-daemon(3) priority prefixes, which journald and
 *    systemd understand) when stderr is not a terminal, plain readable text
 *    with the level name on a terminal.  Fields are appended as key=value.
 * LOG_TARGET_AUTO picks the journal when $JOURNAL_STREAM names our stderr
 * (systemd connected it to the journal), stderr otherwise.
 *
 * The level and the target are the only mutable globals of vpcesd (set once
 * at start-up and on reload, from the loop thread).  Never pass a secret:
 * there is no redaction layer here, by design the callers hold none.
 */
#ifndef VPCESD_LOG_H
#define VPCESD_LOG_H

#include <stdbool.h>
#include <syslog.h>

enum log_target {
	LOG_TARGET_AUTO,
	LOG_TARGET_JOURNAL,
	LOG_TARGET_STDERR,
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
