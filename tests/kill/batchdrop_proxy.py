#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""batchdrop_proxy.py - a loopback SMTP proxy that breaks the connection in
the middle of a batch (issue #16, 5: several messages over one connection),
for tests/kill/batch-drop.sh.

  batchdrop_proxy.py LISTEN_PORT UPSTREAM_PORT PLAN STATEFILE

It relays SMTP conversations (many transactions per connection, in lock
step) between a client (cadenced) and the upstream server (Postfix with
the milter, or a bare smtp-sink). Transactions are numbered from 1 across
all connections, at their final ".". PLAN says what happens to chosen
ones, e.g. "5:after,12:swallow":

  after    the "." goes to the upstream and its reply is read (the MTA
           has the message, the milter witnessed it), then the client's
           connection is closed without that reply: the transactions of
           the batch before it had their 250s, those after it had not
           begun.
  swallow  the client's connection is closed at the ".", which never
           reaches the upstream (the upstream drops the transaction: not
           queued); the client cannot tell this from "after".

Every other transaction is relayed untouched. STATEFILE gets one line per
transaction: "N passed", "N after", "N swallow"; and "conn" per accepted
connection. The relaying itself is tests/lib/smtprelay.py's. Bounded: every
socket times out after 30 s; the caller runs it under timeout(1).
"""
import os
import sys

sys.dont_write_bytecode = True             # nothing written into the source tree
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import smtprelay                           # noqa: E402  (tests/lib/smtprelay.py)

LISTEN, UP, PLAN, STATE = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4]
plan = {}
for item in filter(None, PLAN.split(",")):
    n, how = item.split(":")
    plan[int(n)] = how
notes = smtprelay.Notes(STATE)
count = 0


def at_dot(conn):
    """The final "." of a transaction: what PLAN says for its number."""
    global count
    with smtprelay.lock:
        count += 1
        n = count
    how = plan.get(n)
    if how == "swallow":
        notes.note("%d swallow" % n)
        return None                                # the upstream never sees the dot
    conn.up.sendall(b".\r\n")
    rep = smtprelay.read_reply(conn.uf)
    if how == "after":
        notes.note("%d after" % n)
        return None                                # the MTA answered; the client never hears it
    notes.note("%d passed" % n)
    return rep


def serve(cl):
    smtprelay.relay(cl, UP, at_dot, on_connect=lambda: notes.note("conn"))


if __name__ == "__main__":
    smtprelay.run(LISTEN, serve)
