/* SPDX-License-Identifier: ISC */
/*
 * endpoint: endpoint URLs, through libcurl's URL parser.  See endpoint.h.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

#include "buf.h"
#include "endpoint.h"

bool
endpoint_host_is_loopback(const char *host)
{
	struct in_addr a4;
	struct in6_addr a6;
	char bare[64];
	size_t n;

	if (host == NULL)
		return false;
	if (strcasecmp(host, "localhost") == 0)
		return true;
	n = strlen(host);
	if (n >= 2 && host[0] == '[' && host[n - 1] == ']' && n - 2 < sizeof(bare)) {
		memcpy(bare, host + 1, n - 2);
		bare[n - 2] = '\0';
		host = bare;
	}
	if (inet_pton(AF_INET, host, &a4) == 1)
		return (ntohl(a4.s_addr) >> 24) == 127;
	return inet_pton(AF_INET6, host, &a6) == 1 && IN6_IS_ADDR_LOOPBACK(&a6);
}

void
endpoint_free(struct endpoint *ep)
{
	if (ep == NULL)
		return;
	free(ep->host);
	free(ep->authority);
	free(ep->url);
	memset(ep, 0, sizeof(*ep));
}

int
endpoint_parse(const char *url, struct endpoint *out, struct err *e)
{
	char *scheme = NULL, *host = NULL, *port = NULL, *path = NULL, *part = NULL;
	struct endpoint ep = {0};
	CURLU *u = curl_url();
	struct buf b;
	int r = -EINVAL;

	buf_init(&b, 4096);
	if (u == NULL)
		return err_set(e, -ENOMEM, "out of memory");
	if (curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK || host[0] == '\0') {
		err_set(e, -EINVAL,
			"endpoint '%s' is not a valid URL (expected https://host[:port])", url);
		goto out;
	}
	ep.https = strcmp(scheme, "https") == 0;
	if (!ep.https && strcmp(scheme, "http") != 0) {
		err_set(e, -EINVAL, "endpoint '%s': only https:// is supported", url);
		goto out;
	}
	if (curl_url_get(u, CURLUPART_USER, &part, 0) == CURLUE_OK) {
		err_set(e, -EINVAL, "endpoint '%s' must not carry a user name or password", url);
		goto out;
	}
	if (curl_url_get(u, CURLUPART_PATH, &path, 0) == CURLUE_OK && strcmp(path, "/") != 0) {
		err_set(e, -EINVAL,
			"endpoint '%s' must not have a path: the EC2 and STS APIs are at '/'", url);
		goto out;
	}
	if (curl_url_get(u, CURLUPART_QUERY, &part, 0) == CURLUE_OK ||
	    curl_url_get(u, CURLUPART_FRAGMENT, &part, 0) == CURLUE_OK) {
		err_set(e, -EINVAL, "endpoint '%s' must not have a query or fragment", url);
		goto out;
	}
	if (!ep.https && !endpoint_host_is_loopback(host)) {
		err_set(e, -EINVAL,
			"endpoint '%s': plain http:// is allowed only to a loopback host "
			"(127.0.0.0/8, ::1, localhost); use https://",
			url);
		goto out;
	}
	/* Without CURLU_DEFAULT_PORT only an explicit port is returned. */
	if (curl_url_get(u, CURLUPART_PORT, &port, 0) == CURLUE_OK && strtol(port, NULL, 10) == 0) {
		err_set(e, -EINVAL, "endpoint '%s': port 0 cannot be connected to", url);
		goto out;
	}
	if (port && strcmp(port, ep.https ? "443" : "80") != 0)
		r = buf_printf(&b, "%s:%s", host, port);
	else
		r = buf_puts(&b, host);
	if (r == 0 && (ep.authority = buf_steal(&b)) == NULL)
		r = -ENOMEM;
	if (r == 0)
		r = buf_printf(&b, "%s://%s/", scheme, ep.authority);
	if (r == 0 && (ep.url = buf_steal(&b)) == NULL)
		r = -ENOMEM;
	if (r == 0) {
		size_t n = strlen(host);

		/* libcurl keeps the brackets of an IPv6 literal. */
		ep.host = n >= 2 && host[0] == '[' ? strndup(host + 1, n - 2) : strdup(host);
		if (ep.host == NULL)
			r = -ENOMEM;
	}
	if (r < 0) {
		err_set(e, r, "out of memory");
		endpoint_free(&ep);
		goto out;
	}
	*out = ep;
out:
	curl_free(scheme);
	curl_free(host);
	curl_free(port);
	curl_free(path);
	curl_free(part);
	curl_url_cleanup(u);
	buf_free(&b);
	return r;
}
