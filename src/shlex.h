/* SPDX-License-Identifier: ISC */
/*
 * shlex: split a command line the way Python's shlex.split() does.
 *
 * botocore runs `credential_process` without a shell, after splitting the
 * profile value with shlex.split() (POSIX mode); it also uses shlex to read
 * `[profile "name with spaces"]` section headers.  vpcesd must accept exactly
 * the same strings, so this is a faithful re-implementation of that one
 * function: blanks separate words, backslash escapes any character outside
 * quotes, single quotes are literal, inside double quotes a backslash escapes
 * only `"` and `\`, adjacent quoted and unquoted parts join into one word and
 * `''` is an empty word.  No variable expansion, no globbing, no comments.
 *
 * Pure: no I/O; safe on the event loop.
 */
#ifndef VPCESD_SHLEX_H
#define VPCESD_SHLEX_H

#include <stddef.h>

#include "err.h"
#include "strv.h"

#define SHLEX_MAX_INPUT 8192 /* bytes of command line accepted */
#define SHLEX_MAX_WORDS 256

/*
 * Split `s` into words appended to `ret` (which must be empty).  -EINVAL with
 * a message for an unterminated quote or a trailing backslash, -E2BIG past
 * the limits above, -ENOMEM.  `ret` is left empty on failure.
 */
int shlex_split(const char *s, struct strv *ret, struct err *e);

#endif
