#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# tests/kill/kill-proxy.sh - the kill loop of tests/kill/kill.sh through
# tests/security/lost250_proxy.py (issue 9, finding 5): while cadenced is
# killed with SIGKILL at random moments, a random quarter of the replies
# to the end of data are lost after Postfix answered, another quarter with
# the dot held back until the next transaction's. Every due step must
# still arrive exactly once. KILL_PROXY_ROUNDS kills (default 100); the
# other KILL_* settings as in kill.sh.
export KILL_PROXY=rand
export KILL_ROUNDS=${KILL_PROXY_ROUNDS:-100}
export KILL_NAME=${KILL_NAME:-kill-proxy}
exec bash "${CADENCE_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/kill/kill.sh" "$@"
