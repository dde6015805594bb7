/* SPDX-License-Identifier: ISC */
/*
 * ynode: the small YAML tree conf_yaml.c builds from libyaml's events, each node
 * with its 1-based line and column so that every diagnostic can point at it,
 * and the YAML 1.2 core schema's resolution of plain scalars (only
 * true/false are booleans, "yes" and "on" are strings).
 *
 * Pure: no I/O; safe anywhere.
 */
#ifndef VPCESD_YNODE_H
#define VPCESD_YNODE_H

#include <stdbool.h>
#include <stddef.h>

enum ynode_kind {
	Y_SCALAR,
	Y_SEQ,
	Y_MAP,
	Y_INVALID, /* placeholder for an alias: already reported, skipped silently */
};

/* Resolved type of a scalar (YAML 1.2 core schema; quoted scalars are strings). */
enum yscalar {
	YS_STR,
	YS_NULL,
	YS_BOOL,
	YS_INT,
	YS_FLOAT,
};

struct ynode {
	enum ynode_kind kind;
	enum yscalar stype;
	bool plain; /* a plain (unquoted) scalar */
	char *text; /* scalar value, NUL-terminated */
	unsigned line, col;
	/* Children: a list's items, or a mapping's keys and values alternating. */
	struct ynode **kids;
	size_t n, cap;
};

#define MAP_PAIRS(m)  ((m)->n / 2)
#define MAP_KEY(m, i) ((m)->kids[2 * (i)])
#define MAP_VAL(m, i) ((m)->kids[2 * (i) + 1])

/* Free a node and its children.  NULL-safe. */
void ynode_free(struct ynode *n);

/* Append `kid` (ownership passes on success).  0 or -ENOMEM. */
int ynode_add(struct ynode *parent, struct ynode *kid);

/* Whether `s` is one of the NULL-terminated `set`. */
bool ynode_text_in(const char *s, const char *const *set);

/* Core-schema type of the plain scalar `s`. */
enum yscalar ynode_resolve_plain(const char *s);

#endif
