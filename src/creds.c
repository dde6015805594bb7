/* SPDX-License-Identifier: ISC */
/*
 * creds: the credential value, credential JSON documents, ISO-8601 times and
 * the refresh policy.  See creds.h.
 *
 * The JSON readers are deliberately strict (types checked, duplicates
 * refused, trailing garbage refused): a credential document that is not
 * exactly what the provider promised is more likely a misconfigured helper
 * or a captive portal than something to be lenient about.  cJSON keeps its
 * own copies of the strings, so the tree is wiped before it is freed.
 */
#include "secret.h"
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "creds.h"
#include "json_strict.h"

void
creds_free(struct creds *c)
{
	if (c == NULL)
		return;
	secret_free(c->access_key_id);
	secret_free(c->secret_access_key);
	secret_free(c->session_token);
	free(c->provider);
	free(c->account_id);
	memset(c, 0, sizeof(*c));
}

bool
creds_valid(const struct creds *c)
{
	return c != NULL && c->access_key_id != NULL && c->access_key_id[0] != '\0' &&
	       c->secret_access_key != NULL && c->secret_access_key[0] != '\0';
}

static int
dup_opt(char **dst, const char *src)
{
	*dst = NULL;
	if (src == NULL)
		return 0;
	*dst = strdup(src);
	return *dst ? 0 : -ENOMEM;
}

int
creds_copy(struct creds *ret, const struct creds *src)
{
	struct creds c = {.expiration = src->expiration};

	if (dup_opt(&c.access_key_id, src->access_key_id) < 0 ||
	    dup_opt(&c.secret_access_key, src->secret_access_key) < 0 ||
	    dup_opt(&c.session_token, src->session_token) < 0 ||
	    dup_opt(&c.provider, src->provider) < 0 ||
	    dup_opt(&c.account_id, src->account_id) < 0) {
		creds_free(&c);
		return -ENOMEM;
	}
	*ret = c;
	return 0;
}

/* Header-safe: printable ASCII, no blanks, bounded. */
static bool
field_ok(const char *s)
{
	size_t n = 0;

	for (; s[n] != '\0'; n++)
		if ((unsigned char)s[n] <= 0x20 || (unsigned char)s[n] >= 0x7f)
			return false;
	return n > 0 && n <= CREDS_FIELD_MAX;
}

int
creds_set(struct creds *ret, const char *key_id, const char *secret, const char *token,
	  time_t expiration, const char *provider, const char *account_id, const char *what,
	  struct err *e)
{
	struct creds c = {.expiration = expiration};

	if (key_id == NULL || key_id[0] == '\0')
		return err_set(e, -EINVAL, "%s: access key id missing or empty", what);
	if (secret == NULL || secret[0] == '\0')
		return err_set(e, -EINVAL, "%s: secret access key missing or empty", what);
	if (!field_ok(key_id))
		return err_set(e, -EINVAL, "%s: access key id is not printable ASCII or too long",
			       what);
	if (!field_ok(secret))
		return err_set(e, -EINVAL,
			       "%s: secret access key is not printable ASCII or too long", what);
	if (token != NULL && token[0] == '\0')
		token = NULL;
	if (token != NULL && !field_ok(token))
		return err_set(e, -EINVAL, "%s: session token is not printable ASCII or too long",
			       what);
	if (account_id != NULL && !field_ok(account_id))
		return err_set(e, -EINVAL, "%s: account id is not printable ASCII or too long",
			       what);
	if (dup_opt(&c.access_key_id, key_id) < 0 || dup_opt(&c.secret_access_key, secret) < 0 ||
	    dup_opt(&c.session_token, token) < 0 || dup_opt(&c.provider, provider) < 0 ||
	    dup_opt(&c.account_id, account_id) < 0) {
		creds_free(&c);
		return err_set(e, -ENOMEM, "%s: out of memory", what);
	}
	*ret = c;
	return 0;
}

/* --- time ------------------------------------------------------------------ */

static int
digits(const char *s, int n, int *ret)
{
	int v = 0;

	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -EINVAL;
		v = v * 10 + (s[i] - '0');
	}
	*ret = v;
	return 0;
}

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm). */
static long long
days_from_civil(int y, int m, int d)
{
	long long era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static int
days_in_month(int y, int m)
{
	static const int dim[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

	return m == 2 && leap ? 29 : dim[m - 1];
}

int
creds_parse_time(const char *s, time_t *ret)
{
	int y, mo, d, h, mi, sec, oh = 0, om = 0, sign = 0;
	const char *p;
	long long t;

	if (strlen(s) < 20)
		return -EINVAL;
	if (digits(s, 4, &y) < 0 || s[4] != '-' || digits(s + 5, 2, &mo) < 0 || s[7] != '-' ||
	    digits(s + 8, 2, &d) < 0 || (s[10] != 'T' && s[10] != 't' && s[10] != ' ') ||
	    digits(s + 11, 2, &h) < 0 || s[13] != ':' || digits(s + 14, 2, &mi) < 0 ||
	    s[16] != ':' || digits(s + 17, 2, &sec) < 0)
		return -EINVAL;
	if (y < 1970 || mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo) || h > 23 ||
	    mi > 59 || sec > 60)
		return -EINVAL;
	p = s + 19;
	if (*p == '.') {
		p++;
		if (*p < '0' || *p > '9')
			return -EINVAL;
		for (int n = 0; *p >= '0' && *p <= '9'; p++, n++)
			if (n >= 9)
				return -EINVAL;
	}
	if (*p == 'Z' || *p == 'z') {
		p++;
	} else if (*p == '+' || *p == '-') {
		sign = *p == '+' ? 1 : -1;
		p++;
		if (digits(p, 2, &oh) < 0)
			return -EINVAL;
		p += 2;
		if (*p == ':')
			p++;
		if (digits(p, 2, &om) < 0)
			return -EINVAL;
		p += 2;
		if (oh > 23 || om > 59)
			return -EINVAL;
	} else {
		return -EINVAL;
	}
	if (*p != '\0')
		return -EINVAL;
	t = days_from_civil(y, mo, d) * 86400LL + h * 3600LL + mi * 60LL + sec;
	t -= sign * (oh * 3600LL + om * 60LL);
	if (t < 0 || (sizeof(time_t) < 8 && t > 0x7fffffffLL))
		return -EINVAL;
	*ret = (time_t)t;
	return 0;
}

enum creds_freshness
creds_freshness(const struct creds *c, time_t now)
{
	if (!creds_valid(c))
		return CREDS_EXPIRED;
	if (c->expiration == 0)
		return CREDS_FRESH;
	if (now >= c->expiration)
		return CREDS_EXPIRED;
	if (c->expiration - now <= CREDS_MANDATORY_SECS)
		return CREDS_MANDATORY;
	if (c->expiration - now <= CREDS_ADVISORY_SECS)
		return CREDS_ADVISORY;
	return CREDS_FRESH;
}

/* --- JSON ------------------------------------------------------------------ */

static int
string_member(const cJSON *obj, const char *name, bool required, const char **ret, const char *what,
	      struct err *e)
{
	const cJSON *m = NULL;
	int r = json_strict_member(obj, name, false, required, &m, what, e);

	if (r < 0)
		return r;
	*ret = m ? m->valuestring : NULL;
	return 0;
}

int
creds_parse_json(enum creds_json_format fmt, const char *text, size_t len, const char *what,
		 struct creds *ret, struct err *e)
{
	const char *key = NULL, *secret = NULL, *token = NULL, *exp = NULL, *account = NULL;
	const char *code = NULL, *type = NULL, *updated = NULL;
	const char *token_name = fmt == CREDS_JSON_PROCESS ? "SessionToken" : "Token";
	bool need_exp = fmt != CREDS_JSON_PROCESS;
	time_t expiration = 0, ignored;
	cJSON *root = NULL;
	int r;

	r = json_strict_parse_object(text, len, CREDS_JSON_MAX, what, "credential document", &root,
				     e);
	if (r < 0)
		return r;
	if (fmt == CREDS_JSON_PROCESS) {
		const cJSON *v = NULL;

		r = json_strict_member(root, "Version", true, false, &v, what, e);
		if (r < 0)
			goto out;
		if (v == NULL || v->valuedouble != 1.0) {
			r = err_set(e, -EINVAL, "%s: \"Version\" must be 1", what);
			goto out;
		}
	}
	if (fmt == CREDS_JSON_IMDS) {
		if ((r = string_member(root, "Code", true, &code, what, e)) < 0 ||
		    (r = string_member(root, "Type", false, &type, what, e)) < 0 ||
		    (r = string_member(root, "LastUpdated", false, &updated, what, e)) < 0)
			goto out;
		if (strcmp(code, "Success") != 0) {
			r = err_set(e, -EINVAL, "%s: \"Code\" is not \"Success\"", what);
			goto out;
		}
		if (type != NULL && strcmp(type, "AWS-HMAC") != 0) {
			r = err_set(e, -EINVAL, "%s: \"Type\" is not \"AWS-HMAC\"", what);
			goto out;
		}
		if (updated != NULL && creds_parse_time(updated, &ignored) < 0) {
			r = err_set(e, -EINVAL, "%s: \"LastUpdated\" is not an ISO-8601 time",
				    what);
			goto out;
		}
	}
	if ((r = string_member(root, "AccessKeyId", true, &key, what, e)) < 0 ||
	    (r = string_member(root, "SecretAccessKey", true, &secret, what, e)) < 0 ||
	    (r = string_member(root, token_name, fmt != CREDS_JSON_PROCESS, &token, what, e)) < 0 ||
	    (r = string_member(root, "Expiration", need_exp, &exp, what, e)) < 0)
		goto out;
	if (fmt == CREDS_JSON_ECS &&
	    (r = string_member(root, "AccountId", false, &account, what, e)) < 0)
		goto out;
	if (fmt != CREDS_JSON_PROCESS && token[0] == '\0') {
		r = err_set(e, -EINVAL, "%s: \"%s\" is empty", what, token_name);
		goto out;
	}
	if (exp != NULL && creds_parse_time(exp, &expiration) < 0) {
		r = err_set(e, -EINVAL, "%s: \"Expiration\" is not an ISO-8601 time", what);
		goto out;
	}
	r = creds_set(ret, key, secret, token, expiration, NULL, account, what, e);
out:
	json_strict_free(root);
	return r;
}
