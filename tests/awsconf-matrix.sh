#!/bin/sh
# SPDX-License-Identifier: ISC
# vpcesd's AWS settings (region, endpoints, CA bundle, retries) against
# botocore's own resolution over environment x AWS config file x vpcesd.yaml
# (tests/awsconf-matrix.py says how, and where the oracle is the AWS docs).
set -u
: "${VPCESD:?}" "${top_srcdir:?}"
py=${PYTHON3:-}
if [ -z "$py" ] || ! "$py" -c 'import botocore' 2>/dev/null; then
	echo "SKIP: no python3 with botocore (apt-get install python3-botocore)"
	exit 77
fi
exec "$py" "$top_srcdir/tests/awsconf-matrix.py" "$VPCESD"
