#!/bin/sh
# SPDX-License-Identifier: ISC
# make check entry: tests/safety.py (issue 12's five failures) against a fresh ec2sim.
exec "$top_srcdir/tests/with-ec2sim.sh" "${PYTHON3:-python3}" "$top_srcdir/tests/safety.py" "$@"
