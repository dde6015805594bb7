#!/usr/bin/python3
# SPDX-License-Identifier: ISC
"""Generate SigV4 cross-check cases with botocore (Debian's python3-botocore).

From a fixed seed, build random EC2 (and some STS) Query requests -- random
actions and parameters, unicode, empty values, reserved characters, with and
without session tokens, random regions and timestamps -- and let a real
botocore client serialise and sign each one.  The request is captured at
`before-send` (nothing leaves the process) and written as JSON with the
exact body bytes botocore would have sent, the headers it signed and its
`Authorization` header.  tests/sigv4-check then signs the same inputs with
vpcesd's signer and demands byte-equal headers.

Time is frozen by replacing `datetime` inside botocore.auth, which is where
SigV4Auth.add_auth reads the clock.  When python3-awscrt is installed,
botocore prefers the CRT signer (aws-c-auth) for 'v4'; the pure-Python
SigV4Auth is forced back so that the reference is botocore's own code.

Usage: sigv4-botocore.py OUT.json [COUNT] [SEED]
"""
import base64
import datetime as real_datetime
import json
import os
import random
import sys
import types

import botocore.auth
import botocore.session
from botocore.config import Config

UNICODE = ["é", "ü", "ß", "中文", "日本語", "😀", "Ω", "ñ", "\u00a0", "€"]
RESERVED = " !*'();:@&=+$,/?#[]%~\"<>\\^`{|}"
REGIONS = ["us-east-1", "us-east-2", "us-west-2", "eu-west-1", "eu-central-1",
           "ap-southeast-2", "ap-northeast-1", "sa-east-1", "ca-central-1",
           "cn-north-1", "us-gov-west-1", "me-south-1"]


class Captured(Exception):
    pass


class FrozenClock:
    """Stands in for the datetime module inside botocore.auth."""

    def __init__(self):
        self.now = real_datetime.datetime(2015, 8, 30, 12, 36, 0)
        clock = self

        class _DT(real_datetime.datetime):
            @classmethod
            def utcnow(cls):
                return clock.now

            @classmethod
            def now(cls, tz=None):
                return clock.now if tz is None else clock.now.replace(tzinfo=tz)

        self.datetime = _DT
        self.timezone = real_datetime.timezone
        self.timedelta = real_datetime.timedelta


def rstr(rng, lo=0, hi=24):
    n = rng.randint(lo, hi)
    out = []
    for _ in range(n):
        k = rng.random()
        if k < 0.55:
            out.append(rng.choice("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._"))
        elif k < 0.8:
            out.append(rng.choice(RESERVED))
        else:
            out.append(rng.choice(UNICODE))
    return "".join(out)


def maybe_empty(rng):
    return "" if rng.random() < 0.2 else rstr(rng, 1)


def rlist(rng, fn, lo=0, hi=4):
    return [fn(rng) for _ in range(rng.randint(lo, hi))]


def tags(rng, with_value=True):
    out = []
    for _ in range(rng.randint(0, 4)):
        t = {"Key": rstr(rng, 1, 20)}
        if with_value or rng.random() < 0.5:
            t["Value"] = maybe_empty(rng)
        out.append(t)
    return out


def filters(rng):
    return [{"Name": rng.choice(["service-id", "tag:" + rstr(rng, 1, 10), "tag-key", "service-state"]),
             "Values": rlist(rng, maybe_empty, 1, 3)} for _ in range(rng.randint(0, 3))]


def arn(rng):
    return "arn:aws:elasticloadbalancing:us-east-1:111122223333:loadbalancer/net/%s/%016x" % (
        rstr(rng, 1, 8), rng.getrandbits(64))


def opt(rng, d, key, fn):
    if rng.random() < 0.6:
        d[key] = fn(rng)


def ec2_call(rng):
    op = rng.choice(["describe_vpc_endpoint_service_configurations",
                     "create_vpc_endpoint_service_configuration",
                     "modify_vpc_endpoint_service_configuration",
                     "modify_vpc_endpoint_service_permissions",
                     "describe_vpc_endpoint_connections",
                     "accept_vpc_endpoint_connections",
                     "create_tags", "delete_tags"])
    p = {}
    if op == "describe_vpc_endpoint_service_configurations":
        opt(rng, p, "ServiceIds", lambda r: rlist(r, maybe_empty))
        opt(rng, p, "Filters", filters)
        opt(rng, p, "MaxResults", lambda r: r.randint(5, 1000))
        opt(rng, p, "NextToken", maybe_empty)
    elif op == "create_vpc_endpoint_service_configuration":
        opt(rng, p, "AcceptanceRequired", lambda r: r.random() < 0.5)
        opt(rng, p, "PrivateDnsName", maybe_empty)
        opt(rng, p, "NetworkLoadBalancerArns", lambda r: rlist(r, arn, 1, 3))
        opt(rng, p, "SupportedIpAddressTypes", lambda r: r.sample(["ipv4", "ipv6"], r.randint(1, 2)))
        opt(rng, p, "ClientToken", lambda r: rstr(r, 1, 64))
        opt(rng, p, "TagSpecifications",
            lambda r: [{"ResourceType": "vpc-endpoint-service", "Tags": tags(r)}])
    elif op == "modify_vpc_endpoint_service_configuration":
        p["ServiceId"] = maybe_empty(rng)
        opt(rng, p, "RemovePrivateDnsName", lambda r: r.random() < 0.5)
        opt(rng, p, "AddNetworkLoadBalancerArns", lambda r: rlist(r, arn, 1, 2))
        opt(rng, p, "RemoveSupportedIpAddressTypes", lambda r: ["ipv6"])
    elif op == "modify_vpc_endpoint_service_permissions":
        p["ServiceId"] = maybe_empty(rng)
        opt(rng, p, "AddAllowedPrincipals", lambda r: rlist(r, maybe_empty) + ["*"])
        opt(rng, p, "RemoveAllowedPrincipals", lambda r: rlist(r, maybe_empty))
    elif op == "describe_vpc_endpoint_connections":
        opt(rng, p, "Filters", filters)
        opt(rng, p, "MaxResults", lambda r: r.randint(5, 1000))
        opt(rng, p, "NextToken", maybe_empty)
    elif op == "accept_vpc_endpoint_connections":
        p["ServiceId"] = maybe_empty(rng)
        p["VpcEndpointIds"] = rlist(rng, maybe_empty, 1, 5)
    elif op == "create_tags":
        p["Resources"] = rlist(rng, maybe_empty, 1, 3)
        p["Tags"] = tags(rng)
    else:
        p["Resources"] = rlist(rng, maybe_empty, 1, 3)
        opt(rng, p, "Tags", lambda r: tags(r, with_value=False))
    if rng.random() < 0.2:
        p["DryRun"] = rng.random() < 0.5
    return "ec2", op, p


def sts_call(rng):
    p = {"RoleArn": "arn:aws:iam::111122223333:role/" + rstr(rng, 1, 20),
         "RoleSessionName": rstr(rng, 2, 20)}
    opt(rng, p, "DurationSeconds", lambda r: r.randint(900, 43200))
    opt(rng, p, "ExternalId", lambda r: rstr(r, 2, 30))
    opt(rng, p, "Tags", lambda r: [{"Key": rstr(r, 1, 10), "Value": maybe_empty(r)}
                                   for _ in range(r.randint(0, 3))])
    opt(rng, p, "TransitiveTagKeys", lambda r: rlist(r, maybe_empty))
    return "sts", "assume_role", p


def credentials(rng):
    alnum = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
    key = rng.choice(["AKIA", "ASIA"]) + "".join(rng.choice(alnum) for _ in range(16))
    secret = base64.b64encode(rng.randbytes(30)).decode()
    token = None
    if rng.random() < 0.5:
        token = base64.b64encode(rng.randbytes(rng.randint(60, 900))).decode()
    return key, secret, token


def main():
    out = sys.argv[1]
    count = int(sys.argv[2]) if len(sys.argv) > 2 else 250
    seed = int(sys.argv[3]) if len(sys.argv) > 3 else 20260115
    rng = random.Random(seed)
    clock = FrozenClock()
    botocore.auth.datetime = types.SimpleNamespace(
        datetime=clock.datetime, timezone=clock.timezone, timedelta=clock.timedelta)
    botocore.auth.AUTH_TYPE_MAPS["v4"] = botocore.auth.SigV4Auth
    # Regional STS endpoints, as vpcesd uses (botocore 1.29 defaults to the
    # global endpoint, which signs as us-east-1).
    os.environ["AWS_STS_REGIONAL_ENDPOINTS"] = "regional"
    session = botocore.session.get_session()
    captured = []

    def capture(request, **kwargs):
        captured.append(request)
        raise Captured()

    cases = []
    for i in range(count):
        service, op, params = sts_call(rng) if rng.random() < 0.15 else ec2_call(rng)
        region = rng.choice(REGIONS)
        key, secret, token = credentials(rng)
        clock.now = real_datetime.datetime(2000, 1, 1) + real_datetime.timedelta(
            seconds=rng.randint(0, 37 * 365 * 86400))
        client = session.create_client(
            service, region_name=region, aws_access_key_id=key,
            aws_secret_access_key=secret, aws_session_token=token,
            config=Config(parameter_validation=False,
                          retries={"total_max_attempts": 1, "mode": "standard"}))
        client.meta.events.register("before-send", capture)
        captured.clear()
        try:
            getattr(client, op)(**params)
        except Captured:
            pass
        if not captured:
            raise SystemExit("case %d: botocore sent nothing for %s" % (i, op))
        req = captured[-1]
        body = req.body or b""
        if isinstance(body, str):
            body = body.encode("utf-8")
        auth = req.headers["Authorization"]
        if isinstance(auth, bytes):
            auth = auth.decode()
        signed = auth.split("SignedHeaders=")[1].split(",")[0].split(";")
        url = req.url
        host = url.split("://", 1)[1].split("/", 1)[0]
        headers = []
        for name in signed:
            if name in ("x-amz-date", "x-amz-security-token", "host"):
                continue
            value = req.headers[name]
            headers.append([name, value.decode() if isinstance(value, bytes) else value])
        cases.append({
            "n": i,
            "action": op,
            "service": service,
            "region": region,
            "timestamp": int(clock.now.replace(tzinfo=real_datetime.timezone.utc).timestamp()),
            "signer": type(client._request_signer.get_auth_instance(
                client._request_signer.signing_name, region, "v4")).__name__,
            "method": req.method,
            "host": host,
            "path": "/",
            "headers": headers,
            "body_hex": body.hex(),
            "access_key_id": key,
            "secret_access_key": secret,
            "session_token": token,
            "amz_date": req.headers["X-Amz-Date"] if isinstance(req.headers["X-Amz-Date"], str)
            else req.headers["X-Amz-Date"].decode(),
            "authorization": auth,
        })
        client.close()
    with open(out, "w", encoding="utf-8") as f:
        json.dump({"botocore": botocore.__version__, "seed": seed, "cases": cases}, f, indent=1)


if __name__ == "__main__":
    main()
