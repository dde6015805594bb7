/* SPDX-License-Identifier: ISC */
/*
 * sigv4: AWS Signature Version 4 signer.  See sigv4.h.
 *
 * Why hand-written rather than borrowed from libcurl's CURLOPT_AWS_SIGV4:
 * the EC2 client needs the signature computed from exact body bytes with an
 * injected timestamp (testable against vectors and botocore), the session
 * token signed as a header, and the key material wiped afterwards; curl's
 * built-in signer offers none of that control.
 *
 * The work is the canonical request (RFC 3986 encoding, header
 * canonicalisation, sorted query), then the HMAC chain.  All intermediate
 * text lives in bounded buffers; the outputs are swapped in only at the end
 * so a failure leaves the caller's output untouched.
 */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "query.h"
#include "sigv4.h"

#define SIGV4_ALGORITHM   "AWS4-HMAC-SHA256"
#define SIGV4_SECRET_MAX  1024
#define SIGV4_TOKEN_MAX   16384
#define SIGV4_NAME_MAX    128
#define SIGV4_QUERY_PAIRS 4096

/* One header to sign after lower-casing; `order` keeps duplicates in send order. */
struct sigv4_hdr {
	char name[SIGV4_NAME_MAX + 1];
	const char *value;
	size_t order;
};

/* One query pair, already re-encoded. */
struct sigv4_pair {
	char *key;
	char *value;
};

void
sigv4_output_init(struct sigv4_output *out)
{
	buf_init(&out->authorization, SIGV4_MAX_TEXT);
	buf_init(&out->canonical_request, SIGV4_MAX_TEXT);
	buf_init(&out->string_to_sign, SIGV4_MAX_TEXT);
	out->amz_date[0] = '\0';
	out->payload_hash[0] = '\0';
	out->signature[0] = '\0';
	out->want_debug = false;
}

void
sigv4_output_free(struct sigv4_output *out)
{
	if (out == NULL)
		return;
	buf_free(&out->authorization);
	buf_free(&out->canonical_request);
	buf_free(&out->string_to_sign);
}

int
sigv4_amz_date(time_t t, char out[SIGV4_AMZ_DATE_LEN + 1])
{
	struct tm tm;

	if (gmtime_r(&t, &tm) == NULL || tm.tm_year < 70 || tm.tm_year > 9999 - 1900)
		return -EINVAL;
	if (strftime(out, SIGV4_AMZ_DATE_LEN + 1, "%Y%m%dT%H%M%SZ", &tm) != SIGV4_AMZ_DATE_LEN)
		return -EINVAL;
	return 0;
}

static void
sigv4_hex(const unsigned char *md, size_t n, char *out)
{
	static const char hex[] = "0123456789abcdef";

	for (size_t i = 0; i < n; i++) {
		out[2 * i] = hex[md[i] >> 4];
		out[2 * i + 1] = hex[md[i] & 0x0f];
	}
	out[2 * n] = '\0';
}

static int
sigv4_sha256_hex(const void *p, size_t n, char out[SIGV4_HEX_LEN + 1])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int len = 0;

	if (EVP_Digest(p, n, md, &len, EVP_sha256(), NULL) != 1 || len != 32)
		return -EIO;
	sigv4_hex(md, 32, out);
	return 0;
}

/* out = HMAC-SHA256(key, msg); out must hold 32 bytes. */
static int
sigv4_hmac(const void *key, size_t key_len, const void *msg, size_t msg_len, unsigned char *out)
{
	unsigned int len = 0;

	if (HMAC(EVP_sha256(), key, (int)key_len, msg, msg_len, out, &len) == NULL || len != 32)
		return -EIO;
	return 0;
}

static bool
sigv4_is_token_char(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       (c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

/* True when s is 1..max bytes, all of them in `set` or alphanumeric per `alnum`. */
static bool
sigv4_valid_word(const char *s, size_t max, bool lower_only, const char *extra)
{
	size_t n;

	if (s == NULL)
		return false;
	n = strlen(s);
	if (n == 0 || n > max)
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))
			continue;
		if (!lower_only && c >= 'A' && c <= 'Z')
			continue;
		if (extra != NULL && c != '\0' && strchr(extra, c) != NULL)
			continue;
		return false;
	}
	return true;
}

/* Printable ASCII (and tab for header values); no CR/LF, so no header injection. */
static bool
sigv4_valid_text(const char *s, bool allow_tab)
{
	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == 0x7f || (c < 0x20 && !(allow_tab && c == '\t')))
			return false;
	}
	return true;
}

static int
sigv4_check_inputs(const struct sigv4_request *req, const struct sigv4_creds *cr, struct err *e)
{
	size_t n;

	if (!sigv4_valid_word(req->method, 16, false, NULL))
		return err_set(e, -EINVAL, "sigv4: invalid HTTP method");
	if (!sigv4_valid_word(req->region, 64, true, "-"))
		return err_set(e, -EINVAL, "sigv4: invalid region");
	if (!sigv4_valid_word(req->service, 64, true, "-"))
		return err_set(e, -EINVAL, "sigv4: invalid service name");
	if (req->host != NULL && (req->host[0] == '\0' || !sigv4_valid_text(req->host, false)))
		return err_set(e, -EINVAL, "sigv4: invalid host");
	if (req->body == NULL && req->body_len > 0)
		return err_set(e, -EINVAL, "sigv4: body length without body");
	if (req->n_headers > SIGV4_MAX_HEADERS)
		return err_set(e, -E2BIG, "sigv4: more than %d headers", SIGV4_MAX_HEADERS);
	if (cr == NULL || !sigv4_valid_word(cr->access_key_id, 128, false, NULL))
		return err_set(e, -EINVAL, "sigv4: invalid access key id");
	if (cr->secret_access_key == NULL)
		return err_set(e, -EINVAL, "sigv4: missing secret access key");
	n = strlen(cr->secret_access_key);
	if (n == 0 || n > SIGV4_SECRET_MAX)
		return err_set(e, -EINVAL, "sigv4: secret access key length out of range");
	if (cr->session_token != NULL && cr->session_token[0] != '\0' &&
	    (strlen(cr->session_token) > SIGV4_TOKEN_MAX ||
	     !sigv4_valid_text(cr->session_token, false) || strchr(cr->session_token, ' ')))
		return err_set(e, -EINVAL, "sigv4: malformed session token");
	return 0;
}

static int
sigv4_hdr_cmp(const void *a, const void *b)
{
	const struct sigv4_hdr *x = a, *y = b;
	int c = strcmp(x->name, y->name);

	if (c != 0)
		return c;
	return x->order < y->order ? -1 : x->order > y->order;
}

/* Add one header to the table, lower-casing its name. */
static int
sigv4_hdr_add(struct sigv4_hdr *h, size_t *n, const char *name, const char *value, struct err *e)
{
	size_t len = strlen(name);

	if (len == 0 || len > SIGV4_NAME_MAX)
		return err_set(e, -EINVAL, "sigv4: header name empty or too long");
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)name[i];

		if (!sigv4_is_token_char(c))
			return err_set(e, -EINVAL, "sigv4: invalid header name");
		h[*n].name[i] = (char)(c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c);
	}
	h[*n].name[len] = '\0';
	if (value == NULL || !sigv4_valid_text(value, true))
		return err_set(e, -EINVAL, "sigv4: invalid value for header %s", h[*n].name);
	h[*n].value = value;
	h[*n].order = *n;
	(*n)++;
	return 0;
}

/* Append value with leading/trailing blanks removed and inner runs collapsed to one space. */
static int
sigv4_put_trimmed(struct buf *b, const char *v)
{
	bool pending_space = false, started = false;
	int r = 0;

	for (; r == 0 && *v != '\0'; v++) {
		if (*v == ' ' || *v == '\t') {
			pending_space = started;
			continue;
		}
		if (pending_space)
			r = buf_append(b, " ", 1);
		if (r == 0)
			r = buf_append(b, v, 1);
		pending_space = false;
		started = true;
	}
	return r;
}

/*
 * Canonical headers block and signed-header list.  The signer's own headers
 * are added here; callers may not pass them (they would be signed twice).
 */
static int
sigv4_headers(const struct sigv4_request *req, const struct sigv4_creds *cr, const char *amz_date,
	      const char *payload_hash, struct buf *canon, struct buf *signed_hdrs, struct err *e)
{
	static const char *const reserved[] = {"authorization", "x-amz-date",
					       "x-amz-security-token", "x-amz-content-sha256"};
	struct sigv4_hdr *h;
	size_t n = 0;
	bool have_host = false;
	int r = 0;

	h = calloc(req->n_headers + 4, sizeof(*h));
	if (h == NULL)
		return err_set(e, -ENOMEM, "sigv4: out of memory");
	for (size_t i = 0; r == 0 && i < req->n_headers; i++) {
		if (req->headers[i].name == NULL) {
			r = err_set(e, -EINVAL, "sigv4: header without a name");
			break;
		}
		r = sigv4_hdr_add(h, &n, req->headers[i].name, req->headers[i].value, e);
		if (r < 0)
			break;
		for (size_t k = 0; k < sizeof(reserved) / sizeof(reserved[0]); k++)
			if (strcmp(h[n - 1].name, reserved[k]) == 0)
				r = err_set(e, -EINVAL, "sigv4: header %s is set by the signer",
					    reserved[k]);
		if (strcmp(h[n - 1].name, "host") == 0)
			have_host = true;
	}
	if (r == 0 && !have_host) {
		if (req->host == NULL)
			r = err_set(e, -EINVAL, "sigv4: no host to sign");
		else
			r = sigv4_hdr_add(h, &n, "host", req->host, e);
	}
	if (r == 0)
		r = sigv4_hdr_add(h, &n, "x-amz-date", amz_date, e);
	if (r == 0 && cr->session_token != NULL && cr->session_token[0] != '\0' &&
	    !cr->omit_session_token)
		r = sigv4_hdr_add(h, &n, "x-amz-security-token", cr->session_token, e);
	if (r == 0 && req->add_content_sha256)
		r = sigv4_hdr_add(h, &n, "x-amz-content-sha256", payload_hash, e);
	if (r < 0)
		goto out;

	qsort(h, n, sizeof(*h), sigv4_hdr_cmp);
	for (size_t i = 0; r == 0 && i < n; i++) {
		bool first = i == 0 || strcmp(h[i - 1].name, h[i].name) != 0;
		bool last = i + 1 == n || strcmp(h[i + 1].name, h[i].name) != 0;

		if (first) {
			if (signed_hdrs->len > 0)
				r = buf_append(signed_hdrs, ";", 1);
			if (r == 0)
				r = buf_puts(signed_hdrs, h[i].name);
			if (r == 0)
				r = buf_puts(canon, h[i].name);
			if (r == 0)
				r = buf_append(canon, ":", 1);
		} else {
			r = buf_append(canon, ",", 1);
		}
		if (r == 0)
			r = sigv4_put_trimmed(canon, h[i].value);
		if (r == 0 && last)
			r = buf_append(canon, "\n", 1);
	}
	if (r < 0)
		r = err_set(e, r, "sigv4: canonical headers too large");
out:
	free(h);
	return r;
}

static int
sigv4_hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Percent-decode s[0..n) and re-encode it into a new malloc'd string. */
static int
sigv4_reencode(const char *s, size_t n, char **ret)
{
	struct buf dec, enc;
	int r = 0;

	buf_init(&dec, SIGV4_MAX_TEXT);
	buf_init(&enc, SIGV4_MAX_TEXT);
	for (size_t i = 0; r == 0 && i < n; i++) {
		char c = s[i];

		if (c == '%') {
			int hi = i + 2 < n ? sigv4_hexval(s[i + 1]) : -1;
			int lo = i + 2 < n ? sigv4_hexval(s[i + 2]) : -1;

			if (hi < 0 || lo < 0) {
				r = -EINVAL;
				break;
			}
			c = (char)(hi << 4 | lo);
			i += 2;
		}
		r = buf_append(&dec, &c, 1);
	}
	if (r == 0)
		r = query_pct_encode(&enc, buf_str(&dec), dec.len, false);
	if (r == 0) {
		*ret = buf_steal(&enc);
		if (*ret == NULL)
			r = -ENOMEM;
	}
	buf_free(&dec);
	buf_free(&enc);
	return r;
}

static int
sigv4_pair_cmp(const void *a, const void *b)
{
	const struct sigv4_pair *x = a, *y = b;
	int c = strcmp(x->key, y->key);

	return c != 0 ? c : strcmp(x->value, y->value);
}

/* Canonical query string: decode, re-encode, sort by key then value. */
static int
sigv4_query(const char *query, struct buf *out, struct err *e)
{
	struct sigv4_pair *p = NULL;
	size_t n = 0, cap = 0;
	const char *s = query;
	int r = 0;

	if (query == NULL || query[0] == '\0')
		return 0;
	while (r == 0) {
		const char *amp = strchr(s, '&');
		size_t len = amp ? (size_t)(amp - s) : strlen(s);
		const char *eq = memchr(s, '=', len);
		size_t klen = eq ? (size_t)(eq - s) : len;

		if (len > 0) {
			if (n == cap) {
				struct sigv4_pair *np;

				cap = cap ? cap * 2 : 16;
				if (cap > SIGV4_QUERY_PAIRS) {
					r = err_set(e, -E2BIG, "sigv4: too many query parameters");
					break;
				}
				np = realloc(p, cap * sizeof(*p));
				if (np == NULL) {
					r = err_set(e, -ENOMEM, "sigv4: out of memory");
					break;
				}
				p = np;
			}
			p[n].key = p[n].value = NULL;
			n++;
			r = sigv4_reencode(s, klen, &p[n - 1].key);
			if (r == 0)
				r = sigv4_reencode(eq ? eq + 1 : s + len, eq ? len - klen - 1 : 0,
						   &p[n - 1].value);
			if (r == -EINVAL)
				r = err_set(e, r, "sigv4: invalid percent-escape in query string");
			else if (r < 0)
				r = err_set(e, r, "sigv4: query string too large");
		}
		if (amp == NULL)
			break;
		s = amp + 1;
	}
	if (r == 0) {
		qsort(p, n, sizeof(*p), sigv4_pair_cmp);
		for (size_t i = 0; r == 0 && i < n; i++) {
			if (i > 0)
				r = buf_append(out, "&", 1);
			if (r == 0)
				r = buf_puts(out, p[i].key);
			if (r == 0)
				r = buf_append(out, "=", 1);
			if (r == 0)
				r = buf_puts(out, p[i].value);
		}
		if (r < 0)
			r = err_set(e, r, "sigv4: canonical query too large");
	}
	for (size_t i = 0; i < n; i++) {
		free(p[i].key);
		free(p[i].value);
	}
	free(p);
	return r;
}

/*
 * Canonical URI.  With normalisation, "." segments and empty segments are
 * dropped and ".." removes the previous segment (RFC 3986 §5.2.4 plus slash
 * collapsing, as the SigV4 vectors expect); a trailing slash survives.
 */
static int
sigv4_path(const char *path, bool normalize, struct buf *out, struct err *e)
{
	struct buf tmp;
	size_t *starts = NULL, nseg = 0, len;
	int r = 0;

	if (path == NULL || path[0] == '\0')
		path = "/";
	if (path[0] != '/' || !sigv4_valid_text(path, false))
		return err_set(e, -EINVAL,
			       "sigv4: path must start with '/' and hold no control bytes");
	len = strlen(path);
	if (!normalize) {
		r = query_pct_encode(out, path, len, true);
		return r < 0 ? err_set(e, r, "sigv4: path too long") : 0;
	}
	buf_init(&tmp, SIGV4_MAX_TEXT);
	starts = calloc(len + 1, sizeof(*starts));
	if (starts == NULL)
		return err_set(e, -ENOMEM, "sigv4: out of memory");
	/* tmp holds "/seg1/seg2"; starts[i] is where "/seg(i+1)" begins. */
	for (size_t i = 0; r == 0 && i < len;) {
		size_t j = i + 1, seglen;

		while (j < len && path[j] != '/')
			j++;
		seglen = j - i - 1;
		if (seglen == 0 || (seglen == 1 && path[i + 1] == '.')) {
			/* empty or "." */
		} else if (seglen == 2 && path[i + 1] == '.' && path[i + 2] == '.') {
			if (nseg > 0) {
				nseg--;
				tmp.len = starts[nseg];
				tmp.data[tmp.len] = '\0';
			}
		} else {
			starts[nseg++] = tmp.len;
			r = buf_append(&tmp, path + i, j - i);
		}
		i = j;
	}
	if (r == 0 && nseg > 0 &&
	    (path[len - 1] == '/' || (len >= 2 && strcmp(path + len - 2, "/.") == 0) ||
	     (len >= 3 && strcmp(path + len - 3, "/..") == 0)))
		r = buf_append(&tmp, "/", 1);
	if (r == 0 && tmp.len == 0)
		r = buf_append(&tmp, "/", 1);
	if (r == 0)
		r = query_pct_encode(out, buf_str(&tmp), tmp.len, true);
	if (r < 0)
		r = err_set(e, r, "sigv4: path too long");
	free(starts);
	buf_free(&tmp);
	return r;
}

/*
 * kSigning = HMAC chain of ec2-api.md §2 over (secret, date, region,
 * service).  Every intermediate key is wiped before returning; `key` is
 * wiped too on failure.
 */
static int
sigv4_derive_key(const struct sigv4_creds *cr, const char *date8, const char *region,
		 const char *service, unsigned char key[32])
{
	unsigned char secret[4 + SIGV4_SECRET_MAX];
	unsigned char k1[32], k2[32], k3[32];
	size_t slen = strlen(cr->secret_access_key);
	int r;

	memcpy(secret, "AWS4", 4);
	memcpy(secret + 4, cr->secret_access_key, slen);
	r = sigv4_hmac(secret, 4 + slen, date8, 8, k1);
	if (r == 0)
		r = sigv4_hmac(k1, 32, region, strlen(region), k2);
	if (r == 0)
		r = sigv4_hmac(k2, 32, service, strlen(service), k3);
	if (r == 0)
		r = sigv4_hmac(k3, 32, "aws4_request", 12, key);
	if (r < 0)
		OPENSSL_cleanse(key, 32);
	OPENSSL_cleanse(secret, sizeof(secret));
	OPENSSL_cleanse(k1, sizeof(k1));
	OPENSSL_cleanse(k2, sizeof(k2));
	OPENSSL_cleanse(k3, sizeof(k3));
	return r;
}

void
sigv4_key_cache_init(struct sigv4_key_cache *kc)
{
	memset(kc, 0, sizeof(*kc));
}

void
sigv4_key_cache_clear(struct sigv4_key_cache *kc)
{
	if (kc)
		OPENSSL_cleanse(kc, sizeof(*kc));
}

/*
 * What a cached key was derived from: a SHA-256 over the secret and the
 * scope, each field length-prefixed so that no two inputs collide by
 * shifting bytes between fields.  The secret itself is never stored; a
 * changed secret (rotation) or scope gives another identity, so the key is
 * derived afresh.  One digest costs a fifth of the four HMACs it saves.
 */
static int
sigv4_key_identity(const struct sigv4_creds *cr, const char *date8, const char *region,
		   const char *service, unsigned char id[32])
{
	const char *parts[4] = {cr->secret_access_key, date8, region, service};
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	unsigned int len = 0;
	int ok = ctx != NULL && EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) == 1;

	for (size_t i = 0; ok && i < 4; i++) {
		uint32_t n = (uint32_t)strlen(parts[i]);
		unsigned char be[4] = {n >> 24, (n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff};

		ok = EVP_DigestUpdate(ctx, be, 4) == 1 && EVP_DigestUpdate(ctx, parts[i], n) == 1;
	}
	ok = ok && EVP_DigestFinal_ex(ctx, id, &len) == 1 && len == 32;
	EVP_MD_CTX_free(ctx);
	return ok ? 0 : -EIO;
}

/*
 * The signing key for this scope: from `kc` when it was derived from the
 * same secret and scope, else derived now (and kept in `kc` when given).
 */
static int
sigv4_signing_key(const struct sigv4_creds *cr, const char *date8, const char *region,
		  const char *service, struct sigv4_key_cache *kc, unsigned char key[32])
{
	unsigned char id[32];
	int r;

	if (kc == NULL)
		return sigv4_derive_key(cr, date8, region, service, key);
	r = sigv4_key_identity(cr, date8, region, service, id);
	if (r == 0 && kc->valid && CRYPTO_memcmp(id, kc->identity, sizeof(id)) == 0) {
		memcpy(key, kc->key, 32);
		kc->hits++;
		goto done;
	}
	/* A miss: the old key is of no more use; wipe it now, keep the count. */
	OPENSSL_cleanse(kc->key, sizeof(kc->key));
	OPENSSL_cleanse(kc->identity, sizeof(kc->identity));
	kc->valid = false;
	if (r == 0)
		r = sigv4_derive_key(cr, date8, region, service, key);
	if (r == 0) {
		memcpy(kc->key, key, 32);
		memcpy(kc->identity, id, sizeof(id));
		kc->valid = true;
	}
done:
	OPENSSL_cleanse(id, sizeof(id));
	return r;
}

/* The signature over string_to_sign; the key copy is wiped before returning. */
static int
sigv4_signature(const struct sigv4_creds *cr, const char *date8, const char *region,
		const char *service, struct sigv4_key_cache *kc, const struct buf *sts,
		char sig_hex[SIGV4_HEX_LEN + 1])
{
	unsigned char key[32], sig[32];
	int r;

	r = sigv4_signing_key(cr, date8, region, service, kc, key);
	if (r == 0)
		r = sigv4_hmac(key, 32, sts->data, sts->len, sig);
	if (r == 0)
		sigv4_hex(sig, 32, sig_hex);
	OPENSSL_cleanse(key, sizeof(key));
	OPENSSL_cleanse(sig, sizeof(sig));
	return r;
}

static void
sigv4_buf_swap(struct buf *a, struct buf *b)
{
	struct buf t = *a;

	*a = *b;
	*b = t;
}

int
sigv4_sign(const struct sigv4_request *req, const struct sigv4_creds *cr, struct sigv4_output *out,
	   struct err *e)
{
	return sigv4_sign_cached(req, cr, NULL, out, e);
}

int
sigv4_sign_cached(const struct sigv4_request *req, const struct sigv4_creds *cr,
		  struct sigv4_key_cache *kc, struct sigv4_output *out, struct err *e)
{
	struct buf canon, signed_hdrs, sts, auth;
	char amz_date[SIGV4_AMZ_DATE_LEN + 1], payload[SIGV4_HEX_LEN + 1];
	char cr_hash[SIGV4_HEX_LEN + 1], sig[SIGV4_HEX_LEN + 1], date8[9];
	int r;

	r = sigv4_check_inputs(req, cr, e);
	if (r < 0)
		return r;
	if (sigv4_amz_date(req->timestamp, amz_date) < 0)
		return err_set(e, -EINVAL, "sigv4: timestamp out of range");
	memcpy(date8, amz_date, 8);
	date8[8] = '\0';
	if (sigv4_sha256_hex(req->body_len ? req->body : "", req->body_len, payload) < 0)
		return err_set(e, -EIO, "sigv4: SHA-256 failed");

	buf_init(&canon, SIGV4_MAX_TEXT);
	buf_init(&signed_hdrs, SIGV4_MAX_TEXT);
	buf_init(&sts, SIGV4_MAX_TEXT);
	buf_init(&auth, SIGV4_MAX_TEXT);

	/* Method, canonical URI, canonical query. */
	r = buf_puts(&canon, req->method);
	if (r == 0)
		r = buf_append(&canon, "\n", 1);
	if (r < 0)
		goto fail_mem;
	r = sigv4_path(req->path, req->normalize_path, &canon, e);
	if (r < 0)
		goto fail;
	if (buf_append(&canon, "\n", 1) < 0)
		goto fail_mem;
	r = sigv4_query(req->query, &canon, e);
	if (r < 0)
		goto fail;
	if (buf_append(&canon, "\n", 1) < 0)
		goto fail_mem;
	/* Headers, a blank line, the signed-header list and the payload hash. */
	r = sigv4_headers(req, cr, amz_date, payload, &canon, &signed_hdrs, e);
	if (r < 0)
		goto fail;
	if (buf_printf(&canon, "\n%s\n%s", buf_str(&signed_hdrs), payload) < 0)
		goto fail_mem;

	if (sigv4_sha256_hex(canon.data, canon.len, cr_hash) < 0) {
		r = err_set(e, -EIO, "sigv4: SHA-256 failed");
		goto fail;
	}
	if (buf_printf(&sts, SIGV4_ALGORITHM "\n%s\n%s/%s/%s/aws4_request\n%s", amz_date, date8,
		       req->region, req->service, cr_hash) < 0)
		goto fail_mem;
	r = sigv4_signature(cr, date8, req->region, req->service, kc, &sts, sig);
	if (r < 0) {
		r = err_set(e, r, "sigv4: HMAC-SHA256 failed");
		goto fail;
	}
	if (buf_printf(&auth,
		       SIGV4_ALGORITHM " Credential=%s/%s/%s/%s/aws4_request, SignedHeaders=%s, "
				       "Signature=%s",
		       cr->access_key_id, date8, req->region, req->service, buf_str(&signed_hdrs),
		       sig) < 0)
		goto fail_mem;

	/* Success: hand over the results. */
	sigv4_buf_swap(&out->authorization, &auth);
	if (out->want_debug) {
		sigv4_buf_swap(&out->canonical_request, &canon);
		sigv4_buf_swap(&out->string_to_sign, &sts);
	}
	memcpy(out->amz_date, amz_date, sizeof(amz_date));
	memcpy(out->payload_hash, payload, sizeof(payload));
	memcpy(out->signature, sig, sizeof(sig));
	r = 0;
	goto done;

fail_mem:
	r = err_set(e, -E2BIG, "sigv4: canonical request too large or out of memory");
fail:
done:
	OPENSSL_cleanse(sig, sizeof(sig));
	buf_free(&canon);
	buf_free(&signed_hdrs);
	buf_free(&sts);
	buf_free(&auth);
	return r;
}
