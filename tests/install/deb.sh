#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# deb.sh - the Debian package, end to end (issue 11). Not part of make
# check (it installs a package on this machine): `make check-deb`.
#
#   1. copies the working tree (tracked and new files, not build output) to
#      a temporary directory and runs dpkg-buildpackage -us -uc -b there;
#   2. lintian on the .deb: no errors (warnings are printed);
#   3. dpkg -i: the user and group cadence, postfix in the group, the
#      directories and their modes, the units (not enabled, not started),
#      tmpfiles.d/sysusers.d, /etc/cadence/cadence.conf (root:cadence
#      0640), cadence-postfix-setup, the examples; Postfix's main.cf and
#      master.cf unchanged;
#   4. cadencectl init and cadencectl doctor: doctor runs and reports what
#      is not configured yet (the example's Domain, Postfix without the
#      recipe) and exits 1;
#   5. dpkg --purge: the user, the group, the store, the directories and
#      the files are gone.
# Needs root. Installs debhelper, lintian, fakeroot and dpkg-dev when
# missing (apt-get). Refuses to run when a package cadence is installed or
# a user cadence exists that it did not make.
set -u
SRC=${CADENCE_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
FAILS=0
ok() { echo "  ok: $*"; }
bad() { echo "  FAIL: $*"; FAILS=$((FAILS + 1)); }
check() { local w=$1; shift; if "$@"; then ok "$w"; else bad "$w"; fi; }

[ "$(id -u)" = 0 ] || { echo "deb.sh: needs root (dpkg -i)"; exit 77; }
if dpkg-query -W -f='${Status}' cadence 2>/dev/null | grep -q installed; then
	echo "deb.sh: a package cadence is installed already; not touching it"; exit 1
fi
if getent passwd cadence > /dev/null; then
	echo "deb.sh: a user cadence exists already; purge would remove it: not running"; exit 1
fi
need=""
for p in debhelper lintian fakeroot dpkg-dev; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || need="$need $p"
done
if [ -n "$need" ]; then
	echo "deb.sh: installing$need"
	# shellcheck disable=SC2086
	DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $need > /dev/null || exit 1
fi

W=$(mktemp -d "${TMPDIR:-/tmp}/cadence-deb.XXXXXX") || exit 1
trap 'dpkg --purge cadence > /dev/null 2>&1; rm -rf "$W"' EXIT
mkdir "$W/cadence"
(cd "$SRC" && git ls-files -co --exclude-standard -z | grep -zv '^build' |
	xargs -0 tar cf - 2>/dev/null) | tar xf - -C "$W/cadence" || { echo "deb.sh: copying the tree failed"; exit 1; }

echo "== dpkg-buildpackage -us -uc -b"
(cd "$W/cadence" && dpkg-buildpackage -us -uc -b > "$W/build.log" 2>&1)
rc=$?
check "dpkg-buildpackage -us -uc -b" test $rc = 0
[ $rc = 0 ] || { tail -n 40 "$W/build.log"; exit 1; }
deb=$(find "$W" -maxdepth 1 -name 'cadence_*.deb' | head -n1)
check "it made $(basename "$deb")" test -f "$deb"

echo "== lintian"
lintian --fail-on error "$deb" > "$W/lintian.log" 2>&1
rc=$?
sed 's/^/  | /' "$W/lintian.log"
check "lintian reports no errors" test $rc = 0 -a -z "$(grep '^E:' "$W/lintian.log")"

echo "== dpkg -i"
sum() { cat /etc/postfix/main.cf /etc/postfix/master.cf 2>/dev/null | md5sum; }
before=$(sum)
dpkg -i "$deb" > "$W/install.log" 2>&1 || { cat "$W/install.log"; bad "dpkg -i"; exit 1; }
ok "dpkg -i"
check "user cadence exists (system user, nologin)" test "$(getent passwd cadence | cut -d: -f7)" = /usr/sbin/nologin
check "group cadence exists" test -n "$(getent group cadence)"
if getent passwd postfix > /dev/null; then
	check "postfix is in group cadence" grep -qx cadence <<< "$(id -nG postfix | tr ' ' '\n')"
fi
mode() { stat -c '%a %U:%G' "$1" 2>/dev/null; }
check "/var/lib/cadence is 0750 cadence:cadence" test "$(mode /var/lib/cadence)" = "750 cadence:cadence"
if [ -d /var/spool/postfix ]; then
	check "/var/spool/postfix/cadence is 0750 cadence:cadence" test "$(mode /var/spool/postfix/cadence)" = "750 cadence:cadence"
fi
check "/etc/cadence/cadence.conf is 0640 root:cadence" test "$(mode /etc/cadence/cadence.conf)" = "640 root:cadence"
for f in /usr/sbin/cadence-milter /usr/sbin/cadenced /usr/sbin/cadencectl /usr/sbin/cadence-postfix-setup \
	/lib/systemd/system/cadence-milter.service /lib/systemd/system/cadenced.service \
	/usr/lib/tmpfiles.d/cadence.conf /usr/lib/sysusers.d/cadence.conf \
	/usr/share/doc/cadence/examples/cadence.conf \
	/usr/share/doc/cadence/examples/postfix/main.cf.cadence \
	/usr/share/doc/cadence/examples/postfix/master.cf.cadence \
	/usr/share/doc/cadence/examples/sendmail/cadence.mc \
	/usr/share/doc/cadence/examples/holidays/us-federal-2026-2027.txt \
	/usr/share/doc/cadence/copyright /usr/share/man/man8/cadence-milter.8.gz; do
	check "installed: $f" test -e "$f"
done
check "the units name /usr/sbin and /etc" grep -q '^ExecStart=/usr/sbin/cadence-milter -c /etc/cadence/cadence.conf$' /lib/systemd/system/cadence-milter.service
check "no unit enabled" test -z "$(find /etc/systemd/system -name 'cadence*' 2>/dev/null)"
check "nothing runs as cadence" test -z "$(pgrep -u cadence)"
check "Postfix's main.cf and master.cf unchanged" test "$(sum)" = "$before"

echo "== cadencectl init, cadencectl doctor"
cadencectl init > "$W/init.log" 2>&1
check "cadencectl init" test $? = 0
check "the secret is cadence's, 0600" test "$(mode /etc/cadence/secret)" = "600 cadence:cadence"
check "the store is cadence's" test "$(stat -c %U /var/lib/cadence/cadence.db 2>/dev/null)" = cadence
check "cadenced -n (as root) checks as cadence" grep -q "OK as cadence" <<< "$(cadenced -n 2>&1)"
cadencectl doctor > "$W/doctor.log" 2>&1
rc=$?
sed 's/^/  | /' "$W/doctor.log"
check "doctor exits 1 on the unconfigured installation" test $rc = 1
check "doctor says Domain is the example's" grep -q "^FAIL  config .*Domain is the example's" "$W/doctor.log"
check "doctor reports Postfix not set up for cadence" grep -qE "^FAIL  (postfix|socket|domain|submit) " "$W/doctor.log"
check "doctor finds the store and the secret fine" grep -q "^OK    secret" "$W/doctor.log"

echo "== dpkg --purge"
dpkg --purge cadence > "$W/purge.log" 2>&1 || { cat "$W/purge.log"; bad "dpkg --purge"; }
check "user cadence is gone" test -z "$(getent passwd cadence)"
check "group cadence is gone" test -z "$(getent group cadence)"
for f in /var/lib/cadence /var/spool/postfix/cadence /etc/cadence /usr/sbin/cadence-milter \
	/lib/systemd/system/cadence-milter.service /usr/lib/tmpfiles.d/cadence.conf; do
	check "gone: $f" test ! -e "$f"
done
echo "deb.sh: $FAILS failure(s)"
[ "$FAILS" = 0 ]
