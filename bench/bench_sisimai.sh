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
#   bench/bench_classify --json FILE...     (the same lines from a program
#                   linked with the classifier's libraries alone: what a
#                   classify-only binary would cost, start-up included)
#   $CADENCECTL_BEFORE classify --json ...  (when set: an older cadencectl,
#                   for a paired before/after in the same minutes)
# and prints each one's wall clock and CPU time (perf's task-clock when
# perf is installed, else GNU time's user + system), the best of ROUNDS
# (default 3), its peak resident memory (GNU time's maximum RSS of one
# more run), and the ratios.
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

# run_timed OUT CMD...: runs CMD, writes "wall cpu" (seconds) to OUT. With
# perf, CPU is the command's task-clock (to the microsecond); without,
# GNU time's user + system (10 ms steps: coarse for runs of 0.1 s).
if perf stat -x, -o /dev/null -e task-clock true >/dev/null 2>&1; then
	run_timed() {
		o=$1; shift
		t0=$(date +%s.%N)
		perf stat -x, -o "$o.perf" -e task-clock -- "$@" || return 1
		t1=$(date +%s.%N)
		awk -F, -v a="$t0" -v b="$t1" '/task-clock/ { printf "%.3f %.4f\n", b - a, $1 / 1000 }' \
			"$o.perf" >"$o"
	}
else
	run_timed() {
		o=$1; shift
		/usr/bin/time -f '%e %U %S' -o "$o.time" "$@" || return 1
		awk '{ printf "%s %.3f\n", $1, $2 + $3 }' "$o.time" >"$o"
	}
fi

# best CMD...: best wall and CPU seconds of ROUNDS runs, then the peak
# RSS in KiB of one more run under GNU time -> "wall cpu rss"
best() {
	bw=""; bc=""
	r=0
	while [ $r -lt "$ROUNDS" ]; do
		run_timed "$T/time" "$@" >"$T/out" 2>"$T/err" ||
			{ echo "bench_sisimai: $1 failed:" >&2; tail -3 "$T/err" >&2; exit 1; }
		w=$(awk '{ print $1 }' "$T/time")
		c=$(awk '{ print $2 }' "$T/time")
		if [ -z "$bw" ] || awk -v a="$c" -v b="$bc" 'BEGIN { exit !(a < b) }'; then
			bw=$w; bc=$c
		fi
		r=$((r + 1))
	done
	/usr/bin/time -f '%M' -o "$T/rss" "$@" >/dev/null 2>&1
	echo "$bw $bc $(tail -n 1 "$T/rss")"
}

# row DESC WALL CPU RSS
row() {
	printf '%-44s %8s s wall %8s s CPU %9s msg/CPU s %7.1f MiB RSS\n' "$1" "$2" "$3" \
		"$(awk -v n="$n" -v c="$3" 'BEGIN { printf "%.0f", (c > 0 ? n / c : 0) }')" \
		"$(awk -v m="$4" 'BEGIN { printf "%.1f", m / 1024 }')"
}

echo "bench_sisimai: $n messages under $DIR, best of $ROUNDS; $(date -u +%FT%TZ), load average $(cut -d' ' -f1-3 /proc/loadavg)"
if [ -n "${CADENCECTL_BEFORE:-}" ]; then
	set -- $(best "$CADENCECTL_BEFORE" classify --json $(cat "$T/files"))
	row "cadencectl classify --json (before)" "$1" "$2" "$3"
fi
set -- $(best "$CTL" classify --json $(cat "$T/files"))
cw=$1; cc=$2
row "cadencectl classify --json" "$1" "$2" "$3"
BC=$B/bench/bench_classify
ow=""; oc=""
if [ -x "$BC" ] && "$BC" --json /dev/null >/dev/null 2>&1; then
	set -- $(best "$BC" --json $(cat "$T/files"))
	ow=$1; oc=$2
	row "bench_classify --json (classifier alone)" "$1" "$2" "$3"
fi
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
row "Sisimai $ver (perl)" "$1" "$2" "$3"
echo "Sisimai: $(cat "$T/out")"
awk -v cw="$cw" -v cc="$cc" -v sw="$sw" -v sc="$sc" 'BEGIN {
	printf "cadencectl classify is %.1fx Sisimai by CPU time, %.1fx by the wall clock\n",
	    (cc > 0 ? sc / cc : 0), (cw > 0 ? sw / cw : 0) }'
[ -n "$oc" ] && awk -v cw="$ow" -v cc="$oc" -v sw="$sw" -v sc="$sc" 'BEGIN {
	printf "the classifier alone is %.1fx Sisimai by CPU time, %.1fx by the wall clock\n",
	    (cc > 0 ? sc / cc : 0), (cw > 0 ? sw / cw : 0) }'
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
