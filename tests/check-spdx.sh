#!/bin/sh
# SPDX-License-Identifier: ISC
# Every source file of the tree carries its licence as an SPDX line in its
# first three lines (LICENSE has the text; third-party data carries its own,
# see THIRD-PARTY-NOTICES).  Test fixtures whose bytes are the test
# (tests/config, tests/creds, tests/data, fuzz corpora) and JSON, which has
# no comments, are left out.  Runs from a tarball too: no git needed.
set -u
top=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
cd "$top" || exit 99
tag='SPDX-License-Identifier: ISC'
[ -f LICENSE ] && grep -q '^ISC License' LICENSE || { echo "LICENSE: missing or not ISC"; exit 1; }
missing=0 checked=0
for f in $(find src tests man systemd m4 completion -type f \( -name '*.c' -o -name '*.h' -o -name '*.sh' \
		-o -name '*.py' -o -name '*.bash' -o -name '*.m4' -o -name '*.in' -o -name '*.5' -o -name '*.8' \) \
		-not -path 'tests/config/*' -not -path 'tests/creds/*' -not -path 'tests/data/*' \
		-not -path '*/corpus/*' -not -path 'tests/fuzz/work-*' | sort) \
	Makefile.am configure.ac quickstart .ci/run tests/bench/client tests/bench/converge tests/bench/daemon \
	tests/valgrind-vpcesd tests/reliability/crash tests/reliability/faults \
	tests/reliability/mistakes tests/ec2sim/ec2sim debian/rules debian/vpcesd.postrm; do
	[ -f "$f" ] || continue
	checked=$((checked + 1))
	if ! head -n 3 "$f" | grep -q "$tag"; then
		echo "$f: no '$tag' line in its first three lines"
		missing=$((missing + 1))
	fi
done
echo "check-spdx: $checked files checked, $missing without an SPDX line"
[ "$checked" -gt 100 ] || { echo "check-spdx: too few files found under $top"; exit 1; }
[ "$missing" -eq 0 ]
