#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# tests/e2e/multihost.sh - cadence on two mail hosts of one organization
# with one PostgreSQL store (issue 17), on real Postfix and a private
# PostgreSQL server (tests/lib/pgserver.sh; unix socket only).
#
# The bed of bed.sh ("host 1": its MX, submission and cadenced's port, its
# cadence-milter, a cadenced) plus "host 2": a second organization Postfix
# instance for our.test (an MX and a cadenced port) with its own
# cadence-milter and its own cadenced, both on the same store. Scenarios:
#
#   M1  a reply that arrives at the second MX stops the sequence whose step
#       went out through the first; a contact who did not reply gets the
#       next step through the second host (the control);
#   M2  two cadenced, one on each host, pass at the same time over twenty
#       due contacts, and the one on host 1 is killed with SIGKILL in the
#       middle of its batch over and over: each contact has step 1 exactly
#       once (the harness's control: a duplicate put in a Maildir by hand
#       is counted);
#   M3  PostgreSQL stops for 2 s and starts again in the middle of a pass
#       of cadenced (held with SIGSTOP until the server is down), while
#       people send mail through host 1 and
#       cadenced sends steps: every person's message arrives exactly once
#       (a message the MTA answered 4xx is sent again, as a mail client or
#       MTA does), every contact has step 1 exactly once.
#
# Exit: 0 all passed, 1 a failure, 77 when the bed or PostgreSQL cannot run
# here (the reason is printed), 99 when the build is incomplete.
# E2E_KEEP=1 keeps the directory. Traffic on 127.0.0.1/127.0.0.2 only.

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/e2e/bed.sh
. "$here/bed.sh"
# shellcheck source=tests/e2e/scenarios.sh
. "$here/scenarios.sh"
# shellcheck source=tests/lib/pgserver.sh
. "$here/../lib/pgserver.sh"

bed_need
rc=$?
if [ $rc != 0 ]; then
	[ $rc = 77 ] && echo "multihost: SKIP"
	exit $rc
fi

MH_ORG2=""
MH_MILTER2_PID=""
MH_CONF2=""

mh_down() {
	local rc=$?
	[ -n "$MH_MILTER2_PID" ] && { kill -TERM "$MH_MILTER2_PID" 2>/dev/null; wait "$MH_MILTER2_PID" 2>/dev/null; }
	MH_MILTER2_PID=""
	[ -n "$MH_ORG2" ] && [ -n "$BED_DIR" ] && [ "${MH_ORG2#"$BED_DIR"/}" != "$MH_ORG2" ] && pf_stop "$MH_ORG2"
	MH_ORG2=""
	(exit $rc)
	bed_down
	pg_down
	return $rc
}

# mh_host2_up: the second organization instance, its milter and its
# configuration (the same store, its own socket, pid file and SubmitURL).
mh_host2_up() {
	local sock p used="$BED_P_MX $BED_P_SUB $BED_P_CAD $BED_P_SLOW $BED_P_OUT $BED_P_HTTP"
	for n in MX2 CAD2; do
		while :; do
			p=$(pf_free_port) || return 1
			case " $used " in *" $p "*) continue ;; esac
			break
		done
		used="$used $p"
		eval "MH_P_$n=$p"
	done
	MH_ORG2=$BED_DIR/org2
	MH_CONF2=$BED_DIR/cadence2.conf
	sock=unix:$BED_DIR/run/milter2.sock
	sed -e "s|^Socket .*|Socket          local:$BED_DIR/run/milter2.sock|" \
		-e "s|^MilterPidFile .*|MilterPidFile   $BED_DIR/run/cadence-milter2.pid|" \
		-e "s|^SubmitURL .*|SubmitURL       smtp://127.0.0.1:$MH_P_CAD2|" \
		-e "s|^HttpListen .*|HttpListen      \"\"|" \
		"$BED_CONF" > "$MH_CONF2"
	pf_create "$MH_ORG2" org2 mx2.our.test "our.test" "${BED_REPS:-ann@our.test}" || return 1
	pf_nochroot "$MH_ORG2"
	pf_set "$MH_ORG2" \
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
	pf_listen "$MH_ORG2" "$MH_P_MX2" org2/mx \
		-o "smtpd_milters=$sock" -o milter_default_action=accept
	pf_listen "$MH_ORG2" "$MH_P_CAD2" org2/cadence \
		-o "smtpd_milters=$sock" -o milter_default_action=tempfail \
		-o milter_macro_daemon_name=CADENCE \
		-o "smtpd_client_restrictions=permit_mynetworks,reject" \
		-o "smtpd_relay_restrictions=permit_mynetworks,reject"
	pf_route "$MH_ORG2" acme.test "$BED_P_OUT"
	pf_route "$MH_ORG2" globex.test "$BED_P_OUT"
	echo "cadence.our.test discard:" >> "$MH_ORG2/etc/transport"
	postfix -c "$MH_ORG2/etc" check || return 1
	"$BED_MILTER" -f -c "$MH_CONF2" -Z "$BED_DIR/spf.zone" -t "$BED_CLOCK" >> "$BED_DIR/milter2.log" 2>&1 &
	MH_MILTER2_PID=$!
	for p in $(seq 1 100); do
		[ -S "$BED_DIR/run/milter2.sock" ] && break
		sleep 0.05
	done
	[ -S "$BED_DIR/run/milter2.sock" ] || { bed_fail "the second cadence-milter did not start"; tail -n 20 "$BED_DIR/milter2.log" >&2; return 1; }
	pf_start "$MH_ORG2" || return 1
	bed_wait_port "$MH_P_MX2" && bed_wait_port "$MH_P_CAD2" || { bed_fail "host 2's Postfix did not come up"; return 1; }
	bed_say "host 2 up: our.test mx :$MH_P_MX2, cadenced's port :$MH_P_CAD2, its own cadence-milter (pid $MH_MILTER2_PID), the same store"
}

# mh_pass2 TIME: one pass of host 2's cadenced.
mh_pass2() {
	local out
	out=$("$BED_CADENCED" -c "$MH_CONF2" --once --now="$1" 2>&1)
	echo "$out" >> "$BED_DIR/cadenced2.log"
	bed_say "host 2's cadenced pass: $(printf '%s' "$out" | tail -n1)"
}

# mh_inbound_at2 FILE FROM TO: FILE sent by a contact's MTA straight to
# host 2's MX, from 127.0.0.2 (inbound; SPF passes in the test zone).
mh_inbound_at2() {
	{ cat "$1"; echo "."; } > "$1.smtp"
	swaks --server 127.0.0.1 --port "$MH_P_MX2" --local-interface 127.0.0.2 --helo mx.world.test \
		--silent 2 --from "$2" --to "$3" --data "@$1.smtp" >> "$BED_DIR/swaks.log" 2>&1
}

# mh_once LIST: how many contacts of LIST have no step 1 and how many more
# than one ("LOST DUP").
mh_once() {
	local k n lost=0 dup=0
	for k in $1; do
		n=$(bed_count "$k")
		[ "$n" -gt 1 ] && { dup=$((dup + 1)); bed_say "  $k got step 1 $n times"; }
		[ "$n" -lt 1 ] && { lost=$((lost + 1)); bed_say "  $k got nothing"; }
	done
	echo "$lost $dup"
}

# ---- M1: a reply at the second MX ----
scen_m1() {
	local t0=2027-03-02T10:00:00Z rep=mia@our.test a=r1@globex.test b=r2@globex.test f1 sent
	e2e_rep "$t0" "$rep" "Mia Example" UTC
	e2e_contacts "$t0" "$a,Rae,One,Globex,UTC,demo" "$b,Rob,Two,Globex,UTC,demo" || return 1
	e2e_enroll "$t0" "$E2E_SEQ" "$rep" "$a" "$b" || return 1
	bed_pass "$t0"
	bed_wait_mail "$a" 1 && bed_wait_mail "$b" 1 || { e2e_bad "step 1 did not reach both contacts"; return 1; }
	bed_say "step 1 left through host 1 for $a and $b"
	f1=$(e2e_step1 "$a")
	sent=$BED_DIR/m1-reply.eml
	e2e_mail reply "$sent" FROM="$a" FROMNAME="Rae One" TO="$rep" TONAME="Mia Example" \
		SUBJECT="$(bed_hdr "$f1" Subject)" INREPLYTO="$(bed_hdr "$f1" Message-Id | tr -d '<>')" \
		MSGID="m1-reply@globex.test" DATE="$(e2e_rfc2822 2027-03-02T11:00:00Z)" QDATE="02/03/2027 10:00"
	bed_clock 2027-03-02T11:00:00Z
	mh_inbound_at2 "$sent" "$a" "$rep" && bed_say "$a replies; globex.test's MTA hands the reply to host 2's MX"
	e2e_check "$a is unenrolled (the milter of host 2 saw the reply)" e2e_wait_state "$a" unenrolled 15
	e2e_check "the reason says the contact replied" grep -qi "repl" <<< "$(e2e_state "$a" reason)"
	e2e_eq "$b is still active (the control)" "$(e2e_state "$b" state)" active
	bed_say "a week of host 2's cadenced passes"
	local ts te
	ts=$(date -u -d 2027-03-02T12:00:00Z +%s)
	te=$(date -u -d 2027-03-09T12:00:00Z +%s)
	while [ "$ts" -le "$te" ]; do
		mh_pass2 "$(date -u -d "@$ts" +%Y-%m-%dT%H:%M:%SZ)"
		e2e_tasks "$(date -u -d "@$ts" +%Y-%m-%dT%H:%M:%SZ)" "$rep"
		ts=$((ts + 12 * 3600))
	done
	bed_settle 30
	e2e_eq "messages at $a (none after the reply)" "$(bed_count "$a")" 1
	e2e_check "control: $b got a later step through host 2" test "$(bed_count "$b")" -ge 2
	e2e_finish "$rep" 2027-03-10T00:00:00Z
	e2e_result
}

# ---- M2: two cadenced at once, one killed over and over ----
scen_m2() {
	local t0=2027-03-16T10:00:00Z rep=max@our.test i k list="" r kills=0 b2 got f
	e2e_rep "$t0" "$rep" "Max Example" UTC
	for i in $(seq -w 1 20); do
		list="$list w$i@globex.test"
		k="$k w$i@globex.test,W$i,Tester,Globex,UTC,demo"
	done
	# shellcheck disable=SC2086
	e2e_contacts "$t0" $k || return 1
	# shellcheck disable=SC2086
	e2e_enroll "$t0" "$E2E_SEQ" "$rep" $list || return 1
	bed_clock "$t0"
	{ cat "$BED_CONF"; echo "SubmitBatch     2"; } > "$BED_DIR/cadence-m2.conf"
	{ cat "$MH_CONF2"; echo "SubmitBatch     2"; } > "$BED_DIR/cadence2-m2.conf"
	# Host 1's cadenced starts each round and is killed as soon as Postfix
	# logs its connection (its claims stay behind it until their lease
	# ends); host 2's starts at that moment and passes beside the next
	# round of host 1's. Until host 1's finds nothing left to claim.
	b2=""
	for i in $(seq 1 30); do
		r=$(python3 "$BED_SRCDIR/tests/e2e/killmid.py" "$BED_ORG/maillog" \
			"postfix-org/cadence/smtpd.*: client=" 9 \
			"$BED_CADENCED" -c "$BED_DIR/cadence-m2.conf" --once --now="$t0" 2>> "$BED_DIR/cadenced.log")
		if [ -z "$b2" ] || ! kill -0 "$b2" 2>/dev/null; then
			"$BED_CADENCED" -c "$BED_DIR/cadence2-m2.conf" --once --now="$t0" >> "$BED_DIR/cadenced2.log" 2>&1 &
			b2=$!
		fi
		[ "$r" = killed ] || break
		kills=$((kills + 1))
	done
	wait "$b2"
	bed_say "host 1's cadenced was killed with SIGKILL $kills times while host 2's passed beside it"
	e2e_check "host 1's cadenced was killed mid-batch at least once" test "$kills" -ge 1
	bed_pass 2027-03-16T10:05:00Z
	mh_pass2 2027-03-16T10:10:00Z
	bed_pass 2027-03-16T11:00:00Z
	bed_settle 30
	sleep 1
	got=$(mh_once "$list")
	e2e_eq "contacts without step 1, with a duplicate" "$(echo "$got" | tail -n1)" "0 0"
	e2e_eq "distinct Message-IDs delivered" \
		"$(for k in $list; do for f in $(bed_mails "$k"); do bed_hdr "$f" Message-Id; done; done | sort -u | wc -l)" 20
	e2e_check "host 1 and host 2 both sent some" test \
		"$(grep -c "postfix-org2/cadence/smtpd.*: client=" "$MH_ORG2/maillog")" -ge 1
	# the harness's control: a second copy in one Maildir is counted
	f=$(e2e_step1 w01@globex.test)
	cp "$f" "$(dirname "$f")/../new/control-copy"
	e2e_eq "control: a duplicate put in w01's Maildir is counted" "$(mh_once "$list" | tail -n1)" "0 1"
	rm -f "$(dirname "$f")/../new/control-copy"
	e2e_finish "$rep" 2027-03-17T00:00:00Z
	e2e_result
}

# ---- M3: PostgreSQL goes down and comes back during traffic ----
scen_m3() {
	local t0=2027-03-23T10:00:00Z rep=liv@our.test i k list="" sender p n left c f r
	e2e_rep "$t0" "$rep" "Liv Example" UTC
	for i in $(seq -w 1 10); do
		list="$list v$i@globex.test"
		k="$k v$i@globex.test,V$i,Tester,Globex,UTC,demo"
	done
	# shellcheck disable=SC2086
	e2e_contacts "$t0" $k || return 1
	# shellcheck disable=SC2086
	e2e_enroll "$t0" "$E2E_SEQ" "$rep" $list || return 1
	bed_clock "$t0"
	# people's mail through host 1's submission port, 20 messages; a 4xx
	# (the milter cannot reach the store) is tried again, as a client does
	(
		for i in $(seq -w 1 20); do
			for p in 1 2 3 4 5 6 7 8 9 10; do
				swaks --server 127.0.0.1 --port "$BED_P_SUB" --helo client.test --silent 2 \
					--from "$rep" --to "v$(printf %02d $(((10#$i - 1) % 10 + 1)))@globex.test" \
					--header "Subject: person message $i" --body "A person's message, number $i." \
					>> "$BED_DIR/swaks-m3.log" 2>&1 && break
				echo "retry $i" >> "$BED_DIR/m3-retries.log"
				sleep 1
			done
			sleep 0.1
		done
	) &
	sender=$!
	# cadenced sends one message per connection. As soon as Postfix logs
	# its first connection, cadenced is held (SIGSTOP), PostgreSQL stops
	# (fast: every session is cut), cadenced goes on against a server that
	# is down for 2 s, and the server starts again: the outage falls inside
	# the pass whatever the machine's speed (killmid.py --hold)
	{ cat "$BED_CONF"; echo "SubmitBatch     1"; } > "$BED_DIR/cadence-m3.conf"
	bed_say "PostgreSQL stops for 2 s (pg_ctl stop -m fast, then start) while mail flows and cadenced passes"
	r=$(python3 "$BED_SRCDIR/tests/e2e/killmid.py" \
		--hold "PG_RUNAS='$PG_RUNAS' PG_WAIT='$PG_WAIT' PG_BIN='$PG_BIN' PG_DIR='$PG_DIR'
			$(declare -f pg_as pg_stop pg_start)
			pg_stop || exit 1; kill -CONT \$1; sleep 2; pg_start" \
		"$BED_ORG/maillog" "postfix-org/cadence/smtpd.*: client=" 0 \
		"$BED_CADENCED" -c "$BED_DIR/cadence-m3.conf" --once --now="$t0" 2>> "$BED_DIR/cadenced.log")
	case "$r" in
	"held 0 "*) bed_say "  the outage fell inside cadenced's pass ($r)" ;;
	"held "*) e2e_bad "PostgreSQL did not stop and start again ($r)" ;;
	*) e2e_bad "the outage did not fall inside cadenced's pass ($r)" ;;
	esac
	wait "$sender"
	bed_pass 2027-03-23T10:05:00Z
	mh_pass2 2027-03-23T10:10:00Z
	bed_pass 2027-03-23T11:00:00Z
	bed_settle 30
	sleep 1
	# every delivered message's contact and subject, read once
	for k in $list; do
		for f in $(bed_mails "$k"); do printf '%s\t%s\n' "$k" "$(bed_hdr "$f" Subject)"; done
	done > "$BED_DIR/m3-subjects"
	n=0
	for i in $(seq -w 1 20); do
		left=$(grep -c "	person message $i\$" "$BED_DIR/m3-subjects")
		[ "$left" = 1 ] || { bed_say "  person message $i arrived $left times"; n=$((n + 1)); }
	done
	e2e_eq "person messages not delivered exactly once" "$n" 0
	bed_say "$(cat "$BED_DIR/m3-retries.log" 2>/dev/null | wc -l) submissions were answered 4xx and sent again"
	n=0
	for k in $list; do
		c=$(grep "^$k	" "$BED_DIR/m3-subjects" | grep -vc "	person message ")
		[ "$c" = 1 ] || { bed_say "  $k got $c sequence messages"; n=$((n + 1)); }
	done
	e2e_eq "contacts without exactly one step 1" "$n" 0
	e2e_check "the outage cut the first pass short (the next pass had work left)" \
		grep -qE "pass at 2027-03-23T10:05:00Z: ([1-9][0-9]* sent|[0-9]+ sent, [1-9][0-9]* reconciled)" \
		"$BED_DIR/cadenced.log"
	e2e_finish "$rep" 2027-03-24T00:00:00Z
	e2e_result
}

pg_up       # exits 77 with the reason when no server can be started here
trap mh_down EXIT
trap 'exit 130' INT
trap 'exit 143' TERM HUP
# the daemons run as postfix (UserID): they reach the socket in PG_DIR
# (the server's data directory inside it stays 0700)
chmod 0711 "$PG_DIR"
BED_DATABASE=$PG_CONNINFO
BED_REPS="mia@our.test max@our.test liv@our.test"
BED_CONTACTS="r1@globex.test r2@globex.test $(for i in $(seq -w 1 20); do printf 'w%s@globex.test ' "$i"; done)$(for i in $(seq -w 1 10); do printf 'v%s@globex.test ' "$i"; done)"
BED_SIGN_ALL=no
echo "multihost: two organization hosts, one PostgreSQL store ($PG_CONNINFO)"
echo "     elapsed  simulated time       event"
if ! bed_up || ! e2e_world || ! mh_host2_up; then
	echo "multihost: the bed did not come up"
	[ -n "$BED_DIR" ] && tail -n 30 "$BED_DIR"/org/maillog "$BED_DIR"/milter.log "$BED_DIR"/milter2.log 2>/dev/null
	exit 1
fi

passed=0
failed=0
for n in ${*:-m1 m2 m3}; do
	bed_clock ""
	E2E_FAILS=0
	bed_say "==== scenario $n"
	if scen_"$n"; then
		passed=$((passed + 1)); bed_say "PASS  scenario $n"
	else
		failed=$((failed + 1)); bed_say "FAIL  scenario $n"
	fi
done
if [ "$failed" -gt 0 ]; then
	echo "---- logs (tail) ----"
	tail -n 15 "$BED_DIR/milter.log" "$BED_DIR/milter2.log" "$BED_DIR/cadenced.log" "$BED_DIR/cadenced2.log" 2>/dev/null
fi
echo "multihost: $passed passed, $failed failed"
[ "$failed" = 0 ]
