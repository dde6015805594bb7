/* SPDX-License-Identifier: ISC */
/*
 * xp: a table-driven, streaming reader of small XML vocabularies (the EC2
 * and STS query answers), for ec2_xml.c.
 *
 * Each C struct is described by a shape: element name → kind + offset.  The
 * document is read with libxml2's SAX2 interface and the struct filled as the
 * elements go by, so no tree is built: a 1,000-item page costs its result
 * and one scratch buffer, not tens of thousands of nodes.
 *
 * The rules are the module's contract (ec2_xml.h lists them for callers):
 * elements match by local name within their parent and in the root's
 * namespace, in any order; unknown or foreign elements are skipped with
 * their subtree; a field seen twice is an error unless its flags say
 * otherwise; a leaf holds text only; strings and lists are bounded; lists are
 * kept at their exact size.  A document that is not well-formed is refused
 * with libxml2's message and line, whatever else was wrong with it.
 */
#ifndef VPCESD_XP_H
#define VPCESD_XP_H

#include <stdbool.h>
#include <stddef.h>

#include "err.h"

enum xp_kind {
	XP_STR,        /* text → char * (NULL when empty) */
	XP_STR_EMPTY,  /* text → char * ("" when empty: tag values) */
	XP_BOOL,       /* true|false → enum ec2_bool */
	XP_TIME,       /* ISO-8601 → time_t at off, bool "has" at aux */
	XP_STRV,       /* <x><item>text</item>…</x> → struct strv */
	XP_STRV_INNER, /* <x><item><inner>text</inner></item>…</x> → struct strv */
	XP_STRUCT,     /* nested element → struct at off, described by sub */
	XP_LIST,       /* <x><item>…</item>…</x> → array at off, count (size_t) at aux */
};

/* How a field that appears again is taken (default: an error). */
enum xp_repeat {
	XP_REPEAT_ERROR = 0,
	XP_REPEAT_FIRST, /* later ones are skipped */
	XP_REPEAT_LAST,  /* a later one replaces the earlier (XP_STR only) */
};

struct xp_shape;

struct xp_field {
	const char *name;
	enum xp_kind kind;
	size_t off;
	size_t aux;
	const struct xp_shape *sub;
	const char *inner;
	enum xp_repeat repeat;
};

struct xp_shape {
	const char *what; /* for messages: "service configuration" */
	const struct xp_field *fields;
	size_t n_fields;                        /* at most XP_MAX_FIELDS */
	size_t size;                            /* sizeof the struct (list elements) */
	void (*free_fn)(void *);                /* frees the inside of one element */
	int (*check)(void *obj, struct err *e); /* after parsing one element; may be NULL */
};

#define XP_MAX_FIELDS 32

/* One accepted root element and the shape of its children. */
struct xp_root {
	const char *name;
	const struct xp_shape *shape;
};

/*
 * Read `body` into obj (zeroed by the caller, at least the matched root's
 * shape->size) along the first of roots[] whose name is the document's root.
 * On success *root_index names it.  On failure obj holds whatever was filled
 * (the caller frees it with the shape's free_fn) and e says why:
 *   -EBADMSG  malformed, DTD or entity declarations, rule broken
 *   -E2BIG    body, string or list past its ceiling
 *   -ENOMEM
 *   -ENOMSG   well-formed, but the root is none of roots[]: e is NOT set,
 *             `seen` (of seen_size bytes) holds the root's name for the
 *             caller's own message.
 * With `secret`, every copy of the text this module and libxml2 made is
 * wiped before it is freed (the body itself stays the caller's).
 * Pure and reentrant.
 */
int xp_read(const char *body, size_t len, const struct xp_root *roots, size_t n_roots, void *obj,
	    bool secret, size_t *root_index, char *seen, size_t seen_size, struct err *e);

#endif
