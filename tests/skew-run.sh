#!/bin/sh
# SPDX-License-Identifier: ISC
# make check entry: tests/skew.sh against a fresh ec2sim.
exec "$top_srcdir/tests/with-ec2sim.sh" sh "$top_srcdir/tests/skew.sh"
