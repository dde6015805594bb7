#!/bin/sh
# SPDX-License-Identifier: ISC
# Every metric family vpcesd writes (src/status_metrics.c) is documented in
# vpcesd(8), METRICS, and the page names no family the code lacks.
set -u
top=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
src=$top/src/status_metrics.c man=$top/man/vpcesd.8
code=$(grep -o '"vpcesd_[a-z_]*"' "$src" | tr -d '"' |
	sed -E 's/_(bucket|sum|count)$//' | sort -u)
doc=$(sed -n '/^\.Sh METRICS/,/^\.Sh /p' "$man" | grep -o 'vpcesd_[a-z_]*' | sort -u)
[ -n "$code" ] || { echo "no metric family found in $src"; exit 1; }
bad=0
for f in $code; do
	echo "$doc" | grep -qx "$f" || { echo "$f: written by vpcesd, not in vpcesd(8) METRICS"; bad=1; }
done
for f in $doc; do
	echo "$code" | grep -qx "$f" || { echo "$f: in vpcesd(8) METRICS, not written by vpcesd"; bad=1; }
done
echo "check-metrics-doc: $(echo "$code" | wc -l) families"
exit $bad
