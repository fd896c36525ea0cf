#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# tests/security/milter-align.sh - issue #9, finding 1: a forged reply or
# unsubscribe must not pass as authenticated.
#
# The attack: From: <a contact>, MAIL FROM:<x@a domain the attacker
# controls, with an SPF record that passes for the attacker's client>; or
# the null sender with an SPF-passing HELO name; or a trusted
# Authentication-Results whose spf= result is for the HELO or another
# domain. Each must leave the contact enrolled and unsuppressed (recorded
# as an unverified signal). The controls, through the same milter and the
# same store: an SPF pass for the contact's own domain, and for a
# subdomain of it (relaxed alignment, organizational domain by the Public
# Suffix List), do unenroll / suppress.
#
# Real cadence-milter, miltertest, an SPF test zone (-Z), no DNS.
# Exit 77 when miltertest is missing.
set -u
here=$(cd "$(dirname "$0")/../milter" && pwd)
. "$here/harness.sh"

cat >>"$tmp/zone" <<EOT
attacker.example  TXT "v=spf1 ip4:203.0.113.0/24 -all"
mail.example.org  TXT "v=spf1 ip4:192.0.2.0/24 -all"
evil.co.uk        TXT "v=spf1 ip4:203.0.113.0/24 -all"
acme.co.uk        TXT "v=spf1 ip4:192.0.2.0/24 -all"
EOT
echo "2026-12-01T13:00:00Z" >"$tmp/clock"
write_conf sec "SignAllOutbound no"
MILTER_ARGS="-t $tmp/clock" start sec

# contact ADDR: enrolled in Cold with step 1 sent; prints "ENR MSGID"
contact() {
	e=$(ms enroll "$1" Cold ada@example.com) || return 1
	set -- $(ms prepare "$e" 1 "$tmp/secret" "$D" sent)
	echo "$e $1"
}
# unsubmsg FILE FROM: an unsubscribe request by mail to the rep
unsubmsg() {
	cat >"$1" <<EOT
From: <$2>
To: Ada Rep <ada@example.com>
Subject: unsubscribe
Date: Tue, 01 Dec 2026 11:12:00 +0000
Message-ID: <unsub-$$-$(date +%N)@example.org>
MIME-Version: 1.0
Content-Type: text/plain; charset=UTF-8

Please remove me from your list.
EOT
}
state() { ms state "$1" | cut -d' ' -f1; }

# ---- 1. a reply From the contact, MAIL FROM an SPF-passing other domain ----
set -- $(contact victim1@example.org)
enr=$1
reply "$tmp/forged1.eml" victim1@example.org "$2"
send sec "$tmp/forged1.eml" MSG_QID=FORGED1 MSG_CLIENT=203.0.113.5 \
	MSG_ENVFROM=x@attacker.example MSG_RCPTS=ada@example.com EXPECT_UNTOUCHED=yes ||
	fail "forged reply: delivery"
if grep -q "FORGED1: inbound from <victim1@example.org>: spf=pass .*not counted: MAIL FROM domain not aligned" \
	"$tmp/sec.log"; then
	ok "forged reply: the attacker's SPF pass is seen and not taken for the From"
else
	fail "forged reply: no log line saying the SPF pass is not aligned"
fi
expect_eq "forged reply (SPF pass for attacker.example): the contact stays active" \
	"$(state "$enr")" active
expect_eq "forged reply: recorded as unverified" "$(ms events inbound_unverified "$enr")" 1

# control: the same reply, MAIL FROM the contact's own domain (SPF pass)
set -- $(contact victim2@example.org)
enr=$1
reply "$tmp/real2.eml" victim2@example.org "$2"
send sec "$tmp/real2.eml" MSG_QID=REAL2 MSG_CLIENT=192.0.2.10 \
	MSG_ENVFROM=victim2@example.org MSG_RCPTS=ada@example.com EXPECT_UNTOUCHED=yes ||
	fail "control reply: delivery"
expect_eq "control: an aligned SPF pass (same domain) unenrolls" "$(state "$enr")" unenrolled

# control: relaxed alignment, MAIL FROM a subdomain of the From domain
set -- $(contact victim3@example.org)
enr=$1
reply "$tmp/real3.eml" victim3@example.org "$2"
send sec "$tmp/real3.eml" MSG_QID=REAL3 MSG_CLIENT=192.0.2.10 \
	MSG_ENVFROM=bounces@mail.example.org MSG_RCPTS=ada@example.com EXPECT_UNTOUCHED=yes ||
	fail "relaxed control: delivery"
expect_eq "control: an SPF pass for mail.example.org (same organizational domain) unenrolls" \
	"$(state "$enr")" unenrolled

# ---- 2. another organization under the same public suffix (co.uk) ----
set -- $(contact cfo@acme.co.uk)
enr=$1
reply "$tmp/forged4.eml" cfo@acme.co.uk "$2"
send sec "$tmp/forged4.eml" MSG_QID=FORGED4 MSG_CLIENT=203.0.113.5 \
	MSG_ENVFROM=x@evil.co.uk MSG_RCPTS=ada@example.com EXPECT_UNTOUCHED=yes ||
	fail "co.uk sibling: delivery"
expect_eq "SPF pass for evil.co.uk does not authenticate From acme.co.uk (PSL)" \
	"$(state "$enr")" active
set -- $(contact ceo@acme.co.uk)
enr=$1
reply "$tmp/real5.eml" ceo@acme.co.uk "$2"
send sec "$tmp/real5.eml" MSG_QID=REAL5 MSG_CLIENT=192.0.2.10 \
	MSG_ENVFROM=ceo@acme.co.uk MSG_RCPTS=ada@example.com EXPECT_UNTOUCHED=yes ||
	fail "co.uk control: delivery"
expect_eq "control: SPF pass for acme.co.uk authenticates From acme.co.uk" \
	"$(state "$enr")" unenrolled

# ---- 3. a forged unsubscribe: no enrollment stops, no suppression ----
enr=$(contact victim6@example.org | cut -d' ' -f1)
unsubmsg "$tmp/forged6.eml" victim6@example.org
send sec "$tmp/forged6.eml" MSG_QID=FORGED6 MSG_CLIENT=203.0.113.5 \
	MSG_ENVFROM=x@attacker.example MSG_RCPTS=ada@example.com EXPECT_UNTOUCHED=yes ||
	fail "forged unsubscribe: delivery"
expect_eq "forged unsubscribe: the contact stays active" "$(state "$enr")" active
expect_eq "forged unsubscribe: not suppressed" "$(ms suppressed victim6@example.org)" no
enr=$(contact victim7@example.org | cut -d' ' -f1)
unsubmsg "$tmp/real7.eml" victim7@example.org
send sec "$tmp/real7.eml" MSG_QID=REAL7 MSG_CLIENT=192.0.2.10 \
	MSG_ENVFROM=victim7@example.org MSG_RCPTS=ada@example.com EXPECT_UNTOUCHED=yes ||
	fail "control unsubscribe: delivery"
expect_eq "control: an aligned unsubscribe request unenrolls" "$(state "$enr")" unenrolled
expect_eq "control: an aligned unsubscribe request suppresses" \
	"$(ms suppressed victim7@example.org)" unsubscribed

# ---- 4. the null sender with an SPF-passing HELO name ----
set -- $(contact victim8@example.org)
enr=$1
reply "$tmp/forged8.eml" victim8@example.org "$2"
send sec "$tmp/forged8.eml" MSG_QID=FORGED8 MSG_CLIENT=192.0.2.10 MSG_HELO=mail.example.org \
	MSG_ENVFROM= MSG_RCPTS=ada@example.com EXPECT_UNTOUCHED=yes ||
	fail "HELO: delivery"
if grep -q "FORGED8: inbound from <victim8@example.org>: spf=pass .*not counted: HELO does not authenticate a From" \
	"$tmp/sec.log"; then
	ok "null sender: the HELO name's SPF pass is seen and ignored"
else
	fail "null sender: no log line saying HELO does not authenticate"
fi
expect_eq "null sender, HELO with SPF pass: the contact stays active" "$(state "$enr")" active

# ---- 5. a trusted Authentication-Results: spf= of the HELO or another domain ----
set -- $(contact victim9@example.org)
enr=$1
reply "$tmp/ar9.eml" victim9@example.org "$2"
sed -i "1i Authentication-Results: mx.example.com; spf=pass smtp.helo=mail.example.org; spf=pass smtp.mailfrom=x@attacker.example; dkim=pass header.d=attacker.example" \
	"$tmp/ar9.eml"
send sec "$tmp/ar9.eml" MSG_QID=FORGED9 MSG_CLIENT=203.0.113.5 MSG_ENVFROM=x@attacker.example \
	MSG_RCPTS=ada@example.com EXPECT_UNTOUCHED=yes || fail "A-R: delivery"
expect_eq "trusted A-R with spf/dkim pass for HELO / another domain: the contact stays active" \
	"$(state "$enr")" active
set -- $(contact victim10@example.org)
enr=$1
reply "$tmp/ar10.eml" victim10@example.org "$2"
sed -i "1i Authentication-Results: mx.example.com; dmarc=pass header.from=example.org" "$tmp/ar10.eml"
send sec "$tmp/ar10.eml" MSG_QID=REAL10 MSG_CLIENT=203.0.113.5 MSG_ENVFROM=x@attacker.example \
	MSG_RCPTS=ada@example.com EXPECT_UNTOUCHED=yes || fail "A-R control: delivery"
expect_eq "control: a trusted A-R saying dmarc=pass for the From domain unenrolls" \
	"$(state "$enr")" unenrolled

finish
