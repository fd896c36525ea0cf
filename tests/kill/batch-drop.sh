#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# tests/kill/batch-drop.sh - issue #16, 5: several messages over one SMTP
# connection (SubmitBatch) and a connection that breaks in the middle of a
# batch: zero duplicates, zero losses once the ledger has reconciled.
#
# The bed (everything on 127.0.0.1, no DNS; tests/lib/submitbed.sh, as
# tests/security/lost250.sh's):
#   cadenced --once (SubmitBatch 10)  ->  tests/kill/batchdrop_proxy.py  ->
#   private Postfix with cadence-milter (the witness, milter_default_action=
#   tempfail)  ->  transport  ->  Postfix's smtp-sink, which dumps what it
#   accepts.
# 30 contacts are due at once: three batches of 10. The proxy breaks the
# client's connection at chosen transactions (numbered across the run):
#   5 after    the 5th message reaches Postfix (queued, witnessed) and the
#              connection closes before its 250 reaches cadenced: 1-4 had
#              their 250s on that connection, 6-10 go on a new one;
#   8 swallow  the connection closes at the 8th message's final dot, which
#              never reaches Postfix (not queued);
#   14, 15 after  two in a row, each on its own connection.
# Then a second pass (2 minutes later: the retry of the unknown one).
# The same again with SubmitConnections 4 (the batch over four connections
# at once: the plan hits whichever messages come 5th, 8th, ...).
# Checks: every contact received exactly one copy (by recipient and
# Message-ID), none lost; the ledger: 30 step_sent events, each message
# witnessed and reported sent; 5, 14 and 15 reconciled from the witness
# ("no reply to end of data"), 8 recorded unknown once and sent by the
# second pass; the batches shared connections (8 connections for 31
# transactions).
# Controls (the same harness, new contacts, the same plan):
#   no witness: the proxy in front of the bare smtp-sink (no Postfix, no
#     milter): the harness sees the three messages whose 250 was lost
#     arrive twice;
#   no reconciling pass: with the witness, but only the first pass: the
#     harness sees the swallowed message lost.
#
# Needs root (Postfix's master, smtp-sink as postfix), postfix, smtp-sink,
# python3; exits 77 without them. Bounded: every process under timeout(1),
# queue waits of 30 s at most.
set -u

B=${CADENCE_BUILDDIR:-$(pwd)}
S=${CADENCE_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
NAME=batch-drop
SB_TIMEOUT=300
# shellcheck source=tests/lib/submitbed.sh
. "$S/tests/lib/submitbed.sh"
PROXY=$S/tests/kill/batchdrop_proxy.py
PLAN=5:after,8:swallow,14:after,15:after
NC=30
sb_require timeout
SB_KEEP=${BATCHDROP_KEEP:-}
sb_tmp batchdrop
sb_port P_SINK
sb_port P_CAD
sb_dirs
# conf NAME SUBMIT_PORT BATCH [CONNS]: a configuration sending to that port
# (one store).
conf() {
	sb_conf "$T/$1.conf" "$2" "SubmitBatch     $3" "SubmitConnections ${4:-1}"
}
conf base "$P_CAD" 1
sb_sequence Batch Batch 1 'Hello, this is step %d.' >"$T/batch.seq"
sb_store "$T/base.conf" UTC 100000 "$T/batch.seq"

# ---- the sink, the milter, Postfix ----
sb_sink 64 -d
sb_milter "$T/base.conf"
sb_postfix batch


# count PREFIX: over PREFIX1..PREFIX$NC@prospect.test, from the sink's
# dumps: "received duplicates lost distinct-Message-IDs".
count() {
	sb_sink_list | awk -v pre="$1" -v n="$NC" '
		BEGIN { for (i = 1; i <= n; i++) want[pre i "@prospect.test"] = 1 }
		$1 in want { got[$1]++; ids[$2] = 1 }
		END {
			for (a in got) { r += got[a]; if (got[a] > 1) d += got[a] - 1 }
			for (a in want) if (!(a in got)) l++
			for (i in ids) m++
			print r + 0, d + 0, l + 0, m + 0
		}'
}
# ledger PREFIX: "step_sent-events reported-sent witnessed
# reconciled-after-no-reply unknown-events" for PREFIX's contacts.
ledger() {
	"$PY" - "$T/state/cadence.db" "$1" <<'EOF'
import sqlite3, sys
db = sqlite3.connect("file:%s?mode=ro" % sys.argv[1], uri=True, timeout=10)
pre = sys.argv[2] + "%"
q = lambda sql: db.execute(sql, (pre,)).fetchone()[0]
J = (" FROM events v JOIN enrollments e ON e.id = v.enrollment_id"
     " JOIN contacts c ON c.id = e.contact_id WHERE c.email LIKE ?")
sent = q("SELECT count(*)" + J + " AND v.type = 'step_sent'")
recon = q("SELECT count(*)" + J + " AND v.type = 'step_sent' AND v.detail LIKE"
          " '%witnessed by the MTA; this attempt: no reply to end of data%'")
unk = q("SELECT count(*)" + J + " AND v.type = 'step_failed' AND v.detail LIKE '%outcome unknown%'")
M = (" FROM sent_messages m JOIN enrollments e ON e.id = m.enrollment_id"
     " JOIN contacts c ON c.id = e.contact_id WHERE c.email LIKE ?")
rep = q("SELECT count(*)" + M + " AND m.submitted_at IS NOT NULL")
wit = q("SELECT count(*)" + M + " AND m.state = 'witnessed'")
print(sent, rep, wit, recon, unk)
EOF
}

# expect_once NAME PREFIX: with the witness, PREFIX's contacts each
# received one copy, the ledger agrees, the three lost 250s were reconciled
# from the witness and the swallowed message recorded unknown once, and the
# proxy broke the connection where PLAN says.
expect_once() {
	local got dups lost ids sent rep wit recon unk
	read -r got dups lost ids < <(count "$2")
	expect_eq "$1: every contact received one copy (received duplicates lost Message-IDs)" \
		"$got $dups $lost $ids" "$NC 0 0 $NC"
	read -r sent rep wit recon unk < <(ledger "$2")
	expect_eq "$1: the ledger: step_sent events, reported sent, witnessed" \
		"$sent $rep $wit" "$NC $NC $NC"
	expect_eq "$1: the three lost 250s reconciled from the witness; the swallowed one unknown once" \
		"$recon $unk" "3 1"
	expect_eq "$1: the proxy broke the connection at the planned transactions" \
		"$(grep -c -E '^(5|14|15) after$|^8 swallow$' "$T/$1.proxy")" 4
}

# scenario NAME UPSTREAM_PORT PREFIX PASSES [CONNS]: enrolls PREFIX1..$NC,
# runs PASSES passes (2 minutes apart) through a fresh proxy with $PLAN,
# with SubmitConnections CONNS (default 1).
n=0
scenario() {
	local name=$1 up=$2 pre=$3 passes=$4 conns=${5:-1} pp now k addrs
	n=$((n + 1))
	sb_port pp
	conf "$name" "$pp" 10 "$conns"
	: >"$T/$name.proxy"
	sb_proxy 300 "$PROXY" "$pp" "$up" "$PLAN" "$T/$name.proxy"
	now=$(iso $((T0S + n * 3600)))
	addrs=$(seq -f "$pre%g@prospect.test" 1 "$NC")
	# shellcheck disable=SC2086
	"$CTL" -c "$T/base.conf" --now "$now" enroll --sequence Batch --as ann@our.test $addrs \
		>>"$T/setup.log" 2>&1 || die "cannot enroll ${pre}1..$NC"
	for k in $(seq 1 "$passes"); do
		now=$(iso $((T0S + n * 3600 + k * 120)))
		set_clock "$now"
		echo "=== $name pass $k at $now" >>"$T/cadenced.log"
		timeout 120 "$CAD" -c "$T/$name.conf" --once --now="$now" >>"$T/cadenced.log" 2>&1 ||
			bad "$name: cadenced exited $?"
	done
	if [ "$up" = "$P_CAD" ]; then
		pf_wait_queue "$PF" 30 || bad "$name: Postfix's queue did not drain in 30 s"
	fi
	sleep 0.5
}

# ---- with the witness ----
scenario witness "$P_CAD" w 2
expect_once witness w
expect_eq "witness: transactions and connections (three batches of 10 and the retry)" \
	"$(grep -c -E '^[0-9]+ ' "$T/witness.proxy") $(grep -c '^conn$' "$T/witness.proxy")" "31 8"

# ---- four connections at once (SubmitConnections 4): the same plan hits
# whichever messages reach the proxy's 5th, 8th, 14th and 15th dot ----
scenario parallel "$P_CAD" p 2 4
expect_once parallel p

# ---- controls ----
scenario ctl-nowitness "$P_SINK" x 2
read -r got dups lost ids < <(count x)
expect_eq "control no witness: the harness sees the three lost 250s arrive twice (received duplicates lost)" \
	"$got $dups $lost" "$((NC + 3)) 3 0"
scenario ctl-nopass "$P_CAD" y 1
read -r got dups lost ids < <(count y)
expect_eq "control no reconciling pass: the harness sees the swallowed message lost (received duplicates lost)" \
	"$got $dups $lost" "$((NC - 1)) 0 1"

if grep -q "Sanitizer\|runtime error:" "$T/cadenced.log" "$T/milter.log" 2>/dev/null; then
	bad "a sanitizer report from cadenced or cadence-milter"
fi
[ "$failed" -gt 0 ] && { tail -n 40 "$T/cadenced.log"; cat "$T"/*.proxy; }
echo "$NAME: $pass passed, $failed failed"
[ "$failed" = 0 ]
