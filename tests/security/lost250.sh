#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# tests/security/lost250.sh - issue #9, finding 5: a lost reply after the
# end of data must not send the step twice (RFC 1047's window; DESIGN.md
# "The ledger", rule 2).
#
# The bed (everything on 127.0.0.1, no DNS; tests/lib/submitbed.sh, as
# tests/kill/kill.sh's):
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
NAME=lost250
SB_TIMEOUT=300
# shellcheck source=tests/lib/submitbed.sh
. "$S/tests/lib/submitbed.sh"
PROXY=$S/tests/security/lost250_proxy.py
sb_require timeout
SB_KEEP=${LOST250_KEEP:-}
sb_tmp lost250
sb_port P_SINK
sb_port P_CAD
sb_dirs
sb_conf "$T/base.conf" "$P_CAD"
sb_sequence Lost Lost 1 'Hello, this is step %d.' >"$T/lost.seq"
sb_store "$T/base.conf" UTC 1000 "$T/lost.seq"

# ---- the sink, the milter, Postfix ----
sb_sink 64 -d
sb_milter "$T/base.conf"
sb_postfix lost

# copies ADDR: how many messages the sink holds for ADDR, and how many
# distinct Message-IDs among them ("N M").
copies() {
	sb_sink_list | awk -v a="$1" '$1 == a { n++; ids[$2] = 1 } END { for (i in ids) m++; print n + 0, m + 0 }'
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
	sb_port pp
	sb_conf "$T/$name.conf" "$pp"
	: >"$T/$name.proxy"
	sb_proxy 120 "$PROXY" "$pp" "$up" "$mode" 1 "$T/$name.proxy"
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
