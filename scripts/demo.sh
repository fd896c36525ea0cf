#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# demo.sh - cadence in one command: installs what is needed, builds, and
# shows a sales sequence living inside a real mail system.
#
#   sudo ./scripts/demo.sh
#
# 1. scripts/install-deps.sh (Debian 12 packages; Postfix is installed with
#    "No configuration": the machine's own mail system is not touched);
# 2. autoreconf -fi, configure and make in the build directory _demo/;
# 3. the demo, on the bed of the end-to-end tests (tests/e2e/bed.sh): two
#    private Postfix instances on 127.0.0.1 (the organization our.test with
#    cadence-milter attached, and the outside world acme.test/globex.test),
#    cadenced submitting to the organization's Postfix, one store. One
#    sequence (contrib/sequences/inbound-follow-up.seq), three contacts
#    (contrib/demo/contacts.csv), a week of business days passed in seconds
#    with cadenced --once --now, one reply, one bounce, one out-of-office;
#    a timeline, the mailboxes, and the final `cadencectl status`;
# 4. everything stopped and removed (the build in _demo/ stays, so a second
#    run starts at once).
#
# Needs root (Postfix's master runs as root); re-runs itself with sudo when
# it can. DEMO_NO_INSTALL=1 skips step 1, DEMO_KEEP=1 keeps the bed's files.
# Mail never leaves the machine: every listener is on loopback, DNS is not
# used.
set -u

top=$(cd "$(dirname "$0")/.." && pwd)
if [ "$(id -u)" != 0 ]; then
	if command -v sudo > /dev/null 2>&1; then
		exec sudo -E bash "$0" "$@"
	fi
	echo "demo: needs root (it runs two private Postfix instances); run it as root" >&2
	exit 1
fi

say() { printf '\n== %s\n' "$*"; }

if [ "${DEMO_NO_INSTALL:-0}" != 1 ]; then
	say "installing the Debian packages cadence needs (scripts/install-deps.sh)"
	"$top/scripts/install-deps.sh" || exit 1
fi

say "building cadence in _demo/"
cd "$top" || exit 1
if [ -f "$top/config.status" ]; then
	echo "demo: the source tree is configured in place; run 'make distclean' first" >&2
	exit 1
fi
{ [ -x "$top/configure" ] && [ "$top/configure" -nt "$top/configure.ac" ]; } ||
	autoreconf -fi > /dev/null 2>&1 || autoreconf -fi || exit 1
mkdir -p "$top/_demo"
cd "$top/_demo" || exit 1
[ -f Makefile ] || "$top/configure" -q || exit 1
make -s -j"$(nproc 2>/dev/null || echo 2)" > make.log 2>&1 || { tail -n 30 make.log; exit 1; }
make -s tests/milter/dkim_verify >> make.log 2>&1 || { tail -n 30 make.log; exit 1; }
echo "built: ctl/cadencectl, milter/cadence-milter, scheduler/cadenced"

export CADENCE_SRCDIR=$top CADENCE_BUILDDIR=$top/_demo
# shellcheck source=tests/e2e/bed.sh
. "$top/tests/e2e/bed.sh"
# shellcheck source=tests/e2e/scenarios.sh
. "$top/tests/e2e/scenarios.sh"
bed_need || exit 1
[ "${DEMO_KEEP:-0}" = 1 ] && E2E_KEEP=1

say "what is real and what is simulated"
cat <<EOF
Real:      two Postfix instances on 127.0.0.1 -- "our.test" (the organization:
           the rep's mailbox, submission, cadence-milter attached) and "the
           outside world" (acme.test and globex.test, the contacts' mailboxes;
           it rejects unknown users as a real MTA does) -- SMTP between them,
           cadenced submitting each step to Postfix, cadence-milter signing it
           (DKIM, our.test), delivery to Maildirs, Postfix's own bounce.
Simulated: the clock (each "cadenced --once --now=TIME" is one pass of the
           scheduler at TIME: a week goes by in seconds); the contacts' answers
           (this script sends them through the outside world's MTA as their
           mail clients would); the rep's phone calls (marked done when due).
EOF
if "$BED_MILTER" -h 2>/dev/null | grep -q -- "-t FILE"; then
	echo "           cadence-milter reads the same simulated clock (-t FILE)."
else
	echo "           cadence-milter acts on the real clock: its events carry today's date."
fi

say "timeline (elapsed real time, simulated time, event)"
BED_REPS="ann@our.test"
BED_CONTACTS="pat@acme.test lee@acme.test"   # max@globex.test has no mailbox
BED_SIGN_ALL=no    # sequence mail is signed because it is sequence mail
bed_trap
bed_up || exit 1
e2e_world > /dev/null || exit 1
bed_say "sequence \"$E2E_SEQ\" imported: 5 touches over 7 business days, window 08:00-18:00 in the contact's zone"

t0=2026-12-07T14:00:00Z
bed_clock "$t0"
e2e_rep "$t0" ann@our.test "Ann Example" America/New_York
bed_say "rep ann@our.test added (Ann Example, New York)"
bed_ctl --now "$t0" contact import "$top/contrib/demo/contacts.csv" > /dev/null
bed_say "contacts imported: pat@acme.test (New York), lee@acme.test (Berlin), max@globex.test (Chicago; no such mailbox)"
e2e_enroll "$t0" "$E2E_SEQ" ann@our.test pat@acme.test lee@acme.test max@globex.test || exit 1
E2E_WATCH="pat@acme.test=America/New_York lee@acme.test=Europe/Berlin ann@our.test=America/New_York"

e2e_clock "$t0" "$t0" 60 ann@our.test
if grep -q "to=<max@globex.test>.*status=bounced" "$BED_ORG/maillog"; then
	bed_say "globex.test answered 550 5.1.1 for max@globex.test; our.test's Postfix wrote its own DSN to the VERP address"
	e2e_wait_state max@globex.test unenrolled 10
	bed_say "  cadence: max is $(e2e_state_text max@globex.test)"
fi

# Lee's out-of-office, through acme.test's MTA, seconds after step 1.
f1=$(e2e_step1 lee@acme.test)
bed_clock 2026-12-07T14:00:05Z
if [ -n "$f1" ]; then
	e2e_mail out-of-office "$BED_DIR/ooo.eml" FROM=lee@acme.test FROMNAME="Lee Berg" FROMDOMAIN=acme.test \
		TO=ann@our.test TONAME="Ann Example" SUBJECT="$(bed_hdr "$f1" Subject)" \
		INREPLYTO="$(bed_hdr "$f1" Message-Id | tr -d '<>')" MSGID="ooo-demo-1@acme.test" \
		DATE="$(e2e_rfc2822 $BED_SIM)" RETURN="Thursday, December 10, 2026"
	e2e_from_outside "$BED_DIR/ooo.eml" lee@acme.test ann@our.test &&
		bed_say "lee@acme.test's mailbox answers: \"out of the office until Thursday, December 10\" (simulated)"
	bed_wait_mail ann@our.test 1 10
	e2e_watch_report
	e2e_wait_state lee@acme.test paused 10
	bed_say "  cadence: lee is $(e2e_state_text lee@acme.test)"
fi

e2e_clock 2026-12-07T15:00:00Z 2026-12-09T15:00:00Z 60 ann@our.test

# Pat's reply, from Thunderbird, through acme.test's MTA.
f1=$(e2e_step1 pat@acme.test)
bed_clock 2026-12-09T15:30:00Z
if [ -n "$f1" ]; then
	e2e_mail reply "$BED_DIR/reply.eml" FROM=pat@acme.test FROMNAME="Pat Jones" TO=ann@our.test \
		TONAME="Ann Example" SUBJECT="$(bed_hdr "$f1" Subject)" \
		INREPLYTO="$(bed_hdr "$f1" Message-Id | tr -d '<>')" MSGID="reply-demo-1@acme.test" \
		DATE="$(e2e_rfc2822 $BED_SIM)" QDATE="Mon, Dec 7, 2026 at 9:00 AM"
	e2e_from_outside "$BED_DIR/reply.eml" pat@acme.test ann@our.test &&
		bed_say "pat@acme.test replies: \"Thursday at 15:00 works for us\" (simulated)"
	bed_wait_mail ann@our.test 2 10
	e2e_watch_report
	e2e_wait_state pat@acme.test unenrolled 10
	bed_say "  cadence: pat is $(e2e_state_text pat@acme.test)"
fi

bed_say "a week of business days goes by"
e2e_clock 2026-12-09T16:00:00Z 2026-12-15T23:00:00Z 60 ann@our.test
bed_clock ""

say "the mailboxes"
for a in pat@acme.test lee@acme.test ann@our.test; do
	case $a in
	pat@*) z=America/New_York ;;
	lee@*) z=Europe/Berlin ;;
	*) z=America/New_York ;;
	esac
	echo "$a ($z):"
	for f in $(bed_mails "$a"); do
		dk="no DKIM signature"
		if [ -n "$(bed_hdr "$f" DKIM-Signature)" ]; then
			if bed_dkim "$f"; then dk="DKIM pass (d=our.test)"; else dk="DKIM FAIL"; fi
		fi
		printf '  %-20s  %-40s from %-16s %s\n' "$(bed_py "$BED_MAILCHECK" localtime "$f" "$z")" \
			"\"$(bed_hdr "$f" Subject | cut -c1-38)\"" "$(bed_hdr "$f" From | sed 's/.*<//; s/>.*//')" "$dk"
	done
done
echo "max@globex.test: no mailbox ($(grep -c "to=<max@globex.test>.*status=bounced" "$BED_ORG/maillog") bounced by globex.test)"

say "cadencectl status"
bed_ctl status
say "cadencectl events (inbound signals and stops)"
bed_ctl events 2>/dev/null | awk 'NR == 1 { h = $0; next }
	/replied|auto_reply|bounced|paused|resumed|unenrolled|suppressed|unsubscribed/ { if (h) print h; h = ""; print }
	END { if (h) print "(none)" }'

say "stopping everything"
bed_down
trap - EXIT
echo "demo: done; both Postfix instances, the milter and the bed's files are gone (the build stays in _demo/)"
