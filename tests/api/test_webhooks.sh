#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# test_webhooks.sh - webhooks end to end: events written by cadencectl reach
# a loopback receiver through cadenced's durable outbox, signed; the
# receiver fails the first attempts, then holds one while cadenced is
# killed (kill -9); every event is delivered, none is lost, the redelivered
# one is identifiable by its id, every attempt is in cadencectl webhook log.
# A control shows the receiver's check refuses a tampered body.
set -u

B=${CADENCE_BUILDDIR:-$(pwd)}
S=${CADENCE_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
CTL=$B/ctl/cadencectl
CAD=$B/scheduler/cadenced
RX=$S/tests/api/webhook_rx.py

for p in "$CTL" "$CAD"; do [ -x "$p" ] || { echo "webhooks: $p not built"; exit 99; }; done
command -v python3 >/dev/null || { echo "webhooks: SKIP: python3 needed"; exit 77; }
command -v sqlite3 >/dev/null || { echo "webhooks: SKIP: sqlite3 needed"; exit 77; }

T=$(mktemp -d "${TMPDIR:-/tmp}/cadence-webhooks.XXXXXX") || exit 99
RXPID=""
cleanup() { [ -n "$RXPID" ] && kill "$RXPID" 2>/dev/null; wait 2>/dev/null; rm -rf "$T"; }
trap cleanup EXIT
[ -n "${API_KEEP:-}" ] && trap - EXIT

pass=0; failed=0
check() { local d=$1; shift; if "$@"; then pass=$((pass + 1)); else failed=$((failed + 1)); echo "FAIL: $d"; fi; }

CONF=$T/cadence.conf
cat > "$CONF" <<EOC
Database $T/cadence.db
SecretFile $T/secret
Domain cadence.our.test
SubmitURL smtp://127.0.0.1:1
SendSpacing 0
EOC
ctl() { "$CTL" -c "$CONF" "$@"; }
ctl init >/dev/null || exit 99
ctl user add ada@our.test --name Ada >/dev/null || exit 99
ctl sequence import "$S/tests/ctl/small.seq" >/dev/null || exit 99
printf 'email,firstname,company\nann@acme.test,Ann,Acme\nbob@globex.test,Bob,Globex\ncid@initech.test,Cid,Initech\n' > "$T/c.csv"
ctl contact import "$T/c.csv" >/dev/null || exit 99

# The receiver: 500 to the first 3 requests, the 5th held 20 s; it reads
# the webhook's secret from a file written once the webhook exists.
python3 "$RX" "$T/port" "$T/rx.log" "@$T/hook.secret" --fail 3 --hold-at 5 --hold 20 \
	2>"$T/rx.err" &
RXPID=$!
for _ in $(seq 1 50); do [ -s "$T/port" ] && break; sleep 0.1; done
[ -s "$T/port" ] || { echo "webhooks: the receiver did not start"; cat "$T/rx.err"; exit 99; }
PORT=$(cat "$T/port")
ctl --json webhook add "http://127.0.0.1:$PORT/hook" > "$T/add.json" || exit 99
SECRET=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["secret"])' "$T/add.json")
echo "$SECRET" > "$T/hook.secret"
HOOK_FIRST=$(sqlite3 "$T/cadence.db" "SELECT MIN(event_id) FROM webhook_outbox WHERE webhook_id = 1")

# Events: enrollments (due in 2030: the passes send nothing), a pause, a suppression.
for c in ann@acme.test bob@globex.test cid@initech.test; do
	ctl --now 2030-01-07T09:00:00Z enroll --sequence "$(sqlite3 "$T/cadence.db" 'SELECT name FROM sequences LIMIT 1')" \
		--as ada@our.test "$c" >/dev/null || { echo "enroll failed"; exit 99; }
done
ctl pause 2 --reason "test" >/dev/null || exit 99
ctl suppress add globex.test --kind customer >/dev/null
NEVENTS=$(sqlite3 "$T/cadence.db" "SELECT COUNT(*) FROM events WHERE id >= $HOOK_FIRST")
check "every event after the webhook is in the outbox" \
	test "$(sqlite3 "$T/cadence.db" "SELECT COUNT(*) FROM webhook_outbox WHERE webhook_id = 1")" = "$NEVENTS"

pending() { sqlite3 "$T/cadence.db" "SELECT COUNT(*) FROM webhook_outbox WHERE state = 'pending'"; }
base=$(date -u -d 2026-12-01T10:00:00Z +%s)
killed=0
for k in $(seq 0 60); do
	now=$(date -u -d "@$((base + k * 120))" +%Y-%m-%dT%H:%M:%SZ)
	n=$(cat "$T/rx.log" 2>/dev/null | wc -l)
	if [ "$killed" = 0 ] && [ "$n" -ge 4 ]; then
		"$CAD" -c "$CONF" --once --now="$now" >>"$T/cad.log" 2>&1 &
		cpid=$!
		for _ in $(seq 1 100); do grep -q '"held": true' "$T/rx.log" && break; sleep 0.1; done
		kill -9 "$cpid"; wait "$cpid" 2>/dev/null
		killed=1
		continue
	fi
	"$CAD" -c "$CONF" --once --now="$now" >>"$T/cad.log" 2>&1
	[ "$(pending)" = 0 ] && break
done

check "cadenced was killed during an attempt" test "$killed" = 1
check "nothing left pending" test "$(pending)" = 0
check "no delivery given up" test "$(sqlite3 "$T/cadence.db" "SELECT COUNT(*) FROM webhook_outbox WHERE state = 'failed' AND webhook_id = 1")" = 0
python3 - "$T/rx.log" "$T/cadence.db" "$HOOK_FIRST" "$SECRET" "$RX" > "$T/verdict" <<'EOP'
import json, sqlite3, sys, importlib.util
log, db, first, secret, rx = sys.argv[1:6]
recs = [json.loads(l) for l in open(log)]
ids = [r[0] for r in sqlite3.connect(db).execute("SELECT id FROM events WHERE id >= ?", (int(first),))]
ok = {r["event"] for r in recs if r["status"] == 200}
print("events", len(ids), "requests", len(recs))
print("missing", sorted(set(ids) - ok))
print("badsig", sum(1 for r in recs if not r["sigOk"]))
print("hdrmatch", all(str(r["event"]) == r["hdrEvent"] for r in recs))
from collections import Counter
c = Counter(r["event"] for r in recs if r["status"] == 200)
print("dups", sorted(e for e, n in c.items() if n > 1))
print("failed500", sum(1 for r in recs if r["status"] == 500))
# Control: the same check on the log without one event's deliveries finds it missing.
gone = recs[-1]["event"]
print("control_loss", sorted(set(ids) - {r["event"] for r in recs if r["status"] == 200 and r["event"] != gone}) == [gone])
spec = importlib.util.spec_from_file_location("rx", rx)
m = importlib.util.module_from_spec(spec); spec.loader.exec_module(m)
r = recs[0]
print("control", m.verify(secret, r["sig"], r["body"].encode()), m.verify(secret, r["sig"], r["body"].encode() + b" "),
      m.verify("0" * 64, r["sig"], r["body"].encode()))
EOP
cat "$T/verdict"
check "every event delivered with a 200" grep -qx "missing \[\]" "$T/verdict"
check "every signature verified" grep -qx "badsig 0" "$T/verdict"
check "the Cadence-Event-Id header is the payload's id" grep -qx "hdrmatch True" "$T/verdict"
check "the first three attempts failed (500)" grep -qx "failed500 3" "$T/verdict"
check "the attempt cut by the kill was made again: a duplicate, same event id" \
	grep -q "^dups \[[0-9]" "$T/verdict"
check "control: a log without one event's delivery is found missing" grep -qx "control_loss True" "$T/verdict"
check "control: a tampered body or another secret fails the check" \
	grep -qx "control True False False" "$T/verdict"
ATT=$(sqlite3 "$T/cadence.db" "SELECT COUNT(*) FROM webhook_attempts")
ctl --json webhook log --limit 1000 > "$T/log.json"
check "webhook log shows every recorded attempt" \
	test "$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))))' "$T/log.json")" = "$ATT"
check "webhook log keeps status, response excerpt, duration and payload" python3 -c '
import json, sys
a = json.load(open(sys.argv[1]))
bad = [x for x in a if x["status"] == 500]
assert len(bad) == 3 and all(x["response"].startswith("try again") for x in bad)
assert all(x["payload"].startswith("{") and x["durationMs"] >= 0 for x in a)' "$T/log.json"

# Two cadenced on one store at the same moment (issue 17): each delivery is
# made by one of them. A second receiver answers every request after
# 0.3 s so that the two overlap; new events go to its webhook only. Then
# the control: the same with CADENCED_TEST_NO_CLAIMS=1 (no takes) delivers
# events twice, and the same count sees it.
kill "$RXPID" 2>/dev/null; wait "$RXPID" 2>/dev/null
ctl webhook remove 1 >/dev/null || exit 99
python3 "$RX" "$T/port2" "$T/rx2.log" "@$T/hook2.secret" --delay 0.3 2>"$T/rx2.err" &
RXPID=$!
for _ in $(seq 1 50); do [ -s "$T/port2" ] && break; sleep 0.1; done
[ -s "$T/port2" ] || { echo "webhooks: the second receiver did not start"; cat "$T/rx2.err"; exit 99; }
ctl --json webhook add "http://127.0.0.1:$(cat "$T/port2")/hook" > "$T/add2.json" || exit 99
python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["secret"])' "$T/add2.json" > "$T/hook2.secret"
# pair ROUND [ENV]: six events (pause and resume of three enrollments),
# then two cadenced --once at once; prints how many of the round's
# events were delivered, and how many more than once.
pair() {
	local first c
	first=$(sqlite3 "$T/cadence.db" "SELECT COALESCE(MAX(id), 0) + 1 FROM events")
	for c in 1 3 1; do
		ctl pause "$c" --reason "round $1" >/dev/null && ctl resume "$c" >/dev/null || return 1
	done
	env ${2:+"$2"} "$CAD" -c "$CONF" --once --now=2026-12-02T1$1:00:00Z >>"$T/cad2.log" 2>&1 &
	env ${2:+"$2"} "$CAD" -c "$CONF" --once --now=2026-12-02T1$1:00:00Z >>"$T/cad2.log" 2>&1
	wait %%
	python3 - "$T/rx2.log" "$first" "$T/cadence.db" <<'EOP'
import json, sqlite3, sys
from collections import Counter
first = int(sys.argv[2])
want = sqlite3.connect(sys.argv[3]).execute("SELECT COUNT(*) FROM events WHERE id >= ?",
                                            (first,)).fetchone()[0]
c = Counter(json.loads(l)["event"] for l in open(sys.argv[1]))
mine = {e: n for e, n in c.items() if e >= first}
print(want, len(mine), sum(1 for n in mine.values() if n > 1))
EOP
}
r=$(pair 1) || exit 99
echo "two cadenced with takes: events, delivered, delivered twice: $r"
set -- $r
check "two cadenced at once: every event of the round delivered" test "$1" -ge 6 -a "$2" = "$1"
check "two cadenced at once: none delivered twice" test "$3" = 0
r=$(pair 2 CADENCED_TEST_NO_CLAIMS=1) || exit 99
echo "control, two cadenced without takes: $r"
set -- $r
check "control: without takes the same count sees events delivered twice" test "$3" -gt 0

echo "webhooks: $pass passed, $failed failed"
[ "$failed" = 0 ]
