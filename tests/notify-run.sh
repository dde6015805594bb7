#!/bin/sh
# SPDX-License-Identifier: ISC
# make check entry: tests/notify.sh against a fresh ec2sim.
exec "$top_srcdir/tests/with-ec2sim.sh" sh "$top_srcdir/tests/notify.sh"
