# SPDX-License-Identifier: ISC
"""The sim over real sockets (port 0), driven by raw HTTP signed with
botocore's SigV4Auth (independent of the sim's verifier): model validation,
wire format, buckets, eventual consistency, supported regions, IMDS/ECS,
keep-alive and the admin API.  No sleeps: time moves through the admin clock."""

import base64
import gzip
import http.client
import json
import os
import re
import socket
import time
import unittest
import urllib.parse
from email.utils import parsedate_to_datetime

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from ec2sim_lib import server

SEED = os.path.join(os.path.dirname(__file__), "..", "seed.json")
NLB_A = "arn:aws:elasticloadbalancing:us-east-1:111122223333:loadbalancer/net/nlb-a/0123456789abcdef"
NLB_D = "arn:aws:elasticloadbalancing:us-east-1:111122223333:loadbalancer/net/nlb-d/3123456789abcdef"
NS = 'xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"'


class SimCase(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        with open(SEED, encoding="utf-8") as f:
            seed = json.load(f)
        cls.sim = server.Sim(seed, rng_seed=1)
        cls.servers = server.start(cls.sim, None, {})
        cls.port = {k: s.server_address[1] for k, s in cls.servers.items()}

    @classmethod
    def tearDownClass(cls):
        server.stop(cls.sim, cls.servers)

    def setUp(self):
        self.admin("POST", "/_sim/reset")
        self.admin("POST", "/_sim/settings", {"throttle": False, "pending_seconds": 2, "consistency_seconds": 0})

    def admin(self, method, path, doc=None):
        conn = http.client.HTTPConnection("127.0.0.1", self.port["admin"], timeout=10)
        conn.request(method, path, body=json.dumps(doc) if doc is not None else None)
        resp = conn.getresponse()
        body = json.loads(resp.read())
        conn.close()
        return resp.status, body

    def call(self, params, conn=None, service="ec2", creds=("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", None), headers=None):
        if service == "ec2":
            params = dict(params, Version=params.get("Version", "2016-11-15"))
        body = urllib.parse.urlencode(params)
        url = f"http://127.0.0.1:{self.port['ec2']}/"
        req = AWSRequest("POST", url, data=body, headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"})
        SigV4Auth(Credentials(*creds), service, "us-east-1").add_auth(req)
        own = conn is None
        conn = conn or http.client.HTTPConnection("127.0.0.1", self.port["ec2"], timeout=10)
        conn.request("POST", "/", body=body, headers=dict(req.headers.items()))
        resp = conn.getresponse()
        text = resp.read().decode()
        if headers is not None:
            headers.extend(resp.getheaders())
        if own:
            conn.close()
        return resp.status, text

    def code(self, text):
        m = re.search(r"<Code>([^<]+)</Code>", text)
        return m.group(1) if m else None

    def create(self, **extra):
        params = {"Action": "CreateVpcEndpointServiceConfiguration", "NetworkLoadBalancerArn.1": NLB_A}
        params.update(extra)
        status, text = self.call(params)
        self.assertEqual(status, 200, text)
        return re.search(r"<serviceId>(vpce-svc-[0-9a-f]+)</serviceId>", text).group(1), text


class WireTests(SimCase):
    def test_success_and_error_envelopes(self):
        _, text = self.create()
        self.assertIn(f"<CreateVpcEndpointServiceConfigurationResponse {NS}><requestId>", text)
        self.assertIn("<serviceType><item><serviceType>Interface</serviceType></item></serviceType>", text)
        status, text = self.call({"Action": "DescribeVpcEndpointServiceConfigurations", "ServiceId.1": "vpce-svc-00000000000000000"})
        self.assertEqual(status, 400)
        self.assertRegex(text, r"^<\?xml version=\"1.0\" encoding=\"UTF-8\"\?>\n<Response><Errors><Error><Code>InvalidVpcEndpointServiceId.NotFound</Code>")
        self.assertRegex(text, r"<RequestID>[0-9a-f-]{36}</RequestID></Response>$")

    def test_model_validation(self):
        cases = [
            ({"Action": "DescribeVpcEndpointServiceConfigurations", "Bogus": "1"}, 400, "UnknownParameter"),
            ({"Action": "DescribeVpcEndpointServiceConfigurations", "ServiceId": "x"}, 400, "UnknownParameter"),
            ({"Action": "DescribeVpcEndpointServiceConfigurations", "ServiceId.0": "x"}, 400, "UnknownParameter"),
            ({"Action": "DescribeVpcEndpointServiceConfigurations", "Filter.1.Value.1": "x"}, 400, "MissingParameter"),
            ({"Action": "DescribeVpcEndpointServiceConfigurations", "MaxResults": "ten"}, 400, "InvalidParameterValue"),
            ({"Action": "DescribeVpcEndpointServiceConfigurations", "MaxResults": "1001"}, 400, "InvalidParameterValue"),
            ({"Action": "DescribeVpcEndpointServiceConfigurations", "DryRun": "yes"}, 400, "InvalidParameterValue"),
            ({"Action": "DescribeVpcEndpointServiceConfigurations", "DryRun": "true"}, 412, "DryRunOperation"),
            ({"Action": "ModifyVpcEndpointServiceConfiguration"}, 400, "MissingParameter"),
            ({"Action": "DeleteVpcEndpointServiceConfigurations"}, 400, "MissingParameter"),
            ({"Action": "CreateVpcEndpointServiceConfiguration", "SupportedIpAddressType.1": "ipv5", "NetworkLoadBalancerArn.1": NLB_A}, 400, "InvalidParameterValue"),
            ({"Action": "RunInstances"}, 400, "InvalidAction"),
            ({"Action": "DescribeVpcEndpointConnections", "Version": "2015-01-01"}, 400, "NoSuchVersion"),
        ]
        for params, status, code in cases:
            with self.subTest(params=params):
                got_status, text = self.call(params)
                self.assertEqual((got_status, self.code(text)), (status, code), text)

    def test_keep_alive_reuses_the_connection(self):
        conn = http.client.HTTPConnection("127.0.0.1", self.port["ec2"], timeout=10)
        for _ in range(3):
            status, _ = self.call({"Action": "DescribeVpcEndpointConnections"}, conn=conn)
            self.assertEqual(status, 200)
        conn.close()

    def test_sts_error_envelope(self):
        status, text = self.call(
            {"Action": "AssumeRole", "Version": "2011-06-15", "RoleArn": "arn:aws:iam::111122223333:role/vpcesd", "RoleSessionName": "x"},
            service="sts",
        )
        self.assertEqual((status, self.code(text)), (400, "ValidationError"))
        self.assertIn('<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">', text)
        self.assertIn("<Type>Sender</Type>", text)

    def test_signed_for_the_wrong_service(self):
        status, text = self.call({"Action": "DescribeVpcEndpointConnections"}, service="sts")
        self.assertEqual((status, self.code(text)), (403, "SignatureDoesNotMatch"))


class ClockTests(SimCase):
    """The Date header tells the sim's wall clock, skewed by wall_skew_seconds,
    so clients can learn their clock skew from it (as the AWS SDKs do)."""

    def dates(self, headers):
        return [v for k, v in headers if k.lower() == "date"]

    def server_offset(self, headers):
        dates = self.dates(headers)
        self.assertEqual(len(dates), 1, headers)
        return parsedate_to_datetime(dates[0]).timestamp() - time.time()

    def test_date_header_follows_the_skewed_wall_clock(self):
        headers = []
        status, _ = self.call({"Action": "DescribeVpcEndpointConnections"}, headers=headers)
        self.assertEqual(status, 200)
        self.assertLess(abs(self.server_offset(headers)), 5)
        for skew in (1200, -1200):
            with self.subTest(skew=skew):
                _, settings = self.admin("POST", "/_sim/settings", {"wall_skew_seconds": skew})
                self.assertEqual(settings["wall_skew_seconds"], skew)
                headers = []
                status, text = self.call({"Action": "DescribeVpcEndpointConnections"}, headers=headers)
                self.assertEqual((status, self.code(text)), (400, "RequestExpired"), text)
                self.assertLess(abs(self.server_offset(headers) - skew), 5)
                headers = []
                status, text = self.call(
                    {"Action": "AssumeRole", "Version": "2011-06-15", "RoleArn": "arn:aws:iam::111122223333:role/vpcesd", "RoleSessionName": "skewed"},
                    service="sts",
                    headers=headers,
                )
                self.assertEqual((status, self.code(text)), (403, "SignatureDoesNotMatch"), text)
                self.assertIn("Signature expired", text)
                self.assertLess(abs(self.server_offset(headers) - skew), 5)
        self.admin("POST", "/_sim/reset")
        _, settings = self.admin("GET", "/_sim/settings")
        self.assertEqual(settings["wall_skew_seconds"], 0)
        headers = []
        status, _ = self.call({"Action": "DescribeVpcEndpointConnections"}, headers=headers)
        self.assertEqual(status, 200)
        self.assertLess(abs(self.server_offset(headers)), 5)

    def test_a_scripted_answer_may_replace_or_drop_the_date(self):
        action = "DescribeVpcEndpointConnections"
        fixed = "Thu, 01 Jan 2026 00:00:00 GMT"
        self.admin("POST", "/_sim/faults", {"kind": "answer", "action": action, "status": 400, "body": "<a/>", "headers": {"Date": fixed}})
        headers = []
        self.call({"Action": action}, headers=headers)
        self.assertEqual(self.dates(headers), [fixed])
        self.admin("POST", "/_sim/faults", {"kind": "answer", "action": action, "status": 400, "body": "<a/>", "headers": {"Date": ""}})
        headers = []
        self.call({"Action": action}, headers=headers)
        self.assertEqual(self.dates(headers), [])


class BehaviourTests(SimCase):
    def test_supported_regions_overlay_and_states(self):
        sid, text = self.create(**{"SupportedRegion.1": "us-west-2", "SupportedRegion.2": "ap-east-1"})
        self.assertIn("<supportedRegionSet><item><region>us-west-2</region><serviceState>Pending</serviceState></item>", text)
        self.admin("POST", "/_sim/clock", {"advance": 3})
        _, text = self.call({"Action": "DescribeVpcEndpointServiceConfigurations", "ServiceId.1": sid})
        self.assertIn("<region>us-west-2</region><serviceState>Available</serviceState>", text)
        self.assertIn("<region>ap-east-1</region><serviceState>Failed</serviceState>", text)
        status, _ = self.call({"Action": "ModifyVpcEndpointServiceConfiguration", "ServiceId": sid, "AddSupportedRegion.1": "eu-west-1", "RemoveSupportedRegion.1": "ap-east-1"})
        self.assertEqual(status, 200)
        _, state = self.admin("GET", "/_sim/state")
        self.assertEqual(state["services"][0]["supported_regions"], {"us-west-2": "Available", "eu-west-1": "Pending"})
        status, text = self.call({"Action": "ModifyVpcEndpointServiceConfiguration", "ServiceId": sid, "AddSupportedRegion.1": "Mars"})
        self.assertEqual(self.code(text), "InvalidParameterValue")

    def test_request_buckets(self):
        # One load balancer per service, as EC2 wants.
        lbs = [f"arn:aws:elasticloadbalancing:us-east-1:111122223333:loadbalancer/net/bucket-{i}/{i:016x}" for i in range(12)]
        self.admin("POST", "/_sim/load-balancers", {"load_balancers": [{"arn": a} for a in lbs]})
        self.admin("POST", "/_sim/settings", {"throttle": True})
        for i in range(10):
            self.create(**{"NetworkLoadBalancerArn.1": lbs[i]})
        status, text = self.call({"Action": "CreateVpcEndpointServiceConfiguration", "NetworkLoadBalancerArn.1": lbs[10]})
        self.assertEqual((status, self.code(text)), (503, "RequestLimitExceeded"))
        self.admin("POST", "/_sim/clock", {"advance": 1.5})  # refill 1/s
        self.create(**{"NetworkLoadBalancerArn.1": lbs[11]})
        status, _ = self.call({"Action": "DescribeVpcEndpointConnections"})
        self.assertEqual(status, 200, "Describe has its own bucket")
        _, counters = self.admin("GET", "/_sim/counters")
        self.assertEqual(counters["CreateVpcEndpointServiceConfiguration"]["RequestLimitExceeded"], 1)

    def test_eventual_consistency(self):
        self.admin("POST", "/_sim/settings", {"consistency_seconds": 5})
        sid, _ = self.create()
        _, text = self.call({"Action": "DescribeVpcEndpointServiceConfigurations", "ServiceId.1": sid})
        self.assertEqual(self.code(text), "InvalidVpcEndpointServiceId.NotFound")
        _, text = self.call({"Action": "DescribeVpcEndpointServiceConfigurations"})
        self.assertNotIn(sid, text)
        self.admin("POST", "/_sim/clock", {"advance": 5})
        status, text = self.call({"Action": "DescribeVpcEndpointServiceConfigurations", "ServiceId.1": sid})
        self.assertEqual(status, 200)
        self.assertIn(sid, text)

    def test_pagination_token_is_bound_to_the_request(self):
        self.admin("POST", "/_sim/services", {"count": 7, "tags": {"k": "v"}})
        params = {"Action": "DescribeVpcEndpointServiceConfigurations", "MaxResults": "5", "Filter.1.Name": "tag-key", "Filter.1.Value.1": "k"}
        _, text = self.call(params)
        self.assertEqual(text.count("<serviceId>"), 5)
        token = re.search(r"<nextToken>([^<]+)</nextToken>", text).group(1)
        _, text = self.call(dict(params, NextToken=token))
        self.assertEqual(text.count("<serviceId>"), 2)
        self.assertNotIn("<nextToken>", text)
        _, text = self.call({"Action": "DescribeVpcEndpointServiceConfigurations", "NextToken": token})
        self.assertEqual(self.code(text), "InvalidNextToken")

    def test_fifty_tags_and_delete_blocking(self):
        sid, _ = self.create()
        tags = {f"Tag.{i}.Key": f"k{i}" for i in range(1, 51)}
        status, text = self.call(dict({"Action": "CreateTags", "ResourceId.1": sid}, **tags))
        self.assertEqual(status, 200, text)
        status, text = self.call({"Action": "CreateTags", "ResourceId.1": sid, "Tag.1.Key": "one-more", "Tag.1.Value": ""})
        self.assertEqual(self.code(text), "TagLimitExceeded")
        self.admin("POST", "/_sim/connections", {"service_id": sid, "state": "available"})
        _, text = self.call({"Action": "DeleteVpcEndpointServiceConfigurations", "ServiceId.1": sid})
        self.assertIn("<unsuccessful><item><error><code>ExistingVpcEndpointConnections</code>", text)
        self.assertIn(f"<resourceId>{sid}</resourceId>", text)

    def test_faults_and_log(self):
        status, body = self.admin("POST", "/_sim/faults", {"kind": "bogus"})
        self.assertEqual(status, 400)
        self.admin("POST", "/_sim/faults", {"kind": "error", "code": "InternalError", "action": "DescribeVpcEndpointConnections", "count": 2})
        codes = [self.code(self.call({"Action": "DescribeVpcEndpointConnections"})[1]) for _ in range(3)]
        self.assertEqual(codes, ["InternalError", "InternalError", None])
        _, log = self.admin("GET", "/_sim/log?action=DescribeVpcEndpointConnections")
        self.assertEqual([e["status"] for e in log], [500, 500, 200])
        # skip: let N matching requests through first (e.g. fail page 2 of a listing)
        self.admin("POST", "/_sim/faults", {"kind": "error", "code": "InternalError", "action": "DescribeVpcEndpointConnections", "count": 1, "skip": 2})
        codes = [self.code(self.call({"Action": "DescribeVpcEndpointConnections"})[1]) for _ in range(4)]
        self.assertEqual(codes, [None, None, "InternalError", None])
        self.admin("POST", "/_sim/faults", {"kind": "reset", "action": "DescribeVpcEndpointConnections"})
        with self.assertRaises((ConnectionError, http.client.RemoteDisconnected)):
            self.call({"Action": "DescribeVpcEndpointConnections"})


class AnswerFaultTests(SimCase):
    """Kind `answer`: scripted hostile answers for the client tests (issue 8)."""

    def raw(self, port, request):
        """One request on a fresh connection, read to EOF: (status, headers list, body).
        http.client refuses the header floods these tests script on purpose."""
        with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
            sock.sendall(request)
            data = b""
            while True:
                chunk = sock.recv(1 << 20)
                if not chunk:
                    break
                data += chunk
        head, _, body = data.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        headers = [tuple(line.split(": ", 1)) for line in lines[1:]]
        return int(lines[0].split()[1]), headers, body

    def test_validation(self):
        bad = [
            ({"kind": "answer", "status": 99}, "status"),
            ({"kind": "answer", "status": "200"}, "status"),
            ({"kind": "answer", "content_type": "text/html\r\nX: y"}, "content_type"),
            ({"kind": "answer", "body": "a", "body_b64": "YQ=="}, "not both"),
            ({"kind": "answer", "body": 5}, "body must be a string"),
            ({"kind": "answer", "body_b64": "not base64!"}, "not valid base64"),
            ({"kind": "answer", "body": "x", "body_repeat": -1}, "body_repeat"),
            ({"kind": "answer", "body": "0123456789", "body_repeat": 7 << 20}, "more than 67108864"),
            ({"kind": "answer", "headers": ["X-A", "b"]}, "headers must be an object"),
            ({"kind": "answer", "headers": {"X A": "b"}}, "not a token"),
            ({"kind": "answer", "headers": {"Content-Length": "5"}}, "sim sets itself"),
            ({"kind": "answer", "headers": {"X-A": "b\nc"}}, "without CR, LF or NUL"),
            ({"kind": "answer", "headers": {"X-A": "x" * ((512 << 10) + 1)}}, "at most 524288"),
            ({"kind": "answer", "headers": {"X-A": "\u20ac"}}, "Latin-1"),
            ({"kind": "error", "body": "x"}, "only apply to kind answer"),
        ]
        for spec, needle in bad:
            with self.subTest(spec=str(spec)[:80]):
                status, doc = self.admin("POST", "/_sim/faults", spec)
                self.assertEqual(status, 400)
                self.assertIn(needle, doc["error"])
        _, faults = self.admin("GET", "/_sim/faults")
        self.assertEqual(faults, [])

    def test_before_replaces_without_acting(self):
        html = "<html><body><h1>502 Bad Gateway</h1></body></html>"
        self.admin("POST", "/_sim/faults", {"kind": "answer", "action": "CreateVpcEndpointServiceConfiguration", "status": 503, "content_type": "text/html", "body": html})
        status, text = self.call({"Action": "CreateVpcEndpointServiceConfiguration", "NetworkLoadBalancerArn.1": NLB_A})
        self.assertEqual((status, text), (503, html))
        _, state = self.admin("GET", "/_sim/state")
        self.assertEqual(state["services"], [], "phase before: nothing was created")
        _, counters = self.admin("GET", "/_sim/counters")
        self.assertEqual(counters["CreateVpcEndpointServiceConfiguration"], {"total": 1, "503": 1})
        self.create()  # count 1: used up

    def test_after_acts_then_replaces(self):
        self.admin("POST", "/_sim/faults", {"kind": "answer", "phase": "after", "action": "CreateVpcEndpointServiceConfiguration", "body": ""})
        status, text = self.call({"Action": "CreateVpcEndpointServiceConfiguration", "NetworkLoadBalancerArn.1": NLB_A})
        self.assertEqual((status, text), (200, ""))
        _, state = self.admin("GET", "/_sim/state")
        self.assertEqual(len(state["services"]), 1, "phase after: the create happened")
        _, log = self.admin("GET", "/_sim/log?action=CreateVpcEndpointServiceConfiguration")
        self.assertEqual((log[0]["status"], log[0]["code"], log[0]["faults"]), (200, None, ["answer"]))

    def test_binary_body_repeat_and_headers(self):
        bomb = gzip.compress(bytes(1 << 20), mtime=0)
        self.admin("POST", "/_sim/faults", {"kind": "answer", "action": "DescribeVpcEndpointConnections", "body_b64": base64.b64encode(bomb).decode(), "body_repeat": 3, "headers": {"Content-Encoding": "gzip"}})
        conn = http.client.HTTPConnection("127.0.0.1", self.port["ec2"], timeout=10)
        conn.request("POST", "/", body="Action=DescribeVpcEndpointConnections&Version=2016-11-15")
        resp = conn.getresponse()
        body = resp.read()
        conn.close()
        self.assertEqual((resp.status, resp.getheader("Content-Type"), resp.getheader("Content-Encoding")), (200, "text/xml", "gzip"))
        self.assertEqual(body, bomb * 3)
        self.assertEqual(resp.getheader("Content-Length"), str(3 * len(bomb)))

    def test_header_floods(self):
        big = "v" * (200 << 10)
        many = {f"X-Flood-{i}": "x" for i in range(20000)}
        self.admin("POST", "/_sim/faults", {"kind": "answer", "action": "AssumeRole", "headers": {"X-Big": big}, "body": "<a/>"})
        request = b"POST / HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: 35\r\n\r\nAction=AssumeRole&Version=2011-06-15"
        status, headers, body = self.raw(self.port["ec2"], request)
        self.assertEqual((status, body), (200, b"<a/>"))
        self.assertIn(("X-Big", big), headers)
        self.admin("POST", "/_sim/faults", {"kind": "answer", "action": "ECS", "headers": many, "content_type": "application/json", "body": "{}"})
        status, headers, body = self.raw(self.port["ecs"], b"GET /creds HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        self.assertEqual((status, body), (200, b"{}"))
        self.assertEqual(sum(1 for h in headers if h[0].startswith("X-Flood-")), 20000)
        _, counters = self.admin("GET", "/_sim/counters")
        self.assertEqual((counters["AssumeRole"]["total"], counters["ECS"]["total"]), (1, 1))

    def test_imds_phases(self):
        # after: the token is minted, the answer replaced; before: the handler never runs.
        self.admin("POST", "/_sim/faults", {"kind": "answer", "action": "IMDS", "phase": "after", "body": "t" * 100, "count": 1})
        self.admin("POST", "/_sim/faults", {"kind": "answer", "action": "IMDS", "status": 500, "content_type": "text/html", "body": "<html>oops</html>", "skip": 1})
        conn = http.client.HTTPConnection("127.0.0.1", self.port["imds"], timeout=10)
        conn.request("PUT", "/latest/api/token", headers={"X-aws-ec2-metadata-token-ttl-seconds": "60"})
        resp = conn.getresponse()
        self.assertEqual((resp.status, resp.read()), (200, b"t" * 100))
        conn.request("GET", "/latest/meta-data/iam/security-credentials/", headers={"X-aws-ec2-metadata-token": "t" * 100})
        resp = conn.getresponse()
        self.assertEqual((resp.status, resp.getheader("Content-Type"), resp.read()), (500, "text/html", b"<html>oops</html>"))
        conn.close()
        _, log = self.admin("GET", "/_sim/log?action=IMDS")
        self.assertEqual([(e["status"], e["code"]) for e in log], [(200, None), (500, "500")])


class MetadataTests(SimCase):
    def test_imds_v2(self):
        conn = http.client.HTTPConnection("127.0.0.1", self.port["imds"], timeout=10)
        conn.request("GET", "/latest/meta-data/iam/security-credentials/")
        resp = conn.getresponse()
        resp.read()
        self.assertEqual(resp.status, 401, "IMDSv1 is off")
        conn.request("PUT", "/latest/api/token", headers={"X-aws-ec2-metadata-token-ttl-seconds": "21600"})
        token = conn.getresponse().read().decode()
        conn.request("GET", "/latest/meta-data/iam/security-credentials/", headers={"X-aws-ec2-metadata-token": token})
        role = conn.getresponse().read().decode()
        conn.request("GET", f"/latest/meta-data/iam/security-credentials/{role}", headers={"X-aws-ec2-metadata-token": token})
        doc = json.loads(conn.getresponse().read())
        conn.close()
        self.assertEqual((doc["Code"], doc["Type"]), ("Success", "AWS-HMAC"))
        status, _ = self.call({"Action": "DescribeVpcEndpointConnections"}, creds=(doc["AccessKeyId"], doc["SecretAccessKey"], doc["Token"]))
        self.assertEqual(status, 200)
        self.admin("POST", "/_sim/credentials/expire", {"access_key": doc["AccessKeyId"]})
        status, text = self.call({"Action": "DescribeVpcEndpointConnections"}, creds=(doc["AccessKeyId"], doc["SecretAccessKey"], doc["Token"]))
        self.assertEqual((status, self.code(text)), (400, "RequestExpired"))

    def test_ecs_needs_the_token(self):
        conn = http.client.HTTPConnection("127.0.0.1", self.port["ecs"], timeout=10)
        conn.request("GET", "/creds", headers={"Authorization": "wrong"})
        resp = conn.getresponse()
        resp.read()
        self.assertEqual(resp.status, 401)
        conn.request("GET", "/creds", headers={"Authorization": "ecs-test-token"})
        doc = json.loads(conn.getresponse().read())
        conn.close()
        self.assertTrue(doc["AccessKeyId"].startswith("ASIA"))
        self.assertIn("Token", doc)


class SsoTests(SimCase):
    def sso(self, method, path, body=None, headers=None):
        conn = http.client.HTTPConnection("127.0.0.1", self.port["ec2"], timeout=10)
        conn.request(method, path, body=json.dumps(body) if body is not None else None, headers=headers or {})
        resp = conn.getresponse()
        doc = json.loads(resp.read() or b"null")
        conn.close()
        return resp.status, resp.getheader("x-amzn-ErrorType"), doc

    def portal(self, token, role="Admin", account="111122223333"):
        return self.sso("GET", f"/federation/credentials?role_name={role}&account_id={account}",
                        headers={"x-amz-sso_bearer_token": token})

    def test_portal_credentials_sign_ec2(self):
        self.admin("POST", "/_sim/sso/tokens", {"access_token": "tok-1", "expires_in": 600})
        status, _, doc = self.portal("tok-1")
        self.assertEqual(status, 200, doc)
        rc = doc["roleCredentials"]
        self.assertGreater(rc["expiration"], time.time() * 1000)
        status, _ = self.call({"Action": "DescribeVpcEndpointConnections"},
                              creds=(rc["accessKeyId"], rc["secretAccessKey"], rc["sessionToken"]))
        self.assertEqual(status, 200)

    def test_portal_refusals(self):
        self.admin("POST", "/_sim/sso/tokens", {"access_token": "old", "expires_in": -5})
        self.admin("POST", "/_sim/sso/tokens", {"access_token": "tok", "expires_in": 600})
        self.assertEqual(self.portal("old")[:2], (401, "UnauthorizedException"))
        self.assertEqual(self.portal("nope")[:2], (401, "UnauthorizedException"))
        self.assertEqual(self.portal("tok", account="999999999999")[:2], (403, "ForbiddenException"))
        self.admin("POST", "/_sim/sso/settings", {"roles": ["ReadOnly"]})
        self.assertEqual(self.portal("tok")[:2], (403, "ForbiddenException"))
        self.assertEqual(self.portal("tok", role="ReadOnly")[0], 200)
        self.admin("POST", "/_sim/sso/expire", {})
        self.assertEqual(self.portal("tok", role="ReadOnly")[:2], (401, "UnauthorizedException"))

    def test_create_token_rotates_the_refresh_token(self):
        self.admin("POST", "/_sim/sso/tokens", {"access_token": "a", "expires_in": -1, "refresh_token": "r1",
                                                "client_id": "c", "client_secret": "s"})
        grant = {"grantType": "refresh_token", "clientId": "c", "clientSecret": "s", "refreshToken": "r1"}
        status, _, doc = self.sso("POST", "/token", grant)
        self.assertEqual(status, 200, doc)
        self.assertEqual((doc["tokenType"], doc["expiresIn"]), ("Bearer", 3600))
        self.assertEqual(self.portal(doc["accessToken"])[0], 200)
        self.assertEqual(self.sso("POST", "/token", grant)[2]["error"], "invalid_grant")
        self.assertEqual(self.sso("POST", "/token", dict(grant, clientSecret="x"))[0], 401)
        grant["refreshToken"] = doc["refreshToken"]
        self.admin("POST", "/_sim/sso/revoke", {})
        self.assertEqual(self.sso("POST", "/token", grant)[:1], (400,))
        _, log = self.admin("GET", "/_sim/log?action=SSO-OIDC")
        self.assertEqual([e["status"] for e in log], [200, 400, 401, 400])
        self.assertNotIn("r1", json.dumps(log))

    def test_faults(self):
        self.admin("POST", "/_sim/sso/tokens", {"access_token": "tok", "expires_in": 600})
        self.admin("POST", "/_sim/faults", {"kind": "answer", "action": "SSO", "status": 401, "content_type": "application/json",
                                            "body": '{"message":"Session token not found or invalid"}'})
        self.assertEqual(self.portal("tok")[0], 401)
        self.assertEqual(self.portal("tok")[0], 200)
        self.admin("POST", "/_sim/faults", {"kind": "error", "action": "SSO-OIDC", "status": 500})
        self.assertEqual(self.sso("POST", "/token", {})[0], 500)


class LoadBalancerTests(SimCase):
    def test_one_service_per_load_balancer(self):
        sid, _ = self.create()
        # A second service on the same NLB is refused, through create and through modify.
        status, text = self.call({"Action": "CreateVpcEndpointServiceConfiguration", "NetworkLoadBalancerArn.1": NLB_A})
        self.assertEqual((status, self.code(text)), (400, "InvalidParameter"), text)
        self.assertIn(sid, text)
        other, _ = self.create(**{"NetworkLoadBalancerArn.1": NLB_D})
        status, text = self.call({"Action": "ModifyVpcEndpointServiceConfiguration", "ServiceId": other,
                                  "AddNetworkLoadBalancerArn.1": NLB_A})
        self.assertEqual((status, self.code(text)), (400, "InvalidParameter"), text)
        # Re-adding its own load balancer is no conflict; a deleted service frees its load balancer.
        status, text = self.call({"Action": "ModifyVpcEndpointServiceConfiguration", "ServiceId": sid,
                                  "AddNetworkLoadBalancerArn.1": NLB_A})
        self.assertEqual(status, 200, text)
        self.admin("POST", "/_sim/settings", {"delete_seconds": 0})
        _, text = self.call({"Action": "DeleteVpcEndpointServiceConfigurations", "ServiceId.1": sid})
        self.assertNotIn("<unsuccessful><item>", text)
        self.create()


class OutOfBandDeleteTests(SimCase):
    def test_delete_service_out_of_band(self):
        sid, _ = self.create(ClientToken="tok-1")
        self.admin("POST", "/_sim/connections", {"service_id": sid, "state": "available"})
        status, body = self.admin("DELETE", f"/_sim/services/{sid}")
        self.assertEqual((status, sorted(body)), (400, ["error"]), "refused while a consumer is connected")
        self.admin("POST", "/_sim/reset")
        self.admin("POST", "/_sim/settings", {"delete_seconds": 0})
        sid, _ = self.create(ClientToken="tok-1")
        _, before = self.admin("GET", "/_sim/log")
        status, body = self.admin("DELETE", f"/_sim/services/{sid}")
        self.assertEqual((status, body), (200, {"id": sid, "state": "Deleted"}))
        _, after = self.admin("GET", "/_sim/log")
        self.assertEqual(after, before, "not an API call: the request log does not show it")
        _, state = self.admin("GET", "/_sim/state")
        self.assertEqual(state["services"], [])
        _, text = self.call({"Action": "DescribeVpcEndpointServiceConfigurations"})
        self.assertNotIn(sid, text)
        self.assertEqual(self.admin("DELETE", f"/_sim/services/{sid}")[0], 404)
        # The token still answers with the deleted service; a new token makes a new one.
        self.assertEqual(self.create(ClientToken="tok-1")[0], sid)
        _, state = self.admin("GET", "/_sim/state")
        self.assertEqual(state["services"], [])
        other, _ = self.create(ClientToken="tok-2")
        self.assertNotEqual(other, sid)
        # With delete_seconds: Deleting first, then gone.
        self.admin("POST", "/_sim/settings", {"delete_seconds": 10})
        status, body = self.admin("DELETE", f"/_sim/services/{other}")
        self.assertEqual((status, body), (200, {"id": other, "state": "Deleting"}))
        self.assertEqual(self.admin("DELETE", f"/_sim/services/{other}")[0], 404)
        _, state = self.admin("GET", "/_sim/state")
        self.assertEqual([(s["id"], s["state"]) for s in state["services"]], [(other, "Deleting")])
        self.admin("POST", "/_sim/clock", {"advance": 10})
        _, state = self.admin("GET", "/_sim/state")
        self.assertEqual(state["services"], [])


if __name__ == "__main__":
    unittest.main()
