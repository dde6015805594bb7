/* SPDX-License-Identifier: ISC */
/*
 * query: Query-protocol serialisation.  See query.h.
 *
 * Each helper that adds several pairs remembers how many pairs the query held
 * before and truncates back to that on failure, so a half-written filter or
 * tag set can never be sent.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "query.h"

/* Enough for any name our helpers format ("TagSpecification.N.Tag.M.Value"). */
#define QUERY_NAME_MAX 256

void
query_init(struct query *q)
{
	q->v = NULL;
	q->n = 0;
	q->cap = 0;
}

/*
 * Drop pairs beyond `n`: the rollback used by multi-pair helpers, and the
 * end of every query.  Values are wiped first: a query may carry a secret
 * (AssumeRoleWithWebIdentity's WebIdentityToken).
 */
static void
query_truncate(struct query *q, size_t n)
{
	while (q->n > n) {
		q->n--;
		free(q->v[q->n].name);
		OPENSSL_cleanse(q->v[q->n].value, strlen(q->v[q->n].value));
		free(q->v[q->n].value);
	}
}

void
query_free(struct query *q)
{
	if (q == NULL)
		return;
	query_truncate(q, 0);
	free(q->v);
	query_init(q);
}

int
query_add(struct query *q, const char *name, const char *value, struct err *e)
{
	struct query_param *v;
	char *n = NULL, *val = NULL;
	size_t nl, vl;

	if (name == NULL || name[0] == '\0')
		return err_set(e, -EINVAL, "query: empty parameter name");
	if (value == NULL)
		return err_set(e, -EINVAL, "query: parameter %.64s has no value", name);
	nl = strlen(name);
	vl = strlen(value);
	if (nl > QUERY_MAX_FIELD || vl > QUERY_MAX_FIELD)
		return err_set(e, -E2BIG, "query: parameter %.64s is too long", name);
	if (q->n >= QUERY_MAX_PARAMS)
		return err_set(e, -E2BIG, "query: more than %d parameters", QUERY_MAX_PARAMS);
	if (q->n == q->cap) {
		size_t cap = q->cap ? q->cap * 2 : 16;

		v = realloc(q->v, cap * sizeof(*v));
		if (v == NULL)
			return err_set(e, -ENOMEM, "query: out of memory");
		q->v = v;
		q->cap = cap;
	}
	n = malloc(nl + 1);
	val = malloc(vl + 1);
	if (n == NULL || val == NULL) {
		free(n);
		free(val);
		return err_set(e, -ENOMEM, "query: out of memory");
	}
	memcpy(n, name, nl + 1);
	memcpy(val, value, vl + 1);
	q->v[q->n].name = n;
	q->v[q->n].value = val;
	q->n++;
	return 0;
}

int
query_addf(struct query *q, struct err *e, const char *value, const char *name_fmt, ...)
{
	char name[QUERY_NAME_MAX];
	va_list ap;
	int r;

	va_start(ap, name_fmt);
	r = vsnprintf(name, sizeof(name), name_fmt, ap);
	va_end(ap);
	if (r < 0 || (size_t)r >= sizeof(name))
		return err_set(e, -E2BIG, "query: parameter name too long");
	return query_add(q, name, value, e);
}

int
query_add_bool(struct query *q, const char *name, bool v, struct err *e)
{
	return query_add(q, name, v ? "true" : "false", e);
}

int
query_add_int(struct query *q, const char *name, long long v, struct err *e)
{
	char s[32];

	snprintf(s, sizeof(s), "%lld", v);
	return query_add(q, name, s, e);
}

int
query_add_list(struct query *q, const char *prefix, const char *const *v, size_t n, struct err *e)
{
	size_t n0 = q->n;
	int r;

	for (size_t i = 0; i < n; i++) {
		r = query_addf(q, e, v[i], "%s.%zu", prefix, i + 1);
		if (r < 0) {
			query_truncate(q, n0);
			return r;
		}
	}
	return 0;
}

int
query_add_strv(struct query *q, const char *prefix, const struct strv *sv, struct err *e)
{
	return query_add_list(q, prefix, (const char *const *)sv->v, sv->n, e);
}

int
query_add_filter(struct query *q, size_t index, const char *name, const char *const *values,
		 size_t n_values, struct err *e)
{
	size_t n0 = q->n;
	int r;

	r = query_addf(q, e, name, "Filter.%zu.Name", index);
	for (size_t m = 0; r == 0 && m < n_values; m++)
		r = query_addf(q, e, values[m], "Filter.%zu.Value.%zu", index, m + 1);
	if (r < 0)
		query_truncate(q, n0);
	return r;
}

/* `<prefix>.<m>.Key` / `.Value` pairs; shared by EC2 and STS tag shapes. */
static int
query_add_tag_pairs(struct query *q, const char *prefix, const struct query_tag *tags, size_t n,
		    struct err *e)
{
	int r = 0;

	for (size_t m = 0; r == 0 && m < n; m++) {
		r = query_addf(q, e, tags[m].key, "%s.%zu.Key", prefix, m + 1);
		if (r == 0 && tags[m].value != NULL)
			r = query_addf(q, e, tags[m].value, "%s.%zu.Value", prefix, m + 1);
	}
	return r;
}

int
query_add_tags(struct query *q, const char *prefix, const struct query_tag *tags, size_t n,
	       struct err *e)
{
	size_t n0 = q->n;
	int r = query_add_tag_pairs(q, prefix, tags, n, e);

	if (r < 0)
		query_truncate(q, n0);
	return r;
}

int
query_add_tag_spec(struct query *q, size_t index, const char *resource_type,
		   const struct query_tag *tags, size_t n, struct err *e)
{
	char prefix[64];
	size_t n0 = q->n;
	int r;

	snprintf(prefix, sizeof(prefix), "TagSpecification.%zu.Tag", index);
	r = query_addf(q, e, resource_type, "TagSpecification.%zu.ResourceType", index);
	if (r == 0)
		r = query_add_tag_pairs(q, prefix, tags, n, e);
	if (r < 0)
		query_truncate(q, n0);
	return r;
}

int
query_add_member_list(struct query *q, const char *name, const char *const *v, size_t n,
		      struct err *e)
{
	size_t n0 = q->n;
	int r = 0;

	if (n == 0)
		return query_add(q, name, "", e);
	for (size_t i = 0; r == 0 && i < n; i++)
		r = query_addf(q, e, v[i], "%s.member.%zu", name, i + 1);
	if (r < 0)
		query_truncate(q, n0);
	return r;
}

int
query_add_member_tags(struct query *q, const char *name, const struct query_tag *tags, size_t n,
		      struct err *e)
{
	char prefix[QUERY_NAME_MAX];
	size_t n0 = q->n;
	int r;

	if (n == 0)
		return query_add(q, name, "", e);
	r = snprintf(prefix, sizeof(prefix), "%s.member", name);
	if (r < 0 || (size_t)r >= sizeof(prefix))
		return err_set(e, -E2BIG, "query: parameter name too long");
	r = query_add_tag_pairs(q, prefix, tags, n, e);
	if (r < 0)
		query_truncate(q, n0);
	return r;
}

const char *
query_get(const struct query *q, const char *name)
{
	for (size_t i = 0; i < q->n; i++)
		if (strcmp(q->v[i].name, name) == 0)
			return q->v[i].value;
	return NULL;
}

/* RFC 3986 §2.3 unreserved characters. */
static bool
query_unreserved(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       c == '-' || c == '.' || c == '_' || c == '~';
}

int
query_pct_encode(struct buf *out, const char *s, size_t n, bool keep_slash)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t i = 0;
	int r;

	while (i < n) {
		size_t run = i;
		char esc[3];

		/* Copy runs of kept bytes in one append: most names are all unreserved. */
		while (run < n &&
		       (query_unreserved((unsigned char)s[run]) || (keep_slash && s[run] == '/')))
			run++;
		if (run > i) {
			r = buf_append(out, s + i, run - i);
			if (r < 0)
				return r;
			i = run;
			continue;
		}
		esc[0] = '%';
		esc[1] = hex[(unsigned char)s[i] >> 4];
		esc[2] = hex[(unsigned char)s[i] & 0x0f];
		r = buf_append(out, esc, 3);
		if (r < 0)
			return r;
		i++;
	}
	return 0;
}

int
query_encode(const struct query *q, struct buf *out, struct err *e)
{
	int r = 0;

	buf_reset(out);
	for (size_t i = 0; r == 0 && i < q->n; i++) {
		if (i > 0)
			r = buf_append(out, "&", 1);
		if (r == 0)
			r = query_pct_encode(out, q->v[i].name, strlen(q->v[i].name), false);
		if (r == 0)
			r = buf_append(out, "=", 1);
		if (r == 0)
			r = query_pct_encode(out, q->v[i].value, strlen(q->v[i].value), false);
	}
	if (r < 0) {
		buf_reset(out);
		if (r == -E2BIG)
			return err_set(e, r, "query: encoded body exceeds %zu bytes", out->max);
		return err_set(e, r, "query: out of memory");
	}
	return 0;
}
