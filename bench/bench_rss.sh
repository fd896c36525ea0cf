#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# bench/bench_rss.sh - the daemons' resident memory (issue 16, goal 6).
# A bench: it prints figures, asserts none, never runs in `make check`.
#
#   CADENCE_BUILDDIR=build bench/bench_rss.sh [STORE...]
#
# 1. cadence-milter with CONNS (default 100) connections open at once,
#    each in the middle of a message (bench/conns.lua through
#    miltertest, on the milter's unix socket, no MTA in between; SPF from
#    a zone file, no DNS): KIND in (mail from 100 enrolled contacts to
#    their rep, read to its body as a possible reply; SPF fails, so it is
#    recorded and acts on nothing) and out (a rep's mail to outside, not ours). VmRSS,
#    VmHWM and threads from /proc/PID/status, sampled every 0.1 s: idle
#    (after start-up and one message), and the peak with every connection
#    open.
# 2. cadenced, for each STORE given (a store file such as bench_due's
#    DIR/bench_due_1000000_10000.db: 1,000,000 active enrollments, 10,000
#    due): a copy of it is upgraded (cadencectl init) and one pass
#    (--once --now=2026-12-01T14:00:00Z, the time bench_due's due work is
#    due) sends to smtp-sink on loopback: peak RSS (GNU time's maximum
#    resident set size, and VmHWM sampled) with the pass's wall clock, its
#    CPU time (user + system) and its log line. Memory must not follow the store's size: the pass reads due
#    work in batches (store_due, 500 at a time).
#
# Its files go to TMPDIR (default /tmp; /dev/shm keeps the pass's commits
# off the disk). Needs root, miltertest, smtp-sink (postfix), /usr/bin/time. Everything it
# starts is stopped and its directory removed (BENCH_KEEP=1 keeps it).
set -u

B=${CADENCE_BUILDDIR:-$(pwd)}
S=${CADENCE_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}
MILTER=$B/milter/cadence-milter
CAD=$B/scheduler/cadenced
CTL=$B/ctl/cadencectl
: "${CONNS:=100}" "${HOLD:=3}"
NOW=2026-12-01T14:00:00Z

for f in "$MILTER" "$CAD" "$CTL"; do
	[ -x "$f" ] || { echo "bench_rss: $f is not built" >&2; exit 1; }
done
command -v miltertest >/dev/null || { echo "bench_rss: miltertest is missing" >&2; exit 1; }

T=$(mktemp -d "${TMPDIR:-/tmp}/bench_rss.XXXXXX")
pids=""
cleanup() {
	for p in $pids; do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
	[ "${BENCH_KEEP:-0}" = 1 ] || rm -rf "$T"
}
trap cleanup EXIT INT TERM

say() { printf '%s\n' "$*"; }
status_of() { # PID FIELD -> value in kB
	awk -v f="$2:" '$1 == f { print $2 }' "/proc/$1/status" 2>/dev/null
}
kib_to_mib() { awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }

# sample PID OUTFILE: VmRSS VmHWM Threads every 0.1 s until PID is gone or
# OUTFILE.stop exists
sample() {
	while kill -0 "$1" 2>/dev/null && [ ! -e "$2.stop" ]; do
		echo "$(status_of "$1" VmRSS) $(status_of "$1" VmHWM) $(status_of "$1" Threads)" >>"$2"
		sleep 0.1
	done
}

conf() { # NAME SOCKET SUBMIT_URL DB
	cat >"$T/$1.conf" <<EOF
Socket          local:$2
MilterPidFile   $T/$1.milter.pid
SchedulerPidFile ""
Database        $4
SecretFile      $T/secret
Domain          cadence.our.test
InternalDomains our.test
InternalHosts   127.0.0.1
Syslog          no
SubmitURL       $3
PublicURL       https://cadence.our.test/
SendSpacing     0
SendJitter      0
EOF
}

say "bench_rss: $(date -u +%FT%TZ), load average $(cut -d' ' -f1-3 /proc/loadavg), $(nproc) CPUs"

# ---- 1. cadence-milter ----
conf m "$T/milter.sock" smtp://127.0.0.1:9 "$T/milter.db"
ctl() { "$CTL" -c "$T/m.conf" --now "$NOW" "$@"; }
{
	ctl init &&
	ctl user add ann@our.test --name "Ann Example" --tz UTC --send-cap 100000 --enroll-cap 100000 &&
	printf '[sequence]\nname = Rss\nowner = qa@our.test\ndays = every\nwindow = 00:00-24:00\n\n[step 1]\ntype = email\ndelay = 1d\ntemplate = <<END\nSubject: Hello\n\nHello.\nEND\n' >"$T/rss.seq" &&
	ctl sequence import "$T/rss.seq" &&
	ctl enroll --sequence Rss --as ann@our.test $(seq -f 'pat%g@prospect.test' 1 "$CONNS")
} >"$T/setup.log" 2>&1 || { cat "$T/setup.log"; echo "bench_rss: cannot make the store" >&2; exit 1; }

# SPF from a zone file, never DNS: the contacts' domain fails SPF, so their
# mail is classified and recorded but acts on nothing (the store stays as
# it is from round to round)
printf 'prospect.test TXT "v=spf1 -all"\nour.test TXT "v=spf1 ip4:127.0.0.1 -all"\n' >"$T/zone"
"$MILTER" -f -c "$T/m.conf" -Z "$T/zone" >"$T/milter.log" 2>&1 &
MPID=$!
pids="$pids $MPID"
i=0
while [ ! -S "$T/milter.sock" ]; do
	i=$((i + 1))
	if [ $i -gt 200 ] || ! kill -0 "$MPID" 2>/dev/null; then
		cat "$T/milter.log"
		echo "bench_rss: the milter did not start" >&2
		exit 1
	fi
	sleep 0.05
done

say ""
say "cadence-milter, $CONNS connections at once (miltertest on its unix socket), held ${HOLD} s:"
printf '%-40s %10s %10s %10s %8s %12s\n' "workload" "idle RSS" "peak RSS" "VmHWM" "threads" "per conn."
for kind in in out; do
	# one message first, so that idle includes what the first one loads
	CONNS=1 HOLD=0 KIND=$kind MILTER_SOCK=$T/milter.sock \
		miltertest -s "$S/bench/conns.lua" >>"$T/mt.log" 2>&1
	sleep 0.3
	idle=$(status_of "$MPID" VmRSS)
	rm -f "$T/ready" "$T/s.$kind" "$T/s.$kind.stop"
	sample "$MPID" "$T/s.$kind" &
	spid=$!
	if ! CONNS=$CONNS HOLD=$HOLD KIND=$kind MILTER_SOCK=$T/milter.sock READY=$T/ready \
		miltertest -s "$S/bench/conns.lua" >>"$T/mt.log" 2>&1; then
		tail -5 "$T/mt.log"
		echo "bench_rss: miltertest failed ($kind)" >&2
	fi
	touch "$T/s.$kind.stop"
	wait "$spid" 2>/dev/null
	read -r peak hwm thr <<EOF
$(sort -n -k1,1 "$T/s.$kind" | tail -1)
EOF
	per=$(awk -v p="$peak" -v i="$idle" -v n="$CONNS" 'BEGIN { printf "%.1f KiB", (p - i) / n }')
	case $kind in
	in) what="in: contacts' mail to their rep" ;;
	out) what="out: a rep's mail, not ours" ;;
	esac
	printf '%-40s %8s MiB %6s MiB %6s MiB %8s %12s\n' "$what" "$(kib_to_mib "$idle")" \
		"$(kib_to_mib "$peak")" "$(kib_to_mib "$hwm")" "$thr" "$per"
done
kill "$MPID" 2>/dev/null
wait "$MPID" 2>/dev/null

# ---- 2. cadenced ----
[ $# -gt 0 ] || exit 0
SINK_PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
smtp-sink -u postfix 127.0.0.1:"$SINK_PORT" 64 >"$T/sink.log" 2>&1 &
pids="$pids $!"
sleep 0.3
say ""
say "cadenced, one pass (--once) to smtp-sink on loopback:"
printf '%-28s %10s %12s %12s %9s %9s  %s\n' "store" "file" "peak RSS" "VmHWM" "pass" "CPU" \
	"cadenced says"
for db in "$@"; do
	name=$(basename "$db" .db)
	cp "$db" "$T/$name.db" || exit 1
	rm -f "$T/secret"
	conf "c-$name" "$T/unused.sock" "smtp://127.0.0.1:$SINK_PORT" "$T/$name.db"
	"$CTL" -c "$T/c-$name.conf" --now "$NOW" init >"$T/$name.init.log" 2>&1 ||
		{ cat "$T/$name.init.log"; exit 1; }
	rm -f "$T/c.$name" "$T/c.$name.stop"
	t0=$(date +%s.%N)
	/usr/bin/time -f '%M %U %S' -o "$T/$name.time" \
		"$CAD" -f -c "$T/c-$name.conf" --once --now="$NOW" >"$T/$name.log" 2>&1 &
	cpid=$!
	# the sampler follows cadenced itself, time's child
	sleep 0.05
	dpid=$(pgrep -P "$cpid" | head -1)
	[ -n "$dpid" ] && sample "$dpid" "$T/c.$name" &
	wait "$cpid"
	t1=$(date +%s.%N)
	read -r maxrss ucpu scpu <<EOF
$(tail -1 "$T/$name.time")
EOF
	hwm=$(sort -n -k2,2 "$T/c.$name" 2>/dev/null | tail -1 | cut -d' ' -f2)
	printf '%-28s %6s MiB %8s MiB %8s MiB %7.1f s %7.2f s  %s\n' "$name" \
		"$(( $(stat -c %s "$T/$name.db") / 1048576 ))" "$(kib_to_mib "$maxrss")" \
		"$(kib_to_mib "${hwm:-0}")" "$(echo "$t1 - $t0" | bc)" \
		"$(echo "$ucpu + $scpu" | bc)" \
		"$(grep -E 'pass' "$T/$name.log" | tail -1 | cut -c1-140)"
	rm -f "$T/$name.db" "$T/$name.db-wal" "$T/$name.db-shm"
done
say "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
