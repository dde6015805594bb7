#!/bin/sh
# SPDX-License-Identifier: ISC
# with-ec2sim.sh CMD [ARGS...]: run CMD against a fresh ec2sim over HTTPS.
#
# Every test of code that talks to EC2 runs this way: throw-away TLS material
# from tests/tls/mkcerts.sh (verification stays on, as in production), the
# sim on loopback port 0, and CMD with these in its environment:
#   EC2SIM_ENDPOINT  https://127.0.0.1:PORT   (EC2 and STS)
#   EC2SIM_ADMIN     http://127.0.0.1:PORT    (the /_sim/ admin API)
#   EC2SIM_IMDS, EC2SIM_ECS                   http:// credential endpoints
#   EC2SIM_CA        the CA bundle to trust
#   EC2SIM_DIR       a scratch directory, removed afterwards
# EC2SIM_ARGS adds sim options (e.g. "--time-scale 50").  The sim is killed
# on every exit path; CMD's exit status is the script's, unless a status
# file CMD left in EC2SIM_DIR does not match schema/status.schema.json.
set -u
: "${top_srcdir:?}"
PYTHON3=${PYTHON3:-/usr/bin/python3}
[ $# -ge 1 ] || { echo "usage: with-ec2sim.sh CMD [ARGS...]" >&2; exit 99; }

dir=$(mktemp -d "${TMPDIR:-/tmp}/with-ec2sim.XXXXXX") || exit 99
pid=
cleanup() {
	if [ -n "$pid" ]; then
		kill "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	fi
	rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

sh "$top_srcdir/tests/tls/mkcerts.sh" "$dir/tls" || exit 99
# shellcheck disable=SC2086
PYTHONDONTWRITEBYTECODE=1 "$PYTHON3" "$top_srcdir/tests/ec2sim/ec2sim" --port 0 \
	--ready-file "$dir/ready" --tls-cert "$dir/tls/server.pem" --tls-key "$dir/tls/server.key" \
	${EC2SIM_ARGS:-} 2>"$dir/sim.log" &
pid=$!
# The ready file is the sim's readiness signal (written by rename once every
# port listens); this polls for it, bounded to 10 s.
i=0
while [ ! -s "$dir/ready" ]; do
	if ! kill -0 "$pid" 2>/dev/null || [ $i -ge 200 ]; then
		echo "ec2sim did not start:" >&2
		cat "$dir/sim.log" >&2
		exit 99
	fi
	i=$((i + 1))
	sleep 0.05
done
port() { "$PYTHON3" -c 'import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$dir/ready" "$1"; }
EC2SIM_ENDPOINT="https://127.0.0.1:$(port ec2)"
EC2SIM_ADMIN="http://127.0.0.1:$(port admin)"
EC2SIM_IMDS="http://127.0.0.1:$(port imds)"
EC2SIM_ECS="http://127.0.0.1:$(port ecs)"
EC2SIM_CA="$dir/tls/ca.pem"
EC2SIM_DIR="$dir"
export EC2SIM_ENDPOINT EC2SIM_ADMIN EC2SIM_IMDS EC2SIM_ECS EC2SIM_CA EC2SIM_DIR

"$@"
rc=$?
# Every status file CMD left behind matches the published schema (issue 13).
if [ $rc -eq 0 ]; then
	PYTHONDONTWRITEBYTECODE=1 "$PYTHON3" "$top_srcdir/tests/status_schema.py" --sweep "$dir" >"$dir/schema.out" 2>&1
	src=$?
	cat "$dir/schema.out" >&2
	[ $src -eq 0 ] || rc=$src
fi
if [ $rc -ne 0 ] && [ $rc -ne 77 ]; then
	echo "--- ec2sim log (last 30 lines) ---" >&2
	tail -n 30 "$dir/sim.log" >&2
fi
exit $rc
