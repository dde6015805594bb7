#!/bin/sh
# SPDX-License-Identifier: ISC
# make check entry: tests/sso.py (SSO profiles end to end) against a fresh ec2sim.
exec "$top_srcdir/tests/with-ec2sim.sh" "${PYTHON3:-/usr/bin/python3}" "$top_srcdir/tests/sso.py"
