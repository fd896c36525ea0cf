#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# sendmail.sh - contrib/sendmail/cadence.mc on a real, private Sendmail
# (issue 11). Not part of make check (it fetches Debian's sendmail-bin,
# sendmail-cf, sendmail-base and libwrap0 with apt-get download the first
# time): `make check-sendmail`.
#
# The packages are unpacked with dpkg -x into a cache directory, never
# installed: the machine's Postfix is not replaced. sendmail runs from
# there (its setgid bit dropped, so that LD_LIBRARY_PATH finds libwrap)
# with its own sendmail.cf built by m4 from a small .mc that includes
# cadence.mc as shipped (only the port 10026 and the socket path are
# replaced by this test's), listening on two loopback ports: the MTA
# ("people's mail") and cadenced's CADENCE port. Everything it relays goes
# to Postfix's smtp-sink. cadence is laid out as in stock.sh (instlib.sh),
# with Socket local:<private root>/run/cadence/milter.sock.
#
# Checks: the .cf builds and names both filters with their flags and
# macros; a sequence step from cadenced through the CADENCE port is
# witnessed by the milter (the queue id recorded is Sendmail's, from the
# macro i) and relayed; a
# contact's reply through the MTA port unenrolls; with the milter stopped
# the CADENCE port tempfails (F=T) and the MTA port accepts (fail open).
#
# SENDMAIL_ROOT=DIR uses an unpacked tree already there. The private root
# is under /run: Sendmail refuses a socket below a world-writable directory.
set -u
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SRC=${CADENCE_SRCDIR:-$(cd "$HERE/../.." && pwd)}
BLD=${CADENCE_BUILDDIR:-$SRC}
# shellcheck source=tests/e2e/pflib.sh
. "$SRC/tests/e2e/pflib.sh"
# shellcheck source=tests/install/instlib.sh
. "$HERE/instlib.sh"
inst_need sendmail.sh
command -v m4 > /dev/null || { echo "sendmail.sh: SKIP: m4 is not installed"; exit 77; }
command -v smtp-sink > /dev/null || { echo "sendmail.sh: SKIP: smtp-sink (postfix) is not installed"; exit 77; }

SM=${SENDMAIL_ROOT:-${TMPDIR:-/tmp}/cadence-sendmail-root}
if [ ! -x "$SM/usr/libexec/sendmail/sendmail" ]; then
	dl=$(mktemp -d) && chmod 777 "$dl"
	(cd "$dl" && apt-get download sendmail-bin sendmail-cf sendmail-base libwrap0 > /dev/null 2>&1) ||
		{ rm -rf "$dl"; echo "sendmail.sh: SKIP: apt-get download sendmail-bin sendmail-cf failed"; exit 77; }
	mkdir -p "$SM" && for d in "$dl"/*.deb; do dpkg -x "$d" "$SM"; done
	rm -rf "$dl"
	chmod g-s "$SM/usr/libexec/sendmail/sendmail"
fi
SENDMAIL=$SM/usr/libexec/sendmail/sendmail
export LD_LIBRARY_PATH=$SM/usr/lib/x86_64-linux-gnu
CF=$SM/usr/share/sendmail/cf
command -v unshare > /dev/null || { echo "sendmail.sh: SKIP: unshare (util-linux) is not installed"; exit 77; }
unshare --uts --mount true 2> /dev/null || { echo "sendmail.sh: SKIP: cannot make mount and UTS namespaces here"; exit 77; }
# sm_ns DIR CMD...: CMD in mount and UTS namespaces of its own, where
# /etc/hosts and /etc/nsswitch.conf are DIR's (hosts from files only: no
# DNS, ever) and the host name is mx.our.test (else sendmail spends a
# minute qualifying this machine's name).
sm_ns() {
	unshare --uts --mount sh -c 'd=$1; shift; mount --bind "$d/hosts" /etc/hosts &&
		mount --bind "$d/nsswitch.conf" /etc/nsswitch.conf && hostname mx.our.test &&
		exec "$@"' sh "$@"
}
NS0=$(mktemp -d)
printf '127.0.0.1 mx.our.test localhost\n' > "$NS0/hosts"
printf 'hosts: files\npasswd: files\ngroup: files\nshadow: files\n' > "$NS0/nsswitch.conf"
out=$(sm_ns "$NS0" "$SENDMAIL" -d0.1 -bt < /dev/null 2>&1)
rm -rf "$NS0"
grep -q MILTER <<< "$out" ||
	{ echo "sendmail.sh: SKIP: the unpacked sendmail does not run here"; exit 77; }

# Sendmail refuses a milter socket under a world-writable directory (/tmp):
# the private root goes under /run (root's, 0755) instead.
TMPDIR=/run inst_setup
SM_PID=""
sm_cleanup() {
	local pid
	# The daemon (its pid file) and the process started here.
	pid=$(head -n1 "$T/sendmail/sendmail.pid" 2>/dev/null)
	[ -n "$pid" ] && kill "$pid" 2>/dev/null
	[ -n "$SM_PID" ] && kill "$SM_PID" 2>/dev/null
	[ -n "${SINK_PID:-}" ] && kill "$SINK_PID" 2>/dev/null
	cleanup
}
trap sm_cleanup EXIT
SOCK=$(remap /run/cadence)/milter.sock
sed -i "s|^Socket .*|Socket local:$SOCK|" "$CONF"
P_SINK=$(pf_free_port)
while [ "$P_SINK" = "$P_MX" ] || [ "$P_SINK" = "$P_CAD" ] || [ "$P_SINK" = "$P_HTTP" ]; do P_SINK=$(pf_free_port); done

# ---- sendmail.cf from a small .mc and cadence.mc as shipped ----
S=$T/sendmail
mkdir -p "$S/queue" "$S/sink" && chmod 700 "$S/queue" && chown postfix "$S/sink"
sed -e "s|Port=10026|Port=$P_CAD|" -e "s|local:/run/cadence/milter.sock|local:$SOCK|g" \
	"$SRC/contrib/sendmail/cadence.mc" > "$S/cadence.mc"
printf 'hosts files\naliases files\n' > "$S/service.switch"
# Linux sendmail reads /etc/nsswitch.conf and /etc/hosts, not
# ServiceSwitchFile: it runs under sm_ns with these two. Every address
# that is not local goes to smtp-sink by a rule of ruleset 0
# (LOCAL_NET_CONFIG).
printf '127.0.0.1 mx.our.test localhost\n' > "$S/hosts"
printf 'hosts: files\npasswd: files\ngroup: files\nshadow: files\n' > "$S/nsswitch.conf"
: > "$S/aliases"
cat > "$S/test.mc" <<EOF
VERSIONID(\`cadence sendmail.sh')dnl
OSTYPE(\`linux')dnl
define(\`confDONT_PROBE_INTERFACES', \`True')dnl
define(\`confSERVICE_SWITCH_FILE', \`$S/service.switch')dnl
define(\`confHOSTS_FILE', \`$S/hosts')dnl
define(\`QUEUE_DIR', \`$S/queue')dnl
define(\`STATUS_FILE', \`$S/statistics')dnl
define(\`confPID_FILE', \`$S/sendmail.pid')dnl
define(\`ALIAS_FILE', \`$S/aliases')dnl
define(\`confDOMAIN_NAME', \`mx.our.test')dnl
define(\`confLOG_LEVEL', \`14')dnl
define(\`confMILTER_LOG_LEVEL', \`14')dnl
define(\`confDELIVERY_MODE', \`background')dnl
define(\`confTO_QUEUERETURN', \`1h')dnl
define(\`SMART_HOST', \`[127.0.0.1]')dnl
define(\`RELAY_MAILER_ARGS', \`TCP \$h $P_SINK')dnl
define(\`ESMTP_MAILER_ARGS', \`TCP \$h $P_SINK')dnl
define(\`SMTP_MAILER_ARGS', \`TCP \$h $P_SINK')dnl
FEATURE(\`nocanonify')dnl
FEATURE(\`accept_unresolvable_domains')dnl
RELAY_DOMAIN(\`our.test cadence.our.test')dnl
DAEMON_OPTIONS(\`Family=inet, Name=MTA, Port=$P_MX, Addr=127.0.0.1')dnl
include(\`$S/cadence.mc')dnl
MAILER(\`smtp')dnl
LOCAL_NET_CONFIG
R\$* < @ \$* > \$*	\$#relay \$@ [127.0.0.1] \$: \$1 < @ \$2 > \$3
EOF
m4 -D_CF_DIR_="$CF/" "$CF/m4/cf.m4" "$S/test.mc" > "$S/sendmail.cf" 2> "$S/m4.err"
check "sendmail.cf builds from an .mc that includes cadence.mc" test -s "$S/sendmail.cf" -a ! -s "$S/m4.err"
check "  the filter cadence: no F= (fail open)" grep -q "^Xcadence, S=local:$SOCK, T=" "$S/sendmail.cf"
check "  the filter cadence_gate: F=T (tempfail)" grep -q "^Xcadence_gate, S=local:$SOCK, F=T, T=" "$S/sendmail.cf"
check "  every daemon without its own list uses cadence" grep -q "^O InputMailFilters=cadence$" "$S/sendmail.cf"
check "  the CADENCE port uses cadence_gate" grep -q "^O DaemonPortOptions=.*Port=$P_CAD.*InputMailFilters=cadence_gate" "$S/sendmail.cf"
check "  MAIL FROM macros carry the client and the daemon's name" grep -q '^O Milter.macros.envfrom=i, .*{daemon_name}, {client_addr}' "$S/sendmail.cf"

# ---- cadence, as the units start it ----
ctl init > "$T/init.log" 2>&1 || { cat "$T/init.log"; bad "cadencectl init"; exit 1; }
check "cadence-milter starts as the unit starts it" unit_start cadence-milter "$MILTER"
smtp-sink -u postfix -d "$S/sink/%Y%m%d%H%M%S." "127.0.0.1:$P_SINK" 10 > /dev/null 2>&1 &
SINK_PID=$!
sm_ns "$S" "$SENDMAIL" -C "$S/sendmail.cf" -bD -q30s > "$S/sendmail.log" 2>&1 &
SM_PID=$!
# (sendmail takes a few seconds to look at its own name before it listens)
for _ in $(seq 1 600); do ss -Htln "sport = :$P_MX" | grep -q . && ss -Htln "sport = :$P_CAD" | grep -q . && break; sleep 0.1; done
say "sendmail started"
check "sendmail listens on both ports" test -n "$(ss -Htln "sport = :$P_CAD")" -a -n "$(ss -Htln "sport = :$P_MX")"

# ---- a sequence step through the CADENCE port ----
cat > "$T/install.seq" <<'EOF'
[sequence]
name = Sendmail check
days = every
window = 00:00-24:00
timezone = recipient
scope = contact
stop_on_reply = yes

[step 1]
type = email
delay = 0
template = <<END
Subject: Our call

Hello {{contact.firstname|there}}.
END

[step 2]
type = email
delay = 2d
template = <<END
Subject: Re: Our call

Checking in.
END
EOF
printf 'email,firstname,lastname,company,timezone\npat@acme.test,Pat,Jones,Acme,UTC\n' > "$T/contacts.csv"
{
	ctl user add ada@our.test --name "Ada Example" --tz UTC &&
	ctl sequence import "$T/install.seq" &&
	ctl contact import "$T/contacts.csv" &&
	ctl enroll --sequence "Sendmail check" --as ada@our.test pat@acme.test
} > "$T/ctl.log" 2>&1 || { cat "$T/ctl.log"; bad "cadencectl set-up"; exit 1; }
as_cadence "$CADENCED" -c "$CONF" --once > "$T/pass.log" 2>&1
check "cadenced sent step 1 through Sendmail's CADENCE port" grep -q ": 1 sent" "$T/pass.log"
events() { ctl --json events --contact pat@acme.test 2>/dev/null; }
check "the milter witnessed it (filter cadence_gate)" grep -q "witness" <<< "$(events)"
qid=$(events | grep -o 'queue id [A-Za-z0-9]*' | head -n1)
check "  with Sendmail's queue id (macro i): $qid" grep -qE '^queue id [0-9A-Za-z]{14}$' <<< "$qid"
for _ in $(seq 1 50); do [ -n "$(ls "$S/sink")" ] && break; sleep 0.2; done
f=$(ls "$S/sink"/* 2>/dev/null | head -n1)
check "Sendmail relayed it (smtp-sink has it)" test -n "$f"

# ---- a reply through the MTA port ----
msgid=$(grep -i -m1 '^Message-ID:' "$f" | sed 's/^[^:]*: *//' | tr -d '\r')
cat > "$T/reply.eml" <<EOF
Authentication-Results: mx.our.test; spf=pass smtp.mailfrom=acme.test; dmarc=pass header.from=acme.test
From: Pat Jones <pat@acme.test>
To: Ada Example <ada@our.test>
Subject: Re: Our call
Date: $(date -R)
Message-ID: <sendmail-reply-$$@acme.test>
In-Reply-To: $msgid
References: $msgid
MIME-Version: 1.0
Content-Type: text/plain; charset=us-ascii

Yes, let us talk.
EOF
smtp() { swaks --server 127.0.0.1 --port "$1" --local-interface 127.0.0.2 --helo mx.acme.test \
	--from "$2" --to "$3" --data "@$4" --silent 2 > "$T/swaks.$1.log" 2>&1; }
check "the reply is accepted on the MTA port" smtp "$P_MX" pat@acme.test ada@our.test "$T/reply.eml"
state() { ctl --json status "$1" 2>/dev/null | python3 -c 'import json,sys; d=json.load(sys.stdin); e=d if isinstance(d,list) else d.get("enrollments",[]); print(e[-1]["state"] if e else "none")'; }
for _ in $(seq 1 50); do [ "$(state pat@acme.test)" = unenrolled ] && break; sleep 0.2; done
check "pat is unenrolled (the milter saw the reply through Sendmail)" test "$(state pat@acme.test)" = unenrolled

# ---- the milter down ----
stop_daemons
for _ in $(seq 1 30); do [ -S "$SOCK" ] || break; sleep 0.1; done
printf 'From: <ada@our.test>\nTo: <kim@acme.test>\nSubject: t\n\nt\n' > "$T/plain.eml"
swaks --server 127.0.0.1 --port "$P_CAD" --from ada@our.test --to kim@acme.test --data "@$T/plain.eml" > "$T/down.cad.log" 2>&1
check "milter down: the CADENCE port tempfails (F=T)" grep -qE '<\*\* +4[0-9][0-9]' "$T/down.cad.log"
swaks --server 127.0.0.1 --port "$P_MX" --from ada@our.test --to kim@our.test --data "@$T/plain.eml" > "$T/down.mx.log" 2>&1
check "milter down: the MTA port accepts (fail open)" grep -qE '<- +250 .*(queued|Message accepted)' "$T/down.mx.log"

echo "sendmail.sh: $FAILS failure(s)"
[ "$FAILS" = 0 ]
