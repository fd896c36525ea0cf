# SPDX-License-Identifier: BSD-2-Clause
# shellcheck shell=bash
# instlib.sh - what tests/install/stock.sh and readme.sh share: an
# installation of cadence laid out as the package and the units lay it
# out, under a private root, next to a private Postfix instance made from
# Debian's STOCK main.cf and master.cf (see stock.sh for the why).
# Sourced by bash scripts that set SRC and BLD and source pflib.sh first.
#
#   inst_need               exits 77 (skip) or 99 unless root and tools
#   inst_setup              T, PF, Q, CONF, ports; the user cadence, the
#                           tmpfiles.d directories, cadence.conf, the
#                           stock instance (not started); cleanup trapped
#   remap PATH              a package path in the private root
#   unit_start UNIT PROG    as the unit starts it; stop_daemons
#   ctl ARGS / as_cadence CMD...
#   say / ok / bad / check  the timeline and assertions (FAILS counts)

CTL=$BLD/ctl/cadencectl
MILTER=$BLD/milter/cadence-milter
CADENCED=$BLD/scheduler/cadenced
# shellcheck disable=SC2034  # used by the scripts that source this file
SETUP=$SRC/contrib/postfix/cadence-postfix-setup

inst_need() {
	local p f
	if [ "$(id -u)" != 0 ]; then
		echo "$1: SKIP: needs root (Postfix's master runs as root; the daemons switch to the user cadence)"
		exit 77
	fi
	for p in postfix postconf postmap swaks setpriv ss python3; do
		command -v "$p" > /dev/null 2>&1 || { echo "$1: SKIP: $p is not installed (scripts/install-deps.sh)"; exit 77; }
	done
	for f in /usr/share/postfix/main.cf.debian /usr/share/postfix/master.cf.dist; do
		[ -r "$f" ] || { echo "$1: SKIP: $f missing (Debian's postfix package)"; exit 77; }
	done
	for p in "$CTL" "$MILTER" "$CADENCED"; do
		[ -x "$p" ] || { echo "$1: $p is not built"; exit 99; }
	done
	# One at a time: make check -j runs stock.sh and readme.sh side by
	# side, and both share the system user cadence, which the one that
	# made it removes at its end. The script runs again under flock(1),
	# which holds the lock itself (-o: the daemons do not inherit it).
	if [ -z "${CADENCE_INST_LOCKED:-}" ] && command -v flock > /dev/null 2>&1; then
		CADENCE_INST_LOCKED=1 exec flock -o -w 1800 "${TMPDIR:-/tmp}/cadence-install-tests.lock" "$0"
	fi
}

FAILS=0
T0=$(date +%s%3N)
say() { local n; n=$(date +%s%3N); printf '%4d.%01ds  %s\n' $(((n - T0) / 1000)) $((((n - T0) % 1000) / 100)) "$*"; }
ok() { say "  ok: $*"; }
bad() { say "  FAIL: $*"; FAILS=$((FAILS + 1)); }
check() { local w=$1; shift; if "$@"; then ok "$w"; else bad "$w"; fi; }

T=""
PF=""
Q=""
CONF=""
MADE_USER=0
MADE_MEMBER=0

cleanup() {
	local rc=$?
	[ -n "$PF" ] && [ -d "$PF/etc" ] && pf_stop "$PF"
	stop_daemons
	if [ "$MADE_MEMBER" = 1 ]; then gpasswd -d postfix cadence > /dev/null 2>&1; fi
	if [ "$MADE_USER" = 1 ]; then userdel cadence > /dev/null 2>&1; groupdel cadence > /dev/null 2>&1; fi
	if [ -z "$T" ]; then :; elif [ "${INSTALL_KEEP:-0}" = 1 ]; then echo "kept $T"; else rm -rf "$T"; fi
	exit $rc
}

# remap PATH: where a path of the package lives in this private root.
remap() {
	case $1 in
	/var/spool/postfix/*) echo "$Q/${1#/var/spool/postfix/}" ;;
	/var/spool/postfix) echo "$Q" ;;
	*) echo "$T$1" ;;
	esac
}

# ---- the daemons, as the units start them ----
unit_get() { sed -n "s/^$2=//p" "$SRC/contrib/systemd/$1.service.in" | head -n1; }
# unit_start UNIT PROGRAM: ExecStart with the built program and this
# test's cadence.conf, as User:Group with UMask.
unit_start() {
	local u=$1 prog=$2 cmd user group um
	cmd=$(unit_get "$u" ExecStart)
	user=$(unit_get "$u" User); group=$(unit_get "$u" Group); um=$(unit_get "$u" UMask)
	cmd=${cmd/@sbindir@\/$(basename "$prog")/$prog}
	cmd=${cmd/@sysconfdir@\/cadence\/cadence.conf/$CONF}
	[ "$(unit_get "$u" Type)" = forking ] || { bad "$u: Type is not forking"; return 1; }
	# shellcheck disable=SC2086
	(umask "${um:-0022}" && exec setpriv --reuid="$user" --regid="$group" --init-groups $cmd) > "$T/$u.start" 2>&1
}
stop_daemons() {
	local f pid
	# Never the machine's own /run/cadence: only this test's private root.
	[ -n "$T" ] || return 0
	for f in "$(remap /run/cadence)/cadenced.pid" "$(remap /run/cadence)/cadence-milter.pid"; do
		pid=$(cat "$f" 2>/dev/null) || continue
		kill -TERM "$pid" 2>/dev/null
		for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
		kill -KILL "$pid" 2>/dev/null
	done
	return 0
}
as_cadence() { setpriv --reuid=cadence --regid=cadence --init-groups "$@"; }
ctl() { "$CTL" -c "$CONF" "$@"; }


inst_setup() {
	T=$(mktemp -d "${TMPDIR:-/tmp}/cadence-install.XXXXXX") || exit 99
	chmod 755 "$T"
	PF=$T/pf            # the instance: PF/etc (config_directory)
	Q=$T/queue          # its queue directory: /var/spool/postfix here
	CONF=$T/etc/cadence/cadence.conf
	trap cleanup EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM HUP
	# ---- the user, as the package makes it ----
	if ! getent group cadence > /dev/null; then
		groupadd --system cadence && MADE_USER=1
	fi
	if ! id cadence > /dev/null 2>&1; then
		useradd --system --gid cadence --home-dir /var/lib/cadence --no-create-home \
			--shell /usr/sbin/nologin cadence && MADE_USER=1
	fi
	if ! id -nG postfix | tr ' ' '\n' | grep -qx cadence; then
		usermod -a -G cadence postfix && MADE_MEMBER=1
	fi

	# ---- the directories, as tmpfiles.d/cadence.conf makes them ----
	mkdir -p "$Q" && chmod 755 "$Q"
	while read -r type path mode user group _; do
		case $type in d) ;; *) continue ;; esac
		p=$(remap "$path")
		if ! { mkdir -p "$p" && chmod "$mode" "$p" && chown "$user:$group" "$p"; }; then
			echo "instlib: tmpfiles: $p"
			exit 99
		fi
	done < <(grep -v '^#' "$SRC/contrib/systemd/cadence.tmpfiles" | grep .)
	mkdir -p "$T/etc/cadence" "$T/mail" && chmod 755 "$T/etc" "$T/etc/cadence" "$T/mail"

	P_MX=$(pf_free_port) && P_CAD=$(pf_free_port) && P_HTTP=$(pf_free_port) || exit 99
	while [ "$P_CAD" = "$P_MX" ]; do P_CAD=$(pf_free_port); done
	while [ "$P_HTTP" = "$P_MX" ] || [ "$P_HTTP" = "$P_CAD" ]; do P_HTTP=$(pf_free_port); done

	# ---- cadence.conf: the shipped example, with this site's values ----
	sed -e "s|^Domain .*|Domain cadence.our.test|" \
		-e "s|^InternalDomains .*|InternalDomains our.test|" \
		-e "/^InternalHosts 10.0.0.0/d" \
		"$SRC/contrib/cadence.conf" > "$CONF"
	cat >> "$CONF" <<-EOF

	## ---- this test's private root (the package uses the defaults) ----
	Database $(remap /var/lib/cadence)/cadence.db
	SecretFile $T/etc/cadence/secret
	Socket local:$(remap /var/spool/postfix/cadence)/milter.sock
	MilterPidFile $(remap /run/cadence)/cadence-milter.pid
	SchedulerPidFile $(remap /run/cadence)/cadenced.pid
	SubmitURL smtp://127.0.0.1:$P_CAD
	HttpListen 127.0.0.1:$P_HTTP
	PublicURL https://cadence.our.test/
	# The border MTA's Authentication-Results are trusted (replies below carry one).
	TrustedAuthservIDs mx.our.test
	SendSpacing 0
	SendJitter 0
	EOF
	chmod 640 "$CONF" && chown root:cadence "$CONF"

	# ---- the stock Postfix, made a private loopback instance ----
	mkdir -p "$PF/etc" "$T/data"
	cp /usr/share/postfix/main.cf.debian "$PF/etc/main.cf"
	cp /usr/share/postfix/master.cf.dist "$PF/etc/master.cf"
	# The stock "smtp inet" service, every column kept (chroot y), on a loopback port.
	sed -i "s/^smtp\([[:space:]]\+inet[[:space:]]\)/127.0.0.1:$P_MX\1/" "$PF/etc/master.cf"
	# ... and still chrooted, as shipped.
	awk -v s="127.0.0.1:$P_MX" '$1 == s && $2 == "inet" && $5 == "y" && $8 == "smtpd"' \
		"$PF/etc/master.cf" | grep -q . || { echo "instlib: no chrooted smtp inet line in the stock master.cf"; exit 99; }
	uid=$(id -u postfix); gid=$(id -g postfix)
	echo "relay.test discard:" > "$PF/etc/transport"
	postconf -c "$PF/etc" -e \
		"queue_directory = $Q" "data_directory = $T/data" \
		"syslog_name = postfix-cadinstall" \
		"maillog_file_prefixes = $T" "maillog_file = $T/maillog" \
		"inet_interfaces = 127.0.0.1" "inet_protocols = ipv4" \
		"myhostname = mx.our.test" "mydomain = our.test" "mydestination =" \
		"alias_maps =" "alias_database =" \
		"smtpd_peername_lookup = no" "smtp_dns_support_level = disabled" \
		"virtual_mailbox_domains = our.test acme.test" \
		"virtual_mailbox_base = $T/mail" \
		"virtual_mailbox_maps = texthash:$PF/etc/vmailbox" \
		"virtual_uid_maps = static:$uid" "virtual_gid_maps = static:$gid" \
		"relay_domains = relay.test" \
		"transport_maps = texthash:$PF/etc/transport" \
		"queue_run_delay = 1s" "minimal_backoff_time = 1s" "maximal_backoff_time = 2s" \
		|| exit 99
	for b in ada@our.test pat@acme.test una@acme.test; do echo "$b ${b#*@}/${b%@*}/" >> "$PF/etc/vmailbox"; done
	chown -R postfix:postfix "$T/mail"
	# What Debian's postfix start does for a chrooted instance.
	mkdir -p "$Q/etc"
	for f in localtime hosts services nsswitch.conf host.conf resolv.conf; do
		[ -e "/etc/$f" ] && cp -L "/etc/$f" "$Q/etc/$f"
	done


}
