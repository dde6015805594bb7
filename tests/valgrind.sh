#!/bin/sh
# The daemon's integration tests (the quickstart demo: start, reload, drift
# repair, stop; and the secrets run: dry runs, real cycles, an expired
# session, a config error) with vpcesd under valgrind --leak-check=full
# --errors-for-leak-kinds=definite: they must pass with 0 errors.
# Skips (77) without valgrind or in a sanitizer build (the two do not mix).
set -u
: "${top_srcdir:?}" "${VPCESD:?}"
if ! command -v valgrind >/dev/null 2>&1; then
	echo "SKIP: valgrind not installed (apt-get install valgrind)"
	exit 77
fi
if nm -an "$VPCESD" 2>/dev/null | grep -q '__asan_init'; then
	echo "SKIP: $VPCESD is built with AddressSanitizer"
	exit 77
fi
logs=$(mktemp -d "${TMPDIR:-/tmp}/vpcesd-valgrind.XXXXXX") || exit 99
trap 'rm -rf "$logs"' EXIT
export VPCESD_REAL="$VPCESD" VPCESD="$top_srcdir/tests/valgrind-vpcesd"
fail=0
for t in demo secrets; do
	export VALGRIND_LOG="$logs/$t.%p.log"
	if "$top_srcdir/tests/with-ec2sim.sh" sh "$top_srcdir/tests/$t.sh" >"$logs/$t.out" 2>&1; then
		echo "ok $t under valgrind"
	else
		echo "FAIL: $t under valgrind"
		tail -n 30 "$logs/$t.out"
		fail=1
	fi
done
# Every valgrind log must be empty: no error, no definite leak.
for f in "$logs"/*.log; do
	[ -s "$f" ] || continue
	echo "FAIL: valgrind reported in $(basename "$f"):"
	head -n 40 "$f"
	fail=1
done
n=$(ls "$logs"/*.log 2>/dev/null | wc -l)
[ $fail -eq 0 ] && echo "ok: $n vpcesd processes under valgrind, 0 errors, 0 definite leaks"
exit $fail
