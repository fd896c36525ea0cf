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
connection. Bounded: every socket times out after 30 s; the caller runs it
under timeout(1).
"""
import socket
import sys
import threading

LISTEN, UP, PLAN, STATE = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4]
plan = {}
for item in filter(None, PLAN.split(",")):
    n, how = item.split(":")
    plan[int(n)] = how
lock = threading.Lock()
count = 0


def note(line):
    with lock:
        with open(STATE, "a") as f:
            f.write(line + "\n")


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


def serve(cl):
    global count
    up = socket.create_connection(("127.0.0.1", UP), timeout=30)
    cl.settimeout(30)
    cf, uf = cl.makefile("rb"), up.makefile("rb")
    note("conn")
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
            cl.sendall(rep)
            if cmd[:4].upper() != b"DATA" or not rep.startswith(b"354"):
                continue
            while True:                            # the data, up to the dot
                line = cf.readline()
                if not line:
                    return
                if line == b".\r\n":
                    break
                up.sendall(line)
            with lock:
                count += 1
                n = count
            how = plan.get(n)
            if how == "swallow":
                note("%d swallow" % n)
                return                             # the upstream never sees the dot
            up.sendall(b".\r\n")
            rep = read_reply(uf)
            if how == "after":
                note("%d after" % n)
                return                             # the MTA answered; the client never hears it
            note("%d passed" % n)
            cl.sendall(rep)
    except OSError:
        return
    finally:
        cl.close()
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
