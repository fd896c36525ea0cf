#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# tests/sched/test_sched.sh - cadenced against a real SMTP receiver.
#
# Drives the built cadencectl and cadenced (no mocks) against Postfix's
# smtp-sink on free loopback ports, each scenario with its own temporary
# store, secret (mode 0600) and cadence.conf, and asserts on the message
# files the sink writes and on the store as cadencectl shows it:
#   headers (From with display name, To, Date, Message-ID shape and MAC
#   checked here in Python with the secret, not through cadence's code, no
#   header but the expected ones), List-Unsubscribe and -Post, the VERP
#   envelope sender, threading, RFC 2047, the window in the recipient's
#   zone, weekends and holidays (cadencectl holiday import), 4xx retried with the same Message-ID, 5xx
#   pausing with the reply, a SIGKILL inside the SMTP transaction (sent
#   once afterwards, as recorded), the rolling 24-hour cap, spacing, the
#   bulk throttle, a token that cannot be filled at send time, task steps,
#   the one-click unsubscribe over HTTP, -n, SIGHUP, and SIGTERM (pidfile
#   removed), in the foreground and detached.
# Time is fixed with --now, so no assertion depends on the clock's speed.
# Needs root (smtp-sink drops to the postfix user), smtp-sink and python3;
# skips (77) without them. curl is used when present, else Python's urllib.
set -u

B=${CADENCE_BUILDDIR:-$(pwd)}
S=${CADENCE_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
CTL=$B/ctl/cadencectl
CAD=$B/scheduler/cadenced
SINK=$(command -v smtp-sink || echo /usr/sbin/smtp-sink)

if [ "$(id -u)" != 0 ]; then
	echo "sched: SKIP: needs root (smtp-sink runs as the postfix user)"
	exit 77
fi
if [ ! -x "$SINK" ] || ! id postfix >/dev/null 2>&1; then
	echo "sched: SKIP: Postfix's smtp-sink (package postfix) is not installed"
	exit 77
fi
if ! command -v python3 >/dev/null 2>&1; then
	echo "sched: SKIP: python3 is needed to parse the received messages"
	exit 77
fi
for p in "$CTL" "$CAD"; do
	[ -x "$p" ] || { echo "sched: $p not built"; exit 99; }
done

T=$(mktemp -d "${TMPDIR:-/tmp}/cadenced-test.XXXXXX") || exit 99
chmod 755 "$T"        # the sink (user postfix) writes below it
PIDS=""
cleanup() {
	local p
	for p in $PIDS; do kill "$p" 2>/dev/null; done
	for p in $PIDS; do wait "$p" 2>/dev/null; done
	rm -rf "$T"
}
trap cleanup EXIT
[ -n "${SCHED_KEEP:-}" ] && trap - EXIT   # keep $T for a post-mortem
trap 'exit 1' INT TERM

pass=0
failed=0
rc=0
D=""            # the current scenario's directory
CONF=""
SINK_PORT=""
SINK_PID=""
NOW=2026-12-01T14:00:00Z   # a Tuesday: 09:00 in New York, 19:30 in Kolkata

ok() { pass=$((pass + 1)); }
bad() {
	failed=$((failed + 1))
	echo "FAIL: $1"
	[ -s "$T/out" ] && sed 's/^/  stdout: /' "$T/out" | head -20
	[ -s "$T/err" ] && sed 's/^/  stderr: /' "$T/err" | head -20
	return 0
}
# check DESCRIPTION COMMAND...: the command (a test) must succeed.
check() {
	local d=$1
	shift
	if "$@"; then ok; else bad "$d"; fi
}

free_port() {
	python3 -c 'import socket
s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

# sink_start [smtp-sink options]: a sink on a free port writing one file
# per message into $D/sink.
sink_start() {
	local i
	mkdir -p "$D/sink"
	chown postfix "$D/sink"
	for i in 1 2 3 4 5; do
		SINK_PORT=$(free_port)
		"$SINK" -u postfix "$@" -d "$D/sink/%M%S." "127.0.0.1:$SINK_PORT" 10 \
			>>"$D/sink.log" 2>&1 &
		SINK_PID=$!
		PIDS="$PIDS $SINK_PID"
		if wait_port "$SINK_PORT"; then
			return 0
		fi
		kill "$SINK_PID" 2>/dev/null
	done
	echo "sched: cannot start smtp-sink"; cat "$D/sink.log"
	exit 99
}
sink_stop() {
	kill "$SINK_PID" 2>/dev/null
	wait "$SINK_PID" 2>/dev/null
	SINK_PID=""
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

# scenario NAME [cadence.conf lines...]: a fresh store, secret and
# configuration (SendSpacing 0 unless given), and a sink.
scenario() {
	local name=$1
	D=$T/$1
	shift
	mkdir -p "$D/got"
	sink_start
	CONF=$D/cadence.conf
	{
		echo "Database $D/cadence.db"
		echo "SecretFile $D/secret"
		echo "Domain cadence.our.test"
		echo "InternalDomains our.test"
		echo "SubmitURL smtp://127.0.0.1:$SINK_PORT"
		echo "PublicURL https://cadence.our.test"
		echo "SendJitter 0"
		echo "Syslog no"
		printf '%s\n' "$@"
	} >"$CONF"
	grep -q '^SendSpacing' "$CONF" || echo "SendSpacing 0" >>"$CONF"
	ctl init
	check "$name: init creates the store and a 0600 secret" \
		[ "$rc" -eq 0 -a "$(stat -c %a "$D/secret")" = 600 ]
}
# Repoints SubmitURL at the current sink (after a sink restart).
conf_submit() {
	sed -i "s|^SubmitURL .*|SubmitURL smtp://127.0.0.1:$SINK_PORT|" "$CONF"
}

ctl() {
	"$CTL" -c "$CONF" --now "$NOW" "$@" >"$T/out" 2>"$T/err"
	rc=$?
}
# run_pass TIME: one cadenced pass as of TIME; the log is in $T/err.
run_pass() {
	"$CAD" -c "$CONF" --once --now="$1" >"$T/out" 2>"$T/err"
	rc=$?
	cat "$T/err" >>"$D/cadenced.log"
}
# collect LABEL: moves the messages the sink wrote into $D/got, named
# LABEL.<recipient>; prints how many.
collect() {
	local f r n=0
	for f in "$D"/sink/*; do
		[ -e "$f" ] || continue
		r=$(sed -n 's/^X-Rcpt-Args: <\(.*\)>.*/\1/p;/^$/q' "$f" | head -1)
		mv "$f" "$D/got/$1.$r"
		n=$((n + 1))
	done
	echo "$n"
}
got() { ls "$D/got" | grep -c "^$1\." ; }

# py FILE EXPR [ARG...]: a Python expression over the message in FILE:
# m (parsed, headers decoded), r (raw header text), env (the envelope the
# sink recorded), args (the ARGs) and helpers from lib.
PYLIB=$T/msglib.py
cat >"$PYLIB" <<'EOF'
import base64, email, email.policy, hashlib, hmac, re, sys

B32 = "[a-z2-7]"
MSGID_RE = re.compile(r"^<(%s{24})\.(%s{16})@cadence\.our\.test>$" % (B32, B32))
TOKEN_RE = re.compile(r"^(%s{24})\.(%s{16})$" % (B32, B32))

def load(path):
    raw = open(path, "rb").read()
    m = email.message_from_bytes(raw, policy=email.policy.default)
    r = email.message_from_bytes(raw)
    return raw, m, r

def mac(secret_file, label, nonce):
    """The MAC cadence should have put after the nonce (token.h):
    HMAC-SHA256(secret, label ':' nonce bytes)[:10], base32, lower case."""
    key = open(secret_file, "rb").read().rstrip()
    nb = base64.b32decode(nonce.upper() + "=" * (-len(nonce) % 8))
    d = hmac.new(key, label.encode() + b":" + nb, hashlib.sha256).digest()[:10]
    return base64.b32encode(d).decode().lower().rstrip("=")

def token_ok(tok, secret_file, label):
    t = TOKEN_RE.match(tok)
    return bool(t) and mac(secret_file, label, t.group(1)) == t.group(2)

def msgid_ok(mid, secret_file):
    t = MSGID_RE.match(mid.strip())
    return bool(t) and mac(secret_file, "msgid", t.group(1)) == t.group(2)

def unsub_tokens(r):
    v = " ".join(r["List-Unsubscribe"].split())
    t = re.fullmatch(r"<mailto:unsubscribe\+(\S+)@cadence\.our\.test\?subject=unsubscribe>,"
                     r" <https://cadence\.our\.test/u/(\S+)>", v)
    return (t.group(1), t.group(2)) if t else (None, None)
EOF
py() {
	local f=$1 e=$2
	shift 2
	python3 - "$f" "$e" "$@" 2>>"$T/err" <<'EOF'
import os, sys
sys.path.insert(0, os.environ["PYLIBDIR"])
from msglib import *
raw, m, r = load(sys.argv[1])
env = {"from": (r["X-Mail-Args"] or "").split()[0], "to": r["X-Rcpt-Args"]}
args = sys.argv[3:]
sys.exit(0 if eval(sys.argv[2]) else 1)
EOF
}
export PYLIBDIR=$T
# hdr FILE NAME: the raw value of a header, unfolded.
hdr() {
	python3 -c 'import email, sys
v = email.message_from_bytes(open(sys.argv[1], "rb").read())[sys.argv[2]]
print(" ".join(v.split()) if v else "")' "$1" "$2"
}
# status_field ADDRESS FIELD: one field of the contact's newest enrollment
# as cadencectl status --json shows it (nextDue, state, reason...).
status_field() {
	"$CTL" -c "$CONF" --now "$NOW" --json status "$1" 2>>"$T/err" | python3 -c 'import json, sys
d = json.load(sys.stdin)
d = sorted(d, key=lambda e: e["id"])[-1] if d else {}
v = d.get(sys.argv[1])
print("" if v is None else v)' "$2"
}

# Writes a sequence file: seqfile NAME FILE STEPS... where each step is
# a block of lines (the [step] section's body).
plain_seq() {
	cat >"$1" <<EOF
[sequence]
name = $2
owner = qa@our.test
days = business
window = 08:00-18:00
timezone = recipient
${3:-}

[step 1]
type = email
delay = 0
template = <<END
Subject: Hello {{contact.firstname|there}}

Hi {{contact.firstname|there}},

A short note.

{{sender.firstname}}
END
EOF
}
PLAIN='Plain – Test – QA Team'

# ------------------------------------------------------------------- -n
scenario check
"$CAD" -n -c "$CONF" >"$T/out" 2>"$T/err"
rc=$?
check "-n: a good set-up is OK (exit 0)" eval '[ "$rc" -eq 0 ] && grep -q "secret and store OK" "$T/out"'
chmod 0644 "$D/secret"
"$CAD" -n -c "$CONF" >"$T/out" 2>"$T/err"
rc=$?
check "-n: a secret readable by others is refused, naming it (exit 1)" \
	eval '[ "$rc" -eq 1 ] && grep -q "$D/secret" "$T/err"'
chmod 0600 "$D/secret"
"$CAD" -n -c "$CONF" --now=yesterday >"$T/out" 2>"$T/err"
rc=$?
check "--now: not a time exits 2" [ "$rc" -eq 2 ]
sink_stop

# ---------------------------------------------------------------- headers
# Step 1 to a contact with a non-ASCII name, step 2 in its thread, step 3
# a new thread; VERP on.
scenario headers "VERP yes"
cat >"$D/thread.seq" <<'EOF'
[sequence]
name = Thread – Test – QA Team
owner = qa@our.test
days = business
window = 08:00-18:00
timezone = recipient

[step 1]
type = email
delay = 0
thread = new
template = <<END
Subject: Grüße aus Köln, {{contact.firstname|there}}

Hallo {{contact.firstname|there}},

schöne Grüße — a line with non-ASCII text.

{{sender.firstname}}
END

[step 2]
type = email
delay = 1d
thread = previous
template = <<END
Subject: Re: Grüße aus Köln, {{contact.firstname|there}}

Just following up.
END

[step 3]
type = email
delay = 1d
thread = new
template = <<END
Subject: Another matter

A new thread.
END
EOF
cat >"$D/c.csv" <<'EOF'
email,firstname,lastname,company,timezone
jose@prospect.test,José,Müller,Prospect GmbH,America/New_York
EOF
ctl user add ann@our.test --name "Ann Exämple" --tz Europe/Berlin
ctl sequence import "$D/thread.seq"
ctl contact import "$D/c.csv"
ctl enroll --sequence 'Thread – Test – QA Team' --as ann@our.test jose@prospect.test
check "headers: set-up" [ "$rc" -eq 0 ]
run_pass "$NOW"
check "headers: pass exits 0" [ "$rc" -eq 0 ]
check "headers: step 1 received" [ "$(collect s1)" -eq 1 ]
M1=$D/got/s1.jose@prospect.test
SEC=$D/secret
check "From: display name, RFC 2047 encoded" \
	py "$M1" 'm["From"].addresses[0].display_name == "Ann Exämple" and m["From"].addresses[0].addr_spec == "ann@our.test" and "=?" in r["From"] and r["From"].isascii()'
check "To: the contact with its name" \
	py "$M1" 'm["To"].addresses[0].display_name == "José Müller" and m["To"].addresses[0].addr_spec == "jose@prospect.test" and r["To"].isascii()'
check "Subject: rendered and RFC 2047 encoded" \
	py "$M1" 'str(m["Subject"]) == "Grüße aus Köln, José" and r["Subject"].isascii() and "=?" in r["Subject"]'
check "Date: the send time in the rep's zone (Berlin, +0100)" \
	py "$M1" '" ".join(r["Date"].split()) == "Tue, 01 Dec 2026 15:00:00 +0100"'
check "Message-ID: <24 base32 . 16 base32 @Domain> with the secret's MAC" \
	py "$M1" 'msgid_ok(r["Message-ID"], args[0])' "$SEC"
check "Message-ID: a wrong secret does not verify it" \
	py "$M1" 'not msgid_ok(r["Message-ID"], args[0])' "$CONF"
check "no header but the expected ones (no internal id, count or X- header of ours)" \
	py "$M1" 'set(k.lower() for k in r.keys()) <= {"x-client-addr", "x-client-proto", "x-helo-args", "x-mail-args", "x-rcpt-args", "received", "date", "from", "to", "subject", "message-id", "list-unsubscribe", "list-unsubscribe-post", "mime-version", "content-type", "content-transfer-encoding"}'
check "not a reply: no In-Reply-To or References" \
	py "$M1" 'r["In-Reply-To"] is None and r["References"] is None'
check "List-Unsubscribe: mailto and https with one valid unsubscribe token" \
	py "$M1" 'unsub_tokens(r)[0] is not None and unsub_tokens(r)[0] == unsub_tokens(r)[1] and token_ok(unsub_tokens(r)[0], args[0], "unsub")' "$SEC"
check "List-Unsubscribe-Post: List-Unsubscribe=One-Click" \
	py "$M1" 'r["List-Unsubscribe-Post"].strip() == "List-Unsubscribe=One-Click"'
check "VERP: envelope sender bounces+<verp token>@Domain" \
	py "$M1" 'env["from"].startswith("<bounces+") and env["from"].endswith("@cadence.our.test>") and token_ok(env["from"][9:-len("@cadence.our.test>")], args[0], "verp")' "$SEC"
check "body: UTF-8 text, quoted-printable, decodes to the rendered template" \
	py "$M1" 'm.get_content_type() == "text/plain" and m.get_content_charset() == "utf-8" and r["Content-Transfer-Encoding"].strip().lower() == "quoted-printable" and "schöne Grüße" in m.get_content() and "Hallo José," in m.get_content() and raw.isascii()'
check "MIME-Version: 1.0" py "$M1" 'r["MIME-Version"].strip() == "1.0"'
DUE2=$(status_field jose@prospect.test nextDue)
check "step 2 due one business day later at the same local time (got $DUE2)" \
	[ "$DUE2" = 2026-12-02T14:00:00Z ]
run_pass 2026-12-02T13:59:59Z
check "nothing is sent a second before step 2 is due" [ "$(collect early)" -eq 0 ]
run_pass "$DUE2"
check "headers: step 2 received" [ "$(collect s2)" -eq 1 ]
M2=$D/got/s2.jose@prospect.test
ID1=$(hdr "$M1" Message-ID)
check "thread: Subject is Re: <step 1's subject>, not stacked" \
	py "$M2" 'str(m["Subject"]) == "Re: Grüße aus Köln, José"'
check "thread: In-Reply-To and References are step 1's Message-ID" \
	py "$M2" '" ".join(r["In-Reply-To"].split()) == args[0] and " ".join(r["References"].split()) == args[0]' "$ID1"
check "thread: step 2 has its own valid Message-ID" \
	py "$M2" 'msgid_ok(r["Message-ID"], args[0]) and r["Message-ID"].strip() != args[1]' "$SEC" "$ID1"
check "thread: the two messages share no token" \
	py "$M2" 'unsub_tokens(r)[0] not in args[0]' "$(hdr "$M1" List-Unsubscribe)"
DUE3=$(status_field jose@prospect.test nextDue)
run_pass "$DUE3"
check "headers: step 3 received" [ "$(collect s3)" -eq 1 ]
check "new thread: no In-Reply-To, its own subject" \
	py "$D/got/s3.jose@prospect.test" 'r["In-Reply-To"] is None and r["References"] is None and str(m["Subject"]) == "Another matter"'
ctl events --contact jose@prospect.test
check "events: three step_sent" [ "$(grep -c step_sent "$T/out")" -eq 3 ]
check "the enrollment finished after its last step" [ "$(status_field jose@prospect.test state)" = finished ]
sink_stop

# ------------------------------------------------------------------ zones
# Enrolled at the same instant: 09:00 in New York (open), 19:30 in Kolkata
# (closed until 08:00 there = 02:30Z). VERP off: the rep is the sender.
scenario zones "VERP no"
plain_seq "$D/plain.seq" "$PLAIN"
cat >"$D/c.csv" <<'EOF'
email,firstname,timezone
ny@prospect.test,Nia,America/New_York
in@prospect.test,Indra,Asia/Kolkata
EOF
ctl user add ann@our.test --name "Ann Example" --tz Europe/Berlin
ctl sequence import "$D/plain.seq"
ctl contact import "$D/c.csv"
ctl enroll --sequence "$PLAIN" --as ann@our.test ny@prospect.test in@prospect.test
check "zones: set-up" [ "$rc" -eq 0 ]
run_pass "$NOW"
collect z1 >/dev/null
check "zones: New York (09:00 local) sent" [ "$(got z1)" -eq 1 -a -e "$D/got/z1.ny@prospect.test" ]
check "zones: Kolkata deferred to 08:00 local (02:30Z)" \
	[ "$(status_field in@prospect.test nextDue)" = 2026-12-02T02:30:00Z ]
check "zones: Kolkata still active on step 1" \
	[ "$(status_field in@prospect.test state)" = active -a "$(status_field in@prospect.test currentStep)" = 0 ]
check "VERP no: the envelope sender is the rep" \
	py "$D/got/z1.ny@prospect.test" 'env["from"] == "<ann@our.test>"'
run_pass 2026-12-02T02:29:00Z
check "zones: nothing at 07:59 Kolkata" [ "$(collect z2)" -eq 0 ]
run_pass 2026-12-02T02:30:00Z
collect z3 >/dev/null
check "zones: Kolkata sent at 08:00 local" [ -e "$D/got/z3.in@prospect.test" ]
sink_stop

# --------------------------------------------------- weekends and holidays
# A holiday calendar "qa" (a plain list, imported with cadencectl) makes
# Wednesday 2026-12-02 a holiday.
scenario holidays
cat >"$D/hol.seq" <<'EOF'
[sequence]
name = Holiday – Test – QA Team
owner = qa@our.test
days = business
window = 08:00-18:00
timezone = America/New_York
holidays = qa, us

[step 1]
type = email
delay = 0
template = <<END
Subject: First

One.
END

[step 2]
type = email
delay = 1d
template = <<END
Subject: Second

Two.
END
EOF
ctl user add ann@our.test --name "Ann Example" --tz Europe/Berlin
ctl sequence import "$D/hol.seq"
printf '# QA holidays\n2026-12-02 QA Day\n' >"$D/qa.txt"
ctl holiday import qa "$D/qa.txt"
check "holidays: the calendar imports" [ "$rc" -eq 0 ]
ctl holiday import us "$S/contrib/holidays/us-federal-2026-2027.txt"
check "holidays: the shipped US federal calendar imports" [ "$rc" -eq 0 ]
# tue: Tuesday; fri: Friday; sat: Saturday. No zone: the sequence's (New York).
NOW=2026-12-01T14:00:00Z ctl enroll --sequence 'Holiday – Test – QA Team' --as ann@our.test tue@prospect.test
run_pass 2026-12-01T14:00:00Z
collect h1 >/dev/null
check "holidays: Tuesday's step 1 sent" [ -e "$D/got/h1.tue@prospect.test" ]
check "holidays: step 2 skips Wednesday's holiday (due Thursday, got $(status_field tue@prospect.test nextDue))" \
	[ "$(status_field tue@prospect.test nextDue)" = 2026-12-03T14:00:00Z ]
run_pass 2026-12-02T15:00:00Z
check "holidays: nothing on the holiday" [ "$(collect h2)" -eq 0 ]
NOW=2026-12-04T15:00:00Z
ctl enroll --sequence 'Holiday – Test – QA Team' --as ann@our.test fri@prospect.test
run_pass 2026-12-04T15:00:00Z
collect h3 >/dev/null
check "weekend: Friday's step 1 sent" [ -e "$D/got/h3.fri@prospect.test" ]
check "weekend: step 2 due on Monday, not Saturday (got $(status_field fri@prospect.test nextDue))" \
	[ "$(status_field fri@prospect.test nextDue)" = 2026-12-07T15:00:00Z ]
# Christmas 2026 is a Friday: Thursday's step 2 waits for Monday.
NOW=2026-12-24T15:00:00Z
ctl enroll --sequence 'Holiday – Test – QA Team' --as ann@our.test thu@prospect.test
run_pass 2026-12-24T15:00:00Z
collect h6 >/dev/null
check "holidays: Thursday 24 December's step 1 sent" [ -e "$D/got/h6.thu@prospect.test" ]
check "holidays: step 2 skips Christmas (a Friday) and the weekend (got $(status_field thu@prospect.test nextDue))" \
	[ "$(status_field thu@prospect.test nextDue)" = 2026-12-28T15:00:00Z ]
NOW=2026-12-05T15:00:00Z
ctl enroll --sequence 'Holiday – Test – QA Team' --as ann@our.test sat@prospect.test
run_pass 2026-12-05T15:00:00Z
check "weekend: nothing sent on Saturday" [ "$(collect h4)" -eq 0 ]
check "weekend: Saturday's enrollment waits for Monday 08:00 New York (got $(status_field sat@prospect.test nextDue))" \
	[ "$(status_field sat@prospect.test nextDue)" = 2026-12-07T13:00:00Z ]
run_pass 2026-12-07T13:00:00Z
collect h5 >/dev/null
check "weekend: Monday 08:00 sends Saturday's step 1" [ -e "$D/got/h5.sat@prospect.test" ]
NOW=2026-12-01T14:00:00Z
sink_stop

# -------------------------------------------------------------- 4xx, 5xx
# The sink answers the end of data with a 4xx (it still writes the file,
# so the first attempt's Message-ID is known), then accepts.
scenario tempfail
plain_seq "$D/plain.seq" "$PLAIN"
sink_stop
sink_start -r .
conf_submit
ctl user add ann@our.test --name "Ann Example" --tz America/New_York
ctl sequence import "$D/plain.seq"
ctl enroll --sequence "$PLAIN" --as ann@our.test temp@prospect.test
run_pass "$NOW"
check "4xx: the pass goes on (exit 0)" [ "$rc" -eq 0 ]
collect t1 >/dev/null
check "4xx: the sink saw the first attempt" [ -e "$D/got/t1.temp@prospect.test" ]
check "4xx: still active on step 1, retried later (got $(status_field temp@prospect.test nextDue))" \
	[ "$(status_field temp@prospect.test state)" = active -a \
	  "$(status_field temp@prospect.test nextDue)" \> "$NOW" ]
RETRY=$(status_field temp@prospect.test nextDue)
ctl events --contact temp@prospect.test
check "4xx: the reply is in the log" grep -q '450 4' "$T/out"
run_pass "$RETRY"
collect t2 >/dev/null
check "4xx: the retry hit the 4xx again" [ -e "$D/got/t2.temp@prospect.test" ]
sink_stop
sink_start
conf_submit
RETRY=$(status_field temp@prospect.test nextDue)
run_pass "$RETRY"
collect t3 >/dev/null
check "4xx: accepted on a later retry" [ -e "$D/got/t3.temp@prospect.test" ]
ID1=$(hdr "$D/got/t1.temp@prospect.test" Message-ID)
check "4xx: every attempt has the same Message-ID, Date and subject" \
	py "$D/got/t3.temp@prospect.test" 'all(" ".join(r[h].split()) == a for h, a in zip(("Message-ID", "Date", "Subject"), args))' \
	"$ID1" "$(hdr "$D/got/t1.temp@prospect.test" Date)" "$(hdr "$D/got/t1.temp@prospect.test" Subject)"
check "4xx: the second attempt too" \
	[ "$(hdr "$D/got/t2.temp@prospect.test" Message-ID)" = "$ID1" ]
check "4xx: finished after its only step" [ "$(status_field temp@prospect.test state)" = finished ]
sink_stop
sink_start -f RCPT
conf_submit
ctl enroll --sequence "$PLAIN" --as ann@our.test perm@prospect.test
run_pass "$NOW"
check "5xx: the pass goes on (exit 0)" [ "$rc" -eq 0 ]
check "5xx: nothing delivered" [ "$(collect t4)" -eq 0 ]
check "5xx: enrollment paused" [ "$(status_field perm@prospect.test state)" = paused ]
REASON=$(status_field perm@prospect.test reason)
check "5xx: the SMTP reply is the reason (got: $REASON)" \
	eval 'case "$REASON" in *RCPT*" 5"[0-9][0-9]*) true ;; *) false ;; esac'
ctl events --contact perm@prospect.test
check "5xx: step_failed and paused events with the reply" \
	eval 'grep step_failed "$T/out" | grep -q "RCPT: 5" && grep -w paused "$T/out" | grep -q "RCPT: 5"'
run_pass 2026-12-01T15:00:00Z
check "5xx: a paused enrollment is not retried" [ "$(collect t5)" -eq 0 ]
sink_stop

# ------------------------------------------------------ killed mid-send
# The MTA accepts the connection and never answers: cadenced is killed
# (SIGKILL) while the message is recorded but not sent. The next pass, a
# while later, sends it once, as recorded (the first attempt's Date).
scenario crash
plain_seq "$D/plain.seq" "$PLAIN"
ctl user add ann@our.test --name "Ann Example" --tz America/New_York
ctl sequence import "$D/plain.seq"
ctl enroll --sequence "$PLAIN" --as ann@our.test crash@prospect.test
MUTE_PORT=$(free_port)
: >"$D/accepted"
# Accepts every connection, says nothing, notes each accept in a file.
python3 -c 'import socket, sys, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(5)
held = []
while True:
    c, _ = s.accept(); held.append(c)
    with open(sys.argv[2], "a") as f: f.write("accepted\n")' "$MUTE_PORT" "$D/accepted" &
MUTE_PID=$!
PIDS="$PIDS $MUTE_PID"
wait_port "$MUTE_PORT"
# wait_port's own connection is the first accept.
for i in $(seq 1 50); do [ -s "$D/accepted" ] && break; sleep 0.1; done
ACC0=$(wc -l <"$D/accepted")
sed -i "s|^SubmitURL .*|SubmitURL smtp://127.0.0.1:$MUTE_PORT|" "$CONF"
"$CAD" -c "$CONF" --once --now="$NOW" >"$D/crash.log" 2>&1 &
CPID=$!
PIDS="$PIDS $CPID"
for i in $(seq 1 100); do [ "$(wc -l <"$D/accepted")" -gt "$ACC0" ] && break; sleep 0.1; done
sleep 0.3
KILLED=0
kill -KILL "$CPID" 2>/dev/null && KILLED=1
wait "$CPID" 2>/dev/null
kill "$MUTE_PID" 2>/dev/null; wait "$MUTE_PID" 2>/dev/null
check "crash: cadenced was killed inside the SMTP transaction" \
	[ "$KILLED" = 1 -a "$(wc -l <"$D/accepted")" -gt "$ACC0" ]
check "crash: the step is still due (not marked sent)" \
	[ "$(status_field crash@prospect.test currentStep)" = 0 -a "$(status_field crash@prospect.test state)" = active ]
conf_submit
run_pass 2026-12-01T14:10:00Z
collect c1 >/dev/null
check "crash: sent after the restart" [ -e "$D/got/c1.crash@prospect.test" ]
check "crash: as recorded before the kill (Date of the first attempt)" \
	py "$D/got/c1.crash@prospect.test" '" ".join(r["Date"].split()) == "Tue, 01 Dec 2026 09:00:00 -0500" and msgid_ok(r["Message-ID"], args[0])' "$D/secret"
run_pass 2026-12-01T14:20:00Z
check "crash: not sent again" [ "$(collect c2)" -eq 0 ]
ctl events --contact crash@prospect.test --type step_sent
check "crash: one step_sent event" [ "$(grep -c step_sent "$T/out")" -eq 1 ]
sink_stop

# ------------------------------------------------------- pause --until
scenario pause
plain_seq "$D/plain.seq" "$PLAIN"
ctl user add ann@our.test --name "Ann Example" --tz America/New_York
ctl sequence import "$D/plain.seq"
ctl enroll --sequence "$PLAIN" --as ann@our.test later@prospect.test
ctl pause "$(status_field later@prospect.test id)" --until 2026-12-01T15:00:00Z --reason "back at 10"
check "pause: paused until 15:00Z" [ "$rc" -eq 0 -a "$(status_field later@prospect.test state)" = paused ]
run_pass "$NOW"
check "pause: nothing sent while paused" [ "$(collect q1)" -eq 0 ]
run_pass 2026-12-01T15:00:00Z
check "pause: cadenced resumes it when the pause ends and sends the step" \
	[ "$(collect q2)" -eq 1 -a "$(status_field later@prospect.test state)" = finished ]
ctl events --contact later@prospect.test --type resumed
check "pause: a resumed event" grep -q resumed "$T/out"
sink_stop

# ------------------------------------------------------------- 24 h cap
# A rep with a cap of 2: c1 and c2 are sent on Tuesday at 14:00Z; c3,
# enrolled on Wednesday at 13:00Z (within Wednesday's own projection),
# finds 2 sends in the last 24 hours and waits until 14:00Z.
scenario cap
plain_seq "$D/plain.seq" "$PLAIN"
ctl user add capped@our.test --name "Cap Ped" --tz America/New_York --send-cap 2
ctl sequence import "$D/plain.seq"
ctl enroll --sequence "$PLAIN" --as capped@our.test c1@prospect.test c2@prospect.test
check "cap: set-up (2 enrolled on Tuesday)" [ "$rc" -eq 0 ]
run_pass "$NOW"
check "cap: both sent on Tuesday" [ "$(collect k1)" -eq 2 ]
NOW=2026-12-02T13:00:00Z
ctl enroll --sequence "$PLAIN" --as capped@our.test c3@prospect.test
check "cap: c3 enrolled on Wednesday" [ "$rc" -eq 0 ]
run_pass 2026-12-02T13:00:00Z
check "cap: c3 not sent while 2 sends are within 24 h" [ "$(collect k2)" -eq 0 ]
check "cap: c3 waits, active, due 24 h after Tuesday's sends (got $(status_field c3@prospect.test nextDue))" \
	[ "$(status_field c3@prospect.test state)" = active -a \
	  "$(status_field c3@prospect.test nextDue)" = 2026-12-02T14:00:00Z ]
run_pass 2026-12-02T13:59:59Z
check "cap: not a second early" [ "$(collect k3)" -eq 0 ]
run_pass 2026-12-02T14:00:00Z
collect k4 >/dev/null
check "cap: sent exactly 24 h after the first sends" [ -e "$D/got/k4.c3@prospect.test" ]
NOW=2026-12-01T14:00:00Z
sink_stop

# ------------------------------------------------------ domain daily cap
# DomainDailyCap 1: two contacts at one domain (two reps): one is sent, the
# other waits an hour at a time and goes out once 24 h have passed; a
# contact at another domain is not held.
scenario domaincap "DomainDailyCap 1"
plain_seq "$D/plain.seq" "$PLAIN"
ctl user add dana@our.test --name "Dana Example" --tz America/New_York
ctl user add eli@our.test --name "Eli Example" --tz America/New_York
ctl sequence import "$D/plain.seq"
ctl enroll --sequence "$PLAIN" --as dana@our.test d1@capped.test o1@other.test
ctl enroll --sequence "$PLAIN" --as eli@our.test d2@capped.test
run_pass "$NOW"
collect dc1 >/dev/null
check "domaincap: one message to capped.test, the other domain not held" \
	[ -e "$D/got/dc1.o1@other.test" -a "$(ls "$D/got" | grep -c '^dc1\..*@capped.test$')" -eq 1 ]
held=d2@capped.test; [ -e "$D/got/dc1.d2@capped.test" ] && held=d1@capped.test
check "domaincap: the held one waits an hour, active (got $(status_field $held nextDue))" \
	[ "$(status_field $held state)" = active -a "$(status_field $held nextDue)" = 2026-12-01T15:00:00Z ]
run_pass 2026-12-02T13:00:00Z
check "domaincap: still held 23 h later" [ "$(collect dc2)" -eq 0 ]
run_pass 2026-12-02T14:00:00Z
collect dc3 >/dev/null
check "domaincap: sent once 24 h have passed" [ -e "$D/got/dc3.$held" ]
sink_stop

# -------------------------------------------------------------- spacing
scenario spacing "SendSpacing 60"
plain_seq "$D/plain.seq" "$PLAIN"
ctl user add ann@our.test --name "Ann Example" --tz America/New_York
ctl sequence import "$D/plain.seq"
ctl enroll --sequence "$PLAIN" --as ann@our.test s1@prospect.test s2@prospect.test
run_pass "$NOW"
check "spacing: one message, the other deferred" [ "$(collect p1)" -eq 1 ]
check "spacing: the second is due 60 s later (got $(status_field s2@prospect.test nextDue))" \
	[ "$(status_field s2@prospect.test nextDue)" = 2026-12-01T14:01:00Z ]
run_pass 2026-12-01T14:00:59Z
check "spacing: nothing at 59 s" [ "$(collect p2)" -eq 0 ]
run_pass 2026-12-01T14:01:00Z
check "spacing: the second at 60 s" [ "$(collect p3)" -eq 1 ]
sink_stop

# --------------------------------------------------------- bulk throttle
scenario bulk
plain_seq "$D/plain.seq" "$PLAIN"
{
	echo "email,firstname,timezone"
	for i in 1 2 3 4 5; do echo "b$i@prospect.test,B$i,America/New_York"; done
} >"$D/bulk.csv"
ctl user add ann@our.test --name "Ann Example" --tz America/New_York
ctl sequence import "$D/plain.seq"
ctl enroll --sequence "$PLAIN" --as ann@our.test --csv "$D/bulk.csv"
check "bulk: 5 enrolled from CSV" [ "$rc" -eq 0 ]
run_pass "$NOW"
check "bulk: 3 first steps in the first minute" [ "$(collect u1)" -eq 3 ]
run_pass 2026-12-01T14:00:30Z
check "bulk: none more within the minute" [ "$(collect u2)" -eq 0 ]
run_pass 2026-12-01T14:01:00Z
check "bulk: the other 2 a minute later" [ "$(collect u3)" -eq 2 ]
check "bulk: every contact got exactly one message" \
	[ "$(ls "$D/got" | sed 's/^[^.]*\.//' | sort -u | wc -l)" -eq 5 -a "$(ls "$D/got" | wc -l)" -eq 5 ]
# A second bulk enrollment 30 s later: the 2 sent at 14:01:00 and the 3
# allowed per minute leave room for 1 more before 14:02:00.
{
	echo "email,firstname,timezone"
	for i in 6 7 8 9; do echo "b$i@prospect.test,B$i,America/New_York"; done
} >"$D/bulk2.csv"
NOW=2026-12-01T14:01:30Z ctl enroll --sequence "$PLAIN" --as ann@our.test --csv "$D/bulk2.csv"
run_pass 2026-12-01T14:01:30Z
check "bulk: the throttle counts the earlier pass's sends (1 more at 14:01:30, got $(ls "$D/sink" | wc -l))" \
	[ "$(collect u4)" -eq 1 ]
sink_stop

# ------------------------------------------------- a token gone unfillable
# Enrolled while every token could be filled; the admin then re-imports the
# sequence with step 2 using {{contact.title}} (import does not lint), and
# the contact has no title.
scenario token
cat >"$D/v1.seq" <<'EOF'
[sequence]
name = Token – Test – QA Team
owner = qa@our.test
days = every
window = 00:00-24:00

[step 1]
type = email
delay = 0
template = <<END
Subject: One

Hi {{contact.firstname|there}}.
END

[step 2]
type = email
delay = 1d
template = <<END
Subject: Two

Still there?
END
EOF
sed 's/^Still there?$/As {{contact.title}} you will care./' "$D/v1.seq" >"$D/v2.seq"
ctl user add ann@our.test --name "Ann Example" --tz America/New_York
ctl sequence import "$D/v1.seq"
ctl enroll --sequence 'Token – Test – QA Team' --as ann@our.test tok@prospect.test
run_pass "$NOW"
check "token: step 1 sent" [ "$(collect x1)" -eq 1 ]
ctl sequence import "$D/v2.seq"
check "token: the edited sequence imports" [ "$rc" -eq 0 ]
run_pass 2026-12-02T14:00:00Z
check "token: the pass goes on (exit 0)" [ "$rc" -eq 0 ]
check "token: step 2 not sent" [ "$(collect x2)" -eq 0 ]
check "token: paused" [ "$(status_field tok@prospect.test state)" = paused ]
REASON=$(status_field tok@prospect.test reason)
check "token: the reason names the token (got: $REASON)" \
	eval 'case "$REASON" in *contact.title*) true ;; *) false ;; esac'
ctl task list
check "token: a task for the rep names the token" \
	eval 'grep tok@prospect.test "$T/out" | grep -q contact.title'
sink_stop

# ------------------------------------------------------------------ tasks
# An email, a call the sequence waits for, a LinkedIn step that does not
# wait, then an email in the first email's thread. The rep is in Berlin,
# the contact in New York: a task is due in the rep's window.
scenario tasks
cat >"$D/tasks.seq" <<'EOF2'
[sequence]
name = Tasks – Test – QA Team
owner = qa@our.test
days = business
window = 08:00-18:00
timezone = recipient

[step 1]
type = email
delay = 0
template = <<END
Subject: About your shipments

Hi {{contact.firstname|there}}.
END

[step 2]
type = call
delay = 1d
wait = yes
note = Call {{contact.firstname|them}} about the email.

[step 3]
type = linkedin
delay = 0
wait = no
note = Connect with {{contact.firstname|them}}.

[step 4]
type = email
delay = 1d
thread = 1
template = <<END
Subject: Re: About your shipments

Following up.
END
EOF2
printf 'email,firstname,timezone,linkedin\nbob@prospect.test,Bob,America/New_York,https://www.linkedin.com/in/bob-example\n' >"$D/c.csv"
ctl user add ann@our.test --name "Ann Example" --tz Europe/Berlin
ctl sequence import "$D/tasks.seq"
ctl contact import "$D/c.csv"
ctl enroll --sequence 'Tasks – Test – QA Team' --as ann@our.test bob@prospect.test
run_pass "$NOW"
check "tasks: step 1 sent" [ "$(collect e1)" -eq 1 ]
# 20:00Z: 15:00 in New York (the contact's window is open), 21:00 in Berlin.
run_pass 2026-12-02T20:00:00Z
check "tasks: the call step sends nothing" [ "$(collect e2)" -eq 0 ]
task_field() {
	"$CTL" -c "$CONF" --json task list 2>>"$T/err" | python3 -c 'import json, sys
d = [t for t in json.load(sys.stdin) if t["kind"] == sys.argv[1]]
print(d[-1][sys.argv[2]] if d else "")' "$1" "$2"
}
check "tasks: a call task for the rep, due at 08:00 Berlin (got $(task_field call dueAt))" \
	[ "$(task_field call dueAt)" = 2026-12-03T07:00:00Z -a "$(task_field call user)" = ann@our.test ]
check "tasks: its note is rendered" [ "$(task_field call note)" = "Call Bob about the email." ]
check "tasks: the enrollment waits for the task (no due time)" \
	[ "$(status_field bob@prospect.test nextDue)" = "" -a "$(status_field bob@prospect.test state)" = active ]
NOW=2026-12-03T14:00:00Z
ctl task complete "$(task_field call id)"
check "tasks: completing the task schedules step 3" [ -n "$(status_field bob@prospect.test nextDue)" ]
run_pass "$(status_field bob@prospect.test nextDue)"
check "tasks: a LinkedIn task carrying the profile URL" \
	eval 'case "$(task_field linkedin note)" in *"https://www.linkedin.com/in/bob-example"*) true ;; *) false ;; esac'
check "tasks: a step that does not wait moves on to step 4" \
	[ "$(status_field bob@prospect.test currentStep)" = 3 -a -n "$(status_field bob@prospect.test nextDue)" ]
run_pass "$(status_field bob@prospect.test nextDue)"
collect e3 >/dev/null
check "tasks: step 4 replies in step 1's thread across the task steps" \
	py "$D/got/e3.bob@prospect.test" '" ".join(r["In-Reply-To"].split()) == args[0] and str(m["Subject"]) == "Re: About your shipments"' \
	"$(hdr "$D/got/e1.bob@prospect.test" Message-ID)"
NOW=2026-12-01T14:00:00Z
sink_stop

# ---------------------------------- one-click unsubscribe, daemon, SIGTERM
HPORT=$(free_port)
scenario unsub "HttpListen 127.0.0.1:$HPORT" "SchedulerPidFile $T/unsub/cadenced.pid"
plain_seq "$D/plain.seq" "$PLAIN"
cat >>"$D/plain.seq" <<'EOF'

[step 2]
type = email
delay = 3d
template = <<END
Subject: Again

Again.
END
EOF
ctl user add ann@our.test --name "Ann Example" --tz America/New_York
ctl sequence import "$D/plain.seq"
ctl enroll --sequence "$PLAIN" --as ann@our.test un@prospect.test other@prospect.test
run_pass "$NOW"
check "unsub: step 1 sent to both" [ "$(collect w1)" -eq 2 ]
TOK=$(python3 -c 'import sys
sys.path.insert(0, sys.argv[2])
from msglib import *
print(unsub_tokens(load(sys.argv[1])[2])[1])' "$D/got/w1.un@prospect.test" "$T")
# A forged token: the same nonce, another MAC.
FORGED=$(python3 -c 'import sys
n, m = sys.argv[1].split(".")
print(n + "." + ("a" if m[0] != "a" else "b") + m[1:])' "$TOK")
# Started in the foreground (-f) so that this shell knows its pid, on the
# test's clock (--now: every pass of the daemon at $NOW, when step 2 is
# not due yet). With the real clock this depended on the date and the hour
# it ran: step 2 went out whenever the real time was past its due time and
# inside the window, and the checks below saw a finished enrollment.
"$CAD" -c "$CONF" -f --now="$NOW" >"$D/daemon.log" 2>&1 &
DPID=$!
PIDS="$PIDS $DPID"
check "daemon: listens on HttpListen" wait_port "$HPORT"
check "daemon: writes its pidfile" eval '[ "$(cat "$D/cadenced.pid" 2>/dev/null)" = "$DPID" ]'
# http METHOD PATH [BODY]: prints the status code; the body is in $T/body.
http() {
	if command -v curl >/dev/null 2>&1; then
		if [ $# -ge 3 ]; then
			curl -s -o "$T/body" -w '%{http_code}' -X "$1" --data-binary "$3" \
				-H 'Content-Type: application/x-www-form-urlencoded' "http://127.0.0.1:$HPORT$2"
		else
			curl -s -o "$T/body" -w '%{http_code}' -X "$1" "http://127.0.0.1:$HPORT$2"
		fi
	else
		python3 - "$1" "http://127.0.0.1:$HPORT$2" "$T/body" "${3-}" "$#" <<'EOF'
import sys, urllib.request, urllib.error
m, url, out, body, n = sys.argv[1:6]
data = body.encode() if int(n) >= 3 else None
rq = urllib.request.Request(url, data=data, method=m)
if data is not None:
    rq.add_header("Content-Type", "application/x-www-form-urlencoded")
try:
    with urllib.request.urlopen(rq, timeout=10) as f:
        code, text = f.status, f.read()
except urllib.error.HTTPError as e:
    code, text = e.code, e.read()
open(out, "wb").write(text)
print(code)
EOF
	fi
}
check "GET /u/TOKEN: 200 with a confirmation form" \
	eval '[ "$(http GET "/u/$TOK")" = 200 ] && grep -q "<form method=\"post\"" "$T/body"'
check "GET changes nothing: still active" [ "$(status_field un@prospect.test state)" = active ]
ctl suppress list
check "GET changes nothing: not suppressed" eval '! grep -q un@prospect.test "$T/out"'
check "POST without the RFC 8058 body: 400, nothing changes" \
	eval '[ "$(http POST "/u/$TOK" "hello=1")" = 400 ] && [ "$(status_field un@prospect.test state)" = active ]'
check "POST List-Unsubscribe=One-Click: 200" [ "$(http POST "/u/$TOK" "List-Unsubscribe=One-Click")" = 200 ]
check "POST: unenrolled" [ "$(status_field un@prospect.test state)" = unenrolled ]
ctl suppress list
check "POST: the address is suppressed (unsubscribed)" \
	eval 'grep un@prospect.test "$T/out" | grep -q unsubscribed'
ctl events --contact un@prospect.test --type unenrolled
check "POST: an unenrolled event with the reason" grep -q 'unsubscribed (one-click)' "$T/out"
ctl events --type suppressed
check "POST: a suppressed event" grep -q un@prospect.test "$T/out"
check "POST: the other contact is untouched" [ "$(status_field other@prospect.test state)" = active ]
check "a second POST is fine (200)" [ "$(http POST "/u/$TOK" "List-Unsubscribe=One-Click")" = 200 ]
check "a forged token: 404 for GET and POST" \
	eval '[ "$(http GET "/u/$FORGED")" = 404 ] && [ "$(http POST "/u/$FORGED" "List-Unsubscribe=One-Click")" = 404 ]'
check "a Message-ID token is not an unsubscribe token: 404" \
	eval '[ "$(http GET "/u/$(hdr "$D/got/w1.un@prospect.test" Message-ID | sed "s/^<//;s/@.*//")")" = 404 ]'
# SIGHUP: reloads; a bad file is refused and the old configuration kept.
kill -HUP "$DPID"
for i in $(seq 1 50); do grep -q "configuration reloaded" "$D/daemon.log" && break; sleep 0.2; done
check "SIGHUP: configuration reloaded" grep -q "configuration reloaded" "$D/daemon.log"
cp "$CONF" "$D/good.conf"
echo "NoSuchKey yes" >>"$CONF"
kill -HUP "$DPID"
for i in $(seq 1 50); do grep -q "reload failed" "$D/daemon.log" && break; sleep 0.2; done
check "SIGHUP with a bad file: refused, naming the line" \
	eval 'grep "reload failed" "$D/daemon.log" | grep -q "cadence.conf:[0-9]"'
check "SIGHUP with a bad file: still serving" \
	eval 'kill -0 "$DPID" && [ "$(http GET /healthz)" = 200 ]'
cp "$D/good.conf" "$CONF"
kill -TERM "$DPID"
DRC=""
for i in $(seq 1 100); do
	if ! kill -0 "$DPID" 2>/dev/null; then
		wait "$DPID"
		DRC=$?
		break
	fi
	sleep 0.1
done
check "SIGTERM: cadenced exits 0 (status ${DRC:-still running})" [ "$DRC" = 0 ]
check "SIGTERM: pidfile removed" [ ! -e "$D/cadenced.pid" ]
check "SIGTERM: logged its exit" grep -q exiting "$D/daemon.log"
run_pass 2026-12-10T14:00:00Z
collect w2 >/dev/null
check "after the unsubscribe only the other contact gets step 2" \
	[ -e "$D/got/w2.other@prospect.test" -a ! -e "$D/got/w2.un@prospect.test" ]
sink_stop

# The daemon detached (no -f): the pidfile names it; SIGTERM, removed.
rm -f "$D/cadenced.pid"
sed -i '/^HttpListen/d' "$CONF"
"$CAD" -c "$CONF" 2>"$T/err"
for i in $(seq 1 50); do [ -s "$D/cadenced.pid" ] && break; sleep 0.1; done
BGPID=$(cat "$D/cadenced.pid" 2>/dev/null)
check "background: detached with a pidfile" eval '[ -n "$BGPID" ] && kill -0 "$BGPID" 2>/dev/null'
# A second instance: the starting command waits for the daemon's verdict.
"$CAD" -c "$CONF" 2>"$T/err2"
check "background: a second instance exits 1" [ $? -eq 1 ]
check "background: ... and says why" grep -q "already running" "$T/err2"
if [ -n "$BGPID" ]; then
	kill -TERM "$BGPID"
	for i in $(seq 1 100); do kill -0 "$BGPID" 2>/dev/null || break; sleep 0.1; done
	check "background: SIGTERM ends it" eval '! kill -0 "$BGPID" 2>/dev/null'
	check "background: pidfile removed" [ ! -e "$D/cadenced.pid" ]
fi

# ------------------------------------------------------------------ digest
# A rep with --digest yes and two open call tasks: no digest on Saturday,
# none before 07:00 in the rep's zone on Monday, one at the morning pass
# (from cadence@Domain, listing both tasks), not a second later that day;
# turned off with "user digest ADDRESS no", none the next morning.
scenario digest
cat >"$D/calls.seq" <<'EOF2'
[sequence]
name = Calls
owner = qa@our.test
days = every
window = 08:00-18:00
timezone = recipient

[step 1]
type = call
delay = 0
wait = yes
note = Call {{contact.firstname|them}}.
EOF2
printf 'email,firstname,timezone\ncarl@prospect.test,Carl,Europe/Berlin\ndora@prospect.test,Dora,Europe/Berlin\n' >"$D/c.csv"
NOW=2026-11-28T10:00:00Z     # a Saturday, 11:00 in Berlin
ctl user add ann@our.test --name "Ann Example" --tz Europe/Berlin --digest yes
check "digest: user add --digest yes" eval 'rc_ok=$rc; "$CTL" -c "$CONF" --json user show ann@our.test 2>>"$T/err" | python3 -c "import json, sys; sys.exit(0 if json.load(sys.stdin)[\"digest\"] is True else 1)" && [ "$rc_ok" -eq 0 ]'
ctl user add bob@our.test --name "Bob Example" --tz Europe/Berlin --digest maybe
check "digest: --digest takes yes or no" eval '[ "$rc" -ne 0 ] && grep -q "yes or no" "$T/err"'
ctl sequence import "$D/calls.seq"
ctl contact import "$D/c.csv"
ctl enroll --sequence Calls --as ann@our.test carl@prospect.test dora@prospect.test
run_pass "$NOW"
check "digest: two call tasks made on Saturday" \
	[ "$("$CTL" -c "$CONF" --json task list 2>>"$T/err" | python3 -c 'import json, sys; print(len([t for t in json.load(sys.stdin) if t["state"] == "open"]))')" = 2 ]
check "digest: none on a Saturday" [ "$(collect sat)" -eq 0 ]
run_pass 2026-11-30T05:30:00Z     # Monday 06:30 in Berlin
check "digest: none before 07:00 in the rep's zone" [ "$(collect early)" -eq 0 ]
run_pass 2026-11-30T06:30:00Z     # Monday 07:30 in Berlin
check "digest: one at the Monday morning pass" \
	[ "$(collect mon)" -eq 1 -a -e "$D/got/mon.ann@our.test" ]
check "digest: from cadence@Domain to the rep, plain text, today's date and count" \
	py "$D/got/mon.ann@our.test" 'env["from"] == "<cadence@cadence.our.test>" and m["From"].addresses[0].addr_spec == "cadence@cadence.our.test" and m["To"].addresses[0].addr_spec == "ann@our.test" and str(m["Subject"]) == "cadence: your tasks for 2026-11-30 (2)" and m.get_content_type() == "text/plain"'
check "digest: lists both tasks with kind, contact, sequence, note, overdue" \
	py "$D/got/mon.ann@our.test" 'all(x in m.get_content() for x in ("call carl@prospect.test, sequence Calls", "call dora@prospect.test, sequence Calls", "Call Carl.", "Call Dora.", "overdue since 2026-11-28"))'
run_pass 2026-11-30T15:00:00Z
check "digest: not a second one the same day" [ "$(collect later)" -eq 0 ]
NOW=2026-11-30T16:00:00Z
ctl user digest ann@our.test no
check "digest: user digest ADDRESS no" [ "$rc" -eq 0 ]
run_pass 2026-12-01T06:30:00Z
check "digest: none once turned off" [ "$(collect tue)" -eq 0 ]
NOW=2026-12-01T14:00:00Z
sink_stop

# Under --enable-sanitizers a report goes to the daemons' stderr.
check "no sanitizer report in cadenced's logs" \
	eval '! cat "$T"/*/cadenced.log "$T"/*/daemon.log 2>/dev/null | grep -q -e "Sanitizer" -e "runtime error"'

echo "sched: $pass passed, $failed failed"
[ "$failed" -eq 0 ]
