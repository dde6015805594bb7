/* SPDX-License-Identifier: ISC */
/*
 * creds_net: the credential providers that fetch over the network.
 *
 * Five more implementations of the provider ops of creds_provider.h:
 *
 *  - AssumeRole: STS AssumeRole, signed with the credentials of a *source*
 *    cache (the previous hop of the chain), one call per refresh;
 *  - web identity: STS AssumeRoleWithWebIdentity, unsigned, with the JWT
 *    re-read from its file at every fetch (Kubernetes / EKS rotate it);
 *  - ECS container endpoint: GET with an `Authorization` token (from a file,
 *    re-read per fetch, or a fixed value), 2 s timeout, 3 tries 1 s apart;
 *  - IMDSv2: token PUT, role name, credentials document; 1 s timeouts; a
 *    401 drops the token and PUTs a new one once; there is deliberately no
 *    IMDSv1 fallback: a failing token PUT is an error;
 *  - IAM Identity Center (SSO): the token `aws sso login` cached, renewed
 *    through SSO OIDC CreateToken when it has a refresh token, traded for
 *    role credentials at the SSO portal (creds_sso.c says how; https only).
 *
 * All of them run on the libev loop and never block it, except that the
 * web identity and ECS token files are read (bounded, a few KiB, local) at
 * the start of a fetch, as botocore does.  They do not log: results and
 * errors go to the fetch callback.  No message ever holds a secret (keys,
 * session tokens, the JWT, the ECS authorization token or the IMDS token);
 * messages name roles, files, URLs and HTTP statuses.  Response bodies that
 * carried credentials are wiped before they are released.
 *
 * The http client and the STS options are borrowed and must outlive the
 * providers; everything else is copied.  Free the providers with
 * creds_provider_free() (or through the cache that took them).
 */
#ifndef VPCESD_CREDS_NET_H
#define VPCESD_CREDS_NET_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include <ev.h>

#include "creds_plan.h"
#include "creds_provider.h"
#include "err.h"
#include "http.h"

struct http_client;
struct writer;

#define CREDS_STS_VERSION      "2011-06-15"
#define CREDS_WEB_TOKEN_MAX    20000 /* bytes of a web identity JWT (STS limit) */
#define CREDS_ECS_TIMEOUT_MS   2000L
#define CREDS_ECS_ATTEMPTS     3
#define CREDS_ECS_RETRY_SECS   1.0
#define CREDS_IMDS_TIMEOUT_MS  1000L
#define CREDS_IMDS_TOKEN_TTL   21600 /* seconds asked for in the token PUT */
#define CREDS_SESSION_NAME_MAX 64
#define CREDS_URL_MAX          2048

/* How the STS providers reach STS. */
struct creds_sts_options {
	struct http_client *http; /* borrowed, required */
	const char *endpoint;     /* "https://sts.us-east-1.amazonaws.com" (copied) */
	const char *region;       /* signing region (copied) */
	unsigned max_attempts;    /* per fetch; 0: AWS_DEFAULT_ATTEMPTS */
	/* Injectable sources for tests; NULL: time() and aws.h's PRNG. */
	time_t (*wall_clock)(void *arg); /* signing time and generated session names */
	void *wall_clock_arg;
	double (*random01)(void *arg); /* retry jitter */
	void *random01_arg;
};

/*
 * AssumeRole of `hop` (copied) with the credentials of `source`, which the
 * provider takes (also on failure) and frees with itself.  A NULL
 * hop->session_name is replaced by `vpcesd-<unix time>-<8 hex>`.  -EINVAL
 * (naming the field) for a malformed role ARN, session name, external id
 * or duration; -ENOMEM.
 */
int creds_provider_new_assume_role(struct ev_loop *loop, const struct creds_sts_options *o,
				   struct creds_cache *source, const struct creds_hop *hop,
				   struct creds_provider **ret, struct err *e);

/*
 * AssumeRoleWithWebIdentity of `role_arn` with the token in `token_file`
 * (re-read at each fetch; a missing, unreadable, non-regular, empty or
 * oversized file fails that fetch with a message naming the file).
 * `session_name` NULL: generated as above.  -EINVAL, -ENOMEM.
 */
int creds_provider_new_web_identity(struct ev_loop *loop, const struct creds_sts_options *o,
				    const char *role_arn, const char *token_file,
				    const char *session_name, struct creds_provider **ret,
				    struct err *e);

/*
 * The container credentials endpoint `url` (must pass
 * creds_container_url_allowed()).  Authorization from `auth_token_file`
 * (wins; re-read and cleaned with creds_auth_token_clean() per fetch) or
 * `auth_token` (copied, secret); both NULL: no header.  -EINVAL, -ENOMEM.
 */
int creds_provider_new_ecs(struct http_client *http, const char *url, const char *auth_token,
			   const char *auth_token_file, struct creds_provider **ret, struct err *e);

/*
 * IMDSv2 at `endpoint` ("http://169.254.169.254", no path; a trailing '/'
 * is ignored).  -EINVAL for anything but an http(s) URL without a path,
 * -ENOMEM.
 */
int creds_provider_new_imds(struct http_client *http, const char *endpoint,
			    struct creds_provider **ret, struct err *e);

/* What the SSO provider works with besides its plan. */
struct creds_sso_options {
	struct http_client *http; /* borrowed, required */
	/* Borrowed; writes a renewed token back to the cache file, off the loop.
	   NULL: the renewed token is kept in memory only. */
	struct writer *writer;
	time_t (*wall_clock)(void *arg); /* token expiry; NULL: time() */
	void *wall_clock_arg;
};

/*
 * The SSO provider of `plan` (copied; creds_plan.h).  Each fetch re-reads
 * plan->cache_file (a missing, unreadable, malformed or expired token fails
 * that fetch with a message saying to run `aws sso login`), renews the
 * token through plan->oidc_endpoint when it is within
 * CREDS_SSO_REFRESH_WINDOW of its end and can be renewed, writes the
 * renewed cache back (mode 0600, atomically, through o->writer), then asks
 * plan->portal_endpoint for the role's credentials.  401/403 from the
 * portal fail with the same advice.  -EINVAL (an endpoint that is not
 * https, an incomplete plan), -ENOMEM.
 */
int creds_provider_new_sso(const struct creds_sso_options *o, const struct creds_sso_plan *plan,
			   struct creds_provider **ret, struct err *e);

/*
 * The negative errno a credential provider reports for a transport failure
 * of its HTTP call: -ETIMEDOUT, -ECONNREFUSED, -EHOSTUNREACH, -EMSGSIZE,
 * -ECANCELED; -EIO for the rest (a reset or a TLS failure included).
 */
int creds_transport_errno(enum http_error kind);

/*
 * Read a small secret file whole: a regular file of at most `max` bytes,
 * returned NUL-terminated in *ret (caller wipes and frees it) with its
 * length in *ret_len.  Blocking local I/O, bounded.  Errors name `what`
 * and the path, never the content: -ENOENT, -EACCES, -EINVAL (not a regular
 * file), -E2BIG, -EIO, -ENOMEM.
 */
int creds_read_secret_file(const char *path, size_t max, const char *what, char **ret,
			   size_t *ret_len, struct err *e);

/* True when `name` is a valid RoleSessionName: 2–64 of [A-Za-z0-9_+=,.@-].  Pure. */
bool creds_session_name_valid(const char *name);

#endif
