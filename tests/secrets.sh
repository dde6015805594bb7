#!/bin/sh
# SPDX-License-Identifier: ISC
# Secret canaries: vpcesd runs with recognisable credentials (a secret key
# and a session token that appear nowhere else) at debug level, through a
# dry run, a real cycle, a failing cycle (the session expired:
# RequestExpired) and a config error, then against answers that quote the
# canaries back (issue 13): an EC2 error whose message and request id hold
# them, a proxy's HTML pages with the request's headers, an STS refusal
# quoting them, and a credential_process helper that prints them on stderr
# and fails.  Every byte it wrote — stderr, the plan (text and JSON), the
# status file and metrics of every run — is searched for the secret, the
# token, and any SigV4 signature or Authorization header ("[redacted]" in
# their place is what must be there instead).
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

run() { # NAME ARGS... (the configuration in $runconf, default $conf)
	name=$1
	shift
	"$VPCESD" "$@" -c "${runconf:-$conf}" --log-target stderr --log-level debug >"$out/$name.stdout" 2>"$out/$name.stderr"
	echo $? >"$out/$name.rc"
	# Every run's status and metrics are searched, not only the last ones.
	[ -f "$out/status.json" ] && cp "$out/status.json" "$out/$name.status-json"
	[ -f "$out/metrics.prom" ] && cp "$out/metrics.prom" "$out/$name.metrics"
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

# ---- answers that quote the canaries back ----------------------------------------
SIG=c6ff60e818a2226bef8c28cc9a1b42047fbfeb290a658f5665fb81419c27ae53
HEADERS="Authorization: AWS4-HMAC-SHA256 Credential=$KEY/20260115/us-east-1/ec2/aws4_request, SignedHeaders=content-type;host;x-amz-date;x-amz-security-token, Signature=$SIG
X-Amz-Security-Token: $TOKEN
"
# fault ACTION STATUS CONTENT_TYPE BODY: an `answer` for every request of ACTION.
fault() {
	admin DELETE /_sim/faults >/dev/null || exit 99
	admin POST /_sim/faults "$("$PYTHON3" -c 'import json, sys
print(json.dumps({"kind": "answer", "action": sys.argv[1], "status": int(sys.argv[2]),
                  "content_type": sys.argv[3], "body": sys.argv[4], "count": 1000}))' "$@")" >/dev/null || exit 99
}
admin POST /_sim/credentials "{\"access_key\": \"$KEY\", \"secret_key\": \"$SECRET\", \"session_token\": \"$TOKEN\"}" >/dev/null || exit 99
fault DescribeVpcEndpointServiceConfigurations 400 text/xml "<Response><Errors><Error><Code>InvalidParameterValue</Code><Message>We saw: $HEADERS secret $SECRET token $TOKEN, X-Amz-Signature=$SIG</Message></Error></Errors><RequestID>$TOKEN</RequestID></Response>"
run ec2-echo --once
fault DescribeVpcEndpointServiceConfigurations 502 text/html "<html><body><h1>502 Bad Gateway</h1><pre>$HEADERS</pre></body></html>"
run proxy-502 --once
fault DescribeVpcEndpointServiceConfigurations 200 text/html "<html><body><p>&$SECRET;</p><pre>$HEADERS</pre></body></html>"
run proxy-200 --once
# STS, asked for a role with the canary credentials, quotes them in its refusal.
sts_conf=$dir/etc-sts
mkdir -p "$sts_conf/services.d" || exit 99
cp "$conf/services.d/a.yaml" "$sts_conf/services.d/" || exit 99
{ cat "$conf/vpcesd.yaml"; printf 'sts_endpoint: %s\ncredentials:\n  role_arn: arn:aws:iam::111122223333:role/vpcesd\n' "$EC2SIM_ENDPOINT"; } >"$sts_conf/vpcesd.yaml"
fault AssumeRole 403 text/xml "<ErrorResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><Error><Type>Sender</Type><Code>AccessDenied</Code><Message>User with secret $SECRET and token $TOKEN may not assume it; $HEADERS</Message></Error><RequestId>$TOKEN</RequestId></ErrorResponse>"
runconf=$sts_conf run sts-echo --once
admin DELETE /_sim/faults >/dev/null || exit 99
# A credential_process helper that prints the canaries, as a document on stdout and bare
# on stderr, and fails.
helper=$dir/helper.sh
cat >"$helper" <<HELPER
#!/bin/sh
printf '{"Version": 1, "AccessKeyId": "$KEY", "SecretAccessKey": "$SECRET", "SessionToken": "$TOKEN"}\n'
echo "helper: got $SECRET $TOKEN from the broker, giving up" >&2
echo "aws_secret_access_key = $SECRET" >&2
exit 1
HELPER
printf '[default]\ncredential_process = sh %s\n' "$helper" >"$dir/aws-config"
(
	unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN
	AWS_CONFIG_FILE=$dir/aws-config AWS_SHARED_CREDENTIALS_FILE=$dir/no-such-file run process-echo --once
)
# The same helper without the document: the canaries are only text on stderr.
sed -i '/^printf/d' "$helper"
(
	unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN
	AWS_CONFIG_FILE=$dir/aws-config AWS_SHARED_CREDENTIALS_FILE=$dir/no-such-file run process-stderr --once
)

fail=0
[ "$(cat "$out/once.rc")" = 5 ] || { echo "FAIL: the real cycle exited $(cat "$out/once.rc"), expected 5 (created)"; fail=1; }
[ "$(cat "$out/again.rc")" = 0 ] || { echo "FAIL: the second cycle exited $(cat "$out/again.rc"), expected 0"; fail=1; }
[ "$(cat "$out/authfail.rc")" = 1 ] || { echo "FAIL: the expired-session cycle exited $(cat "$out/authfail.rc"), expected 1"; fail=1; }
grep -q 'RequestExpired' "$out/authfail.stderr" || { echo "FAIL: no RequestExpired in the failing run's log"; fail=1; }
grep -q 'DescribeVpcEndpointServiceConfigurations' "$out/once.stderr" ||
	{ echo "FAIL: debug level did not log the API calls"; fail=1; }
# The echo runs did meet the hostile answers (and said so, without the canaries).
expect() { # RUN TEXT
	grep -F -q -- "$2" "$out/$1.stderr" || { echo "FAIL: $1 does not say '$2':"; tail -n 5 "$out/$1.stderr"; fail=1; }
}
expect ec2-echo "InvalidParameterValue: We saw: Authorization: [redacted]"
expect ec2-echo "secret [redacted] token [redacted], X-Amz-Signature=[redacted]"
expect proxy-502 "HTTP 502"
expect proxy-200 "Entity '[redacted]' not defined"
expect sts-echo "AccessDenied: User with secret [redacted] and token [redacted] may not assume it"
expect process-echo "exited with status 1: helper: got [redacted] [redacted] from the broker"
expect process-stderr "exited with status 1: helper: got [redacted] [redacted] from the broker"
for r in ec2-echo proxy-502 proxy-200 sts-echo process-echo process-stderr; do
	[ "$(cat "$out/$r.rc")" = 1 ] || { echo "FAIL: $r exited $(cat "$out/$r.rc"), expected 1"; fail=1; }
done
[ -s "$out/status.json" ] && [ -s "$out/metrics.prom" ] || { echo "FAIL: no status or metrics file"; fail=1; }
files=$(find "$out" -type f)
for pattern in "$SECRET" "$TOKEN" "CanarySecret" "CanaryToken" "Signature=" "AWS4-HMAC-SHA256" "Authorization" \
	"X-Amz-Security-Token"; do
	# A header name followed by "[redacted]" is what scrubbing leaves: only the rest counts.
	for f in $files; do
		if sed -e 's/Authorization: \[redacted\]//g; s/X-Amz-Security-Token: \[redacted\]//g' \
			-e 's/Signature=\[redacted\]//g' "$f" | grep -F -q -- "$pattern"; then
			echo "FAIL: '$pattern' found in $f:"
			grep -F -- "$pattern" "$f" | head -n 3
			fail=1
		fi
	done
done
# A 64-hex-digit run is what a leaked signature or derived key looks like.
# shellcheck disable=SC2086
if grep -E -l '[0-9a-f]{64}' $files >/dev/null 2>&1; then
	echo "FAIL: a 64-hex-digit string (signature?) found in:"
	# shellcheck disable=SC2086
	grep -E -o '[0-9a-f]{64}' $files | head -5
	fail=1
fi
[ $fail -eq 0 ] && echo "ok: $(echo "$files" | wc -l) outputs of 12 runs at debug level hold no secret, token or signature"
exit $fail
