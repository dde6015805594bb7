/* SPDX-License-Identifier: ISC */
/*
 * Unit tests for scrub.h: known secrets and their fragments, each shape
 * (secret key, session token, signature, the keys that name a secret),
 * ordinary text left alone (ids, ARNs, request ids, EC2's and curl's
 * messages), idempotence, buffers, and time on long hostile inputs.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "scrub.h"

#define SECRET "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY" /* 40: also shaped */
/* Known but not shaped (41 and 67 characters, like tests/secrets.sh's canaries). */
#define ODD_SECRET "CanarySecret0123456789abcdefghijklmnopqrs"
#define ODD_TOKEN  "CanaryToken0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ/+abcdefghijklmnop=="
#define TOKEN_100                                                                               \
	"IQoJb3JpZ2luX2VjEHsaCXVzLWVhc3QtMSJHMEUCIQD3ExAmPlEToKeNbAsE64StUfF+ThAtIsLoNgEnOuGh/" \
	"ToBeAsEsSiOnToKeN0123456789abcdefXYZ=="
#define SIG "c6ff60e818a2226bef8c28cc9a1b42047fbfeb290a658f5665fb81419c27ae53"

static char *
scrubbed(const char *in, const struct scrub_keys *k)
{
	size_t size = strlen(in) + 64;
	char *out = malloc(size);

	assert_non_null(out);
	scrub(out, size, in, strlen(in), k);
	return out;
}

static void
expect(const char *in, const struct scrub_keys *k, const char *want)
{
	char *out = scrubbed(in, k);

	if (strcmp(out, want) != 0)
		fail_msg("scrub(\"%s\")\n   = \"%s\"\nwant \"%s\"", in, out, want);
	free(out);
}

static void
keys_odd(struct scrub_keys *k)
{
	scrub_keys_init(k);
	assert_true(scrub_keys_add_str(k, ODD_SECRET));
	assert_true(scrub_keys_add_str(k, ODD_TOKEN));
}

static void
test_keys(void **state)
{
	struct scrub_keys k;

	(void)state;
	scrub_keys_init(&k);
	assert_false(scrub_keys_add_str(&k, NULL));
	assert_false(scrub_keys_add_str(&k, ""));
	assert_false(scrub_keys_add_str(&k, "short1234")); /* 9 < SCRUB_SECRET_MIN */
	assert_false(scrub_keys_add_str(&k, "[redacted]"));
	assert_false(scrub_keys_add(&k, "x", 0));
	assert_int_equal(k.n, 0);
	for (int i = 0; i < SCRUB_MAX_KEYS; i++)
		assert_true(scrub_keys_add_str(&k, ODD_SECRET));
	assert_false(scrub_keys_add_str(&k, ODD_TOKEN));
	assert_int_equal(k.n, SCRUB_MAX_KEYS);
}

static void
test_known_secrets(void **state)
{
	struct scrub_keys k;

	(void)state;
	keys_odd(&k);
	expect("AuthFailure: key " ODD_SECRET " token " ODD_TOKEN " (AKIACANARY0000000001)", &k,
	       "AuthFailure: key [redacted] token [redacted] (AKIACANARY0000000001)");
	/* Anywhere: glued to other text, twice, inside other characters. */
	expect("x" ODD_SECRET "y|" ODD_SECRET "-" ODD_TOKEN "!", &k,
	       "x[redacted]y|[redacted]-[redacted]!");
	/* A secret with characters outside base64 (an ECS authorization token). */
	scrub_keys_init(&k);
	assert_true(scrub_keys_add_str(&k, "ecs-test-token"));
	expect("echo: ecs-test-token.", &k, "echo: [redacted].");
	/* A longer secret containing a shorter one is replaced whole. */
	scrub_keys_init(&k);
	assert_true(scrub_keys_add_str(&k, "abcdefghij"));
	assert_true(scrub_keys_add_str(&k, "0000abcdefghij1111"));
	expect("a 0000abcdefghij1111 b abcdefghij c", &k, "a [redacted] b [redacted] c");
	/* Without keys the odd-length canaries are not shapes: they pass. */
	expect("key " ODD_SECRET, NULL, "key " ODD_SECRET);
}

static void
test_fragments(void **state)
{
	struct scrub_keys k;

	(void)state;
	keys_odd(&k);
	/* What a truncation left of a token: its beginning, at the end of a message... */
	expect("helper said: token CanaryToken0123456789ABC", &k, "helper said: token [redacted]");
	/* ...or inside a longer one, and a tail at its start. */
	expect("a: b CanarySecret0123 (HTTP 400)", &k, "a: b [redacted] (HTTP 400)");
	expect("mnopqrs... ghijklmnop== said", &k, "mnopqrs... [redacted] said");
	/* Too short to be telling: left. */
	expect("CanaryTok", &k, "CanaryTok");
	/* A word that happens to be inside a secret but is not its beginning or end. */
	expect("Secret0123456789abc", &k, "Secret0123456789abc");
}

static void
test_shapes(void **state)
{
	(void)state;
	/* An AWS secret access key: exactly 40 base64 characters of mixed kinds. */
	expect("aws said " SECRET ".", NULL, "aws said [redacted].");
	expect("k=AbCdEfGhIjKlMnOpQrStUvWxYz0123456789abcd", NULL, "k=[redacted]");
	/* 39 and 41 are not a secret key's length. */
	expect("AbCdEfGhIjKlMnOpQrStUvWxYz0123456789abc", NULL,
	       "AbCdEfGhIjKlMnOpQrStUvWxYz0123456789abc");
	expect("AbCdEfGhIjKlMnOpQrStUvWxYz0123456789abcde", NULL,
	       "AbCdEfGhIjKlMnOpQrStUvWxYz0123456789abcde");
	/* 40 letters of one case, or without a digit: words, not keys. */
	expect("DescribeVpcEndpointServiceConfigurations", NULL,
	       "DescribeVpcEndpointServiceConfigurations");
	expect("/var/lib/vpcesd/somewhere/deep/in/thetre", NULL,
	       "/var/lib/vpcesd/somewhere/deep/in/thetre");
	/* A session token: a long base64 run, padding included. */
	expect("token " TOKEN_100 " end", NULL, "token [redacted] end");
	/* A SigV4 signature or signing key: 64 lower-case hex digits. */
	expect("sig " SIG ")", NULL, "sig [redacted])");
	expect("SHA " SIG "0", NULL, "SHA " SIG "0");
}

/* Text about credentials: shorter mixed runs too; access key ids and words stay. */
static void
test_strict(void **state)
{
	struct scrub_keys k;

	(void)state;
	scrub_keys_init(&k);
	k.strict = true;
	expect("helper: got CanarySecret0123456789abcdefghijklmnopqrs and "
	       "CanaryToken0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ/+abcdefghijklmnop==",
	       &k, "helper: got [redacted] and [redacted]");
	expect("helper: key AKIACANARY0000000001 of role/vpcesd, "
	       "DescribeVpcEndpointServiceConfigurations "
	       "refused, retry in 30s (Xy1 Abc12 LongWordWithoutDigits)",
	       &k,
	       "helper: key AKIACANARY0000000001 of role/vpcesd, "
	       "DescribeVpcEndpointServiceConfigurations "
	       "refused, retry in 30s (Xy1 Abc12 LongWordWithoutDigits)");
	/* Not strict: the same odd-length secret passes by shape. */
	expect("helper: got CanarySecret0123456789abcdefghijklmnopqrs", NULL,
	       "helper: got CanarySecret0123456789abcdefghijklmnopqrs");
}

static void
test_key_values(void **state)
{
	(void)state;
	expect("<p>Authorization: AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20260115/us-east-1/ec2/"
	       "aws4_request, SignedHeaders=content-type;host;x-amz-date, Signature=" SIG "</p>",
	       NULL, "<p>Authorization: [redacted]</p>");
	expect("Authorization: Bearer abc\nHost: ec2", NULL,
	       "Authorization: [redacted]\nHost: ec2");
	expect("GET /?X-Amz-Signature=deadbeef&X-Amz-Date=20260115T120000Z", NULL,
	       "GET /?X-Amz-Signature=[redacted]&X-Amz-Date=20260115T120000Z");
	expect("X-Amz-Security-Token: FwoGZXIvYXdzE (HTTP 400)", NULL,
	       "X-Amz-Security-Token: [redacted] (HTTP 400)");
	expect("x-aws-ec2-metadata-token: AQAEAFoo==", NULL,
	       "x-aws-ec2-metadata-token: [redacted]");
	expect("[default]\naws_access_key_id = AKIDEXAMPLE\naws_secret_access_key = abc/def+ghi\n"
	       "aws_session_token=xyz\n",
	       NULL,
	       "[default]\naws_access_key_id = AKIDEXAMPLE\naws_secret_access_key = [redacted]\n"
	       "aws_session_token=[redacted]\n");
	expect("{\"AccessKeyId\": \"ASIAX\", \"SecretAccessKey\": \"s3cr3t\", \"Token\": \"t0k\", "
	       "\"Expiration\": \"2026-01-15T13:00:00Z\"}",
	       NULL,
	       "{\"AccessKeyId\": \"ASIAX\", \"SecretAccessKey\": \"[redacted]\", \"Token\": "
	       "\"[redacted]\", \"Expiration\": \"2026-01-15T13:00:00Z\"}");
	expect("<Credentials><SecretAccessKey>s3cr3t</SecretAccessKey><SessionToken>t0k</"
	       "SessionToken>"
	       "</Credentials>",
	       NULL,
	       "<Credentials><SecretAccessKey>[redacted]</SecretAccessKey><SessionToken>[redacted]"
	       "</SessionToken></Credentials>");
	expect("password='hunter2!' user=x", NULL, "password='[redacted]' user=x");
	/* An element named in prose is not an element holding a secret. */
	expect("XML: <SecretAccessKey> must hold text only", NULL,
	       "XML: <SecretAccessKey> must hold text only");
	expect("<Token></Token>", NULL, "<Token></Token>");
	/* Prose around the same words is not a key. */
	expect("Signature expired: 20260115T120000Z is now earlier than 20260115T123000Z minus 15 "
	       "min.",
	       NULL,
	       "Signature expired: 20260115T120000Z is now earlier than 20260115T123000Z minus 15 "
	       "min.");
	expect("The security token included in the request is invalid.", NULL,
	       "The security token included in the request is invalid.");
	expect("NextToken=eyJ2IjoxfQ mySignature=x", NULL, "NextToken=eyJ2IjoxfQ mySignature=x");
	expect("Signature=", NULL, "Signature=");
}

/* Ordinary EC2, STS, curl and vpcesd text must come out as it went in. */
static void
test_no_false_positives(void **state)
{
	static const char *const texts[] = {
		"vpce-svc-0123456789abcdef0",
		"com.amazonaws.vpce.us-east-1.vpce-svc-0123456789abcdef0",
		"arn:aws:elasticloadbalancing:us-east-1:111122223333:loadbalancer/net/nlb-a/"
		"0123456789abcdef",
		"arn:aws:elasticloadbalancing:eu-west-1:111122223333:loadbalancer/net/"
		"my-load-balancer-with-a-name/50dc6c495c0c9188",
		"arn:aws:iam::111122223333:role/vpcesd",
		"arn:aws:sts::111122223333:assumed-role/vpcesd/vpcesd-1767268800-0a1b2c3d",
		"arn:aws:sns:us-east-1:111122223333:vpce-notifications",
		"request 0f5e1c2d-3333-4a4b-9c8d-4f3e2a1b0c9d",
		"DescribeVpcEndpointServiceConfigurations: InvalidVpcEndpointServiceId.NotFound: "
		"The "
		"VpcEndpointService Id 'vpce-svc-0123456789abcdef0' does not exist (HTTP 400, "
		"request "
		"0f5e1c2d-3333-4a4b-9c8d-EXAMPLE, not retryable, after 1 attempt)",
		"The request signature we calculated does not match the signature you provided. "
		"Check "
		"your AWS Secret Access Key and signing method.",
		"Credential should be scoped to a valid date, not '20260115'",
		"Failed to connect to 127.0.0.1 port 1 after 0 ms: Couldn't connect to server",
		"SSL certificate problem: unable to get local issuer certificate",
		"XML: expected root <DescribeVpcEndpointServiceConfigurationsResponse>, got <html>",
		"credential_process /usr/local/bin/get-creds --profile prod: exited with status 1",
		"2026-01-15T12:00:00Z 20260115T120000Z Thu, 01 Jan 2026 00:05:01 GMT",
		"nextToken eyJ2IjoxLCJjIjoiRVhBTVBMRSJ9 and ClientToken vpcesd-7b2f0c1e",
		/* EC2 means this blob to be decoded with sts decode-authorization-message. */
		"You are not authorized to perform this operation. Encoded authorization failure "
		"message: "
		"AbCdEfGhIjKlMnOpQrStUvWxYz0123456789AbCdEfGhIjKlMnOpQrStUvWxYz0123456789AbCdEfGhIj"
		"KlMnOpQrStUvWxYz0123456789AbCdEf",
		"[redacted] [redacted",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++)
		expect(texts[i], NULL, texts[i]);
}

static void
test_idempotent(void **state)
{
	static const char *const texts[] = {
		"key " ODD_SECRET " token " ODD_TOKEN,
		"Authorization: AWS4-HMAC-SHA256 Credential=x, Signature=" SIG,
		"a " SECRET " b " TOKEN_100 " c " SIG,
		"aws_secret_access_key = [redacted] and Signature=[redacted]&x",
		"helper said: token CanaryToken0123456789ABC",
		"<SecretAccessKey>x</SecretAccessKey> \"Token\": \"y\"",
		"[redacted][redacted]redacted [ redacted ]",
	};
	struct scrub_keys k;

	(void)state;
	keys_odd(&k);
	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		char *once = scrubbed(texts[i], &k);
		char *twice = scrubbed(once, &k);

		assert_string_equal(once, twice);
		assert_null(strstr(once, "CanarySecret"));
		assert_null(strstr(once, "CanaryToken"));
		free(once);
		free(twice);
	}
}

static void
test_buffers(void **state)
{
	struct scrub_keys k;
	char small[16], buf[128];

	(void)state;
	keys_odd(&k);
	/* Cut to the caller's buffer, NUL-terminated, never a piece of a secret. */
	assert_int_equal(scrub(small, sizeof(small), ODD_SECRET " tail", 99, &k), 15);
	assert_string_equal(small, "[redacted] tail");
	assert_int_equal(scrub(small, 4, ODD_SECRET, sizeof(ODD_SECRET) - 1, &k), 3);
	assert_string_equal(small, "[re");
	assert_int_equal(scrub(small, 1, "abc", 3, NULL), 0);
	assert_string_equal(small, "");
	assert_int_equal(scrub(small, 0, "abc", 3, NULL), 0);
	/* `len` bounds the input; a NUL ends it earlier. */
	assert_int_equal(scrub(small, sizeof(small), "abcdef", 3, NULL), 3);
	assert_string_equal(small, "abc");
	assert_int_equal(scrub(small, sizeof(small), "ab\0cd", 5, NULL), 2);
	/* In place. */
	snprintf(buf, sizeof(buf), "x %s y", ODD_TOKEN);
	scrub_string(buf, sizeof(buf), &k);
	assert_string_equal(buf, "x [redacted] y");
	snprintf(buf, sizeof(buf), "Signature=ab");
	scrub_string(buf, 14, NULL); /* a short value grows the text: cut to the buffer */
	assert_string_equal(buf, "Signature=[re");
	scrub_string(NULL, 10, &k);
}

static double
seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Hostile inputs of the largest size read take time linear in their length. */
static void
test_bounded_time(void **state)
{
	static const char *const units[] = {
		"a",
		"ab/",
		"Authorization:",
		"token=",
		"[redacted",
		"<token>",
		"\"secret\": \"",
		"AbCdEfGh01/",
		"aaaaaaaaaaaa ",
		"token=x ",
	};
	size_t n = SCRUB_TEXT_MAX * 4; /* more than is read */
	char *in = malloc(n + 1), *out = malloc(n + 1);
	char *key[SCRUB_MAX_KEYS];
	struct scrub_keys k;
	double worst = 0;

	(void)state;
	assert_non_null(in);
	assert_non_null(out);
	scrub_keys_init(&k);
	/* Long known secrets that almost match everywhere. */
	for (int i = 0; i < SCRUB_MAX_KEYS; i++) {
		key[i] = malloc(8193);
		assert_non_null(key[i]);
		memset(key[i], 'a', 8192);
		key[i][8191] = (char)('b' + i);
		key[i][8192] = '\0';
		assert_true(scrub_keys_add_str(&k, key[i]));
	}
	for (size_t u = 0; u < sizeof(units) / sizeof(units[0]); u++) {
		size_t ul = strlen(units[u]);
		double t0;

		for (size_t i = 0; i < n; i++)
			in[i] = units[u][i % ul];
		in[n] = '\0';
		t0 = seconds();
		/* Short values replaced make it longer, never by more than 3 times. */
		assert_true(scrub(out, n + 1, in, n, &k) <= 3 * SCRUB_TEXT_MAX);
		t0 = seconds() - t0;
		if (t0 > worst)
			worst = t0;
	}
	print_message("  slowest 64 KiB input: %.3f s\n", worst);
	assert_true(worst < 2.0);
	for (int i = 0; i < SCRUB_MAX_KEYS; i++)
		free(key[i]);
	free(in);
	free(out);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_keys),
		cmocka_unit_test(test_known_secrets),
		cmocka_unit_test(test_fragments),
		cmocka_unit_test(test_shapes),
		cmocka_unit_test(test_strict),
		cmocka_unit_test(test_key_values),
		cmocka_unit_test(test_no_false_positives),
		cmocka_unit_test(test_idempotent),
		cmocka_unit_test(test_buffers),
		cmocka_unit_test(test_bounded_time),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
