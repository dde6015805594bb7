/* SPDX-License-Identifier: ISC */
/*
 * Unit tests for sigv4.h.
 *
 * Every case of the published SigV4 suite under tests/data/sigv4 (header
 * mode) becomes one cmocka test that compares the canonical request, the
 * string to sign and the signature byte for byte.  The query-mode
 * (presigned URL) expectations are not checked: vpcesd never presigns.  Then
 * the EC2 example of ec2-api.md §2 and the input checks.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>
#include <cmocka.h>
#include <openssl/evp.h>

#include "buf.h"
#include "sigv4.h"

#define MAX_FILE (1 << 20)

/* Cases we deliberately do not run, with the reason printed in the output. */
static const struct {
	const char *name;
	const char *reason;
} skipped_cases[] = {
	{NULL, NULL},
};

static char *
read_file(const char *dir, const char *name, size_t *len)
{
	char path[1024];
	struct buf b;
	char chunk[4096];
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "rb");
	if (f == NULL)
		return NULL;
	buf_init(&b, MAX_FILE);
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		if (buf_append(&b, chunk, n) < 0)
			break;
	fclose(f);
	if (len)
		*len = b.len;
	return buf_steal(&b);
}

static time_t
parse_iso(const char *s)
{
	struct tm tm;

	memset(&tm, 0, sizeof(tm));
	assert_non_null(strptime(s, "%Y-%m-%dT%H:%M:%SZ", &tm));
	return timegm(&tm);
}

/* A request.txt, split as the README describes. */
struct raw_request {
	char *text; /* owned; the pointers below point into it */
	char *method;
	char *path;
	char *query;
	struct sigv4_header headers[SIGV4_MAX_HEADERS];
	size_t n_headers;
	const char *body;
	size_t body_len;
	char *values[SIGV4_MAX_HEADERS]; /* owned joined values of folded headers */
};

static void
raw_request_parse(struct raw_request *rq, char *text, size_t len)
{
	char *line, *end, *sp, *target, *next;

	memset(rq, 0, sizeof(*rq));
	rq->text = text;
	line = text;
	end = strchr(line, '\n');
	assert_non_null(end);
	*end = '\0';
	next = end + 1;
	/* Method is the first token, protocol the last; the target may hold spaces. */
	sp = strchr(line, ' ');
	assert_non_null(sp);
	*sp = '\0';
	rq->method = line;
	target = sp + 1;
	sp = strrchr(target, ' ');
	assert_non_null(sp);
	*sp = '\0';
	rq->path = target;
	rq->query = strchr(target, '?');
	if (rq->query)
		*rq->query++ = '\0';

	/* Headers until an empty line or the end; folded lines continue a value. */
	while (next < text + len && *next != '\n') {
		char *colon;

		line = next;
		end = strchr(line, '\n');
		if (end) {
			*end = '\0';
			next = end + 1;
		} else {
			next = line + strlen(line);
		}
		if (*line == ' ' || *line == '\t') {
			struct buf b;
			size_t i = rq->n_headers - 1;

			assert_true(rq->n_headers > 0);
			buf_init(&b, MAX_FILE);
			assert_int_equal(buf_printf(&b, "%s %s", rq->headers[i].value, line), 0);
			free(rq->values[i]);
			rq->values[i] = buf_steal(&b);
			rq->headers[i].value = rq->values[i];
			continue;
		}
		colon = strchr(line, ':');
		assert_non_null(colon);
		*colon = '\0';
		assert_true(rq->n_headers < SIGV4_MAX_HEADERS);
		rq->headers[rq->n_headers].name = line;
		rq->headers[rq->n_headers].value = colon + 1;
		rq->n_headers++;
	}
	if (next < text + len && *next == '\n') {
		rq->body = next + 1;
		rq->body_len = (size_t)(text + len - rq->body);
	}
}

static void
raw_request_free(struct raw_request *rq)
{
	for (size_t i = 0; i < SIGV4_MAX_HEADERS; i++)
		free(rq->values[i]);
	free(rq->text);
}

static const char *
json_str(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

static bool
json_bool(const cJSON *o, const char *key)
{
	return cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, key));
}

static void
test_vector_case(void **state)
{
	const char *dir = *state;
	struct raw_request rq;
	struct sigv4_request req;
	struct sigv4_creds cr;
	struct sigv4_output out;
	struct err e;
	char *ctx_text, *req_text, *want_cr, *want_sts, *want_sig, *signed_req;
	size_t req_len;
	cJSON *ctx;
	const cJSON *creds;
	char want_auth[1024];

	ctx_text = read_file(dir, "context.json", NULL);
	req_text = read_file(dir, "request.txt", &req_len);
	want_cr = read_file(dir, "header-canonical-request.txt", NULL);
	want_sts = read_file(dir, "header-string-to-sign.txt", NULL);
	want_sig = read_file(dir, "header-signature.txt", NULL);
	signed_req = read_file(dir, "header-signed-request.txt", NULL);
	assert_non_null(ctx_text);
	assert_non_null(req_text);
	assert_non_null(want_cr);
	assert_non_null(want_sts);
	assert_non_null(want_sig);
	assert_non_null(signed_req);
	ctx = cJSON_Parse(ctx_text);
	assert_non_null(ctx);
	creds = cJSON_GetObjectItemCaseSensitive(ctx, "credentials");
	assert_non_null(creds);

	raw_request_parse(&rq, req_text, req_len);
	memset(&req, 0, sizeof(req));
	req.method = rq.method;
	req.path = rq.path;
	req.query = rq.query;
	req.headers = rq.headers;
	req.n_headers = rq.n_headers;
	req.body = rq.body;
	req.body_len = rq.body_len;
	req.region = json_str(ctx, "region");
	req.service = json_str(ctx, "service");
	req.timestamp = parse_iso(json_str(ctx, "timestamp"));
	req.normalize_path = json_bool(ctx, "normalize");
	req.add_content_sha256 = json_bool(ctx, "sign_body");
	memset(&cr, 0, sizeof(cr));
	cr.access_key_id = json_str(creds, "access_key_id");
	cr.secret_access_key = json_str(creds, "secret_access_key");
	cr.session_token = json_str(creds, "token");
	cr.omit_session_token = json_bool(ctx, "omit_session_token");

	sigv4_output_init(&out);
	out.want_debug = true;
	err_clear(&e);
	assert_int_equal(sigv4_sign(&req, &cr, &out, &e), 0);
	assert_string_equal(buf_str(&out.canonical_request), want_cr);
	assert_string_equal(buf_str(&out.string_to_sign), want_sts);
	assert_string_equal(out.signature, want_sig);
	/* The Authorization line aws-c-auth produced must equal ours. */
	snprintf(want_auth, sizeof(want_auth), "Authorization:%s\n", buf_str(&out.authorization));
	if (strstr(signed_req, want_auth) == NULL) {
		/* Last line has no trailing newline. */
		want_auth[strlen(want_auth) - 1] = '\0';
		assert_non_null(strstr(signed_req, want_auth));
	}

	sigv4_output_free(&out);
	cJSON_Delete(ctx);
	raw_request_free(&rq);
	free(ctx_text);
	free(want_cr);
	free(want_sts);
	free(want_sig);
	free(signed_req);
}

static const char ec2_body[] =
	"Action=DescribeVpcEndpointServiceConfigurations&Version=2016-11-15&Filter.1.Name=tag%"
	"3Amanaged-by&Filter.1.Value.1=vpcesd&MaxResults=100";

static void
ec2_example(struct sigv4_request *req, struct sigv4_creds *cr, struct sigv4_header *ct)
{
	ct->name = "Content-Type";
	ct->value = "application/x-www-form-urlencoded; charset=utf-8";
	memset(req, 0, sizeof(*req));
	req->method = "POST";
	req->host = "ec2.us-east-1.amazonaws.com";
	req->path = "/";
	req->headers = ct;
	req->n_headers = 1;
	req->body = ec2_body;
	req->body_len = strlen(ec2_body);
	req->region = "us-east-1";
	req->service = "ec2";
	req->timestamp = 1768478400; /* 2026-01-15T12:00:00Z */
	memset(cr, 0, sizeof(*cr));
	cr->access_key_id = "AKIDEXAMPLE";
	cr->secret_access_key = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
	cr->session_token = "IQoJb3JpZ2luX2VjEXAMPLETOKEN";
}

/* ec2-api.md §2: payload hash, hash of the string to sign, signature. */
static void
test_ec2_example(void **state)
{
	struct sigv4_request req;
	struct sigv4_creds cr;
	struct sigv4_header ct;
	struct sigv4_output out;
	struct err e;
	unsigned char md[32];
	unsigned int mdlen = 0;
	char hex[65];

	(void)state;
	ec2_example(&req, &cr, &ct);
	sigv4_output_init(&out);
	out.want_debug = true;
	err_clear(&e);
	assert_int_equal(sigv4_sign(&req, &cr, &out, &e), 0);
	assert_string_equal(out.amz_date, "20260115T120000Z");
	assert_string_equal(out.payload_hash,
			    "82fc0972d78e973a2a3ea2e42c63549ef36585a7d428e1e436923ea93f898a73");
	/* The "string-to-sign hash" is its last line: SHA-256 of the canonical request. */
	assert_int_equal(EVP_Digest(out.canonical_request.data, out.canonical_request.len, md,
				    &mdlen, EVP_sha256(), NULL),
			 1);
	for (size_t i = 0; i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
	assert_string_equal(hex,
			    "ceb6ededd26f1e5f664a7cb207e736e520f28a5f777373b0cee85432c7c04625");
	assert_string_equal(
		buf_str(&out.string_to_sign),
		"AWS4-HMAC-SHA256\n20260115T120000Z\n20260115/us-east-1/ec2/aws4_request\n"
		"ceb6ededd26f1e5f664a7cb207e736e520f28a5f777373b0cee85432c7c04625");
	assert_string_equal(out.signature,
			    "c6ff60e818a2226bef8c28cc9a1b42047fbfeb290a658f5665fb81419c27ae53");
	assert_string_equal(buf_str(&out.authorization),
			    "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20260115/us-east-1/ec2/"
			    "aws4_request, SignedHeaders=content-type;host;x-amz-date;"
			    "x-amz-security-token, Signature="
			    "c6ff60e818a2226bef8c28cc9a1b42047fbfeb290a658f5665fb81419c27ae53");
	/* Without want_debug the texts stay empty. */
	sigv4_output_free(&out);
	sigv4_output_init(&out);
	assert_int_equal(sigv4_sign(&req, &cr, &out, &e), 0);
	assert_int_equal(out.canonical_request.len, 0);
	assert_int_equal(out.string_to_sign.len, 0);
	sigv4_output_free(&out);
}

/* Sign `req` with and without `kc`; both signatures must be the same. */
static void
sign_both(const struct sigv4_request *req, const struct sigv4_creds *cr, struct sigv4_key_cache *kc)
{
	struct sigv4_output plain, cached;
	struct err e;

	sigv4_output_init(&plain);
	sigv4_output_init(&cached);
	err_clear(&e);
	assert_int_equal(sigv4_sign(req, cr, &plain, &e), 0);
	assert_int_equal(sigv4_sign_cached(req, cr, kc, &cached, &e), 0);
	assert_string_equal(cached.signature, plain.signature);
	assert_string_equal(buf_str(&cached.authorization), buf_str(&plain.authorization));
	sigv4_output_free(&plain);
	sigv4_output_free(&cached);
}

/*
 * The signing-key cache: a key is reused only for the same secret, day,
 * region and service; past midnight UTC, after a rotation of the secret or
 * in another region the signature is still the uncached one.  Clearing
 * wipes the key.
 */
static void
test_key_cache(void **state)
{
	static const unsigned char zero[32];
	struct sigv4_request req;
	struct sigv4_creds cr;
	struct sigv4_header ct;
	struct sigv4_key_cache kc;

	(void)state;
	ec2_example(&req, &cr, &ct);
	sigv4_key_cache_init(&kc);
	sign_both(&req, &cr, &kc); /* miss: derived and kept */
	assert_int_equal(kc.hits, 0);
	assert_true(kc.valid);
	req.timestamp += 3600; /* same day: hit */
	sign_both(&req, &cr, &kc);
	assert_int_equal(kc.hits, 1);
	req.timestamp += 86400; /* the next day: a new key */
	sign_both(&req, &cr, &kc);
	assert_int_equal(kc.hits, 1);
	sign_both(&req, &cr, &kc);
	assert_int_equal(kc.hits, 2);
	cr.secret_access_key = "rotated/K7MDENG/bPxRfiCYEXAMPLEKEY"; /* rotation: a new key */
	sign_both(&req, &cr, &kc);
	assert_int_equal(kc.hits, 2);
	req.region = "eu-west-1";
	sign_both(&req, &cr, &kc);
	assert_int_equal(kc.hits, 2);
	req.service = "sts";
	sign_both(&req, &cr, &kc);
	assert_int_equal(kc.hits, 2);
	/* Fields are length-prefixed: "ab"+"c" is not "a"+"bc". */
	cr.secret_access_key = "ab";
	req.region = "cus-east-1";
	sign_both(&req, &cr, &kc);
	cr.secret_access_key = "abc";
	req.region = "us-east-1";
	sign_both(&req, &cr, &kc);
	assert_int_equal(kc.hits, 2);
	sigv4_key_cache_clear(&kc);
	assert_false(kc.valid);
	assert_memory_equal(kc.key, zero, sizeof(zero));
	sigv4_key_cache_clear(NULL);
}

/* A failed call leaves earlier results alone and says which input was bad. */
static void
test_failure_leaves_output(void **state)
{
	struct sigv4_request req;
	struct sigv4_creds cr;
	struct sigv4_header ct;
	struct sigv4_output out;
	struct sigv4_header bad[2];
	struct err e;
	char saved[512];

	(void)state;
	ec2_example(&req, &cr, &ct);
	sigv4_output_init(&out);
	err_clear(&e);
	assert_int_equal(sigv4_sign(&req, &cr, &out, &e), 0);
	snprintf(saved, sizeof(saved), "%s", buf_str(&out.authorization));

	/* The signer owns X-Amz-Date and friends. */
	bad[0] = ct;
	bad[1].name = "X-Amz-Date";
	bad[1].value = "20000101T000000Z";
	req.headers = bad;
	req.n_headers = 2;
	err_clear(&e);
	assert_int_equal(sigv4_sign(&req, &cr, &out, &e), -EINVAL);
	assert_non_null(strstr(e.msg, "x-amz-date"));
	assert_string_equal(buf_str(&out.authorization), saved);

	/* Header injection through a value. */
	bad[1].name = "X-Custom";
	bad[1].value = "a\r\nEvil: 1";
	err_clear(&e);
	assert_int_equal(sigv4_sign(&req, &cr, &out, &e), -EINVAL);
	bad[1].name = "Bad Name";
	bad[1].value = "x";
	err_clear(&e);
	assert_int_equal(sigv4_sign(&req, &cr, &out, &e), -EINVAL);
	req.headers = &ct;
	req.n_headers = 1;

	/* Malformed token: refused, and the message does not quote it. */
	cr.session_token = "SECRETTOKEN\nX";
	err_clear(&e);
	assert_int_equal(sigv4_sign(&req, &cr, &out, &e), -EINVAL);
	assert_null(strstr(e.msg, "SECRETTOKEN"));
	cr.session_token = NULL;

	cr.secret_access_key = "";
	err_clear(&e);
	assert_int_equal(sigv4_sign(&req, &cr, &out, &e), -EINVAL);
	cr.secret_access_key = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
	cr.access_key_id = "AKID/EVIL";
	err_clear(&e);
	assert_int_equal(sigv4_sign(&req, &cr, &out, &e), -EINVAL);
	cr.access_key_id = "AKIDEXAMPLE";
	req.region = "US-EAST-1";
	err_clear(&e);
	assert_int_equal(sigv4_sign(&req, &cr, &out, &e), -EINVAL);
	req.region = "us-east-1";
	req.query = "a=%zz";
	err_clear(&e);
	assert_int_equal(sigv4_sign(&req, &cr, &out, &e), -EINVAL);
	req.query = "a=%4";
	err_clear(&e);
	assert_int_equal(sigv4_sign(&req, &cr, &out, &e), -EINVAL);
	req.query = NULL;
	req.path = "relative";
	err_clear(&e);
	assert_int_equal(sigv4_sign(&req, &cr, &out, &e), -EINVAL);
	req.path = "/";
	req.host = NULL;
	err_clear(&e);
	assert_int_equal(sigv4_sign(&req, &cr, &out, &e), -EINVAL);
	req.host = "ec2.us-east-1.amazonaws.com";
	req.timestamp = (time_t)-1;
	err_clear(&e);
	assert_int_equal(sigv4_sign(&req, &cr, &out, &e), -EINVAL);
	assert_string_equal(buf_str(&out.authorization), saved);
	sigv4_output_free(&out);
}

/* Query canonicalisation: decode, re-encode, sort by key then value. */
static void
test_query_canonical(void **state)
{
	struct sigv4_request req;
	struct sigv4_creds cr;
	struct sigv4_header ct;
	struct sigv4_output out;
	struct err e;

	(void)state;
	ec2_example(&req, &cr, &ct);
	req.query = "b=2&a=%7e+x&a=1&&c&Filter.1.Name=tag%3aX";
	sigv4_output_init(&out);
	out.want_debug = true;
	err_clear(&e);
	assert_int_equal(sigv4_sign(&req, &cr, &out, &e), 0);
	assert_non_null(strstr(buf_str(&out.canonical_request),
			       "\nFilter.1.Name=tag%3AX&a=1&a=~%2Bx&b=2&c=\n"));
	sigv4_output_free(&out);
}

static void
test_amz_date(void **state)
{
	char d[SIGV4_AMZ_DATE_LEN + 1];

	(void)state;
	assert_int_equal(sigv4_amz_date(0, d), 0);
	assert_string_equal(d, "19700101T000000Z");
	assert_int_equal(sigv4_amz_date(1440938160, d), 0);
	assert_string_equal(d, "20150830T123600Z");
	assert_int_equal(sigv4_amz_date(-1, d), -EINVAL);
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int
main(void)
{
	const char *top = getenv("top_srcdir");
	char dirpath[1024];
	char **names = NULL, **paths = NULL;
	size_t n = 0, cap = 0, nt = 0;
	struct CMUnitTest *tests;
	struct dirent *de;
	DIR *d;
	int r;

	snprintf(dirpath, sizeof(dirpath), "%s/tests/data/sigv4", top ? top : ".");
	d = opendir(dirpath);
	if (d == NULL) {
		fprintf(stderr, "cannot open %s: %s\n", dirpath, strerror(errno));
		return 1;
	}
	while ((de = readdir(d)) != NULL) {
		char p[1200];
		FILE *f;

		if (de->d_name[0] == '.')
			continue;
		snprintf(p, sizeof(p), "%s/%s/context.json", dirpath, de->d_name);
		f = fopen(p, "r");
		if (f == NULL)
			continue;
		fclose(f);
		if (n == cap) {
			cap = cap ? 2 * cap : 64;
			names = realloc(names, cap * sizeof(*names));
			if (names == NULL)
				return 1;
		}
		names[n++] = strdup(de->d_name);
	}
	closedir(d);
	if (n == 0) {
		fprintf(stderr, "no SigV4 cases under %s\n", dirpath);
		return 1;
	}
	qsort(names, n, sizeof(*names), cmp_str);
	paths = calloc(n, sizeof(*paths));
	tests = calloc(n + 8, sizeof(*tests));
	if (paths == NULL || tests == NULL)
		return 1;
	for (size_t i = 0; i < n; i++) {
		bool skip = false;

		for (size_t k = 0; skipped_cases[k].name; k++)
			if (strcmp(skipped_cases[k].name, names[i]) == 0) {
				printf("# SKIP sigv4 case %s: %s\n", names[i],
				       skipped_cases[k].reason);
				skip = true;
			}
		if (skip)
			continue;
		size_t plen = strlen(dirpath) + strlen(names[i]) + 2;

		paths[i] = malloc(plen);
		if (paths[i] == NULL)
			return 1;
		snprintf(paths[i], plen, "%s/%s", dirpath, names[i]);
		tests[nt].name = names[i];
		tests[nt].test_func = test_vector_case;
		tests[nt].initial_state = paths[i];
		nt++;
	}
	printf("# %zu SigV4 vector cases (header mode; query-mode files unused: no presigning)\n",
	       nt);
	tests[nt++] = (struct CMUnitTest)cmocka_unit_test(test_ec2_example);
	tests[nt++] = (struct CMUnitTest)cmocka_unit_test(test_failure_leaves_output);
	tests[nt++] = (struct CMUnitTest)cmocka_unit_test(test_key_cache);
	tests[nt++] = (struct CMUnitTest)cmocka_unit_test(test_query_canonical);
	tests[nt++] = (struct CMUnitTest)cmocka_unit_test(test_amz_date);
	r = _cmocka_run_group_tests("sigv4", tests, nt, NULL, NULL);
	for (size_t i = 0; i < n; i++) {
		free(names[i]);
		free(paths[i]);
	}
	free(names);
	free(paths);
	free(tests);
	return r;
}
