/* SPDX-License-Identifier: ISC */
/*
 * sigv4: AWS Signature Version 4 (AWS4-HMAC-SHA256), header mode.
 *
 * A pure function from (request, credentials, region, service, timestamp)
 * to the `Authorization` and `X-Amz-Date` header values.  Nothing here reads
 * the clock, the environment or the network, so every byte can be checked
 * against the published test vectors and against botocore.
 *
 * What gets signed, exactly:
 *   - the headers the caller lists (names lower-cased, values trimmed with
 *     runs of whitespace collapsed, repeated names joined with ',' in the
 *     order given, sorted by name);
 *   - `host: req->host` when req->host is set and no Host header is listed;
 *   - `x-amz-date` (always), `x-amz-security-token` when the credentials
 *     carry a token and omit_session_token is false, and
 *     `x-amz-content-sha256` when add_content_sha256 is set.
 * The caller must then send those same headers with those same values
 * (out->amz_date, the token, out->payload_hash) plus `Authorization`.
 * Passing `Authorization`, `X-Amz-Date`, `X-Amz-Security-Token` or
 * `X-Amz-Content-Sha256` in the header list is an error: the signer owns them.
 *
 * The payload hash is always the SHA-256 of the body bytes (EC2 and STS sign
 * the body; ec2-api.md §2).  The query string is percent-decoded, re-encoded
 * with the RFC 3986 unreserved set and sorted; the path is encoded once
 * (after dot-segment removal when normalize_path is set).
 *
 * Secrets: the secret key never leaves sigv4_sign().  The `"AWS4"+secret`
 * buffer and every derived key are wiped with OPENSSL_cleanse() before it
 * returns, on success and failure alike, and no error message contains a
 * secret, token or signature.  The one exception is the signing key kept
 * in a caller's struct sigv4_key_cache (sigv4_sign_cached()): it lives there
 * until sigv4_key_cache_clear() wipes it, is never logged, and is replaced
 * (the old one wiped) as soon as the secret or the scope changes.
 *
 * Pure and reentrant: safe on the event loop.
 */
#ifndef VPCESD_SIGV4_H
#define VPCESD_SIGV4_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "buf.h"
#include "err.h"

#define SIGV4_AMZ_DATE_LEN 16 /* "20150830T123600Z" */
#define SIGV4_HEX_LEN      64 /* SHA-256 / HMAC-SHA256 in lowercase hex */
#define SIGV4_MAX_HEADERS  64
/* Ceiling for the canonical request, string to sign and Authorization value. */
#define SIGV4_MAX_TEXT (1024 * 1024)

struct sigv4_header {
	const char *name;
	const char *value;
};

struct sigv4_creds {
	const char *access_key_id;     /* [A-Za-z0-9]{1,128} */
	const char *secret_access_key; /* 1–1024 bytes; never copied out */
	const char *session_token;     /* NULL or "" = long-term credentials */
	bool omit_session_token;       /* sign without the token (it is attached afterwards) */
};

struct sigv4_request {
	const char *method; /* "POST" */
	const char *host;   /* signed as `host` unless a Host header is listed; may be NULL */
	const char *path;   /* raw path, "/" for EC2; NULL or "" means "/" */
	const char *query;  /* raw query string without '?'; NULL or "" for none */
	const struct sigv4_header *headers; /* headers to sign, in send order */
	size_t n_headers;
	const void *body; /* exact bytes sent; may be NULL when body_len is 0 */
	size_t body_len;
	const char *region;      /* "us-east-1" */
	const char *service;     /* "ec2", "sts" */
	time_t timestamp;        /* signing time, UTC seconds; never read from the clock here */
	bool normalize_path;     /* remove "." / ".." segments and repeated slashes */
	bool add_content_sha256; /* also sign x-amz-content-sha256: <payload hash> */
};

/*
 * Results.  Initialise with sigv4_output_init(), free with sigv4_output_free().
 * sigv4_sign() replaces the contents on success and leaves them untouched on
 * failure.  canonical_request and string_to_sign are for tests and debugging
 * by hand: they contain no secret, but never log them in production (the
 * token is in the canonical request).
 */
struct sigv4_output {
	struct buf
		authorization; /* "AWS4-HMAC-SHA256 Credential=…, SignedHeaders=…, Signature=…" */
	char amz_date[SIGV4_AMZ_DATE_LEN + 1]; /* X-Amz-Date value */
	char payload_hash[SIGV4_HEX_LEN + 1];  /* hex SHA-256 of the body */
	char signature[SIGV4_HEX_LEN + 1];     /* also inside authorization */
	struct buf canonical_request;          /* filled when want_debug */
	struct buf string_to_sign;             /* filled when want_debug */
	bool want_debug;                       /* caller sets it to get the two texts above */
};

void sigv4_output_init(struct sigv4_output *out);

/* Free the buffers (wiping nothing secret: outputs hold no secret).  NULL-safe. */
void sigv4_output_free(struct sigv4_output *out);

/*
 * Sign `req` with `creds`.  Returns 0, or -EINVAL for malformed input
 * (bad names, control characters, missing fields, timestamp out of range,
 * invalid percent-escape in the query), -E2BIG past the ceilings, -ENOMEM,
 * -EIO if libcrypto fails; `e` says which input was wrong (never its
 * secret content).
 */
int sigv4_sign(const struct sigv4_request *req, const struct sigv4_creds *creds,
	       struct sigv4_output *out, struct err *e);

/*
 * The derived signing key (kSigning) of the last scope signed, so that
 * signing many requests with one secret on one day costs one HMAC each
 * instead of five.  Owned by the caller (one per client, not shared between
 * threads); sigv4_key_cache_init() it, sigv4_key_cache_clear() it when done
 * (wipes the key).  It stores no secret, only a SHA-256 identity of
 * (secret, date, region, service) to know whether the key still applies, so
 * rotated credentials or a new UTC day derive a new key by themselves.
 */
struct sigv4_key_cache {
	unsigned char key[32];      /* secret: kSigning */
	unsigned char identity[32]; /* SHA-256 of what the key was derived from */
	bool valid;
	unsigned long hits; /* signatures that reused the key (for tests) */
};

void sigv4_key_cache_init(struct sigv4_key_cache *kc);

/* Wipe the key with OPENSSL_cleanse() and forget it.  NULL-safe. */
void sigv4_key_cache_clear(struct sigv4_key_cache *kc);

/*
 * sigv4_sign() reusing the signing key in `kc` when it applies (and storing
 * the new one when not).  The output is byte-for-byte what sigv4_sign()
 * gives.  `kc` may be NULL (then it is sigv4_sign()).
 */
int sigv4_sign_cached(const struct sigv4_request *req, const struct sigv4_creds *creds,
		      struct sigv4_key_cache *kc, struct sigv4_output *out, struct err *e);

/* Format t (UTC) as "YYYYMMDDTHHMMSSZ" into out.  -EINVAL outside years 1970..9999. */
int sigv4_amz_date(time_t t, char out[SIGV4_AMZ_DATE_LEN + 1]);

#endif
