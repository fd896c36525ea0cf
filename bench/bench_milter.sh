#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# bench/bench_milter.sh - what a milter costs Postfix's throughput (issue 6,
# DESIGN.md rule 6). A bench: it prints figures, asserts none, and is never
# run by `make check` (`make bench-milter`, or by hand in a build directory).
#
#   smtp-source -> private Postfix (tests/e2e/pflib.sh, loopback only)
#               -> transport map -> smtp-sink (discards)
#
# One Postfix instance with one smtpd per configuration (each its own
# 127.0.0.1 port and its own smtpd_milters), one smtp-sink, the milters:
#
#   none          no milter
#   null-unix     bench/nullmilter (when built): a milter negotiated as
#                 cadence-milter is over a unix socket that decides
#                 nothing and lets every message go at the end of its
#                 headers: the floor for "not ours" with cadence's shape
#   cad-unix-not  cadence-milter, unix socket, mail not ours (outbound mail
#                 of a rep that is not sequence mail, SignAllOutbound no:
#                 looked at, passed unsigned)
#   cad-inet-not  the same over inet (127.0.0.1)
#   cad-unix-sign cadence-milter, unix socket, signing: SignAllOutbound yes
#                 and a KeyTable/SigningTable for the rep's domain, so that
#                 every message is DKIM-signed (RSA 2048, relaxed/relaxed).
#                 Real sequence mail would need a ledger row for each
#                 Message-ID; signing it costs the same RSA signature, the
#                 ledger lookup aside.
#   cad-inet-sign the same over inet
#   dkim-unix     OpenDKIM (mode s, same key, relaxed/relaxed), unix socket
#   dkim-inet     the same over inet
#   old-*         with BENCH_OLD=/path/to/an/older/cadence-milter: the four
#                 cad-* configurations again with that binary (before/after
#                 side by side in one run, same Postfix, same store)
#
# BENCH_CONFIGS="cad-unix-not dkim-unix ..." measures only those (and none).
#
# Each round sends BENCH_MSGS messages (default 2000) of about BENCH_SIZE
# bytes (4096) in BENCH_SESSIONS parallel sessions (10) to each
# configuration in turn (the order rotates every round), times smtp-source
# (until Postfix's smtpd has answered 250 for the last one, i.e. after the
# milter), then waits for the queue to drain to the sink before the next
# configuration. BENCH_ROUNDS rounds (default 3). Prints messages/s per
# configuration and round, and the median over the rounds of each round's
# ratio to no milter, and each milter process's CPU time per message.
#
# Then memory (BENCH_CONNS, default 100): for each milter, BENCH_CONNS
# SMTP sessions at once, each holding its session (and so its milter
# connection) open for a second after its message (smtp-source -w 1), its
# resident memory (VmRSS), threads and descriptors sampled every 0.1 s:
# idle, and the peak with BENCH_CONNS connections.
#
# Before the rounds, one message through each configuration is dumped by
# the sink and checked: a DKIM-Signature in the signing configurations and
# none elsewhere (otherwise the figures would be of something else).
#
# BENCH_DATABASE puts the milters' store there instead of an SQLite file in
# the bench's directory: cadence.conf's Database, e.g. a PostgreSQL database
# (postgresql:// URI or libpq keywords; empty or of this schema: the bench
# runs `cadencectl init` on it; its server's socket must be reachable by the
# postfix user). bench/bench_pg_milter.sh runs SQLite beside PostgreSQL in
# one run.
#
# Needs root (Postfix's master, smtp-sink -u postfix), postfix (smtp-source,
# smtp-sink), openssl, ss; installs opendkim with apt-get if it is missing
# (BENCH_NO_INSTALL=1: skip the OpenDKIM configurations instead). Every
# process it started is stopped and its directory removed on exit
# (BENCH_KEEP=1 keeps the directory).
set -u

B=${CADENCE_BUILDDIR:-$(pwd)}
S=${CADENCE_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}
CTL=$B/ctl/cadencectl
MILTER=$B/milter/cadence-milter
NULLM=$B/bench/nullmilter
SINK=$(command -v smtp-sink || echo /usr/sbin/smtp-sink)
SOURCE=$(command -v smtp-source || echo /usr/sbin/smtp-source)
: "${BENCH_MSGS:=2000}"
: "${BENCH_SESSIONS:=10}"
: "${BENCH_SIZE:=4096}"
: "${BENCH_ROUNDS:=3}"

say() { echo "bench_milter: $*"; }
[ "$(id -u)" = 0 ] || { say "needs root (Postfix's master, smtp-sink as postfix)"; exit 1; }
for p in postfix postconf postqueue openssl ss "$SINK" "$SOURCE"; do
	command -v "$p" >/dev/null 2>&1 || { say "$p is not installed (package postfix)"; exit 1; }
done
for p in "$CTL" "$MILTER"; do
	[ -x "$p" ] || { say "$p is not built (run make in the build directory)"; exit 1; }
done
OPENDKIM=$(command -v opendkim || echo "")
if [ -z "$OPENDKIM" ] && [ -z "${BENCH_NO_INSTALL:-}" ]; then
	say "installing opendkim for the comparison (apt-get install -y opendkim)"
	DEBIAN_FRONTEND=noninteractive apt-get install -y opendkim >/dev/null 2>&1 ||
		say "apt-get install opendkim failed: OpenDKIM configurations skipped"
	OPENDKIM=$(command -v opendkim || echo "")
fi
# shellcheck source=tests/e2e/pflib.sh
. "$S/tests/e2e/pflib.sh"

T=$(mktemp -d "${TMPDIR:-/tmp}/cadence-bench.XXXXXX") || exit 1
chmod 755 "$T"
PF=$T/pf
PIDS=""
cleanup() {
	local rc=$? p
	pf_stop "$PF"
	for p in $PIDS; do
		kill -TERM "$p" 2>/dev/null
	done
	for p in $PIDS; do
		wait "$p" 2>/dev/null
	done
	if [ -n "${BENCH_KEEP:-}" ]; then say "kept $T"; else rm -rf "$T"; fi
	exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM HUP
die() {
	say "$*"
	local f
	for f in "$T"/*.log "$PF/maillog"; do
		[ -s "$f" ] && { echo "--- $f"; tail -n 10 "$f"; }
	done
	exit 1
}
wait_port() { pf_wait_port "$1"; }   # tests/e2e/pflib.sh
wait_sock() {
	local i
	for i in $(seq 1 100); do
		[ -S "$1" ] && return 0
		sleep 0.05
	done
	return 1
}

CAD_CONFIGS="cad-unix-not cad-inet-not cad-unix-sign cad-inet-sign"
if [ -n "${BENCH_OLD:-}" ]; then
	[ -x "$BENCH_OLD" ] || die "BENCH_OLD=$BENCH_OLD is not an executable"
	CAD_CONFIGS="$CAD_CONFIGS old-unix-not old-inet-not old-unix-sign old-inet-sign"
fi
CONFIGS="none $CAD_CONFIGS"
[ -x "$NULLM" ] && CONFIGS="none null-unix $CAD_CONFIGS"
[ -n "$OPENDKIM" ] && CONFIGS="$CONFIGS dkim-unix dkim-inet"
if [ -n "${BENCH_CONFIGS:-}" ]; then
	# a subset (none is always measured: the ratios are to it)
	sel="none"
	for c in $BENCH_CONFIGS; do
		case " $CONFIGS " in *" $c "*) [ "$c" = none ] || sel="$sel $c" ;; *) die "no configuration $c" ;; esac
	done
	CONFIGS=$sel
fi
# Distinct free ports: the sink, one smtpd per configuration, the inet milters.
USED=""
port() {
	local p
	while :; do
		p=$(pf_free_port) || die "no free port"
		case " $USED " in *" $p "*) continue ;; esac
		USED="$USED $p"
		echo "$p"
		return 0
	done
}
P_SINK=$(port); USED="$USED $P_SINK"
declare -A SMTPD
for c in $CONFIGS; do SMTPD[$c]=$(port); USED="$USED ${SMTPD[$c]}"; done
declare -A MSOCK MBIN
for c in $CAD_CONFIGS; do
	case $c in
	*-inet-*) p=$(port); USED="$USED $p"; MSOCK[$c]="inet:127.0.0.1:$p" ;;
	*) MSOCK[$c]="unix:$T/run/$c.sock" ;;
	esac
	case $c in old-*) MBIN[$c]=$BENCH_OLD ;; *) MBIN[$c]=$MILTER ;; esac
done
P_DKIM=$(port); USED="$USED $P_DKIM"

mkdir -p "$T/state" "$T/run" "$T/keys" "$T/dump"
chown postfix:postfix "$T/state" "$T/run" "$T/keys" "$T/dump"
chmod 750 "$T/state" "$T/run"
chmod 700 "$T/keys"
# The key, readable by the postfix user only (OpenDKIM loads it as that user
# and refuses a key others can read).
(umask 077 && openssl genrsa -out "$T/keys/our.test.key" 2048 2>/dev/null) || die "openssl genrsa failed"
chown postfix:postfix "$T/keys/our.test.key"
echo "ourtest  our.test:bench:$T/keys/our.test.key" >"$T/keys/KeyTable"
echo "*@our.test  ourtest" >"$T/keys/SigningTable"

# ---- cadence-milter: four instances on one store ----
cadconf() { # NAME SOCKET SIGNALL
	cat >"$T/$1.conf" <<EOF
# made by bench/bench_milter.sh
Database        ${BENCH_DATABASE:-$T/state/cadence.db}
SecretFile      $T/state/secret
Domain          cadence.our.test
InternalDomains our.test
InternalHosts   127.0.0.1
Syslog          no
UserID          postfix:postfix
Socket          $2
MilterPidFile   $T/run/$1.pid
SchedulerPidFile ""
KeyTable        $T/keys/KeyTable
SigningTable    $T/keys/SigningTable
SignAllOutbound $3
SubmitURL       smtp://127.0.0.1:${SMTPD[none]}
PublicURL       https://cadence.our.test/
EOF
}
for c in $CAD_CONFIGS; do
	case $c in *-sign) all=yes ;; *) all=no ;; esac
	case ${MSOCK[$c]} in
	unix:*) cadconf "$c" "local:${MSOCK[$c]#unix:}" $all ;;
	inet:*) cadconf "$c" "inet:${MSOCK[$c]##*:}@127.0.0.1" $all ;;
	esac
done
{
	"$CTL" -c "$T/cad-unix-not.conf" init &&
	chown postfix:postfix "$T/state"/* &&
	"$CTL" -c "$T/cad-unix-not.conf" user add ann@our.test --name "Ann Example" --tz UTC
} >>"$T/setup.log" 2>&1 || die "cannot make the store"
declare -A MPID
for c in $CAD_CONFIGS; do
	"${MBIN[$c]}" -f -c "$T/$c.conf" >>"$T/$c.log" 2>&1 &
	MPID[$c]=$!
	PIDS="$PIDS $!"
done
for c in $CAD_CONFIGS; do
	case ${MSOCK[$c]} in
	unix:*) wait_sock "${MSOCK[$c]#unix:}" ;;
	inet:*) wait_port "${MSOCK[$c]##*:}" ;;
	esac || die "cadence-milter ($c) did not start"
done

# ---- OpenDKIM: two instances, same key ----
dkimconf() { # NAME SOCKET
	cat >"$T/$1.conf" <<EOF
Syslog          no
Mode            s
Socket          $2
PidFile         $T/run/$1.pid
UserID          postfix:postfix
KeyTable        file:$T/keys/KeyTable
SigningTable    refile:$T/keys/SigningTable
Canonicalization relaxed/relaxed
SignatureAlgorithm rsa-sha256
InternalHosts   127.0.0.1
# The key is under /tmp, which others can write to: OpenDKIM would call
# it unsafe and refuse to sign.
RequireSafeKeys no
EOF
}
if [ -n "$OPENDKIM" ]; then
	dkimconf dkim-unix "local:$T/run/dkim.sock"
	dkimconf dkim-inet "inet:$P_DKIM@127.0.0.1"
	for c in dkim-unix dkim-inet; do
		"$OPENDKIM" -f -x "$T/$c.conf" >>"$T/$c.log" 2>&1 &
		MPID[$c]=$!
		PIDS="$PIDS $!"
	done
	wait_sock "$T/run/dkim.sock" && wait_port "$P_DKIM" || die "opendkim did not start"
fi

# ---- the null milter: the protocol's own cost ----
if [ -x "$NULLM" ]; then
	"$NULLM" "local:$T/run/null.sock" >>"$T/null-unix.log" 2>&1 &
	MPID[null-unix]=$!
	PIDS="$PIDS $!"
	wait_sock "$T/run/null.sock" || die "nullmilter did not start"
	chmod 666 "$T/run/null.sock"      # made by root; Postfix connects as postfix
fi
MSOCK[null-unix]="unix:$T/run/null.sock"
MSOCK[dkim-unix]="unix:$T/run/dkim.sock"
MSOCK[dkim-inet]="inet:127.0.0.1:$P_DKIM"

# ---- the sink and Postfix ----
start_sink() { # [-d DIR]
	"$SINK" -u postfix "$@" "127.0.0.1:$P_SINK" 256 >>"$T/sink.log" 2>&1 &
	SINK_PID=$!
	PIDS="$PIDS $SINK_PID"
	wait_port "$P_SINK" || die "smtp-sink did not start"
}
stop_sink() {
	kill -TERM "$SINK_PID" 2>/dev/null
	wait "$SINK_PID" 2>/dev/null
	PIDS=${PIDS/ $SINK_PID/}
	local i
	for i in $(seq 1 50); do
		ss -Htln "sport = :$P_SINK" 2>/dev/null | grep -q . || return 0
		sleep 0.05
	done
}
start_sink -d "$T/dump/%M%S."

pf_create "$PF" bench mx.our.test "our.test" "" >>"$T/setup.log" 2>&1 || die "pf_create failed"
pf_nochroot "$PF"
pf_set "$PF" \
	"mynetworks = 127.0.0.1/32" \
	"smtpd_milters =" "non_smtpd_milters =" \
	"milter_protocol = 6" \
	"milter_default_action = tempfail" \
	"milter_connect_timeout = 5s" \
	"milter_command_timeout = 10s" \
	"milter_content_timeout = 20s" \
	"smtpd_client_restrictions = permit_mynetworks, reject" \
	"default_process_limit = $((${BENCH_CONNS:-100} + 20))" >>"$T/setup.log" 2>&1 || die "postconf failed"
for c in $CONFIGS; do
	if [ "$c" = none ]; then
		pf_listen "$PF" "${SMTPD[$c]}" "bench/$c"
	else
		pf_listen "$PF" "${SMTPD[$c]}" "bench/$c" -o "smtpd_milters=${MSOCK[$c]}"
	fi
done
pf_route "$PF" prospect.test "$P_SINK"
postfix -c "$PF/etc" check >>"$T/setup.log" 2>&1 || die "postfix check failed"
pf_start "$PF" >>"$T/setup.log" 2>&1 || die "Postfix did not start"
for c in $CONFIGS; do
	wait_port "${SMTPD[$c]}" || die "smtpd for $c on ${SMTPD[$c]} did not come up"
done

send() { # CONFIG MESSAGES SESSIONS
	"$SOURCE" -s "$3" -m "$2" -l "$BENCH_SIZE" -f ann@our.test -t contact@prospect.test \
		-M client.our.test "127.0.0.1:${SMTPD[$1]}" 2>>"$T/source.log"
}

# ---- the check: one message per configuration, dumped by the sink ----
for c in $CONFIGS; do
	rm -f "$T/dump"/*
	send "$c" 1 1 || die "smtp-source to $c failed"
	pf_wait_queue "$PF" 30 || die "$c: the queue did not drain"
	sleep 0.3
	f=$(ls "$T/dump" | head -n 1)
	[ -n "$f" ] || die "$c: nothing reached the sink"
	if grep -qi '^DKIM-Signature:' "$T/dump/$f"; then signed=yes; else signed=no; fi
	case $c in *sign | dkim-*) want=yes ;; *) want=no ;; esac
	[ "$signed" = "$want" ] || die "$c: signed=$signed, expected $want (see $T/dump/$f)"
	say "check: $c: $( [ "$signed" = yes ] && grep -i '^DKIM-Signature:' "$T/dump/$f" | cut -c1-60 || echo "passed unsigned" )"
done
stop_sink
start_sink

# ---- the rounds ----
say "$BENCH_ROUNDS rounds, $BENCH_MSGS messages of $BENCH_SIZE bytes in $BENCH_SESSIONS sessions per configuration; $(nproc) CPU(s), load $(cut -d' ' -f1-3 /proc/loadavg)"
: >"$T/results"
set -- $CONFIGS
nconf=$#
t_start=$(date +%s)
for r in $(seq 1 "$BENCH_ROUNDS"); do
	# Rotate the order so that no configuration always runs first or last.
	order=""
	for c in $CONFIGS; do order="$order $c"; done
	shift_by=$(((r - 1) % nconf))
	set -- $order
	order="${*:$((shift_by + 1))} ${*:1:$shift_by}"
	for c in $order; do
		t1=$(date +%s%N)
		send "$c" "$BENCH_MSGS" "$BENCH_SESSIONS" || die "smtp-source to $c failed in round $r"
		t2=$(date +%s%N)
		pf_wait_queue "$PF" 120 || die "$c: the queue did not drain in 120 s"
		rate=$(awk -v n="$BENCH_MSGS" -v ns=$((t2 - t1)) 'BEGIN { printf "%.1f", n / (ns / 1e9) }')
		echo "$r $c $rate" >>"$T/results"
		say "round $r: $c: $rate messages/s"
	done
done
say "rounds took $(( $(date +%s) - t_start )) s; load $(cut -d' ' -f1-3 /proc/loadavg)"
bad=$(grep -c 'Sanitizer\|runtime error:\|fatal\|panic' "$T"/cad-*.log 2>/dev/null | awk -F: '{ s += $2 } END { print s + 0 }')
[ "$bad" = 0 ] || say "WARNING: cadence-milter's logs have $bad error line(s)"
grep -q 'milter.*\(reject\|tempfail\)\|status=deferred\|status=bounced' "$PF/maillog" &&
	say "WARNING: Postfix's log has deferred, bounced or milter-refused mail: $(grep -c 'status=deferred\|status=bounced' "$PF/maillog") line(s)"

# CPU time (user + system, all threads) of each milter process over the
# check's message and all rounds: less at the mercy of a loaded machine
# than the rates.
: >"$T/cpu"
tck=$(getconf CLK_TCK)
for c in $CONFIGS; do
	[ -n "${MPID[$c]:-}" ] && [ -r "/proc/${MPID[$c]}/stat" ] || continue
	# Fields 14 and 15 (utime, stime), counted after the ")" of the name.
	awk -v c="$c" -v tck="$tck" -v n=$((BENCH_ROUNDS * BENCH_MSGS + 1)) '{
		sub(/^.*\) /, ""); printf "%s %.3f\n", c, ($12 + $13) / tck * 1000 / n }' "/proc/${MPID[$c]}/stat" >>"$T/cpu"
done

# ---- the summary: median msgs/s, median of each round's ratio to none ----
echo
printf '%-14s %10s %14s %14s  %s\n' configuration "messages/s" "ratio to none" "milter CPU ms" "rounds (messages/s)"
awk -v order="$CONFIGS" -v cpuf="$T/cpu" '
function median(a, n,   i, j, t) {
	for (i = 2; i <= n; i++) for (j = i; j > 1 && a[j-1] > a[j]; j--) { t = a[j]; a[j] = a[j-1]; a[j-1] = t }
	return n % 2 ? a[(n+1)/2] : (a[n/2] + a[n/2+1]) / 2
}
{ rate[$1, $2] = $3; if ($1 > nr) nr = $1 }
END {
	while ((getline l < cpuf) > 0) { split(l, f, " "); cpu[f[1]] = f[2] }
	nc = split(order, cs, " ")
	for (k = 1; k <= nc; k++) {
		c = cs[k]; list = ""
		for (r = 1; r <= nr; r++) { v[r] = rate[r, c]; q[r] = rate[r, c] / rate[r, "none"]; list = list " " rate[r, c] }
		printf "%-14s %10.0f %14.2f %14s  %s\n", c, median(v, nr), median(q, nr), (c in cpu) ? cpu[c] : "-", list
	}
}' "$T/results"

# ---- memory with BENCH_CONNS connections at once ----
: "${BENCH_CONNS:=100}"
nsock() { # PID: its open sockets (the MTA's connections, the listener, ...)
	ls -l "/proc/$1/fd" 2>/dev/null | grep -c 'socket:'
}
sample() { # PID OUT: "VmRSS-kB threads sockets" every 0.1 s until killed
	while [ -r "/proc/$1/status" ]; do
		echo "$(awk '/^VmRSS:/ { r = $2 } /^Threads:/ { t = $2 } END { print r, t }' "/proc/$1/status") $(nsock "$1")"
		sleep 0.1
	done >"$2"
}
echo
say "memory: $BENCH_CONNS SMTP sessions at once, each kept open 1 s after each of its 3 messages"
# libmilter (Debian's is built with its worker pool) holds a connection as a
# socket, not always a thread: connections = peak sockets - idle sockets
# (a store handle's files are descriptors but not sockets).
printf '%-14s %9s %9s %8s %12s %14s\n' configuration "idle MiB" "peak MiB" threads "connections" "KiB/connection"
for c in $CONFIGS; do
	case $c in *-unix-not | *-unix-sign | dkim-unix) ;; *) continue ;; esac
	pid=${MPID[$c]:-}
	[ -n "$pid" ] && [ -r "/proc/$pid/status" ] || continue
	read -r idle ithreads ifds <<<"$(awk '/^VmRSS:/ { r = $2 } /^Threads:/ { t = $2 } END { print r, t }' "/proc/$pid/status") $(nsock "$pid")"
	sample "$pid" "$T/mem-$c" &
	sp=$!
	"$SOURCE" -s "$BENCH_CONNS" -d -w 1 -m $((BENCH_CONNS * 3)) -l "$BENCH_SIZE" -f ann@our.test \
		-t contact@prospect.test -M client.our.test "127.0.0.1:${SMTPD[$c]}" 2>>"$T/source.log" ||
		say "smtp-source to $c failed in the memory run"
	kill "$sp" 2>/dev/null
	wait "$sp" 2>/dev/null
	pf_wait_queue "$PF" 120 || say "$c: the queue did not drain after the memory run"
	awk -v c="$c" -v idle="$idle" -v it="$ithreads" -v ifd="$ifds" '
		{ if ($1 > r) r = $1; if ($2 > t) t = $2; if ($3 > f) f = $3 }
		END { printf "%-14s %9.1f %9.1f %8d %12d %14.0f\n", c, idle / 1024, r / 1024, t, f - ifd,
			(f > ifd) ? (r - idle) / (f - ifd) : 0 }' "$T/mem-$c"
done
