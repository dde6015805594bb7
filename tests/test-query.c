/* SPDX-License-Identifier: ISC */
/*
 * Unit tests for query.h: wire names of ec2-api.md §1, RFC 3986 encoding,
 * empty values, rollback on failure, the ceiling, and the Create example of
 * ec2-api.md §6.
 */
#include "config.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "buf.h"
#include "query.h"

static void
encode_ok(const struct query *q, const char *want)
{
	struct buf b;
	struct err e;

	buf_init(&b, 1 << 20);
	err_clear(&e);
	assert_int_equal(query_encode(q, &b, &e), 0);
	assert_string_equal(buf_str(&b), want);
	buf_free(&b);
}

static void
test_create_example(void **state)
{
	struct query q = QUERY_INIT;
	struct err e;
	const char *arns[] = {"arn:aws:elasticloadbalancing:us-east-1:111122223333:loadbalancer/"
			      "net/nlb-a/0123456789abcdef"};
	const char *ip[] = {"ipv4"};
	const struct query_tag tags[] = {{"managed-by", "vpcesd"}};

	(void)state;
	err_clear(&e);
	assert_int_equal(query_add(&q, "Action", "CreateVpcEndpointServiceConfiguration", &e), 0);
	assert_int_equal(query_add(&q, "Version", "2016-11-15", &e), 0);
	assert_int_equal(query_add_bool(&q, "AcceptanceRequired", true, &e), 0);
	assert_int_equal(query_add(&q, "PrivateDnsName", "api.example.com", &e), 0);
	assert_int_equal(query_add_list(&q, "NetworkLoadBalancerArn", arns, 1, &e), 0);
	assert_int_equal(query_add_list(&q, "SupportedIpAddressType", ip, 1, &e), 0);
	assert_int_equal(query_add(&q, "ClientToken", "vpcesd-7b2f0c1e", &e), 0);
	assert_int_equal(query_add_tag_spec(&q, 1, "vpc-endpoint-service", tags, 1, &e), 0);
	encode_ok(&q,
		  "Action=CreateVpcEndpointServiceConfiguration&Version=2016-11-15&"
		  "AcceptanceRequired=true&PrivateDnsName=api.example.com&"
		  "NetworkLoadBalancerArn.1=arn%3Aaws%3Aelasticloadbalancing%3Aus-east-1%"
		  "3A111122223333%3Aloadbalancer%2Fnet%2Fnlb-a%2F0123456789abcdef&"
		  "SupportedIpAddressType.1=ipv4&ClientToken=vpcesd-7b2f0c1e&"
		  "TagSpecification.1.ResourceType=vpc-endpoint-service&"
		  "TagSpecification.1.Tag.1.Key=managed-by&TagSpecification.1.Tag.1.Value=vpcesd");
	query_free(&q);
}

static void
test_describe_example(void **state)
{
	struct query q = QUERY_INIT;
	struct err e;
	const char *v[] = {"vpcesd"};

	(void)state;
	err_clear(&e);
	assert_int_equal(query_add(&q, "Action", "DescribeVpcEndpointServiceConfigurations", &e),
			 0);
	assert_int_equal(query_add(&q, "Version", "2016-11-15", &e), 0);
	assert_int_equal(query_add_filter(&q, 1, "tag:managed-by", v, 1, &e), 0);
	assert_int_equal(query_add_int(&q, "MaxResults", 100, &e), 0);
	/* The exact body of the ec2-api.md §2 signing example. */
	encode_ok(&q, "Action=DescribeVpcEndpointServiceConfigurations&Version=2016-11-15&"
		      "Filter.1.Name=tag%3Amanaged-by&Filter.1.Value.1=vpcesd&MaxResults=100");
	query_free(&q);
}

static void
test_indexed_names(void **state)
{
	struct query q = QUERY_INIT;
	struct err e;
	const char *vals[] = {"a", "b"};
	const struct query_tag tags[] = {{"k1", "v1"}, {"k2", ""}, {"k3", NULL}};
	const char *arns[] = {"arn:x"};

	(void)state;
	err_clear(&e);
	assert_int_equal(query_add_filter(&q, 2, "service-id", vals, 2, &e), 0);
	assert_int_equal(query_add_tags(&q, "Tag", tags, 3, &e), 0);
	assert_int_equal(query_add_tag_spec(&q, 1, "vpc-endpoint-service", tags, 2, &e), 0);
	assert_int_equal(query_add_member_tags(&q, "Tags", tags, 2, &e), 0);
	assert_int_equal(query_add_member_list(&q, "PolicyArns", arns, 1, &e), 0);
	assert_int_equal(query_add_member_list(&q, "TransitiveTagKeys", NULL, 0, &e), 0);
	assert_int_equal(query_add_member_tags(&q, "EmptyTags", NULL, 0, &e), 0);
	assert_int_equal(query_add_list(&q, "ServiceId", NULL, 0, &e), 0); /* EC2: nothing */
	encode_ok(&q, "Filter.2.Name=service-id&Filter.2.Value.1=a&Filter.2.Value.2=b&"
		      "Tag.1.Key=k1&Tag.1.Value=v1&Tag.2.Key=k2&Tag.2.Value=&Tag.3.Key=k3&"
		      "TagSpecification.1.ResourceType=vpc-endpoint-service&"
		      "TagSpecification.1.Tag.1.Key=k1&TagSpecification.1.Tag.1.Value=v1&"
		      "TagSpecification.1.Tag.2.Key=k2&TagSpecification.1.Tag.2.Value=&"
		      "Tags.member.1.Key=k1&Tags.member.1.Value=v1&Tags.member.2.Key=k2&"
		      "Tags.member.2.Value=&PolicyArns.member.1=arn%3Ax&TransitiveTagKeys=&"
		      "EmptyTags=");
	assert_string_equal(query_get(&q, "Tag.2.Value"), "");
	assert_null(query_get(&q, "Tag.3.Value"));
	query_free(&q);
}

static void
test_percent_encoding(void **state)
{
	struct query q = QUERY_INIT;
	struct err e;
	struct strv sv = STRV_INIT;

	(void)state;
	err_clear(&e);
	assert_int_equal(query_add(&q, "Unreserved", "AZaz09-._~", &e), 0);
	assert_int_equal(query_add(&q, "Reserved", " !*'();:@&=+$,/?#[]%", &e), 0);
	assert_int_equal(query_add(&q, "Utf8", "\xc3\xa9\xe2\x82\xac", &e), 0);
	assert_int_equal(query_add(&q, "Ctl", "\x01\x7f\xff", &e), 0);
	assert_int_equal(query_add(&q, "Empty", "", &e), 0);
	assert_int_equal(query_add(&q, "Na me", "x", &e), 0);
	assert_int_equal(strv_push(&sv, "p"), 0);
	assert_int_equal(strv_push(&sv, "*"), 0);
	assert_int_equal(query_add_strv(&q, "AddAllowedPrincipals", &sv, &e), 0);
	encode_ok(&q, "Unreserved=AZaz09-._~&"
		      "Reserved=%20%21%2A%27%28%29%3B%3A%40%26%3D%2B%24%2C%2F%3F%23%5B%5D%25&"
		      "Utf8=%C3%A9%E2%82%AC&Ctl=%01%7F%FF&Empty=&Na%20me=x&"
		      "AddAllowedPrincipals.1=p&AddAllowedPrincipals.2=%2A");
	strv_free(&sv);
	query_free(&q);
}

static void
test_invalid_and_rollback(void **state)
{
	struct query q = QUERY_INIT;
	struct err e;
	const char *vals[] = {"a", NULL};
	const struct query_tag tags[] = {{"k1", "v1"}, {NULL, "v"}};

	(void)state;
	err_clear(&e);
	assert_int_equal(query_add(&q, "", "x", &e), -EINVAL);
	err_clear(&e);
	assert_int_equal(query_add(&q, NULL, "x", &e), -EINVAL);
	err_clear(&e);
	assert_int_equal(query_add(&q, "Key", NULL, &e), -EINVAL);
	assert_int_equal(query_add(&q, "Action", "X", &e), 0);
	/* Half a filter is never left behind. */
	err_clear(&e);
	assert_int_equal(query_add_filter(&q, 1, "f", vals, 2, &e), -EINVAL);
	assert_int_equal(q.n, 1);
	err_clear(&e);
	assert_int_equal(query_add_tags(&q, "Tag", tags, 2, &e), -EINVAL);
	assert_int_equal(q.n, 1);
	err_clear(&e);
	assert_int_equal(query_add_tag_spec(&q, 1, "vpc-endpoint-service", tags, 2, &e), -EINVAL);
	assert_int_equal(q.n, 1);
	err_clear(&e);
	assert_int_equal(query_add_list(&q, "Id", vals, 2, &e), -EINVAL);
	assert_int_equal(q.n, 1);
	err_clear(&e);
	assert_int_equal(query_add_member_list(&q, "L", vals, 2, &e), -EINVAL);
	assert_int_equal(q.n, 1);
	encode_ok(&q, "Action=X");
	query_free(&q);
	query_free(&q); /* idempotent */
	query_free(NULL);
}

static void
test_ceilings(void **state)
{
	struct query q = QUERY_INIT;
	struct buf b;
	struct err e;
	char *big;

	(void)state;
	err_clear(&e);
	assert_int_equal(query_add(&q, "Action", "DescribeTags", &e), 0);
	assert_int_equal(query_add(&q, "Key", "a b", &e), 0);
	buf_init(&b, 20);
	assert_int_equal(query_encode(&q, &b, &e), -E2BIG);
	assert_int_equal(b.len, 0);
	assert_non_null(strstr(e.msg, "20 bytes"));
	buf_free(&b);

	big = malloc(QUERY_MAX_FIELD + 2);
	assert_non_null(big);
	memset(big, 'x', QUERY_MAX_FIELD + 1);
	big[QUERY_MAX_FIELD + 1] = '\0';
	err_clear(&e);
	assert_int_equal(query_add(&q, "Big", big, &e), -E2BIG);
	free(big);
	err_clear(&e);
	assert_int_equal(query_addf(&q, &e, "v", "%0300d", 1), -E2BIG);
	for (size_t i = q.n; i < QUERY_MAX_PARAMS; i++)
		assert_int_equal(query_add(&q, "N", "", &e), 0);
	err_clear(&e);
	assert_int_equal(query_add(&q, "N", "", &e), -E2BIG);
	assert_int_equal(q.n, QUERY_MAX_PARAMS);
	query_free(&q);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_create_example),
		cmocka_unit_test(test_describe_example),
		cmocka_unit_test(test_indexed_names),
		cmocka_unit_test(test_percent_encoding),
		cmocka_unit_test(test_invalid_and_rollback),
		cmocka_unit_test(test_ceilings),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
