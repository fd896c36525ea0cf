#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# tests/ctl/test_ctl.sh - a walk-through of cadencectl on a real store.
#
# Runs the built binary ($CADENCE_BUILDDIR/ctl/cadencectl) against a fresh
# SQLite file in a temporary directory, with a fixed --now so that every
# time it prints is known, and asserts outputs and exit codes: init, config,
# reps, sequences (a broken file refused whole), holiday calendars (a broken
# file refused whole), suppression, a contacts CSV with bad rows, enrollment
# with each refusal, status (and its JSON), pause/resume/unenroll, events,
# tasks (one completed the day before a holiday), and disabling a rep or deleting a
# sequence unenrolling their contacts. Needs python3 for the JSON checks.
set -u

B=${CADENCE_BUILDDIR:-$(pwd)}
S=${CADENCE_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
CTL=$B/ctl/cadencectl
F=$S/tests/ctl
T=$(mktemp -d "${TMPDIR:-/tmp}/cadencectl-test.XXXXXX") || exit 99
trap 'rm -rf "$T"' EXIT INT TERM
# shellcheck source=tests/lib/ctltest.sh
. "$S/tests/lib/ctltest.sh"

DB=$T/cadence.db
CONF=$T/cadence.conf
NOW=2026-12-01T09:00:00Z
SMALL='VP Sales – Outbound – SDR Team'
TOKENS='Directors – Events – Field Team'
CALLS='Champions – Reactivation – AE Team'

if [ ! -x "$CTL" ]; then
	echo "ctl: $CTL not built"
	exit 99
fi
if ! command -v python3 >/dev/null 2>&1; then
	echo "ctl: python3 is needed for the JSON checks"
	exit 77
fi

printf 'Database %s\nDomain cadence.our.test\nSecretFile %s\n' "$DB" "$T/secret" >"$CONF"

# ---- usage ----
ctl --help
check "--help exits 0 and lists the commands" \
	eval 'rc_is 0 && out_has "usage: cadencectl" && out_has "suppress" && out_has "enroll"'
ctl user --help
check "user --help lists its commands" eval 'rc_is 0 && out_has "cadencectl user add ADDRESS"'
ctl enroll --help
check "enroll --help" eval 'rc_is 0 && out_has "--sequence NAME --as REP"'
ctl frobnicate
check "an unknown command exits 2" eval 'rc_is 2 && err_has "unknown command '"'"'frobnicate'"'"'"'
ctl user add ann@our.test --name Ann --colour blue
check "an unknown option is named" eval 'rc_is 2 && err_has "unknown option '"'"'--colour'"'"'"'
ctl user show --help
check "user show --help prints its usage" eval 'rc_is 0 && out_has "usage: cadencectl user show ADDRESS"'
ctl user show
check "a missing argument exits 2 naming it, with the usage" eval 'rc_is 2 &&
	err_has "user show: needs exactly one ADDRESS" && err_has "usage: cadencectl user show ADDRESS"'
ctl sequence import
check "sequence import without a FILE exits 2" eval 'rc_is 2 && err_has "needs at least one FILE"'
ctl init --bogus
check "init: an unknown option is named once" eval 'rc_is 2 &&
	err_has "unknown option '"'"'--bogus'"'"'" && [ "$(wc -l <"$T/err")" -eq 1 ]'
ctl holiday list us de
check "holiday list takes at most one NAME" eval 'rc_is 2 && err_has "at most one calendar NAME"'

# ---- classify (reads no database) ----
ctl classify "$F/ooo.eml"
check "classify an out-of-office reply" eval 'rc_is 0 && out_has "autoreply"'
ctl --json classify "$F/ooo.eml"
check "classify --json (global option handed on)" py 'd["class"] == "autoreply"'
ctl classify "$T/missing.eml" "$F/ooo.eml"
check "classify: an unreadable file is named, the next one classified" eval 'rc_is 1 &&
	err_has "cadencectl: classify: $T/missing.eml: No such file" && out_has "ooo.eml: autoreply"'
ctl classify
check "classify without a FILE exits 2" eval 'rc_is 2 && err_has "usage: cadencectl classify"'
cp "$F/ooo.eml" "$T/café.eml"
ctl classify --json "$T/café.eml"
check "classify --json: a UTF-8 file name stays itself" py 'd["file"] == sys.argv[2]' "$T/café.eml"
cp "$F/ooo.eml" "$T/$(printf 'bad\377.eml')"
ctl classify --json "$T/$(printf 'bad\377.eml')"
check "classify --json: a file name that is not UTF-8 is shown escaped" \
	py 'd["file"].endswith("bad\\xff.eml") and d["class"] == "autoreply"'

# ---- config and init ----
ctl user list
check "without a database: a clear error that says to run init" \
	eval 'rc_is 1 && err_has "cadencectl init"'
"$CTL" -c "$F/bad.conf" config check >"$T/out" 2>"$T/err"
rc=$?
check "config check of a bad file names file:line" eval 'rc_is 1 && err_has "bad.conf:3"'
ctl config check
check "config check prints the effective settings" \
	eval 'rc_is 0 && out_has "$DB" && out_has "cadence.our.test"'
"$CTL" -c "$CONF" -d "$T/other.db" --json config check >"$T/out" 2>"$T/err"
rc=$?
check "-d overrides Database (config check --json)" \
	py 'd["Database"] == sys.argv[2]' "$T/other.db"
ctl init
check "init creates the database and the secret" eval 'rc_is 0 && out_has "initialized" &&
	[ -f "$DB" ] && out_has "created the secret" && [ "$(stat -c %a "$T/secret")" = 600 ]'
cp "$T/secret" "$T/secret.first"
ctl init
check "init again finds it up to date and keeps the secret" eval 'rc_is 0 &&
	out_has "up to date" && out_lacks "secret" && cmp -s "$T/secret" "$T/secret.first"'
# Make the file a version-1 store again (every later migration only adds
# tables, indexes, a trigger, the tasks' outcome and the enrollments' held
# columns, or rebuilds
# sent_messages with the same columns: see src/store/store_schema.c) to
# see init upgrade it and the read-only commands refuse to.
schema_v1() {
	python3 -c 'import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
v1_tables = {"schema_version", "users", "sequences", "steps", "contacts", "contact_props",
             "contact_aliases", "enrollments", "tasks", "sent_messages", "suppressions", "events"}
v1_indexes = {"contacts_domain", "contact_aliases_contact", "enrollments_one_running",
              "enrollments_due", "enrollments_user", "enrollments_sequence", "tasks_user",
              "tasks_enrollment", "events_at", "events_enrollment", "events_contact"}
for kind, name in db.execute("SELECT type, name FROM sqlite_master").fetchall():
    if kind == "trigger":
        db.execute("DROP TRIGGER %s" % name)
for kind, name in db.execute("SELECT type, name FROM sqlite_master").fetchall():
    if kind == "table" and name not in v1_tables and not name.startswith("sqlite_"):
        db.execute("DROP TABLE %s" % name)
    elif kind == "index" and name not in v1_indexes and not name.startswith("sqlite_"):
        db.execute("DROP INDEX IF EXISTS %s" % name)
later_cols = {"tasks": ("outcome", "close_note"),
              "enrollments": ("held_due", "held_step", "claim_by", "claim_until"),
              "contacts": ("region",)}
for table, names in later_cols.items():
    cols = [r[1] for r in db.execute("PRAGMA table_info(%s)" % table)]
    for col in names:
        if col in cols:
            db.execute("ALTER TABLE %s DROP COLUMN %s" % (table, col))
db.execute("DELETE FROM schema_version WHERE version > 1")
db.commit()' "$1"
}
schema_version() {
	python3 -c 'import sqlite3, sys
print(sqlite3.connect(sys.argv[1]).execute("SELECT MAX(version) FROM schema_version").fetchone()[0])' "$1"
}
CUR=$(schema_version "$DB")
schema_v1 "$DB"
ctl user list
check "a read-only command does not upgrade an older file, and says to run init" \
	eval 'rc_is 1 && err_has "schema version 1 is older" && err_has "cadencectl init" &&
	[ "$(schema_version "$DB")" = 1 ]'
for cmd in "status" "events" "task list" "sequence list" "sequence show x" "sequence lint x" \
	"suppress list" "user show ann@our.test" "contact show a@b.test" "holiday list"; do
	# shellcheck disable=SC2086
	ctl $cmd
	check "$cmd opens the store read-only" eval 'rc_is 1 && err_has "is older" &&
		[ "$(schema_version "$DB")" = 1 ]'
done
ctl init
check "init upgrades it and says from which version" \
	eval 'rc_is 0 && out_has "upgraded $DB from version 1 to $CUR" &&
	[ "$(schema_version "$DB")" = "$CUR" ]'
schema_v1 "$DB"
ctl --json init
check "init --json gives both versions" py 'd["previousVersion"] == 1 and
	d["schemaVersion"] == int(sys.argv[2])' "$CUR"

# ---- reps ----
ctl user add ann@our.test --name "Ann Example" --tz Europe/Berlin \
	--signature-file "$F/signature.txt" --meeting-link https://meet.our.test/ann
check "user add" eval 'rc_is 0 && out_has "added ann@our.test"'
ctl user add Bob@Our.Test --name "Bob Builder" --enroll-cap 2
check "user add with an enroll cap (address normalized)" eval 'rc_is 0 && out_has "bob@our.test"'
ctl user add cid@our.test --name "Cid Campeador" --tz America/New_York
check "user add a third rep" rc_is 0
ctl user add ann@our.test --name "Ann Again"
check "a duplicate rep is refused with a one-line reason" eval 'rc_is 1 &&
	[ "$(cat "$T/err")" = "cadencectl: user add: ann@our.test: already exists" ]'
ctl user add dan@our.test --name Dan --tz Mars/Olympus
check "a bad time zone is named" eval 'rc_is 1 && err_has "--tz '"'"'Mars/Olympus'"'"'"'
ctl user add not-an-address --name Nobody
check "a bad address is named" eval 'rc_is 1 && err_has "not-an-address"'
ctl user add dan@our.test
check "user add without --name is a usage error" eval 'rc_is 2 && err_has "--name"'
ctl user add eve@our.test --name Eve --send-cap lots
check "a bad number is named" eval 'rc_is 1 && err_has "--send-cap '"'"'lots'"'"'"'
ctl user list
check "user list shows the three reps" eval 'rc_is 0 && out_lines 4 && out_has "Cid Campeador"'
ctl --json user list
check "user list --json" py 'len(d) == 3 and d[0]["email"] == "ann@our.test" and
	d[0]["tz"] == "Europe/Berlin" and d[1]["enrollCapDay"] == 2 and d[2]["active"] is True'
ctl user show ann@our.test
check "user show prints the signature and link" \
	eval 'rc_is 0 && out_has "Account Executive, Our Company" && out_has "https://meet.our.test/ann"'
ctl user show nobody@our.test
check "user show of an unknown rep" eval 'rc_is 1 && err_has "nobody@our.test: no such rep"'

# ---- sequences ----
ctl sequence import "$F/small.seq" "$F/tokens.seq" "$F/calls.seq"
check "sequence import of three files" eval 'rc_is 0 && out_has "imported $SMALL (3 steps)" && err_empty'
nseq=3
set -- "$S"/contrib/sequences/*.seq
if [ -f "$1" ]; then
	ctl sequence import "$@"
	check "the shipped sequences import" rc_is 0
	nseq=$((nseq + $#))
fi
ctl --json sequence list
check "sequence list has every imported sequence" py "len(d) == $nseq"
cp "$T/out" "$T/list.before"
ctl sequence import "$F/broken.seq"
check "a broken sequence is refused whole, with file:line" \
	eval 'rc_is 1 && err_has "broken.seq:19:" && err_has "delay"'
ctl --json sequence list
check "... and the list is unchanged" cmp -s "$T/out" "$T/list.before"
ctl sequence import "$F/small.seq" "$F/broken.seq"
check "a good file next to a broken one is still imported" \
	eval 'rc_is 1 && out_has "replaced $SMALL" && err_has "broken.seq:19:"'
ctl sequence show "$SMALL"
check "sequence show lists the steps" \
	eval 'rc_is 0 && out_has "Follow-up days:" && out_has "call" && out_has "A question for"'
ctl --json sequence show "$SMALL"
check "sequence show --json" py 'd["nsteps"] == 3 and [s["kind"] for s in d["steps"]] ==
	["email", "call", "email"] and d["steps"][1]["delayDays"] == 2 and d["steps"][1]["wait"]'
ctl sequence show "No – Such – Thing"
check "sequence show of an unknown name" eval 'rc_is 1 && err_has "no such sequence"'
ctl sequence lint "$SMALL"
check "lint fails while the suppression list is empty" \
	eval 'rc_is 1 && grep -q "^ *fail *suppressions" "$T/out"'

# ---- holiday calendars ----
US_HOL=$S/contrib/holidays/us-federal-2026-2027.txt
DE_HOL=$S/contrib/holidays/de-2026-2027.ics
ctl holiday list
check "no calendar imported yet: the ones sequences name have no dates" \
	eval 'rc_is 0 && out_lacks "2026-"'
ctl holiday import us "$US_HOL"
check "holiday import of a plain list prints how many dates" eval 'rc_is 0 &&
	out_has "imported 23 dates into calendar us (2026-01-01 to 2027-12-31; it had 0)"'
ctl --json holiday import DE "$DE_HOL" --years 2026-2027
check "holiday import of an iCalendar file (name lower-cased), --json" py 'd["calendar"] == "de"
	and d["dates"] == 18 and d["replaced"] == 0 and d["first"] == "2026-01-01" and
	d["last"] == "2027-12-26"'
ctl holiday import us "$US_HOL"
check "importing again replaces the calendar" \
	eval 'rc_is 0 && out_has "imported 23 dates" && out_has "it had 23"'
ctl holiday list
check "holiday list shows both calendars" eval 'rc_is 0 && grep -q "^de  *18 " "$T/out" &&
	grep -q "^us  *23 " "$T/out"'
ctl --json holiday list
check "holiday list --json: counts, range, the sequences honouring a calendar" py '
	[(x["calendar"], x["dates"], x["first"], x["last"]) for x in d
	 if x["calendar"] in ("us", "de")] == [("de", 18, "2026-01-01", "2027-12-26"),
	 ("us", 23, "2026-01-01", "2027-12-31")] and
	all(x["importedAt"] == sys.argv[2] for x in d if x["calendar"] in ("us", "de"))' "$NOW"
ctl holiday list us
check "holiday list NAME shows its dates" eval 'rc_is 0 && out_lines 24 &&
	grep -q "^2026-11-26  Thu  Thanksgiving Day" "$T/out"'
ctl --json holiday list de
check "holiday list NAME --json" py 'len(d) == 18 and d[0] == {"calendar": "de",
	"date": "2026-01-01", "weekday": "Thu", "name": "Neujahr"} and
	{"calendar": "de", "date": "2027-03-26", "weekday": "Fri", "name": "Karfreitag"} in d'
ctl holiday list fr
check "holiday list of an unknown calendar" eval 'rc_is 1 && err_has "calendar fr: no dates"'
ctl --json holiday list us
cp "$T/out" "$T/hol.before"
{ cat "$US_HOL"; echo "2027-02-30 Not a day"; } >"$T/broken-hol.txt"
ctl holiday import us "$T/broken-hol.txt"
check "a broken holiday file is refused with its file:line" \
	eval 'rc_is 1 && err_has "broken-hol.txt:28:" && err_has "2027-02-30" && out_lines 0'
ctl --json holiday list us
check "... and the calendar is unchanged" cmp -s "$T/out" "$T/hol.before"
sed 's/^DTSTART;VALUE=DATE:20260403/DTSTART:20260403T090000Z/' "$DE_HOL" >"$T/broken.ics"
ctl holiday import de "$T/broken.ics"
check "a broken iCalendar file is refused, naming the line of the event" \
	eval 'rc_is 1 && err_has "broken.ics:16:" && err_has "Karfreitag" && err_has "DTSTART"'
printf '# nothing\n' >"$T/empty-hol.txt"
ctl holiday import us "$T/empty-hol.txt"
check "a file without dates does not empty a calendar" eval 'rc_is 1 && err_has "no dates"'
ctl --json holiday list us
check "... which is unchanged" cmp -s "$T/out" "$T/hol.before"
ctl holiday import "u s" "$US_HOL"
check "a bad calendar name is named" eval 'rc_is 1 && err_has "u s"'
ctl holiday import us "$US_HOL" --years 2026-3000
check "a bad --years is named" eval 'rc_is 1 && err_has "--years"'
ctl holiday import us
check "holiday import without a file is a usage error" eval 'rc_is 2'
ctl --json events --type holidays_imported
check "imports are events" py 'len(d) == 3 and d[1]["detail"] == "calendar de: 18 dates"'

# ---- suppression ----
ctl suppress add acme-customer.test --kind customer --note "signed in 2025"
check "suppress a domain" eval 'rc_is 0 && out_has "suppressed domain acme-customer.test"'
ctl suppress add Frank@Rival.test --kind competitor
check "suppress an address" eval 'rc_is 0 && out_has "frank@rival.test"'
ctl suppress add temp@gone.test --kind manual
check "suppress another address" rc_is 0
ctl suppress add x.test --kind friend
check "a bad kind is named" eval 'rc_is 1 && err_has "--kind '"'"'friend'"'"'"'
ctl suppress add "not a pattern" --kind manual
check "a bad pattern is named" eval 'rc_is 1 && err_has "not a pattern"'
ctl suppress remove temp@gone.test
check "suppress remove" eval 'rc_is 0 && out_has "removed temp@gone.test"'
ctl suppress remove temp@gone.test
check "removing it again fails" eval 'rc_is 1 && err_has "temp@gone.test"'
ctl suppress list
check "suppress list" eval 'rc_is 0 && out_lines 3 && out_has "competitor" && out_lacks "temp@gone.test"'
ctl --json suppress list
check "suppress list --json" py '[(s["pattern"], s["type"], s["kind"]) for s in d] ==
	[("acme-customer.test", "domain", "customer"), ("frank@rival.test", "address", "competitor")]'
ctl sequence lint "$F/small.seq"
check "lint of a file passes once suppressions exist" \
	eval 'rc_is 0 && grep -q "^ *pass *suppressions" "$T/out"'
for f in "$S"/contrib/sequences/*.seq; do
	[ -f "$f" ] || continue
	ctl --json sequence lint "$f"
	check "the shipped $(basename "$f") lints without a failure" \
		py 'd["fail"] == 0 and all(i["level"] != "fail" for i in d["items"])'
done
ctl --json sequence lint "$TOKENS"
check "lint warns about a token without fallback" \
	py 'any(i["level"] == "warn" and "contact.title" in i["detail"] for i in d["items"])'

# ---- contacts ----
ctl contact import "$F/contacts.csv"
check "contact import keeps the good rows and reports the bad ones by line" eval 'rc_is 1 &&
	out_has "4 imported, 0 updated, 2 rejected" && err_has "contacts.csv:4:" &&
	err_has "contacts.csv:7:" && err_has "Mars/Olympus"'
ctl contact import "$F/contacts.csv"
check "importing again updates" eval 'rc_is 1 && out_has "0 imported, 4 updated, 2 rejected"'
ctl contact show carol@prospect.test
check "contact show" eval 'rc_is 0 && out_has "Prospect Inc" && out_has "title: VP Sales"'
ctl --json contact show carol@prospect.test
check "contact show --json" py 'd["firstname"] == "Carol" and d["tz"] == "America/New_York" and
	d["properties"]["segment"] == "enterprise" and d["enrollments"] == []'
ctl contact import "$T/missing.csv"
check "an unreadable file is an error" eval 'rc_is 1 && err_has "missing.csv"'

# ---- enrollment ----
ctl enroll --sequence "$SMALL" --as ann@our.test carol@prospect.test dave@prospect.test
check "enroll two contacts" eval 'rc_is 0 && out_has "enrolled carol@prospect.test" &&
	out_has "2 enrolled, 0 refused" && err_empty'
ctl enroll --sequence "$SMALL" --as ann@our.test frank@rival.test erin@other.test
check "a suppressed address is refused, the other contact proceeds" eval 'rc_is 1 &&
	err_has "frank@rival.test" && err_has "competitor" && out_has "enrolled erin@other.test" &&
	out_has "1 enrolled, 1 refused"'
ctl enroll --sequence "$SMALL" --as ann@our.test gina@acme-customer.test
check "a suppressed domain is refused" eval 'rc_is 1 && err_has "acme-customer.test" &&
	err_has "customer"'
ctl enroll --sequence "$CALLS" --as cid@our.test carol@prospect.test
check "an active contact is refused naming the sequence and the rep" eval 'rc_is 1 &&
	err_has "carol@prospect.test" && err_has "$SMALL" && err_has "ann@our.test"'
printf 'email,firstname\nhugo@newco.test,Hugo\n' >"$T/hugo.csv"
"$CTL" -c "$CONF" --now "$NOW" --json contact import - <"$T/hugo.csv" >"$T/out" 2>"$T/err"
rc=$?
check "contact import from standard input, --json" py 'd == {"file": "-", "imported": 1,
	"updated": 0, "rejected": 0}'

ctl enroll --sequence "$TOKENS" --as ann@our.test hugo@newco.test
check "a token without value or fallback is refused and named" \
	eval 'rc_is 1 && err_has "hugo@newco.test" && err_has "{{contact.title}}"'
ctl --json enroll --sequence "$SMALL" --as ann@our.test frank@rival.test lena@fine.test
check "enroll --json lists who was enrolled and who was refused, and why" py '
	[e["contact"] for e in d["enrolled"]] == ["lena@fine.test"] and
	d["refused"][0]["contact"] == "frank@rival.test" and
	"competitor" in d["refused"][0]["reason"] and d["bulk"] is False'
ctl unenroll --contact lena@fine.test --reason "test contact"
check "unenroll the extra contact" rc_is 0
ctl enroll --sequence "$SMALL" --as nobody@our.test hugo@newco.test
check "an unknown rep" eval 'rc_is 1 && err_has "nobody@our.test: no such rep"'
ctl enroll --sequence "No – Such – Thing" --as ann@our.test hugo@newco.test
check "an unknown sequence" eval 'rc_is 1 && err_has "no such sequence"'
ctl enroll --sequence "$SMALL" --as ann@our.test bogus
check "a bad address is named" eval 'rc_is 1 && err_has "bogus"'
cat >"$T/cap.csv" <<'EOF'
email,firstname,company
ivan@bulk.test,Ivan,Bulk One
judy@bulk.test,Judy,Bulk Two
kim@bulk.test,Kim,Bulk Three
EOF
ctl enroll --sequence "$SMALL" --as bob@our.test --csv "$T/cap.csv"
check "a CSV enrollment stops at the rep's daily cap" eval 'rc_is 1 &&
	out_has "enrolled ivan@bulk.test" && out_has "enrolled judy@bulk.test" &&
	err_has "kim@bulk.test" && err_has "2 of 2" && out_has "2 enrolled, 1 refused"'
ctl user disable cid@our.test
check "disable a rep without enrollments" eval 'rc_is 0 && out_has "0 enrollments unenrolled"'
ctl enroll --sequence "$CALLS" --as cid@our.test hugo@newco.test
check "a disabled rep's enrollment is refused" eval 'rc_is 1 && err_has "disabled"'
ctl user enable cid@our.test
check "enable the rep again" eval 'rc_is 0 && out_has "enabled cid@our.test"'
ctl user enable cid@our.test
check "enabling an active rep is an error" eval 'rc_is 1 && err_has "already enabled"'
ctl --json user show cid@our.test
check "user show --json" py 'd["active"] is True and d["tz"] == "America/New_York"'
ctl enroll --sequence "$CALLS" --as ann@our.test newbie@fresh.test
check "an unknown address becomes a contact and is enrolled" \
	eval 'rc_is 0 && out_has "enrolled newbie@fresh.test"'

# ---- status ----
ctl status carol@prospect.test
check "status of a contact" eval 'rc_is 0 && out_lines 2 && out_has "active" &&
	out_has "1 email" && out_has "$NOW"'
ctl --json status
check "status --json lists every enrollment" py 'len(d) == 7'
check "status --json: carol's enrollment" py '[e for e in d if e["contact"] == "carol@prospect.test"
	and e["sequence"] == sys.argv[2] and e["user"] == "ann@our.test" and e["state"] == "active"
	and e["currentStep"] == 0 and e["nextStep"] == {"index": 1, "kind": "email",
	"due": "2026-12-01T09:00:00Z"} and e["enrolledAt"] == e["updatedAt"] ==
	"2026-12-01T09:00:00Z" and e["enrolledBy"].startswith("cli:") and e["bulk"] is False]' \
	"$SMALL"
ctl --json status --user bob@our.test
check "status --user: the CSV enrollments are bulk" py 'len(d) == 2 and all(e["bulk"] for e in d)'
ctl --json status --sequence "$CALLS"
check "status --sequence" py 'len(d) == 1 and d[0]["contact"] == "newbie@fresh.test" and
	d[0]["nextStep"]["kind"] == "call"'
ctl status --state sleeping
check "a bad --state is named" eval 'rc_is 1 && err_has "sleeping"'

# ---- pause, resume, unenroll ----
ctl --json status dave@prospect.test
id=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[0]["id"])' "$T/out")
NOW=2026-12-01T10:00:00Z
ctl pause "$id" --reason "on holiday" --until 2026-12-15
check "pause one enrollment until a date" eval 'rc_is 0 && out_has "enrollment $id paused"'
ctl --json status dave@prospect.test
check "status shows it paused with reason and until" py 'd[0]["state"] == "paused" and
	d[0]["reason"] == "on holiday" and d[0]["pausedUntil"] == "2026-12-15T00:00:00Z" and
	d[0]["updatedAt"] == "2026-12-01T10:00:00Z"'
ctl pause "$id"
check "pausing it again says its state" eval 'rc_is 1 && err_has "paused"'
ctl pause "$id" --until 2026-11-01
check "--until in the past is refused" eval 'rc_is 1 && err_has "--until"'
ctl pause "$id" --until someday
check "a bad --until is named" eval 'rc_is 1 && err_has "someday"'
ctl resume "$id"
check "resume it" eval 'rc_is 0 && out_has "enrollment $id resumed"'
ctl --json status dave@prospect.test
check "status shows it active again" py 'd[0]["state"] == "active"'
ctl pause --sequence "$SMALL" --reason "copy review"
check "pause a whole sequence" eval 'rc_is 0 && out_has "5 enrollments paused"'
ctl --json status --state paused
check "five paused" py 'len(d) == 5 and all(e["reason"] == "copy review" for e in d)'
ctl resume --sequence "$SMALL"
check "resume the sequence" eval 'rc_is 0 && out_has "5 enrollments resumed"'
ctl pause --user nobody@our.test
check "pausing an unknown rep's enrollments is an error" eval 'rc_is 1 && err_has "no such rep"'
ctl pause 99999
check "pausing an unknown id is an error" eval 'rc_is 1 && err_has "99999"'
ctl unenroll --contact dave@prospect.test
check "unenroll without a reason is a usage error" eval 'rc_is 2 && err_has "--reason"'
ctl unenroll 1 --sequence "$SMALL" --reason x
check "unenroll with two targets is a usage error" eval 'rc_is 2'
ctl unenroll --contact dave@prospect.test --reason "replied by phone"
check "unenroll a contact with a reason" eval 'rc_is 0 && out_has "1 enrollment unenrolled"'
ctl --json status dave@prospect.test
check "status shows the reason" py 'd[0]["state"] == "unenrolled" and
	d[0]["reason"] == "replied by phone" and d[0]["nextStep"] is None'
ctl resume "$id"
check "an unenrolled enrollment cannot be resumed" eval 'rc_is 1 && err_has "unenrolled"'

# ---- events ----
ctl events --contact dave@prospect.test
check "events of a contact" eval 'rc_is 0 && out_has "enrolled" && out_has "paused" &&
	out_has "resumed" && out_has "unenrolled" && out_has "replied by phone"'
ctl --json events --contact dave@prospect.test --type unenrolled
check "events filtered by type" py 'len(d) == 1 and d[0]["type"] == "unenrolled" and
	d[0]["contact"] == "dave@prospect.test" and d[0]["actor"].startswith("cli:")'
ctl --json events --type enrolled --user bob@our.test
check "events filtered by rep" py 'len(d) == 2'
ctl --json events --type enroll_refused
check "refusals are events too" py 'len(d) >= 5'
ctl --json events --since 2026-12-01T10:00:00Z
check "events --since" py 'len(d) > 0 and all(e["at"] >= "2026-12-01T10:00:00Z" for e in d)'
ctl --json events --until 2026-12-01T10:00:00Z --type paused
check "events --until" py 'len(d) == 0'
ctl --json events
cp "$T/out" "$T/events.all"
ctl --json events --limit 3
check "events --limit keeps the newest, oldest first" py 'd == json.load(open(sys.argv[2]))[-3:]' \
	"$T/events.all"
ctl events --since yesterday
check "a bad --since is named" eval 'rc_is 1 && err_has "yesterday"'

# ---- tasks ----
# Tasks are made by cadenced when a task step falls due. It runs one pass
# on a store of its own where only a call step is due, so that the pass
# has no email to submit.
SCHED=$B/scheduler/cadenced
if [ -x "$SCHED" ] && "$SCHED" --help 2>&1 | grep -q -- "--once"; then
	printf 'Database %s\nDomain cadence.our.test\nSecretFile %s\n' \
		"$T/tasks.db" "$T/tasks.secret" >"$T/tasks.conf"
	tctl() {
		"$CTL" -c "$T/tasks.conf" --now "$NOW" "$@" >"$T/out" 2>"$T/err"
		rc=$?
	}
	tctl init
	tctl user add ann@our.test --name "Ann Example"
	tctl sequence import "$F/calls.seq"
	tctl enroll --sequence "$CALLS" --as ann@our.test newbie@fresh.test oldie@fresh.test
	check "a store for the task steps" eval 'rc_is 0 && out_has "2 enrolled"'
	"$SCHED" -c "$T/tasks.conf" --once --now "$NOW" >"$T/out" 2>"$T/err"
	rc=$?
	check "cadenced --once creates the due task" rc_is 0
	tctl --json task list --user ann@our.test --state open
	check "task list: the two calls" py 'len(d) == 2 and all(t["kind"] == "call" and
		t["state"] == "open" and t["step"] == 1 for t in d) and
		sorted(t["contact"] for t in d) == ["newbie@fresh.test", "oldie@fresh.test"]'
	tid=$(python3 -c 'import json,sys; print([t["id"] for t in json.load(open(sys.argv[1]))
		if t["contact"] == "newbie@fresh.test"][0])' "$T/out")
	sid=$(python3 -c 'import json,sys; print([t["id"] for t in json.load(open(sys.argv[1]))
		if t["contact"] == "oldie@fresh.test"][0])' "$T/out")
	tctl task list
	check "task list table" eval 'rc_is 0 && out_has "newbie@fresh.test" && out_has "call"'
	tctl task complete "$tid" --outcome busy
	check "a bad --outcome is named with the ones allowed" eval 'rc_is 1 &&
		err_has "--outcome '"'"'busy'"'"': not one of connected, voicemail, no-answer, wrong-number"'
	tctl task skip "$sid" --outcome connected
	check "a skipped task has no outcome" eval 'rc_is 2 && err_has "--outcome"'
	tctl task complete "$tid" --outcome connected --note "$(printf 'Spoke to Newbie.\nCall back in Q1.')"
	check "task complete with an outcome and a note" \
		eval 'rc_is 0 && out_has "task $tid completed (call, newbie@fresh.test, connected)"'
	tctl --json status newbie@fresh.test
	check "the enrollment moved to its next step, due a business day later" \
		py 'd[0]["currentStep"] == 1 and d[0]["state"] == "active" and
		d[0]["nextStep"] == {"index": 2, "kind": "email", "due": "2026-12-02T10:00:00Z"}'
	tctl task complete "$tid"
	check "a closed task cannot be completed again" eval 'rc_is 1 && err_has "already done"'
	tctl task skip "$sid" --note "no number on file"
	check "task skip with a note" eval 'rc_is 0 && out_has "task $sid skipped"'
	tctl --json status oldie@fresh.test
	check "a skipped task moves the enrollment on too" py 'd[0]["currentStep"] == 1'
	tctl --json task list --state done
	check "task list --state done" py 'len(d) == 1 and d[0]["closedAt"] is not None'
	check "task list --json keeps the outcome and the note exact" py 'd[0]["outcome"] ==
		"connected" and d[0]["closeNote"] == "Spoke to Newbie.\nCall back in Q1."'
	tctl task list --state done
	check "task list shows a note of two lines as two lines, under its column" eval 'rc_is 0 &&
		out_lacks "\\x0A" && out_lines 4 && out_has "connected" &&
		[ "$(sed -n 3p "$T/out" | cut -c"$(head -1 "$T/out" | awk "{print index(\$0, \"NOTE\")}")"-)" = "rep: Spoke to Newbie." ] &&
		[ "$(sed -n 4p "$T/out" | sed "s/^ *//")" = "Call back in Q1." ]'
	tctl --json task list --state skipped
	check "the skipped task keeps its note, no outcome" py 'd[0]["outcome"] is None and
		d[0]["closeNote"] == "no number on file"'
	tctl --json events --type task_skipped
	check "the skip's event names the note" py 'd[0]["detail"].endswith(": no number on file")'
	tctl --json task list --state skipped
	check "task list --state skipped" py 'len(d) == 1 and d[0]["contact"] == "oldie@fresh.test"'
	tctl --json events --type task_completed
	check "the completion is an event with the outcome" py 'len(d) == 1 and
		d[0]["contact"] == "newbie@fresh.test" and
		d[0]["detail"].startswith("task %s: step 1, connected: Spoke" % sys.argv[2])' "$tid"

	# A call completed on Thursday 24 December: the email a business day
	# later is due on Friday in a sequence without calendars, on Monday 28
	# in one honouring the us calendar (Christmas Day on the Friday).
	HOLS='Champions – Holidays – AE Team'
	NOW=2026-12-24T14:00:00Z
	tctl holiday import us "$S/contrib/holidays/us-federal-2026-2027.txt"
	tctl sequence import "$F/holidays.seq"
	tctl enroll --sequence "$HOLS" --as ann@our.test holly@fresh.test
	tctl enroll --sequence "$CALLS" --as ann@our.test noel@fresh.test
	check "enrollments in a sequence honouring us and de" eval 'rc_is 0 && out_has "1 enrolled"'
	"$SCHED" -c "$T/tasks.conf" --once --now "$NOW" >"$T/out" 2>"$T/err"
	rc=$?
	check "cadenced --once creates their calls" rc_is 0
	tctl --json task list --state open
	hid=$(python3 -c 'import json,sys; print([t["id"] for t in json.load(open(sys.argv[1]))
		if t["contact"] == "holly@fresh.test"][0])' "$T/out")
	nid=$(python3 -c 'import json,sys; print([t["id"] for t in json.load(open(sys.argv[1]))
		if t["contact"] == "noel@fresh.test"][0])' "$T/out")
	NOW=2026-12-24T15:00:00Z
	tctl task complete "$hid"
	check "complete the call the day before Christmas" eval 'rc_is 0 && err_empty'
	tctl task complete "$nid"
	check "complete the other call" eval 'rc_is 0 && err_empty'
	tctl --json status holly@fresh.test
	check "the next step skips the holiday and the weekend" py 'd[0]["nextStep"] ==
		{"index": 2, "kind": "email", "due": "2026-12-28T15:00:00Z"}'
	tctl --json status noel@fresh.test
	check "without the calendar it is due on the holiday" py 'd[0]["nextStep"] ==
		{"index": 2, "kind": "email", "due": "2026-12-25T15:00:00Z"}'
	NOW=2026-12-01T10:00:00Z
else
	echo "ctl: cadenced --once not available: task steps not exercised"
fi
ctl task list
check "task list with no tasks" eval 'rc_is 0 && out_lines 0'
ctl task complete 424242
check "completing an unknown task is an error" eval 'rc_is 1 && err_has "task 424242: not found"'
ctl task list --state later
check "a bad task --state is named" eval 'rc_is 1 && err_has "later"'

# ---- disabling a rep, deleting a sequence ----
ctl user disable bob@our.test
check "disabling a rep unenrolls their contacts" \
	eval 'rc_is 0 && out_has "disabled bob@our.test; 2 enrollments unenrolled"'
ctl --json status --user bob@our.test
check "... with the reason" py 'len(d) == 2 and all(e["state"] == "unenrolled" and
	e["reason"] == "rep disabled" for e in d)'
ctl sequence delete "$SMALL"
check "deleting a sequence unenrolls its contacts" \
	eval 'rc_is 0 && out_has "deleted $SMALL; 2 enrollments unenrolled"'
ctl --json status carol@prospect.test
check "... with the reason" py 'd[0]["state"] == "unenrolled" and
	d[0]["reason"] == "sequence deleted"'
ctl sequence list
check "the sequence is gone" eval 'rc_is 0 && out_lacks "$SMALL"'
ctl user delete cid@our.test
check "user delete" eval 'rc_is 0 && out_has "deleted cid@our.test"'
ctl --json user list
check "the deleted rep is not listed" py '[u["email"] for u in d] == ["ann@our.test", "bob@our.test"]'
ctl --json events --type user_deleted
check "the deletion is in the event log" py 'len(d) == 1 and d[0]["user"] == "cid@our.test"'

echo "ctl: $pass passed, $failed failed"
[ "$failed" -eq 0 ]
