/* SPDX-License-Identifier: ISC */
/*
 * endpoint: what an EC2 or STS endpoint URL may be, decided once.
 *
 * The configuration check (`vpcesd -n`) and the client that sends the
 * requests must agree on every URL: a file that passes the check must not be
 * refused at start-up, and the other way round.  So both parse through this
 * module, with libcurl's URL parser — the one that will connect.
 *
 * The rules: https://, or http:// to a loopback host only (tests and local
 * endpoints: 127.0.0.0/8 as an IPv4 literal, ::1, localhost); a host and an
 * optional port; no user name or password; no path other than "/" (the
 * Query APIs are always POSTed to "/", and a path would be silently dropped);
 * no query or fragment.
 *
 * Pure: no I/O; safe on the event loop.
 */
#ifndef VPCESD_ENDPOINT_H
#define VPCESD_ENDPOINT_H

#include <stdbool.h>

#include "err.h"

struct endpoint {
	bool https;
	char *host; /* as in the URL, brackets of an IPv6 literal removed */
	char *authority; /* Host header and signed host: "host[:port]", the port only when not the default */
	char *url; /* normalised "scheme://authority/" */
};

/*
 * Parse `url`.  On success *out holds new strings (free with
 * endpoint_free()).  -EINVAL with `e` saying what is wrong, quoting the URL;
 * -ENOMEM.  *out untouched on failure.
 */
int endpoint_parse(const char *url, struct endpoint *out, struct err *e);

void endpoint_free(struct endpoint *ep);

/*
 * A loopback host: "localhost", an IPv4 literal in 127.0.0.0/8, "::1" (with
 * or without brackets).  Not a name that merely starts with "127.".
 */
bool endpoint_host_is_loopback(const char *host);

#endif
