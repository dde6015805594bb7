#!/usr/bin/python3
# SPDX-License-Identifier: ISC
"""simctl.py METHOD PATH [JSON]: one call to ec2sim's admin API.

Shell tests set the sim up and read it back with this ($EC2SIM_ADMIN from
tests/with-ec2sim.sh).  Prints the answer body; exits 1 with the status and
body on stderr when the sim refuses the call.  Python tests import admin().
"""
import json
import os
import sys
import urllib.error
import urllib.request


def admin(method, path, doc=None):
    """One admin call with `doc` as its JSON body; the answer parsed (None
    when empty).  Raises urllib.error.HTTPError when the sim refuses it."""
    data = json.dumps(doc).encode() if doc is not None else None
    req = urllib.request.Request(os.environ["EC2SIM_ADMIN"] + path, data=data, method=method,
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=10) as resp:
        return json.loads(resp.read() or b"null")


def main() -> int:
    if len(sys.argv) not in (3, 4):
        print(__doc__.strip().splitlines()[0], file=sys.stderr)
        return 2
    method, path = sys.argv[1], sys.argv[2]
    data = sys.argv[3].encode() if len(sys.argv) == 4 else None
    req = urllib.request.Request(os.environ["EC2SIM_ADMIN"] + path, data=data, method=method,
                                 headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            sys.stdout.write(resp.read().decode())
    except urllib.error.HTTPError as e:
        print(f"simctl: {method} {path}: HTTP {e.code}: {e.read().decode()}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
