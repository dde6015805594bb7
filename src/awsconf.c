/* SPDX-License-Identifier: ISC */
/*
 * awsconf: which AWS setting comes from where.  See awsconf.h for the order
 * of the sources; botocore (configprovider.py, regions.py and
 * data/endpoints.json) is the reference, and tests/awsconf-matrix.py checks
 * the result against it.
 *
 * Each setting is a short walk down its sources; the first one that is set
 * decides, and an invalid value there is an error rather than a reason to
 * look further (a typo must not send requests elsewhere).  Every message
 * names the source, never just the value.
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "awsconf.h"
#include "validate.h"

/* One resolution: the input and the profile section it reads. */
struct walk {
	const struct awsconf_input *in;
	const char *profile;            /* name of the profile consulted */
	const struct ini_section *prof; /* its section in the config file, or NULL */
	struct awsconf_error *err;
};

static const char *
env_get(const struct awsconf_input *in, const char *name)
{
	size_t n = strlen(name);

	if (in->envp == NULL)
		return NULL;
	for (char *const *p = in->envp; *p != NULL; p++)
		if (strncmp(*p, name, n) == 0 && (*p)[n] == '=')
			return (*p)[n + 1] != '\0' ? *p + n + 1 : NULL;
	return NULL;
}

static void
walk_init(struct walk *w, const struct awsconf_input *in, struct awsconf_error *err)
{
	w->in = in;
	w->err = err;
	/* botocore's order: AWS_DEFAULT_PROFILE, then AWS_PROFILE (configprovider.py). */
	w->profile = in->profile ? in->profile : env_get(in, "AWS_DEFAULT_PROFILE");
	if (w->profile == NULL)
		w->profile = env_get(in, "AWS_PROFILE");
	if (w->profile == NULL)
		w->profile = "default";
	w->prof = ini_profile(in->config, w->profile);
}

/* A key of the profile with a value (nested blocks do not count). */
static const struct ini_kv *
prof_kv(const struct walk *w, const char *key)
{
	const struct ini_kv *kv = ini_find(w->prof, key);

	return kv && kv->value && kv->value[0] ? kv : NULL;
}

static void
where_kv(const struct walk *w, const struct ini_kv *kv, char *out, size_t n)
{
	snprintf(out, n, "%s:%u:%u", w->in->config_path ? w->in->config_path : "AWS config file",
		 kv->line, kv->col);
}

static int __attribute__((format(printf, 4, 5)))
fail(const struct walk *w, const char *where, int code, const char *fmt, ...)
{
	va_list ap;

	if (w->err == NULL)
		return code;
	snprintf(w->err->where, sizeof(w->err->where), "%s", where);
	va_start(ap, fmt);
	w->err->e.code = code;
	vsnprintf(w->err->e.msg, sizeof(w->err->e.msg), fmt, ap);
	va_end(ap);
	return code;
}

static int
fail_kv(const struct walk *w, const struct ini_kv *kv, int code, const char *msg)
{
	char where[AWSCONF_SOURCE_MAX + 32];

	where_kv(w, kv, where, sizeof(where));
	return fail(w, where, code, "%s (profile %s): %s", kv->key, w->profile, msg);
}

/*
 * One value from the environment variable `var` or else the profile key
 * `key`: *ret the value (borrowed), *ret_kv the profile entry (NULL for the
 * environment), `src` the source's name.  False when neither is set.
 */
static bool
pick(const struct walk *w, const char *var, const char *key, const char **ret,
     const struct ini_kv **ret_kv, char *src)
{
	const struct ini_kv *kv;
	const char *v = var ? env_get(w->in, var) : NULL;

	*ret_kv = NULL;
	if (v != NULL) {
		*ret = v;
		snprintf(src, AWSCONF_SOURCE_MAX, "%s", var);
		return true;
	}
	if (key != NULL && (kv = prof_kv(w, key)) != NULL) {
		*ret = kv->value;
		*ret_kv = kv;
		snprintf(src, AWSCONF_SOURCE_MAX, "profile %s", w->profile);
		return true;
	}
	return false;
}

/* botocore's ensure_boolean: "true" in any case is true, anything else false. */
static bool
pick_bool(const struct walk *w, const char *var, const char *key, char *src)
{
	const struct ini_kv *kv;
	const char *v;

	if (!pick(w, var, key, &v, &kv, src)) {
		src[0] = '\0';
		return false;
	}
	return strcasecmp(v, "true") == 0;
}

/* A failed check of value `v` from var or kv: the message names the source. */
static int
fail_value(const struct walk *w, const char *var, const struct ini_kv *kv, const struct err *e)
{
	if (kv != NULL)
		return fail_kv(w, kv, e->code ? e->code : -EINVAL, e->msg);
	return fail(w, var, e->code ? e->code : -EINVAL, "%s", e->msg);
}

static int
region_walk(const struct walk *w, char **ret, char *src)
{
	static const char *const vars[] = {"AWS_REGION", "AWS_DEFAULT_REGION"};
	const struct ini_kv *kv = NULL;
	const char *v = NULL;
	char *copy;
	struct err e;

	if (w->in->region != NULL) {
		v = w->in->region;
		snprintf(src, AWSCONF_SOURCE_MAX, "vpcesd.yaml");
	}
	for (size_t i = 0; v == NULL && i < 2; i++) {
		if ((v = env_get(w->in, vars[i])) != NULL)
			snprintf(src, AWSCONF_SOURCE_MAX, "%s", vars[i]);
	}
	if (v == NULL && (kv = prof_kv(w, "region")) != NULL) {
		v = kv->value;
		snprintf(src, AWSCONF_SOURCE_MAX, "profile %s", w->profile);
	}
	if (v == NULL) {
		*ret = NULL;
		src[0] = '\0';
		return 0;
	}
	err_clear(&e);
	if (validate_region(v, &e) < 0) {
		if (kv != NULL)
			return fail_kv(w, kv, -EINVAL, e.msg);
		return fail(w, src, -EINVAL, "%s", e.msg);
	}
	copy = strdup(v);
	if (copy == NULL)
		return fail(w, "vpcesd", -ENOMEM, "out of memory");
	*ret = copy;
	return 0;
}

int
awsconf_region(const struct awsconf_input *in, char **ret_region, char *src,
	       struct awsconf_error *err)
{
	char s[AWSCONF_SOURCE_MAX];
	struct walk w;
	char *region;
	int r;

	walk_init(&w, in, err);
	r = region_walk(&w, &region, s);
	if (r < 0)
		return r;
	*ret_region = region;
	memcpy(src, s, sizeof(s));
	return 0;
}

/* DNS suffixes of a partition's endpoints (botocore endpoints.json, 1.29). */
static void
partition_suffixes(const char *partition, const char **std, const char **dual)
{
	*std = validate_partition_dns_suffix(partition);
	*dual = strcmp(partition, "aws-cn") == 0 ? "api.amazonwebservices.com.cn" : "api.aws";
}

int
awsconf_default_endpoint(const char *service, const char *region, bool fips, bool dualstack,
			 char *out, size_t n)
{
	const char *partition = validate_region_partition(region), *std, *dual;
	int len;

	partition_suffixes(partition, &std, &dual);
	/*
	 * GovCloud's regions list their FIPS variant (IPv4) as the standard
	 * host name for ec2 and sts (endpoints.json: "variants": [{"hostname":
	 * "ec2.us-gov-west-1.amazonaws.com", "tags": ["fips"]}]).
	 */
	if (fips && !dualstack && strcmp(partition, "aws-us-gov") == 0)
		fips = false;
	len = snprintf(out, n, "https://%s%s.%s.%s", service, fips ? "-fips" : "", region,
		       dualstack ? dual : std);
	return len < 0 || (size_t)len >= n ? -ENAMETOOLONG : 0;
}

/*
 * The endpoint of `svc` ("ec2"; `var` its AWS_ENDPOINT_URL_ variable): see
 * awsconf.h.  *ret a new string or NULL (no region: no default).
 */
static int
endpoint_walk(const struct walk *w, const char *svc, const char *var, const char *yaml,
	      const char *region, bool ignore, bool fips, bool dual, const char *variant,
	      char **ret, char *src)
{
	const struct ini_kv *kv = NULL, *skv;
	const char *v = NULL;
	char url[512];
	struct err e;

	if (yaml != NULL) {
		v = yaml;
		snprintf(src, AWSCONF_SOURCE_MAX, "vpcesd.yaml");
	} else if (!ignore) {
		if ((v = env_get(w->in, var)) != NULL)
			snprintf(src, AWSCONF_SOURCE_MAX, "%s", var);
		else if ((v = env_get(w->in, "AWS_ENDPOINT_URL")) != NULL)
			snprintf(src, AWSCONF_SOURCE_MAX, "AWS_ENDPOINT_URL");
	}
	if (v == NULL && !ignore && (skv = prof_kv(w, "services")) != NULL) {
		const struct ini_section *s = ini_section(w->in->config, "services", skv->value);

		if (s == NULL)
			return fail_kv(w, skv, -EINVAL,
				       "names a [services ...] section the file does not have");
		kv = ini_find_nested(s, svc, "endpoint_url");
		if (kv != NULL && kv->value[0] != '\0') {
			v = kv->value;
			snprintf(src, AWSCONF_SOURCE_MAX, "services %s of profile %s", skv->value,
				 w->profile);
		} else {
			kv = NULL;
		}
	}
	if (v == NULL && !ignore && (kv = prof_kv(w, "endpoint_url")) != NULL) {
		v = kv->value;
		snprintf(src, AWSCONF_SOURCE_MAX, "profile %s", w->profile);
	}
	if (v != NULL) {
		err_clear(&e);
		if (yaml == NULL && validate_endpoint_url(v, &e) < 0) {
			if (kv != NULL) {
				char where[AWSCONF_SOURCE_MAX + 32];

				where_kv(w, kv, where, sizeof(where));
				return fail(w, where, -EINVAL, "%s (%s): %s", kv->key, src, e.msg);
			}
			return fail(w, src, -EINVAL, "%s", e.msg);
		}
		*ret = strdup(v);
		return *ret ? 0 : fail(w, "vpcesd", -ENOMEM, "out of memory");
	}
	*ret = NULL;
	src[0] = '\0';
	if (region == NULL)
		return 0;
	if (awsconf_default_endpoint(svc, region, fips, dual, url, sizeof(url)) < 0)
		return fail(w, "vpcesd", -ENAMETOOLONG, "region name too long");
	snprintf(src, AWSCONF_SOURCE_MAX, "default for %s%s", region, variant);
	*ret = strdup(url);
	return *ret ? 0 : fail(w, "vpcesd", -ENOMEM, "out of memory");
}

static int
ca_walk(const struct walk *w, char **ret, char *src)
{
	const struct ini_kv *kv = NULL;
	const char *v = NULL;
	struct err e;

	if (w->in->ca_file != NULL) {
		v = w->in->ca_file;
		snprintf(src, AWSCONF_SOURCE_MAX, "vpcesd.yaml");
	} else if (!pick(w, "AWS_CA_BUNDLE", "ca_bundle", &v, &kv, src)) {
		*ret = NULL;
		src[0] = '\0';
		return 0;
	}
	err_clear(&e);
	if (w->in->ca_file == NULL && validate_abs_path(v, &e) < 0)
		return fail_value(w, "AWS_CA_BUNDLE", kv, &e);
	*ret = strdup(v);
	return *ret ? 0 : fail(w, "vpcesd", -ENOMEM, "out of memory");
}

static int
attempts_walk(const struct walk *w, unsigned *ret, char *src)
{
	const struct ini_kv *kv;
	const char *v;
	unsigned long n = 0;
	struct err e;
	size_t i;

	if (w->in->max_attempts > 0) {
		*ret = w->in->max_attempts;
		snprintf(src, AWSCONF_SOURCE_MAX, "vpcesd.yaml");
		return 0;
	}
	if (!pick(w, "AWS_MAX_ATTEMPTS", "max_attempts", &v, &kv, src)) {
		*ret = AWSCONF_MAX_ATTEMPTS_DEFAULT;
		snprintf(src, AWSCONF_SOURCE_MAX, "default");
		return 0;
	}
	for (i = 0; v[i] >= '0' && v[i] <= '9' && i < 3; i++)
		n = n * 10 + (unsigned long)(v[i] - '0');
	if (i == 0 || v[i] != '\0' || n < 1 || n > AWSCONF_MAX_ATTEMPTS_MAX) {
		err_clear(&e);
		err_set(&e, -EINVAL,
			"max_attempts must be a whole number from 1 to %d, not '%.32s'",
			AWSCONF_MAX_ATTEMPTS_MAX, v);
		return fail_value(w, "AWS_MAX_ATTEMPTS", kv, &e);
	}
	*ret = (unsigned)n;
	return 0;
}

static int
mode_walk(const struct walk *w, enum awsconf_retry_mode *ret, char *src, char *note)
{
	const struct ini_kv *kv;
	const char *v;
	struct err e;

	if (w->in->retry_mode != AWSCONF_RETRY_UNSET) {
		*ret = w->in->retry_mode;
		snprintf(src, AWSCONF_SOURCE_MAX, "vpcesd.yaml");
		return 0;
	}
	if (!pick(w, "AWS_RETRY_MODE", "retry_mode", &v, &kv, src)) {
		*ret = AWSCONF_RETRY_ADAPTIVE;
		snprintf(src, AWSCONF_SOURCE_MAX, "default");
		return 0;
	}
	*ret = awsconf_retry_mode_from_string(v);
	if (*ret != AWSCONF_RETRY_UNSET)
		return 0;
	if (strcmp(v, "legacy") == 0) {
		/* botocore's own mode, which no other SDK has: the nearest is standard. */
		*ret = AWSCONF_RETRY_STANDARD;
		snprintf(note, AWSCONF_SOURCE_MAX,
			 "retry_mode legacy (%.120s) is taken as standard", src);
		return 0;
	}
	err_clear(&e);
	err_set(&e, -EINVAL, "retry_mode must be standard or adaptive, not '%.32s'", v);
	return fail_value(w, "AWS_RETRY_MODE", kv, &e);
}

static void
note_append(char *note, const char *text)
{
	size_t n = strlen(note);

	snprintf(note + n, AWSCONF_SOURCE_MAX - n, "%s%s", n ? "; " : "", text);
}

int
awsconf_resolve(const struct awsconf_input *in, struct awsconf *ret, struct awsconf_error *err)
{
	struct awsconf c = {.retry_mode = AWSCONF_RETRY_UNSET};
	char fips_src[AWSCONF_SOURCE_MAX], dual_src[AWSCONF_SOURCE_MAX], s[AWSCONF_SOURCE_MAX];
	char variant[AWSCONF_SOURCE_MAX];
	const struct ini_kv *kv;
	const char *v;
	struct walk w;
	bool ignore;
	int r;

	walk_init(&w, in, err);
	snprintf(c.profile, sizeof(c.profile), "%s", w.profile);
	if ((r = region_walk(&w, &c.region, c.src_region)) < 0)
		goto fail;
	ignore = pick_bool(&w, "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS",
			   "ignore_configured_endpoint_urls", s);
	c.fips = pick_bool(&w, "AWS_USE_FIPS_ENDPOINT", "use_fips_endpoint", fips_src);
	c.dualstack =
		pick_bool(&w, "AWS_USE_DUALSTACK_ENDPOINT", "use_dualstack_endpoint", dual_src);
	snprintf(variant, sizeof(variant), "%s%.80s%s%.80s", c.fips ? ", FIPS from " : "",
		 c.fips ? fips_src : "", c.dualstack ? ", dual-stack from " : "",
		 c.dualstack ? dual_src : "");
	if ((r = endpoint_walk(&w, "ec2", "AWS_ENDPOINT_URL_EC2", in->endpoint, c.region, ignore,
			       c.fips, c.dualstack, variant, &c.endpoint, c.src_endpoint)) < 0 ||
	    (r = endpoint_walk(&w, "sts", "AWS_ENDPOINT_URL_STS", in->sts_endpoint, c.region,
			       ignore, c.fips, c.dualstack, variant, &c.sts_endpoint,
			       c.src_sts_endpoint)) < 0 ||
	    (r = ca_walk(&w, &c.ca_file, c.src_ca_file)) < 0 ||
	    (r = attempts_walk(&w, &c.max_attempts, c.src_max_attempts)) < 0 ||
	    (r = mode_walk(&w, &c.retry_mode, c.src_retry_mode, c.note)) < 0)
		goto fail;
	if (ignore) {
		snprintf(variant, sizeof(variant), "configured endpoint URLs ignored (%.120s)", s);
		note_append(c.note, variant);
	}
	if (pick(&w, "AWS_STS_REGIONAL_ENDPOINTS", "sts_regional_endpoints", &v, &kv, s) &&
	    strcmp(v, "regional") != 0) {
		char text[AWSCONF_SOURCE_MAX];

		snprintf(text, sizeof(text),
			 "STS is always regional (sts_regional_endpoints "
			 "%.16s from %.96s ignored)",
			 v, s);
		note_append(c.note, text);
	}
	*ret = c;
	return 0;
fail:
	awsconf_free(&c);
	return r;
}

int
awsconf_service_endpoint(const struct awsconf_input *in, const char *svc, const char *var,
			 char **ret, char *src, struct awsconf_error *err)
{
	char s[AWSCONF_SOURCE_MAX], where[AWSCONF_SOURCE_MAX];
	char *url = NULL;
	struct walk w;
	bool ignore;
	int r;

	walk_init(&w, in, err);
	ignore = pick_bool(&w, "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS",
			   "ignore_configured_endpoint_urls", where);
	/* No region: endpoint_walk() names no default, which is the caller's. */
	r = endpoint_walk(&w, svc, var, NULL, NULL, ignore, false, false, "", &url, s);
	if (r < 0)
		return r;
	*ret = url;
	memcpy(src, s, sizeof(s));
	return 0;
}

const char *
awsconf_profile(const struct awsconf_input *in, bool *ret_found)
{
	struct walk w;

	walk_init(&w, in, NULL);
	*ret_found = w.prof != NULL;
	return w.profile;
}

void
awsconf_free(struct awsconf *c)
{
	if (c == NULL)
		return;
	free(c->region);
	free(c->endpoint);
	free(c->sts_endpoint);
	free(c->ca_file);
	c->region = c->endpoint = c->sts_endpoint = c->ca_file = NULL;
}

const char *
awsconf_retry_mode_name(enum awsconf_retry_mode m)
{
	return m == AWSCONF_RETRY_STANDARD ? "standard" : "adaptive";
}

enum awsconf_retry_mode
awsconf_retry_mode_from_string(const char *s)
{
	if (s != NULL && strcmp(s, "standard") == 0)
		return AWSCONF_RETRY_STANDARD;
	if (s != NULL && strcmp(s, "adaptive") == 0)
		return AWSCONF_RETRY_ADAPTIVE;
	return AWSCONF_RETRY_UNSET;
}
