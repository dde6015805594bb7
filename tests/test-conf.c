/* SPDX-License-Identifier: ISC */
/*
 * Unit tests for validate.h, model.h and conf.h: the value formats one by
 * one, then the loader on temporary directories for what golden files cannot
 * hold (limits, FIFOs, symlink loops, permissions, the all-or-nothing
 * contract).  The golden files in tests/config cover the diagnostics text.
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
#include <unistd.h>

#include <cmocka.h>

#include "buf.h"
#include "conf.h"
#include "model.h"
#include "support/tmpdir.h"
#include "validate.h"

#define NLB                                                                         \
	"arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/net/web/" \
	"50dc6c495c0c9188"
#define GWLB \
	"arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/gwy/fw/2c1b4f7e9a3d5b60"

static const char *const east_envp[] = {"AWS_REGION=us-east-1", NULL};
static const struct conf_env env_east = {.envp = (char *const *)east_envp};

/* --- validators ------------------------------------------------------------ */

static void
test_duration(void **state)
{
	unsigned s = 12345;
	char text[32];

	(void)state;
	assert_int_equal(validate_duration("30s", &s, NULL), 0);
	assert_int_equal(s, 30);
	assert_int_equal(validate_duration("5m", &s, NULL), 0);
	assert_int_equal(s, 300);
	assert_int_equal(validate_duration("1h", &s, NULL), 0);
	assert_int_equal(s, 3600);
	assert_int_equal(validate_duration("1h2m3s", &s, NULL), 0);
	assert_int_equal(s, 3723);
	assert_int_equal(validate_duration("0s", &s, NULL), 0);
	assert_int_equal(s, 0);
	s = 7;
	assert_int_equal(validate_duration("60", &s, NULL), -EINVAL);
	assert_int_equal(validate_duration("", &s, NULL), -EINVAL);
	assert_int_equal(validate_duration("1s1m", &s, NULL), -EINVAL);
	assert_int_equal(validate_duration("1m1m", &s, NULL), -EINVAL);
	assert_int_equal(validate_duration("s", &s, NULL), -EINVAL);
	assert_int_equal(validate_duration("1d", &s, NULL), -EINVAL);
	assert_int_equal(validate_duration("-1s", &s, NULL), -EINVAL);
	assert_int_equal(validate_duration("99999999999999999999s", &s, NULL), -EINVAL);
	assert_int_equal(validate_duration("169h", &s, NULL), -EINVAL);
	assert_int_equal(s, 7); /* untouched on failure */

	validate_format_duration(0, text, sizeof(text));
	assert_string_equal(text, "0s");
	validate_format_duration(90, text, sizeof(text));
	assert_string_equal(text, "1m30s");
	validate_format_duration(3600, text, sizeof(text));
	assert_string_equal(text, "1h");
	validate_format_duration(3661, text, sizeof(text));
	assert_string_equal(text, "1h1m1s");
	/* Every formatted value parses back to itself. */
	for (unsigned v = 0; v < 8000; v += 7) {
		validate_format_duration(v, text, sizeof(text));
		assert_int_equal(validate_duration(text, &s, NULL), 0);
		assert_int_equal(s, v);
	}
}

static void
test_percent(void **state)
{
	unsigned p = 99;
	struct err e;

	(void)state;
	assert_int_equal(validate_percent("5%", &p, NULL), 0);
	assert_int_equal(p, 5);
	assert_int_equal(validate_percent("100%", &p, NULL), 0);
	assert_int_equal(p, 100);
	assert_int_equal(validate_percent("0%", &p, NULL), 0);
	assert_int_equal(p, 0);
	err_clear(&e);
	assert_int_equal(validate_percent("5", &p, &e), -EINVAL);
	assert_non_null(strstr(e.msg, "needs a '%' sign"));
	assert_int_equal(validate_percent("101%", &p, NULL), -EINVAL);
	assert_int_equal(validate_percent("5.5%", &p, NULL), -EINVAL);
	assert_int_equal(validate_percent("%5", &p, NULL), -EINVAL);
	assert_int_equal(validate_percent("5%%", &p, NULL), -EINVAL);
	assert_int_equal(p, 0);
}

static void
test_region_and_partition(void **state)
{
	(void)state;
	assert_int_equal(validate_region("us-east-1", NULL), 0);
	assert_int_equal(validate_region("us-gov-west-1", NULL), 0);
	assert_int_equal(validate_region("cn-northwest-1", NULL), 0);
	assert_int_equal(validate_region("ap-southeast-12", NULL), 0);
	assert_int_equal(validate_region("us-isob-east-1", NULL), 0);
	assert_int_equal(validate_region("us-east", NULL), -EINVAL);
	assert_int_equal(validate_region("us-1", NULL), -EINVAL);
	assert_int_equal(validate_region("US-EAST-1", NULL), -EINVAL);
	assert_int_equal(validate_region("us_east_1", NULL), -EINVAL);
	assert_int_equal(validate_region("us-east-123", NULL), -EINVAL);
	assert_int_equal(validate_region("", NULL), -EINVAL);
	assert_int_equal(validate_region("us--east-1", NULL), -EINVAL);
	assert_string_equal(validate_region_partition("us-east-1"), "aws");
	assert_string_equal(validate_region_partition("cn-north-1"), "aws-cn");
	assert_string_equal(validate_region_partition("us-gov-east-1"), "aws-us-gov");
	assert_string_equal(validate_region_partition("us-iso-east-1"), "aws-iso");
	assert_string_equal(validate_region_partition("us-isob-east-1"), "aws-iso-b");
	assert_string_equal(validate_partition_dns_suffix("aws-cn"), "amazonaws.com.cn");
	assert_string_equal(validate_partition_dns_suffix("aws"), "amazonaws.com");
}

static void
test_lb_arn(void **state)
{
	struct err e;

	(void)state;
	assert_int_equal(validate_lb_arn(NLB, "net", "us-east-1", NULL), 0);
	assert_int_equal(validate_lb_arn(NLB, "net", NULL, NULL), 0);
	assert_int_equal(validate_lb_arn(GWLB, "gwy", "us-east-1", NULL), 0);
	err_clear(&e);
	assert_int_equal(validate_lb_arn(GWLB, "net", "us-east-1", &e), -EINVAL);
	assert_non_null(strstr(e.msg, "gateway_load_balancer_arns"));
	err_clear(&e);
	assert_int_equal(validate_lb_arn(NLB, "gwy", "us-east-1", &e), -EINVAL);
	assert_non_null(strstr(e.msg, "network_load_balancer_arns"));
	err_clear(&e);
	assert_int_equal(validate_lb_arn(NLB, "net", "us-west-2", &e), -EINVAL);
	assert_non_null(strstr(e.msg, "region us-east-1"));
	err_clear(&e);
	assert_int_equal(validate_lb_arn(NLB, "net", "cn-north-1", &e), -EINVAL);
	assert_non_null(strstr(e.msg, "partition"));
	assert_int_equal(validate_lb_arn("arn:aws:elasticloadbalancing:us-east-1:123456789012:"
					 "loadbalancer/app/web/50dc6c495c0c9188",
					 "net", NULL, NULL),
			 -EINVAL);
	assert_int_equal(validate_lb_arn("arn:aws:elasticloadbalancing:us-east-1:1234567890123:"
					 "loadbalancer/net/web/50dc6c495c0c9188",
					 "net", NULL, NULL),
			 -EINVAL);
	assert_int_equal(validate_lb_arn("arn:aws:elasticloadbalancing:us-east-1:123456789012:"
					 "loadbalancer/net/web/",
					 "net", NULL, NULL),
			 -EINVAL);
	assert_int_equal(validate_lb_arn("arn:aws:elasticloadbalancing:us-east-1:123456789012:"
					 "loadbalancer/net/web",
					 "net", NULL, NULL),
			 -EINVAL);
	assert_int_equal(validate_lb_arn("arn:aws:elasticloadbalancing::123456789012:"
					 "loadbalancer/net/web/50dc",
					 "net", NULL, NULL),
			 -EINVAL);
	assert_int_equal(validate_lb_arn("arn:aws", "net", NULL, NULL), -EINVAL);
	assert_int_equal(validate_lb_arn("", "net", NULL, NULL), -EINVAL);
}

static void
test_principal(void **state)
{
	(void)state;
	assert_int_equal(validate_principal("*", "aws", NULL), 0);
	assert_int_equal(validate_principal("arn:aws:iam::123456789012:root", "aws", NULL), 0);
	assert_int_equal(validate_principal("arn:aws:iam::123456789012:user/a/b/c", "aws", NULL),
			 0);
	assert_int_equal(validate_principal("arn:aws:iam::123456789012:role/x+=,.@_-", "aws", NULL),
			 0);
	assert_int_equal(validate_principal("arn:aws-cn:iam::123456789012:root", "aws", NULL),
			 -EINVAL);
	assert_int_equal(validate_principal("arn:aws-cn:iam::123456789012:root", NULL, NULL), 0);
	assert_int_equal(validate_principal("arn:aws:iam::123456789012:group/g", "aws", NULL),
			 -EINVAL);
	assert_int_equal(validate_principal("arn:aws:iam::123456789012:role/", "aws", NULL),
			 -EINVAL);
	assert_int_equal(validate_principal("arn:aws:iam::123456789012:role/a//b", "aws", NULL),
			 -EINVAL);
	assert_int_equal(validate_principal("arn:aws:iam:us-east-1:123456789012:root", "aws", NULL),
			 -EINVAL);
	assert_int_equal(validate_principal("arn:aws:iam::12345678901a:root", "aws", NULL),
			 -EINVAL);
	assert_int_equal(validate_principal("**", "aws", NULL), -EINVAL);
	assert_int_equal(validate_principal("123456789012", "aws", NULL), -EINVAL);
	assert_int_equal(validate_role_arn("arn:aws:iam::123456789012:role/r", "aws", NULL), 0);
	assert_int_equal(validate_role_arn("arn:aws:iam::123456789012:root", "aws", NULL), -EINVAL);
}

static void
test_dns_name(void **state)
{
	char long_label[80], long_name[300];

	(void)state;
	assert_int_equal(validate_dns_name("example.com", NULL), 0);
	assert_int_equal(validate_dns_name("a-b.c-d.example.com", NULL), 0);
	assert_int_equal(validate_dns_name("1.2.3.example", NULL), 0);
	assert_int_equal(validate_dns_name("localhost", NULL), -EINVAL);
	assert_int_equal(validate_dns_name("example.com.", NULL), -EINVAL);
	assert_int_equal(validate_dns_name("a..b", NULL), -EINVAL);
	assert_int_equal(validate_dns_name("-a.b", NULL), -EINVAL);
	assert_int_equal(validate_dns_name("a-.b", NULL), -EINVAL);
	assert_int_equal(validate_dns_name("*.example.com", NULL), -EINVAL);
	assert_int_equal(validate_dns_name("", NULL), -EINVAL);
	memset(long_label, 'a', 64);
	memcpy(long_label + 64, ".com", 5);
	assert_int_equal(validate_dns_name(long_label, NULL), -EINVAL);
	memcpy(long_label + 63, ".com", 5); /* 63 is the longest label */
	assert_int_equal(validate_dns_name(long_label, NULL), 0);
	/* 254 bytes: too long even with valid labels. */
	memset(long_name, 'a', 254);
	for (int i = 50; i < 254; i += 50)
		long_name[i] = '.';
	long_name[254] = '\0';
	assert_int_equal(validate_dns_name(long_name, NULL), -EINVAL);
	long_name[253] = '\0';
	assert_int_equal(validate_dns_name(long_name, NULL), 0);
}

static void
test_names_ids_tags_urls(void **state)
{
	char key[300];

	(void)state;
	assert_int_equal(validate_name("a.B_c-9", NULL), 0);
	assert_int_equal(validate_name("", NULL), -EINVAL);
	assert_int_equal(validate_name("a b", NULL), -EINVAL);
	assert_int_equal(validate_name("a/b", NULL), -EINVAL);
	assert_int_equal(validate_service_id("vpce-svc-0123456789abcdef0", NULL), 0);
	assert_int_equal(validate_service_id("vpce-svc-01234567", NULL), 0);
	assert_int_equal(validate_service_id("vpce-svc-0123456", NULL), -EINVAL);
	assert_int_equal(validate_service_id("vpce-svc-0123456789abcdef01", NULL), -EINVAL);
	assert_int_equal(validate_service_id("vpce-svc-0123456789ABCDEF0", NULL), -EINVAL);
	assert_int_equal(validate_tag_key("team", NULL), 0);
	assert_int_equal(validate_tag_key("AWS:x", NULL), -EINVAL);
	assert_int_equal(validate_tag_key("vpcesd:owner", NULL), -EINVAL);
	assert_int_equal(validate_tag_key("", NULL), -EINVAL);
	assert_int_equal(validate_tag_key("a\tb", NULL), -EINVAL);
	memset(key, 'k', 128);
	key[128] = '\0';
	assert_int_equal(validate_tag_key(key, NULL), 0);
	key[128] = 'k';
	key[129] = '\0';
	assert_int_equal(validate_tag_key(key, NULL), -EINVAL);
	/* Limits count characters, not bytes: 128 two-byte characters are fine. */
	for (int i = 0; i < 129; i++)
		memcpy(key + 2 * i, "\xc3\xa9", 2);
	key[256] = '\0';
	assert_int_equal(validate_tag_key(key, NULL), 0);
	key[256] = '\xc3';
	key[258] = '\0';
	assert_int_equal(validate_tag_key(key, NULL), -EINVAL);
	assert_int_equal(validate_utf8_length("caf\xc3\xa9"), 4);
	assert_int_equal(validate_tag_value("", NULL), 0);
	assert_int_equal(validate_endpoint_url("https://ec2.us-east-1.amazonaws.com", NULL), 0);
	assert_int_equal(validate_endpoint_url("https://h:8443/", NULL), 0);
	/* What the daemon would refuse, -n refuses (issue 13): a path, a look-alike host. */
	assert_int_equal(validate_endpoint_url("https://h:8443/p", NULL), -EINVAL);
	assert_int_equal(validate_endpoint_url("http://127.evil.com:1", NULL), -EINVAL);
	assert_int_equal(validate_endpoint_url("http://127.0.0.1:8080", NULL), 0);
	assert_int_equal(validate_endpoint_url("http://[::1]:8080/", NULL), 0);
	assert_int_equal(validate_endpoint_url("http://localhost", NULL), 0);
	assert_int_equal(validate_endpoint_url("http://example.com", NULL), -EINVAL);
	assert_int_equal(validate_endpoint_url("https://", NULL), -EINVAL);
	assert_int_equal(validate_endpoint_url("https://a:0", NULL), -EINVAL);
	assert_int_equal(validate_endpoint_url("https://a b", NULL), -EINVAL);
	assert_int_equal(validate_endpoint_url("https://u@h", NULL), -EINVAL);
	assert_int_equal(validate_abs_path("/a/b", NULL), 0);
	assert_int_equal(validate_abs_path("a/b", NULL), -EINVAL);
}

static void
test_edit_distance_and_suggest(void **state)
{
	static const char *const keys[] = {"interval", "jitter", "min_interval", "region", NULL};

	(void)state;
	assert_int_equal(validate_edit_distance("kitten", "sitting", 10), 3);
	assert_int_equal(validate_edit_distance("", "abc", 10), 3);
	assert_int_equal(validate_edit_distance("same", "same", 10), 0);
	assert_int_equal(validate_edit_distance("kitten", "sitting", 2), 3); /* cap + 1 */
	assert_string_equal(validate_suggest("intervall", keys), "interval");
	assert_string_equal(validate_suggest("regoin", keys), "region");
	assert_string_equal(validate_suggest("min-interval", keys), "min_interval");
	assert_null(validate_suggest("frobnicate", keys));
	assert_null(validate_suggest("x", keys));
}

/* --- model ----------------------------------------------------------------- */

static char *
json_text(const cJSON *j)
{
	struct buf b;

	buf_init(&b, 1 << 20);
	assert_int_equal(model_json_print(j, &b), 0);
	return buf_steal(&b);
}

static void
test_service_json_is_canonical(void **state)
{
	static const char a[] = "services:\n"
				"  - name: s\n"
				"    network_load_balancer_arns: [" NLB "]\n"
				"    allowed_principals: [arn:aws:iam::222222222222:root, "
				"arn:aws:iam::111111111111:root]\n"
				"    supported_ip_address_types: [ipv6, ipv4]\n"
				"    tags: {b: '2', a: '1'}\n";
	static const char b[] = "services:\n"
				"  - tags: {a: '1', b: '2'}\n"
				"    supported_ip_address_types: [ipv4, ipv6]\n"
				"    allowed_principals: [arn:aws:iam::111111111111:root, "
				"arn:aws:iam::222222222222:root]\n"
				"    acceptance_required: true\n"
				"    network_load_balancer_arns: [" NLB "]\n"
				"    name: s\n";
	struct conf_diags d = CONF_DIAGS_INIT;
	struct vpcesd_config *ca = NULL, *cb = NULL;
	cJSON *ja, *jb;
	char *ta, *tb;

	(void)state;
	assert_int_equal(conf_load_services_buffer("a", a, strlen(a), &env_east, &ca, &d), 0);
	assert_int_equal(conf_load_services_buffer("b", b, strlen(b), &env_east, &cb, &d), 0);
	assert_int_equal(d.lines.n, 0);
	ja = model_service_to_json(&ca->services[0]);
	jb = model_service_to_json(&cb->services[0]);
	ta = cJSON_PrintUnformatted(ja);
	tb = cJSON_PrintUnformatted(jb);
	assert_string_equal(ta, tb);
	assert_non_null(strstr(ta, "\"tags\":{\"a\":\"1\",\"b\":\"2\"}"));
	assert_non_null(strstr(ta, "\"allowed_principals\":[\"arn:aws:iam::111111111111:root\""));
	/* Source position is not part of the canonical form. */
	assert_null(strstr(ta, "\"a\",\"line\""));
	assert_string_equal(ca->services[0].file, "a");
	assert_int_equal(ca->services[0].line, 2);
	assert_int_equal(ca->services[0].col, 5);
	cJSON_free(ta);
	cJSON_free(tb);
	cJSON_Delete(ja);
	cJSON_Delete(jb);
	model_config_free(ca);
	model_config_free(cb);
}

static void
test_defaults(void **state)
{
	static const char y[] =
		"services:\n  - name: s\n    gateway_load_balancer_arns: [" GWLB "]\n";
	struct conf_diags d = CONF_DIAGS_INIT;
	struct vpcesd_config *c = NULL;
	cJSON *j;
	char *text;

	(void)state;
	assert_int_equal(conf_load_services_buffer("y", y, strlen(y), &env_east, &c, &d), 0);
	assert_string_equal(c->region, "us-east-1");
	assert_string_equal(c->partition, "aws");
	assert_string_equal(c->endpoint, "https://ec2.us-east-1.amazonaws.com");
	assert_string_equal(c->sts_endpoint, "https://sts.us-east-1.amazonaws.com");
	assert_string_equal(c->owner, "default");
	assert_int_equal(c->policy, MODEL_POLICY_UPSERT_ONLY);
	assert_int_equal(c->interval_s, 60);
	assert_int_equal(c->jitter_pct, 5);
	assert_int_equal(c->min_interval_s, 5);
	assert_int_equal(c->api.bucket_share_pct, 50);
	assert_int_equal(c->del.max_per_cycle, 10);
	assert_int_equal(c->del.max_fraction_pct, 50);
	assert_false(c->del.allow_empty);
	assert_false(c->del.reject_connections);
	assert_null(c->previous_owner);
	assert_string_equal(c->state_dir, LOCALSTATEDIR "/lib/vpcesd");
	assert_null(c->metrics_file);
	assert_int_equal(c->n_services, 1);
	assert_true(c->services[0].acceptance_required);
	assert_false(c->services[0].principals_managed);
	assert_int_equal(c->services[0].ip_address_types.n, 1);
	assert_string_equal(c->services[0].ip_address_types.v[0], "ipv4");
	j = model_config_to_json(c);
	text = json_text(j);
	assert_non_null(strstr(text, "  \"interval\": \"1m\",\n"));
	assert_null(strstr(text, "allowed_principals"));
	assert_null(strstr(text, "\t"));
	free(text);
	cJSON_Delete(j);
	model_config_free(c);
}

/* --- loader on directories ------------------------------------------------- */

struct tmp {
	char dir[64];
};

static void
tmp_make(struct tmp *t)
{
	snprintf(t->dir, sizeof(t->dir), "/tmp/test-conf.XXXXXX");
	assert_non_null(mkdtemp(t->dir));
}

static void
tmp_path(const struct tmp *t, const char *rel, char *out, size_t size)
{
	int n = snprintf(out, size, "%s/%s", t->dir, rel);

	assert_true(n > 0 && (size_t)n < size);
}

static void
tmp_write(const struct tmp *t, const char *rel, const void *data, size_t len)
{
	assert_int_equal(tmpdir_write(t->dir, rel, data, len), 0);
}

static void
tmp_mkdir(const struct tmp *t, const char *rel)
{
	char p[512];

	tmp_path(t, rel, p, sizeof(p));
	assert_int_equal(mkdir(p, 0755), 0);
}

/* Remove our mkdtemp directory and everything in it (symlinks not followed). */
static void
tmp_cleanup(const struct tmp *t)
{
	char p[512];

	tmp_path(t, "vpcesd.yaml", p, sizeof(p));
	chmod(p, 0644);
	assert_int_equal(tmpdir_remove(t->dir), 0);
}

/* Load t->dir; returns the result and fills *d (caller frees). */
static int
tmp_load(const struct tmp *t, const struct conf_env *env, struct vpcesd_config **c,
	 struct conf_diags *d)
{
	return conf_load(t->dir, env, c, d);
}

/* True when some diagnostic contains `needle`. */
static bool
diags_have(const struct conf_diags *d, const char *needle)
{
	for (size_t i = 0; i < d->lines.n; i++)
		if (strstr(d->lines.v[i], needle) != NULL)
			return true;
	return false;
}

/*
 * services svc-<first> … svc-<first + n - 1>, each on its own load balancer
 * (.../net/web/<i as 16 hex digits>): EC2 allows one service per load
 * balancer, and so does the loader.  `shared`: all of them on NLB instead.
 */
static void
write_services_lb(const struct tmp *t, const char *rel, size_t first, size_t n, bool shared)
{
	struct buf b;

	buf_init(&b, 16u << 20);
	assert_int_equal(buf_puts(&b, "services:\n"), 0);
	for (size_t i = first; i < first + n; i++) {
		assert_int_equal(buf_printf(&b, "  - name: svc-%zu\n", i), 0);
		if (shared)
			assert_int_equal(
				buf_puts(&b, "    network_load_balancer_arns: [" NLB "]\n"), 0);
		else
			assert_int_equal(buf_printf(&b,
						    "    network_load_balancer_arns: "
						    "[arn:aws:elasticloadbalancing:us-east-1:"
						    "123456789012:loadbalancer/net/web/%016zx]\n",
						    i),
					 0);
		assert_int_equal(
			buf_puts(&b, "    allowed_principals: [arn:aws:iam::123456789012:root]\n"),
			0);
	}
	tmp_write(t, rel, b.data, b.len);
	buf_free(&b);
}

static void
write_services(const struct tmp *t, const char *rel, size_t first, size_t n)
{
	write_services_lb(t, rel, first, n, false);
}

static void
test_load_ok_and_counts(void **state)
{
	struct tmp t;
	struct conf_diags d = CONF_DIAGS_INIT;
	struct vpcesd_config *c = NULL;

	(void)state;
	tmp_make(&t);
	tmp_write(&t, "vpcesd.yaml", "region: us-west-2\n", 18);
	tmp_mkdir(&t, "services.d");
	/* NLB in us-east-1 but region us-west-2: the key beats the environment. */
	write_services(&t, "services.d/a.yaml", 0, 2);
	assert_int_equal(tmp_load(&t, &env_east, &c, &d), -EINVAL);
	assert_true(diags_have(&d, "is in region us-east-1, but vpcesd manages region us-west-2"));
	assert_null(c);
	conf_diags_free(&d);
	tmp_write(&t, "vpcesd.yaml", "owner: me\n", 10);
	write_services(&t, "services.d/b.yml", 2, 3);
	assert_int_equal(tmp_load(&t, &env_east, &c, &d), 0);
	assert_int_equal(d.lines.n, 0);
	assert_int_equal(c->n_services, 5);
	assert_int_equal(c->n_files, 3);
	assert_string_equal(c->services[0].name, "svc-0");
	assert_string_equal(c->services[4].name, "svc-4");
	assert_non_null(strstr(c->services[4].file, "services.d/b.yml"));
	assert_string_equal(c->owner, "me");
	model_config_free(c);
	tmp_cleanup(&t);
}

static void
test_region_precedence(void **state)
{
	static const char y[] = "services: []\n";
	static const char *const default_only[] = {"AWS_REGION=", "AWS_DEFAULT_REGION=eu-west-1",
						   NULL};
	static const char *const both[] = {"AWS_REGION=eu-north-1", "AWS_DEFAULT_REGION=eu-west-1",
					   NULL};
	static const char *const prof[] = {"AWS_PROFILE=cn", NULL};
	static const char ini_text[] = "[profile cn]\nregion = cn-north-1\n";
	struct conf_diags d = CONF_DIAGS_INIT;
	struct vpcesd_config *c = NULL;
	struct conf_env env = {.envp = (char *const *)default_only};
	struct ini ini;
	struct err e;

	(void)state;
	assert_int_equal(conf_load_services_buffer("y", y, strlen(y), &env, &c, &d), 0);
	assert_string_equal(c->region, "eu-west-1");
	assert_string_equal(c->sources.region, "AWS_DEFAULT_REGION");
	model_config_free(c);
	c = NULL;
	env.envp = (char *const *)both;
	assert_int_equal(conf_load_services_buffer("y", y, strlen(y), &env, &c, &d), 0);
	assert_string_equal(c->region, "eu-north-1");
	model_config_free(c);
	c = NULL;
	err_clear(&e);
	assert_int_equal(ini_parse(ini_text, strlen(ini_text), INI_CONFIG, "cfg", &ini, &e), 0);
	env = (struct conf_env){
		.envp = (char *const *)prof, .aws_config = &ini, .aws_config_path = "cfg"};
	assert_int_equal(conf_load_services_buffer("y", y, strlen(y), &env, &c, &d), 0);
	assert_string_equal(c->endpoint, "https://ec2.cn-north-1.amazonaws.com.cn");
	assert_string_equal(c->sources.region, "profile cn");
	assert_string_equal(c->sources.endpoint, "default for cn-north-1");
	model_config_free(c);
	ini_free(&ini);
	c = NULL;
	assert_int_equal(conf_load_services_buffer("y", y, strlen(y), NULL, &c, &d), -EINVAL);
	assert_true(diags_have(&d, "no region"));
	assert_null(c);
	conf_diags_free(&d);
}

/* vpcesd.yaml's api keys beat the environment; api.retry_mode is checked. */
static void
test_aws_settings(void **state)
{
	static const char *const envp[] = {"AWS_REGION=us-east-1", "AWS_MAX_ATTEMPTS=9",
					   "AWS_RETRY_MODE=standard", NULL};
	const struct conf_env env = {.envp = (char *const *)envp};
	struct conf_diags d = CONF_DIAGS_INIT;
	struct vpcesd_config *c = NULL;
	struct tmp t;

	(void)state;
	tmp_make(&t);
	tmp_mkdir(&t, "services.d");
	tmp_write(&t, "vpcesd.yaml", "api: {}\n", 8);
	assert_int_equal(tmp_load(&t, &env, &c, &d), 0);
	assert_int_equal(c->api.max_attempts, 9);
	assert_false(c->api.retry_adaptive);
	assert_string_equal(c->sources.max_attempts, "AWS_MAX_ATTEMPTS");
	assert_string_equal(c->sources.retry_mode, "AWS_RETRY_MODE");
	model_config_free(c);
	c = NULL;
	tmp_write(&t, "vpcesd.yaml", "api: {max_attempts: 2, retry_mode: adaptive}\n", 45);
	assert_int_equal(tmp_load(&t, &env, &c, &d), 0);
	assert_int_equal(c->api.max_attempts, 2);
	assert_true(c->api.retry_adaptive);
	assert_string_equal(c->sources.retry_mode, "vpcesd.yaml");
	model_config_free(c);
	c = NULL;
	tmp_write(&t, "vpcesd.yaml", "api: {retry_mode: legacy}\n", 26);
	assert_int_equal(tmp_load(&t, &env, &c, &d), -EINVAL);
	assert_true(diags_have(&d, "vpcesd.yaml:1:19: api.retry_mode: 'legacy' is not one of "
				   "standard, adaptive"));
	conf_diags_free(&d);
	tmp_cleanup(&t);
}

/* The contract: on any error *ret is untouched, whatever else was valid. */
static void
test_error_changes_nothing(void **state)
{
	struct tmp t;
	struct conf_diags d = CONF_DIAGS_INIT;
	struct vpcesd_config *sentinel = (struct vpcesd_config *)&t, *c = sentinel;

	(void)state;
	tmp_make(&t);
	tmp_write(&t, "vpcesd.yaml", "region: us-east-1\n", 18);
	tmp_mkdir(&t, "services.d");
	write_services(&t, "services.d/a.yaml", 0, 50);
	tmp_write(&t, "services.d/z.yaml", "services: [{name: x}]\n", 22);
	assert_int_equal(tmp_load(&t, NULL, &c, &d), -EINVAL);
	assert_ptr_equal(c, sentinel);
	assert_int_equal(conf_diags_count(&d), 1);
	assert_true(diags_have(&d, "z.yaml:1:12: missing required key"));
	conf_diags_free(&d);
	tmp_cleanup(&t);
}

static void
test_service_limit(void **state)
{
	struct tmp t;
	struct conf_diags d = CONF_DIAGS_INIT;
	struct vpcesd_config *c = NULL;
	char rel[64];

	(void)state;
	tmp_make(&t);
	tmp_write(&t, "vpcesd.yaml", "region: us-east-1\n", 18);
	tmp_mkdir(&t, "services.d");
	for (size_t f = 0; f < 10; f++) {
		snprintf(rel, sizeof(rel), "services.d/%02zu.yaml", f);
		write_services(&t, rel, f * 1000, 1000);
	}
	assert_int_equal(tmp_load(&t, NULL, &c, &d), 0);
	assert_int_equal(c->n_services, CONF_SERVICES_MAX);
	model_config_free(c);
	c = NULL;
	write_services(&t, "services.d/99.yaml", 10000, 1);
	assert_int_equal(tmp_load(&t, NULL, &c, &d), -EINVAL);
	assert_null(c);
	assert_int_equal(conf_diags_count(&d), 1);
	assert_true(diags_have(&d, "99.yaml:2:5: more than 10000 services"));
	conf_diags_free(&d);
	tmp_cleanup(&t);
}

static void
test_file_size_limit(void **state)
{
	struct tmp t;
	struct conf_diags d = CONF_DIAGS_INIT;
	struct vpcesd_config *c = NULL;
	char *big = malloc(CONF_FILE_MAX + 1);

	(void)state;
	assert_non_null(big);
	tmp_make(&t);
	tmp_mkdir(&t, "services.d");
	/* Exactly 1 MiB of comments is fine. */
	memset(big, ' ', CONF_FILE_MAX + 1);
	big[0] = '#';
	big[CONF_FILE_MAX - 1] = '\n';
	tmp_write(&t, "services.d/a.yaml", big, CONF_FILE_MAX);
	assert_int_equal(tmp_load(&t, &env_east, &c, &d), 0);
	model_config_free(c);
	c = NULL;
	tmp_write(&t, "services.d/a.yaml", big, CONF_FILE_MAX + 1);
	assert_int_equal(tmp_load(&t, &env_east, &c, &d), -EINVAL);
	assert_true(diags_have(&d, "a.yaml: file is larger than 1 MiB"));
	conf_diags_free(&d);
	assert_int_equal(conf_load_services_buffer("m", big, CONF_FILE_MAX + 1, &env_east, &c, &d),
			 -EINVAL);
	assert_true(diags_have(&d, "m: file is larger than 1 MiB"));
	assert_null(c);
	conf_diags_free(&d);
	free(big);
	tmp_cleanup(&t);
}

static void
test_alias_bomb_and_bytes(void **state)
{
	static const char bomb[] = "a: &a [x, x, x, x, x, x, x, x, x, x]\n"
				   "b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
				   "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\n"
				   "d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n"
				   "e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\n"
				   "f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e, *e]\n"
				   "g: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f, *f]\n"
				   "h: &h [*g, *g, *g, *g, *g, *g, *g, *g, *g, *g]\n"
				   "services: [*h]\n";
	static const char nul[] = "services:\n  - name: a\0b\n";
	static const char latin1[] = "services:\n  - name: caf\xe9\n";
	static const char overlong[] = "services: [\xc0\xaf]\n";
	static const char surrogate[] = "# \xed\xa0\x80\n";
	static const char truncated[] = "# \xe2\x82";
	struct conf_diags d = CONF_DIAGS_INIT;
	struct vpcesd_config *c = NULL;
	char deep[200];

	(void)state;
	assert_int_equal(conf_load_services_buffer("b", bomb, strlen(bomb), &env_east, &c, &d),
			 -EINVAL);
	assert_true(diags_have(&d, "b:2:8: YAML aliases are not supported"));
	conf_diags_free(&d);
	assert_int_equal(conf_load_services_buffer("n", nul, sizeof(nul) - 1, &env_east, &c, &d),
			 -EINVAL);
	assert_true(diags_have(&d, "n:2:12: NUL byte in file"));
	conf_diags_free(&d);
	assert_int_equal(conf_load_services_buffer("l", latin1, strlen(latin1), &env_east, &c, &d),
			 -EINVAL);
	assert_true(diags_have(&d, "l:2:14: invalid UTF-8 byte 0xe9"));
	conf_diags_free(&d);
	assert_int_equal(
		conf_load_services_buffer("o", overlong, strlen(overlong), &env_east, &c, &d),
		-EINVAL);
	assert_true(diags_have(&d, "o:1:12: invalid UTF-8 byte 0xc0"));
	conf_diags_free(&d);
	assert_int_equal(
		conf_load_services_buffer("s", surrogate, strlen(surrogate), &env_east, &c, &d),
		-EINVAL);
	assert_true(diags_have(&d, "s:1:3: invalid UTF-8"));
	conf_diags_free(&d);
	assert_int_equal(
		conf_load_services_buffer("t", truncated, strlen(truncated), &env_east, &c, &d),
		-EINVAL);
	assert_true(diags_have(&d, "t:1:3: invalid UTF-8"));
	conf_diags_free(&d);
	memset(deep, '[', 100);
	memset(deep + 100, ']', 99);
	deep[199] = '\0';
	assert_int_equal(conf_load_services_buffer("d", deep, strlen(deep), &env_east, &c, &d),
			 -EINVAL);
	assert_true(diags_have(&d, "nested deeper than 32"));
	conf_diags_free(&d);
	assert_int_equal(conf_load_services_buffer("e", "", 0, &env_east, &c, &d), 0);
	assert_int_equal(c->n_services, 0);
	model_config_free(c);
}

static void
test_diags_cap(void **state)
{
	struct conf_diags d = CONF_DIAGS_INIT;
	struct vpcesd_config *c = NULL;
	struct buf b;

	(void)state;
	buf_init(&b, 1 << 20);
	buf_puts(&b, "services:\n");
	for (int i = 0; i < 1500; i++)
		buf_printf(&b, "  - {name: 's%d'}\n", i);
	assert_int_equal(conf_load_services_buffer("x", b.data, b.len, &env_east, &c, &d), -EINVAL);
	assert_int_equal(d.lines.n, CONF_DIAGS_MAX);
	assert_int_equal(conf_diags_count(&d), 1500);
	assert_int_equal(d.dropped, 500);
	conf_diags_free(&d);
	buf_free(&b);
}

static void
test_unreadable(void **state)
{
	struct tmp t;
	struct conf_diags d = CONF_DIAGS_INIT;
	struct vpcesd_config *c = NULL;
	char p[512], q[512];

	(void)state;
	tmp_make(&t);
	tmp_mkdir(&t, "services.d");
	/* A FIFO must neither block the open nor be read. */
	tmp_path(&t, "services.d/fifo.yaml", p, sizeof(p));
	assert_int_equal(mkfifo(p, 0644), 0);
	/* A dangling symlink and a symlink loop. */
	tmp_path(&t, "services.d/dangling.yaml", p, sizeof(p));
	assert_int_equal(symlink("nowhere.yaml", p), 0);
	tmp_path(&t, "services.d/loop.yaml", p, sizeof(p));
	assert_int_equal(symlink("loop.yaml", p), 0);
	assert_int_equal(tmp_load(&t, &env_east, &c, &d), -EINVAL);
	assert_true(diags_have(&d, "fifo.yaml: not a regular file"));
	assert_true(diags_have(&d, "dangling.yaml: cannot open: No such file or directory"));
	assert_true(diags_have(&d, "loop.yaml: cannot open: Too many levels of symbolic links"));
	assert_int_equal(conf_diags_count(&d), 3);
	conf_diags_free(&d);

	/* A services.d that loops onto itself. */
	tmp_cleanup(&t);
	tmp_make(&t);
	tmp_path(&t, "services.d", p, sizeof(p));
	assert_int_equal(symlink("services.d", p), 0);
	assert_int_equal(tmp_load(&t, &env_east, &c, &d), -EINVAL);
	assert_true(diags_have(&d, "services.d: cannot open directory: Too many levels"));
	conf_diags_free(&d);

	/* A missing configuration directory. */
	tmp_path(&t, "nope", q, sizeof(q));
	assert_int_equal(conf_load(q, &env_east, &c, &d), -EINVAL);
	assert_true(diags_have(&d, "nope: cannot open configuration directory: No such file"));
	conf_diags_free(&d);

	/* Permissions: root reads anything, so only an unprivileged run can check this. */
	if (geteuid() != 0) {
		tmp_cleanup(&t);
		tmp_make(&t);
		tmp_write(&t, "vpcesd.yaml", "region: us-east-1\n", 18);
		tmp_path(&t, "vpcesd.yaml", p, sizeof(p));
		assert_int_equal(chmod(p, 0), 0);
		assert_int_equal(tmp_load(&t, NULL, &c, &d), -EINVAL);
		assert_true(diags_have(&d, "vpcesd.yaml: cannot open: Permission denied"));
		conf_diags_free(&d);
	} else {
		print_message("note: running as root, the permission-denied case is skipped\n");
	}
	assert_null(c);
	tmp_cleanup(&t);
}

/* systemd's RuntimeDirectory= decides the default status file; the config still wins. */
static void
test_runtime_directory_status_file(void **state)
{
	const struct conf_env env = {.envp = (char *const *)east_envp,
				     .runtime_directory = "/run/vpcesd/prod:/run/other"};
	const struct conf_env relative = {.envp = (char *const *)east_envp,
					  .runtime_directory = "run/x"};
	struct conf_diags d = CONF_DIAGS_INIT;
	struct vpcesd_config *c = NULL;
	struct tmp t;

	(void)state;
	tmp_make(&t);
	tmp_mkdir(&t, "services.d");
	assert_int_equal(tmp_load(&t, &env, &c, &d), 0);
	assert_string_equal(c->status_file, "/run/vpcesd/prod/status.json");
	model_config_free(c);
	c = NULL;
	assert_int_equal(tmp_load(&t, &relative, &c, &d), 0);
	assert_string_equal(c->status_file, "/run/vpcesd/status.json");
	model_config_free(c);
	c = NULL;
	tmp_write(&t, "vpcesd.yaml", "status_file: /var/lib/x.json\n", 29);
	assert_int_equal(tmp_load(&t, &env, &c, &d), 0);
	assert_string_equal(c->status_file, "/var/lib/x.json");
	model_config_free(c);
	conf_diags_free(&d);
	tmp_cleanup(&t);
}

/*
 * state_dir: the key, else systemd's StateDirectory= ($STATE_DIRECTORY, first
 * of its colon-separated entries), else $(localstatedir)/lib/vpcesd.
 */
static void
test_state_dir(void **state)
{
	static const char *const ignored[] = {"var/lib/x", ":/var/lib/x", "", "/var/lib/\tx", NULL};
	const struct conf_env several = {.envp = (char *const *)east_envp,
					 .state_directory = "/var/lib/vpcesd-prod:/var/lib/other"};
	const struct conf_env one = {.envp = (char *const *)east_envp,
				     .state_directory = "/var/lib/vpcesd-b"};
	struct conf_env bad = {.envp = (char *const *)east_envp};
	struct conf_diags d = CONF_DIAGS_INIT;
	struct vpcesd_config *c = NULL;
	struct tmp t;

	(void)state;
	tmp_make(&t);
	tmp_mkdir(&t, "services.d");
	assert_int_equal(tmp_load(&t, &env_east, &c, &d), 0);
	assert_string_equal(c->state_dir, LOCALSTATEDIR "/lib/vpcesd");
	model_config_free(c);
	c = NULL;
	assert_int_equal(tmp_load(&t, &several, &c, &d), 0);
	assert_string_equal(c->state_dir, "/var/lib/vpcesd-prod");
	model_config_free(c);
	c = NULL;
	assert_int_equal(tmp_load(&t, &one, &c, &d), 0);
	assert_string_equal(c->state_dir, "/var/lib/vpcesd-b");
	model_config_free(c);
	c = NULL;
	/* Relative, empty first entry, control characters: the compiled default. */
	for (size_t i = 0; ignored[i]; i++) {
		bad.state_directory = ignored[i];
		assert_int_equal(tmp_load(&t, &bad, &c, &d), 0);
		assert_string_equal(c->state_dir, LOCALSTATEDIR "/lib/vpcesd");
		model_config_free(c);
		c = NULL;
	}
	/* The key wins over the environment. */
	tmp_write(&t, "vpcesd.yaml", "state_dir: /srv/vpcesd\n", 23);
	assert_int_equal(tmp_load(&t, &several, &c, &d), 0);
	assert_string_equal(c->state_dir, "/srv/vpcesd");
	model_config_free(c);
	c = NULL;
	/* An invalid key is an error, not a fallback to the environment. */
	tmp_write(&t, "vpcesd.yaml", "state_dir: srv\n", 15);
	assert_int_equal(tmp_load(&t, &several, &c, &d), -EINVAL);
	assert_int_equal(conf_diags_count(&d), 1);
	assert_true(diags_have(&d, "vpcesd.yaml:1:12: state_dir: 'srv' is not an absolute path"));
	conf_diags_free(&d);
	/* The buffer entry point (fuzzing) resolves it the same way. */
	assert_int_equal(conf_load_services_buffer("y", "", 0, &several, &c, &d), 0);
	assert_string_equal(c->state_dir, "/var/lib/vpcesd-prod");
	model_config_free(c);
	tmp_cleanup(&t);
}

/*
 * previous_owner: like owner, and not owner; when owner itself is refused
 * the two are not compared (one error, the one to fix).
 */
static void
test_previous_owner(void **state)
{
	static const char *const cases[][3] = {
		/* vpcesd.yaml, expected diagnostic (NULL: loads), previous_owner */
		{"owner: b\nprevious_owner: a\n", NULL, "a"},
		{"previous_owner: team-a\n", NULL, "team-a"},
		{"owner: a\nprevious_owner: a\n",
		 "vpcesd.yaml:2:17: previous_owner: must differ from owner (both are 'a')", NULL},
		{"previous_owner: default\n",
		 "vpcesd.yaml:1:17: previous_owner: must differ from owner (both are 'default')",
		 NULL},
		{"owner: 'a b'\nprevious_owner: default\n",
		 "vpcesd.yaml:1:8: owner: 'a b' may contain only", NULL},
		{"owner: [a]\nprevious_owner: default\n", "owner: expected a string", NULL},
		{"previous_owner: 7\n", "previous_owner: expected a string, got an integer", NULL},
	};
	struct conf_diags d = CONF_DIAGS_INIT;
	struct vpcesd_config *c = NULL;
	struct tmp t;

	(void)state;
	tmp_make(&t);
	tmp_mkdir(&t, "services.d");
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		tmp_write(&t, "vpcesd.yaml", cases[i][0], strlen(cases[i][0]));
		if (cases[i][1] == NULL) {
			assert_int_equal(tmp_load(&t, &env_east, &c, &d), 0);
			assert_string_equal(c->previous_owner, cases[i][2]);
			model_config_free(c);
			c = NULL;
			continue;
		}
		assert_int_equal(tmp_load(&t, &env_east, &c, &d), -EINVAL);
		assert_null(c);
		if (conf_diags_count(&d) != 1 || !diags_have(&d, cases[i][1]))
			fail_msg("case %zu: want one diagnostic with \"%s\", got %zu: %s", i,
				 cases[i][1], conf_diags_count(&d),
				 d.lines.n > 0 ? d.lines.v[0] : "");
		conf_diags_free(&d);
	}
	tmp_cleanup(&t);
}

/*
 * services.d is required: absent is one whole-file error (an empty desired
 * state under policy: sync would delete everything), empty is no services.
 */
static void
test_services_d_required(void **state)
{
	struct conf_diags d = CONF_DIAGS_INIT;
	struct vpcesd_config *sentinel = (struct vpcesd_config *)&d, *c = sentinel;
	struct tmp t;
	char p[512], want[600];

	(void)state;
	tmp_make(&t);
	/* Nothing at all: the classic wrong --config-dir. */
	assert_int_equal(tmp_load(&t, &env_east, &c, &d), -EINVAL);
	assert_ptr_equal(c, sentinel);
	assert_int_equal(conf_diags_count(&d), 1);
	snprintf(want, sizeof(want),
		 "%s/services.d: no such directory: the service specs live there (create it; an "
		 "empty directory means no services)",
		 t.dir);
	assert_string_equal(d.lines.v[0], want);
	conf_diags_free(&d);
	/* A vpcesd.yaml does not make up for it. */
	tmp_write(&t, "vpcesd.yaml", "region: us-east-1\n", 18);
	assert_int_equal(tmp_load(&t, NULL, &c, &d), -EINVAL);
	assert_int_equal(conf_diags_count(&d), 1);
	assert_string_equal(d.lines.v[0], want);
	conf_diags_free(&d);
	/* A dangling symlink is not "absent": it says what open(2) says. */
	tmp_path(&t, "services.d", p, sizeof(p));
	assert_int_equal(symlink("elsewhere", p), 0);
	assert_int_equal(tmp_load(&t, NULL, &c, &d), -EINVAL);
	assert_int_equal(conf_diags_count(&d), 1);
	assert_true(diags_have(&d, "services.d: cannot open directory: No such file or directory"));
	conf_diags_free(&d);
	assert_int_equal(unlink(p), 0);
	/* A file keeps its own error. */
	tmp_write(&t, "services.d", "services: []\n", 13);
	assert_int_equal(tmp_load(&t, NULL, &c, &d), -EINVAL);
	assert_int_equal(conf_diags_count(&d), 1);
	assert_true(diags_have(&d, "services.d: cannot open directory: Not a directory"));
	conf_diags_free(&d);
	assert_int_equal(unlink(p), 0);
	/* Empty, or only dot-files: a valid, empty desired state. */
	tmp_mkdir(&t, "services.d");
	tmp_write(&t, "services.d/.keep", "", 0);
	assert_int_equal(tmp_load(&t, NULL, &c, &d), 0);
	assert_int_equal(d.lines.n, 0);
	assert_int_equal(c->n_services, 0);
	model_config_free(c);
	tmp_cleanup(&t);
}

/*
 * One load balancer, one service, checked by sorting: 10,000 services on one
 * load balancer are 9,999 diagnostics (1,000 kept), each naming the first
 * user, found without comparing every pair.
 */
static void
test_shared_lb_at_scale(void **state)
{
	/* The last service takes svc-17's load balancer. */
	static const char late[] =
		"services:\n  - name: late\n    network_load_balancer_arns:\n      - "
		"arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/net/web/"
		"0000000000000011\n";
	struct conf_diags d = CONF_DIAGS_INIT;
	struct vpcesd_config *c = NULL;
	struct tmp t;
	char want[512];

	(void)state;
	tmp_make(&t);
	tmp_mkdir(&t, "services.d");
	write_services(&t, "services.d/a.yaml", 0, 5000);
	write_services(&t, "services.d/b.yaml", 5000, 4999);
	tmp_write(&t, "services.d/c.yaml", late, strlen(late));
	assert_int_equal(tmp_load(&t, &env_east, &c, &d), -EINVAL);
	assert_null(c);
	assert_int_equal(conf_diags_count(&d), 1);
	snprintf(want, sizeof(want),
		 "%s/services.d/c.yaml:4:9: service 'late' uses load balancer "
		 "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/net/web/"
		 "0000000000000011, which service 'svc-17' already uses "
		 "(%s/services.d/a.yaml:%d:5): EC2 associates a load balancer with one endpoint "
		 "service only",
		 t.dir, t.dir, 2 + 17 * 3);
	assert_string_equal(d.lines.v[0], want);
	conf_diags_free(&d);

	tmp_write(&t, "services.d/c.yaml", "", 0);
	write_services_lb(&t, "services.d/a.yaml", 0, 5000, true);
	write_services_lb(&t, "services.d/b.yaml", 5000, 5000, true);
	assert_int_equal(tmp_load(&t, &env_east, &c, &d), -EINVAL);
	assert_int_equal(conf_diags_count(&d), 9999);
	assert_int_equal(d.lines.n, CONF_DIAGS_MAX);
	assert_non_null(strstr(d.lines.v[0], "a.yaml:6:34: service 'svc-1' uses load balancer"));
	assert_non_null(strstr(d.lines.v[CONF_DIAGS_MAX - 1], "service 'svc-1000' uses"));
	for (size_t i = 0; i < d.lines.n; i++)
		assert_non_null(strstr(d.lines.v[i], "which service 'svc-0' already uses"));
	conf_diags_free(&d);
	tmp_cleanup(&t);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_duration),
		cmocka_unit_test(test_runtime_directory_status_file),
		cmocka_unit_test(test_percent),
		cmocka_unit_test(test_region_and_partition),
		cmocka_unit_test(test_lb_arn),
		cmocka_unit_test(test_principal),
		cmocka_unit_test(test_dns_name),
		cmocka_unit_test(test_names_ids_tags_urls),
		cmocka_unit_test(test_edit_distance_and_suggest),
		cmocka_unit_test(test_service_json_is_canonical),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_load_ok_and_counts),
		cmocka_unit_test(test_region_precedence),
		cmocka_unit_test(test_aws_settings),
		cmocka_unit_test(test_error_changes_nothing),
		cmocka_unit_test(test_service_limit),
		cmocka_unit_test(test_file_size_limit),
		cmocka_unit_test(test_alias_bomb_and_bytes),
		cmocka_unit_test(test_diags_cap),
		cmocka_unit_test(test_unreadable),
		cmocka_unit_test(test_services_d_required),
		cmocka_unit_test(test_state_dir),
		cmocka_unit_test(test_previous_owner),
		cmocka_unit_test(test_shared_lb_at_scale),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
