#!/bin/sh
# SPDX-License-Identifier: ISC
# Runs tests/test-creds-net (creds_net.h + creds_build.h) against a fresh ec2sim.
exec "$top_srcdir/tests/with-ec2sim.sh" "$top_builddir/tests/test-creds-net"
