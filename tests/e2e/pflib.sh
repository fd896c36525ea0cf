# SPDX-License-Identifier: BSD-2-Clause
# pflib.sh - private Postfix instances on loopback for cadence's end-to-end
# tests, its kill test and its demo. Sourced by bash scripts.
#
# Each instance lives wholly under its own directory (config, queue, data,
# Maildirs, log file); the machine's own /etc/postfix is never read or
# changed. Every listener is on 127.0.0.1; DNS is never consulted (mail
# leaves only by transport map to a loopback port). Needs root, because
# Postfix's master runs as root and its children as the postfix user.
#
#   pf_create DIR NAME HOSTNAME "DOMAINS" "MAILBOXES"   # mailbox list: user@domain ...
#   pf_listen DIR PORT NAME [-o key=value ...]         # one more smtpd on 127.0.0.1:PORT
#   pf_route  DIR DOMAIN PORT                          # relay DOMAIN to 127.0.0.1:PORT
#   pf_set    DIR key=value ...                        # postconf -e for this instance
#   pf_nochroot DIR                                    # run every service unchrooted
#   pf_start DIR / pf_stop DIR / pf_flush DIR / pf_wait_queue DIR SECONDS
#   pf_maildir DIR ADDRESS                             # path of that mailbox's Maildir
#   pf_free_port                                       # a free loopback TCP port

pf_die() { echo "pflib: $*" >&2; return 1; }

pf_free_port() {
	# Random ports below the kernel's ephemeral range (so that no outgoing
	# connection of the bed takes a port that a listener started later,
	# such as cadenced's HTTP, needs), checked against what listens now.
	local p i lo=32768 hi
	read -r lo hi < /proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || lo=32768
	[ "$lo" -gt 12000 ] || lo=32768
	for i in $(seq 1 200); do
		p=$(( (RANDOM % (lo - 11000)) + 10000 ))
		if ! ss -Htln "sport = :$p" 2>/dev/null | grep -q .; then
			echo "$p"
			return 0
		fi
	done
	pf_die "no free port found"
}

pf_postconf() { postconf -c "$1/etc" "${@:2}"; }

pf_create() {
	local dir=$1 name=$2 host=$3 domains=$4 boxes=$5
	[ "$(id -u)" = 0 ] || { pf_die "Postfix instances need root (run the tests as root)"; return 1; }
	mkdir -p "$dir/etc" "$dir/queue" "$dir/data" "$dir/mail" || return 1
	chmod 755 "$dir" "$dir/mail"
	# Debian ships the template as /usr/share/postfix/master.cf.dist; a
	# machine whose Postfix was installed with "No configuration" may have
	# no /etc/postfix/master.cf.
	cp /etc/postfix/master.cf.proto "$dir/etc/master.cf" 2>/dev/null ||
		cp /usr/share/postfix/master.cf.dist "$dir/etc/master.cf" 2>/dev/null ||
		cp /etc/postfix/master.cf "$dir/etc/master.cf" || return 1
	# Keep only the services a loopback instance needs: no default smtpd on :25.
	sed -i -e '/^smtp[[:space:]]\+inet/s/^/#/' "$dir/etc/master.cf"
	grep -q '^postlog' "$dir/etc/master.cf" || \
		echo 'postlog   unix-dgram n  -       n       -       1       postlogd' >> "$dir/etc/master.cf"
	: > "$dir/etc/main.cf"
	local uid gid
	uid=$(id -u postfix); gid=$(id -g postfix)
	pf_postconf "$dir" -e \
		"compatibility_level = 3.6" \
		"queue_directory = $dir/queue" \
		"data_directory = $dir/data" \
		"mail_owner = postfix" \
		"setgid_group = postdrop" \
		"syslog_name = postfix-$name" \
		"maillog_file_prefixes = $dir" \
		"maillog_file = $dir/maillog" \
		"inet_interfaces = 127.0.0.1" \
		"inet_protocols = ipv4" \
		"myhostname = $host" \
		"mydomain = ${host#*.}" \
		"myorigin = \$mydomain" \
		"mydestination =" \
		"mynetworks = 127.0.0.0/8" \
		"smtpd_peername_lookup = no" \
		"smtp_dns_support_level = disabled" \
		"smtp_host_lookup = native" \
		"disable_dns_lookups = yes" \
		"biff = no" \
		"smtputf8_enable = no" \
		"alias_maps =" "alias_database =" \
		"local_recipient_maps =" \
		"virtual_mailbox_domains = $domains" \
		"virtual_mailbox_base = $dir/mail" \
		"virtual_mailbox_maps = texthash:$dir/etc/vmailbox" \
		"virtual_uid_maps = static:$uid" "virtual_gid_maps = static:$gid" \
		"transport_maps = texthash:$dir/etc/transport" \
		"smtpd_relay_restrictions = permit_mynetworks, reject_unauth_destination" \
		"smtpd_recipient_restrictions =" \
		"delay_warning_time = 0" \
		"queue_run_delay = 1s" "minimal_backoff_time = 1s" "maximal_backoff_time = 2s" \
		"bounce_queue_lifetime = 1d" "maximal_queue_lifetime = 1d" \
		"smtp_connect_timeout = 5s" \
		"in_flow_delay = 0" \
		"2bounce_notice_recipient = postmaster" \
		|| return 1
	: > "$dir/etc/vmailbox"
	: > "$dir/etc/transport"
	local b
	for b in $boxes; do
		echo "$b ${b#*@}/${b%@*}/" >> "$dir/etc/vmailbox"
	done
	chown -R postfix:postfix "$dir/mail"
	postfix -c "$dir/etc" set-permissions >/dev/null 2>&1 || true
	postfix -c "$dir/etc" check || { pf_die "postfix check failed for $dir"; return 1; }
}

pf_set() { pf_postconf "$1" -e "${@:2}"; }

# Debian's master.cf.proto chroots most services (chroot column "y") into
# the queue directory. A private instance has no copy of /etc there, and a
# milter socket would need one path for chrooted services (cleanup, for
# non_smtpd_milters) and another for the others: turn chroot off.
pf_nochroot() {
	awk 'BEGIN { OFS = "" }
	     /^[^#[:space:]]/ && NF >= 8 {
		n = split($0, f, /[[:space:]]+/)
		if (f[5] != "n") {
			f[5] = "n"
			line = f[1]
			for (i = 2; i <= n; i++) line = line "  " f[i]
			print line
			next
		}
	     }
	     { print }' "$1/etc/master.cf" > "$1/etc/master.cf.new" &&
		mv "$1/etc/master.cf.new" "$1/etc/master.cf"
}

pf_listen() {
	local dir=$1 port=$2 name=$3
	shift 3
	{
		echo "127.0.0.1:$port inet n - n - - smtpd"
		echo "  -o syslog_name=postfix-${name}"
		local o
		for o in "$@"; do
			[ "$o" = -o ] && continue
			echo "  -o $o"
		done
	} >> "$dir/etc/master.cf"
}

pf_route() { echo "$2 smtp:[127.0.0.1]:$3" >> "$1/etc/transport"; }

pf_start() {
	postfix -c "$1/etc" start >/dev/null 2>&1 || { pf_die "postfix start failed in $1"; tail -n 20 "$1/maillog" >&2; return 1; }
	# Wait until master has its pid file and every inet listener answers.
	local i
	for i in $(seq 1 50); do
		[ -s "$1/queue/pid/master.pid" ] && break
		sleep 0.1
	done
}

pf_stop() {
	# An empty DIR would name the machine's own /etc/postfix's parent: never.
	[ -n "$1" ] && [ -d "$1/etc" ] || return 0
	postfix -c "$1/etc" stop >/dev/null 2>&1 || true
	local pid
	pid=$(cat "$1/queue/pid/master.pid" 2>/dev/null | tr -d ' ')
	local i
	for i in $(seq 1 50); do
		[ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	[ -n "$pid" ] && kill -9 "$pid" 2>/dev/null || true
}

pf_flush() { postqueue -c "$1/etc" -f >/dev/null 2>&1 || true; }

# Waits until the instance's queue is empty (0) or SECONDS pass (1).
pf_wait_queue() {
	local dir=$1 secs=${2:-20} i
	for i in $(seq 1 $((secs * 10))); do
		if [ -z "$(find "$dir/queue/incoming" "$dir/queue/active" "$dir/queue/deferred" "$dir/queue/maildrop" -type f 2>/dev/null | head -n1)" ]; then
			return 0
		fi
		[ $((i % 10)) = 0 ] && pf_flush "$dir"
		sleep 0.1
	done
	return 1
}

# pf_wait_port PORT: 0 once something listens on PORT (TCP), 1 after 5 s.
pf_wait_port() {
	local i
	for i in $(seq 1 100); do
		ss -Htln "sport = :$1" 2>/dev/null | grep -q . && return 0
		sleep 0.05
	done
	return 1
}

pf_maildir() {
	local dir=$1 addr=$2
	echo "$dir/mail/${addr#*@}/${addr%@*}"
}

# Counts the messages delivered to ADDRESS.
pf_count() {
	local md
	md=$(pf_maildir "$1" "$2")
	find "$md/new" "$md/cur" -type f 2>/dev/null | wc -l
}
