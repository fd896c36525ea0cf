#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# scenarios.sh - the end-to-end scenarios of issue 4, one function each,
# run on the bed of bed.sh (sourced after it by run.sh and demo.sh).
#
# Each scen_N prints its steps on the timeline and returns 0 (passed),
# 1 (an assertion failed: each one says what it expected and what it saw)
# or 77 (skipped; E2E_SKIP_REASON says why: a tool the bed needs is
# missing). Every part of cadence-milter a scenario needs is built: a
# scenario never skips for a missing feature (it fails), so that a rename
# or a regression cannot turn into a silent skip.
#
# Scenarios share one bed but not their data: each has its own rep, its
# own contacts and its own stretch of simulated time (cadenced --once
# --now, cadencectl --now), and stops what it enrolled when it ends.
#
# Sequences: contrib/sequences/inbound-follow-up.seq as shipped (window
# 08:00-18:00 in the recipient's zone, business days, threaded steps; step
# 2 and 4 are calls the sequence waits for), and a company-scoped variant
# of it made here for scenario 2.

E2E_SEQ_FILE=$BED_SRCDIR/contrib/sequences/inbound-follow-up.seq
E2E_SEQ=$(sed -n 's/^name *= *//p' "$E2E_SEQ_FILE" | head -n1)
E2E_SEQ_CO="Inbound follow-up, company scope (e2e)"

# Every mailbox the scenarios use, made when the bed is set up.
E2E_REPS="ann@our.test ben@our.test cleo@our.test dan@our.test eve@our.test fay@our.test gus@our.test hal@our.test ivy@our.test jo@our.test"
E2E_REPS="$E2E_REPS kai@our.test lou@our.test max@our.test"
E2E_CONTACTS="pat@acme.test lee@acme.test kim@globex.test sam@globex.test
ray@acme.test una@acme.test wes@acme.test xia@globex.test
yan@acme.test zoe@globex.test abe@acme.test bea@globex.test
k01@globex.test k02@globex.test k03@globex.test k04@globex.test k05@globex.test
k06@globex.test k07@globex.test k08@globex.test k09@globex.test k10@globex.test
k11@globex.test k12@globex.test k13@globex.test k14@globex.test k15@globex.test
k16@globex.test k17@globex.test k18@globex.test k19@globex.test k20@globex.test"
E2E_CONTACTS="$E2E_CONTACTS mia@acme.test noa@acme.test oli@globex.test pia@globex.test
wyn@globex.test quin@acme.test rui@acme.test sol@acme.test tom@acme.test vic@acme.test
ida@globex.test"

# ---- assertions ----

E2E_FAILS=0
E2E_SKIP_REASON=""
e2e_ok() { bed_say "  ok: $*"; }
e2e_bad() { bed_say "  FAIL: $*"; E2E_FAILS=$((E2E_FAILS + 1)); }
# e2e_check WHAT CMD...: passes when CMD succeeds.
e2e_check() {
	local what=$1
	shift
	if "$@"; then e2e_ok "$what"; else e2e_bad "$what"; fi
}
# e2e_eq WHAT GOT WANT
e2e_eq() {
	if [ "$2" = "$3" ]; then e2e_ok "$1: $2"; else e2e_bad "$1: got '$2', want '$3'"; fi
}
e2e_skip() { E2E_SKIP_REASON=$*; return 77; }
e2e_result() { [ "$E2E_FAILS" = 0 ]; }

# ---- common set-up ----

# e2e_world: the sequences, once per bed.
e2e_world() {
	# The sequence says "holidays = us": the calendar shipped in contrib.
	bed_ctl holiday import us "$BED_SRCDIR/contrib/holidays/us-federal-2026-2027.txt" > /dev/null ||
		return 1
	bed_ctl sequence import "$E2E_SEQ_FILE" > /dev/null || return 1
	sed -e "s/^name *=.*/name = $E2E_SEQ_CO/" -e 's/^scope *=.*/scope = company/' \
		"$E2E_SEQ_FILE" > "$BED_DIR/company.seq"
	bed_ctl sequence import "$BED_DIR/company.seq" > /dev/null || return 1
	bed_say "US federal holidays imported; sequences imported: \"$E2E_SEQ\" (and a company-scope copy)"
}

# e2e_rep TIME ADDRESS "NAME" ZONE
e2e_rep() {
	bed_ctl --now "$1" user add "$2" --name "$3" --tz "$4" > /dev/null
}

# e2e_contacts TIME CSV-LINES...: imports contacts (email,firstname,
# lastname,company,timezone,interest).
e2e_contacts() {
	local t=$1 f=$BED_DIR/contacts.$$.csv
	shift
	{
		echo "email,firstname,lastname,company,timezone,interest"
		printf '%s\n' "$@"
	} > "$f"
	bed_ctl --now "$t" contact import "$f" > /dev/null
}

# e2e_enroll TIME SEQUENCE REP ADDRESS...
e2e_enroll() {
	local t=$1 seq=$2 rep=$3
	shift 3
	bed_clock "$t"
	if bed_ctl --now "$t" enroll --sequence "$seq" --as "$rep" "$@" > /dev/null; then
		bed_say "$rep enrolls $* in \"$seq\""
	else
		bed_say "enrolling $* FAILED"
		return 1
	fi
}

# e2e_state ADDRESS [FIELD]: the contact's latest enrollment, as
# "state step reason" (or one JSON field).
e2e_state() {
	bed_ctl --json status "$1" 2>/dev/null | bed_json \
		"(lambda e: (str(e.get('${2:-state}')) if '${2:-}' else '%s %s %s' % (e['state'], e['currentStep'], e.get('reason') or '-')) if e else 'none')((d if isinstance(d, list) else d.get('enrollments', []))[-1] if (d if isinstance(d, list) else d.get('enrollments', [])) else None)"
}

# e2e_state_text ADDRESS: "active", "paused until T", "unenrolled (reason)".
e2e_state_text() {
	bed_ctl --json status "$1" 2>/dev/null | bed_json \
		"(lambda e: 'not enrolled' if e is None else e['state'] + (' until %s' % e['pausedUntil'] if e.get('pausedUntil') else '') + (' (%s)' % e['reason'] if e.get('reason') and e['state'] != 'active' else ''))((d if isinstance(d, list) else d.get('enrollments', [None]))[-1] if (d if isinstance(d, list) else d.get('enrollments', [])) else None)"
}

# e2e_events ADDRESS TYPE: how many events of TYPE the contact has.
e2e_events() {
	bed_ctl --json events --contact "$1" --type "$2" 2>/dev/null | bed_json \
		"len(d if isinstance(d, list) else d.get('events', []))"
}

# e2e_tasks TIME REP: the rep does every open task that is due by TIME
# (tasks fall due in the rep's own working hours). Sets E2E_TASKS_LEFT to
# the number of open tasks not due yet.
E2E_TASKS_LEFT=0
e2e_tasks() {
	local t=$1 rep=$2 line id kind contact step
	E2E_TASKS_LEFT=0
	for line in $(bed_ctl --now "$t" --json task list --user "$rep" --state open | bed_json \
		"['%s|%s|%s|%s|%s' % (x['id'], x['kind'], x['contact'], x['step'], int((x.get('dueAt') or '') <= '$t')) for x in (d if isinstance(d, list) else d.get('tasks', []))]"); do
		IFS='|' read -r id kind contact step due <<< "$line"
		if [ "$due" != 1 ]; then
			E2E_TASKS_LEFT=$((E2E_TASKS_LEFT + 1))
			continue
		fi
		if bed_ctl --now "$t" task complete "$id" > /dev/null; then
			bed_say "$rep does task $id: $kind $contact (step $step), marks it done"
		else
			e2e_bad "task complete $id"
		fi
	done
}

E2E_WATCH=""
# e2e_watch_report: one line per message delivered since the last call to
# the watched addresses (E2E_WATCH "address=Zone ...").
e2e_watch_report() {
	local w a z f
	for w in $E2E_WATCH; do
		a=${w%%=*}
		z=${w#*=}
		for f in $(bed_mails "$a"); do
			grep -qxF "$f" "$BED_DIR/seen" 2>/dev/null && continue
			echo "$f" >> "$BED_DIR/seen"
			bed_say "  -> $a: \"$(bed_hdr "$f" Subject)\" (dated $(bed_py "$BED_MAILCHECK" localtime "$f" "$z") in the recipient's zone)"
		done
	done
}

# e2e_clock FROM TO MINUTES REP: cadenced passes every MINUTES of simulated
# time from FROM to TO; after each, REP does any open task, and the mail
# the pass sent is awaited and shown. Hourly where a scenario checks when
# a step leaves; coarser (3 or 6 hours) where it checks that nothing more
# leaves after a stop: a step still due would leave at the next pass all
# the same, and each pass is a cadenced process (CI's load made the
# hourly weeks most of the e2e's time).
e2e_clock() {
	local ts te now n
	E2E_TASKS_LEFT=0
	ts=$(date -u -d "$1" +%s)
	te=$(date -u -d "$2" +%s)
	while [ "$ts" -le "$te" ]; do
		now=$(date -u -d "@$ts" +%Y-%m-%dT%H:%M:%SZ)
		bed_pass "$now" || { e2e_bad "the cadenced pass at $now failed"; return 1; }
		n=$(bed_pass_sent)
		if [ "${n:-0}" -gt 0 ]; then
			bed_settle 30 || bed_say "  (queues not empty after 30 s)"
			e2e_watch_report
		fi
		case "$BED_LAST_PASS" in
		*" 0 tasks"*) [ "$E2E_TASKS_LEFT" -gt 0 ] && e2e_tasks "$now" "$4" ;;
		*) e2e_tasks "$now" "$4" ;;
		esac
		ts=$((ts + $3 * 60))
	done
}

# e2e_by_subject ADDRESS PATTERN: the delivered files whose Subject
# matches the grep PATTERN.
e2e_by_subject() {
	local f
	for f in $(bed_mails "$1"); do
		bed_hdr "$f" Subject | grep -q -- "$2" && echo "$f"
	done
}

# e2e_finish REP TIME: stop what this scenario's rep still has running.
e2e_finish() {
	bed_ctl --now "$2" unenroll --user "$1" --reason "scenario over" > /dev/null 2>&1
	return 0
}


# e2e_mail TEMPLATE OUTFILE K=V...: a realistic message from contrib/demo,
# filled in.
e2e_mail() {
	local tpl=$BED_SRCDIR/contrib/demo/$1.eml out=$2
	shift 2
	bed_py "$BED_MAILCHECK" fill "$tpl" "$@" > "$out"
}

# e2e_from_outside FILE FROM TO: FILE sent by a contact's MTA: submitted
# to the outside world's Postfix, which relays it to the organization's MX
# from 127.0.0.2 (inbound for the milter; SPF passes in the test zone).
e2e_from_outside() {
	# swaks ends DATA with CRLF "." CRLF after the text; a file whose last
	# line is "." is sent as it is, its final line end included.
	{ cat "$1"; echo "."; } > "$1.smtp"
	bed_swaks "$BED_P_OUT" --from "$2" --to "$3" --data "@$1.smtp"
}

# e2e_wait_state ADDRESS STATE [SECONDS]: until the contact's enrollment
# is in STATE (the milter acts while Postfix delivers).
e2e_wait_state() {
	local end=$(($(date +%s) + ${3:-10}))
	while :; do
		[ "$(e2e_state "$1" state)" = "$2" ] && return 0
		[ "$(date +%s)" -ge "$end" ] && return 1
		sleep 0.2
	done
}

# e2e_step1 ADDRESS: the first message delivered to ADDRESS (step 1).
e2e_step1() { bed_mails "$1" | head -n1; }

# e2e_rfc2822 TIME: TIME as a Date header value.
e2e_rfc2822() { date -u -d "$1" -R; }

# e2e_suppressed ADDRESS: 0 when the suppression list holds ADDRESS.
e2e_suppressed() {
	bed_ctl --json suppress list | bed_json \
		"[x.get('kind') for x in (d if isinstance(d, list) else d.get('suppressions', [])) if (x.get('pattern') or '').lower() == '$1']" | grep -q .
}

# e2e_refused TIME ADDRESS: 0 when a new enrollment of ADDRESS is refused
# because the address is suppressed (cadencectl names the entry).
e2e_refused() {
	! bed_ctl --now "$1" enroll --sequence "$E2E_SEQ" --as cleo@our.test "$2" > "$BED_DIR/refused.out" 2>&1 &&
		grep -qi "suppress" "$BED_DIR/refused.out"
}

# ---- scenario 1: a sequence on a real mail system ----
# Three contacts at two companies in three zones, enrolled on the Wednesday
# before Christmas (the sequence counts business days with the US federal
# calendar: Fri 25 Dec 2026 is a holiday). Expected, worked out by hand
# from the sequence (step 1 at once inside 08:00-18:00 in the contact's
# zone; step 2 a call one business day later, which falls due in the rep's
# working hours in New York and which she makes then; step 3 two business
# days after the call, moved into the contact's window):
#   pat (New York): step 1 Wed 23 08:00; call Thu 24 08:00; +2 business
#                   days skips the holiday and the weekend: Tue 29 08:00
#   lee (Berlin):   step 1 Wed 23 14:00; call Thu 24 08:00 NY (14:00
#                   Berlin); step 3 Tue 29 14:00
#   kim (Tokyo):    22:00 at enrollment: step 1 Thu 24 08:00; the call is
#                   due Mon 28 08:00 Tokyo (Fri 25 is a holiday), which is
#                   Sun 18:00 in New York: the rep calls Mon 08:00 NY (Mon
#                   22:00 Tokyo); two business days later is Wed 30 22:00,
#                   outside the window: step 3 Thu 31 08:00
scen_1() {
	local t0=2026-12-23T13:00:00Z a z want1 want3 f1 f3 id1 n
	e2e_rep "$t0" ann@our.test "Ann Example" America/New_York
	e2e_contacts "$t0" \
		"pat@acme.test,Pat,Jones,Acme,America/New_York,demo" \
		"lee@acme.test,Lee,Berg,Acme,Europe/Berlin,demo" \
		"kim@globex.test,Kim,Sato,Globex,Asia/Tokyo,demo" || return 1
	e2e_enroll "$t0" "$E2E_SEQ" ann@our.test pat@acme.test lee@acme.test kim@globex.test || return 1
	E2E_WATCH="pat@acme.test=America/New_York lee@acme.test=Europe/Berlin kim@globex.test=Asia/Tokyo"
	bed_say "the clock runs hourly from Wed 23 Dec 13:00Z to Thu 31 Dec 00:00Z; ann makes her calls when due"
	e2e_clock "$t0" 2026-12-31T00:00:00Z 60 ann@our.test || return 1

	for a in "pat@acme.test|America/New_York|Wed 2026-12-23 08:00|Tue 2026-12-29 08:00" \
		 "lee@acme.test|Europe/Berlin|Wed 2026-12-23 14:00|Tue 2026-12-29 14:00" \
		 "kim@globex.test|Asia/Tokyo|Thu 2026-12-24 08:00|Thu 2026-12-31 08:00"; do
		IFS='|' read -r a z want1 want3 <<< "$a"
		bed_say "checking $a ($z)"
		n=$(bed_count "$a")
		e2e_eq "$a: messages received" "$n" 2
		f1=$(e2e_by_subject "$a" '^Your demo request$' | head -n1)
		f3=$(e2e_by_subject "$a" '^Re: Your demo request$' | head -n1)
		if [ -z "$f1" ] || [ -z "$f3" ]; then
			e2e_bad "$a: step 1 and step 3 both delivered"
			continue
		fi
		e2e_eq "$a: step 1 sent at (their time)" "$(bed_py "$BED_MAILCHECK" localtime "$f1" "$z")" "$want1"
		e2e_eq "$a: step 3 sent at (their time)" "$(bed_py "$BED_MAILCHECK" localtime "$f3" "$z")" "$want3"
		e2e_check "$a: step 1 DKIM-valid for our.test (offline key)" bed_dkim "$f1"
		e2e_check "$a: step 3 DKIM-valid for our.test (offline key)" bed_dkim "$f3"
		e2e_check "$a: step 1 has List-Unsubscribe mailto: and https one-click" \
			grep -q "mailto:unsubscribe+.*@cadence.our.test.*https://127.0.0.1:$BED_P_HTTP/" \
			<<< "$(bed_hdr "$f1" List-Unsubscribe)"
		e2e_eq "$a: List-Unsubscribe-Post" "$(bed_hdr "$f1" List-Unsubscribe-Post)" "List-Unsubscribe=One-Click"
		id1=$(bed_hdr "$f1" Message-Id)
		e2e_eq "$a: step 3 In-Reply-To is step 1's Message-ID" "$(bed_hdr "$f3" In-Reply-To)" "$id1"
		e2e_check "$a: step 3 References step 1" grep -qF "$id1" <<< "$(bed_hdr "$f3" References)"
		e2e_eq "$a: From" "$(bed_hdr "$f1" From)" "Ann Example <ann@our.test>"
		e2e_eq "$a: enrollment (state, step)" "$(e2e_state "$a" | cut -d' ' -f1-2)" "active 3"
		e2e_eq "$a: step_sent events" "$(e2e_events "$a" step_sent)" 2
	done
	e2e_finish ann@our.test 2026-12-31T00:00:00Z
	e2e_result
}

# ---- scenario 2: a reply ----
# Company scope: wes and yan work at acme.test; wes replies from his mail
# client. The reply reaches the rep unchanged, both enrollments stop.
scen_2() {
	local t0=2027-01-12T14:00:00Z rep=eve@our.test f1 sent got
	e2e_rep "$t0" "$rep" "Eve Example" UTC
	e2e_contacts "$t0" "wes@acme.test,Wes,Ortiz,Acme,UTC,demo" "yan@acme.test,Yan,Ito,Acme,UTC,demo" || return 1
	e2e_enroll "$t0" "$E2E_SEQ_CO" "$rep" wes@acme.test yan@acme.test || return 1
	E2E_WATCH="wes@acme.test=UTC yan@acme.test=UTC $rep=UTC"
	e2e_clock "$t0" "$t0" 60 "$rep"
	bed_wait_mail wes@acme.test 1 && bed_wait_mail yan@acme.test 1 ||
		{ e2e_bad "step 1 did not reach both contacts"; return 1; }
	f1=$(e2e_step1 wes@acme.test)
	sent=$BED_DIR/s2-reply.eml
	e2e_mail reply "$sent" FROM=wes@acme.test FROMNAME="Wes Ortiz" TO="$rep" TONAME="Eve Example" \
		SUBJECT="$(bed_hdr "$f1" Subject)" INREPLYTO="$(bed_hdr "$f1" Message-Id | tr -d '<>')" \
		MSGID="3f9a2c1e-7d4b-4b7e-9a51-e2e0reply@acme.test" \
		DATE="$(e2e_rfc2822 2027-01-12T15:12:00Z)" QDATE="12/01/2027 14:00"
	bed_clock 2027-01-12T15:12:00Z
	e2e_from_outside "$sent" wes@acme.test "$rep" && bed_say "wes@acme.test replies from Thunderbird (via acme.test's MTA)"
	e2e_check "the reply reached the rep" bed_wait_mail "$rep" 1 15
	got=$(bed_mails "$rep" | head -n1)
	e2e_check "the rep's copy is the reply byte for byte (trace headers aside)" \
		bed_py "$BED_MAILCHECK" same "$got" "$sent"
	e2e_check "wes is unenrolled" e2e_wait_state wes@acme.test unenrolled
	e2e_check "wes's reason says he replied" grep -qi "repl" <<< "$(e2e_state wes@acme.test reason)"
	e2e_check "yan (same company, company scope) is unenrolled too" e2e_wait_state yan@acme.test unenrolled
	e2e_check "a replied event is recorded" test "$(e2e_events wes@acme.test replied)" -ge 1
	bed_say "a week passes"
	e2e_clock 2027-01-12T16:00:00Z 2027-01-19T16:00:00Z 360 "$rep"
	e2e_eq "messages at wes (no step after the reply)" "$(bed_count wes@acme.test)" 1
	e2e_eq "messages at yan" "$(bed_count yan@acme.test)" 1
	e2e_finish "$rep" 2027-01-20T00:00:00Z
	e2e_result
}

# ---- scenario 3: the gate ----
# Step 3 is in flight (cadenced is in its SMTP transaction, held 3 s at
# RCPT by the slow port) when the contact's reply arrives: the milter
# rejects the step at end of data; the contact never gets it.
scen_3() {
	local t0=2027-01-19T14:00:00Z rep=ivy@our.test a=zoe@globex.test f1 msg pid i
	e2e_rep "$t0" "$rep" "Ivy Example" UTC
	e2e_contacts "$t0" "$a,Zoe,Park,Globex,UTC,demo" || return 1
	e2e_enroll "$t0" "$E2E_SEQ" "$rep" "$a" || return 1
	E2E_WATCH="$a=UTC"
	# step 1 Tue, the call Wed, step 3 due Fri 14:00
	e2e_clock "$t0" 2027-01-22T13:00:00Z 60 "$rep"
	f1=$(e2e_step1 "$a")
	[ -n "$f1" ] || { e2e_bad "step 1 not delivered"; return 1; }
	bed_clock 2027-01-22T14:00:00Z
	bed_say "cadenced submits step 3 through the slow port (held 3 s at RCPT)"
	"$BED_CADENCED" -c "$BED_CONF_SLOW" --once --now=2027-01-22T14:00:00Z >> "$BED_DIR/cadenced.log" 2>&1 &
	pid=$!
	for i in $(seq 1 50); do
		grep -q "cadence-slow/smtpd.*: connect from" "$BED_ORG/maillog" && break
		sleep 0.1
	done
	msg=$BED_DIR/s3-reply.eml
	e2e_mail reply "$msg" FROM="$a" FROMNAME="Zoe Park" TO="$rep" TONAME="Ivy Example" \
		SUBJECT="$(bed_hdr "$f1" Subject)" INREPLYTO="$(bed_hdr "$f1" Message-Id | tr -d '<>')" \
		MSGID="e2e-s3-reply@globex.test" DATE="$(e2e_rfc2822 2027-01-22T14:00:01Z)" QDATE="19/01/2027"
	e2e_from_outside "$msg" "$a" "$rep" && bed_say "$a replies while step 3 is in flight"
	e2e_check "zoe is unenrolled by her reply" e2e_wait_state "$a" unenrolled 10
	wait "$pid"
	bed_say "cadenced's pass: $(sed -n 's/.*pass at [^:]*:[0-9:]*Z*: //p' "$BED_DIR/cadenced.log" | tail -n1)"
	e2e_check "Postfix logged the milter's reject of step 3" \
		grep -q "milter-reject: END-OF-MESSAGE .* 5\.[0-9.]* .*to=<$a>" "$BED_ORG/maillog"
	bed_say "  Postfix: $(grep "milter-reject: END-OF-MESSAGE .*to=<$a>" "$BED_ORG/maillog" | sed 's/.*milter-reject: //; s/; from=.*//' | tail -n1)"
	bed_settle 20
	sleep 1
	e2e_eq "messages at zoe (step 3 never arrived)" "$(bed_count "$a")" 1
	e2e_eq "step_sent events" "$(e2e_events "$a" step_sent)" 1
	e2e_finish "$rep" 2027-01-23T00:00:00Z
	e2e_result
}

# ---- scenario 4: out of office ----
# Step 1 Tue 26 Jan; an Exchange auto-reply says "out of the office until
# Monday, February 1, 2027": paused, not unenrolled, until the business day
# after (Tue 2 Feb); the call is due then, and step 3 two business days
# later (Thu 4 Feb).
scen_4() {
	local t0=2027-01-26T10:00:00Z rep=fay@our.test a=xia@globex.test f1 msg f3 created
	e2e_rep "$t0" "$rep" "Fay Example" UTC
	e2e_contacts "$t0" "$a,Xia,Chen,Globex,UTC,demo" || return 1
	e2e_enroll "$t0" "$E2E_SEQ" "$rep" "$a" || return 1
	E2E_WATCH="$a=UTC"
	e2e_clock "$t0" "$t0" 60 "$rep"
	bed_wait_mail "$a" 1 || { e2e_bad "step 1 not delivered"; return 1; }
	f1=$(e2e_step1 "$a")
	msg=$BED_DIR/s4-ooo.eml
	e2e_mail out-of-office "$msg" FROM="$a" FROMNAME="Xia Chen" TO="$rep" TONAME="Fay Example" \
		SUBJECT="$(bed_hdr "$f1" Subject)" INREPLYTO="$(bed_hdr "$f1" Message-Id | tr -d '<>')" \
		MSGID="e2e-s4-ooo@globex.test" DATE="$(e2e_rfc2822 2027-01-26T10:00:05Z)" \
		RETURN="Monday, February 1, 2027" FROMDOMAIN=globex.test
	bed_clock 2027-01-26T10:00:05Z
	e2e_from_outside "$msg" "$a" "$rep" && bed_say "$a's mailbox answers: out of the office until Monday, February 1"
	e2e_check "xia is paused (not unenrolled)" e2e_wait_state "$a" paused
	e2e_check "paused until the business day after the return date (2027-02-02)" \
		grep -q "^2027-02-02" <<< "$(e2e_state "$a" pausedUntil)"
	e2e_check "an auto_reply event is recorded" test "$(e2e_events "$a" auto_reply)" -ge 1
	e2e_check "the auto-reply reached the rep" bed_wait_mail "$rep" 1
	bed_say "the clock runs hourly to Thu 4 Feb 18:00Z"
	e2e_clock 2027-01-26T11:00:00Z 2027-02-04T18:00:00Z 60 "$rep"
	created=$(bed_ctl --json task list --user "$rep" | bed_json \
		"[x.get('createdAt') for x in (d if isinstance(d, list) else d.get('tasks', []))]" | head -n1)
	e2e_check "the call task was created on the resume day (2027-02-02), not during the pause" \
		grep -q "^2027-02-02" <<< "$created"
	f3=$(e2e_by_subject "$a" '^Re: ' | head -n1)
	if [ -n "$f3" ]; then
		e2e_eq "step 3 sent on" "$(bed_py "$BED_MAILCHECK" localtime "$f3" UTC | cut -d' ' -f1-2)" "Thu 2027-02-04"
	else
		e2e_bad "step 3 was not sent after the pause"
	fi
	e2e_finish "$rep" 2027-02-05T00:00:00Z
	e2e_result
}

# ---- scenario 5: a mailbox that does not exist ----
scen_5() {
	local t0=2027-02-09T10:00:00Z rep=gus@our.test a=nobody@acme.test n
	e2e_rep "$t0" "$rep" "Gus Example" UTC
	e2e_contacts "$t0" "$a,No,Body,Acme,UTC,demo" || return 1
	e2e_enroll "$t0" "$E2E_SEQ" "$rep" "$a" || return 1
	e2e_clock "$t0" "$t0" 60 "$rep"
	bed_say "acme.test's MTA answers 550 5.1.1; the organization's Postfix writes a DSN to the VERP address"
	e2e_check "the organization's Postfix bounced it (dsn=5.1.1)" \
		bash -c "for i in \$(seq 1 100); do grep -q 'to=<$a>.*dsn=5\.1\.1.*status=bounced' '$BED_ORG/maillog' && exit 0; sleep 0.1; done; exit 1"
	e2e_check "the hard bounce unenrolled the contact" e2e_wait_state "$a" unenrolled
	e2e_check "a bounced event is recorded" test "$(e2e_events "$a" bounced)" -ge 1
	e2e_check "the address is suppressed" e2e_suppressed "$a"
	bed_settle 20
	e2e_eq "DSNs in the rep's mailbox (the VERP address took it)" "$(bed_count "$rep")" 0
	bed_say "a week passes"
	e2e_clock 2027-02-09T11:00:00Z 2027-02-16T11:00:00Z 360 "$rep"
	n=$(grep -c "to=<$a>" "$BED_ORG/maillog")
	e2e_eq "delivery attempts to $a (no further step tried)" "$n" 1
	e2e_eq "step_sent events" "$(e2e_events "$a" step_sent)" 1
	e2e_finish "$rep" 2027-02-17T00:00:00Z
	e2e_result
}

# ---- scenario 6a: one-click unsubscribe ----
# The POST of RFC 8058 to the List-Unsubscribe URL, served by cadenced.
scen_6a() {
	local t0=2027-03-02T10:00:00Z rep=cleo@our.test a=ray@acme.test f1 url code
	e2e_rep "$t0" "$rep" "Cleo Example" UTC
	e2e_contacts "$t0" "$a,Ray,Diaz,Acme,UTC,demo" || return 1
	e2e_enroll "$t0" "$E2E_SEQ" "$rep" "$a" || return 1
	E2E_WATCH="$a=UTC"
	e2e_clock "$t0" "$t0" 60 "$rep"
	bed_wait_mail "$a" 1 || { e2e_bad "step 1 not delivered"; return 1; }
	f1=$(e2e_step1 "$a")
	url=$(bed_hdr "$f1" List-Unsubscribe | grep -o '<https://[^>]*>' | tr -d '<>')
	[ -n "$url" ] || { e2e_bad "no https URL in List-Unsubscribe"; return 1; }
	bed_daemon_start || return 1
	# The site's TLS proxy is played here: same path, cadenced's plain listener.
	code=$(bed_py "$BED_MAILCHECK" http POST "http://127.0.0.1:$BED_P_HTTP/${url#https://*/}" "List-Unsubscribe=One-Click")
	bed_say "$a's mail client POSTs List-Unsubscribe=One-Click to the link: HTTP $code"
	bed_daemon_stop
	e2e_eq "HTTP status of the one-click POST" "$code" 200
	e2e_eq "enrollment state" "$(e2e_state "$a" state)" unenrolled
	e2e_check "the reason says unsubscribed" grep -q "^unsubscribed" <<< "$(e2e_state "$a" reason)"
	e2e_check "the address is suppressed" e2e_suppressed "$a"
	e2e_check "enrolling the address again is refused (suppressed)" e2e_refused 2027-03-03T10:00:00Z "$a"
	bed_say "  cadencectl said: $(head -n1 "$BED_DIR/refused.out")"
	e2e_clock 2027-03-02T11:00:00Z 2027-03-09T11:00:00Z 360 "$rep"
	e2e_eq "messages at ray (nothing after the unsubscribe)" "$(bed_count "$a")" 1
	e2e_finish "$rep" 2027-03-10T00:00:00Z
	e2e_result
}

# ---- scenario 6b: unsubscribe by mail ----
# The contact's client mails the List-Unsubscribe mailto: address; the
# milter consumes it (nobody receives it).
scen_6b() {
	local t0=2027-03-16T10:00:00Z rep=cleo@our.test a=una@acme.test f1 to msg
	e2e_rep "$t0" "$rep" "Cleo Example" UTC
	e2e_contacts "$t0" "$a,Una,Lind,Acme,UTC,demo" || return 1
	e2e_enroll "$t0" "$E2E_SEQ" "$rep" "$a" || return 1
	E2E_WATCH="$a=UTC"
	e2e_clock "$t0" "$t0" 60 "$rep"
	bed_wait_mail "$a" 1 || { e2e_bad "step 1 not delivered"; return 1; }
	f1=$(e2e_step1 "$a")
	to=$(bed_hdr "$f1" List-Unsubscribe | grep -o '<mailto:[^>?]*' | sed 's/^<mailto://')
	[ -n "$to" ] || { e2e_bad "no mailto: in List-Unsubscribe"; return 1; }
	msg=$BED_DIR/s6b-unsub.eml
	e2e_mail unsubscribe "$msg" FROM="$a" FROMNAME="Una Lind" TO="$to" \
		MSGID="e2e-s6b@acme.test" DATE="$(e2e_rfc2822 2027-03-16T10:30:00Z)"
	bed_clock 2027-03-16T10:30:00Z
	e2e_from_outside "$msg" "$a" "$to" && bed_say "$a's mail client mails $to"
	e2e_check "una is unenrolled (unsubscribed)" e2e_wait_state "$a" unenrolled
	e2e_check "the reason says unsubscribed" grep -q "^unsubscribed" <<< "$(e2e_state "$a" reason)"
	e2e_check "the address is suppressed" e2e_suppressed "$a"
	e2e_check "enrolling the address again is refused (suppressed)" e2e_refused 2027-03-17T10:00:00Z "$a"
	bed_settle 20
	e2e_eq "messages in the rep's mailbox (the unsubscribe mail was consumed)" "$(bed_count "$rep")" 0
	e2e_finish "$rep" 2027-03-18T00:00:00Z
	e2e_result
}

# ---- scenario 7: enroll by address ----
# hal writes abe from his mail client with the enroll address in Bcc; abe
# gets the mail with no header naming it; the enrollment exists, hal's
# message was step 1 and the next email step threads to it.
scen_7() {
	local rep=hal@our.test a=abe@acme.test seqn=e2e-inbound enr t0 f f3
	t0=$(date -u +%Y-%m-%dT%H:00:00Z)
	sed -e "s/^name *=.*/name = $seqn/" "$E2E_SEQ_FILE" > "$BED_DIR/enroll.seq"
	bed_ctl sequence import "$BED_DIR/enroll.seq" > /dev/null || return 1
	e2e_rep "$t0" "$rep" "Hal Example" UTC
	enr="enroll+$seqn@cadence.our.test"
	bed_clock ""
	# In Cc, visible to the contact as the mail client sends it: the milter
	# removes the recipient and rewrites the headers (here the Cc goes,
	# as it named only cadence) before it signs.
	bed_swaks "$BED_P_SUB" --from "$rep" --to "$a,$enr" \
		--header "From: Hal Example <$rep>" --header "To: Abe Stone <$a>" \
		--header "Cc: \"Sales, Enrollment\" <$enr>" \
		--header "Subject: Following up on our call" --header "Message-Id: <e2e-s7-hal@our.test>" \
		--body "Hi Abe, thanks for the call today. Hal" &&
		bed_say "$rep writes $a from his mail client, with $enr in Cc"
	e2e_check "abe got hal's message" bed_wait_mail "$a" 1 15
	f=$(e2e_step1 "$a")
	e2e_check "no header of abe's copy names the enroll address" bash -c "! grep -qi 'enroll+' '$f'"
	e2e_eq "abe's copy has no Cc header (it named only the enroll address)" "$(bed_hdr "$f" Cc | wc -l)" 0
	e2e_eq "abe's copy keeps its To header" "$(bed_hdr "$f" To)" "Abe Stone <$a>"
	# signed only with SignAllOutbound yes (the bed without a gate)
	[ "$(bed_hdr "$f" DKIM-Signature | wc -l)" = 0 ] ||
		e2e_check "abe's copy is DKIM-valid for our.test (signed after the rewrite)" bed_dkim "$f"
	e2e_check "abe is enrolled" e2e_wait_state "$a" active
	e2e_eq "the rep's message counts as step 1" "$(e2e_state "$a" currentStep)" 1
	E2E_WATCH="$a=UTC"
	bed_say "the clock runs every 3 hours for a week from now ($t0)"
	e2e_clock "$t0" "$(date -u -d "$t0 + 8 days" +%Y-%m-%dT%H:%M:%SZ)" 180 "$rep"
	f3=$(e2e_by_subject "$a" '^Re: ' | head -n1)
	if [ -n "$f3" ]; then
		e2e_eq "the next email threads to hal's message" "$(bed_hdr "$f3" In-Reply-To)" "<e2e-s7-hal@our.test>"
	else
		e2e_bad "no later step reached abe"
	fi
	e2e_finish "$rep" "$(date -u -d "$t0 + 9 days" +%Y-%m-%dT%H:%M:%SZ)"
	e2e_result
}

# ---- scenario 8: a meeting is booked ----
scen_8() {
	local t0=2027-01-12T09:00:00Z rep=jo@our.test a=bea@globex.test msg
	e2e_rep "$t0" "$rep" "Jo Example" UTC
	e2e_contacts "$t0" "$a,Bea,Moss,Globex,UTC,demo" || return 1
	e2e_enroll "$t0" "$E2E_SEQ" "$rep" "$a" || return 1
	E2E_WATCH="$a=UTC"
	e2e_clock "$t0" "$t0" 60 "$rep"
	bed_wait_mail "$a" 1 || { e2e_bad "step 1 not delivered"; return 1; }
	msg=$BED_DIR/s8-accept.eml
	e2e_mail meeting-accepted "$msg" FROM="$a" FROMNAME="Bea Moss" TO="$rep" TONAME="Jo Example" \
		MSGID="e2e-s8-accept@globex.test" DATE="$(e2e_rfc2822 2027-01-12T10:00:00Z)"
	bed_clock 2027-01-12T10:00:00Z
	e2e_from_outside "$msg" "$a" "$rep" && bed_say "$a accepts the rep's invitation (iMIP REPLY, PARTSTAT=ACCEPTED)"
	e2e_check "bea is unenrolled" e2e_wait_state "$a" unenrolled
	e2e_eq "reason" "$(e2e_state "$a" reason)" "meeting booked"
	e2e_check "a meeting_booked event is recorded" test "$(e2e_events "$a" meeting_booked)" -ge 1
	e2e_check "the acceptance reached the rep" bed_wait_mail "$rep" 1
	e2e_finish "$rep" 2027-01-13T00:00:00Z
	e2e_result
}

# ---- scenario 9: cadenced killed mid-batch ----
# 20 contacts due at once. cadenced is started and killed with SIGKILL as
# soon as Postfix logs its SMTP connection (plus 0-9 ms; killmid.py), over
# and over, until a pass runs to its end; then a few more passes. Each
# contact must have step 1 exactly once. The killed runs alternate between
# one message per connection (SubmitBatch 1) and batches of 4 (the kill
# lands inside a batch): with the default batch of 50 one connection
# carried all 20 and on a fast machine they were through before the kill
# (CI saw a single kill on 2026-12-07).
scen_9() {
	local t0=2027-02-16T10:00:00Z rep=dan@our.test i k list="" kills=0 r dup=0 lost=0 n ids
	e2e_rep "$t0" "$rep" "Dan Example" UTC
	for i in $(seq -w 1 20); do
		list="$list k$i@globex.test"
		k="$k k$i@globex.test,K$i,Tester,Globex,UTC,demo"
	done
	# shellcheck disable=SC2086
	e2e_contacts "$t0" $k || return 1
	# shellcheck disable=SC2086
	e2e_enroll "$t0" "$E2E_SEQ" "$rep" $list || return 1
	bed_clock "$t0"
	{ cat "$BED_CONF"; echo "SubmitBatch     1"; } > "$BED_DIR/cadence-s9-1.conf"
	{ cat "$BED_CONF"; echo "SubmitBatch     4"; } > "$BED_DIR/cadence-s9-4.conf"
	for i in $(seq 1 40); do
		r=$(python3 "$BED_SRCDIR/tests/e2e/killmid.py" "$BED_ORG/maillog" \
			"postfix-org/cadence/smtpd.*: client=" 9 \
			"$BED_CADENCED" -c "$BED_DIR/cadence-s9-$((1 + 3 * (i % 2))).conf" --once --now="$t0" \
			2>> "$BED_DIR/cadenced.log")
		case $r in
		killed) kills=$((kills + 1)) ;;
		*) bed_say "cadenced ran to its end ($r)"; break ;;
		esac
	done
	bed_say "cadenced was killed with SIGKILL $kills times in the middle of its batch"
	e2e_check "cadenced was killed mid-batch at least 3 times" test "$kills" -ge 3
	bed_pass 2027-02-16T10:02:00Z
	bed_pass 2027-02-16T10:10:00Z
	bed_pass 2027-02-16T11:00:00Z
	bed_settle 30
	sleep 1
	for k in $list; do
		n=$(bed_count "$k")
		[ "$n" -gt 1 ] && { dup=$((dup + 1)); bed_say "  $k got step 1 $n times"; }
		[ "$n" -lt 1 ] && { lost=$((lost + 1)); bed_say "  $k got nothing"; }
	done
	e2e_eq "contacts with a duplicate" "$dup" 0
	e2e_eq "contacts without step 1" "$lost" 0
	ids=$(for k in $list; do for f in $(bed_mails "$k"); do bed_hdr "$f" Message-Id; done; done | sort -u | wc -l)
	e2e_eq "distinct Message-IDs delivered" "$ids" 20
	e2e_finish "$rep" 2027-02-17T00:00:00Z
	e2e_result
}

# ---- scenario 10: the milter is down ----
# People's mail flows (default_action=accept on the mx and submission
# ports); sequence mail waits (cadenced's port has default_action=tempfail)
# and leaves signed, exactly once, when the milter is back.
scen_10() {
	local t0=2027-01-05T10:00:00Z a=sam@globex.test rep=ben@our.test f n
	e2e_rep "$t0" "$rep" "Ben Example" UTC
	e2e_contacts "$t0" "$a,Sam,Lund,Globex,UTC,pricing" || return 1
	e2e_enroll "$t0" "$E2E_SEQ" "$rep" "$a" || return 1
	bed_milter_stop
	bed_swaks "$BED_P_SUB" --from "$rep" --to "$a" --header "Subject: lunch on Friday?" \
		--body "Are you free for lunch on Friday? Ben" \
		&& bed_say "$rep sends $a a message from their mail client (submission port)" \
		|| e2e_bad "submission refused while the milter is down"
	bed_swaks "$BED_P_OUT" --from "$a" --to "$rep" --header "Subject: question" \
		--body "One question about the contract. Sam" \
		&& bed_say "$a writes to $rep (through the outside world's MTA)" \
		|| e2e_bad "the outside world refused the contact's message"
	bed_pass "$t0"
	e2e_eq "cadenced's submission while the milter is down" "$BED_LAST_PASS" \
		"0 sent, 0 reconciled, 0 deferred, 1 retried, 0 failed, 0 tasks, 0 finished"
	bed_settle 20
	e2e_check "the rep's message reached the contact" bed_wait_mail "$a" 1 10
	e2e_check "the contact's message reached the rep" bed_wait_mail "$rep" 1 10
	e2e_eq "messages at the contact (only the rep's)" "$(bed_count "$a")" 1
	f=$(bed_mails "$a" | head -n1)
	e2e_eq "the rep's message went out unfiltered (no DKIM-Signature)" "$(bed_hdr "$f" DKIM-Signature | wc -l)" 0
	e2e_check "Postfix answered cadenced with a 4xx" grep -q "cadence/smtpd.*4[0-9][0-9] 4\.[0-9]\.[0-9]" "$BED_ORG/maillog"
	e2e_eq "enrollment while waiting (state, step)" "$(e2e_state "$a" | cut -d' ' -f1-2)" "active 0"

	bed_milter_start || return 1
	bed_pass 2027-01-05T10:01:00Z
	bed_pass 2027-01-05T10:05:00Z
	bed_settle 20
	bed_wait_mail "$a" 2 10
	bed_pass 2027-01-05T11:00:00Z
	bed_pass 2027-01-05T12:00:00Z
	bed_settle 20
	sleep 1
	n=$(e2e_by_subject "$a" '^Your pricing request$' | wc -l)
	e2e_eq "copies of step 1 at the contact" "$n" 1
	f=$(e2e_by_subject "$a" '^Your pricing request$' | head -n1)
	[ -n "$f" ] && e2e_check "step 1 DKIM-valid for our.test" bed_dkim "$f"
	e2e_eq "step_sent events" "$(e2e_events "$a" step_sent)" 1
	e2e_eq "enrollment after (state, step)" "$(e2e_state "$a" | cut -d' ' -f1-2)" "active 1"
	e2e_finish "$rep" 2027-01-06T00:00:00Z
	e2e_result
}

# ---- scenario 11: meetings by link ----
# kai's contacts book meetings: mia through Calendly (the notification
# comes from calendly.com), oli through a Google Calendar appointment page
# (from calendar-notification@google.com), pia sends her own Thunderbird
# invitation; each is unenrolled as "meeting booked". noa declines an
# invitation: recorded, her sequence goes on. Control: a Calendly-shaped
# invitation naming wyn (globex.test), sent (authenticated) by noa from
# acme.test, neither a participant's organization nor a scheduling
# service, is recorded as unverified and stops nothing. Forged (issue #9):
# a real Calendly notification (from calendly.com, authenticated) naming
# ida with lou, kai's colleague, where kai should be: a meeting of ida's,
# but not with her rep; recorded (meeting_response), ida's sequence goes
# on (mia's genuine booking, the same message naming kai, is the
# control). The messages are tests/corpus/imip/'s, addressed to kai and
# each contact. The bed's SPF zone learns calendly.com and google.com
# (the milter restarts to read it): their mail arrives from 127.0.0.2.

# e2e_imip SRC OUT CONTACT NAME REP MSGID [FROM]: a corpus message for
# CONTACT and REP (base64 parts decoded, rewritten, encoded again).
e2e_imip() {
	bed_py - "$BED_SRCDIR/tests/corpus/imip/$1" "$2" "$3" "$4" "$5" "$6" "${7:-}" <<'PY'
import base64, email, re, sys
from email import policy
src, out, contact, name, rep, msgid, frm = sys.argv[1:8]
def sub(s):
    return s.replace("ann@acme.test", contact).replace("Ann Example", name).replace(
        "rep@us.test", rep).replace("Rep Example", "Kai Example")
def cal(part, s):
    # iCalendar folds anywhere, an address too: unfold before rewriting
    if part.get_content_type() in ("text/calendar", "application/ics"):
        s = re.sub(r"\r?\n[ \t]", "", s)
    return sub(s)
m = email.message_from_bytes(open(src, "rb").read(), policy=policy.compat32)
for part in m.walk():
    if part.is_multipart():
        continue
    if (part.get("Content-Transfer-Encoding") or "").lower() == "base64":
        data = cal(part, part.get_payload(decode=True).decode("utf-8"))
        part.set_payload(base64.encodebytes(data.encode("utf-8")).decode("ascii"))
    else:
        part.set_payload(cal(part, part.get_payload()))
for h in ("From", "To", "Reply-To", "Subject"):
    if h in m:
        m.replace_header(h, sub(str(m[h])))
if frm:
    m.replace_header("From", frm)
m.replace_header("Message-ID", "<%s>" % msgid)
open(out, "wb").write(m.as_bytes())
PY
}

# e2e_zone_add DOMAIN...: SPF lets 127.0.0.2 send for DOMAIN (restarts the
# milter, which reads its test zone when it starts).
e2e_zone_add() {
	local d added=0
	for d in "$@"; do
		grep -q "^$d " "$BED_DIR/spf.zone" && continue
		echo "$d  TXT \"v=spf1 ip4:127.0.0.2 -all\"" >> "$BED_DIR/spf.zone"
		added=1
	done
	[ $added = 1 ] || return 0
	bed_milter_stop
	rm -f "$BED_DIR/run/milter.sock"
	bed_milter_start || return 1
	sleep 0.5
}

scen_11() {
	local t0=2027-02-02T14:00:00Z rep=kai@our.test msg a n0
	e2e_zone_add calendly.com google.com || return 1
	e2e_rep "$t0" "$rep" "Kai Example" UTC
	e2e_contacts "$t0" "mia@acme.test,Mia,Lund,Acme,UTC,demo" "oli@globex.test,Oli,Berg,Globex,UTC,demo" \
		"pia@globex.test,Pia,Roth,Globex,UTC,demo" "noa@acme.test,Noa,Hahn,Acme,UTC,demo" \
		"wyn@globex.test,Wyn,Diaz,Globex,UTC,demo" "ida@globex.test,Ida,Park,Globex,UTC,demo" ||
		return 1
	e2e_enroll "$t0" "$E2E_SEQ" "$rep" mia@acme.test oli@globex.test pia@globex.test \
		noa@acme.test wyn@globex.test ida@globex.test || return 1
	E2E_WATCH="mia@acme.test=UTC"
	e2e_clock "$t0" "$t0" 60 "$rep"
	bed_wait_mail mia@acme.test 1 || { e2e_bad "step 1 not delivered"; return 1; }
	bed_clock 2027-02-02T15:00:00Z
	bed_settle 30 || true
	n0=$(bed_count "$rep")   # the rep may hold copies of the steps

	msg=$BED_DIR/s11-calendly.eml
	e2e_imip calendly-request.eml "$msg" mia@acme.test "Mia Lund" "$rep" e2e-s11-1@calendly.com
	e2e_from_outside "$msg" bounces@calendly.com "$rep" &&
		bed_say "mia books through kai's Calendly link: Calendly's notification (iMIP REQUEST in invite.ics) reaches kai"
	msg=$BED_DIR/s11-google.eml
	e2e_imip google-appointment-request.eml "$msg" oli@globex.test "Oli Berg" "$rep" e2e-s11-2@google.com
	e2e_from_outside "$msg" calendar-notification@google.com "$rep" &&
		bed_say "oli books kai's Google Calendar appointment page: Google's notification reaches kai"
	msg=$BED_DIR/s11-thunderbird.eml
	e2e_imip thunderbird-contact-request.eml "$msg" pia@globex.test "Pia Roth" "$rep" e2e-s11-3@globex.test
	e2e_from_outside "$msg" pia@globex.test "$rep" &&
		bed_say "pia sends kai her own invitation from Thunderbird"
	msg=$BED_DIR/s11-declined.eml
	e2e_imip google-reply-declined.eml "$msg" noa@acme.test "Noa Hahn" "$rep" e2e-s11-4@acme.test
	e2e_from_outside "$msg" noa@acme.test "$rep" && bed_say "noa declines kai's invitation (REPLY, DECLINED)"
	msg=$BED_DIR/s11-stranger.eml
	e2e_imip calendly-request.eml "$msg" wyn@globex.test "Wyn Diaz" "$rep" e2e-s11-5@acme.test \
		"Noa Hahn <noa@acme.test>"
	e2e_from_outside "$msg" noa@acme.test "$rep" &&
		bed_say "control: noa (acme.test) sends a Calendly-shaped invitation naming wyn (globex.test)"
	msg=$BED_DIR/s11-forged.eml
	e2e_imip calendly-request.eml "$msg" ida@globex.test "Ida Park" lou@our.test e2e-s11-6@calendly.com
	e2e_from_outside "$msg" bounces@calendly.com "$rep" &&
		bed_say "forged: a Calendly booking naming ida with lou (kai's colleague) in kai's place reaches kai"
	e2e_check "kai got all six messages" bed_wait_mail "$rep" $((n0 + 6)) 30

	for a in mia@acme.test oli@globex.test pia@globex.test; do
		e2e_check "$a is unenrolled" e2e_wait_state "$a" unenrolled
		e2e_eq "$a: reason" "$(e2e_state "$a" reason)" "meeting booked"
		e2e_check "$a: a meeting_booked event" test "$(e2e_events "$a" meeting_booked)" -ge 1
	done
	e2e_check "noa's decline is recorded (meeting_response)" \
		test "$(e2e_events noa@acme.test meeting_response)" -ge 1
	e2e_eq "noa after declining" "$(e2e_state noa@acme.test state)" active
	e2e_check "the stranger's invitation is recorded as unverified" \
		test "$(e2e_events wyn@globex.test inbound_unverified)" -ge 1
	e2e_eq "wyn after the stranger's invitation" "$(e2e_state wyn@globex.test state)" active
	e2e_check "the forged booking (lou, not kai) is recorded (meeting_response)" \
		test "$(e2e_events ida@globex.test meeting_response)" -ge 1
	e2e_eq "ida after the forged booking" "$(e2e_state ida@globex.test state)" active
	e2e_eq "ida: no meeting_booked event" "$(e2e_events ida@globex.test meeting_booked)" 0
	e2e_finish "$rep" 2027-02-03T00:00:00Z
	e2e_result
}

# ---- scenario 12: company scope as HubSpot means it ----
# quin, rui, sol, tom and vic are all Acme (a colleague of the same
# company field on another domain is test_inbound's: the bed has no
# third outside domain). lou enrolls quin and rui in the company-scope
# sequence, sol in a
# second company-scope sequence; max (another rep) enrolls tom in the
# first. vic is a known contact, enrolled nowhere: his "Invoice 4711 looks
# wrong" stops nothing (the old behaviour stopped everyone at acme.test).
# Then quin replies: quin and rui (same sequence, same rep, same
# company) are unenrolled; sol (other sequence) and tom (other rep) go on.
scen_12() {
	local t0=2027-02-09T14:00:00Z rep=lou@our.test rep2=max@our.test seq2 f1 msg a n0
	seq2="Inbound follow-up, company scope 2 (e2e)"
	sed -e "s/^name *=.*/name = $seq2/" -e 's/^scope *=.*/scope = company/' \
		"$E2E_SEQ_FILE" > "$BED_DIR/company2.seq"
	bed_ctl sequence import "$BED_DIR/company2.seq" > /dev/null || return 1
	e2e_rep "$t0" "$rep" "Lou Example" UTC
	e2e_rep "$t0" "$rep2" "Max Example" UTC
	e2e_contacts "$t0" "quin@acme.test,Quin,Ames,Acme,UTC,demo" "rui@acme.test,Rui,Sousa,Acme,UTC,demo" \
		"sol@acme.test,Sol,Vega,Acme,UTC,demo" "tom@acme.test,Tom,Hall,Acme,UTC,demo" \
		"vic@acme.test,Vic,Lee,Acme,UTC,demo" || return 1
	e2e_enroll "$t0" "$E2E_SEQ_CO" "$rep" quin@acme.test rui@acme.test || return 1
	e2e_enroll "$t0" "$seq2" "$rep" sol@acme.test || return 1
	e2e_enroll "$t0" "$E2E_SEQ_CO" "$rep2" tom@acme.test || return 1
	E2E_WATCH="quin@acme.test=UTC"
	e2e_clock "$t0" "$t0" 60 "$rep"
	bed_wait_mail quin@acme.test 1 || { e2e_bad "step 1 not delivered"; return 1; }

	bed_clock 2027-02-09T15:00:00Z
	bed_settle 30 || true
	n0=$(bed_count "$rep")   # the rep may hold copies of the steps
	msg=$BED_DIR/s12-invoice.eml
	printf '%s\n' "From: Vic Lee <vic@acme.test>" "To: Lou Example <$rep>" \
		"Subject: Invoice 4711 looks wrong" "Date: $(e2e_rfc2822 2027-02-09T15:00:00Z)" \
		"Message-ID: <e2e-s12-invoice@acme.test>" "MIME-Version: 1.0" \
		"Content-Type: text/plain; charset=UTF-8" "" "Hi Lou," "" \
		"invoice 4711 charges us for 12 seats; we have 10. Could you check?" "" "Vic" > "$msg"
	e2e_from_outside "$msg" vic@acme.test "$rep" &&
		bed_say "vic (a known contact at Acme, enrolled nowhere) writes about an invoice"
	e2e_check "vic's mail reached lou" bed_wait_mail "$rep" $((n0 + 1)) 30
	sleep 1
	for a in quin@acme.test rui@acme.test sol@acme.test tom@acme.test; do
		e2e_eq "$a after vic's invoice mail" "$(e2e_state "$a" state)" active
	done

	bed_clock 2027-02-09T16:00:00Z
	f1=$(e2e_step1 quin@acme.test)
	msg=$BED_DIR/s12-reply.eml
	e2e_mail reply "$msg" FROM=quin@acme.test FROMNAME="Quin Ames" TO="$rep" TONAME="Lou Example" \
		SUBJECT="$(bed_hdr "$f1" Subject)" INREPLYTO="$(bed_hdr "$f1" Message-Id | tr -d '<>')" \
		MSGID="e2e-s12-reply@acme.test" DATE="$(e2e_rfc2822 2027-02-09T16:00:00Z)" QDATE="09/02/2027 14:00"
	e2e_from_outside "$msg" quin@acme.test "$rep" && bed_say "quin replies to lou's step 1"
	e2e_check "quin is unenrolled" e2e_wait_state quin@acme.test unenrolled
	e2e_check "rui (same sequence, same rep, same company) is unenrolled" e2e_wait_state rui@acme.test unenrolled
	e2e_eq "rui's reason" "$(e2e_state rui@acme.test reason)" "replied (quin@acme.test)"
	e2e_eq "sol (another sequence) after quin's reply" "$(e2e_state sol@acme.test state)" active
	e2e_eq "tom (another rep) after quin's reply" "$(e2e_state tom@acme.test state)" active
	e2e_finish "$rep" 2027-02-10T00:00:00Z
	e2e_finish "$rep2" 2027-02-10T00:00:00Z
	e2e_result
}

# e2e_unstamped FILE: the message without the fields an MTA adds on the
# way (Received, Return-Path, Delivered-To, X-Original-To,
# Authentication-Results, with their continuation lines).
e2e_unstamped() {
	awk 'BEGIN { h = 1 }
		h && /^$/ { h = 0 }
		h && /^[ \t]/ { if (!skip) print; next }
		h { skip = tolower($0) ~ /^(received|return-path|delivered-to|x-original-to|authentication-results):/
		    if (!skip) print; next }
		{ print }' "$1"
}

# e2e_no_rcpt_trace FILE ADDRESS...: no header of FILE names an ADDRESS as
# a recipient (a "for <...>" clause, Delivered-To, X-Original-To, To, Cc).
e2e_no_rcpt_trace() {
	local f=$1 a
	shift
	for a in "$@"; do
		grep -qiF "for <$a>" "$f" && return 1
		bed_hdr "$f" Delivered-To | grep -qiF "$a" && return 1
		bed_hdr "$f" X-Original-To | grep -qiF "$a" && return 1
		bed_hdr "$f" To | grep -qiF "$a" && return 1
		bed_hdr "$f" Cc | grep -qiF "$a" && return 1
		grep -qiF "cadence-sent" "$f" && return 1
	done
	return 0
}

scen_13() {
	local t0=2027-03-02T14:00:00Z rep=ned@our.test c=uma@globex.test copy=ned+cadence-sent@our.test
	local fc fr
	bed_add_mailbox "$rep" "$c" || return 1
	# A site's recipient_delimiter = + does this: ned's +cadence-sent
	# address is ned's own Maildir (the bed's table names it outright).
	echo "$copy our.test/ned/" >> "$BED_ORG/etc/vmailbox"
	postfix -c "$BED_ORG/etc" reload > /dev/null 2>&1
	sleep 0.3
	e2e_rep "$t0" "$rep" "Ned Example" UTC
	e2e_contacts "$t0" "$c,Uma,Rao,Globex,UTC,demo" || return 1
	e2e_enroll "$t0" "$E2E_SEQ" "$rep" "$c" || return 1
	e2e_clock "$t0" "$t0" 60 "$rep"
	e2e_check "uma got step 1" bed_wait_mail "$c" 1 30
	e2e_check "ned's mailbox got the copy of step 1 (RepCopy yes)" bed_wait_mail "$rep" 1 30
	fc=$(bed_mails "$c" | head -n1)
	fr=$(bed_mails "$rep" | head -n1)
	if [ -z "$fc" ] || [ -z "$fr" ]; then
		e2e_bad "both copies delivered"
		return 1
	fi
	e2e_eq "ned's messages" "$(bed_count "$rep")" 1
	e2e_eq "the copy's Message-ID is uma's" "$(bed_hdr "$fr" Message-Id)" "$(bed_hdr "$fc" Message-Id)"
	e2e_check "ned's copy is DKIM-valid for our.test (offline key)" bed_dkim "$fr"
	e2e_check "uma's copy is DKIM-valid for our.test (offline key)" bed_dkim "$fc"
	# Maildir files end lines with LF: a CR would be a stray one that the
	# milter left in a header it added (its folded DKIM-Signature did).
	e2e_check "no stray CR in either copy" eval '! grep -q $'"'"'\r'"'"' "$fr" "$fc"'
	e2e_unstamped "$fc" > "$BED_DIR/s13-contact.eml"
	e2e_unstamped "$fr" > "$BED_DIR/s13-copy.eml"
	e2e_check "the copy is uma's message byte for byte (but for the MTAs' trace fields)" \
		cmp -s "$BED_DIR/s13-contact.eml" "$BED_DIR/s13-copy.eml"
	e2e_check "the copy carries the DKIM-Signature uma's does" \
		test "$(bed_hdr "$fr" DKIM-Signature)" = "$(bed_hdr "$fc" DKIM-Signature)"
	e2e_check "uma's copy shows no trace of the rep's RCPT" e2e_no_rcpt_trace "$fc" "$copy" "$rep"
	# Control: the same check finds the trace in ned's copy (Postfix's
	# X-Original-To/Delivered-To name the +cadence-sent address there).
	if e2e_no_rcpt_trace "$fr" "$copy"; then
		e2e_bad "control: the trace check found no trace in ned's own copy"
	else
		e2e_ok "control: the trace check does see the RCPT in ned's copy"
	fi
	e2e_eq "uma's steps done (the contact's RCPT decided: sent)" "$(e2e_state "$c" currentStep)" 1
	e2e_finish "$rep" 2027-03-03T00:00:00Z
	e2e_result
}

# e2e_task_field ID FIELD: one field of task ID (cadencectl --json).
e2e_task_field() {
	bed_ctl --json task list 2>/dev/null | bed_json \
		"[str(x.get('$2')) for x in (d if isinstance(d, list) else d.get('tasks', [])) if str(x['id']) == '$1']"
}

scen_14() {
	local t0=2027-03-02T14:00:00Z t1=2027-03-03T14:00:00Z rep=oda@our.test c=pia@globex.test
	local fd link id mac path code body
	bed_add_mailbox "$rep" "$c" || return 1
	e2e_rep "$t0" "$rep" "Oda Example" UTC
	bed_ctl --now "$t0" user digest "$rep" yes > /dev/null || { e2e_bad "user digest"; return 1; }
	e2e_contacts "$t0" "$c,Pia,Moe,Globex,UTC,demo" || return 1
	e2e_enroll "$t0" "$E2E_SEQ" "$rep" "$c" || return 1
	bed_pass "$t0" && bed_settle 30
	bed_wait_mail "$c" 1 30 || { e2e_bad "step 1 not delivered"; return 1; }
	# The next day the call falls due; the pass writes oda's digest.
	bed_clock "$t1"
	bed_pass "$t1" && bed_settle 30
	e2e_check "oda's digest arrived" bed_wait_mail "$rep" 1 30
	fd=$(e2e_by_subject "$rep" '^cadence: your tasks' | head -n1)
	[ -n "$fd" ] || { e2e_bad "no digest in oda's mailbox"; return 1; }
	link=$(bed_py "$BED_MAILCHECK" body "$fd" | grep -o "https://[^ ]*/t/[0-9]*-[0-9a-f]*/connected" | head -n1)
	[ -n "$link" ] || { e2e_bad "no 'connected' link in the digest"; return 1; }
	bed_say "oda's digest links: $link"
	path=/${link#https://*/}
	id=$(printf '%s' "$path" | sed -n 's|^/t/\([0-9]*\)-.*|\1|p')
	mac=$(printf '%s' "$path" | sed -n 's|^/t/[0-9]*-\([0-9a-f]*\)/.*|\1|p')
	e2e_eq "task $id before the link" "$(e2e_task_field "$id" state)" open
	bed_daemon_start || return 1
	# The site's TLS proxy is played here: same path, cadenced's plain listener.
	body=$(curl -s --max-time 10 "http://127.0.0.1:$BED_P_HTTP$path")
	e2e_check "GET shows a form to confirm" grep -q '<form method="post"' <<< "$body"
	e2e_eq "task $id after the GET" "$(e2e_task_field "$id" state)" open
	e2e_eq "pia's steps done before the POST" "$(e2e_state "$c" currentStep)" 1
	# Refused: task id+1 with this MAC (another task), a flipped MAC.
	code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 10 -d confirm=yes \
		"http://127.0.0.1:$BED_P_HTTP/t/$((id + 1))-$mac/connected")
	e2e_eq "POST of task $id's MAC under id $((id + 1)) (no such task; another task's MAC: test_pass)" "$code" 404
	code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 10 -d confirm=yes \
		"http://127.0.0.1:$BED_P_HTTP/t/$id-$(printf '%s' "$mac" | tr '0-9a-f' '1-9a-f0')/connected")
	e2e_eq "POST with a wrong MAC" "$code" 404
	e2e_eq "task $id after the refused links (control)" "$(e2e_task_field "$id" state)" open
	body=$(curl -s --max-time 10 -d confirm=yes "http://127.0.0.1:$BED_P_HTTP$path")
	e2e_check "POST completes the task" grep -q "now connected" <<< "$body"
	body=$(curl -s --max-time 10 -d confirm=yes "http://127.0.0.1:$BED_P_HTTP$path")
	e2e_check "a second POST changes nothing" grep -q "already done" <<< "$body"
	bed_daemon_stop
	e2e_eq "task $id state" "$(e2e_task_field "$id" state)" done
	e2e_eq "task $id outcome" "$(e2e_task_field "$id" outcome)" connected
	e2e_eq "task_completed events of pia" "$(e2e_events "$c" task_completed)" 1
	e2e_eq "pia's steps done after the POST (the call, step 2)" "$(e2e_state "$c" currentStep)" 2
	e2e_finish "$rep" 2027-03-04T00:00:00Z
	e2e_result
}
# ---- scenario 15: holidays by the recipient's region (issue #12, 7) ----
# One sequence ("holidays = us", window 08:00-18:00), three contacts
# enrolled on Monday 2027-03-29, Ostermontag in Germany and a working day
# in the US, at 13:00Z (15:00 in Berlin, 09:00 in New York):
#   dirk (Europe/Berlin, region de): step 1 waits over Ostermontag and
#        leaves Tue 2027-03-30 08:00 Berlin (06:00Z);
#   ursa (America/New_York, region us): step 1 Mon 09:00 New York;
#   nils (Europe/Berlin, no region; the control): the sequence's "us"
#        applies, so in the same zone, on the same day, step 1 goes at
#        once (Mon 15:00 Berlin): what dirk's step would do without his
#        region.
scen_15() {
	local t0=2027-03-29T13:00:00Z rep=rex@our.test d=dirk@acme.test u=ursa@globex.test
	local n=nils@acme.test f a z want csv=$BED_DIR/region.csv
	bed_add_mailbox "$rep" "$d" "$u" "$n" || return 1
	bed_ctl holiday import de "$BED_SRCDIR/contrib/holidays/de-2026-2027.ics" \
		--years 2026-2027 > /dev/null || return 1
	e2e_rep "$t0" "$rep" "Rex Example" America/New_York
	printf '%s\n' "email,firstname,timezone,region" "$d,Dirk,Europe/Berlin,DE" \
		"$u,Ursa,America/New_York,us" "$n,Nils,Europe/Berlin," > "$csv"
	bed_ctl --now "$t0" contact import "$csv" > /dev/null || return 1
	bed_say "German holidays imported as \"de\"; dirk's region is de, ursa's us, nils has none"
	e2e_enroll "$t0" "$E2E_SEQ" "$rep" "$d" "$u" "$n" || return 1
	bed_pass "$t0" || return 1
	bed_settle 30 || bed_say "  (queues not empty after 30 s)"
	e2e_check "ursa got step 1 on Ostermontag" bed_wait_mail "$u" 1 30
	e2e_check "nils got step 1 on Ostermontag (control: no region, the sequence's us)" \
		bed_wait_mail "$n" 1 30
	e2e_eq "dirk's messages on Ostermontag" "$(bed_count "$d")" 0
	e2e_check "why: dirk's step waits for the German holiday" eval \
		"bed_ctl --now $t0 why $d | grep -qF 'holiday 2027-03-29 Ostermontag (de) in Europe/Berlin: the window opens Tue 2027-03-30 08:00 Europe/Berlin'"
	e2e_check "the pass recorded dirk's deferral as a holiday" eval \
		"bed_ctl --json events --contact $d --type step_deferred | grep -qF 'step 1 holiday: holiday 2027-03-29 Ostermontag (de)'"
	bed_pass 2027-03-29T22:00:00Z || return 1
	bed_settle 10 || true
	e2e_eq "dirk's messages on Monday night" "$(bed_count "$d")" 0
	bed_pass 2027-03-30T06:00:00Z || return 1
	bed_settle 30 || bed_say "  (queues not empty after 30 s)"
	e2e_check "dirk got step 1 on Tuesday" bed_wait_mail "$d" 1 30
	for f in "$d|Europe/Berlin|Tue 2027-03-30 08:00" "$u|America/New_York|Mon 2027-03-29 09:00" \
		 "$n|Europe/Berlin|Mon 2027-03-29 15:00"; do
		IFS='|' read -r a z want <<< "$f"
		f=$(bed_mails "$a" | head -n1)
		if [ -z "$f" ]; then
			e2e_bad "$a: step 1 delivered"
			continue
		fi
		e2e_eq "$a: messages" "$(bed_count "$a")" 1
		e2e_eq "$a: step 1 sent at (their time)" "$(bed_py "$BED_MAILCHECK" localtime "$f" "$z")" "$want"
		e2e_check "$a: step 1 DKIM-valid for our.test (offline key)" bed_dkim "$f"
	done
	e2e_finish "$rep" 2027-03-30T07:00:00Z
	e2e_result
}


e2e_title() {
	case $1 in
	1) echo "three contacts, two companies, three zones, over Christmas: step 1 DKIM-signed with List-Unsubscribe, step 3 threaded on the right business day in each zone" ;;
	2) echo "a reply unenrolls (company scope stops the colleague); the rep gets it byte for byte" ;;
	3) echo "a step in flight when the reply arrives is rejected by the milter's gate" ;;
	4) echo "out-of-office with a return date pauses, then resumes the business day after" ;;
	5) echo "a mailbox that does not exist: Postfix's own DSN, hard bounce, suppressed" ;;
	6a) echo "unsubscribe by one-click POST: unenrolled, suppressed, refused later" ;;
	6b) echo "unsubscribe by mail to the mailto: address: consumed, unenrolled, suppressed" ;;
	7) echo "enroll by address from the rep's mail client (swaks), the enroll address in Cc" ;;
	8) echo "a meeting acceptance (iMIP REPLY) unenrolls with \"meeting booked\"" ;;
	9) echo "cadenced killed with SIGKILL mid-batch and restarted: no duplicate, none lost" ;;
	10) echo "milter down: people's mail flows, sequence mail waits and leaves signed once" ;;
	11) echo "meetings by link: Calendly, a Google appointment page and the contact's own invitation stop as meeting booked; a decline, a stranger's invitation and a Calendly booking without the rep do not" ;;
	12) echo "company scope: a reply stops the same sequence's colleagues of the same rep; another sequence, another rep and a non-enrolled colleague's mail do not" ;;
	14) echo "task links: the digest's signed link, GET then POST, completes the call with its outcome; a second POST changes nothing; another task's MAC is refused" ;;
	15) echo "holidays by the recipient's region: on Ostermontag the German contact's step waits for Tuesday, the US contact's goes; control: the same zone without a region goes that day" ;;
	13) echo "the rep's copy: a second envelope recipient of the same transaction reaches the rep's Maildir, the same signed message and Message-ID; the contact's copy shows no trace of it" ;;
	esac
}
