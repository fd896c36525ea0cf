#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# bench_api.sh [N] [REPS] - requests per second of cadenced's API on a store
# of N (100,000) enrollments over REPS (20) reps: in process (api_handle,
# no socket) and over HTTP against the real cadenced on loopback (2 and 8
# clients, keep-alive). Each run starts from a copy of the same store.
# Prints figures (see bench/README.md); asserts nothing.
set -eu
B=${CADENCE_BUILDDIR:-$(pwd)}
N=${1:-100000}
REPS=${2:-20}
SECS=${BENCH_SECONDS:-5}
T=$(mktemp -d "${TMPDIR:-/tmp}/cadence-bench-api.XXXXXX")
CPID=""
trap '[ -n "$CPID" ] && kill $CPID 2>/dev/null; rm -rf "$T"' EXIT
"$B/bench/bench_api" make "$T" "$N" "$REPS"
cp "$T/cadence.db" "$T/base.db"
echo "machine: $(nproc) CPU, $(uname -r)"
"$B/bench/bench_api" inproc "$T" "$SECS"
PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
openssl rand -hex 32 > "$T/secret"; chmod 600 "$T/secret"
cat > "$T/cadence.conf" <<EOC
Database $T/cadence.db
SecretFile $T/secret
Domain cadence.our.test
SubmitURL smtp://127.0.0.1:1
HttpListen 127.0.0.1:$PORT
SchedulerPidFile $T/cadenced.pid
EOC
for clients in 2 8; do
	cp "$T/base.db" "$T/cadence.db"; rm -f "$T/cadence.db-wal" "$T/cadence.db-shm"
	"$B/scheduler/cadenced" -c "$T/cadence.conf" -f --now=2020-01-01T00:00:00Z >"$T/cadenced.log" 2>&1 &
	CPID=$!
	for _ in $(seq 1 100); do curl -s "http://127.0.0.1:$PORT/healthz" >/dev/null && break; sleep 0.1; done
	"$B/bench/bench_api" http "http://127.0.0.1:$PORT" "$T" "$SECS" "$clients"
	kill "$CPID"; wait "$CPID" 2>/dev/null || true; CPID=""
done
