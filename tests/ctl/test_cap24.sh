#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# tests/ctl/test_cap24.sh - "cadencectl enroll" weighs the mail the rep
# already sent in the rolling 24 h (issue #12, 7) and warns in the rep's
# words when new first steps must wait for the cap; it never refuses for
# that (cadenced holds them until the cap frees). Exact expected text on a
# fixed --now timeline; tests/ctl/dayfix records the sends through the
# ledger as cadenced would.
#
# Timeline (rep dee, Europe/London = UTC in December, --send-cap 5; the
# one-email sequence ONE; contacts in Europe/London):
#   Mon 2026-12-07: s1..s4 sent at 10:00, 11:30, 14:03, 16:40Z
#   Tue 09:00Z: dee enrolls t1..t4: one may go now, three wait for the
#     Monday sends to age out: 10:00, 11:30, 14:03 today
#   control: eve (same cap, nothing sent) enrolls the same way: no warning
#   control: fay's sends are 25 h old: no warning
#   Mon 17:00Z (a store of its own): gil has sent 5 of 5; one contact
#     enrolled waits until 10:00 tomorrow
#   why agrees: once t1 is sent, t2 is held by the cap until 10:00
set -u

B=${CADENCE_BUILDDIR:-$(pwd)}
S=${CADENCE_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
CTL=$B/ctl/cadencectl
FIX=$B/tests/ctl/dayfix
F=$S/tests/ctl
T=$(mktemp -d "${TMPDIR:-/tmp}/cadence-cap24.XXXXXX") || exit 99
trap 'rm -rf "$T"' EXIT INT TERM
# shellcheck source=tests/lib/ctltest.sh
. "$S/tests/lib/ctltest.sh"

ONE='Testers – One Touch – QA Team'

fix() {
	"$FIX" "$DB" "$@" >"$T/fix.out" 2>"$T/fix.err" ||
		{ echo "dayfix $*: $(cat "$T/fix.err")"; failed=$((failed + 1)); }
}
enr() {
	"$CTL" -c "$CONF" --now "$NOW" --json status "$1" |
		python3 -c 'import json,sys; print(json.load(sys.stdin)[-1]["id"])'
}
# store NAME: a fresh store with ONE, the holidays and the contacts.
store() {
	DB=$T/$1.db
	CONF=$T/$1.conf
	printf 'Database %s\nDomain cadence.our.test\nSecretFile %s\n' "$DB" "$T/$1.secret" >"$CONF"
	NOW=2026-12-06T12:00:00Z
	ctl init
	ctl sequence import "$F/one.seq"
	ctl holiday import de "$S/contrib/holidays/de-2026-2027.ics" --years 2026-2027
	{
		echo "email,firstname,timezone"
		for a in s1 s2 s3 s4 s5 t1 t2 t3 t4 t5 t6 u1 v1 v2 w1 w2; do
			echo "$a@initech.test,$a,Europe/London"
		done
	} >"$T/contacts.csv"
	ctl contact import "$T/contacts.csv"
	check "$1: store made" rc_is 0
}
# sent REP AT ADDRESS...: each enrolled in ONE by REP at AT and sent at the
# times that follow, one each: sent REP ENROLL_AT "a@x T1" "b@x T2" ...
sent() {
	r=$1
	NOW=$2
	shift 2
	for pair in "$@"; do
		a=${pair% *}
		ctl enroll --sequence "$ONE" --as "$r" "$a"
		fix send "$(enr "$a")" "${pair#* }"
	done
}

if [ ! -x "$CTL" ] || [ ! -x "$FIX" ]; then
	echo "cap24: $CTL or $FIX not built"
	exit 99
fi
command -v python3 >/dev/null 2>&1 || { echo "cap24: python3 is needed"; exit 77; }

store main
ctl user add dee@our.test --name "Dee" --tz Europe/London --send-cap 5
ctl user add eve@our.test --name "Eve" --tz Europe/London --send-cap 5
ctl user add fay@our.test --name "Fay" --tz Europe/London --send-cap 5
sent dee@our.test 2026-12-07T09:00:00Z "s1@initech.test 2026-12-07T10:00:00Z" \
	"s2@initech.test 2026-12-07T11:30:00Z" "s3@initech.test 2026-12-07T14:03:00Z" \
	"s4@initech.test 2026-12-07T16:40:00Z"

NOW=2026-12-08T09:00:00Z
ctl enroll --sequence "$ONE" --as dee@our.test t1@initech.test t2@initech.test \
	t3@initech.test t4@initech.test
check "dee enrolls four: all enrolled (a warning, not a refusal)" eval 'rc_is 0 && out_has "4 enrolled, 0 refused"'
check "dee is told, in her words, which first steps wait and until when" err_is \
	"cadencectl: enroll: warning: you have sent 4 of your 5 emails in the last 24 h; enrolling 4 contacts now puts step 1 of 3 of them after 10:00 today (the last at 14:03 today), Europe/London time"
T1=$(enr t1@initech.test)
T2=$(enr t2@initech.test)

# The scheduler agrees: once t1 has gone, t2 waits for Monday's 10:00 send.
fix send "$T1" 2026-12-08T09:00:00Z
ctl --json why "$T2"
check "why t2: held by the cap until 10:00" python3 -c 'import json,sys
d = json.load(open(sys.argv[1]))
sys.exit(0 if d["reason"] == "rep_cap" and "until 10:00" in d["why"] else 1)' "$T/out"

# The cap is a rolling 24 h, not a day's count: a sixth first step today
# would need one more free slot; it is refused as before only when a
# projected day would carry more than the cap (t2..t4 + t5 + t6 = 5 + ...).
ctl --json enroll --sequence "$ONE" --as dee@our.test t5@initech.test
check "--json: capWarning in the rep's words" python3 -c 'import json,sys
d = json.load(open(sys.argv[1]))
w = d["capWarning"]
sys.exit(0 if w == "you have sent 5 of your 5 emails in the last 24 h and 3 more are due first; step 1 to t5@initech.test waits for the cap until 16:40 today, Europe/London time" else 1)' "$T/out"

# Controls: nothing sent (eve); sends 25 h old (fay): no warning.
ctl enroll --sequence "$ONE" --as eve@our.test v1@initech.test v2@initech.test
check "control: eve, nothing sent: enrolled, no warning" eval 'rc_is 0 && err_is ""'
sent fay@our.test 2026-12-07T07:00:00Z "s5@initech.test 2026-12-07T07:59:00Z"
NOW=2026-12-08T09:00:00Z
ctl enroll --sequence "$ONE" --as fay@our.test w1@initech.test w2@initech.test
check "control: fay's send is 25 h old: no warning" eval 'rc_is 0 && err_is ""'

# Late on Monday, in a store of its own: gil has sent 5 of 5.
store late
ctl user add gil@our.test --name "Gil" --tz Europe/London --send-cap 5
sent gil@our.test 2026-12-07T09:00:00Z "s1@initech.test 2026-12-07T10:00:00Z" \
	"s2@initech.test 2026-12-07T11:30:00Z" "s3@initech.test 2026-12-07T14:03:00Z" \
	"s4@initech.test 2026-12-07T16:40:00Z" "s5@initech.test 2026-12-07T16:50:00Z"
NOW=2026-12-07T17:00:00Z
ctl enroll --sequence "$ONE" --as gil@our.test u1@initech.test
check "gil enrolls u1: enrolled" eval 'rc_is 0 && out_has "1 enrolled, 0 refused"'
check "gil: step 1 to u1 waits until 10:00 tomorrow" err_is \
	"cadencectl: enroll: warning: you have sent 5 of your 5 emails in the last 24 h; step 1 to u1@initech.test waits for the cap until 10:00 tomorrow, Europe/London time"

echo "cap24: $pass passed, $failed failed"
[ "$failed" -eq 0 ]
