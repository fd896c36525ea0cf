# SPDX-License-Identifier: BSD-2-Clause
# tests/lib/submitbed.sh - the submission bed the exactly-once tests and the
# submission bench share (sourced by tests/kill/kill.sh, tests/kill/batch-drop.sh,
# tests/security/lost250.sh and bench/bench_submit.sh):
#
#   cadenced --once [-> a test's proxy]  ->  private Postfix (tests/e2e/pflib.sh,
#   127.0.0.1 only, no DNS), smtpd on P_CAD with cadence-milter attached
#   (milter_default_action=tempfail: the gate fails closed)  ->  transport map
#   ->  Postfix's smtp-sink on P_SINK (dumping each message into $T/sink/, or
#   discarding it)
#
# with one store (a user ann@our.test, a sequence) and one clock for
# cadenced (--now) and the milter (-t CLOCK).
#
# Its names begin with sb_ and SB_ (tests/e2e/bed.sh, the end-to-end bed,
# has bed_ and BED_). The sourcing script sets NAME (its name in messages),
# B and S (the build and source trees) and may set, before sourcing:
#   SB_SKIP_RC  exit status when the bed cannot run here (default 77, skip)
#   SB_FAIL_RC  exit status of die (default 99, a hard error)
#   SB_TIMEOUT  seconds: every process the bed starts runs under
#               timeout(1) (default: none)
# then calls, in order:
#   sb_require CMD...     root, postfix, smtp-sink, python3, ss, CMD... and
#                         the built binaries, or exits (and sources pflib.sh)
#   sb_tmp WORD           T (mktemp -d cadence-WORD.XXXXXX), PF, CLOCK, the
#                         traps; SB_STATE (the store's directory, default
#                         $T/state), SB_KEEP (keep $T on exit) and SB_RMDIRS
#                         (one more directory to remove with $T) may be set
#                         before
#   sb_port VAR           VAR = a free loopback port none of the bed's has
#   sb_dirs               $SB_STATE, $T/run, $T/sink, owned by postfix
#   sb_conf FILE PORT [LINE...]  a configuration sending to 127.0.0.1:PORT,
#                         then the LINEs (Database: SB_DB, default
#                         $SB_STATE/cadence.db)
#   sb_sequence NAME WORD STEPS BODY  prints a sequence of STEPS email
#                         steps, no delay, open all day ("Subject: WORD step
#                         N for ..."; BODY is a printf format given N)
#   sb_store CONF TZ CAP SEQFILE  init, ann@our.test (send and enroll caps
#                         CAP), the sequence imported; dies on failure
#   sb_sink BACKLOG [-d]  smtp-sink on P_SINK (-d: dump into $T/sink,
#                         listed by sb_sink_list)
#   sb_milter CONF [WRAP...]  cadence-milter -t CLOCK (SB_MILTER_PID)
#   sb_postfix WORD [KEY=VALUE...]  Postfix on P_CAD with the milter,
#                         prospect.test routed to P_SINK
#   sb_proxy SECS SCRIPT PORT ARGS...  python3 SCRIPT PORT ARGS... (a proxy
#                         listening on PORT) under timeout SECS, output to
#                         $T/proxy.log
# Helpers: ok [WHAT] (counts; prints "ok - WHAT" when given), bad WHAT,
# check WHAT CMD..., expect_eq WHAT GOT WANT, die MSG, wait_port PORT,
# set_clock TIME, iso EPOCH, sb_stop_milter; T0 (a Tuesday, 09:00 in New
# York), T0S, CLOCK; counters pass and failed.
# Cleanup on exit: sb_on_exit (when the script defines it), Postfix, every
# process in SB_PIDS (TERM, in the order started), then $T unless SB_KEEP.

CTL=$B/ctl/cadencectl
CAD=$B/scheduler/cadenced
MILTER=$B/milter/cadence-milter
SINK=$(command -v smtp-sink || echo /usr/sbin/smtp-sink)
PY=python3
[ -x /usr/bin/python3 ] && PY=/usr/bin/python3
: "${SB_SKIP_RC:=77}"
: "${SB_FAIL_RC:=99}"
: "${SB_TIMEOUT:=}"
# The prefix of every process the bed starts (a simple command, so that
# $! is that process itself).
SB_TMO=()
[ -n "$SB_TIMEOUT" ] && SB_TMO=(timeout "$SB_TIMEOUT")
SB_PIDS=""
SB_USED=""
SB_MILTER_PID=""
pass=0
failed=0

sb_skip() { echo "$NAME: SKIP: $*"; exit "$SB_SKIP_RC"; }
sb_require() {
	local p
	[ "$(id -u)" = 0 ] || sb_skip "needs root (Postfix's master, smtp-sink as the postfix user)"
	for p in postfix postconf postqueue "$PY" ss "$@"; do
		command -v "$p" >/dev/null 2>&1 || sb_skip "$p is not installed"
	done
	if [ ! -x "$SINK" ] || ! id postfix >/dev/null 2>&1; then
		sb_skip "Postfix's smtp-sink (package postfix) is not installed"
	fi
	for p in "$CTL" "$CAD" "$MILTER"; do
		[ -x "$p" ] || { echo "$NAME: $p is not built"; exit "$SB_FAIL_RC"; }
	done
	# shellcheck source=tests/e2e/pflib.sh
	. "$S/tests/e2e/pflib.sh"
}

sb_tmp() {
	T=$(mktemp -d "${TMPDIR:-/tmp}/cadence-$1.XXXXXX") || exit "$SB_FAIL_RC"
	chmod 755 "$T"
	PF=$T/pf
	CLOCK=$T/clock
	: "${SB_STATE:=$T/state}"
	: "${SB_DB:=$SB_STATE/cadence.db}"
	trap sb_cleanup EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM HUP
}
sb_cleanup() {
	local rc=$? p
	declare -F sb_on_exit >/dev/null && sb_on_exit
	pf_stop "$PF"
	for p in $SB_PIDS; do
		kill -TERM "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	if [ -n "${SB_KEEP:-}" ]; then echo "$NAME: kept $T"; else rm -rf "$T" ${SB_RMDIRS:+"$SB_RMDIRS"}; fi
	exit $rc
}

ok() { pass=$((pass + 1)); [ $# -gt 0 ] && echo "ok - $*"; return 0; }
bad() { failed=$((failed + 1)); echo "FAIL: $*"; }
check() {
	local d=$1
	shift
	if "$@"; then ok; else bad "$d"; fi
}
expect_eq() { if [ "$2" = "$3" ]; then ok "$1 ($2)"; else bad "$1: got '$2', want '$3'"; fi; }
die() {
	local f
	echo "$NAME: $*"
	for f in "$T/milter.log" "$T/sink.log" "$PF/maillog" "$T/setup.log" "$T/cadenced.log"; do
		[ -s "$f" ] && { echo "--- $f"; tail -n 15 "$f"; }
	done
	exit "$SB_FAIL_RC"
}
wait_port() { pf_wait_port "$1"; }   # tests/e2e/pflib.sh
sb_port() {
	local p
	while :; do
		p=$(pf_free_port) || die "no free port"
		case " $SB_USED " in *" $p "*) continue ;; esac
		SB_USED="$SB_USED $p"
		printf -v "$1" '%s' "$p"
		return
	done
}

sb_dirs() {
	mkdir -p "$SB_STATE" "$T/run" "$T/sink"
	chown postfix:postfix "$SB_STATE" "$T/run" "$T/sink"
	chmod 750 "$SB_STATE" "$T/run"
}
sb_conf() {
	local f=$1 port=$2
	shift 2
	{
		cat <<EOF
# made by $NAME (tests/lib/submitbed.sh)
Database        $SB_DB
SecretFile      $SB_STATE/secret
Domain          cadence.our.test
InternalDomains our.test
InternalHosts   127.0.0.1
Syslog          no
UserID          postfix:postfix
Socket          local:$T/run/milter.sock
MilterPidFile   $T/run/cadence-milter.pid
SchedulerPidFile ""
SubmitURL       smtp://127.0.0.1:$port
PublicURL       https://cadence.our.test/
SendSpacing     0
SendJitter      0
EOF
		[ $# -gt 0 ] && printf '%s\n' "$@"
	} >"$f"
}

# One clock for the whole bed: cadenced gets --now, the milter (-t) reads
# the same time from CLOCK at each message, so the witness it stamps is on
# the passes' timeline (the next step counts from it).
T0=2026-12-01T14:00:00Z          # a Tuesday, 09:00 in New York
# shellcheck disable=SC2034 # for the sourcing script
T0S=$(date -u -d "$T0" +%s)
iso() { date -u -d "@$1" +%Y-%m-%dT%H:%M:%SZ; }
set_clock() { echo "$1" >"$CLOCK.new" && chmod 644 "$CLOCK.new" && mv "$CLOCK.new" "$CLOCK"; }

sb_sequence() {
	local s
	printf '[sequence]\nname = %s\nowner = qa@our.test\ndays = every\n' "$1"
	printf 'window = 00:00-24:00\ntimezone = recipient\n'
	for s in $(seq 1 "$3"); do
		printf '\n[step %d]\ntype = email\ndelay = 0\nthread = new\n' "$s"
		printf 'template = <<END\nSubject: %s step %d for {{contact.firstname|there}}\n\n' "$2" "$s"
		# shellcheck disable=SC2059
		printf "$4" "$s"
		printf '\nEND\n'
	done
}
sb_store() {
	{
		"$CTL" -c "$1" --now "$T0" init &&
		chown postfix:postfix "$SB_STATE"/* &&
		"$CTL" -c "$1" --now "$T0" user add ann@our.test --name "Ann Example" --tz "$2" \
			--send-cap "$3" --enroll-cap "$3" &&
		"$CTL" -c "$1" --now "$T0" sequence import "$4"
	} >>"$T/setup.log" 2>&1 || die "cannot make the store"
}

sb_sink() {
	local dump=()
	[ "${2:-}" = -d ] && dump=(-d "$T/sink/%M%S.")
	"${SB_TMO[@]}" "$SINK" -u postfix "${dump[@]}" "127.0.0.1:$P_SINK" "$1" >>"$T/sink.log" 2>&1 &
	SB_PIDS="$SB_PIDS $!"
	wait_port "$P_SINK" || die "smtp-sink did not start"
}
# sb_sink_list: one line per message smtp-sink dumped into $T/sink, in
# file name order: "RCPT MESSAGE-ID SUBJECT" (the recipient from smtp-sink's
# X-Rcpt-Args, lower case; "-" for a field the message lacks); the file of
# an aborted transaction (emptied or removed by smtp-sink) is skipped.
sb_sink_list() {
	"$PY" - "$T/sink" <<'EOF'
import email, os, re, sys
d = sys.argv[1]
for f in sorted(os.listdir(d)):
    try:
        raw = open(os.path.join(d, f), "rb").read()
    except FileNotFoundError:
        continue
    if not raw:
        continue
    # smtp-sink puts its X-Client-Addr ... X-Rcpt-Args lines above the headers.
    m = email.message_from_bytes(raw)
    r = re.match(r"<([^>]*)>", m.get("X-Rcpt-Args", ""))
    rcpt = r.group(1).lower() if r else ""
    mid = "".join((m.get("Message-ID") or "").split())
    subj = " ".join((m.get("Subject") or "").split())
    print(rcpt or "-", mid or "-", subj or "-")
EOF
}
sb_milter() {
	local conf=$1 i
	shift
	set_clock "$T0"
	"${SB_TMO[@]}" "$@" "$MILTER" -f -c "$conf" -t "$CLOCK" >>"$T/milter.log" 2>&1 &
	SB_MILTER_PID=$!
	SB_PIDS="$SB_PIDS $!"
	for i in $(seq 1 100); do
		[ -S "$T/run/milter.sock" ] && break
		kill -0 "$SB_MILTER_PID" 2>/dev/null || break
		sleep 0.05
	done
	[ -S "$T/run/milter.sock" ] || die "cadence-milter did not start"
}
# sb_stop_milter: the milter ends (its sanitizer reports, if any, go to
# its log).
sb_stop_milter() {
	[ -n "$SB_MILTER_PID" ] || return 0
	kill -TERM "$SB_MILTER_PID" 2>/dev/null
	wait "$SB_MILTER_PID" 2>/dev/null
	SB_PIDS=" $SB_PIDS "
	SB_PIDS=${SB_PIDS/ $SB_MILTER_PID / }
	SB_MILTER_PID=""
}
sb_postfix() {
	local word=$1
	shift
	pf_create "$PF" "$word" mx.our.test "our.test" "" >>"$T/setup.log" 2>&1 || die "pf_create failed"
	pf_nochroot "$PF"
	pf_set "$PF" "mynetworks = 127.0.0.1/32" "smtpd_milters =" "non_smtpd_milters =" \
		"milter_protocol = 6" "milter_connect_timeout = 5s" "milter_command_timeout = 10s" \
		"milter_content_timeout = 20s" "$@" >>"$T/setup.log" 2>&1 || die "postconf failed"
	pf_listen "$PF" "$P_CAD" "$word/cadence" \
		-o "smtpd_milters=unix:$T/run/milter.sock" -o milter_default_action=tempfail \
		-o milter_macro_daemon_name=CADENCE \
		-o "smtpd_client_restrictions=permit_mynetworks,reject" \
		-o "smtpd_relay_restrictions=permit_mynetworks,reject"
	pf_route "$PF" prospect.test "$P_SINK"
	# A bounce (none is expected) to the VERP address must not wait in the queue.
	echo "cadence.our.test discard:" >>"$PF/etc/transport"
	postfix -c "$PF/etc" check >>"$T/setup.log" 2>&1 || die "postfix check failed"
	pf_start "$PF" >>"$T/setup.log" 2>&1 || die "Postfix did not start"
	wait_port "$P_CAD" || die "Postfix's smtpd on $P_CAD did not come up"
}
sb_proxy() {
	local secs=$1
	shift
	timeout "$secs" "$PY" "$@" >>"$T/proxy.log" 2>&1 &
	SB_PIDS="$SB_PIDS $!"
	wait_port "$2" || die "the proxy did not start"
}
