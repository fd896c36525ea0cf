#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# tests/kill/pair.sh - two cadenced at once on one store (issue 17): the
# kill loop of tests/kill/kill.sh with KILL_PAIR=1: each round two
# cadenced --once run their passes at the same time against the same store,
# Postfix and milter (as two mail hosts sharing a store), and one of them,
# chosen at random, is killed at a random moment; the other runs to its
# end. The claims (store_sched.h, store_due_claim) must keep every step
# sent exactly once, none lost, and no message submitted twice (the gate
# rejected nothing), with two reps sharing the contacts.
# Control: the same bed with CADENCED_TEST_NO_CLAIMS=1 (claims off, a test
# switch of cadenced): the harness must see the bad outcome (the gate
# refusing second copies submitted by the other instance, duplicates or
# losses, or an instance that does not end well); the control passes when
# kill.sh fails with such a finding.
# PAIR_ROUNDS kills (default 8) and PAIR_CONTROL_ROUNDS (default 4);
# about 2 minutes. `make check-kill-pair-long` runs 200 kills.
S=${CADENCE_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
KILL=$S/tests/kill/kill.sh
NAME=pair
export KILL_PAIR=1 KILL_REPS=${KILL_REPS:-2}
export KILL_CONTACTS=${KILL_CONTACTS:-60} KILL_BATCH=${KILL_BATCH:-60}
T=$(mktemp -d "${TMPDIR:-/tmp}/cadence-pair.XXXXXX") || exit 99
trap 'rm -rf "$T"' EXIT

KILL_NAME=pair KILL_ROUNDS=${PAIR_ROUNDS:-8} bash "$KILL" >"$T/claims.out" 2>&1
rc=$?
cat "$T/claims.out"
[ "$rc" = 77 ] && exit 77
failed=0
if [ "$rc" != 0 ]; then
	echo "FAIL: $NAME: with claims: kill.sh exited $rc"
	failed=1
fi

# (on PostgreSQL, tests/kill/pg.sh gives the control its own database)
[ -n "${PAIR_CONTROL_DATABASE:-}" ] && export KILL_DATABASE=$PAIR_CONTROL_DATABASE
CADENCED_TEST_NO_CLAIMS=1 KILL_NAME=pair-control KILL_ROUNDS=${PAIR_CONTROL_ROUNDS:-4} \
	bash "$KILL" >"$T/control.out" 2>&1
crc=$?
grep -v '^\.\./\|Aborted' "$T/control.out" | grep "^pair-control\|^FAIL" | head -n 20
found=$(grep -c '^FAIL: \(the gate rejected nothing\|no duplicate\|no step lost\|round [0-9]*: the instance not killed\|one step_sent\)' "$T/control.out")
if [ "$crc" != 0 ] && [ "$found" -gt 0 ]; then
	echo "$NAME: control (no claims): detected ($found finding(s))"
else
	echo "FAIL: $NAME: control (no claims): the harness saw nothing wrong (kill.sh exited $crc)"
	failed=1
fi
echo "$NAME: $([ "$failed" = 0 ] && echo passed || echo failed)"
exit "$failed"
