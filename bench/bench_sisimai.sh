#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# bench/bench_sisimai.sh - `cadencectl classify` against Sisimai on the same
# messages (issue 16, goal 4: the process at least 10x Sisimai on the 632
# messages of the shared corpus's sisimai/ folder). A bench: it prints
# figures and asserts nothing; never run by `make check`.
#
#   CADENCE_BUILDDIR=build bench/bench_sisimai.sh [DIR] [ROUNDS]
#
# DIR: a folder of messages (default ../shared/corpus/sisimai, its *.eml).
# Each round runs, one after the other, one process over every message:
#   cadencectl classify --json FILE...      (every verdict printed)
#   perl -MSisimai: Sisimai->make(FILE) for each, every result's fields
#                   read (Sisimai 4, Debian's libsisimai-perl)
# and prints each one's wall clock and CPU time (user + system, from
# /usr/bin/time), the best of ROUNDS (default 3), and the ratios.
# Without Sisimai (libsisimai-perl not installed) it says so and times
# cadencectl alone.
set -u

B=${CADENCE_BUILDDIR:-$(pwd)}
S=$(cd "$(dirname "$0")/.." && pwd)
DIR=${1:-$S/../shared/corpus/sisimai}
ROUNDS=${2:-3}
CTL=$B/ctl/cadencectl
[ -x "$CTL" ] || { echo "bench_sisimai: $CTL is not built" >&2; exit 1; }
T=$(mktemp -d /tmp/bench_sisimai.XXXXXX)
trap 'rm -rf "$T"' EXIT INT TERM
ls "$DIR"/*.eml >"$T/files" 2>/dev/null
n=$(wc -l <"$T/files")
[ "$n" -gt 0 ] || { echo "bench_sisimai: no *.eml under $DIR" >&2; exit 1; }

have_sisimai=1
perl -MSisimai -e 1 2>/dev/null || have_sisimai=0

# best DESC CMD...: best wall and CPU seconds of ROUNDS runs -> "wall cpu"
best() {
	bw=""; bc=""
	r=0
	while [ $r -lt "$ROUNDS" ]; do
		/usr/bin/time -f '%e %U %S' -o "$T/time" "$@" >"$T/out" 2>"$T/err" ||
			{ echo "bench_sisimai: $1 failed:" >&2; tail -3 "$T/err" >&2; exit 1; }
		set -- "$@"
		w=$(awk '{ print $1 }' "$T/time")
		c=$(awk '{ printf "%.3f", $2 + $3 }' "$T/time")
		if [ -z "$bw" ] || awk -v a="$c" -v b="$bc" 'BEGIN { exit !(a < b) }'; then
			bw=$w; bc=$c
		fi
		r=$((r + 1))
	done
	echo "$bw $bc"
}

echo "bench_sisimai: $n messages under $DIR, best of $ROUNDS; $(date -u +%FT%TZ), load average $(cut -d' ' -f1-3 /proc/loadavg)"
set -- $(best "$CTL" classify --json $(cat "$T/files"))
cw=$1; cc=$2
printf '%-44s %8s s wall %8s s CPU %9s msg/CPU s\n' "cadencectl classify --json" "$cw" "$cc" \
	"$(awk -v n="$n" -v c="$cc" 'BEGIN { printf "%.0f", (c > 0 ? n / c : 0) }')"
if [ $have_sisimai = 0 ]; then
	echo "Sisimai is not installed (Debian: libsisimai-perl): no comparison"
	exit 0
fi
cat >"$T/sisimai.pl" <<'EOF'
use strict;
use warnings;
use Sisimai;
my ($msgs, $rcpts) = (0, 0);
for my $f (@ARGV) {
	my $v = Sisimai->make($f);
	$msgs++;
	next unless $v;
	for my $r (@$v) {
		# read what cadence's verdict carries: recipient, status, reason, hard/soft
		my @x = ($r->recipient->address, $r->deliverystatus, $r->reason, $r->softbounce,
			 $r->diagnosticcode);
		$rcpts++;
	}
}
print "$msgs messages, $rcpts bounced recipients\n";
EOF
ver=$(perl -MSisimai -e 'print $Sisimai::VERSION')
set -- $(best perl "$T/sisimai.pl" $(cat "$T/files"))
sw=$1; sc=$2
printf '%-44s %8s s wall %8s s CPU %9s msg/CPU s\n' "Sisimai $ver (perl)" "$sw" "$sc" \
	"$(awk -v n="$n" -v c="$sc" 'BEGIN { printf "%.0f", (c > 0 ? n / c : 0) }')"
echo "Sisimai: $(cat "$T/out")"
awk -v cw="$cw" -v cc="$cc" -v sw="$sw" -v sc="$sc" 'BEGIN {
	printf "cadencectl classify is %.1fx Sisimai by CPU time, %.1fx by the wall clock\n",
	    (cc > 0 ? sc / cc : 0), (cw > 0 ? sw / cw : 0) }'
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
