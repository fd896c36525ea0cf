# SPDX-License-Identifier: BSD-2-Clause
# tests/lib/ctltest.sh - what the cadencectl shell tests share (sourced by
# tests/ctl/test_ctl.sh, test_cap24.sh, test_day.sh, test_region.sh and
# tests/migrate/test_migrate.sh).
#
# The sourcing script sets CTL (the cadencectl binary), CONF, NOW and T
# (its temporary directory) before calling these; CTLTEST_SAY_OK=1 prints
# an "ok:" line for every check that passes. Counters: pass, failed; rc is
# the last command's exit status, $T/out and $T/err its output.
#
#   ctl ARGS...          cadencectl -c CONF --now NOW ARGS..., output kept
#   check WHAT CMD...    counts CMD's success; a sanitizer report in
#                        $T/err fails it whatever CMD says
#   ok WHAT / bad WHAT   count one pass / one failure (bad shows rc, out, err)
#   rc_is N, out_has S, err_has S, err_is S   the usual predicates
#   out_lacks S, err_empty, out_lines N      and their counterparts
#   py EXPR [ARG...]     a Python expression over d, the JSON document in
#                        $T/out, is true (the ARGs are sys.argv[2:])

pass=0
failed=0
rc=0

ctl() {
	"$CTL" -c "$CONF" --now "$NOW" "$@" >"$T/out" 2>"$T/err"
	rc=$?
}
ok() {
	pass=$((pass + 1))
	[ "${CTLTEST_SAY_OK:-0}" = 1 ] && echo "ok: $1"
	return 0
}
bad() {
	failed=$((failed + 1))
	echo "FAIL: $1"
	echo "  exit status: $rc"
	sed 's/^/  stdout: /' "$T/out" 2>/dev/null | head -n 40
	sed 's/^/  stderr: /' "$T/err" 2>/dev/null | head -n 20
}
check() {
	local what=$1
	shift
	if grep -qE "Sanitizer|runtime error:" "$T/err" 2>/dev/null; then
		bad "$what (sanitizer report)"
	elif "$@"; then
		ok "$what"
	else
		bad "$what"
	fi
}
rc_is() { [ "$rc" -eq "$1" ]; }
out_has() { grep -qF -- "$1" "$T/out"; }
err_has() { grep -qF -- "$1" "$T/err"; }
err_is() { [ "$(cat "$T/err")" = "$1" ]; }
out_lacks() { ! grep -qF -- "$1" "$T/out"; }
err_empty() { [ ! -s "$T/err" ]; }
out_lines() { [ "$(wc -l <"$T/out")" -eq "$1" ]; }
py() {
	e=$1
	shift
	python3 -c "import json,sys
d = json.load(open(sys.argv[1]))
sys.exit(0 if ($e) else 1)" "$T/out" "$@" 2>>"$T/err"
}
