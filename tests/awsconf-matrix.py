#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
"""Matrix test of the AWS settings vpcesd takes from the environment, the
AWS config file and vpcesd.yaml (issue 15), with botocore as the oracle.

Every combination of ENVS x CONFIGS x YAMLS is resolved twice:

  * by vpcesd: `vpcesd --dump-config` in a clean environment (no variable
    of the caller's), whose JSON gives region, endpoint, sts_endpoint,
    ca_file, api.max_attempts, api.retry_mode and the "sources" object;
  * by botocore, in process, on the same environment and file: a Session
    (profile= for vpcesd.yaml's credentials.profile) whose ec2 and sts
    clients are created with what vpcesd.yaml says (region_name=,
    endpoint_url=, verify=, Config(retries=...)), and
    AWS_STS_REGIONAL_ENDPOINTS=regional, as vpcesd always is.

Where botocore 1.29 (Debian's python3-botocore) predates a setting, the
expected value is computed here from the AWS documentation instead, and
the function doing it says which page:

  * AWS_REGION: botocore reads AWS_DEFAULT_REGION only; the AWS SDKs and
    Tools Reference Guide, "AWS Region" (feature-region.html), names
    AWS_REGION first, and vpcesd follows the SDKs.
  * AWS_ENDPOINT_URL, AWS_ENDPOINT_URL_<SERVICE>, the profile's
    `services` section and `endpoint_url`, and
    AWS_IGNORE_CONFIGURED_ENDPOINT_URLS / ignore_configured_endpoint_urls:
    the same guide, "Service-specific endpoints" (feature-ss-endpoints.html).
  * retry defaults: botocore's own default mode is "legacy"; vpcesd's is
    adaptive with 5 attempts (vpcesd.yaml(5)); an unset value on both sides
    maps to that.

The credential provider is compared too, where botocore can say which it
would use without a network call: its credential resolver on the same
session (an SSO provider is deferred, so nothing is fetched) gives a method
("sso", or None when nothing applies: the instance role is disabled here).
One difference is vpcesd's on purpose (creds_plan.h): a profile with SSO
keys but neither sso_account_id nor sso_role_name is skipped by botocore and
refused by vpcesd ("config-error"), so that a daemon never acts as the
instance role where SSO was meant; documented_credentials() says so.

Outcomes compared: the values, "no region" (botocore: NoRegionError;
vpcesd: exit 1 naming it), and "profile not found" (botocore:
ProfileNotFound; vpcesd: `-n` exits 1 naming the profile, which is where
vpcesd checks credentials and profiles).  The sources vpcesd names are
checked against the source this test expects for region and endpoint.

Usage: awsconf-matrix.py VPCESD  (exit 0 all agree, 1 a mismatch, 77 skip)
"""

import json
import os
import shutil
import subprocess
import sys
import tempfile

try:
    import botocore.config
    import botocore.configloader
    import botocore.exceptions
    import botocore.loaders
    import botocore.session
except ImportError:
    print("SKIP: no botocore (apt-get install python3-botocore)")
    sys.exit(77)

VPCESD = sys.argv[1]
TMP = tempfile.mkdtemp(prefix="awsconf-matrix.")
CA = {n: os.path.join(TMP, n + ".pem") for n in ("ca1", "ca2", "ca3")}

# --- the inputs -----------------------------------------------------------------

ENVS = {
    "none": {},
    "region": {"AWS_REGION": "eu-central-1"},
    "default-region": {"AWS_DEFAULT_REGION": "ap-northeast-1"},
    "both-regions": {"AWS_REGION": "ca-central-1", "AWS_DEFAULT_REGION": "ap-northeast-1"},
    "profile-prod": {"AWS_PROFILE": "prod"},
    # botocore reads AWS_DEFAULT_PROFILE first (configprovider.py: 'profile').
    "default-profile": {"AWS_PROFILE": "prod", "AWS_DEFAULT_PROFILE": "gov"},
    "gov-fips": {"AWS_PROFILE": "gov", "AWS_USE_FIPS_ENDPOINT": "true"},
    "cn-dualstack": {"AWS_DEFAULT_REGION": "cn-north-1", "AWS_USE_DUALSTACK_ENDPOINT": "true"},
    "ca-retries": {
        "AWS_CA_BUNDLE": CA["ca2"],
        "AWS_MAX_ATTEMPTS": "3",
        "AWS_RETRY_MODE": "standard",
    },
    "endpoint-url": {"AWS_ENDPOINT_URL": "https://generic.example"},
    "endpoint-url-svc": {
        "AWS_ENDPOINT_URL": "https://generic.example",
        "AWS_ENDPOINT_URL_EC2": "https://ec2.env.example",
        "AWS_ENDPOINT_URL_STS": "https://sts.env.example:8443",
    },
    "ignore-urls": {
        "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS": "true",
        "AWS_ENDPOINT_URL_EC2": "https://ec2.env.example",
        "AWS_USE_FIPS_ENDPOINT": "True",
    },
    "fips-off": {"AWS_PROFILE": "fipsprof", "AWS_USE_FIPS_ENDPOINT": "false"},
}

CONFIGS = {
    "none": None,
    "simple": "[default]\nregion = us-west-2\n",
    "rich": (
        "[default]\n"
        "region = sa-east-1\n"
        "use_dualstack_endpoint = true\n"
        "max_attempts = 8\n"
        "retry_mode = adaptive\n"
        "ca_bundle = {ca1}\n"
        "[profile prod]\n"
        "region = eu-west-1\n"
        "ca_bundle = {ca1}\n"
        "max_attempts = 4\n"
        "retry_mode = standard\n"
        "[profile gov]\n"
        "region = us-gov-west-1\n"
        "[profile fipsprof]\n"
        "region = us-east-2\n"
        "use_fips_endpoint = true\n"
    ),
    "endpoints": (
        "[default]\n"
        "region = us-east-1\n"
        "services = loc\n"
        "endpoint_url = https://profile.example\n"
        "[services loc]\n"
        "ec2 =\n"
        "  endpoint_url = https://svc-ec2.example\n"
        "[profile prod]\n"
        "region = eu-west-1\n"
        "endpoint_url = https://prod.example\n"
        "[profile fipsprof]\n"
        "region = us-east-2\n"
        "services = loc\n"
        "use_fips_endpoint = true\n"
    ),
    "sso": (
        "[default]\n"
        "region = us-west-2\n"
        "sso_session = corp\n"
        "sso_account_id = 111122223333\n"
        "sso_role_name = Admin\n"
        "[sso-session corp]\n"
        "sso_start_url = https://corp.awsapps.com/start\n"
        "sso_region = eu-west-1\n"
        "[profile prod]\n"
        "region = eu-west-1\n"
        "sso_start_url = https://legacy.awsapps.com/start\n"
        "sso_region = us-east-1\n"
        "sso_account_id = 111122223333\n"
        "sso_role_name = ReadOnly\n"
        "[profile gov]\n"
        "region = us-gov-west-1\n"
        "sso_session = corp\n"
        "sso_account_id = 111122223333\n"
        "[profile fipsprof]\n"
        "region = us-east-2\n"
        "sso_session = corp\n"
    ),
    "gov-cn": (
        "[default]\n"
        "region = us-gov-east-1\n"
        "use_fips_endpoint = true\n"
        "ignore_configured_endpoint_urls = true\n"
        "endpoint_url = https://ignored.example\n"
        "[profile prod]\n"
        "region = cn-northwest-1\n"
        "use_dualstack_endpoint = true\n"
        "use_fips_endpoint = true\n"
        "[profile gov]\n"
        "region = us-gov-west-1\n"
        "use_dualstack_endpoint = true\n"
    ),
}

YAMLS = {
    "none": None,
    "region": {"region": "eu-north-1"},
    "overrides": {
        "endpoint": "https://yaml-ec2.example",
        "ca_file": "{ca3}",
        "api": {"max_attempts": 2, "retry_mode": "standard"},
    },
    "profile": {"credentials": {"profile": "prod"}},
}

# --- vpcesd -----------------------------------------------------------------------


def clean_env(case_env, config_path):
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": os.path.join(TMP, "home"),
        "AWS_CONFIG_FILE": config_path,
        "AWS_SHARED_CREDENTIALS_FILE": os.path.join(TMP, "no-credentials"),
        "AWS_EC2_METADATA_DISABLED": "true",
        "STATE_DIRECTORY": os.path.join(TMP, "state"),
    }
    env.update(case_env)
    return env


def run_vpcesd(cdir, env):
    """{"values": {...}, "sources": {...}} or {"error": stderr}."""
    p = subprocess.run(
        [VPCESD, "--dump-config", "--config-dir", cdir],
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
    )
    if p.returncode != 0:
        return {"error": p.stderr, "rc": p.returncode}
    d = json.loads(p.stdout)
    return {
        "values": {
            "region": d.get("region"),
            "endpoint": d.get("endpoint"),
            "sts_endpoint": d.get("sts_endpoint"),
            "ca_file": d.get("ca_file"),
            "max_attempts": d["api"]["max_attempts"],
            "retry_mode": d["api"]["retry_mode"],
        },
        "sources": d.get("sources", {}),
        "credentials": credentials_kind(d.get("sources", {}).get("credentials"), cdir, env),
    }


def credentials_kind(desc, cdir, env):
    """vpcesd's provider as botocore's method name, or "config-error" when -n refuses it."""
    if desc is None:
        rc, err = run_check(cdir, env)
        return "config-error" if rc == 1 and "credentials: profile" in err and "sso" in err else None
    if desc.startswith("SSO role "):
        return "sso"
    return "other: " + desc


def run_check(cdir, env):
    p = subprocess.run(
        [VPCESD, "--check-config", "--config-dir", cdir],
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
    )
    return p.returncode, p.stderr


# --- the oracle -----------------------------------------------------------------

LOADER = botocore.loaders.create_loader()


def truthy(v):
    """botocore's ensure_boolean."""
    return isinstance(v, str) and v.lower() == "true"


def documented_region(env, yaml):
    """AWS SDKs and Tools Reference Guide, "AWS Region": AWS_REGION comes first
    among the environment variables; botocore 1.29 does not read it."""
    if yaml.get("region"):
        return yaml["region"], "vpcesd.yaml"
    if env.get("AWS_REGION"):
        return env["AWS_REGION"], "AWS_REGION"
    return None, None


def documented_endpoint(svc, env, raw, profile):
    """AWS SDKs and Tools Reference Guide, "Service-specific endpoints":
    AWS_ENDPOINT_URL_<SERVICE> > AWS_ENDPOINT_URL > the `services` section
    the profile names (`<service> = endpoint_url = ...`) > the profile's
    `endpoint_url`; AWS_IGNORE_CONFIGURED_ENDPOINT_URLS, else the profile's
    ignore_configured_endpoint_urls, set to true disables all of them.
    botocore 1.29 implements none of this.  Returns (url, source) or (None, None)."""
    prof = raw.get("default" if profile == "default" else "profile " + profile, {})
    ignore = env.get("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS")
    if ignore is None:
        ignore = prof.get("ignore_configured_endpoint_urls")
    if truthy(ignore):
        return None, None
    var = "AWS_ENDPOINT_URL_" + svc.upper()
    if env.get(var):
        return env[var], var
    if env.get("AWS_ENDPOINT_URL"):
        return env["AWS_ENDPOINT_URL"], "AWS_ENDPOINT_URL"
    if "services" in prof:
        block = raw.get("services " + prof["services"], {}).get(svc)
        if isinstance(block, dict) and block.get("endpoint_url"):
            return block["endpoint_url"], "services %s of profile %s" % (
                prof["services"],
                profile,
            )
    if prof.get("endpoint_url"):
        return prof["endpoint_url"], "profile " + profile
    return None, None


def documented_credentials(s, raw, profile):
    """botocore's credential method for the session, without a network call.
    Where botocore skips a profile with SSO keys (no sso_account_id and no
    sso_role_name) vpcesd refuses it: creds_plan.h, the SSO paragraph."""
    try:
        creds = s.get_credentials()
    except botocore.exceptions.InvalidConfigError:
        return "config-error"
    prof = raw.get("default" if profile == "default" else "profile " + profile, {})
    if creds is None and any(k.startswith("sso_") for k in prof):
        return "config-error"
    return creds.method if creds is not None else None


def oracle(env, config_path, yaml):
    """What vpcesd must resolve: {"values", "sources"} or {"outcome": ...}."""
    saved = dict(os.environ)
    try:
        for k in list(os.environ):
            if k.startswith("AWS_"):
                del os.environ[k]
        os.environ.update(clean_env(env, config_path))
        os.environ["AWS_STS_REGIONAL_ENDPOINTS"] = "regional"
        profile = yaml.get("credentials", {}).get("profile")
        s = botocore.session.Session(profile=profile)
        s.register_component("data_loader", LOADER)
        named = profile or env.get("AWS_DEFAULT_PROFILE") or env.get("AWS_PROFILE")
        try:
            scoped = s.get_scoped_config()
        except botocore.exceptions.ProfileNotFound:
            return {"outcome": "profile-not-found", "profile": named}
        assert s.profile == named or (named is None and s.profile is None)
        profile = named or "default"
        raw = {}
        if os.path.isfile(config_path):
            raw = botocore.configloader.raw_config_parse(config_path)

        region, region_src = documented_region(env, yaml)
        if region is None:
            region = s.get_config_variable("region")
            if env.get("AWS_DEFAULT_REGION"):
                region_src = "AWS_DEFAULT_REGION"
            elif region:
                region_src = "profile " + profile
        if region is None:
            return {"outcome": "no-region"}

        retries = {}
        api = yaml.get("api", {})
        if "max_attempts" in api:
            retries["total_max_attempts"] = api["max_attempts"]
        if "retry_mode" in api:
            retries["mode"] = api["retry_mode"]
        cfg = botocore.config.Config(retries=retries) if retries else None
        verify = yaml.get("ca_file")
        values, sources = {"region": region}, {"region": region_src}
        for svc, key in (("ec2", "endpoint"), ("sts", "sts_endpoint")):
            url, src = (yaml[key], "vpcesd.yaml") if yaml.get(key) else (None, None)
            if url is None:
                url, src = documented_endpoint(svc, env, raw, profile)
            # Explicit keys: the credential chain is compared on its own
            # (documented_credentials), and an SSO profile botocore refuses
            # must not stop the endpoint comparison.
            client = s.create_client(
                svc, region_name=region, endpoint_url=url, verify=verify, config=cfg,
                aws_access_key_id="AKIDMATRIX", aws_secret_access_key="matrix",
            )
            values[key] = client.meta.endpoint_url
            if src is None:
                src = "default for " + region
            sources[key] = src
            if svc == "ec2":
                assert client.meta.region_name == region
                # botocore's ca_bundle (vpcesd.yaml's verify=, AWS_CA_BUNDLE,
                # the profile's ca_bundle); without one both use the system
                # store (Debian's botocore names its path in _verify then).
                bundle = verify or s.get_config_variable("ca_bundle")
                if bundle is not None:
                    assert client._endpoint.http_session._verify == bundle
                values["ca_file"] = bundle
                r = client.meta.config.retries or {}
                values["max_attempts"] = r.get("total_max_attempts", 5)
                mode = r.get("mode", "legacy")
                values["retry_mode"] = "adaptive" if mode == "legacy" else mode
        del scoped
        return {"values": values, "sources": sources,
                "credentials": documented_credentials(s, raw, profile)}
    finally:
        os.environ.clear()
        os.environ.update(saved)


# --- the matrix ---------------------------------------------------------------------


def fill(text):
    return text.replace("{ca1}", CA["ca1"]).replace("{ca2}", CA["ca2"]).replace(
        "{ca3}", CA["ca3"]
    )


def make_cas():
    for path in CA.values():
        subprocess.run(
            [
                "openssl", "req", "-x509", "-newkey", "ec",
                "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                "-keyout", path + ".key", "-out", path, "-subj", "/CN=awsconf-matrix",
                "-days", "2",
            ],
            check=True,
            capture_output=True,
        )


def main():
    if shutil.which("openssl") is None:
        print("SKIP: openssl not found")
        return 77
    os.makedirs(os.path.join(TMP, "home"))
    os.makedirs(os.path.join(TMP, "state"))
    make_cas()
    total = len(ENVS) * len(CONFIGS) * len(YAMLS)
    print("awsconf matrix: %d environments x %d config files x %d vpcesd.yaml = %d cases"
          % (len(ENVS), len(CONFIGS), len(YAMLS), total))
    failures = 0
    counts = {}
    n = 0
    for cname, ctext in CONFIGS.items():
        cpath = os.path.join(TMP, "config-" + cname)
        if ctext is not None:
            with open(cpath, "w") as f:
                f.write(fill(ctext))
        for yname, yaml in YAMLS.items():
            cdir = os.path.join(TMP, "conf-%s-%s" % (cname, yname))
            os.makedirs(os.path.join(cdir, "services.d"))
            yaml = json.loads(fill(json.dumps(yaml))) if yaml is not None else {}
            if yname != "none":
                with open(os.path.join(cdir, "vpcesd.yaml"), "w") as f:
                    json.dump(yaml, f)
            for ename, env in ENVS.items():
                n += 1
                label = "env=%s config=%s yaml=%s" % (ename, cname, yname)
                want = oracle(env, cpath, yaml)
                venv = clean_env(env, cpath)
                got = run_vpcesd(cdir, venv)
                problem = compare(want, got, cdir, venv)
                kind = want.get("outcome", "values")
                counts[kind] = counts.get(kind, 0) + 1
                if want.get("credentials"):
                    kind = "credentials " + want["credentials"]
                    counts[kind] = counts.get(kind, 0) + 1
                if problem:
                    failures += 1
                    print("FAIL %s: %s" % (label, problem))
    print("awsconf matrix: %d cases (%s), %d failed"
          % (n, ", ".join("%d %s" % (v, k) for k, v in sorted(counts.items())), failures))
    shutil.rmtree(TMP, ignore_errors=True)
    return 1 if failures else 0


def compare(want, got, cdir, venv):
    outcome = want.get("outcome")
    if outcome == "no-region":
        if "error" in got and "no region" in got["error"]:
            return None
        return "expected 'no region', vpcesd said %r" % (got,)
    if outcome == "profile-not-found":
        rc, err = run_check(cdir, venv)
        if rc == 1 and ("profile %s" % want["profile"]) in err and "not found" in err:
            return None
        return "expected profile %s not found, vpcesd -n exit %d: %s" % (
            want["profile"], rc, err.strip()[-300:])
    if "error" in got:
        return "vpcesd failed: %s" % got["error"].strip()[-300:]
    if want.get("credentials") != got.get("credentials"):
        return "credentials (botocore, vpcesd): %r, %r" % (want.get("credentials"), got.get("credentials"))
    if got["values"] != want["values"]:
        diff = {k: (want["values"].get(k), got["values"].get(k))
                for k in want["values"] if want["values"].get(k) != got["values"].get(k)}
        return "values differ (botocore, vpcesd): %s" % diff
    for key, src in want["sources"].items():
        have = got["sources"].get(key, "")
        # vpcesd adds the variant to a default ("default for R, FIPS from X").
        if have != src and not (src.startswith("default for ") and have.startswith(src + ",")):
            return "source of %s: expected %r, vpcesd named %r" % (key, src, have)
    return None


if __name__ == "__main__":
    sys.exit(main())
