#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# tests/e2e/test_send.sh - "cadencectl sequence preview --send-to" on the
# e2e bed (issue #12, item 7): a rep's test copy of a rendered step goes
# through cadenced's own submission port (milter attached, default
# tempfail), arrives, is DKIM-signed by cadence-milter with SignAllOutbound
# no (as sequence mail is), meets no gate, and changes no enrollment,
# ledger, contact or suppression row; one "test_sent" event (actor cli:).
# A suppressed or own address is refused and nothing is sent.
#
# Controls, in the same harness: the table check does fire on a real
# enrollment and its first send; a rep's ordinary mail through the same
# milter is not signed (so the copy's signature is the test Message-ID's
# doing); the mailbox check does see a message (the copy itself).
#
# Exit 0 passed, 1 failed, 77 skipped (not root, no Postfix), 99 not built.

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/e2e/bed.sh
. "$here/bed.sh"
# shellcheck source=tests/e2e/scenarios.sh
. "$here/scenarios.sh"

bed_need
rc=$?
if [ $rc != 0 ]; then
	[ $rc = 77 ] && echo "test_send: SKIP"
	exit $rc
fi
for p in sqlite3; do
	command -v "$p" > /dev/null 2>&1 || { echo "test_send: SKIP: $p not installed"; exit 77; }
done

bed_trap
BED_REPS="ann@our.test ned@our.test"
BED_CONTACTS="pat@acme.test lee@acme.test"
BED_SIGN_ALL=no
echo "test_send: setting up the bed"
if ! bed_up || ! e2e_world; then
	echo "test_send: the bed did not come up"
	exit 1
fi
DB=$BED_DIR/state/cadence.db
T=2026-12-07T15:00:00Z        # a Monday, 10:00 in New York

# Everything a test copy must leave alone.
tables() {
	sqlite3 "$DB" "SELECT 'enrollments'; SELECT * FROM enrollments;
		SELECT 'sent_messages'; SELECT * FROM sent_messages;
		SELECT 'contacts'; SELECT * FROM contacts;
		SELECT 'suppressions'; SELECT * FROM suppressions;
		SELECT 'tasks'; SELECT * FROM tasks;"
}
events() { sqlite3 "$DB" "SELECT type || ' ' || COALESCE(actor, '') FROM events ORDER BY id"; }
count() { sqlite3 "$DB" "$1"; }

e2e_rep "$T" ann@our.test "Ann Archer" America/New_York || exit 1
e2e_contacts "$T" "pat@acme.test,Pat,Quinn,Acme,America/New_York,widgets" \
	"lee@acme.test,Lee,Ross,Acme,America/New_York,gadgets" || exit 1
bed_clock "$T"

# ---- 1. the test copy ----
bed_say "ann sends herself a test copy of step 1 for pat"
before=$(tables)
ev_before=$(events)
out=$(bed_ctl --now "$T" sequence preview "$E2E_SEQ" --contact pat@acme.test \
	--as ann@our.test --send-to ann@our.test 2>&1)
rc=$?
e2e_eq "cadencectl exit" "$rc" 0
case "$out" in
"sent a test copy of step 1 of \"$E2E_SEQ\" for pat@acme.test to ann@our.test (queue id "*) e2e_ok "says: $out" ;;
*) e2e_bad "says: $out" ;;
esac
if bed_wait_mail ann@our.test 1 20; then
	f=$(bed_mails ann@our.test | tail -n1)
	e2e_ok "the copy arrived in ann's mailbox"
	subj=$(bed_hdr "$f" Subject)
	case "$subj" in "[test] "*) e2e_ok "Subject: $subj" ;; *) e2e_bad "Subject: $subj" ;; esac
	e2e_eq "X-Cadence-Test" "$(bed_hdr "$f" X-Cadence-Test)" \
		"step 1 of \"$E2E_SEQ\" as ann@our.test would send it to pat@acme.test"
	e2e_eq "To" "$(bed_hdr "$f" To)" "ann@our.test"
	e2e_eq "From" "$(bed_hdr "$f" From)" "Ann Archer <ann@our.test>"
	e2e_eq "In-Reply-To" "$(bed_hdr "$f" In-Reply-To)" ""
	e2e_check "the body is the rendered step (Pat's first name)" grep -q "Pat" "$f"
	e2e_check "List-Unsubscribe as on real mail" test -n "$(bed_hdr "$f" List-Unsubscribe)"
	e2e_check "DKIM-signed for our.test with SignAllOutbound no (offline verify)" bed_dkim "$f"
else
	e2e_bad "no copy in ann's mailbox"
	f=""
fi
after=$(tables)
if [ "$before" = "$after" ]; then
	e2e_ok "enrollments, ledger, contacts, suppressions, tasks unchanged"
else
	e2e_bad "tables changed: $(diff <(printf '%s\n' "$before") <(printf '%s\n' "$after") | head -5)"
fi
e2e_eq "new events" "$(diff <(printf '%s\n' "$ev_before") <(events) | sed -n 's/^> //p')" \
	"test_sent cli:$(id -un)"
e2e_eq "the milter gated nothing" "$(grep -c 'sequence mail' "$BED_DIR/milter.log")" 0

# ---- 2. refusals: nothing sent, nothing recorded ----
bed_ctl --now "$T" suppress add lee@acme.test --kind manual > /dev/null
ev_before=$(events)
out=$(bed_ctl --now "$T" sequence preview "$E2E_SEQ" --contact pat@acme.test \
	--as ann@our.test --send-to lee@acme.test 2>&1)
rc=$?
e2e_eq "to a suppressed address: exit" "$rc" 1
case "$out" in *"--send-to lee@acme.test is suppressed: address entry lee@acme.test (manual); nothing sent"*)
	e2e_ok "says: $out" ;; *) e2e_bad "says: $out" ;; esac
out=$(bed_ctl --now "$T" sequence preview "$E2E_SEQ" --contact pat@acme.test \
	--as ann@our.test --send-to unsubscribe@cadence.our.test 2>&1)
e2e_eq "to cadence's own address: exit" "$?" 1
out=$(bed_ctl --now "$T" sequence preview "$E2E_SEQ" --contact pat@acme.test \
	--as ann@our.test --step 2 --send-to ann@our.test 2>&1)
e2e_eq "a task step: exit" "$?" 1
case "$out" in *"step 2 is a task"*) e2e_ok "says: $out" ;; *) e2e_bad "says: $out" ;; esac
bed_settle 10
e2e_eq "lee's mailbox after the refusal" "$(bed_count lee@acme.test)" 0
e2e_eq "ann's mailbox after the refusals" "$(bed_count ann@our.test)" 1
if [ "$(events)" = "$ev_before" ]; then e2e_ok "no event recorded by the refusals"
else e2e_bad "events after the refusals: $(diff <(printf '%s\n' "$ev_before") <(events))"; fi

# ---- controls ----
# The table check sees an enrollment and a send (the same harness).
before=$(tables)
e2e_enroll "$T" "$E2E_SEQ" ann@our.test pat@acme.test
after_enroll=$(tables)
if [ "$before" != "$after_enroll" ]; then e2e_ok "control: the check sees a real enrollment"
else e2e_bad "control: a real enrollment went unseen"; fi
bed_pass "$T"
bed_wait_mail pat@acme.test 1 20
if [ "$after_enroll" != "$(tables)" ] && [ "$(count 'SELECT COUNT(*) FROM sent_messages')" = 1 ]; then
	e2e_ok "control: the check sees a real send (one ledger row)"
else
	e2e_bad "control: a real send went unseen"
fi
gated=$(grep -c 'sequence mail' "$BED_DIR/milter.log")
if [ "$gated" -gt 0 ]; then e2e_ok "control: the milter log shows the real send's gate ($gated lines)"
else e2e_bad "control: the real send's gate is not in the milter log"; fi
# A rep's own mail through the same milter is not signed (SignAllOutbound no).
bed_swaks "$BED_P_SUB" --from ann@our.test --to ned@our.test \
	--header "Subject: plain mail" --header "From: Ann Archer <ann@our.test>" --body "hello"
if bed_wait_mail ned@our.test 1 20; then
	g=$(bed_mails ned@our.test | tail -n1)
	if bed_dkim "$g"; then e2e_bad "control: ann's ordinary mail is signed too (SignAllOutbound?)"
	else e2e_ok "control: ann's ordinary mail is not signed: the copy's signature is the test Message-ID's"; fi
else
	e2e_bad "control: ann's ordinary mail did not arrive"
fi

bed_say "tearing the bed down"
if e2e_result; then
	echo "test_send: passed"
	exit 0
fi
echo "test_send: $E2E_FAILS check(s) failed"
tail -n 20 "$BED_DIR/milter.log"
exit 1
