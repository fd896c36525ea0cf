#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# tests/store/pg.sh - issue 17: the store's unit tests on PostgreSQL.
#
# Starts a private PostgreSQL server (tests/lib/pgserver.sh: initdb in a
# temporary directory, a unix socket there, no network) and runs the
# built store tests with CADENCE_TEST_DATABASE set to its conninfo: the
# fixture (tests/unit/store_fixture.c) then gives each test an empty
# database instead of a SQLite file. The tests that open SQLite files of
# their own still do (those that write the file with sqlite3_* skip).
# Then tests/store/sqlcheck.py prepares every static SQL text of
# src/store/store_*.c on the server (a control must fail).
# Exit 77 (skipped) when this build has no libpq or the server's binaries
# are missing; every test listed must pass. About 75 s (an empty schema
# and its migration per test); PG_TESTS="test_store ..." runs fewer.
set -u
src=${CADENCE_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
build=${CADENCE_BUILDDIR:-$(pwd)}

if ! grep -q '^#define HAVE_LIBPQ 1' "$build/config.h" 2>/dev/null; then
	echo "SKIP: built without PostgreSQL (libpq)" >&2
	exit 77
fi
. "$src/tests/lib/pgserver.sh"
pg_up
CADENCE_TEST_DATABASE=$PG_CONNINFO
export CADENCE_TEST_DATABASE
echo "pg.sh: server in $PG_DIR ($PG_BIN)"

# The store's own tests, then the other tests built on the store fixture
# (store_fixture.c, milter_fixture.c) that pass on PostgreSQL.
PG_TESTS=${PG_TESTS:-"test_store_pg test_store test_store_rep test_store_contact test_store_enroll
	test_store_ledger test_store_due test_store_external test_store_claim test_store_copy
	test_enroll test_enroll_mail test_enroll_project test_pass test_pass_steps test_rules
	test_unsub_link test_milter_factcache test_milter_filter test_milter_act"}
fails=0
for t in $PG_TESTS; do
	bin=$build/tests/unit/$t
	if [ ! -x "$bin" ]; then
		echo "FAIL: $t: $bin not built"
		fails=$((fails + 1))
		continue
	fi
	echo "== $t on PostgreSQL"
	if timeout 300 "$bin"; then
		echo "ok: $t"
	else
		echo "FAIL: $t (exit $?)"
		fails=$((fails + 1))
	fi
done
# Every static SQL text of the store prepares on PostgreSQL (the database
# is at the current schema: each test above left its store in place).
echo "== sqlcheck: the store's SQL on PostgreSQL"
if python3 "$src/tests/store/sqlcheck.py" "$src" "$build" "$PG_CONNINFO" "$PG_BIN/psql" \
	$(ls "$src"/src/store/store_*.c | grep -v 'store_drv_\|store_schema'); then
	echo "ok: sqlcheck"
else
	echo "FAIL: sqlcheck"
	fails=$((fails + 1))
fi
# cadencectl doctor on a PostgreSQL store: the owner's connection is OK
# (schema current, every table readable and writable); control: a role
# that may only read is reported, naming a table, and nothing is written.
echo "== cadencectl doctor on PostgreSQL"
dconf=$PG_DIR/doctor.conf
printf 'Database %s\nSecretFile %s/secret\nDomain cadence.example.test\n' "$PG_CONNINFO" "$PG_DIR" > "$dconf"
doctor_store() { # CONF: the "store" check's status and message
	"$build/ctl/cadencectl" -c "$1" --json doctor 2>/dev/null | python3 -c '
import json, sys
d = json.load(sys.stdin)
for c in d.get("checks", []):
    if c.get("check") == "store":
        print(c.get("status"), c.get("detail"))'
}
if "$build/ctl/cadencectl" -c "$dconf" init >/dev/null 2>&1 &&
	out=$(doctor_store "$dconf") && echo "$out" | grep -q "^OK .*schema version .*may read and write"; then
	echo "ok: doctor: $out"
else
	echo "FAIL: doctor on the owner's connection: ${out:-no store check}"
	fails=$((fails + 1))
fi
pg_as "$PG_BIN/psql" -q -h "$PG_DIR" -d cadence_test \
	-c "CREATE ROLE visitor LOGIN" -c "GRANT USAGE ON SCHEMA public TO visitor" \
	-c "GRANT SELECT ON ALL TABLES IN SCHEMA public TO visitor" \
	>/dev/null 2>&1
sed "s/user=[^ ]*/user=visitor/" "$dconf" > "$PG_DIR/doctor-visitor.conf"
out=$(doctor_store "$PG_DIR/doctor-visitor.conf")
if echo "$out" | grep -q "^FAIL .*table [a-z_]*: .*permission denied"; then
	echo "ok: control: a role without rights is reported: $out"
else
	echo "FAIL: control: doctor did not report the role without rights: ${out:-no store check}"
	fails=$((fails + 1))
fi
if [ "$fails" -gt 0 ]; then
	echo "pg.sh: $fails test program(s) failed on PostgreSQL"
	exit 1
fi
echo "pg.sh: all passed on PostgreSQL"
exit 0
