#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# tests/migrate/test_migrate.sh - "cadencectl migrate --to TARGET" (issue
# 17): a store filled with cadencectl (reps, a sequence, contacts,
# enrollments, a pause, suppressions, a token, a webhook and its outbox)
# is copied to a new SQLite file: every table "checksum ok", exit 0, the
# copy lists what the source lists and takes new rows; refused (exit 1,
# the target untouched): a non-empty target, a target of an older schema
# version, the store itself, a source with a table the copy does not
# know (control: the copy's check is live); a password in TARGET is
# refused (exit 2) before anything is opened. A failed copy into a file
# it created removes that file (a copy that fills the disk, and its
# control without the limit); an existing empty file is kept.
# Then, with a private PostgreSQL server (tests/lib/pgserver.sh; this part
# is skipped with its reason when the build has no libpq or the server
# cannot start): SQLite -> PostgreSQL -> SQLite, the round trip equal to
# the source; test_store_copy against the server both ways (SQLite to
# PostgreSQL with new ids after the copied ones, PostgreSQL to SQLite).
set -u

B=${CADENCE_BUILDDIR:-$(pwd)}
S=${CADENCE_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
CTL=$B/ctl/cadencectl
F=$S/tests/ctl
T=$(mktemp -d "${TMPDIR:-/tmp}/cadence-migrate.XXXXXX") || exit 99
trap 'rm -rf "$T"' EXIT INT TERM
# shellcheck source=tests/lib/ctltest.sh
CTLTEST_SAY_OK=1
. "$S/tests/lib/ctltest.sh"

NOW=2026-12-07T10:00:00Z
DB=$T/a.db
CONF=$T/cadence.conf
printf 'Database %s\nDomain cadence.our.test\nSecretFile %s\n' "$DB" "$T/secret" >"$CONF"
SMALL='VP Sales – Outbound – SDR Team'

# The listings that must be equal between two stores (by -d).
listing() {
	for cmd in "user list" "sequence list" "status" "events --limit 1000" \
		"suppress list" "token list" "webhook list" "task list"; do
		echo "== $cmd"
		# shellcheck disable=SC2086
		"$CTL" -c "$CONF" -d "$1" --now "$NOW" $cmd 2>&1 || echo "exit $?"
	done
}
# 1 table line "checksum ok" per table, the summary, exit 0.
copied_ok() {
	rc_is 0 && [ "$(grep -c ': [0-9]* rows, checksum ok$' "$T/out")" -ge 17 ] &&
		! grep -q DIFFERS "$T/out" && out_has "every table verified"
}

# ---- a source with a row in most tables ----
ctl init
check "init" rc_is 0
ctl user add ann@our.test --name "Ann Example" --tz Europe/Berlin
ctl user add bob@our.test --name "Bob Builder"
ctl sequence import "$F/small.seq"
check "sequence import" rc_is 0
ctl contact import "$F/contacts.csv"
ctl webhook add https://crm.test/hook
check "webhook add" rc_is 0
ctl enroll --sequence "$SMALL" --as ann@our.test carol@prospect.test dave@prospect.test
check "enroll" rc_is 0
ctl pause 2 --reason "out of office"
check "pause" rc_is 0
ctl suppress add rival.test --kind competitor --note "not them"
ctl token add crm --admin
check "token add" rc_is 0
for t in events webhook_outbox users contacts enrollments suppressions api_tokens; do
	n=$(sqlite3 "$DB" "SELECT COUNT(*) FROM $t")
	if [ "${n:-0}" -lt 1 ]; then
		rc=0
		bad "the source has rows in $t"
	fi
done
listing "$DB" >"$T/src.list"

# ---- SQLite to SQLite ----
ctl migrate --to "$T/b.db"
check "migrate to a new file: every table checksum ok, exit 0" copied_ok
check "migrate says to stop the daemons and to change Database" \
	eval 'out_has "cadenced and the milter" && out_has "set Database in cadence.conf"'
check "the counts printed are the source's" \
	eval "out_has \"users: 2 rows, checksum ok\" &&
	      out_has \"webhook_outbox: $(sqlite3 "$DB" 'SELECT COUNT(*) FROM webhook_outbox') rows, checksum ok\""
listing "$T/b.db" >"$T/b.list"
if cmp -s "$T/src.list" "$T/b.list"; then ok "the copy lists what the source lists"; else
	rc=0; diff "$T/src.list" "$T/b.list" >"$T/out"; bad "the copy lists what the source lists"; fi
check "the outbox trigger added no row" \
	[ "$(sqlite3 "$DB" 'SELECT COUNT(*) FROM webhook_outbox')" = \
	  "$(sqlite3 "$T/b.db" 'SELECT COUNT(*) FROM webhook_outbox')" ]
maxu=$(sqlite3 "$T/b.db" 'SELECT MAX(id) FROM users')
"$CTL" -c "$CONF" -d "$T/b.db" user add cid@our.test --name Cid >"$T/out" 2>"$T/err"
rc=$?
check "the copy takes a new rep, with the next id" \
	eval "rc_is 0 && [ \"\$(sqlite3 '$T/b.db' \"SELECT id FROM users WHERE email = 'cid@our.test'\")\" -eq $((maxu + 1)) ]"

# ---- refusals ----
sum_b=$(sqlite3 "$T/b.db" .dump | sha256sum)
ctl migrate --to "$T/b.db"
check "a non-empty target is refused (exit 1)" \
	eval 'rc_is 1 && err_has "is not empty" && ! out_has "checksum ok"'
check "... and left untouched" [ "$(sqlite3 "$T/b.db" .dump | sha256sum)" = "$sum_b" ]

"$CTL" -c "$CONF" -d "$T/old.db" init >/dev/null 2>&1
v=$(sqlite3 "$T/old.db" 'SELECT MAX(version) FROM schema_version')
sqlite3 "$T/old.db" "DELETE FROM schema_version WHERE version = $v"
sum_o=$(sqlite3 "$T/old.db" .dump | sha256sum)
ctl migrate --to "$T/old.db"
check "a target of an older schema version is refused (exit 1)" \
	eval "rc_is 1 && err_has 'schema version $((v - 1))'"
check "... not upgraded, untouched" [ "$(sqlite3 "$T/old.db" .dump | sha256sum)" = "$sum_o" ]

ctl migrate --to "$DB"
check "the store itself is refused" eval 'rc_is 1 && err_has "is the store itself"'

ctl migrate --to 'postgresql://cadence:s3cret@db.example.test/cadence'
check "a password in a URI is refused (exit 2), pointing to .pgpass" \
	eval 'rc_is 2 && err_has "~/.pgpass" && err_has "PGPASSFILE" && ! err_has s3cret'
ctl migrate --to 'host=db.example.test dbname=cadence password=s3cret'
check "a password keyword is refused (exit 2)" eval 'rc_is 2 && err_has "~/.pgpass"'
ctl migrate --to 'postgresql://db.example.test/cadence?sslmode=require&password=s3cret'
check "a password URI parameter is refused (exit 2)" eval 'rc_is 2 && err_has "~/.pgpass"'
ctl migrate
check "migrate without --to is a usage error" eval 'rc_is 2 && err_has "--to TARGET"'

# control: the schema check is live (a table the copy does not know)
cp "$DB" "$T/x.db"
sqlite3 "$T/x.db" 'CREATE TABLE later_feature (id INTEGER PRIMARY KEY, x TEXT);
	INSERT INTO later_feature (x) VALUES (1)'
"$CTL" -c "$CONF" -d "$T/x.db" migrate --to "$T/x2.db" >"$T/out" 2>"$T/err"
rc=$?
check "control: a source with an unknown table is refused, naming it" \
	eval 'rc_is 1 && err_has "later_feature" && ! out_has "verified"'
check "... and the file it created is removed" [ ! -e "$T/x2.db" ]
: >"$T/x3.db"
"$CTL" -c "$CONF" -d "$T/x.db" migrate --to "$T/x3.db" >"$T/out" 2>"$T/err"
rc=$?
check "an empty file given as the target is kept when the copy fails" \
	eval 'rc_is 1 && [ -e "$T/x3.db" ] && [ "$(sqlite3 "$T/x3.db" "SELECT COUNT(*) FROM users")" = 0 ]'

# A disk that fills during the copy (RLIMIT_FSIZE a little over an empty
# store's size, SIGXFSZ ignored so that the write fails with EFBIG): exit
# 1 naming the target, nothing half-made left behind.
{
	echo email,firstname,lastname,company
	i=0
	while [ $i -lt 3000 ]; do
		i=$((i + 1))
		echo "p$i@prospect$((i % 50)).test,First$i,Last$i,Company $i of a name long enough to fill pages"
	done
} >"$T/many.csv"
cp "$DB" "$T/big.db"
"$CTL" -c "$CONF" -d "$T/big.db" contact import "$T/many.csv" >/dev/null 2>&1
"$CTL" -c "$CONF" -d "$T/empty.db" init >/dev/null 2>&1
lim=$(($(stat -c %s "$T/empty.db") + 65536))
python3 -c 'import os, resource, signal, sys
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
resource.setrlimit(resource.RLIMIT_FSIZE, (int(sys.argv[1]), int(sys.argv[1])))
os.execv(sys.argv[2], sys.argv[2:])' "$lim" "$CTL" -c "$CONF" -d "$T/big.db" \
	migrate --to "$T/full.db" >"$T/out" 2>"$T/err"
rc=$?
check "a copy that fills the disk fails (exit 1), naming the target" \
	eval 'rc_is 1 && err_has "$T/full.db" && ! out_has "verified"'
check "... and removes the file it created, with its -wal and -shm" \
	eval '[ ! -e "$T/full.db" ] && [ ! -e "$T/full.db-wal" ] && [ ! -e "$T/full.db-shm" ]'
"$CTL" -c "$CONF" -d "$T/big.db" migrate --to "$T/full.db" >"$T/out" 2>"$T/err"
rc=$?
check "control: the same copy without the limit succeeds" copied_ok

# ---- PostgreSQL ----
pgpart() {
	if ! grep -q '^#define HAVE_LIBPQ 1' "$B/config.h" 2>/dev/null; then
		echo "SKIP: built without PostgreSQL (libpq)" >&2
		exit 77
	fi
	. "$S/tests/lib/pgserver.sh"
	pg_up
	PG=$PG_CONNINFO
	ctl migrate --to "$PG"
	check "SQLite -> PostgreSQL: every table checksum ok, exit 0" copied_ok
	ctl migrate --to "$PG"
	check "a non-empty PostgreSQL target is refused" eval 'rc_is 1 && err_has "is not empty"'
	"$CTL" -c "$CONF" -d "$PG" --now "$NOW" migrate --to "$T/back.db" >"$T/out" 2>"$T/err"
	rc=$?
	check "PostgreSQL -> SQLite: every table checksum ok, exit 0" copied_ok
	listing "$T/back.db" >"$T/back.list"
	if cmp -s "$T/src.list" "$T/back.list"; then ok "the round trip lists what the source lists"; else
		rc=0; diff "$T/src.list" "$T/back.list" >"$T/out"; bad "the round trip lists what the source lists"; fi
	echo "== test_store_copy: SQLite -> PostgreSQL (new ids after the copied ones)"
	CADENCE_TEST_PG_TARGET=$PG "$B/tests/unit/test_store_copy" >"$T/out" 2>&1
	rc=$?
	check "test_store_copy with a PostgreSQL target" eval 'rc_is 0 && ! out_has SKIPPED'
	echo "== test_store_copy: PostgreSQL -> SQLite"
	CADENCE_TEST_DATABASE=$PG "$B/tests/unit/test_store_copy" >"$T/out" 2>&1
	rc=$?
	check "test_store_copy with a PostgreSQL source" rc_is 0
	echo "pass=$pass failed=$failed"
	[ "$failed" -eq 0 ]
}
echo "pass=$pass failed=$failed (SQLite)"
( pgpart )
prc=$?
if [ "$prc" -eq 77 ]; then
	echo "PostgreSQL part skipped (see the reason above)"
elif [ "$prc" -ne 0 ]; then
	failed=$((failed + 1))
	echo "FAIL: the PostgreSQL part"
fi
[ "$failed" -eq 0 ] || exit 1
exit 0
