/* SPDX-License-Identifier: ISC */
/*
 * Unit tests for creds.h, creds_plan.h and creds_provider.h: credential
 * documents, times, the refresh policy, every branch of the provider chain
 * (fake environment, in-memory and temporary files), credential_process on
 * the libev loop with helper scripts from tests/creds/, and the refreshing
 * cache with a fake provider and a fake clock.
 *
 * Every secret in these tests contains CANARY, and every error message any
 * test produces goes through no_secret(), which fails when it holds one.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <ev.h>

#include "creds.h"
#include "creds_plan.h"
#include "creds_provider.h"

#define CANARY "CANARYsecret/xyz+42"
/* Unknown to vpcesd but shaped like real ones (40 and 125 characters): tests/creds/leak.sh. */
#define LEAK_SECRET "LeakSecretAbCdEfGhIjKlMnOpQrStUv01234567"
#define LEAK_TOKEN                                                                            \
	"LeakTokenFwoGZXIvYXdzEJr//////////wEaDEXAMPLETOKENxyz0123456789ABCDEFGHIJKLMNOPQRST" \
	"UVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

static unsigned long n_messages; /* error messages checked, for the summary test */

static void
no_secret(const struct err *e)
{
	n_messages++;
	if (strstr(e->msg, CANARY) != NULL || strstr(e->msg, "TOKENPROCESS") != NULL)
		fail_msg("error message leaks a secret: %s", e->msg);
}

static void
expect_msg(const struct err *e, const char *needle)
{
	no_secret(e);
	if (strstr(e->msg, needle) == NULL)
		fail_msg("message \"%s\" lacks \"%s\"", e->msg, needle);
}

/* --- JSON ------------------------------------------------------------------------- */

static int
parse_json(enum creds_json_format fmt, const char *text, struct creds *c, struct err *e)
{
	err_clear(e);
	return creds_parse_json(fmt, text, strlen(text), "test", c, e);
}

static void
json_error(enum creds_json_format fmt, const char *text, int code, const char *needle)
{
	struct creds c = {.expiration = 77};
	struct err e;

	assert_int_equal(parse_json(fmt, text, &c, &e), code);
	expect_msg(&e, needle);
	assert_int_equal(c.expiration, 77); /* untouched */
	assert_null(c.access_key_id);
}

static void
test_json_process(void **state)
{
	struct creds c;
	struct err e;

	(void)state;
	assert_int_equal(
		parse_json(CREDS_JSON_PROCESS,
			   "{\"Version\": 1, \"AccessKeyId\": \"AKID\", \"SecretAccessKey\": "
			   "\"" CANARY "\", \"SessionToken\": \"TOK\", "
			   "\"Expiration\": \"2026-01-15T13:00:00Z\"} \n",
			   &c, &e),
		0);
	assert_string_equal(c.access_key_id, "AKID");
	assert_string_equal(c.secret_access_key, CANARY);
	assert_string_equal(c.session_token, "TOK");
	assert_int_equal(c.expiration, 1768482000);
	assert_null(c.provider);
	creds_free(&c);
	assert_null(c.secret_access_key);
	creds_free(&c);
	creds_free(NULL);

	/* No Expiration: long-term keys; null members count as absent. */
	assert_int_equal(
		parse_json(CREDS_JSON_PROCESS,
			   "{\"Version\":1,\"AccessKeyId\":\"A\",\"SecretAccessKey\":\"S\","
			   "\"SessionToken\":null}",
			   &c, &e),
		0);
	assert_int_equal(c.expiration, 0);
	assert_null(c.session_token);
	creds_free(&c);

	json_error(CREDS_JSON_PROCESS,
		   "{\"Version\":2,\"AccessKeyId\":\"A\",\"SecretAccessKey\":\"S\"}", -EINVAL,
		   "\"Version\" must be 1");
	json_error(CREDS_JSON_PROCESS, "{\"AccessKeyId\":\"A\",\"SecretAccessKey\":\"S\"}", -EINVAL,
		   "\"Version\" must be 1");
	json_error(CREDS_JSON_PROCESS, "{\"Version\":\"1\",\"AccessKeyId\":\"A\"}", -EINVAL,
		   "\"Version\" is not a number");
	json_error(CREDS_JSON_PROCESS, "{\"Version\":1,\"AccessKeyId\":\"A\"}", -EINVAL,
		   "required member \"SecretAccessKey\" missing");
	json_error(CREDS_JSON_PROCESS,
		   "{\"Version\":1,\"AccessKeyId\":\"A\",\"SecretAccessKey\":[\"" CANARY "\"]}",
		   -EINVAL, "\"SecretAccessKey\" is not a string");
	json_error(CREDS_JSON_PROCESS,
		   "{\"Version\":1,\"AccessKeyId\":\"A\",\"SecretAccessKey\":\"" CANARY
		   "\",\"SecretAccessKey\":\"" CANARY "\"}",
		   -EINVAL, "appears twice");
	json_error(CREDS_JSON_PROCESS,
		   "{\"Version\":1,\"AccessKeyId\":\"A\",\"SecretAccessKey\":\"" CANARY "\"} x",
		   -EINVAL, "garbage after");
	json_error(CREDS_JSON_PROCESS, "[1]", -EINVAL, "not a JSON object");
	json_error(CREDS_JSON_PROCESS, "{\"Version\":1,", -EINVAL, "not valid JSON");
	json_error(CREDS_JSON_PROCESS, "", -EINVAL, "empty");
	json_error(CREDS_JSON_PROCESS,
		   "{\"Version\":1,\"AccessKeyId\":\"A\",\"SecretAccessKey\":\"" CANARY
		   "\",\"Expiration\":\"tomorrow\"}",
		   -EINVAL, "\"Expiration\" is not an ISO-8601 time");
	json_error(CREDS_JSON_PROCESS,
		   "{\"Version\":1,\"AccessKeyId\":\"A\",\"SecretAccessKey\":\"" CANARY "\\n\"}",
		   -EINVAL, "secret access key is not printable");
	json_error(CREDS_JSON_PROCESS,
		   "{\"Version\":1,\"AccessKeyId\":\"\",\"SecretAccessKey\":\"S\"}", -EINVAL,
		   "access key id missing or empty");
}

static void
test_json_ecs_and_imds(void **state)
{
	struct creds c;
	struct err e;

	(void)state;
	assert_int_equal(
		parse_json(CREDS_JSON_ECS,
			   "{\"AccessKeyId\":\"ASIA\",\"SecretAccessKey\":\"" CANARY "\","
			   "\"Token\":\"T\",\"Expiration\":\"2026-01-15T13:00:00.123+01:00\","
			   "\"AccountId\":\"123456789012\",\"RoleArn\":\"x\"}",
			   &c, &e),
		0);
	assert_string_equal(c.account_id, "123456789012");
	assert_string_equal(c.session_token, "T");
	assert_int_equal(c.expiration, 1768482000 - 3600);
	creds_free(&c);
	json_error(CREDS_JSON_ECS,
		   "{\"AccessKeyId\":\"A\",\"SecretAccessKey\":\"S\",\"Token\":\"T\"}", -EINVAL,
		   "required member \"Expiration\" missing");
	json_error(CREDS_JSON_ECS,
		   "{\"AccessKeyId\":\"A\",\"SecretAccessKey\":\"S\",\"Expiration\":"
		   "\"2026-01-15T13:00:00Z\"}",
		   -EINVAL, "required member \"Token\" missing");

	assert_int_equal(
		parse_json(CREDS_JSON_IMDS,
			   "{\"Code\":\"Success\",\"LastUpdated\":\"2026-01-15T12:00:00Z\","
			   "\"Type\":\"AWS-HMAC\",\"AccessKeyId\":\"ASIA\",\"SecretAccessKey\":"
			   "\"" CANARY "\",\"Token\":\"T\",\"Expiration\":"
			   "\"2026-01-15T13:00:00Z\"}",
			   &c, &e),
		0);
	assert_null(c.account_id);
	creds_free(&c);
	json_error(CREDS_JSON_IMDS,
		   "{\"Code\":\"AssumeRoleUnauthorizedAccess\",\"AccessKeyId\":\"A\","
		   "\"SecretAccessKey\":\"S\",\"Token\":\"T\",\"Expiration\":\"2026-01-15T13:00:"
		   "00Z\"}",
		   -EINVAL, "\"Code\" is not \"Success\"");
	json_error(CREDS_JSON_IMDS, "{\"AccessKeyId\":\"A\"}", -EINVAL,
		   "required member \"Code\" missing");
}

static void
test_json_size_limit(void **state)
{
	size_t n = CREDS_JSON_MAX + 1;
	char *big = malloc(n);
	struct creds c = {0};
	struct err e;

	(void)state;
	assert_non_null(big);
	memset(big, ' ', n);
	err_clear(&e);
	assert_int_equal(creds_parse_json(CREDS_JSON_PROCESS, big, n, "x", &c, &e), -E2BIG);
	no_secret(&e);
	free(big);
}

static void
test_parse_time(void **state)
{
	time_t t;

	(void)state;
	assert_int_equal(creds_parse_time("1970-01-01T00:00:00Z", &t), 0);
	assert_int_equal(t, 0);
	assert_int_equal(creds_parse_time("2026-01-15T13:00:00Z", &t), 0);
	assert_int_equal(t, 1768482000);
	assert_int_equal(creds_parse_time("2026-01-15t13:00:00.999999999z", &t), 0);
	assert_int_equal(t, 1768482000);
	assert_int_equal(creds_parse_time("2026-01-15 14:30:00+0130", &t), 0);
	assert_int_equal(t, 1768482000);
	assert_int_equal(creds_parse_time("2026-01-15T08:00:00-05:00", &t), 0);
	assert_int_equal(t, 1768482000);
	assert_int_equal(creds_parse_time("2024-02-29T00:00:00Z", &t), 0);
	assert_int_equal(t, 1709164800);
	assert_int_equal(creds_parse_time("2023-02-29T00:00:00Z", &t), -EINVAL);
	assert_int_equal(creds_parse_time("2026-13-01T00:00:00Z", &t), -EINVAL);
	assert_int_equal(creds_parse_time("2026-01-15T24:00:00Z", &t), -EINVAL);
	assert_int_equal(creds_parse_time("2026-01-15T13:00:00", &t), -EINVAL);
	assert_int_equal(creds_parse_time("2026-01-15T13:00:00Zx", &t), -EINVAL);
	assert_int_equal(creds_parse_time("2026-01-15T13:00:00.Z", &t), -EINVAL);
	assert_int_equal(creds_parse_time("1969-12-31T23:59:59Z", &t), -EINVAL);
	assert_int_equal(creds_parse_time("", &t), -EINVAL);
	assert_int_equal(creds_parse_time("2026-01-15T13:00:00+1", &t), -EINVAL);
}

static void
test_freshness(void **state)
{
	struct creds c = {.access_key_id = (char *)"A", .secret_access_key = (char *)"S"};
	time_t exp = 1000000;

	(void)state;
	assert_int_equal(creds_freshness(&c, exp), CREDS_FRESH); /* static */
	c.expiration = exp;
	assert_int_equal(creds_freshness(&c, exp - CREDS_ADVISORY_SECS - 1), CREDS_FRESH);
	assert_int_equal(creds_freshness(&c, exp - CREDS_ADVISORY_SECS), CREDS_ADVISORY);
	assert_int_equal(creds_freshness(&c, exp - CREDS_MANDATORY_SECS - 1), CREDS_ADVISORY);
	assert_int_equal(creds_freshness(&c, exp - CREDS_MANDATORY_SECS), CREDS_MANDATORY);
	assert_int_equal(creds_freshness(&c, exp - 1), CREDS_MANDATORY);
	assert_int_equal(creds_freshness(&c, exp), CREDS_EXPIRED);
	assert_int_equal(creds_freshness(NULL, 0), CREDS_EXPIRED);
}

static void
test_copy_and_set(void **state)
{
	struct creds a, b;
	struct err e;

	(void)state;
	err_clear(&e);
	assert_int_equal(creds_set(&a, "AKID", CANARY, "", 5, "prov", NULL, "t", &e), 0);
	assert_null(a.session_token); /* empty token means none */
	assert_int_equal(creds_copy(&b, &a), 0);
	assert_string_equal(b.secret_access_key, CANARY);
	assert_string_equal(b.provider, "prov");
	assert_int_equal(b.expiration, 5);
	assert_ptr_not_equal(a.secret_access_key, b.secret_access_key);
	creds_free(&a);
	creds_free(&b);
	err_clear(&e);
	assert_int_equal(creds_set(&a, "AK ID", CANARY, NULL, 0, NULL, NULL, "t", &e), -EINVAL);
	expect_msg(&e, "t: access key id is not printable");
}

/* --- planner ----------------------------------------------------------------------- */

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
fx_file(struct creds_file *file, const char *path, enum ini_kind kind, const char *text,
	bool exposed)
{
	struct err e;

	err_clear(&e);
	file->path = strdup(path);
	assert_non_null(file->path);
	assert_int_equal(ini_parse(text, strlen(text), kind, path, &file->ini, &e), 0);
	file->exposed = exposed;
}

static void
fx_config(struct fx *f, const char *text)
{
	fx_file(&f->in.config_file, "/h/.aws/config", INI_CONFIG, text, true);
}

static void
fx_creds(struct fx *f, const char *text)
{
	fx_file(&f->in.creds_file, "/h/.aws/credentials", INI_CREDENTIALS, text, false);
}

static void
plan_ok(struct fx *f, struct creds_plan *p)
{
	struct err e;

	err_clear(&e);
	if (creds_plan_resolve(&f->in, p, &e) < 0)
		fail_msg("plan failed: %s", e.msg);
	assert_non_null(p->description);
	assert_null(strstr(p->description, CANARY));
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

static void
fx_free(struct fx *f)
{
	creds_inputs_free(&f->in);
}

static void
test_plan_env_static(void **state)
{
	struct fx f = {0};
	struct creds_plan p;

	(void)state;
	fx_env(&f, "AWS_ACCESS_KEY_ID=AKIDENV");
	fx_env(&f, "AWS_SECRET_ACCESS_KEY=" CANARY);
	fx_env(&f, "AWS_SESSION_TOKEN=TOKENENV");
	fx_env(&f, "AWS_PROFILE=nonexistent"); /* never looked at */
	fx_creds(&f, "[default]\naws_access_key_id=AKIDFILE\naws_secret_access_key=S\n");
	plan_ok(&f, &p);
	assert_int_equal(p.source, CREDS_SOURCE_STATIC);
	assert_string_equal(p.static_creds.access_key_id, "AKIDENV");
	assert_string_equal(p.static_creds.secret_access_key, CANARY);
	assert_string_equal(p.static_creds.session_token, "TOKENENV");
	assert_int_equal(p.n_hops, 0);
	assert_string_equal(p.description, "environment (AWS_ACCESS_KEY_ID)");
	creds_plan_free(&p);
	creds_plan_free(&p);
	creds_plan_free(NULL);
	fx_free(&f);
}

static void
test_plan_env_partial_and_empty(void **state)
{
	struct fx f = {0};

	(void)state;
	fx_env(&f, "AWS_SECRET_ACCESS_KEY=" CANARY);
	plan_err(&f, -EINVAL, "AWS_SECRET_ACCESS_KEY is set but AWS_ACCESS_KEY_ID is not");
	memset(&f, 0, sizeof(f));
	fx_env(&f, "AWS_ACCESS_KEY_ID=AKID");
	fx_env(&f, "AWS_SECRET_ACCESS_KEY="); /* empty counts as unset */
	plan_err(&f, -EINVAL, "AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not");
	assert_null(creds_env_get((char *const *)f.env, "AWS_SECRET_ACCESS_KEY"));
	assert_null(creds_env_get((char *const *)f.env, "AWS_ACCESS_KEY"));
	assert_string_equal(creds_env_get((char *const *)f.env, "AWS_ACCESS_KEY_ID"), "AKID");
	assert_null(creds_env_get(NULL, "X"));
}

static void
test_plan_web_identity(void **state)
{
	struct fx f = {0};
	struct creds_plan p;

	(void)state;
	fx_env(&f, "AWS_WEB_IDENTITY_TOKEN_FILE=/var/run/token");
	fx_env(&f, "AWS_ROLE_ARN=arn:aws:iam::123456789012:role/wif");
	fx_env(&f, "AWS_ROLE_SESSION_NAME=sess");
	plan_ok(&f, &p);
	assert_int_equal(p.source, CREDS_SOURCE_WEB_IDENTITY);
	assert_string_equal(p.role_arn, "arn:aws:iam::123456789012:role/wif");
	assert_string_equal(p.token_file, "/var/run/token");
	assert_string_equal(p.session_name, "sess");
	creds_plan_free(&p);

	memset(&f, 0, sizeof(f));
	fx_env(&f, "AWS_WEB_IDENTITY_TOKEN_FILE=/var/run/token");
	plan_err(&f, -EINVAL, "web_identity_token_file is set but role_arn is not");

	/* vpcesd.yaml wins over the environment. */
	memset(&f, 0, sizeof(f));
	fx_env(&f, "AWS_ACCESS_KEY_ID=AKIDENV");
	fx_env(&f, "AWS_SECRET_ACCESS_KEY=" CANARY);
	f.in.config.web_identity_token_file = "/etc/token";
	f.in.config.role_arn = "arn:aws:iam::1:role/cfg";
	plan_ok(&f, &p);
	assert_int_equal(p.source, CREDS_SOURCE_WEB_IDENTITY);
	assert_string_equal(p.token_file, "/etc/token");
	assert_null(p.session_name);
	assert_int_equal(p.n_hops, 0);
	creds_plan_free(&p);
	f.in.config.external_id = "ext";
	plan_err(&f, -EINVAL, "external_id does not apply to web identity");
	f.in.config.external_id = NULL;
	f.in.config.role_arn = NULL;
	plan_err(&f, -EINVAL, "web_identity_token_file is set but role_arn is not");
}

static void
test_plan_config_role_on_top(void **state)
{
	struct fx f = {0};
	struct creds_plan p;

	(void)state;
	fx_env(&f, "AWS_ACCESS_KEY_ID=AKIDENV");
	fx_env(&f, "AWS_SECRET_ACCESS_KEY=" CANARY);
	f.in.config.role_arn = "arn:aws:iam::1:role/top";
	f.in.config.external_id = "ext-1";
	f.in.config.session_name = "vpcesd";
	plan_ok(&f, &p);
	assert_int_equal(p.source, CREDS_SOURCE_STATIC);
	assert_int_equal(p.n_hops, 1);
	assert_string_equal(p.hops[0].role_arn, "arn:aws:iam::1:role/top");
	assert_string_equal(p.hops[0].external_id, "ext-1");
	assert_string_equal(p.hops[0].session_name, "vpcesd");
	assert_null(p.hops[0].profile);
	assert_non_null(strstr(p.description, "then AssumeRole arn:aws:iam::1:role/top"));
	creds_plan_free(&p);

	f.in.config.role_arn = NULL;
	plan_err(&f, -EINVAL, "external_id and session_name need role_arn");
}

static void
test_plan_config_profile(void **state)
{
	struct fx f = {0};
	struct creds_plan p;

	(void)state;
	fx_env(&f, "AWS_ACCESS_KEY_ID=AKIDENV");
	fx_env(&f, "AWS_SECRET_ACCESS_KEY=" CANARY);
	fx_creds(&f, "[ops]\naws_access_key_id=AKIDOPS\naws_secret_access_key=" CANARY "\n"
		     "[empty]\nregion=x\n");
	f.in.config.profile = "ops";
	plan_ok(&f, &p);
	assert_string_equal(p.static_creds.access_key_id, "AKIDOPS");
	creds_plan_free(&p);
	f.in.config.profile = "missing";
	plan_err(&f, -ENOENT, "profile missing (vpcesd.yaml credentials.profile) not found in");
	f.in.config.profile = "empty";
	plan_err(&f, -ENOENT, "profile empty yields no credentials");
	fx_free(&f);
}

static void
test_plan_systemd(void **state)
{
	struct fx f = {0};
	struct creds_plan p;

	(void)state;
	fx_file(&f.in.systemd_file, "/run/creds/aws-credentials", INI_CREDENTIALS,
		"[default]\naws_access_key_id=AKIDSD\naws_secret_access_key=" CANARY "\n", true);
	fx_creds(&f, "[default]\naws_access_key_id=AKIDFILE\naws_secret_access_key=S\n");
	plan_ok(&f, &p); /* exposed does not matter for systemd credentials */
	assert_string_equal(p.static_creds.access_key_id, "AKIDSD");
	assert_string_equal(p.description, "systemd credential aws-credentials");
	creds_plan_free(&p);
	fx_free(&f);

	memset(&f, 0, sizeof(f));
	fx_file(&f.in.systemd_file, "/run/creds/aws-credentials", INI_CREDENTIALS,
		"[other]\naws_access_key_id=A\n", false);
	plan_err(&f, -EINVAL, "systemd credential has no [default] section");
	fx_free(&f);
	memset(&f, 0, sizeof(f));
	fx_file(&f.in.systemd_file, "/run/creds/aws-credentials", INI_CREDENTIALS,
		"[default]\nrole_arn=x\naws_access_key_id=A\naws_secret_access_key=S\n", false);
	plan_err(&f, -EINVAL, "role_arn is not supported in the systemd credential");
	fx_free(&f);
	memset(&f, 0, sizeof(f));
	fx_file(&f.in.systemd_file, "/run/creds/aws-credentials", INI_CREDENTIALS,
		"[default]\naws_secret_access_key=" CANARY "\n", false);
	plan_err(&f, -EINVAL, "needs aws_access_key_id and aws_secret_access_key");
	fx_free(&f);
}

static void
test_plan_file_static_order_and_permissions(void **state)
{
	struct fx f = {0};
	struct creds_plan p;

	(void)state;
	/* Credentials file beats credential_process beats config file. */
	fx_config(&f, "[default]\naws_access_key_id=AKIDCONF\naws_secret_access_key=S\n"
		      "credential_process = /bin/helper --flag\n");
	f.in.config_file.exposed = false;
	fx_creds(&f, "[default]\naws_access_key_id=AKIDCRED\naws_secret_access_key=" CANARY
		     "\naws_security_token=LEGACY\n");
	plan_ok(&f, &p);
	assert_string_equal(p.static_creds.access_key_id, "AKIDCRED");
	assert_string_equal(p.static_creds.session_token, "LEGACY");
	assert_string_equal(p.description, "profile default: static keys in /h/.aws/credentials");
	creds_plan_free(&p);

	/* The same secret in a group/other-readable file is refused. */
	f.in.creds_file.exposed = true;
	plan_err(&f, -EPERM, "chmod 600 /h/.aws/credentials");
	fx_free(&f);

	memset(&f, 0, sizeof(f));
	fx_config(&f, "[default]\naws_access_key_id=AKIDCONF\naws_secret_access_key=S\n"
		      "credential_process = \"/opt/my helper\" --arg 'a b'\n");
	fx_creds(&f, "[other]\nk=v\n");
	plan_ok(&f, &p);
	assert_int_equal(p.source, CREDS_SOURCE_PROCESS);
	assert_int_equal(p.process_argv.n, 3);
	assert_string_equal(p.process_argv.v[0], "/opt/my helper");
	assert_string_equal(p.process_argv.v[2], "a b");
	assert_string_equal(p.description, "profile default: credential_process /opt/my helper");
	creds_plan_free(&p);
	fx_free(&f);

	memset(&f, 0, sizeof(f));
	fx_config(&f, "[default]\naws_access_key_id=AKIDCONF\naws_secret_access_key=" CANARY "\n");
	plan_err(&f, -EPERM, "/h/.aws/config holds the secret key of profile default");
	f.in.config_file.exposed = false;
	plan_ok(&f, &p);
	assert_string_equal(p.static_creds.access_key_id, "AKIDCONF");
	creds_plan_free(&p);
	fx_free(&f);

	memset(&f, 0, sizeof(f));
	fx_creds(&f, "[default]\naws_secret_access_key=" CANARY "\n");
	plan_err(&f, -EINVAL, "has aws_secret_access_key but no aws_access_key_id");
	fx_free(&f);
	memset(&f, 0, sizeof(f));
	fx_config(&f, "[default]\ncredential_process = \"unterminated\n");
	plan_err(&f, -EINVAL, "profile default: credential_process: command line has no closing");
	fx_free(&f);
	memset(&f, 0, sizeof(f));
	fx_config(&f, "[default]\ncredential_process =   \n");
	plan_err(&f, -EINVAL, "credential_process is empty");
	fx_free(&f);
}

static void
test_plan_aws_profile(void **state)
{
	struct fx f = {0};
	struct creds_plan p;

	(void)state;
	fx_env(&f, "AWS_PROFILE=dev");
	fx_config(&f, "[profile dev]\nregion=x\n");
	fx_env(&f, "AWS_EC2_METADATA_DISABLED=true");
	/* Exists but yields nothing: the chain goes on (botocore does too). */
	plan_err(&f, -ENOENT, "no AWS credentials found");
	fx_free(&f);

	memset(&f, 0, sizeof(f));
	fx_env(&f, "AWS_PROFILE=nope");
	fx_config(&f, "[profile dev]\nregion=x\n");
	plan_err(&f, -ENOENT, "profile nope (AWS_PROFILE) not found in /h/.aws/config");
	fx_free(&f);

	/* botocore reads AWS_DEFAULT_PROFILE before AWS_PROFILE. */
	memset(&f, 0, sizeof(f));
	fx_env(&f, "AWS_PROFILE=dev");
	fx_env(&f, "AWS_DEFAULT_PROFILE=nope");
	fx_config(&f, "[profile dev]\nregion=x\n");
	plan_err(&f, -ENOENT, "profile nope (AWS_DEFAULT_PROFILE) not found in /h/.aws/config");
	fx_free(&f);
	memset(&f, 0, sizeof(f));
	fx_env(&f, "AWS_DEFAULT_PROFILE=dev");
	fx_env(&f, "AWS_PROFILE=nope");
	fx_creds(&f, "[dev]\naws_access_key_id = AKID\naws_secret_access_key = " CANARY "\n");
	plan_ok(&f, &p);
	assert_string_equal(p.description, "profile dev: static keys in /h/.aws/credentials");
	creds_plan_free(&p);
	fx_free(&f);

	/* No default profile anywhere: IMDS. */
	memset(&f, 0, sizeof(f));
	plan_ok(&f, &p);
	assert_int_equal(p.source, CREDS_SOURCE_IMDS);
	assert_string_equal(p.url, CREDS_IMDS_ENDPOINT_V4);
	creds_plan_free(&p);
}

static void
test_plan_assume_role_chain(void **state)
{
	struct fx f = {0};
	struct creds_plan p;

	(void)state;
	fx_env(&f, "AWS_PROFILE=prod");
	fx_config(&f, "[profile prod]\nrole_arn=arn:aws:iam::1:role/prod\nsource_profile=mid\n"
		      "external_id=ext\nrole_session_name=s1\nduration_seconds=1800\n"
		      "[profile mid]\nrole_arn=arn:aws:iam::1:role/mid\nsource_profile=base\n");
	fx_creds(&f, "[base]\naws_access_key_id=AKIDBASE\naws_secret_access_key=" CANARY "\n"
		     "role_arn=arn:aws:iam::1:role/ignored\nsource_profile=prod\n");
	plan_ok(&f, &p);
	/* base has static keys: as a source profile they win over its own role_arn. */
	assert_int_equal(p.source, CREDS_SOURCE_STATIC);
	assert_string_equal(p.static_creds.access_key_id, "AKIDBASE");
	assert_int_equal(p.n_hops, 2);
	assert_string_equal(p.hops[0].role_arn, "arn:aws:iam::1:role/mid");
	assert_string_equal(p.hops[0].profile, "mid");
	assert_null(p.hops[0].external_id);
	assert_int_equal(p.hops[0].duration, 0);
	assert_string_equal(p.hops[1].role_arn, "arn:aws:iam::1:role/prod");
	assert_string_equal(p.hops[1].external_id, "ext");
	assert_string_equal(p.hops[1].session_name, "s1");
	assert_int_equal(p.hops[1].duration, 1800);
	assert_string_equal(p.description,
			    "profile base: static keys in /h/.aws/credentials, then AssumeRole "
			    "arn:aws:iam::1:role/mid, then AssumeRole arn:aws:iam::1:role/prod");
	creds_plan_free(&p);
	fx_free(&f);
}

static void
test_plan_assume_role_self_and_top(void **state)
{
	struct fx f = {0};
	struct creds_plan p;

	(void)state;
	/* At the top, role_arn wins over the profile's own static keys. */
	fx_creds(&f, "[default]\naws_access_key_id=AKID\naws_secret_access_key=" CANARY "\n"
		     "role_arn=arn:aws:iam::1:role/self\nsource_profile=default\n");
	plan_ok(&f, &p);
	assert_int_equal(p.source, CREDS_SOURCE_STATIC);
	assert_int_equal(p.n_hops, 1);
	assert_string_equal(p.hops[0].role_arn, "arn:aws:iam::1:role/self");
	creds_plan_free(&p);
	fx_free(&f);

	memset(&f, 0, sizeof(f));
	fx_config(&f, "[default]\nrole_arn=arn:aws:iam::1:role/self\nsource_profile=default\n");
	plan_err(&f, -ELOOP, "is its own source_profile but has no static keys");
	fx_free(&f);
}

static void
test_plan_assume_role_errors(void **state)
{
	struct fx f = {0};
	char text[4096];
	size_t n = 0;

	(void)state;
	fx_config(&f, "[default]\nrole_arn=r\nsource_profile=a\n"
		      "[profile a]\nrole_arn=r\nsource_profile=b\n"
		      "[profile b]\nrole_arn=r\nsource_profile=a\n");
	plan_err(&f, -ELOOP, "profile b: source_profile a makes a loop");
	fx_free(&f);

	memset(&f, 0, sizeof(f));
	fx_config(&f, "[default]\nrole_arn=r\nsource_profile=a\ncredential_source=Environment\n");
	plan_err(&f, -EINVAL, "has both source_profile and credential_source");
	fx_free(&f);
	memset(&f, 0, sizeof(f));
	fx_config(&f, "[default]\nrole_arn=r\n");
	plan_err(&f, -EINVAL, "has role_arn but neither source_profile nor credential_source");
	fx_free(&f);
	memset(&f, 0, sizeof(f));
	fx_config(&f, "[default]\nrole_arn=r\nsource_profile=ghost\n");
	plan_err(&f, -ENOENT, "source_profile ghost does not exist or has no credentials");
	fx_free(&f);
	memset(&f, 0, sizeof(f));
	fx_config(&f, "[default]\nrole_arn=r\nsource_profile=a\nmfa_serial=arn:mfa\n"
		      "[profile a]\naws_access_key_id=A\naws_secret_access_key=S\n");
	plan_err(&f, -ENOTSUP, "mfa_serial needs an interactive MFA code");
	fx_free(&f);
	memset(&f, 0, sizeof(f));
	fx_config(&f,
		  "[default]\nrole_arn=r\ncredential_source=Environment\nduration_seconds=60\n");
	fx_env(&f, "AWS_ACCESS_KEY_ID=A");
	fx_env(&f, "AWS_SECRET_ACCESS_KEY=" CANARY);
	f.in.config.profile = "default"; /* env keys are no provider of their own now */
	plan_err(&f, -EINVAL, "duration_seconds must be a number of seconds from 900 to 43200");
	fx_free(&f);

	/* A chain longer than CREDS_MAX_HOPS. */
	memset(&f, 0, sizeof(f));
	n += (size_t)snprintf(text + n, sizeof(text) - n,
			      "[default]\nrole_arn=r\nsource_profile=p0\n");
	for (int i = 0; i < CREDS_MAX_HOPS + 2; i++)
		n += (size_t)snprintf(text + n, sizeof(text) - n,
				      "[profile p%d]\nrole_arn=r%d\nsource_profile=p%d\n", i, i,
				      i + 1);
	n += (size_t)snprintf(text + n, sizeof(text) - n,
			      "[profile p%d]\naws_access_key_id=A\naws_secret_access_key=S\n",
			      CREDS_MAX_HOPS + 2);
	fx_config(&f, text);
	plan_err(&f, -ELOOP, "more than 8 AssumeRole hops");
	fx_free(&f);
}

static void
test_plan_credential_source(void **state)
{
	struct fx f = {0};
	struct creds_plan p;

	(void)state;
	f.in.config.profile = "r";
	fx_config(&f, "[profile r]\nrole_arn=arn:r\ncredential_source=Environment\n");
	plan_err(&f, -ENOENT, "credential_source Environment but AWS_ACCESS_KEY_ID");
	fx_env(&f, "AWS_ACCESS_KEY_ID=AKIDENV");
	fx_env(&f, "AWS_SECRET_ACCESS_KEY=" CANARY);
	plan_ok(&f, &p);
	assert_int_equal(p.source, CREDS_SOURCE_STATIC);
	assert_int_equal(p.n_hops, 1);
	creds_plan_free(&p);
	fx_free(&f);

	memset(&f, 0, sizeof(f));
	f.in.config.profile = "r";
	fx_config(&f, "[profile r]\nrole_arn=arn:r\ncredential_source=Ec2InstanceMetadata\n");
	plan_ok(&f, &p);
	assert_int_equal(p.source, CREDS_SOURCE_IMDS);
	assert_int_equal(p.n_hops, 1);
	creds_plan_free(&p);
	fx_env(&f, "AWS_EC2_METADATA_DISABLED=TRUE");
	plan_err(&f, -ENOENT, "AWS_EC2_METADATA_DISABLED is true");
	fx_free(&f);

	memset(&f, 0, sizeof(f));
	f.in.config.profile = "r";
	fx_config(&f, "[profile r]\nrole_arn=arn:r\ncredential_source=EcsContainer\n");
	plan_err(&f, -ENOENT, "credential_source EcsContainer but neither");
	fx_env(&f, "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI=/v2/creds");
	plan_ok(&f, &p);
	assert_int_equal(p.source, CREDS_SOURCE_ECS);
	assert_string_equal(p.url, "http://169.254.170.2/v2/creds");
	creds_plan_free(&p);
	fx_free(&f);

	memset(&f, 0, sizeof(f));
	fx_config(&f, "[default]\nrole_arn=arn:r\ncredential_source=Magic\n");
	plan_err(&f, -EINVAL, "credential_source \"Magic\" is not one of");
	fx_free(&f);
}

static void
test_plan_profile_web_identity_and_process_source(void **state)
{
	struct fx f = {0};
	struct creds_plan p;

	(void)state;
	fx_config(&f, "[default]\nrole_arn=arn:wif\nweb_identity_token_file=/t\n"
		      "source_profile=ignored\n"
		      "[profile top]\nrole_arn=arn:top\nsource_profile=proc\n"
		      "[profile proc]\ncredential_process=/usr/bin/helper\n"
		      "[profile bad]\nweb_identity_token_file=/t\n");
	plan_ok(&f, &p);
	assert_int_equal(p.source, CREDS_SOURCE_WEB_IDENTITY);
	assert_string_equal(p.role_arn, "arn:wif");
	assert_int_equal(p.n_hops, 0);
	creds_plan_free(&p);

	f.in.config.profile = "top";
	plan_ok(&f, &p);
	assert_int_equal(p.source, CREDS_SOURCE_PROCESS);
	assert_string_equal(p.process_argv.v[0], "/usr/bin/helper");
	assert_int_equal(p.n_hops, 1);
	assert_string_equal(p.hops[0].role_arn, "arn:top");
	creds_plan_free(&p);

	f.in.config.profile = "bad";
	plan_err(&f, -EINVAL, "profile bad: web_identity_token_file is set but role_arn is not");
	fx_free(&f);
}

static void
test_plan_ecs(void **state)
{
	struct fx f = {0};
	struct creds_plan p;

	(void)state;
	fx_env(&f, "AWS_CONTAINER_CREDENTIALS_FULL_URI=http://127.0.0.1:8080/creds");
	fx_env(&f, "AWS_CONTAINER_AUTHORIZATION_TOKEN=" CANARY "\n");
	plan_ok(&f, &p);
	assert_int_equal(p.source, CREDS_SOURCE_ECS);
	assert_string_equal(p.url, "http://127.0.0.1:8080/creds");
	assert_string_equal(p.auth_token, CANARY); /* trailing newline stripped */
	assert_null(p.auth_token_file);
	creds_plan_free(&p);

	memset(&f, 0, sizeof(f));
	fx_env(&f, "AWS_CONTAINER_CREDENTIALS_FULL_URI=http://127.0.0.1/creds");
	fx_env(&f, "AWS_CONTAINER_AUTHORIZATION_TOKEN=" CANARY "\r\nX-Injected: 1");
	plan_err(&f, -EINVAL, "AWS_CONTAINER_AUTHORIZATION_TOKEN: authorization token contains CR");

	memset(&f, 0, sizeof(f));
	fx_env(&f, "AWS_CONTAINER_CREDENTIALS_FULL_URI=http://127.0.0.1/creds");
	fx_env(&f, "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE=/var/run/token");
	fx_env(&f, "AWS_CONTAINER_AUTHORIZATION_TOKEN=ignored\nbad");
	plan_ok(&f, &p);
	assert_string_equal(p.auth_token_file, "/var/run/token");
	assert_null(p.auth_token);
	creds_plan_free(&p);

	memset(&f, 0, sizeof(f));
	fx_env(&f, "AWS_CONTAINER_CREDENTIALS_FULL_URI=http://example.com/creds");
	plan_err(&f, -EINVAL, "http is allowed only to loopback");
	memset(&f, 0, sizeof(f));
	fx_env(&f, "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI=v2/creds");
	plan_err(&f, -EINVAL, "must start with \"/\"");
}

static void
test_container_url_allowed(void **state)
{
	(void)state;
	assert_true(creds_container_url_allowed("https://example.com/x"));
	assert_true(creds_container_url_allowed("HTTPS://example.com"));
	assert_true(creds_container_url_allowed("http://127.0.0.1/x"));
	assert_true(creds_container_url_allowed("http://127.1.2.3:80/x"));
	assert_true(creds_container_url_allowed("http://localhost:8080/x"));
	assert_true(creds_container_url_allowed("http://169.254.170.2/v2"));
	assert_true(creds_container_url_allowed("http://169.254.170.23/v1/credentials"));
	assert_true(creds_container_url_allowed("http://[::1]:9/x"));
	assert_true(creds_container_url_allowed("http://[fd00:ec2::23]/v1"));
	assert_false(creds_container_url_allowed("http://169.254.170.3/"));
	assert_false(creds_container_url_allowed("http://example.com/"));
	assert_false(creds_container_url_allowed("http://127.0.0.1.evil.com/"));
	assert_false(creds_container_url_allowed("http://127.0.0.1@evil.com/"));
	assert_false(creds_container_url_allowed("http://[fd00:ec2::24]/"));
	assert_false(creds_container_url_allowed("http://[::1/"));
	assert_false(creds_container_url_allowed("ftp://127.0.0.1/"));
	assert_false(creds_container_url_allowed("https:///path"));
	assert_false(creds_container_url_allowed("http:///x"));
}

static void
test_auth_token_clean(void **state)
{
	char a[] = "tok\r\n", b[] = "tok\n", c[] = "t\nok", d[] = "\n", g[] = "tok";
	struct err e;

	(void)state;
	err_clear(&e);
	assert_int_equal(creds_auth_token_clean(a, "f", &e), 0);
	assert_string_equal(a, "tok");
	assert_int_equal(creds_auth_token_clean(b, "f", &e), 0);
	assert_string_equal(b, "tok");
	assert_int_equal(creds_auth_token_clean(g, "f", &e), 0);
	assert_int_equal(creds_auth_token_clean(c, "f", &e), -EINVAL);
	expect_msg(&e, "f: authorization token contains CR or LF");
	err_clear(&e);
	assert_int_equal(creds_auth_token_clean(d, "f", &e), -EINVAL);
	expect_msg(&e, "authorization token is empty");
}

static void
test_plan_imds(void **state)
{
	struct fx f = {0};
	struct creds_plan p;

	(void)state;
	fx_env(&f, "AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE=IPv6");
	plan_ok(&f, &p);
	assert_string_equal(p.url, CREDS_IMDS_ENDPOINT_V6);
	assert_string_equal(p.description, "IMDSv2 instance role");
	creds_plan_free(&p);
	fx_env(&f, "AWS_EC2_METADATA_SERVICE_ENDPOINT=http://127.0.0.1:1338");
	plan_ok(&f, &p);
	assert_string_equal(p.url, "http://127.0.0.1:1338");
	creds_plan_free(&p);

	memset(&f, 0, sizeof(f));
	fx_env(&f, "AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE=ipv5");
	plan_err(&f, -EINVAL, "must be IPv4 or IPv6");
	memset(&f, 0, sizeof(f));
	fx_env(&f, "AWS_EC2_METADATA_SERVICE_ENDPOINT=169.254.169.254");
	plan_err(&f, -EINVAL, "must be an http:// or https:// URL");
	memset(&f, 0, sizeof(f));
	fx_env(&f, "AWS_EC2_METADATA_DISABLED=true");
	plan_err(&f, -ENOENT,
		 "no AWS credentials found: tried vpcesd.yaml credentials, environment");
}

/* --- loading files --------------------------------------------------------------- */

static void
write_file(const char *dir, const char *name, const char *text, mode_t mode)
{
	char path[512];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	assert_int_equal(fchmod(fd, mode), 0);
	close(fd);
}

static void
test_inputs_load(void **state)
{
	char dir[] = "/tmp/test-creds-XXXXXX", home[600], env_home[640], env_cd[640], path[700];
	struct creds_config cfg = {0};
	struct creds_inputs in = {.envp = NULL};
	struct creds_plan p;
	const char *env[8];
	struct err e;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(home, sizeof(home), "%s/home", dir);
	assert_int_equal(mkdir(home, 0700), 0);
	snprintf(path, sizeof(path), "%s/.aws", home);
	assert_int_equal(mkdir(path, 0700), 0);
	write_file(path, "config", "[default]\nregion = eu-west-1\n[profile p]\nregion=x\n", 0644);
	write_file(path, "credentials",
		   "[default]\naws_access_key_id = AKIDHOME\naws_secret_access_key = " CANARY "\n",
		   0644);
	snprintf(env_home, sizeof(env_home), "HOME=%s", home);
	env[0] = env_home;
	env[1] = NULL;

	err_clear(&e);
	assert_int_equal(creds_inputs_load(&in, &cfg, (char *const *)env, &e), 0);
	assert_non_null(in.config_file.path);
	assert_true(in.config_file.exposed);
	assert_true(in.creds_file.exposed);
	assert_null(in.systemd_file.path);
	err_clear(&e);
	assert_int_equal(creds_plan_resolve(&in, &p, &e), -EPERM);
	expect_msg(&e, "run: chmod 600 ");
	creds_inputs_free(&in);

	snprintf(path, sizeof(path), "%s/.aws/credentials", home);
	assert_int_equal(chmod(path, 0600), 0);
	err_clear(&e);
	assert_int_equal(creds_inputs_load(&in, &cfg, (char *const *)env, &e), 0);
	assert_false(in.creds_file.exposed);
	assert_int_equal(creds_plan_resolve(&in, &p, &e), 0);
	assert_string_equal(p.static_creds.access_key_id, "AKIDHOME");
	creds_plan_free(&p);
	creds_inputs_free(&in);

	/* Overrides with ~/, and a systemd credential that wins over the files. */
	write_file(home, "alt-config", "[profile q]\nregion=y\n", 0600);
	snprintf(env_cd, sizeof(env_cd), "CREDENTIALS_DIRECTORY=%s", dir);
	write_file(dir, CREDS_SYSTEMD_NAME,
		   "[default]\naws_access_key_id=AKIDSD\naws_secret_access_key=" CANARY "\n", 0400);
	env[1] = "AWS_CONFIG_FILE=~/alt-config";
	env[2] = "AWS_SHARED_CREDENTIALS_FILE=/nonexistent/credentials";
	env[3] = env_cd;
	env[4] = NULL;
	err_clear(&e);
	assert_int_equal(creds_inputs_load(&in, &cfg, (char *const *)env, &e), 0);
	assert_non_null(ini_profile(&in.config_file.ini, "q"));
	assert_null(in.creds_file.path);
	assert_non_null(in.systemd_file.path);
	assert_int_equal(creds_plan_resolve(&in, &p, &e), 0);
	assert_string_equal(p.static_creds.access_key_id, "AKIDSD");
	creds_plan_free(&p);
	creds_inputs_free(&in);
	creds_inputs_free(NULL);

	/* A malformed file: error with path:line:col, and the output untouched. */
	write_file(home, "alt-config", "[profile q]\nbroken " CANARY "\n", 0600);
	in.config_file.exposed = true; /* sentinel: untouched on failure */
	err_clear(&e);
	assert_int_equal(creds_inputs_load(&in, &cfg, (char *const *)env, &e), -EINVAL);
	expect_msg(&e, "/home/alt-config:2:1: expected \"key = value\"");
	assert_null(in.config_file.path);
	assert_true(in.config_file.exposed);
	in.config_file.exposed = false;

	/* A directory where a file should be. */
	env[1] = "AWS_CONFIG_FILE=/tmp";
	err_clear(&e);
	assert_int_equal(creds_inputs_load(&in, &cfg, (char *const *)env, &e), -EINVAL);
	expect_msg(&e, "/tmp: not a regular file");

	/* No HOME: no default files at all. */
	env[0] = "AWS_REGION=x";
	env[1] = NULL;
	err_clear(&e);
	assert_int_equal(creds_inputs_load(&in, &cfg, (char *const *)env, &e), 0);
	assert_null(in.config_file.path);
	assert_null(in.creds_file.path);
	creds_inputs_free(&in);

	{
		char sub[700];

		snprintf(sub, sizeof(sub), "%s/.aws/config", home);
		unlink(sub);
		snprintf(sub, sizeof(sub), "%s/.aws/credentials", home);
		unlink(sub);
		snprintf(sub, sizeof(sub), "%s/.aws", home);
		rmdir(sub);
		snprintf(sub, sizeof(sub), "%s/alt-config", home);
		unlink(sub);
		rmdir(home);
		snprintf(sub, sizeof(sub), "%s/%s", dir, CREDS_SYSTEMD_NAME);
		unlink(sub);
		assert_int_equal(rmdir(dir), 0);
	}
}

/* --- credential_process on the loop -------------------------------------------------- */

struct outcome {
	int called;
	int r;
	struct creds c;
	struct err e;
};

static void
on_fetch_done(void *arg, int r, struct creds *c, const struct err *e)
{
	struct outcome *o = arg;

	o->called++;
	o->r = r;
	err_clear(&o->e);
	if (r == 0) {
		o->c = *c;
		memset(c, 0, sizeof(*c));
	} else {
		o->e = *e;
		assert_null(c);
	}
	ev_break(EV_DEFAULT, EVBREAK_ALL);
}

static void
on_guard(struct ev_loop *loop, ev_timer *w, int revents)
{
	(void)w;
	(void)revents;
	ev_break(loop, EVBREAK_ALL);
	fail_msg("the loop ran 20 s without an answer");
}

/* Run the loop until something calls ev_break (a guard fails the test after 20 s). */
static void
run_loop(void)
{
	ev_timer guard;

	ev_timer_init(&guard, on_guard, 20., 0.);
	ev_timer_start(EV_DEFAULT, &guard);
	ev_run(EV_DEFAULT, 0);
	ev_timer_stop(EV_DEFAULT, &guard);
}

static char *
script(const char *name)
{
	const char *top = getenv("top_srcdir");
	char *p = NULL;

	assert_true(asprintf(&p, "%s/tests/creds/%s", top ? top : ".", name) > 0);
	return p;
}

static const char *const helper_env[] = {"CANARY=" CANARY, "LEAK_SECRET=" LEAK_SECRET,
					 "LEAK_TOKEN=" LEAK_TOKEN, "PATH=/usr/bin:/bin", NULL};

static void
run_process(const char *name, const char *arg, double timeout, struct outcome *o)
{
	struct strv argv = STRV_INIT;
	struct creds_provider *p = NULL;
	struct err e;

	memset(o, 0, sizeof(*o));
	assert_int_equal(strv_push_take(&argv, script(name)), 0);
	if (arg != NULL)
		assert_int_equal(strv_push(&argv, arg), 0);
	err_clear(&e);
	assert_int_equal(
		creds_provider_new_process(&argv, (char *const *)helper_env, timeout, &p, &e), 0);
	assert_int_equal(p->ops->fetch(p, EV_DEFAULT, on_fetch_done, o, &e), 0);
	assert_int_equal(o->called, 0); /* never from inside fetch() */
	run_loop();
	assert_int_equal(o->called, 1);
	if (o->r < 0)
		no_secret(&o->e);
	creds_provider_free(p);
	strv_free(&argv);
}

static void
test_process_ok(void **state)
{
	struct outcome o;

	(void)state;
	run_process("ok.sh", "2099-01-01T00:00:00Z", 10., &o);
	assert_int_equal(o.r, 0);
	assert_string_equal(o.c.access_key_id, "AKIDPROCESS");
	assert_string_equal(o.c.secret_access_key, CANARY);
	assert_string_equal(o.c.session_token, "TOKENPROCESS");
	assert_int_equal(o.c.expiration, 4070908800);
	creds_free(&o.c);

	run_process("static.sh", NULL, 10., &o);
	assert_int_equal(o.r, 0);
	assert_int_equal(o.c.expiration, 0);
	assert_null(o.c.session_token);
	creds_free(&o.c);
}

static void
test_process_failures(void **state)
{
	struct outcome o;

	(void)state;
	run_process("fail.sh", NULL, 10., &o);
	assert_int_equal(o.r, -ECHILD);
	expect_msg(&o.e, "fail.sh: exited with status 3: helper: access denied for role");
	assert_null(strstr(o.e.msg, "second line"));

	run_process("garbage.sh", NULL, 10., &o);
	assert_int_equal(o.r, -EINVAL);
	expect_msg(&o.e, "garbage.sh: credential document is not valid JSON");

	run_process("killed.sh", NULL, 10., &o);
	assert_int_equal(o.r, -ECHILD);
	expect_msg(&o.e, "killed by signal 9");

	run_process("hang.sh", NULL, 0.3, &o);
	assert_int_equal(o.r, -ETIMEDOUT);
	expect_msg(&o.e, "hang.sh: no answer within 0.3 s; killed");

	run_process("huge.sh", NULL, 10., &o);
	assert_int_equal(o.r, -E2BIG);
	expect_msg(&o.e, "huge.sh: output larger than 65536 bytes");
}

static void
test_process_spawn_errors(void **state)
{
	struct strv argv = STRV_INIT;
	struct creds_provider *p = NULL;
	struct ev_loop *other;
	struct err e;
	struct outcome o = {0};

	(void)state;
	err_clear(&e);
	assert_int_equal(creds_provider_new_process(&argv, NULL, 1., &p, &e), -EINVAL);
	assert_int_equal(strv_push(&argv, "no-such-command-vpcesd-test"), 0);
	err_clear(&e);
	assert_int_equal(creds_provider_new_process(&argv, NULL, 0., &p, &e), -EINVAL);
	err_clear(&e);
	assert_int_equal(creds_provider_new_process(&argv, NULL, 1., &p, &e), 0);
	assert_string_equal(p->name, "credential_process no-such-command-vpcesd-test");
	err_clear(&e);
	other = ev_loop_new(0);
	assert_int_equal(p->ops->fetch(p, other, on_fetch_done, &o, &e), -EINVAL);
	expect_msg(&e, "needs the default libev loop");
	ev_loop_destroy(other);
	err_clear(&e);
	assert_int_equal(p->ops->fetch(p, EV_DEFAULT, on_fetch_done, &o, &e), -ENOENT);
	expect_msg(&e, "cannot run: No such file or directory");
	creds_provider_free(p);
	creds_provider_free(NULL);
	strv_free(&argv);
}

/* --- the cache ------------------------------------------------------------------------ */

struct fake {
	struct creds_provider base;
	int fetches, cancels, fail_start;
	creds_fetch_done_fn *done;
	void *arg;
};

static int
fake_fetch(struct creds_provider *p, struct ev_loop *loop, creds_fetch_done_fn *done, void *arg,
	   struct err *e)
{
	struct fake *f = (struct fake *)p;

	(void)loop;
	assert_null(f->done); /* one fetch at a time */
	if (f->fail_start)
		return err_set(e, -EIO, "fake: cannot start");
	f->fetches++;
	f->done = done;
	f->arg = arg;
	return 0;
}

static void
fake_cancel(struct creds_provider *p)
{
	struct fake *f = (struct fake *)p;

	if (f->done != NULL)
		f->cancels++;
	f->done = NULL;
}

static void
fake_free(struct creds_provider *p)
{
	fake_cancel(p);
	/* The fake lives on the test's stack. */
}

static const struct creds_provider_ops fake_ops = {
	.kind = "fake", .fetch = fake_fetch, .cancel = fake_cancel, .free = fake_free};

/* Complete the pending fetch: expiration 0 means a failure. */
static void
fake_complete(struct fake *f, const char *key, time_t expiration)
{
	creds_fetch_done_fn *done = f->done;
	struct creds c;
	struct err e;

	assert_non_null(done);
	f->done = NULL;
	err_clear(&e);
	if (key == NULL) {
		err_set(&e, -EACCES, "fake: refused");
		done(f->arg, -EACCES, NULL, &e);
		return;
	}
	assert_int_equal(creds_set(&c, key, CANARY, "T", expiration, NULL, NULL, "fake", &e), 0);
	done(f->arg, 0, &c, &e);
	creds_free(&c); /* whatever the cache left us */
}

static time_t
fake_now(void *arg)
{
	return *(time_t *)arg;
}

struct got {
	struct creds_waiter w;
	int calls, r;
	char key[64];
	unsigned long gen;
	struct creds_cache *requeue; /* get again from inside the callback */
	struct got *requeue_w;
};

static void
on_got(struct creds_waiter *w, int r, const struct creds_ref *ref, const struct err *e)
{
	struct got *g = (struct got *)w;
	struct creds_ref again;

	g->calls++;
	g->r = r;
	g->key[0] = '\0';
	if (r == 0) {
		snprintf(g->key, sizeof(g->key), "%s", ref->creds->access_key_id);
		g->gen = ref->generation;
	} else {
		no_secret(e);
	}
	if (g->requeue != NULL) {
		struct creds_cache *cc = g->requeue;

		g->requeue = NULL;
		assert_int_equal(creds_cache_get(cc, &g->requeue_w->w, &again, NULL), 0);
	}
}

static void
got_init(struct got *g)
{
	memset(g, 0, sizeof(*g));
	g->w.cb = on_got;
}

static void
test_cache_waiters_share_one_refresh(void **state)
{
	struct fake f = {.base = {.ops = &fake_ops, .name = (char *)"fake"}};
	time_t now = 1000000;
	struct creds_cache *cc;
	struct creds_ref ref;
	struct got a, b, c;
	struct err e;

	(void)state;
	assert_int_equal(creds_cache_new(EV_DEFAULT, &f.base, fake_now, &now, &cc), 0);
	got_init(&a);
	got_init(&b);
	got_init(&c);
	err_clear(&e);
	assert_int_equal(creds_cache_get(cc, &a.w, &ref, &e), 0);
	assert_int_equal(creds_cache_get(cc, &b.w, &ref, &e), 0);
	assert_int_equal(creds_cache_get(cc, &c.w, &ref, &e), 0);
	creds_cache_cancel(cc, &c.w);
	creds_cache_cancel(cc, &c.w); /* twice is harmless */
	assert_int_equal(f.fetches, 1);
	assert_int_equal(a.calls, 0);
	fake_complete(&f, "AK1", now + 3600);
	assert_int_equal(a.calls, 1);
	assert_int_equal(b.calls, 1);
	assert_int_equal(c.calls, 0);
	assert_string_equal(a.key, "AK1");
	assert_int_equal(a.gen, b.gen);
	assert_int_equal(creds_cache_get(cc, &c.w, &ref, &e), 1);
	assert_string_equal(ref.creds->access_key_id, "AK1");
	assert_string_equal(ref.creds->provider, "fake");
	assert_int_equal(f.fetches, 1);
	assert_int_equal(creds_cache_fetches(cc), 1);
	creds_cache_free(cc);
	creds_cache_free(NULL);
}

static void
test_cache_advisory_and_mandatory(void **state)
{
	struct fake f = {.base = {.ops = &fake_ops, .name = (char *)"fake"}};
	time_t now = 1000000, exp = now + 3600;
	struct creds_cache *cc;
	struct creds_ref ref;
	struct got a;
	struct err e;

	(void)state;
	assert_int_equal(creds_cache_new(EV_DEFAULT, &f.base, fake_now, &now, &cc), 0);
	got_init(&a);
	err_clear(&e);
	assert_int_equal(creds_cache_get(cc, &a.w, &ref, &e), 0);
	fake_complete(&f, "AK1", exp);

	/* Advisory: served at once, one background refresh. */
	now = exp - CREDS_ADVISORY_SECS + 10;
	assert_int_equal(creds_cache_get(cc, &a.w, &ref, &e), 1);
	assert_int_equal(creds_cache_get(cc, &a.w, &ref, &e), 1);
	assert_int_equal(f.fetches, 2);
	fake_complete(&f, NULL, 0); /* the background refresh fails */
	assert_int_equal(creds_cache_last_error(cc)->code, -EACCES);
	assert_int_equal(creds_cache_get(cc, &a.w, &ref, &e), 1); /* still served, no retry yet */
	assert_int_equal(f.fetches, 2);
	now += CREDS_REFRESH_RETRY_SECS;
	assert_int_equal(creds_cache_get(cc, &a.w, &ref, &e), 1);
	assert_int_equal(f.fetches, 3);
	fake_complete(&f, NULL, 0);

	/* Mandatory: callers wait; a failed refresh still serves valid credentials. */
	now = exp - CREDS_MANDATORY_SECS + 10;
	assert_int_equal(creds_cache_get(cc, &a.w, &ref, &e), 0);
	assert_int_equal(f.fetches, 4);
	fake_complete(&f, NULL, 0);
	assert_int_equal(a.calls, 2);
	assert_int_equal(a.r, 0);
	assert_string_equal(a.key, "AK1");
	/* Right after a failure, no new refresh: served at once. */
	assert_int_equal(creds_cache_get(cc, &a.w, &ref, &e), 1);
	now += CREDS_REFRESH_RETRY_SECS;
	assert_int_equal(creds_cache_get(cc, &a.w, &ref, &e), 0);
	fake_complete(&f, "AK2", now + 3600);
	assert_int_equal(a.calls, 3);
	assert_string_equal(a.key, "AK2");
	assert_int_equal(creds_cache_last_error(cc)->code, 0);

	/* Expired: callers wait, and a failure reaches them. */
	now += 3600;
	assert_int_equal(creds_cache_get(cc, &a.w, &ref, &e), 0);
	fake_complete(&f, NULL, 0);
	assert_int_equal(a.calls, 4);
	assert_int_equal(a.r, -EACCES);

	/* A refresh that cannot even start. */
	f.fail_start = 1;
	err_clear(&e);
	assert_int_equal(creds_cache_get(cc, &a.w, &ref, &e), -EIO);
	expect_msg(&e, "fake: cannot start");
	creds_cache_free(cc);
}

static void
test_cache_invalidate_once_per_generation(void **state)
{
	struct fake f = {.base = {.ops = &fake_ops, .name = (char *)"fake"}};
	time_t now = 1000000;
	struct creds_cache *cc;
	struct creds_ref ref;
	struct got a, b;
	unsigned long gen;

	(void)state;
	assert_int_equal(creds_cache_new(EV_DEFAULT, &f.base, fake_now, &now, &cc), 0);
	got_init(&a);
	got_init(&b);
	assert_int_equal(creds_cache_get(cc, &a.w, &ref, NULL), 0);
	fake_complete(&f, "AK1", 0); /* long-term keys */
	assert_int_equal(creds_cache_get(cc, &a.w, &ref, NULL), 1);
	gen = ref.generation;
	/* Two requests fail with the same credentials: one refresh. */
	assert_true(creds_cache_invalidate(cc, gen));
	assert_false(creds_cache_invalidate(cc, gen));
	assert_int_equal(creds_cache_get(cc, &a.w, &ref, NULL), 0);
	assert_int_equal(creds_cache_get(cc, &b.w, &ref, NULL), 0);
	assert_int_equal(f.fetches, 2);
	fake_complete(&f, "AK2", 0);
	assert_string_equal(a.key, "AK2");
	assert_string_equal(b.key, "AK2");
	assert_int_equal(a.gen, gen + 1);
	/* A late AuthFailure about the old generation changes nothing. */
	assert_false(creds_cache_invalidate(cc, gen));
	assert_int_equal(creds_cache_get(cc, &a.w, &ref, NULL), 1);
	assert_int_equal(f.fetches, 2);

	/* Invalidated while a background refresh runs: callers wait for it. */
	now += 1;
	assert_true(creds_cache_invalidate(cc, gen + 1));
	assert_int_equal(creds_cache_get(cc, &a.w, &ref, NULL), 0);
	fake_complete(&f, NULL, 0);
	assert_int_equal(a.r, -EACCES); /* refused credentials are not handed out again */
	creds_cache_free(cc);
}

static void
test_cache_expired_result_and_requeue(void **state)
{
	struct fake f = {.base = {.ops = &fake_ops, .name = (char *)"fake"}};
	time_t now = 1000000;
	struct creds_cache *cc;
	struct creds_ref ref;
	struct got a, b;

	(void)state;
	assert_int_equal(creds_cache_new(EV_DEFAULT, &f.base, fake_now, &now, &cc), 0);
	got_init(&a);
	got_init(&b);
	a.requeue = cc; /* a's callback queues b: answered by the next refresh, not this one */
	a.requeue_w = &b;
	assert_int_equal(creds_cache_get(cc, &a.w, &ref, NULL), 0);
	fake_complete(&f, "AKOLD", now - 1);
	assert_int_equal(a.r, -EKEYEXPIRED);
	assert_non_null(strstr(creds_cache_last_error(cc)->msg, "already expired"));
	assert_int_equal(b.calls, 0);
	assert_int_equal(f.fetches, 2);
	fake_complete(&f, "AKNEW", now + 7200);
	assert_int_equal(b.calls, 1);
	assert_string_equal(b.key, "AKNEW");

	/* Freeing with a refresh in flight cancels it; queued waiters are dropped. */
	now += 7200;
	assert_int_equal(creds_cache_get(cc, &a.w, &ref, NULL), 0);
	creds_cache_free(cc);
	assert_int_equal(f.cancels, 1);
	assert_int_equal(a.calls, 1);
}

struct loop_got {
	struct creds_waiter w;
	int calls, r;
	char secret[64];
	time_t expiration;
};

static void
on_loop_got(struct creds_waiter *w, int r, const struct creds_ref *ref, const struct err *e)
{
	struct loop_got *g = (struct loop_got *)w;

	g->calls++;
	g->r = r;
	if (r == 0) {
		snprintf(g->secret, sizeof(g->secret), "%s", ref->creds->secret_access_key);
		g->expiration = ref->creds->expiration;
	} else {
		no_secret(e);
	}
	ev_break(EV_DEFAULT, EVBREAK_ALL);
}

static void
test_cache_with_real_providers(void **state)
{
	struct creds_provider *p;
	struct creds_cache *cc;
	struct creds_ref ref;
	struct loop_got g = {.w.cb = on_loop_got};
	struct strv argv = STRV_INIT;
	struct creds c;
	struct err e;

	(void)state;
	/* Static keys through the cache: one loop turn, then at hand. */
	err_clear(&e);
	assert_int_equal(creds_set(&c, "AKSTATIC", CANARY, NULL, 0, NULL, NULL, "t", &e), 0);
	assert_int_equal(creds_provider_new_static(&c, "environment", &p), 0);
	creds_free(&c);
	assert_int_equal(creds_cache_new(EV_DEFAULT, p, NULL, NULL, &cc), 0);
	assert_int_equal(creds_cache_get(cc, &g.w, &ref, &e), 0);
	run_loop();
	assert_int_equal(g.calls, 1);
	assert_string_equal(g.secret, CANARY);
	assert_int_equal(creds_cache_get(cc, &g.w, &ref, &e), 1);
	assert_string_equal(ref.creds->provider, "environment");
	creds_cache_free(cc);

	/* credential_process through the cache, on the real clock. */
	assert_int_equal(strv_push_take(&argv, script("ok.sh")), 0);
	assert_int_equal(strv_push(&argv, "2099-01-01T00:00:00Z"), 0);
	assert_int_equal(creds_provider_new_process(&argv, (char *const *)helper_env, 10., &p, &e),
			 0);
	assert_int_equal(creds_cache_new(EV_DEFAULT, p, NULL, NULL, &cc), 0);
	assert_int_equal(creds_cache_get(cc, &g.w, &ref, &e), 0);
	run_loop();
	assert_int_equal(g.calls, 2);
	assert_int_equal(g.r, 0);
	assert_string_equal(g.secret, CANARY);
	assert_int_equal(g.expiration, 4070908800);
	creds_cache_free(cc);
	strv_free(&argv);

	/* A helper whose credentials expired long ago. */
	assert_int_equal(strv_push_take(&argv, script("expired.sh")), 0);
	assert_int_equal(creds_provider_new_process(&argv, (char *const *)helper_env, 10., &p, &e),
			 0);
	assert_int_equal(creds_cache_new(EV_DEFAULT, p, NULL, NULL, &cc), 0);
	assert_int_equal(creds_cache_get(cc, &g.w, &ref, &e), 0);
	run_loop();
	assert_int_equal(g.calls, 3);
	assert_int_equal(g.r, -EKEYEXPIRED);
	expect_msg(creds_cache_last_error(cc),
		   "expired.sh: returned credentials that are already expired");

	/* Free while the helper runs: the child is killed, nothing is called. */
	creds_cache_free(cc);
	strv_free(&argv);
	assert_int_equal(strv_push_take(&argv, script("hang.sh")), 0);
	assert_int_equal(creds_provider_new_process(&argv, (char *const *)helper_env, 10., &p, &e),
			 0);
	assert_int_equal(creds_cache_new(EV_DEFAULT, p, NULL, NULL, &cc), 0);
	assert_int_equal(creds_cache_get(cc, &g.w, &ref, &e), 0);
	ev_run(EV_DEFAULT, EVRUN_NOWAIT);
	creds_cache_free(cc);
	assert_int_equal(g.calls, 3);
	strv_free(&argv);
}

/*
 * A failing helper's stderr is quoted, and helpers print credentials there:
 * unknown ones by their shape, the ones its own stdout held by value.
 */
static void
test_process_stderr_scrubbed(void **state)
{
	struct outcome o;

	(void)state;
	run_process("leak.sh", NULL, 10., &o);
	assert_int_equal(o.r, -ECHILD);
	expect_msg(&o.e, "leak.sh: exited with status 1: helper: got [redacted] [redacted] from "
			 "the broker, refusing");
	assert_null(strstr(o.e.msg, LEAK_SECRET));
	assert_null(strstr(o.e.msg, "LeakToken"));

	run_process("leak-stdout.sh", NULL, 10., &o);
	assert_int_equal(o.r, -ECHILD);
	expect_msg(&o.e,
		   "leak-stdout.sh: exited with status 2: helper: wrote secret [redacted] and "
		   "token [redacted], then lost the lease");
}

static time_t cache_clock_offset;

static time_t
cache_clock(void *arg)
{
	(void)arg;
	return time(NULL) + cache_clock_offset;
}

/*
 * The cache scrubs what its provider says with the credentials it holds: a
 * helper that worked once and then fails, quoting the secret it handed out
 * before (which its failing run's own output no longer shows).
 */
static void
test_process_cache_scrubs_known(void **state)
{
	struct creds_provider *p = NULL;
	struct creds_cache *cc = NULL;
	struct creds_ref ref;
	struct loop_got g = {.w.cb = on_loop_got};
	struct strv argv = STRV_INIT;
	char dir[] = "/tmp/vpcesd-test-creds.XXXXXX", ran[64], expires[32];
	time_t exp = time(NULL) + 20 * 60;
	struct tm tm;
	struct err e;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(ran, sizeof(ran), "%s/ran", dir);
	gmtime_r(&exp, &tm);
	strftime(expires, sizeof(expires), "%Y-%m-%dT%H:%M:%SZ", &tm);
	assert_int_equal(strv_push_take(&argv, script("once.sh")), 0);
	assert_int_equal(strv_push(&argv, ran), 0);
	assert_int_equal(strv_push(&argv, expires), 0);
	err_clear(&e);
	assert_int_equal(creds_provider_new_process(&argv, (char *const *)helper_env, 10., &p, &e),
			 0);
	cache_clock_offset = 0;
	assert_int_equal(creds_cache_new(EV_DEFAULT, p, cache_clock, NULL, &cc), 0);
	assert_int_equal(creds_cache_get(cc, &g.w, &ref, &e), 0);
	run_loop();
	assert_int_equal(g.r, 0);
	assert_string_equal(g.secret, CANARY);

	/* Eleven minutes on, inside the mandatory window: the refresh runs and fails. */
	cache_clock_offset = 11 * 60;
	assert_int_equal(creds_cache_get(cc, &g.w, &ref, &e), 0);
	run_loop();
	assert_int_equal(g.calls, 2);
	assert_int_equal(g.r, 0); /* not expired yet: still served */
	expect_msg(creds_cache_last_error(cc),
		   "once.sh: exited with status 1: helper: the broker revoked [redacted] "
		   "([redacted])");
	creds_cache_free(cc);
	strv_free(&argv);
	unlink(ran);
	rmdir(dir);
}

static void
test_messages_were_checked(void **state)
{
	(void)state;
	/* The canary check ran over a meaningful number of error messages. */
	assert_true(n_messages > 50);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_json_process),
		cmocka_unit_test(test_json_ecs_and_imds),
		cmocka_unit_test(test_json_size_limit),
		cmocka_unit_test(test_parse_time),
		cmocka_unit_test(test_freshness),
		cmocka_unit_test(test_copy_and_set),
		cmocka_unit_test(test_plan_env_static),
		cmocka_unit_test(test_plan_env_partial_and_empty),
		cmocka_unit_test(test_plan_web_identity),
		cmocka_unit_test(test_plan_config_role_on_top),
		cmocka_unit_test(test_plan_config_profile),
		cmocka_unit_test(test_plan_systemd),
		cmocka_unit_test(test_plan_file_static_order_and_permissions),
		cmocka_unit_test(test_plan_aws_profile),
		cmocka_unit_test(test_plan_assume_role_chain),
		cmocka_unit_test(test_plan_assume_role_self_and_top),
		cmocka_unit_test(test_plan_assume_role_errors),
		cmocka_unit_test(test_plan_credential_source),
		cmocka_unit_test(test_plan_profile_web_identity_and_process_source),
		cmocka_unit_test(test_plan_ecs),
		cmocka_unit_test(test_container_url_allowed),
		cmocka_unit_test(test_auth_token_clean),
		cmocka_unit_test(test_plan_imds),
		cmocka_unit_test(test_inputs_load),
		cmocka_unit_test(test_process_ok),
		cmocka_unit_test(test_process_failures),
		cmocka_unit_test(test_process_spawn_errors),
		cmocka_unit_test(test_cache_waiters_share_one_refresh),
		cmocka_unit_test(test_cache_advisory_and_mandatory),
		cmocka_unit_test(test_cache_invalidate_once_per_generation),
		cmocka_unit_test(test_cache_expired_result_and_requeue),
		cmocka_unit_test(test_cache_with_real_providers),
		cmocka_unit_test(test_process_stderr_scrubbed),
		cmocka_unit_test(test_process_cache_scrubs_known),
		cmocka_unit_test(test_messages_were_checked),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
