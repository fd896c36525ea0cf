#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# tests/security/milter-gate.sh - issue #9, finding 3: sequence mail must
# not bypass the gate when its header is large.
#
# The gate decides first: whether a message is cadence's sequence mail
# (its Message-ID verifies with the site secret) is decided before any
# limit applies to it, and sequence mail that cannot be read whole is
# tempfailed (451), never accepted unsigned and unwitnessed. Cases: headers
# over HeaderLimit (1k, inside its documented range) before and after the
# Message-ID, for an active and for an unenrolled contact; more than 1000
# header fields; a second Message-ID field. Controls through the same
# milter: a normal-size sequence message is signed and witnessed, the
# unenrolled contact's normal-size message is rejected by the gate, and a
# person's mail beyond HeaderLimit still passes (fail open).
#
# Real cadence-milter, miltertest, an SPF test zone (-Z), no DNS.
# Exit 77 when miltertest is missing.
set -u
here=$(cd "$(dirname "$0")/../milter" && pwd)
. "$here/harness.sh"

echo "2026-12-01T13:00:00Z" >"$tmp/clock"
write_conf gate "SignAllOutbound no" "HeaderLimit 1k"
MILTER_ARGS="-t $tmp/clock" start gate

# pad FILE N: N header fields of 60 bytes each, inserted after line 1
pad() {
	i=0
	: >"$1.pad"
	while [ $i -lt "$2" ]; do
		printf 'X-Pad-%d: %s\n' $i "0123456789012345678901234567890123456789012345" >>"$1.pad"
		i=$((i + 1))
	done
	sed -i "1r $1.pad" "$1"
	rm -f "$1.pad"
}
# seq ADDR: enrolls ADDR, records step 1 as cadenced does before
# submitting; prints "ENR MSGID"
seq() {
	e=$(ms enroll "$1" Cold ada@example.com) || return 1
	set -- $(ms prepare "$e" 1 "$tmp/secret" "$D")
	echo "$e $1"
}
gate_send() {   # FILE QID ADDR [VAR=value...]
	f=$1 q=$2 a=$3
	shift 3
	send gate "$f" MSG_QID="$q" MSG_CLIENT=10.1.2.3 MSG_ENVFROM="bounces+x@$D" MSG_RCPTS="$a" "$@"
}
not_witnessed() {   # WHAT MSGID QID ENR
	expect_eq "$1: not witnessed" "$(ms msg "$2" | cut -d' ' -f1)" prepared
	expect_eq "$1: no step_witnessed event" "$(ms events step_witnessed "$4")" 0
	if grep -q "$3: limit failure on sequence mail: .*tempfail" "$tmp/gate.log"; then
		ok "$1: tempfailed as sequence mail, the reason logged"
	else
		fail "$1: no 'limit failure on sequence mail' log line"
	fi
}

# ---- control: a normal-size sequence message is signed and witnessed ----
set -- $(seq ok1@example.org)
enr=$1 id=$2
seqmsg "$tmp/ok1.eml" "$id" ok1@example.org
if gate_send "$tmp/ok1.eml" OK1 ok1@example.org EXPECT_SIGN=yes; then
	ok "control: a normal-size sequence message is accepted and signed"
else
	fail "control: normal-size sequence message"
fi
expect_eq "control: it is witnessed with its queue id" "$(ms msg "$id")" "witnessed OK1"

# ---- 1. over HeaderLimit, the Message-ID before the padding ----
set -- $(seq big1@example.org)
enr=$1 id=$2
seqmsg "$tmp/big1.eml" "$id" big1@example.org
pad "$tmp/big1.eml" 40
sed -i "/^Message-ID:/d" "$tmp/big1.eml"
sed -i "1i Message-ID: <$id>" "$tmp/big1.eml"
gate_send "$tmp/big1.eml" BIG1 big1@example.org EXPECT_EOH=replycode ||
	fail "over HeaderLimit (Message-ID first): not refused at EOH"
not_witnessed "over HeaderLimit, Message-ID first" "$id" BIG1 "$enr"

# ---- 2. over HeaderLimit, the Message-ID after the padding (never kept) ----
set -- $(seq big2@example.org)
enr=$1 id=$2
seqmsg "$tmp/big2.eml" "$id" big2@example.org
pad "$tmp/big2.eml" 40
gate_send "$tmp/big2.eml" BIG2 big2@example.org EXPECT_EOH=replycode ||
	fail "over HeaderLimit (Message-ID last): not refused at EOH"
not_witnessed "over HeaderLimit, Message-ID beyond the limit" "$id" BIG2 "$enr"

# ---- 3. an unenrolled contact: the oversized message never leaves ----
set -- $(seq stop1@example.org)
enr=$1 id=$2
ms unenroll "$enr" || fail "unenroll (test setup)"
seqmsg "$tmp/stop1.eml" "$id" stop1@example.org
cp "$tmp/stop1.eml" "$tmp/stop1-small.eml"
pad "$tmp/stop1.eml" 40
gate_send "$tmp/stop1.eml" STOP1 stop1@example.org EXPECT_EOH=replycode ||
	fail "unenrolled contact, oversized: not refused"
expect_eq "unenrolled contact, oversized: nothing witnessed" "$(ms events step_witnessed "$enr")" 0
# control: the same contact's normal-size message meets the gate and is rejected
if gate_send "$tmp/stop1-small.eml" STOP2 stop1@example.org EXPECT_EOM=replycode &&
	grep -q "STOP2: sequence mail <$id> rejected: enrollment $enr is unenrolled" "$tmp/gate.log"; then
	ok "control: the unenrolled contact's normal-size message is rejected by the gate"
else
	fail "control: gate reject after unenroll"
fi

# ---- 4. more than 1000 header fields (a second instance with the largest
# HeaderLimit, so that the field count is what trips) ----
write_conf many "SignAllOutbound no" "HeaderLimit 16m"
MILTER_ARGS="-t $tmp/clock" start many
set -- $(seq many1@example.org)
enr=$1 id=$2
seqmsg "$tmp/many1.eml" "$id" many1@example.org
pad "$tmp/many1.eml" 1001
if send many "$tmp/many1.eml" MSG_QID=MANY1 MSG_CLIENT=10.1.2.3 MSG_RCPTS=many1@example.org \
	EXPECT_EOH=replycode &&
	grep -q "MANY1: limit failure on sequence mail: .*tempfail" "$tmp/many.log"; then
	ok "over 1000 header fields: sequence mail tempfailed"
else
	fail "over 1000 header fields"
fi
expect_eq "over 1000 header fields: not witnessed" "$(ms msg "$id" | cut -d' ' -f1)" prepared

# ---- 5. a second Message-ID field next to the verifying one ----
set -- $(seq two1@example.org)
enr=$1 id=$2
seqmsg "$tmp/two1.eml" "$id" two1@example.org
sed -i "1i Message-ID: <other-$$@example.com>" "$tmp/two1.eml"
gate_send "$tmp/two1.eml" TWO1 two1@example.org EXPECT_EOH=replycode ||
	fail "two Message-IDs: not refused"
not_witnessed "two Message-ID fields" "$id" TWO1 "$enr"

# ---- control: a person's mail beyond HeaderLimit still passes (fail open) ----
if mt gate t-pass.lua PASS_FROM="Ada Rep <ada@example.com>" PASS_CLIENT=10.1.2.3 PASS_PAD=20 &&
	grep -q "PASS1: limit failure on person mail: headers exceed HeaderLimit" "$tmp/gate.log"; then
	ok "control: a person's mail beyond HeaderLimit is accepted unchanged"
else
	fail "control: person mail beyond HeaderLimit"
fi

finish
