#!/bin/sh
# SPDX-License-Identifier: ISC
# ec2sim's own unit tests (SigV4 verifier against tests/data/sigv4, model
# validation, the server on port 0).  Python bytecode is not written: the
# source tree is read-only under distcheck.
set -u
: "${top_srcdir:?}" "${PYTHON3:=/usr/bin/python3}"
if ! "$PYTHON3" -c 'import botocore' 2>/dev/null; then
	echo "FAIL: $PYTHON3 has no botocore (apt-get install python3-botocore)" >&2
	exit 1
fi
cd "$top_srcdir/tests/ec2sim" || exit 99
export top_srcdir
PYTHONDONTWRITEBYTECODE=1 exec "$PYTHON3" -m unittest discover -s tests -t . -v
