# SPDX-License-Identifier: BSD-2-Clause
# tests/lib/pgserver.sh - a private PostgreSQL server for a test (sourced).
#
#   . "$CADENCE_SRCDIR/tests/lib/pgserver.sh"
#   pg_up            # or the test exits 77 (skipped) with the reason
#   ... "$PG_CONNINFO" ...
#   pg_down          # also run from the EXIT trap pg_up sets
#
# pg_up makes a temporary directory, runs initdb in it as the unprivileged
# "postgres" user when we are root (the directory is chowned to it), starts
# postgres listening on a unix socket in that directory only (no TCP port,
# no network), waits (bounded) until it accepts connections and creates
# the database cadence_test. It exports PG_DIR, PG_BIN and PG_CONNINFO
# ("host=<dir> dbname=cadence_test user=<user>"). Every wait is bounded
# (PG_WAIT seconds, default 30). The server's binaries are found by glob
# (/usr/lib/postgresql/*/bin, newest first) or on PATH.

PG_WAIT=${PG_WAIT:-30}
PG_DIR=
PG_BIN=
PG_CONNINFO=
PG_RUNAS=

pg_skip() {
	echo "SKIP: $*" >&2
	exit 77
}

# Runs a server binary as the server's user.
pg_as() {
	if [ -n "$PG_RUNAS" ]; then
		runuser -u "$PG_RUNAS" -- "$@"
	else
		"$@"
	fi
}

pg_find_bin() {
	local d
	for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -t/ -k5 -n -r); do
		if [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ] && [ -x "$d/postgres" ]; then
			PG_BIN=$d
			return 0
		fi
	done
	if command -v initdb >/dev/null 2>&1 && command -v pg_ctl >/dev/null 2>&1; then
		PG_BIN=$(dirname "$(command -v initdb)")
		return 0
	fi
	return 1
}

pg_down() {
	if [ -n "$PG_DIR" ] && [ -d "$PG_DIR" ]; then
		if [ -f "$PG_DIR/data/postmaster.pid" ]; then
			pg_as timeout "$PG_WAIT" "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m fast \
				-w -t "$PG_WAIT" stop >/dev/null 2>&1 ||
				{
					pid=$(head -1 "$PG_DIR/data/postmaster.pid" 2>/dev/null)
					[ -n "$pid" ] && kill -9 "$pid" 2>/dev/null
				}
		fi
		rm -rf "$PG_DIR"
	fi
	PG_DIR=
}

# pg_start: starts the server of PG_DIR (again) and waits until it takes
# connections; unix socket in PG_DIR only, small and quick (fsync off: test
# data). Status 0 when it runs.
pg_start() {
	pg_as timeout "$PG_WAIT" "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" \
		-w -t "$PG_WAIT" \
		-o "-k $PG_DIR -c listen_addresses='' -c fsync=off -c full_page_writes=off -c synchronous_commit=off -c max_connections=50" \
		start >/dev/null 2>&1
}

# pg_stop: stops it (fast: sessions are cut) and waits until it is down.
pg_stop() {
	pg_as timeout "$PG_WAIT" "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m fast -w -t "$PG_WAIT" \
		stop >/dev/null 2>&1
}

pg_up() {
	local user i
	pg_find_bin || pg_skip "no PostgreSQL server binaries (initdb, pg_ctl, postgres;" \
		"Debian: apt-get install -y postgresql)"
	user=$(id -un)
	if [ "$(id -u)" -eq 0 ]; then
		id postgres >/dev/null 2>&1 || pg_skip "running as root and no 'postgres' user"
		PG_RUNAS=postgres
		user=postgres
	fi
	PG_DIR=$(mktemp -d /tmp/cadence-pg-XXXXXX) || pg_skip "mktemp failed"
	trap pg_down EXIT
	trap 'exit 1' INT TERM HUP
	chmod 0700 "$PG_DIR"
	[ -n "$PG_RUNAS" ] && chown "$PG_RUNAS" "$PG_DIR"
	if ! pg_as timeout "$PG_WAIT" "$PG_BIN/initdb" -D "$PG_DIR/data" -U "$user" \
		-A trust -E UTF8 --no-locale >"$PG_DIR/initdb.log" 2>&1; then
		sed 's/^/initdb: /' "$PG_DIR/initdb.log" >&2
		pg_skip "initdb failed (see above)"
	fi
	if ! pg_start; then
		sed 's/^/postgres: /' "$PG_DIR/server.log" >&2
		echo "pgserver.sh: the server did not start" >&2
		exit 1
	fi
	i=0
	until pg_as "$PG_BIN/pg_isready" -q -h "$PG_DIR" -U "$user" -d postgres; do
		i=$((i + 1))
		if [ "$i" -gt $((PG_WAIT * 10)) ]; then
			echo "pgserver.sh: the server does not accept connections" >&2
			exit 1
		fi
		sleep 0.1
	done
	if ! pg_as timeout "$PG_WAIT" "$PG_BIN/createdb" -h "$PG_DIR" -U "$user" cadence_test \
		>"$PG_DIR/createdb.log" 2>&1; then
		cat "$PG_DIR/createdb.log" >&2
		echo "pgserver.sh: createdb failed" >&2
		exit 1
	fi
	PG_CONNINFO="host=$PG_DIR dbname=cadence_test user=$user"
	export PG_DIR PG_BIN PG_CONNINFO
}
