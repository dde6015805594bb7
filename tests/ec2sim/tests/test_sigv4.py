# SPDX-License-Identifier: ISC
"""The sim's SigV4 verifier against the AWS test suite (header mode) and
the EC2 vector from ec2-api.md, plus the refusals that matter."""

import hashlib
import json
import os
import unittest
from datetime import datetime, timedelta, timezone

from ec2sim_lib import sigv4

VECTORS = os.path.join(os.environ.get("top_srcdir", os.path.join(os.path.dirname(__file__), "..", "..", "..")), "tests", "data", "sigv4")


def parse_request(text: str):
    """request.txt format: method target HTTP/1.1, Name:value headers
    (continuation lines start with whitespace), blank line, body."""
    head, _, body = text.partition("\n\n")
    lines = head.split("\n")
    first = lines[0].split(" ")
    method, target = first[0], " ".join(first[1:-1])
    headers = []
    for line in lines[1:]:
        if line[:1] in (" ", "\t") and headers:
            name, value = headers[-1]
            headers[-1] = (name, value + " " + line.strip())
            continue
        name, _, value = line.partition(":")
        headers.append((name, value))
    return method, target, headers, body.encode()


def read(case: str, name: str) -> str:
    with open(os.path.join(VECTORS, case, name), encoding="utf-8") as f:
        return f.read()


def cases():
    return sorted(c for c in os.listdir(VECTORS) if os.path.isdir(os.path.join(VECTORS, c)))


class VectorTests(unittest.TestCase):
    def test_every_header_mode_case(self):
        checked = 0
        for case in cases():
            with self.subTest(case=case):
                ctx = json.loads(read(case, "context.json"))
                creds = ctx["credentials"]
                method, target, headers, body = parse_request(read(case, "header-signed-request.txt"))
                now = datetime.strptime(ctx["timestamp"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc)
                token = creds.get("token")
                secret = sigv4.Secret(creds["secret_access_key"], token)
                lookup = {creds["access_key_id"]: secret}.get
                normalize = ctx.get("normalize", True)
                got = sigv4.verify(method, target, headers, body, lookup, now, "us-east-1", "service", normalize)
                self.assertEqual(got.access_key, "AKIDEXAMPLE")
                # the intermediate steps match the suite byte for byte
                auth = sigv4.header_value(headers, "authorization")
                signed = auth.split("SignedHeaders=")[1].split(",")[0].split(";")
                payload = hashlib.sha256(body).hexdigest()
                creq = sigv4.canonical_request(method, target, headers, signed, payload, normalize)
                self.assertEqual(creq, read(case, "header-canonical-request.txt"))
                sts = sigv4.string_to_sign(sigv4.header_value(headers, "x-amz-date"), "20150830/us-east-1/service/aws4_request", creq)
                self.assertEqual(sts, read(case, "header-string-to-sign.txt"))
                checked += 1
        self.assertGreaterEqual(checked, 30)


class Ec2VectorTests(unittest.TestCase):
    """ec2-api.md section 2: a DescribeVpcEndpointServiceConfigurations with a session token."""

    BODY = b"Action=DescribeVpcEndpointServiceConfigurations&Version=2016-11-15&Filter.1.Name=tag%3Amanaged-by&Filter.1.Value.1=vpcesd&MaxResults=100"
    SIG = "c6ff60e818a2226bef8c28cc9a1b42047fbfeb290a658f5665fb81419c27ae53"
    NOW = datetime(2026, 1, 15, 12, 0, 0, tzinfo=timezone.utc)

    def request(self, sig=SIG, token="IQoJb3JpZ2luX2VjEXAMPLETOKEN"):
        headers = [
            ("Content-Type", "application/x-www-form-urlencoded; charset=utf-8"),
            ("Host", "ec2.us-east-1.amazonaws.com"),
            ("X-Amz-Date", "20260115T120000Z"),
            ("X-Amz-Security-Token", token),
            (
                "Authorization",
                "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20260115/us-east-1/ec2/aws4_request, "
                f"SignedHeaders=content-type;host;x-amz-date;x-amz-security-token, Signature={sig}",
            ),
        ]
        return headers

    def lookup(self, key):
        return {"AKIDEXAMPLE": sigv4.Secret("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "IQoJb3JpZ2luX2VjEXAMPLETOKEN")}.get(key)

    def verify(self, headers, body=BODY, now=NOW, region="us-east-1", service="ec2"):
        return sigv4.verify("POST", "/", headers, body, self.lookup, now, region, service)

    def expect(self, kind, **kw):
        with self.assertRaises(sigv4.SigV4Error) as cm:
            self.verify(**kw)
        self.assertEqual(cm.exception.kind, kind)

    def test_accepts(self):
        self.assertEqual(self.verify(self.request()).service, "ec2")
        self.assertEqual(hashlib.sha256(self.BODY).hexdigest(), "82fc0972d78e973a2a3ea2e42c63549ef36585a7d428e1e436923ea93f898a73")

    def test_clock_window_is_15_minutes(self):
        self.verify(self.request(), now=self.NOW + timedelta(minutes=14, seconds=59))
        self.expect("skew", headers=self.request(), now=self.NOW + timedelta(minutes=15, seconds=1))
        self.expect("skew", headers=self.request(), now=self.NOW - timedelta(minutes=16))

    def test_refusals(self):
        self.expect("mismatch", headers=self.request(), body=self.BODY + b"&x=1")
        self.expect("mismatch", headers=self.request(sig="0" * 64))
        self.expect("bad_token", headers=self.request(token="other"))
        self.expect("scope", headers=self.request(), region="eu-west-1")
        self.expect("scope", headers=self.request(), service="sts")
        self.expect("missing", headers=[h for h in self.request() if h[0] != "Authorization"])
        self.expect("incomplete", headers=[h for h in self.request() if h[0] != "X-Amz-Date"])
        bad = [(k, "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE") if k == "Authorization" else (k, v) for k, v in self.request()]
        self.expect("incomplete", headers=bad)
        unknown = [(k, v.replace("AKIDEXAMPLE", "AKIDUNKNOWN")) for k, v in self.request()]
        self.expect("unknown_key", headers=unknown)


if __name__ == "__main__":
    unittest.main()
