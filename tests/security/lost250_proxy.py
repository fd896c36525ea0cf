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
is lost (held dots still go on with the next end of data). Bounded: every socket times out after
30 s; the caller runs it under timeout(1).
"""
import os
import random
import socket
import sys
import threading

LISTEN, UP, MODE, COUNT, STATE = (int(sys.argv[1]), int(sys.argv[2]), sys.argv[3],
                                  int(sys.argv[4]), sys.argv[5])
lock = threading.Lock()
lost = 0
held = []          # (upstream socket, reader) whose "." is held back


def note(word):
    with lock:
        with open(STATE, "a") as f:
            f.write(word + "\n")


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


def read_reply(f):
    """One SMTP reply (all its lines), or b"" when the peer closed."""
    out = b""
    while True:
        line = f.readline()
        if not line:
            return out
        out += line
        if len(line) < 4 or line[3:4] != b"-":
            return out


def release_held():
    with lock:
        items = held[:]
        del held[:]
    for up, uf in items:
        try:
            up.sendall(b".\r\n")
            read_reply(uf)
            up.sendall(b"QUIT\r\n")
        except OSError:
            pass
        up.close()
        note("released")


def serve(cl):
    up = socket.create_connection(("127.0.0.1", UP), timeout=30)
    cl.settimeout(30)
    cf, uf = cl.makefile("rb"), up.makefile("rb")
    keep_up = False
    try:
        cl.sendall(read_reply(uf))                 # greeting
        while True:
            cmd = cf.readline()
            if not cmd:
                return
            up.sendall(cmd)
            rep = read_reply(uf)
            if not rep:
                return
            if cmd[:4].upper() != b"DATA" or not rep.startswith(b"354"):
                cl.sendall(rep)
                continue
            cl.sendall(rep)
            while True:                            # the data, up to the dot
                line = cf.readline()
                if not line:
                    return
                if line == b".\r\n":
                    break
                up.sendall(line)
            lose = take_one()
            if lose == "hold":
                with lock:
                    held.append((up, uf))
                keep_up = True
                note("held")
                note("lost")
                return                             # the client sees the connection close
            release_held()                         # an earlier copy arrives first
            up.sendall(b".\r\n")
            rep = read_reply(uf)
            if lose:
                note("lost")
                return                             # the MTA answered; the client never hears it
            note("passed")
            cl.sendall(rep)
    except OSError:
        return
    finally:
        cl.close()
        if not keep_up:
            up.close()


def main():
    ls = socket.socket()
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("127.0.0.1", LISTEN))
    ls.listen(64)
    while True:
        cl, _ = ls.accept()
        threading.Thread(target=serve, args=(cl,), daemon=True).start()


if __name__ == "__main__":
    main()
