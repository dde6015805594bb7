/* SPDX-License-Identifier: ISC */
/*
 * creds_plan_sso: whether a profile is an SSO profile, and what it needs.
 * See creds_plan.h (creds_plan_sso) for the rules.
 *
 * botocore's SSOProvider._load_sso_config is the model, with one
 * deliberate difference: botocore ignores a profile that has some SSO keys
 * but neither sso_account_id nor sso_role_name and goes on to the next
 * provider (in the end the instance role).  Here any SSO key makes the
 * profile an SSO profile, and a missing key is an error that names it: an
 * operator who configured SSO meant SSO, and a daemon acting as someone
 * else is the worst way to find out that something was missing.
 *
 * Pure: the inputs are the files creds_inputs_load() read and the
 * environment snapshot.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "awsconf.h"
#include "creds_plan.h"
#include "creds_sso.h"
#include "validate.h"

#define ROLE_NAME_MAX 128

static const char *
get(const struct creds_inputs *in, const char *profile, const char *key)
{
	const char *v = ini_get(ini_profile(&in->creds_file.ini, profile), key);

	return v ? v : ini_get(ini_profile(&in->config_file.ini, profile), key);
}

static bool
account_ok(const char *s)
{
	return strlen(s) == 12 && strspn(s, "0123456789") == 12;
}

/* A permission set name as the portal takes it: [\w+=,.@-]{1,128}. */
static bool
role_ok(const char *s)
{
	size_t n = strlen(s);

	return n >= 1 && n <= ROLE_NAME_MAX &&
	       strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_+=,.@-") ==
		       n;
}

/* Printable ASCII without blanks (a URL or a session name), bounded. */
static bool
printable(const char *s)
{
	size_t n = 0;

	for (; s[n] != '\0'; n++)
		if ((unsigned char)s[n] <= 0x20 || (unsigned char)s[n] >= 0x7f)
			return false;
	return n > 0 && n <= 1024;
}

static int
dup_to(char **dst, const char *src, struct err *e)
{
	*dst = src ? strdup(src) : NULL;
	return src && *dst == NULL ? err_set(e, -ENOMEM, "out of memory") : 0;
}

/*
 * The configured endpoint of `svc` or its default on `host`.<region>;
 * `note` gets ", <what> endpoint from <source>" when one was configured.
 */
static int
endpoint(const struct creds_inputs *in, const char *svc, const char *var, const char *host,
	 const char *what, const char *region, char **ret, char *note, size_t n, struct err *e)
{
	struct awsconf_input ai = {
		.envp = in->envp,
		.config = &in->config_file.ini,
		.config_path = in->config_file.path,
		.profile = in->config.profile,
	};
	struct awsconf_error ae;
	char src[AWSCONF_SOURCE_MAX], url[512];
	char *v = NULL;
	size_t used;
	int r;

	memset(&ae, 0, sizeof(ae));
	r = awsconf_service_endpoint(&ai, svc, var, &v, src, &ae);
	if (r < 0)
		return err_set(e, r, "%s: %s", ae.where, ae.e.msg);
	if (v != NULL) {
		used = strlen(note);
		snprintf(note + used, n - used, ", %s endpoint from %s", what, src);
		*ret = v;
		return 0;
	}
	snprintf(url, sizeof(url), "https://%s.%s.%s", host, region,
		 validate_partition_dns_suffix(validate_region_partition(region)));
	return dup_to(ret, url, e);
}

int
creds_plan_sso(const struct creds_inputs *in, const char *profile, struct creds_sso_plan *ret,
	       char *desc, size_t desc_n, struct err *e)
{
	static const char *const keys[] = {"sso_session", "sso_start_url", "sso_region",
					   "sso_account_id", "sso_role_name"};
	const char *session = get(in, profile, "sso_session");
	const char *url = get(in, profile, "sso_start_url");
	const char *region = get(in, profile, "sso_region");
	const char *account = get(in, profile, "sso_account_id");
	const char *role = get(in, profile, "sso_role_name");
	const char *file = in->config_file.path ? in->config_file.path : "the AWS config file";
	const char *home = creds_env_get(in->envp, "HOME");
	struct creds_sso_plan p = {0};
	char hex[CREDS_SHA1_HEX_SIZE], note[512] = "", *path = NULL;
	bool any = false;
	struct err ve;
	int r;

	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		any = any || get(in, profile, keys[i]) != NULL;
	if (!any)
		return 0;
	if (account == NULL || role == NULL)
		return err_set(e, -EINVAL,
			       "profile %s: an SSO profile needs sso_account_id and sso_role_name; "
			       "%s missing (%s)",
			       profile,
			       account == NULL && role == NULL ? "both are"
			       : account == NULL               ? "sso_account_id is"
							       : "sso_role_name is",
			       file);
	if (session != NULL) {
		const struct ini_section *s =
			ini_section(&in->config_file.ini, "sso-session", session);
		const char *s_url = ini_get(s, "sso_start_url"),
			   *s_region = ini_get(s, "sso_region");

		if (s == NULL)
			return err_set(
				e, -EINVAL,
				"profile %s: sso_session %s names an [sso-session %s] section "
				"that %s does not have",
				profile, session, session, file);
		if (s_url == NULL || s_region == NULL)
			return err_set(e, -EINVAL, "%s: [sso-session %s] needs %s", file, session,
				       s_url == NULL && s_region == NULL
					       ? "sso_start_url and sso_region"
				       : s_url == NULL ? "sso_start_url"
						       : "sso_region");
		/* botocore: a key set in both must agree. */
		if ((url != NULL && strcmp(url, s_url) != 0) ||
		    (region != NULL && strcmp(region, s_region) != 0))
			return err_set(
				e, -EINVAL,
				"profile %s: %s differs between the profile and [sso-session "
				"%s]",
				profile,
				url != NULL && strcmp(url, s_url) != 0 ? "sso_start_url"
								       : "sso_region",
				session);
		url = s_url;
		region = s_region;
		if (!printable(session))
			return err_set(e, -EINVAL,
				       "profile %s: sso_session is not printable ASCII without "
				       "blanks",
				       profile);
	} else if (url == NULL || region == NULL) {
		return err_set(e, -EINVAL,
			       "profile %s: an SSO profile needs sso_session, or sso_start_url and "
			       "sso_region (%s)",
			       profile, file);
	}
	err_clear(&ve);
	if (validate_region(region, &ve) < 0)
		return err_set(e, -EINVAL, "profile %s: sso_region: %s", profile, ve.msg);
	if (!account_ok(account))
		return err_set(e, -EINVAL, "profile %s: sso_account_id must be 12 digits", profile);
	if (!role_ok(role))
		return err_set(e, -EINVAL,
			       "profile %s: sso_role_name must be 1 to %d of A-Z a-z 0-9 _+=,.@-",
			       profile, ROLE_NAME_MAX);
	if (!printable(url))
		return err_set(e, -EINVAL,
			       "profile %s: sso_start_url is not printable ASCII without blanks",
			       profile);
	if (home == NULL)
		return err_set(e, -ENOENT,
			       "profile %s: HOME is not set, so the SSO token cache "
			       "(~/.aws/sso/cache) cannot be found",
			       profile);
	if (creds_sha1_hex(session ? session : url, hex) < 0)
		return err_set(e, -EIO, "SHA-1 is not available");
	if (asprintf(&path, "%s/.aws/sso/cache/%s.json", home, hex) < 0)
		return err_set(e, -ENOMEM, "out of memory");
	p.cache_file = path;
	if ((r = dup_to(&p.profile, profile, e)) < 0 ||
	    (r = dup_to(&p.session_name, session, e)) < 0 ||
	    (r = dup_to(&p.start_url, url, e)) < 0 || (r = dup_to(&p.region, region, e)) < 0 ||
	    (r = dup_to(&p.account_id, account, e)) < 0 ||
	    (r = dup_to(&p.role_name, role, e)) < 0 ||
	    (r = endpoint(in, "sso", "AWS_ENDPOINT_URL_SSO", "portal.sso", "portal", region,
			  &p.portal_endpoint, note, sizeof(note), e)) < 0 ||
	    (r = endpoint(in, "sso_oidc", "AWS_ENDPOINT_URL_SSO_OIDC", "oidc", "OIDC", region,
			  &p.oidc_endpoint, note, sizeof(note), e)) < 0)
		goto fail;
	snprintf(desc, desc_n, "SSO role %s in account %s (profile %s%s%s%s)", role, account,
		 profile, session ? ", sso-session " : "", session ? session : "", note);
	*ret = p;
	return 1;
fail:
	creds_sso_plan_free(&p);
	return r;
}

void
creds_sso_plan_free(struct creds_sso_plan *s)
{
	if (s == NULL)
		return;
	free(s->profile);
	free(s->session_name);
	free(s->start_url);
	free(s->region);
	free(s->account_id);
	free(s->role_name);
	free(s->cache_file);
	free(s->portal_endpoint);
	free(s->oidc_endpoint);
	memset(s, 0, sizeof(*s));
}
