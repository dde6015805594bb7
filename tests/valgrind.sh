#!/bin/sh
# SPDX-License-Identifier: ISC
# Issue 8: the daemon's integration tests pass under valgrind --leak-check=full
# --errors-for-leak-kinds=definite with 0 errors.  Each runs against its own
# ec2sim (tests/with-ec2sim.sh), with every vpcesd process it starts wrapped
# by tests/valgrind-vpcesd:
#   demo        start, reload, drift repair, stop (tests/demo.sh)
#   secrets     dry runs, real cycles, an expired session, a config error
#   notify      sd_notify READY/RELOADING/STOPPING, a bad reload, SIGUSR1,
#               100 SIGHUPs during a cycle, watchdog pings, SIGTERM
#   once-crash  --once SIGKILLed between a create and its answer, run again
# and tests/test-reconcile, the reconciler in-process (observe, plan, apply,
# status: all its cmocka tests), runs itself under the same valgrind flags.
# Every test must pass and every valgrind log must be empty: no error, no
# definite leak (a SIGKILLed process is checked up to the kill).
#
# Valgrind makes vpcesd 20-30x slower; two bounds are scaled for it, their
# assertions unchanged (both knobs default to the normal run's values):
#  - notify: WATCHDOG_USEC 16 s instead of 2 s.  A reload builds the new
#    client stack synchronously (config files, the system CA bundle): ~0.1 s
#    natively, ~3 s under valgrind, longer on a loaded machine, and no ping
#    goes out meanwhile.  The pings must still come less than WATCHDOG_USEC
#    apart; 16 s (pings every 8 s) leaves room for an 8 s reload.
#  - once-crash: the listing hides the new service for 20 s instead of 5 s.
#    The second run must list within that window to test the ClientToken;
#    under valgrind its start-up and first listing take ~6 s (5 s: it fails).
# test-reconcile is CPU-bound under valgrind (~75 s of CPU, ~80% of it in
# parsing the system CA bundle, once per test's client), so it runs in the
# background, beside the four daemon tests, which mostly wait; on 2 cores
# this keeps the whole test under 3 minutes.
# Skips (77) without valgrind or in a sanitizer build (the two do not mix).
set -u
: "${top_srcdir:?}" "${top_builddir:?}" "${VPCESD:?}"
if ! command -v valgrind >/dev/null 2>&1; then
	echo "SKIP: valgrind not installed (apt-get install valgrind)"
	exit 77
fi
if nm -an "$VPCESD" 2>/dev/null | grep -q '__asan_init'; then
	echo "SKIP: $VPCESD is built with AddressSanitizer"
	exit 77
fi
logs=$(mktemp -d "${TMPDIR:-/tmp}/vpcesd-valgrind.XXXXXX") || exit 99
bg=
cleanup() {
	# The background run is a session of its own (setsid): stop all of it.
	[ -n "$bg" ] && kill -TERM "-$bg" 2>/dev/null && wait "$bg" 2>/dev/null
	rm -rf "$logs"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
wrap="$top_srcdir/tests/valgrind-vpcesd"
reconcile_bin="$top_builddir/tests/test-reconcile"

start=$(date +%s)
if [ -x "$reconcile_bin" ]; then
	VPCESD_REAL="$reconcile_bin" VALGRIND_LOG="$logs/test-reconcile.%p.log" \
		setsid -w "$top_srcdir/tests/with-ec2sim.sh" "$wrap" >"$logs/test-reconcile.out" 2>&1 &
	bg=$!
else
	echo "note: $reconcile_bin not built (no cmocka): not run under valgrind"
fi

export VPCESD_REAL="$VPCESD" VPCESD="$wrap"
export NOTIFY_WATCHDOG_USEC=16000000 ONCE_CRASH_CONSISTENCY_SECONDS=20
fail=0
for t in demo secrets notify once-crash; do
	export VALGRIND_LOG="$logs/vpcesd.$t.%p.log"
	t0=$(date +%s)
	if ! "$top_srcdir/tests/with-ec2sim.sh" sh "$top_srcdir/tests/$t.sh" >"$logs/$t.out" 2>&1; then
		echo "FAIL: $t under valgrind"
		tail -n 30 "$logs/$t.out"
		fail=1
	elif ! ls "$logs/vpcesd.$t".*.log >/dev/null 2>&1; then
		echo "FAIL: $t ran no vpcesd under valgrind (does it use \$VPCESD?)"
		fail=1
	else
		echo "ok $t under valgrind ($(($(date +%s) - t0)) s)"
	fi
done
if [ -n "$bg" ]; then
	wait "$bg"
	rc=$?
	bg=
	if [ $rc -eq 0 ]; then
		echo "ok test-reconcile under valgrind: $(grep -c '^\[       OK \]' "$logs/test-reconcile.out") tests (~$(($(stat -c %Y "$logs/test-reconcile.out") - start)) s)"
	else
		echo "FAIL: test-reconcile under valgrind (exit $rc)"
		tail -n 30 "$logs/test-reconcile.out"
		fail=1
	fi
fi
# Every valgrind log must be empty: no error, no definite leak.
for f in "$logs"/*.log; do
	[ -s "$f" ] || continue
	echo "FAIL: valgrind reported in $(basename "$f"):"
	head -n 40 "$f"
	fail=1
done
n=$(ls "$logs"/vpcesd.*.log 2>/dev/null | wc -l)
m=$(ls "$logs"/test-reconcile.*.log 2>/dev/null | wc -l)
[ $fail -eq 0 ] &&
	echo "ok: $n vpcesd processes and $m test-reconcile under valgrind, 0 errors, 0 definite leaks"
exit $fail
