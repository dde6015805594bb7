#!/bin/sh
# SPDX-License-Identifier: ISC
# Clock skew and the words of failures (issue 13), against the real binary:
#  1. ec2sim's wall clock 20 minutes ahead, then behind: a --once cycle
#     converges; EC2 refused exactly one request (RequestExpired) before
#     vpcesd corrected its clock from the answer's Date; the correction is
#     logged once ("clock skew of 1200 s (local clock behind EC2),
#     correcting") and published in status.json and the metrics;
#  2. the daemon's sd_notify STATUS= line (a fake NOTIFY_SOCKET) and log say
#     what failed, in words of its own: credentials rejected, a clock that
#     cannot be corrected, EC2 not reached; never "unreachable" for all.
# Runs under tests/with-ec2sim.sh (see tests/skew-run.sh).
set -u
: "${VPCESD:?}" "${top_srcdir:?}" "${EC2SIM_DIR:?}" "${EC2SIM_ADMIN:?}"
PYTHON3=${PYTHON3:-/usr/bin/python3}
dir=$EC2SIM_DIR/skew
conf=$dir/etc
out=$dir/out
pid=
lpid=
cleanup() {
	[ -n "$pid" ] && kill -9 "$pid" 2>/dev/null
	[ -n "$lpid" ] && kill "$lpid" 2>/dev/null
}
trap cleanup EXIT
mkdir -p "$conf/services.d" "$out" || exit 99
admin() { "$PYTHON3" "$top_srcdir/tests/simctl.py" "$@"; }
fail=0
no() { echo "FAIL: $*"; fail=1; }

write_conf() { # ENDPOINT
	cat >"$conf/vpcesd.yaml" <<EOF
region: us-east-1
endpoint: $1
ca_file: $EC2SIM_CA
owner: skew
interval: 60s
status_file: $out/status.json
state_dir: $out/state
metrics_file: $out/metrics.prom
EOF
}
write_conf "$EC2SIM_ENDPOINT"
cat >"$conf/services.d/a.yaml" <<'EOF'
services:
  - name: api
    network_load_balancer_arns:
      - arn:aws:elasticloadbalancing:us-east-1:111122223333:loadbalancer/net/nlb-a/0123456789abcdef
EOF
export AWS_ACCESS_KEY_ID=AKIDEXAMPLE AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY
unset AWS_SESSION_TOKEN AWS_PROFILE NOTIFY_SOCKET

# json FILE EXPR: a Python expression over the parsed file `d`.
json() { "$PYTHON3" -c 'import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2"; }
# How often the sim answered CODE, all actions together.
answered() {
	admin GET /_sim/counters | "$PYTHON3" -c 'import json,sys; print(sum(v.get(sys.argv[1], 0) for v in json.load(sys.stdin).values()))' "$1"
}
within() { # VALUE WANT: |VALUE − WANT| ≤ 2 (the Date header has a one-second resolution)
	[ -n "$1" ] && [ "$1" -ge $(($2 - 2)) ] && [ "$1" -le $(($2 + 2)) ]
}

# ---- 1. the clock 20 minutes off, either way --------------------------------------
for skew in 1200 -1200; do
	# The Date header has a one-second resolution: the skew measured is 1200 ± 2 s.
	if [ "$skew" -gt 0 ]; then words="clock skew of 1(19[89]|20[012]) s \(local clock behind EC2\), correcting"; else
		words="clock skew of 1(19[89]|20[012]) s \(local clock ahead of EC2\), correcting"; fi
	rm -rf "${out:?}"/* && mkdir -p "$out"
	admin POST /_sim/reset >/dev/null || exit 99
	admin POST /_sim/settings "{\"pending_seconds\": 0, \"wall_skew_seconds\": $skew}" >/dev/null || exit 99
	"$VPCESD" --once -c "$conf" --log-target stderr --log-level info >"$out/once.stdout" 2>"$out/once.stderr"
	rc=$?
	# 5: it created the service; the next cycle verifies it (vpcesd(8), EXIT STATUS).
	[ $rc -eq 5 ] || { no "skew $skew: the cycle exited $rc, expected 5"; cat "$out/once.stderr"; }
	n=$(grep -c -E -- "$words" "$out/once.stderr")
	[ "$n" -eq 1 ] || no "skew $skew: '$words' logged $n times, expected once"
	grep -E -q -- "^[0-9T:.Z-]+ notice: create api \(vpce-svc-" "$out/once.stderr" ||
		{ no "skew $skew: the service was not created"; cat "$out/once.stderr"; }
	grep -E -q -- "unreachable|credentials rejected|refused the request time" "$out/once.stderr" &&
		no "skew $skew: a failure was reported: $(grep -E -- "unreachable|rejected|refused" "$out/once.stderr")"
	# One request refused for its time, then every request signed right.
	[ "$(answered RequestExpired)" -eq 1 ] || no "skew $skew: EC2 refused $(answered RequestExpired) requests, expected 1"
	[ "$(answered OK)" -ge 2 ] || no "skew $skew: only $(answered OK) requests went through"
	v=$(json "$out/status.json" 'd["clock_skew_seconds"]')
	within "$v" "$skew" || no "skew $skew: status.json clock_skew_seconds is $v"
	v=$(sed -n 's/^vpcesd_clock_skew_seconds \(-*[0-9]*\)$/\1/p' "$out/metrics.prom")
	within "$v" "$skew" || no "skew $skew: metric vpcesd_clock_skew_seconds is '$v'"
	[ $fail -eq 0 ] && echo "ok: skew $skew: one refusal, one log line, created, published"
done

# With the clocks in step nothing is said and 0 is published.
rm -rf "${out:?}"/* && mkdir -p "$out"
admin POST /_sim/reset >/dev/null || exit 99
admin POST /_sim/settings '{"pending_seconds": 0}' >/dev/null || exit 99
"$VPCESD" --once -c "$conf" --log-target stderr --log-level info >"$out/once.stdout" 2>"$out/once.stderr"
rc=$?
[ $rc -eq 5 ] || no "in step: the cycle exited $rc, expected 5 (created)"
grep -q "clock skew" "$out/once.stderr" && no "in step: clock skew was logged"
[ "$(json "$out/status.json" 'd["clock_skew_seconds"]')" = 0 ] || no "in step: clock_skew_seconds is not 0"
grep -q '^vpcesd_clock_skew_seconds 0$' "$out/metrics.prom" || no "in step: the metric is not 0"

# ---- 2. the words of failures, in STATUS= and the log -----------------------------
msgs=$out/messages.jsonl
# daemon_says NAME PATTERN: run the daemon until a STATUS= message matches the
# Python regex PATTERN (20 s at most), then stop it; its log is $out/NAME.log.
daemon_says() {
	rm -f "$out/notify.sock" "$msgs"
	"$PYTHON3" "$top_srcdir/tests/notify-listener.py" "$out/notify.sock" "$msgs" &
	lpid=$!
	i=0
	while [ ! -S "$out/notify.sock" ] && [ $i -lt 200 ]; do i=$((i + 1)); sleep 0.05; done
	NOTIFY_SOCKET=$out/notify.sock "$VPCESD" -c "$conf" --log-target stderr --log-level info \
		2>"$out/$1.log" &
	pid=$!
	i=0
	status=
	while [ $i -lt 400 ]; do
		status=$("$PYTHON3" -c '
import json, re, sys
for line in open(sys.argv[1]):
    m = json.loads(line)["msg"]
    for part in m.split("\n"):
        if part.startswith("STATUS=") and re.search(sys.argv[2], part):
            print(part)
            sys.exit(0)' "$msgs" "$2")
		[ -n "$status" ] && break
		kill -0 "$pid" 2>/dev/null || break
		i=$((i + 1))
		sleep 0.05
	done
	kill "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	kill "$lpid" 2>/dev/null
	wait "$lpid" 2>/dev/null
	pid= lpid=
	if [ -z "$status" ]; then
		no "$1: no STATUS= matching '$2'; got:"
		grep STATUS "$msgs" 2>/dev/null | tail -n 3
		tail -n 5 "$out/$1.log"
		return 1
	fi
	echo "ok: $1: $status"
	if grep -i -q "unreachable" "$out/$1.log" || echo "$status" | grep -i -q "unreachable"; then
		no "$1: still called unreachable"
	fi
	return 0
}

# Credentials EC2 does not know, with the clocks in step: rejected, after the one refresh.
rm -rf "${out:?}"/* && mkdir -p "$out"
admin POST /_sim/reset >/dev/null || exit 99
AWS_ACCESS_KEY_ID=AKIDUNKNOWN000000000 AWS_SECRET_ACCESS_KEY=UnknownSecret0000000000000000000000000000 \
	daemon_says rejected '^STATUS=credentials rejected by EC2 \(AuthFailure\) \(retrying in [0-9]+s\)$' && {
	grep -F -q "DescribeVpcEndpointServiceConfigurations: credentials rejected by EC2 (AuthFailure: AWS was not able to validate the provided access credentials; HTTP 401" "$out/rejected.log" ||
		no "rejected: the log does not say it: $(grep -i rejected "$out/rejected.log" | head -n 2)"
	grep -q "clock skew" "$out/rejected.log" && no "rejected: called clock skew"
	json "$out/status.json" '[e for e in d["cycle"]["errors"] if "credentials rejected by EC2 (AuthFailure" in e][0]' >/dev/null 2>&1 ||
		no "rejected: status.json cycle.errors do not say it"
}
[ "$(answered AuthFailure)" -eq 2 ] || no "rejected: $(answered AuthFailure) AuthFailures, expected 2 (one refresh)"

# EC2 refuses the time and sends no Date to correct it by.
rm -rf "${out:?}"/* && mkdir -p "$out"
admin POST /_sim/reset >/dev/null || exit 99
admin POST /_sim/faults '{"kind": "answer", "action": "*", "status": 403, "count": 1000, "headers": {"Date": ""},
  "body": "<Response><Errors><Error><Code>RequestTimeTooSkewed</Code><Message>The difference between the request time and the current time is too large.</Message></Error></Errors><RequestID>r-1</RequestID></Response>"}' >/dev/null || exit 99
daemon_says clock '^STATUS=EC2 refused the request time, and its answer has no Date to correct the clock by \(retrying in [0-9]+s\)$' && {
	grep -F -q "(RequestTimeTooSkewed: The difference between the request time and the current time is too large.; HTTP 403" "$out/clock.log" ||
		no "clock: the log does not quote EC2's reason"
	grep -q "credentials rejected" "$out/clock.log" && no "clock: called rejected credentials"
}

# Nothing listens: EC2 is not reached.
rm -rf "${out:?}"/* && mkdir -p "$out"
write_conf "https://127.0.0.1:1"
daemon_says network '^STATUS=cannot reach EC2: .* \(retrying in [0-9]+s\)$' && {
	grep -q "DescribeVpcEndpointServiceConfigurations: cannot reach EC2: " "$out/network.log" ||
		no "network: the log does not say it"
}
write_conf "$EC2SIM_ENDPOINT"

[ $fail -eq 0 ] && echo "ok: clock skew corrected and published; failures say what they are"
exit $fail
