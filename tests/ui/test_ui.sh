#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# tests/ui/test_ui.sh - cadenced's web page (issue #15) in a real browser:
# cadenced on a store filled by a scripted week (tests/ui/fill.sh), driven
# by Debian's headless chromium through puppeteer-core (tests/ui/drive.js:
# sign-in, the sequences page's figures and charts, one sequence, reps, a
# phone's width, a rep's tasks with a task marked done by keyboard, an
# enrollment paused), then checked in the store; and with curl, the XSS,
# CSRF and reach cases, each with its control.
#
# Screenshots: $CADENCE_BUILDDIR/tests/ui/out/*.png. With CADENCE_UI_DOC=FILE
# the sequences page's screenshot is copied to FILE as well (README's
# doc/ui-sequences.png: see README, "The web page").
# Skips (77) when chromium, node, npm, curl or sqlite3 is missing, or
# puppeteer-core cannot be installed from the npm registry.
set -u
B=${CADENCE_BUILDDIR:-$(pwd)}
S=${CADENCE_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
CAD=$B/scheduler/cadenced
CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
OUT=$B/tests/ui/out
NM=$B/tests/ui

for p in node npm curl sqlite3 python3; do
	command -v "$p" >/dev/null 2>&1 || { echo "ui: SKIP: $p is not installed"; exit 77; }
done
[ -x "$CHROMIUM" ] || { echo "ui: SKIP: $CHROMIUM is missing (Debian: chromium, scripts/install-deps.sh)"; exit 77; }
[ -x "$CAD" ] && [ -x "$B/ctl/cadencectl" ] && [ -x "$B/tests/ctl/dayfix" ] || {
	echo "ui: cadenced, cadencectl or tests/ctl/dayfix not built"; exit 99; }
if [ ! -f "$NM/node_modules/puppeteer-core/package.json" ]; then
	mkdir -p "$NM"
	[ -f "$NM/package.json" ] || cp "$S/tests/ui/package.json" "$NM/package.json"
	if ! PUPPETEER_SKIP_DOWNLOAD=1 npm install --prefix "$NM" --no-audit --no-fund \
		--loglevel=error >"$NM/npm.log" 2>&1; then
		echo "ui: SKIP: cannot install puppeteer-core from the npm registry:"
		tail -5 "$NM/npm.log"
		exit 77
	fi
fi

T=$(mktemp -d "${TMPDIR:-/tmp}/cadence-ui.XXXXXX") || exit 99
CPID=
cleanup() {
	[ -n "$CPID" ] && kill "$CPID" 2>/dev/null && wait "$CPID" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT INT TERM
rm -rf "$OUT"
mkdir -p "$OUT"

PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
BASE=http://127.0.0.1:$PORT
CADENCE_BUILDDIR=$B CADENCE_SRCDIR=$S sh "$S/tests/ui/fill.sh" "$T" "$PORT" || {
	echo "ui: filling the store failed"; cat "$T/fill.log"; exit 99; }
. "$T/env"
"$CAD" -c "$CONF" -f >"$T/cadenced.log" 2>&1 &
CPID=$!
for _ in $(seq 1 100); do curl -s "$BASE/healthz" >/dev/null && break; sleep 0.1; done
curl -s "$BASE/healthz" >/dev/null || { echo "ui: cadenced does not answer"; cat "$T/cadenced.log"; exit 99; }

pass=0
failed=0
check() {
	d=$1
	shift
	if "$@"; then
		pass=$((pass + 1))
	else
		failed=$((failed + 1))
		echo "FAIL: $d"
	fi
}
q() { sqlite3 "$DB" "$1"; }

# ---- the browser ----
ENVJ=$(printf '{"ADMIN":"%s","BOB":"%s","SEQ_SMALL":%s,"T5":%s,"T7":%s,"T8":%s,"TH":%s,"E7":%s}' \
	"$ADMIN" "$BOB" "$SEQ_SMALL" "$T5" "$T7" "$T8" "$TH" "$E7")
CHROMIUM=$CHROMIUM timeout 300 node "$S/tests/ui/drive.js" "$NM" "$BASE" "$OUT" "$ENVJ" >"$T/drive.out" 2>&1
drc=$?
cat "$T/drive.out"
check "the browser's checks" test "$drc" -eq 0
pass=$((pass + $(grep -c '^ok ' "$T/drive.out")))
check "the store: c8's call task done, outcome connected, with the note" \
	test "$(q "SELECT state || ' ' || outcome || ' ' || close_note FROM tasks WHERE id = $T8")" = "done connected booked a demo"
check "the store: c7's enrollment paused" test "$(q "SELECT state FROM enrollments WHERE id = $E7")" = paused
check "the store: the pause is an event of the page's token" \
	test "$(q "SELECT actor FROM events WHERE enrollment_id = $E7 AND type = 'paused'")" = "api:bob"
for f in sequences sequence reps sequences-phone tasks enrollment; do
	check "screenshot $f.png" test -s "$OUT/$f.png"
done
[ -n "${CADENCE_UI_DOC:-}" ] && cp "$OUT/sequences.png" "$CADENCE_UI_DOC"

# ---- curl: sign-in, CSRF, reach, escaping ----
# login JAR TOKEN: a session in JAR; its CSRF token in $CSRF.
login() {
	rm -f "$1"
	curl -s -c "$1" -b "$1" "$BASE/ui/login" >"$T/form.html"
	LCSRF=$(sed -n 's/.*name="csrf" value="\([0-9a-f]*\)".*/\1/p' "$T/form.html")
	CODE=$(curl -s -o /dev/null -w '%{http_code}' -c "$1" -b "$1" --data-urlencode "csrf=$LCSRF" \
		--data-urlencode "token=$2" "$BASE/ui/login")
	curl -s -b "$1" "$BASE/ui/tasks" >"$T/page.html"
	CSRF=$(sed -n 's/.*name="csrf" value="\([0-9a-f]*\)".*/\1/p' "$T/page.html" | head -1)
}
post() {   # post JAR PATH BODY: the status in CODE
	CODE=$(curl -s -o "$T/post.html" -w '%{http_code}' -b "$1" --data "$3" "$BASE$2")
}
get() {
	CODE=$(curl -s -o "$T/get.html" -w '%{http_code}' -b "$1" "$BASE$2")
}

login "$T/bob" "$BOB"
check "sign-in answers 303 with the session cookie" test "$CODE" = 303
check "the cookie is HttpOnly" grep -q '#HttpOnly_127.0.0.1' "$T/bob"
check "bob's session has a CSRF token" test -n "$CSRF"
BCSRF=$CSRF
cp "$T/page.html" "$T/bob-tasks.html"
rm -f "$T/nobody"
curl -s -c "$T/nobody" -b "$T/nobody" "$BASE/ui/login" >/dev/null
post "$T/nobody" /ui/login "token=$BOB"
check "sign-in without the form's CSRF token: 403" test "$CODE" = 403
login "$T/wrong" cad_0000000000000000000000000000000000000000
check "a wrong token: 401" test "$CODE" = 401
CSRF=$BCSRF

# escaping: the hostile contact's name, company and LinkedIn as text
check "the tasks page escapes a contact named <script>" grep -qF '&lt;script&gt;alert(1)&lt;/script&gt;' "$T/bob-tasks.html"
check "no <script> from the data" sh -c "! grep -qi '<script' '$T/bob-tasks.html'"
check "no <img> from the data" sh -c "! grep -qi '<img' '$T/bob-tasks.html'"
check "an & in a company name escaped" grep -qF 'Evil &amp; &lt;b&gt;Sons&lt;/b&gt;' "$T/bob-tasks.html"

# CSRF: a POST without the token changes nothing; the control with it does
post "$T/bob" "/ui/tasks/$TH" "action=skip"
check "a task POST without the CSRF token: 403" test "$CODE" = 403
post "$T/bob" "/ui/tasks/$TH" "action=skip&csrf=$(printf '%064d' 0)"
check "a task POST with a forged CSRF token: 403" test "$CODE" = 403
check "... and the task is still open" test "$(q "SELECT state FROM tasks WHERE id = $TH")" = open
post "$T/nobody" "/ui/tasks/$TH" "action=skip&csrf=$CSRF"
check "another session's CSRF token without its cookie: 403" test "$CODE" = 403
post "$T/bob" "/ui/enr/$E8" "action=unenroll"
check "an unenroll POST without the CSRF token: 403" test "$CODE" = 403
check "... and the enrollment is still active" test "$(q "SELECT state FROM enrollments WHERE id = $E8")" = active
get "$T/bob" "/ui/tasks/$TH"
check "no state-changing GET: GET on a task's action is 405" test "$CODE" = 405

# reach: bob on ann's task and enrollment
post "$T/bob" "/ui/tasks/$T5" "action=done&csrf=$CSRF"
check "a rep's session on another rep's task: 403" test "$CODE" = 403
check "... and ann's task is still open" test "$(q "SELECT state FROM tasks WHERE id = $T5")" = open
get "$T/bob" "/ui/enr/$E5"
check "a rep's session on another rep's enrollment page: 403" test "$CODE" = 403
post "$T/bob" "/ui/enr/$E5" "action=pause&csrf=$CSRF"
check "a rep's session pausing another rep's enrollment: 403" test "$CODE" = 403
check "... and it is not paused" test "$(q "SELECT state FROM enrollments WHERE id = $E5")" = active
get "$T/bob" "/ui/tasks?format=json"
check "a rep's task JSON: its own tasks only" python3 -c "
import json,sys; r = json.load(open('$T/get.html'))['results']
sys.exit(0 if r and all(t['userEmail'] == 'bob@our.test' for t in r) else 1)"

# the controls: the same POSTs with the token and the rep's own objects
post "$T/bob" "/ui/tasks/$TH" "action=skip&csrf=$CSRF"
check "control: the POST with the CSRF token is taken (303)" test "$CODE" = 303
check "control: ... and the task is skipped" test "$(q "SELECT state FROM tasks WHERE id = $TH")" = skipped
login "$T/ann" "$ANN"
post "$T/ann" "/ui/tasks/$T5" "action=done&outcome=voicemail&csrf=$CSRF"
CSRF=$BCSRF
check "control: ann closes her own task (303)" test "$CODE" = 303
check "control: ... done with its outcome" test "$(q "SELECT state || ' ' || outcome FROM tasks WHERE id = $T5")" = "done voicemail"

# sign-out ends the session on the server
post "$T/bob" /ui/logout "csrf=$CSRF"
check "sign-out: 303" test "$CODE" = 303
sed -i 's/\tcad_ui\t.*$//' "$T/bob" 2>/dev/null
get "$T/bob" /ui/tasks
check "after sign-out the page asks to sign in again" test "$CODE" = 303

if grep -qE "Sanitizer|runtime error:" "$T/cadenced.log"; then
	failed=$((failed + 1))
	echo "FAIL: sanitizer report in cadenced's log"
	cat "$T/cadenced.log"
fi
echo "ui: $pass passed, $failed failed (screenshots in $OUT)"
[ "$failed" -eq 0 ]
