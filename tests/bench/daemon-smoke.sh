#!/bin/sh
# SPDX-License-Identifier: ISC
# make check entry: tests/bench/daemon --quick (N=30: a 1 s idle window with
# and without a watchdog, 3 reaction rounds per signal, budgeted cycles at a
# 1 s interval) against a fresh ec2sim.  Asserts only that every mode ran
# and printed its numbers (the driver exits 1 when one could not); never a
# time.
: "${top_srcdir:?}" "${VPCESD:?}"
PYTHON3=${PYTHON3:-/usr/bin/python3}
out=$(mktemp "${TMPDIR:-/tmp}/daemon-smoke.XXXXXX") || exit 99
trap 'rm -f "$out"' EXIT
"$top_srcdir/tests/with-ec2sim.sh" "$PYTHON3" "$top_srcdir/tests/bench/daemon" --quick >"$out" 2>&1
rc=$?
cat "$out"
[ $rc -eq 0 ] || exit $rc
for want in 'no watchdog: [0-9]* context switches in' \
	'WATCHDOG_USEC .*: [0-9]* context switches in .* [0-9]* WATCHDOG=1 received' \
	'SIGHUP  *min  *[0-9.]* ms  *median  *[0-9.]* ms' \
	'SIGUSR1  *min  *[0-9.]* ms  *median  *[0-9.]* ms' \
	'cycle  *1: wall [0-9.]* s' \
	'sweep (first request -> every principal list read): [0-9.]* s' \
	'config drift .*repaired after [0-9.]* s' \
	'principals drift .*repaired after [0-9.]* s'; do
	if ! grep -q -- "$want" "$out"; then
		echo "daemon-smoke: no line matching '$want'" >&2
		exit 1
	fi
done
