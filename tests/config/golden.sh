#!/bin/sh
# Golden-file tests of the configuration loader, run through the real binary.
#
#   ok/<case>/   a config dir; ok/<case>.json is its expected --dump-config,
#                and the dump must load back to the same dump (round trip);
#   bad/<case>/  a config dir; bad/<case>.txt is the exact stderr of
#                --check-config, which must exit 1.
#   <case>.env   optional KEY=VALUE lines for the environment (VALUE may be
#                empty = unset); every case starts from AWS_REGION=us-east-1
#                and STATE_DIRECTORY=/var/lib/vpcesd (what systemd's
#                StateDirectory=vpcesd sets), with no other AWS_* variable
#                (AWS_CONFIG_FILE names a file that does not exist, so no
#                ~/.aws/config is read) and no RUNTIME_DIRECTORY.  STATE_DIRECTORY is set
#                rather than unset because state_dir's last fallback is
#                $(localstatedir)/lib/vpcesd, which depends on the configure
#                prefix (tests/test-conf.c checks that one).
#
# Paths are relative to tests/config so the expected output does not depend
# on where the tree is.  UPDATE_GOLDEN=1 rewrites the expected files (in the
# source tree) instead of comparing.
set -u
: "${top_srcdir:?}" "${top_builddir:?}" "${VPCESD:?}"
here="$top_srcdir/tests/config"
out="$top_builddir/tests/config/out"
rm -rf "$out" && mkdir -p "$out" || exit 99
cd "$here" || exit 99

fail=0
count=0

# No AWS_* variable of the caller's (AWS_CA_BUNDLE, AWS_PROFILE, ...) and no
# ~/.aws/config may change the outcome.
clean_env() {
	for v in $(env | sed -n 's/^\(AWS_[A-Za-z0-9_]*\)=.*/\1/p'); do
		unset "$v"
	done
	AWS_CONFIG_FILE=/nonexistent/vpcesd-golden/config
	export AWS_CONFIG_FILE
}

# Run a command with the case's environment: run_case CASE_PREFIX COMMAND...
run_case() (
	envfile="$1.env"
	shift
	clean_env
	unset RUNTIME_DIRECTORY
	AWS_REGION=us-east-1
	STATE_DIRECTORY=/var/lib/vpcesd
	export AWS_REGION STATE_DIRECTORY
	if [ -f "$envfile" ]; then
		while IFS= read -r line || [ -n "$line" ]; do
			case "$line" in '' | '#'*) continue ;; esac
			key=${line%%=*}
			val=${line#*=}
			if [ -z "$val" ]; then
				unset "$key"
			else
				export "$key=$val"
			fi
		done <"$envfile"
	fi
	exec "$@"
)

compare() { # compare EXPECTED ACTUAL LABEL
	if [ -n "${UPDATE_GOLDEN:-}" ]; then
		cp "$2" "$1" || exit 99
		return 0
	fi
	if [ ! -f "$1" ]; then
		echo "FAIL $3: missing expected file $1 (run with UPDATE_GOLDEN=1)"
		fail=$((fail + 1))
	elif ! diff -u "$1" "$2"; then
		echo "FAIL $3: output differs from $1"
		fail=$((fail + 1))
	fi
}

for dir in ok/*/; do
	name=$(basename "$dir")
	count=$((count + 1))
	run_case "ok/$name" "$VPCESD" --dump-config --config-dir "ok/$name" \
		>"$out/ok-$name.json" 2>"$out/ok-$name.err"
	rc=$?
	if [ $rc -ne 0 ]; then
		echo "FAIL ok/$name: exit $rc"
		cat "$out/ok-$name.err"
		fail=$((fail + 1))
		continue
	fi
	compare "ok/$name.json" "$out/ok-$name.json" "ok/$name"

	# Round trip: the dump is YAML too; split it into a config dir and
	# load it again: the second dump must equal the first.
	if [ -z "${PYTHON3:-}" ]; then
		echo "note: PYTHON3 not set, round trip of ok/$name skipped"
		continue
	fi
	rt="$out/rt-$name"
	mkdir -p "$rt/services.d" || exit 99
	if ! "$PYTHON3" - "$out/ok-$name.json" "$rt" <<-'EOF'; then
		import json, sys
		d = json.load(open(sys.argv[1]))
		d.pop("sources", None)  # where the settings came from: no config key
		s = d.pop("services")
		json.dump(d, open(sys.argv[2] + "/vpcesd.yaml", "w"), indent=2)
		json.dump({"services": s}, open(sys.argv[2] + "/services.d/all.yaml", "w"), indent=2)
	EOF
		echo "FAIL ok/$name: dump is not valid JSON"
		fail=$((fail + 1))
		continue
	fi
	if ! (clean_env && "$VPCESD" --dump-config --config-dir "$rt" >"$rt.json"); then
		echo "FAIL ok/$name: the dump does not load back"
		fail=$((fail + 1))
	elif ! "$PYTHON3" - "$out/ok-$name.json" "$rt.json" <<-'EOF'; then
		import json, sys
		a, b = (json.load(open(f)) for f in sys.argv[1:3])
		for d in (a, b):
		    d.pop("sources", None)  # the second load has it all from vpcesd.yaml
		sys.exit(a != b)
	EOF
		diff -u "$out/ok-$name.json" "$rt.json"
		echo "FAIL ok/$name: round trip changed the dump"
		fail=$((fail + 1))
	fi
done

for dir in bad/*/; do
	name=$(basename "$dir")
	count=$((count + 1))
	run_case "bad/$name" "$VPCESD" --check-config --config-dir "bad/$name" \
		>"$out/bad-$name.out" 2>"$out/bad-$name.txt"
	rc=$?
	if [ $rc -ne 1 ]; then
		echo "FAIL bad/$name: exit $rc, expected 1"
		cat "$out/bad-$name.out" "$out/bad-$name.txt"
		fail=$((fail + 1))
		continue
	fi
	if [ -s "$out/bad-$name.out" ]; then
		echo "FAIL bad/$name: unexpected stdout"
		fail=$((fail + 1))
	fi
	compare "bad/$name.txt" "$out/bad-$name.txt" "bad/$name"
done

echo "$count golden cases, $fail failed"
[ "$count" -gt 0 ] || exit 99
[ $fail -eq 0 ]
