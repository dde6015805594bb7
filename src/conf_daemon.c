/* SPDX-License-Identifier: ISC */
/*
 * conf_daemon: the schema of vpcesd.yaml (the daemon's settings), and the
 * AWS settings resolved with what awsconf.h finds in the environment and the
 * shared config files.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "awsconf.h"
#include "conf_loader.h"
#include "log.h"
#include "pem.h"
#include "validate.h"

/* --- daemon settings (vpcesd.yaml) ---------------------------------------------- */

/* What vpcesd.yaml may hold: the settings, plus "services", reported on its own. */
static const char *const daemon_file_keys[] = {
	"region",
	"endpoint",
	"sts_endpoint",
	"ca_file",
	"owner",
	"previous_owner",
	"policy",
	"interval",
	"jitter",
	"min_interval",
	"private_dns_verify_interval",
	"api",
	"credentials",
	"delete",
	"status_file",
	"metrics_file",
	"state_dir",
	"log",
	"services",
	NULL,
};
static const char *const api_keys[] = {"rate",         "burst",      "concurrency",
				       "max_attempts", "timeout",    "connect_timeout",
				       "bucket_share", "retry_mode", NULL};
static const char *const cred_keys[] = {
	"profile", "role_arn", "external_id", "session_name", "web_identity_token_file", NULL};
static const char *const delete_keys[] = {"max_per_cycle", "max_fraction", "allow_empty",
					  "reject_connections", NULL};
static const char *const log_keys[] = {"level", "format", NULL};
static const char *const policies[] = {"sync", "upsert-only", "create-only", NULL};
static const char *const log_levels[] = {"debug", "info", "notice", "warning", "error", NULL};

/* The awsconf.h inputs of this load: the environment and what vpcesd.yaml said. */
static void
aws_input(const struct loader *l, struct awsconf_input *in)
{
	const struct vpcesd_config *c = l->cfg;

	*in = (struct awsconf_input){
		.profile = c->credentials.profile ? c->credentials.profile : l->yaml_profile,
		.region = l->yaml_region ? c->region : NULL,
		.endpoint = c->endpoint,
		.sts_endpoint = c->sts_endpoint,
		.ca_file = c->ca_file,
		.max_attempts = l->yaml_max_attempts ? c->api.max_attempts : 0,
		.retry_mode = l->yaml_retry_mode,
	};
	if (l->env != NULL) {
		in->envp = l->env->envp;
		in->config = l->env->aws_config;
		in->config_path = l->env->aws_config_path;
	}
}

/*
 * When vpcesd.yaml named no region: take it from the environment or the AWS
 * profile (awsconf.h).  Reports an invalid value there, and a missing region
 * unless `quiet` (vpcesd.yaml itself was broken, so the user has something
 * to fix first and the region may well be in there).
 */
void
conf_resolve_region(struct loader *l, const char *daemon_path, bool quiet)
{
	struct awsconf_input in;
	struct awsconf_error err = {.e.code = 0};
	char src[AWSCONF_SOURCE_MAX], *region = NULL;
	const char *profile;
	bool found;

	if (l->cfg->region != NULL)
		return;
	aws_input(l, &in);
	if (awsconf_region(&in, &region, src, &err) < 0) {
		conf_diag_file(l, err.where, "%s", err.e.msg);
		return;
	}
	if (region != NULL) {
		l->cfg->region = region;
		return;
	}
	if (quiet)
		return;
	profile = awsconf_profile(&in, &found);
	conf_diag_file(l, daemon_path ? daemon_path : "vpcesd",
		       "no region: set %sAWS_REGION or AWS_DEFAULT_REGION in the environment, or "
		       "region in profile %s of %s%s%s%s",
		       daemon_path ? "'region:' here, or " : "", profile,
		       in.config_path ? in.config_path : "the AWS config file",
		       found ? "" : " (profile ", found ? "" : profile,
		       found ? "" : " not found there)");
}

/*
 * The daemon reads ca_file at start-up (http.h) and refuses a file it
 * cannot use; the check reads it the same way (pem.h), so that `vpcesd -n`
 * says so with the key's position.
 */
static void
check_ca_file(struct loader *l, const struct ynode *n, const char *path)
{
	struct err e;

	if (path == NULL)
		return;
	err_clear(&e);
	if (pem_load_certs(path, NULL, &e) < 0)
		conf_diag(l, n, "ca_file: %s", e.msg);
}

static void
load_api(struct loader *l, const struct ynode *n)
{
	struct model_api *api = &l->cfg->api;
	bool *skip = conf_checked_map(l, n, api_keys, "api");
	const struct ynode *v, *ct = NULL;

	if (skip == NULL)
		return;
	if ((v = conf_map_get(n, skip, "rate", NULL)))
		conf_get_uint(l, v, "api.rate", 1, 1000, &api->rate);
	if ((v = conf_map_get(n, skip, "burst", NULL)))
		conf_get_uint(l, v, "api.burst", 1, 10000, &api->burst);
	if ((v = conf_map_get(n, skip, "concurrency", NULL)))
		conf_get_uint(l, v, "api.concurrency", 1, 256, &api->concurrency);
	if ((v = conf_map_get(n, skip, "max_attempts", NULL))) {
		conf_get_uint(l, v, "api.max_attempts", 1, AWSCONF_MAX_ATTEMPTS_MAX,
			      &api->max_attempts);
		l->yaml_max_attempts = true;
	}
	if ((v = conf_map_get(n, skip, "retry_mode", NULL))) {
		const char *s = conf_get_str(l, v, "api.retry_mode");

		l->yaml_retry_mode = awsconf_retry_mode_from_string(s);
		if (s != NULL && l->yaml_retry_mode == AWSCONF_RETRY_UNSET)
			conf_diag(l, v, "api.retry_mode: '%s' is not one of standard, adaptive", s);
	}
	if ((v = conf_map_get(n, skip, "timeout", NULL)))
		conf_get_duration(l, v, "api.timeout", 1, 600, &api->timeout_s);
	if ((ct = conf_map_get(n, skip, "connect_timeout", NULL)))
		conf_get_duration(l, ct, "api.connect_timeout", 1, 300, &api->connect_timeout_s);
	if ((v = conf_map_get(n, skip, "bucket_share", NULL)))
		conf_get_percent(l, v, "api.bucket_share", 1, 100, &api->bucket_share_pct);
	if (ct != NULL && api->connect_timeout_s > api->timeout_s)
		conf_diag(l, ct, "api.connect_timeout: must not be longer than api.timeout");
	free(skip);
}

static void
load_credentials(struct loader *l, const struct ynode *n)
{
	struct model_credentials *c = &l->cfg->credentials;
	bool *skip = conf_checked_map(l, n, cred_keys, "credentials");
	const struct ynode *v, *ext, *sess, *web, *role;
	const char *partition = l->cfg->region ? validate_region_partition(l->cfg->region) : NULL;

	if (skip == NULL)
		return;
	if ((v = conf_map_get(n, skip, "profile", NULL)))
		conf_take_charset(l, v, "credentials.profile", "._-@+=,/", 1, 64, &c->profile);
	if ((role = conf_map_get(n, skip, "role_arn", NULL))) {
		const char *s = conf_get_str(l, role, "credentials.role_arn");
		struct err e;

		err_clear(&e);
		if (s != NULL && validate_role_arn(s, partition, &e) < 0)
			conf_diag(l, role, "credentials.role_arn: %s", e.msg);
		else if (s != NULL)
			conf_set_str(l, &c->role_arn, s);
	}
	if ((ext = conf_map_get(n, skip, "external_id", NULL)))
		conf_take_charset(l, ext, "credentials.external_id", "+=,.@:/-_", 2, 1224,
				  &c->external_id);
	if ((sess = conf_map_get(n, skip, "session_name", NULL)))
		conf_take_charset(l, sess, "credentials.session_name", "+=,.@-_", 2, 64,
				  &c->session_name);
	if ((web = conf_map_get(n, skip, "web_identity_token_file", NULL)))
		conf_take_checked(l, web, "credentials.web_identity_token_file", validate_abs_path,
				  &c->web_identity_token_file);
	if (role == NULL) {
		const struct ynode *need[] = {ext, sess, web};
		const char *names[] = {"external_id", "session_name", "web_identity_token_file"};

		for (int i = 0; i < 3; i++)
			if (need[i] != NULL)
				conf_diag(l, need[i], "credentials.%s: needs credentials.role_arn",
					  names[i]);
	}
	free(skip);
}

static void
load_delete(struct loader *l, const struct ynode *n)
{
	bool *skip = conf_checked_map(l, n, delete_keys, "delete");
	const struct ynode *v;

	if (skip == NULL)
		return;
	if ((v = conf_map_get(n, skip, "max_per_cycle", NULL)))
		conf_get_uint(l, v, "delete.max_per_cycle", 0, CONF_SERVICES_MAX,
			      &l->cfg->del.max_per_cycle);
	if ((v = conf_map_get(n, skip, "max_fraction", NULL)))
		conf_get_percent(l, v, "delete.max_fraction", 1, 100,
				 &l->cfg->del.max_fraction_pct);
	if ((v = conf_map_get(n, skip, "allow_empty", NULL)))
		conf_get_bool(l, v, "delete.allow_empty", &l->cfg->del.allow_empty);
	if ((v = conf_map_get(n, skip, "reject_connections", NULL)))
		conf_get_bool(l, v, "delete.reject_connections", &l->cfg->del.reject_connections);
	free(skip);
}

static void
load_log(struct loader *l, const struct ynode *n)
{
	bool *skip = conf_checked_map(l, n, log_keys, "log");
	const struct ynode *v;

	if (skip == NULL)
		return;
	if ((v = conf_map_get(n, skip, "level", NULL))) {
		const char *s = conf_get_str(l, v, "log.level");
		int prio = s ? log_priority_from_string(s) : -EINVAL;

		if (s != NULL && prio < 0) {
			const char *hint = validate_suggest(s, log_levels);

			conf_diag(l, v,
				  "log.level: '%s' is not one of debug, info, notice, warning, "
				  "error%s%s%s",
				  s, hint ? " (did you mean '" : "", hint ? hint : "",
				  hint ? "'?)" : "");
		} else if (s != NULL) {
			l->cfg->log_level = prio;
		}
	}
	if ((v = conf_map_get(n, skip, "format", NULL))) {
		const char *s = conf_get_str(l, v, "log.format");
		int format = s ? log_format_from_string(s) : -EINVAL;

		if (s != NULL && format < 0)
			conf_diag(l, v, "log.format: '%s' is not one of text, json", s);
		else if (s != NULL)
			l->cfg->log_format = format;
	}
	free(skip);
}

/* vpcesd.yaml: the whole tree (NULL for an empty file). */
/*
 * Under systemd, RuntimeDirectory= names where the status file belongs
 * (/run/vpcesd, or /run/vpcesd-<instance> for vpcesd@.service).  Only the
 * first entry counts; a relative or oversized value is ignored.
 */
void
conf_runtime_status_file(struct loader *l, struct vpcesd_config *c)
{
	const char *dir = l->env ? l->env->runtime_directory : NULL;
	size_t len;
	char *path;

	if (dir == NULL || dir[0] != '/')
		return;
	len = strcspn(dir, ":");
	if (len == 0 || len > 4000)
		return;
	path = malloc(len + sizeof("/status.json"));
	if (path == NULL)
		return;
	memcpy(path, dir, len);
	memcpy(path + len, "/status.json", sizeof("/status.json"));
	free(c->status_file);
	c->status_file = path;
}

/*
 * The same for StateDirectory= (/var/lib/vpcesd, or /var/lib/vpcesd-<instance>
 * for vpcesd@.service): when set, the state directory unless state_dir says
 * otherwise.  Only the first entry counts; a relative, oversized or
 * otherwise invalid value is ignored (the compiled default stays).
 */
void
conf_runtime_state_dir(struct loader *l, struct vpcesd_config *c)
{
	const char *dir = l->env ? l->env->state_directory : NULL;
	size_t len;
	char *path;

	if (dir == NULL || dir[0] != '/')
		return;
	len = strcspn(dir, ":");
	if (len == 0 || len > 4000)
		return;
	path = strndup(dir, len);
	if (path == NULL)
		return;
	if (validate_abs_path(path, NULL) < 0) {
		free(path);
		return;
	}
	free(c->state_dir);
	c->state_dir = path;
}

/*
 * previous_owner: an owner id like owner, and not owner itself (handing
 * services over to the owner they already have means nothing, and most
 * likely the wrong one of the two was edited).  `owner_ok`: owner is the
 * key's value or the default, not a value just refused.
 */
static void
load_previous_owner(struct loader *l, const struct ynode *n, bool owner_ok)
{
	struct vpcesd_config *c = l->cfg;
	const char *s = conf_get_str(l, n, "previous_owner");
	struct err e;

	if (s == NULL)
		return;
	err_clear(&e);
	if (validate_name(s, &e) < 0) {
		conf_diag(l, n, "previous_owner: %s", e.msg);
		return;
	}
	if (owner_ok && strcmp(s, c->owner) == 0) {
		conf_diag(l, n, "previous_owner: must differ from owner (both are '%s')", s);
		return;
	}
	conf_set_str(l, &c->previous_owner, s);
}

/* credentials.profile as written, for the region; load_credentials() checks it. */
static const struct ynode *
peek_profile(const struct ynode *cred)
{
	if (cred == NULL || cred->kind != Y_MAP)
		return NULL;
	for (size_t i = 0; i < MAP_PAIRS(cred); i++) {
		const struct ynode *k = MAP_KEY(cred, i), *v = MAP_VAL(cred, i);

		if (k->kind == Y_SCALAR && strcmp(k->text, "profile") == 0 && v->kind == Y_SCALAR &&
		    v->stype == YS_STR && v->text[0] != '\0')
			return v;
	}
	return NULL;
}

void
conf_load_daemon(struct loader *l, const struct ynode *root, const char *daemon_path)
{
	struct vpcesd_config *c = l->cfg;
	bool region_bad = false, owner_ok = true;
	const struct ynode *v, *iv = NULL, *mv = NULL, *sub[4];
	bool *skip = NULL;

	if (root == NULL || (root->kind == Y_SCALAR && root->stype == YS_NULL))
		goto region;
	if (root->kind == Y_MAP) {
		for (size_t i = 0; i < MAP_PAIRS(root); i++) {
			const struct ynode *k = MAP_KEY(root, i);

			if (k->kind == Y_SCALAR && strcmp(k->text, "services") == 0)
				conf_diag(
					l, k,
					"services belong in services.d/*.yaml, not in vpcesd.yaml");
		}
	}
	if ((skip = conf_checked_map(l, root, daemon_file_keys, "vpcesd.yaml")) == NULL)
		goto region;
	if ((v = conf_map_get(root, skip, "region", NULL))) {
		const char *s = conf_get_str(l, v, "region");
		struct err e;

		err_clear(&e);
		if (s == NULL || validate_region(s, &e) < 0) {
			if (s != NULL)
				conf_diag(l, v, "region: %s", e.msg);
			region_bad = true;
		} else {
			conf_set_str(l, &c->region, s);
			l->yaml_region = true;
		}
	}
	if ((v = conf_map_get(root, skip, "endpoint", NULL)))
		conf_take_checked(l, v, "endpoint", validate_endpoint_url, &c->endpoint);
	if ((v = conf_map_get(root, skip, "sts_endpoint", NULL)))
		conf_take_checked(l, v, "sts_endpoint", validate_endpoint_url, &c->sts_endpoint);
	if ((v = conf_map_get(root, skip, "ca_file", NULL))) {
		conf_take_checked(l, v, "ca_file", validate_abs_path, &c->ca_file);
		check_ca_file(l, v, c->ca_file);
	}
	if ((v = conf_map_get(root, skip, "owner", NULL))) {
		conf_take_checked(l, v, "owner", validate_name, &c->owner);
		owner_ok =
			v->kind == Y_SCALAR && v->stype == YS_STR && strcmp(c->owner, v->text) == 0;
	}
	if ((v = conf_map_get(root, skip, "previous_owner", NULL)))
		load_previous_owner(l, v, owner_ok);
	if ((v = conf_map_get(root, skip, "policy", NULL))) {
		const char *s = conf_get_str(l, v, "policy");
		int p = s ? model_policy_from_string(s) : -EINVAL;

		if (s != NULL && p < 0) {
			const char *hint = validate_suggest(s, policies);

			conf_diag(l, v,
				  "policy: '%s' is not one of sync, upsert-only, create-only%s%s%s",
				  s, hint ? " (did you mean '" : "", hint ? hint : "",
				  hint ? "'?)" : "");
		} else if (s != NULL) {
			c->policy = (enum model_policy)p;
		}
	}
	if ((iv = conf_map_get(root, skip, "interval", NULL)))
		conf_get_duration(l, iv, "interval", 1, 24 * 3600, &c->interval_s);
	if ((v = conf_map_get(root, skip, "jitter", NULL)))
		conf_get_percent(l, v, "jitter", 0, 50, &c->jitter_pct);
	if ((mv = conf_map_get(root, skip, "min_interval", NULL)))
		conf_get_duration(l, mv, "min_interval", 1, 3600, &c->min_interval_s);
	if ((v = conf_map_get(root, skip, "private_dns_verify_interval", NULL)))
		conf_get_duration(l, v, "private_dns_verify_interval", 60, 24 * 3600,
				  &c->dns_verify_interval_s);
	if (c->min_interval_s > c->interval_s)
		conf_diag(l, mv ? mv : iv, "%s: min_interval must not be longer than interval",
			  mv ? "min_interval" : "interval");
	if ((v = conf_map_get(root, skip, "status_file", NULL)))
		conf_take_checked(l, v, "status_file", validate_abs_path, &c->status_file);
	if ((v = conf_map_get(root, skip, "metrics_file", NULL)))
		conf_take_checked(l, v, "metrics_file", validate_abs_path, &c->metrics_file);
	if ((v = conf_map_get(root, skip, "state_dir", NULL)))
		conf_take_checked(l, v, "state_dir", validate_abs_path, &c->state_dir);
	/* Sub-mappings after region: role_arn is checked against its partition. */
	sub[0] = conf_map_get(root, skip, "api", NULL);
	sub[1] = conf_map_get(root, skip, "credentials", NULL);
	sub[2] = conf_map_get(root, skip, "delete", NULL);
	sub[3] = conf_map_get(root, skip, "log", NULL);
	free(l->yaml_profile);
	l->yaml_profile = NULL;
	if ((v = peek_profile(sub[1])) != NULL && (l->yaml_profile = strdup(v->text)) == NULL)
		conf_oom(l);
	if (!region_bad)
		conf_resolve_region(l, daemon_path, false);
	if (sub[0])
		load_api(l, sub[0]);
	if (sub[1])
		load_credentials(l, sub[1]);
	if (sub[2])
		load_delete(l, sub[2]);
	if (sub[3])
		load_log(l, sub[3]);
	free(skip);
	return;
region:
	conf_resolve_region(l, daemon_path,
			    root != NULL && !(root->kind == Y_SCALAR && root->stype == YS_NULL));
}

/* Take the resolved string *src (NULL: keep *dst) and its source name. */
static void
take_aws(struct loader *l, char **dst, char **src, char **dst_src, const char *name)
{
	if (*src != NULL) {
		free(*dst);
		*dst = *src;
		*src = NULL;
	}
	if (name[0] != '\0')
		conf_set_str(l, dst_src, name);
}

/*
 * Once vpcesd.yaml is read and the region known: everything else awsconf.h
 * resolves (endpoints, ca_file, retries) and the name of each source.  A
 * CA bundle named outside vpcesd.yaml is checked here as ca_file is.
 */
void
conf_resolve_aws(struct loader *l)
{
	struct vpcesd_config *c = l->cfg;
	struct awsconf_error err = {.e.code = 0};
	struct awsconf_input in;
	struct awsconf a;
	struct err e;

	if (c->region == NULL)
		return;
	c->partition = validate_region_partition(c->region);
	aws_input(l, &in);
	if (awsconf_resolve(&in, &a, &err) < 0) {
		conf_diag_file(l, err.where, "%s", err.e.msg);
		return;
	}
	take_aws(l, &c->endpoint, &a.endpoint, &c->sources.endpoint, a.src_endpoint);
	take_aws(l, &c->sts_endpoint, &a.sts_endpoint, &c->sources.sts_endpoint,
		 a.src_sts_endpoint);
	take_aws(l, &c->ca_file, &a.ca_file, &c->sources.ca_file, a.src_ca_file);
	conf_set_str(l, &c->sources.region, a.src_region);
	conf_set_str(l, &c->sources.profile, a.profile);
	conf_set_str(l, &c->sources.max_attempts, a.src_max_attempts);
	conf_set_str(l, &c->sources.retry_mode, a.src_retry_mode);
	if (a.note[0] != '\0')
		conf_set_str(l, &c->sources.note, a.note);
	c->api.max_attempts = a.max_attempts;
	c->api.retry_adaptive = a.retry_mode != AWSCONF_RETRY_STANDARD;
	err_clear(&e);
	if (c->ca_file != NULL && in.ca_file == NULL && pem_load_certs(c->ca_file, NULL, &e) < 0)
		conf_diag_file(l, a.src_ca_file, "%s: %s", c->ca_file, e.msg);
	awsconf_free(&a);
}
