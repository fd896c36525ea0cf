#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# tests/security/http.sh - cadenced's HTTP listener under abuse, RFC 8058
# one-click in both form encodings, HEAD, idempotence, and the store's
# file modes (issue #9, findings 6, 7 and 8).
#
# Drives the built cadencectl, cadenced and cadence-milter (no mocks);
# messages go to Postfix's smtp-sink on a loopback port so that real
# unsubscribe tokens exist. The clients are tests/security/http_harness.py
# (python3 sockets, bounded in count and time, loopback only).
#
# Each protection has a control: the same harness against cadenced with
# the protections configured away (one thread, 16 connections, no
# per-address limit, a 60 s request timeout) must see the starvation, the
# client never cut and the excess connections kept; the event counts are
# shown to see a real event (1, not 0); the mode check is shown to catch
# a 0644 file.
# Needs root (smtp-sink drops to the postfix user), smtp-sink and python3;
# skips (77) without them.
set -u

B=${CADENCE_BUILDDIR:-$(pwd)}
S=${CADENCE_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
CTL=$B/ctl/cadencectl
CAD=$B/scheduler/cadenced
MILTER=$B/milter/cadence-milter
H=$S/tests/security/http_harness.py
SINK=$(command -v smtp-sink || echo /usr/sbin/smtp-sink)
TIMEOUT=4          # HttpRequestTimeout of the protected configuration

if [ "$(id -u)" != 0 ]; then
	echo "http: SKIP: needs root (smtp-sink runs as the postfix user)"
	exit 77
fi
if [ ! -x "$SINK" ] || ! id postfix >/dev/null 2>&1; then
	echo "http: SKIP: Postfix's smtp-sink (package postfix) is not installed"
	exit 77
fi
command -v python3 >/dev/null 2>&1 || { echo "http: SKIP: no python3"; exit 77; }
for p in "$CTL" "$CAD" "$MILTER"; do
	[ -x "$p" ] || { echo "http: $p not built"; exit 99; }
done

T=$(mktemp -d "${TMPDIR:-/tmp}/cadence-http.XXXXXX") || exit 99
chmod 755 "$T"
PIDS=""
cleanup() {
	local p
	for p in $PIDS; do kill "$p" 2>/dev/null; done
	for p in $PIDS; do wait "$p" 2>/dev/null; done
	rm -rf "$T"
}
trap cleanup EXIT
[ -n "${HTTP_KEEP:-}" ] && trap - EXIT
trap 'exit 1' INT TERM

pass=0
failed=0
ok() { pass=$((pass + 1)); }
bad() {
	failed=$((failed + 1))
	echo "FAIL: $1"
	[ -s "$T/out" ] && sed 's/^/  out: /' "$T/out" | head -20
	[ -s "$T/err" ] && sed 's/^/  err: /' "$T/err" | head -20
	return 0
}
check() {
	local d=$1
	shift
	if "$@"; then ok; echo "ok: $d"; else bad "$d"; fi
}
free_port() {
	python3 -c 'import socket
s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}
wait_port() {
	local i
	for i in $(seq 1 50); do
		python3 -c 'import socket, sys
socket.create_connection(("127.0.0.1", int(sys.argv[1])), 1).close()' "$1" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}
# j FIELD: a field of the JSON object in $T/out (Python expression over d).
j() {
	python3 -c 'import json, sys
d = json.load(open(sys.argv[1]))
v = eval(sys.argv[2])
print("" if v is None else v)' "$T/out" "$1"
}
harness() { python3 "$H" "$@" >"$T/out" 2>"$T/err"; }

# ---------------------------------------------------------------- set-up
mkdir -p "$T/sink"
chown postfix "$T/sink"
SINK_PORT=$(free_port)
"$SINK" -u postfix -d "$T/sink/%M%S." "127.0.0.1:$SINK_PORT" 10 >"$T/sink.log" 2>&1 &
PIDS="$PIDS $!"
wait_port "$SINK_PORT" || { echo "http: cannot start smtp-sink"; exit 99; }
PORT=$(free_port)
CONF=$T/cadence.conf
DB=$T/cadence.db
head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$T/secret"
chmod 600 "$T/secret"
base_conf() {
	cat <<EOC
Database $DB
SecretFile $T/secret
Domain cadence.our.test
InternalDomains our.test
SubmitURL smtp://127.0.0.1:$SINK_PORT
PublicURL https://cadence.our.test
SendSpacing 0
SendJitter 0
Syslog no
Socket local:$T/milter.sock
MilterPidFile $T/milter.pid
SchedulerPidFile $T/cadenced.pid
HttpListen 127.0.0.1:$PORT
EOC
}
{ base_conf; printf 'HttpThreads 4\nHttpMaxConnections 256\nHttpMaxPerIP 8\nHttpRequestTimeout %s\n' "$TIMEOUT"; } >"$CONF"
# The control: the protections configured away.
{ base_conf; printf 'HttpThreads 1\nHttpMaxConnections 16\nHttpMaxPerIP 0\nHttpRequestTimeout 60\n'; } >"$T/weak.conf"
NOW=2026-12-01T14:00:00Z
ctl() { "$CTL" -c "$CONF" --now "$NOW" "$@" >"$T/out" 2>"$T/err"; }

# modes_ok FILE...: every one of the files that exists is mode 0640, and
# the first exists. Lists what it saw in $T/modes.
modes_ok() {
	local f r=0
	: >"$T/modes"
	[ -e "$1" ] || r=1
	for f in "$@"; do
		[ -e "$f" ] || continue
		echo "$(stat -c %a "$f") $f" >>"$T/modes"
		[ "$(stat -c %a "$f")" = 640 ] || r=1
	done
	return $r
}
store_modes_ok() { modes_ok "$DB" "$DB-wal" "$DB-shm"; }

# ----------------------------------------------- store modes (finding 8)
# The loosest umask from here on: the modes must not come from it.
umask 000
"$CTL" -c "$CONF" init >"$T/out" 2>"$T/err"
check "init (umask 000): the store is 0640" store_modes_ok
cp "$DB" "$T/copy.db"
chmod 0644 "$T/copy.db"
check "CONTROL: the mode check catches a 0644 file" eval '! modes_ok "$T/copy.db"'

ctl user add ann@our.test --name "Ann Example" --tz America/New_York
cat >"$T/plain.seq" <<'EOS'
[sequence]
name = Plain
owner = qa@our.test
days = business
window = 08:00-18:00
timezone = recipient

[step 1]
type = email
delay = 0
template = <<END
Subject: Hello

A short note.
END

[step 2]
type = email
delay = 3d
template = <<END
Subject: Again

Again.
END
EOS
ctl sequence import "$T/plain.seq"
ctl enroll --sequence Plain --as ann@our.test ua@prospect.test ub@prospect.test uc@prospect.test
"$CAD" -c "$CONF" --once --now="$NOW" >"$T/out" 2>"$T/err"
check "a cadenced pass (umask 000): the store and its -wal/-shm are 0640" store_modes_ok
# token ADDRESS: the one-click token of the message the sink got for it.
token() {
	python3 - "$T/sink" "$1" <<'EOP'
import email, os, re, sys
for f in os.listdir(sys.argv[1]):
    m = email.message_from_bytes(open(os.path.join(sys.argv[1], f), "rb").read())
    if sys.argv[2] in (m["X-Rcpt-Args"] or ""):
        t = re.search(r"<https://cadence\.our\.test/u/([^>]+)>", " ".join(m["List-Unsubscribe"].split()))
        print(t.group(1) if t else "")
EOP
}
TA=$(token ua@prospect.test)
TB=$(token ub@prospect.test)
TC=$(token uc@prospect.test)
check "set-up: three messages with one-click tokens" eval '[ -n "$TA" ] && [ -n "$TB" ] && [ -n "$TC" ]'

# The milter on this store, as the service runs it, with one message
# from a contact so that it opens the store (SPF from a test zone, never
# DNS). An older store left world-readable loses the bits at open.
MT=$(command -v miltertest || echo /usr/bin/miltertest)
if [ -x "$MT" ]; then
	echo 'prospect.test TXT "v=spf1 ip4:192.0.2.0/24 -all"' >"$T/zone"
	chmod 0644 "$DB"
	rm -f "$DB-wal" "$DB-shm"
	"$MILTER" -f -c "$CONF" -Z "$T/zone" >"$T/milter.log" 2>&1 &
	MPID=$!
	PIDS="$PIDS $MPID"
	for i in $(seq 1 50); do [ -S "$T/milter.sock" ] && break; sleep 0.1; done
	MILTER_SOCK="unix:$T/milter.sock" MILTER_TESTS="$S/tests/milter" \
		"$MT" -s "$S/tests/security/store_milter.lua" >"$T/out" 2>"$T/err"
	check "a milter start and a message: the store (0644 before) and its -wal/-shm are 0640" \
		eval 'store_modes_ok && [ -e "$DB-wal" ] && [ -e "$DB-shm" ]'
	cat "$T/modes"
	kill "$MPID" 2>/dev/null
	wait "$MPID" 2>/dev/null
else
	echo "http: miltertest not installed: the milter's store modes are not checked"
fi

# state ADDRESS: the contact's enrollment state. events ADDRESS: how many
# "unsubscribed" events name the contact.
state() {
	"$CTL" -c "$CONF" --json status "$1" 2>/dev/null | python3 -c 'import json, sys
d = json.load(sys.stdin); print(d[-1]["state"] if d else "")'
}
events() {
	"$CTL" -c "$CONF" events --contact "$1" --type unsubscribed 2>/dev/null | grep -c "one-click"
}

# The daemon runs on the test's clock (--now: step 2, 3 days on, is never
# due): with the real clock its passes sent step 2 once the real date was
# past it and inside the sequence's window, and the states checked below
# became "finished" (CI, 2026-12-07 13:28 UTC).
start_cadenced() { # CONF
	"$CAD" -c "$1" -f -v --now="$NOW" >>"$T/daemon.log" 2>&1 &
	DPID=$!
	PIDS="$PIDS $DPID"
	wait_port "$PORT"
}
stop_cadenced() {
	kill "$DPID" 2>/dev/null
	wait "$DPID" 2>/dev/null
}

# ------------------------------------------- the protected listener (6, 7)
start_cadenced "$CONF"
check "cadenced listens" wait_port "$PORT"
check "cadenced running (umask 000): the store and its -wal/-shm are 0640" \
	eval 'store_modes_ok && [ -e "$DB-wal" ]'

harness req "$PORT" GET /healthz
check "GET /healthz: 200 ok" eval '[ "$(j "d[\"status\"]")" = 200 ] && [ "$(j "d[\"rest\"]")" = ok ]'
harness req "$PORT" HEAD /healthz
check "HEAD /healthz: 200 without a body" \
	eval '[ "$(j "d[\"status\"]")" = 200 ] && [ "$(j "d[\"rest_len\"]")" = 0 ]'
harness req "$PORT" HEAD "/u/$TC"
check "HEAD /u/TOKEN: 200, Content-Length of the page, no body" \
	eval '[ "$(j "d[\"status\"]")" = 200 ] && [ "$(j "d[\"rest_len\"]")" = 0 ] && [ "$(j "int(d[\"headers\"][\"content-length\"]) > 100")" = True ]'
harness req "$PORT" GET "/u/$TC"
check "GET /u/TOKEN: 200, the confirmation form" \
	eval '[ "$(j "d[\"status\"]")" = 200 ] && [ "$(j "\"<form method=\\\"post\\\"\" in d[\"rest\"]")" = True ]'
check "HEAD and GET change nothing" [ "$(state uc@prospect.test)" = active ]
printf 'hello=1' >"$T/nofield"
harness req "$PORT" POST "/u/$TC" application/x-www-form-urlencoded "$T/nofield"
check "POST without List-Unsubscribe=One-Click: 400" [ "$(j "d[\"status\"]")" = 400 ]
head -c 10000 /dev/zero | tr '\0' a >"$T/big"
harness req "$PORT" POST "/u/$TC" application/x-www-form-urlencoded "$T/big"
check "POST with a 10000-byte body: 413" [ "$(j "d[\"status\"]")" = 413 ]
check "... and nothing changed" [ "$(state uc@prospect.test)" = active ]
harness req "$PORT" PUT "/u/$TC"
check "PUT: 405 with Allow" eval '[ "$(j "d[\"status\"]")" = 405 ] && [ "$(j "d[\"headers\"][\"allow\"]")" = "GET, HEAD, POST" ]'

# 120 slow clients from 120 addresses trickle headers; /healthz and a
# one-click POST (urlencoded) must still be answered within 3 s.
harness slow "$PORT" 120 "$TA"
cp "$T/out" "$T/slow.json"
echo "slow clients, protected: $(cat "$T/out")"
check "the flood was on: 120 slow clients connected and still open at the probe" \
	eval '[ "$(j "d[\"open\"]")" -ge 110 ]'
check "under the flood: /healthz answered 200 within 3 s" \
	eval '[ "$(j "d[\"healthz\"]")" = 200 ] && [ "$(j "d[\"healthz_s\"] < 3")" = True ]'
check "under the flood: the one-click POST answered 200 within 3 s" \
	eval '[ "$(j "d[\"post\"]")" = 200 ] && [ "$(j "d[\"post_s\"] < 3")" = True ]'
check "urlencoded POST: unenrolled" [ "$(state ua@prospect.test)" = unenrolled ]
check "urlencoded POST: one unsubscribed event (the count sees a real event)" [ "$(events ua@prospect.test)" = 1 ]
"$CTL" -c "$CONF" suppress list >"$T/out" 2>"$T/err"
check "urlencoded POST: suppressed" eval 'grep ua@prospect.test "$T/out" | grep -q unsubscribed'
printf 'List-Unsubscribe=One-Click' >"$T/oneclick"
harness req "$PORT" POST "/u/$TA" application/x-www-form-urlencoded "$T/oneclick"
cp "$T/out" "$T/second.json"
harness req "$PORT" POST "/u/$TA" application/x-www-form-urlencoded "$T/oneclick"
check "a second and third POST: 200, the same success page" \
	eval '[ "$(j "d[\"status\"]")" = 200 ] && grep -q "will get no further messages" "$T/second.json" && [ "$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))[\"rest\"] == json.load(open(sys.argv[2]))[\"rest\"])" "$T/second.json" "$T/out")" = True ]'
check "... and still one unsubscribed event" [ "$(events ua@prospect.test)" = 1 ]

# multipart/form-data, as a browser or a mail provider may send it.
printf -- '--XyZ\r\nContent-Disposition: form-data; name="List-Unsubscribe"\r\n\r\nOne-Click\r\n--XyZ--\r\n' >"$T/multipart"
harness req "$PORT" POST "/u/$TB" "multipart/form-data; boundary=XyZ" "$T/multipart"
check "multipart/form-data POST: 200" [ "$(j "d[\"status\"]")" = 200 ]
check "multipart/form-data POST: unenrolled, one event" \
	eval '[ "$(state ub@prospect.test)" = unenrolled ] && [ "$(events ub@prospect.test)" = 1 ]'
printf -- '--XyZ\r\nContent-Disposition: form-data; name="Other"\r\n\r\nOne-Click\r\n--XyZ--\r\n' >"$T/multipart2"
harness req "$PORT" POST "/u/$TC" "multipart/form-data; boundary=XyZ" "$T/multipart2"
check "multipart/form-data without the field: 400, still active" \
	eval '[ "$(j "d[\"status\"]")" = 400 ] && [ "$(state uc@prospect.test)" = active ]'

# A client that trickles a header line every 0.5 s (so an idle timeout
# never fires) is cut at the absolute limit.
harness trickle "$PORT" 20
echo "trickle, protected (HttpRequestTimeout $TIMEOUT): $(cat "$T/out")"
check "a client trickling for ever is cut after ${TIMEOUT}s (not before, within 2.5 s after)" \
	eval '[ "$(j "d[\"cut_s\"] is not None and $TIMEOUT <= d[\"cut_s\"] <= $TIMEOUT + 2.5")" = True ]'
check "... while it kept sending (a line each 0.5 s)" eval '[ "$(j "d[\"lines\"]")" -ge $((TIMEOUT * 2 - 1)) ]'

# Twelve connections from one address with HttpMaxPerIP 8.
harness perip "$PORT" 12
echo "per-address, protected (HttpMaxPerIP 8): $(cat "$T/out")"
check "per-address limit: 8 kept, the 4 beyond closed at once" \
	eval '[ "$(j "d[\"open\"]")" = 8 ] && [ "$(j "d[\"closed\"] + d[\"refused\"]")" = 4 ]'
check "... another address is still served" [ "$(j "d[\"other_ip_healthz\"]")" = 200 ]
check "cadenced still alive and answering" \
	eval 'kill -0 "$DPID" 2>/dev/null && harness req "$PORT" GET /healthz && [ "$(j "d[\"status\"]")" = 200 ]'
stop_cadenced

# ------------------------------------------------------------- CONTROLS
# The same harness against the protections configured away must see what
# they prevent; otherwise a green run above would prove nothing.
start_cadenced "$T/weak.conf"
check "CONTROL cadenced (1 thread, 16 connections, no per-address limit, 60 s) listens" wait_port "$PORT"
harness trickle "$PORT" 8
echo "trickle, control: $(cat "$T/out")"
check "CONTROL: without the short absolute limit the trickling client is not cut (8 s)" \
	[ "$(j "d[\"cut_s\"]")" = "" ]
harness perip "$PORT" 12
echo "per-address, control: $(cat "$T/out")"
check "CONTROL: without the per-address limit all 12 stay open" [ "$(j "d[\"open\"]")" = 12 ]
harness slow "$PORT" 120 -
echo "slow clients, control: $(cat "$T/out")"
check "CONTROL: the harness sees the starvation (/healthz not answered within 3 s)" \
	eval '[ "$(j "d[\"healthz\"] != 200 or d[\"healthz_s\"] >= 3")" = True ]'
stop_cadenced

echo "http: $pass passed, $failed failed"
[ "$failed" -eq 0 ]
