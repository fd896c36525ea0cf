#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# tests/ui/fill.sh DIR PORT - a store for the web page's tests: a scripted
# week (Monday 2026-12-07 on), as tests/ctl/test_day.sh makes it, with
# cadencectl and tests/ctl/dayfix (the store's own functions record what
# cadenced and cadence-milter would). Writes DIR/cadence.conf,
# DIR/cadence.db and DIR/env (shell assignments: tokens, ids).
#
#   ann (admin's view: SDR team) enrolls c1..c6 in SMALL: step 1 sent to
#   c1..c5; c1 replies, c2 books a meeting, c3 bounces, c4 is out of
#   office, c5's call becomes a task (ann's); c6 is unenrolled by hand.
#   bob enrolls c7, c8 and a hostile contact (a name and company that are
#   HTML) in CALLS: each a call task; and c9 in SMALL: sent, then
#   unsubscribed by its one-click link.
# Expected, SMALL over all time: enrolled 7, sent 6, replied 1, meetings
# 1, bounced 1, unsubscribed 1 (rates of 6 contacted: 16.7 %).
set -eu
B=${CADENCE_BUILDDIR:-$(pwd)}
S=${CADENCE_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
T=$1
PORT=$2
CTL=$B/ctl/cadencectl
FIX=$B/tests/ctl/dayfix
DB=$T/cadence.db
CONF=$T/cadence.conf
SMALL='VP Sales – Outbound – SDR Team'
CALLS='Champions – Reactivation – AE Team'

cat >"$CONF" <<EOC
Database $DB
SecretFile $T/secret
Domain cadence.our.test
SubmitURL smtp://127.0.0.1:1
HttpListen 127.0.0.1:$PORT
SchedulerPidFile $T/cadenced.pid
EOC
NOW=2026-12-06T12:00:00Z
ctl() { "$CTL" -c "$CONF" --now "$NOW" "$@" >>"$T/fill.log" 2>&1; }
enr() {
	"$CTL" -c "$CONF" --now "$NOW" --json status "$1" |
		python3 -c 'import json,sys; print(json.load(sys.stdin)[-1]["id"])'
}
tok() {
	"$CTL" -c "$CONF" --json token add "$@" |
		python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])'
}
fix() { "$FIX" "$DB" "$@" >>"$T/fill.log" 2>&1; }

cat >"$T/contacts.csv" <<'CSV'
email,firstname,lastname,company,timezone,phone,linkedin
c1@acme.test,One,Ash,Acme,Europe/Berlin,,
c2@acme.test,Two,Birch,Acme,Europe/Berlin,,
c3@acme.test,Three,Cedar,Acme,Europe/Berlin,,
c4@acme.test,Four,Dogwood,Acme,Europe/Berlin,,
c5@acme.test,Five,Elm,Acme,Europe/Berlin,+49 30 555 0105,
c6@acme.test,Six,Fir,Acme,Europe/Berlin,,
c7@globex.test,Seven,Gum,Globex,America/New_York,+1 212 555 0107,https://www.linkedin.com/in/seven-gum
c8@globex.test,Eight,Hazel,Globex,America/New_York,+1 212 555 0108,
c9@globex.test,Nine,Ilex,Globex,Europe/Berlin,,
h1@evil.test,<script>alert(1)</script>,"<img src=x onerror=alert(2)>","Evil & <b>Sons</b>",America/New_York,,javascript:alert(3)
CSV

ctl init
ctl user add ann@our.test --name "Ann Example" --tz Europe/Berlin
ctl user add bob@our.test --name "Bob Builder" --tz America/New_York
ctl sequence import "$S/tests/ctl/small.seq" "$S/tests/ctl/calls.seq"
ctl contact import "$T/contacts.csv"

NOW=2026-12-07T09:00:00Z
ctl enroll --sequence "$SMALL" --as ann@our.test c1@acme.test c2@acme.test c3@acme.test \
	c4@acme.test c5@acme.test c6@acme.test
ctl enroll --sequence "$CALLS" --as bob@our.test c7@globex.test c8@globex.test h1@evil.test
ctl enroll --sequence "$SMALL" --as bob@our.test c9@globex.test
E1=$(enr c1@acme.test); E2=$(enr c2@acme.test); E3=$(enr c3@acme.test)
E4=$(enr c4@acme.test); E5=$(enr c5@acme.test); E6=$(enr c6@acme.test)
E7=$(enr c7@globex.test); E8=$(enr c8@globex.test); E9=$(enr c9@globex.test)
EH=$(enr h1@evil.test)

for e in "$E1" "$E2" "$E3" "$E4" "$E5"; do fix send "$e" 2026-12-07T09:10:00Z 2026-12-09T09:10:00Z; done
fix send "$E9" 2026-12-07T15:00:00Z 2026-12-09T15:00:00Z
fix reply "$E1" 2026-12-07T12:00:00Z
fix bounce "$E3" 2026-12-07T09:20:00Z
fix ooo "$E4" 2026-12-07T15:00:00Z 2026-12-10T07:00:00Z
fix oneclick "$E9" 2026-12-07T16:00:00Z
fix task "$E7" 2026-12-07T14:00:00Z
fix task "$E8" 2026-12-07T14:00:00Z
fix task "$EH" 2026-12-07T14:00:00Z
NOW=2026-12-08T10:00:00Z
fix meeting "$E2" 2026-12-08T10:00:00Z
ctl unenroll "$E6" --reason "replied by phone"
NOW=2026-12-09T09:10:00Z
fix task "$E5" 2026-12-09T09:10:00Z

ADMIN=$(tok manager --admin)
ANN=$(tok ann --rep ann@our.test)
BOB=$(tok bob --rep bob@our.test)
task_of() { sqlite3 "$DB" "SELECT id FROM tasks WHERE enrollment_id = $1 AND state = 'open'"; }
SEQ_SMALL=$(sqlite3 "$DB" "SELECT id FROM sequences WHERE source LIKE '%small.seq'")
cat >"$T/env" <<EOV
CONF='$CONF'
DB='$DB'
ADMIN='$ADMIN'
ANN='$ANN'
BOB='$BOB'
E5=$E5
E7=$E7
E8=$E8
EH=$EH
T5=$(task_of "$E5")
T7=$(task_of "$E7")
T8=$(task_of "$E8")
TH=$(task_of "$EH")
SEQ_SMALL=$SEQ_SMALL
EOV
