#!/bin/sh
# make check: the hostile configuration corpus (tests/config/hostile.py):
# 147 generated broken or hostile configuration directories, each of which
# must get clean "file:line:col" diagnostics, exit 1 and no partial output.
set -u
: "${top_srcdir:?}" "${VPCESD:?}"
PYTHON3=${PYTHON3:-python3}
# Under /tmp, not the build tree: the permission cases read it as nobody.
work=$(mktemp -d "${TMPDIR:-/tmp}/vpcesd-hostile.XXXXXX") || exit 99
trap 'chmod -R u+rwx "$work" 2>/dev/null; rm -rf "$work"' EXIT
PYTHONDONTWRITEBYTECODE=1 "$PYTHON3" "$top_srcdir/tests/config/hostile.py" "$VPCESD" "$work/cases"
