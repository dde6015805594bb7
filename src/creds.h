/* SPDX-License-Identifier: ISC */
/*
 * creds: AWS credentials as a value, and the pure pieces around them.
 *
 * Every provider (static keys, credential_process, web identity, AssumeRole,
 * ECS, IMDS) ends in a `struct creds`.  This module owns that value (copy and
 * wipe-on-free), the three JSON documents providers hand back, ISO-8601 time
 * stamps, and the refresh policy that decides when temporary credentials are
 * renewed.  Where they come from is creds_plan.h; how they are fetched and
 * cached is creds_provider.h.
 *
 * Secrets: the secret key and session token never appear in an error
 * message; messages name the provider, document and field.  creds_free()
 * overwrites them with OPENSSL_cleanse() before freeing.
 *
 * Pure: no I/O, no clock (callers pass `now`), no logging; safe on the event
 * loop.
 */
#ifndef VPCESD_CREDS_H
#define VPCESD_CREDS_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "err.h"

/* Refresh windows before Expiration (botocore's advisory / mandatory). */
#define CREDS_ADVISORY_SECS  (15 * 60)
#define CREDS_MANDATORY_SECS (10 * 60)

#define CREDS_JSON_MAX  (64 * 1024) /* bytes of a credential JSON document */
#define CREDS_FIELD_MAX 8192        /* bytes of one key, secret or token */

struct creds {
	char *access_key_id;     /* owned, never NULL in a valid value */
	char *secret_access_key; /* owned secret, never NULL in a valid value */
	char *session_token;     /* owned secret, NULL for long-term keys */
	time_t expiration;       /* 0: does not expire (static keys) */
	char *provider;          /* owned, human description for the log; may be NULL */
	char *account_id;        /* owned, NULL when unknown */
};

/* Wipe the secrets and free every field; leaves all fields zero.  NULL-safe. */
void creds_free(struct creds *c);

/* Deep copy of src into *ret (overwritten).  -ENOMEM; *ret untouched on failure. */
int creds_copy(struct creds *ret, const struct creds *src);

/*
 * Fill *ret from the given strings (copied).  `token`, `provider` and
 * `account_id` may be NULL.  The key and secret must be non-empty; all values
 * must be printable ASCII without blanks (they go into HTTP headers).
 * -EINVAL naming `what` (e.g. "environment") and the field; *ret untouched.
 */
int creds_set(struct creds *ret, const char *key_id, const char *secret, const char *token,
	      time_t expiration, const char *provider, const char *account_id, const char *what,
	      struct err *e);

/* Which JSON document a provider returned. */
enum creds_json_format {
	CREDS_JSON_PROCESS, /* credential_process: Version 1, AccessKeyId, SecretAccessKey,
	                       SessionToken?, Expiration? */
	CREDS_JSON_ECS,     /* container endpoint: AccessKeyId, SecretAccessKey, Token,
	                       Expiration, AccountId? */
	CREDS_JSON_IMDS,    /* IMDS: Code "Success", Type "AWS-HMAC", AccessKeyId,
	                       SecretAccessKey, Token, Expiration, LastUpdated? */
};

/*
 * Parse a credential document of `len` bytes (need not be NUL-terminated).
 * Strict: a JSON object, the required members present with the right types,
 * values printable, at most CREDS_JSON_MAX bytes.  `what` names the source in
 * messages ("credential_process", "ECS endpoint").  On success *ret is filled
 * (provider left NULL for the caller); on failure -EINVAL/-E2BIG/-ENOMEM and
 * *ret untouched.  No value ever appears in a message.
 */
int creds_parse_json(enum creds_json_format fmt, const char *text, size_t len, const char *what,
		     struct creds *ret, struct err *e);

/*
 * ISO-8601 / RFC 3339 date-time to seconds since the epoch:
 * `YYYY-MM-DDTHH:MM:SS[.frac](Z|+HH:MM|-HH:MM|+HHMM)` ('T'/'t'/' ', 'Z'/'z').
 * -EINVAL for anything else (fraction truncated).
 */
int creds_parse_time(const char *s, time_t *ret);

enum creds_freshness {
	CREDS_FRESH,     /* use as is */
	CREDS_ADVISORY,  /* use, but start a refresh in the background */
	CREDS_MANDATORY, /* refresh before use if at all possible */
	CREDS_EXPIRED,   /* unusable */
};

/* Where `c` stands at `now`: static credentials are always fresh. */
enum creds_freshness creds_freshness(const struct creds *c, time_t now);

/* True when the value holds at least an access key id and a secret. */
bool creds_valid(const struct creds *c);

#endif
