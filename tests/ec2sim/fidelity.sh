#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# ec2sim fidelity test: the real AWS CLI drives every action ec2sim serves.
#
# Why the CLI: botocore is the reference client.  If it signs, sends and
# parses every answer the sim gives, and every error case surfaces in the
# CLI with EC2's code, then the sim speaks EC2 on the wire, and a vpcesd
# bug found against the sim is a real bug.  Runs over HTTPS with a CA made
# by tests/tls/mkcerts.sh; writes only to a temp dir.  Skips (77) without aws.
set -u
: "${top_srcdir:?}" "${PYTHON3:=/usr/bin/python3}"
if [ -x /usr/bin/aws ]; then AWS=/usr/bin/aws; else AWS=$(command -v aws || true); fi
if [ -z "$AWS" ]; then
	echo "SKIP: aws CLI not installed (apt-get install awscli)"
	exit 77
fi
tmp=$(mktemp -d "${TMPDIR:-/tmp}/ec2sim-fidelity.XXXXXX") || exit 99
pid=
cleanup() {
	[ -n "${driver:-}" ] && kill "$driver" 2>/dev/null
	[ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

sh "$top_srcdir/tests/tls/mkcerts.sh" "$tmp/tls" || exit 99
PYTHONDONTWRITEBYTECODE=1 "$PYTHON3" "$top_srcdir/tests/ec2sim/ec2sim" --port 0 --ready-file "$tmp/ready" \
	--tls-cert "$tmp/tls/server.pem" --tls-key "$tmp/tls/server.key" --rng-seed 7 2>"$tmp/sim.err" &
pid=$!
for _ in $(seq 1 100); do # readiness signal: the ready file (bounded wait)
	[ -s "$tmp/ready" ] && break
	kill -0 "$pid" 2>/dev/null || { cat "$tmp/sim.err" >&2; exit 99; }
	sleep 0.05
done
[ -s "$tmp/ready" ] || { echo "ec2sim did not become ready" >&2; exit 99; }
port() { "$PYTHON3" -c 'import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$tmp/ready" "$1"; }
EC2=$(port ec2) ADMIN=$(port admin) IMDS=$(port imds) ECS=$(port ecs)

# A clean CLI: no user config, no retries (error codes must surface as-is).
export HOME="$tmp" AWS_CONFIG_FILE="$tmp/none" AWS_SHARED_CREDENTIALS_FILE="$tmp/none" AWS_PAGER="" \
	AWS_DEFAULT_OUTPUT=json AWS_MAX_ATTEMPTS=1 AWS_RETRY_MODE=standard AWS_EC2_METADATA_DISABLED=true \
	AWS_ACCESS_KEY_ID=AKIDEXAMPLE AWS_SECRET_ACCESS_KEY='wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY'
unset AWS_SESSION_TOKEN AWS_PROFILE AWS_REGION AWS_DEFAULT_REGION AWS_CA_BUNDLE AWS_ENDPOINT_URL 2>/dev/null
cli=("$AWS" --endpoint-url "https://127.0.0.1:$EC2" --ca-bundle "$tmp/tls/ca.pem" --region us-east-1 --cli-read-timeout 10 --cli-connect-timeout 5)

# The CLI runs in one long-lived process when Debian's awscli module is
# importable (see cli_driver.py: same code as /usr/bin/aws, no re-imports);
# otherwise (or with EC2SIM_CLI_PROCESS=1) one `aws` process per command.
driver=
if [ -z "${EC2SIM_CLI_PROCESS:-}" ] && [ "$AWS" = /usr/bin/aws ] && "$PYTHON3" -c 'import awscli.clidriver' 2>/dev/null; then
	coproc CLI { PYTHONDONTWRITEBYTECODE=1 exec "$PYTHON3" "$top_srcdir/tests/ec2sim/cli_driver.py" "$tmp/out" "$tmp/err"; }
	driver=$CLI_PID
fi
XENV=() # per-command environment: NAME=VALUE sets, -NAME unsets (see as_env)
# aws ARGS...: one CLI command; stdout in $tmp/out, stderr in $tmp/err.
aws() {
	local e envargs=() rc
	if [ -n "$driver" ]; then
		for e in "${XENV[@]}"; do envargs+=("ENV:$e"); done
		printf '%s\n' "$((${#envargs[@]} + ${#cli[@]} - 1 + $#))" "${envargs[@]}" "${cli[@]:1}" "$@" >&"${CLI[1]}"
		read -r rc <&"${CLI[0]}" || rc=99
		return "$rc"
	fi
	for e in "${XENV[@]}"; do case $e in -*) envargs+=(-u "${e#-}") ;; *) envargs+=("$e") ;; esac; done
	env "${envargs[@]}" "${cli[@]}" "$@" >"$tmp/out" 2>"$tmp/err"
}
# as_env NAME=VALUE... -NAME... CMD...: run CMD with that CLI environment.
as_env() {
	local XENV=()
	while [[ $1 == *=* || $1 == -* ]]; do XENV+=("$1"); shift; done
	"$@"
}

fails=0 n=0
fail() { echo "FAIL: $*" >&2; fails=$((fails + 1)); }
# ok NAME ARGS...: the call must succeed; its JSON goes to $tmp/out.
ok() {
	local name=$1; shift; n=$((n + 1))
	if ! aws "$@"; then fail "$name: $(cat "$tmp/err")"; return 1; fi
	echo "ok $n - $name"
}
# err NAME CODE ARGS...: the call must fail with error code CODE.
err() {
	local name=$1 code=$2; shift 2; n=$((n + 1))
	if aws "$@"; then fail "$name: succeeded, wanted $code"; return 1; fi
	if ! grep -q "($code)" "$tmp/err"; then fail "$name: wanted $code, got: $(cat "$tmp/err")"; return 1; fi
	echo "ok $n - $name ($code)"
}
# check NAME PYEXPR: PYEXPR over d (the last JSON answer) must be true.
check() {
	n=$((n + 1))
	if "$PYTHON3" -c 'import json,sys; d=json.load(open(sys.argv[1])); sys.exit(0 if eval(sys.argv[2]) else 1)' "$tmp/out" "$2"; then
		echo "ok $n - $1"
	else
		fail "$1: $2 is false for: $(head -c 2000 "$tmp/out")"
	fi
}
get() { "$PYTHON3" -c 'import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$tmp/out" "$1"; }
# admin METHOD PATH [JSON]: plain-HTTP admin API; answer in $tmp/admin.
admin() {
	"$PYTHON3" - "$ADMIN" "$@" >"$tmp/admin" <<'EOF' || fail "admin $*"
import json, sys, urllib.request
port, method, path = sys.argv[1:4]
data = sys.argv[4].encode() if len(sys.argv) > 4 else None
req = urllib.request.Request(f"http://127.0.0.1:{port}{path}", data=data, method=method)
print(urllib.request.urlopen(req, timeout=10).read().decode())
EOF
}
aget() { "$PYTHON3" -c 'import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$tmp/admin" "$1"; }

NLB_A=arn:aws:elasticloadbalancing:us-east-1:111122223333:loadbalancer/net/nlb-a/0123456789abcdef
NLB_B=arn:aws:elasticloadbalancing:us-east-1:111122223333:loadbalancer/net/nlb-b/1123456789abcdef
NLB_C=arn:aws:elasticloadbalancing:us-east-1:111122223333:loadbalancer/net/nlb-c/2123456789abcdef
GWLB_A=arn:aws:elasticloadbalancing:us-east-1:111122223333:loadbalancer/gwy/gwlb-a/4123456789abcdef
TAGSPEC='ResourceType=vpc-endpoint-service,Tags=[{Key=managed-by,Value=vpcesd},{Key=Name,Value=svc-a}]'

# --- CreateVpcEndpointServiceConfiguration ---------------------------------
ok create-a ec2 create-vpc-endpoint-service-configuration --network-load-balancer-arns "$NLB_A" \
	--acceptance-required --private-dns-name api.example.com --client-token tok-a --tag-specifications "$TAGSPEC"
check "create-a answer" 'd["ClientToken"] == "tok-a" and d["ServiceConfiguration"]["ServiceState"] == "Pending" and d["ServiceConfiguration"]["PrivateDnsNameConfiguration"]["State"] == "pendingVerification" and d["ServiceConfiguration"]["PrivateDnsNameConfiguration"]["Type"] == "TXT" and {t["Key"]: t["Value"] for t in d["ServiceConfiguration"]["Tags"]} == {"managed-by": "vpcesd", "Name": "svc-a"} and d["ServiceConfiguration"]["AcceptanceRequired"] is True and d["ServiceConfiguration"]["ServiceType"] == [{"ServiceType": "Interface"}] and d["ServiceConfiguration"]["AvailabilityZones"] == ["us-east-1a", "us-east-1b"]'
SVC_A=$(get 'd["ServiceConfiguration"]["ServiceId"]')
ok create-a-again ec2 create-vpc-endpoint-service-configuration --network-load-balancer-arns "$NLB_A" \
	--acceptance-required --private-dns-name api.example.com --client-token tok-a --tag-specifications "$TAGSPEC"
check "same ClientToken, same service" "d['ServiceConfiguration']['ServiceId'] == '$SVC_A'"
err create-token-mismatch IdempotentParameterMismatch ec2 create-vpc-endpoint-service-configuration \
	--network-load-balancer-arns "$NLB_A" --no-acceptance-required --client-token tok-a
# EC2 associates a load balancer with one endpoint service only.
err create-lb-in-use InvalidParameter ec2 create-vpc-endpoint-service-configuration \
	--network-load-balancer-arns "$NLB_A" --client-token tok-other
ok create-b ec2 create-vpc-endpoint-service-configuration --gateway-load-balancer-arns "$GWLB_A"
check "create-b is a GWLB service" 'd["ServiceConfiguration"]["ServiceType"] == [{"ServiceType": "GatewayLoadBalancer"}] and d["ServiceConfiguration"]["GatewayLoadBalancerArns"] and "ClientToken" not in d'
SVC_B=$(get 'd["ServiceConfiguration"]["ServiceId"]')
ok create-c ec2 create-vpc-endpoint-service-configuration --network-load-balancer-arns "$NLB_C" \
	--supported-ip-address-types ipv4 ipv6 --private-dns-name svc.unverifiable.test
check "create-c dualstack" 'd["ServiceConfiguration"]["SupportedIpAddressTypes"] == ["ipv4", "ipv6"]'
SVC_C=$(get 'd["ServiceConfiguration"]["ServiceId"]')
err create-unknown-nlb InvalidNetworkLoadBalancerArn.NotFound ec2 create-vpc-endpoint-service-configuration \
	--network-load-balancer-arns arn:aws:elasticloadbalancing:us-east-1:111122223333:loadbalancer/net/nope/9999999999999999
err create-malformed-nlb InvalidNetworkLoadBalancerArn.Malformed ec2 create-vpc-endpoint-service-configuration \
	--network-load-balancer-arns arn:aws:elasticloadbalancing:nope
err create-gwlb-as-nlb InvalidParameterValue ec2 create-vpc-endpoint-service-configuration --network-load-balancer-arns "$GWLB_A"
err create-ipv6-not-dualstack InvalidParameterValue ec2 create-vpc-endpoint-service-configuration \
	--network-load-balancer-arns "$NLB_A" --supported-ip-address-types ipv6
err create-dry-run DryRunOperation ec2 create-vpc-endpoint-service-configuration --dry-run --network-load-balancer-arns "$NLB_A"
err create-aws-tag InvalidTagKey.Malformed ec2 create-vpc-endpoint-service-configuration --network-load-balancer-arns "$NLB_A" \
	--tag-specifications 'ResourceType=vpc-endpoint-service,Tags=[{Key=aws:x,Value=y}]'

# --- DescribeVpcEndpointServiceConfigurations -------------------------------
admin POST /_sim/clock '{"advance": 10}'
ok describe-a ec2 describe-vpc-endpoint-service-configurations --service-ids "$SVC_A"
check "Pending -> Available" 'd["ServiceConfigurations"][0]["ServiceState"] == "Available" and len(d["ServiceConfigurations"]) == 1'
ok describe-tag-filter ec2 describe-vpc-endpoint-service-configurations --filters Name=tag:managed-by,Values=vpcesd
check "tag filter" "[s['ServiceId'] for s in d['ServiceConfigurations']] == ['$SVC_A']"
ok describe-wildcard ec2 describe-vpc-endpoint-service-configurations --filters 'Name=tag:Name,Values=svc-*' Name=service-state,Values=Available
check "wildcard + state filter" "[s['ServiceId'] for s in d['ServiceConfigurations']] == ['$SVC_A']"
ok describe-id-filter ec2 describe-vpc-endpoint-service-configurations --filters "Name=service-id,Values=$SVC_B,vpce-svc-00000000000000000"
check "service-id filter ignores unknown ids" "[s['ServiceId'] for s in d['ServiceConfigurations']] == ['$SVC_B']"
err describe-unknown-id InvalidVpcEndpointServiceId.NotFound ec2 describe-vpc-endpoint-service-configurations --service-ids vpce-svc-00000000000000000
err describe-bad-filter InvalidParameterValue ec2 describe-vpc-endpoint-service-configurations --filters Name=colour,Values=red
err describe-max-results-low InvalidParameterValue ec2 describe-vpc-endpoint-service-configurations --cli-input-json '{"MaxResults": 3}'
err describe-bad-token InvalidNextToken ec2 describe-vpc-endpoint-service-configurations --no-paginate --cli-input-json '{"NextToken": "bm90IGEgdG9rZW4.0000"}'
admin POST /_sim/services '{"count": 12, "tags": {"bulk": "yes"}}'
admin DELETE /_sim/log
ok describe-paginated ec2 describe-vpc-endpoint-service-configurations --page-size 5 --filters Name=tag:bulk,Values=yes
check "CLI followed NextToken over 12 services" 'len(d["ServiceConfigurations"]) == 12 and len({s["ServiceId"] for s in d["ServiceConfigurations"]}) == 12'
admin GET '/_sim/log?action=DescribeVpcEndpointServiceConfigurations'
n=$((n + 1))
if [ "$(aget 'len(d)')" = 3 ] && [ "$(aget 'sum("NextToken" in e["params"] for e in d)')" = 2 ]; then
	echo "ok $n - three pages, two NextTokens (request log)"
else fail "pagination calls: $(cat "$tmp/admin")"; fi

# --- ModifyVpcEndpointServiceConfiguration ----------------------------------
err modify-ipv6-not-dualstack InvalidParameterValue ec2 modify-vpc-endpoint-service-configuration --service-id "$SVC_A" \
	--add-supported-ip-address-types ipv6
ok modify-a ec2 modify-vpc-endpoint-service-configuration --service-id "$SVC_A" --no-acceptance-required \
	--add-network-load-balancer-arns "$NLB_B" --remove-network-load-balancer-arns "$NLB_A" --add-supported-ip-address-types ipv6
check "modify returns true" 'd["Return"] is True'
ok describe-modified ec2 describe-vpc-endpoint-service-configurations --service-ids "$SVC_A"
check "modify applied" '(c := d["ServiceConfigurations"][0]) and c["NetworkLoadBalancerArns"] == ["'"$NLB_B"'"] and c["AcceptanceRequired"] is False and c["SupportedIpAddressTypes"] == ["ipv4", "ipv6"]'
err modify-dns-combination InvalidParameterCombination ec2 modify-vpc-endpoint-service-configuration --service-id "$SVC_A" \
	--private-dns-name x.example.com --remove-private-dns-name
err modify-gwlb-dns InvalidParameterCombination ec2 modify-vpc-endpoint-service-configuration --service-id "$SVC_B" --private-dns-name x.example.com
err modify-unknown InvalidVpcEndpointServiceId.NotFound ec2 modify-vpc-endpoint-service-configuration --service-id vpce-svc-00000000000000000 --acceptance-required

# --- private DNS verification and payer responsibility -----------------------
ok start-dns-a ec2 start-vpc-endpoint-service-private-dns-verification --service-id "$SVC_A"
ok start-dns-c ec2 start-vpc-endpoint-service-private-dns-verification --service-id "$SVC_C"
admin POST /_sim/clock '{"advance": 5}'
ok describe-dns ec2 describe-vpc-endpoint-service-configurations --service-ids "$SVC_A" "$SVC_C"
check "verified / failed" "{s['ServiceId']: s['PrivateDnsNameConfiguration']['State'] for s in d['ServiceConfigurations']} == {'$SVC_A': 'verified', '$SVC_C': 'failed'}"
err start-dns-none InvalidParameter ec2 start-vpc-endpoint-service-private-dns-verification --service-id "$SVC_B"
ok payer ec2 modify-vpc-endpoint-service-payer-responsibility --service-id "$SVC_A" --payer-responsibility ServiceOwner

# --- permissions ------------------------------------------------------------------
ok perms-add ec2 modify-vpc-endpoint-service-permissions --service-id "$SVC_A" \
	--add-allowed-principals arn:aws:iam::444455556666:root arn:aws:iam::444455556666:role/consumer
check "added principals" 'd["ReturnValue"] is True and sorted(p["PrincipalType"] for p in d["AddedPrincipals"]) == ["Account", "Role"]'
ok perms-remove ec2 modify-vpc-endpoint-service-permissions --service-id "$SVC_A" --remove-allowed-principals arn:aws:iam::444455556666:root
ok perms-describe ec2 describe-vpc-endpoint-service-permissions --service-id "$SVC_A"
check "one principal left" '[p["Principal"] for p in d["AllowedPrincipals"]] == ["arn:aws:iam::444455556666:role/consumer"]'
err perms-bad InvalidParameterValue ec2 modify-vpc-endpoint-service-permissions --service-id "$SVC_A" --add-allowed-principals not-an-arn

# --- connections: simulated consumers ------------------------------------------------
admin POST /_sim/connections "{\"service_id\": \"$SVC_A\", \"state\": \"pendingAcceptance\"}"
EP1=$(aget 'd["vpc_endpoint_id"]')
admin POST /_sim/connections "{\"service_id\": \"$SVC_A\", \"state\": \"pendingAcceptance\", \"owner\": \"777788889999\"}"
EP2=$(aget 'd["vpc_endpoint_id"]')
ok connections ec2 describe-vpc-endpoint-connections --filters "Name=service-id,Values=$SVC_A"
check "two pending connections" 'sorted(c["VpcEndpointState"] for c in d["VpcEndpointConnections"]) == ["pendingAcceptance"] * 2'
ok accept ec2 accept-vpc-endpoint-connections --service-id "$SVC_A" --vpc-endpoint-ids "$EP1" vpce-00000000000000000
check "accept: one unsuccessful" 'd["Unsuccessful"][0]["Error"]["Code"] == "InvalidVpcEndpointId.NotFound" and len(d["Unsuccessful"]) == 1'
ok reject ec2 reject-vpc-endpoint-connections --service-id "$SVC_A" --vpc-endpoint-ids "$EP2"
check "reject: all done" 'not d.get("Unsuccessful")'
ok connections-state ec2 describe-vpc-endpoint-connections --filters Name=vpc-endpoint-owner,Values=777788889999
check "rejected connection lingers" 'd["VpcEndpointConnections"][0]["VpcEndpointState"] == "rejected"'

# --- notifications ---------------------------------------------------------------
SNS=arn:aws:sns:us-east-1:111122223333:vpce-events
ok notify-create ec2 create-vpc-endpoint-connection-notification --service-id "$SVC_A" \
	--connection-notification-arn "$SNS" --connection-events Accept Reject --client-token nfn-1
NFN=$(get 'd["ConnectionNotification"]["ConnectionNotificationId"]')
check "notification" 'd["ConnectionNotification"]["ConnectionEvents"] == ["Accept", "Reject"] and d["ClientToken"] == "nfn-1"'
err notify-bad-event InvalidParameterValue ec2 create-vpc-endpoint-connection-notification --service-id "$SVC_A" \
	--connection-notification-arn "$SNS" --connection-events Explode
ok notify-describe ec2 describe-vpc-endpoint-connection-notifications --connection-notification-id "$NFN"
check "described" "[x['ConnectionNotificationId'] for x in d['ConnectionNotificationSet']] == ['$NFN']"
ok notify-delete ec2 delete-vpc-endpoint-connection-notifications --connection-notification-ids "$NFN" vpce-nfn-00000000000000000
check "delete: unknown one unsuccessful" '[u["Error"]["Code"] for u in d["Unsuccessful"]] == ["InvalidConnectionNotification"]'

# --- tags ------------------------------------------------------------------------
ok tag ec2 create-tags --resources "$SVC_B" --tags Key=k1,Value=v1 Key=k2,Value= Key=k3,Value=v3 Key=k4,Value=v4
ok untag-three-ways ec2 delete-tags --resources "$SVC_B" --tags Key=k1 Key=k2,Value= Key=k3,Value=wrong
ok tags-after ec2 describe-vpc-endpoint-service-configurations --service-ids "$SVC_B"
check "DeleteTags semantics" '{t["Key"]: t["Value"] for t in d["ServiceConfigurations"][0]["Tags"]} == {"k3": "v3", "k4": "v4"}'
ok untag-all ec2 delete-tags --resources "$SVC_B"
ok tags-none ec2 describe-vpc-endpoint-service-configurations --service-ids "$SVC_B"
check "no Tag params deletes all" 'not d["ServiceConfigurations"][0].get("Tags")'
many=()
for i in $(seq 1 51); do many+=("Key=t$i,Value=v"); done
err tag-limit TagLimitExceeded ec2 create-tags --resources "$SVC_B" --tags "${many[@]}"
err tag-unknown-service InvalidVpcEndpointServiceId.NotFound ec2 create-tags --resources vpce-svc-00000000000000000 --tags Key=a,Value=b
err tag-other-resource InvalidID ec2 create-tags --resources i-0123456789abcdef0 --tags Key=a,Value=b

# --- DeleteVpcEndpointServiceConfigurations ---------------------------------------------
ok delete-blocked ec2 delete-vpc-endpoint-service-configurations --service-ids "$SVC_A" vpce-svc-00000000000000000
check "blocked + not found" "sorted((u['ResourceId'], u['Error']['Code']) for u in d['Unsuccessful']) == sorted([('$SVC_A', 'ExistingVpcEndpointConnections'), ('vpce-svc-00000000000000000', 'InvalidVpcEndpointService.NotFound')])"
ok reject-last ec2 reject-vpc-endpoint-connections --service-id "$SVC_A" --vpc-endpoint-ids "$EP1"
ok delete ec2 delete-vpc-endpoint-service-configurations --service-ids "$SVC_A"
check "deleted" 'not d.get("Unsuccessful")'
err describe-deleted InvalidVpcEndpointServiceId.NotFound ec2 describe-vpc-endpoint-service-configurations --service-ids "$SVC_A"

# --- authentication ----------------------------------------------------------------
as_env AWS_SECRET_ACCESS_KEY=wrong err bad-secret SignatureDoesNotMatch ec2 describe-vpc-endpoint-service-configurations
as_env AWS_ACCESS_KEY_ID=AKIDUNKNOWN err unknown-key AuthFailure ec2 describe-vpc-endpoint-service-configurations
admin POST /_sim/settings '{"wall_skew_seconds": 1200}'
err clock-skew RequestExpired ec2 describe-vpc-endpoint-service-configurations
admin POST /_sim/settings '{"wall_skew_seconds": 0}'

# --- STS and temporary credentials -----------------------------------------------------
ok assume-role sts assume-role --role-arn arn:aws:iam::111122223333:role/vpcesd --role-session-name fidelity
check "assumed" 'd["Credentials"]["AccessKeyId"].startswith("ASIA") and d["AssumedRoleUser"]["Arn"].endswith("assumed-role/vpcesd/fidelity")'
read -r AK SK ST < <(get '" ".join([d["Credentials"]["AccessKeyId"], d["Credentials"]["SecretAccessKey"], d["Credentials"]["SessionToken"]])')
as_env AWS_ACCESS_KEY_ID=$AK AWS_SECRET_ACCESS_KEY=$SK AWS_SESSION_TOKEN=$ST ok session-creds ec2 describe-vpc-endpoint-connections
admin POST /_sim/credentials/expire "{\"access_key\": \"$AK\"}"
as_env AWS_ACCESS_KEY_ID=$AK AWS_SECRET_ACCESS_KEY=$SK AWS_SESSION_TOKEN=$ST err expired-creds RequestExpired ec2 describe-vpc-endpoint-connections
as_env AWS_ACCESS_KEY_ID=AKIDUNKNOWN err sts-unknown-key InvalidClientTokenId sts assume-role --role-arn arn:aws:iam::111122223333:role/vpcesd --role-session-name x1
err sts-denied AccessDenied sts assume-role --role-arn arn:aws:iam::111122223333:role/other --role-session-name x1
JWT=$("$PYTHON3" -c 'import base64,json; e=lambda o: base64.urlsafe_b64encode(json.dumps(o).encode()).decode().rstrip("="); print(e({"alg":"RS256"})+"."+e({"iss":"https://oidc.example.com","sub":"system:serviceaccount:vpcesd","aud":"sts.amazonaws.com"})+".c2ln")')
ok web-identity sts assume-role-with-web-identity --role-arn arn:aws:iam::111122223333:role/vpcesd-web \
	--role-session-name web --web-identity-token "$JWT"
check "web identity" 'd["SubjectFromWebIdentityToken"] == "system:serviceaccount:vpcesd" and d["Audience"] == "sts.amazonaws.com"'
err web-identity-bad InvalidIdentityToken sts assume-role-with-web-identity --role-arn arn:aws:iam::111122223333:role/vpcesd-web \
	--role-session-name web --web-identity-token not-a-jwt

# --- IMDSv2 and ECS credential providers, end to end ------------------------------------------
as_env -AWS_ACCESS_KEY_ID -AWS_SECRET_ACCESS_KEY AWS_EC2_METADATA_DISABLED=false \
	AWS_EC2_METADATA_SERVICE_ENDPOINT="http://127.0.0.1:$IMDS/" ok imds-credentials ec2 describe-vpc-endpoint-connections
as_env -AWS_ACCESS_KEY_ID -AWS_SECRET_ACCESS_KEY AWS_CONTAINER_CREDENTIALS_FULL_URI="http://127.0.0.1:$ECS/creds" \
	AWS_CONTAINER_AUTHORIZATION_TOKEN=ecs-test-token ok ecs-credentials ec2 describe-vpc-endpoint-connections
admin GET /_sim/counters
n=$((n + 1))
if [ "$(aget 'd["IMDS"]["total"] >= 3 and d["ECS"]["total"] >= 1')" = True ]; then echo "ok $n - IMDSv2 and ECS credentials used"; else fail "metadata counters: $(cat "$tmp/admin")"; fi
admin GET /_sim/log
n=$((n + 1))
if [ "$(aget 'sum(1 for e in d if e["action"] == "DescribeVpcEndpointConnections" and (e["access_key"] or "").startswith("ASIA") and e["status"] == 200) >= 3')" = True ]; then
	echo "ok $n - temporary credentials accepted by EC2"
else fail "temporary credential calls missing"; fi

# --- fault injection --------------------------------------------------------------------
admin POST /_sim/faults '{"kind": "throttle", "action": "DescribeVpcEndpointConnections"}'
err fault-throttle RequestLimitExceeded ec2 describe-vpc-endpoint-connections
admin POST /_sim/faults '{"kind": "error", "code": "Unavailable", "status": 503, "message": "busy", "action": "DescribeVpcEndpointConnections"}'
err fault-503 Unavailable ec2 describe-vpc-endpoint-connections
admin POST /_sim/faults '{"kind": "error", "action": "DescribeVpcEndpointConnections"}'
err fault-500 InternalError ec2 describe-vpc-endpoint-connections
admin POST /_sim/faults '{"kind": "expired", "action": "DescribeVpcEndpointConnections"}'
err fault-expired RequestExpired ec2 describe-vpc-endpoint-connections
for kind in malformed truncate reset; do
	admin POST /_sim/faults "{\"kind\": \"$kind\", \"action\": \"DescribeVpcEndpointConnections\"}"
	n=$((n + 1))
	if aws ec2 describe-vpc-endpoint-connections; then fail "fault $kind: CLI succeeded"; else echo "ok $n - fault $kind breaks the call"; fi
done
admin POST /_sim/faults "{\"kind\": \"oob\", \"action\": \"DescribeVpcEndpointServiceConfigurations\", \"service_id\": \"$SVC_B\", \"patch\": {\"acceptance_required\": true, \"tags\": {\"edited\": \"console\"}}}"
ok oob ec2 describe-vpc-endpoint-service-configurations --service-ids "$SVC_B"
check "out-of-band edit visible" '(c := d["ServiceConfigurations"][0]) and c["AcceptanceRequired"] is True and c["Tags"] == [{"Key": "edited", "Value": "console"}]'
ok after-faults ec2 describe-vpc-endpoint-connections
admin GET /_sim/faults
[ "$(aget 'len(d)')" = 0 ] || fail "fault rules left: $(cat "$tmp/admin")"

echo "1..$n"
if [ "$fails" -ne 0 ]; then
	echo "$fails of $n checks failed; sim stderr:" >&2
	cat "$tmp/sim.err" >&2
	exit 1
fi
