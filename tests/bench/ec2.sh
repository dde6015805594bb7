#!/bin/sh
# SPDX-License-Identifier: ISC
# ec2.sh [ARGS...]: bench-ec2 (EC2 calls per second through aws.h + ec2.h
# with 64 in flight) against a fresh ec2sim over HTTPS.  Prints numbers; not
# a test.  Builds the benchmark first when run from a build directory:
#   top_srcdir=/work/main top_builddir=. /work/main/tests/bench/ec2.sh [-n CALLS] [-m]
set -u
here=$(cd "$(dirname "$0")" && pwd)
top_srcdir=${top_srcdir:-$(cd "$here/../.." && pwd)}
top_builddir=${top_builddir:-.}
export top_srcdir top_builddir
make -s -C "$top_builddir" tests/bench/bench-ec2 || exit 99
exec "$top_srcdir/tests/with-ec2sim.sh" "$top_builddir/tests/bench/bench-ec2" "$@"
