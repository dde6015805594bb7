/* SPDX-License-Identifier: ISC */
/*
 * escape: make untrusted text safe to show on a terminal or in a log record.
 *
 * Configuration files, file names and EC2 answers reach error messages
 * verbatim.  An ESC byte in them could rewrite the reader's terminal, a
 * newline could forge a second log record, and a Unicode bidi override can
 * make a message read differently from what it says ("Trojan Source").  So:
 *  - C0 controls and DEL become \n, \r, \t or \xNN;
 *  - bytes that are not part of valid UTF-8 (overlong forms, surrogates,
 *    past U+10FFFF, truncated sequences) become \xNN, one per byte;
 *  - C1 controls (U+0080..U+009F), the bidi controls (U+061C, U+200E,
 *    U+200F, U+202A..U+202E, U+2066..U+2069) and the invisible characters
 *    that split or hide text (U+200B..U+200D, U+2028, U+2029, U+2060..
 *    U+2065, U+FEFF) become \uXXXX.
 * Everything else passes unchanged, backslashes and other non-ASCII text
 * included, so escaping is idempotent and ordinary messages are untouched.
 *
 * Pure: no I/O; safe on the event loop.
 */
#ifndef VPCESD_ESCAPE_H
#define VPCESD_ESCAPE_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"

/* Append the escaped form of s[0..len) to b.  -E2BIG / -ENOMEM as buf_append(). */
int escape_append(struct buf *b, const char *s, size_t len);

/*
 * Write the escaped form of the C string src into dst (cap > 0 bytes),
 * always NUL-terminated.  Truncation never splits an escape or a UTF-8
 * character.  Returns true when all of src fit.
 */
bool escape_into(char *dst, size_t cap, const char *src);

/*
 * Append s[0..len) as the inside of a JSON string (no quotes): `"` and `\`
 * escaped, \n \r \t, every other C0 control, DEL and the characters the
 * first list above turns into \uXXXX as \uXXXX too, and each byte that is
 * not valid UTF-8 as \ufffd — so the result is valid UTF-8 JSON that `jq`
 * cannot turn back into terminal controls.  -E2BIG / -ENOMEM as
 * buf_append().
 */
int escape_json_append(struct buf *b, const char *s, size_t len);

/* True when escaping would change s (cheap check before copying). */
bool escape_needed(const char *s);

#endif
