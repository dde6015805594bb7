#!/bin/sh
# SPDX-License-Identifier: ISC
# Cross-check vpcesd's SigV4 signer against botocore's SigV4Auth: 250 random
# EC2/STS Query requests generated from a fixed seed (tests/sigv4-botocore.py)
# must get byte-equal Authorization headers from tests/sigv4-check.
set -u
: "${top_srcdir:?}" "${top_builddir:?}"
py=${PYTHON3:-}
if [ -z "$py" ] || ! "$py" -c 'import botocore' 2>/dev/null; then
	echo "SKIP: no python3 with botocore (apt-get install python3-botocore)"
	exit 77
fi
tmp=$(mktemp -d) || exit 99
trap 'rm -rf "$tmp"' EXIT
"$py" "$top_srcdir/tests/sigv4-botocore.py" "$tmp/cases.json" 250 20260115 || exit 99
"$top_builddir/tests/sigv4-check" "$tmp/cases.json" 200
