#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# tests/ctl/test_day.sh - the rep's day (issue #12) on a known timeline:
# "cadencectl why", "cadencectl report" and task outcomes, with exact
# expected counts and explanations.
#
# The store is real (a temporary SQLite file); cadencectl enrolls, pauses,
# unenrolls and closes tasks itself, and tests/ctl/dayfix records what
# cadenced and cadence-milter would (a step sent through the ledger, a
# reply, a meeting, a bounce, an unsubscribe, an out-of-office pause, a
# task made from a call step) through the store's own functions.
#
# Timeline (Monday 2026-12-07 onwards; contacts in Europe/Berlin, UTC+1):
#   ann (Europe/Berlin) enrolls c1..c6 in SMALL (email, call +2d, email +3d)
#   c1..c5 get step 1 at 09:10Z; c1 replies; c2 books a meeting (Tue);
#   c3 bounces; c4 is out of office until Thu; c5's call is completed
#   (connected) on Wed, its step 3 is sent Mon 14th and it replies; c6 gets
#   nothing and is unenrolled by hand ("replied by phone").
#   bob (America/New_York) enrolls c7, c8 in CALLS (a call first): c7's
#   task is skipped, c8's is left open (overdue); and c9 in SMALL, sent step
#   1 and unsubscribed by its one-click link.
#   cid (Europe/London, send cap 1) sends x1 on Sunday evening in ONE and
#   enrolls x2 on Monday: held by the cap.
set -u

B=${CADENCE_BUILDDIR:-$(pwd)}
S=${CADENCE_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
CTL=$B/ctl/cadencectl
FIX=$B/tests/ctl/dayfix
F=$S/tests/ctl
T=$(mktemp -d "${TMPDIR:-/tmp}/cadence-day.XXXXXX") || exit 99
trap 'rm -rf "$T"' EXIT INT TERM
# shellcheck source=tests/lib/ctltest.sh
. "$S/tests/lib/ctltest.sh"

DB=$T/cadence.db
CONF=$T/cadence.conf
NOW=2026-12-07T09:00:00Z
SMALL='VP Sales – Outbound – SDR Team'
CALLS='Champions – Reactivation – AE Team'
ONE='Testers – One Touch – QA Team'


fix() {
	"$FIX" "$DB" "$@" >"$T/out" 2>"$T/err"
	rc=$?
	[ "$rc" -eq 0 ] || { echo "dayfix $*: $(cat "$T/err")"; failed=$((failed + 1)); }
}
# why_is ID REASON TEXT: "cadencectl --json why ID" gives that key and sentence.
why_is() {
	ctl --json why "$1"
	check "why $1 at $NOW: $3" py 'd["reason"] == sys.argv[2] and d["why"] == sys.argv[3]' \
		"$2" "$3"
}
# enr ADDRESS: the id of the contact's latest enrollment.
enr() {
	"$CTL" -c "$CONF" --now "$NOW" --json status "$1" |
		python3 -c 'import json,sys; print(json.load(sys.stdin)[-1]["id"])'
}

if [ ! -x "$CTL" ] || [ ! -x "$FIX" ]; then
	echo "day: $CTL or $FIX not built"
	exit 99
fi
if ! command -v python3 >/dev/null 2>&1; then
	echo "day: python3 is needed for the JSON checks"
	exit 77
fi

printf 'Database %s\nDomain cadence.our.test\nSecretFile %s\nPublicURL https://cadence.our.test\n' \
	"$DB" "$T/secret" >"$CONF"
cat >"$T/contacts.csv" <<'CSV'
email,firstname,timezone
c1@acme.test,One,Europe/Berlin
c2@acme.test,Two,Europe/Berlin
c3@acme.test,Three,Europe/Berlin
c4@acme.test,Four,Europe/Berlin
c5@acme.test,Five,Europe/Berlin
c6@acme.test,Six,Europe/Berlin
c7@globex.test,Seven,America/New_York
c8@globex.test,Eight,America/New_York
c9@globex.test,Nine,Europe/Berlin
x1@initech.test,Xavier,Europe/London
x2@initech.test,Xena,Europe/London
x3@initech.test,Xaver,Europe/Berlin
CSV

NOW=2026-12-06T12:00:00Z
ctl init
ctl user add ann@our.test --name "Ann Example" --tz Europe/Berlin
ctl user add bob@our.test --name "Bob Builder" --tz America/New_York
ctl user add cid@our.test --name "Cid Campeador" --tz Europe/London --send-cap 1
ctl sequence import "$F/small.seq" "$F/calls.seq" "$F/one.seq"
check "three sequences" eval 'rc_is 0 && out_has "imported $ONE"'
ctl holiday import de "$S/contrib/holidays/de-2026-2027.ics" --years 2026-2027
ctl contact import "$T/contacts.csv"
check "twelve contacts" eval 'rc_is 0 && out_has "12 imported"'

# Sunday: cid's x1, sent at 20:00Z (ONE finishes after it).
ctl enroll --sequence "$ONE" --as cid@our.test x1@initech.test
X1=$(enr x1@initech.test)
fix send "$X1" 2026-12-06T20:00:00Z

# Monday 09:00Z.
NOW=2026-12-07T09:00:00Z
ctl enroll --sequence "$SMALL" --as ann@our.test c1@acme.test c2@acme.test c3@acme.test \
	c4@acme.test c5@acme.test c6@acme.test
check "ann enrolls six" eval 'rc_is 0 && out_has "6 enrolled, 0 refused"'
ctl enroll --sequence "$CALLS" --as bob@our.test c7@globex.test c8@globex.test
ctl enroll --sequence "$SMALL" --as bob@our.test c9@globex.test
ctl enroll --sequence "$ONE" --as cid@our.test x2@initech.test
check "cid enrolls x2 (x1 finished: nothing else scheduled)" eval 'rc_is 0 && out_has "1 enrolled"'
for c in 1 2 3 4 5 6 7 8 9; do eval "E$c=\$(enr c$c@acme.test 2>/dev/null || enr c$c@globex.test)"; done
X2=$(enr x2@initech.test)

# ---- why, before anything is sent ----
why_is "$E6" due_now "due now: step 1 (email) goes at cadenced's next pass"
why_is "$X2" rep_cap "the rep's 24 h cap 1/1 until 20:00 Europe/London"
NOW=2026-12-07T20:00:00Z
why_is "$X2" window "outside the window (08:00-18:00) until Tue 2026-12-08 08:00 Europe/London"
NOW=2026-12-07T16:59:59Z
why_is "$E6" due_now "due now: step 1 (email) goes at cadenced's next pass"
NOW=2026-12-07T17:00:00Z
why_is "$E6" window "outside the window (08:00-18:00) until Tue 2026-12-08 08:00 Europe/Berlin"
ctl why c6@acme.test
check "why by address, for people" eval 'rc_is 0 && out_has "Reason:     window" &&
	out_has "Why:        outside the window (08:00-18:00) until Tue 2026-12-08 08:00 Europe/Berlin"'
ctl why 4242
check "why of an unknown enrollment" eval 'rc_is 1 && err_has "4242: no such enrollment"'
ctl why
check "why needs an enrollment" eval 'rc_is 2 && err_has "usage: cadencectl why"'

# ---- the day's events ----
NOW=2026-12-07T09:10:00Z
for e in "$E1" "$E2" "$E3" "$E4" "$E5"; do fix send "$e" 2026-12-07T09:10:00Z 2026-12-09T09:10:00Z; done
fix send "$E9" 2026-12-07T15:00:00Z 2026-12-09T15:00:00Z
fix reply "$E1" 2026-12-07T12:00:00Z
fix bounce "$E3" 2026-12-07T09:20:00Z
fix ooo "$E4" 2026-12-07T15:00:00Z 2026-12-10T07:00:00Z
fix oneclick "$E9" 2026-12-07T16:00:00Z
fix task "$E7" 2026-12-07T14:00:00Z
fix task "$E8" 2026-12-07T14:00:00Z
NOW=2026-12-08T10:00:00Z
fix meeting "$E2" 2026-12-08T10:00:00Z
ctl unenroll "$E6" --reason "replied by phone"
check "c6 unenrolled by hand" rc_is 0
why_is "$E4" paused "paused until Thu 2026-12-10 08:00 Europe/Berlin (out of office until the return date)"
why_is "$E1" unenrolled "unenrolled: replied (contact)"
why_is "$E5" not_due "not due: step 2 (call) becomes a task at Wed 2026-12-09 10:10 Europe/Berlin (2 business days after step 1)"
ctl --json task list --user bob@our.test
T7=$(python3 -c 'import json,sys; print([t["id"] for t in json.load(open(sys.argv[1])) if t["contact"] == "c7@globex.test"][0])' "$T/out")
why_is "$E8" task "waiting for task $((T7 + 1)) (call, due Mon 2026-12-07 09:00 America/New_York, overdue)"
ctl task skip "$T7" --note "wrong company"
check "bob skips c7's call with a note" eval 'rc_is 0 && out_has "task $T7 skipped"'
# The rep's table (issue #12, 7): due times in the rep's zone (bob: New
# York), "overdue" on an open task past it, the sequence with its step,
# the state with the outcome; no REP column in one rep's list.
ctl task list --user bob@our.test
printf '%s\n' \
	"ID  DUE                      KIND  CONTACT         SEQUENCE                                    STATE    NOTE" \
	"$T7   Mon 12-07 09:00          call  c7@globex.test  Champions – Reactivation – AE Team, step 1  skipped  Call them about the email." \
	"                                                                                                        rep: wrong company" \
	"$((T7 + 1))   Mon 12-07 09:00 overdue  call  c8@globex.test  Champions – Reactivation – AE Team, step 1  open     Call them about the email." \
	>"$T/want"
check "task list for one rep: the rep's zone, overdue, sequence and step, no REP column" \
	eval 'rc_is 0 && cmp -s "$T/out" "$T/want"'
ctl task list
check "task list of every rep has the REP column" eval 'rc_is 0 && head -1 "$T/out" | grep -q " REP "'

# Wednesday: c5's call.
NOW=2026-12-09T09:10:00Z
fix task "$E5" 2026-12-09T09:10:00Z
ctl --json task list --user ann@our.test --state open
T5=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[0]["id"])' "$T/out")
NOW=2026-12-09T09:30:00Z
why_is "$E5" task "waiting for task $T5 (call, due 10:10 Europe/Berlin, overdue)"
NOW=2026-12-09T10:00:00Z
ctl task complete "$T5" --outcome connected --note "Interested; send the case study."
check "ann completes c5's call: connected" eval 'rc_is 0 && out_has "connected"'
NOW=2026-12-12T10:00:00Z
why_is "$E5" not_due "not due: step 3 (email) is due at Mon 2026-12-14 11:00 Europe/Berlin (3 business days after step 2)"
NOW=2026-12-14T10:00:00Z
fix send "$E5" 2026-12-14T10:00:00Z
# The last step: c5 finished; its reply is still counted (not an unenrollment).
fix reply "$E5" 2026-12-14T12:00:00Z
why_is "$E5" finished "finished: every step of $SMALL has run"

# ---- report ----
NOW=2026-12-15T00:00:00Z
ctl --json report
check "report by sequence: every count" py '
	{r["sequence"]: (r["enrolled"], r["sent"], r["contacted"], r["replied"], r["replyRate"],
	 r["meetings"], r["meetingRate"], r["bounced"], r["unsubscribed"], r["outOfOffice"],
	 r["unenrolled"], r["tasks"]["done"], r["tasks"]["skipped"], r["tasks"]["overdue"],
	 r["tasks"]["outcomes"]["connected"]) for r in d} == {
	 sys.argv[2]: (7, 7, 6, 2, 0.3333, 1, 0.1667, 1, 1, 1, 5, 1, 0, 0, 1),
	 sys.argv[3]: (2, 0, 0, 0, None, 0, None, 0, 0, 0, 0, 0, 1, 1, 0),
	 sys.argv[4]: (2, 1, 1, 0, 0.0, 0, 0.0, 0, 0, 0, 0, 0, 0, 0, 0)}' "$SMALL" "$CALLS" "$ONE"
check "report: the unenroll reasons, most frequent first" py '
	[list(r["unenrollReasons"].items()) for r in d if r["sequence"] == sys.argv[2]] ==
	[[("bounced", 1), ("meeting booked", 1), ("replied", 1), ("replied by phone", 1),
	  ("unsubscribed", 1)]]' "$SMALL"
ctl report
check "report for people: one line a sequence, reasons below each other" eval 'rc_is 0 &&
	grep -q "^VP Sales – Outbound – SDR Team  *7  *7  *2  *33.3%  *1  *16.7%  *1  *1  *1  *1/0/0  *5  *bounced 1$" "$T/out" &&
	grep -q "^  *unsubscribed 1$" "$T/out" && grep -q "^Champions.*  -  .*0/1/1  *0  *-$" "$T/out"'
ctl --json report --by step --sequence "$SMALL"
check "report by step: sends, replies and tasks land on their step" py '
	[(r["step"], r["enrolled"], r["sent"], r["replied"], r["meetings"], r["bounced"],
	  r["unsubscribed"], r["outOfOffice"], r["unenrolled"], r["tasks"]["done"]) for r in d] ==
	[(0, 7, 0, 0, 0, 0, 0, 0, 1, 0), (1, 0, 6, 1, 1, 1, 1, 1, 4, 0),
	 (2, 0, 0, 0, 0, 0, 0, 0, 0, 1), (3, 0, 1, 1, 0, 0, 0, 0, 0, 0)]'
ctl --json report --by rep
check "report by rep" py '
	[(r["user"], r["enrolled"], r["sent"], r["contacted"], r["replied"], r["meetings"],
	  r["bounced"], r["unsubscribed"], r["outOfOffice"], r["unenrolled"], r["tasks"]["done"],
	  r["tasks"]["skipped"], r["tasks"]["overdue"]) for r in d] ==
	[("ann@our.test", 6, 6, 5, 2, 1, 1, 0, 1, 4, 1, 0, 0),
	 ("bob@our.test", 3, 1, 1, 0, 0, 0, 1, 0, 1, 0, 1, 1),
	 ("cid@our.test", 2, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0)]'
ctl --json report --from 2026-12-08 --to 2026-12-14
check "report --from/--to: only that week (overdue tasks whatever the range)" py '
	[(r["sequence"], r["enrolled"], r["sent"], r["meetings"], r["unenrolled"],
	  r["tasks"]["done"], r["tasks"]["skipped"], r["tasks"]["overdue"]) for r in d] ==
	[(sys.argv[3], 0, 0, 0, 0, 0, 1, 1), (sys.argv[2], 0, 0, 1, 2, 1, 0, 0)]' "$SMALL" "$CALLS"
ctl --json report --by rep --sequence "$CALLS" --user bob@our.test
check "report --sequence --user" py 'len(d) == 1 and d[0]["user"] == "bob@our.test" and
	d[0]["enrolled"] == 2 and d[0]["tasks"]["skipped"] == 1'
ctl --json report --sequence "$ONE" --from 2027-01-01
check "a named sequence with nothing in the range is one row of zeros" py 'len(d) == 1 and
	d[0]["enrolled"] == 0 and d[0]["replyRate"] is None'
ctl report --by week
check "a bad --by is named" eval 'rc_is 1 && err_has "--by '"'"'week'"'"'"'
ctl report --sequence "No – Such – Thing"
check "an unknown sequence" eval 'rc_is 1 && err_has "no such sequence"'
ctl report --from 2026-12-10 --to 2026-12-01
check "--to before --from" eval 'rc_is 1 && err_has "--to"'

# ---- preview, enroll address ----
NOW=2026-12-15T09:00:00Z
"$CTL" -c "$CONF" --json events >"$T/events.before"
ctl --json sequence show "$SMALL"
check "sequence show gives the enroll address (the name's slug)" \
	py 'd["enrollAddress"] == "enroll+vp-sales-outbound-sdr-team@cadence.our.test"'
ctl sequence preview "$SMALL" --contact c6@acme.test --step 1
check "preview: the rendered, composed message for c6 (rep from the enrollment)" eval 'rc_is 0 &&
	out_has "From: Ann Example <ann@our.test>" && out_has "To: Six <c6@acme.test>" &&
	out_has "Subject: A question for your team" && out_has "Date: Tue, 15 Dec 2026 10:00:00 +0100" &&
	out_has "Hi Six," && grep -q "^Message-Id: <.*@cadence.our.test>$" "$T/out" &&
	out_has "List-Unsubscribe-Post: List-Unsubscribe=One-Click"'
ctl --json sequence preview "$SMALL" --contact c5@acme.test --step 3
check "preview of a follow-up threads to the email already sent, as cadenced would" py '
	"\r\nSubject: Re: A question\r\n" in d["message"] and
	("\r\nIn-Reply-To: <dayfix.%s.1@cadence.our.test>\r\n" % sys.argv[2]) in d["message"] and
	d["step"] == 3 and d["user"] == "ann@our.test"' "$E5"
ctl --json sequence preview testers-one-touch-qa-team --contact x1@initech.test
check "preview by slug; {{unsubscribe_url}} is the List-Unsubscribe URL" py '
	__import__("re").search(r"List-Unsubscribe: <mailto:[^>]*>,\s*<(https://cadence.our.test/u/[^>]+)>", d["message"]) is not None and
	("Not for you? " + __import__("re").search(r"<(https://cadence.our.test/u/[^>]+)>", d["message"]).group(1)) in d["message"]'
ctl sequence preview "$SMALL" --contact c2@acme.test --step 2
check "preview of a task step shows the rep's task" eval 'rc_is 0 &&
	out_has "Step 2 is a task for ann@our.test (call), not an email." &&
	out_has "Call Two about the email."'
ctl sequence preview "$SMALL" --contact x3@initech.test
check "preview for a contact never enrolled needs --as" eval 'rc_is 1 && err_has "--as REP"'
ctl sequence preview "$SMALL" --contact x3@initech.test --as bob@our.test --step 9
check "preview: a step the sequence does not have" eval 'rc_is 1 && err_has "--step 9"'
ctl sequence preview "$SMALL"
check "preview needs --contact" eval 'rc_is 2 && err_has "--contact"'
"$CTL" -c "$CONF" --json events >"$T/out"
check "a preview records nothing" cmp -s "$T/out" "$T/events.before"
ctl enroll --sequence vp-sales-outbound-sdr-team --as bob@our.test x3@initech.test
check "enroll by the slug of the sequence's name (what enroll+SLUG@ carries)" \
	eval 'rc_is 0 && out_has "1 enrolled"'
ctl unenroll --contact x3@initech.test --reason "test"

# ---- a holiday (after the report: ann enrolls x3 on Christmas Eve) ----
NOW=2026-12-24T20:00:00Z
ctl enroll --sequence "$ONE" --as ann@our.test x3@initech.test
X3=$(enr x3@initech.test)
NOW=2026-12-25T10:00:00Z
why_is "$X3" holiday "holiday 2026-12-25 Weihnachten (1. und 2. Weihnachtstag) (de) in Europe/Berlin: the window opens Mon 2026-12-28 08:00 Europe/Berlin"
NOW=2026-12-27T10:00:00Z
why_is "$X3" closed_day "Sun 2026-12-27 is not a business day in Europe/Berlin: the window opens Mon 2026-12-28 08:00 Europe/Berlin"

echo "day: $pass passed, $failed failed"
[ "$failed" -eq 0 ]
