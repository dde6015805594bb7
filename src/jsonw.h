/* SPDX-License-Identifier: ISC */
/*
 * jsonw: write JSON straight into a buffer, one value after another.
 *
 * The state file (and the status file of a large account) would exist
 * twice in memory if it were first built as a cJSON tree and then printed.
 * This writer appends each value as it comes, in the same layout as
 * model_json_print() (two-space indent, `"key": value`, `{}` / `[]` when
 * empty), so the output is both JSON and YAML and diffs well.  Strings go
 * through escape_json_append(): the output is always valid UTF-8 and holds
 * no raw control, bidi or invisible character.
 *
 * Errors are sticky: the first failure (-ENOMEM, -E2BIG from the buffer,
 * -EINVAL for nesting past JSONW_DEPTH_MAX or an unbalanced end) is kept,
 * every later call does nothing, and jsonw_finish() returns it.  So callers
 * write a whole document without checking each call.
 *
 * Inside an object every value needs a key; at the top and inside arrays
 * the key must be NULL.  Pure: no I/O; safe on the event loop.
 */
#ifndef VPCESD_JSONW_H
#define VPCESD_JSONW_H

#include <stdbool.h>
#include <stdint.h>

#include "buf.h"

#define JSONW_DEPTH_MAX 16

struct jsonw {
	struct buf *out;
	int err;
	unsigned depth;
	bool empty[JSONW_DEPTH_MAX + 1]; /* no value yet in the container at that depth */
	bool object[JSONW_DEPTH_MAX + 1];
};

/* Start a document appended to `out` (borrowed). */
void jsonw_init(struct jsonw *w, struct buf *out);

void jsonw_object_begin(struct jsonw *w, const char *key);
void jsonw_object_end(struct jsonw *w);
void jsonw_array_begin(struct jsonw *w, const char *key);
void jsonw_array_end(struct jsonw *w);

/* A string; NULL writes null. */
void jsonw_string(struct jsonw *w, const char *key, const char *value);
void jsonw_int(struct jsonw *w, const char *key, int64_t value);
void jsonw_uint(struct jsonw *w, const char *key, uint64_t value);
void jsonw_bool(struct jsonw *w, const char *key, bool value);
void jsonw_null(struct jsonw *w, const char *key);

/*
 * End the document (a final newline) and return the first error, 0 when
 * none; -EINVAL when a container is still open.
 */
int jsonw_finish(struct jsonw *w);

#endif
