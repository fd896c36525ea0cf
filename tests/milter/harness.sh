# SPDX-License-Identifier: BSD-2-Clause
# tests/milter/harness.sh - the miltertest harness, sourced by
# tests/milter/run.sh and tests/security/*.sh (set `here` to the directory
# of this file before sourcing it).
#
# It exits 77 (skipped) when miltertest or openssl is missing; otherwise it
# makes a private temp directory ($tmp) with DKIM keys and tables, an SPF
# test zone (-Z: documentation addresses only, never DNS) and a store
# (tests/milter/mkstore.c: the secret, the rep ada@example.com, the
# sequences Cold, Company and Manual), and defines:
#   write_conf NAME ["Key value"...]   a cadence.conf for one milter instance
#   start NAME                         starts cadence-milter on it (MILTER_ARGS)
#   mt NAME SCRIPT [VAR=value...]      runs a miltertest script against it
#   send NAME FILE [VAR=value...]      one message through it (t-msg.lua)
#   seqmsg FILE MSGID TO / reply FILE FROM INREPLYTO   message files
#   ms ...                             mkstore on the store
#   ok / fail / expect_eq WHAT GOT WANT  results ($failures counts failures)
# Every milter started is stopped at exit (trap), also when a test fails.
MILTERTEST=${MILTERTEST:-$(command -v miltertest 2>/dev/null || true)}
if [ -z "$MILTERTEST" ] || [ ! -x "$MILTERTEST" ]; then
	echo "SKIP: miltertest not found (install the Debian package miltertest)"
	exit 77
fi
builddir=${CADENCE_BUILDDIR:-$(cd "$here/../.." && pwd)}
MILTER=$builddir/milter/cadence-milter
VERIFY=$builddir/tests/milter/dkim_verify
MKSTORE=$builddir/tests/milter/mkstore
for p in "$MILTER" "$VERIFY" "$MKSTORE"; do
	[ -x "$p" ] || { echo "FAIL: $p not built"; exit 99; }
done
command -v openssl >/dev/null || { echo "SKIP: openssl not found"; exit 77; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/cmt.XXXXXX") || exit 99
pids=""
failures=0

cleanup() {
	for p in $pids; do
		kill "$p" 2>/dev/null
	done
	for p in $pids; do
		wait "$p" 2>/dev/null
	done
	if [ "$failures" -ne 0 ] || [ -n "${KEEP_TMP:-}" ]; then
		echo "logs and files kept in $tmp"
	else
		rm -rf "$tmp"
	fi
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

fail() {
	echo "FAIL: $*"
	failures=$((failures + 1))
}
ok() {
	echo "ok: $*"
}

# ---- fixtures: keys, tables, zone, store ----
umask 077
openssl genrsa -out "$tmp/rsa.key" 2048 2>/dev/null || exit 99
openssl genpkey -algorithm ed25519 -out "$tmp/ed.key" 2>/dev/null || exit 99
{
	echo "rsa1._domainkey.example.com v=DKIM1; k=rsa; p=$(openssl pkey -in "$tmp/rsa.key" -pubout -outform der 2>/dev/null | base64 | tr -d '\n')"
	# an Ed25519 DKIM key is the raw 32-byte public key (RFC 8463)
	echo "ed1._domainkey.ed.example v=DKIM1; k=ed25519; p=$(openssl pkey -in "$tmp/ed.key" -pubout -outform der 2>/dev/null | tail -c 32 | base64 | tr -d '\n')"
} >"$tmp/dns-keys.txt"
cat >"$tmp/keytable" <<EOT
# name   domain:selector:key
rsa      example.com:rsa1:$tmp/rsa.key
ed       ed.example:ed1:$tmp/ed.key
EOT
cat >"$tmp/signingtable" <<EOT
*@example.com   rsa
ed.example      ed
EOT
cat >"$tmp/zone" <<EOT
# the SPF test zone (documentation addresses only)
example.org   TXT "v=spf1 ip4:192.0.2.0/24 -all"
acme.example  TXT "v=spf1 ip4:192.0.2.0/24 -all"
EOT
# EnrollSenders: the test clients in 10.0.0.0/8 stand for a mail server
# that authenticated its users itself (enroll by address without SMTP AUTH)
cat >"$tmp/enroll-senders" <<EOT
[10.0.0.0/8]  ada@example.com
EOT
# the store: the site secret, the rep ada@example.com, sequences Cold,
# Company and Manual (tests/milter/mkstore.c), one contact
D=cadence.example.com
ms() { "$MKSTORE" "$tmp/cadence.db" "$@"; }
ms init "$tmp/secret" ada@example.com || exit 99
ms contact@example.org || exit 99

# write_conf NAME ["Key value"...]: a configuration for one milter
# instance; a given key replaces the default line of that key (cadence.conf
# refuses a repeated key)
write_conf() {
	name=$1
	shift
	{
		echo "Socket local:$tmp/$name.sock"
		echo "MilterPidFile $tmp/$name.pid"
		echo "Database $tmp/cadence.db"
		echo "SecretFile $tmp/secret"
		echo "Domain $D"
		echo "InternalDomains example.com"
		echo "KeyTable $tmp/keytable"
		echo "SigningTable $tmp/signingtable"
		echo "InternalHosts 127.0.0.1, ::1, 10.0.0.0/8"
		echo "TrustedAuthservIDs mx.example.com"
		echo "SignAllOutbound yes"
		echo "EnrollSenders $tmp/enroll-senders"
		echo "Syslog no"
		for l in "$@"; do echo "$l"; done
	} | awk '{ k = tolower($1); last[k] = NR; line[NR] = $0; key[NR] = k }
		END { for (i = 1; i <= NR; i++) if (last[key[i]] == i) print line[i] }' \
		>"$tmp/$name.conf"
}

# start NAME: starts a milter on $tmp/NAME.conf and waits until it listens
# (with MILTER_ARGS added to its command line).
# Under a sanitizer build, a known leak of libopendkim is suppressed (full
# stacks are needed to attribute it; see lsan.supp).
start() {
	name=$1
	: >"$tmp/$name.log"
	ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}fast_unwind_on_malloc=0" \
	LSAN_OPTIONS="${LSAN_OPTIONS:+$LSAN_OPTIONS:}suppressions=$here/lsan.supp" \
	"$MILTER" -f -v -c "$tmp/$name.conf" -Z "$tmp/zone" ${MILTER_ARGS:-} >>"$tmp/$name.log" 2>&1 &
	pid=$!
	pids="$pids $pid"
	eval "pid_$name=$pid"
	i=0
	while ! grep -q "started on" "$tmp/$name.log"; do
		i=$((i + 1))
		if [ $i -gt 200 ] || ! kill -0 "$pid" 2>/dev/null; then
			echo "FAIL: milter $name did not start:"
			cat "$tmp/$name.log"
			exit 1
		fi
		sleep 0.05
	done
}

# mt NAME SCRIPT [VAR=value...]: runs a miltertest script against NAME
# (SCRIPT: a name in this directory, or an absolute path)
mt() {
	name=$1
	script=$2
	shift 2
	sock=$(sed -n 's/^Socket //p' "$tmp/$name.conf")
	case $script in
	/*) ;;
	*) script=$here/$script ;;
	esac
	if env MILTER_SOCK="$sock" MILTER_TESTS="$here" \
		MILTER_SCRIPT="$script" "$@" \
		"$MILTERTEST" -s "$here/runner.lua" >"$tmp/mt.out" 2>&1; then
		return 0
	fi
	cat "$tmp/mt.out"
	return 1
}

# send NAME FILE [VAR=value...]: one message through milter NAME (t-msg.lua)
send() {
	name=$1
	file=$2
	shift 2
	mt "$name" t-msg.lua MSG_FILE="$file" "$@"
}
# seqmsg FILE MSGID TO: a sequence email as cadenced composes it
seqmsg() {
	cat >"$1" <<EOT
From: Ada Rep <ada@example.com>
To: <$3>
Subject: Quick question
Date: Tue, 01 Dec 2026 09:00:00 +0000
Message-ID: <$2>
MIME-Version: 1.0
Content-Type: text/plain; charset=utf-8
List-Unsubscribe: <mailto:unsubscribe@$D>

Hi there,

Would you have ten minutes this week?

Ada
EOT
}
# reply FILE FROM INREPLYTO: a person's reply from a mail client
reply() {
	cat >"$1" <<EOT
From: Someone <$2>
To: Ada Rep <ada@example.com>
Subject: Re: Quick question
Date: Tue, 01 Dec 2026 11:12:00 +0000
Message-ID: <reply-$$-$(date +%N)@example.org>
In-Reply-To: <$3>
References: <$3>
MIME-Version: 1.0
Content-Type: text/plain; charset=UTF-8

Thanks for reaching out - yes, let's talk next week.

Best,
Cody

> Hi there,
> Would you have ten minutes this week?
EOT
}
expect_eq() {   # what got want
	if [ "$2" = "$3" ]; then ok "$1"; else fail "$1: got \"$2\", expected \"$3\""; fi
}

# finish: stops every milter started, fails on a sanitizer report in any
# milter's log, prints the logs when something failed, exits with the result.
finish() {
	for p in $pids; do
		kill "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	pids=""
	for l in "$tmp"/*.log; do
		[ -e "$l" ] || continue
		if grep -q -E "ERROR: (Address|Leak)Sanitizer|runtime error:" "$l"; then
			fail "sanitizer report in $l"
		fi
	done
	if [ "$failures" -ne 0 ]; then
		echo "$failures test(s) failed"
		for l in "$tmp"/*.log; do
			[ -e "$l" ] || continue
			echo "--- $l"
			cat "$l"
		done
		exit 1
	fi
	exit 0
}
