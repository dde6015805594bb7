#!/bin/sh
# Secret canaries: vpcesd runs with recognisable credentials (a secret key
# and a session token that appear nowhere else) at debug level, through a
# dry run, a real cycle, a failing cycle (the session expired:
# RequestExpired) and a config error; then every byte it wrote — stderr, the plan
# (text and JSON), the status file, the metrics file — is searched for the
# secret, the token, and any SigV4 signature or Authorization header.
# Runs under tests/with-ec2sim.sh (see tests/secrets-run.sh).
set -u
: "${VPCESD:?}" "${top_srcdir:?}" "${EC2SIM_DIR:?}" "${EC2SIM_ADMIN:?}"
PYTHON3=${PYTHON3:-/usr/bin/python3}
dir=$EC2SIM_DIR/secrets
conf=$dir/etc
out=$dir/out
mkdir -p "$conf/services.d" "$out" || exit 99
admin() { "$PYTHON3" "$top_srcdir/tests/simctl.py" "$@"; }

KEY=AKIACANARY0000000001
SECRET=CanarySecret0123456789abcdefghijklmnopqrs
TOKEN=CanaryToken0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ/+abcdefghijklmnop==
admin POST /_sim/credentials "{\"access_key\": \"$KEY\", \"secret_key\": \"$SECRET\", \"session_token\": \"$TOKEN\"}" >/dev/null || exit 99
admin POST /_sim/settings '{"pending_seconds": 0}' >/dev/null || exit 99

cat >"$conf/vpcesd.yaml" <<EOF
region: us-east-1
endpoint: $EC2SIM_ENDPOINT
ca_file: $EC2SIM_CA
owner: canary
status_file: $out/status.json
state_dir: $out/state
metrics_file: $out/metrics.prom
EOF
cat >"$conf/services.d/a.yaml" <<'EOF'
services:
  - name: api
    network_load_balancer_arns:
      - arn:aws:elasticloadbalancing:us-east-1:111122223333:loadbalancer/net/nlb-a/0123456789abcdef
    allowed_principals: [arn:aws:iam::444455556666:root]
    tags: {team: payments}
EOF
export AWS_ACCESS_KEY_ID=$KEY AWS_SECRET_ACCESS_KEY=$SECRET AWS_SESSION_TOKEN=$TOKEN
unset AWS_PROFILE

run() { # NAME ARGS...
	name=$1
	shift
	"$VPCESD" "$@" -c "$conf" --log-target stderr --log-level debug >"$out/$name.stdout" 2>"$out/$name.stderr"
	echo $? >"$out/$name.rc"
}
run dry-text --once --dry-run
run dry-json --once --dry-run --output json
run once --once
run again --once
# The sim expires the session: every call fails with RequestExpired (and one refresh).
admin POST /_sim/credentials/expire "{\"access_key\": \"$KEY\"}" >/dev/null || exit 99
run authfail --once
printf 'services:\n  - name: broken\n    acceptance_required: maybe\n' >"$conf/services.d/bad.yaml"
run badconf --once
rm -f "$conf/services.d/bad.yaml"

fail=0
[ "$(cat "$out/once.rc")" = 5 ] || { echo "FAIL: the real cycle exited $(cat "$out/once.rc"), expected 5 (created)"; fail=1; }
[ "$(cat "$out/again.rc")" = 0 ] || { echo "FAIL: the second cycle exited $(cat "$out/again.rc"), expected 0"; fail=1; }
[ "$(cat "$out/authfail.rc")" = 1 ] || { echo "FAIL: the expired-session cycle exited $(cat "$out/authfail.rc"), expected 1"; fail=1; }
grep -q 'RequestExpired' "$out/authfail.stderr" || { echo "FAIL: no RequestExpired in the failing run's log"; fail=1; }
grep -q 'DescribeVpcEndpointServiceConfigurations' "$out/once.stderr" ||
	{ echo "FAIL: debug level did not log the API calls"; fail=1; }
[ -s "$out/status.json" ] && [ -s "$out/metrics.prom" ] || { echo "FAIL: no status or metrics file"; fail=1; }
files=$(ls "$out"/*)
for pattern in "$SECRET" "$TOKEN" "CanarySecret" "CanaryToken" "Signature=" "AWS4-HMAC-SHA256" "Authorization" \
	"X-Amz-Security-Token"; do
	# shellcheck disable=SC2086
	if grep -F -l -- "$pattern" $files >/dev/null 2>&1; then
		echo "FAIL: '$pattern' found in:"
		# shellcheck disable=SC2086
		grep -F -l -- "$pattern" $files
		fail=1
	fi
done
# A 64-hex-digit run is what a leaked signature or derived key looks like.
# shellcheck disable=SC2086
if grep -E -l '[0-9a-f]{64}' $files >/dev/null 2>&1; then
	echo "FAIL: a 64-hex-digit string (signature?) found in:"
	# shellcheck disable=SC2086
	grep -E -o '[0-9a-f]{64}' $files | head -5
	fail=1
fi
[ $fail -eq 0 ] && echo "ok: $(echo "$files" | wc -l) outputs of 6 runs at debug level hold no secret, token or signature"
exit $fail
