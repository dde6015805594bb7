/* SPDX-License-Identifier: ISC */
/*
 * query: the EC2/STS Query-protocol request body.
 *
 * Every EC2 and STS call is a POST whose body is an ordered list of
 * `Name=Value` pairs, form-encoded.  The wire names follow rules that are
 * easy to get subtly wrong (ec2-api.md §1): EC2 lists are flat and 1-based
 * (`Filter.1.Value.2`, `TagSpecification.1.Tag.2.Key`), STS lists go through
 * `.member.N` and an empty STS list is still sent as `Name=`.  This module
 * owns those rules and the percent-encoding, so the EC2 client only says
 * *what* it sends.
 *
 * Encoding is RFC 3986: the unreserved set `A-Za-z0-9-._~` is kept, every
 * other byte becomes `%XX` (uppercase hex), a space included (`%20`, never
 * `+`).  An empty value is written `Key=`, which EC2 treats differently from
 * an absent key (DeleteTags), so NULL values are refused rather than guessed.
 *
 * Ownership: a `struct query` owns copies of every name and value; free it
 * with query_free().  Every function leaves the query unchanged when it
 * fails.  Pure: no I/O, no clock, no logging; safe on the event loop.
 */
#ifndef VPCESD_QUERY_H
#define VPCESD_QUERY_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"
#include "err.h"
#include "strv.h"

/* Most parameters one request may carry (EC2 accepts ≤ 1000 ids per list). */
#define QUERY_MAX_PARAMS 20000
/* Longest name or value accepted, in bytes (a web identity token is ≤ 20000). */
#define QUERY_MAX_FIELD 65536

struct query_param {
	char *name;  /* owned, never empty */
	char *value; /* owned, may be "" (sent as `name=`) */
};

struct query {
	struct query_param *v; /* owned, in insertion order */
	size_t n;
	size_t cap;
};

#define QUERY_INIT         \
	{                  \
		NULL, 0, 0 \
	}

/* A tag for the tag helpers.  value NULL = omit `.Value` (DeleteTags by key). */
struct query_tag {
	const char *key;
	const char *value;
};

/* Start empty.  Allocates nothing. */
void query_init(struct query *q);

/* Free every pair; leaves an empty query.  NULL-safe. */
void query_free(struct query *q);

/* Append `name=value` (both copied).  -EINVAL for an empty name or NULL value, -E2BIG, -ENOMEM. */
int query_add(struct query *q, const char *name, const char *value, struct err *e);

/* Append with a printf-formatted name, e.g. query_addf(q, e, v, "Filter.%zu.Name", i). */
int query_addf(struct query *q, struct err *e, const char *value, const char *name_fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* `name=true` / `name=false`. */
int query_add_bool(struct query *q, const char *name, bool v, struct err *e);

/* `name=<decimal>`. */
int query_add_int(struct query *q, const char *name, long long v, struct err *e);

/*
 * EC2 flat list: `prefix.1=v[0]` … `prefix.n=v[n-1]`.  An empty list adds
 * nothing (EC2 serialises an empty list as nothing).
 */
int query_add_list(struct query *q, const char *prefix, const char *const *v, size_t n,
		   struct err *e);

/* query_add_list over a string vector. */
int query_add_strv(struct query *q, const char *prefix, const struct strv *sv, struct err *e);

/*
 * EC2 filter number `index` (1-based): `Filter.<index>.Name=name` and
 * `Filter.<index>.Value.<m>=values[m-1]`.
 */
int query_add_filter(struct query *q, size_t index, const char *name, const char *const *values,
		     size_t n_values, struct err *e);

/*
 * EC2 tags under `prefix`: `<prefix>.<m>.Key` / `<prefix>.<m>.Value` for m
 * from 1.  Used with prefix "Tag" (CreateTags, DeleteTags).  A NULL value
 * omits that `.Value` pair; "" sends `.Value=`.
 */
int query_add_tags(struct query *q, const char *prefix, const struct query_tag *tags, size_t n,
		   struct err *e);

/*
 * EC2 TagSpecification number `index` (1-based):
 * `TagSpecification.<i>.ResourceType=resource_type` then
 * `TagSpecification.<i>.Tag.<m>.Key/.Value`.
 */
int query_add_tag_spec(struct query *q, size_t index, const char *resource_type,
		       const struct query_tag *tags, size_t n, struct err *e);

/*
 * STS (query protocol) list: `name.member.<m>=v[m-1]`; an empty list is sent
 * as `name=` (botocore's QuerySerializer does the same).
 */
int query_add_member_list(struct query *q, const char *name, const char *const *v, size_t n,
			  struct err *e);

/* STS tags: `name.member.<m>.Key` / `.Value`; empty list → `name=`. */
int query_add_member_tags(struct query *q, const char *name, const struct query_tag *tags, size_t n,
			  struct err *e);

/*
 * Write the form-encoded body (`a=1&b=2`, insertion order) to `out`, which is
 * reset first.  The ceiling is out->max: -E2BIG past it (out is then empty).
 */
int query_encode(const struct query *q, struct buf *out, struct err *e);

/* The value of the first pair called `name`, or NULL.  For tests and logs. */
const char *query_get(const struct query *q, const char *name);

/*
 * Append the RFC 3986 encoding of n bytes of s to out: unreserved bytes as
 * they are, '/' too when keep_slash, every other byte as `%XX` uppercase.
 * Shared with sigv4 (canonical URI and query).  -E2BIG / -ENOMEM from buf;
 * on error the buffer may hold a partial append (callers reset it).
 */
int query_pct_encode(struct buf *out, const char *s, size_t n, bool keep_slash);

#endif
