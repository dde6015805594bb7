/* SPDX-License-Identifier: ISC */
/*
 * scrub: secrets out of outside text.  See scrub.h for what is replaced.
 *
 * Two passes over a private copy: the known secrets first (anywhere, with
 * memmem(), linear in the text), then one left-to-right scan for the keys
 * that name a secret and for runs of base64 characters shaped like one.
 * Every known secret is at least as long as "[redacted]", so the first
 * pass works in place in the copy; the second writes into the caller's
 * buffer, cutting at its size.  The copy held the secrets: it is wiped.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/crypto.h>

#include "scrub.h"

#define REDACTED_LEN   (sizeof(SCRUB_REDACTED) - 1)
#define TOKEN_MIN      100 /* session tokens are hundreds of characters */
#define SECRET_KEY_LEN 40  /* every AWS secret access key */
#define SIGNATURE_LEN  64  /* hex SHA-256: SigV4 signatures and signing keys */

/* EC2's UnauthorizedOperation carries a base64 blob meant to be decoded, not hidden. */
static const char encoded_message[] = "authorization failure message: ";

/* The keys whose value is a secret; `to_eol`: the value runs to the end of the line. */
static const struct {
	const char *name;
	bool to_eol;
} secret_keys[] = {
	{"authorization", true},    {"secret_access_key", false},
	{"secretaccesskey", false}, {"sessiontoken", false},
	{"signature", false},       {"password", false},
	{"secret", false},          {"token", false},
};

#define N_ELEMENTS(a) (sizeof(a) / sizeof((a)[0]))

void
scrub_keys_init(struct scrub_keys *k)
{
	memset(k, 0, sizeof(*k));
}

bool
scrub_keys_add(struct scrub_keys *k, const char *secret, size_t n)
{
	if (secret == NULL || n < SCRUB_SECRET_MIN || k->n >= SCRUB_MAX_KEYS)
		return false;
	/* A "secret" inside our own marker would be replaced again on every pass. */
	if (n <= REDACTED_LEN && memmem(SCRUB_REDACTED, REDACTED_LEN, secret, n) != NULL)
		return false;
	k->v[k->n].p = secret;
	k->v[k->n].n = n;
	k->n++;
	return true;
}

bool
scrub_keys_add_str(struct scrub_keys *k, const char *secret)
{
	return secret != NULL && scrub_keys_add(k, secret, strlen(secret));
}

/* ---- pass 1: known secrets -------------------------------------------------- */

/*
 * Replace every occurrence of every key in buf[0..*len), longest keys
 * first (a token may contain a shorter secret by chance; the reverse
 * order would leave its rest).  In place: each key is at least as long
 * as the marker, so the write position never passes the read position.
 */
static void
replace_known(char *buf, size_t *len, const struct scrub_keys *k)
{
	size_t order[SCRUB_MAX_KEYS], n = *len;

	for (size_t i = 0; i < k->n; i++)
		order[i] = i;
	for (size_t i = 1; i < k->n; i++)
		for (size_t j = i; j > 0 && k->v[order[j]].n > k->v[order[j - 1]].n; j--) {
			size_t t = order[j];

			order[j] = order[j - 1];
			order[j - 1] = t;
		}
	for (size_t i = 0; i < k->n; i++) {
		const char *key = k->v[order[i]].p;
		size_t klen = k->v[order[i]].n, r = 0, w = 0;

		while (r < n) {
			char *hit = memmem(buf + r, n - r, key, klen);
			size_t upto = hit ? (size_t)(hit - buf) : n;

			memmove(buf + w, buf + r, upto - r);
			w += upto - r;
			r = upto;
			if (hit == NULL)
				break;
			memcpy(buf + w, SCRUB_REDACTED, REDACTED_LEN);
			w += REDACTED_LEN;
			r += klen;
		}
		/* What the compaction left behind may hold a secret's tail. */
		OPENSSL_cleanse(buf + w, n - w);
		n = w;
	}
	*len = n;
}

/* ---- pass 2: keys and shapes ---------------------------------------------------- */

struct out {
	char *p;
	size_t n, size; /* bytes written; capacity including the NUL */
};

static void
put(struct out *o, const char *s, size_t n)
{
	size_t room = o->size - 1 - o->n;

	if (n > room)
		n = room;
	memcpy(o->p + o->n, s, n);
	o->n += n;
}

static bool
is_alnum(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

static bool
is_b64(unsigned char c)
{
	return is_alnum(c) || c == '+' || c == '/';
}

static bool
is_marker(const char *t, size_t n, size_t i)
{
	return n - i >= REDACTED_LEN && memcmp(t + i, SCRUB_REDACTED, REDACTED_LEN) == 0;
}

/* Where an unquoted value ends. */
static bool
ends_value(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '"' || c == '\'' ||
	       c == '<' || c == '>' || c == '&' || c == ',' || c == ';' || c == ')';
}

/*
 * A key naming a secret at t[i] (a word start): set *vstart and *vend to its
 * value and return true.  The forms: key: v, key=v, "key": "v", 'key'='v',
 * <key>v<.
 */
static bool
key_value(const char *t, size_t n, size_t i, size_t *vstart, size_t *vend)
{
	for (size_t kk = 0; kk < N_ELEMENTS(secret_keys); kk++) {
		size_t klen = strlen(secret_keys[kk].name), j = i + klen, e;
		char quote = 0;
		bool xml;

		if (n - i < klen || strncasecmp(t + i, secret_keys[kk].name, klen) != 0)
			continue;
		xml = i > 0 && t[i - 1] == '<' && j < n && t[j] == '>';
		if (xml) {
			j++;
		} else {
			if (j < n && (t[j] == '"' || t[j] == '\''))
				j++;
			while (j < n && (t[j] == ' ' || t[j] == '\t'))
				j++;
			if (j >= n || (t[j] != ':' && t[j] != '='))
				continue;
			j++;
			while (j < n && (t[j] == ' ' || t[j] == '\t'))
				j++;
			if (j < n && (t[j] == '"' || t[j] == '\''))
				quote = t[j++];
		}
		for (e = j; e < n; e++) {
			unsigned char c = (unsigned char)t[e];

			/* An element's text: to its end tag, and never prose ("<Token> must…"). */
			if (quote ? c == (unsigned char)quote || c == '\n' || c == '\r'
			    : xml ? c == '<' || c == ' ' || c == '\t' || c == '\n' || c == '\r'
			    : secret_keys[kk].to_eol ? c == '\n' || c == '\r' || c == '<'
						     : ends_value(c))
				break;
		}
		*vstart = j;
		*vend = e;
		return true;
	}
	return false;
}

/* run (len bytes, core of them before the '=' padding) begins or ends a known secret. */
static bool
known_fragment(const char *run, size_t len, size_t core, const struct scrub_keys *k)
{
	if (core < SCRUB_SECRET_MIN)
		return false;
	for (size_t i = 0; i < k->n; i++) {
		const char *key = k->v[i].p;
		size_t klen = k->v[i].n;

		if (core <= klen && memcmp(run, key, core) == 0)
			return true;
		if (len <= klen && memcmp(run, key + klen - len, len) == 0)
			return true;
	}
	return false;
}

/*
 * Shaped like an AWS secret key, a session token or a signature; `strict`:
 * or any long enough run of mixed letters and digits.
 */
static bool
secret_shaped(const char *run, size_t core, bool strict)
{
	bool upper = false, lower = false, digit = false, other = false, hex = true;

	if (core >= TOKEN_MIN)
		return true;
	if (core != SECRET_KEY_LEN && core != SIGNATURE_LEN &&
	    !(strict && core >= SCRUB_STRICT_MIN))
		return false;
	for (size_t i = 0; i < core; i++) {
		unsigned char c = (unsigned char)run[i];

		upper |= c >= 'A' && c <= 'Z';
		lower |= c >= 'a' && c <= 'z';
		digit |= c >= '0' && c <= '9';
		other |= (c >= '0' && c <= '9') || c == '+' || c == '/';
		hex &= (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
	}
	if (core == SIGNATURE_LEN && hex)
		return true;
	if (strict && core >= SCRUB_STRICT_MIN && upper && lower && digit)
		return true;
	return core == SECRET_KEY_LEN && upper && lower && other;
}

/*
 * What was written so far ends with EC2's "Encoded authorization failure
 * message: ".  Judged on the output, not the input: the words before may
 * have been scrubbed themselves, and scrubbing again must decide alike.
 */
static bool
after_encoded_message(const struct out *o)
{
	size_t m = sizeof(encoded_message) - 1;

	return o->n >= m && strncasecmp(o->p + o->n - m, encoded_message, m) == 0;
}

static void
scan(struct out *o, const char *t, size_t n, const struct scrub_keys *k)
{
	size_t i = 0;

	while (i < n && o->n + 1 < o->size) {
		unsigned char c = (unsigned char)t[i];
		size_t vs, ve, j, core;

		if (c == '[' && is_marker(t, n, i)) {
			put(o, t + i, REDACTED_LEN);
			i += REDACTED_LEN;
			continue;
		}
		if (is_alnum(c) && (i == 0 || !is_alnum((unsigned char)t[i - 1])) &&
		    key_value(t, n, i, &vs, &ve)) {
			put(o, t + i, vs - i);
			if (ve > vs && is_marker(t, n, vs))
				ve = vs + REDACTED_LEN;
			if (ve > vs)
				put(o, SCRUB_REDACTED, REDACTED_LEN);
			i = ve;
			continue;
		}
		if (!is_b64(c)) {
			put(o, t + i, 1);
			i++;
			continue;
		}
		for (j = i; j < n && is_b64((unsigned char)t[j]); j++)
			;
		core = j - i;
		while (j < n && t[j] == '=' && j - i - core < 2)
			j++;
		if (known_fragment(t + i, j - i, core, k) ||
		    (secret_shaped(t + i, core, k->strict) && !after_encoded_message(o)))
			put(o, SCRUB_REDACTED, REDACTED_LEN);
		else
			put(o, t + i, j - i);
		i = j;
	}
	o->p[o->n] = '\0';
}

size_t
scrub(char *out, size_t size, const char *in, size_t len, const struct scrub_keys *k)
{
	static const struct scrub_keys none;
	struct out o = {out, 0, size};
	char *copy;

	if (size == 0)
		return 0;
	if (k == NULL)
		k = &none;
	if (len > SCRUB_TEXT_MAX)
		len = SCRUB_TEXT_MAX;
	len = strnlen(in, len);
	copy = malloc(len + 1);
	if (copy == NULL) {
		/* Fail closed: nothing of the text rather than maybe a secret. */
		put(&o, SCRUB_REDACTED, REDACTED_LEN);
		out[o.n] = '\0';
		return o.n;
	}
	memcpy(copy, in, len);
	copy[len] = '\0';
	replace_known(copy, &len, k);
	scan(&o, copy, len, k);
	OPENSSL_cleanse(copy, len);
	free(copy);
	return o.n;
}

void
scrub_string(char *s, size_t size, const struct scrub_keys *k)
{
	if (s == NULL || size == 0)
		return;
	scrub(s, size, s, size, k);
}
