#!/bin/sh
# SPDX-License-Identifier: ISC
# make check entry: the ./quickstart demo against a fresh ec2sim.
exec "$top_srcdir/tests/with-ec2sim.sh" sh "$top_srcdir/tests/demo.sh"
