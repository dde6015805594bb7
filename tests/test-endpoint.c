/* SPDX-License-Identifier: ISC */
/*
 * Tests of endpoint.h: the URLs the configuration check and the client
 * both accept, the ones both refuse, and what is kept of them.
 */
#include "config.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "endpoint.h"

static void
accepted(const char *url, bool https, const char *host, const char *authority, const char *norm)
{
	struct endpoint ep;
	struct err e;

	err_clear(&e);
	if (endpoint_parse(url, &ep, &e) != 0)
		fail_msg("'%s' refused: %s", url, e.msg);
	assert_int_equal(ep.https, https);
	assert_string_equal(ep.host, host);
	assert_string_equal(ep.authority, authority);
	assert_string_equal(ep.url, norm);
	endpoint_free(&ep);
}

static void
refused(const char *url, const char *why)
{
	struct endpoint ep = {.host = (char *)"sentinel"};
	struct err e;

	err_clear(&e);
	if (endpoint_parse(url, &ep, &e) != -EINVAL)
		fail_msg("'%s' was not refused", url);
	if (strstr(e.msg, why) == NULL)
		fail_msg("'%s': message '%s' lacks '%s'", url, e.msg, why);
	assert_string_equal(ep.host, "sentinel"); /* untouched */
}

static void
test_accepted(void **state)
{
	(void)state;
	accepted("https://ec2.us-east-1.amazonaws.com", true, "ec2.us-east-1.amazonaws.com",
		 "ec2.us-east-1.amazonaws.com", "https://ec2.us-east-1.amazonaws.com/");
	accepted("https://vpce-1.ec2.us-east-1.vpce.amazonaws.com/", true,
		 "vpce-1.ec2.us-east-1.vpce.amazonaws.com",
		 "vpce-1.ec2.us-east-1.vpce.amazonaws.com",
		 "https://vpce-1.ec2.us-east-1.vpce.amazonaws.com/");
	/* The default port is not part of the signed host; another one is. */
	accepted("https://h:443", true, "h", "h", "https://h/");
	accepted("https://h:8443", true, "h", "h:8443", "https://h:8443/");
	accepted("http://127.0.0.1:8080", false, "127.0.0.1", "127.0.0.1:8080",
		 "http://127.0.0.1:8080/");
	accepted("http://127.9.8.7", false, "127.9.8.7", "127.9.8.7", "http://127.9.8.7/");
	accepted("http://[::1]:8080/", false, "::1", "[::1]:8080", "http://[::1]:8080/");
	accepted("http://LOCALHOST:1", false, "LOCALHOST", "LOCALHOST:1", "http://LOCALHOST:1/");
}

static void
test_refused(void **state)
{
	(void)state;
	refused("https://h:8443/ec2", "must not have a path");
	refused("https://h/?x=1", "query");
	refused("https://h/#f", "query or fragment");
	refused("https://u:p@h", "user name");
	refused("http://ec2.example.com", "loopback");
	refused("http://127.evil.com:1", "loopback");
	refused("http://127.0.0.1.example.com", "loopback");
	refused("http://128.0.0.1", "loopback");
	refused("ftp://h", "only https://");
	refused("https://", "not a valid URL");
	refused("ec2.us-east-1.amazonaws.com", "not a valid URL");
	refused("https://h:99999", "not a valid URL");
	refused("https://h:0", "port 0");
}

static void
test_loopback(void **state)
{
	(void)state;
	assert_true(endpoint_host_is_loopback("127.0.0.1"));
	assert_true(endpoint_host_is_loopback("127.255.255.254"));
	assert_true(endpoint_host_is_loopback("::1"));
	assert_true(endpoint_host_is_loopback("[::1]"));
	assert_true(endpoint_host_is_loopback("localhost"));
	assert_false(endpoint_host_is_loopback("127.0.0.1.example.com"));
	assert_false(endpoint_host_is_loopback("127.evil.com"));
	assert_false(endpoint_host_is_loopback("127"));
	assert_false(endpoint_host_is_loopback("126.0.0.1"));
	assert_false(endpoint_host_is_loopback("::2"));
	assert_false(endpoint_host_is_loopback("localhost.example.com"));
	assert_false(endpoint_host_is_loopback(NULL));
	endpoint_free(NULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_accepted),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_loopback),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
