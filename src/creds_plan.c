/* SPDX-License-Identifier: ISC */
/*
 * creds_plan: resolve the credential provider chain into a plan.  See
 * creds_plan.h for the chain itself.
 *
 * The resolver mirrors botocore's AssumeRoleProvider for profiles: a chain is
 * walked from the chosen profile down its source_profile links to the
 * profile (or credential_source) that yields base credentials, then the
 * hops are taken in the reverse order of the walk.  The walk is recorded in a
 * small stack of visited names to refuse loops, exactly where botocore
 * raises InfiniteLoopConfigError.
 */
#include "secret.h"
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/crypto.h>

#include "awsconf.h"
#include "buf.h"
#include "creds_plan.h"
#include "creds_sso.h"
#include "shlex.h"

#define DESC_MAX 2048

const char *
creds_env_get(char *const *envp, const char *name)
{
	size_t n = strlen(name);

	if (envp == NULL)
		return NULL;
	for (; *envp != NULL; envp++)
		if (strncmp(*envp, name, n) == 0 && (*envp)[n] == '=')
			return (*envp)[n + 1] != '\0' ? *envp + n + 1 : NULL;
	return NULL;
}

const char *
creds_env_profile(char *const *envp, const char **ret_var)
{
	/* botocore: 'profile': (None, ['AWS_DEFAULT_PROFILE', 'AWS_PROFILE'], ...). */
	static const char *const vars[] = {"AWS_DEFAULT_PROFILE", "AWS_PROFILE"};

	for (size_t i = 0; i < 2; i++) {
		const char *v = creds_env_get(envp, vars[i]);

		if (v != NULL) {
			if (ret_var != NULL)
				*ret_var = vars[i];
			return v;
		}
	}
	return NULL;
}

void
creds_plan_free(struct creds_plan *p)
{
	if (p == NULL)
		return;
	free(p->description);
	creds_free(&p->static_creds);
	strv_free(&p->process_argv);
	free(p->role_arn);
	free(p->token_file);
	free(p->session_name);
	free(p->url);
	secret_free(p->auth_token);
	free(p->auth_token_file);
	creds_sso_plan_free(&p->sso);
	for (size_t i = 0; i < p->n_hops; i++) {
		free(p->hops[i].role_arn);
		free(p->hops[i].external_id);
		free(p->hops[i].session_name);
		free(p->hops[i].profile);
	}
	memset(p, 0, sizeof(*p));
}

int
creds_auth_token_clean(char *token, const char *what, struct err *e)
{
	size_t n = strlen(token);

	if (n > 0 && token[n - 1] == '\n')
		token[--n] = '\0';
	if (n > 0 && token[n - 1] == '\r')
		token[--n] = '\0';
	if (n == 0)
		return err_set(e, -EINVAL, "%s: authorization token is empty", what);
	if (n > CREDS_FIELD_MAX)
		return err_set(e, -EINVAL, "%s: authorization token longer than %d bytes", what,
			       CREDS_FIELD_MAX);
	if (strpbrk(token, "\r\n") != NULL)
		return err_set(e, -EINVAL, "%s: authorization token contains CR or LF", what);
	return 0;
}

bool
creds_container_url_allowed(const char *url)
{
	const char *h, *end;
	char host[256];
	unsigned char a[16];
	size_t n;

	if (strncasecmp(url, "https://", 8) == 0)
		return url[8] != '\0' && url[8] != '/';
	if (strncasecmp(url, "http://", 7) != 0)
		return false;
	h = url + 7;
	end = h + strcspn(h, "/?#");
	if (memchr(h, '@', (size_t)(end - h)) != NULL)
		return false; /* userinfo: refuse rather than guess the host */
	if (*h == '[') {
		const char *close = memchr(h, ']', (size_t)(end - h));

		if (close == NULL)
			return false;
		n = (size_t)(close - h - 1);
		if (n >= sizeof(host))
			return false;
		memcpy(host, h + 1, n);
		host[n] = '\0';
		if (close[1] != '\0' && close + 1 != end && close[1] != ':')
			return false;
		if (inet_pton(AF_INET6, host, a) != 1)
			return false;
		return memcmp(a, "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\1", 16) == 0 ||
		       memcmp(a, "\xfd\0\x0e\xc2\0\0\0\0\0\0\0\0\0\0\0\x23", 16) == 0;
	}
	n = strcspn(h, ":/?#");
	if (n == 0 || n >= sizeof(host))
		return false;
	memcpy(host, h, n);
	host[n] = '\0';
	if (strcasecmp(host, "localhost") == 0)
		return true;
	if (inet_pton(AF_INET, host, a) != 1)
		return false;
	return a[0] == 127 || strcmp(host, "169.254.170.2") == 0 ||
	       strcmp(host, "169.254.170.23") == 0;
}

/* --- resolution -------------------------------------------------------------- */

struct resolver {
	const struct creds_inputs *in;
	struct creds_plan plan;
	struct buf desc;
	const char *visited[CREDS_MAX_HOPS + 2];
	size_t n_visited;
	struct err *e;
};

static int
set_str(char **dst, const char *src, struct err *e)
{
	free(*dst);
	*dst = NULL;
	if (src == NULL)
		return 0;
	*dst = strdup(src);
	return *dst ? 0 : err_set(e, -ENOMEM, "out of memory");
}

static void describe(struct resolver *rs, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void
describe(struct resolver *rs, const char *fmt, ...)
{
	char line[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	/* Descriptions are for humans; a truncated one is not worth an error. */
	(void)buf_puts(&rs->desc, line);
}

static int
use_static(struct resolver *rs, const char *key, const char *secret, const char *token,
	   const char *what)
{
	rs->plan.source = CREDS_SOURCE_STATIC;
	return creds_set(&rs->plan.static_creds, key, secret, token, 0, NULL, NULL, what, rs->e);
}

static int
use_web_identity(struct resolver *rs, const char *role, const char *file, const char *session)
{
	rs->plan.source = CREDS_SOURCE_WEB_IDENTITY;
	if (set_str(&rs->plan.role_arn, role, rs->e) < 0 ||
	    set_str(&rs->plan.token_file, file, rs->e) < 0 ||
	    set_str(&rs->plan.session_name, session, rs->e) < 0)
		return -ENOMEM;
	return 0;
}

static const char *
env(const struct resolver *rs, const char *name)
{
	return creds_env_get(rs->in->envp, name);
}

/* AWS_ACCESS_KEY_ID + AWS_SECRET_ACCESS_KEY: 1 used, 0 absent, <0 error. */
static int
try_env_static(struct resolver *rs)
{
	const char *key = env(rs, "AWS_ACCESS_KEY_ID"), *secret = env(rs, "AWS_SECRET_ACCESS_KEY");
	int r;

	if (key == NULL && secret == NULL)
		return 0;
	if (key == NULL || secret == NULL)
		return err_set(rs->e, -EINVAL, "environment: %s is set but %s is not",
			       key ? "AWS_ACCESS_KEY_ID" : "AWS_SECRET_ACCESS_KEY",
			       key ? "AWS_SECRET_ACCESS_KEY" : "AWS_ACCESS_KEY_ID");
	r = use_static(rs, key, secret, env(rs, "AWS_SESSION_TOKEN"), "environment");
	if (r < 0)
		return r;
	describe(rs, "environment (AWS_ACCESS_KEY_ID)");
	return 1;
}

static int
try_ecs(struct resolver *rs)
{
	const char *rel = env(rs, "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI");
	const char *full = env(rs, "AWS_CONTAINER_CREDENTIALS_FULL_URI");
	const char *token_file = env(rs, "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE");
	const char *token = env(rs, "AWS_CONTAINER_AUTHORIZATION_TOKEN");
	struct buf url;
	int r;

	if (rel == NULL && full == NULL)
		return 0;
	buf_init(&url, 4096);
	if (rel != NULL) {
		if (rel[0] != '/')
			return err_set(
				rs->e, -EINVAL,
				"AWS_CONTAINER_CREDENTIALS_RELATIVE_URI must start with \"/\"");
		if (buf_printf(&url, "http://%s%s", CREDS_ECS_HOST, rel) < 0)
			return err_set(rs->e, -E2BIG,
				       "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI is too long");
	} else {
		if (!creds_container_url_allowed(full))
			return err_set(
				rs->e, -EINVAL,
				"AWS_CONTAINER_CREDENTIALS_FULL_URI: http is allowed only to "
				"loopback, 169.254.170.2, 169.254.170.23 or [fd00:ec2::23]; "
				"use https for other hosts");
		if (buf_puts(&url, full) < 0)
			return err_set(rs->e, -E2BIG,
				       "AWS_CONTAINER_CREDENTIALS_FULL_URI is too long");
	}
	rs->plan.source = CREDS_SOURCE_ECS;
	rs->plan.url = buf_steal(&url);
	if (rs->plan.url == NULL)
		return err_set(rs->e, -ENOMEM, "out of memory");
	if (token_file != NULL) {
		if (set_str(&rs->plan.auth_token_file, token_file, rs->e) < 0)
			return -ENOMEM;
	} else if (token != NULL) {
		if (set_str(&rs->plan.auth_token, token, rs->e) < 0)
			return -ENOMEM;
		r = creds_auth_token_clean(rs->plan.auth_token, "AWS_CONTAINER_AUTHORIZATION_TOKEN",
					   rs->e);
		if (r < 0)
			return r;
	}
	describe(rs, "ECS container endpoint");
	return 1;
}

static int
try_imds(struct resolver *rs)
{
	const char *disabled = env(rs, "AWS_EC2_METADATA_DISABLED");
	const char *endpoint = env(rs, "AWS_EC2_METADATA_SERVICE_ENDPOINT");
	const char *mode = env(rs, "AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE");

	if (disabled != NULL && strcasecmp(disabled, "true") == 0)
		return 0;
	if (endpoint != NULL) {
		if (strncasecmp(endpoint, "http://", 7) != 0 &&
		    strncasecmp(endpoint, "https://", 8) != 0)
			return err_set(rs->e, -EINVAL,
				       "AWS_EC2_METADATA_SERVICE_ENDPOINT must be an http:// or "
				       "https:// URL");
	} else if (mode == NULL || strcasecmp(mode, "ipv4") == 0) {
		endpoint = CREDS_IMDS_ENDPOINT_V4;
	} else if (strcasecmp(mode, "ipv6") == 0) {
		endpoint = CREDS_IMDS_ENDPOINT_V6;
	} else {
		return err_set(rs->e, -EINVAL,
			       "AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE must be IPv4 or IPv6");
	}
	rs->plan.source = CREDS_SOURCE_IMDS;
	if (set_str(&rs->plan.url, endpoint, rs->e) < 0)
		return -ENOMEM;
	describe(rs, "IMDSv2 instance role");
	return 1;
}

/* Value of `key` in profile `name`: the credentials file wins, as in botocore. */
static const char *
profile_get(const struct resolver *rs, const char *name, const char *key)
{
	const char *v = ini_get(ini_profile(&rs->in->creds_file.ini, name), key);

	return v ? v : ini_get(ini_profile(&rs->in->config_file.ini, name), key);
}

static bool
has_static(const struct ini_section *s)
{
	return ini_get(s, "aws_access_key_id") != NULL ||
	       ini_get(s, "aws_secret_access_key") != NULL;
}

/* Static keys of profile `name` in file `f`: 1 used, 0 none, <0 error. */
static int
try_file_static(struct resolver *rs, const struct creds_file *f, const char *name)
{
	const struct ini_section *s = ini_profile(&f->ini, name);
	const char *key = ini_get(s, "aws_access_key_id");
	const char *secret = ini_get(s, "aws_secret_access_key");
	const char *token = ini_get(s, "aws_session_token");
	char what[512];
	int r;

	if (!has_static(s))
		return 0;
	snprintf(what, sizeof(what), "%s: profile %s", f->path, name);
	if (key == NULL || secret == NULL)
		return err_set(rs->e, -EINVAL, "%s: has %s but no %s", what,
			       key ? "aws_access_key_id" : "aws_secret_access_key",
			       key ? "aws_secret_access_key" : "aws_access_key_id");
	if (f->exposed)
		return err_set(rs->e, -EPERM,
			       "%s holds the secret key of profile %s but is readable by group or "
			       "others; refusing it (run: chmod 600 %s)",
			       f->path, name, f->path);
	if (token == NULL)
		token = ini_get(s, "aws_security_token");
	r = use_static(rs, key, secret, token, what);
	if (r < 0)
		return r;
	describe(rs, "profile %s: static keys in %s", name, f->path);
	return 1;
}

static int
check_web_identity_role(struct resolver *rs, const char *role, const char *where)
{
	if (role == NULL)
		return err_set(rs->e, -EINVAL,
			       "%s: web_identity_token_file is set but role_arn is not", where);
	return 0;
}

static int
try_credential_source(struct resolver *rs, const char *profile, const char *source)
{
	int r;

	if (strcmp(source, "Environment") == 0) {
		r = try_env_static(rs);
		if (r == 0)
			r = err_set(
				rs->e, -ENOENT,
				"profile %s: credential_source Environment but AWS_ACCESS_KEY_ID "
				"and AWS_SECRET_ACCESS_KEY are not set",
				profile);
		return r;
	}
	if (strcmp(source, "Ec2InstanceMetadata") == 0) {
		r = try_imds(rs);
		if (r == 0)
			r = err_set(rs->e, -ENOENT,
				    "profile %s: credential_source Ec2InstanceMetadata but "
				    "AWS_EC2_METADATA_DISABLED is true",
				    profile);
		return r;
	}
	if (strcmp(source, "EcsContainer") == 0) {
		r = try_ecs(rs);
		if (r == 0)
			r = err_set(rs->e, -ENOENT,
				    "profile %s: credential_source EcsContainer but neither "
				    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI nor _FULL_URI is set",
				    profile);
		return r;
	}
	return err_set(rs->e, -EINVAL,
		       "profile %s: credential_source \"%s\" is not one of Environment, "
		       "Ec2InstanceMetadata, EcsContainer",
		       profile, source);
}

static int
add_hop(struct resolver *rs, const char *role, const char *external_id, const char *session,
	const char *duration, const char *profile)
{
	struct creds_hop *h;
	long d = 0;

	if (rs->plan.n_hops >= CREDS_MAX_HOPS)
		return err_set(rs->e, -ELOOP,
			       "more than %d AssumeRole hops in the credential chain",
			       CREDS_MAX_HOPS);
	if (duration != NULL) {
		char *end;

		errno = 0;
		d = strtol(duration, &end, 10);
		if (errno != 0 || *end != '\0' || end == duration || d < 900 || d > 43200)
			return err_set(rs->e, -EINVAL,
				       "profile %s: duration_seconds must be a number of seconds "
				       "from 900 to 43200",
				       profile ? profile : "?");
	}
	h = &rs->plan.hops[rs->plan.n_hops];
	memset(h, 0, sizeof(*h));
	h->duration = (int)d;
	rs->plan.n_hops++;
	if (set_str(&h->role_arn, role, rs->e) < 0 ||
	    set_str(&h->external_id, external_id, rs->e) < 0 ||
	    set_str(&h->session_name, session, rs->e) < 0 ||
	    set_str(&h->profile, profile, rs->e) < 0)
		return -ENOMEM;
	describe(rs, ", then AssumeRole %s", role);
	return 0;
}

/* The SSO settings of profile `name`: 1 used, 0 none, <0 error (creds_plan_sso). */
static int
try_sso(struct resolver *rs, const char *name)
{
	char desc[1024];
	int r;

	r = creds_plan_sso(rs->in, name, &rs->plan.sso, desc, sizeof(desc), rs->e);
	if (r <= 0)
		return r;
	rs->plan.source = CREDS_SOURCE_SSO;
	describe(rs, "%s", desc);
	return 1;
}

static int resolve_profile(struct resolver *rs, const char *name, bool top);

/* `name` has role_arn: walk to its source, then add its hop. */
static int
resolve_assume_role(struct resolver *rs, const char *name)
{
	const char *sp = profile_get(rs, name, "source_profile");
	const char *cs = profile_get(rs, name, "credential_source");
	int r;

	if (profile_get(rs, name, "mfa_serial") != NULL)
		return err_set(
			rs->e, -ENOTSUP,
			"profile %s: mfa_serial needs an interactive MFA code, which a daemon "
			"cannot provide",
			name);
	if (sp != NULL && cs != NULL)
		return err_set(rs->e, -EINVAL,
			       "profile %s: has both source_profile and credential_source", name);
	if (sp == NULL && cs == NULL)
		return err_set(rs->e, -EINVAL,
			       "profile %s: has role_arn but neither source_profile nor "
			       "credential_source",
			       name);
	if (cs != NULL) {
		r = try_credential_source(rs, name, cs);
	} else if (strcmp(sp, name) == 0) {
		/* A profile may combine its own static keys with its role. */
		r = try_file_static(rs, &rs->in->creds_file, name);
		if (r == 0)
			r = try_file_static(rs, &rs->in->config_file, name);
		if (r == 0)
			r = err_set(rs->e, -ELOOP,
				    "profile %s: is its own source_profile but has no static keys",
				    name);
	} else {
		for (size_t i = 0; i < rs->n_visited; i++)
			if (strcmp(rs->visited[i], sp) == 0)
				return err_set(rs->e, -ELOOP,
					       "profile %s: source_profile %s makes a loop", name,
					       sp);
		if (rs->n_visited >= CREDS_MAX_HOPS + 1)
			return err_set(rs->e, -ELOOP,
				       "more than %d AssumeRole hops in the credential chain",
				       CREDS_MAX_HOPS);
		rs->visited[rs->n_visited++] = sp;
		r = resolve_profile(rs, sp, false);
		if (r == 0)
			r = err_set(rs->e, -ENOENT,
				    "profile %s: source_profile %s does not exist or has no "
				    "credentials",
				    name, sp);
	}
	if (r < 0)
		return r;
	r = add_hop(rs, profile_get(rs, name, "role_arn"), profile_get(rs, name, "external_id"),
		    profile_get(rs, name, "role_session_name"),
		    profile_get(rs, name, "duration_seconds"), name);
	return r < 0 ? r : 1;
}

/*
 * Credentials of profile `name`: 1 found (plan filled), 0 the profile is
 * absent or yields nothing, <0 error.  `top`: the chosen profile, where
 * role_arn wins over static keys (botocore's provider order); in a source
 * profile static keys win.
 */
static int
resolve_profile(struct resolver *rs, const char *name, bool top)
{
	const struct ini_section *cfg = ini_profile(&rs->in->config_file.ini, name);
	const struct ini_section *crd = ini_profile(&rs->in->creds_file.ini, name);
	const char *role = profile_get(rs, name, "role_arn");
	const char *wif = profile_get(rs, name, "web_identity_token_file");
	const char *process = profile_get(rs, name, "credential_process");
	int r;

	if (cfg == NULL && crd == NULL)
		return 0;
	if (role != NULL && wif == NULL && (top || !(has_static(cfg) || has_static(crd))))
		return resolve_assume_role(rs, name);
	if (wif != NULL) {
		char where[256];

		snprintf(where, sizeof(where), "profile %s", name);
		r = check_web_identity_role(rs, role, where);
		if (r == 0)
			r = use_web_identity(rs, role, wif,
					     profile_get(rs, name, "role_session_name"));
		if (r < 0)
			return r;
		describe(rs, "profile %s: web identity", name);
		return 1;
	}
	r = try_sso(rs, name);
	if (r != 0)
		return r;
	r = try_file_static(rs, &rs->in->creds_file, name);
	if (r != 0)
		return r;
	if (process != NULL) {
		struct err se;

		err_clear(&se);
		rs->plan.source = CREDS_SOURCE_PROCESS;
		r = shlex_split(process, &rs->plan.process_argv, &se);
		if (r < 0)
			return err_set(rs->e, r, "profile %s: credential_process: %s", name,
				       se.msg);
		if (rs->plan.process_argv.n == 0)
			return err_set(rs->e, -EINVAL, "profile %s: credential_process is empty",
				       name);
		describe(rs, "profile %s: credential_process %s", name, rs->plan.process_argv.v[0]);
		return 1;
	}
	return try_file_static(rs, &rs->in->config_file, name);
}

static int
file_paths(const struct resolver *rs, char *out, size_t n)
{
	snprintf(out, n, "%s%s%s", rs->in->config_file.path ? rs->in->config_file.path : "",
		 rs->in->config_file.path && rs->in->creds_file.path ? ", " : "",
		 rs->in->creds_file.path ? rs->in->creds_file.path : "");
	return 0;
}

static int
try_systemd(struct resolver *rs)
{
	const struct creds_file *f = &rs->in->systemd_file;
	const struct ini_section *s;
	static const char *const unsupported[] = {"role_arn", "source_profile", "credential_source",
						  "credential_process", "web_identity_token_file"};
	int r;

	if (f->path == NULL)
		return 0;
	s = ini_profile(&f->ini, "default");
	if (s == NULL)
		return err_set(rs->e, -EINVAL, "%s: systemd credential has no [default] section",
			       f->path);
	for (size_t i = 0; i < sizeof(unsupported) / sizeof(unsupported[0]); i++)
		if (ini_get(s, unsupported[i]) != NULL)
			return err_set(
				rs->e, -EINVAL,
				"%s: %s is not supported in the systemd credential (only "
				"aws_access_key_id, aws_secret_access_key, aws_session_token)",
				f->path, unsupported[i]);
	if (ini_get(s, "aws_access_key_id") == NULL || ini_get(s, "aws_secret_access_key") == NULL)
		return err_set(rs->e, -EINVAL,
			       "%s: systemd credential needs aws_access_key_id and "
			       "aws_secret_access_key in [default]",
			       f->path);
	r = use_static(rs, ini_get(s, "aws_access_key_id"), ini_get(s, "aws_secret_access_key"),
		       ini_get(s, "aws_session_token"), f->path);
	if (r < 0)
		return r;
	describe(rs, "systemd credential %s", CREDS_SYSTEMD_NAME);
	return 1;
}

/* Steps 2..6 of the chain, or the configured profile alone. */
static int
resolve_base(struct resolver *rs)
{
	const struct creds_config *cf = &rs->in->config;
	const char *profile = cf->profile;
	bool explicit = profile != NULL;
	const char *profile_var = "vpcesd.yaml credentials.profile";
	char paths[1024];
	int r;

	if (profile == NULL) {
		r = try_env_static(rs);
		if (r != 0)
			return r;
		if (env(rs, "AWS_WEB_IDENTITY_TOKEN_FILE") != NULL) {
			r = check_web_identity_role(rs, env(rs, "AWS_ROLE_ARN"),
						    "environment: AWS_WEB_IDENTITY_TOKEN_FILE");
			if (r == 0)
				r = use_web_identity(rs, env(rs, "AWS_ROLE_ARN"),
						     env(rs, "AWS_WEB_IDENTITY_TOKEN_FILE"),
						     env(rs, "AWS_ROLE_SESSION_NAME"));
			if (r < 0)
				return r;
			describe(rs, "web identity (AWS_WEB_IDENTITY_TOKEN_FILE)");
			return 1;
		}
		r = try_systemd(rs);
		if (r != 0)
			return r;
		profile = creds_env_profile(rs->in->envp, &profile_var);
		explicit = profile != NULL;
		if (profile == NULL)
			profile = "default";
	}
	rs->visited[0] = profile;
	rs->n_visited = 1;
	r = resolve_profile(rs, profile, true);
	if (r != 0)
		return r;
	file_paths(rs, paths, sizeof(paths));
	if (explicit) {
		if (ini_profile(&rs->in->config_file.ini, profile) == NULL &&
		    ini_profile(&rs->in->creds_file.ini, profile) == NULL)
			return err_set(rs->e, -ENOENT, "profile %s (%s) not found in %s", profile,
				       profile_var,
				       paths[0] ? paths : "any AWS config or credentials file");
		if (cf->profile != NULL)
			return err_set(rs->e, -ENOENT, "profile %s yields no credentials", profile);
	}
	r = try_ecs(rs);
	if (r != 0)
		return r;
	r = try_imds(rs);
	if (r != 0)
		return r;
	return err_set(rs->e, -ENOENT,
		       "no AWS credentials found: tried vpcesd.yaml credentials, environment, "
		       "systemd credential %s, profile %s in %s, ECS container endpoint, and IMDS "
		       "(disabled by AWS_EC2_METADATA_DISABLED)",
		       CREDS_SYSTEMD_NAME, profile, paths[0] ? paths : "(no files)");
}

int
creds_plan_resolve(const struct creds_inputs *in, struct creds_plan *ret, struct err *e)
{
	const struct creds_config *cf = &in->config;
	struct resolver rs = {.in = in, .e = e};
	int r;

	buf_init(&rs.desc, DESC_MAX);
	if (cf->web_identity_token_file != NULL) {
		r = check_web_identity_role(&rs, cf->role_arn,
					    "vpcesd.yaml credentials.web_identity_token_file");
		if (r == 0 && cf->external_id != NULL)
			r = err_set(e, -EINVAL,
				    "vpcesd.yaml credentials.external_id does not apply to web "
				    "identity");
		if (r == 0 && cf->profile != NULL)
			r = err_set(e, -EINVAL,
				    "vpcesd.yaml credentials: profile and web_identity_token_file "
				    "exclude each other");
		if (r == 0)
			r = use_web_identity(&rs, cf->role_arn, cf->web_identity_token_file,
					     cf->session_name);
		if (r < 0)
			goto fail;
		describe(&rs, "web identity (vpcesd.yaml credentials)");
	} else {
		if (cf->role_arn == NULL && (cf->external_id != NULL || cf->session_name != NULL)) {
			r = err_set(e, -EINVAL,
				    "vpcesd.yaml credentials: external_id and session_name need "
				    "role_arn");
			goto fail;
		}
		r = resolve_base(&rs);
		if (r < 0)
			goto fail;
		if (cf->role_arn != NULL) {
			r = add_hop(&rs, cf->role_arn, cf->external_id, cf->session_name, NULL,
				    NULL);
			if (r < 0)
				goto fail;
			/* add_hop described it; say where it came from. */
			describe(&rs, " (vpcesd.yaml)");
		}
	}
	rs.plan.description = buf_steal(&rs.desc);
	if (rs.plan.description == NULL) {
		r = err_set(e, -ENOMEM, "out of memory");
		goto fail;
	}
	*ret = rs.plan;
	return 0;
fail:
	if (!err_isset(e))
		err_set(e, r, "cannot resolve the credential provider");
	buf_free(&rs.desc);
	creds_plan_free(&rs.plan);
	return r;
}
