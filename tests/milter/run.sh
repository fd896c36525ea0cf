#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# tests/milter/run.sh - black-box tests of cadence-milter with miltertest.
#
# Starts real cadence-milter processes on unix sockets in a private temp
# directory (with their own keys, tables, store and SPF zone: no DNS, no
# network), drives them with the miltertest scripts next to this file,
# checks their logs, and stops them again, also when a test fails.
# Exit 77 (skipped) when miltertest is not installed.

set -u

here=$(cd "$(dirname "$0")" && pwd)
. "$here/harness.sh"


# ---- -n: the configuration check ----
write_conf main
if out=$("$MILTER" -n -c "$tmp/main.conf" 2>&1); then
	ok "-n accepts a good configuration ($out)"
else
	fail "-n refused a good configuration: $out"
fi
cp "$tmp/rsa.key" "$tmp/rsa-gw.key"
chmod 660 "$tmp/rsa-gw.key"
sed "s|$tmp/rsa.key|$tmp/rsa-gw.key|" "$tmp/keytable" >"$tmp/keytable-gw"
write_conf gw "KeyTable $tmp/keytable-gw"
out=$("$MILTER" -n -c "$tmp/gw.conf" 2>&1)
rc=$?
if [ $rc -ne 0 ] && echo "$out" | grep -q "rsa-gw.key is group- or world-writable"; then
	ok "-n refuses a group-writable key and names it"
else
	fail "-n with a group-writable key: rc=$rc: $out"
fi

# ---- the main instance ----
start main

# ---- the socket's mode: 0660 whatever the umask (review finding) ----
sockmode() { stat -c %a "$1" 2>/dev/null; }
write_conf um
umask 000
start um
umask 077
expect_eq "socket mode under umask 000" "$(sockmode "$tmp/um.sock")" 660
expect_eq "socket mode under umask 077" "$(sockmode "$tmp/main.sock")" 660
# control: the same check sees a socket bind() made under umask 000
if command -v python3 >/dev/null; then
	(umask 000; python3 -c 'import socket,sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])' \
		"$tmp/control.sock")
	expect_eq "control: a plain bind under umask 000" "$(sockmode "$tmp/control.sock")" 777
fi
kill "$pid_um" 2>/dev/null
if mt main t-negotiate.lua; then ok "negotiation"; else fail "negotiation"; fi
if mt main t-oldmta.lua; then
	ok "an MTA offering no protocol options: every step answered, mail signed"
else
	fail "MTA without protocol options"
fi

if mt main t-sign.lua SIGNED_OUT="$tmp/signed-rsa.eml" SIGN_ALG=rsa-sha256 &&
	"$VERIFY" "$tmp/dns-keys.txt" "$tmp/signed-rsa.eml" example.com >"$tmp/verify.out"; then
	ok "rsa-sha256 signature inserted and verified offline"
else
	cat "$tmp/verify.out" 2>/dev/null
	fail "rsa-sha256 signing"
fi
# the verifier is not fooled: a changed body fails
sed 's/ten minutes/eleven minutes/' "$tmp/signed-rsa.eml" >"$tmp/tampered.eml"
if "$VERIFY" "$tmp/dns-keys.txt" "$tmp/tampered.eml" example.com >/dev/null; then
	fail "a tampered message verified"
else
	ok "a tampered message does not verify"
fi
if mt main t-sign.lua SIGNED_OUT="$tmp/signed-ed.eml" SIGN_ALG=ed25519-sha256 \
	SIGN_FROM="Eve Rep <eve@ed.example>" SIGN_CLIENT=192.0.2.99 SIGN_AUTH=eve &&
	"$VERIFY" "$tmp/dns-keys.txt" "$tmp/signed-ed.eml" ed.example >"$tmp/verify.out"; then
	ok "ed25519-sha256 signature (authenticated user) inserted and verified offline"
else
	cat "$tmp/verify.out" 2>/dev/null
	fail "ed25519-sha256 signing"
fi

if mt main t-pass.lua PASS_FROM="Ada Rep <ada@unsigned.example>" PASS_CLIENT=10.9.9.9; then
	ok "outbound mail of a domain without a signing entry passes untouched"
else
	fail "outbound unsigned domain"
fi
if mt main t-pass.lua PASS_FROM="Pat Person <pat@example.org>" PASS_CLIENT=192.0.2.10; then
	ok "a person's mail from outside passes untouched"
else
	fail "inbound person"
fi

if mt main t-contact.lua CONTACT_CLIENT=192.0.2.10 &&
	grep -q "CONTACT1: inbound from contact <contact@example.org>: spf=pass" "$tmp/main.log"; then
	ok "mail from a contact: SPF pass through the test zone"
else
	fail "contact SPF pass"
fi
if mt main t-contact.lua CONTACT_CLIENT=198.51.100.7 &&
	grep -q "CONTACT1: inbound from contact <contact@example.org>: spf=fail" "$tmp/main.log"; then
	ok "mail from a contact: SPF fail through the test zone"
else
	fail "contact SPF fail"
fi
if mt main t-contact.lua CONTACT_CLIENT=198.51.100.7 \
	CONTACT_AR="mx.example.com; spf=pass smtp.mailfrom=contact@example.org; dkim=pass header.d=example.org; dmarc=pass header.from=example.org" &&
	grep -q "spf=pass (from a trusted Authentication-Results) dkim=pass dmarc=pass" "$tmp/main.log"; then
	ok "mail from a contact: trusted Authentication-Results"
else
	fail "contact trusted Authentication-Results"
fi

# ---- sequence mail, inbound mail, cadence's own addresses ----

# the seq instance reads the time from a clock file (-t), as a test bed
# running cadenced with --now would have it
echo "2026-12-01T13:00:00Z" >"$tmp/clock"
write_conf seq "SignAllOutbound no"
MILTER_ARGS="-t $tmp/clock" start seq

# the gate accepts: witnessed with the queue id, signed (SignAllOutbound
# no signs sequence mail only), the signature verifies
enr=$(ms enroll gate1@example.org Cold ada@example.com)
set -- $(ms prepare "$enr" 1 "$tmp/secret" "$D")
id1=$1
seqmsg "$tmp/seq1.eml" "$id1" gate1@example.org
if send seq "$tmp/seq1.eml" MSG_QID=GATE1 MSG_CLIENT=10.1.2.3 MSG_ENVFROM="bounces+x@$D" \
	MSG_RCPTS=gate1@example.org EXPECT_SIGN=yes SIGNED_OUT="$tmp/seq1-signed.eml" &&
	"$VERIFY" "$tmp/dns-keys.txt" "$tmp/seq1-signed.eml" example.com >"$tmp/verify.out"; then
	ok "gate: sequence mail accepted and signed (SignAllOutbound no), the signature verifies"
else
	cat "$tmp/verify.out" 2>/dev/null
	fail "gate accept"
fi
expect_eq "gate: the witness is recorded with the queue id" "$(ms msg "$id1")" "witnessed GATE1"
expect_eq "gate: one step_witnessed event" "$(ms events step_witnessed "$enr")" 1
# the same message again (a resend after it left): refused
if send seq "$tmp/seq1.eml" MSG_QID=GATE1B MSG_CLIENT=10.1.2.3 MSG_RCPTS=gate1@example.org \
	EXPECT_EOM=replycode &&
	grep -q "GATE1B: sequence mail <$id1> rejected: step 1 of enrollment $enr was already sent as GATE1" \
		"$tmp/seq.log"; then
	ok "gate: a message already witnessed is rejected (never twice)"
else
	fail "gate: second pass"
fi
# a rep's own mail through the same instance: not signed, released at EOH
if mt seq t-pass.lua PASS_FROM="Ada Rep <ada@example.com>" PASS_CLIENT=10.1.2.3; then
	ok "SignAllOutbound no: a rep's own mail is not signed, released at EOH"
else
	fail "person mail with SignAllOutbound no"
fi

# the gate rejects after an unenroll
enr=$(ms enroll gate2@example.org Cold ada@example.com)
set -- $(ms prepare "$enr" 1 "$tmp/secret" "$D")
id2=$1
ms unenroll "$enr" || fail "unenroll (test setup)"
seqmsg "$tmp/seq2.eml" "$id2" gate2@example.org
if send seq "$tmp/seq2.eml" MSG_QID=GATE2 MSG_CLIENT=10.1.2.3 MSG_RCPTS=gate2@example.org \
	EXPECT_EOM=replycode &&
	grep -q "GATE2: sequence mail <$id2> rejected: enrollment $enr is unenrolled" "$tmp/seq.log"; then
	ok "gate: sequence mail of an unenrolled contact is rejected (550 5.7.1, reason logged)"
else
	fail "gate reject after unenroll"
fi
expect_eq "gate: the ledger says rejected" "$(ms msg "$id2" | cut -d' ' -f1)" rejected

# a Message-ID made with our secret that the ledger never recorded
idf=$("$MKSTORE" "$tmp/cadence.db" forge "$tmp/secret" "$D")
seqmsg "$tmp/forged.eml" "$idf" gate3@example.org
if send seq "$tmp/forged.eml" MSG_QID=FORGED1 MSG_CLIENT=10.1.2.3 MSG_RCPTS=gate3@example.org \
	EXPECT_EOM=replycode &&
	grep -q "FORGED1: sequence mail <$idf> rejected: a sequence message this site never recorded" \
		"$tmp/seq.log"; then
	ok "gate: a verifying Message-ID with no ledger row is rejected"
else
	fail "forged Message-ID"
fi

# ---- inbound ----
# a reply (SPF pass) unenrolls; the reply is delivered untouched
enr=$(ms enroll reply1@example.org Cold ada@example.com)
set -- $(ms prepare "$enr" 1 "$tmp/secret" "$D" sent)
reply "$tmp/reply1.eml" reply1@example.org "$1"
if send seq "$tmp/reply1.eml" MSG_QID=REPLY1 MSG_ENVFROM=reply1@example.org \
	MSG_RCPTS=ada@example.com EXPECT_UNTOUCHED=yes; then
	ok "reply: delivered untouched"
else
	fail "reply delivery"
fi
expect_eq "reply: the contact is unenrolled" "$(ms state "$enr")" "unenrolled 2 replied"
expect_eq "reply: a replied event" "$(ms events replied "$enr")" 1
grep -q "REPLY1: inbound reply (.*): replied: unenrolled reply1@example.org from Cold" \
	"$tmp/seq.log" && ok "reply: the summary is logged with the queue id" ||
	fail "reply: no summary line"

# the same reply without authentication (SPF fail): recorded, nothing changes
enr=$(ms enroll unauth@example.org Cold ada@example.com)
set -- $(ms prepare "$enr" 1 "$tmp/secret" "$D" sent)
reply "$tmp/unauth.eml" unauth@example.org "$1"
send seq "$tmp/unauth.eml" MSG_QID=UNAUTH1 MSG_ENVFROM=unauth@example.org \
	MSG_CLIENT=198.51.100.7 MSG_RCPTS=ada@example.com EXPECT_UNTOUCHED=yes ||
	fail "unauthenticated reply delivery"
expect_eq "unauthenticated reply: the enrollment stays active" "$(ms state "$enr" | cut -d' ' -f1)" active
expect_eq "unauthenticated reply: recorded as unverified" "$(ms events inbound_unverified "$enr")" 1

# ---- DKIM verification of inbound mail (-K: keys from a file, no DNS) ----
# The contact's domain signs its reply: a second milter instance ("orgsign")
# holds example.org's key and signs the reply as example.org's own MTA
# would. The reply then reaches the reading instance from 198.51.100.7,
# which example.org's SPF fails: only the DKIM signature authenticates it.
openssl genrsa -out "$tmp/org.key" 2048 2>/dev/null || exit 99
echo "org1._domainkey.example.org v=DKIM1; k=rsa; p=$(openssl pkey -in "$tmp/org.key" -pubout -outform der 2>/dev/null | base64 | tr -d '\n')" \
	>>"$tmp/dns-keys.txt"
echo "org example.org:org1:$tmp/org.key" >"$tmp/keytable-org"
echo "*@example.org org" >"$tmp/signingtable-org"
write_conf orgsign "KeyTable $tmp/keytable-org" "SigningTable $tmp/signingtable-org"
start orgsign
write_conf dkimv "SignAllOutbound no"
MILTER_ARGS="-t $tmp/clock -K $tmp/dns-keys.txt" start dkimv
# orgsign_reply ADDR QID FILE: a reply from ADDR on its enrollment's thread,
# signed for example.org; prints the enrollment
orgsign_reply() {
	e=$(ms enroll "$1" Cold ada@example.com)
	set -- "$@" $(ms prepare "$e" 1 "$tmp/secret" "$D" sent)
	reply "$tmp/$2.eml" "$1" "$4"
	send orgsign "$tmp/$2.eml" MSG_QID="SIGN$2" MSG_CLIENT=10.1.2.3 MSG_ENVFROM="$1" \
		MSG_RCPTS=ada@example.com EXPECT_SIGN=yes SIGNED_OUT="$3" >&2 ||
		fail "signing $1's reply for example.org (test set-up)"
	# as received (t-msg.lua reads LF line ends)
	tr -d '\r' <"$3" >"$3.lf" && mv "$3.lf" "$3"
	echo "$e"
}
enr=$(orgsign_reply dkim1@example.org DKIM1 "$tmp/dkim1-signed.eml")
if send dkimv "$tmp/dkim1-signed.eml" MSG_QID=DKIM1 MSG_ENVFROM=dkim1@example.org \
	MSG_CLIENT=198.51.100.7 MSG_RCPTS=ada@example.com EXPECT_UNTOUCHED=yes &&
	grep -q "DKIM1: inbound from <dkim1@example.org>: spf=fail" "$tmp/dkimv.log" &&
	grep -q "DKIM1: DKIM: a valid signature of d=example.org, aligned with the From domain" \
		"$tmp/dkimv.log"; then
	ok "DKIM: a reply signed by the contact's domain verifies (SPF fails), delivered untouched"
else
	fail "DKIM-signed reply"
fi
expect_eq "DKIM: the signed reply (SPF fail) is acted upon: unenrolled" "$(ms state "$enr")" \
	"unenrolled 2 replied"
expect_eq "DKIM: the signed reply is not recorded as unverified" \
	"$(ms events inbound_unverified "$enr")" 0
# the same with a broken signature (the body changed after signing)
enr=$(orgsign_reply dkim2@example.org DKIM2 "$tmp/dkim2-signed.eml")
sed 's/next week/tomorrow/' "$tmp/dkim2-signed.eml" >"$tmp/dkim2-broken.eml"
if send dkimv "$tmp/dkim2-broken.eml" MSG_QID=DKIM2 MSG_ENVFROM=dkim2@example.org \
	MSG_CLIENT=198.51.100.7 MSG_RCPTS=ada@example.com EXPECT_UNTOUCHED=yes &&
	grep -q "DKIM2: DKIM: no valid aligned signature (d=example.org body hash mismatch)" \
		"$tmp/dkimv.log"; then
	ok "DKIM: a broken signature does not verify; the reply is delivered untouched"
else
	fail "broken DKIM signature"
fi
expect_eq "DKIM: a broken signature (SPF fail): the enrollment stays active" \
	"$(ms state "$enr" | cut -d' ' -f1)" active
expect_eq "DKIM: a broken signature: recorded as unverified" \
	"$(ms events inbound_unverified "$enr")" 1

# ActOnUnverified yes: the same unauthenticated reply acts
write_conf trusting "SignAllOutbound no" "ActOnUnverified yes"
start trusting
enr=$(ms enroll unauth2@example.org Cold ada@example.com)
set -- $(ms prepare "$enr" 1 "$tmp/secret" "$D" sent)
reply "$tmp/unauth2.eml" unauth2@example.org "$1"
send trusting "$tmp/unauth2.eml" MSG_QID=UNAUTH2 MSG_ENVFROM=unauth2@example.org \
	MSG_CLIENT=198.51.100.7 MSG_RCPTS=ada@example.com EXPECT_UNTOUCHED=yes ||
	fail "ActOnUnverified reply delivery"
expect_eq "ActOnUnverified yes: an unauthenticated reply unenrolls" \
	"$(ms state "$enr" | cut -d' ' -f1)" unenrolled

# a reply on our thread from a new address: linked as an alias, unenrolled
enr=$(ms enroll alias1@example.org Cold ada@example.com)
set -- $(ms prepare "$enr" 1 "$tmp/secret" "$D" sent)
reply "$tmp/alias.eml" cody.private@example.org "$1"
send seq "$tmp/alias.eml" MSG_QID=ALIAS1 MSG_ENVFROM=cody.private@example.org \
	MSG_RCPTS=ada@example.com EXPECT_UNTOUCHED=yes || fail "alias reply delivery"
expect_eq "alias reply: unenrolled" "$(ms state "$enr" | cut -d' ' -f1)" unenrolled
expect_eq "alias reply: the new address is an alias" "$(ms events alias_added)" 1

# company scope: wes replies, yan (same company) stops too
enrw=$(ms enroll wes@acme.example Company ada@example.com)
enry=$(ms enroll yan@acme.example Company ada@example.com)
set -- $(ms prepare "$enrw" 1 "$tmp/secret" "$D" sent)
ms prepare "$enry" 1 "$tmp/secret" "$D" sent >/dev/null
reply "$tmp/company.eml" wes@acme.example "$1"
send seq "$tmp/company.eml" MSG_QID=COMPANY1 MSG_ENVFROM=wes@acme.example \
	MSG_RCPTS=ada@example.com EXPECT_UNTOUCHED=yes || fail "company reply delivery"
expect_eq "company reply: wes unenrolled" "$(ms state "$enrw" | cut -d' ' -f1)" unenrolled
expect_eq "company reply: yan (same company) unenrolled" "$(ms state "$enry" | cut -d' ' -f1)" unenrolled

# an out-of-office reply (to the VERP address) pauses until the return date
enr=$(ms enroll ooo@example.org Cold ada@example.com)
set -- $(ms prepare "$enr" 1 "$tmp/secret" "$D" sent)
cat >"$tmp/ooo.eml" <<EOT
From: Olga Out <ooo@example.org>
To: Ada Rep <ada@example.com>
Subject: Automatic reply: Quick question
Date: Tue, 01 Dec 2026 09:01:00 +0000
Message-ID: <ooo-1@example.org>
In-Reply-To: <$1>
Auto-Submitted: auto-replied
X-Auto-Response-Suppress: All
MIME-Version: 1.0
Content-Type: text/plain; charset=UTF-8

Thank you for your message. I am out of the office until 2026-12-14 with
limited access to email.

Olga
EOT
if send seq "$tmp/ooo.eml" MSG_QID=OOO1 MSG_ENVFROM= MSG_RCPTS="$2" EXPECT_EOM=discard; then
	ok "out-of-office to the VERP address: read, then discarded (addressed only to cadence)"
else
	fail "out-of-office delivery"
fi
expect_eq "out-of-office: paused" "$(ms state "$enr" | cut -d' ' -f1)" paused
expect_eq "out-of-office: an auto_reply event, no unenroll" \
	"$(ms events auto_reply "$enr") $(ms events unenrolled "$enr")" "1 0"

# a hard bounce: Postfix's own DSN (null sender, from the inside, the
# non_smtpd_milters path) to the VERP address names our Message-ID
enr=$(ms enroll bounce1@example.org Cold ada@example.com)
set -- $(ms prepare "$enr" 1 "$tmp/secret" "$D" sent)
cat >"$tmp/dsn.eml" <<EOT
Received: by mail.example.com (Postfix) id 4ZxYw1abcd; Tue,  1 Dec 2026 09:00:05 +0000 (UTC)
Date: Tue,  1 Dec 2026 09:00:05 +0000 (UTC)
From: MAILER-DAEMON@mail.example.com (Mail Delivery System)
Subject: Undelivered Mail Returned to Sender
To: $2
Auto-Submitted: auto-replied
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status;
	boundary="4ZxYw1abcd.1764579605/mail.example.com"
Content-Transfer-Encoding: 8bit
Message-Id: <20261201090005.4ZxYw1abcd@mail.example.com>

This is a MIME-encapsulated message.

--4ZxYw1abcd.1764579605/mail.example.com
Content-Description: Notification
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: 8bit

This is the mail system at host mail.example.com.

I'm sorry to have to inform you that your message could not
be delivered to one or more recipients. It's attached below.

                   The mail system

<bounce1@example.org>: host mx.example.org[192.0.2.25] said: 550 5.1.1
    <bounce1@example.org>: Recipient address rejected: User unknown in local
    recipient table (in reply to RCPT TO command)

--4ZxYw1abcd.1764579605/mail.example.com
Content-Description: Delivery report
Content-Type: message/delivery-status

Reporting-MTA: dns; mail.example.com
X-Postfix-Queue-ID: 4ZxYw1abcd
X-Postfix-Sender: rfc822; $2
Arrival-Date: Tue,  1 Dec 2026 09:00:02 +0000 (UTC)

Final-Recipient: rfc822; bounce1@example.org
Original-Recipient: rfc822;bounce1@example.org
Action: failed
Status: 5.1.1
Remote-MTA: dns; mx.example.org
Diagnostic-Code: smtp; 550 5.1.1 <bounce1@example.org>: Recipient address
    rejected: User unknown in local recipient table

--4ZxYw1abcd.1764579605/mail.example.com
Content-Description: Undelivered Message Headers
Content-Type: text/rfc822-headers
Content-Transfer-Encoding: 8bit

From: Ada Rep <ada@example.com>
To: <bounce1@example.org>
Subject: Quick question
Date: Tue, 01 Dec 2026 09:00:00 +0000
Message-ID: <$1>

--4ZxYw1abcd.1764579605/mail.example.com--
EOT
if send seq "$tmp/dsn.eml" MSG_QID=DSN1 MSG_ENVFROM= MSG_CLIENT=127.0.0.1 MSG_HELO=localhost \
	MSG_RCPTS="$2" EXPECT_EOM=discard; then
	ok "bounce: Postfix's DSN to the VERP address is read, then discarded"
else
	fail "bounce delivery"
fi
expect_eq "bounce: unenrolled" "$(ms state "$enr")" "unenrolled 2 bounced: 5.1.1 user unknown"
expect_eq "bounce: the address is suppressed" "$(ms suppressed bounce1@example.org)" bounced

# mail to the unsubscribe address: unsubscribed, the message consumed
enr=$(ms enroll unsub1@example.org Cold ada@example.com)
set -- $(ms prepare "$enr" 1 "$tmp/secret" "$D" sent)
unsub=$3
cat >"$tmp/unsub.eml" <<EOT
From: Una Sub <unsub1@example.org>
To: $unsub
Subject: unsubscribe
Date: Tue, 01 Dec 2026 10:00:00 +0000
Message-ID: <unsub-1@example.org>
MIME-Version: 1.0
Content-Type: text/plain; charset=UTF-8

unsubscribe
EOT
if send seq "$tmp/unsub.eml" MSG_QID=UNSUB1 MSG_ENVFROM=unsub1@example.org \
	MSG_RCPTS="$unsub" EXPECT_EOM=discard; then
	ok "unsubscribe by mail: the message is discarded (addressed only to cadence)"
else
	fail "unsubscribe discard"
fi
expect_eq "unsubscribe by mail: unenrolled" "$(ms state "$enr" | cut -d' ' -f1)" unenrolled
expect_eq "unsubscribe by mail: suppressed" "$(ms suppressed unsub1@example.org)" unsubscribed
# with a person among the recipients: only cadence's address is removed
if send seq "$tmp/unsub.eml" MSG_QID=UNSUB2 MSG_ENVFROM=unsub1@example.org \
	MSG_RCPTS="ada@example.com $unsub" EXPECT_DEL="$unsub"; then
	ok "unsubscribe by mail with another recipient: only cadence's address is removed"
else
	fail "unsubscribe recipient removal"
fi

# a meeting accepted (iMIP REPLY) stops the sequence
enr=$(ms enroll meet1@example.org Cold ada@example.com)
ms prepare "$enr" 1 "$tmp/secret" "$D" sent >/dev/null
cat >"$tmp/meet.eml" <<EOT
From: Mia Meet <meet1@example.org>
To: Ada Rep <ada@example.com>
Subject: Accepted: Intro call
Message-ID: <meet-1@example.org>
Date: Tue, 01 Dec 2026 12:00:00 +0000
MIME-Version: 1.0
Content-Type: text/calendar; method=REPLY; charset=UTF-8

BEGIN:VCALENDAR
PRODID:-//Example Corp//Calendar 1.0//EN
VERSION:2.0
METHOD:REPLY
BEGIN:VEVENT
UID:intro-call-1@example.com
DTSTAMP:20261201T120000Z
DTSTART:20261203T140000Z
DTEND:20261203T143000Z
ORGANIZER:mailto:ada@example.com
ATTENDEE;PARTSTAT=ACCEPTED:mailto:meet1@example.org
SUMMARY:Intro call
END:VEVENT
END:VCALENDAR
EOT
send seq "$tmp/meet.eml" MSG_QID=MEET1 MSG_ENVFROM=meet1@example.org \
	MSG_RCPTS=ada@example.com EXPECT_UNTOUCHED=yes || fail "meeting delivery"
expect_eq "meeting accepted: unenrolled, meeting booked" "$(ms state "$enr")" \
	"unenrolled 2 meeting booked"

# ---- a rep's outbound mail ----
# enroll by address: Bcc enroll+Cold@D; the rep's message is step 1
cat >"$tmp/enroll.eml" <<EOT
From: Ada Rep <ada@example.com>
To: Nina New <nina@example.org>
Subject: Met you at the conference
Date: Tue, 01 Dec 2026 13:00:00 +0000
Message-ID: <rep-enroll-1@example.com>
MIME-Version: 1.0
Content-Type: text/plain; charset=utf-8

Hi Nina, great to meet you yesterday.
EOT
if send seq "$tmp/enroll.eml" MSG_QID=ENROLL1 MSG_CLIENT=10.1.2.3 MSG_ENVFROM=ada@example.com \
	MSG_RCPTS="nina@example.org enroll+Cold@$D" EXPECT_DEL="enroll+Cold@$D" EXPECT_SIGN=no; then
	ok "enroll by address: the enroll address is removed, the message goes on"
else
	fail "enroll by address"
fi
expect_eq "enroll by address: enrolled in Cold, the rep's message was step 1" \
	"$(ms enrolled nina@example.org)" "Cold active 2"
expect_eq "enroll by address: step 2 is due two days after the rep's message (clock file)" \
	"$(ms due "$(ms enrolled-id nina@example.org)")" "2026-12-03T13:00:00Z"
expect_eq "enroll by address: the rep's message is in the ledger" \
	"$(ms msg rep-enroll-1@example.com)" "witnessed ENROLL1"
# a contact already enrolled: refused with the reason, recorded
send seq "$tmp/enroll.eml" MSG_QID=ENROLL2 MSG_CLIENT=10.1.2.3 MSG_ENVFROM=ada@example.com \
	MSG_RCPTS="nina@example.org enroll+Cold@$D" EXPECT_DEL="enroll+Cold@$D" ||
	fail "enroll by address, second time"
if grep -q "ENROLL2: enrolling <nina@example.org> in Cold refused: .*already" "$tmp/seq.log" &&
	[ "$(ms events enroll_refused)" -ge 1 ]; then
	ok "enroll by address: an enrolled contact is refused, an enroll_refused event recorded"
else
	fail "enroll refusal"
fi
# ... and reported to the rep by mail: a pending notice written with the
# refusal, which a real cadenced pass (on a copy of the store, against
# Postfix's smtp-sink when this runs as root) sends from cadence@D
if command -v python3 >/dev/null 2>&1; then
	# notices DB: "kind|subject|sent" of the rep's notices, one a line
	notices() {
		python3 - "$1" <<'EOT'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
for k, s, b, t in db.execute("SELECT n.kind, n.subject, n.body, n.sent_at FROM notices n"
                             " JOIN users u ON u.id = n.user_id"
                             " WHERE u.email = 'ada@example.com' ORDER BY n.id"):
    print("%s|%s|%s|%s" % (k, s, "already" in b and "enroll" in b, "sent" if t else "pending"))
EOT
	}
	expect_eq "enroll refusal: a notice for the rep, with the reason, pending" \
		"$(notices "$tmp/cadence.db")" \
		"enroll_refused|cadence: could not enroll nina@example.org in Cold|True|pending"
	SINK=$(command -v smtp-sink || echo /usr/sbin/smtp-sink)
	CAD=$builddir/scheduler/cadenced
	if [ "$(id -u)" = 0 ] && [ -x "$SINK" ] && id postfix >/dev/null 2>&1 && [ -x "$CAD" ]; then
		nd=$tmp/notice
		mkdir -p "$nd/sink"
		chmod 755 "$tmp" "$nd"
		chown postfix "$nd/sink"
		python3 -c 'import sqlite3, sys
src = sqlite3.connect(sys.argv[1]); dst = sqlite3.connect(sys.argv[2]); src.backup(dst); dst.close()' \
			"$tmp/cadence.db" "$nd/cadence.db"
		port=$(python3 -c 'import socket
s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
		"$SINK" -u postfix -d "$nd/sink/%M%S." "127.0.0.1:$port" 10 >"$nd/sink.log" 2>&1 &
		sinkpid=$!
		pids="$pids $sinkpid"
		i=0
		until python3 -c 'import socket, sys
socket.create_connection(("127.0.0.1", int(sys.argv[1])), 1).close()' "$port" 2>/dev/null ||
			[ $i -gt 50 ]; do
			i=$((i + 1))
			sleep 0.1
		done
		printf '%s\n' "Database $nd/cadence.db" "SecretFile $tmp/secret" "Domain $D" \
			"InternalDomains example.com" "SubmitURL smtp://127.0.0.1:$port" \
			"SendJitter 0" "SendSpacing 0" "Syslog no" >"$nd/cadence.conf"
		"$CAD" -c "$nd/cadence.conf" --once --now=2026-12-01T14:00:00Z >"$nd/cadenced.log" 2>&1 ||
			fail "enroll refusal: cadenced pass: $(cat "$nd/cadenced.log")"
		kill "$sinkpid" 2>/dev/null
		wait "$sinkpid" 2>/dev/null
		if grep -l "^Subject: cadence: could not enroll nina@example.org in Cold" "$nd"/sink/* 2>/dev/null |
			xargs -r grep -l "^X-Rcpt-Args: <ada@example.com>" |
			xargs -r grep -l "^X-Mail-Args: <cadence@$D>" | grep -q .; then
			ok "enroll refusal: cadenced mails the notice from cadence@$D to the rep"
		else
			fail "enroll refusal: no notice mail from cadenced ($(cat "$nd/cadenced.log"))"
		fi
		expect_eq "enroll refusal: the notice is marked sent" "$(notices "$nd/cadence.db")" \
			"enroll_refused|cadence: could not enroll nina@example.org in Cold|True|sent"
		if grep -q -e "Sanitizer" -e "runtime error" "$nd/cadenced.log"; then
			fail "enroll refusal: sanitizer report from cadenced"
		fi
	else
		echo "skip: mailing the notice needs root, smtp-sink and cadenced"
	fi
fi

# enroll by address in Cc or To: the contact must not see cadence's
# address, so the header is rewritten without it (every other address,
# display name and fold kept as written) or deleted when nothing is left
cat >"$tmp/enroll-cc.eml" <<EOT
From: Ada Rep <ada@example.com>
To: Omar Owl <omar@example.org>
Cc: "Sales, EU" <eu@example.com>, Enroll <enroll+Cold@$D>
Subject: Following up on the demo
Date: Tue, 01 Dec 2026 13:05:00 +0000
Message-ID: <rep-enroll-cc@example.com>

Hi Omar, thanks for your time today.
EOT
if send seq "$tmp/enroll-cc.eml" MSG_QID=ENROLLCC MSG_CLIENT=10.1.2.3 MSG_ENVFROM=ada@example.com \
	MSG_RCPTS="omar@example.org eu@example.com enroll+Cold@$D" EXPECT_DEL="enroll+Cold@$D" \
	EXPECT_CC='"Sales, EU" <eu@example.com>' &&
	grep -q "ENROLLCC: Cc header rewritten without cadence's address" "$tmp/seq.log"; then
	ok "enroll address in Cc: the Cc header is rewritten without it, the other Cc kept"
else
	fail "enroll address in Cc"
fi
expect_eq "enroll address in Cc: the contact is enrolled" "$(ms enrolled omar@example.org)" \
	"Cold active 2"
# in a folded To with another recipient
cat >"$tmp/enroll-to.eml" <<EOT
From: Ada Rep <ada@example.com>
To: Pia Pike <pia@example.org>,
	enroll+Cold@$D
Subject: Hello from Example
Date: Tue, 01 Dec 2026 13:10:00 +0000
Message-ID: <rep-enroll-to@example.com>

Hi Pia.
EOT
if send seq "$tmp/enroll-to.eml" MSG_QID=ENROLLTO MSG_CLIENT=10.1.2.3 MSG_ENVFROM=ada@example.com \
	MSG_RCPTS="pia@example.org enroll+Cold@$D" EXPECT_DEL="enroll+Cold@$D" \
	EXPECT_TO="Pia Pike <pia@example.org>"; then
	ok "enroll address in a folded To with another recipient: To rewritten without it"
else
	fail "enroll address in To"
fi
expect_eq "enroll address in To: the contact is enrolled" "$(ms enrolled pia@example.org)" \
	"Cold active 2"
# signed (SignAllOutbound yes): the enroll address alone in Cc (Cc
# deleted) and next to the contact in To (To changed); the signature
# covers the headers as they leave, so it verifies on the rewritten
# message and not on the original one
cat >"$tmp/enroll-sig.eml" <<EOT
From: Ada Rep <ada@example.com>
To: Quinn Quay <quinn@example.org>, <enroll+Cold@$D>
Cc: enroll+Cold@$D
Subject: Nice to meet you
Date: Tue, 01 Dec 2026 13:15:00 +0000
Message-ID: <rep-enroll-sig@example.com>
MIME-Version: 1.0
Content-Type: text/plain; charset=utf-8

Hi Quinn, nice to meet you.
EOT
if send main "$tmp/enroll-sig.eml" MSG_QID=ENROLLSIG MSG_CLIENT=10.1.2.3 MSG_ENVFROM=ada@example.com \
	MSG_RCPTS="quinn@example.org enroll+Cold@$D" EXPECT_DEL="enroll+Cold@$D" \
	EXPECT_TO="Quinn Quay <quinn@example.org>" EXPECT_CC=- \
	EXPECT_SIGN=yes SIGNED_OUT="$tmp/enroll-sig-signed.eml" &&
	grep -q "ENROLLSIG: Cc header removed" "$tmp/main.log" &&
	"$VERIFY" "$tmp/dns-keys.txt" "$tmp/enroll-sig-signed.eml" example.com >"$tmp/verify.out"; then
	ok "enroll address alone in Cc: Cc deleted, To rewritten; the DKIM signature verifies on the rewritten message"
else
	cat "$tmp/verify.out" 2>/dev/null
	fail "enroll address with signing"
fi
sed "s|^To: Quinn Quay <quinn@example.org>|To: Quinn Quay <quinn@example.org>, <enroll+Cold@$D>|" \
	"$tmp/enroll-sig-signed.eml" >"$tmp/enroll-sig-orig.eml"
if [ -s "$tmp/enroll-sig-signed.eml" ] &&
	! cmp -s "$tmp/enroll-sig-signed.eml" "$tmp/enroll-sig-orig.eml" &&
	! "$VERIFY" "$tmp/dns-keys.txt" "$tmp/enroll-sig-orig.eml" example.com >/dev/null; then
	ok "the signature does not verify on the original To (it was made over the rewritten one)"
else
	fail "the signature verifies on the original To"
fi

# the rep writes to a contact with an open manual-email task: done
enr=$(ms enroll task1@example.org Manual ada@example.com)
ms task "$enr" || fail "task (test setup)"
cat >"$tmp/repmail.eml" <<EOT
From: Ada Rep <ada@example.com>
To: Tom Task <task1@example.org>
Subject: Following up personally
Date: Tue, 01 Dec 2026 14:00:00 +0000
Message-ID: <rep-task-1@example.com>

Hi Tom, a personal note.
EOT
send seq "$tmp/repmail.eml" MSG_QID=REPMAIL1 MSG_CLIENT=10.1.2.3 MSG_ENVFROM=ada@example.com \
	MSG_RCPTS=task1@example.org EXPECT_UNTOUCHED=yes || fail "rep mail delivery"
expect_eq "rep mail: the manual-email task is completed" "$(ms taskstate "$enr")" 0
expect_eq "rep mail: the enrollment moved to step 2" "$(ms state "$enr" | cut -d' ' -f1-2)" "active 2"

# ---- the store unavailable ----
write_conf nostore "Database $tmp/no/such/dir/cadence.db" "SignAllOutbound no"
start nostore
enr=$(ms enroll gate4@example.org Cold ada@example.com)
set -- $(ms prepare "$enr" 1 "$tmp/secret" "$D" sent)
seqmsg "$tmp/seq4.eml" "$1" gate4@example.org
if send nostore "$tmp/seq4.eml" MSG_QID=NOSTORE1 MSG_CLIENT=10.1.2.3 MSG_RCPTS=gate4@example.org \
	EXPECT_EOM=replycode &&
	grep -q "NOSTORE1: store failure on sequence mail: .*tempfailing it" "$tmp/nostore.log"; then
	ok "store unavailable: sequence mail is tempfailed (fails closed)"
else
	fail "tempfail without a store"
fi
reply "$tmp/reply4.eml" gate4@example.org "$1"
if send nostore "$tmp/reply4.eml" MSG_QID=NOSTORE2 MSG_ENVFROM=gate4@example.org \
	MSG_RCPTS=ada@example.com EXPECT_UNTOUCHED=yes &&
	grep -q "NOSTORE2: inbound: opening the store failed: .*accepted unchanged (fail open)" \
		"$tmp/nostore.log"; then
	ok "store unavailable: a reply on our thread is accepted unchanged (fails open)"
else
	fail "fail open on inbound without a store"
fi
# -n refuses a configuration whose secret cannot be read
write_conf nosecret "SecretFile $tmp/no-such-secret"
out=$("$MILTER" -n -c "$tmp/nosecret.conf" 2>&1)
if [ $? -ne 0 ] && echo "$out" | grep -q "SecretFile.*no-such-secret"; then
	ok "-n refuses a configuration without a readable secret"
else
	fail "-n with a missing secret: $out"
fi

# ---- reload on SIGUSR1: a new SigningTable applies to the next message ----
: >"$tmp/signingtable-empty"
sed "s|^SigningTable .*|SigningTable $tmp/signingtable-empty|" "$tmp/main.conf" >"$tmp/main.conf.new"
mv "$tmp/main.conf.new" "$tmp/main.conf"
kill -USR1 "$pid_main"
i=0
while ! grep -q "configuration reloaded" "$tmp/main.log" && [ $i -lt 100 ]; do
	i=$((i + 1))
	sleep 0.05
done
if grep -q "configuration reloaded" "$tmp/main.log" &&
	mt main t-pass.lua PASS_FROM="Ada Rep <ada@example.com>" PASS_CLIENT=10.1.2.3 PASS_AT=eoh; then
	ok "SIGUSR1 reloads the configuration (no signing entries left: released at EOH)"
else
	fail "SIGUSR1 reload"
fi
# a broken configuration is refused and the running one stays
echo "NoSuchKey yes" >>"$tmp/main.conf"
kill -USR1 "$pid_main"
i=0
while ! grep -q "reload failed" "$tmp/main.log" && [ $i -lt 100 ]; do
	i=$((i + 1))
	sleep 0.05
done
if grep -q "reload failed, keeping the running configuration" "$tmp/main.log" &&
	kill -0 "$pid_main" 2>/dev/null; then
	ok "a bad configuration on reload is refused, the milter keeps running"
else
	fail "bad reload"
fi

# ---- fail open: the store cannot be opened ----
write_conf broken "Database $tmp/no/such/dir/cadence.db" "SignAllOutbound no"
start broken
if mt broken t-pass.lua PASS_FROM="Cody Contact <contact@example.org>" PASS_CLIENT=192.0.2.10 &&
	grep -q "PASS1: store failure on person mail: .*accepting it unchanged (fail open)" \
		"$tmp/broken.log"; then
	ok "a broken store path: a person's mail is accepted untouched and the reason logged"
else
	fail "fail open on a broken store"
fi
if mt broken t-pass.lua PASS_FROM="Ada Rep <ada@example.com>" PASS_CLIENT=10.1.2.3 PASS_AT=eoh; then
	ok "SignAllOutbound no: a rep's outbound mail is released at the end of headers"
else
	fail "release at EOH"
fi

# ---- HeaderLimit: mail beyond it is accepted unsigned, the reason logged ----
write_conf small "HeaderLimit 1024"
start small
if mt small t-pass.lua PASS_FROM="Ada Rep <ada@example.com>" PASS_CLIENT=10.1.2.3 PASS_PAD=20 &&
	grep -q "PASS1: limit failure on person mail: headers exceed HeaderLimit (1024 bytes).*accepting it unchanged" \
		"$tmp/small.log"; then
	ok "headers beyond HeaderLimit: accepted unchanged (not signed), reason logged"
else
	fail "HeaderLimit"
fi

# ---- a crashed milter leaves its socket and pidfile: the next one starts ----
write_conf stale
start stale
kill -KILL "$pid_stale"
wait "$pid_stale" 2>/dev/null
if [ -S "$tmp/stale.sock" ] && [ -e "$tmp/stale.pid" ]; then
	start stale
	if mt stale t-pass.lua PASS_FROM="Pat Person <pat@example.org>"; then
		ok "a stale unix socket and pidfile are replaced at start"
	else
		fail "restart over a stale socket"
	fi
else
	fail "kill -9 did not leave a socket and pidfile behind (test setup)"
fi

# ---- inet sockets on loopback ----
port=$((20000 + $$ % 20000))
write_conf inet "Socket inet:$port@127.0.0.1"
start inet
if mt inet t-sign.lua SIGNED_OUT="$tmp/signed-inet.eml" SIGN_ALG=rsa-sha256 &&
	"$VERIFY" "$tmp/dns-keys.txt" "$tmp/signed-inet.eml" example.com >/dev/null; then
	ok "Socket inet:$port@127.0.0.1 (signing over TCP)"
else
	fail "inet socket"
fi
if [ -e /proc/net/if_inet6 ]; then
	port6=$((port + 1))
	write_conf inet6 "Socket inet6:$port6@::1"
	start inet6
	# miltertest cannot connect to inet6 sockets: check that it listens
	if ! command -v ss >/dev/null; then
		echo "skip: inet6 socket (no ss to look at listeners)"
	elif ss -Hltn "sport = :$port6" | grep -q "\[::1\]:$port6"; then
		ok "Socket inet6:$port6@::1 listens"
	else
		fail "inet6 socket"
	fi
fi

# ---- a clean stop on SIGTERM (libmilter's) removes the pidfile ----
kill "$pid_broken"
wait "$pid_broken" 2>/dev/null
if [ ! -e "$tmp/broken.pid" ]; then
	ok "SIGTERM stops the milter and removes its pidfile"
else
	fail "pidfile left after SIGTERM"
fi

# ---- -T: a message replayed through the callbacks in process ----
# a rep's mail (SignAllOutbound yes): signed, the value folded with bare LF
# (saved from an mbox: its "From " line is no header field)
write_conf tmain
{ echo "From ada@example.com Tue Dec  1 13:00:00 2026"; cat "$tmp/enroll.eml"; } >"$tmp/T1.mbox"
"$MILTER" -T "$tmp/T1.mbox" -c "$tmp/tmain.conf" -Z "$tmp/zone" -a 10.1.2.3 \
	-R someone@example.org >"$tmp/T1.out" 2>"$tmp/T1.err"
if grep -q "^answer: continue at eom" "$tmp/T1.out" &&
	grep -q "^header added at 1: DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d=example.com; s=rsa1;$" \
		"$tmp/T1.out" && grep -q "^envelope (given): MAIL FROM:<ada@example.com> RCPT TO:<someone@example.org>" \
		"$tmp/T1.out" && grep -q "^	h=From:To:Subject:" "$tmp/T1.out" &&
	! grep -q "$(printf '\r')" "$tmp/T1.out"; then
	ok "-T: a rep's message is signed (header shown, no CR), sender from the headers"
else
	cat "$tmp/T1.out" "$tmp/T1.err"
	fail "-T signing"
fi
# enroll by address, read-only: the events are shown, nothing stays
sed -e 's/Nina New <nina@example.org>/Tina Test <tina@example.org>/' \
	-e 's/rep-enroll-1@/rep-enroll-T@/' "$tmp/enroll.eml" >"$tmp/enrollT.eml"
"$MILTER" -T "$tmp/enrollT.eml" -c "$tmp/seq.conf" -Z "$tmp/zone" -t "$tmp/clock" -a 10.1.2.3 \
	-F ada@example.com -R tina@example.org -R "enroll+Cold@$D" >"$tmp/T2.out" 2>"$tmp/T2.err"
if grep -q "^recipient removed: <enroll+Cold@$D>" "$tmp/T2.out" &&
	grep -q "^store: [0-9]* events (rolled back: -T is read-only without -W)" "$tmp/T2.out" &&
	grep -q "^  event enrolled enrollment" "$tmp/T2.out" &&
	[ "$(ms enrolled tina@example.org)" = none ] &&
	[ "$(ms msg rep-enroll-T@example.com 2>/dev/null)" != "witnessed REPLAY" ]; then
	ok "-T is read-only: the enrollment is shown, not made"
else
	cat "$tmp/T2.out" "$tmp/T2.err"; ms enrolled tina@example.org
	fail "-T read-only"
fi
# ... and with -W it is made (control: the same check sees it)
"$MILTER" -T "$tmp/enrollT.eml" -W -c "$tmp/seq.conf" -Z "$tmp/zone" -t "$tmp/clock" -a 10.1.2.3 \
	-F ada@example.com -R tina@example.org -R "enroll+Cold@$D" >"$tmp/T3.out" 2>"$tmp/T3.err"
if grep -q "^store: [0-9]* events recorded" "$tmp/T3.out" &&
	[ "$(ms enrolled tina@example.org)" = "Cold active 2" ] &&
	[ "$(ms msg rep-enroll-T@example.com)" = "witnessed REPLAY" ]; then
	ok "-T -W changes the store as the daemon would"
else
	cat "$tmp/T3.out" "$tmp/T3.err"
	fail "-T -W"
fi
# sequence mail this site never recorded: refused with the reply
seqmsg "$tmp/seqT.eml" "$id2" gate2@example.org
"$MILTER" -T "$tmp/seqT.eml" -c "$tmp/seq.conf" -Z "$tmp/zone" -t "$tmp/clock" -a 10.1.2.3 \
	>"$tmp/T4.out" 2>"$tmp/T4.err"
if grep -q "^answer: reject at eom" "$tmp/T4.out" && grep -q "^reply: 550 5.7.1 cadence: " "$tmp/T4.out"; then
	ok "-T: the gate's refusal and its reply are shown"
else
	cat "$tmp/T4.out" "$tmp/T4.err"
	fail "-T gate"
fi

# ---- stop main too; a sanitizer build reports leaks and errors at exit ----
for p in "$pid_main" "$pid_seq" "$pid_nostore" "$pid_trusting" "$pid_orgsign" "$pid_dkimv"; do
	kill "$p"
	wait "$p" 2>/dev/null
done
for n in main broken small stale inet seq nostore trusting orgsign dkimv; do
	if grep -q -E "ERROR: (Address|Leak)Sanitizer|runtime error:" "$tmp/$n.log"; then
		fail "sanitizer report in the log of milter $n"
		# the report itself (from its first line), for the post-mortem
		sed -n -E '/ERROR: (Address|Leak)Sanitizer|runtime error:/,$p' "$tmp/$n.log" | head -n 80
	fi
done
if [ -e "$tmp/main.pid" ]; then
	fail "pidfile of main left after SIGTERM"
fi

if [ "$failures" -ne 0 ]; then
	echo "$failures milter test(s) failed"
	for n in main broken seq nostore; do
		echo "--- $n.log"
		cat "$tmp/$n.log"
	done
	exit 1
fi
exit 0
