/* SPDX-License-Identifier: ISC */
/*
 * creds_sts: the AssumeRole and web identity providers.  See creds_net.h.
 *
 * Both are one STS Query call per fetch through an aws.h client of their
 * own (service "sts"), so they get the same pacing, retries with jitter,
 * throttling classification and error envelopes as every EC2 call.  An
 * AssumeRole provider signs with the credentials of the cache before it
 * in the chain; that cache is owned here, so freeing the outermost cache
 * frees the whole chain.  A rejected source key (InvalidClientTokenId,
 * ExpiredToken) makes aws.h invalidate the source cache and retry once.
 *
 * Secrets: the STS answer holds a secret key and session token, so its
 * body is wiped as soon as it is parsed; the parsed copy is wiped by
 * sts_credentials_free().  The JWT is wiped from our buffer as soon as it
 * is in the query.  Messages name the role and the token file only.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "aws.h"
#include "creds_net.h"
#include "ec2_types.h"
#include "ec2_xml.h"
#include "query.h"

struct sts_provider {
	struct creds_provider base;
	const char *action; /* "AssumeRole" or "AssumeRoleWithWebIdentity" */
	struct aws_client *aws;
	struct creds_cache *source; /* AssumeRole: the previous hop (owned) */
	char *role_arn;
	char *external_id;  /* AssumeRole, may be NULL */
	char *session_name; /* never NULL */
	char *token_file;   /* web identity */
	int duration;       /* 0: STS default */
	struct aws_call *call;
	struct sts_credentials result; /* parsed by sts_parse(), used by sts_done() */
	bool have_result;
	creds_fetch_done_fn *done;
	void *arg;
};

bool
creds_session_name_valid(const char *name)
{
	size_t n = 0;

	for (; name[n] != '\0'; n++) {
		char ch = name[n];

		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		      (ch >= '0' && ch <= '9') || strchr("_+=,.@-", ch) != NULL))
			return false;
		if (n >= CREDS_SESSION_NAME_MAX)
			return false;
	}
	return n >= 2;
}

/* A role ARN as STS accepts it: "arn:<partition>:iam::<account>:role/<name>", 20–2048 bytes. */
static bool
role_arn_valid(const char *arn)
{
	size_t n = strlen(arn), i;

	if (n < 20 || n > 2048 || strncmp(arn, "arn:", 4) != 0 || strstr(arn, ":role/") == NULL)
		return false;
	for (i = 0; i < n; i++)
		if (arn[i] <= ' ' || arn[i] > '~')
			return false;
	return true;
}

/*
 * "vpcesd-<unix time>-<8 hex digits>": unique enough to tell sessions apart
 * in CloudTrail, and inside the RoleSessionName pattern and length.
 */
static int
session_name_generate(const struct creds_sts_options *o, char **ret, struct err *e)
{
	unsigned char rnd[4];
	time_t now = o->wall_clock ? o->wall_clock(o->wall_clock_arg) : time(NULL);
	char name[CREDS_SESSION_NAME_MAX + 1];

	if (RAND_bytes(rnd, sizeof(rnd)) != 1)
		return err_set(e, -EIO, "cannot generate a role session name: no randomness");
	snprintf(name, sizeof(name), "vpcesd-%lld-%02x%02x%02x%02x", (long long)now, rnd[0], rnd[1],
		 rnd[2], rnd[3]);
	*ret = strdup(name);
	return *ret ? 0 : err_set(e, -ENOMEM, "out of memory");
}

static void
sts_cancel(struct creds_provider *p)
{
	struct sts_provider *sp = (struct sts_provider *)p;

	if (sp->call != NULL) {
		aws_cancel(sp->call);
		sp->call = NULL;
	}
	if (sp->have_result) {
		sts_credentials_free(&sp->result);
		sp->have_result = false;
	}
	sp->done = NULL;
}

static void
sts_free(struct creds_provider *p)
{
	struct sts_provider *sp = (struct sts_provider *)p;

	if (sp == NULL)
		return;
	sts_cancel(p);
	aws_client_free(sp->aws);     /* signs with `source`: goes first */
	creds_cache_free(sp->source); /* the rest of the chain */
	free(sp->role_arn);
	free(sp->external_id);
	free(sp->session_name);
	free(sp->token_file);
	free(sp->base.name);
	free(sp);
}

/*
 * aws.h's parse hook: accept the 2xx body only when it holds credentials
 * (a truncated answer is retried as a transport fault), keep the parsed
 * copy for sts_done(), and wipe the body, which holds the secrets.  The
 * body is the http module's own mutable buffer, handed out as const.
 */
static int
sts_parse(void *arg, const char *body, size_t len, struct err *e)
{
	struct sts_provider *sp = arg;
	struct sts_credentials sc = {0};
	int r;

	r = ec2_xml_sts_credentials(sp->action, body, len, &sc, e);
	OPENSSL_cleanse((char *)body, len);
	if (r < 0)
		return r;
	if (sp->have_result)
		sts_credentials_free(&sp->result);
	sp->result = sc;
	sp->have_result = true;
	return 0;
}

/* "arn:aws:sts::123456789012:assumed-role/…" → "123456789012" in out, or "". */
static void
account_of(const char *arn, char *out, size_t n)
{
	const char *p = arn;
	size_t i, len;

	out[0] = '\0';
	if (arn == NULL)
		return;
	for (i = 0; i < 4 && p != NULL; i++) {
		p = strchr(p, ':');
		if (p != NULL)
			p++;
	}
	if (p == NULL)
		return;
	len = strcspn(p, ":");
	if (len != 12 || len >= n || strspn(p, "0123456789") < 12)
		return;
	memcpy(out, p, len);
	out[len] = '\0';
}

static void
sts_done(void *arg, const struct aws_response *resp)
{
	struct sts_provider *sp = arg;
	creds_fetch_done_fn *done = sp->done;
	void *done_arg = sp->arg;
	struct creds c = {0};
	char account[16];
	struct err e;
	int r;

	err_clear(&e);
	sp->call = NULL;
	sp->done = NULL;
	if (resp->r == 0 && sp->have_result) {
		account_of(sp->result.assumed_role_arn, account, sizeof(account));
		r = creds_set(&c, sp->result.access_key_id, sp->result.secret_access_key,
			      sp->result.session_token, sp->result.expiration, NULL,
			      account[0] ? account : NULL, sp->base.name, &e);
	} else {
		r = resp->r < 0 ? resp->r : -EBADMSG;
		err_set(&e, r, "%s: %s", sp->base.name,
			resp->e && resp->e->msg[0] ? resp->e->msg : "no credentials in the answer");
	}
	if (sp->have_result) {
		sts_credentials_free(&sp->result);
		sp->have_result = false;
	}
	/* Last: `done` may start the next fetch. */
	if (done != NULL)
		done(done_arg, r, r == 0 ? &c : NULL, &e);
	else
		creds_free(&c);
}

static int
sts_start(struct sts_provider *sp, struct query *q, unsigned flags, creds_fetch_done_fn *done,
	  void *arg, struct err *e)
{
	struct err ce;
	int r;

	err_clear(&ce);
	sp->done = done;
	sp->arg = arg;
	r = aws_call(sp->aws, sp->action, q, flags, sts_parse, sts_done, sp, &sp->call, &ce);
	if (r < 0) {
		sp->done = NULL;
		sp->call = NULL;
		return err_set(e, r, "%s: %s", sp->base.name, ce.msg);
	}
	return 0;
}

static int
assume_role_fetch(struct creds_provider *p, struct ev_loop *loop, creds_fetch_done_fn *done,
		  void *arg, struct err *e)
{
	struct sts_provider *sp = (struct sts_provider *)p;
	struct query q = QUERY_INIT;
	struct err qe;
	int r;

	(void)loop;
	err_clear(&qe);
	if ((r = query_add(&q, "RoleArn", sp->role_arn, &qe)) < 0 ||
	    (r = query_add(&q, "RoleSessionName", sp->session_name, &qe)) < 0 ||
	    (sp->external_id && (r = query_add(&q, "ExternalId", sp->external_id, &qe)) < 0) ||
	    (sp->duration > 0 &&
	     (r = query_add_int(&q, "DurationSeconds", sp->duration, &qe)) < 0)) {
		query_free(&q);
		return err_set(e, r, "%s: %s", sp->base.name, qe.msg);
	}
	r = sts_start(sp, &q, 0, done, arg, e);
	query_free(&q);
	return r;
}

static int
web_identity_fetch(struct creds_provider *p, struct ev_loop *loop, creds_fetch_done_fn *done,
		   void *arg, struct err *e)
{
	struct sts_provider *sp = (struct sts_provider *)p;
	struct query q = QUERY_INIT;
	char *token = NULL;
	size_t len = 0, i;
	struct err qe;
	int r;

	(void)loop;
	err_clear(&qe);
	r = creds_read_secret_file(sp->token_file, CREDS_WEB_TOKEN_MAX + 2,
				   "web identity token file", &token, &len, e);
	if (r < 0)
		return r;
	while (len > 0 && (token[len - 1] == '\n' || token[len - 1] == '\r' ||
			   token[len - 1] == ' ' || token[len - 1] == '\t'))
		token[--len] = '\0';
	for (i = 0; i < len; i++)
		if (token[i] <= ' ' || token[i] > '~')
			break;
	if (len < 4 || len > CREDS_WEB_TOKEN_MAX || i < len) {
		r = err_set(e, -EINVAL,
			    "web identity token file %s: not a token (%s; a JWT is 4 to %d "
			    "printable characters)",
			    sp->token_file,
			    i < len   ? "blanks or control characters inside"
			    : len < 4 ? "too short"
				      : "too long",
			    CREDS_WEB_TOKEN_MAX);
		goto out;
	}
	if ((r = query_add(&q, "RoleArn", sp->role_arn, &qe)) < 0 ||
	    (r = query_add(&q, "RoleSessionName", sp->session_name, &qe)) < 0 ||
	    (r = query_add(&q, "WebIdentityToken", token, &qe)) < 0) {
		err_set(e, r, "%s: %s", sp->base.name, qe.msg);
		goto out;
	}
	r = sts_start(sp, &q, AWS_CALL_UNSIGNED, done, arg, e);
out:
	query_free(&q);
	OPENSSL_cleanse(token, len);
	free(token);
	return r;
}

static const struct creds_provider_ops assume_role_ops = {
	.kind = "assume-role",
	.fetch = assume_role_fetch,
	.cancel = sts_cancel,
	.free = sts_free,
};

static const struct creds_provider_ops web_identity_ops = {
	.kind = "web-identity",
	.fetch = web_identity_fetch,
	.cancel = sts_cancel,
	.free = sts_free,
};

/* The shared part of both constructors: checks, names, the STS client. */
static int
sts_new(const struct creds_sts_options *o, const char *role_arn, const char *session_name,
	struct sts_provider **ret, struct err *e)
{
	struct sts_provider *sp = NULL;
	int r;

	if (o == NULL || o->http == NULL || o->endpoint == NULL || o->region == NULL)
		return err_set(e, -EINVAL, "STS: endpoint, region and http client are required");
	if (role_arn == NULL || !role_arn_valid(role_arn))
		return err_set(e, -EINVAL,
			       "role_arn '%s' is not a role ARN (arn:aws:iam::ACCOUNT:role/NAME)",
			       role_arn ? role_arn : "");
	if (session_name != NULL && !creds_session_name_valid(session_name))
		return err_set(e, -EINVAL,
			       "role session name '%s' is invalid: 2 to %d characters of "
			       "A-Z a-z 0-9 _+=,.@-",
			       session_name, CREDS_SESSION_NAME_MAX);
	sp = calloc(1, sizeof(*sp));
	if (sp == NULL || (sp->role_arn = strdup(role_arn)) == NULL) {
		r = err_set(e, -ENOMEM, "out of memory");
		goto fail;
	}
	if (session_name != NULL)
		sp->session_name = strdup(session_name);
	else if ((r = session_name_generate(o, &sp->session_name, e)) < 0)
		goto fail;
	if (sp->session_name == NULL) {
		r = err_set(e, -ENOMEM, "out of memory");
		goto fail;
	}
	*ret = sp;
	return 0;
fail:
	if (sp != NULL) {
		free(sp->role_arn);
		free(sp->session_name);
		free(sp);
	}
	return r;
}

/* Attach the aws client (signing with `source`, NULL for unsigned calls). */
static int
sts_client(struct ev_loop *loop, const struct creds_sts_options *o, struct sts_provider *sp,
	   struct creds_cache *source, struct err *e)
{
	struct aws_client_options ao = {
		.endpoint = o->endpoint,
		.region = o->region,
		.service = "sts",
		.version = CREDS_STS_VERSION,
		.max_attempts = o->max_attempts,
		.concurrency = 1,
		.http = o->http,
		.creds = source,
		.wall_clock = o->wall_clock,
		.wall_clock_arg = o->wall_clock_arg,
		.random01 = o->random01,
		.random01_arg = o->random01_arg,
	};
	struct err ae;
	int r;

	err_clear(&ae);
	r = aws_client_new(loop, &ao, &sp->aws, &ae);
	if (r < 0)
		return err_set(e, r, "STS: %s", ae.msg);
	return 0;
}

int
creds_provider_new_assume_role(struct ev_loop *loop, const struct creds_sts_options *o,
			       struct creds_cache *source, const struct creds_hop *hop,
			       struct creds_provider **ret, struct err *e)
{
	struct sts_provider *sp = NULL;
	char name[2300];
	int r;

	if (source == NULL || hop == NULL)
		return err_set(e, -EINVAL, "AssumeRole: a source and a hop are required");
	if (hop->external_id != NULL &&
	    (strlen(hop->external_id) < 2 || strlen(hop->external_id) > 1224)) {
		r = err_set(e, -EINVAL, "role %s: external_id must be 2 to 1224 characters",
			    hop->role_arn ? hop->role_arn : "");
		goto fail;
	}
	if (hop->duration != 0 && (hop->duration < 900 || hop->duration > 43200)) {
		r = err_set(e, -EINVAL, "role %s: duration_seconds %d is outside 900..43200",
			    hop->role_arn ? hop->role_arn : "", hop->duration);
		goto fail;
	}
	r = sts_new(o, hop->role_arn, hop->session_name, &sp, e);
	if (r < 0)
		goto fail;
	sp->base.ops = &assume_role_ops;
	sp->action = "AssumeRole";
	sp->source = source; /* owned from here on: sts_free() frees it */
	source = NULL;
	sp->duration = hop->duration;
	if (hop->profile != NULL)
		snprintf(name, sizeof(name), "assume role %s (profile %s)", hop->role_arn,
			 hop->profile);
	else
		snprintf(name, sizeof(name), "assume role %s", hop->role_arn);
	if ((hop->external_id && (sp->external_id = strdup(hop->external_id)) == NULL) ||
	    (sp->base.name = strdup(name)) == NULL) {
		r = err_set(e, -ENOMEM, "out of memory");
		goto fail;
	}
	r = sts_client(loop, o, sp, sp->source, e);
	if (r < 0)
		goto fail;
	*ret = &sp->base;
	return 0;
fail:
	if (sp != NULL)
		sts_free(&sp->base);
	creds_cache_free(source);
	return r;
}

int
creds_provider_new_web_identity(struct ev_loop *loop, const struct creds_sts_options *o,
				const char *role_arn, const char *token_file,
				const char *session_name, struct creds_provider **ret,
				struct err *e)
{
	struct sts_provider *sp = NULL;
	char name[2300];
	int r;

	if (token_file == NULL || token_file[0] == '\0')
		return err_set(e, -EINVAL, "web identity: no token file");
	r = sts_new(o, role_arn, session_name, &sp, e);
	if (r < 0)
		return r;
	sp->base.ops = &web_identity_ops;
	sp->action = "AssumeRoleWithWebIdentity";
	snprintf(name, sizeof(name), "web identity %s (token file %s)", role_arn, token_file);
	if ((sp->token_file = strdup(token_file)) == NULL ||
	    (sp->base.name = strdup(name)) == NULL) {
		r = err_set(e, -ENOMEM, "out of memory");
		goto fail;
	}
	r = sts_client(loop, o, sp, NULL, e);
	if (r < 0)
		goto fail;
	*ret = &sp->base;
	return 0;
fail:
	sts_free(&sp->base);
	return r;
}
