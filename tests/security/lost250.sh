#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# tests/security/lost250.sh - issue #9, finding 5: a lost reply after the
# end of data must not send the step twice (RFC 1047's window; DESIGN.md
# "The ledger", rule 2).
#
# The bed (everything on 127.0.0.1, no DNS; tests/e2e/pflib.sh, as
# tests/kill/kill.sh builds it):
#   cadenced --once  ->  lost250_proxy.py  ->  private Postfix with
#   cadence-milter (the witness, milter_default_action=tempfail)  ->
#   transport  ->  Postfix's smtp-sink, which dumps what it accepts.
# The proxy loses the reply to the final "." of the first transaction and
# closes the connection, in one of two ways:
#   after  Postfix has answered (queued, witnessed) when the connection
#          closes: the pass reads the ledger again, finds the witness and
#          reconciles the step as sent at once;
#   hold   the "." is held back and reaches Postfix only just before the
#          retry's: the pass records the message unknown (no witness
#          yet); the next pass sends it again with the same Message-ID,
#          the milter's gate refuses that second copy (550), and the
#          ledger's table reconciles the step as sent.
# Then the pass runs again. Checks: the contact received exactly one copy
# (by recipient and by Message-ID); the ledger says sent (witnessed and
# reported), reconciled from the witness; in "hold", the unknown outcome
# was recorded with no reply code (no "354"), and the gate refused once.
# Control: the same proxy, modes and passes with no witness (cadenced ->
# proxy -> smtp-sink directly, no Postfix, no milter): the harness does
# see the second delivery (2 copies) in both modes.
#
# Needs root (Postfix's master, smtp-sink as postfix), postfix, smtp-sink,
# python3; exits 77 without them. Bounded: every process under timeout(1),
# queue waits of 30 s at most.
set -u

B=${CADENCE_BUILDDIR:-$(pwd)}
S=${CADENCE_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
CTL=$B/ctl/cadencectl
CAD=$B/scheduler/cadenced
MILTER=$B/milter/cadence-milter
SINK=$(command -v smtp-sink || echo /usr/sbin/smtp-sink)
PROXY=$S/tests/security/lost250_proxy.py
PY=python3
[ -x /usr/bin/python3 ] && PY=/usr/bin/python3
NAME=lost250

if [ "$(id -u)" != 0 ]; then
	echo "$NAME: SKIP: needs root (Postfix's master, smtp-sink as the postfix user)"
	exit 77
fi
for p in postfix postconf "$PY" ss timeout; do
	command -v "$p" >/dev/null 2>&1 || { echo "$NAME: SKIP: $p is not installed"; exit 77; }
done
if [ ! -x "$SINK" ] || ! id postfix >/dev/null 2>&1; then
	echo "$NAME: SKIP: Postfix's smtp-sink (package postfix) is not installed"
	exit 77
fi
for p in "$CTL" "$CAD" "$MILTER"; do
	[ -x "$p" ] || { echo "$NAME: $p is not built"; exit 99; }
done
# shellcheck source=tests/e2e/pflib.sh
. "$S/tests/e2e/pflib.sh"

T=$(mktemp -d "${TMPDIR:-/tmp}/cadence-lost250.XXXXXX") || exit 99
chmod 755 "$T"
PF=$T/pf
PIDS=""
cleanup() {
	local rc=$? p
	pf_stop "$PF"
	for p in $PIDS; do
		kill -TERM "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	if [ -n "${LOST250_KEEP:-}" ]; then echo "$NAME: kept $T"; else rm -rf "$T"; fi
	exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM HUP

pass=0
failed=0
ok() { pass=$((pass + 1)); echo "ok - $*"; }
bad() { failed=$((failed + 1)); echo "FAIL: $*"; }
expect_eq() { if [ "$2" = "$3" ]; then ok "$1 ($2)"; else bad "$1: got '$2', want '$3'"; fi; }
die() {
	echo "$NAME: $*"
	for f in "$T/milter.log" "$T/sink.log" "$PF/maillog" "$T/setup.log" "$T/cadenced.log"; do
		[ -s "$f" ] && { echo "--- $f"; tail -n 15 "$f"; }
	done
	exit 99
}
wait_port() {
	local i
	for i in $(seq 1 100); do
		ss -Htln "sport = :$1" 2>/dev/null | grep -q . && return 0
		sleep 0.05
	done
	return 1
}
port() {   # a free port none of ours has taken
	local p
	while :; do
		p=$(pf_free_port) || die "no free port"
		case " $USED " in *" $p "*) continue ;; esac
		USED="$USED $p"
		echo "$p"
		return
	done
}
USED=""
P_SINK=$(port); USED="$USED $P_SINK"
P_CAD=$(port); USED="$USED $P_CAD"

mkdir -p "$T/state" "$T/run" "$T/sink"
chown postfix:postfix "$T/state" "$T/run" "$T/sink"
chmod 750 "$T/state" "$T/run"
# conf NAME SUBMIT_PORT: a configuration sending to that port (one store).
conf() {
	cat >"$T/$1.conf" <<EOF
# made by tests/security/lost250.sh
Database        $T/state/cadence.db
SecretFile      $T/state/secret
Domain          cadence.our.test
InternalDomains our.test
InternalHosts   127.0.0.1
Syslog          no
UserID          postfix:postfix
Socket          local:$T/run/milter.sock
MilterPidFile   $T/run/cadence-milter.pid
SchedulerPidFile ""
SubmitURL       smtp://127.0.0.1:$2
PublicURL       https://cadence.our.test/
SendSpacing     0
SendJitter      0
EOF
}
conf base "$P_CAD"
T0=2026-12-01T14:00:00Z
T0S=$(date -u -d "$T0" +%s)
iso() { date -u -d "@$1" +%Y-%m-%dT%H:%M:%SZ; }
CLOCK=$T/clock
set_clock() { echo "$1" >"$CLOCK.new" && chmod 644 "$CLOCK.new" && mv "$CLOCK.new" "$CLOCK"; }
ctl() { "$CTL" -c "$T/base.conf" --now "$T0" "$@"; }
{
	ctl init &&
	chown postfix:postfix "$T/state"/* &&
	ctl user add ann@our.test --name "Ann Example" --tz UTC --send-cap 1000 --enroll-cap 1000 &&
	printf '[sequence]\nname = Lost\nowner = qa@our.test\ndays = every\nwindow = 00:00-24:00\ntimezone = recipient\n\n[step 1]\ntype = email\ndelay = 0\nthread = new\ntemplate = <<END\nSubject: Lost step 1 for {{contact.firstname|there}}\n\nHello, this is step 1.\nEND\n' >"$T/lost.seq" &&
	ctl sequence import "$T/lost.seq"
} >>"$T/setup.log" 2>&1 || die "cannot make the store"

# ---- the sink, the milter, Postfix ----
timeout 300 "$SINK" -u postfix -d "$T/sink/%M%S." "127.0.0.1:$P_SINK" 64 >>"$T/sink.log" 2>&1 &
PIDS="$PIDS $!"
wait_port "$P_SINK" || die "smtp-sink did not start"
set_clock "$T0"
timeout 300 "$MILTER" -f -c "$T/base.conf" -t "$CLOCK" >>"$T/milter.log" 2>&1 &
PIDS="$PIDS $!"
for i in $(seq 1 100); do
	[ -S "$T/run/milter.sock" ] && break
	sleep 0.05
done
[ -S "$T/run/milter.sock" ] || die "cadence-milter did not start"
pf_create "$PF" lost mx.our.test "our.test" "" >>"$T/setup.log" 2>&1 || die "pf_create failed"
pf_nochroot "$PF"
pf_set "$PF" "mynetworks = 127.0.0.1/32" "smtpd_milters =" "non_smtpd_milters =" \
	"milter_protocol = 6" "milter_connect_timeout = 5s" "milter_command_timeout = 10s" \
	"milter_content_timeout = 20s" >>"$T/setup.log" 2>&1 || die "postconf failed"
pf_listen "$PF" "$P_CAD" lost/cadence \
	-o "smtpd_milters=unix:$T/run/milter.sock" -o milter_default_action=tempfail \
	-o milter_macro_daemon_name=CADENCE \
	-o "smtpd_client_restrictions=permit_mynetworks,reject" \
	-o "smtpd_relay_restrictions=permit_mynetworks,reject"
pf_route "$PF" prospect.test "$P_SINK"
echo "cadence.our.test discard:" >>"$PF/etc/transport"
pf_start "$PF" >>"$T/setup.log" 2>&1 || die "Postfix did not start"
wait_port "$P_CAD" || die "Postfix's smtpd on $P_CAD did not come up"

# copies ADDR: how many messages the sink holds for ADDR, and how many
# distinct Message-IDs among them ("N M").
copies() {
	"$PY" - "$T/sink" "$1" <<'EOF'
import email, os, re, sys
d, want = sys.argv[1], sys.argv[2]
n, ids = 0, set()
for f in os.listdir(d):
    try:
        raw = open(os.path.join(d, f), "rb").read()
    except FileNotFoundError:
        continue
    if not raw:
        continue
    m = email.message_from_bytes(raw)
    r = re.match(r"<([^>]*)>", m.get("X-Rcpt-Args", ""))
    if r and r.group(1).lower() == want:
        n += 1
        ids.add(m.get("Message-ID"))
print(n, len(ids))
EOF
}
# ledger ADDR: "state submitted? reply-of-unknown-event gate_rejected step_sent-detail"
ledger() {
	"$PY" - "$T/state/cadence.db" "$1" <<'EOF'
import sqlite3, sys
db = sqlite3.connect("file:%s?mode=ro" % sys.argv[1], uri=True, timeout=10)
row = db.execute("SELECT m.state, m.submitted_at IS NOT NULL, e.id FROM sent_messages m"
                 " JOIN enrollments e ON e.id = m.enrollment_id JOIN contacts c ON c.id = e.contact_id"
                 " WHERE c.email = ?", (sys.argv[2],)).fetchone()
if row is None:
    print("none 0 0 0 0 -")
    sys.exit()
ev = lambda t: db.execute("SELECT detail FROM events WHERE type = ? AND enrollment_id = ?",
                          (t, row[2])).fetchall()
unknown = [d for (d,) in ev("step_failed") if "outcome unknown" in (d or "")]
sent = [d for (d,) in ev("step_sent")]
print(row[0], row[1], len(unknown), len(ev("gate_rejected")), len(sent),
      "354" if any("354" in (d or "") for d in unknown) else "-")
for d in sent + unknown:
    print(d, file=sys.stderr)
EOF
}

# scenario NAME MODE UPSTREAM_PORT ADDR: enrolls ADDR, runs a pass through
# a proxy in MODE that loses the first reply to the dot, then another.
n=0
scenario() {
	local name=$1 mode=$2 up=$3 addr=$4 pp now
	n=$((n + 1))
	pp=$(port)
	conf "$name" "$pp"
	: >"$T/$name.proxy"
	timeout 120 "$PY" "$PROXY" "$pp" "$up" "$mode" 1 "$T/$name.proxy" >>"$T/proxy.log" 2>&1 &
	PIDS="$PIDS $!"
	wait_port "$pp" || die "the proxy did not start"
	now=$(iso $((T0S + n * 3600)))
	"$CTL" -c "$T/base.conf" --now "$now" enroll --sequence Lost --as ann@our.test "$addr" \
		>>"$T/setup.log" 2>&1 || die "cannot enroll $addr"
	for k in 0 120; do
		now=$(iso $((T0S + n * 3600 + k)))
		set_clock "$now"
		echo "=== $name pass at $now" >>"$T/cadenced.log"
		timeout 60 "$CAD" -c "$T/$name.conf" --once --now="$now" >>"$T/cadenced.log" 2>&1 ||
			bad "$name: cadenced exited $?"
	done
	pf_wait_queue "$PF" 30 || bad "$name: Postfix's queue did not drain in 30 s"
	sleep 0.3
	grep -q lost "$T/$name.proxy" || bad "$name: the proxy lost no reply"
}

# ---- with the witness ----
scenario after after "$P_CAD" after@prospect.test
expect_eq "after: one copy received (copies, Message-IDs)" "$(copies after@prospect.test)" "1 1"
read -r st rep unk rej sent has354 < <(ledger after@prospect.test 2>>"$T/ledger.log")
expect_eq "after: the ledger says witnessed and reported sent" "$st $rep" "witnessed 1"
expect_eq "after: one step_sent event, no gate refusal" "$sent $rej" "1 0"
grep -q "witnessed by the MTA; this attempt: no reply to end of data" "$T/ledger.log" &&
	ok "after: reconciled from the witness (no reply to end of data)" ||
	bad "after: no reconcile from the witness in the events"

scenario hold hold "$P_CAD" hold@prospect.test
expect_eq "hold: one copy received (copies, Message-IDs)" "$(copies hold@prospect.test)" "1 1"
read -r st rep unk rej sent has354 < <(ledger hold@prospect.test 2>>"$T/ledger.log")
expect_eq "hold: the ledger says witnessed and reported sent" "$st $rep" "witnessed 1"
expect_eq "hold: the outcome was unknown once, with no reply code (no 354)" "$unk $has354" "1 -"
expect_eq "hold: the gate refused the second copy; one step_sent" "$rej $sent" "1 1"
grep -q "witnessed by the MTA; this attempt: 5xx to end of data" "$T/ledger.log" &&
	ok "hold: the refusal reconciled as sent" || bad "hold: no reconcile after the gate's refusal"

# ---- the control: no witness (a bare sink behind the proxy) ----
scenario ctl-after after "$P_SINK" ctl-after@prospect.test
expect_eq "control after: without the witness the harness sees the second copy" \
	"$(copies ctl-after@prospect.test)" "2 1"
scenario ctl-hold hold "$P_SINK" ctl-hold@prospect.test
expect_eq "control hold: without the witness the harness sees the second copy" \
	"$(copies ctl-hold@prospect.test)" "2 1"

if grep -q "Sanitizer\|runtime error:" "$T/cadenced.log" "$T/milter.log" 2>/dev/null; then
	bad "a sanitizer report from cadenced or cadence-milter"
fi
[ "$failed" -gt 0 ] && { tail -n 30 "$T/cadenced.log"; cat "$T/ledger.log"; }
echo "$NAME: $pass passed, $failed failed"
[ "$failed" = 0 ]
