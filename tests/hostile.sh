#!/bin/sh
# SPDX-License-Identifier: ISC
# Runs tests/test-hostile (hostile EC2/STS/IMDS/ECS answers through the client
# stack) against a fresh ec2sim.  The gzip bomb it scripts (50 MiB of zeros,
# ~50 KiB compressed) is made here, with Python's gzip, into the sim's
# scratch directory.
set -u
: "${top_srcdir:?}" "${top_builddir:?}"
# The inner shell expands $EC2SIM_DIR, which with-ec2sim.sh sets.
# shellcheck disable=SC2016
exec "$top_srcdir/tests/with-ec2sim.sh" sh -c '
	"${PYTHON3:-/usr/bin/python3}" -c "import gzip, sys; sys.stdout.buffer.write(gzip.compress(bytes(50 << 20), 9, mtime=0))" \
		>"$EC2SIM_DIR/bomb.gz" || exit 99
	exec "$top_builddir/tests/test-hostile"'
