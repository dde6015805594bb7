#!/bin/bash
# SPDX-License-Identifier: ISC
# vpcesd under a real systemd: the way people run it, end to end.
#
# The machines have no systemd as PID 1, so this boots one in systemd-nspawn,
# in its own cgroup, exactly as ../shared/docs/systemd-e2e.md prescribes
# (never `systemd --user`, never systemd through unshare/chroot here).  The
# build under test is installed with `make install DESTDIR=` (so the units
# are the generated ones, ExecStart at the configured sbindir), bound
# read-only into the container with ec2sim (a second install must keep an
# edited example configuration), and then:
#   start         systemctl start vpcesd → active, the first cycle creates
#                 the services (sim state, /run/vpcesd/status.json)
#   reload        a new service file + systemctl reload → created
#   bad reload    a broken file + reload → still active, previous config kept
#                 (no EC2 mutation), the error with CONFIG_FILE/CONFIG_LINE
#   fields        a create record carries the structured fields
#   watchdog      WatchdogSec=2s + the hang test hook + SIGUSR2 → systemd
#                 kills and restarts it (NRestarts, "Watchdog timeout")
#   stop          systemctl stop → exit 0, STOPPING=1, the "stopped" record
#   template      vpcesd@a and vpcesd@b side by side, one owner each; they
#                 run beside vpcesd.service, each as its own dynamic user
# and systemd logged no warning about the unit files, nor the sanitizers any
# report.  Each step prints what it saw and its time; ~10 s in all.
# The half that runs inside the container is tests/systemd-e2e-guest.sh.
#
# Skips (77) when not root, without systemd-nspawn/nsenter, or where the
# hybrid cgroup layout the recipe needs is absent.  The container root
# (debootstrap bookworm minbase + the runtime packages) is cached in
# /var/tmp/vpcesd-e2e-rootfs and built when missing; if that fails the test
# fails under CI=true and skips otherwise.  The container is powered off and
# its cgroups removed on every exit path.
set -u
: "${top_srcdir:?}" "${top_builddir:?}"
PYTHON3=${PYTHON3:-/usr/bin/python3}
ROOTFS=${VPCESD_E2E_ROOTFS:-/var/tmp/vpcesd-e2e-rootfs}
PACKAGES=systemd,systemd-sysv,dbus,procps,libcurl4,libssl3,libcjson1,libyaml-0-2,libsystemd0,libxml2,libev4,python3,python3-botocore,openssl,ca-certificates
GUEST=/opt/vpcesd-e2e

skip() {
	echo "SKIP: $*"
	exit 77
}
[ "$(id -u)" -eq 0 ] || skip "needs root (systemd-nspawn)"
for tool in systemd-nspawn nsenter; do
	command -v $tool >/dev/null 2>&1 || skip "$tool not installed (apt-get install systemd-container)"
done
# The recipe puts the container in its own cgroup in both the named systemd
# v1 hierarchy and the unified one (hybrid layout, what these machines run).
for h in systemd unified; do
	{ [ -d /sys/fs/cgroup/$h ] && [ -w /sys/fs/cgroup/$h ]; } ||
		skip "/sys/fs/cgroup/$h is not a writable cgroup hierarchy (needs the hybrid cgroup layout)"
done
[ -x "$top_builddir/src/vpcesd" ] || {
	echo "FAIL: $top_builddir/src/vpcesd not built"
	exit 99
}

t0=$(date +%s.%N)
elapsed() { "$PYTHON3" -c 'import sys, time; print("%.1fs" % (time.time() - float(sys.argv[1])))' "$1"; }
step_start=$t0
step() { # NAME: starts a step, prints the previous one's time
	step_start=$(date +%s.%N)
	echo "--- $*"
}
ok() {
	echo "ok $* ($(elapsed "$step_start"))"
}

# --- the cached container root -------------------------------------------------
# The mirror comes from the machine's own apt sources, never from this file.
apt_mirror() {
	sed -n 's/^URIs:[[:space:]]*\([^[:space:]]*\).*/\1/p' /etc/apt/sources.list.d/*.sources 2>/dev/null |
		grep -v security | head -n 1 | grep . && return
	sed -n 's/^deb[[:space:]]\+\(\[[^]]*\][[:space:]]\+\)\?\([^[:space:]]*\)[[:space:]]\+bookworm[[:space:]].*/\2/p' \
		/etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null | head -n 1
}
# discard_root DIR: remove a half-built root; anything debootstrap left
# mounted in it (proc, sys, a bound /dev) is unmounted first, never crossed.
discard_root() {
	awk -v d="$1/" 'index($2, d) == 1 { print $2 }' /proc/mounts | sort -r | while read -r m; do
		umount -l "$m"
	done
	rm -rf --one-file-system "$1" "$1.log"
}
build_rootfs() {
	local mirror tmp
	command -v debootstrap >/dev/null 2>&1 || {
		echo "debootstrap not installed (apt-get install debootstrap)"
		return 1
	}
	mirror=$(apt_mirror)
	[ -n "$mirror" ] || {
		echo "no Debian mirror in the apt sources"
		return 1
	}
	tmp=$ROOTFS.tmp.$$
	discard_root "$tmp"
	echo "building the container root $ROOTFS from $mirror (once per machine, ~1 min)"
	if ! debootstrap --variant=minbase --include=$PACKAGES bookworm "$tmp" "$mirror" >"$tmp.log" 2>&1; then
		tail -n 20 "$tmp.log"
		discard_root "$tmp"
		echo "debootstrap failed (is the Debian mirror $mirror reachable?)"
		return 1
	fi
	rm -f "$tmp.log"
	[ -e "$ROOTFS" ] && discard_root "$ROOTFS" # an incomplete earlier root
	mv "$tmp" "$ROOTFS"
}
trap 'exit 130' INT TERM
step "container root"
if [ ! -x "$ROOTFS/lib/systemd/systemd" ]; then
	trap 'discard_root "$ROOTFS.tmp.$$"' EXIT
	# One builder per machine: parallel runs wait for it.
	exec 9>"$ROOTFS.lock"
	flock 9
	if [ ! -x "$ROOTFS/lib/systemd/systemd" ] && ! build_rootfs; then
		flock -u 9
		[ "${CI:-}" = true ] && {
			echo "FAIL: cannot build the container root (CI=true: this test must run)"
			exit 1
		}
		skip "cannot build the container root"
	fi
	flock -u 9
	exec 9>&-
fi
ok "container root $ROOTFS"

# --- staging -------------------------------------------------------------------
work=$(mktemp -d "${TMPDIR:-/tmp}/systemd-e2e.XXXXXX") || exit 99
stage=$work/stage
NAME=vpcesd-e2e-$$
nspid=
LEADER=
fail() {
	echo "FAIL: $*"
	if [ -n "$LEADER" ]; then
		echo "--- systemctl status vpcesd vpcesd@a vpcesd@b ec2sim"
		C systemctl status --no-pager -n 0 vpcesd vpcesd@a vpcesd@b ec2sim 2>&1 | head -n 40
		echo "--- journal of the units (last 40 lines)"
		C journalctl --no-pager -n 40 -u vpcesd -u 'vpcesd@*' -u ec2sim 2>&1
	elif [ -s "$work/nspawn.log" ]; then
		echo "--- systemd-nspawn"
		tail -n 20 "$work/nspawn.log"
	fi
	exit 1
}
cleanup() {
	if [ -n "$nspid" ] && kill -0 "$nspid" 2>/dev/null; then
		[ -n "$LEADER" ] && timeout 20 nsenter -t "$LEADER" -a systemctl poweroff >/dev/null 2>&1
		# Bounded: a container that does not power off is killed.
		i=0
		while kill -0 "$nspid" 2>/dev/null && [ $i -lt 200 ]; do
			sleep 0.05
			i=$((i + 1))
		done
		kill -KILL "$nspid" 2>/dev/null
		wait "$nspid" 2>/dev/null
	fi
	for h in systemd unified; do
		[ -d "/sys/fs/cgroup/$h/$NAME" ] || continue
		# Processes left over (none after a poweroff) are the container's: killed.
		find "/sys/fs/cgroup/$h/$NAME" -name cgroup.procs -exec cat {} + 2>/dev/null |
			while read -r p; do kill -KILL "$p"; done 2>/dev/null
		find "/sys/fs/cgroup/$h/$NAME" -depth -type d -exec rmdir {} + 2>/dev/null
	done
	rm -rf "$work"
}
trap cleanup EXIT

step "make install DESTDIR= and staging"
mkdir -p "$stage" || exit 99
unset MAKEFLAGS MFLAGS MAKELEVEL
make -s -C "$top_builddir" install DESTDIR="$stage/root" >"$work/install.log" 2>&1 || {
	cat "$work/install.log"
	fail "make install DESTDIR=$stage/root"
}
# The examples go to $sysconfdir/vpcesd, never over an existing file: a
# second install keeps an edited vpcesd.yaml.
conf=$(find "$stage/root" -path '*/vpcesd/vpcesd.yaml' ! -path '*/doc/*' | head -n 1)
{ [ -n "$conf" ] && [ -f "$(dirname "$conf")/services.d/example.yaml.example" ]; } ||
	fail "make install put no example configuration in \$sysconfdir/vpcesd"
echo "# edited" >>"$conf"
make -s -C "$top_builddir" install DESTDIR="$stage/root" >"$work/install.log" 2>&1 || {
	cat "$work/install.log"
	fail "second make install DESTDIR=$stage/root"
}
[ "$(tail -n 1 "$conf")" = "# edited" ] || fail "a second make install overwrote ${conf#"$stage/root"}"
unit=$(find "$stage/root" -name vpcesd.service -path '*/systemd/system/*' | head -n 1)
{ [ -n "$unit" ] && [ -f "$(dirname "$unit")/vpcesd@.service" ]; } || fail "make install put no unit files in the stage"
unitdir=$(dirname "$unit")
echo "${unitdir#"$stage/root"}" >"$stage/units"
exec_start=$(sed -n 's/^ExecStart=\([^ ]*\).*/\1/p' "$unit")
[ -x "$stage/root$exec_start" ] || fail "ExecStart=$exec_start is not the installed binary"
# A test prefix (distcheck's lives in the build tree) may be where the unit's
# sandbox hides everything (PrivateTmp=, ProtectHome=): bind the binary in.
case $exec_start in
/tmp/* | /var/tmp/* | /home/* | /root/* | /run/user/*)
	echo "$exec_start" >"$stage/exec-bind"
	echo "  prefix hidden by the sandbox: BindReadOnlyPaths=$exec_start in a drop-in"
	;;
esac
# A sanitizer build needs runtime libraries the container root lacks: bring
# the machine's (same Debian release).
ldd "$stage/root$exec_start" | awk '$2 == "=>" && $3 ~ /^\// { print $3 }' | while read -r lib; do
	[ -e "$ROOTFS$lib" ] || install -D -m 644 "$lib" "$stage/root$lib"
done
# LeakSanitizer needs ptrace, which the unit's SystemCallFilter= refuses (as
# it should): leaks are checked by the tests that run vpcesd outside systemd.
if ldd "$stage/root$exec_start" | grep -q libasan; then
	echo "ASAN_OPTIONS=detect_leaks=0:abort_on_error=1" >"$stage/sanitizer-env"
	echo "  sanitizer build: ASan/UBSan on, leak detection off inside the container"
fi
mkdir -p "$stage/sim" && cp -R "$top_srcdir/tests/ec2sim/ec2sim" "$top_srcdir/tests/ec2sim/seed.json" \
	"$top_srcdir/tests/ec2sim/ec2sim_lib" "$stage/sim/" || exit 99
sh "$top_srcdir/tests/tls/mkcerts.sh" "$stage/tls" || exit 99
cp "$top_srcdir/tests/systemd-e2e-guest.sh" "$stage/guest.sh" || exit 99
ok "staged: units in $(cat "$stage/units"), ExecStart=$exec_start, examples in $(dirname "${conf#"$stage/root"}") (kept on reinstall)"

# --- boot ------------------------------------------------------------------------
step "boot systemd in systemd-nspawn"
for h in systemd unified; do mkdir -p "/sys/fs/cgroup/$h/$NAME" || fail "cannot create cgroup $h/$NAME"; done
(
	for h in systemd unified; do echo $BASHPID >"/sys/fs/cgroup/$h/$NAME/cgroup.procs"; done
	exec systemd-nspawn -q -D "$ROOTFS" --volatile=overlay --boot --register=no --keep-unit \
		--console=pipe --private-network -M "$NAME" --bind-ro="$stage:$GUEST"
) </dev/null >"$work/nspawn.log" 2>&1 &
nspid=$!
# Container PID 1: the child of nspawn named systemd.
i=0
while [ -z "$LEADER" ]; do
	LEADER=$(ps -o pid=,comm= --ppid $nspid 2>/dev/null | awk '$2 == "systemd" { print $1 }')
	[ -n "$LEADER" ] && break
	kill -0 $nspid 2>/dev/null || fail "systemd-nspawn exited"
	i=$((i + 1))
	[ $i -le 400 ] || fail "no systemd in the container after 20 s"
	sleep 0.05
done
# Commands inside the container, with a clean environment.
C() { nsenter -t "$LEADER" -a env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 "$@"; }
i=0
until state=$(C systemctl is-system-running 2>/dev/null) && { [ "$state" = running ] || [ "$state" = degraded ]; }; do
	i=$((i + 1))
	[ $i -le 400 ] || fail "container did not boot (state: ${state:-?})"
	sleep 0.05
done
ok "booted ($state)"

# --- helpers ---------------------------------------------------------------------
admin() { C sh $GUEST/guest.sh admin "$@"; }
# py EXPR: evaluate EXPR with `j` = the JSON document read from stdin.
py() { "$PYTHON3" -c 'import json, sys; j = json.load(sys.stdin); print(eval(sys.argv[1]))' "$1"; }
# The global journal position, so that waits only see what follows.
cursor() { C journalctl -n 1 -o json --no-pager | py 'j["__CURSOR"]'; }
# journal_match CURSOR EXPR [journalctl args]: the first record after CURSOR
# for which EXPR (over the record `m`) holds, as JSON; nothing if none.
journal_match() {
	local after=$1 expr=$2
	shift 2
	C journalctl -o json --no-pager --after-cursor="$after" "$@" | "$PYTHON3" -c '
import json, sys
for line in sys.stdin:
    m = json.loads(line)
    if not isinstance(m.get("MESSAGE"), str):
        m["MESSAGE"] = ""  # absent, or binary (a list of bytes)
    if eval(sys.argv[1]):
        print(json.dumps(m))
        break' "$expr"
}
# wait_journal DESCRIPTION CURSOR EXPR [journalctl args]: until such a
# record exists (30 s at most); prints it.  In $(...): add `|| fail`.
wait_journal() {
	local desc=$1 i=0 rec
	shift
	while :; do
		rec=$(journal_match "$@")
		[ -n "$rec" ] && break
		i=$((i + 1))
		if [ $i -gt 300 ]; then
			echo "timed out waiting for the journal record: $desc" >&2
			return 1
		fi
		sleep 0.1
	done
	echo "$rec"
}
show() { C systemctl show -P "$2" "$1"; } # UNIT PROPERTY
# mutations: the sim's count of EC2 calls that change something.
mutations() {
	admin GET /_sim/counters | py 'sum(v.get("total", 0) for k, v in j.items() if isinstance(v, dict) and not k.startswith("Describe") and k not in ("IMDS", "ECS"))'
}
# owned OWNER: the sim's services tagged vpcesd:owner=OWNER, as "name=id" sorted.
owned() {
	admin GET /_sim/state | py '" ".join(sorted(s["tags"].get("vpcesd:name", "?") + "=" + s["id"] for s in j["services"] if s["tags"].get("vpcesd:owner") == "'"$1"'"))'
}
# status_names FILE: "name=id=service_name" of the status file, sorted.
status_names() {
	C cat "$1" | py '" ".join(sorted("%s=%s=%s" % (s["name"], s["service_id"], s["service_name"]) for s in j["services"] if s.get("service_id") and s.get("service_name")))'
}

# --- set-up inside: install, ec2sim unit, /etc/vpcesd, credential drop-ins ------
step "install into the container, ec2sim as a unit, /etc/vpcesd"
C sh $GUEST/guest.sh setup || fail "guest set-up"
[ "$(show ec2sim ActiveState)" = active ] || fail "ec2sim unit not active"
ok "installed; ec2sim running as ec2sim.service"

# --- start -------------------------------------------------------------------------
step "systemctl start vpcesd"
c=$(cursor)
# Enabled, as in production; this also keeps the unit loaded once stopped,
# so that its Result and ExecMainStatus can be read after the stop.
C systemctl enable --quiet vpcesd || fail "systemctl enable vpcesd"
C systemctl start vpcesd || fail "systemctl start vpcesd"
[ "$(show vpcesd ActiveState)" = active ] || fail "vpcesd not active after start"
rec=$(wait_journal "the first cycle" "$c" 'm.get("VPCESD_CYCLE") == "1" and m["MESSAGE"].startswith("cycle 1:")' -u vpcesd) || fail "timed out: the first cycle"
echo "  $(echo "$rec" | py 'j["MESSAGE"]')"
start=$(journal_match "$c" '"credentials from" in m["MESSAGE"]' -u vpcesd | py 'j["MESSAGE"]')
echo "  $start"
case $start in *"systemd credential aws-credentials"*) ;; *) fail "credentials not from LoadCredential=" ;; esac
got=$(owned e2e)
echo "  sim: $got"
case $got in api=vpce-svc-*" "web=vpce-svc-*) ;; *) fail "sim services after the first cycle: '$got'" ;; esac
st=$(status_names /run/vpcesd/status.json) || fail "no /run/vpcesd/status.json"
echo "  status.json: $st"
for s in $got; do
	case " $st " in *" ${s}=com.amazonaws.vpce.us-east-1.vpce-svc-"*) ;; *) fail "$s not in status.json with its service name" ;; esac
done
ok "active, api and web created, status.json has their ids and service names"

# --- reload with a new service -----------------------------------------------------
step "new service file + systemctl reload vpcesd"
C sh -c "cat >/etc/vpcesd/services.d/reports.yaml" <<'EOF'
services:
  - name: reports
    network_load_balancer_arns:
      - arn:aws:elasticloadbalancing:us-east-1:111122223333:loadbalancer/net/nlb-c/2123456789abcdef
EOF
c=$(cursor)
pid_before=$(show vpcesd MainPID)
C systemctl reload vpcesd || fail "systemctl reload vpcesd"
wait_journal "configuration reloaded" "$c" '"configuration reloaded: 3 services" in m["MESSAGE"]' -u vpcesd >/dev/null || fail "timed out: configuration reloaded"
create=$(wait_journal "reports created" "$c" 'm.get("VPCESD_ACTION") == "create" and m.get("VPCESD_SERVICE") == "reports"' -u vpcesd) || fail "timed out: reports created"
echo "  $(echo "$create" | py 'j["MESSAGE"]')"
[ "$(show vpcesd MainPID)" = "$pid_before" ] || fail "reload restarted the daemon"
case $(owned e2e) in *reports=vpce-svc-*) ;; *) fail "reports not in the sim" ;; esac
ok "reports created by the reloaded daemon (same PID $pid_before)"

# --- reload with a broken file -----------------------------------------------------
step "broken file + systemctl reload vpcesd"
# A valid service first, the error on line 8: anything half-applied would create "ghost".
C sh -c "cat >/etc/vpcesd/services.d/zz-broken.yaml" <<'EOF'
services:
  - name: ghost
    network_load_balancer_arns:
      - arn:aws:elasticloadbalancing:us-east-1:111122223333:loadbalancer/net/nlb-d/3123456789abcdef
  - name: broken
    network_load_balancer_arns:
      - arn:aws:elasticloadbalancing:us-east-1:111122223333:loadbalancer/net/nlb-e/6123456789abcdef
    acceptance_required: maybe
EOF
before=$(mutations)
c=$(cursor)
# ExecReload checks first: the reload itself fails, with the error in the journal.
if C systemctl reload vpcesd; then fail "systemctl reload succeeded on a broken file"; fi
wait_journal "the check's error" "$c" '"zz-broken.yaml:8:" in m["MESSAGE"]' -u vpcesd >/dev/null || fail "timed out: the check's error in the journal"
# A SIGHUP that bypasses the check is refused by the daemon, with structured fields.
c=$(cursor)
C systemctl kill -s HUP --kill-who=main vpcesd || fail "SIGHUP"
wait_journal "reload failed" "$c" 'm["MESSAGE"].startswith("reload failed: keeping the previous configuration (3 services)")' -u vpcesd >/dev/null || fail "timed out: reload failed"
err=$(journal_match "$c" 'm.get("CONFIG_FILE") == "/etc/vpcesd/services.d/zz-broken.yaml"' -u vpcesd)
[ -n "$err" ] || fail "no error record with CONFIG_FILE=/etc/vpcesd/services.d/zz-broken.yaml"
echo "  $(echo "$err" | py '"%s (CONFIG_FILE=%s CONFIG_LINE=%s PRIORITY=%s)" % (j["MESSAGE"], j["CONFIG_FILE"], j["CONFIG_LINE"], j["PRIORITY"])')"
[ "$(echo "$err" | py 'j["CONFIG_LINE"]')" = 8 ] || fail "CONFIG_LINE is not 8"
[ "$(echo "$err" | py 'j["PRIORITY"]')" = 3 ] || fail "the config error is not PRIORITY=3"
# During a stalled cycle the signal is validated when it comes, not when the cycle ends.
admin POST /_sim/faults '{"kind": "latency", "action": "DescribeVpcEndpointServiceConfigurations", "ms": 8000, "count": 1}' >/dev/null || fail "latency fault"
c=$(cursor)
C systemctl kill -s USR1 --kill-who=main vpcesd || fail "SIGUSR1"
wait_journal "the stalled cycle started" "$c" 'm["MESSAGE"] == "cycle requested (SIGUSR1)"' -u vpcesd >/dev/null || fail "timed out: cycle requested"
c=$(cursor)
t_hup=$(date +%s%6N)
C systemctl kill -s HUP --kill-who=main vpcesd || fail "SIGHUP"
rec=$(wait_journal "reload refused during the cycle" "$c" 'm["MESSAGE"].startswith("reload failed: keeping the previous configuration")' -u vpcesd) || fail "timed out: reload refused during the cycle"
t_ref=$(echo "$rec" | py 'j["__REALTIME_TIMESTAMP"]')
[ -z "$(journal_match "$c" 'm.get("VPCESD_CYCLE") and m["MESSAGE"].startswith("cycle ")' -u vpcesd)" ] || fail "the refusal came only after the stalled cycle ended"
echo "  refused $(( (t_ref - t_hup) / 1000 )) ms after the SIGHUP, while the cycle still waited on EC2"
[ $(( t_ref - t_hup )) -lt 1000000 ] || fail "the refusal took $(( (t_ref - t_hup) / 1000 )) ms"
wait_journal "the stalled cycle ended" "$c" 'm.get("VPCESD_CYCLE") and m["MESSAGE"].startswith("cycle ")' -u vpcesd >/dev/null || fail "timed out: the stalled cycle"
[ "$(show vpcesd ActiveState)" = active ] || fail "vpcesd not active after a bad reload"
# A cycle on what is now in force: still the previous 3 services, nothing changed in EC2.
c=$(cursor)
C systemctl kill -s USR1 --kill-who=main vpcesd || fail "SIGUSR1"
rec=$(wait_journal "the cycle after the bad reload" "$c" 'm.get("VPCESD_CYCLE") and m["MESSAGE"].startswith("cycle ")' -u vpcesd) || fail "timed out: the cycle after the bad reload"
echo "  $(echo "$rec" | py 'j["MESSAGE"]')"
case $(echo "$rec" | py 'j["MESSAGE"]') in *": 3/3 services converged, 0 changes planned"*) ;; *) fail "the previous configuration is not the one in force" ;; esac
after=$(mutations)
[ "$before" = "$after" ] || fail "EC2 mutations changed from $before to $after after a bad reload"
case $(owned e2e) in *ghost*) fail "ghost was created from a broken file" ;; esac
C rm -f /etc/vpcesd/services.d/zz-broken.yaml
ok "still active, previous configuration kept ($after mutating calls before and after), error at zz-broken.yaml:8 in the journal"

# --- structured fields ---------------------------------------------------------------
step "structured fields of a create record (journalctl -o json)"
echo "$create" | "$PYTHON3" -c '
import json, sys
m = json.load(sys.stdin)
want = ["VPCESD_SERVICE", "VPCESD_SERVICE_ID", "VPCESD_ACTION", "VPCESD_CYCLE", "AWS_REQUEST_ID",
        "SYSLOG_IDENTIFIER", "CODE_FILE", "CODE_LINE", "CODE_FUNC", "PRIORITY", "MESSAGE",
        "MESSAGE_ID"]
missing = [k for k in want if not m.get(k)]
if missing:
    sys.exit("missing fields: %s" % missing)
# change applied (src/msgid.h); CODE_FILE relative to the source tree
if m["MESSAGE_ID"] != "f62a4cb5ddb74ffa9c410604240092f6" or m["CODE_FILE"] != "src/apply.c":
    sys.exit("MESSAGE_ID/CODE_FILE: %r" % m)
if m["SYSLOG_IDENTIFIER"] != "vpcesd" or not m["VPCESD_SERVICE_ID"].startswith("vpce-svc-"):
    sys.exit("unexpected values: %r" % m)
if m.get("_TRANSPORT") != "journal":
    sys.exit("_TRANSPORT=%s: not sent with sd_journal_send" % m.get("_TRANSPORT"))
print("  " + " ".join("%s=%s" % (k, m[k]) for k in want[:7]) + " _TRANSPORT=journal")
' || fail "structured fields"
ok "fields present"

# --- watchdog ------------------------------------------------------------------------
step "watchdog: WatchdogSec=2s, hung loop (test hook)"
C sh -c 'printf "[Service]\nWatchdogSec=2s\nRestartSec=100ms\nLimitCORE=0\nEnvironment=VPCESD_TEST_HOOKS=hang\n" >/etc/systemd/system/vpcesd.service.d/watchdog.conf'
C systemctl daemon-reload
C systemctl restart vpcesd || fail "restart with the watchdog drop-in"
[ "$(show vpcesd NRestarts)" = 0 ] || fail "NRestarts not 0 before the hang"
pid=$(show vpcesd MainPID)
c=$(cursor)
C systemctl kill -s USR2 --kill-who=main vpcesd || fail "SIGUSR2"
wait_journal "the hang" "$c" '"test hook: hanging the event loop" in m["MESSAGE"]' -u vpcesd >/dev/null || fail "timed out: the hang"
i=0
until [ "$(show vpcesd NRestarts)" -ge 1 ]; do
	i=$((i + 1))
	[ $i -le 200 ] || fail "NRestarts still 0 20 s after the loop hung"
	sleep 0.1
done
wd=$(wait_journal "Watchdog timeout" "$c" '"Watchdog timeout" in m["MESSAGE"]' -u vpcesd) || fail "timed out: Watchdog timeout"
wd=$(echo "$wd" | py 'j["MESSAGE"]')
echo "  systemd: $wd"
i=0
until [ "$(show vpcesd ActiveState)" = active ]; do
	i=$((i + 1))
	[ $i -le 100 ] || fail "vpcesd not active again after the watchdog restart"
	sleep 0.1
done
newpid=$(show vpcesd MainPID)
[ "$newpid" != "$pid" ] || fail "same PID after the watchdog restart"
C rm /etc/systemd/system/vpcesd.service.d/watchdog.conf
C systemctl daemon-reload
ok "NRestarts=$(show vpcesd NRestarts), PID $pid → $newpid"

# --- stop ------------------------------------------------------------------------------
step "systemctl stop vpcesd"
# systemd logs each notification at debug level: that shows STOPPING=1.
C systemd-analyze log-level debug
c=$(cursor)
C systemctl stop vpcesd || fail "systemctl stop vpcesd"
C systemd-analyze log-level info
[ "$(show vpcesd ActiveState)" = inactive ] || fail "vpcesd not inactive after stop"
res="$(show vpcesd Result) $(show vpcesd ExecMainCode) $(show vpcesd ExecMainStatus)"
echo "  Result ExecMainCode ExecMainStatus: $res"
[ "$res" = "success 1 0" ] || fail "not a clean exit 0 (CLD_EXITED is code 1)"
exited=$(journal_match "$c" '"Main process exited" in m["MESSAGE"]' -u vpcesd | py 'j["MESSAGE"]')
echo "  systemd: $exited"
case $exited in *"code=exited, status=0/SUCCESS"*) ;; *) fail "the main process did not exit with status 0" ;; esac
journal_match "$c" '"STOPPING=1" in m["MESSAGE"]' -u vpcesd | grep -q . || fail "no STOPPING=1 notification seen by systemd"
journal_match "$c" 'm["MESSAGE"] == "stopped" and m.get("SYSLOG_IDENTIFIER") == "vpcesd"' -u vpcesd | grep -q . ||
	fail "no 'stopped' record from vpcesd"
ok "inactive, exit status 0, STOPPING=1 sent, 'stopped' logged"

# --- the template: two instances side by side --------------------------------------
step "vpcesd@a and vpcesd@b"
C sh $GUEST/guest.sh instance a || fail "instance a"
C sh $GUEST/guest.sh instance b || fail "instance b"
c=$(cursor)
C systemctl enable --quiet vpcesd@a vpcesd@b || fail "systemctl enable vpcesd@a vpcesd@b"
C systemctl start vpcesd@a vpcesd@b || fail "systemctl start vpcesd@a vpcesd@b"
for x in a b; do
	[ "$(show vpcesd@$x ActiveState)" = active ] || fail "vpcesd@$x not active"
	wait_journal "vpcesd@$x first cycle" "$c" 'm.get("VPCESD_CYCLE") == "1" and m["MESSAGE"].startswith("cycle 1:")' -u vpcesd@$x >/dev/null || fail "timed out: vpcesd@$x first cycle"
	st=$(status_names /run/vpcesd-$x/status.json) || fail "no /run/vpcesd-$x/status.json"
	got=$(owned $x)
	echo "  vpcesd@$x: status.json $st; sim (owner $x): $got"
	case $got in "$x-svc=vpce-svc-"*) ;; *) fail "the sim has no service of owner $x" ;; esac
	case $st in "$x-svc=${got#"$x-svc="}=com.amazonaws.vpce."*) ;; *) fail "/run/vpcesd-$x/status.json does not match the sim" ;; esac
done
[ "$(show vpcesd@a MainPID)" != "$(show vpcesd@b MainPID)" ] || fail "one process for two instances"
# Own dynamic users (User=vpcesd-%i): distinct uids (minbase has no NSS module to name them).
ua=$(C ps -o uid= -p "$(show vpcesd@a MainPID)" | tr -d ' ')
ub=$(C ps -o uid= -p "$(show vpcesd@b MainPID)" | tr -d ' ')
echo "  uids: vpcesd@a $ua, vpcesd@b $ub"
[ -n "$ua" ] && [ -n "$ub" ] && [ "$ua" != "$ub" ] && [ "$ua" != 0 ] && [ "$ub" != 0 ] ||
	fail "the instances do not run as their own dynamic users"
ok "both active with their own user, status file and owner"

step "vpcesd.service beside the instances"
# The instances' runtime directories are not below /run/vpcesd, so
# vpcesd.service may start and stop next to them without taking theirs.
C systemctl start vpcesd || fail "systemctl start vpcesd beside the instances"
for x in a b; do
	[ "$(show vpcesd@$x ActiveState)" = active ] || fail "vpcesd@$x stopped when vpcesd.service started"
done
C systemctl stop vpcesd || fail "systemctl stop vpcesd"
for x in a b; do
	[ "$(show vpcesd@$x ActiveState)" = active ] || fail "vpcesd@$x stopped with vpcesd.service"
	C test -s /run/vpcesd-$x/status.json || fail "/run/vpcesd-$x/status.json gone after vpcesd.service stopped"
done
ok "vpcesd.service starts and stops beside the instances; their status files stay"

step "stop vpcesd@a and vpcesd@b"
C systemctl stop vpcesd@a vpcesd@b || fail "stop the instances"
for x in a b; do
	[ "$(show vpcesd@$x Result) $(show vpcesd@$x ExecMainCode) $(show vpcesd@$x ExecMainStatus)" = "success 1 0" ] ||
		fail "vpcesd@$x did not exit 0"
done
ok "both stopped with exit 0"

# systemd had nothing to say about the unit files (unknown keys, bad values).
warn=$(C journalctl -p warning -o cat --no-pager _PID=1 | grep -E 'vpcesd@?\.service:[0-9]+:') &&
	fail "systemd warns about the units: $warn"
# Nothing from the sanitizers (or anything else alarming) in any record of vpcesd.
bad=$(C journalctl -o cat --no-pager -u vpcesd -u 'vpcesd@*' | grep -E 'Sanitizer|runtime error:|==[0-9]+==') &&
	fail "sanitizer reports in the journal: $bad"

echo "--- all steps passed in $(elapsed "$t0")"
