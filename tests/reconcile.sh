#!/bin/sh
# SPDX-License-Identifier: ISC
# Runs tests/test-reconcile (observe → plan → apply → publish) against a fresh ec2sim.
exec "$top_srcdir/tests/with-ec2sim.sh" "$top_builddir/tests/test-reconcile"
