#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# tests/security/milter-report.sh - issue #9, finding 2: a bounce or a
# complaint affects only the enrollment and contact it is proven to belong
# to (the VERP token, or a quoted Message-ID the ledger knows), whatever
# address the report names.
#
# The attack: a DSN to a contact's real VERP address whose Final-Recipient
# is someone else (ceo@bigcorp.example, or the rep's own address); an ARF
# report quoting a sequence Message-ID with another Original-Rcpt-To; an
# ARF report that quotes nothing and only names an address. None of the
# named addresses may be suppressed; the mismatch is recorded
# (report_mismatch) with both addresses. The controls, through the same
# milter: a DSN and an ARF report naming the contact do suppress it.
#
# Real cadence-milter, miltertest, an SPF test zone (-Z), no DNS.
# Exit 77 when miltertest is missing.
set -u
here=$(cd "$(dirname "$0")/../milter" && pwd)
. "$here/harness.sh"

cat >>"$tmp/zone" <<EOT
isp.example  TXT "v=spf1 ip4:198.51.100.0/24 -all"
EOT
echo "2026-12-01T13:00:00Z" >"$tmp/clock"
write_conf sec "SignAllOutbound no"
MILTER_ARGS="-t $tmp/clock" start sec

# dsn FILE VERP MSGID FINAL: Postfix's DSN to VERP for MSGID, naming FINAL
dsn() {
	cat >"$1" <<EOT
Date: Tue,  1 Dec 2026 09:00:05 +0000 (UTC)
From: MAILER-DAEMON@mail.example.com (Mail Delivery System)
Subject: Undelivered Mail Returned to Sender
To: $2
Auto-Submitted: auto-replied
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status;
	boundary="B.1764579605/mail.example.com"
Message-Id: <dsn-$$-$(date +%N)@mail.example.com>

--B.1764579605/mail.example.com
Content-Description: Notification
Content-Type: text/plain; charset=utf-8

<$4>: host mx.bigcorp.example[192.0.2.25] said: 550 5.1.1
    <$4>: Recipient address rejected: User unknown

--B.1764579605/mail.example.com
Content-Description: Delivery report
Content-Type: message/delivery-status

Reporting-MTA: dns; mail.example.com
Arrival-Date: Tue,  1 Dec 2026 09:00:02 +0000 (UTC)

Final-Recipient: rfc822; $4
Original-Recipient: rfc822;$4
Action: failed
Status: 5.1.1
Remote-MTA: dns; mx.bigcorp.example
Diagnostic-Code: smtp; 550 5.1.1 <$4>: Recipient address rejected: User unknown

--B.1764579605/mail.example.com
Content-Description: Undelivered Message Headers
Content-Type: text/rfc822-headers

From: Ada Rep <ada@example.com>
To: <$4>
Subject: Quick question
Date: Tue, 01 Dec 2026 09:00:00 +0000
Message-ID: <$3>

--B.1764579605/mail.example.com--
EOT
}
# arf FILE ORIG-RCPT MSGID: a feedback-loop report (RFC 5965) from
# isp.example; MSGID "" quotes no Message-ID
arf() {
	{
		cat <<EOT
From: Feedback Loop <fbl@isp.example>
To: Ada Rep <ada@example.com>
Subject: FW: Quick question
Date: Tue, 01 Dec 2026 10:00:00 +0000
Message-ID: <arf-$$-$(date +%N)@isp.example>
MIME-Version: 1.0
Content-Type: multipart/report; report-type=feedback-report;
	boundary="ARF.BOUNDARY"

--ARF.BOUNDARY
Content-Type: text/plain; charset=us-ascii

This is an email abuse report for an email message received.

--ARF.BOUNDARY
Content-Type: message/feedback-report

Feedback-Type: abuse
User-Agent: ISP-FBL/1.0
Version: 1
Original-Rcpt-To: <$2>
Arrival-Date: Tue, 01 Dec 2026 09:00:03 +0000

--ARF.BOUNDARY
Content-Type: message/rfc822

From: Ada Rep <ada@example.com>
Subject: Quick question
Date: Tue, 01 Dec 2026 09:00:00 +0000
EOT
		[ -n "$3" ] && echo "Message-ID: <$3>"
		cat <<EOT

Hi there,
Would you have ten minutes this week?

--ARF.BOUNDARY--
EOT
	} >"$1"
}
state() { ms state "$1" | cut -d' ' -f1; }

# ---- 1. a DSN to the contact's real VERP address naming someone else ----
enr=$(ms enroll dsn1@example.org Cold ada@example.com)
set -- $(ms prepare "$enr" 1 "$tmp/secret" "$D" sent)
dsn "$tmp/dsn1.eml" "$2" "$1" ceo@bigcorp.example
send sec "$tmp/dsn1.eml" MSG_QID=DSN1 MSG_ENVFROM= MSG_CLIENT=127.0.0.1 MSG_HELO=localhost \
	MSG_RCPTS="$2" EXPECT_EOM=discard || fail "DSN naming another address: consumed"
expect_eq "DSN naming ceo@bigcorp.example: ceo@bigcorp.example is NOT suppressed" \
	"$(ms suppressed ceo@bigcorp.example)" no
expect_eq "DSN naming another address: the mismatch is recorded" \
	"$(ms events report_mismatch "$enr")" 1
expect_eq "DSN naming another address: only the proven contact is affected (suppressed)" \
	"$(ms suppressed dsn1@example.org)" bounced
# the rep's own address named
enr=$(ms enroll dsn2@example.org Cold ada@example.com)
set -- $(ms prepare "$enr" 1 "$tmp/secret" "$D" sent)
dsn "$tmp/dsn2.eml" "$2" "$1" ada@example.com
send sec "$tmp/dsn2.eml" MSG_QID=DSN2 MSG_ENVFROM= MSG_CLIENT=127.0.0.1 MSG_HELO=localhost \
	MSG_RCPTS="$2" EXPECT_EOM=discard || fail "DSN naming the rep: consumed"
expect_eq "DSN naming the rep's own address: the rep is NOT suppressed" \
	"$(ms suppressed ada@example.com)" no
expect_eq "DSN naming the rep: the mismatch is recorded" "$(ms events report_mismatch "$enr")" 1

# control: the DSN names the contact itself
enr=$(ms enroll dsn3@example.org Cold ada@example.com)
set -- $(ms prepare "$enr" 1 "$tmp/secret" "$D" sent)
dsn "$tmp/dsn3.eml" "$2" "$1" dsn3@example.org
send sec "$tmp/dsn3.eml" MSG_QID=DSN3 MSG_ENVFROM= MSG_CLIENT=127.0.0.1 MSG_HELO=localhost \
	MSG_RCPTS="$2" EXPECT_EOM=discard || fail "control DSN: consumed"
expect_eq "control: a DSN naming the contact suppresses the contact" \
	"$(ms suppressed dsn3@example.org)" bounced
expect_eq "control: ... and unenrolls it" "$(state "$enr")" unenrolled
expect_eq "control: no mismatch recorded" "$(ms events report_mismatch "$enr")" 0

# ---- 2. an ARF report quoting a sequence Message-ID, another Original-Rcpt-To ----
enr=$(ms enroll arf1@example.org Cold ada@example.com)
set -- $(ms prepare "$enr" 1 "$tmp/secret" "$D" sent)
arf "$tmp/arf1.eml" ceo@bigcorp.example "$1"
send sec "$tmp/arf1.eml" MSG_QID=ARF1 MSG_ENVFROM=fbl@isp.example MSG_CLIENT=198.51.100.9 \
	MSG_RCPTS=ada@example.com EXPECT_UNTOUCHED=yes || fail "ARF: delivery"
expect_eq "ARF with Original-Rcpt-To ceo@bigcorp.example: ceo is NOT suppressed" \
	"$(ms suppressed ceo@bigcorp.example)" no
expect_eq "ARF naming another address: the mismatch is recorded" \
	"$(ms events report_mismatch "$enr")" 1
expect_eq "ARF naming another address: the proven contact is the one suppressed" \
	"$(ms suppressed arf1@example.org)" complaint

# ---- 3. an ARF report quoting nothing, naming a contact (SPF pass, aligned) ----
enr=$(ms enroll arf2@example.org Cold ada@example.com)
ms prepare "$enr" 1 "$tmp/secret" "$D" sent >/dev/null
arf "$tmp/arf2.eml" arf2@example.org ""
send sec "$tmp/arf2.eml" MSG_QID=ARF2 MSG_ENVFROM=fbl@isp.example MSG_CLIENT=198.51.100.9 \
	MSG_RCPTS=ada@example.com EXPECT_UNTOUCHED=yes || fail "unproven ARF: delivery"
expect_eq "an ARF report proving nothing (only an address): not suppressed" \
	"$(ms suppressed arf2@example.org)" no
expect_eq "an ARF report proving nothing: the contact stays active" "$(state "$enr")" active

# control: the ARF report quotes our Message-ID and names the contact
enr=$(ms enroll arf3@example.org Cold ada@example.com)
set -- $(ms prepare "$enr" 1 "$tmp/secret" "$D" sent)
arf "$tmp/arf3.eml" arf3@example.org "$1"
send sec "$tmp/arf3.eml" MSG_QID=ARF3 MSG_ENVFROM=fbl@isp.example MSG_CLIENT=198.51.100.9 \
	MSG_RCPTS=ada@example.com EXPECT_UNTOUCHED=yes || fail "control ARF: delivery"
expect_eq "control: a proven ARF report naming the contact suppresses it" \
	"$(ms suppressed arf3@example.org)" complaint
expect_eq "control: ... and unenrolls it" "$(state "$enr")" unenrolled

finish
