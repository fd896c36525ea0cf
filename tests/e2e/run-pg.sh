#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# tests/e2e/run-pg.sh - every end-to-end scenario of run.sh again, with the
# store on a private PostgreSQL server (tests/lib/pgserver.sh) instead of
# the SQLite file (issue 17: same behaviour on both backends).
#
#   tests/e2e/run-pg.sh [SCENARIO...]
#
# Exit as run.sh; 77 when no PostgreSQL server can be started here (the
# reason is printed).
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/lib/pgserver.sh
. "$here/../lib/pgserver.sh"
pg_up                     # exits 77 with the reason when it cannot
# cadence-milter and cadenced run as postfix (UserID): they reach the
# socket in PG_DIR (the server's data directory inside it stays 0700)
chmod 0711 "$PG_DIR"
echo "e2e: the store is on PostgreSQL ($PG_CONNINFO)"
BED_DATABASE=$PG_CONNINFO "$here/run.sh" "$@"
rc=$?
pg_down
exit $rc
