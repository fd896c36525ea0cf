#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# bench/bench_submit.sh - cadenced's submission against smtp-source into the
# same Postfix with cadence-milter (issue #16, goal 5: "submission not the
# bottleneck", cadenced >= 0.8 of smtp-source). A bench: it prints
# figures, asserts none, and is never run by `make check` (`make
# bench-submit`, or by hand in a build directory).
#
#   cadenced --once | smtp-source  ->  private Postfix (tests/lib/submitbed.sh,
#   loopback), smtpd with cadence-milter (the gate, witness; unix socket)
#   ->  transport map  ->  smtp-sink (discards)
#
# Each round, in turn (the order rotates every round):
#   cad-b1     BENCH_MSGS due one-step sequence emails, cadenced --once with
#              SubmitBatch 1 (each message recorded, submitted on its own
#              connection, reported: the flow before batching)
#   cad-bN     the same with SubmitBatch BENCH_BATCH (default 50)
#   src-reuse  smtp-source -s 1 -d: BENCH_MSGS messages of the same size,
#              one after the other over one connection (cadenced's shape)
#   src-conn   smtp-source -s 1: a connection per message
#   cad-bNcK   cad-bN with SubmitConnections BENCH_CONNS (default 4)
#   src-reuseK smtp-source -s BENCH_CONNS -d
# Each cadenced run has BENCH_MSGS fresh contacts due at once (enrolled
# before the timer starts); its time is the whole `cadenced --once` (start,
# the due query, render, records, SMTP, outcomes, exit). smtp-source's
# time ends when Postfix's smtpd has answered the last message (after the
# milter). The queue drains to the sink before the next run. Prints
# messages/s per run, the median of each over BENCH_ROUNDS rounds (default
# 3) and the ratios cadenced / smtp-source (median of the rounds' ratios).
#
# cadenced's messages are sequence mail: the milter's gate looks each one
# up in the ledger and writes its witness (one SQLite commit per message,
# in the milter) before Postfix answers; smtp-source's messages are not
# cadence's, so the milter passes them after a header or two. That
# difference is part of what is measured: it is the cost of exactly once.
#
# Needs root (Postfix's master, smtp-sink -u postfix), postfix (smtp-source,
# smtp-sink), python3, ss; cadenced, cadencectl and cadence-milter built.
# Every process it started is stopped and its directory removed on exit
# (BENCH_KEEP=1 keeps it). BENCH_STATE=/dev/shm puts the store in memory
# (what the ledger's fsyncs cost). BENCH_DIRECT=1 sends both straight to
# smtp-sink (the clients alone). BENCH_CAD_WRAP="strace -c -f -o FILE" (or perf
# record ...) runs each cadenced under that command, BENCH_MILTER_WRAP the
# milter.
set -u

B=${CADENCE_BUILDDIR:-$(pwd)}
S=${CADENCE_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}
NAME=bench_submit
SB_SKIP_RC=1
SB_FAIL_RC=1
# shellcheck source=tests/lib/submitbed.sh
. "$S/tests/lib/submitbed.sh"
SOURCE=$(command -v smtp-source || echo /usr/sbin/smtp-source)
: "${BENCH_MSGS:=1000}"
: "${BENCH_BATCH:=50}"
: "${BENCH_ROUNDS:=3}"
: "${BENCH_CONNS:=4}"
: "${BENCH_CONFIGS:=cad-b1 cad-bN cad-bNcK src-reuse src-conn src-reuseK}"

say() { echo "$NAME: $*"; }
sb_require "$SINK" "$SOURCE"
SB_KEEP=${BENCH_KEEP:-}
# BENCH_STATE=DIR puts the store there (an experiment: on /dev/shm the
# ledger's commits cost no fsync; never a setup to run mail on).
if [ -n "${BENCH_STATE:-}" ]; then
	SB_STATE=$(mktemp -d "$BENCH_STATE/cadence-bench-state.XXXXXX") ||
		{ say "cannot use $BENCH_STATE"; exit 1; }
	SB_RMDIRS=$SB_STATE
fi
sb_tmp bench-submit
ST=$SB_STATE
ms() { date +%s%3N; }

sb_port P_SINK
sb_port P_CAD
# BENCH_DIRECT=1: both straight to smtp-sink (no Postfix, no milter): the
# clients alone.
P_TARGET=$P_CAD
[ -n "${BENCH_DIRECT:-}" ] && P_TARGET=$P_SINK
sb_dirs
# conf BATCH CONNS: the configuration with SubmitBatch BATCH and
# SubmitConnections CONNS, in b<BATCH>c<CONNS>.conf (one store).
conf() {
	sb_conf "$T/b$1c$2.conf" "$P_TARGET" "SubmitBatch     $1" "SubmitConnections $2" "RepCopy         no"
}
conf 1 1
conf "$BENCH_BATCH" 1
conf "$BENCH_BATCH" "$BENCH_CONNS"
CONF=$T/b1c1.conf
# A body of about 1 KB, so that a message is about 1.6 KB with cadence's
# headers; smtp-source sends messages of the size measured below.
BODY=$(for i in $(seq 1 14); do printf 'Line %02d of the benchmark step, long enough to look like a real note.\\n' "$i"; done)
sb_sequence Bench Bench 1 "Hello,\\n${BODY%\\n}" >"$T/bench.seq"
sb_store "$CONF" UTC 1000000 "$T/bench.seq"

# ---- the sink, the milter, Postfix ----
sb_sink 256
# shellcheck disable=SC2086
sb_milter "$CONF" ${BENCH_MILTER_WRAP:-}
MILTER_PID=$SB_MILTER_PID
sb_postfix bsub "default_process_limit = 50"

run=0
enrolled=0
# cad BATCH CONNS: BENCH_MSGS fresh contacts due now, one cadenced --once;
# sets N_OUT (messages) and T_OUT (ms), or dies.
cad() {
	local now first last t1 t2 sent
	run=$((run + 1))
	now=$(iso $((T0S + run * 3600)))
	first=$((enrolled + 1))
	last=$((enrolled + BENCH_MSGS))
	enrolled=$last
	"$CTL" -c "$CONF" --now "$now" enroll --sequence Bench --as ann@our.test \
		$(seq -f 'r%g@prospect.test' "$first" "$last") >>"$T/setup.log" 2>&1 ||
		die "cannot enroll $first..$last"
	set_clock "$now"
	echo "=== run $run SubmitBatch $1 SubmitConnections $2 at $now" >>"$T/cadenced.log"
	t1=$(ms)
	# shellcheck disable=SC2086
	${BENCH_CAD_WRAP:-} "$CAD" -c "$T/b$1c$2.conf" --once --now="$now" >>"$T/cadenced.log" 2>&1 ||
		die "cadenced exited $?"
	t2=$(ms)
	sent=$("$PY" -c 'import sqlite3, sys
db = sqlite3.connect("file:%s?mode=ro" % sys.argv[1], uri=True, timeout=10)
print(db.execute("SELECT count(*) FROM sent_messages m JOIN enrollments e ON e.id = m.enrollment_id"
                 " WHERE m.submitted_at IS NOT NULL").fetchone()[0])' "$ST/cadence.db")
	[ "$sent" = "$last" ] || die "SubmitBatch $1: $sent of $last messages reported sent"
	N_OUT=$BENCH_MSGS
	T_OUT=$((t2 - t1))
}
# src SESSIONS [-d]: smtp-source, BENCH_MSGS messages of SIZE bytes.
src() {
	local t1 t2 n=$1
	shift
	t1=$(ms)
	"$SOURCE" -s "$n" "$@" -m "$BENCH_MSGS" -l "$SIZE" -f ann@our.test -t sink@prospect.test \
		"127.0.0.1:$P_TARGET" >>"$T/source.log" 2>&1 || die "smtp-source failed"
	t2=$(ms)
	N_OUT=$BENCH_MSGS
	T_OUT=$((t2 - t1))
}
measure() {
	case $1 in
	cad-b1) cad 1 1 ;;
	cad-bN) cad "$BENCH_BATCH" 1 ;;
	cad-bNcK) cad "$BENCH_BATCH" "$BENCH_CONNS" ;;
	src-reuse) src 1 -d ;;
	src-conn) src 1 ;;
	src-reuseK) src "$BENCH_CONNS" -d ;;
	esac
}

# A first cadenced run (not counted) warms up, and gives the size of
# cadence's messages on the wire (Postfix's size= in its log).
SIZE=1600
cad 1 1
SIZE=$(grep -o 'size=[0-9]*' "$PF/maillog" 2>/dev/null | tail -n 1 | cut -d= -f2)
[ -n "$SIZE" ] || SIZE=1600
pf_wait_queue "$PF" 60 || die "Postfix's queue did not drain"
say "$BENCH_MSGS messages a run, cadence's message ~$SIZE bytes on the wire (smtp-source -l $SIZE), SubmitBatch 1 vs $BENCH_BATCH, K = $BENCH_CONNS connections, $BENCH_ROUNDS rounds, $(nproc) CPUs, load $(cut -d' ' -f1 /proc/loadavg)"

read -r -a configs <<<"$BENCH_CONFIGS"
declare -A rate
for r in $(seq 1 "$BENCH_ROUNDS"); do
	line="round $r:"
	nc=${#configs[@]}
	for k in $(seq 0 $((nc - 1))); do
		c=${configs[$(((k + r - 1) % nc))]}
		measure "$c"
		rate[$c,$r]=$(awk -v n="$N_OUT" -v t="$T_OUT" 'BEGIN { printf "%.0f", n * 1000 / (t > 0 ? t : 1) }')
		line="$line $c ${rate[$c,$r]}/s"
		pf_wait_queue "$PF" 120 || die "Postfix's queue did not drain after $c"
	done
	say "$line"
done
median() { sort -n | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else printf "%.2f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
for c in "${configs[@]}"; do
	say "$c median $(for r in $(seq 1 "$BENCH_ROUNDS"); do echo "${rate[$c,$r]}"; done | median) messages/s"
done
ratio() {   # ratio A B: median over the rounds of A/B
	for r in $(seq 1 "$BENCH_ROUNDS"); do
		awk -v a="${rate[$1,$r]:-0}" -v b="${rate[$2,$r]:-0}" 'BEGIN { printf "%.2f\n", (b > 0 ? a / b : 0) }'
	done | median
}
has() { case " $BENCH_CONFIGS " in *" $1 "*) return 0 ;; esac; return 1; }
for c in cad-b1 cad-bN cad-bNcK; do
	has "$c" || continue
	line="ratio $c:"
	for d in src-reuse src-conn src-reuseK; do
		has "$d" && line="$line  / $d $(ratio "$c" "$d")"
	done
	say "$line"
done
say "milter CPU: $(awk '{ printf "%.1f s", ($14 + $15) / 100 }' "/proc/$MILTER_PID/stat" 2>/dev/null)"
