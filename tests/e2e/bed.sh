#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# bed.sh - cadence's end-to-end test bed: two private Postfix instances on
# loopback, cadence-milter attached to the organization's, cadenced
# submitting to it, one store. Used by tests/e2e/run.sh and scripts/demo.sh
# (sourced), or run by itself to poke at a live bed:
#
#   tests/e2e/bed.sh [COMMAND...]   set the bed up, run COMMAND (default: an
#                                   interactive shell) with BED_* exported,
#                                   tear everything down when it exits
#
# The two instances (see pflib.sh; nothing of the machine's own Postfix is
# read or changed, DNS is never consulted):
#
#   the organization   our.test: the reps' Maildirs
#     127.0.0.1:BED_P_MX   mail from outside      milter, default_action=accept
#     127.0.0.1:BED_P_SUB  the reps' submission   milter, default_action=accept
#     127.0.0.1:BED_P_CAD  cadenced's submission  milter, default_action=tempfail
#     127.0.0.1:BED_P_SLOW the same, but it holds each client 3 s before
#                          answering RCPT (Postfix's "sleep" restriction):
#                          a step in flight while a reply arrives (the gate
#                          scenario); BED_CONF_SLOW points cadenced at it
#     non_smtpd_milters + internal_mail_filter_classes=bounce: Postfix's own
#     DSNs pass the milter. acme.test, globex.test go to the outside world by
#     transport map; cadence's own domain (cadence.our.test) goes to discard:.
#   the outside world  acme.test, globex.test: the contacts' Maildirs
#     127.0.0.1:BED_P_OUT  rejects unknown users (550 5.1.1 at RCPT, as a real
#     MTA would); our.test and cadence.our.test go back to BED_P_MX. Its SMTP
#     client binds 127.0.0.2, so that the organization sees a host that is
#     not one of its InternalHosts (127.0.0.1): mail from there is inbound.
#
# cadence-milter listens on a unix socket (both instances run their
# services unchrooted, pf_nochroot), answers SPF from a test zone (-Z,
# acme.test and globex.test allow 127.0.0.2), and signs our.test with an RSA
# key made here; BED_DNSKEYS is that key as a TXT record for the offline
# verifier. The daemons drop privileges to postfix:postfix (UserID), the
# user that owns the state directory; cadencectl runs as root on the same
# store (SQLite gives the files it creates the database's owner).
#
# Every event goes to the timeline (bed_say): elapsed seconds, the simulated
# time the scenario is at (BED_SIM), what happened. bed_down (trapped on
# EXIT by bed_up's caller, see bed_trap) stops both instances, the milter,
# any cadenced and removes the directory unless E2E_KEEP=1.
#
# BED_DATABASE, when set, is the store's Database instead of the SQLite
# file in the bed's directory (run-pg.sh and multihost.sh: a private
# PostgreSQL server).
#
# Needs root (Postfix's master runs as root). Needs bash, python3, openssl,
# swaks, ss.

BED_HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=tests/e2e/pflib.sh
. "$BED_HERE/pflib.sh"

: "${BED_SRCDIR:=${CADENCE_SRCDIR:-$(cd "$BED_HERE/../.." && pwd)}}"
: "${BED_BUILDDIR:=${CADENCE_BUILDDIR:-$BED_SRCDIR}}"
BED_CTL=$BED_BUILDDIR/ctl/cadencectl
BED_MILTER=$BED_BUILDDIR/milter/cadence-milter
BED_CADENCED=$BED_BUILDDIR/scheduler/cadenced
BED_VERIFY=$BED_BUILDDIR/tests/milter/dkim_verify
BED_MAILCHECK=$BED_HERE/mailcheck.py
# The system's Python (a version manager's shim can cost 0.3 s a call).
if [ -z "${BED_PYTHON:-}" ]; then
	BED_PYTHON=python3
	[ -x /usr/bin/python3 ] && BED_PYTHON=/usr/bin/python3
fi
bed_py() { "$BED_PYTHON" "$@"; }

BED_DIR=""
BED_ORG=""
BED_OUT=""
BED_SIM=""
BED_T0=""
BED_MILTER_PID=""
BED_DAEMON_PID=""

# ---- the timeline ----

bed_ms() { date +%s%3N; }

# bed_say TEXT: one line of the timeline.
bed_say() {
	local now el sim
	now=$(bed_ms)
	el=$(( now - ${BED_T0:-$now} ))
	sim=${BED_SIM:-}
	[ -n "$sim" ] && sim=$(bed_simfmt "$sim")
	printf '%4d.%01ds  %-20s %s\n' $((el / 1000)) $(((el % 1000) / 100)) "$sim" "$*"
}

# bed_clock TIME: the bed's simulated time from now on ("" = the real
# clock). cadenced and cadencectl get it as --now; cadence-milter (when it
# has -t) reads it from BED_CLOCK at each message, so that what it records
# (a reply, a pause until a return date) is on the same timeline.
bed_clock() {
	BED_SIM=$1
	[ -n "$BED_DIR" ] || return 0
	if [ -n "$1" ]; then
		echo "$1" > "$BED_CLOCK.new" && chmod 644 "$BED_CLOCK.new" && mv "$BED_CLOCK.new" "$BED_CLOCK"
	else
		rm -f "$BED_CLOCK"
	fi
}

# bed_simfmt 2026-12-07T13:00:00Z -> "Mon 12-07 13:00Z"
bed_simfmt() { date -u -d "$1" '+%a %m-%d %H:%MZ' 2>/dev/null || echo "$1"; }

bed_fail() { bed_say "ERROR: $*" >&2; return 1; }

# ---- the bed ----

bed_need() {
	local p
	if [ "$(id -u)" != 0 ]; then
		echo "e2e: needs root (Postfix's master runs as root): run as root to include it"
		return 77
	fi
	for p in postfix postconf postqueue python3 openssl ss swaks; do
		command -v "$p" >/dev/null 2>&1 || { echo "e2e: $p not installed (scripts/install-deps.sh)"; return 77; }
	done
	id postfix >/dev/null 2>&1 || { echo "e2e: no postfix user"; return 77; }
	for p in "$BED_CTL" "$BED_MILTER" "$BED_CADENCED" "$BED_VERIFY"; do
		[ -x "$p" ] || { echo "e2e: $p is not built (make; make tests/milter/dkim_verify)"; return 99; }
	done
	return 0
}

# Distinct free ports (pf_free_port looks at what listens now only).
bed_ports() {
	local used="" p n
	for n in MX SUB CAD SLOW OUT HTTP; do
		while :; do
			p=$(pf_free_port) || return 1
			case " $used " in *" $p "*) continue ;; esac
			break
		done
		used="$used $p"
		eval "BED_P_$n=$p"
	done
}

bed_keys() {
	local k=$BED_DIR/keys
	mkdir -p "$k" && chmod 700 "$k"
	(umask 077 && openssl genrsa -out "$k/our.test.key" 2048 2>/dev/null) || return 1
	echo "e2e._domainkey.our.test v=DKIM1; k=rsa; p=$(openssl pkey -in "$k/our.test.key" -pubout -outform der 2>/dev/null | base64 | tr -d '\n')" \
		> "$k/dns-keys.txt"
	echo "ourtest  our.test:e2e:$k/our.test.key" > "$k/KeyTable"
	echo "*@our.test  ourtest" > "$k/SigningTable"
	# The keys belong to the service user (as opendkim's do): the milter
	# reads them with its own rights (UserID), never only as root.
	chown -R postfix:postfix "$k" || return 1
	BED_DNSKEYS=$k/dns-keys.txt
}

bed_conf() {
	BED_CONF=$BED_DIR/cadence.conf
	# the reps' mail client submits from 127.0.0.1 without SMTP AUTH
	echo "[127.0.0.1] @our.test" > "$BED_DIR/enroll-senders"
	cat > "$BED_CONF" <<EOF
# cadence.conf of the e2e bed (made by tests/e2e/bed.sh)
Database        ${BED_DATABASE:-$BED_DIR/state/cadence.db}
SecretFile      $BED_DIR/state/secret
Domain          cadence.our.test
InternalDomains our.test
InternalHosts   127.0.0.1
EnrollSenders   $BED_DIR/enroll-senders
Syslog          no
UserID          postfix:postfix
Socket          local:$BED_DIR/run/milter.sock
MilterPidFile   $BED_DIR/run/cadence-milter.pid
KeyTable        $BED_DIR/keys/KeyTable
SigningTable    $BED_DIR/keys/SigningTable
SignAllOutbound ${BED_SIGN_ALL:-yes}
SubmitURL       smtp://127.0.0.1:$BED_P_CAD
SchedulerPidFile ""
HttpListen      127.0.0.1:$BED_P_HTTP
PublicURL       https://127.0.0.1:$BED_P_HTTP/
SendSpacing     0
SendJitter      0
EOF
	sed "s|^SubmitURL .*|SubmitURL       smtp://127.0.0.1:$BED_P_SLOW|" "$BED_CONF" \
		> "$BED_DIR/cadence-slow.conf"
	BED_CONF_SLOW=$BED_DIR/cadence-slow.conf
	# PublicURL is https (RFC 8058 one-click needs it; a site puts its TLS
	# proxy in front of cadenced's plain HTTP listener): the scenarios POST
	# to the same path on http://127.0.0.1:BED_P_HTTP, playing that proxy.
	# SPF of the outside world, answered by the milter without DNS.
	cat > "$BED_DIR/spf.zone" <<EOF
acme.test    TXT "v=spf1 ip4:127.0.0.2 -all"
globex.test  TXT "v=spf1 ip4:127.0.0.2 -all"
EOF
}

# bed_up: builds and starts the whole bed; sets BED_DIR and the ports.
bed_up() {
	BED_T0=$(bed_ms)
	BED_DIR=$(mktemp -d "${TMPDIR:-/tmp}/cadence-e2e.XXXXXX") || return 1
	chmod 755 "$BED_DIR"
	BED_ORG=$BED_DIR/org
	BED_OUT=$BED_DIR/world
	BED_CLOCK=$BED_DIR/run/clock
	bed_ports || return 1
	mkdir -p "$BED_DIR/state" "$BED_DIR/run"
	chown postfix:postfix "$BED_DIR/state" "$BED_DIR/run"
	chmod 750 "$BED_DIR/state" "$BED_DIR/run"
	bed_keys || return 1
	bed_conf

	# The store and the secret, made by the administrator's tool.
	"$BED_CTL" -c "$BED_CONF" init > "$BED_DIR/init.log" 2>&1 || { cat "$BED_DIR/init.log" >&2; return 1; }
	chown postfix:postfix "$BED_DIR/state"/*
	"$BED_CTL" -c "$BED_CONF" config check > /dev/null || return 1
	"$BED_MILTER" -n -c "$BED_CONF" > /dev/null || return 1

	# The organization.
	local sock=unix:$BED_DIR/run/milter.sock
	pf_create "$BED_ORG" org mx.our.test "our.test" "${BED_REPS:-ann@our.test}" || return 1
	pf_nochroot "$BED_ORG"
	pf_set "$BED_ORG" \
		"mynetworks = 127.0.0.1/32" \
		"relay_domains = cadence.our.test" \
		"smtpd_milters =" \
		"non_smtpd_milters = $sock" \
		"internal_mail_filter_classes = bounce" \
		"milter_default_action = accept" \
		"milter_protocol = 6" \
		"milter_connect_timeout = 5s" \
		"milter_command_timeout = 10s" \
		"milter_content_timeout = 20s" || return 1
	pf_listen "$BED_ORG" "$BED_P_MX" org/mx \
		-o "smtpd_milters=$sock" -o milter_default_action=accept
	pf_listen "$BED_ORG" "$BED_P_SUB" org/submission \
		-o "smtpd_milters=$sock" -o milter_default_action=accept \
		-o milter_macro_daemon_name=ORIGINATING \
		-o "smtpd_client_restrictions=permit_mynetworks,reject"
	pf_listen "$BED_ORG" "$BED_P_CAD" org/cadence \
		-o "smtpd_milters=$sock" -o milter_default_action=tempfail \
		-o milter_macro_daemon_name=CADENCE \
		-o "smtpd_client_restrictions=permit_mynetworks,reject" \
		-o "smtpd_relay_restrictions=permit_mynetworks,reject"
	pf_listen "$BED_ORG" "$BED_P_SLOW" org/cadence-slow \
		-o "smtpd_milters=$sock" -o milter_default_action=tempfail \
		-o milter_macro_daemon_name=CADENCE \
		-o "{ smtpd_client_restrictions = sleep 3, permit_mynetworks, reject }" \
		-o "smtpd_relay_restrictions=permit_mynetworks,reject"
	pf_route "$BED_ORG" acme.test "$BED_P_OUT"
	pf_route "$BED_ORG" globex.test "$BED_P_OUT"
	echo "cadence.our.test discard:" >> "$BED_ORG/etc/transport"

	# The outside world.
	pf_create "$BED_OUT" world mx.world.test "acme.test globex.test" "${BED_CONTACTS:-}" || return 1
	pf_nochroot "$BED_OUT"
	pf_set "$BED_OUT" "smtp_bind_address = 127.0.0.2" || return 1
	pf_listen "$BED_OUT" "$BED_P_OUT" world/mx
	pf_route "$BED_OUT" our.test "$BED_P_MX"
	pf_route "$BED_OUT" cadence.our.test "$BED_P_MX"
	postfix -c "$BED_ORG/etc" check || return 1
	postfix -c "$BED_OUT/etc" check || return 1

	bed_milter_start || return 1
	pf_start "$BED_ORG" || return 1
	pf_start "$BED_OUT" || return 1
	bed_wait_port "$BED_P_MX" && bed_wait_port "$BED_P_SUB" && bed_wait_port "$BED_P_CAD" \
		&& bed_wait_port "$BED_P_SLOW" \
		&& bed_wait_port "$BED_P_OUT" || { bed_fail "a Postfix listener did not come up"; return 1; }
	bed_say "bed up in $BED_DIR: our.test mx :$BED_P_MX, submission :$BED_P_SUB, cadenced's port :$BED_P_CAD; acme.test/globex.test :$BED_P_OUT"
}

bed_wait_port() { pf_wait_port "$1"; }   # pflib.sh

bed_milter_start() {
	[ -z "$BED_MILTER_PID" ] || return 0
	local clock=""
	"$BED_MILTER" -h 2>/dev/null | grep -q -- "-t FILE" && clock="-t $BED_CLOCK"
	# shellcheck disable=SC2086
	"$BED_MILTER" -f -c "$BED_CONF" -Z "$BED_DIR/spf.zone" $clock >> "$BED_DIR/milter.log" 2>&1 &
	BED_MILTER_PID=$!
	local i
	for i in $(seq 1 100); do
		[ -S "$BED_DIR/run/milter.sock" ] && { bed_say "cadence-milter started (pid $BED_MILTER_PID)"; return 0; }
		kill -0 "$BED_MILTER_PID" 2>/dev/null || break
		sleep 0.05
	done
	bed_fail "cadence-milter did not start:"
	tail -n 20 "$BED_DIR/milter.log" >&2
	BED_MILTER_PID=""
	return 1
}

bed_milter_stop() {
	[ -n "$BED_MILTER_PID" ] || return 0
	kill -TERM "$BED_MILTER_PID" 2>/dev/null
	local i
	for i in $(seq 1 50); do
		kill -0 "$BED_MILTER_PID" 2>/dev/null || break
		sleep 0.1
	done
	kill -KILL "$BED_MILTER_PID" 2>/dev/null
	wait "$BED_MILTER_PID" 2>/dev/null
	BED_MILTER_PID=""
	rm -f "$BED_DIR/run/milter.sock"
	bed_say "cadence-milter stopped"
}

bed_down() {
	local rc=$?
	[ -n "$BED_DIR" ] || return $rc
	if [ -n "$BED_DAEMON_PID" ]; then
		kill -KILL "$BED_DAEMON_PID" 2>/dev/null
		wait "$BED_DAEMON_PID" 2>/dev/null
		BED_DAEMON_PID=""
	fi
	# Only our own instances (never "$x/etc" with x empty: that is /etc).
	[ -n "${BED_OUT:-}" ] && [ "${BED_OUT#"$BED_DIR"/}" != "$BED_OUT" ] && pf_stop "$BED_OUT"
	[ -n "${BED_ORG:-}" ] && [ "${BED_ORG#"$BED_DIR"/}" != "$BED_ORG" ] && pf_stop "$BED_ORG"
	bed_milter_stop > /dev/null
	if [ "${E2E_KEEP:-0}" = 1 ]; then
		echo "e2e: bed kept in $BED_DIR (E2E_KEEP=1)"
	else
		rm -rf "$BED_DIR"
	fi
	BED_DIR=""
	return $rc
}

# bed_trap: tear the bed down on any exit (and exit on a signal).
bed_trap() {
	trap bed_down EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM HUP
}

# ---- mailboxes ----

# bed_add_mailbox ADDRESS...: a mailbox in the instance of its domain.
bed_add_mailbox() {
	local a dir changed_org=0 changed_out=0
	for a in "$@"; do
		case "$a" in
		*@our.test) dir=$BED_ORG; changed_org=1 ;;
		*) dir=$BED_OUT; changed_out=1 ;;
		esac
		grep -qi "^$a " "$dir/etc/vmailbox" || echo "$a ${a#*@}/${a%@*}/" >> "$dir/etc/vmailbox"
	done
	# texthash maps are read at process start: restart the readers.
	[ $changed_org = 1 ] && postfix -c "$BED_ORG/etc" reload > /dev/null 2>&1
	[ $changed_out = 1 ] && postfix -c "$BED_OUT/etc" reload > /dev/null 2>&1
	sleep 0.3
	return 0
}

bed_maildir() {
	case "$1" in
	*@our.test) pf_maildir "$BED_ORG" "$1" ;;
	*) pf_maildir "$BED_OUT" "$1" ;;
	esac
}

# bed_mails ADDRESS: the files delivered to ADDRESS, oldest first.
bed_mails() {
	local md
	md=$(bed_maildir "$1")
	[ -d "$md" ] || return 0
	find "$md/new" "$md/cur" -type f -printf '%T@ %p\n' 2>/dev/null | sort -n | cut -d' ' -f2-
}

bed_count() { bed_mails "$1" | grep -c . ; }

# bed_wait_mail ADDRESS N [SECONDS]: until ADDRESS has N messages (0) or
# SECONDS pass (1).
bed_wait_mail() {
	local a=$1 n=$2 secs=${3:-20} i
	for i in $(seq 1 $((secs * 10))); do
		[ "$(bed_count "$a")" -ge "$n" ] && return 0
		[ $((i % 20)) = 0 ] && { pf_flush "$BED_ORG"; pf_flush "$BED_OUT"; }
		sleep 0.1
	done
	return 1
}

# bed_settle [SECONDS]: until both queues are empty.
bed_settle() {
	pf_wait_queue "$BED_ORG" "${1:-20}" && pf_wait_queue "$BED_OUT" "${1:-20}"
}

# bed_hdr FILE NAME: the (unfolded, decoded) values of header NAME.
bed_hdr() { bed_py "$BED_MAILCHECK" header "$1" "$2"; }

# bed_dkim FILE: 0 when a DKIM-Signature of our.test verifies offline
# (the key from BED_DNSKEYS, never DNS). A Maildir file has LF line ends;
# the verifier gets the message as it was on the wire, with CRLF.
bed_dkim() {
	local t=$BED_DIR/verify.$$.eml rc
	sed 's/$/\r/' "$1" > "$t"
	"$BED_VERIFY" "$BED_DNSKEYS" "$t" our.test > "$BED_DIR/verify.out" 2>&1
	rc=$?
	rm -f "$t"
	return $rc
}

# bed_json EXPR: EXPR (Python, d = the JSON on standard input), printed.
bed_json() { bed_py "$BED_MAILCHECK" json "$1"; }

# ---- the programs ----

bed_ctl() { "$BED_CTL" -c "$BED_CONF" "$@"; }

# bed_pass TIME: one cadenced pass as of TIME; its summary on the timeline.
bed_pass() {
	local out rc line
	bed_clock "$1"
	out=$("$BED_CADENCED" -c "$BED_CONF" --once --now="$1" 2>&1)
	rc=$?
	printf '%s\n' "$out" >> "$BED_DIR/cadenced.log"
	line=$(printf '%s\n' "$out" | sed -n 's/.*pass at [^:]*:[0-9:]*Z*: //p' | tail -n1)
	BED_LAST_PASS=$line
	if [ $rc != 0 ]; then
		bed_say "cadenced pass FAILED (exit $rc): $(printf '%s' "$out" | tail -n1)"
		return 1
	fi
	case "$line" in
	"0 sent, 0 reconciled, 0 deferred, 0 retried, 0 failed, 0 tasks, 0 finished") ;;
	*) bed_say "cadenced pass: ${line:-$out}" ;;
	esac
	return 0
}

# bed_daemon_start: cadenced as a daemon (foreground, real clock), for its
# one-click unsubscribe listener; bed_daemon_stop ends it (SIGTERM).
bed_daemon_start() {
	[ -z "$BED_DAEMON_PID" ] || return 0
	"$BED_CADENCED" -c "$BED_CONF" -f >> "$BED_DIR/cadenced.log" 2>&1 &
	BED_DAEMON_PID=$!
	local i
	for i in $(seq 1 100); do
		if bed_py "$BED_MAILCHECK" http GET "http://127.0.0.1:$BED_P_HTTP/healthz" > /dev/null 2>&1; then
			bed_say "cadenced started as a daemon (pid $BED_DAEMON_PID, one-click on :$BED_P_HTTP)"
			return 0
		fi
		kill -0 "$BED_DAEMON_PID" 2>/dev/null || break
		sleep 0.05
	done
	bed_fail "cadenced did not start"
	tail -n 5 "$BED_DIR/cadenced.log" >&2
	BED_DAEMON_PID=""
	return 1
}

bed_daemon_stop() {
	[ -n "$BED_DAEMON_PID" ] || return 0
	kill -TERM "$BED_DAEMON_PID" 2>/dev/null
	wait "$BED_DAEMON_PID" 2>/dev/null
	BED_DAEMON_PID=""
	bed_say "cadenced daemon stopped"
}

# bed_sent_count: "N" from the last pass's "N sent".
bed_pass_sent() { printf '%s' "$BED_LAST_PASS" | sed -n 's/^\([0-9]*\) sent.*/\1/p'; }

# bed_swaks PORT ARGS...: one SMTP transaction with swaks, quietly.
bed_swaks() {
	local port=$1
	shift
	swaks --server 127.0.0.1 --port "$port" --helo client.test --silent 2 "$@" \
		>> "$BED_DIR/swaks.log" 2>&1
}

# Run by itself: a live bed for a command or a shell.
if [ "${BASH_SOURCE[0]}" = "$0" ]; then
	bed_need || exit $?
	bed_trap
	BED_CONTACTS=${BED_CONTACTS:-"pat@acme.test lee@acme.test kim@globex.test"}
	bed_up || exit 1
	export BED_DIR BED_CONF BED_ORG BED_OUT BED_P_MX BED_P_SUB BED_P_CAD BED_P_OUT BED_P_HTTP
	if [ $# -gt 0 ]; then
		"$@"
	else
		echo "bed up; exit the shell to tear it down. cadencectl -c \$BED_CONF ..."
		PATH=$BED_BUILDDIR/ctl:$BED_BUILDDIR/scheduler:$PATH "${SHELL:-/bin/bash}" -i
	fi
fi
