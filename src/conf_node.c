/* SPDX-License-Identifier: ISC */
/*
 * conf_node: typed access to the tree for the schema walk (stage 3 of
 * conf.c): mappings with their keys checked (unknown with a suggestion,
 * duplicate), strings, booleans, bounded numbers, durations and percentages,
 * each reporting what it refuses at the node's line:col.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "conf_loader.h"
#include "validate.h"

/* --- stage 3: model --------------------------------------------------------------- */

const char *
conf_kind_name(const struct ynode *n)
{
	switch (n->kind) {
	case Y_SEQ:
		return "a list";
	case Y_MAP:
		return "a mapping";
	case Y_INVALID:
		return "an alias";
	case Y_SCALAR:
		break;
	}
	switch (n->stype) {
	case YS_NULL:
		return "null";
	case YS_BOOL:
		return "a boolean";
	case YS_INT:
		return "an integer";
	case YS_FLOAT:
		return "a number";
	case YS_STR:
		break;
	}
	return "a string";
}

/* Mapping access: kids alternate key, value. */
bool
conf_want_kind(struct loader *l, const struct ynode *n, enum ynode_kind kind, const char *what)
{
	if (n->kind == Y_INVALID)
		return false;
	if (n->kind == kind)
		return true;
	conf_diag(l, n, "%s: expected %s, got %s", what, kind == Y_MAP ? "a mapping" : "a list",
		  conf_kind_name(n));
	return false;
}

struct key_index {
	const struct ynode *key;
	size_t pos;
};

static int
key_index_cmp(const void *a, const void *b)
{
	const struct key_index *x = a, *y = b;
	int c = strcmp(x->key->text, y->key->text);

	if (c != 0)
		return c;
	return x->pos < y->pos ? -1 : x->pos > y->pos;
}

/*
 * Check a mapping's keys: each a string scalar, known (when `known` is not
 * NULL; otherwise any non-null scalar), not repeated.  Unknown and repeated keys are
 * reported and their values blanked (set to NULL in `ok[]`, so lookups skip
 * them).  Returns false on allocation failure only.
 */
static bool
check_keys(struct loader *l, const struct ynode *map, const char *const *known, const char *ctx,
	   bool *skip)
{
	size_t n = MAP_PAIRS(map), m = 0;
	struct key_index *idx;

	if (n == 0)
		return true;
	idx = malloc(n * sizeof(*idx));
	if (idx == NULL)
		return false;
	for (size_t i = 0; i < n; i++) {
		const struct ynode *k = MAP_KEY(map, i);

		skip[i] = true;
		if (k->kind == Y_INVALID)
			continue;
		/* Free-form maps (tags) take any non-null scalar as a key: `2024: x`. */
		if (k->kind != Y_SCALAR || k->stype == YS_NULL ||
		    (k->stype != YS_STR && known != NULL)) {
			conf_diag(l, k, "%s: keys must be strings, got %s", ctx, conf_kind_name(k));
			continue;
		}
		if (known != NULL && !ynode_text_in(k->text, known)) {
			const char *hint = validate_suggest(k->text, known);

			if (hint)
				conf_diag(l, k, "unknown key '%s' in %s (did you mean '%s'?)",
					  k->text, ctx, hint);
			else
				conf_diag(l, k, "unknown key '%s' in %s", k->text, ctx);
			continue;
		}
		skip[i] = false;
		idx[m].key = k;
		idx[m].pos = i;
		m++;
	}
	qsort(idx, m, sizeof(*idx), key_index_cmp);
	for (size_t i = 1; i < m; i++) {
		const struct key_index *first = &idx[i - 1];

		if (strcmp(idx[i].key->text, first->key->text) != 0)
			continue;
		while (first > idx && strcmp(first[-1].key->text, first->key->text) == 0)
			first--;
		conf_diag(l, idx[i].key, "duplicate key '%s' (first at line %u, column %u)",
			  idx[i].key->text, first->key->line, first->key->col);
		skip[idx[i].pos] = true;
	}
	free(idx);
	return true;
}

/* The value of `key` in a checked mapping, or NULL. */
const struct ynode *
conf_map_get(const struct ynode *map, const bool *skip, const char *key,
	     const struct ynode **ret_key)
{
	for (size_t i = 0; i < MAP_PAIRS(map); i++)
		if (!skip[i] && strcmp(MAP_KEY(map, i)->text, key) == 0) {
			if (ret_key)
				*ret_key = MAP_KEY(map, i);
			return MAP_VAL(map, i);
		}
	return NULL;
}

/* A string value; NULL after reporting when it is anything else. */
const char *
conf_get_str(struct loader *l, const struct ynode *n, const char *what)
{
	if (n->kind == Y_INVALID)
		return NULL;
	if (n->kind == Y_SCALAR && n->stype == YS_STR)
		return n->text;
	if (n->kind == Y_SCALAR && n->stype != YS_NULL)
		conf_diag(l, n, "%s: expected a string, got %s (quote it: \"%s\")", what,
			  conf_kind_name(n), n->text);
	else
		conf_diag(l, n, "%s: expected a string, got %s", what, conf_kind_name(n));
	return NULL;
}

bool
conf_get_bool(struct loader *l, const struct ynode *n, const char *what, bool *out)
{
	static const char *const yaml11[] = {"yes", "no", "on", "off", "y", "n", NULL};

	if (n->kind == Y_INVALID)
		return false;
	if (n->kind == Y_SCALAR && n->stype == YS_BOOL) {
		*out = n->text[0] == 't' || n->text[0] == 'T';
		return true;
	}
	if (n->kind == Y_SCALAR && n->plain) {
		char lower[4] = {0};

		for (size_t i = 0; i < 3 && n->text[i]; i++)
			lower[i] = (char)(n->text[i] | 0x20);
		if (strlen(n->text) <= 3 && ynode_text_in(lower, yaml11)) {
			bool yes = lower[0] == 'y' || strcmp(lower, "on") == 0;

			conf_diag(
				l, n,
				"%s: expected true or false, got '%s' (a YAML 1.1 boolean; vpcesd "
				"reads YAML 1.2: write %s)",
				what, n->text, yes ? "true" : "false");
			return false;
		}
	}
	if (n->kind == Y_SCALAR && !n->plain && ynode_resolve_plain(n->text) == YS_BOOL)
		conf_diag(l, n,
			  "%s: expected true or false, got the string '%s' (remove the quotes)",
			  what, n->text);
	else
		conf_diag(l, n, "%s: expected true or false, got %s", what, conf_kind_name(n));
	return false;
}

bool
conf_get_uint(struct loader *l, const struct ynode *n, const char *what, unsigned min, unsigned max,
	      unsigned *out)
{
	uint64_t v = 0;
	const char *p;

	if (n->kind == Y_INVALID)
		return false;
	if (n->kind != Y_SCALAR || n->stype != YS_INT) {
		conf_diag(l, n, "%s: expected an integer, got %s", what, conf_kind_name(n));
		return false;
	}
	p = n->text;
	if (*p == '+')
		p++;
	if (*p == '-' && p[1] != '\0') {
		conf_diag(l, n, "%s: must be between %u and %u, got %s", what, min, max, n->text);
		return false;
	}
	if (strncmp(p, "0x", 2) == 0 || strncmp(p, "0o", 2) == 0) {
		conf_diag(l, n, "%s: write a decimal integer, got %s", what, n->text);
		return false;
	}
	for (; *p; p++) {
		v = v * 10 + (uint64_t)(*p - '0');
		if (v > max)
			break;
	}
	if (v < min || v > max) {
		conf_diag(l, n, "%s: must be between %u and %u, got %s", what, min, max, n->text);
		return false;
	}
	*out = (unsigned)v;
	return true;
}

bool
conf_get_duration(struct loader *l, const struct ynode *n, const char *what, unsigned min,
		  unsigned max, unsigned *out)
{
	struct err e;
	unsigned v;
	char lo[32], hi[32];

	if (n->kind == Y_INVALID)
		return false;
	if (n->kind != Y_SCALAR || (n->stype != YS_STR && n->stype != YS_INT)) {
		conf_diag(l, n, "%s: expected a duration like 30s, 5m or 1h, got %s", what,
			  conf_kind_name(n));
		return false;
	}
	err_clear(&e);
	if (validate_duration(n->text, &v, &e) < 0) {
		conf_diag(l, n, "%s: %s", what, e.msg);
		return false;
	}
	if (v < min || v > max) {
		validate_format_duration(min, lo, sizeof(lo));
		validate_format_duration(max, hi, sizeof(hi));
		conf_diag(l, n, "%s: must be between %s and %s, got %s", what, lo, hi, n->text);
		return false;
	}
	*out = v;
	return true;
}

bool
conf_get_percent(struct loader *l, const struct ynode *n, const char *what, unsigned min,
		 unsigned max, unsigned *out)
{
	struct err e;
	unsigned v;

	if (n->kind == Y_INVALID)
		return false;
	if (n->kind != Y_SCALAR || (n->stype != YS_STR && n->stype != YS_INT)) {
		conf_diag(l, n, "%s: expected a percentage like 5%%, got %s", what,
			  conf_kind_name(n));
		return false;
	}
	err_clear(&e);
	if (validate_percent(n->text, &v, &e) < 0) {
		conf_diag(l, n, "%s: %s", what, e.msg);
		return false;
	}
	if (v < min || v > max) {
		conf_diag(l, n, "%s: must be between %u%% and %u%%, got %s", what, min, max,
			  n->text);
		return false;
	}
	*out = v;
	return true;
}

/* Replace *dst with a copy of s (freeing the old value).  False only on OOM. */
bool
conf_set_str(struct loader *l, char **dst, const char *s)
{
	char *copy = strdup(s);

	if (copy == NULL) {
		conf_oom(l);
		return false;
	}
	free(*dst);
	*dst = copy;
	return true;
}

/* A string checked by `check` (a validate_* function) and stored into *dst. */
void
conf_take_checked(struct loader *l, const struct ynode *n, const char *what,
		  int (*check)(const char *s, struct err *e), char **dst)
{
	const char *s = conf_get_str(l, n, what);
	struct err e;

	if (s == NULL)
		return;
	err_clear(&e);
	if (check != NULL && check(s, &e) < 0) {
		conf_diag(l, n, "%s: %s", what, e.msg);
		return;
	}
	conf_set_str(l, dst, s);
}

/* Characters allowed in a text, with a length range: for the credentials strings. */
void
conf_take_charset(struct loader *l, const struct ynode *n, const char *what, const char *accept,
		  size_t min, size_t max, char **dst)
{
	const char *s = conf_get_str(l, n, what);
	size_t len;

	if (s == NULL)
		return;
	len = strlen(s);
	if (len < min || len > max) {
		conf_diag(l, n, "%s: must be %zu to %zu characters long", what, min, max);
		return;
	}
	for (size_t i = 0; i < len; i++) {
		char c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      strchr(accept, c) != NULL)) {
			conf_diag(l, n,
				  "%s: character '%c' is not allowed (letters, digits and \"%s\")",
				  what, c, accept);
			return;
		}
	}
	conf_set_str(l, dst, s);
}

/*
 * A checked sub-mapping: runs check_keys and hands back the skip array (the
 * caller frees it), or NULL when the node is not a usable mapping.
 */
bool *
conf_checked_map(struct loader *l, const struct ynode *n, const char *const *known, const char *ctx)
{
	bool *skip;

	if (!conf_want_kind(l, n, Y_MAP, ctx))
		return NULL;
	skip = calloc(MAP_PAIRS(n) + 1, sizeof(*skip));
	if (skip == NULL || !check_keys(l, n, known, ctx, skip)) {
		free(skip);
		conf_oom(l);
		return NULL;
	}
	return skip;
}
