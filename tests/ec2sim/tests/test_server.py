"""The sim over real sockets (port 0), driven by raw HTTP signed with
botocore's SigV4Auth (independent of the sim's verifier): model validation,
wire format, buckets, eventual consistency, supported regions, IMDS/ECS,
keep-alive and the admin API.  No sleeps: time moves through the admin clock."""

import http.client
import json
import os
import re
import unittest
import urllib.parse

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from ec2sim_lib import server

SEED = os.path.join(os.path.dirname(__file__), "..", "seed.json")
NLB_A = "arn:aws:elasticloadbalancing:us-east-1:111122223333:loadbalancer/net/nlb-a/0123456789abcdef"
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

    def call(self, params, conn=None, service="ec2", creds=("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", None)):
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
        self.admin("POST", "/_sim/settings", {"throttle": True})
        for _ in range(10):
            self.create()
        status, text = self.call({"Action": "CreateVpcEndpointServiceConfiguration", "NetworkLoadBalancerArn.1": NLB_A})
        self.assertEqual((status, self.code(text)), (503, "RequestLimitExceeded"))
        self.admin("POST", "/_sim/clock", {"advance": 1.5})  # refill 1/s
        self.create()
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


if __name__ == "__main__":
    unittest.main()
