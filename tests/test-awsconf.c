/* SPDX-License-Identifier: ISC */
/*
 * Unit tests for awsconf.h: which source wins for each AWS setting, what
 * each source is called, and errors that say where.  The defaults table was
 * read off botocore 1.29 (tests/awsconf-matrix.py checks it end to end).
 */
#include "config.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "awsconf.h"
#include "ini.h"

/* A resolution's inputs: an environment and an optional config file. */
struct fx {
	const char *env[16];
	struct ini ini;
	bool have_ini;
	struct awsconf_input in;
	struct awsconf out;
	struct awsconf_error err;
};

static void
fx_init(struct fx *f, const char *config)
{
	struct err e;

	memset(f, 0, sizeof(*f));
	f->in.retry_mode = AWSCONF_RETRY_UNSET;
	f->in.envp = (char *const *)f->env;
	if (config != NULL) {
		err_clear(&e);
		assert_int_equal(ini_parse(config, strlen(config), INI_CONFIG, "/h/.aws/config",
					   &f->ini, &e),
				 0);
		f->have_ini = true;
		f->in.config = &f->ini;
		f->in.config_path = "/h/.aws/config";
	}
}

static void
fx_env(struct fx *f, const char *kv)
{
	size_t i = 0;

	while (f->env[i] != NULL)
		i++;
	assert_true(i + 1 < sizeof(f->env) / sizeof(f->env[0]));
	f->env[i] = kv;
}

static int
fx_run(struct fx *f)
{
	memset(&f->err, 0, sizeof(f->err));
	return awsconf_resolve(&f->in, &f->out, &f->err);
}

static void
fx_done(struct fx *f)
{
	awsconf_free(&f->out);
	if (f->have_ini)
		ini_free(&f->ini);
}

static const char config[] = "[default]\n"
			     "region = ap-south-1\n"
			     "[profile prod]\n"
			     "region = eu-west-1\n"
			     "ca_bundle = /etc/ssl/prod.pem\n"
			     "max_attempts = 7\n"
			     "retry_mode = standard\n"
			     "[profile fips]\n"
			     "region = us-gov-west-1\n"
			     "use_fips_endpoint = TRUE\n"
			     "[profile local]\n"
			     "region = us-east-1\n"
			     "services = sim\n"
			     "endpoint_url = https://all.example\n"
			     "[services sim]\n"
			     "ec2 =\n"
			     "  endpoint_url = http://127.0.0.1:4566\n"
			     "[profile broken]\n"
			     "region = Mars\n"
			     "max_attempts = 21\n"
			     "services = nowhere\n";

static void
test_region_order(void **state)
{
	struct fx f;
	char *region = (char *)"untouched", src[AWSCONF_SOURCE_MAX];

	(void)state;
	fx_init(&f, config);
	assert_int_equal(fx_run(&f), 0);
	assert_string_equal(f.out.region, "ap-south-1");
	assert_string_equal(f.out.src_region, "profile default");
	fx_done(&f);

	fx_init(&f, config);
	fx_env(&f, "AWS_PROFILE=prod");
	assert_int_equal(fx_run(&f), 0);
	assert_string_equal(f.out.region, "eu-west-1");
	assert_string_equal(f.out.src_region, "profile prod");
	assert_string_equal(f.out.profile, "prod");
	fx_done(&f);

	fx_init(&f, config);
	fx_env(&f, "AWS_PROFILE=prod");
	fx_env(&f, "AWS_DEFAULT_REGION=eu-north-1");
	assert_int_equal(fx_run(&f), 0);
	assert_string_equal(f.out.region, "eu-north-1");
	assert_string_equal(f.out.src_region, "AWS_DEFAULT_REGION");
	fx_done(&f);

	fx_init(&f, config);
	fx_env(&f, "AWS_DEFAULT_REGION=eu-north-1");
	fx_env(&f, "AWS_REGION=");     /* empty: unset */
	fx_env(&f, "AWS_REGIONX=x-1"); /* a longer name is another variable */
	assert_int_equal(fx_run(&f), 0);
	assert_string_equal(f.out.src_region, "AWS_DEFAULT_REGION");
	fx_done(&f);

	fx_init(&f, config);
	fx_env(&f, "AWS_DEFAULT_REGION=eu-north-1");
	fx_env(&f, "AWS_REGION=ca-central-1");
	f.in.profile = "prod"; /* vpcesd.yaml credentials.profile beats AWS_PROFILE */
	fx_env(&f, "AWS_PROFILE=fips");
	assert_int_equal(fx_run(&f), 0);
	assert_string_equal(f.out.region, "ca-central-1");
	assert_string_equal(f.out.src_region, "AWS_REGION");
	assert_string_equal(f.out.profile, "prod");
	f.in.region = "sa-east-1";
	assert_int_equal(awsconf_region(&f.in, &region, src, &f.err), 0);
	assert_string_equal(region, "sa-east-1");
	assert_string_equal(src, "vpcesd.yaml");
	free(region);
	fx_done(&f);

	/* Nothing anywhere: no region, no default endpoints, still defaults for the rest. */
	fx_init(&f, NULL);
	assert_int_equal(fx_run(&f), 0);
	assert_null(f.out.region);
	assert_null(f.out.endpoint);
	assert_null(f.out.ca_file);
	assert_int_equal(f.out.max_attempts, 5);
	assert_int_equal(f.out.retry_mode, AWSCONF_RETRY_ADAPTIVE);
	assert_string_equal(f.out.profile, "default");
	fx_done(&f);
}

static void
test_region_errors(void **state)
{
	struct fx f;

	(void)state;
	fx_init(&f, config);
	fx_env(&f, "AWS_PROFILE=broken");
	assert_int_equal(fx_run(&f), -EINVAL);
	assert_string_equal(f.err.where, "/h/.aws/config:19:1");
	assert_non_null(strstr(f.err.e.msg, "region (profile broken): "));
	fx_done(&f);

	/* The winning source decides: a bad AWS_REGION is not skipped for a good profile. */
	fx_init(&f, config);
	fx_env(&f, "AWS_REGION=nowhere");
	assert_int_equal(fx_run(&f), -EINVAL);
	assert_string_equal(f.err.where, "AWS_REGION");
	assert_null(f.out.region);
	fx_done(&f);
}

static void
test_default_endpoints(void **state)
{
	/* botocore 1.29, AWS_STS_REGIONAL_ENDPOINTS=regional. */
	static const struct {
		const char *region;
		bool fips, dual;
		const char *ec2, *sts;
	} t[] = {
		{"us-east-1", false, false, "https://ec2.us-east-1.amazonaws.com",
		 "https://sts.us-east-1.amazonaws.com"},
		{"us-east-1", true, false, "https://ec2-fips.us-east-1.amazonaws.com",
		 "https://sts-fips.us-east-1.amazonaws.com"},
		{"eu-west-1", false, true, "https://ec2.eu-west-1.api.aws",
		 "https://sts.eu-west-1.api.aws"},
		{"eu-west-1", true, true, "https://ec2-fips.eu-west-1.api.aws",
		 "https://sts-fips.eu-west-1.api.aws"},
		{"cn-north-1", false, false, "https://ec2.cn-north-1.amazonaws.com.cn",
		 "https://sts.cn-north-1.amazonaws.com.cn"},
		{"cn-northwest-1", true, false, "https://ec2-fips.cn-northwest-1.amazonaws.com.cn",
		 "https://sts-fips.cn-northwest-1.amazonaws.com.cn"},
		{"cn-north-1", false, true, "https://ec2.cn-north-1.api.amazonwebservices.com.cn",
		 "https://sts.cn-north-1.api.amazonwebservices.com.cn"},
		{"cn-north-1", true, true,
		 "https://ec2-fips.cn-north-1.api.amazonwebservices.com.cn",
		 "https://sts-fips.cn-north-1.api.amazonwebservices.com.cn"},
		{"us-gov-west-1", false, false, "https://ec2.us-gov-west-1.amazonaws.com",
		 "https://sts.us-gov-west-1.amazonaws.com"},
		{"us-gov-west-1", true, false, "https://ec2.us-gov-west-1.amazonaws.com",
		 "https://sts.us-gov-west-1.amazonaws.com"},
		{"us-gov-east-1", false, true, "https://ec2.us-gov-east-1.api.aws",
		 "https://sts.us-gov-east-1.api.aws"},
		{"us-gov-east-1", true, true, "https://ec2-fips.us-gov-east-1.api.aws",
		 "https://sts-fips.us-gov-east-1.api.aws"},
		{"us-iso-east-1", false, false, "https://ec2.us-iso-east-1.c2s.ic.gov",
		 "https://sts.us-iso-east-1.c2s.ic.gov"},
		{"us-isob-east-1", true, false, "https://ec2-fips.us-isob-east-1.sc2s.sgov.gov",
		 "https://sts-fips.us-isob-east-1.sc2s.sgov.gov"},
	};
	char url[256];

	(void)state;
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		assert_int_equal(awsconf_default_endpoint("ec2", t[i].region, t[i].fips, t[i].dual,
							  url, sizeof(url)),
				 0);
		assert_string_equal(url, t[i].ec2);
		assert_int_equal(awsconf_default_endpoint("sts", t[i].region, t[i].fips, t[i].dual,
							  url, sizeof(url)),
				 0);
		assert_string_equal(url, t[i].sts);
	}
	assert_int_equal(awsconf_default_endpoint("ec2", "us-east-1", false, false, url, 20),
			 -ENAMETOOLONG);
}

static void
test_variants_and_sources(void **state)
{
	struct fx f;

	(void)state;
	fx_init(&f, config);
	fx_env(&f, "AWS_PROFILE=fips");
	assert_int_equal(fx_run(&f), 0);
	assert_true(f.out.fips);
	assert_string_equal(f.out.endpoint, "https://ec2.us-gov-west-1.amazonaws.com");
	assert_string_equal(f.out.src_endpoint,
			    "default for us-gov-west-1, FIPS from profile fips");
	fx_done(&f);

	/* The environment beats the profile, "false" included; anything but "true" is false. */
	fx_init(&f, config);
	fx_env(&f, "AWS_PROFILE=fips");
	fx_env(&f, "AWS_USE_FIPS_ENDPOINT=false");
	fx_env(&f, "AWS_USE_DUALSTACK_ENDPOINT=True");
	fx_env(&f, "AWS_REGION=us-west-2");
	assert_int_equal(fx_run(&f), 0);
	assert_false(f.out.fips);
	assert_true(f.out.dualstack);
	assert_string_equal(f.out.endpoint, "https://ec2.us-west-2.api.aws");
	assert_string_equal(f.out.sts_endpoint, "https://sts.us-west-2.api.aws");
	assert_string_equal(f.out.src_sts_endpoint,
			    "default for us-west-2, dual-stack from AWS_USE_DUALSTACK_ENDPOINT");
	fx_done(&f);

	fx_init(&f, NULL);
	fx_env(&f, "AWS_REGION=us-west-2");
	fx_env(&f, "AWS_USE_FIPS_ENDPOINT=yes");
	assert_int_equal(fx_run(&f), 0);
	assert_false(f.out.fips);
	assert_string_equal(f.out.src_endpoint, "default for us-west-2");
	fx_done(&f);
}

static void
test_endpoint_order(void **state)
{
	struct fx f;

	(void)state;
	/* [services sim] beats the profile's endpoint_url, for ec2 only. */
	fx_init(&f, config);
	fx_env(&f, "AWS_PROFILE=local");
	assert_int_equal(fx_run(&f), 0);
	assert_string_equal(f.out.endpoint, "http://127.0.0.1:4566");
	assert_string_equal(f.out.src_endpoint, "services sim of profile local");
	assert_string_equal(f.out.sts_endpoint, "https://all.example");
	assert_string_equal(f.out.src_sts_endpoint, "profile local");
	fx_done(&f);

	fx_init(&f, config);
	fx_env(&f, "AWS_PROFILE=local");
	fx_env(&f, "AWS_ENDPOINT_URL=https://generic.example");
	assert_int_equal(fx_run(&f), 0);
	assert_string_equal(f.out.endpoint, "https://generic.example");
	assert_string_equal(f.out.src_endpoint, "AWS_ENDPOINT_URL");
	fx_done(&f);

	fx_init(&f, config);
	fx_env(&f, "AWS_PROFILE=local");
	fx_env(&f, "AWS_ENDPOINT_URL=https://generic.example");
	fx_env(&f, "AWS_ENDPOINT_URL_EC2=https://ec2.example");
	fx_env(&f, "AWS_ENDPOINT_URL_STS=https://sts.example:8443");
	assert_int_equal(fx_run(&f), 0);
	assert_string_equal(f.out.endpoint, "https://ec2.example");
	assert_string_equal(f.out.src_endpoint, "AWS_ENDPOINT_URL_EC2");
	assert_string_equal(f.out.sts_endpoint, "https://sts.example:8443");
	assert_string_equal(f.out.src_sts_endpoint, "AWS_ENDPOINT_URL_STS");
	/* vpcesd.yaml beats everything. */
	awsconf_free(&f.out);
	f.in.endpoint = "https://yaml.example";
	assert_int_equal(fx_run(&f), 0);
	assert_string_equal(f.out.endpoint, "https://yaml.example");
	assert_string_equal(f.out.src_endpoint, "vpcesd.yaml");
	fx_done(&f);

	/* Ignored: every configured URL but vpcesd.yaml's. */
	fx_init(&f, config);
	fx_env(&f, "AWS_PROFILE=local");
	fx_env(&f, "AWS_ENDPOINT_URL_EC2=https://ec2.example");
	fx_env(&f, "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true");
	f.in.sts_endpoint = "https://sts.yaml.example";
	assert_int_equal(fx_run(&f), 0);
	assert_string_equal(f.out.endpoint, "https://ec2.us-east-1.amazonaws.com");
	assert_string_equal(f.out.src_endpoint, "default for us-east-1");
	assert_string_equal(f.out.sts_endpoint, "https://sts.yaml.example");
	assert_non_null(strstr(f.out.note, "configured endpoint URLs ignored "
					   "(AWS_IGNORE_CONFIGURED_ENDPOINT_URLS)"));
	fx_done(&f);
}

static void
test_endpoint_errors(void **state)
{
	struct fx f;

	(void)state;
	fx_init(&f, config);
	fx_env(&f, "AWS_REGION=us-east-1");
	fx_env(&f, "AWS_PROFILE=broken");
	assert_int_equal(fx_run(&f), -EINVAL);
	assert_string_equal(f.err.where, "/h/.aws/config:21:1");
	assert_string_equal(f.err.e.msg, "services (profile broken): names a [services ...] "
					 "section the file does not have");
	fx_done(&f);

	fx_init(&f, NULL);
	fx_env(&f, "AWS_REGION=us-east-1");
	fx_env(&f, "AWS_ENDPOINT_URL_EC2=http://ec2.example");
	assert_int_equal(fx_run(&f), -EINVAL);
	assert_string_equal(f.err.where, "AWS_ENDPOINT_URL_EC2");
	fx_done(&f);

	fx_init(&f, "[default]\nendpoint_url = ftp://x\n");
	fx_env(&f, "AWS_REGION=us-east-1");
	assert_int_equal(fx_run(&f), -EINVAL);
	assert_string_equal(f.err.where, "/h/.aws/config:2:1");
	assert_non_null(strstr(f.err.e.msg, "endpoint_url (profile default): "));
	fx_done(&f);
}

static void
test_ca_and_retries(void **state)
{
	struct fx f;

	(void)state;
	fx_init(&f, config);
	fx_env(&f, "AWS_PROFILE=prod");
	assert_int_equal(fx_run(&f), 0);
	assert_string_equal(f.out.ca_file, "/etc/ssl/prod.pem");
	assert_string_equal(f.out.src_ca_file, "profile prod");
	assert_int_equal(f.out.max_attempts, 7);
	assert_string_equal(f.out.src_max_attempts, "profile prod");
	assert_int_equal(f.out.retry_mode, AWSCONF_RETRY_STANDARD);
	assert_string_equal(f.out.src_retry_mode, "profile prod");
	fx_done(&f);

	fx_init(&f, config);
	fx_env(&f, "AWS_PROFILE=prod");
	fx_env(&f, "AWS_CA_BUNDLE=/env.pem");
	fx_env(&f, "AWS_MAX_ATTEMPTS=20");
	fx_env(&f, "AWS_RETRY_MODE=adaptive");
	assert_int_equal(fx_run(&f), 0);
	assert_string_equal(f.out.ca_file, "/env.pem");
	assert_string_equal(f.out.src_ca_file, "AWS_CA_BUNDLE");
	assert_int_equal(f.out.max_attempts, 20);
	assert_string_equal(f.out.src_max_attempts, "AWS_MAX_ATTEMPTS");
	assert_int_equal(f.out.retry_mode, AWSCONF_RETRY_ADAPTIVE);
	awsconf_free(&f.out);
	f.in.ca_file = "/yaml.pem";
	f.in.max_attempts = 2;
	f.in.retry_mode = AWSCONF_RETRY_STANDARD;
	assert_int_equal(fx_run(&f), 0);
	assert_string_equal(f.out.ca_file, "/yaml.pem");
	assert_string_equal(f.out.src_ca_file, "vpcesd.yaml");
	assert_int_equal(f.out.max_attempts, 2);
	assert_int_equal(f.out.retry_mode, AWSCONF_RETRY_STANDARD);
	assert_string_equal(f.out.src_retry_mode, "vpcesd.yaml");
	fx_done(&f);

	/* botocore's legacy mode is standard here, with a note. */
	fx_init(&f, NULL);
	fx_env(&f, "AWS_RETRY_MODE=legacy");
	assert_int_equal(fx_run(&f), 0);
	assert_int_equal(f.out.retry_mode, AWSCONF_RETRY_STANDARD);
	assert_string_equal(f.out.note, "retry_mode legacy (AWS_RETRY_MODE) is taken as standard");
	fx_done(&f);
}

static void
test_ca_and_retry_errors(void **state)
{
	static const char *const bad_attempts[] = {"0", "21", "-1", "3x", "", " 3", "1000000"};
	struct fx f;

	(void)state;
	for (size_t i = 0; i < sizeof(bad_attempts) / sizeof(bad_attempts[0]); i++) {
		char kv[64];

		snprintf(kv, sizeof(kv), "AWS_MAX_ATTEMPTS=%s", bad_attempts[i]);
		fx_init(&f, NULL);
		fx_env(&f, kv);
		if (bad_attempts[i][0] == '\0') { /* empty: unset */
			assert_int_equal(fx_run(&f), 0);
			assert_int_equal(f.out.max_attempts, 5);
		} else {
			assert_int_equal(fx_run(&f), -EINVAL);
			assert_string_equal(f.err.where, "AWS_MAX_ATTEMPTS");
			assert_non_null(strstr(f.err.e.msg, "from 1 to 20"));
		}
		fx_done(&f);
	}

	fx_init(&f, config);
	fx_env(&f, "AWS_PROFILE=broken");
	fx_env(&f, "AWS_REGION=us-east-1");
	fx_env(&f, "AWS_ENDPOINT_URL=https://x.example"); /* past the services error */
	assert_int_equal(fx_run(&f), -EINVAL);
	assert_string_equal(f.err.where, "/h/.aws/config:20:1");
	assert_non_null(strstr(f.err.e.msg, "max_attempts (profile broken): "));
	fx_done(&f);

	fx_init(&f, NULL);
	fx_env(&f, "AWS_RETRY_MODE=Adaptive");
	assert_int_equal(fx_run(&f), -EINVAL);
	assert_string_equal(f.err.where, "AWS_RETRY_MODE");
	fx_done(&f);

	fx_init(&f, "[default]\nca_bundle = relative.pem\n");
	assert_int_equal(fx_run(&f), -EINVAL);
	assert_string_equal(f.err.where, "/h/.aws/config:2:1");
	assert_non_null(strstr(f.err.e.msg, "ca_bundle (profile default): "));
	fx_done(&f);
}

static void
test_sts_legacy_note(void **state)
{
	struct fx f;

	(void)state;
	fx_init(&f, "[default]\nsts_regional_endpoints = legacy\n");
	fx_env(&f, "AWS_REGION=us-east-1");
	assert_int_equal(fx_run(&f), 0);
	assert_string_equal(f.out.sts_endpoint, "https://sts.us-east-1.amazonaws.com");
	assert_string_equal(f.out.note, "STS is always regional (sts_regional_endpoints legacy "
					"from profile default ignored)");
	fx_done(&f);

	fx_init(&f, NULL);
	fx_env(&f, "AWS_STS_REGIONAL_ENDPOINTS=regional");
	assert_int_equal(fx_run(&f), 0);
	assert_string_equal(f.out.note, "");
	fx_done(&f);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_region_order),
		cmocka_unit_test(test_region_errors),
		cmocka_unit_test(test_default_endpoints),
		cmocka_unit_test(test_variants_and_sources),
		cmocka_unit_test(test_endpoint_order),
		cmocka_unit_test(test_endpoint_errors),
		cmocka_unit_test(test_ca_and_retries),
		cmocka_unit_test(test_ca_and_retry_errors),
		cmocka_unit_test(test_sts_legacy_note),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
