/* SPDX-License-Identifier: ISC */
/*
 * strv: vector of owned strings.  See strv.h.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "strv.h"

int
strv_push_take(struct strv *sv, char *s)
{
	if (s == NULL)
		return -ENOMEM;
	if (sv->n + 2 > sv->cap) {
		size_t cap = sv->cap ? sv->cap * 2 : 4;
		char **v = realloc(sv->v, cap * sizeof(*v));

		if (v == NULL) {
			free(s);
			return -ENOMEM;
		}
		sv->v = v;
		sv->cap = cap;
	}
	sv->v[sv->n++] = s;
	sv->v[sv->n] = NULL;
	return 0;
}

int
strv_push(struct strv *sv, const char *s)
{
	return strv_push_take(sv, strdup(s));
}

bool
strv_contains(const struct strv *sv, const char *s)
{
	for (size_t i = 0; i < sv->n; i++)
		if (strcmp(sv->v[i], s) == 0)
			return true;
	return false;
}

int
strv_copy(struct strv *dst, const struct strv *src)
{
	struct strv out = STRV_INIT;

	for (size_t i = 0; i < src->n; i++) {
		if (strv_push(&out, src->v[i]) < 0) {
			strv_free(&out);
			return -ENOMEM;
		}
	}
	*dst = out;
	return 0;
}

int
strv_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

void
strv_sort(struct strv *sv)
{
	if (sv->n > 1)
		qsort(sv->v, sv->n, sizeof(*sv->v), strv_cmp);
}

void
strv_uniq(struct strv *sv)
{
	size_t w = 0;

	strv_sort(sv);
	for (size_t i = 0; i < sv->n; i++) {
		if (w > 0 && strcmp(sv->v[i], sv->v[w - 1]) == 0)
			free(sv->v[i]);
		else
			sv->v[w++] = sv->v[i];
	}
	sv->n = w;
	if (sv->v != NULL)
		sv->v[w] = NULL;
}

static int
key_cmp_str(const void *key, const void *elem)
{
	return strcmp(key, *(char *const *)elem);
}

bool
strv_contains_sorted(const struct strv *sv, const char *s)
{
	return sv->n > 0 && bsearch(s, sv->v, sv->n, sizeof(*sv->v), key_cmp_str) != NULL;
}

bool
strv_set_equal(const struct strv *a, const struct strv *b)
{
	for (size_t i = 0; i < a->n; i++)
		if (!strv_contains(b, a->v[i]))
			return false;
	for (size_t i = 0; i < b->n; i++)
		if (!strv_contains(a, b->v[i]))
			return false;
	return true;
}

void
strv_free(struct strv *sv)
{
	if (sv == NULL)
		return;
	for (size_t i = 0; i < sv->n; i++)
		free(sv->v[i]);
	free(sv->v);
	sv->v = NULL;
	sv->n = 0;
	sv->cap = 0;
}
