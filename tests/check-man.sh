#!/bin/sh
# SPDX-License-Identifier: ISC
# The manual pages must be clean under `mandoc -T lint` (warnings and above;
# style notes such as "referenced manual not found" depend on the machine).
set -u
: "${top_srcdir:?}"
if [ -z "${MANDOC:-}" ]; then
	echo "SKIP: mandoc not found at configure time (apt-get install mandoc)"
	exit 77
fi
rc=0
for page in "$top_srcdir"/man/*.[0-9]; do
	[ -f "$page" ] || continue
	if ! "$MANDOC" -T lint -W warning "$page"; then
		echo "FAIL: $page has lint warnings" >&2
		rc=1
	fi
	n=$((${n:-0} + 1))
done
[ "${n:-0}" -gt 0 ] || { echo "no manual pages found" >&2; exit 99; }
echo "${n} manual pages checked"
exit $rc
