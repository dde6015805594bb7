#!/bin/sh
# SPDX-License-Identifier: ISC
# The journal catalog and the MESSAGE_IDs agree (issue 16):
#  - every VPCESD_MESSAGE_* id of src/msgid.h has exactly one entry in
#    systemd/vpcesd.catalog, and the catalog has no other entry;
#  - every id is 32 lower-case hex digits, and they are all different;
#  - every entry has Subject:, Defined-By: vpcesd and Documentation:, a
#    blank line, then an explanation;
#  - journalctl itself compiles the catalog into a scratch root without a
#    word of complaint and lists the same ids (skipped without journalctl).
set -u
: "${top_srcdir:?}"
header=$top_srcdir/src/msgid.h
catalog=$top_srcdir/systemd/vpcesd.catalog
tmp=$(mktemp -d "${TMPDIR:-/tmp}/catalog.XXXXXX") || exit 99
trap 'rm -rf "$tmp"' EXIT
fail=0
no() { echo "FAIL: $*"; fail=1; }

sed -n 's/^#define VPCESD_MESSAGE_[A-Z_]* *"\([^"]*\)".*/\1/p' "$header" >"$tmp/header.ids"
sed -n 's/^-- \(.*\)$/\1/p' "$catalog" >"$tmp/catalog.ids"
[ "$(wc -l <"$tmp/header.ids")" -ge 9 ] || no "fewer than 9 MESSAGE_IDs in $header"
for f in header catalog; do
	grep -v -x '[0-9a-f]\{32\}' "$tmp/$f.ids" | sed "s/^/not a 128-bit id in the $f: /" |
		grep . && fail=1
	sort "$tmp/$f.ids" | uniq -d | sed "s/^/twice in the $f: /" | grep . && fail=1
done
sort -u "$tmp/header.ids" >"$tmp/h"
sort -u "$tmp/catalog.ids" >"$tmp/c"
comm -23 "$tmp/h" "$tmp/c" | sed 's/^/no catalog entry for /' | grep . && fail=1
comm -13 "$tmp/h" "$tmp/c" | sed 's/^/catalog entry for an unknown id /' | grep . && fail=1

# The shape of each entry: header lines, one blank line, a body.
awk '
function check() {
	if (id == "") return
	if (!subject) { print "FAIL: " id ": no Subject:"; bad = 1 }
	if (!defined) { print "FAIL: " id ": no Defined-By: vpcesd"; bad = 1 }
	if (!doc) { print "FAIL: " id ": no Documentation:"; bad = 1 }
	if (body == 0) { print "FAIL: " id ": no explanation"; bad = 1 }
}
/^-- / { check(); id = $2; subject = defined = doc = body = 0; inbody = 0; next }
id == "" { if ($0 != "" && $0 !~ /^#/) { print "FAIL: text before the first entry: " $0; bad = 1 }; next }
!inbody && $0 == "" { inbody = 1; next }
!inbody {
	if ($0 ~ /^Subject: vpcesd /) subject = 1
	else if ($0 == "Defined-By: vpcesd") defined = 1
	else if ($0 ~ /^Documentation: (man:[a-z.]+\([0-9]\)( |$))+$/) doc = 1
	else { print "FAIL: " id ": unexpected header line: " $0; bad = 1 }
	next
}
$0 != "" { body++ }
END { check(); exit bad }
' "$catalog" || fail=1

if command -v journalctl >/dev/null 2>&1; then
	mkdir -p "$tmp/root/usr/lib/systemd/catalog" "$tmp/root/var/lib/systemd/catalog"
	cp "$catalog" "$tmp/root/usr/lib/systemd/catalog/"
	if journalctl --root="$tmp/root" --update-catalog >"$tmp/update.out" 2>&1; then
		[ -s "$tmp/update.out" ] && { no "journalctl --update-catalog complained:"; cat "$tmp/update.out"; }
		journalctl --root="$tmp/root" --list-catalog 2>&1 | cut -d' ' -f1 | sort >"$tmp/j"
		cmp -s "$tmp/j" "$tmp/h" || { no "journalctl --list-catalog lists other ids:"; diff "$tmp/h" "$tmp/j"; }
	else
		no "journalctl --update-catalog failed:"
		cat "$tmp/update.out"
	fi
else
	echo "journalctl not found: the catalog's format is checked by this script only"
fi
[ $fail -eq 0 ] && echo "ok $(wc -l <"$tmp/h") MESSAGE_IDs, each with its catalog entry"
exit $fail
