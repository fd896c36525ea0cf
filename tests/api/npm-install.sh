#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# npm-install.sh DIR - installs the HubSpot Node client (@hubspot/api-client,
# the version in tests/api/package.json) from the npm registry into
# DIR/node_modules, for tests/api/test_hubspot.sh. Does nothing when it is
# there already. Exit 1 when npm is missing or the install fails.
set -eu
S=$(cd "$(dirname "$0")" && pwd)
DIR=$1
[ -f "$DIR/node_modules/@hubspot/api-client/package.json" ] && exit 0
command -v npm >/dev/null 2>&1 || { echo "npm-install.sh: npm is not installed (Debian: npm)" >&2; exit 1; }
mkdir -p "$DIR"
[ "$S" = "$(cd "$DIR" && pwd)" ] || cp "$S/package.json" "$DIR/package.json"
npm install --prefix "$DIR" --no-audit --no-fund --loglevel=error
