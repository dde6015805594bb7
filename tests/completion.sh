#!/bin/bash
# SPDX-License-Identifier: ISC
# completion/vpcesd.bash: what <TAB> offers after each option, and that it
# offers exactly the long options `vpcesd --help` lists (so the two cannot
# drift apart).  Runs the completion function as bash-completion would, with
# COMP_WORDS split as bash splits them (at '=').
set -u
export LC_ALL=C
: "${top_srcdir:?}" "${top_builddir:?}"
vpcesd=$top_builddir/src/vpcesd
[ -x "$vpcesd" ] || { echo "no $vpcesd" >&2; exit 99; }
# shellcheck source=../completion/vpcesd.bash
. "$top_srcdir/completion/vpcesd.bash" || exit 99
complete -p vpcesd >/dev/null || { echo "FAIL: no 'complete' for vpcesd"; exit 1; }

fails=0 n=0
# offered WORD... : the sorted candidates for the command line WORD... (the
# last word is the one being completed).
offered() {
	COMP_WORDS=("$@")
	COMP_CWORD=$(($# - 1))
	COMPREPLY=()
	_vpcesd
	printf '%s\n' "${COMPREPLY[@]}" | sort | tr '\n' ' ' | sed 's/ $//'
}
expect() {
	local want=$1
	shift
	local got
	got=$(offered "$@")
	n=$((n + 1))
	if [ "$got" != "$want" ]; then
		echo "FAIL: '$*' offered [$got], expected [$want]"
		fails=$((fails + 1))
	fi
}

expect "--policy" vpcesd --pol
expect "--log-format --log-level --log-target" vpcesd --once --log-
expect "create-only sync upsert-only" vpcesd --policy ""
expect "upsert-only" vpcesd --policy = up
expect "upsert-only" vpcesd --policy=up
expect "json text" vpcesd --dry-run --output ""
expect "json" vpcesd --output = j
expect "warning" vpcesd --log-level w
expect "auto journal stderr" vpcesd --log-target ""
expect "json text" vpcesd --log-format =
# A bare --wait takes no argument; --wait=DURATION does.
expect "" vpcesd --once --wait ""
expect "10m 1h 30m 30s 5m" vpcesd --once --wait = ""
# Directories only after --config-dir; files too after --status-file.
scratch=$(mktemp -d) || exit 99
trap 'rm -rf "$scratch"' EXIT
mkdir "$scratch/etc-a" "$scratch/etc-b" && : >"$scratch/etc-file"
expect "$scratch/etc-a $scratch/etc-b" vpcesd -c "$scratch/etc-"
expect "$scratch/etc-a $scratch/etc-b" vpcesd --config-dir "$scratch/etc-"
expect "$scratch/etc-a $scratch/etc-b $scratch/etc-file" vpcesd --status-file "$scratch/etc-"
# Nothing to offer for a non-option word.
expect "" vpcesd x

# Every long option of --help, and no other.
help=$("$vpcesd" --help | grep -o -- '--[a-z][a-z-]*' | sort -u | tr '\n' ' ' | sed 's/ $//')
offers=$(offered vpcesd -- | tr ' ' '\n' | grep -- '^--' | sort -u | tr '\n' ' ' | sed 's/ $//')
n=$((n + 1))
if [ -z "$help" ] || [ "$help" != "$offers" ]; then
	echo "FAIL: --help lists [$help] but the completion offers [$offers]"
	fails=$((fails + 1))
fi
echo "completion: $n checks, $fails failed"
[ "$fails" -eq 0 ]
