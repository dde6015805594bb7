#!/bin/sh
# SPDX-License-Identifier: ISC
# Runs tests/test-ec2 (aws.h + ec2.h) against a fresh ec2sim.
exec "$top_srcdir/tests/with-ec2sim.sh" "$top_builddir/tests/test-ec2"
