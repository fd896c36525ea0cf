#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# bench/bench_pg.sh - the store on PostgreSQL beside SQLite, in the same run
# (issue 17). A bench: it prints figures, asserts none, and is never run by
# `make check` (`make bench-pg`, or by hand in a build directory, as root).
#
#   CADENCE_BUILDDIR=. CADENCE_SRCDIR=.. bash ../bench/bench_pg.sh
#
# Starts a private PostgreSQL server (tests/lib/pgserver.sh: a unix socket in
# a temporary directory, fsync off, synchronous_commit off) and an smtp-sink
# on loopback, then, BENCH_ROUNDS rounds (default 3), each round running the
# SQLite store and the PostgreSQL store one after the other, the order
# alternating from round to round (so that neither always has the quieter
# turn of a shared machine), the load average read before each run:
#
#   pass  bench_pass -n BENCH_PASS_N (20,000) -d BENCH_PASS_DUE (2,000):
#         one real scheduling pass sending every due step to smtp-sink;
#         messages per second (wall), this process's CPU and, on
#         PostgreSQL, the server's CPU (its processes, from /proc) per
#         message sent;
#   due   bench_due BENCH_DUE_N (100,000) with BENCH_DUE_DUE (10,000) due:
#         the first batch of 500, the drain (queries, and queries with the
#         defers' writes), CPU time; the drain's wall clock and, on
#         PostgreSQL, the server's CPU over the drain.
#
# SQLite's file is in BENCH_SQLITE_DIR (default /dev/shm: the server runs
# without fsync, so neither side waits for a disk; /tmp puts SQLite on disk
# with its fsyncs). Every PostgreSQL run gets a new database (createdb).
# BENCH_PG_DURABLE=1 restarts the server with PostgreSQL's defaults (fsync,
# synchronous_commit, full_page_writes on; its data in TMPDIR, /tmp): with
# BENCH_SQLITE_DIR=/tmp both stores wait for the same disk.
# Then, unless BENCH_PARTS leaves them out:
#
#   count   log_statement=all for one pass of BENCH_COUNT_DUE (200) messages
#           on PostgreSQL: the statements the pass sent (each one a round
#           trip; BEGIN and COMMIT included), per message, and the most
#           frequent ones;
#   milter  bench/bench_pg_milter.sh on the same server (cadence's mail:
#           witness and gate; mail that is not cadence's; SQLite beside
#           PostgreSQL, alternating).
#
# The summary prints, per figure, the median over the rounds on SQLite and
# on PostgreSQL, the median of the rounds' ratios PostgreSQL / SQLite, and
# the load averages. BENCH_PARTS="pass due count milter" (default: all).
# Needs root (the server runs as the postgres user; smtp-sink -u postfix),
# postgresql, postfix (smtp-sink), python3; bench_pass and bench_due built.
set -u

B=${CADENCE_BUILDDIR:-$(pwd)}
S=${CADENCE_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}
SINK=$(command -v smtp-sink || echo /usr/sbin/smtp-sink)
PY=python3
[ -x /usr/bin/python3 ] && PY=/usr/bin/python3
: "${BENCH_ROUNDS:=3}"
: "${BENCH_PASS_N:=20000}"
: "${BENCH_PASS_DUE:=2000}"
: "${BENCH_DUE_N:=100000}"
: "${BENCH_DUE_DUE:=10000}"
: "${BENCH_COUNT_DUE:=200}"
: "${BENCH_SQLITE_DIR:=/dev/shm}"
: "${BENCH_PARTS:=pass due count milter}"

say() { echo "bench_pg: $*"; }
die() { say "$*"; exit 1; }
[ "$(id -u)" = 0 ] || { say "needs root (the server as postgres, smtp-sink -u postfix)"; exit 1; }
for p in "$B/bench/bench_pass" "$B/bench/bench_due"; do
	[ -x "$p" ] || { say "$p is not built (make in the build directory)"; exit 1; }
done
command -v "$SINK" >/dev/null 2>&1 || { say "smtp-sink is not installed (package postfix)"; exit 1; }
has() { case " $BENCH_PARTS " in *" $1 "*) return 0 ;; esac; return 1; }

# shellcheck source=tests/e2e/pflib.sh
. "$S/tests/e2e/pflib.sh"
# shellcheck source=tests/lib/pgserver.sh
. "$S/tests/lib/pgserver.sh"
pg_up
# the daemons of the milter part run as postfix: they reach the socket
chmod 0711 "$PG_DIR"
DURABILITY="fsync off"
if [ -n "${BENCH_PG_DURABLE:-}" ]; then
	pg_stop || die "cannot stop the server"
	pg_as timeout "$PG_WAIT" "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" \
		-w -t "$PG_WAIT" -o "-k $PG_DIR -c listen_addresses='' -c max_connections=50" \
		start >/dev/null 2>&1 || die "the server did not start again with its defaults"
	DURABILITY="fsync $(pg_as "$PG_BIN/psql" -X -h "$PG_DIR" -U postgres -d postgres -Atc 'SHOW fsync')"
fi
T=$(mktemp -d "${TMPDIR:-/tmp}/cadence-bench-pg.XXXXXX") || exit 1
SQ=$(mktemp -d "$BENCH_SQLITE_DIR/cadence-bench-pg.XXXXXX") || exit 1
SINK_PID=
cleanup() {
	local rc=$?
	[ -n "$SINK_PID" ] && kill -TERM "$SINK_PID" 2>/dev/null && wait "$SINK_PID" 2>/dev/null
	rm -rf "$T" "$SQ"
	pg_down
	exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM HUP

export BENCH_SERVER_PID
BENCH_SERVER_PID=$(head -n 1 "$PG_DIR/data/postmaster.pid")
PSQL() { pg_as "$PG_BIN/psql" -X -q -h "$PG_DIR" -U postgres -d postgres -v ON_ERROR_STOP=1 "$@"; }
NDB=0
# newdb APP: a new empty database; DB is its conninfo (application_name APP)
newdb() {
	NDB=$((NDB + 1))
	pg_as "$PG_BIN/createdb" -h "$PG_DIR" -U postgres "bench$NDB" >/dev/null 2>&1 ||
		die "createdb bench$NDB failed"
	DB="host=$PG_DIR dbname=bench$NDB user=postgres application_name=$1"
}
dropdb_last() { pg_as "$PG_BIN/dropdb" -h "$PG_DIR" -U postgres "bench$NDB" >/dev/null 2>&1; }
load() { cut -d' ' -f1 /proc/loadavg; }

P_SINK=$(pf_free_port) || die "no free port"
"$SINK" -u postfix "127.0.0.1:$P_SINK" 256 >"$T/sink.log" 2>&1 &
SINK_PID=$!
for i in $(seq 1 100); do
	ss -Htln "sport = :$P_SINK" 2>/dev/null | grep -q . && break
	sleep 0.05
done
say "$(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg); PostgreSQL $("$PG_BIN/postgres" --version | awk '{ print $3 }') ($DURABILITY), SQLite in $BENCH_SQLITE_DIR; $BENCH_ROUNDS rounds"

# R: one line per figure: PART FIGURE BACKEND ROUND VALUE LOAD
R=$T/results
: >"$R"
rec() { echo "$1 $2 $3 $4 $5 $6" >>"$R"; }

# pass BACKEND ROUND
pass() {
	local out=$T/pass.$1.$2 l
	l=$(load)
	if [ "$1" = sqlite ]; then
		rm -f "$SQ"/bench.db*
		BENCH_DATABASE= "$B/bench/bench_pass" -n "$BENCH_PASS_N" -d "$BENCH_PASS_DUE" -k "$SQ" \
			"smtp://127.0.0.1:$P_SINK" >"$out" 2>"$out.err" || die "bench_pass ($1) failed: $(tail -n 3 "$out.err")"
	else
		newdb bench_pass
		"$B/bench/bench_pass" -n "$BENCH_PASS_N" -d "$BENCH_PASS_DUE" -D "$DB" \
			"smtp://127.0.0.1:$P_SINK" >"$out" 2>"$out.err" || die "bench_pass ($1) failed: $(tail -n 3 "$out.err")"
		dropdb_last
	fi
	grep -q " $BENCH_PASS_DUE sent" "$out" || say "pass ($1, round $2): not all sent: $(grep '^pass: [0-9]' "$out")"
	awk -v b="$1" -v r="$2" -v l="$l" '
		/^store:/ { printf "pass build_s %s %s %s %s\n", b, r, $(NF - 1), l }
		/^pass: [0-9.]+ s;/ { printf "pass wall_ms_per_msg %s %s %s %s\n", b, r, $(NF - 1), l }
		/messages\/s sent/ { printf "pass msgs_per_s %s %s %s %s\n", b, r, $2, l
			printf "pass cpu_ms_per_msg %s %s %s %s\n", b, r, $(NF - 1), l }
		/server.s CPU/ { printf "pass server_cpu_ms_per_msg %s %s %s %s\n", b, r, $(NF - 1), l }
		/^due query/ { printf "pass due_query_ms %s %s %s %s\n", b, r, $(NF - 1), l }
		/^render \+ compose/ { printf "pass render_reads_us_per_msg %s %s %s %s\n", b, r, $(NF - 1), l }
	' "$out" >>"$R"
	say "pass, $1, round $2, load $l: $(grep '^pass: [0-9]' "$out" | head -n 1); $(grep 'CPU' "$out" | sed 's/^pass: //' | tr '\n' ';')"
}

# due BACKEND ROUND
due() {
	local out=$T/due.$1.$2 l
	l=$(load)
	if [ "$1" = sqlite ]; then
		BENCH_DATABASE= "$B/bench/bench_due" -k "$SQ" -d "$BENCH_DUE_DUE" "$BENCH_DUE_N" >"$out" 2>"$out.err" ||
			die "bench_due ($1) failed: $(tail -n 3 "$out.err")"
		rm -f "$SQ"/bench_due_*
	else
		newdb bench_due
		"$B/bench/bench_due" -D "$DB" -d "$BENCH_DUE_DUE" "$BENCH_DUE_N" >"$out" 2>"$out.err" ||
			die "bench_due ($1) failed: $(tail -n 3 "$out.err")"
		dropdb_last
	fi
	awk -v b="$1" -v r="$2" -v l="$l" '
		/^store_due, first batch / { printf "due first_batch_ms %s %s %s %s\n", b, r, $NF, l }
		/^store_due, first batch, wall/ { printf "due first_batch_wall_ms %s %s %s %s\n", b, r, $NF, l }
		/^drain: store_due queries/ { printf "due drain_queries_ms %s %s %s %s\n", b, r, $NF, l }
		/^drain: queries \+ defers / { printf "due drain_ms %s %s %s %s\n", b, r, $NF, l }
		/^drain: queries \+ defers, wall/ { printf "due drain_wall_ms %s %s %s %s\n", b, r, $NF, l }
		/^drain: the server/ { printf "due drain_server_cpu_ms %s %s %s %s\n", b, r, $NF, l }
		/built in/ { printf "due build_s %s %s %s %s\n", b, r, $(NF - 7), l }
	' "$out" >>"$R"
	say "due, $1, round $2, load $l: $(grep -E '^(store_due, first|drain)' "$out" | awk '{ printf "%s=%s; ", $0 ~ /first batch,/ ? "first_wall" : $0 ~ /first/ ? "first" : $0 ~ /server/ ? "server" : $0 ~ /wall/ ? "wall" : $0 ~ /queries \+/ ? "drain" : "queries", $NF }')"
}

for part in pass due; do
	has "$part" || continue
	for r in $(seq 1 "$BENCH_ROUNDS"); do
		if [ $((r % 2)) = 1 ]; then order="sqlite pg"; else order="pg sqlite"; fi
		for b in $order; do "$part" "$b" "$r"; done
	done
done

# ---- the summary ----
summary() {
	echo
	printf '%-5s %-28s %12s %12s %8s  %s\n' part figure SQLite PostgreSQL "PG/SQL" "loads (SQLite; PostgreSQL)"
	awk '
	function median(a, n,   i, j, t) {
		for (i = 2; i <= n; i++) for (j = i; j > 1 && a[j-1] > a[j]; j--) { t = a[j]; a[j] = a[j-1]; a[j-1] = t }
		return n % 2 ? a[(n+1)/2] : (a[n/2] + a[n/2+1]) / 2
	}
	{ k = $1 " " $2; if (!(k in seen)) { seen[k] = 1; keys[++nk] = k }
	  v[k, $3, $4] = $5; ld[k, $3] = ld[k, $3] " " $6; if ($4 > nr[k]) nr[k] = $4 }
	END {
		for (i = 1; i <= nk; i++) {
			k = keys[i]; ns = 0; np = 0; nq = 0
			for (r = 1; r <= nr[k]; r++) {
				if ((k, "sqlite", r) in v) s[++ns] = v[k, "sqlite", r]
				if ((k, "pg", r) in v) p[++np] = v[k, "pg", r]
				if (((k, "sqlite", r) in v) && ((k, "pg", r) in v) && v[k, "sqlite", r] > 0)
					q[++nq] = v[k, "pg", r] / v[k, "sqlite", r]
			}
			split(k, kk, " ")
			printf "%-5s %-28s %12s %12s %8s  %s;%s\n", kk[1], kk[2], ns ? sprintf("%.3f", median(s, ns)) : "-",
				np ? sprintf("%.3f", median(p, np)) : "-", nq ? sprintf("%.2f", median(q, nq)) : "-",
				ld[k, "sqlite"], ld[k, "pg"]
		}
	}' "$R"
}
has pass || has due && summary

# ---- count: the statements (round trips) of one pass on PostgreSQL ----
if has count; then
	PSQL -c "ALTER SYSTEM SET log_statement = 'all'" \
		-c "ALTER SYSTEM SET log_line_prefix = '%n [%p] %a '" -c "SELECT pg_reload_conf()" >/dev/null ||
		die "cannot turn log_statement on"
	sleep 0.5
	newdb bench_pass
	"$B/bench/bench_pass" -n $((BENCH_COUNT_DUE * 5)) -d "$BENCH_COUNT_DUE" -D "$DB" \
		"smtp://127.0.0.1:$P_SINK" >"$T/count.out" 2>"$T/count.err" || die "bench_pass (count) failed"
	dropdb_last
	PSQL -c "ALTER SYSTEM RESET log_statement" -c "ALTER SYSTEM RESET log_line_prefix" \
		-c "SELECT pg_reload_conf()" >/dev/null
	read -r w0 w1 <<<"$(awk '/^pass: from/ { print $3, $5 }' "$T/count.out")"
	sent=$(awk '/^pass: [0-9.]+ s;/ { print $4 }' "$T/count.out")
	echo
	say "count: one pass on PostgreSQL, $sent messages sent ($(grep '^pass: [0-9.]* s;' "$T/count.out" | cut -d';' -f1))"
	"$PY" - "$PG_DIR/server.log" "$w0" "$w1" "$sent" <<'EOF'
import collections, re, sys
log, w0, w1, sent = sys.argv[1], float(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4])
pat = re.compile(r'^(\d+\.\d+) \[\d+\] (\S*) LOG:  (statement|execute [^:]*): (.*)')
kinds = collections.Counter()
n = 0
for line in open(log, errors='replace'):
    m = pat.match(line)
    if not m or m.group(2) != 'bench_pass':
        continue
    t = float(m.group(1))
    if t < w0 or t > w1 + 0.001:
        continue
    n += 1
    sql = ' '.join(m.group(4).split())
    kinds[sql[:90]] += 1
print("bench_pg: count: %d statements in the pass = %.1f per message sent (each a round trip)" % (n, n / max(sent, 1)))
for sql, k in kinds.most_common(14):
    print("  %6.2f/msg  %s" % (k / max(sent, 1), sql))
EOF
fi

# ---- the milter on the same server ----
if has milter; then
	echo
	CADENCE_BUILDDIR=$B CADENCE_SRCDIR=$S PG_DIR=$PG_DIR PG_BIN=$PG_BIN \
		bash "$S/bench/bench_pg_milter.sh" || say "bench_pg_milter.sh failed ($?)"
fi
