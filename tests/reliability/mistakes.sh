#!/bin/sh
# SPDX-License-Identifier: ISC
# make check: the operator-mistakes scenario (tests/reliability/mistakes)
# against a fresh ec2sim.  It has no seed (every step is deterministic);
# RELIABILITY_ARGS adds options (--long is accepted and changes nothing).
set -u
: "${top_srcdir:?}" "${VPCESD:?}"
PYTHON3=${PYTHON3:-/usr/bin/python3}
export PYTHON3
# Keep the source tree clean (and read-only under distcheck): no __pycache__.
PYTHONDONTWRITEBYTECODE=1; export PYTHONDONTWRITEBYTECODE
# shellcheck disable=SC2086
exec sh "$top_srcdir/tests/with-ec2sim.sh" "$PYTHON3" "$top_srcdir/tests/reliability/mistakes" ${RELIABILITY_ARGS:-}
