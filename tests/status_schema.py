#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
"""Validate vpcesd status files against schema/status.schema.json.

As a module: check(doc, where) raises SchemaError naming the first
violation; looks_like_status(doc) tells a status document from other JSON.

As a command:
  status_schema.py FILE...        validate each file (all must be status files)
  status_schema.py --sweep DIR    validate every status document found under DIR
                                  (JSON files that look like one; others ignored)
  status_schema.py --self-test    prove the schema rejects what it must
Exit 0 when all are valid, 1 when one is not, 99 when the checker cannot run.

Every test that runs against the sim sweeps its scratch directory on the way
out (tests/with-ec2sim.sh), the campaigns check each status they read, and
tests/test-reconcile.c keeps a copy of each cycle's status: so every status
file the suite produces is validated (issue 13).
"""
import copy
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
SCHEMA_PATH = os.path.join(HERE, "..", "schema", "status.schema.json")


class SchemaError(Exception):
    pass


_validator = None


def validator():
    global _validator
    if _validator is None:
        try:
            import jsonschema
        except ImportError:
            raise SchemaError("python3-jsonschema is missing (apt-get install python3-jsonschema); "
                              "status files cannot be checked") from None
        with open(SCHEMA_PATH) as f:
            schema = json.load(f)
        cls = jsonschema.Draft202012Validator
        cls.check_schema(schema)
        _validator = cls(schema)
    return _validator


def looks_like_status(doc):
    return isinstance(doc, dict) and "health" in doc and "cycle" in doc and "version" in doc


def check(doc, where="status"):
    errors = sorted(validator().iter_errors(doc), key=lambda e: list(e.absolute_path))
    if errors:
        e = errors[0]
        path = "/".join(str(p) for p in e.absolute_path) or "(top)"
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        raise SchemaError(f"{where}: {path}: {e.message}{more}")


def check_file(path):
    with open(path, "rb") as f:
        data = f.read()
    try:
        doc = json.loads(data)
    except ValueError as err:
        raise SchemaError(f"{path}: not JSON ({err})") from None
    check(doc, path)


def sweep(top):
    """Validate every status document under top; returns how many were checked."""
    n = 0
    for dirpath, _, files in os.walk(top):
        for name in sorted(files):
            if not name.endswith(".json") or name.startswith("."):
                continue  # temporaries of a write in progress (.status.json.XXXXXX) end otherwise
            path = os.path.join(dirpath, name)
            try:
                with open(path, "rb") as f:
                    doc = json.loads(f.read())
            except (OSError, ValueError):
                continue  # not a whole JSON file: the sim's, a fixture's; never a status (atomic writes)
            if looks_like_status(doc):
                check(doc, path)
                n += 1
    return n


def self_test():
    """The schema must reject what vpcesd must never write: each mutation of a good document."""
    good = {
        "version": 1, "owner": "o", "region": "us-east-1", "health": "degraded",
        "health_reason": "1 held: a: why", "generated_at": "2026-12-02T10:00:00Z",
        "state": {"file": "/var/lib/vpcesd/state.json", "error": None},
        "clock_skew_seconds": -1200,
        "cycle": {"number": 3, "started": "2026-12-02T09:59:58Z", "ended": "2026-12-02T10:00:00Z",
                  "observed": True, "dry_run": False,
                  "changes": {"applied": 0, "failed": 0, "skipped": 0, "held": 1},
                  "reads": {"made": 2, "deferred": 0}, "errors": [],
                  "api_calls": {"DescribeVpcEndpointServiceConfigurations":
                                {"calls": 1, "errors": 0, "throttled": 0, "error_codes": {}}}},
        "services": [{
            "name": "a", "service_id": "vpce-svc-0123456789abcdef0", "service_name": "com.x",
            "state": "Available", "observed_at": "2026-12-02T09:59:59Z", "stale": False,
            "verified_at": {"config": "2026-12-02T09:59:59Z", "principals": None,
                            "connections": "2026-12-02T09:50:00Z", "notifications": None},
            "acceptance_required": True, "load_balancer_arns": ["arn:x"],
            "base_endpoint_dns_names": [], "availability_zones": [],
            "supported_ip_address_types": ["ipv4"], "private_dns": None, "supported_regions": [],
            "allowed_principals": None, "connections": None, "converged": False,
            "held": "retained: not in the configuration", "retained": True, "contested": None,
            "last_change": None, "last_error": None, "consecutive_failures": 0,
            "next_retry": None}],
    }
    check(good, "the good document")

    def svc(d):
        return d["services"][0]

    mutations = {
        "no health_reason": lambda d: d.pop("health_reason"),
        "an empty health_reason": lambda d: d.update(health_reason=""),
        "an unknown health": lambda d: d.update(health="fine"),
        "an unknown member": lambda d: d.update(extra=1),
        "a version 2": lambda d: d.update(version=2),
        "no clock skew": lambda d: d.pop("clock_skew_seconds"),
        "a fractional clock skew": lambda d: d.update(clock_skew_seconds=1.5),
        "a local time": lambda d: d.update(generated_at="2026-12-02 10:00:00"),
        "a negative count": lambda d: d["cycle"]["changes"].update(held=-1),
        "a bad service id": lambda d: svc(d).update(service_id="svc-1"),
        "retained and converged": lambda d: svc(d).update(converged=True),
        "retained without a reason": lambda d: svc(d).update(held=None),
        "converged with a hold": lambda d: svc(d).update(retained=False, converged=True),
        "failures without an error": lambda d: svc(d).update(consecutive_failures=2),
        "a service member missing": lambda d: svc(d).pop("stale"),
        "principals as a string": lambda d: svc(d).update(allowed_principals="*"),
        "starting after a cycle": lambda d: d.update(health="starting"),
    }
    for what, mutate in mutations.items():
        d = copy.deepcopy(good)
        mutate(d)
        try:
            check(d, what)
        except SchemaError:
            continue
        raise SchemaError(f"the schema accepts {what}")
    return len(mutations)


def main(argv):
    try:
        if argv[:1] == ["--self-test"]:
            n = self_test()
            print(f"ok the schema accepts a good document and rejects {n} bad ones")
        elif argv[:1] == ["--sweep"] and len(argv) == 2:
            n = sweep(argv[1])
            print(f"ok {n} status file(s) under {argv[1]} match the schema")
        elif argv and not argv[0].startswith("-"):
            for path in argv:
                check_file(path)
            print(f"ok {len(argv)} status file(s) match the schema")
        else:
            print(__doc__, file=sys.stderr)
            return 99
    except SchemaError as err:
        print(f"FAIL status schema: {err}", file=sys.stderr)
        return 99 if "cannot be checked" in str(err) else 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
