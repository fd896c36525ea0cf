#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# tests/kill/kill.sh - exactly once under SIGKILL (DESIGN.md rule 2, issue 3).
#
# cadenced is killed with SIGKILL at random moments, at least KILL_ROUNDS
# (default 200) times, while it sends a burst of due steps; afterwards it
# runs to completion and every due step must have been received exactly
# once: zero duplicates, zero losses.
#
# The bed (everything on 127.0.0.1, no DNS; tests/lib/submitbed.sh):
#   cadenced --once --now=T  ->  private Postfix, smtpd on P_CAD with
#   cadence-milter attached (milter_default_action=tempfail: the gate fails
#   closed)  ->  transport map  ->  Postfix's smtp-sink on P_SINK, which
#   dumps every message it accepts to a file (sink/).
# Why the milter: a kill between the MTA's 250 and cadenced's commit of it
# would make the restart send the message again; the milter's witness,
# recorded (with the queue id) before Postfix answers 250, is how the
# restart knows the MTA has it (store_ledger.h, step 2 and 4).
#
# The store: one rep (send and new-enrollment caps far above the burst,
# SendSpacing 0), a KILL_STEPS-step email sequence (default 2) with no
# delay and a window open all day, KILL_CONTACTS contacts (default 300)
# enrolled (by address: not bulk, no throttle), so every step is due at
# once. Round r runs one pass as of T + r minutes (a 4xx retry, 1 minute
# later, is due again in a later round) and kills it with SIGKILL a random
# 0..KILL_MAXMS ms (default 60) after cadenced's measured start-up, so
# that kills land anywhere in the pass: while a message is composed or
# recorded, mid-SMTP, in the 250-to-commit window, mid-commit. When the
# work runs low (KILL_BATCH / 2 active: a killed pass's claimed batch may
# wait for its lease, 5 rounds) before KILL_ROUNDS kills, KILL_BATCH (100)
# more contacts are enrolled: every kill is of a pass with steps due.
# After each kill the store is looked at (read only, with python's
# sqlite3; figures, which only the bare-sink mode below checks against):
# a message recorded but not reported (killed between recording it and
# committing the MTA's answer), and a message witnessed by the milter but
# not reported (killed in the 250-to-commit window: against a bare SMTP
# sink it would arrive twice).
# A restart that finds the witness finishes the step without sending
# ("reconciled from witness", counted from the step_sent events).
#
# Checks: each (contact, step) received once by the sink (by recipient and
# the step in the Subject, and by Message-ID: as many distinct Message-IDs
# as messages, none received twice), total = contacts x steps; the store
# agrees: every enrollment finished, one step_sent event per (contact,
# step), no step failed or rejected by the gate, every message witnessed;
# no sanitizer report from cadenced or the milter (a sanitizer build).
# Prints the figures and "kill: N passed, M failed".
#
# Odd rounds run cadenced with SubmitBatch 1, even rounds with
# KILL_SUBMIT_BATCH (default 8): both submission flows are killed.
#
# KILL_MILTER=0 runs the same loop against the bare sink (no Postfix, no
# milter): duplicates are then only measured (each must be explained by a
# message a kill left recorded but not reported), losses must still be 0.
#
# KILL_PROXY=rand puts tests/security/lost250_proxy.py between cadenced and
# Postfix: besides the kills, a random quarter of the replies to the end of
# data are lost after Postfix answered, and another quarter are lost with
# the dot held back until the next transaction's (the first copy reaches
# the MTA while its retry is in flight: the gate refuses the second copy).
# The same checks hold (the gate's refusals are then expected, and
# counted); the proxy stops losing replies before the final passes.
# (tests/kill/kill-proxy.sh runs it; `make check-kill-long` runs the plain
# loop with KILL_ROUNDS=1000.)
#
# KILL_PAIR=1 (issue 17; tests/kill/pair.sh runs it): each round runs TWO
# cadenced --once at the same time against the same store, the same
# Postfix and milter (two mail hosts sharing one store), and kills one of
# them, chosen at random, a random 0..KILL_MAXMS ms (default 1500 here) after
# the start-up; the other runs its pass to the end. The same checks hold, with KILL_REPS reps (default 1) sharing
# the contacts; besides, no step may be submitted twice by the two
# instances (the gate rejected nothing: a second submission of a message
# the other instance has in flight is "wasted", and refused by the gate).
# CADENCED_TEST_NO_CLAIMS=1 (a test switch of cadenced, for this control
# only) turns the claims off: both instances then take the same due work,
# and the harness sees the gate refuse second copies (and, without the
# milter, duplicates).
#
# KILL_DATABASE (issue 17; tests/kill/pg.sh sets it) puts the store on a
# PostgreSQL server (a conninfo) instead of the SQLite file; the harness
# reads it with psql (KILL_PSQL).
#
# Needs root (Postfix's master, smtp-sink's -u postfix), postfix, smtp-sink,
# python3; exits 77 without them. Bounded: the rounds, then passes to
# completion (at most KILL_FINAL_PASSES), then a queue wait of 60 s at most.
set -u

B=${CADENCE_BUILDDIR:-$(pwd)}
S=${CADENCE_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
: "${KILL_CONTACTS:=300}"
: "${KILL_BATCH:=100}"
: "${KILL_STEPS:=2}"
: "${KILL_ROUNDS:=200}"
# A pair's victim dies anywhere in the other's pass (a pass of this bed
# takes seconds), not only at its start.
[ "${KILL_PAIR:-0}" = 1 ] && : "${KILL_MAXMS:=1500}"
: "${KILL_MAXMS:=60}"
: "${KILL_MILTER:=1}"
: "${KILL_SUBMIT_BATCH:=8}"
: "${KILL_FINAL_PASSES:=20}"
: "${KILL_PROXY:=}"
: "${KILL_PAIR:=0}"
: "${KILL_REPS:=1}"
NAME=${KILL_NAME:-kill}

# shellcheck source=tests/lib/submitbed.sh
. "$S/tests/lib/submitbed.sh"
sb_require
SB_KEEP=${KILL_KEEP:-}
sb_tmp kill
CPID=""
CPID2=""
# cadenced first (the milter, the sink and the proxy are the bed's).
sb_on_exit() {
	[ -n "$CPID" ] && { kill -KILL "$CPID" 2>/dev/null; wait "$CPID" 2>/dev/null; }
	[ -n "$CPID2" ] && { kill -KILL "$CPID2" 2>/dev/null; wait "$CPID2" 2>/dev/null; }
}

# ---- ports, configuration, store ----
sb_port P_SINK
sb_port P_CAD
sb_dirs
SUBMIT_PORT=$P_CAD
[ "$KILL_MILTER" = 1 ] || SUBMIT_PORT=$P_SINK
UPSTREAM_PORT=$SUBMIT_PORT
if [ -n "$KILL_PROXY" ]; then
	sb_port P_PROXY
	SUBMIT_PORT=$P_PROXY
fi
CONF=$T/cadence.conf
SB_DB=${KILL_DATABASE:-$SB_DB}
sb_conf "$CONF" "$SUBMIT_PORT" "SubmitBatch     1"

ctl() { "$CTL" -c "$CONF" --now "$T0" "$@"; }
sb_sequence "Kill Test" Kill "$KILL_STEPS" 'Hello {{contact.firstname|there}}, this is step %d.' >"$T/kill.seq"
sb_store "$CONF" America/New_York 100000 "$T/kill.seq"
for r in $(seq 2 "$KILL_REPS"); do
	ctl user add "rep$r@our.test" --name "Rep $r" --tz America/New_York --send-cap 100000 --enroll-cap 100000 \
		>>"$T/setup.log" 2>&1 || die "cannot make the store"
done
# enroll_batch COUNT TIME: COUNT more contacts c<n>@prospect.test (bare
# addresses), enrolled one by one as of TIME; ncontacts counts them all.
ncontacts=0
# With KILL_REPS > 1 the contacts are shared among the reps in turn.
enroll_batch() {
	local first=$((ncontacts + 1)) last=$((ncontacts + $1)) n r as
	for r in $(seq 1 "$KILL_REPS"); do
		as=ann@our.test
		[ "$r" = 1 ] || as=rep$r@our.test
		"$CTL" -c "$CONF" --now "$2" enroll --sequence "Kill Test" --as "$as" \
			$(seq -f 'c%g@prospect.test' $((first + r - 1)) "$KILL_REPS" "$last") \
			>>"$T/setup.log" 2>&1 || die "cannot enroll contacts $first..$last"
	done
	ncontacts=$last
	n=$("$CTL" -c "$CONF" --json status --state active | "$PY" -c 'import json,sys; print(len(json.load(sys.stdin)))')
	[ "$n" -ge "$1" ] || die "contacts $first..$last: only $n active enrollments"
}
enroll_batch "$KILL_CONTACTS" "$T0"

# ---- the sink, the milter, Postfix ----
sb_sink 256 -d
if [ "$KILL_MILTER" = 1 ]; then
	sb_milter "$CONF"
	sb_postfix kill "default_process_limit = 50"
fi

if [ -n "$KILL_PROXY" ]; then
	: >"$T/proxy.state"
	sb_proxy 3600 "$S/tests/security/lost250_proxy.py" "$P_PROXY" "$UPSTREAM_PORT" \
		"$KILL_PROXY" -1 "$T/proxy.state"
fi

# ---- the rounds ----
# After each round: messages recorded but not reported, split by whether
# the milter witnessed them (state prepared | witnessed, step not moved
# on), and the active enrollments (the work left).
INFLIGHT_PY='import sqlite3, sys
db = sqlite3.connect("file:%s?mode=ro" % sys.argv[1], uri=True, timeout=10)
q = ("SELECT m.state, count(*) FROM sent_messages m JOIN enrollments e ON e.id = m.enrollment_id"
     " WHERE m.submitted_at IS NULL AND m.state IN (\x27prepared\x27, \x27witnessed\x27)"
     " AND e.step = m.step AND e.state = \x27active\x27 GROUP BY m.state")
d = dict(db.execute(q).fetchall())
a = db.execute("SELECT count(*) FROM enrollments WHERE state = \x27active\x27").fetchone()[0]
print(d.get("prepared", 0), d.get("witnessed", 0), a)'
# db_query SQL: one row, its columns separated by blanks, read from the
# store (the SQLite file read-only, or KILL_DATABASE's PostgreSQL server
# through psql).
db_query() {
	if [ -n "${KILL_DATABASE:-}" ]; then
		"${KILL_PSQL:-psql}" -X -q -A -t -F ' ' -d "$KILL_DATABASE" -c "$1"
	else
		"$PY" -c 'import sqlite3, sys
db = sqlite3.connect("file:%s?mode=ro" % sys.argv[1], uri=True, timeout=10)
print(" ".join(str(x) for x in db.execute(sys.argv[2]).fetchone()))' "$T/state/cadence.db" "$1"
	fi
}
# inflight: "PREPARED WITNESSED ACTIVE" (see INFLIGHT_PY's comment).
inflight() {
	if [ -n "${KILL_DATABASE:-}" ]; then
		db_query "SELECT (SELECT count(*) FROM sent_messages m JOIN enrollments e ON e.id = m.enrollment_id
		  WHERE m.submitted_at IS NULL AND m.state = 'prepared' AND e.step = m.step AND e.state = 'active'),
		  (SELECT count(*) FROM sent_messages m JOIN enrollments e ON e.id = m.enrollment_id
		  WHERE m.submitted_at IS NULL AND m.state = 'witnessed' AND e.step = m.step AND e.state = 'active'),
		  (SELECT count(*) FROM enrollments WHERE state = 'active')"
	else
		"$PY" -c "$INFLIGHT_PY" "$T/state/cadence.db"
	fi
}
# cadenced's start-up (a pass with nothing due, the fastest of three): the
# kill comes a random 0..KILL_MAXMS ms after it, so that a slow start (a
# sanitizer build) does not turn the kills into kills of start-ups.
startup_ms=100000
for i in 1 2 3; do
	t1=$(date +%s%3N)
	"$CAD" -c "$CONF" --once --now="$(iso $((T0S - 86400)))" >>"$T/cadenced.log" 2>&1 ||
		die "cadenced does not run: $(tail -n 3 "$T/cadenced.log")"
	t2=$(date +%s%3N)
	[ $((t2 - t1)) -lt "$startup_ms" ] && startup_ms=$((t2 - t1))
done
# Most of an idle pass is start-up; the rest is within the random part.
startup_ms=$((startup_ms * 3 / 4))
# Only a kill while steps are due counts (killing an idle pass proves
# nothing): when the work runs low, KILL_BATCH more contacts are enrolled.
kills=0 exited=0 k_prep=0 k_wit=0 m_prep=0 rounds=0 refills=0
active=$KILL_CONTACTS
max_rounds=$((KILL_ROUNDS * 3))
refill_at=$((KILL_BATCH / 2))
t_start=$(date +%s)
while [ "$kills" -lt "$KILL_ROUNDS" ] && [ "$rounds" -lt "$max_rounds" ]; do
	rounds=$((rounds + 1))
	now=$(iso $((T0S + rounds * 60)))
	# A killed pass's claimed batch is released by the next pass on this
	# host (its process is gone) or else at the end of its lease (5
	# minutes: 5 rounds): the work is refilled before it runs out.
	if [ "$active" -le "$refill_at" ]; then
		enroll_batch "$KILL_BATCH" "$now"
		refills=$((refills + 1))
	fi
	set_clock "$now"
	# Both submission flows are killed: odd rounds one message per
	# transaction record (SubmitBatch 1), even rounds a batch of
	# KILL_SUBMIT_BATCH prepared in one commit and sent over one connection
	# (the kill then lands in the batch's compose, its prepare commit, its
	# submissions or its outcome commit).
	if [ $((rounds % 2)) = 0 ]; then sb=$KILL_SUBMIT_BATCH; else sb=1; fi
	sed -i "s/^SubmitBatch .*/SubmitBatch     $sb/" "$CONF"
	echo "=== round $rounds ($now) SubmitBatch $sb" >>"$T/cadenced.log"
	"$CAD" -c "$CONF" --once --now="$now" >>"$T/cadenced.log" 2>&1 &
	CPID=$!
	# KILL_PAIR: a second instance at the same moment; one of the two,
	# chosen at random, is killed, the other runs to its end.
	if [ "$KILL_PAIR" = 1 ]; then
		"$CAD" -c "$CONF" --once --now="$now" >>"$T/cadenced.log" 2>&1 &
		CPID2=$!
		if [ $((RANDOM % 2)) = 1 ]; then
			v=$CPID; CPID=$CPID2; CPID2=$v
		fi
	fi
	ms=$((startup_ms + RANDOM % (KILL_MAXMS + 1)))
	sleep "$(printf '%d.%03d' $((ms / 1000)) $((ms % 1000)))"
	kill -KILL "$CPID" 2>/dev/null
	wait "$CPID" 2>/dev/null
	st=$?
	CPID=""
	if [ -n "$CPID2" ]; then
		wait "$CPID2" 2>/dev/null
		st2=$?
		CPID2=""
		[ "$st2" = 0 ] || bad "round $rounds: the instance not killed exited $st2"
	fi
	read -r p w active < <(inflight)
	[ -n "${active:-}" ] || die "cannot read the store after round $rounds"
	if [ "$st" = 137 ]; then
		kills=$((kills + 1))
		echo "=== killed" >>"$T/cadenced.log"
		[ "$p" -gt 0 ] && k_prep=$((k_prep + 1))
		m_prep=$((m_prep + p))
		[ "$w" -gt 0 ] && k_wit=$((k_wit + 1))
	else
		exited=$((exited + 1))
		echo "=== exited $st" >>"$T/cadenced.log"
	fi
done
t_rounds=$(( $(date +%s) - t_start ))
check "at least $KILL_ROUNDS kills ($kills in $rounds rounds)" [ "$kills" -ge "$KILL_ROUNDS" ]

# Work left after the kills (a kill of a pass with nothing to do proves
# nothing): enrollments still active, and the messages the MTA had by then.
left=$(ctl --json status --state active | "$PY" -c 'import json,sys; print(len(json.load(sys.stdin)))')
sent_rounds=$(db_query "SELECT count(*) FROM sent_messages WHERE state IN ('submitted', 'witnessed')")

# ---- to completion ----
# The proxy loses no more replies (a held dot goes on with the next one).
[ -n "$KILL_PROXY" ] && touch "$T/proxy.state.stop"
final=0
end=$((T0S + (rounds + 10) * 60))
while [ "$final" -lt "$KILL_FINAL_PASSES" ]; do
	final=$((final + 1))
	end=$((end + 120))
	echo "=== final pass $final" >>"$T/cadenced.log"
	set_clock "$(iso "$end")"
	"$CAD" -c "$CONF" --once --now="$(iso "$end")" >>"$T/cadenced.log" 2>&1 ||
		bad "final pass $final exited $?"
	n=$(ctl --json status --state active | "$PY" -c 'import json,sys; print(len(json.load(sys.stdin)))')
	[ "$n" = 0 ] && break
done
if [ "$KILL_MILTER" = 1 ]; then
	pf_wait_queue "$PF" 60 || bad "Postfix's queue did not drain in 60 s"
fi
# The sink writes the file before its 250; a moment for the last one.
sleep 0.5
# The milter ends (its sanitizer reports, if any, go to its log).
sb_stop_milter
check "no sanitizer report from cadenced or cadence-milter" \
	eval '! grep -l "Sanitizer\|runtime error:" "$T/cadenced.log" "$T/milter.log" 2>/dev/null'

# ---- the count ----
sb_sink_list >"$T/sink.list"
"$PY" - "$T/sink.list" "$ncontacts" "$KILL_STEPS" >"$T/count" 2>&1 <<'EOF'
import re, sys
from collections import Counter
lst, n, steps = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
by_key, by_id, bad = Counter(), Counter(), 0
for line in open(lst):
    rcpt, mid, subj = line.rstrip("\n").split(" ", 2)
    s = re.match(r"Kill step (\d+) for ", subj)
    if rcpt == "-" or mid == "-" or not s:
        bad += 1
        continue
    by_key[(rcpt, int(s.group(1)))] += 1
    by_id[mid] += 1
want = {("c%d@prospect.test" % i, s) for i in range(1, n + 1) for s in range(1, steps + 1)}
dups = sum(c - 1 for c in by_key.values() if c > 1)
lost = len(want - set(by_key))
stray = len(set(by_key) - want)
iddup = sum(c - 1 for c in by_id.values() if c > 1)
print(sum(by_key.values()), dups, lost, stray, iddup, len(by_id), bad)
for k, c in sorted(by_key.items()):
    if c > 1:
        print("dup", k[0], k[1], c, file=sys.stderr)
EOF
read -r total dups lost stray iddup nids unparsed <"$T/count" || { cat "$T/count"; total=-1; }

# ---- the store ----
"$PY" - <<EOF >"$T/store" 2>&1
import json, subprocess, sys
from collections import Counter
def ctl(*a):
    return json.loads(subprocess.run(["$CTL", "-c", "$CONF", "--json", *a],
                      capture_output=True, check=True).stdout)
st = ctl("status")
notfin = sum(1 for e in st if e.get("state") != "finished")
ev = ctl("events", "--type", "step_sent", "--limit", "100000")
c = Counter((e.get("contact"), e.get("detail", "").split(",")[0].split(":")[0]) for e in ev)
twice = sum(v - 1 for v in c.values() if v > 1)
# A 4xx (say the milter's store was busy) is retried: store_msg_retry's
# step_failed event says "temporary failure"; any other is a failure.
fev = ctl("events", "--type", "step_failed", "--limit", "100000")
retry = sum(1 for e in fev if "temporary failure" in (e.get("detail") or ""))
fail = len(fev) - retry
rej = len(ctl("events", "--type", "gate_rejected", "--limit", "100000"))
wit = len(ctl("events", "--type", "step_witnessed", "--limit", "100000"))
# store_msg_sent's reply text when the pass finds the witness
# (scheduler/pass_email_outcome.c):
# "witnessed by the MTA before a restart" (the row as found) or "witnessed
# by the MTA; this attempt: ..." (a lost reply, the gate's refusal).
recon = sum(1 for e in ev if "witnessed by the MTA" in (e.get("detail") or ""))
print(len(st), notfin, len(ev), twice, fail, rej, wit, recon, retry)
EOF
read -r s_enr s_notfin s_sent s_twice s_fail s_rej s_wit reconciled s_retry <"$T/store" || { cat "$T/store"; s_enr=-1; }
want=$((ncontacts * KILL_STEPS))
echo "$NAME: $kills kills in $rounds rounds ($exited passes ended before their kill) in ${t_rounds}s, each ${startup_ms}+0..${KILL_MAXMS} ms after the start; $refills time(s) $KILL_BATCH more contacts enrolled when the work ran out: by then $sent_rounds messages were with the MTA and ${left} of $ncontacts enrollments still active"
echo "$NAME: kills with a message in flight: $k_prep recorded but not reported ($m_prep messages); $k_wit witnessed by the milter but not reported (the 250-to-commit window)"
echo "$NAME: after $final final pass(es): received $total of $want; duplicates $dups; losses $lost; strays $stray; Message-IDs $nids distinct, $iddup received twice; unparsed $unparsed; reconciled from witness $reconciled"
if [ -n "$KILL_PROXY" ]; then
	echo "$NAME: proxy ($KILL_PROXY): $(grep -c '^lost' "$T/proxy.state") replies to the end of data lost ($(grep -c '^held' "$T/proxy.state") with the dot held, $(grep -c '^released' "$T/proxy.state") released), $(grep -c '^passed' "$T/proxy.state") passed"
fi
echo "$NAME: store: $s_enr enrollments, $s_notfin not finished; $s_sent step_sent events ($s_twice twice), $s_fail step_failed, $s_retry 4xx retried, $s_rej gate_rejected, $s_wit step_witnessed"

[ "$KILL_MILTER" = 1 ] && check "every due step received ($total of $want)" [ "$total" = "$want" ]
check "no step lost ($lost)" [ "$lost" = 0 ]
check "no message to anyone else ($stray) and every file parsed ($unparsed)" [ "$stray" = 0 -a "$unparsed" = 0 ]
check "every enrollment finished ($s_notfin not)" [ "$s_notfin" = 0 -a "$s_enr" = "$ncontacts" ]
check "one step_sent event per step ($s_sent, $s_twice twice)" [ "$s_sent" = "$want" -a "$s_twice" = 0 ]
check "no step failed in the store ($s_fail)" [ "$s_fail" = 0 ]
if [ "$KILL_MILTER" = 1 ]; then
	check "no duplicate ($dups by recipient and step, $iddup by Message-ID)" [ "$dups" = 0 -a "$iddup" = 0 ]
	check "one Message-ID per step ($nids)" [ "$nids" = "$want" ]
	[ "$KILL_PAIR" = 1 ] && echo "$NAME: pair: two instances per round, one killed; the gate rejected $s_rej second submission(s)"
	check "the milter witnessed every message ($s_wit of $want)" [ "$s_wit" -ge "$want" ]
	if [ -z "$KILL_PROXY" ]; then
		check "the gate rejected nothing ($s_rej)" [ "$s_rej" = 0 ]
	else
		check "the proxy lost replies ($(grep -c '^lost' "$T/proxy.state"))" \
			[ "$(grep -c '^lost' "$T/proxy.state")" -gt 0 ]
	fi
else
	echo "$NAME: bare sink: $dups duplicate(s) measured; kills in the 250-to-commit window cannot be told apart without the milter, so at most one duplicate per message a kill left recorded but not reported ($m_prep such messages after $k_prep kills; a batch's kill may leave several)"
	check "received = due steps + duplicates ($total = $want + $dups)" [ "$total" = $((want + dups)) ]
	check "duplicates ($dups) within the messages kills left in flight ($m_prep)" [ "$dups" -le "$m_prep" ]
fi
[ "$failed" -gt 0 ] && [ -n "${KILL_VERBOSE:-}" ] && tail -n 40 "$T/cadenced.log"
echo "$NAME: $pass passed, $failed failed"
[ "$failed" = 0 ]
