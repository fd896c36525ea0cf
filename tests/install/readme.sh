#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# readme.sh - README.md's command blocks, run as written, so that README
# cannot drift from what the programs do (issue 11).
#
# Every fenced ```sh block under "## A first walk with cadencectl" and
# under "## Installing" is extracted and run with `set -e` (each command
# must succeed):
#   - the first walk from the source directory (it names contrib/ files),
#     with the built cadencectl first on the PATH and TMPDIR private;
#   - the install walk (root only; otherwise it says so and is left out)
#     against a private installation (tests/install/instlib.sh: the layout
#     of the package under a private root, a private Postfix made from
#     Debian's stock main.cf and master.cf, started). Its commands run as
#     written, with these stand-ins: `apt-get install` (the private root is
#     laid out as the package lays it out), /etc/cadence/ is the private
#     root's, cadence-postfix-setup/postfix/cadencectl act on the private
#     Postfix and configuration, `systemctl enable --now UNIT...` starts
#     each daemon as its unit does. The last doctor must say "0 failures,
#     0 warnings".
set -u
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SRC=${CADENCE_SRCDIR:-$(cd "$HERE/../.." && pwd)}
BLD=${CADENCE_BUILDDIR:-$SRC}
README=$SRC/README.md

# blocks HEADING: the ```sh blocks under the "## HEADING" section.
blocks() {
	awk -v h="## $1" '
		/^## / { insec = ($0 == h) ; next }
		insec && /^```sh$/ { inblk = 1; next }
		inblk && /^```$/ { inblk = 0; print "# ---- end of block"; next }
		inblk { print }
	' "$README"
}

[ -x "$BLD/ctl/cadencectl" ] || { echo "readme.sh: $BLD/ctl/cadencectl is not built"; exit 99; }
RT=$(mktemp -d "${TMPDIR:-/tmp}/cadence-readme.XXXXXX") || exit 99
trap 'rm -rf "$RT"' EXIT

blocks "A first walk with cadencectl" > "$RT/walk.sh"
[ -s "$RT/walk.sh" ] || { echo "readme.sh: README has no sh block under \"A first walk with cadencectl\""; exit 1; }
echo "== README: A first walk with cadencectl ($(grep -vc '^#' "$RT/walk.sh") lines)"
if ! (cd "$SRC" && PATH=$BLD/ctl:$PATH TMPDIR=$RT bash -e "$RT/walk.sh") > "$RT/walk.log" 2>&1; then
	sed 's/^/  | /' "$RT/walk.log"
	echo "readme.sh: FAIL: the first walk stopped (the last command above failed)"
	exit 1
fi
echo "  ok: every command of the first walk succeeded"

blocks "Installing" > "$RT/install-walk.sh"
[ -s "$RT/install-walk.sh" ] || { echo "readme.sh: README has no sh block under \"Installing\""; exit 1; }
if [ "$(id -u)" != 0 ]; then
	echo "readme.sh: the install walk needs root (a private Postfix): left out"
	exit 0
fi

# ---- the install walk on a private installation ----
# shellcheck source=tests/e2e/pflib.sh
. "$SRC/tests/e2e/pflib.sh"
# shellcheck source=tests/install/instlib.sh
. "$HERE/instlib.sh"
inst_need readme.sh
RT_KEEP=$RT
inst_setup
trap 'rm -rf "$RT_KEEP"; cleanup' EXIT
# shellcheck disable=SC2218  # the binary, not the stand-in defined below
command postfix -c "$PF/etc" set-permissions > /dev/null 2>&1
pf_start "$PF" || { echo "readme.sh: the private Postfix did not start"; exit 1; }

echo "== README: Installing ($(grep -vc '^#' "$RT/install-walk.sh") lines, on a private installation)"
sed -i "s|/etc/cadence/|$T/etc/cadence/|g" "$RT/install-walk.sh"
apt-get() { echo "(apt-get $*: the private root is laid out as the package lays it out)"; }
cadence-postfix-setup() { "$SETUP" -c "$PF/etc" -f "$CONF" -p "$P_CAD" "$@"; }
postfix() { command postfix -c "$PF/etc" "$@"; }
cadencectl() {
	if [ "${1:-}" = doctor ]; then
		shift
		"$CTL" -c "$CONF" doctor --postfix-config "$PF/etc" "$@"
	else
		"$CTL" -c "$CONF" "$@"
	fi
}
systemctl() {
	local u
	[ "${1:-}" = enable ] || [ "${1:-}" = start ] || { echo "readme.sh: systemctl $1: no stand-in"; return 1; }
	shift
	[ "${1:-}" = --now ] && shift
	for u in "$@"; do
		case $u in
		cadence-milter) unit_start cadence-milter "$MILTER" || return 1 ;;
		cadenced) unit_start cadenced "$CADENCED" || return 1 ;;
		*) echo "readme.sh: unknown unit $u"; return 1 ;;
		esac
	done
}
if ! (set -e; . "$RT/install-walk.sh") > "$RT/install.log" 2>&1; then
	sed 's/^/  | /' "$RT/install.log"
	echo "readme.sh: FAIL: the install walk stopped (the last command above failed)"
	exit 1
fi
sed 's/^/  | /' "$RT/install.log" | tail -n 16
check "every command of the install walk succeeded" true
check "the last doctor: 0 failures, 0 warnings" test "$(grep -E '^[0-9]+ failures?, ' "$RT/install.log" | tail -n1)" = "0 failures, 0 warnings"
check "the first doctor (before the start) only warns that the milter is not running" \
	test "$(grep -E '^(WARN|FAIL) ' "$RT/install.log" | head -n1 | cut -c1-13)" = "WARN  socket "
[ "$FAILS" = 0 ]
