#!/bin/sh
# SPDX-License-Identifier: ISC
# deb-build.sh OUTDIR: build the Debian package from a copy of the source
# tree (never in it: a VPATH build beside it must stay possible), check it
# with lintian (errors and warnings fail), and leave vpcesd_*.deb and the
# lintian report in OUTDIR.  The suite runs in CI before this, so the package
# build skips it (DEB_BUILD_OPTIONS=nocheck).  Needs dpkg-dev, debhelper,
# lintian and the Build-Depends; .ci/run installs them.
set -eu
top=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
out=${1:?usage: deb-build.sh OUTDIR}
mkdir -p "$out"
out=$(cd "$out" && pwd)
for tool in dpkg-buildpackage dh lintian; do
	command -v "$tool" >/dev/null || { echo "deb-build: $tool not found (apt-get install dpkg-dev debhelper lintian)" >&2; exit 99; }
done
version=$(dpkg-parsechangelog -l "$top/debian/changelog" -S Version)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
src=$work/vpcesd-$version
mkdir "$src"
# The tree as a clone has it: what git tracks when this is a checkout (a
# build directory, editor files and the like stay out), else every file but
# the build directories.
if git -C "$top" rev-parse --show-toplevel >/dev/null 2>&1; then
	(cd "$top" && git ls-files -z --cached --others --exclude-standard | xargs -0 tar -cf - --no-recursion) |
		tar -xf - -C "$src"
else
	(cd "$top" && tar -cf - --exclude='./build*' --exclude=./autom4te.cache .) | tar -xf - -C "$src"
fi
echo "deb-build: building vpcesd $version in $src"
(cd "$src" && DEB_BUILD_OPTIONS="nocheck ${DEB_BUILD_OPTIONS:-}" dpkg-buildpackage -us -uc -b) \
	>"$out/dpkg-buildpackage.log" 2>&1 || {
	tail -n 40 "$out/dpkg-buildpackage.log" >&2
	echo "deb-build: dpkg-buildpackage failed (log: $out/dpkg-buildpackage.log)" >&2
	exit 1
}
changes=$(ls "$work"/vpcesd_"$version"_*.changes)
cp "$work"/vpcesd_"$version"_*.deb "$out/"
echo "deb-build: lintian"
set +e
lintian --fail-on error,warning --info --display-info "$changes" >"$out/lintian.txt" 2>&1
rc=$?
set -e
cat "$out/lintian.txt"
[ "$rc" -eq 0 ] || { echo "deb-build: lintian found errors or warnings" >&2; exit 1; }

# What the package must hold, and what installing it must not do.
deb=$(ls "$out"/vpcesd_"$version"_*.deb)
dpkg-deb -c "$deb" | awk '{print $6}' | sed 's|^\./|/|' >"$out/files.txt"
fails=0
for f in /usr/sbin/vpcesd /lib/systemd/system/vpcesd.service /lib/systemd/system/vpcesd@.service \
	/etc/vpcesd/vpcesd.yaml /etc/vpcesd/services.d/ /usr/share/man/man8/vpcesd.8.gz \
	/usr/share/man/man5/vpcesd.yaml.5.gz /usr/share/man/man5/vpcesd-status.5.gz \
	/usr/share/bash-completion/completions/vpcesd /usr/lib/systemd/catalog/vpcesd.catalog \
	/usr/share/vpcesd/status.schema.json /usr/share/doc/vpcesd/copyright \
	/usr/share/doc/vpcesd/examples/vpcesd.yaml; do
	grep -qxF "$f" "$out/files.txt" || { echo "FAIL: the package has no $f"; fails=$((fails + 1)); }
done
ctl=$work/control
dpkg-deb -e "$deb" "$ctl"
grep -qxF /etc/vpcesd/vpcesd.yaml "$ctl/conffiles" ||
	{ echo "FAIL: /etc/vpcesd/vpcesd.yaml is not a conffile"; fails=$((fails + 1)); }
# dh_installsystemd --no-enable --no-start: no maintainer script starts the
# unit (deb-systemd-invoke only to stop it), or enables it but where the
# package was installed before (`debian-installed`: an upgrade keeps the
# administrator's choice; a first install never enables).
if cat "$ctl"/preinst "$ctl"/postinst 2>/dev/null | awk '
	/^#!/ { installed = 0 }
	/deb-systemd-helper +debian-installed/ { installed = 1 }
	/deb-systemd-invoke/ && !/deb-systemd-invoke +stop/ { print; bad = 1 }
	/deb-systemd-helper +enable/ && !installed { print; bad = 1 }
	END { exit !bad }'; then
	echo "FAIL: a maintainer script enables or starts vpcesd"
	fails=$((fails + 1))
fi
echo "deb-build: $(wc -l <"$out/files.txt") entries in $(basename "$deb"), $fails problems"
[ "$fails" -eq 0 ]
