#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# tests/e2e/run.sh - cadence end to end on real Postfix (issue 4): the entry
# point `make check` runs. Sets up the bed of bed.sh once (two private
# Postfix instances on loopback, cadence-milter, the store), runs the
# scenarios of scenarios.sh in order, prints the timeline and one line per
# scenario, tears everything down (also on failure or a signal) and ends
# with "e2e: N passed, M failed, K skipped".
#
#   tests/e2e/run.sh [SCENARIO...]     e.g. run.sh 1 10; default: all
#
# Exit: 0 when nothing failed (skips allowed), 1 on a failure, 77 when the
# whole test cannot run here (not root, Postfix or swaks missing: the
# message says so), 99 when the build is incomplete.
# E2E_KEEP=1 keeps the bed's directory (configs, logs, Maildirs, store).
# All traffic is on 127.0.0.1/127.0.0.2; DNS is never used.

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/e2e/bed.sh
. "$here/bed.sh"
# shellcheck source=tests/e2e/scenarios.sh
. "$here/scenarios.sh"

bed_need
rc=$?
if [ $rc != 0 ]; then
	[ $rc = 77 ] && echo "e2e: SKIP (0 passed, 0 failed, all skipped)"
	exit $rc
fi

all="1 2 3 4 5 6a 6b 7 8 9 10 11 12 13 14 15"
wanted=${*:-$all}

bed_trap
BED_REPS=$E2E_REPS
BED_CONTACTS=$E2E_CONTACTS
BED_SIGN_ALL=no     # sequence mail is signed because it is sequence mail
echo "e2e: setting up the bed (two Postfix instances on loopback, cadence-milter, the store)"
echo "     elapsed  simulated time       event"
if ! bed_up || ! e2e_world; then
	echo "e2e: the bed did not come up; logs:"
	[ -n "$BED_DIR" ] && tail -n 30 "$BED_DIR"/org/maillog "$BED_DIR"/milter.log 2>/dev/null
	echo "e2e: 0 passed, 1 failed, 0 skipped"
	exit 1
fi
[ "$BED_SIGN_ALL" = yes ] && bed_say "the milter has no sequence-mail gate yet: SignAllOutbound yes signs sequence mail"

passed=0
failed=0
skipped=0
summary=""
for n in $wanted; do
	if ! declare -F "scen_$n" > /dev/null; then
		echo "e2e: no scenario $n"
		failed=$((failed + 1))
		continue
	fi
	bed_clock ""
	E2E_FAILS=0
	E2E_SKIP_REASON=""
	bed_say "==== scenario $n: $(e2e_title "$n")"
	scen_"$n"
	rc=$?
	bed_clock ""
	case $rc in
	0) passed=$((passed + 1)); line="PASS  scenario $n: $(e2e_title "$n")" ;;
	77) skipped=$((skipped + 1)); line="SKIP  scenario $n: $(e2e_title "$n") -- $E2E_SKIP_REASON" ;;
	*) failed=$((failed + 1)); line="FAIL  scenario $n: $(e2e_title "$n")" ;;
	esac
	bed_say "$line"
	summary="$summary$line
"
done

if [ "$failed" -gt 0 ]; then
	echo
	echo "---- logs of the failed run (tail) ----"
	tail -n 15 "$BED_DIR/milter.log" "$BED_DIR/cadenced.log" 2>/dev/null
	grep -E "warning|error|fatal|reject" "$BED_ORG/maillog" "$BED_OUT/maillog" 2>/dev/null | tail -n 15
fi
bed_say "tearing the bed down"
echo
printf '%s' "$summary"
echo "e2e: $passed passed, $failed failed, $skipped skipped"
[ "$failed" = 0 ]
