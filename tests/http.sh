#!/bin/sh
# SPDX-License-Identifier: ISC
# http.sh: run tests/test-http against tests/http-fixture.py.
#
# Makes throw-away TLS material (tests/http-certs.sh), starts the fixture on
# loopback with one listener per certificate, waits for its ready file, and
# runs the cmocka binary with the ports in the environment.  The fixture is
# killed on every exit path.  With an argument, runs that program instead of
# the test binary (e.g. the benchmark: tests/http.sh tests/bench/bench-http 5000).
set -u
: "${top_srcdir:?}" "${top_builddir:?}"
PYTHON3=${PYTHON3:-python3}
prog=${1:-"$top_builddir/tests/test-http"}
[ $# -gt 0 ] && shift

work=$(mktemp -d "${TMPDIR:-/tmp}/vpcesd-http.XXXXXX") || exit 99
fixture_pid=
cleanup() {
	if [ -n "$fixture_pid" ]; then
		kill "$fixture_pid" 2>/dev/null
		wait "$fixture_pid" 2>/dev/null
	fi
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

"$top_srcdir/tests/http-certs.sh" "$work/certs" || { echo "http-certs.sh failed" >&2; exit 99; }

c=$work/certs
"$PYTHON3" "$top_srcdir/tests/http-fixture.py" --ready "$work/ready" \
	--tls "good=$c/good.pem:$c/good.key" \
	--tls "ca2good=$c/ca2good.pem:$c/ca2good.key" \
	--tls "untrusted=$c/untrusted.pem:$c/untrusted.key" \
	--tls "expired=$c/expired.pem:$c/expired.key" \
	--tls "wronghost=$c/wronghost.pem:$c/wronghost.key" &
fixture_pid=$!

# The fixture renames its ready file into place once every port is bound.
i=0
while [ ! -s "$work/ready" ]; do
	if ! kill -0 "$fixture_pid" 2>/dev/null; then
		echo "http-fixture.py exited before it was ready" >&2
		exit 99
	fi
	i=$((i + 1))
	[ "$i" -le 300 ] || { echo "http-fixture.py not ready after 30 s" >&2; exit 99; }
	sleep 0.1
done

# NAME=port lines -> HTTP_PORT_NAME variables.
ports=$("$PYTHON3" -c 'import json,sys
for k, v in json.load(open(sys.argv[1])).items():
    print("HTTP_PORT_%s=%d" % (k.upper(), v))' "$work/ready") || exit 99
for p in $ports; do
	export "${p?}"
done
HTTP_TEST_CERTS=$c
export HTTP_TEST_CERTS
# Loopback only: no proxy from the environment may intercept the tests.
unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY ALL_PROXY all_proxy

"$prog" "$@"
