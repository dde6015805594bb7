/* SPDX-License-Identifier: ISC */
/*
 * sigv4-check: sign the cases written by tests/sigv4-botocore.py with
 * vpcesd's signer and demand byte-equal `X-Amz-Date` and `Authorization`
 * headers.  Prints the count and every mismatch; exits 1 on any mismatch or
 * when fewer than the required number of cases were checked.
 *
 * Usage: sigv4-check CASES.json [MIN_CASES]
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "buf.h"
#include "sigv4.h"

#define MAX_JSON (64u << 20)

static char *
slurp(const char *path)
{
	struct buf b;
	char chunk[65536];
	size_t n;
	FILE *f = fopen(path, "rb");

	if (f == NULL)
		return NULL;
	buf_init(&b, MAX_JSON);
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		if (buf_append(&b, chunk, n) < 0) {
			fclose(f);
			buf_free(&b);
			return NULL;
		}
	fclose(f);
	return buf_steal(&b);
}

static const char *
jstr(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

static int
unhex(const char *s, unsigned char **ret, size_t *len)
{
	size_t n = s ? strlen(s) : 0;
	unsigned char *p;

	if (n % 2 != 0)
		return -EINVAL;
	p = malloc(n / 2 + 1);
	if (p == NULL)
		return -ENOMEM;
	for (size_t i = 0; i < n / 2; i++) {
		unsigned v;

		if (sscanf(s + 2 * i, "%2x", &v) != 1) {
			free(p);
			return -EINVAL;
		}
		p[i] = (unsigned char)v;
	}
	*ret = p;
	*len = n / 2;
	return 0;
}

/* Returns 0 when vpcesd's headers equal botocore's, 1 on mismatch, -1 on bad input. */
static int
check_case(const cJSON *c)
{
	struct sigv4_header hdrs[SIGV4_MAX_HEADERS];
	const cJSON *jh = cJSON_GetObjectItemCaseSensitive(c, "headers"), *h;
	const cJSON *ts = cJSON_GetObjectItemCaseSensitive(c, "timestamp");
	const cJSON *num = cJSON_GetObjectItemCaseSensitive(c, "n");
	struct sigv4_request req;
	struct sigv4_creds cr;
	struct sigv4_output out;
	unsigned char *body = NULL;
	size_t n = 0, body_len = 0;
	struct err e;
	int r = 0;

	if (!cJSON_IsArray(jh) || !cJSON_IsNumber(ts) ||
	    unhex(jstr(c, "body_hex"), &body, &body_len) < 0)
		return -1;
	cJSON_ArrayForEach(h, jh)
	{
		if (n == SIGV4_MAX_HEADERS || cJSON_GetArraySize(h) != 2)
			return -1;
		hdrs[n].name = cJSON_GetArrayItem(h, 0)->valuestring;
		hdrs[n].value = cJSON_GetArrayItem(h, 1)->valuestring;
		n++;
	}
	memset(&req, 0, sizeof(req));
	req.method = jstr(c, "method");
	req.host = jstr(c, "host");
	req.path = jstr(c, "path");
	req.headers = hdrs;
	req.n_headers = n;
	req.body = body;
	req.body_len = body_len;
	req.region = jstr(c, "region");
	req.service = jstr(c, "service");
	req.timestamp = (time_t)ts->valuedouble;
	req.normalize_path = true;
	memset(&cr, 0, sizeof(cr));
	cr.access_key_id = jstr(c, "access_key_id");
	cr.secret_access_key = jstr(c, "secret_access_key");
	cr.session_token = jstr(c, "session_token");

	sigv4_output_init(&out);
	err_clear(&e);
	if (sigv4_sign(&req, &cr, &out, &e) < 0) {
		printf("case %d (%s): vpcesd refused to sign: %s\n", num ? num->valueint : -1,
		       jstr(c, "action"), e.msg);
		r = 1;
	} else if (strcmp(out.amz_date, jstr(c, "amz_date")) != 0 ||
		   strcmp(buf_str(&out.authorization), jstr(c, "authorization")) != 0) {
		printf("case %d (%s, %s): MISMATCH\n  botocore: %s %s\n  vpcesd:   %s %s\n",
		       num ? num->valueint : -1, jstr(c, "action"), jstr(c, "region"),
		       jstr(c, "amz_date"), jstr(c, "authorization"), out.amz_date,
		       buf_str(&out.authorization));
		r = 1;
	}
	sigv4_output_free(&out);
	free(body);
	return r;
}

int
main(int argc, char **argv)
{
	char *text;
	cJSON *doc;
	const cJSON *cases, *c;
	long min = 200;
	int total = 0, bad = 0, ok = 0;

	if (argc < 2) {
		fprintf(stderr, "usage: %s CASES.json [MIN_CASES]\n", argv[0]);
		return 2;
	}
	if (argc > 2)
		min = strtol(argv[2], NULL, 10);
	text = slurp(argv[1]);
	if (text == NULL) {
		fprintf(stderr, "%s: cannot read %s\n", argv[0], argv[1]);
		return 2;
	}
	doc = cJSON_Parse(text);
	free(text);
	cases = doc ? cJSON_GetObjectItemCaseSensitive(doc, "cases") : NULL;
	if (!cJSON_IsArray(cases)) {
		fprintf(stderr, "%s: %s: no \"cases\" array\n", argv[0], argv[1]);
		cJSON_Delete(doc);
		return 2;
	}
	cJSON_ArrayForEach(c, cases)
	{
		int r = check_case(c);

		total++;
		if (r < 0) {
			printf("case %d: malformed case\n", total - 1);
			bad++;
		} else if (r > 0) {
			bad++;
		} else {
			ok++;
		}
	}
	printf("sigv4-check: %d/%d Authorization headers byte-equal to botocore %s\n", ok, total,
	       jstr(doc, "botocore") ? jstr(doc, "botocore") : "?");
	cJSON_Delete(doc);
	if (total < min) {
		printf("sigv4-check: only %d cases, %ld required\n", total, min);
		return 1;
	}
	return bad == 0 ? 0 : 1;
}
