#!/bin/sh
# SPDX-License-Identifier: ISC
# The published status schema (schema/status.schema.json): it rejects what
# vpcesd must never write (status_schema.py --self-test), and vpcesd-status(5)
# documents every member it allows.  The files themselves are checked where
# they are made: tests/with-ec2sim.sh sweeps each test's scratch directory.
set -u
: "${top_srcdir:?}"
PYTHON3=${PYTHON3:-python3}
export PYTHONDONTWRITEBYTECODE=1
"$PYTHON3" "$top_srcdir/tests/status_schema.py" --self-test || exit $?
# The sweep finds a bad status file among others, and fails.
tmp=$(mktemp -d "${TMPDIR:-/tmp}/status-schema.XXXXXX") || exit 99
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/a/b" && echo '{"not": "a status"}' >"$tmp/a/other.json" &&
	echo '{"version": 1, "health": "converged", "cycle": {}}' >"$tmp/a/b/status.json" || exit 99
if "$PYTHON3" "$top_srcdir/tests/status_schema.py" --sweep "$tmp" 2>"$tmp/err"; then
	echo "FAIL: the sweep passed a broken status file"
	exit 1
fi
grep -q "a/b/status.json" "$tmp/err" || { echo "FAIL: the sweep did not name the bad file"; cat "$tmp/err"; exit 1; }
echo "ok the sweep fails on a broken status file and names it"
"$PYTHON3" - "$top_srcdir/schema/status.schema.json" "$top_srcdir/man/vpcesd-status.5" <<'PY'
import json, re, sys

schema = json.load(open(sys.argv[1]))
page = open(sys.argv[2]).read()
# Every name after .It Va (comma-separated lists included) and every inline Va.
documented = set(re.findall(r"\bVa ([a-z_]+)", page))
for line in re.findall(r"^\.It Va (.*)$", page, re.M):
    documented |= set(re.findall(r"[a-z_]+", line))

names = set()
def walk(node):
    if isinstance(node, dict):
        for k, v in node.get("properties", {}).items():
            names.add(k)
        for v in node.values():
            walk(v)
    elif isinstance(node, list):
        for v in node:
            walk(v)
walk(schema)
missing = sorted(names - documented)
if missing:
    print("FAIL: vpcesd-status(5) does not document: " + ", ".join(missing))
    sys.exit(1)
print(f"ok vpcesd-status(5) documents all {len(names)} members of the schema")
PY
