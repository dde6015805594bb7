#!/bin/sh
# SPDX-License-Identifier: ISC
# Every C file must already be in the project's style (.clang-format): the
# style is mechanical so that reviews can be about substance.
set -u
: "${top_srcdir:?}"
if [ -z "${CLANG_FORMAT:-}" ]; then
	echo "SKIP: clang-format not found at configure time (apt-get install clang-format)"
	exit 77
fi
cd "$top_srcdir" || exit 99
files=$(find src tests -name '*.[ch]' -type f | sort)
[ -n "$files" ] || { echo "no C files found under $top_srcdir" >&2; exit 99; }
# shellcheck disable=SC2086
if ! "$CLANG_FORMAT" --dry-run -Werror --style=file $files; then
	echo "FAIL: files above are not formatted; run: clang-format -i --style=file <file>" >&2
	exit 1
fi
echo "$(echo "$files" | wc -l) files formatted"
