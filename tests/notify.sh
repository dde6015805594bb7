#!/bin/sh
# SPDX-License-Identifier: ISC
# The daemon's sd_notify protocol and signal handling, without systemd: a
# fake NOTIFY_SOCKET (tests/notify-listener.py) records every message while
# the test drives vpcesd against ec2sim:
#   start → READY=1 (and STATUS=)          good SIGHUP → RELOADING=1 + MONOTONIC_USEC, READY=1
#   broken file + SIGHUP → RELOADING=1, READY=1, the error with file:line:col, old config kept
#   SIGUSR1 → a cycle                      100 SIGHUPs during a slow cycle → exactly one reload
#   a broken file + SIGHUP during a stalled cycle → refused at once, before the cycle ends
#   WATCHDOG=1 about every WATCHDOG_USEC/2, never further apart than WATCHDOG_USEC
#   SIGTERM → STOPPING=1, exit 0
# Runs under tests/with-ec2sim.sh (see tests/notify-run.sh).  Every wait is
# for a message or a log line, bounded.  NOTIFY_WATCHDOG_USEC (default 2 s)
# is only for tests/valgrind.sh, whose slowdown needs a longer interval.
set -u
: "${VPCESD:?}" "${top_srcdir:?}" "${EC2SIM_DIR:?}" "${EC2SIM_ADMIN:?}"
PYTHON3=${PYTHON3:-/usr/bin/python3}
wd_usec=${NOTIFY_WATCHDOG_USEC:-2000000}
dir=$EC2SIM_DIR/notify
conf=$dir/etc
msgs=$dir/messages.jsonl
log=$dir/vpcesd.log
pid=
lpid=
cleanup() {
	[ -n "$pid" ] && kill -9 "$pid" 2>/dev/null
	[ -n "$lpid" ] && kill "$lpid" 2>/dev/null
}
trap cleanup EXIT
die() {
	echo "FAIL: $*"
	echo "--- notify messages"; cat "$msgs" 2>/dev/null | tail -n 30
	echo "--- vpcesd log"; tail -n 30 "$log" 2>/dev/null
	exit 1
}
admin() { "$PYTHON3" "$top_srcdir/tests/simctl.py" "$@"; }
# count PATTERN: how many notify messages match the Python regex.
count() {
	"$PYTHON3" -c '
import json, re, sys
n = 0
for line in open(sys.argv[1]):
    if re.search(sys.argv[2], json.loads(line)["msg"]):
        n += 1
print(n)' "$msgs" "$1"
}
# wait_count PATTERN N: until at least N messages match (20 s at most).
wait_count() {
	i=0
	while [ "$(count "$1")" -lt "$2" ]; do
		i=$((i + 1))
		[ $i -le 400 ] || die "timed out waiting for $2 message(s) matching $1"
		kill -0 "$pid" 2>/dev/null || die "vpcesd exited while waiting for $1"
		sleep 0.05
	done
}
wait_log() { # PATTERN N
	i=0
	while [ "$(grep -c -- "$1" "$log")" -lt "$2" ]; do
		i=$((i + 1))
		[ $i -le 400 ] || die "timed out waiting for log line $1"
		sleep 0.05
	done
}

mkdir -p "$conf/services.d" || exit 99
cat >"$conf/vpcesd.yaml" <<EOF
region: us-east-1
endpoint: $EC2SIM_ENDPOINT
ca_file: $EC2SIM_CA
owner: notify
interval: 60s
min_interval: 1s
status_file: $dir/status.json
state_dir: $dir/state
EOF
cat >"$conf/services.d/a.yaml" <<'EOF'
services:
  - name: api
    network_load_balancer_arns:
      - arn:aws:elasticloadbalancing:us-east-1:111122223333:loadbalancer/net/nlb-a/0123456789abcdef
EOF
admin POST /_sim/settings '{"pending_seconds": 0}' >/dev/null

"$PYTHON3" "$top_srcdir/tests/notify-listener.py" "$dir/notify.sock" "$msgs" &
lpid=$!
i=0
until [ -s "$msgs" ]; do i=$((i + 1)); [ $i -le 200 ] || die "listener did not start"; sleep 0.05; done

export AWS_ACCESS_KEY_ID=AKIDEXAMPLE AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY
unset AWS_SESSION_TOKEN AWS_PROFILE WATCHDOG_PID
NOTIFY_SOCKET=$dir/notify.sock WATCHDOG_USEC=$wd_usec \
	"$VPCESD" -c "$conf" --log-target stderr 2>"$log" &
pid=$!

wait_count '^READY=1$' 1
wait_count '^STATUS=0/1 converged, next cycle in' 1
echo "ok start: READY=1, then STATUS= after the first cycle"

cycles_before=$(grep -c '^[0-9T:.Z-]* [a-z]*: cycle [0-9]' "$log")
kill -HUP $pid
wait_count '^READY=1$' 2
[ "$(count '^RELOADING=1\nMONOTONIC_USEC=[0-9]+$')" = 1 ] || die "RELOADING=1 with MONOTONIC_USEC expected once"
echo "ok good reload: RELOADING=1 + MONOTONIC_USEC, READY=1"
# The reload starts a cycle; the next signal is for an idle daemon (a
# SIGHUP during a cycle is the stalled-cycle case below).
wait_log '^[0-9T:.Z-]* [a-z]*: cycle [0-9]' $((cycles_before + 1))

printf 'services:\n  - name: broken\n    acceptance_required: maybe\n' >"$conf/services.d/zz-bad.yaml"
kill -HUP $pid
wait_count '^READY=1$' 3
[ "$(count '^RELOADING=1')" = 2 ] || die "expected a second RELOADING=1"
grep -q "zz-bad.yaml:3:" "$log" || die "the bad file's error with file:line is not in the log"
grep -q "keeping the previous configuration" "$log" || die "no 'keeping the previous configuration'"
kill -0 $pid || die "vpcesd died on a bad reload"
rm -f "$conf/services.d/zz-bad.yaml"
echo "ok bad reload: error with file:line, previous configuration kept, still READY"

before=$(count '^STATUS=')
kill -USR1 $pid
wait_log 'cycle requested (SIGUSR1)' 1
wait_count '^STATUS=' $((before + 1))
echo "ok SIGUSR1: a cycle, a new STATUS="

# 100 SIGHUPs while a cycle is slowed down by latency: one reload, after it.
admin POST /_sim/faults '{"kind": "latency", "action": "DescribeVpcEndpointServiceConfigurations", "ms": 1500, "count": 1}' >/dev/null
reloads_before=$(grep -c 'reloading the configuration' "$log")
kill -USR1 $pid
wait_log 'cycle requested (SIGUSR1)' 2
n=0
while [ $n -lt 100 ]; do kill -HUP $pid; n=$((n + 1)); done
wait_log 'reloading the configuration' $((reloads_before + 1))
wait_count '^READY=1$' 4
# Give stray signals a chance to show up as extra reloads: a cycle after the reload.
before=$(count '^STATUS=')
kill -USR1 $pid
wait_log 'cycle requested (SIGUSR1)' 3
wait_count '^STATUS=' $((before + 1))
[ "$(grep -c 'reloading the configuration' "$log")" = $((reloads_before + 1)) ] ||
	die "100 SIGHUPs during a cycle gave $(($(grep -c 'reloading the configuration' "$log") - reloads_before)) reloads, expected 1"
[ "$(grep -c 'reload requested: the configuration in .* is valid (1 service); it takes over after the cycle in progress' "$log")" = 1 ] ||
	die "the SIGHUPs during the cycle were not validated at once, and said once"
echo "ok 100 SIGHUPs during a cycle: validated at once (said once), one reload, after the cycle"

# A broken file during a stalled cycle: refused when the signal comes, not
# when the cycle ends (issue 13), and no reload after it either.
admin POST /_sim/faults '{"kind": "latency", "action": "DescribeVpcEndpointServiceConfigurations", "ms": 4000, "count": 1}' >/dev/null
cycles_before=$(grep -c '^[0-9T:.Z-]* [a-z]*: cycle [0-9]' "$log")
readies_before=$(count '^READY=1$')
kill -USR1 $pid
wait_log 'cycle requested (SIGUSR1)' 4
printf 'services:\n  - name: broken\n    acceptance_required: maybe\n' >"$conf/services.d/zz-bad.yaml"
refusals_before=$(grep -c 'reload failed: keeping the previous configuration' "$log")
kill -HUP $pid
wait_log 'reload failed: keeping the previous configuration' $((refusals_before + 1))
[ "$(grep -c '^[0-9T:.Z-]* [a-z]*: cycle [0-9]' "$log")" = "$cycles_before" ] ||
	die "the broken file was refused only after the stalled cycle ended"
wait_log '^[0-9T:.Z-]* [a-z]*: cycle [0-9]' $((cycles_before + 1))
rm -f "$conf/services.d/zz-bad.yaml"
[ "$(count '^READY=1$')" = "$readies_before" ] || die "a refused reload during a cycle still reloaded after it"
echo "ok a broken file during a stalled cycle: refused at once, before the cycle ended"


# A retained service is noticed once: without its spec, api would be
# deleted under sync; upsert-only retains it every cycle, with one notice.
mv "$conf/services.d/a.yaml" "$dir/a.yaml.off"
kill -HUP $pid
wait_count '^READY=1$' 5
for n in 1 2; do
	before=$(count '^STATUS=')
	kill -USR1 $pid
	wait_count '^STATUS=' $((before + 1))
done
held=$(grep -c '^[0-9T:.Z-]* notice: api: retained: not in the configuration' "$log")
[ "$held" = 1 ] || die "the retained api was noticed $held times in 3 cycles, expected once"
echo "ok a service retained by the policy is noticed once over 3 cycles"

# At least three pings (one every WATCHDOG_USEC/2) before stopping, to judge their spacing.
wait_count '^WATCHDOG=1$' 3
kill -TERM $pid
wait $pid
rc=$?
pid=
[ $rc -eq 0 ] || die "exit status $rc after SIGTERM"
[ "$(count '^STOPPING=1$')" = 1 ] || die "STOPPING=1 expected once"

# The whole sequence of state messages, and the watchdog gaps.
"$PYTHON3" - "$msgs" "$wd_usec" <<'PY' || die "notify sequence"
import json, re, sys
events = [json.loads(l) for l in open(sys.argv[1])]
states = [e["msg"].split("\n")[0] for e in events if re.match(r"(READY|RELOADING|STOPPING)=", e["msg"])]
want = ["READY=1"] + ["RELOADING=1", "READY=1"] * 4 + ["STOPPING=1"]
if states != want:
    sys.exit(f"state messages {states}, expected {want}")
pings = [e["t"] for e in events if e["msg"] == "WATCHDOG=1"]
if len(pings) < 3:
    sys.exit(f"only {len(pings)} WATCHDOG=1 pings")
gap = max(b - a for a, b in zip(pings, pings[1:]))
limit = int(sys.argv[2]) / 1e6
if gap >= limit:
    sys.exit(f"watchdog pings {gap:.2f}s apart, WATCHDOG_USEC is {limit:g}s: systemd would have killed vpcesd")
print(f"ok sequence {' '.join(states)}; {len(pings)} watchdog pings, largest gap {gap:.2f}s")
PY
echo "ok SIGTERM: STOPPING=1, exit 0"
