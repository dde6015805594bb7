/* SPDX-License-Identifier: ISC */
/*
 * awsconf: the AWS settings an operator already has, resolved the way the
 * AWS CLI and SDKs resolve them.
 *
 * vpcesd.yaml may say where to send requests, but an operator arriving with
 * `aws configure` habits has most of it in the environment or in
 * ~/.aws/config already.  This module decides, for each setting, which
 * source wins and names it, so the start-up log and `--dump-config` can say
 * "region eu-west-1 from profile prod".  First source wins (botocore's
 * configprovider order: vpcesd.yaml, then environment, then the profile):
 *
 *   region        vpcesd.yaml region > AWS_REGION > AWS_DEFAULT_REGION >
 *                 profile `region`
 *   endpoint      vpcesd.yaml endpoint > AWS_ENDPOINT_URL_EC2 >
 *                 AWS_ENDPOINT_URL > `ec2 = endpoint_url` in the profile's
 *                 `services` section > profile `endpoint_url` > the regional
 *                 default (FIPS and dual-stack variants, partition DNS suffix)
 *   sts_endpoint  the same with STS (AWS_ENDPOINT_URL_STS, `sts =`); always
 *                 the regional endpoint, whatever AWS_STS_REGIONAL_ENDPOINTS
 *                 or sts_regional_endpoints say ("legacy" earns a note)
 *   ca_file       vpcesd.yaml ca_file > AWS_CA_BUNDLE > profile `ca_bundle`
 *   max_attempts  vpcesd.yaml api.max_attempts > AWS_MAX_ATTEMPTS > profile
 *                 `max_attempts`; 1..20; default 5
 *   retry_mode    vpcesd.yaml api.retry_mode > AWS_RETRY_MODE > profile
 *                 `retry_mode`; standard | adaptive ("legacy", botocore's
 *                 own, is taken as standard with a note); default adaptive
 *
 * AWS_USE_FIPS_ENDPOINT / use_fips_endpoint and AWS_USE_DUALSTACK_ENDPOINT /
 * use_dualstack_endpoint choose the default endpoints' variant; they are
 * booleans as botocore reads them (true when "true" in any case, false for
 * anything else).  AWS_IGNORE_CONFIGURED_ENDPOINT_URLS /
 * ignore_configured_endpoint_urls = true drops every configured endpoint URL
 * but vpcesd.yaml's own.  The profile is vpcesd.yaml's credentials.profile,
 * else AWS_DEFAULT_PROFILE, else AWS_PROFILE, else "default", as for
 * credentials (creds_plan.h); its
 * settings come from the AWS config file only.  Empty environment variables
 * count as unset.
 *
 * Stricter than the SDKs where a daemon must not guess: a `services` key
 * naming a section the file lacks is an error (the SDKs ignore it and go to
 * the default endpoint), as are endpoint URLs vpcesd cannot use (endpoint.h)
 * and a relative ca_bundle.
 *
 * Pure: no I/O, no getenv, no clock, no logging; safe on the event loop.
 * The caller reads the config file (ini.h) and checks that ca_file loads.
 */
#ifndef VPCESD_AWSCONF_H
#define VPCESD_AWSCONF_H

#include <stdbool.h>

#include "err.h"
#include "ini.h"

#define AWSCONF_SOURCE_MAX 192

enum awsconf_retry_mode {
	AWSCONF_RETRY_UNSET = -1,
	AWSCONF_RETRY_STANDARD = 0,
	AWSCONF_RETRY_ADAPTIVE = 1,
};

#define AWSCONF_MAX_ATTEMPTS_DEFAULT 5
#define AWSCONF_MAX_ATTEMPTS_MAX     20

/* Inputs, all borrowed.  vpcesd.yaml's values: NULL, 0 or UNSET when absent. */
struct awsconf_input {
	char *const *envp;        /* "NAME=VALUE", NULL-terminated; may be NULL */
	const struct ini *config; /* the AWS config file, NULL when there is none */
	const char *config_path;  /* its path, for messages */
	const char *profile;      /* vpcesd.yaml credentials.profile */
	const char *region;       /* already validated, as are the rest */
	const char *endpoint;
	const char *sts_endpoint;
	const char *ca_file;
	unsigned max_attempts;
	enum awsconf_retry_mode retry_mode;
};

/*
 * What was resolved.  The strings are owned (free with awsconf_free());
 * each src_* names the source: "vpcesd.yaml", an environment variable,
 * "profile NAME", "services NAME of profile NAME", "default", ...
 */
struct awsconf {
	char *region; /* NULL when no source names one (the caller says so) */
	char *endpoint;
	char *sts_endpoint;
	char *ca_file; /* NULL: the system store alone */
	unsigned max_attempts;
	enum awsconf_retry_mode retry_mode;
	bool fips, dualstack;
	char profile[AWSCONF_SOURCE_MAX]; /* the profile consulted */
	char src_region[AWSCONF_SOURCE_MAX];
	char src_endpoint[AWSCONF_SOURCE_MAX];
	char src_sts_endpoint[AWSCONF_SOURCE_MAX];
	char src_ca_file[AWSCONF_SOURCE_MAX]; /* "" when ca_file is NULL */
	char src_max_attempts[AWSCONF_SOURCE_MAX];
	char src_retry_mode[AWSCONF_SOURCE_MAX];
	char note[AWSCONF_SOURCE_MAX]; /* something worth a log line, or "" */
};

/*
 * Where a resolution failed: `where` is "AWS_MAX_ATTEMPTS" or
 * "PATH:LINE:COL" (1-based, of the key in the AWS config file), and
 * e.msg the message without it.
 */
struct awsconf_error {
	char where[AWSCONF_SOURCE_MAX + 32];
	struct err e;
};

/*
 * The region alone (known early: the services are checked against it).
 * On success 0, *ret_region a new string or NULL when no source names a
 * region (caller frees with free()), `src` (AWSCONF_SOURCE_MAX bytes) its
 * source.  -EINVAL when the winning source holds no valid region (the lower
 * ones are not consulted, as in the SDKs), -ENOMEM; outputs untouched then.
 */
int awsconf_region(const struct awsconf_input *in, char **ret_region, char *src,
		   struct awsconf_error *err);

/*
 * Everything.  On success 0 and *ret filled (free with awsconf_free()).
 * -EINVAL with `err` saying where and why; -ENOMEM; *ret untouched then.
 * Without a region the endpoint defaults stay NULL.
 */
int awsconf_resolve(const struct awsconf_input *in, struct awsconf *ret, struct awsconf_error *err);

/* Free the strings; NULL-safe. */
void awsconf_free(struct awsconf *c);

/*
 * The configured endpoint of one more service, without a default: the SSO
 * portal (`svc` "sso", `var` "AWS_ENDPOINT_URL_SSO") and SSO OIDC
 * ("sso_oidc", "AWS_ENDPOINT_URL_SSO_OIDC"), whose default hosts depend on
 * the profile's sso_region (creds_plan.h).  The order is the endpoint's
 * above: `var` > AWS_ENDPOINT_URL > `svc = endpoint_url` in the profile's
 * `services` section > the profile's `endpoint_url`, none of them when
 * configured endpoint URLs are ignored.  On success 0, *ret a new string
 * (free()) or NULL when none is configured, `src` (AWSCONF_SOURCE_MAX
 * bytes) its source ("" for NULL).  -EINVAL for an invalid URL (err says
 * where), -ENOMEM; outputs untouched then.
 */
int awsconf_service_endpoint(const struct awsconf_input *in, const char *svc, const char *var,
			     char **ret, char *src, struct awsconf_error *err);

/*
 * The profile `in` selects (vpcesd.yaml's, else AWS_DEFAULT_PROFILE, else
 * AWS_PROFILE, else "default": botocore's order), borrowed from `in`;
 * *ret_found whether the config file has it.
 */
const char *awsconf_profile(const struct awsconf_input *in, bool *ret_found);

/*
 * The default endpoint of `service` ("ec2", "sts") in `region`:
 * https://SERVICE[-fips].REGION.SUFFIX with the partition's DNS suffix, or
 * its dual-stack suffix; in GovCloud the FIPS endpoint (IPv4) is the
 * standard host, as in botocore's endpoints data.  Writes at most `n`
 * bytes; returns 0 or -ENAMETOOLONG.
 */
int awsconf_default_endpoint(const char *service, const char *region, bool fips, bool dualstack,
			     char *out, size_t n);

/* "standard" / "adaptive". */
const char *awsconf_retry_mode_name(enum awsconf_retry_mode m);

/* "standard" → STANDARD, "adaptive" → ADAPTIVE, else UNSET. */
enum awsconf_retry_mode awsconf_retry_mode_from_string(const char *s);

#endif
