/* SPDX-License-Identifier: ISC */
/*
 * Test support: the scratch directories of the file-writing tests.  No
 * cmocka here (see stack.h): functions return a count or 0 / negative errno
 * and callers assert on that.
 */
#ifndef VPCESD_TEST_TMPDIR_H
#define VPCESD_TEST_TMPDIR_H

#include <stddef.h>

/*
 * Entries in `dir` besides . and ..: a test compares it with the files it
 * expects, which catches a leftover temporary file.  Negative errno when
 * `dir` cannot be read.
 */
int tmpdir_count(const char *dir);

/*
 * Create or truncate `dir`/`rel` and write `len` bytes of `data` to it.
 * 0, or the negative errno of the step that failed.
 */
int tmpdir_write(const char *dir, const char *rel, const void *data, size_t len);

/*
 * Remove `dir` and everything under it (symbolic links are removed, not
 * followed).  0, or the negative errno of the first step that failed; it
 * goes on with the rest either way.  Not thread-safe.
 */
int tmpdir_remove(const char *dir);

#endif
