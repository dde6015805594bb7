/* SPDX-License-Identifier: ISC */
/*
 * creds_sso: the documents of AWS IAM Identity Center (SSO) credentials,
 * as values.
 *
 * `aws sso login` leaves an access token in ~/.aws/sso/cache/<sha1>.json;
 * the SSO OIDC service's CreateToken (refresh grant) renews it; the SSO
 * portal's GetRoleCredentials turns it into role credentials.  This module
 * owns the three JSON documents involved and the cache file's name: parse
 * the cache file, write it back with a renewed token, parse the two
 * answers.  The provider that does the I/O (files, HTTP, the refresh
 * policy) is creds_provider_new_sso() in creds_net.h.
 *
 * Every string here but the URLs and names is a secret: the access token,
 * the refresh token, the client secret (and the client id, treated alike);
 * creds_sso_token_free() wipes them and no message quotes a value: they
 * name the document (`what`), the member and what is wrong with it.
 *
 * Pure: no I/O, no clock (callers pass `now` where it matters), no
 * logging; safe on the event loop, and fuzzed (tests/fuzz/fuzz-creds-json.c).
 */
#ifndef VPCESD_CREDS_SSO_H
#define VPCESD_CREDS_SSO_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "creds.h"
#include "err.h"

/* botocore's SSOTokenProvider._REFRESH_WINDOW: a token this close to its end is renewed. */
#define CREDS_SSO_REFRESH_WINDOW (15 * 60)
#define CREDS_SSO_CACHE_MAX      (64 * 1024) /* bytes of a token cache file */
#define CREDS_SSO_ANSWER_MAX     (64 * 1024) /* bytes of a portal or OIDC answer */
#define CREDS_SHA1_HEX_SIZE      41

/* The token cache file, as `aws sso login` (botocore's SSOTokenLoader) writes it. */
struct creds_sso_token {
	char *access_token;          /* accessToken, secret, never NULL in a valid value */
	time_t expires_at;           /* expiresAt */
	char *refresh_token;         /* refreshToken, secret, may be NULL */
	char *client_id;             /* clientId, may be NULL */
	char *client_secret;         /* clientSecret, secret, may be NULL */
	time_t registration_expires; /* registrationExpiresAt, 0 when absent */
	char *region;                /* region, may be NULL (not used, kept for messages) */
	char *start_url;             /* startUrl, may be NULL */
};

/*
 * The SHA-1 of the NUL-terminated `s` in lower-case hex: the cache file's
 * name without ".json" (of the sso-session name, or of the start URL in
 * the legacy form).  0, or -EIO when libcrypto fails.
 */
int creds_sha1_hex(const char *s, char out[CREDS_SHA1_HEX_SIZE]);

/*
 * Parse a cache file of `len` bytes (need not be NUL-terminated).  A JSON
 * object of at most CREDS_SSO_CACHE_MAX bytes with a non-empty string
 * accessToken and an RFC 3339 expiresAt ("Z", a numeric offset, or the
 * "UTC" suffix older CLI versions wrote); refreshToken, clientId,
 * clientSecret, region, startUrl strings and registrationExpiresAt a time
 * when present; other members are ignored.  -EINVAL / -E2BIG / -ENOMEM
 * with `e` naming `what` and the member; *ret untouched then.  On success
 * free *ret with creds_sso_token_free().
 */
int creds_sso_token_parse(const char *text, size_t len, const char *what,
			  struct creds_sso_token *ret, struct err *e);

/* Wipe the secrets and free every member; leaves it zeroed.  NULL-safe. */
void creds_sso_token_free(struct creds_sso_token *t);

/*
 * True when `t` can be renewed at `now` (botocore's _refresh_access_token):
 * it has a refresh token, a client id and secret, and a registration that
 * has not expired.
 */
bool creds_sso_token_refreshable(const struct creds_sso_token *t, time_t now);

/*
 * The cache file `old` (len bytes, a document creds_sso_token_parse()
 * accepted) with accessToken, expiresAt and, when `refresh_token` is not
 * NULL, refreshToken replaced; every other member is kept as it was (the
 * CLI's registration, the start URL).  *ret a new NUL-terminated document
 * (the caller wipes and frees it: secret_free()), *ret_len its length.
 * -EINVAL, -ENOMEM; outputs untouched then.
 */
int creds_sso_token_renewed(const char *old, size_t len, const char *access_token,
			    time_t expires_at, const char *refresh_token, char **ret,
			    size_t *ret_len, struct err *e);

/*
 * SSO OIDC CreateToken's answer: {"accessToken": S, "expiresIn": N,
 * "refreshToken": S?, "tokenType": S?, ...}.  *ret_access and *ret_refresh
 * (NULL when absent) are new secrets the caller wipes and frees;
 * *ret_expires_in seconds, 1..(10 years).  -EINVAL, -E2BIG, -ENOMEM; outputs
 * untouched then.
 */
int creds_sso_parse_create_token(const char *text, size_t len, const char *what, char **ret_access,
				 long *ret_expires_in, char **ret_refresh, struct err *e);

/*
 * The portal's GetRoleCredentials answer: {"roleCredentials":
 * {"accessKeyId", "secretAccessKey", "sessionToken", "expiration" (epoch
 * milliseconds)}} into *ret (provider left NULL, account_id NULL).
 * -EINVAL, -E2BIG, -ENOMEM; *ret untouched then.
 */
int creds_sso_parse_role_credentials(const char *text, size_t len, const char *what,
				     struct creds *ret, struct err *e);

/*
 * The `message` (or `Message`) of an SSO or OIDC error answer, and its
 * error type (`__type`, `error`, or the x-amzn-ErrorType header the caller
 * passes), into out (n bytes) as "Type: message" (either may be missing);
 * "" when the body says nothing of the kind.  The caller scrubs it (it is
 * the server's text).  Pure, never fails.
 */
void creds_sso_error_text(const char *text, size_t len, const char *header_type, char *out,
			  size_t n);

#endif
