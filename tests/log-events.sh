#!/bin/sh
# SPDX-License-Identifier: ISC
# make check entry: tests/log-events.py (issue 16's log records) against a fresh ec2sim.
exec "$top_srcdir/tests/with-ec2sim.sh" "${PYTHON3:-python3}" "$top_srcdir/tests/log-events.py" "$@"
