#!/bin/sh
# SPDX-License-Identifier: ISC
# src/ uses none of the banned calls (tests/check-banned.py says which and
# why).  The checker first proves on a fixture that it finds a call and
# passes over the same names in comments and strings.
set -u
top=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
check="$top/tests/check-banned.py"
tmp=$(mktemp -d) || exit 99
trap 'rm -rf "$tmp"' EXIT
cat >"$tmp/fixture.c" <<'C'
/* strcpy(a, b) in a comment, system() in prose */
static const char *s = "sprintf(x) inside a string";
int f(char *b) { return atoi(b) + (strcat (b, s) != 0); }
C
out=$(python3 "$check" "$tmp/fixture.c")
rc=$?
want="$tmp/fixture.c:3:25: atoi() is not used in this project
$tmp/fixture.c:3:36: strcat() is not used in this project"
if [ "$rc" -ne 1 ] || [ "$(printf '%s\n' "$out" | head -n 2)" != "$want" ]; then
	printf 'check-banned: the checker misread its fixture (rc %s):\n%s\n' "$rc" "$out"
	exit 1
fi
python3 "$check"
