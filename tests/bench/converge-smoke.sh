#!/bin/sh
# SPDX-License-Identifier: ISC
# make check entry: tests/bench/converge --quick (8 specs cold, 60 steady)
# against a fresh ec2sim.  Asserts only that the driver works, the cold run
# converges (checked in the sim's state, not only vpcesd's word) and the
# steady cycle makes no mutating call; never a time.
: "${top_srcdir:?}" "${VPCESD:?}"
PYTHON3=${PYTHON3:-/usr/bin/python3}
exec "$top_srcdir/tests/with-ec2sim.sh" "$PYTHON3" "$top_srcdir/tests/bench/converge" --quick
