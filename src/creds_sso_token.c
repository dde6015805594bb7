/* SPDX-License-Identifier: ISC */
/*
 * creds_sso_token: the SSO token cache file and the two SSO answers.  See
 * creds_sso.h.
 *
 * The cache file is written by another program (the AWS CLI, or an SDK),
 * so the reader accepts what botocore accepts and ignores what it does not
 * know; the answers come from the network, so their readers are as strict
 * as creds.c's: types checked, duplicates refused, trailing garbage
 * refused.  cJSON keeps copies of every string, so each tree is wiped
 * before it is freed.  Rewriting the cache edits the parsed tree and
 * prints it again, so members another tool put there survive our refresh.
 */
#include "secret.h"
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <openssl/evp.h>

#include "creds_sso.h"
#include "json_strict.h"
#include "rfc3339.h"

#define EXPIRES_IN_MAX (10L * 365 * 86400)

int
creds_sha1_hex(const char *s, char out[CREDS_SHA1_HEX_SIZE])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0;

	if (EVP_Digest(s, strlen(s), md, &n, EVP_sha1(), NULL) != 1 || n != 20)
		return -EIO;
	for (unsigned int i = 0; i < n; i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
	return 0;
}

void
creds_sso_token_free(struct creds_sso_token *t)
{
	if (t == NULL)
		return;
	secret_free(t->access_token);
	secret_free(t->refresh_token);
	secret_free(t->client_id);
	secret_free(t->client_secret);
	free(t->region);
	free(t->start_url);
	memset(t, 0, sizeof(*t));
}

bool
creds_sso_token_refreshable(const struct creds_sso_token *t, time_t now)
{
	return t->refresh_token != NULL && t->client_id != NULL && t->client_secret != NULL &&
	       t->registration_expires > now;
}

/* Header-safe: printable ASCII, no blanks, at most CREDS_FIELD_MAX bytes. */
static bool
token_ok(const char *s)
{
	size_t n = 0;

	for (; s[n] != '\0'; n++)
		if ((unsigned char)s[n] <= 0x20 || (unsigned char)s[n] >= 0x7f)
			return false;
	return n > 0 && n <= CREDS_FIELD_MAX;
}

/*
 * A string member copied into *ret (NULL when absent; required: an error
 * then).  `secret` values must be header-safe tokens; others only bounded.
 */
static int
copy_member(const cJSON *obj, const char *name, bool required, bool secret, char **ret,
	    const char *what, struct err *e)
{
	const cJSON *m = NULL;
	int r = json_strict_member(obj, name, false, required, &m, what, e);

	if (r < 0)
		return r;
	if (m == NULL) {
		*ret = NULL;
		return 0;
	}
	if (secret ? !token_ok(m->valuestring) : strlen(m->valuestring) > CREDS_FIELD_MAX)
		return err_set(e, -EINVAL, "%s: \"%s\" is empty, too long or not printable ASCII",
			       what, name);
	*ret = strdup(m->valuestring);
	return *ret ? 0 : err_set(e, -ENOMEM, "out of memory");
}

/*
 * A cache file's time: RFC 3339 (rfc3339.h: UTC), else with a numeric
 * offset (creds_parse_time()), else "…UTC", what AWS CLI v2 releases before
 * 2.0.10 wrote and botocore's dateutil still reads.
 */
static int
cache_time(const char *s, time_t *ret)
{
	char fixed[64];
	size_t n = strlen(s);

	if (rfc3339_parse(s, ret) == 0 || creds_parse_time(s, ret) == 0)
		return 0;
	if (n > 3 && n < sizeof(fixed) && strcmp(s + n - 3, "UTC") == 0) {
		memcpy(fixed, s, n - 3);
		fixed[n - 3] = 'Z';
		fixed[n - 2] = '\0';
		return creds_parse_time(fixed, ret);
	}
	return -EINVAL;
}

static int
time_member(const cJSON *obj, const char *name, bool required, time_t *ret, const char *what,
	    struct err *e)
{
	const cJSON *m = NULL;
	int r = json_strict_member(obj, name, false, required, &m, what, e);

	if (r < 0)
		return r;
	if (m == NULL) {
		*ret = 0;
		return 0;
	}
	if (cache_time(m->valuestring, ret) < 0)
		return err_set(e, -EINVAL, "%s: \"%s\" is not an RFC 3339 time", what, name);
	return 0;
}

int
creds_sso_token_parse(const char *text, size_t len, const char *what, struct creds_sso_token *ret,
		      struct err *e)
{
	struct creds_sso_token t = {0};
	cJSON *root = NULL;
	int r;

	r = json_strict_parse_object(text, len, CREDS_SSO_CACHE_MAX, what, "token cache file",
				     &root, e);
	if (r < 0)
		return r;
	if ((r = copy_member(root, "accessToken", true, true, &t.access_token, what, e)) < 0 ||
	    (r = time_member(root, "expiresAt", true, &t.expires_at, what, e)) < 0 ||
	    (r = copy_member(root, "refreshToken", false, true, &t.refresh_token, what, e)) < 0 ||
	    (r = copy_member(root, "clientId", false, true, &t.client_id, what, e)) < 0 ||
	    (r = copy_member(root, "clientSecret", false, true, &t.client_secret, what, e)) < 0 ||
	    (r = time_member(root, "registrationExpiresAt", false, &t.registration_expires, what,
			     e)) < 0 ||
	    (r = copy_member(root, "region", false, false, &t.region, what, e)) < 0 ||
	    (r = copy_member(root, "startUrl", false, false, &t.start_url, what, e)) < 0)
		goto out;
	*ret = t;
	memset(&t, 0, sizeof(t));
out:
	creds_sso_token_free(&t);
	json_strict_free(root);
	return r;
}

/* Set member `name` of `obj` to the string `value`, replacing the old one. */
static int
set_string(cJSON *obj, const char *name, const char *value)
{
	cJSON *v = cJSON_CreateString(value), *old;

	if (v == NULL)
		return -ENOMEM;
	old = cJSON_DetachItemFromObjectCaseSensitive(obj, name);
	json_strict_free(old);
	if (!cJSON_AddItemToObject(obj, name, v)) {
		json_strict_free(v);
		return -ENOMEM;
	}
	return 0;
}

int
creds_sso_token_renewed(const char *old, size_t len, const char *access_token, time_t expires_at,
			const char *refresh_token, char **ret, size_t *ret_len, struct err *e)
{
	char when[RFC3339_SIZE];
	cJSON *root = NULL;
	char *text = NULL;
	int r;

	if (!rfc3339_format(expires_at, when))
		return err_set(e, -EINVAL, "SSO token: expiry time out of range");
	r = json_strict_parse_object(old, len, CREDS_SSO_CACHE_MAX, "SSO token cache",
				     "token cache file", &root, e);
	if (r < 0)
		return r;
	/* A member given twice would be kept as a second copy: the old token. */
	for (const char *const *k =
		     (const char *const[]){"accessToken", "expiresAt", "refreshToken", NULL};
	     *k != NULL; k++) {
		const cJSON *m;

		if ((r = json_strict_member(root, *k, false, false, &m, "SSO token cache", e)) < 0)
			goto out;
	}
	if (set_string(root, "accessToken", access_token) < 0 ||
	    set_string(root, "expiresAt", when) < 0 ||
	    (refresh_token != NULL && set_string(root, "refreshToken", refresh_token) < 0)) {
		r = err_set(e, -ENOMEM, "out of memory");
		goto out;
	}
	text = cJSON_PrintUnformatted(root);
	if (text == NULL) {
		r = err_set(e, -ENOMEM, "out of memory");
		goto out;
	}
	*ret_len = strlen(text);
	*ret = text;
	r = 0;
out:
	json_strict_free(root);
	return r;
}

int
creds_sso_parse_create_token(const char *text, size_t len, const char *what, char **ret_access,
			     long *ret_expires_in, char **ret_refresh, struct err *e)
{
	char *access = NULL, *refresh = NULL;
	const cJSON *exp = NULL;
	cJSON *root = NULL;
	double v;
	int r;

	r = json_strict_parse_object(text, len, CREDS_SSO_ANSWER_MAX, what, "CreateToken answer",
				     &root, e);
	if (r < 0)
		return r;
	if ((r = copy_member(root, "accessToken", true, true, &access, what, e)) < 0 ||
	    (r = copy_member(root, "refreshToken", false, true, &refresh, what, e)) < 0 ||
	    (r = json_strict_member(root, "expiresIn", true, true, &exp, what, e)) < 0)
		goto out;
	v = exp->valuedouble;
	if (!isfinite(v) || v < 1 || v > (double)EXPIRES_IN_MAX || v != floor(v)) {
		r = err_set(e, -EINVAL, "%s: \"expiresIn\" is not a number of seconds", what);
		goto out;
	}
	*ret_access = access;
	*ret_refresh = refresh;
	*ret_expires_in = (long)v;
	access = refresh = NULL;
out:
	secret_free(access);
	secret_free(refresh);
	json_strict_free(root);
	return r;
}

int
creds_sso_parse_role_credentials(const char *text, size_t len, const char *what, struct creds *ret,
				 struct err *e)
{
	char *key = NULL, *secret = NULL, *token = NULL;
	const cJSON *rc = NULL, *exp = NULL;
	cJSON *root = NULL;
	double ms;
	int r;

	r = json_strict_parse_object(text, len, CREDS_SSO_ANSWER_MAX, what,
				     "GetRoleCredentials answer", &root, e);
	if (r < 0)
		return r;
	for (const cJSON *m = root->child; m != NULL; m = m->next) {
		if (m->string == NULL || strcmp(m->string, "roleCredentials") != 0)
			continue;
		if (rc != NULL) {
			r = err_set(e, -EINVAL, "%s: member \"roleCredentials\" appears twice",
				    what);
			goto out;
		}
		rc = m;
	}
	if (rc == NULL || !cJSON_IsObject(rc)) {
		r = err_set(e, -EINVAL, "%s: no \"roleCredentials\" object", what);
		goto out;
	}
	if ((r = copy_member(rc, "accessKeyId", true, true, &key, what, e)) < 0 ||
	    (r = copy_member(rc, "secretAccessKey", true, true, &secret, what, e)) < 0 ||
	    (r = copy_member(rc, "sessionToken", true, true, &token, what, e)) < 0 ||
	    (r = json_strict_member(rc, "expiration", true, true, &exp, what, e)) < 0)
		goto out;
	ms = exp->valuedouble;
	/* Epoch milliseconds, after 2001 and before 9999 (rfc3339.h's range). */
	if (!isfinite(ms) || ms < 1e12 || ms > 253402300799e3) {
		r = err_set(e, -EINVAL, "%s: \"expiration\" is not a time in epoch milliseconds",
			    what);
		goto out;
	}
	r = creds_set(ret, key, secret, token, (time_t)(ms / 1000), NULL, NULL, what, e);
out:
	secret_free(key);
	secret_free(secret);
	secret_free(token);
	json_strict_free(root);
	return r;
}

/* Append the string member `name` of `obj` (when there is one) to out. */
static void
append_member(const cJSON *obj, const char *name, const char *sep, char *out, size_t n)
{
	const cJSON *m = cJSON_GetObjectItemCaseSensitive(obj, name);
	size_t used = strlen(out);

	if (!cJSON_IsString(m) || m->valuestring[0] == '\0' || used + 1 >= n)
		return;
	snprintf(out + used, n - used, "%s%s", used ? sep : "", m->valuestring);
}

void
creds_sso_error_text(const char *text, size_t len, const char *header_type, char *out, size_t n)
{
	cJSON *root = NULL;
	struct err ignored;

	if (n == 0)
		return;
	out[0] = '\0';
	if (header_type != NULL && header_type[0] != '\0')
		snprintf(out, n, "%s", header_type);
	err_clear(&ignored);
	if (text == NULL ||
	    json_strict_parse_object(text, len, CREDS_SSO_ANSWER_MAX, "", "", &root, &ignored) < 0)
		return;
	if (out[0] == '\0')
		append_member(root, "__type", "", out, n);
	if (out[0] == '\0')
		append_member(root, "error", "", out, n);
	append_member(root, "message", ": ", out, n);
	append_member(root, "Message", ": ", out, n);
	append_member(root, "error_description", ": ", out, n);
	json_strict_free(root);
}
