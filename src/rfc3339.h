/* SPDX-License-Identifier: ISC */
/*
 * rfc3339: UTC timestamps as text, both ways.
 *
 * EC2 answers carry ISO-8601 timestamps (creationTimestamp, credentials'
 * Expiration); the status and state files write them back as RFC 3339
 * UTC with second precision ("2026-11-28T21:30:00Z").  One parser and one
 * formatter for all of them, so every file vpcesd writes reads back.
 *
 * Pure: no I/O, no clock, no locale; safe on the event loop.
 */
#ifndef VPCESD_RFC3339_H
#define VPCESD_RFC3339_H

#include <stdbool.h>
#include <time.h>

/* "2026-11-28T21:30:00Z" plus its NUL. */
#define RFC3339_SIZE 21

/*
 * Parse a UTC timestamp: YYYY-MM-DDTHH:MM:SS, optional fraction of 1–9
 * digits (dropped), then "Z" or "+00:00".  Years 1970–9999.  -EINVAL when
 * malformed or not UTC; *ret untouched then.
 */
int rfc3339_parse(const char *s, time_t *ret);

/*
 * Format `t` (> 0) as "YYYY-MM-DDTHH:MM:SSZ" into out.  False, with out
 * set to "", for 0, negative times and years past 9999.
 */
bool rfc3339_format(time_t t, char out[RFC3339_SIZE]);

/* "2026-11-28T21:30:00.123Z" plus its NUL. */
#define RFC3339_MS_SIZE 25

/*
 * The same with milliseconds, for log records: `ts` (tv_sec > 0) as
 * "YYYY-MM-DDTHH:MM:SS.mmmZ", the fraction truncated (never rounded up into
 * the next second).  False, with out set to "", where rfc3339_format()
 * fails or tv_nsec is out of range.
 */
bool rfc3339_format_ms(const struct timespec *ts, char out[RFC3339_MS_SIZE]);

#endif
