/* SPDX-License-Identifier: ISC */
/*
 * scrub: text from outside, with the secrets taken out, before it goes into
 * a message.
 *
 * vpcesd quotes what others say: EC2's and STS's error messages, a
 * credential_process helper's stderr, libcurl's and libxml2's reasons.  A
 * hostile or careless peer (a proxy echoing the request headers, an STS
 * clone quoting the request, a helper that prints its credentials) can put
 * our secrets into that text, and from there into the journal and the
 * world-readable status file.  Every place where such text enters a message
 * passes it through here with the secrets it knows at that moment.
 *
 * What is replaced with "[redacted]":
 *  - every occurrence of a known secret (secret access key, session token,
 *    web identity or metadata token, signature: whatever the caller holds;
 *    the access key id is not a secret and is not passed), and a run that
 *    is the beginning or the end of one (what an earlier truncation left);
 *  - anything shaped like a secret, known or not:
 *      a run of exactly 40 base64 characters ([A-Za-z0-9/+], then '='
 *      padding) with upper and lower case letters and a digit, '/' or '+':
 *      an AWS secret access key;
 *      a run of 100 or more: a session token (or a JWT's body);
 *      64 lower-case hex digits: a SigV4 signature or signing key;
 *  - the value after a key that names a secret, in the forms `key: value`,
 *    `key=value`, `"key": "value"` and `<key>value<`, case-insensitive, at
 *    a word start: authorization (to the end of the line: it is an
 *    Authorization header), signature (X-Amz-Signature), token
 *    (X-Amz-Security-Token, aws_session_token, X-aws-ec2-metadata-token),
 *    sessiontoken, secret, secretaccesskey, secret_access_key
 *    (aws_secret_access_key lines), password.
 *
 * With `strict` set in the keys, also every run of SCRUB_STRICT_MIN or more
 * base64 characters mixing upper case, lower case and digits: for text
 * that is about credentials (a credential_process helper's stderr), where
 * a secret of an unusual length, unknown to vpcesd, is likelier than a
 * word of that kind.  Access key ids (upper case and digits) stay.
 *
 * Runs are cut at every character outside the base64 alphabet, so ids
 * (vpce-svc-0123456789abcdef0), ARNs, request ids (UUIDs) and API action
 * names stay readable; the one long base64 blob EC2 sends on purpose, the
 * "Encoded authorization failure message: …" of UnauthorizedOperation, is
 * kept for `aws sts decode-authorization-message` (known secrets are
 * removed from it all the same).
 *
 * Known secrets shorter than SCRUB_SECRET_MIN are not credible and would
 * shred ordinary words: they are not matched (nor are shorter fragments).
 * Scrubbing is idempotent and takes time linear in the input (at most
 * SCRUB_TEXT_MAX bytes are read) times the number of known secrets; only a
 * key's value shorter than "[redacted]" makes the text longer, and the
 * result is cut to the caller's buffer.
 *
 * Pure: no I/O, no logging; allocates one temporary copy per call.
 */
#ifndef VPCESD_SCRUB_H
#define VPCESD_SCRUB_H

#include <stdbool.h>
#include <stddef.h>

#define SCRUB_REDACTED   "[redacted]"
#define SCRUB_MAX_KEYS   8
#define SCRUB_SECRET_MIN 10                /* known secrets shorter than this are not matched */
#define SCRUB_TEXT_MAX   ((size_t)1 << 16) /* bytes of input read; the rest is dropped */
#define SCRUB_STRICT_MIN 20                /* run length of the strict shape */

/* The secrets known to the caller, borrowed (not copied: nothing to wipe here). */
struct scrub_keys {
	struct {
		const char *p;
		size_t n;
	} v[SCRUB_MAX_KEYS];
	size_t n;
	bool strict; /* the text is about credentials: see above */
};

/* No keys: shapes only. */
void scrub_keys_init(struct scrub_keys *k);

/*
 * Add a known secret of `n` bytes (borrowed: it must outlive the scrubbing).
 * NULL, shorter than SCRUB_SECRET_MIN, part of "[redacted]" itself, or no
 * room left: ignored, and false returned.
 */
bool scrub_keys_add(struct scrub_keys *k, const char *secret, size_t n);

/* scrub_keys_add() of a NUL-terminated string (NULL ignored). */
bool scrub_keys_add_str(struct scrub_keys *k, const char *secret);

/*
 * Scrub the `len` bytes at `in` into `out` (`size` ≥ 1 bytes, always
 * NUL-terminated, the end cut off when it does not fit).  `in` may be `out`
 * itself.  NUL bytes in the input end it.  Returns strlen(out).  Without
 * memory for the temporary copy, `out` is "[redacted]" (or as much as fits).
 */
size_t scrub(char *out, size_t size, const char *in, size_t len, const struct scrub_keys *k);

/* Scrub the NUL-terminated string `s`, which lives in a buffer of `size` bytes, in place. */
void scrub_string(char *s, size_t size, const struct scrub_keys *k);

#endif
