#!/bin/sh
# SPDX-License-Identifier: ISC
# The vpcesd demo: the daemon against the bundled local EC2 endpoint.
#
#   1. the shipped example specs (etc/vpcesd/services.d) with a demo
#      vpcesd.yaml that points at ec2sim;
#   2. vpcesd starts and converges: three endpoint services are created;
#   3. a spec is edited and vpcesd reloads (SIGHUP): the service is modified;
#   4. someone changes a service behind vpcesd's back: the next cycle
#      (SIGUSR1) repairs the drift;
#   5. the status file gives every service's id and *service name*;
#   6. SIGTERM: clean stop, exit 0.
#
# Run by `./quickstart demo` and, as a smoke test, by `make check` (through
# tests/with-ec2sim.sh, which provides the EC2SIM_* variables).  Every wait
# is for a signal the daemon gives (its status file), bounded in time.
set -u
: "${VPCESD:?}" "${top_srcdir:?}" "${EC2SIM_DIR:?}" "${EC2SIM_ADMIN:?}"
PYTHON3=${PYTHON3:-/usr/bin/python3}
dir=$EC2SIM_DIR/demo
conf=$dir/etc
status=$dir/status.json
state_dir=$dir/state
log=$dir/vpcesd.log
pid=

say() { printf '\n\033[1m--- %s\033[0m\n' "$*"; }
die() {
	echo "demo FAILED: $*" >&2
	[ -f "$log" ] && tail -n 20 "$log" >&2
	[ -n "$pid" ] && kill "$pid" 2>/dev/null
	exit 1
}
admin() { "$PYTHON3" "$top_srcdir/tests/simctl.py" "$@"; }
# status_field EXPR: a Python expression over the status document `s`.
status_field() {
	[ -s "$status" ] || { echo ""; return; }
	"$PYTHON3" -c "import json,sys; s=json.load(open(sys.argv[1])); print($1)" "$status" 2>/dev/null
}
# wait_for DESCRIPTION EXPR: until the status document satisfies EXPR (30 s at most).
wait_for() {
	i=0
	until [ "$(status_field "$2")" = "True" ]; do
		i=$((i + 1))
		[ $i -le 600 ] || die "timed out waiting for: $1"
		kill -0 "$pid" 2>/dev/null || die "vpcesd exited while waiting for: $1"
		sleep 0.05
	done
}
cycle_number() { status_field 's["cycle"]["number"]'; }

mkdir -p "$conf/services.d" || exit 99
# The example's load balancers live in the sim's account (111122223333).
sed 's/:123456789012:loadbalancer/:111122223333:loadbalancer/' \
	"$top_srcdir/etc/vpcesd/services.d/example.yaml" >"$conf/services.d/example.yaml"
cat >"$conf/vpcesd.yaml" <<EOF
# Demo settings: the shipped example specs, against the local EC2 endpoint.
region: us-east-1
endpoint: $EC2SIM_ENDPOINT
ca_file: $EC2SIM_CA
owner: demo
policy: upsert-only
interval: 60s
min_interval: 1s
status_file: $status
state_dir: $state_dir
EOF
# The load balancers the example names, as they would exist in the account.
admin POST /_sim/load-balancers '{"load_balancers": [
  {"arn": "arn:aws:elasticloadbalancing:us-east-1:111122223333:loadbalancer/net/payments/50dc6c495c0c9188", "dualstack": true},
  {"arn": "arn:aws:elasticloadbalancing:us-east-1:111122223333:loadbalancer/gwy/inspection/2c1b4f7e9a3d5b60"},
  {"arn": "arn:aws:elasticloadbalancing:us-east-1:111122223333:loadbalancer/net/reports/0f3e6a2b8c1d4e57"}]}' >/dev/null ||
	die "cannot seed load balancers"
admin POST /_sim/settings '{"pending_seconds": 0}' >/dev/null || die "cannot set up ec2sim"

say "vpcesd --check-config"
"$VPCESD" --check-config -c "$conf" || die "the demo configuration is invalid"

say "starting vpcesd (log below)"
export AWS_ACCESS_KEY_ID=AKIDEXAMPLE AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY
unset AWS_SESSION_TOKEN AWS_PROFILE NOTIFY_SOCKET
"$VPCESD" -c "$conf" --log-target stderr 2>"$log" &
pid=$!
tail -n +1 -f "$log" --pid=$pid 2>/dev/null | sed -u 's/^[0-9T:.Z-]* /  /' &
tailer=$!
wait_for "the first cycle" 's["cycle"]["number"] >= 1'
[ "$(status_field 's["cycle"]["changes"]["applied"]')" = 3 ] || die "expected 3 creates in cycle 1"

say "a second cycle (SIGUSR1): nothing left to do"
before=$(cycle_number)
kill -USR1 $pid
wait_for "cycle $((before + 1))" "s['cycle']['number'] > $before and s['health'] == 'converged'"

say "editing a spec (inspection: acceptance_required true, a tag) and reloading (SIGHUP)"
"$PYTHON3" - "$conf/services.d/example.yaml" <<'PY'
import sys
p = sys.argv[1]
text = open(p).read()
old = "      - arn:aws:elasticloadbalancing:us-east-1:111122223333:loadbalancer/gwy/inspection/2c1b4f7e9a3d5b60\n    acceptance_required: false\n"
assert old in text, "example.yaml changed: update the demo"
text = text.replace(old, old.replace("false", "true") + "    tags:\n      owner: security-team\n")
open(p, "w").write(text)
PY
before=$(cycle_number)
kill -HUP $pid
wait_for "the reload's cycle" "s['cycle']['number'] > $before"
wait_for "inspection modified" "[x for x in s['services'] if x['name'] == 'inspection'][0]['last_change'] is not None"

say "drift: someone turns off acceptance on payments-api behind vpcesd's back"
id=$(status_field "[x for x in s['services'] if x['name'] == 'payments-api'][0]['service_id']")
admin POST "/_sim/services/$id" '{"acceptance_required": false}' >/dev/null || die "cannot edit $id"
before=$(cycle_number)
kill -USR1 $pid
wait_for "the drift repaired" "s['cycle']['number'] > $before and s['cycle']['changes']['applied'] >= 1"
kill -USR1 $pid
wait_for "converged again" "s['cycle']['number'] > $((before + 1)) and s['health'] == 'converged'"

say "service names from $status (what CloudFormation needs a Lambda for)"
status_field '"\n".join("  %-13s %-27s %s" % (x["name"], x["service_id"], x["service_name"]) for x in s["services"])'

say "stopping (SIGTERM)"
kill -TERM $pid
wait $pid
rc=$?
kill $tailer 2>/dev/null
[ $rc -eq 0 ] || die "vpcesd exited with $rc"
echo "  vpcesd stopped cleanly (exit 0)"
