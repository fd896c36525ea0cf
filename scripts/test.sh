#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# test.sh - the whole test suite, from a fresh Debian 12 machine:
#   1. install the dependencies (scripts/install-deps.sh),
#   2. build with -Werror and run `make check`,
#   3. build with AddressSanitizer + UndefinedBehaviorSanitizer and run it again,
#   4. build the libFuzzer targets with clang and run each for a bounded time,
#   5. `make distcheck` (the tarball builds and passes its own tests).
# Ends with one line "tests: N passed, M failed". Exit status 0 only when all
# stages passed. FUZZ_SECONDS (default 60 for the classifier, a third of it
# for the other targets) and SKIP_DISTCHECK=1 tune it for quick local runs.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

"$top/scripts/install-deps.sh"

autoreconf -fi >/dev/null 2>&1 || autoreconf -fi
jobs=$(nproc 2>/dev/null || echo 2)
out="$top/_test"
rm -rf "$out"
mkdir -p "$out"
pass=0
fail=0
status=0

# count LOG: adds the PASS/FAIL counts of an automake test-suite.log.
count() {
	p=$(sed -n 's/^# PASS: *//p' "$1" | head -n1)
	f=$(sed -n 's/^# FAIL: *//p' "$1" | head -n1)
	e=$(sed -n 's/^# ERROR: *//p' "$1" | head -n1)
	pass=$((pass + ${p:-0}))
	fail=$((fail + ${f:-0} + ${e:-0}))
}

stage() { printf '\n==== %s (%s) ====\n' "$*" "$(date -u +%H:%M:%S)"; }

check_build() { # name configure-args...
	name=$1
	shift
	stage "$name: configure $*"
	mkdir -p "$out/$name"
	(cd "$out/$name" && "$top/configure" -q "$@" && make -s -j"$jobs") || { status=1; fail=$((fail + 1)); return; }
	stage "$name: make check"
	if ! (cd "$out/$name" && make -s -j"$jobs" check); then
		status=1
		for l in $(find "$out/$name/tests" -name '*.log' ! -name test-suite.log); do
			if grep -qE '^:test-result: (FAIL|ERROR)' "${l%.log}.trs" 2>/dev/null; then
				echo "---- $l"; tail -n 60 "$l"
			fi
		done
	fi
	[ -f "$out/$name/test-suite.log" ] && count "$out/$name/test-suite.log"
	echo "slowest tests of $name (wall time; the suite runs $jobs at once):"
	find "$out/$name/tests" -name '*.log' ! -name test-suite.log -exec grep -H '^# time: ' {} + \
		| sed "s|^$out/$name/||; s|\.log:# time: | |" | sort -k2 -n -r | head -n 8 \
		| awk '{ printf "  %6.1f s  %s\n", $2 / 1000, $1 }'
}

check_build werror --enable-werror
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	check_build sanitizers --enable-werror --enable-sanitizers

stage "fuzz: libFuzzer targets (clang)"
mkdir -p "$out/fuzz"
if (cd "$out/fuzz" && CC=clang "$top/configure" -q --enable-fuzzing --enable-sanitizers && make -s -j"$jobs"); then
	corpus=${CADENCE_CORPUS:-$top/../shared/corpus}
	for t in "$out"/fuzz/tests/fuzz/fuzz_*; do
		[ -x "$t" ] || continue
		case "$t" in *.o) continue ;; esac
		secs=${FUZZ_SECONDS:-60}
		# Seeds: real inputs of each parser's kind, where the tree has them.
		case "$t" in
		*fuzz_classify) set -- ; [ -d "$corpus" ] && set -- "$corpus" ;;
		*fuzz_seq) secs=$((secs / 3 + 1)); set -- "$top/contrib/sequences" ;;
		*fuzz_holiday) secs=$((secs / 3 + 1)); set -- "$top/contrib/holidays" ;;
		*fuzz_csv) secs=$((secs / 3 + 1)); set -- "$top/tests/ctl" ;;
		*fuzz_http) secs=$((secs / 3 + 1)); set -- "$top/tests/fuzz/http_seeds" ;;
		*fuzz_enroll_addr) secs=$((secs / 3 + 1)); set -- "$top/tests/fuzz/enroll_addr_seeds" ;;
		*fuzz_authres) secs=$((secs / 3 + 1)); set -- "$top/tests/fuzz/authres_seeds" ;;
		*fuzz_token) secs=$((secs / 3 + 1)); set -- "$top/tests/fuzz/token_seeds" ;;
		*) secs=$((secs / 3 + 1)); set -- ;;
		esac
		if (cd "$out/fuzz" && "$top/tests/fuzz/run-fuzz.sh" "$t" "$secs" "$@" >"$t.log" 2>&1); then
			pass=$((pass + 1)); echo "fuzz: $(basename "$t"): $(grep -E '^Done [0-9]+ runs' "$t.log" | tail -n1)"
		else
			fail=$((fail + 1)); status=1; echo "fuzz: $(basename "$t") FAILED"; tail -n 40 "$t.log"
		fi
	done
else
	fail=$((fail + 1)); status=1
fi

if [ "${SKIP_DISTCHECK:-0}" != 1 ]; then
	stage "distcheck"
	if (cd "$out/werror" && make -s -j"$jobs" distcheck DISTCHECK_CONFIGURE_FLAGS=--enable-werror >"$out/distcheck.log" 2>&1); then
		pass=$((pass + 1)); tail -n 4 "$out/distcheck.log"
	else
		fail=$((fail + 1)); status=1; tail -n 80 "$out/distcheck.log"
	fi
fi

echo
echo "tests: $pass passed, $fail failed"
exit $status
