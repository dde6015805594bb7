/* SPDX-License-Identifier: ISC */
/*
 * Unit tests for creds_sso.h and the SSO step of creds_plan.h: the token
 * cache file (valid, malformed, missing members, bad dates, oversized), its
 * rewrite after a renewal, the OIDC and portal answers, and which profiles
 * the planner turns into SSO, with what cache file and endpoints, and which
 * it refuses (never falling through to another provider).
 *
 * Every secret contains CANARY; every error message goes through
 * expect_msg(), which fails when it holds one.
 */
#include "config.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "creds_plan.h"
#include "creds_sso.h"
#include "secret.h"

#define CANARY "CANARYtoken0123456789"
#define T_2026 1768482000 /* 2026-01-15T13:00:00Z */

static void
expect_msg(const struct err *e, const char *needle)
{
	if (strstr(e->msg, "CANARY") != NULL)
		fail_msg("error message leaks a secret: %s", e->msg);
	if (strstr(e->msg, needle) == NULL)
		fail_msg("message \"%s\" lacks \"%s\"", e->msg, needle);
}

/* --- the cache file ----------------------------------------------------------------- */

static int
parse(const char *text, struct creds_sso_token *t, struct err *e)
{
	err_clear(e);
	return creds_sso_token_parse(text, strlen(text), "cache.json", t, e);
}

static void
parse_error(const char *text, int code, const char *needle)
{
	struct creds_sso_token t = {.expires_at = 77};
	struct err e;

	assert_int_equal(parse(text, &t, &e), code);
	expect_msg(&e, needle);
	assert_int_equal(t.expires_at, 77); /* untouched */
	assert_null(t.access_token);
}

static void
test_sha1(void **state)
{
	char hex[CREDS_SHA1_HEX_SIZE];

	(void)state;
	/* What botocore's SSOTokenLoader names the files (hashlib.sha1(...).hexdigest()). */
	assert_int_equal(creds_sha1_hex("corp", hex), 0);
	assert_string_equal(hex, "ee0bfd2552fbd840c02cc48b6e823320543c450f");
	assert_int_equal(creds_sha1_hex("https://my-sso-portal.awsapps.com/start", hex), 0);
	assert_string_equal(hex, "c7aaaf71fcc8777ae2475525ed049d39fe16c484");
}

static void
test_token_parse(void **state)
{
	struct creds_sso_token t;
	struct err e;

	(void)state;
	/* What `aws sso login` writes for an sso-session (CLI v2). */
	assert_int_equal(parse("{\"startUrl\": \"https://corp.awsapps.com/start\", \"region\": "
			       "\"us-east-1\", \"accessToken\": \"" CANARY "a\", \"expiresAt\": "
			       "\"2026-01-15T13:00:00Z\", \"clientId\": \"cid\", \"clientSecret\": "
			       "\"" CANARY
			       "s\", \"registrationExpiresAt\": \"2026-04-15T13:00:00Z\", "
			       "\"refreshToken\": \"" CANARY "r\", \"future\": {\"x\": [1]}}\n",
			       &t, &e),
			 0);
	assert_string_equal(t.access_token, CANARY "a");
	assert_int_equal(t.expires_at, T_2026);
	assert_string_equal(t.refresh_token, CANARY "r");
	assert_string_equal(t.client_id, "cid");
	assert_string_equal(t.client_secret, CANARY "s");
	assert_int_equal(t.registration_expires, T_2026 + 90 * 86400);
	assert_string_equal(t.start_url, "https://corp.awsapps.com/start");
	assert_true(creds_sso_token_refreshable(&t, T_2026));
	assert_false(creds_sso_token_refreshable(&t, T_2026 + 90 * 86400));
	creds_sso_token_free(&t);
	assert_null(t.access_token);
	creds_sso_token_free(&t);
	creds_sso_token_free(NULL);

	/* The legacy form: token and expiry only; not refreshable. */
	assert_int_equal(parse("{\"accessToken\":\"" CANARY
			       "\",\"expiresAt\":\"2026-01-15T13:00:00.5Z\"}",
			       &t, &e),
			 0);
	assert_int_equal(t.expires_at, T_2026);
	assert_null(t.refresh_token);
	assert_false(creds_sso_token_refreshable(&t, 0));
	creds_sso_token_free(&t);
	/* Older CLI releases wrote "...UTC"; offsets are fine too. */
	assert_int_equal(parse("{\"accessToken\":\"" CANARY
			       "\",\"expiresAt\":\"2026-01-15T13:00:00UTC\"}",
			       &t, &e),
			 0);
	assert_int_equal(t.expires_at, T_2026);
	creds_sso_token_free(&t);
	assert_int_equal(parse("{\"accessToken\":\"" CANARY
			       "\",\"expiresAt\":\"2026-01-15T14:00:00+01:00\"}",
			       &t, &e),
			 0);
	assert_int_equal(t.expires_at, T_2026);
	creds_sso_token_free(&t);
}

static void
test_token_errors(void **state)
{
	char *huge;
	size_t n = CREDS_SSO_CACHE_MAX + 100;
	struct creds_sso_token t;
	struct err e;

	(void)state;
	parse_error("", -EINVAL, "cache.json: token cache file is empty");
	parse_error("{\"accessToken\": \"" CANARY, -EINVAL, "is not valid JSON");
	parse_error("[\"" CANARY "\"]", -EINVAL, "is not a JSON object");
	parse_error("{\"accessToken\":\"" CANARY "\",\"expiresAt\":\"2026-01-15T13:00:00Z\"} x",
		    -EINVAL, "garbage after");
	parse_error("{\"expiresAt\":\"2026-01-15T13:00:00Z\"}", -EINVAL,
		    "required member \"accessToken\" missing");
	parse_error("{\"accessToken\":\"" CANARY "\"}", -EINVAL,
		    "required member \"expiresAt\" missing");
	parse_error("{\"accessToken\":\"" CANARY "\",\"expiresAt\":\"tomorrow\"}", -EINVAL,
		    "\"expiresAt\" is not an RFC 3339 time");
	parse_error("{\"accessToken\":\"" CANARY "\",\"expiresAt\":\"2026-02-30T13:00:00Z\"}",
		    -EINVAL, "\"expiresAt\" is not an RFC 3339 time");
	parse_error("{\"accessToken\":\"" CANARY "\",\"expiresAt\":1768482000}", -EINVAL,
		    "\"expiresAt\" is not a string");
	parse_error("{\"accessToken\":42,\"expiresAt\":\"2026-01-15T13:00:00Z\"}", -EINVAL,
		    "\"accessToken\" is not a string");
	parse_error("{\"accessToken\":\"\",\"expiresAt\":\"2026-01-15T13:00:00Z\"}", -EINVAL,
		    "\"accessToken\" is empty, too long or not printable");
	parse_error("{\"accessToken\":\"" CANARY " x\",\"expiresAt\":\"2026-01-15T13:00:00Z\"}",
		    -EINVAL, "\"accessToken\" is empty, too long or not printable");
	parse_error("{\"accessToken\":\"" CANARY "\",\"accessToken\":\"" CANARY
		    "\",\"expiresAt\":\"2026-01-15T13:00:00Z\"}",
		    -EINVAL, "\"accessToken\" appears twice");
	parse_error("{\"accessToken\":\"" CANARY "\",\"expiresAt\":\"2026-01-15T13:00:00Z\","
		    "\"registrationExpiresAt\":\"never\"}",
		    -EINVAL, "\"registrationExpiresAt\" is not an RFC 3339 time");
	parse_error("{\"accessToken\":\"" CANARY "\",\"expiresAt\":\"2026-01-15T13:00:00Z\","
		    "\"refreshToken\":[]}",
		    -EINVAL, "\"refreshToken\" is not a string");
	/* A NUL byte inside the stated length. */
	err_clear(&e);
	assert_int_equal(creds_sso_token_parse("{\"a\":1}\0{}", 10, "cache.json", &t, &e), -EINVAL);
	expect_msg(&e, "holds a NUL byte");
	/* Larger than the cap: refused before parsing. */
	huge = malloc(n + 1);
	assert_non_null(huge);
	memset(huge, ' ', n);
	memcpy(huge, "{\"accessToken\":\"" CANARY "\",\"expiresAt\":\"2026-01-15T13:00:00Z\"}",
	       strlen("{\"accessToken\":\"" CANARY "\",\"expiresAt\":\"2026-01-15T13:00:00Z\"}"));
	huge[n] = '\0';
	err_clear(&e);
	assert_int_equal(creds_sso_token_parse(huge, n, "cache.json", &t, &e), -E2BIG);
	expect_msg(&e, "larger than 65536 bytes");
	/* Deeply nested garbage does not crash the parser. */
	memset(huge, '[', n);
	err_clear(&e);
	assert_int_equal(creds_sso_token_parse(huge, CREDS_SSO_CACHE_MAX, "cache.json", &t, &e),
			 -EINVAL);
	free(huge);
}

static void
test_token_renewed(void **state)
{
	const char *old =
		"{\"startUrl\":\"https://corp.awsapps.com/start\",\"accessToken\":\"" CANARY
		"old\",\"expiresAt\":\"2026-01-15T13:00:00Z\",\"refreshToken\":\"" CANARY
		"r1\",\"clientId\":\"cid\",\"clientSecret\":\"" CANARY
		"s\",\"registrationExpiresAt\":\"2026-04-15T13:00:00Z\",\"x\":[1,2]}";
	struct creds_sso_token t;
	char *doc = NULL;
	size_t len = 0;
	struct err e;

	(void)state;
	err_clear(&e);
	assert_int_equal(creds_sso_token_renewed(old, strlen(old), CANARY "new", T_2026 + 3600,
						 CANARY "r2", &doc, &len, &e),
			 0);
	assert_int_equal(len, strlen(doc));
	assert_int_equal(parse(doc, &t, &e), 0);
	assert_string_equal(t.access_token, CANARY "new");
	assert_int_equal(t.expires_at, T_2026 + 3600);
	assert_string_equal(t.refresh_token, CANARY "r2");
	assert_string_equal(t.client_secret, CANARY "s");
	assert_string_equal(t.start_url, "https://corp.awsapps.com/start");
	assert_non_null(strstr(doc, "\"x\":[1,2]"));
	assert_null(strstr(doc, CANARY "old"));
	creds_sso_token_free(&t);
	secret_free(doc);
	/* No new refresh token in the answer: the old one stays. */
	assert_int_equal(creds_sso_token_renewed(old, strlen(old), CANARY "new", T_2026, NULL, &doc,
						 &len, &e),
			 0);
	assert_non_null(strstr(doc, CANARY "r1"));
	secret_free(doc);
	/* A duplicated member would leave the old token behind: refused. */
	doc = NULL;
	err_clear(&e);
	old = "{\"accessToken\":\"a\",\"accessToken\":\"b\"}";
	assert_int_equal(
		creds_sso_token_renewed(old, strlen(old), CANARY, T_2026, NULL, &doc, &len, &e),
		-EINVAL);
	expect_msg(&e, "appears twice");
	assert_null(doc);
}

/* --- the answers ------------------------------------------------------------------- */

static void
test_create_token(void **state)
{
	char *access = NULL, *refresh = NULL;
	long expires_in = 0;
	struct err e;

#define CT(text) \
	creds_sso_parse_create_token(text, strlen(text), "OIDC", &access, &expires_in, &refresh, &e)
	(void)state;
	err_clear(&e);
	assert_int_equal(CT("{\"accessToken\":\"" CANARY "a\",\"tokenType\":\"Bearer\","
			    "\"expiresIn\":28800,\"refreshToken\":\"" CANARY "r\"}"),
			 0);
	assert_string_equal(access, CANARY "a");
	assert_string_equal(refresh, CANARY "r");
	assert_int_equal(expires_in, 28800);
	secret_free(access);
	secret_free(refresh);
	access = refresh = NULL;
	assert_int_equal(CT("{\"accessToken\":\"" CANARY "a\",\"expiresIn\":60}"), 0);
	assert_null(refresh);
	secret_free(access);
	access = NULL;
	err_clear(&e);
	assert_int_equal(CT("{\"accessToken\":\"" CANARY "a\"}"), -EINVAL);
	expect_msg(&e, "\"expiresIn\" missing");
	err_clear(&e);
	assert_int_equal(CT("{\"accessToken\":\"" CANARY "a\",\"expiresIn\":-5}"), -EINVAL);
	expect_msg(&e, "\"expiresIn\" is not a number of seconds");
	err_clear(&e);
	assert_int_equal(CT("{\"accessToken\":\"" CANARY "a\",\"expiresIn\":1.5}"), -EINVAL);
	expect_msg(&e, "\"expiresIn\" is not a number of seconds");
	err_clear(&e);
	assert_int_equal(CT("{\"accessToken\":\"" CANARY "a\",\"expiresIn\":\"60\"}"), -EINVAL);
	expect_msg(&e, "\"expiresIn\" is not a number");
	err_clear(&e);
	assert_int_equal(CT("<html>" CANARY "</html>"), -EINVAL);
	expect_msg(&e, "OIDC: CreateToken answer is not valid JSON");
	assert_null(access);
	assert_null(refresh);
#undef CT
}

static void
test_role_credentials(void **state)
{
	struct creds c;
	struct err e;

#define RC(text) creds_sso_parse_role_credentials(text, strlen(text), "portal", &c, &e)
	(void)state;
	err_clear(&e);
	assert_int_equal(RC("{\"roleCredentials\":{\"accessKeyId\":\"ASIAX\",\"secretAccessKey\":"
			    "\"" CANARY "s\",\"sessionToken\":\"" CANARY "t\",\"expiration\":"
			    "1768482000000}}"),
			 0);
	assert_string_equal(c.access_key_id, "ASIAX");
	assert_string_equal(c.secret_access_key, CANARY "s");
	assert_string_equal(c.session_token, CANARY "t");
	assert_int_equal(c.expiration, T_2026);
	creds_free(&c);
	err_clear(&e);
	assert_int_equal(RC("{}"), -EINVAL);
	expect_msg(&e, "no \"roleCredentials\" object");
	err_clear(&e);
	assert_int_equal(RC("{\"roleCredentials\":\"" CANARY "\"}"), -EINVAL);
	expect_msg(&e, "no \"roleCredentials\" object");
	err_clear(&e);
	assert_int_equal(RC("{\"roleCredentials\":{},\"roleCredentials\":{}}"), -EINVAL);
	expect_msg(&e, "appears twice");
	err_clear(&e);
	assert_int_equal(
		RC("{\"roleCredentials\":{\"accessKeyId\":\"A\",\"secretAccessKey\":\"" CANARY
		   "\",\"sessionToken\":\"" CANARY "\"}}"),
		-EINVAL);
	expect_msg(&e, "\"expiration\" missing");
	err_clear(&e);
	/* Seconds where milliseconds belong: 1970, refused. */
	assert_int_equal(
		RC("{\"roleCredentials\":{\"accessKeyId\":\"A\",\"secretAccessKey\":\"" CANARY
		   "\",\"sessionToken\":\"" CANARY "\",\"expiration\":1768482000}}"),
		-EINVAL);
	expect_msg(&e, "not a time in epoch milliseconds");
	err_clear(&e);
	assert_int_equal(
		RC("{\"roleCredentials\":{\"accessKeyId\":\"A\",\"secretAccessKey\":\"" CANARY
		   "\",\"expiration\":1768482000000}}"),
		-EINVAL);
	expect_msg(&e, "\"sessionToken\" missing");
#undef RC
}

static void
test_error_text(void **state)
{
	char out[128];
	const char *a = "{\"message\":\"Session token not found or invalid\"}";
	const char *b =
		"{\"error\":\"invalid_grant\",\"error_description\":\"Invalid refresh token\"}";

	(void)state;
	creds_sso_error_text(a, strlen(a), NULL, out, sizeof(out));
	assert_string_equal(out, "Session token not found or invalid");
	creds_sso_error_text(a, strlen(a), "UnauthorizedException", out, sizeof(out));
	assert_string_equal(out, "UnauthorizedException: Session token not found or invalid");
	creds_sso_error_text(b, strlen(b), NULL, out, sizeof(out));
	assert_string_equal(out, "invalid_grant: Invalid refresh token");
	creds_sso_error_text("<html>", 6, NULL, out, sizeof(out));
	assert_string_equal(out, "");
	creds_sso_error_text(NULL, 0, NULL, out, sizeof(out));
	assert_string_equal(out, "");
}

/* --- the planner ------------------------------------------------------------------- */

struct fx {
	struct creds_inputs in;
	const char *env[32];
	size_t n_env;
};

static void
fx_env(struct fx *f, const char *kv)
{
	assert_true(f->n_env + 1 < sizeof(f->env) / sizeof(f->env[0]));
	f->env[f->n_env++] = kv;
	f->env[f->n_env] = NULL;
	f->in.envp = (char *const *)f->env;
}

static void
fx_file(struct creds_file *file, const char *path, enum ini_kind kind, const char *text)
{
	struct err e;

	err_clear(&e);
	file->path = strdup(path);
	assert_non_null(file->path);
	assert_int_equal(ini_parse(text, strlen(text), kind, path, &file->ini, &e), 0);
}

/* HOME=/h, the given config file, and an instance role that must never be chosen. */
static void
fx_init(struct fx *f, const char *profile, const char *config)
{
	static char var[128];

	memset(f, 0, sizeof(*f));
	fx_env(f, "HOME=/h");
	if (profile != NULL) {
		snprintf(var, sizeof(var), "AWS_PROFILE=%s", profile);
		fx_env(f, var);
	}
	fx_env(f, "AWS_EC2_METADATA_SERVICE_ENDPOINT=http://127.0.0.1:1");
	fx_env(f, "AWS_CONTAINER_CREDENTIALS_FULL_URI=http://127.0.0.1:2/creds");
	fx_file(&f->in.config_file, "/h/.aws/config", INI_CONFIG, config);
}

static void
fx_free(struct fx *f)
{
	creds_inputs_free(&f->in);
}

static void
plan_ok(struct fx *f, struct creds_plan *p)
{
	struct err e;

	err_clear(&e);
	if (creds_plan_resolve(&f->in, p, &e) < 0)
		fail_msg("plan failed: %s", e.msg);
}

static void
plan_err(struct fx *f, int code, const char *needle)
{
	struct creds_plan p = {.n_hops = 99};
	struct err e;

	err_clear(&e);
	assert_int_equal(creds_plan_resolve(&f->in, &p, &e), code);
	expect_msg(&e, needle);
	assert_int_equal(p.n_hops, 99);
}

#define SESSION                                            \
	"[sso-session corp]\n"                             \
	"sso_start_url = https://corp.awsapps.com/start\n" \
	"sso_region = eu-west-1\n"

static void
test_plan_sso_session(void **state)
{
	struct creds_plan p;
	struct fx f;

	(void)state;
	fx_init(&f, "dev",
		"[profile dev]\nsso_session = corp\nsso_account_id = 111122223333\n"
		"sso_role_name = Admin\nregion = us-east-1\n" SESSION);
	plan_ok(&f, &p);
	assert_int_equal(p.source, CREDS_SOURCE_SSO);
	assert_int_equal(p.n_hops, 0);
	assert_string_equal(p.sso.profile, "dev");
	assert_string_equal(p.sso.session_name, "corp");
	assert_string_equal(p.sso.start_url, "https://corp.awsapps.com/start");
	assert_string_equal(p.sso.region, "eu-west-1");
	assert_string_equal(p.sso.account_id, "111122223333");
	assert_string_equal(p.sso.role_name, "Admin");
	assert_string_equal(p.sso.cache_file,
			    "/h/.aws/sso/cache/ee0bfd2552fbd840c02cc48b6e823320543c450f.json");
	assert_string_equal(p.sso.portal_endpoint, "https://portal.sso.eu-west-1.amazonaws.com");
	assert_string_equal(p.sso.oidc_endpoint, "https://oidc.eu-west-1.amazonaws.com");
	assert_string_equal(
		p.description,
		"SSO role Admin in account 111122223333 (profile dev, sso-session corp)");
	creds_plan_free(&p);
	fx_free(&f);

	/* The profile may repeat the session's values when they agree. */
	fx_init(&f, "dev",
		"[profile dev]\nsso_session = corp\nsso_region = eu-west-1\n"
		"sso_account_id = 111122223333\nsso_role_name = Admin\n" SESSION);
	plan_ok(&f, &p);
	assert_int_equal(p.source, CREDS_SOURCE_SSO);
	creds_plan_free(&p);
	fx_free(&f);

	/* China: the partition's DNS suffix. */
	fx_init(&f, NULL,
		"[default]\nsso_session = cn\nsso_account_id = 111122223333\nsso_role_name = R\n"
		"[sso-session cn]\nsso_start_url = https://x.awsapps.cn/start\n"
		"sso_region = cn-north-1\n");
	plan_ok(&f, &p);
	assert_string_equal(p.sso.portal_endpoint,
			    "https://portal.sso.cn-north-1.amazonaws.com.cn");
	assert_string_equal(p.sso.oidc_endpoint, "https://oidc.cn-north-1.amazonaws.com.cn");
	creds_plan_free(&p);
	fx_free(&f);
}

static void
test_plan_sso_legacy_and_order(void **state)
{
	struct creds_plan p;
	struct fx f;

	(void)state;
	fx_init(&f, "old",
		"[profile old]\nsso_start_url = https://my-sso-portal.awsapps.com/start\n"
		"sso_region = us-east-1\nsso_account_id = 444455556666\nsso_role_name = "
		"Read.Only\n");
	plan_ok(&f, &p);
	assert_int_equal(p.source, CREDS_SOURCE_SSO);
	assert_null(p.sso.session_name);
	assert_string_equal(p.sso.cache_file,
			    "/h/.aws/sso/cache/c7aaaf71fcc8777ae2475525ed049d39fe16c484.json");
	assert_string_equal(p.description,
			    "SSO role Read.Only in account 444455556666 (profile old)");
	creds_plan_free(&p);
	fx_free(&f);

	/* botocore's order: SSO before the static keys of the credentials file. */
	fx_init(&f, "old",
		"[profile old]\nsso_start_url = https://s/start\nsso_region = us-east-1\n"
		"sso_account_id = 444455556666\nsso_role_name = R\n");
	fx_file(&f.in.creds_file, "/h/.aws/credentials", INI_CREDENTIALS,
		"[old]\naws_access_key_id = AKID\naws_secret_access_key = " CANARY "\n");
	plan_ok(&f, &p);
	assert_int_equal(p.source, CREDS_SOURCE_SSO);
	creds_plan_free(&p);
	fx_free(&f);

	/* An SSO source profile under an assumed role: one hop on top. */
	fx_init(&f, "ops",
		"[profile ops]\nrole_arn = arn:aws:iam::111122223333:role/ops\n"
		"source_profile = base\n"
		"[profile base]\nsso_session = corp\nsso_account_id = 111122223333\n"
		"sso_role_name = Admin\n" SESSION);
	plan_ok(&f, &p);
	assert_int_equal(p.source, CREDS_SOURCE_SSO);
	assert_int_equal(p.n_hops, 1);
	assert_string_equal(p.description,
			    "SSO role Admin in account 111122223333 (profile base, sso-session "
			    "corp), then AssumeRole arn:aws:iam::111122223333:role/ops");
	creds_plan_free(&p);
	fx_free(&f);

	/* role_arn in the chosen profile wins over its own SSO keys (botocore). */
	fx_init(&f, "both",
		"[profile both]\nrole_arn = arn:aws:iam::111122223333:role/x\n"
		"credential_source = Ec2InstanceMetadata\nsso_session = corp\n"
		"sso_account_id = 111122223333\nsso_role_name = Admin\n" SESSION);
	plan_ok(&f, &p);
	assert_int_equal(p.source, CREDS_SOURCE_IMDS);
	assert_int_equal(p.n_hops, 1);
	creds_plan_free(&p);
	fx_free(&f);
}

static void
test_plan_sso_endpoints(void **state)
{
	const char *config =
		"[profile dev]\nsso_session = corp\nsso_account_id = 111122223333\n"
		"sso_role_name = Admin\nservices = loc\n"
		"[services loc]\nsso =\n  endpoint_url = https://portal.example\n" SESSION;
	struct creds_plan p;
	struct fx f;

	(void)state;
	fx_init(&f, "dev", config);
	fx_env(&f, "AWS_ENDPOINT_URL_SSO_OIDC=https://oidc.example:8443");
	plan_ok(&f, &p);
	assert_string_equal(p.sso.portal_endpoint, "https://portal.example");
	assert_string_equal(p.sso.oidc_endpoint, "https://oidc.example:8443");
	assert_string_equal(
		p.description,
		"SSO role Admin in account 111122223333 (profile dev, sso-session corp, "
		"portal endpoint from services loc of profile dev, OIDC endpoint from "
		"AWS_ENDPOINT_URL_SSO_OIDC)");
	creds_plan_free(&p);
	fx_free(&f);

	fx_init(&f, "dev", config);
	fx_env(&f, "AWS_ENDPOINT_URL_SSO=https://env-portal.example");
	fx_env(&f, "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true");
	plan_ok(&f, &p);
	assert_string_equal(p.sso.portal_endpoint, "https://portal.sso.eu-west-1.amazonaws.com");
	creds_plan_free(&p);
	fx_free(&f);

	fx_init(&f, "dev", config);
	fx_env(&f, "AWS_ENDPOINT_URL_SSO=not a url");
	plan_err(&f, -EINVAL, "AWS_ENDPOINT_URL_SSO");
	fx_free(&f);
}

static void
test_plan_sso_errors(void **state)
{
	static const struct {
		const char *config;
		int code;
		const char *msg;
	} cases[] = {
		{"[profile p]\nsso_session = corp\nsso_account_id = 111122223333\n" SESSION,
		 -EINVAL,
		 "profile p: an SSO profile needs sso_account_id and sso_role_name; sso_role_name "
		 "is missing (/h/.aws/config)"},
		{"[profile p]\nsso_session = corp\nsso_role_name = R\n" SESSION, -EINVAL,
		 "sso_account_id is missing"},
		{"[profile p]\nsso_session = corp\n" SESSION, -EINVAL, "both are missing"},
		{"[profile p]\nsso_start_url = https://s/start\n", -EINVAL, "both are missing"},
		{"[profile p]\nsso_session = nope\nsso_account_id = 111122223333\n"
		 "sso_role_name = R\n" SESSION,
		 -EINVAL,
		 "profile p: sso_session nope names an [sso-session nope] section that "
		 "/h/.aws/config does not have"},
		{"[profile p]\nsso_session = corp\nsso_account_id = 111122223333\nsso_role_name = "
		 "R\n"
		 "[sso-session corp]\nsso_start_url = https://s/start\n",
		 -EINVAL, "/h/.aws/config: [sso-session corp] needs sso_region"},
		{"[profile p]\nsso_session = corp\nsso_start_url = https://other/start\n"
		 "sso_account_id = 111122223333\nsso_role_name = R\n" SESSION,
		 -EINVAL,
		 "profile p: sso_start_url differs between the profile and [sso-session corp]"},
		{"[profile p]\nsso_start_url = https://s/start\nsso_account_id = 111122223333\n"
		 "sso_role_name = R\n",
		 -EINVAL, "needs sso_session, or sso_start_url and sso_region"},
		{"[profile p]\nsso_start_url = https://s/start\nsso_region = us-east-1\n"
		 "sso_account_id = 1111\nsso_role_name = R\n",
		 -EINVAL, "sso_account_id must be 12 digits"},
		{"[profile p]\nsso_start_url = https://s/start\nsso_region = us-east-1\n"
		 "sso_account_id = 111122223333\nsso_role_name = a/b\n",
		 -EINVAL, "sso_role_name must be 1 to 128"},
		{"[profile p]\nsso_start_url = https://s/start\nsso_region = Mars\n"
		 "sso_account_id = 111122223333\nsso_role_name = R\n",
		 -EINVAL, "profile p: sso_region:"},
	};
	struct fx f;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		/* ECS and IMDS are configured: none of these may fall through to them. */
		fx_init(&f, "p", cases[i].config);
		plan_err(&f, cases[i].code, cases[i].msg);
		fx_free(&f);
	}
	/* No HOME: no cache directory. */
	memset(&f, 0, sizeof(f));
	fx_env(&f, "AWS_PROFILE=p");
	fx_file(&f.in.config_file, "/c", INI_CONFIG,
		"[profile p]\nsso_start_url = https://s/start\nsso_region = us-east-1\n"
		"sso_account_id = 111122223333\nsso_role_name = R\n");
	plan_err(&f, -ENOENT, "HOME is not set");
	fx_free(&f);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sha1),
		cmocka_unit_test(test_token_parse),
		cmocka_unit_test(test_token_errors),
		cmocka_unit_test(test_token_renewed),
		cmocka_unit_test(test_create_token),
		cmocka_unit_test(test_role_credentials),
		cmocka_unit_test(test_error_text),
		cmocka_unit_test(test_plan_sso_session),
		cmocka_unit_test(test_plan_sso_legacy_and_order),
		cmocka_unit_test(test_plan_sso_endpoints),
		cmocka_unit_test(test_plan_sso_errors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
