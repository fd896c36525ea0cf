#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# tests/ctl/test_region.sh - holidays by the recipient's region (issue #12,
# 7) on a fixed --now timeline, with exact expected output.
#
# One sequence (tests/ctl/region.seq: a call, then an email 1 business day
# later; window 09:00-17:00; default calendar "us"), three contacts:
#   dora  Europe/Berlin      region DE
#   uma   America/New_York   region us
#   nina  Europe/Berlin      no region (control: the sequence's "us")
# Calendars: contrib/holidays (de: Ostermontag Monday 2027-03-29; us: not).
# Friday 2027-03-26 15:00Z each call is completed; the email is due
#   dora  Tue 2027-03-30 16:00 Europe/Berlin   (waits over Ostermontag)
#   uma   Mon 2027-03-29 11:00 America/New_York
#   nina  Mon 2027-03-29 16:00 Europe/Berlin   (same zone as dora, no region)
# and enrolled on Ostermontag itself, step 1 waits for dora only (why).
set -u

B=${CADENCE_BUILDDIR:-$(pwd)}
S=${CADENCE_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
CTL=$B/ctl/cadencectl
FIX=$B/tests/ctl/dayfix
F=$S/tests/ctl
T=$(mktemp -d "${TMPDIR:-/tmp}/cadence-region.XXXXXX") || exit 99
trap 'rm -rf "$T"' EXIT INT TERM
# shellcheck source=tests/lib/ctltest.sh
. "$S/tests/lib/ctltest.sh"

DB=$T/cadence.db
CONF=$T/cadence.conf
SEQ='Region – Holidays – SDR Team'

fix() {
	"$FIX" "$DB" "$@" >"$T/out" 2>"$T/err" ||
		{ echo "dayfix $*: $(cat "$T/err")"; failed=$((failed + 1)); }
}
# same FILE: the command's output is exactly FILE's text.
same() {
	if [ "$rc" -eq 0 ] && cmp -s "$1" "$T/out"; then
		return 0
	fi
	diff -u "$1" "$T/out" | sed 's/^/  /'
	return 1
}
enr() {
	"$CTL" -c "$CONF" --now "$NOW" --json status "$1" |
		python3 -c 'import json,sys; print(json.load(sys.stdin)[-1]["id"])'
}
due_of() {
	"$CTL" -c "$CONF" --now "$NOW" --json status "$1" |
		python3 -c 'import json,sys; print(json.load(sys.stdin)[-1]["nextDue"])'
}

if [ ! -x "$CTL" ] || [ ! -x "$FIX" ]; then
	echo "region: $CTL or $FIX not built"
	exit 99
fi
if ! command -v python3 >/dev/null 2>&1; then
	echo "region: python3 is needed"
	exit 77
fi

printf 'Database %s\nDomain cadence.our.test\nSecretFile %s\nPublicURL https://cadence.our.test\n' \
	"$DB" "$T/secret" >"$CONF"
cat >"$T/contacts.csv" <<'CSV'
email,firstname,timezone,region
dora@example.de,Dora,Europe/Berlin,DE
uma@example.com,Uma,America/New_York,us
nina@example.de,Nina,Europe/Berlin,
CSV
cat >"$T/bad.csv" <<'CSV'
email,firstname,region
ida@example.it,Ida,Italia (Nord)
CSV

cat >"$T/nocal.csv" <<'CSV'
email,firstname,region
fred@example.fr,Fred,fr
uwe@example.de,Uwe,de
CSV

NOW=2027-03-25T12:00:00Z
ctl init
ctl user add ann@our.test --name "Ann Example" --tz Europe/Berlin
ctl sequence import "$F/region.seq"
check "the region sequence imports" eval 'rc_is 0 && out_has "imported $SEQ"'
ctl holiday import de "$S/contrib/holidays/de-2026-2027.ics" --years 2026-2027
check "de imported" rc_is 0
ctl holiday import us "$S/contrib/holidays/us-federal-2026-2027.txt"
check "us imported" rc_is 0
ctl contact import "$T/contacts.csv"
check "three contacts with their regions" eval 'rc_is 0 && out_has "3 imported, 0 updated, 0 rejected"'
ctl contact import "$T/bad.csv"
check "a region that is no calendar name is refused, naming the column" eval \
	'rc_is 1 && err_has "column \"region\": \"Italia (Nord)\" is not a holiday calendar name"'

ctl contact import "$T/nocal.csv"
check "a CSV row whose region names no imported calendar is refused by line, as contact set does; the good row stays" eval \
	'rc_is 1 && err_has "nocal.csv:2: region fr: no holiday calendar of that name" && out_has "1 imported, 0 updated, 1 rejected"'

# ---- contact set / show ----
ctl contact set nina@example.de --region fr
check "a region with no imported calendar is refused" eval \
	'rc_is 1 && err_has "region fr: no holiday calendar of that name (import it first: cadencectl holiday import fr FILE)"'
ctl contact set nina@example.de --region 'de by'
check "a region that is no calendar name is refused" eval \
	'rc_is 1 && err_has "--region de by: not a calendar name"'
ctl contact set nina@example.de --region DE
check "set nina's region" eval 'rc_is 0 && out_has "nina@example.de: region de"'
ctl contact set nina@example.de --region ""
check "clear it again" eval \
	'rc_is 0 && out_has "nina@example.de: region cleared (the sequence'"'"'s holiday calendars apply)"'
ctl contact show dora@example.de
cat >"$T/want" <<'EOF2'
Id:         1
Address:    dora@example.de
First name: Dora
Last name:  -
Company:    -
Time zone:  Europe/Berlin
Region:     de
Aliases:    -
Created:    2027-03-25T12:00:00Z
Properties: -
Enrollments:
  (none)
EOF2
check "contact show: the region, lower-case" same "$T/want"
ctl --json contact show nina@example.de
check "contact show --json: no region is null" eval \
	'rc_is 0 && python3 -c "import json,sys; sys.exit(json.load(open(sys.argv[1]))[\"region\"] is not None)" "$T/out"'

# ---- Friday 2027-03-26: the calls, completed at 15:00Z ----
NOW=2027-03-26T09:00:00Z
ctl enroll --sequence "$SEQ" --as ann@our.test dora@example.de uma@example.com nina@example.de
check "three enrolled" eval 'rc_is 0 && out_has "3 enrolled, 0 refused"'
D=$(enr dora@example.de)
U=$(enr uma@example.com)
N=$(enr nina@example.de)
for e in "$D" "$U" "$N"; do fix task "$e" 2027-03-26T09:00:00Z; done
NOW=2027-03-26T15:00:00Z
ctl --json task list --user ann@our.test --state open
python3 -c 'import json,sys; print(" ".join(str(t["id"]) for t in json.load(open(sys.argv[1]))))' \
	"$T/out" >"$T/tasks"
for t in $(cat "$T/tasks"); do
	ctl task complete "$t" --outcome connected
	check "task $t completed" rc_is 0
done
NOW=2027-03-26T15:00:00Z
printf '%s %s %s\n' "$(due_of dora@example.de)" "$(due_of uma@example.com)" \
	"$(due_of nina@example.de)" >"$T/out"
rc=0
echo "2027-03-30T14:00:00Z 2027-03-29T15:00:00Z 2027-03-29T14:00:00Z" >"$T/want"
check "the email after the call: dora Tuesday (Ostermontag in de), uma and nina Monday" \
	same "$T/want"

# ---- Monday 2027-03-29 (Ostermontag) 14:30Z: why ----
NOW=2027-03-29T14:30:00Z
ctl why "$D"
cat >"$T/want" <<EOF2
Enrollment: $D
Contact:    dora@example.de
Sequence:   $SEQ
Rep:        ann@our.test
State:      active
Step:       2
Reason:     not_due
Why:        not due: step 2 (email) is due at Tue 2027-03-30 16:00 Europe/Berlin (1 business day after step 1)
EOF2
check "why: dora's email waits over Ostermontag" same "$T/want"
ctl why "$U"
cat >"$T/want" <<EOF2
Enrollment: $U
Contact:    uma@example.com
Sequence:   $SEQ
Rep:        ann@our.test
State:      active
Step:       2
Reason:     not_due
Why:        not due: step 2 (email) is due at 11:00 America/New_York (1 business day after step 1)
EOF2
check "why: uma's email is due on Monday" same "$T/want"

# ---- enrolled on Ostermontag: an email first ----
cat >"$T/direct.seq" <<'SEQ'
[sequence]
name = Region – Direct – SDR Team
owner = sdr@our.test
days = business
window = 09:00-17:00
holidays = us

[step]
type = email
delay = 0
template = <<END
Subject: Hello {{contact.firstname|there}}

A short note.
END
SEQ
ctl sequence import "$T/direct.seq"
check "the direct sequence imports" rc_is 0
NOW=2027-03-29T14:00:00Z
for e in "$D" "$U" "$N"; do
	ctl unenroll "$e" --reason "moved to the direct sequence"
	check "enrollment $e unenrolled" rc_is 0
done
ctl enroll --sequence "Region – Direct – SDR Team" --as ann@our.test dora@example.de \
	uma@example.com nina@example.de
check "three enrolled on Ostermontag" eval 'rc_is 0 && out_has "3 enrolled, 0 refused"'
ctl why $((N + 1))
cat >"$T/want" <<EOF2
Enrollment: $((N + 1))
Contact:    dora@example.de
Sequence:   Region – Direct – SDR Team
Rep:        ann@our.test
State:      active
Step:       1
Reason:     holiday
Why:        holiday 2027-03-29 Ostermontag (de) in Europe/Berlin: the window opens Tue 2027-03-30 09:00 Europe/Berlin
EOF2
check "why: dora's step 1 waits for Tuesday (region de)" same "$T/want"
for e in $((N + 2)) $((N + 3)); do
	ctl why "$e"
	check "why: enrollment $e's step 1 goes now (the us calendar)" eval \
		'rc_is 0 && out_has "Why:        due now: step 1 (email) goes at cadenced'"'"'s next pass"'
done

# ---- a region whose calendar is gone: an error, never the default ----
python3 -c 'import sqlite3,sys; d = sqlite3.connect(sys.argv[1]); d.execute("UPDATE contacts SET region = '"'fr'"' WHERE email = '"'nina@example.de'"'"); d.commit()' "$DB"
ctl --json why $((N + 3))
check "why: a region with no calendar says so" eval 'rc_is 0 && python3 -c "import json,sys
d = json.load(open(sys.argv[1])); sys.exit(not (d[\"reason\"] == \"rules\" and \"region \\\"fr\\\" names no imported holiday calendar\" in d[\"why\"]))" "$T/out"'

echo "region: $pass passed, $failed failed"
[ "$failed" -eq 0 ]
