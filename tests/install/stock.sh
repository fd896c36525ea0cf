#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# stock.sh - cadence installed as a mail administrator would, on Debian's
# STOCK Postfix configuration (issue 11).
#
# A private Postfix instance whose main.cf is /usr/share/postfix/main.cf.debian
# and whose master.cf is the stock /usr/share/postfix/master.cf.dist (smtpd
# and cleanup chrooted, as shipped), plus only what makes it a private
# loopback instance (its own queue directory and ports, Maildirs for
# our.test and acme.test, its log file; these are the site's own settings,
# set BEFORE the recipe, together with a relay_domains and a transport map
# of the site's, which the recipe must keep). Then exactly the documented
# recipe: contrib/postfix/cadence-postfix-setup.
#
# cadence is laid out as the package and the units lay it out, under a
# private root: the directories of contrib/systemd/cadence.tmpfiles with
# /var/spool/postfix -> the instance's queue directory, /var/lib and /run
# -> under the test's directory; the daemons are started with the units'
# ExecStart (Type=forking: the command returns when the daemon is ready),
# as the units' User/Group with their UMask.
#
# Then: cadencectl init (as root) and doctor pass; a contact's reply from
# outside (127.0.0.2, through the chrooted smtpd) unenrolls; an
# unsubscribe by mail to cadence's Domain is accepted and suppresses. Then
# one thing broken at a time, each named by doctor (and, where it shows,
# the failure itself: 454 Relay access denied, cadenced -n refusing):
# socket path, relay_domains, store permissions, secret owner, submission
# port without tempfail.
#
# Needs root, Postfix, swaks, setpriv. Creates the system user and group
# cadence (and puts postfix in the group) when missing, as the package
# does, and undoes only what it did. INSTALL_KEEP=1 keeps the directory.
set -u

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SRC=${CADENCE_SRCDIR:-$(cd "$HERE/../.." && pwd)}
BLD=${CADENCE_BUILDDIR:-$SRC}
# shellcheck source=tests/e2e/pflib.sh
. "$SRC/tests/e2e/pflib.sh"
# shellcheck source=tests/install/instlib.sh
. "$HERE/instlib.sh"
inst_need stock.sh
inst_setup

# ---- the recipe, as documented ----
say "cadence-postfix-setup -c $PF/etc -f cadence.conf -p $P_CAD"
"$SETUP" -c "$PF/etc" -f "$CONF" -p "$P_CAD" > "$T/setup.log" 2>&1 || { cat "$T/setup.log"; bad "cadence-postfix-setup failed"; exit 1; }
check "the site's relay_domains is kept" grep -q 'relay.test' <<< "$(postconf -c "$PF/etc" -h relay_domains)"
check "the site's transport map is kept" grep -q "texthash:$PF/etc/transport" <<< "$(postconf -c "$PF/etc" -h transport_maps)"
check "no global milter_default_action" test -z "$(postconf -c "$PF/etc" -n milter_default_action)"
check "no global milter_*_macros" test -z "$(postconf -c "$PF/etc" -n | grep '^milter_.*_macros')"
"$SETUP" -c "$PF/etc" -f "$CONF" -p "$P_CAD" > "$T/setup2.log" 2>&1
check "applied twice, the lists are unchanged" test "$(postconf -c "$PF/etc" -h smtpd_milters)" = "{ unix:cadence/milter.sock, default_action=accept }"
postfix -c "$PF/etc" set-permissions > /dev/null 2>&1
postfix -c "$PF/etc" check || { bad "postfix check"; exit 1; }

# DKIM: a key for our.test, the service user's, as an administrator makes it.
mkdir -p "$T/etc/cadence/keys" && chmod 750 "$T/etc/cadence/keys" && chown root:cadence "$T/etc/cadence/keys"
(umask 077 && openssl genrsa -out "$T/etc/cadence/keys/our.test.key" 2048 2> /dev/null) &&
	chown cadence:cadence "$T/etc/cadence/keys/our.test.key" || { bad "openssl genrsa"; exit 1; }
echo "ourtest  our.test:inst:$T/etc/cadence/keys/our.test.key" > "$T/etc/cadence/keys/KeyTable"
echo "*@our.test  ourtest" > "$T/etc/cadence/keys/SigningTable"
printf 'KeyTable %s\nSigningTable %s\n' "$T/etc/cadence/keys/KeyTable" "$T/etc/cadence/keys/SigningTable" >> "$CONF"

say "cadencectl init (as root)"
ctl init > "$T/init.log" 2>&1 || { cat "$T/init.log"; bad "cadencectl init"; exit 1; }
check "the secret is the service user's, mode 0600" test "$(stat -c '%U %a' "$T/etc/cadence/secret")" = "cadence 600"
check "the store is the service user's, not world-readable" test "$(stat -c '%U %a' "$(remap /var/lib/cadence)/cadence.db")" = "cadence 640"
check "cadence-milter -n (as root) checks as cadence" grep -q "OK as cadence" <<< "$("$MILTER" -n -c "$CONF" 2>&1)"
check "cadenced -n (as root) checks as cadence" grep -q "OK as cadence" <<< "$("$CADENCED" -n -c "$CONF" 2>&1)"

check "cadence-milter starts as the unit starts it (ready when the command returns)" unit_start cadence-milter "$MILTER"
check "  its socket is there, mode 0660, cadence:cadence" test "$(stat -c '%a %U:%G' "$Q/cadence/milter.sock" 2>/dev/null)" = "660 cadence:cadence"
check "  its pid file names a running process" kill -0 "$(cat "$(remap /run/cadence)/cadence-milter.pid" 2>/dev/null)"
pf_start "$PF" || { bad "postfix start"; tail -n 20 "$T/maillog"; exit 1; }
for _ in $(seq 1 50); do ss -Htln "sport = :$P_MX" | grep -q . && ss -Htln "sport = :$P_CAD" | grep -q . && break; sleep 0.1; done

say "cadencectl doctor on the recipe as applied"
ctl doctor --postfix-config "$PF/etc" > "$T/doctor.out" 2>&1
rc=$?
sed 's/^/      | /' "$T/doctor.out"
check "doctor passes (exit 0, no FAIL)" test "$rc" = 0
# The TXT record doctor says to publish, as the offline verifier's key file.
# (name. IN TXT ( "v=DKIM1; k=rsa; " "p=..." "..." ): the strings joined.)
grep -A1 '^OK    keys' "$T/doctor.out" | grep -o '[^ ]*\._domainkey\.[^ ]*\. IN TXT ( .* )' |
	sed -e 's/\. IN TXT ( / /' -e 's/ )$//' -e 's/" "//g' -e 's/ "/ /' -e 's/"$//' > "$T/dns-keys.txt"
check "doctor prints the DKIM TXT record to publish" grep -q '^inst._domainkey.our.test v=DKIM1; k=rsa; p=' "$T/dns-keys.txt"
check "doctor --json says ok" grep -q '"ok": true' <<< "$(ctl --json doctor --postfix-config "$PF/etc" 2>/dev/null)"

check "cadenced starts as the unit starts it (ready when the command returns)" unit_start cadenced "$CADENCED"
check "  its one-click listener answers" python3 -c "import urllib.request,sys; urllib.request.urlopen('http://127.0.0.1:$P_HTTP/healthz', timeout=5)"
stop_daemons
check "cadence-milter starts again" unit_start cadence-milter "$MILTER"

# ---- a sequence, sent through the stock Postfix ----
cat > "$T/install.seq" <<'EOF'
[sequence]
name = Install check
days = every
window = 00:00-24:00
timezone = recipient
threading = thread
scope = contact
stop_on_reply = yes

[step 1]
type = email
delay = 0
template = <<END
Subject: Our call, {{contact.firstname|there}}

Hello {{contact.firstname|there}}, shall we talk this week?
END

[step 2]
type = email
delay = 2d
template = <<END
Subject: Re: Our call

Just checking in.
END
EOF
printf 'email,firstname,lastname,company,timezone\npat@acme.test,Pat,Jones,Acme,UTC\nuna@acme.test,Una,Lind,Acme,UTC\n' > "$T/contacts.csv"
{
	ctl user add ada@our.test --name "Ada Example" --tz UTC &&
	ctl sequence import "$T/install.seq" &&
	ctl contact import "$T/contacts.csv" &&
	ctl enroll --sequence "Install check" --as ada@our.test pat@acme.test una@acme.test
} > "$T/ctl.log" 2>&1 || { cat "$T/ctl.log"; bad "cadencectl set-up"; exit 1; }
as_cadence "$CADENCED" -c "$CONF" --once > "$T/pass.log" 2>&1
check "cadenced (as cadence) sent step 1 to both" grep -q ": 2 sent" "$T/pass.log"
pf_wait_queue "$PF" 20
md() { echo "$T/mail/${1#*@}/${1%@*}"; }
mails() { find "$(md "$1")/new" "$(md "$1")/cur" -type f 2>/dev/null; }
# (up to 60 s: a sanitizer build on a busy machine is slow)
for _ in $(seq 1 300); do [ "$(mails pat@acme.test | wc -l)" -ge 1 ] && [ "$(mails una@acme.test | wc -l)" -ge 1 ] && break; sleep 0.2; done
f_pat=$(mails pat@acme.test | head -n1)
f_una=$(mails una@acme.test | head -n1)
check "pat and una received step 1" test -n "$f_pat" -a -n "$f_una"
if [ -x "$BLD/tests/milter/dkim_verify" ] && [ -n "$f_pat" ]; then
	sed 's/$/\r/' "$f_pat" > "$T/step1.crlf"
	check "step 1 verifies with the TXT record doctor printed" \
		"$BLD/tests/milter/dkim_verify" "$T/dns-keys.txt" "$T/step1.crlf" our.test
fi
check "step 1 was witnessed by the milter (through the loopback port)" \
	grep -q "witness" <<< "$(ctl --json events --contact pat@acme.test 2>/dev/null)"

state() { ctl --json status "$1" 2>/dev/null | python3 -c 'import json,sys; d=json.load(sys.stdin); e=d if isinstance(d,list) else d.get("enrollments",[]); print(e[-1]["state"] if e else "none")'; }
wait_state() { for _ in $(seq 1 300); do [ "$(state "$1")" = "$2" ] && return 0; sleep 0.2; done; return 1; }
hdr() { python3 -c 'import email,sys; m=email.message_from_binary_file(open(sys.argv[1],"rb")); print(m.get(sys.argv[2],""))' "$1" "$2"; }
# from_outside FROM TO FILE: a message from outside (client 127.0.0.2, not
# an InternalHost) to the stock smtpd (chrooted). Prints swaks's exit.
from_outside() {
	# never an empty recipient (swaks would prompt for one), never stdin,
	# bounded in time
	[ -n "$2" ] || { echo "from_outside: no recipient" >> "$T/swaks.log"; return 1; }
	timeout 60 swaks --server 127.0.0.1 --port "$P_MX" --local-interface 127.0.0.2 --helo mx.acme.test \
		--from "$1" --to "$2" --data "@$3" --silent 2 >> "$T/swaks.log" 2>&1 < /dev/null
}
ar="Authentication-Results: mx.our.test; spf=pass smtp.mailfrom=acme.test; dmarc=pass header.from=acme.test"

say "pat replies (from outside, through the chrooted smtpd)"
msgid=$(hdr "$f_pat" Message-ID)
cat > "$T/reply.eml" <<EOF
$ar
From: Pat Jones <pat@acme.test>
To: Ada Example <ada@our.test>
Subject: Re: $(hdr "$f_pat" Subject)
Date: $(date -R)
Message-ID: <install-reply-$$@acme.test>
In-Reply-To: $msgid
References: $msgid
MIME-Version: 1.0
Content-Type: text/plain; charset=us-ascii

Yes, Thursday works.
EOF
check "the reply is accepted" from_outside pat@acme.test ada@our.test "$T/reply.eml"
check "pat is unenrolled (the reply was seen)" wait_state pat@acme.test unenrolled
pf_wait_queue "$PF" 20
check "ada got the reply" test "$(mails ada@our.test | wc -l)" -ge 1

say "una unsubscribes by mail (the List-Unsubscribe mailto: at cadence.our.test)"
to=$(hdr "$f_una" List-Unsubscribe | grep -o '<mailto:[^>?]*' | sed 's/^<mailto://')
check "step 1 names an unsubscribe address at cadence.our.test" grep -q '@cadence.our.test$' <<< "$to"
cat > "$T/unsub.eml" <<EOF
$ar
From: Una Lind <una@acme.test>
To: <$to>
Subject: unsubscribe
Date: $(date -R)
Message-ID: <install-unsub-$$@acme.test>
MIME-Version: 1.0
Content-Type: text/plain; charset=us-ascii

This message was sent by the unsubscribe button of the mail client.
EOF
check "the unsubscribe mail is accepted (relay_domains has cadence's Domain)" from_outside una@acme.test "$to" "$T/unsub.eml"
check "una is unenrolled" wait_state una@acme.test unenrolled
check "una is suppressed" grep -qi 'una@acme.test' <<< "$(ctl suppress list 2>/dev/null)"

# ---- one thing broken at a time; doctor names each ----
cp "$PF/etc/main.cf" "$T/main.cf.good"
cp "$PF/etc/master.cf" "$T/master.cf.good"
restore() {
	cp "$T/main.cf.good" "$PF/etc/main.cf"
	cp "$T/master.cf.good" "$PF/etc/master.cf"
	chmod 640 "$(remap /var/lib/cadence)/cadence.db"
	chown cadence:cadence "$T/etc/cadence/secret"
	postfix -c "$PF/etc" reload > /dev/null 2>&1
}
# names WHAT CHECK: doctor fails, naming CHECK.
names() {
	local out rc
	out=$(ctl doctor --postfix-config "$PF/etc" 2>&1)
	rc=$?
	printf '%s\n' "$out" | grep -A1 '^FAIL' | sed 's/^/      | /'
	check "doctor names $1" test "$rc" = 1 -a -n "$(printf '%s\n' "$out" | grep "^FAIL  $2 ")"
}

say "broken: an absolute socket path on an unchrooted smtpd"
postconf -c "$PF/etc" -F "127.0.0.1:$P_MX/inet/chroot = n"
postconf -c "$PF/etc" -e "smtpd_milters = { unix:/cadence/milter.sock, default_action=accept }"
names "the socket path" socket
restore

say "broken: cadence's Domain not in relay_domains"
postconf -c "$PF/etc" -e "relay_domains = relay.test"
postfix -c "$PF/etc" reload > /dev/null 2>&1; sleep 1
: > "$T/swaks.log"
from_outside una@acme.test "$to" "$T/unsub.eml"
check "control: the unsubscribe mail gets 454 Relay access denied" grep -q '454 4.7.1.*Relay access denied' "$T/swaks.log"
names "relay_domains" domain
restore

say "broken: the store world-readable"
chmod 644 "$(remap /var/lib/cadence)/cadence.db"
names "the store's permissions" store
restore

say "broken: the secret owned by root"
chown root:root "$T/etc/cadence/secret"
check "control: cadenced -n fails as cadence" test -n "$(as_cadence "$CADENCED" -n -c "$CONF" 2>&1 > /dev/null | grep -i 'secret')"
names "the secret's owner" secret
restore

say "broken: cadenced's port without tempfail"
postconf -c "$PF/etc" -P "127.0.0.1:$P_CAD/inet/milter_default_action=accept"
names "the submission port's default_action" submit
restore

ctl doctor --postfix-config "$PF/etc" > "$T/doctor2.out" 2>&1
check "restored, doctor passes again" test $? = 0

say "$FAILS failure(s)"
[ "$FAILS" = 0 ]
