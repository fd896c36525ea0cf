#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# long-run.sh - a long libFuzzer campaign measured in CPU time, not wall
# time, so that it says truthfully how much fuzzing was done on a shared
# machine (issue #9: ">= 1 CPU-hour in total").
#
#   tests/fuzz/long-run.sh OUTDIR CPU_SECONDS CHUNK_SECONDS TARGET[=SEEDDIR[:SEEDDIR...]] ...
#
# Each TARGET (a libFuzzer binary) runs in chunks of CHUNK_SECONDS wall time
# (-max_total_time) under `nice -n 19` and /usr/bin/time, until the user+sys
# CPU seconds of its chunks add up to CPU_SECONDS. Its corpus lives in
# OUTDIR/NAME/corpus (seeded once from the SEEDDIRs, regular files under
# 10 MiB) and grows from chunk to chunk; crash, leak and timeout inputs go
# to OUTDIR/NAME/ (crash-*, leak-*, timeout-*, oom-*); a target that finds
# one stops there. LANES (default 2) targets run side by side.
# OUTDIR/summary.tsv gets one line per target: name, CPU seconds, runs,
# runs per CPU second, last cov and ft, corpus files, findings, wall seconds.
set -eu

if [ $# -lt 4 ]; then
	echo "usage: $0 OUTDIR CPU_SECONDS CHUNK_SECONDS TARGET[=SEEDDIR[:SEEDDIR...]] ..." >&2
	exit 2
fi
out=$1
budget=$2
chunk=$3
shift 3
lanes=${LANES:-2}
mkdir -p "$out"

# one TARGET[=SEEDS]: chunks until the CPU budget is spent or it finds something
one() {
	spec=$1
	t=${spec%%=*}
	seeds=
	case $spec in *=*) seeds=${spec#*=} ;; esac
	name=$(basename "$t")
	d="$out/$name"
	mkdir -p "$d/corpus"
	if [ ! -f "$d/seeded" ]; then
		oldifs=$IFS
		IFS=:
		for dir in $seeds; do
			find "$dir" -type f -size -10240k | while read -r f; do
				cp "$f" "$d/corpus/seed-$(printf '%s' "$f" | cksum | cut -d' ' -f1)"
			done
		done
		IFS=$oldifs
		touch "$d/seeded"
	fi
	[ -f "$d/cpu" ] || echo 0 >"$d/cpu"
	[ -f "$d/runs" ] || echo 0 >"$d/runs"
	[ -f "$d/wall" ] || echo 0 >"$d/wall"
	i=$(ls "$d" | grep -c '^chunk.*\.log$' || true)
	while :; do
		cpu=$(cat "$d/cpu")
		if [ "$(echo "$cpu >= $budget" | bc)" = 1 ]; then
			break
		fi
		i=$((i + 1))
		log="$d/chunk$i.log"
		t0=$(date +%s)
		rc=0
		nice -n 19 /usr/bin/time -o "$d/time$i" -f '%U %S' "$t" -max_total_time="$chunk" \
			-max_len=1048576 -timeout=10 -rss_limit_mb=2048 -artifact_prefix="$d/" \
			-print_final_stats=1 "$d/corpus" >"$log" 2>&1 || rc=$?
		t1=$(date +%s)
		used=$(tail -n1 "$d/time$i" | awk '{ print $1 + $2 }')
		runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n1)
		echo "$(cat "$d/cpu") + $used" | bc >"$d/cpu.new" && mv "$d/cpu.new" "$d/cpu"
		echo "$(cat "$d/runs") + ${runs:-0}" | bc >"$d/runs.new" && mv "$d/runs.new" "$d/runs"
		echo "$(cat "$d/wall") + $t1 - $t0" | bc >"$d/wall.new" && mv "$d/wall.new" "$d/wall"
		echo "$name: chunk $i rc=$rc cpu=${used}s runs=${runs:-?} total cpu=$(cat "$d/cpu")s"
		if [ "$rc" != 0 ] || ls "$d" | grep -qE '^(crash|leak|timeout|oom|slow-unit)-'; then
			echo "$name: FOUND something (rc=$rc), see $log"
			break
		fi
	done
	cpu=$(cat "$d/cpu")
	runs=$(cat "$d/runs")
	last=$(grep -E ' cov: [0-9]+' "$d"/chunk*.log 2>/dev/null | tail -n1)
	cov=$(printf '%s' "$last" | sed -n 's/.* cov: \([0-9]*\).*/\1/p')
	ft=$(printf '%s' "$last" | sed -n 's/.* ft: \([0-9]*\).*/\1/p')
	files=$(ls "$d/corpus" | wc -l)
	found=$(ls "$d" | grep -cE '^(crash|leak|timeout|oom)-' || true)
	rate=$(echo "scale=0; $runs / ($cpu + 0.001)" | bc)
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$name" "$cpu" "$runs" "$rate" \
		"${cov:-?}" "${ft:-?}" "$files" "$found" "$(cat "$d/wall")" >>"$out/summary.tsv"
}

# lane K of LANES: every LANES-th target starting at K
lane() {
	k=$1
	shift
	n=0
	for spec in "$@"; do
		if [ $((n % lanes)) = "$k" ]; then
			one "$spec"
		fi
		n=$((n + 1))
	done
}

k=0
while [ "$k" -lt "$lanes" ]; do
	lane "$k" "$@" &
	k=$((k + 1))
done
wait
echo "done: $out/summary.tsv"
