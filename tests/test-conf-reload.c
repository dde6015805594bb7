/* SPDX-License-Identifier: ISC */
/*
 * Unit tests for the reload path of conf.h: a load handed the running config
 * (conf_env.previous) copies the specs of unchanged services files instead of
 * parsing them.  The contract under test is that the result — model,
 * positions, diagnostics — is exactly what a fresh load of the same
 * directory gives; every test compares the two, and counts the files that
 * were copied so that a test cannot pass by parsing everything.
 */
#include "config.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "buf.h"
#include "conf.h"
#include "model.h"
#include "support/tmpdir.h"

#define LB_PREFIX "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/net/web/"

static const char *const east_envp[] = {"AWS_REGION=us-east-1", NULL};

struct tmp {
	char dir[64];
};

static void
tmp_make(struct tmp *t)
{
	snprintf(t->dir, sizeof(t->dir), "/tmp/test-conf-reload.XXXXXX");
	assert_non_null(mkdtemp(t->dir));
	{
		char p[128];

		snprintf(p, sizeof(p), "%s/services.d", t->dir);
		assert_int_equal(mkdir(p, 0755), 0);
	}
}

static void
tmp_write(const struct tmp *t, const char *rel, const char *text)
{
	assert_int_equal(tmpdir_write(t->dir, rel, text, strlen(text)), 0);
}

static void
tmp_unlink(const struct tmp *t, const char *rel)
{
	char p[512];

	snprintf(p, sizeof(p), "%s/%s", t->dir, rel);
	assert_int_equal(remove(p), 0);
}

/*
 * Services svc-<first> … on load balancer …/<lb + i>, each with every kind
 * of owned member the model has, so that a copy that forgets one differs.
 */
static void
write_rich(const struct tmp *t, const char *rel, size_t first, size_t n, size_t lb)
{
	struct buf b;

	buf_init(&b, 1u << 20);
	assert_int_equal(buf_puts(&b, "services:\n"), 0);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(
			buf_printf(&b,
				   "  - name: svc-%zu\n"
				   "    network_load_balancer_arns: [" LB_PREFIX "%016zx]\n"
				   "    allowed_principals: [arn:aws:iam::123456789012:root]\n"
				   "    connections:\n"
				   "      accept: ['210987654321']\n"
				   "      reject_unlisted: true\n"
				   "    private_dns_name: svc-%zu.example.com\n"
				   "    payer_responsibility: ServiceOwner\n"
				   "    supported_ip_address_types: [ipv4, ipv6]\n"
				   "    supported_regions: [us-west-2]\n"
				   "    notifications:\n"
				   "      - topic_arn: arn:aws:sns:us-east-1:123456789012:t%zu\n"
				   "        events: [Accept, Reject]\n"
				   "    tags: {team: core, n: '%zu'}\n",
				   first + i, lb + i, first + i, first + i, first + i),
			0);
	tmp_write(t, rel, buf_str(&b));
	buf_free(&b);
}

/* The environment of a load; `previous` NULL for a fresh one. */
static struct conf_env
env_with(const struct vpcesd_config *previous)
{
	return (struct conf_env){.envp = (char *const *)east_envp, .previous = previous};
}

/* Canonical text of a config plus what JSON leaves out: where specs were written. */
static char *
config_text(const struct vpcesd_config *c)
{
	cJSON *j = model_config_to_json(c);
	struct buf b;

	assert_non_null(j);
	buf_init(&b, 64u << 20);
	assert_int_equal(model_json_print(j, &b), 0);
	cJSON_Delete(j);
	for (size_t i = 0; i < c->n_services; i++)
		assert_int_equal(buf_printf(&b, "%s:%u:%u\n", c->services[i].file,
					    c->services[i].line, c->services[i].col),
				 0);
	return buf_steal(&b);
}

/*
 * Load t->dir twice — fresh, and with `previous` — and check that both give
 * the same verdict, the same diagnostics and the same config.  Returns the
 * reloaded config (NULL when invalid) and its diagnostics in *d (whatever
 * *d held is freed first).
 */
static struct vpcesd_config *
reload_matches_fresh(const struct tmp *t, const struct vpcesd_config *previous,
		     struct conf_diags *d)
{
	struct conf_env fresh_env = env_with(NULL), env = env_with(previous);
	struct conf_diags fd = CONF_DIAGS_INIT;
	struct vpcesd_config *fresh = NULL, *c = NULL;
	int fr, r;

	conf_diags_free(d); /* only this load's */
	fr = conf_load(t->dir, &fresh_env, &fresh, &fd);
	r = conf_load(t->dir, &env, &c, d);

	assert_int_equal(r, fr);
	assert_int_equal(d->lines.n, fd.lines.n);
	for (size_t i = 0; i < fd.lines.n; i++)
		assert_string_equal(d->lines.v[i], fd.lines.v[i]);
	if (fresh != NULL) {
		char *a = config_text(fresh), *b = config_text(c);

		assert_string_equal(b, a);
		assert_int_equal(c->n_files, fresh->n_files);
		assert_int_equal(fresh->n_files_reused, 0);
		free(a);
		free(b);
	}
	model_config_free(fresh);
	conf_diags_free(&fd);
	return c;
}

static struct vpcesd_config *
load_fresh(const struct tmp *t)
{
	struct conf_env env = env_with(NULL);
	struct conf_diags d = CONF_DIAGS_INIT;
	struct vpcesd_config *c = NULL;

	assert_int_equal(conf_load(t->dir, &env, &c, &d), 0);
	assert_int_equal(d.lines.n, 0);
	conf_diags_free(&d);
	return c;
}

static void
three_files(const struct tmp *t)
{
	tmp_write(t, "vpcesd.yaml", "region: us-east-1\n");
	write_rich(t, "services.d/a.yaml", 0, 3, 0);
	write_rich(t, "services.d/b.yaml", 3, 2, 3);
	write_rich(t, "services.d/c.yaml", 5, 4, 5);
}

/* Most tests: three services files, loaded once as the running config. */
struct fixture {
	struct tmp t;
	struct vpcesd_config *prev; /* the running config; a test may replace it */
	struct conf_diags d;        /* of the test's last reload */
};

static int
setup_three_files(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	f->d = (struct conf_diags)CONF_DIAGS_INIT;
	tmp_make(&f->t);
	three_files(&f->t);
	f->prev = load_fresh(&f->t);
	*state = f;
	return 0;
}

static int
teardown_fixture(void **state)
{
	struct fixture *f = *state;
	int r = tmpdir_remove(f->t.dir);

	model_config_free(f->prev);
	conf_diags_free(&f->d);
	free(f);
	return r == 0 ? 0 : -1;
}

static off_t
file_size(const struct tmp *t, const char *rel)
{
	char p[512];
	struct stat st;

	snprintf(p, sizeof(p), "%s/%s", t->dir, rel);
	assert_int_equal(stat(p, &st), 0);
	return st.st_size;
}

static void
test_unchanged_files_are_copied(void **state)
{
	struct fixture *f = *state;
	struct vpcesd_config *c = reload_matches_fresh(&f->t, f->prev, &f->d);
	char *before;

	assert_non_null(c);
	assert_int_equal(c->n_files, 4);
	assert_int_equal(c->n_files_reused, 3);
	assert_int_equal(c->n_services, 9);
	/* The copy owns its members: it outlives the config it came from. */
	before = config_text(c);
	model_config_free(f->prev);
	f->prev = NULL;
	{
		char *after = config_text(c);

		assert_string_equal(after, before);
		free(after);
	}
	/* And it is a previous config in turn. */
	{
		struct vpcesd_config *again = reload_matches_fresh(&f->t, c, &f->d);

		assert_int_equal(again->n_files_reused, 3);
		model_config_free(again);
	}
	free(before);
	model_config_free(c);
}

static void
test_changed_file_is_parsed(void **state)
{
	struct fixture *f = *state;
	struct vpcesd_config *c;
	off_t size;

	write_rich(&f->t, "services.d/b.yaml", 50, 3, 50); /* other specs, one more */
	c = reload_matches_fresh(&f->t, f->prev, &f->d);
	assert_non_null(c);
	assert_int_equal(c->n_files_reused, 2);
	assert_int_equal(c->n_services, 10);
	model_config_free(c);

	/* Same size, other bytes: svc-3 and svc-4 become svc-7 and svc-8. */
	write_rich(&f->t, "services.d/b.yaml", 3, 2, 3);
	model_config_free(f->prev);
	f->prev = load_fresh(&f->t);
	size = file_size(&f->t, "services.d/b.yaml");
	write_rich(&f->t, "services.d/b.yaml", 7, 2, 3);
	assert_int_equal(file_size(&f->t, "services.d/b.yaml"), size);
	tmp_unlink(&f->t, "services.d/c.yaml"); /* so svc-7, svc-8 stay unique */
	c = reload_matches_fresh(&f->t, f->prev, &f->d);
	assert_non_null(c);
	assert_int_equal(c->n_files_reused, 1);
	assert_string_equal(c->services[3].name, "svc-7");
	model_config_free(c);
}

static void
test_files_added_and_removed(void **state)
{
	struct fixture *f = *state;
	struct vpcesd_config *c;

	tmp_unlink(&f->t, "services.d/a.yaml");
	write_rich(&f->t, "services.d/0.yaml", 20, 1, 20); /* sorts first */
	write_rich(&f->t, "services.d/bb.yaml", 30, 2, 30);
	c = reload_matches_fresh(&f->t, f->prev, &f->d);
	assert_non_null(c);
	assert_int_equal(c->n_files, 5);
	assert_int_equal(c->n_files_reused, 2);
	assert_int_equal(c->n_services, 1 + 2 + 2 + 4);
	model_config_free(c);
}

/* A spec is checked against the region: another region parses everything. */
static void
test_region_change_parses_all(void **state)
{
	struct fixture *f = *state;

	tmp_write(&f->t, "vpcesd.yaml", "region: us-west-2\n");
	assert_null(reload_matches_fresh(&f->t, f->prev, &f->d));
	assert_true(f->d.lines.n > 0);
	assert_non_null(strstr(f->d.lines.v[0], "is in region us-east-1, but vpcesd manages "
						"region us-west-2"));
}

/* Cross-file checks see copied specs as they see parsed ones. */
static void
test_cross_file_checks(void **state)
{
	struct fixture *f = *state;

	/* A new file on a load balancer of a copied one: both positions named. */
	write_rich(&f->t, "services.d/d.yaml", 40, 1, 4);
	assert_null(reload_matches_fresh(&f->t, f->prev, &f->d));
	assert_int_equal(f->d.lines.n, 1);
	assert_non_null(strstr(f->d.lines.v[0], "d.yaml:"));
	assert_non_null(strstr(f->d.lines.v[0], "b.yaml:"));

	/* A new file reusing a copied spec's name. */
	write_rich(&f->t, "services.d/d.yaml", 1, 1, 40);
	assert_null(reload_matches_fresh(&f->t, f->prev, &f->d));
	assert_int_equal(f->d.lines.n, 1);
	assert_non_null(strstr(f->d.lines.v[0], "svc-1"));
}

/* The service limit counts copied specs, and the diagnostic stays where it was. */
static void
test_service_limit_with_copies(void **state)
{
	struct conf_diags d = CONF_DIAGS_INIT;
	struct vpcesd_config *prev, *c;
	struct tmp t;
	char rel[64];

	(void)state;
	tmp_make(&t);
	tmp_write(&t, "vpcesd.yaml", "region: us-east-1\n");
	for (size_t f = 0; f < 10; f++) {
		snprintf(rel, sizeof(rel), "services.d/%02zu.yaml", f);
		write_rich(&t, rel, f * 1000, 1000, f * 1000);
	}
	prev = load_fresh(&t);
	assert_int_equal(prev->n_services, CONF_SERVICES_MAX);
	write_rich(&t, "services.d/000.yaml", 10000, 1, 10000); /* sorts first */
	c = reload_matches_fresh(&t, prev, &d);
	assert_null(c);
	assert_int_equal(conf_diags_count(&d), 1);
	assert_non_null(strstr(d.lines.v[0], "09.yaml:"));
	assert_non_null(strstr(d.lines.v[0], "more than 10000 services"));
	conf_diags_free(&d);
	model_config_free(prev);
	assert_int_equal(tmpdir_remove(t.dir), 0);
}

static void
test_service_copy(void **state)
{
	struct service_spec copy;
	struct vpcesd_config *c;
	struct tmp t;
	cJSON *a, *b;

	(void)state;
	tmp_make(&t);
	tmp_write(&t, "vpcesd.yaml", "region: us-east-1\n");
	write_rich(&t, "services.d/a.yaml", 0, 1, 0);
	c = load_fresh(&t);
	assert_int_equal(model_service_copy(&copy, &c->services[0]), 0);
	a = model_service_to_json(&c->services[0]);
	b = model_service_to_json(&copy);
	assert_true(cJSON_Compare(a, b, true));
	/* Deep: no member is shared with the original. */
	assert_ptr_not_equal(copy.name, c->services[0].name);
	assert_ptr_not_equal(copy.nlb_arns.v, c->services[0].nlb_arns.v);
	assert_ptr_not_equal(copy.nlb_arns.v[0], c->services[0].nlb_arns.v[0]);
	assert_ptr_not_equal(copy.notifications, c->services[0].notifications);
	assert_ptr_not_equal(copy.notifications[0].events.v[0],
			     c->services[0].notifications[0].events.v[0]);
	assert_ptr_not_equal(copy.tags.v, c->services[0].tags.v);
	assert_ptr_not_equal(copy.file, c->services[0].file);
	assert_string_equal(copy.file, c->services[0].file);
	assert_int_equal(copy.line, c->services[0].line);
	cJSON_Delete(a);
	cJSON_Delete(b);
	model_config_free(c);
	model_service_clear(&copy);
	assert_int_equal(tmpdir_remove(t.dir), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_unchanged_files_are_copied, setup_three_files,
						teardown_fixture),
		cmocka_unit_test_setup_teardown(test_changed_file_is_parsed, setup_three_files,
						teardown_fixture),
		cmocka_unit_test_setup_teardown(test_files_added_and_removed, setup_three_files,
						teardown_fixture),
		cmocka_unit_test_setup_teardown(test_region_change_parses_all, setup_three_files,
						teardown_fixture),
		cmocka_unit_test_setup_teardown(test_cross_file_checks, setup_three_files,
						teardown_fixture),
		cmocka_unit_test(test_service_limit_with_copies),
		cmocka_unit_test(test_service_copy),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
