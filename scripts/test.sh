#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# test.sh - the whole test suite, from a fresh Debian 12 machine:
#   1. install the dependencies (scripts/install-deps.sh),
#   2. `make distcheck` with -Werror: the tarball is made, built out of
#      tree with -Wall -Wextra -Werror and its whole `make check` runs
#      (one run of the suite serves both: a separate -Werror `make check`
#      ran the same tests with the same flags a second time),
#   3. build with AddressSanitizer + UndefinedBehaviorSanitizer and run the
#      suite again, but for the tests that only repeat, on PostgreSQL or
#      with a second cadenced, scenarios whose C code the suite already runs
#      under the sanitizers (SAN_SKIP below: the e2e scenarios and the kill
#      tests on SQLite run there, and so do the store's unit tests on
#      PostgreSQL, tests/store/pg.sh, which drive the PostgreSQL backend),
#   4. build the libFuzzer targets with clang and run each for a bounded time.
# Ends with one line "tests: N passed, M failed". Exit status 0 only when all
# stages passed. FUZZ_SECONDS (default 24 for the classifier, a third of it
# for the other targets) tunes it for quick local runs; SKIP_DISTCHECK=1
# runs a plain -Werror `make check` instead of the distcheck.
set -eu
# Debian's own directories first: the build and the tests use the packages
# install-deps.sh installs, not tools a user put earlier on PATH (a pyenv
# shim is another Python, and starts ~17 processes for each python3).
PATH=/usr/sbin:/usr/bin:/sbin:/bin:$PATH
export PATH
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

"$top/scripts/install-deps.sh"

autoreconf -fi >/dev/null 2>&1 || autoreconf -fi
jobs=$(nproc 2>/dev/null || echo 2)
# Tests run one more at a time than there are processors: most of the long
# ones wait on Postfix, PostgreSQL or their simulated clock, not the CPU.
cjobs=$((jobs + 1))
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

# show_failed DIR: prints the end of the log of every failed test under DIR.
show_failed() {
	for l in $(find "$1" -name '*.log' ! -name test-suite.log); do
		if grep -qE '^:test-result: (FAIL|ERROR)' "${l%.log}.trs" 2>/dev/null; then
			echo "---- $l"
			# the test's own verdict lines first (the tail may be logs)
			grep -nE '(^| )(FAIL|ERROR|not ok)[: ]' "$l" | head -n 30
			echo "-- its last lines:"; tail -n 40 "$l"
		fi
	done
}

# slowest DIR NAME: the 8 slowest tests of a suite run under DIR.
slowest() {
	echo "slowest tests of $2 (wall time; the suite runs $cjobs at once):"
	find "$1" -name '*.log' ! -name test-suite.log -exec grep -H '^# time: ' {} + \
		| sed "s|^$1/||; s|\.log:# time: | |" | sort -k2 -n -r | head -n 8 \
		| awk '{ printf "  %6.1f s  %s\n", $2 / 1000, $1 }'
}

# Tests the sanitizer stage leaves out (see the header).
SAN_SKIP="tests/e2e/run-pg.sh tests/e2e/multihost.sh tests/kill/pg.sh tests/kill/pair.sh"

check_build() { # name configure-args...
	name=$1
	shift
	stage "$name: configure $*"
	mkdir -p "$out/$name"
	(cd "$out/$name" && "$top/configure" -q "$@" && make -s -j"$jobs") || { status=1; fail=$((fail + 1)); return; }
	tests=$(cd "$out/$name" && make -s print-tests | tr ' ' '\n' | grep . \
		| grep -v -x -F "$(printf '%s\n' ${CHECK_SKIP:-})" | tr '\n' ' ')
	stage "$name: make check${CHECK_SKIP:+ (without $CHECK_SKIP)}"
	if ! (cd "$out/$name" && make -s -j"$cjobs" check TESTS="$tests"); then
		status=1
		show_failed "$out/$name/tests"
	fi
	[ -f "$out/$name/test-suite.log" ] && count "$out/$name/test-suite.log"
	slowest "$out/$name/tests" "$name"
}

# The -Werror suite runs inside `make distcheck`; its counts are read from
# the summary distcheck's `make check` prints, its timings from the file
# tests/timed appends to (CADENCE_TIMES), because distcheck removes its
# build directory when it passes.
distcheck_build() {
	stage "werror: configure --enable-werror"
	mkdir -p "$out/werror"
	(cd "$out/werror" && "$top/configure" -q --enable-werror) || { status=1; fail=$((fail + 1)); return; }
	stage "werror: make distcheck (the tarball, built with -Werror, runs the whole suite)"
	if (cd "$out/werror" && CADENCE_TIMES="$out/werror-times.txt" \
		make -s -j"$cjobs" distcheck DISTCHECK_CONFIGURE_FLAGS=--enable-werror \
		>"$out/distcheck.log" 2>&1); then
		tail -n 4 "$out/distcheck.log"
	else
		status=1
		tail -n 80 "$out/distcheck.log"
		show_failed "$out/werror"
	fi
	# the suite's summary as distcheck's make check printed it
	p=$(sed -n 's/^# PASS: *//p' "$out/distcheck.log" | head -n1)
	f=$(sed -n 's/^# FAIL: *//p' "$out/distcheck.log" | head -n1)
	e=$(sed -n 's/^# ERROR: *//p' "$out/distcheck.log" | head -n1)
	if [ -z "$p" ]; then
		fail=$((fail + 1))	# it never got to the tests
	else
		pass=$((pass + p))
		fail=$((fail + ${f:-0} + ${e:-0}))
	fi
	echo "slowest tests of werror (wall time; the suite runs $cjobs at once):"
	sort -n -r "$out/werror-times.txt" 2>/dev/null | head -n 8 \
		| awk '{ printf "  %6.1f s  %s\n", $1 / 1000, $2 }'
}

if [ "${SKIP_DISTCHECK:-0}" != 1 ]; then
	distcheck_build
else
	check_build werror --enable-werror
fi
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	CHECK_SKIP=$SAN_SKIP check_build sanitizers --enable-werror --enable-sanitizers

stage "fuzz: libFuzzer targets (clang)"
mkdir -p "$out/fuzz"
if (cd "$out/fuzz" && CC=clang "$top/configure" -q --enable-fuzzing --enable-sanitizers && make -s -j"$jobs"); then
	corpus=${CADENCE_CORPUS:-$top/../shared/corpus}
	for t in "$out"/fuzz/tests/fuzz/fuzz_*; do
		[ -x "$t" ] || continue
		case "$t" in *.o) continue ;; esac
		secs=${FUZZ_SECONDS:-24}
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

echo
echo "tests: $pass passed, $fail failed"
exit $status
