#!/bin/sh
# SPDX-License-Identifier: ISC
# systemd-e2e-guest.sh: the half of tests/systemd-e2e.sh that runs inside
# the container (as root, under the container's own systemd, through
# nsenter).  The host script bind-mounts its staging tree read-only at
# /opt/vpcesd-e2e:
#   root/      `make install DESTDIR=` of the build under test
#   sim/       tests/ec2sim          tls/  tests/tls/mkcerts.sh output
#   guest.sh   this file             units  where make install put the units
#   sanitizer-env  (sanitizer builds) the environment vpcesd gets
#   exec-bind  (test prefixes under /tmp, /home, ...) the binary to bind in
#
#   guest.sh setup            install, start ec2sim as a unit, write /etc/vpcesd
#   guest.sh instance NAME    /etc/vpcesd/NAME for vpcesd@NAME (owner NAME)
#   guest.sh admin METHOD PATH [JSON]   the sim's admin API (plain HTTP)
#
# Everything here waits for a readiness signal, bounded; nothing sleeps a
# guessed time.
set -eu
S=/opt/vpcesd-e2e
READY=/run/ec2sim.ready
NLB=arn:aws:elasticloadbalancing:us-east-1:111122223333:loadbalancer/net

die() {
	echo "guest: $*" >&2
	exit 1
}

port() {
	python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$READY" "$1"
}

admin() { # METHOD PATH [JSON]
	python3 - "http://127.0.0.1:$(port admin)" "$@" <<'PY'
import sys, urllib.request
base, method, path = sys.argv[1:4]
data = sys.argv[4].encode() if len(sys.argv) > 4 else None
req = urllib.request.Request(base + path, data=data, method=method,
                             headers={"Content-Type": "application/json"})
print(urllib.request.urlopen(req, timeout=10).read().decode())
PY
}

# service FILE NAME LB: a one-service spec file.
service() {
	cat >"$1" <<EOF
services:
  - name: $2
    network_load_balancer_arns:
      - $NLB/$3
    acceptance_required: true
EOF
}

# settings DIR OWNER: vpcesd.yaml against the sim, CA and the systemd credential.
settings() {
	mkdir -p "$1/services.d"
	cat >"$1/vpcesd.yaml" <<EOF
# systemd end-to-end test: the local EC2 endpoint on the container's loopback.
region: us-east-1
endpoint: https://127.0.0.1:$(port ec2)
ca_file: /etc/vpcesd/ca.pem
owner: $2
policy: upsert-only
interval: 60s
min_interval: 1s
EOF
	# Keys only through LoadCredential=: root-only, as vpcesd(8) documents.
	umask 077
	printf '[default]\naws_access_key_id = %s\naws_secret_access_key = %s\n' \
		AKIDEXAMPLE 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' >"$1/aws-credentials"
	umask 022
}

setup() {
	# The installed tree into the (volatile, overlay) root; /lib stays a
	# symlink to usr/lib.
	tar -C "$S/root" -cf - . | tar -C / -xf - --keep-directory-symlink --no-same-owner
	# A build configured with a prefix systemd does not search (distcheck)
	# installs its units elsewhere: link them where systemd looks.
	units=$(cat "$S/units")
	case "$units" in
	/lib/systemd/system | /usr/lib/systemd/system | /etc/systemd/system) ;;
	*) cp "$units/vpcesd.service" "$units/vpcesd@.service" /etc/systemd/system/ ;;
	esac

	systemd-run --quiet --unit=ec2sim --setenv=PYTHONDONTWRITEBYTECODE=1 \
		/usr/bin/python3 "$S/sim/ec2sim" --port 0 --ready-file "$READY" \
		--tls-cert "$S/tls/server.pem" --tls-key "$S/tls/server.key"
	i=0
	until [ -s "$READY" ]; do
		i=$((i + 1))
		if [ $i -gt 300 ] || ! systemctl -q is-active ec2sim; then
			journalctl -u ec2sim --no-pager | tail -n 20 >&2
			die "ec2sim did not start"
		fi
		sleep 0.05
	done
	admin POST /_sim/settings '{"pending_seconds": 0}' >/dev/null
	# A load balancer backs one service: the template instances get their own.
	admin POST /_sim/load-balancers '{"load_balancers": [
		{"arn": "arn:aws:elasticloadbalancing:us-east-1:111122223333:loadbalancer/net/nlb-f/7123456789abcdef"},
		{"arn": "arn:aws:elasticloadbalancing:us-east-1:111122223333:loadbalancer/net/nlb-g/8123456789abcdef"}]}' >/dev/null

	install -d -m 755 /etc/vpcesd
	install -m 644 "$S/tls/ca.pem" /etc/vpcesd/ca.pem
	settings /etc/vpcesd e2e
	service /etc/vpcesd/services.d/api.yaml api nlb-a/0123456789abcdef
	service /etc/vpcesd/services.d/web.yaml web nlb-b/1123456789abcdef

	# The documented way to hand vpcesd its keys (vpcesd(8)), as drop-ins.
	mkdir -p /etc/systemd/system/vpcesd.service.d /etc/systemd/system/vpcesd@.service.d
	printf '[Service]\nLoadCredential=aws-credentials:/etc/vpcesd/aws-credentials\n' \
		>/etc/systemd/system/vpcesd.service.d/credentials.conf
	printf '[Service]\nLoadCredential=aws-credentials:/etc/vpcesd/%%i/aws-credentials\n' \
		>/etc/systemd/system/vpcesd@.service.d/credentials.conf
	for d in vpcesd.service.d vpcesd@.service.d; do
		if [ -s "$S/sanitizer-env" ]; then
			printf '[Service]\nEnvironment=%s\n' "$(cat "$S/sanitizer-env")" \
				>/etc/systemd/system/$d/sanitizer.conf
		fi
		if [ -s "$S/exec-bind" ]; then
			printf '[Service]\nBindReadOnlyPaths=%s\n' "$(cat "$S/exec-bind")" \
				>/etc/systemd/system/$d/test-prefix.conf
		fi
	done
	systemctl daemon-reload
}

# instance NAME: /etc/vpcesd/NAME with owner NAME and one service NAME-svc.
instance() {
	settings "/etc/vpcesd/$1" "$1"
	case $1 in
	a) lb=nlb-f/7123456789abcdef ;;
	*) lb=nlb-g/8123456789abcdef ;;
	esac
	service "/etc/vpcesd/$1/services.d/$1.yaml" "$1-svc" "$lb"
}

cmd=${1:-}
[ $# -gt 0 ] && shift
case $cmd in
setup) setup ;;
instance) instance "$@" ;;
admin) admin "$@" ;;
*) die "usage: guest.sh setup | instance NAME | admin METHOD PATH [JSON]" ;;
esac
