#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
"""SSO profiles end to end (issue 15): `vpcesd --once --dry-run` with HOME
holding ~/.aws/config and the token cache `aws sso login` writes, against
ec2sim's SSO portal and OIDC endpoints (AWS_ENDPOINT_URL_SSO /
AWS_ENDPOINT_URL_SSO_OIDC), at debug level.

The instance role stays reachable (AWS_EC2_METADATA_SERVICE_ENDPOINT points
at the sim's IMDS) so that a fall-through to it would succeed: every
failing case checks that vpcesd exits non-zero, says to run `aws sso login`,
and made no EC2 call and no IMDS call.  Every byte vpcesd wrote is searched
for the tokens, the refresh tokens and the client secret.

Runs under tests/with-ec2sim.sh (tests/sso-run.sh).
"""

import hashlib
import json
import os
import stat
import subprocess
import sys
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree (read-only in distcheck)
from simctl import admin  # tests/simctl.py, beside this file (sys.path[0])

VPCESD = os.environ["VPCESD"]
SIM_DIR = os.environ["EC2SIM_DIR"]
ENDPOINT = os.environ["EC2SIM_ENDPOINT"]
DIR = os.path.join(SIM_DIR, "sso")
HOME = os.path.join(DIR, "home")
CONF = os.path.join(DIR, "etc")
CACHE = os.path.join(HOME, ".aws", "sso", "cache")

# Recognisable secrets, each appearing nowhere but in the cache and the sim.
TOKEN = "aoaCanaryAccessToken0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJ"
EXPIRED_TOKEN = "aoaCanaryExpiredToken0123456789abcdefghijklmnopqrstuvwxyzABCDEFG"
REFRESH = "aorCanaryRefreshToken0123456789abcdefghijklmnopqrstuvwxyzABCDEF"
CLIENT_ID = "CanaryClientId0123456789abcdef"
CLIENT_SECRET = "CanaryClientSecret0123456789abcdefghijklmnopqrstuvwxyz"
SECRETS = [TOKEN, EXPIRED_TOKEN, REFRESH, CLIENT_SECRET, "Canary"]

CONFIG = """[profile dev]
sso_session = corp
sso_account_id = 111122223333
sso_role_name = Admin
region = us-east-1

[sso-session corp]
sso_start_url = https://corp.awsapps.com/start
sso_region = us-east-1

[profile legacy]
sso_start_url = https://legacy.awsapps.com/start
sso_region = us-east-1
sso_account_id = 111122223333
sso_role_name = Admin
region = us-east-1

[profile partial]
sso_session = corp
sso_account_id = 111122223333
region = us-east-1
"""

failures = []
outputs = []


def check(ok, what):
    if not ok:
        failures.append(what)
        print("FAIL: " + what)


def stamp(offset):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + offset))


def cache_path(key):
    return os.path.join(CACHE, hashlib.sha1(key.encode()).hexdigest() + ".json")


def write_cache(key, doc):
    path = cache_path(key)
    with open(path, "w") as f:
        json.dump(doc, f)
    os.chmod(path, 0o600)
    return path


def env(profile):
    e = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": HOME,
        "AWS_PROFILE": profile,
        "AWS_ENDPOINT_URL_SSO": ENDPOINT,
        "AWS_ENDPOINT_URL_SSO_OIDC": ENDPOINT,
        # Reachable on purpose: falling through to the instance role would work.
        "AWS_EC2_METADATA_SERVICE_ENDPOINT": os.environ["EC2SIM_IMDS"],
    }
    # tests/valgrind-vpcesd as VPCESD needs these.
    for k in ("VPCESD_REAL", "VALGRIND_LOG"):
        if k in os.environ:
            e[k] = os.environ[k]
    return e


def run(name, profile, *args):
    admin("DELETE", "/_sim/log")
    p = subprocess.run([VPCESD, *args, "-c", CONF, "--log-target", "stderr", "--log-level", "debug"],
                       env=env(profile), capture_output=True, text=True, timeout=60)
    outputs.append((name, p.stdout + p.stderr))
    counters = admin("GET", "/_sim/counters")
    ec2 = sum(v["total"] for k, v in counters.items() if k not in ("SSO", "SSO-OIDC", "IMDS", "ECS"))
    return p.returncode, p.stderr, counters, ec2


def calls(counters, action, outcome="total"):
    return counters.get(action, {}).get(outcome, 0)


def main():
    os.makedirs(os.path.join(CONF, "services.d"))
    os.makedirs(CACHE)
    with open(os.path.join(HOME, ".aws", "config"), "w") as f:
        f.write(CONFIG)
    with open(os.path.join(CONF, "vpcesd.yaml"), "w") as f:
        f.write("endpoint: %s\nca_file: %s\nowner: sso\nstatus_file: %s\nstate_dir: %s\n" % (
            ENDPOINT, os.environ["EC2SIM_CA"], os.path.join(DIR, "status.json"), os.path.join(DIR, "state")))
    base = {"startUrl": "https://corp.awsapps.com/start", "region": "us-east-1", "kept": "by the rewrite"}

    # 1. A valid token: role credentials from the portal sign the EC2 calls.
    admin("POST", "/_sim/sso/tokens", {"access_token": TOKEN, "expires_in": 3600})
    write_cache("corp", dict(base, accessToken=TOKEN, expiresAt=stamp(3600)))
    rc, err, c, ec2 = run("valid", "dev", "--once", "--dry-run")
    check(rc == 0, "valid token: exit %d: %s" % (rc, err[-400:]))
    check("credentials from SSO role Admin in account 111122223333 (profile dev, sso-session corp, "
          "portal endpoint from AWS_ENDPOINT_URL_SSO, OIDC endpoint from AWS_ENDPOINT_URL_SSO_OIDC)" in err,
          "valid token: the start-up line does not name the SSO role and its sources")
    check(calls(c, "SSO", "OK") == 1 and calls(c, "SSO-OIDC") == 0, "valid token: portal/OIDC calls %r" % c)
    check(ec2 > 0 and calls(c, "IMDS") == 0, "valid token: %d EC2 calls, IMDS %d" % (ec2, calls(c, "IMDS")))
    log = admin("GET", "/_sim/log")
    keys = {e.get("access_key") for e in log if e.get("protocol") == "ec2"}
    sources = {k["access_key"]: k["source"] for k in admin("GET", "/_sim/credentials")}
    check(keys and all(sources.get(k) == "sso" for k in keys), "valid token: EC2 signed with %r" % keys)

    # --dump-config names the source too.
    p = subprocess.run([VPCESD, "--dump-config", "-c", CONF], env=env("dev"), capture_output=True, text=True)
    outputs.append(("dump", p.stdout + p.stderr))
    dumped = json.loads(p.stdout) if p.returncode == 0 else {}
    check(dumped.get("sources", {}).get("credentials", "").startswith("SSO role Admin in account 111122223333"),
          "--dump-config: sources.credentials is %r" % dumped.get("sources", {}).get("credentials"))

    # 2. Expired but refreshable: renewed through OIDC, written back 0600, then used.
    admin("POST", "/_sim/sso/tokens", {"access_token": EXPIRED_TOKEN, "expires_in": -60, "refresh_token": REFRESH,
                                       "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET})
    path = write_cache("corp", dict(base, accessToken=EXPIRED_TOKEN, expiresAt=stamp(-60), refreshToken=REFRESH,
                                    clientId=CLIENT_ID, clientSecret=CLIENT_SECRET,
                                    registrationExpiresAt=stamp(30 * 86400)))
    os.chmod(path, 0o644)  # the rewrite sets 0600 whatever it was
    rc, err, c, ec2 = run("refresh", "dev", "--once", "--dry-run")
    check(rc == 0, "refresh: exit %d: %s" % (rc, err[-400:]))
    check(calls(c, "SSO-OIDC", "OK") == 1 and calls(c, "SSO", "OK") == 1, "refresh: calls %r" % c)
    with open(path) as f:
        doc = json.load(f)
    mode = stat.S_IMODE(os.stat(path).st_mode)
    check(mode == 0o600, "refresh: the cache file is mode %o" % mode)
    check(doc.get("accessToken") not in (None, EXPIRED_TOKEN), "refresh: the access token was not replaced")
    check(doc.get("refreshToken") not in (None, REFRESH), "refresh: the rotated refresh token was not kept")
    check(doc.get("expiresAt", "") > stamp(3000), "refresh: expiresAt %r" % doc.get("expiresAt"))
    check(doc.get("clientSecret") == CLIENT_SECRET and doc.get("kept") == "by the rewrite",
          "refresh: other members were not kept: %r" % sorted(doc))
    check(not [n for n in os.listdir(CACHE) if n.startswith(".")], "refresh: a temporary file was left")
    SECRETS.extend([doc["accessToken"], doc["refreshToken"]])
    renewed = doc

    # 3. Expired and the refresh fails (the refresh token was revoked): no fall-through.
    admin("POST", "/_sim/sso/revoke", {})
    write_cache("corp", dict(renewed, accessToken=EXPIRED_TOKEN, expiresAt=stamp(-60)))
    rc, err, c, ec2 = run("refresh-fails", "dev", "--once", "--dry-run")
    check(rc != 0, "refresh fails: exit 0")
    check("aws sso login --profile dev" in err and "renewing it failed" in err and "invalid_grant" in err,
          "refresh fails: message: %s" % err[-600:])
    check(ec2 == 0 and calls(c, "IMDS") == 0 and calls(c, "SSO") == 0,
          "refresh fails: EC2 %d, IMDS %d, portal %d calls" % (ec2, calls(c, "IMDS"), calls(c, "SSO")))

    # 4. Expired, legacy form (no refresh): the portal is not even asked.
    write_cache("https://legacy.awsapps.com/start", {"startUrl": "https://legacy.awsapps.com/start",
                                                     "region": "us-east-1", "accessToken": EXPIRED_TOKEN,
                                                     "expiresAt": stamp(-60)})
    rc, err, c, ec2 = run("legacy-expired", "legacy", "--once", "--dry-run")
    check(rc != 0 and "aws sso login --profile legacy" in err and "expired at" in err,
          "legacy expired: exit %d: %s" % (rc, err[-400:]))
    check(ec2 == 0 and sum(v["total"] for v in c.values()) == 0, "legacy expired: calls %r" % c)

    # 5. No cache file at all.
    os.unlink(cache_path("https://legacy.awsapps.com/start"))
    rc, err, c, ec2 = run("no-cache", "legacy", "--once", "--dry-run")
    check(rc != 0 and "no cached SSO token (~/.aws/sso/cache/%s.json does not exist)" % hashlib.sha1(
        b"https://legacy.awsapps.com/start").hexdigest() in err and "aws sso login --profile legacy" in err,
          "no cache: exit %d: %s" % (rc, err[-400:]))
    check(ec2 == 0 and calls(c, "IMDS") == 0, "no cache: calls %r" % c)

    # 6. The portal refuses the token (401), and quotes it back: scrubbed.
    admin("POST", "/_sim/sso/tokens", {"access_token": TOKEN, "expires_in": 3600})
    write_cache("corp", dict(base, accessToken=TOKEN, expiresAt=stamp(3600)))
    admin("POST", "/_sim/faults", {"kind": "answer", "action": "SSO", "status": 401, "content_type": "application/json",
                                   "headers": {"x-amzn-ErrorType": "UnauthorizedException"},
                                   "body": json.dumps({"message": "Session token %s not found or invalid" % TOKEN}),
                                   "count": 10})
    rc, err, c, ec2 = run("portal-401", "dev", "--once", "--dry-run")
    admin("DELETE", "/_sim/faults")
    check(rc != 0 and "refused the token" in err and "HTTP 401" in err and "aws sso login --profile dev" in err,
          "portal 401: exit %d: %s" % (rc, err[-400:]))
    check("Session token [redacted] not found" in err, "portal 401: the quoted token was not redacted")
    check(ec2 == 0 and calls(c, "IMDS") == 0, "portal 401: calls %r" % c)
    # The same with the sim's own 401 (the token expired server-side).
    admin("POST", "/_sim/sso/expire", {})
    rc, err, c, ec2 = run("portal-expired", "dev", "--once", "--dry-run")
    check(rc != 0 and "refused the token" in err and "HTTP 401" in err and ec2 == 0, "portal expired: exit %d: %s" % (rc, err[-400:]))

    # 7. A partial SSO profile is a configuration error, found by -n as well.
    rc, err, c, ec2 = run("partial", "partial", "--check-config")
    check(rc == 1 and "profile partial" in err and "sso_role_name is missing" in err,
          "partial: -n exit %d: %s" % (rc, err[-400:]))
    rc, err, c, ec2 = run("partial-once", "partial", "--once", "--dry-run")
    check(rc != 0 and "sso_role_name is missing" in err and ec2 == 0 and calls(c, "IMDS") == 0,
          "partial: --once exit %d: %s" % (rc, err[-400:]))

    # No secret in anything vpcesd wrote.
    for name, text in outputs:
        for s in SECRETS:
            if s in text:
                check(False, "%s: output holds %s..." % (name, s[:12]))
    status = os.path.join(DIR, "status.json")
    if os.path.exists(status):
        with open(status) as f:
            text = f.read()
        for s in SECRETS:
            check(s not in text, "status file holds %s..." % s[:12])
    if not failures:
        print("ok: %d vpcesd runs with SSO profiles: valid, renewed (0600), refresh refused, legacy expired, "
              "no cache, portal 401 (x2), partial (x2); no secret in their output" % len(outputs))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
