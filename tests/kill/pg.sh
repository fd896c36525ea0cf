#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# tests/kill/pg.sh - the exactly-once kill tests with the store on
# PostgreSQL (issue 17): a private server (tests/lib/pgserver.sh), then
#   1. kill.sh: one cadenced killed with SIGKILL at random moments
#      (PG_KILL_ROUNDS kills, default 200), every step received exactly
#      once through Postfix and the milter (the witness on PostgreSQL);
#   2. pair.sh's rounds: two cadenced racing on the store, one killed per
#      round (PG_PAIR_ROUNDS, default 6), with its control (claims off:
#      the harness sees second copies refused by the gate).
# Each part's database is fresh. Exit 77 when this build has no libpq or
# no server can be started; 1 when a part fails.
# `make check-kill-pg-long` runs 1000 kills and 200 pair rounds.
S=${CADENCE_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
B=${CADENCE_BUILDDIR:-$(pwd)}
if ! grep -q '^#define HAVE_LIBPQ 1' "$B/config.h" 2>/dev/null; then
	echo "SKIP: built without PostgreSQL (libpq)"
	exit 77
fi
# shellcheck source=tests/lib/pgserver.sh
. "$S/tests/lib/pgserver.sh"
pg_up
# cadence-milter and cadenced run as postfix (UserID): they reach the
# socket in PG_DIR (the server's data directory in it stays 0700)
chmod 0711 "$PG_DIR"
export KILL_PSQL=$PG_BIN/psql

# fresh_db NAME: an empty database; prints its conninfo
fresh_db() {
	pg_as "$PG_BIN/createdb" -h "$PG_DIR" -U postgres "$1" >/dev/null 2>&1 || return 1
	echo "host=$PG_DIR dbname=$1 user=postgres"
}

failed=0
db=$(fresh_db kill_single) || { echo "FAIL: createdb"; exit 1; }
echo "== kill.sh on PostgreSQL ($db)"
if KILL_DATABASE=$db KILL_NAME=kill-pg KILL_ROUNDS=${PG_KILL_ROUNDS:-200} bash "$S/tests/kill/kill.sh"; then
	echo "ok: kill.sh on PostgreSQL"
else
	echo "FAIL: kill.sh on PostgreSQL"
	failed=1
fi
db=$(fresh_db kill_pair) || { echo "FAIL: createdb"; exit 1; }
db2=$(fresh_db kill_pair_control) || { echo "FAIL: createdb"; exit 1; }
echo "== pair.sh on PostgreSQL ($db, control $db2)"
if KILL_DATABASE=$db PAIR_CONTROL_DATABASE=$db2 PAIR_ROUNDS=${PG_PAIR_ROUNDS:-6} \
	bash "$S/tests/kill/pair.sh"; then
	echo "ok: pair.sh on PostgreSQL"
else
	echo "FAIL: pair.sh on PostgreSQL"
	failed=1
fi
pg_down
exit "$failed"
