/* SPDX-License-Identifier: ISC */
/*
 * bench-client: how fast the pure wire layer is (prints numbers; not a test).
 *
 *   - SigV4 signatures per second for the EC2 Describe request of
 *     ec2-api.md §2 (with a session token);
 *   - query encoding of the same request;
 *   - XML parse rate of a generated 1,000-item Describe page.
 *
 * Usage: bench-client [SECONDS_PER_PART]   (default 1)
 * The clock is read here, never in the modules measured.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "ec2_xml.h"
#include "query.h"
#include "sigv4.h"

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int
build_page(struct buf *b, int items)
{
	int r = buf_puts(b, "<DescribeVpcEndpointServiceConfigurationsResponse "
			    "xmlns=\"http://ec2.amazonaws.com/doc/2016-11-15/\">"
			    "<requestId>bench</requestId><serviceConfigurationSet>");

	for (int i = 0; r == 0 && i < items; i++)
		r = buf_printf(
			b,
			"<item><serviceType><item><serviceType>Interface</serviceType></item>"
			"</serviceType><serviceId>vpce-svc-%017d</serviceId>"
			"<serviceName>com.amazonaws.vpce.us-east-1.vpce-svc-%017d</serviceName>"
			"<serviceState>Available</serviceState>"
			"<availabilityZoneSet><item>us-east-1a</item><item>us-east-1b</item>"
			"</availabilityZoneSet><acceptanceRequired>true</acceptanceRequired>"
			"<managesVpcEndpoints>false</managesVpcEndpoints>"
			"<networkLoadBalancerArnSet><item>arn:aws:elasticloadbalancing:us-east-1:"
			"111122223333:loadbalancer/net/nlb-%d/0123456789abcdef</item>"
			"</networkLoadBalancerArnSet><gatewayLoadBalancerArnSet/>"
			"<supportedIpAddressTypeSet><item>ipv4</item></supportedIpAddressTypeSet>"
			"<baseEndpointDnsNameSet><item>vpce-svc-%d.us-east-1.vpce.amazonaws.com"
			"</item></baseEndpointDnsNameSet><privateDnsName>svc%d.example.com"
			"</privateDnsName><privateDnsNameConfiguration><state>verified</state>"
			"<type>TXT</type><value>vpce:abc</value><name>_x</name>"
			"</privateDnsNameConfiguration><payerResponsibility>ServiceOwner"
			"</payerResponsibility><tagSet><item><key>vpcesd:owner</key><value>default"
			"</value></item><item><key>vpcesd:name</key><value>svc-%d</value></item>"
			"<item><key>team</key><value>net</value></item></tagSet>"
			"<supportedRegionSet><item><region>us-east-1</region><serviceState>"
			"Available</serviceState></item></supportedRegionSet></item>",
			i, i, i, i, i, i);
	if (r == 0)
		r = buf_puts(b, "</serviceConfigurationSet><nextToken>t</nextToken>"
				"</DescribeVpcEndpointServiceConfigurationsResponse>");
	return r;
}

int
main(int argc, char **argv)
{
	static const char body[] =
		"Action=DescribeVpcEndpointServiceConfigurations&Version=2016-11-15&Filter.1.Name="
		"tag%3Amanaged-by&Filter.1.Value.1=vpcesd&MaxResults=100";
	double secs = argc > 1 ? strtod(argv[1], NULL) : 1.0;
	struct sigv4_header ct = {"Content-Type",
				  "application/x-www-form-urlencoded; charset=utf-8"};
	struct sigv4_request req;
	struct sigv4_creds cr;
	struct sigv4_output out;
	struct buf page, enc;
	struct err e;
	double t0, t;
	long n;

	if (secs <= 0)
		secs = 1.0;
	memset(&req, 0, sizeof(req));
	req.method = "POST";
	req.host = "ec2.us-east-1.amazonaws.com";
	req.path = "/";
	req.headers = &ct;
	req.n_headers = 1;
	req.body = body;
	req.body_len = strlen(body);
	req.region = "us-east-1";
	req.service = "ec2";
	req.timestamp = 1768478400;
	memset(&cr, 0, sizeof(cr));
	cr.access_key_id = "AKIDEXAMPLE";
	cr.secret_access_key = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
	cr.session_token = "IQoJb3JpZ2luX2VjEXAMPLETOKEN";
	sigv4_output_init(&out);
	err_clear(&e);
	n = 0;
	t0 = now();
	do {
		for (int i = 0; i < 1000; i++)
			if (sigv4_sign(&req, &cr, &out, &e) < 0) {
				fprintf(stderr, "sign: %s\n", e.msg);
				return 1;
			}
		n += 1000;
		t = now() - t0;
	} while (t < secs);
	printf("sigv4_sign:          %10.0f signatures/s (%.2f us each)\n", n / t, t / n * 1e6);
	sigv4_output_free(&out);

	{
		struct query q = QUERY_INIT;
		const char *v[] = {"vpcesd"};

		buf_init(&enc, 1 << 20);
		query_add(&q, "Action", "DescribeVpcEndpointServiceConfigurations", &e);
		query_add(&q, "Version", "2016-11-15", &e);
		query_add_filter(&q, 1, "tag:managed-by", v, 1, &e);
		query_add_int(&q, "MaxResults", 100, &e);
		n = 0;
		t0 = now();
		do {
			for (int i = 0; i < 10000; i++)
				query_encode(&q, &enc, &e);
			n += 10000;
			t = now() - t0;
		} while (t < secs);
		printf("query_encode:        %10.0f bodies/s\n", n / t);
		query_free(&q);
		buf_free(&enc);
	}

	buf_init(&page, 64u << 20);
	if (build_page(&page, 1000) < 0)
		return 1;
	n = 0;
	t0 = now();
	do {
		struct ec2_service_page p;

		if (ec2_xml_service_page(page.data, page.len, &p, &e) < 0 || p.n != 1000) {
			fprintf(stderr, "parse: %s\n", e.msg);
			return 1;
		}
		ec2_service_page_free(&p);
		n++;
		t = now() - t0;
	} while (t < secs);
	printf("ec2_xml_service_page: %9.1f pages/s, %.0f items/s (1,000-item page, %zu bytes)\n",
	       n / t, n * 1000 / t, page.len);
	buf_free(&page);
	return 0;
}
