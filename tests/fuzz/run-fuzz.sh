#!/bin/sh
# SPDX-License-Identifier: ISC
# Generic libFuzzer runner: run-fuzz.sh NAME
#
# Builds tests/fuzz/fuzz-NAME.c with $CLANG -fsanitize=fuzzer,address,undefined
# together with the library sources (every src/*.c but main.c, or the list in
# tests/fuzz/fuzz-NAME.sources, one path relative to the source tree per line)
# and $DEPS_CFLAGS / $DEPS_LIBS, into the build tree; then runs it for
# ${FUZZ_SECONDS:-10} seconds on a copy of tests/fuzz/corpus/NAME/ (libFuzzer
# writes new inputs into the copy, never into the source tree, which is
# read-only under distcheck).  Prints the number of executions.
#
# Exit 77 (skip) without clang or when clang cannot link -fsanitize=fuzzer.
set -u
name=${1:?usage: run-fuzz.sh NAME}
: "${top_srcdir:?}" "${top_builddir:?}"
src="$top_srcdir/tests/fuzz/fuzz-$name.c"
corpus="$top_srcdir/tests/fuzz/corpus/$name"
work="$top_builddir/tests/fuzz/work-$name"
bin="$top_builddir/tests/fuzz/fuzz-$name"
secs=${FUZZ_SECONDS:-10}

if [ -z "${CLANG:-}" ]; then
	echo "SKIP: clang not found at configure time (apt-get install clang libclang-rt-14-dev)"
	exit 77
fi
[ -f "$src" ] || { echo "no fuzz target $src" >&2; exit 99; }
[ -d "$corpus" ] || { echo "no seed corpus $corpus" >&2; exit 99; }
rm -rf "$work" && mkdir -p "$work/corpus" "$work/artifacts" || exit 99

# Can this clang link a fuzzer at all?  (libclang-rt may be missing.)
printf 'int LLVMFuzzerTestOneInput(const unsigned char *d, unsigned long n);\nint LLVMFuzzerTestOneInput(const unsigned char *d, unsigned long n) { (void)d; (void)n; return 0; }\n' \
	>"$work/probe.c"
if ! "$CLANG" -fsanitize=fuzzer "$work/probe.c" -o "$work/probe" >"$work/probe.log" 2>&1; then
	echo "SKIP: $CLANG cannot link -fsanitize=fuzzer (apt-get install libclang-rt-14-dev):"
	cat "$work/probe.log"
	exit 77
fi

if [ -f "$top_srcdir/tests/fuzz/fuzz-$name.sources" ]; then
	sources=$(sed -e '/^#/d' -e '/^$/d' -e "s|^|$top_srcdir/|" "$top_srcdir/tests/fuzz/fuzz-$name.sources")
else
	sources=$(ls "$top_srcdir"/src/*.c | grep -v '/main\.c$')
fi
echo "building $bin"
# shellcheck disable=SC2086
if ! "$CLANG" -g -O1 -std=c11 -D_GNU_SOURCE -fsanitize=fuzzer,address,undefined \
	-fno-sanitize-recover=undefined -I"$top_builddir" -I"$top_srcdir/src" \
	-DSYSCONFDIR='"/etc"' -DRUNSTATEDIR='"/run"' -DLOCALSTATEDIR='"/var"' ${DEPS_CFLAGS:-} \
	"$src" $sources ${DEPS_LIBS:-} -o "$bin"; then
	echo "FAIL: cannot build the fuzz target" >&2
	exit 99
fi

cp "$corpus"/* "$work/corpus/" 2>/dev/null
echo "fuzzing $name for ${secs}s on $(ls "$work/corpus" | wc -l) seed inputs"
ASAN_OPTIONS="${ASAN_OPTIONS:-}:detect_leaks=1" \
	"$bin" -max_total_time="$secs" -max_len=65536 -timeout=10 -rss_limit_mb=2048 \
	-print_final_stats=1 -artifact_prefix="$work/artifacts/" "$work/corpus" \
	>"$work/fuzz.log" 2>&1
rc=$?
execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/fuzz.log" | tail -n1)
tail -n 20 "$work/fuzz.log"
echo "fuzz-$name: ${execs:-0} executions in ${secs}s, exit $rc"
if [ $rc -ne 0 ]; then
	echo "FAIL: the fuzzer found a problem; reproducer in $work/artifacts/" >&2
	exit 1
fi
exit 0
