/* SPDX-License-Identifier: ISC */
/*
 * strv: a growable vector of owned C strings.
 *
 * The desired model (ARNs, principals, regions) and the observed model (the
 * same lists read back from EC2) are mostly string sets; one small type for
 * them keeps the set arithmetic of the planner in one place.
 *
 * Pure: no I/O; safe on the event loop.
 */
#ifndef VPCESD_STRV_H
#define VPCESD_STRV_H

#include <stdbool.h>
#include <stddef.h>

struct strv {
	char **v; /* owned strings; v[n] is NULL when v is not NULL */
	size_t n;
	size_t cap;
};

#define STRV_INIT          \
	{                  \
		NULL, 0, 0 \
	}

/* qsort(3) comparator of two char * elements (strcmp order), for any array of strings. */
int strv_cmp(const void *a, const void *b);

/* Append a copy of s.  -ENOMEM on failure (the vector is unchanged). */
int strv_push(struct strv *sv, const char *s);

/* Append s itself, taking ownership (freed even on failure). */
int strv_push_take(struct strv *sv, char *s);

/* True when some element equals s. */
bool strv_contains(const struct strv *sv, const char *s);

/* Replace dst (which must be empty or freed) with a deep copy of src. */
int strv_copy(struct strv *dst, const struct strv *src);

/* Sort in strcmp order, so sets compare and print deterministically. */
void strv_sort(struct strv *sv);

/* Sort and drop repeated strings: the vector becomes a sorted set. */
void strv_uniq(struct strv *sv);

/* True when some element equals s, by binary search: `sv` must be strv_sort()ed. */
bool strv_contains_sorted(const struct strv *sv, const char *s);

/* True when a and b hold the same strings, ignoring order and multiplicity. */
bool strv_set_equal(const struct strv *a, const struct strv *b);

/* Free every string and the array; leaves an empty vector.  NULL-safe. */
void strv_free(struct strv *sv);

#endif
