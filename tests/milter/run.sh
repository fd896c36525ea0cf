#!/bin/sh
# tests/milter/run.sh - black-box tests of cadence-milter with miltertest.
#
# Starts real cadence-milter processes on unix sockets in a private temp
# directory (with their own keys, tables, store and SPF zone: no DNS, no
# network), drives them with the miltertest scripts next to this file,
# checks their logs, and stops them again, also when a test fails.
# Exit 77 (skipped) when miltertest is not installed.

set -u

MILTERTEST=${MILTERTEST:-$(command -v miltertest 2>/dev/null || true)}
if [ -z "$MILTERTEST" ] || [ ! -x "$MILTERTEST" ]; then
	echo "SKIP: miltertest not found (install the Debian package miltertest)"
	exit 77
fi
here=$(cd "$(dirname "$0")" && pwd)
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
EOT
"$MKSTORE" "$tmp/cadence.db" contact@example.org || exit 99

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
		echo "KeyTable $tmp/keytable"
		echo "SigningTable $tmp/signingtable"
		echo "InternalHosts 127.0.0.1, ::1, 10.0.0.0/8"
		echo "TrustedAuthservIDs mx.example.com"
		echo "SignAllOutbound yes"
		echo "Syslog no"
		for l in "$@"; do echo "$l"; done
	} | awk '{ k = tolower($1); last[k] = NR; line[NR] = $0; key[NR] = k }
		END { for (i = 1; i <= NR; i++) if (last[key[i]] == i) print line[i] }' \
		>"$tmp/$name.conf"
}

# start NAME: starts a milter on $tmp/NAME.conf and waits until it listens.
# Under a sanitizer build, a known leak of libopendkim is suppressed (full
# stacks are needed to attribute it; see lsan.supp).
start() {
	name=$1
	: >"$tmp/$name.log"
	ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}fast_unwind_on_malloc=0" \
	LSAN_OPTIONS="${LSAN_OPTIONS:+$LSAN_OPTIONS:}suppressions=$here/lsan.supp" \
	"$MILTER" -f -v -c "$tmp/$name.conf" -Z "$tmp/zone" >>"$tmp/$name.log" 2>&1 &
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
mt() {
	name=$1
	script=$2
	shift 2
	sock=$(sed -n 's/^Socket //p' "$tmp/$name.conf")
	if env MILTER_SOCK="$sock" MILTER_TESTS="$here" \
		MILTER_SCRIPT="$here/$script" "$@" \
		"$MILTERTEST" -s "$here/runner.lua" >"$tmp/mt.out" 2>&1; then
		return 0
	fi
	cat "$tmp/mt.out"
	return 1
}

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
	mt main t-pass.lua PASS_FROM="Ada Rep <ada@example.com>" PASS_CLIENT=10.1.2.3 PASS_AT=mail; then
	ok "SIGUSR1 reloads the configuration (no signing entries left: released at MAIL FROM)"
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
if mt broken t-pass.lua PASS_FROM="Ada Rep <ada@example.com>" PASS_CLIENT=10.1.2.3 PASS_AT=mail; then
	ok "SignAllOutbound no: outbound mail is released at MAIL FROM"
else
	fail "release at MAIL FROM"
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

# ---- stop main too; a sanitizer build reports leaks and errors at exit ----
kill "$pid_main"
wait "$pid_main" 2>/dev/null
for n in main broken small stale inet; do
	if grep -q -E "ERROR: (Address|Leak)Sanitizer|runtime error:" "$tmp/$n.log"; then
		fail "sanitizer report in the log of milter $n"
	fi
done
if [ -e "$tmp/main.pid" ]; then
	fail "pidfile of main left after SIGTERM"
fi

if [ "$failures" -ne 0 ]; then
	echo "$failures milter test(s) failed"
	for n in main broken; do
		echo "--- $n.log"
		cat "$tmp/$n.log"
	done
	exit 1
fi
exit 0
