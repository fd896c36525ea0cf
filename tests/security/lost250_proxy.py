#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""lost250_proxy.py - a loopback SMTP proxy that loses the reply to the end
of data (RFC 1047's window), for tests/security/lost250.sh and the kill
loop through it (tests/kill/kill.sh, KILL_PROXY).

  lost250_proxy.py LISTEN_PORT UPSTREAM_PORT MODE COUNT STATEFILE

It relays one SMTP conversation per connection between a client
(cadenced) and the upstream server (Postfix, or a bare smtp-sink), in
lock step (libcurl does not pipeline). For the first COUNT transactions
(COUNT < 0: every one) it loses the reply to the final ".":

  after  forwards the ".", reads the upstream's reply (so the MTA has
         queued the message and the milter has witnessed it), then
         closes the client's connection without that reply.
  hold   closes the client's connection at once and holds the "." back
         from the upstream; the held "." goes on (and its reply is read)
         just before the end of data of the next transaction: the first
         copy reaches the MTA while its retry is in flight.
  pass   loses nothing.
  rand   for the kill loop: a random quarter of the transactions as
         "after", another quarter as "hold", the rest passed (COUNT
         bounds how many are lost).

STATEFILE gets one line per transaction: "lost" or "passed", and "held"
or "released" for the hold mode. When STATEFILE.stop exists, nothing more
is lost (held dots still go on with the next end of data). The relaying
itself is tests/lib/smtprelay.py's. Bounded: every socket times out after
30 s; the caller runs it under timeout(1).
"""
import os
import random
import sys

sys.dont_write_bytecode = True             # nothing written into the source tree
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import smtprelay                           # noqa: E402  (tests/lib/smtprelay.py)

LISTEN, UP, MODE, COUNT, STATE = (int(sys.argv[1]), int(sys.argv[2]), sys.argv[3],
                                  int(sys.argv[4]), sys.argv[5])
lock = smtprelay.lock
notes = smtprelay.Notes(STATE)
lost = 0
held = []          # (upstream socket, reader) whose "." is held back


def take_one():
    """How this transaction's reply is lost: None (not), "after" or "hold"."""
    global lost
    with lock:
        if MODE == "pass" or (COUNT >= 0 and lost >= COUNT) or os.path.exists(STATE + ".stop"):
            return None
        how = MODE
        if MODE == "rand":
            x = random.random()
            if x < 0.5:
                return None
            how = "after" if x < 0.75 else "hold"
        lost += 1
        return how


def release_held():
    with lock:
        items = held[:]
        del held[:]
    for up, uf in items:
        try:
            up.sendall(b".\r\n")
            smtprelay.read_reply(uf)
            up.sendall(b"QUIT\r\n")
        except OSError:
            pass
        up.close()
        notes.note("released")


def at_dot(conn):
    """The final "." of a transaction: its reply lost (or not)."""
    lose = take_one()
    if lose == "hold":
        with lock:
            held.append((conn.up, conn.uf))
        conn.keep_up = True
        notes.note("held")
        notes.note("lost")
        return None                                # the client sees the connection close
    release_held()                                 # an earlier copy arrives first
    conn.up.sendall(b".\r\n")
    rep = smtprelay.read_reply(conn.uf)
    if lose:
        notes.note("lost")
        return None                                # the MTA answered; the client never hears it
    notes.note("passed")
    return rep


def serve(cl):
    smtprelay.relay(cl, UP, at_dot)


if __name__ == "__main__":
    smtprelay.run(LISTEN, serve)
