#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# install-deps.sh - install every Debian 12 package cadence needs to build,
# test and run its demo. Idempotent; run as root (or with sudo available).
#
# The list is the single source of truth: the README's commands and .ci/run
# call this script, so a package missing here is a package CI does not have.
set -eu

PACKAGES="
autoconf automake libtool pkg-config make gcc clang libclang-rt-14-dev
libsqlite3-dev sqlite3 postgresql libpq-dev libgmime-3.0-dev libssl-dev openssl libinih-dev
libical-dev libjansson-dev libcsv-dev libmilter-dev libopendkim-dev
opendkim-tools libspf2-dev libcurl4-openssl-dev libmicrohttpd-dev
libcmocka-dev miltertest postfix swaks python3 tzdata ca-certificates
procps psmisc iproute2 libpsl-dev publicsuffix curl nodejs chromium libsisimai-perl
"

if [ "$(id -u)" -ne 0 ]; then
	if command -v sudo >/dev/null 2>&1; then
		exec sudo -E "$0" "$@"
	fi
	echo "install-deps.sh: must run as root to install packages (or install: $PACKAGES)" >&2
	exit 1
fi

missing=""
for p in $PACKAGES; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" \
		|| missing="$missing $p"
done
# npm (the browser and HubSpot-client tests install their npm packages into
# their own folders): Debian's npm package, unless an npm is already there
# (a NodeSource nodejs ships its own npm and conflicts with Debian's).
command -v npm >/dev/null 2>&1 || missing="$missing npm"
if [ -z "$missing" ]; then
	echo "install-deps.sh: all packages present"
	exit 0
fi

echo "install-deps.sh: installing:$missing"
export DEBIAN_FRONTEND=noninteractive
# Postfix must not configure or start the machine's own mail system: the
# tests and the demo run private instances with their own config dirs.
echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
apt-get update
# shellcheck disable=SC2086
apt-get install -y --no-install-recommends $missing
