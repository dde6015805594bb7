/* SPDX-License-Identifier: ISC */
/*
 * ynode: YAML tree nodes and core-schema scalars.  See ynode.h.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ynode.h"

void
ynode_free(struct ynode *n)
{
	if (n == NULL)
		return;
	for (size_t i = 0; i < n->n; i++)
		ynode_free(n->kids[i]);
	free(n->kids);
	free(n->text);
	free(n);
}

int
ynode_add(struct ynode *parent, struct ynode *kid)
{
	if (parent->n == parent->cap) {
		size_t cap = parent->cap ? parent->cap * 2 : 8;
		struct ynode **v = realloc(parent->kids, cap * sizeof(*v));

		if (v == NULL)
			return -ENOMEM;
		parent->kids = v;
		parent->cap = cap;
	}
	parent->kids[parent->n++] = kid;
	return 0;
}

bool
ynode_text_in(const char *s, const char *const *set)
{
	for (size_t i = 0; set[i]; i++)
		if (strcmp(s, set[i]) == 0)
			return true;
	return false;
}

static bool
all_chars(const char *s, const char *accept)
{
	return *s != '\0' && s[strspn(s, accept)] == '\0';
}

enum yscalar
ynode_resolve_plain(const char *s)
{
	static const char *const nulls[] = {"", "~", "null", "Null", "NULL", NULL};
	static const char *const bools[] = {"true",  "True",  "TRUE", "false",
					    "False", "FALSE", NULL};
	static const char *const special[] = {".inf",  ".Inf",  ".INF",  "+.inf", "+.Inf",
					      "+.INF", "-.inf", "-.Inf", "-.INF", ".nan",
					      ".NaN",  ".NAN",  NULL};
	const char *p = s;
	bool digits = false, frac = false;

	if (ynode_text_in(s, nulls))
		return YS_NULL;
	if (ynode_text_in(s, bools))
		return YS_BOOL;
	if ((strncmp(s, "0o", 2) == 0 && all_chars(s + 2, "01234567")) ||
	    (strncmp(s, "0x", 2) == 0 && all_chars(s + 2, "0123456789abcdefABCDEF")))
		return YS_INT;
	if (ynode_text_in(s, special))
		return YS_FLOAT;
	if (*p == '-' || *p == '+')
		p++;
	while (*p >= '0' && *p <= '9') {
		p++;
		digits = true;
	}
	if (*p == '\0')
		return digits ? YS_INT : YS_STR;
	if (*p == '.') {
		p++;
		while (*p >= '0' && *p <= '9') {
			p++;
			frac = true;
		}
	}
	if (!digits && !frac)
		return YS_STR;
	if (*p == 'e' || *p == 'E') {
		p++;
		if (*p == '-' || *p == '+')
			p++;
		if (!(*p >= '0' && *p <= '9'))
			return YS_STR;
		while (*p >= '0' && *p <= '9')
			p++;
	}
	return *p == '\0' ? YS_FLOAT : YS_STR;
}
