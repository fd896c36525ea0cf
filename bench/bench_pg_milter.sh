#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# bench/bench_pg_milter.sh - cadence-milter on a PostgreSQL store beside the
# same milter on an SQLite store, in one run (issue 17). A bench: it prints
# figures, asserts none, and is never run by `make check` (bench/bench_pg.sh
# runs it; by hand: as root in a build directory).
#
#   cadenced --once | smtp-source -> private Postfix (tests/e2e/pflib.sh,
#   loopback only): one smtpd per store, each with its own cadence-milter
#   (unix socket, milter_default_action tempfail), and one without a milter
#   -> transport map -> smtp-sink (discards)
#
# Two stores, SQLite (a file in BENCH_SQLITE_DIR, default /dev/shm) and
# PostgreSQL (a new database on the server of PG_DIR/PG_BIN when they are
# given, as bench_pg.sh gives them; else a private one, tests/lib/pgserver.sh),
# each with one rep and a one-step sequence; cadenced and the milter of a
# store share it. Each round, in an order rotated every round:
#
#   seq-sqlite, seq-pg  cadence's mail: BENCH_MSGS fresh contacts due at once,
#                       one `cadenced --once` (SubmitBatch BENCH_BATCH, 50)
#                       into that store's smtpd; its milter recognises each
#                       message by its Message-ID, the gate looks it up in
#                       the ledger and writes the witness (a store
#                       transaction per message) before Postfix answers.
#                       No DKIM key: the store's share is what is compared.
#   not-sqlite, not-pg  mail that is not cadence's: smtp-source, BENCH_MSGS
#                       messages of the same size from the rep to an outside
#                       address, BENCH_SESSIONS (10) sessions, one message a
#                       session, through that store's milter.
#   not-none            the same without a milter (the reference).
#
# Figures: messages per second (cadenced's whole run; smtp-source until
# Postfix's last 250), the milter's CPU (user + system, from /proc) per
# message, cadenced's CPU per message (GNU time) and the PostgreSQL server's
# CPU (the postmaster's process tree) per message; the load average before
# each run. The summary: medians over the rounds, and the median of the
# rounds' ratios PostgreSQL / SQLite. Then (BENCH_COUNT=0 skips it) one run
# of each kind on PostgreSQL with log_statement=all, counting the
# statements (round trips) of cadenced and of the milter per message by
# their application_name.
#
# Needs root, postfix (smtp-source, smtp-sink), postgresql, /usr/bin/time;
# cadenced, cadencectl, cadence-milter built. Every process it started is
# stopped and its directory removed on exit.
set -u

B=${CADENCE_BUILDDIR:-$(pwd)}
S=${CADENCE_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}
CTL=$B/ctl/cadencectl
CAD=$B/scheduler/cadenced
MILTER=$B/milter/cadence-milter
SINK=$(command -v smtp-sink || echo /usr/sbin/smtp-sink)
SOURCE=$(command -v smtp-source || echo /usr/sbin/smtp-source)
PY=python3
[ -x /usr/bin/python3 ] && PY=/usr/bin/python3
: "${BENCH_MSGS:=500}"
: "${BENCH_BATCH:=50}"
: "${BENCH_ROUNDS:=3}"
: "${BENCH_SESSIONS:=10}"
: "${BENCH_SQLITE_DIR:=/dev/shm}"
: "${BENCH_COUNT:=1}"
: "${BENCH_COUNT_MSGS:=100}"
CONFIGS="seq-sqlite seq-pg not-sqlite not-pg not-none"

say() { echo "bench_pg_milter: $*"; }
[ "$(id -u)" = 0 ] || { say "needs root (Postfix's master, smtp-sink as postfix)"; exit 1; }
for p in postfix postconf postqueue ss "$SINK" "$SOURCE" /usr/bin/time; do
	command -v "$p" >/dev/null 2>&1 || { say "$p is not installed"; exit 1; }
done
for p in "$CTL" "$CAD" "$MILTER"; do
	[ -x "$p" ] || { say "$p is not built (run make in the build directory)"; exit 1; }
done
# shellcheck source=tests/e2e/pflib.sh
. "$S/tests/e2e/pflib.sh"

OWN_PG=
if [ -z "${PG_DIR:-}" ] || [ -z "${PG_BIN:-}" ]; then
	# shellcheck source=tests/lib/pgserver.sh
	. "$S/tests/lib/pgserver.sh"
	pg_up
	chmod 0711 "$PG_DIR"
	OWN_PG=1
fi
PG_AS=
[ "$(id -u)" = 0 ] && PG_AS="runuser -u postgres --"
PSQL() { $PG_AS "$PG_BIN/psql" -X -q -h "$PG_DIR" -U postgres -d postgres -v ON_ERROR_STOP=1 "$@"; }
PGDB=benchmilter$$
$PG_AS "$PG_BIN/createdb" -h "$PG_DIR" -U postgres "$PGDB" >/dev/null 2>&1 || { say "createdb failed"; exit 1; }
PGPID=$(head -n 1 "$PG_DIR/data/postmaster.pid")

T=$(mktemp -d "${TMPDIR:-/tmp}/cadence-bench-pgm.XXXXXX") || exit 1
chmod 755 "$T"
SQ=$(mktemp -d "$BENCH_SQLITE_DIR/cadence-bench-pgm.XXXXXX") || exit 1
chmod 755 "$SQ"
PF=$T/pf
PIDS=""
cleanup() {
	local rc=$? p
	pf_stop "$PF"
	for p in $PIDS; do
		kill -TERM "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	$PG_AS "$PG_BIN/dropdb" -h "$PG_DIR" -U postgres "$PGDB" >/dev/null 2>&1
	if [ -n "${BENCH_KEEP:-}" ]; then say "kept $T $SQ"; else rm -rf "$T" "$SQ"; fi
	[ -n "$OWN_PG" ] && pg_down
	exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM HUP
die() {
	say "$*"
	for f in "$T"/milter-*.log "$T/sink.log" "$PF/maillog" "$T/setup.log" "$T/cadenced.log"; do
		[ -s "$f" ] && { echo "--- $f"; tail -n 15 "$f"; }
	done
	exit 1
}
wait_port() { pf_wait_port "$1"; }   # tests/e2e/pflib.sh
ms() { date +%s%3N; }
load() { cut -d' ' -f1 /proc/loadavg; }
# CPU seconds (user + system) of a process and its threads
pcpu() { awk -v t="$(getconf CLK_TCK)" '{ sub(/^.*\) /, ""); printf "%.3f\n", ($12 + $13) / t }' "/proc/$1/stat" 2>/dev/null || echo 0; }
# CPU seconds of the PostgreSQL server: the postmaster, its exited children, its running ones
pgcpu() {
	local tck
	tck=$(getconf CLK_TCK)
	cat /proc/[0-9]*/stat 2>/dev/null | awk -v pm="$PGPID" -v t="$tck" '
		{ pid = $1; sub(/^.*\) /, ""); if (pid == pm) s += $12 + $13 + $14 + $15; else if ($2 == pm) s += $12 + $13 }
		END { printf "%.3f\n", s / t }'
}

declare -A PORT
used=""
for c in sqlite pg none sink; do
	while :; do
		p=$(pf_free_port) || die "no free port"
		case " $used " in *" $p "*) continue ;; esac
		break
	done
	used="$used $p"
	PORT[$c]=$p
done
mkdir -p "$SQ/state" "$T/run"
chown postfix:postfix "$SQ/state" "$T/run"
chmod 750 "$SQ/state" "$T/run"
# conf STORE APP: the configuration of STORE's milter (APP cadence-milter),
# cadenced (APP cadenced) or cadencectl, in STORE-APP.conf (on PostgreSQL
# the application_name tells their statements apart in the server's log)
conf() {
	local db
	case $1 in
	sqlite) db=$SQ/state/cadence.db ;;
	pg) db="postgresql:///$PGDB?host=$PG_DIR&user=postgres&application_name=$2" ;;
	esac
	cat >"$T/$1-$2.conf" <<EOF
# made by bench/bench_pg_milter.sh
Database        $db
SecretFile      $T/secret
Domain          cadence.our.test
InternalDomains our.test
InternalHosts   127.0.0.1
Syslog          no
UserID          postfix:postfix
Socket          local:$T/run/milter-$1.sock
MilterPidFile   $T/run/milter-$1.pid
SchedulerPidFile ""
SubmitURL       smtp://127.0.0.1:${PORT[$1]}
PublicURL       https://cadence.our.test/
SendSpacing     0
SendJitter      0
SubmitBatch     $BENCH_BATCH
RepCopy         no
EOF
}
T0=2026-12-01T14:00:00Z
T0S=$(date -u -d "$T0" +%s)
iso() { date -u -d "@$1" +%Y-%m-%dT%H:%M:%SZ; }
CLOCK=$T/clock
set_clock() { echo "$1" >"$CLOCK.new" && chmod 644 "$CLOCK.new" && mv "$CLOCK.new" "$CLOCK"; }
BODY=$(for i in $(seq 1 14); do printf 'Line %02d of the benchmark step, long enough to look like a real note.\\n' "$i"; done)
printf '[sequence]\nname = Bench\nowner = qa@our.test\ndays = every\nwindow = 00:00-24:00\ntimezone = recipient\n\n[step 1]\ntype = email\ndelay = 0\nthread = new\ntemplate = <<END\nSubject: Bench step 1 for {{contact.firstname|there}}\n\nHello,\n%bEND\n' "$BODY" >"$T/bench.seq"
for st in sqlite pg; do
	conf "$st" cadence-milter
	conf "$st" cadenced
	conf "$st" cadencectl
	c="$CTL -c $T/$st-cadencectl.conf --now $T0"
	{
		$c init &&
		{ [ "$st" = pg ] || chown postfix:postfix "$SQ/state"/*; } &&
		$c user add ann@our.test --name "Ann Example" --tz UTC --send-cap 1000000 \
			--enroll-cap 1000000 &&
		$c sequence import "$T/bench.seq"
	} >>"$T/setup.log" 2>&1 || die "cannot make the $st store"
done
# the secret (made by the first init, shared by both stores' daemons)
chown postfix:postfix "$T/secret"

# ---- the sink, the milters, Postfix ----
"$SINK" -u postfix "127.0.0.1:${PORT[sink]}" 256 >>"$T/sink.log" 2>&1 &
PIDS="$PIDS $!"
wait_port "${PORT[sink]}" || die "smtp-sink did not start"
set_clock "$T0"
declare -A MPID
for st in sqlite pg; do
	"$MILTER" -f -c "$T/$st-cadence-milter.conf" -t "$CLOCK" >>"$T/milter-$st.log" 2>&1 &
	MPID[$st]=$!
	PIDS="$PIDS $!"
done
for st in sqlite pg; do
	for i in $(seq 1 100); do
		[ -S "$T/run/milter-$st.sock" ] && break
		sleep 0.05
	done
	[ -S "$T/run/milter-$st.sock" ] || die "cadence-milter ($st) did not start"
done
pf_create "$PF" bpgm mx.our.test "our.test" "" >>"$T/setup.log" 2>&1 || die "pf_create failed"
pf_nochroot "$PF"
pf_set "$PF" "mynetworks = 127.0.0.1/32" "smtpd_milters =" "non_smtpd_milters =" \
	"milter_protocol = 6" "milter_connect_timeout = 5s" "milter_command_timeout = 10s" \
	"milter_content_timeout = 20s" "default_process_limit = 50" \
	"smtpd_client_restrictions = permit_mynetworks, reject" >>"$T/setup.log" 2>&1 ||
	die "postconf failed"
for st in sqlite pg; do
	pf_listen "$PF" "${PORT[$st]}" "bpgm/$st" -o "smtpd_milters=unix:$T/run/milter-$st.sock" \
		-o milter_default_action=tempfail
done
pf_listen "$PF" "${PORT[none]}" bpgm/none
pf_route "$PF" prospect.test "${PORT[sink]}"
pf_start "$PF" >>"$T/setup.log" 2>&1 || die "Postfix did not start"
for c in sqlite pg none; do wait_port "${PORT[$c]}" || die "smtpd $c did not come up"; done

run=0
enrolled=0
witnessed() { grep -c 'sequence mail witnessed' "$T/milter-$1.log" 2>/dev/null; }
# seq_prep STORE N: N fresh contacts due at NOW (the next hour), enrolled
# by cadencectl before anything is measured
seq_prep() {
	local first last
	run=$((run + 1))
	NOW=$(iso $((T0S + run * 3600)))
	first=$((enrolled + 1))
	last=$((enrolled + $2))
	enrolled=$last
	"$CTL" -c "$T/$1-cadencectl.conf" --now "$NOW" enroll --sequence Bench --as ann@our.test \
		$(seq -f 'r%g@prospect.test' "$first" "$last") >>"$T/setup.log" 2>&1 ||
		die "cannot enroll $first..$last ($1)"
}
# seq_run STORE N: one cadenced --once at NOW (after seq_prep STORE N);
# sets N_OUT, T_OUT, C_OUT
seq_run() {
	local now=$NOW t1 t2 w0 w1
	set_clock "$now"
	w0=$(witnessed "$1")
	echo "=== run $run $1 at $now" >>"$T/cadenced.log"
	t1=$(ms)
	/usr/bin/time -f "TIME %U %S" -o "$T/time.out" "$CAD" -c "$T/$1-cadenced.conf" --once \
		--now="$now" >>"$T/cadenced.log" 2>&1 || die "cadenced ($1) exited $?"
	t2=$(ms)
	pf_wait_queue "$PF" 120 || die "Postfix's queue did not drain after seq-$1"
	sleep 0.2
	w1=$(witnessed "$1")
	[ $((w1 - w0)) = "$2" ] || say "WARNING: seq-$1: $((w1 - w0)) of $2 messages witnessed by the milter"
	N_OUT=$2
	T_OUT=$((t2 - t1))
	C_OUT=$(awk '/^TIME/ { print $2 + $3 }' "$T/time.out")
}
SIZE=1700
not_run() { # STORE N
	local t1 t2
	t1=$(ms)
	"$SOURCE" -s "$BENCH_SESSIONS" -m "$2" -l "$SIZE" -f ann@our.test -t contact@prospect.test \
		-M client.our.test "127.0.0.1:${PORT[$1]}" >>"$T/source.log" 2>&1 || die "smtp-source ($1) failed"
	t2=$(ms)
	pf_wait_queue "$PF" 120 || die "Postfix's queue did not drain after not-$1"
	N_OUT=$2
	T_OUT=$((t2 - t1))
	C_OUT=
}

# A first run of each (not counted) warms up and gives the size of
# cadence's message on the wire, which smtp-source then sends.
seq_prep sqlite 20
seq_run sqlite 20
SIZE=$(grep -o 'size=[0-9]*' "$PF/maillog" 2>/dev/null | tail -n 1 | cut -d= -f2)
[ -n "$SIZE" ] || SIZE=1700
seq_prep pg 20
seq_run pg 20
not_run sqlite 20
not_run pg 20
say "$BENCH_MSGS messages a run (cadence's ~$SIZE bytes, smtp-source -l $SIZE), $BENCH_ROUNDS rounds, $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg)"

R=$T/results
: >"$R"
set -- $CONFIGS
nconf=$#
for r in $(seq 1 "$BENCH_ROUNDS"); do
	shift_by=$(((r - 1) % nconf))
	set -- $CONFIGS
	order="${*:$((shift_by + 1))} ${*:1:$shift_by}"
	line="round $r:"
	for c in $order; do
		st=${c#*-}
		l=$(load)
		m0=0
		[ "$st" != none ] && m0=$(pcpu "${MPID[$st]}")
		case $c in seq-*) seq_prep "$st" "$BENCH_MSGS" ;; esac
		p0=$(pgcpu)
		case $c in seq-*) seq_run "$st" "$BENCH_MSGS" ;; not-*) not_run "$st" "$BENCH_MSGS" ;; esac
		p1=$(pgcpu)
		m1=0
		[ "$st" != none ] && m1=$(pcpu "${MPID[$st]}")
		awk -v c="$c" -v r="$r" -v n="$N_OUT" -v t="$T_OUT" -v m="$(awk -v a="$m0" -v b="$m1" 'BEGIN { print b - a }')" \
			-v p="$(awk -v a="$p0" -v b="$p1" 'BEGIN { print b - a }')" -v cc="${C_OUT:-}" -v l="$l" 'BEGIN {
			printf "%s msgs_per_s %d %.1f %s\n", c, r, n * 1000 / (t > 0 ? t : 1), l
			if (c !~ /none/) printf "%s milter_cpu_ms_per_msg %d %.3f %s\n", c, r, m * 1000 / n, l
			if (cc != "") printf "%s cadenced_cpu_ms_per_msg %d %.3f %s\n", c, r, cc * 1000 / n, l
			if (c ~ /-pg$/) printf "%s server_cpu_ms_per_msg %d %.3f %s\n", c, r, p * 1000 / n, l
		}' >>"$R"
		line="$line $c $(awk -v n="$N_OUT" -v t="$T_OUT" 'BEGIN { printf "%.0f", n * 1000 / (t > 0 ? t : 1) }')/s (load $l)"
	done
	say "$line"
done
bad=$(cat "$T"/milter-*.log | grep -c 'Sanitizer\|runtime error:\|fatal\|panic\|rejected\|tempfail')
[ "$bad" = 0 ] || say "WARNING: the milters' logs have $bad error or refusal line(s)"
grep -q 'status=deferred\|status=bounced\|milter-reject' "$PF/maillog" &&
	say "WARNING: Postfix's log has deferred, bounced or milter-refused mail"

# ---- the summary: per kind of mail, SQLite beside PostgreSQL ----
echo
printf '%-6s %-26s %10s %11s %8s %10s  %s\n' mail figure SQLite PostgreSQL "PG/SQL" "no milter" "loads (SQLite; PostgreSQL)"
awk '
function median(a, n,   i, j, t) {
	for (i = 2; i <= n; i++) for (j = i; j > 1 && a[j-1] > a[j]; j--) { t = a[j]; a[j] = a[j-1]; a[j-1] = t }
	return n % 2 ? a[(n+1)/2] : (a[n/2] + a[n/2+1]) / 2
}
{ split($1, cs, "-"); k = cs[1] " " $2; if (!(k in seen)) { seen[k] = 1; keys[++nk] = k }
  v[k, cs[2], $3] = $4; ld[k, cs[2]] = ld[k, cs[2]] " " $5; if ($3 > nr) nr = $3 }
END {
	for (i = 1; i <= nk; i++) {
		k = keys[i]; ns = 0; np = 0; nq = 0; nn = 0
		for (r = 1; r <= nr; r++) {
			if ((k, "sqlite", r) in v) s[++ns] = v[k, "sqlite", r]
			if ((k, "pg", r) in v) p[++np] = v[k, "pg", r]
			if ((k, "none", r) in v) z[++nn] = v[k, "none", r]
			if (((k, "sqlite", r) in v) && ((k, "pg", r) in v) && v[k, "sqlite", r] > 0)
				q[++nq] = v[k, "pg", r] / v[k, "sqlite", r]
		}
		split(k, kk, " ")
		printf "%-6s %-26s %10s %11s %8s %10s  %s;%s\n", kk[1], kk[2], ns ? sprintf("%.2f", median(s, ns)) : "-",
			np ? sprintf("%.2f", median(p, np)) : "-", nq ? sprintf("%.2f", median(q, nq)) : "-",
			nn ? sprintf("%.1f", median(z, nn)) : "-", ld[k, "sqlite"], ld[k, "pg"]
	}
}' "$R"

# ---- the statements (round trips) per message on PostgreSQL ----
if [ "$BENCH_COUNT" != 0 ]; then
	PSQL -c "ALTER SYSTEM SET log_statement = 'all'" \
		-c "ALTER SYSTEM SET log_line_prefix = '%n [%p] %a '" -c "SELECT pg_reload_conf()" >/dev/null ||
		die "cannot turn log_statement on"
	sleep 0.5
	seq_prep pg "$BENCH_COUNT_MSGS"
	e0=$(date +%s.%N)
	seq_run pg "$BENCH_COUNT_MSGS"
	e1=$(date +%s.%N)
	not_run pg "$BENCH_COUNT_MSGS"
	e2=$(date +%s.%N)
	PSQL -c "ALTER SYSTEM RESET log_statement" -c "ALTER SYSTEM RESET log_line_prefix" \
		-c "SELECT pg_reload_conf()" >/dev/null
	echo
	"$PY" - "$PG_DIR/server.log" "$e0" "$e1" "$e2" "$BENCH_COUNT_MSGS" <<'EOF'
import collections, re, sys
log, e0, e1, e2, n = sys.argv[1], float(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4]), int(sys.argv[5])
pat = re.compile(r'^(\d+\.\d+) \[\d+\] (\S*) LOG:  (statement|execute [^:]*): (.*)')
count = collections.Counter()
kinds = collections.defaultdict(collections.Counter)
for line in open(log, errors='replace'):
    m = pat.match(line)
    if not m:
        continue
    t = float(m.group(1))
    phase = 'seq' if e0 <= t < e1 else 'not' if e1 <= t <= e2 else None
    if phase is None:
        continue
    key = (phase, m.group(2))
    count[key] += 1
    kinds[key][' '.join(m.group(4).split())[:90]] += 1
for phase, what in (('seq', "cadence's mail (cadenced --once)"), ('not', 'mail not ours (smtp-source)')):
    for app in ('cadenced', 'cadence-milter'):
        k = count[(phase, app)]
        print("bench_pg_milter: count: %s: %s: %d statements = %.1f per message" % (what, app, k, k / n))
        for sql, c in kinds[(phase, app)].most_common(12):
            print("  %6.2f/msg  %s" % (c / n, sql))
EOF
fi
