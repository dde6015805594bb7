/* SPDX-License-Identifier: ISC */
/*
 * creds_plan: which credential provider applies, decided up front.
 *
 * vpcesd resolves the provider chain once, at start and on reload, into a
 * plan: one *source* of base credentials plus an ordered list of AssumeRole
 * *hops* to take from there.  Deciding is pure (creds_plan_resolve), so every
 * branch of the chain is unit-tested from a fake environment and in-memory
 * files; gathering the inputs is the only I/O (creds_inputs_load, run at
 * start/reload, never per request).  Fetching and refreshing is the job of
 * the providers in creds_provider.h, built from the plan.
 *
 * Chain (design.md §4; first match wins):
 *   1. vpcesd.yaml `credentials:`
 *        web_identity_token_file + role_arn → web identity (session_name);
 *        profile → that profile only (it must exist and yield credentials);
 *        role_arn (+ external_id, session_name) → one more AssumeRole hop on
 *        top of whatever the rest of the chain (or `profile`) yields.
 *   2. environment: AWS_ACCESS_KEY_ID + AWS_SECRET_ACCESS_KEY
 *        (+ AWS_SESSION_TOKEN); one without the other is an error;
 *      AWS_WEB_IDENTITY_TOKEN_FILE + AWS_ROLE_ARN (+ AWS_ROLE_SESSION_NAME).
 *   3. systemd credentials: the file `aws-credentials` in
 *      $CREDENTIALS_DIRECTORY, in the AWS credentials-file format with a
 *      [default] section holding aws_access_key_id, aws_secret_access_key and
 *      optionally aws_session_token.  In the unit:
 *          LoadCredential=aws-credentials:/etc/vpcesd/aws-credentials
 *      (or LoadCredentialEncrypted= / SetCredentialEncrypted= with
 *      systemd-creds).  systemd makes it 0400 and private to the service, so
 *      the permission check below does not apply.  Absent file: next step.
 *   4. shared files: profile from AWS_DEFAULT_PROFILE, else AWS_PROFILE
 *      (botocore reads them in that order; a profile so named must exist),
 *      else `default` (may be absent); files from AWS_CONFIG_FILE /
 *      AWS_SHARED_CREDENTIALS_FILE, defaulting to $HOME/.aws/config and
 *      $HOME/.aws/credentials.  Within the profile, botocore's order: role_arn
 *      (without web_identity_token_file) → assume-role chain;
 *      web_identity_token_file + role_arn; SSO; static keys in the
 *      credentials file; credential_process; static keys in the config file.
 *      SSO (creds_net.h, creds_sso.h): a profile with any of sso_session, sso_start_url,
 *      sso_region, sso_account_id, sso_role_name is an SSO profile, and then
 *      it needs sso_account_id and sso_role_name, and either sso_session
 *      naming an [sso-session NAME] section with sso_start_url and sso_region
 *      (values the profile repeats must agree) or, the legacy form,
 *      sso_start_url and sso_region in the profile; anything less is an
 *      error, never a reason to try the next provider.  (botocore only looks
 *      at a profile with sso_account_id or sso_role_name and otherwise goes
 *      on down the chain: for a daemon that would mean acting as the instance
 *      role where the operator meant an SSO role.)  The token cache is
 *      $HOME/.aws/sso/cache/<sha1 of the session name, or of the start URL
 *      in the legacy form>.json, as `aws sso login` writes it; the portal
 *      and OIDC endpoints come from awsconf_service_endpoint() ("sso",
 *      "sso_oidc") or default to https://portal.sso.<sso_region>.amazonaws.com
 *      and https://oidc.<sso_region>.amazonaws.com (.com.cn in China).  A chain follows source_profile (a source profile with static
 *      keys uses them even if it has role_arn; a profile may name itself to
 *      combine its own keys with its role) or ends in credential_source
 *      (Environment, Ec2InstanceMetadata, EcsContainer); loops and chains
 *      longer than CREDS_MAX_HOPS are errors; mfa_serial is refused (a daemon
 *      cannot prompt).  Static secrets from a file readable by group or other
 *      are refused ("chmod 600 FILE").
 *   5. ECS container: AWS_CONTAINER_CREDENTIALS_RELATIVE_URI
 *      (http://169.254.170.2<uri>) or AWS_CONTAINER_CREDENTIALS_FULL_URI
 *      (https anywhere; http only to loopback, 169.254.170.2,
 *      169.254.170.23, [fd00:ec2::23]); Authorization from
 *      AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE (re-read per fetch) or
 *      AWS_CONTAINER_AUTHORIZATION_TOKEN (CR/LF refused).
 *   6. IMDSv2, unless AWS_EC2_METADATA_DISABLED=true: endpoint from
 *      AWS_EC2_METADATA_SERVICE_ENDPOINT, else by
 *      AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE (IPv4 169.254.169.254 or IPv6
 *      fd00:ec2::254).
 * Nothing found is an error that lists what was tried.
 *
 * Empty environment variables count as unset.  No message ever holds a
 * secret value; they name variables, files, keys and profiles.
 */
#ifndef VPCESD_CREDS_PLAN_H
#define VPCESD_CREDS_PLAN_H

#include <stdbool.h>
#include <stddef.h>

#include "creds.h"
#include "err.h"
#include "ini.h"
#include "strv.h"

#define CREDS_MAX_HOPS         8 /* AssumeRole hops in one chain */
#define CREDS_SYSTEMD_NAME     "aws-credentials"
#define CREDS_ECS_HOST         "169.254.170.2"
#define CREDS_IMDS_ENDPOINT_V4 "http://169.254.169.254"
#define CREDS_IMDS_ENDPOINT_V6 "http://[fd00:ec2::254]"

/* The `credentials:` keys of vpcesd.yaml (borrowed strings; NULL = unset). */
struct creds_config {
	const char *profile;
	const char *role_arn;
	const char *external_id;
	const char *session_name;
	const char *web_identity_token_file;
};

/* One shared file as read by creds_inputs_load (or built by a test). */
struct creds_file {
	char *path; /* owned; NULL when there is no such file */
	struct ini ini;
	bool exposed; /* readable by group or other */
};

/* Everything the planner looks at. */
struct creds_inputs {
	struct creds_config config;     /* borrowed */
	char *const *envp;              /* borrowed environment snapshot, NULL-terminated */
	struct creds_file config_file;  /* owned */
	struct creds_file creds_file;   /* owned */
	struct creds_file systemd_file; /* owned; $CREDENTIALS_DIRECTORY/aws-credentials */
};

/*
 * Read the files the plan may need (I/O, blocking: call at start or reload,
 * not per request).  Paths come from `envp` as described above; `~/` is
 * expanded with HOME.  Missing files are simply absent; an unreadable,
 * oversized, non-regular or malformed file is an error naming it.  `config`
 * and `envp` are borrowed and must outlive *ret.  *ret untouched on failure;
 * free with creds_inputs_free().
 */
int creds_inputs_load(struct creds_inputs *ret, const struct creds_config *config,
		      char *const *envp, struct err *e);

/* Free the owned files (wiping their values).  NULL-safe. */
void creds_inputs_free(struct creds_inputs *in);

/*
 * The AWS config file alone (AWS_CONFIG_FILE, else $HOME/.aws/config), read
 * as creds_inputs_load() reads it, for the settings of awsconf.h.  An absent
 * file gives an empty ini with ret->path naming it (NULL without HOME).
 * Same errors; *ret untouched on failure; free with creds_file_free().
 */
int creds_config_file_load(char *const *envp, struct creds_file *ret, struct err *e);

/* Free one file read that way (wiping its values).  NULL-safe. */
void creds_file_free(struct creds_file *f);

/* The value of NAME in envp, NULL when unset or empty. */
const char *creds_env_get(char *const *envp, const char *name);

/*
 * The profile the environment names: AWS_DEFAULT_PROFILE, else AWS_PROFILE
 * (botocore's order), borrowed from envp; NULL when neither is set.
 * *ret_var (may be NULL) names the variable.
 */
const char *creds_env_profile(char *const *envp, const char **ret_var);

enum creds_source {
	CREDS_SOURCE_STATIC,       /* keys known now: plan.static_creds */
	CREDS_SOURCE_PROCESS,      /* plan.process_argv */
	CREDS_SOURCE_WEB_IDENTITY, /* plan.role_arn, token_file, session_name */
	CREDS_SOURCE_ECS,          /* plan.url, auth_token | auth_token_file */
	CREDS_SOURCE_IMDS,         /* plan.url (endpoint, no path) */
	CREDS_SOURCE_SSO,          /* plan.sso */
};

/* An SSO profile, resolved: every string owned, none of them secret. */
struct creds_sso_plan {
	char *profile;         /* the profile that names the role */
	char *session_name;    /* sso_session; NULL in the legacy form (no refresh) */
	char *start_url;       /* sso_start_url */
	char *region;          /* sso_region: where the portal and OIDC live */
	char *account_id;      /* sso_account_id, 12 digits */
	char *role_name;       /* sso_role_name */
	char *cache_file;      /* $HOME/.aws/sso/cache/<sha1>.json */
	char *portal_endpoint; /* https://portal.sso.<region>.amazonaws.com or configured */
	char *oidc_endpoint;   /* https://oidc.<region>.amazonaws.com or configured */
};

/* One AssumeRole call, made with the credentials of the step before. */
struct creds_hop {
	char *role_arn;     /* owned */
	char *external_id;  /* owned or NULL */
	char *session_name; /* owned or NULL: the STS provider generates one */
	int duration;       /* seconds, 0: STS default */
	char *profile;      /* owned: the profile that asked for it, NULL for vpcesd.yaml */
};

struct creds_plan {
	enum creds_source source;
	char *description; /* owned; for the log ("profile prod: static keys in …"), no secret */
	struct creds static_creds; /* CREDS_SOURCE_STATIC */
	struct strv process_argv;  /* CREDS_SOURCE_PROCESS: argv[0] is looked up in PATH */
	char *role_arn;            /* CREDS_SOURCE_WEB_IDENTITY */
	char *token_file;          /* CREDS_SOURCE_WEB_IDENTITY: re-read per refresh */
	char *session_name;        /* CREDS_SOURCE_WEB_IDENTITY, NULL: generate one */
	char *url;                 /* CREDS_SOURCE_ECS full URL; CREDS_SOURCE_IMDS endpoint */
	char *auth_token;          /* CREDS_SOURCE_ECS, secret, wiped on free */
	char *auth_token_file;     /* CREDS_SOURCE_ECS, wins over auth_token */
	struct creds_sso_plan sso; /* CREDS_SOURCE_SSO */
	struct creds_hop hops[CREDS_MAX_HOPS];
	size_t n_hops;
};

/*
 * Decide the provider.  Pure.  On success *ret owns everything (free with
 * creds_plan_free()); on failure *ret is untouched and `e` says why, e.g. a
 * profile that is missing, an incomplete pair of keys, a loop, an exposed
 * secret file, or that no provider applies at all (-ENOENT).
 */
int creds_plan_resolve(const struct creds_inputs *in, struct creds_plan *ret, struct err *e);

/* Free (and wipe) a plan.  NULL-safe. */
void creds_plan_free(struct creds_plan *p);

/*
 * The SSO step of the chain for profile `profile` (see the SSO paragraph
 * above).  Pure.  1: an SSO profile, *ret filled (free with
 * creds_sso_plan_free()) and `desc` (desc_n bytes) its description, e.g.
 * "SSO role R in account A (profile P, sso-session S)", naming a
 * configured portal or OIDC endpoint's source; 0: no SSO key in the
 * profile; <0: an incomplete or invalid SSO profile, `e` naming the
 * profile, the key and the file (-EINVAL), no HOME (-ENOENT), -ENOMEM.
 * *ret untouched unless 1.
 */
int creds_plan_sso(const struct creds_inputs *in, const char *profile, struct creds_sso_plan *ret,
		   char *desc, size_t desc_n, struct err *e);

/* Free one; leaves it zeroed.  NULL-safe. */
void creds_sso_plan_free(struct creds_sso_plan *s);

/*
 * creds_inputs_load() then creds_plan_resolve(): the provider the daemon
 * would use, decided exactly as at start-up, with no network I/O — for the
 * daemon and for `vpcesd -n` alike.  Blocking file I/O.  Same errors.
 */
int creds_plan_load(const struct creds_config *config, char *const *envp, struct creds_plan *ret,
		    struct err *e);

/*
 * Clean up an ECS authorization token read from a file or the environment,
 * in place: one trailing "\n" or "\r\n" is removed; any other CR or LF, an
 * empty token or one over CREDS_FIELD_MAX bytes is -EINVAL (the token would
 * otherwise inject HTTP headers).  Pure; `what` names the source.
 */
int creds_auth_token_clean(char *token, const char *what, struct err *e);

/*
 * True when `url` may serve container credentials: https to any host, or
 * http to loopback (127.0.0.0/8, ::1, localhost), 169.254.170.2,
 * 169.254.170.23 or [fd00:ec2::23].  Pure.
 */
bool creds_container_url_allowed(const char *url);

#endif
