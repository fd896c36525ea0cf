#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# run-fuzz.sh - run one libFuzzer target for a bounded time from a seed dir.
#
#   tests/fuzz/run-fuzz.sh TARGET SECONDS [SEED_DIR...]
#
# SEED_DIRs are copied (regular files only, at most 10 MiB each, searched
# recursively) into a fresh working corpus so the seeds are never modified;
# new inputs found during the run stay in that working directory, whose
# path is printed. Crash, leak and timeout reproducers go to ./fuzz-artifacts/.
# Exit status is libFuzzer's: 0 when nothing was found.
set -eu

if [ $# -lt 2 ]; then
	echo "usage: $0 TARGET SECONDS [SEED_DIR...]" >&2
	exit 2
fi
target=$1
secs=$2
shift 2
case $secs in
	''|*[!0-9]*) echo "$0: SECONDS must be a number" >&2; exit 2 ;;
esac
if [ ! -x "$target" ]; then
	echo "$0: $target is not an executable (configure with CC=clang --enable-fuzzing)" >&2
	exit 2
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/fuzz-$(basename "$target").XXXXXX")
for dir in "$@"; do
	[ -d "$dir" ] || { echo "$0: no seed dir $dir" >&2; exit 2; }
	# flatten: seed files keep a unique name
	find "$dir" -type f -size -10240k | while read -r f; do
		cp "$f" "$work/seed-$(printf '%s' "$f" | cksum | cut -d' ' -f1)"
	done
done
mkdir -p fuzz-artifacts
echo "fuzzing $target for ${secs}s, working corpus $work ($(ls "$work" | wc -l) seeds)"
exec "$target" -max_total_time="$secs" -max_len=1048576 -timeout=10 -rss_limit_mb=2048 \
	-artifact_prefix=fuzz-artifacts/ -print_final_stats=1 "$work"
