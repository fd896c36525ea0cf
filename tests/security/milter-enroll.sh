#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# tests/security/milter-enroll.sh - issue #9, finding 4: enroll by mail
# only as the rep who submitted the message.
#
# The attack: the SMTP AUTH user bob sends From: carl@... to
# enroll+Cold@Domain, which enrolled the recipients as carl. Now the
# submitter must be the rep named in From: the AUTH login is the rep's
# address or EnrollSenders maps it to the rep; without AUTH, EnrollSenders
# maps the InternalHosts client to the rep. Otherwise nothing is enrolled,
# the refusal is recorded and carl (the rep named in From) gets a notice.
# Controls through the same milter: carl logged in as himself, bob mapped
# to bob@ by the table, an internal host mapped to ada, and a webmail host
# mapped to @example.com do enroll, as the right rep.
#
# Real cadence-milter, miltertest, an SPF test zone (-Z), no DNS.
# Exit 77 when miltertest (or python3, to read the store) is missing.
set -u
here=$(cd "$(dirname "$0")/../milter" && pwd)
. "$here/harness.sh"
command -v python3 >/dev/null 2>&1 || { echo "SKIP: python3 not found (reads the store)"; exit 77; }

cat >"$tmp/senders" <<EOT
# SMTP AUTH logins that are not the rep's address
bob             bob@example.com
# an internal relay without AUTH: one rep
[10.1.2.3]      ada@example.com
# a webmail server that authenticated its users itself: any rep at example.com
[10.9.0.0/16]   @example.com
EOT
echo "2026-12-01T13:00:00Z" >"$tmp/clock"
write_conf enr "SignAllOutbound no" "EnrollSenders $tmp/senders"
MILTER_ARGS="-t $tmp/clock" start enr
ms rep carl@example.com || exit 99
ms rep bob@example.com || exit 99

# py SQL [ARG]: one query on the store, rows as "a|b"
py() {
	python3 - "$tmp/cadence.db" "$@" <<'EOT'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
for r in db.execute(sys.argv[2], sys.argv[3:]):
    print("|".join(str(c) for c in r))
EOT
}
# rep_of CONTACT: the rep of the contact's enrollment(s), or nothing
rep_of() {
	py "SELECT u.email FROM enrollments e JOIN contacts c ON c.id = e.contact_id
	    JOIN users u ON u.id = e.user_id WHERE c.email = ?" "$1"
}
notices_of() {
	py "SELECT n.kind, n.subject FROM notices n JOIN users u ON u.id = n.user_id
	    WHERE u.email = ? ORDER BY n.id" "$1"
}
# enroll_mail FILE FROM CONTACT: a rep's message with enroll+Cold in Bcc
enroll_mail() {
	cat >"$1" <<EOT
From: A Rep <$2>
To: <$3>
Subject: Met you at the conference
Date: Tue, 01 Dec 2026 13:00:00 +0000
Message-ID: <rep-$$-$(date +%N)@example.com>

Hi, great to meet you yesterday.
EOT
}
enr_send() {   # FILE QID CONTACT [VAR=value...]
	f=$1 q=$2 c=$3
	shift 3
	send enr "$f" MSG_QID="$q" MSG_RCPTS="$c enroll+Cold@$D" EXPECT_DEL="enroll+Cold@$D" "$@"
}
refused() {   # WHAT QID
	if grep -q "$2: enroll by address as <.*> refused: " "$tmp/enr.log"; then
		ok "$1: refused, the reason logged"
	else
		fail "$1: no refusal in the log"
	fi
}

# ---- 1. SMTP AUTH user bob, From carl ----
enroll_mail "$tmp/e1.eml" carl@example.com c1@example.org
enr_send "$tmp/e1.eml" E1 c1@example.org MSG_AUTH=bob MSG_CLIENT=192.0.2.99 \
	MSG_ENVFROM=carl@example.com || fail "bob as carl: the message must go on without the enroll address"
expect_eq "AUTH bob, From carl: nothing enrolled" "$(ms enrolled c1@example.org)" none
refused "AUTH bob, From carl" E1
expect_eq "AUTH bob, From carl: carl is told (a notice)" "$(notices_of carl@example.com)" \
	"enroll_refused|cadence: an enrollment in your name was refused"
expect_eq "AUTH bob, From carl: an enroll_refused event" "$(ms events enroll_refused)" 1
# control: carl logged in as himself
enroll_mail "$tmp/e2.eml" carl@example.com c2@example.org
enr_send "$tmp/e2.eml" E2 c2@example.org MSG_AUTH=Carl@Example.com MSG_CLIENT=192.0.2.99 \
	MSG_ENVFROM=carl@example.com || fail "carl as carl: delivery"
expect_eq "control: AUTH carl@example.com, From carl: enrolled as carl" "$(rep_of c2@example.org)" \
	carl@example.com
# control: the login bob, mapped to bob@example.com by the table
enroll_mail "$tmp/e3.eml" bob@example.com c3@example.org
enr_send "$tmp/e3.eml" E3 c3@example.org MSG_AUTH=bob MSG_CLIENT=192.0.2.99 \
	MSG_ENVFROM=bob@example.com || fail "bob as bob: delivery"
expect_eq "control: AUTH bob (EnrollSenders: bob@example.com), From bob: enrolled as bob" \
	"$(rep_of c3@example.org)" bob@example.com

# ---- 2. without AUTH: the internal host must be mapped to the rep ----
enroll_mail "$tmp/e4.eml" ada@example.com c4@example.org
enr_send "$tmp/e4.eml" E4 c4@example.org MSG_CLIENT=10.5.5.5 MSG_ENVFROM=ada@example.com ||
	fail "unmapped internal host: delivery"
expect_eq "no AUTH, an InternalHosts client not in EnrollSenders: nothing enrolled" \
	"$(ms enrolled c4@example.org)" none
refused "no AUTH, unmapped client" E4
enroll_mail "$tmp/e5.eml" carl@example.com c5@example.org
enr_send "$tmp/e5.eml" E5 c5@example.org MSG_CLIENT=10.1.2.3 MSG_ENVFROM=carl@example.com ||
	fail "host mapped to ada, From carl: delivery"
expect_eq "no AUTH, a client mapped to ada only, From carl: nothing enrolled" \
	"$(ms enrolled c5@example.org)" none
# control: the same host as ada
enroll_mail "$tmp/e6.eml" ada@example.com c6@example.org
enr_send "$tmp/e6.eml" E6 c6@example.org MSG_CLIENT=10.1.2.3 MSG_ENVFROM=ada@example.com ||
	fail "host mapped to ada, From ada: delivery"
expect_eq "control: no AUTH, client mapped to ada, From ada: enrolled as ada" \
	"$(rep_of c6@example.org)" ada@example.com
# control: the webmail network, any rep at example.com
enroll_mail "$tmp/e7.eml" carl@example.com c7@example.org
enr_send "$tmp/e7.eml" E7 c7@example.org MSG_CLIENT=10.9.3.4 MSG_ENVFROM=carl@example.com ||
	fail "webmail: delivery"
expect_eq "control: no AUTH, client mapped to @example.com, From carl: enrolled as carl" \
	"$(rep_of c7@example.org)" carl@example.com
# a bracketed entry does not apply to an authenticated message
enroll_mail "$tmp/e8.eml" carl@example.com c8@example.org
enr_send "$tmp/e8.eml" E8 c8@example.org MSG_AUTH=bob MSG_CLIENT=10.9.3.4 \
	MSG_ENVFROM=carl@example.com || fail "AUTH bob from the webmail network: delivery"
expect_eq "AUTH bob from the webmail network, From carl: nothing enrolled (the login decides)" \
	"$(ms enrolled c8@example.org)" none

# ---- 3. -n names a bad EnrollSenders line ----
printf '# bad\nbob\n' >"$tmp/senders-bad"
write_conf bad "EnrollSenders $tmp/senders-bad"
out=$("$MILTER" -n -c "$tmp/bad.conf" 2>&1)
if [ $? -ne 0 ] && echo "$out" | grep -q "senders-bad:2: \"bob\" names no rep address"; then
	ok "-n refuses a bad EnrollSenders line and names file:line"
else
	fail "-n with a bad EnrollSenders: $out"
fi

finish
