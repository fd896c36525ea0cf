#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# test_hubspot.sh - the real HubSpot Node client (@hubspot/api-client from
# the npm registry, installed by tests/api/npm-install.sh into the build's
# tests/api/node_modules) against the real cadenced on loopback: list
# sequences, read one, enroll a contact by its CRM id, read the enrollment
# back, with a cadence token as the access token.
set -u

B=${CADENCE_BUILDDIR:-$(pwd)}
S=${CADENCE_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
CTL=$B/ctl/cadencectl
CAD=$B/scheduler/cadenced
for p in "$CTL" "$CAD"; do [ -x "$p" ] || { echo "hubspot: $p not built"; exit 99; }; done
command -v node >/dev/null || { echo "hubspot: SKIP: node is not installed (Debian: nodejs)"; exit 77; }
NM=${API_NODE_DIR:-$B/tests/api}
if ! "$S/tests/api/npm-install.sh" "$NM" >"${TMPDIR:-/tmp}/cadence-npm.log" 2>&1; then
	echo "hubspot: SKIP: cannot install @hubspot/api-client from the npm registry:"
	tail -5 "${TMPDIR:-/tmp}/cadence-npm.log"
	exit 77
fi

T=$(mktemp -d "${TMPDIR:-/tmp}/cadence-hubspot.XXXXXX") || exit 99
CPID=""
cleanup() { [ -n "$CPID" ] && kill "$CPID" 2>/dev/null; wait 2>/dev/null; rm -rf "$T"; }
trap cleanup EXIT

PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
CONF=$T/cadence.conf
cat > "$CONF" <<EOC
Database $T/cadence.db
SecretFile $T/secret
Domain cadence.our.test
SubmitURL smtp://127.0.0.1:1
HttpListen 127.0.0.1:$PORT
SchedulerPidFile $T/cadenced.pid
EOC
ctl() { "$CTL" -c "$CONF" "$@"; }
ctl init >/dev/null || exit 99
ctl user add ada@our.test --name "Ada Lovelace" >/dev/null || exit 99
ctl sequence import "$S/tests/ctl/small.seq" "$S/tests/ctl/calls.seq" "$S"/contrib/sequences/*.seq >/dev/null || exit 99
printf 'email,firstname,company,hs_object_id\nann@acme.test,Ann,Acme,51\n' > "$T/c.csv"
ctl contact import "$T/c.csv" >/dev/null || exit 99
TOKEN=$(ctl --json token add hubspot-client --rep ada@our.test | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')
USERID=$(ctl --json user show ada@our.test 2>/dev/null | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])' 2>/dev/null)
[ -n "$USERID" ] || USERID=1

"$CAD" -c "$CONF" -f >"$T/cadenced.log" 2>&1 &
CPID=$!
for _ in $(seq 1 100); do curl -s "http://127.0.0.1:$PORT/healthz" >/dev/null && break; sleep 0.1; done

NODE_PATH=$NM/node_modules node "$S/tests/api/hubspot_client.js" "http://127.0.0.1:$PORT" "$TOKEN" \
	"$USERID" ada@our.test 51
rc=$?
kill "$CPID"; wait "$CPID" 2>/dev/null; CPID=""
[ $rc = 0 ] && echo "hubspot: the HubSpot Node client works against cadenced" || cat "$T/cadenced.log" | tail -5
exit $rc
