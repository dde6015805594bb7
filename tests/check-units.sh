#!/bin/sh
# SPDX-License-Identifier: ISC
# The systemd units: `systemd-analyze verify` prints nothing, and
# `systemd-analyze security --offline=true` rates each at most 1.5
# (Debian's own systemd-timesyncd: 2.3).  Units are generated from the .in
# files with ExecStart pointing at the built binary (verify checks it exists).
set -u
: "${top_srcdir:?}" "${top_builddir:?}"
if ! command -v systemd-analyze >/dev/null 2>&1; then
	echo "SKIP: systemd-analyze not installed"
	exit 77
fi
work=$(mktemp -d "${TMPDIR:-/tmp}/check-units.XXXXXX") || exit 99
trap 'rm -rf "$work"' EXIT
fail=0
for unit in vpcesd.service vpcesd@.service; do
	sed -e "s|@sbindir@|$top_builddir/src|g" "$top_srcdir/systemd/$unit.in" >"$work/$unit"
	target=$work/$unit
	[ "$unit" = vpcesd@.service ] && { cp "$work/$unit" "$work/vpcesd@test.service"; target=$work/vpcesd@test.service; }
	out=$(systemd-analyze verify --man=no "$target" 2>&1)
	if [ -n "$out" ]; then
		echo "FAIL: systemd-analyze verify $unit:"
		echo "$out"
		fail=1
	fi
	line=$(systemd-analyze security --offline=true "$target" 2>&1 | grep 'Overall exposure level')
	score=$(echo "$line" | sed -n 's/.*: \([0-9.]*\) .*/\1/p')
	if [ -z "$score" ]; then
		echo "FAIL: no security score for $unit"
		systemd-analyze security --offline=true "$target" 2>&1 | tail -5
		fail=1
	elif awk -v s="$score" 'BEGIN { exit !(s > 1.5) }'; then
		echo "FAIL: $unit exposure $score > 1.5"
		systemd-analyze security --offline=true "$target" 2>&1 | grep '✗'
		fail=1
	else
		echo "ok $unit: verify clean, exposure $score"
	fi
done
exit $fail
