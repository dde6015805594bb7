#!/bin/sh
# SPDX-License-Identifier: ISC
# make check: the fault campaign (tests/reliability/faults) at its default
# size, against a fresh ec2sim.  RELIABILITY_SEED fixes the seed (printed
# either way); RELIABILITY_ARGS adds options, e.g. "--long".
set -u
: "${top_srcdir:?}" "${VPCESD:?}"
PYTHON3=${PYTHON3:-/usr/bin/python3}
export PYTHON3
# Keep the source tree clean (and read-only under distcheck): no __pycache__.
PYTHONDONTWRITEBYTECODE=1; export PYTHONDONTWRITEBYTECODE
# shellcheck disable=SC2086
exec sh "$top_srcdir/tests/with-ec2sim.sh" "$PYTHON3" "$top_srcdir/tests/reliability/faults" ${RELIABILITY_ARGS:-}
