/* SPDX-License-Identifier: ISC */
/*
 * json_strict: reading JSON documents that hold secrets and come from
 * elsewhere (credential answers, the SSO token cache) with cJSON, strictly:
 * one object, nothing after it, no NUL byte, members of the expected type
 * and never twice.  cJSON copies every string, so a tree is wiped before it
 * is freed.
 */
#ifndef VPCESD_JSON_STRICT_H
#define VPCESD_JSON_STRICT_H

#include <stdbool.h>
#include <stddef.h>

#include <cjson/cJSON.h>

#include "err.h"

/*
 * Parse text[0..len) as one JSON object: at most `max` bytes, not empty, no
 * NUL byte, only blanks after it.  Messages are "what: doc …" ("doc" names
 * the kind of document, e.g. "credential document").  On success *ret is
 * the caller's (json_strict_free()).  -E2BIG or -EINVAL.
 */
int json_strict_parse_object(const char *text, size_t len, size_t max, const char *what,
			     const char *doc, cJSON **ret, struct err *e);

/*
 * The member `name` of `obj` in *ret, borrowed from the tree: NULL when
 * absent or JSON null.  -EINVAL when it appears twice, is not a string
 * (with `number`: not a number), or is absent (or null) but `required`.
 */
int json_strict_member(const cJSON *obj, const char *name, bool number, bool required,
		       const cJSON **ret, const char *what, struct err *e);

/* Overwrite every string of the tree, then free it.  NULL-safe. */
void json_strict_free(cJSON *j);

#endif
