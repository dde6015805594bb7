/* SPDX-License-Identifier: ISC */
/*
 * Test support: the EC2 client stack (http client, static credentials,
 * aws client) that the integration tests and bench-ec2 build against
 * ec2sim.  No cmocka here (bench-ec2 links this library too): functions
 * return 0 / negative errno and fill `struct err`; callers assert on that.
 */
#ifndef VPCESD_TEST_STACK_H
#define VPCESD_TEST_STACK_H

struct aws_client;
struct aws_client_options;
struct creds;
struct creds_cache;
struct err;
struct ev_loop;
struct http_client;

/*
 * A credentials cache on `loop` that always yields (key_id, secret), with
 * provider name "test".  On success *ret is the caller's; free it with
 * creds_cache_free() (it frees the provider too).  On failure *ret is NULL.
 */
int stack_static_creds(struct ev_loop *loop, const char *key_id, const char *secret,
		       struct creds_cache **ret, struct err *e);

/*
 * An http client trusting $EC2SIM_CA, a stack_static_creds() cache for
 * (key_id, secret) and an aws client made from `tmpl` (copied; its http and
 * creds fields are replaced by the two new ones).  On success *http, *creds
 * and *aws are the caller's: free them with stack_free().  On failure all
 * three are NULL and nothing is left allocated.
 */
int stack_new(struct ev_loop *loop, const struct aws_client_options *tmpl, const char *key_id,
	      const char *secret, struct http_client **http, struct creds_cache **creds,
	      struct aws_client **aws, struct err *e);

/* Free what stack_new() built, the aws client first (it uses the other two).  NULL-safe. */
void stack_free(struct http_client *http, struct creds_cache *creds, struct aws_client *aws);

/*
 * Credentials from `cc`, running `loop` until a refresh it needs is done
 * (test code only, never from a callback).  On success *out is a copy the
 * caller frees with creds_free(); on failure *out is untouched and `e` says
 * why (the cache's own error).
 */
int stack_get_creds(struct ev_loop *loop, struct creds_cache *cc, struct creds *out, struct err *e);

#endif
