# SPDX-License-Identifier: BSD-2-Clause
"""smtprelay.py - the loopback SMTP relay the fault-injecting proxies share
(tests/security/lost250_proxy.py, tests/kill/batchdrop_proxy.py).

  run(listen_port, serve)        accepts on 127.0.0.1:listen_port, one
                                 thread per connection running serve(cl)
  relay(cl, up_port, at_dot, on_connect=None)
                                 relays one SMTP conversation between the
                                 client socket cl and 127.0.0.1:up_port, in
                                 lock step (libcurl does not pipeline), any
                                 number of transactions; at each final "."
                                 calls at_dot(conn): conn.up / conn.uf are
                                 the upstream socket and its reader, the "."
                                 not yet sent upstream; at_dot returns the
                                 reply to give the client, or None to close
                                 the client's connection (conn.keep_up = True
                                 leaves the upstream connection open)
  read_reply(f)                  one SMTP reply, all its lines
  Notes(path)                    .note(line) appends a line to a state file,
                                 under the relay's lock

Bounded: every socket times out after 30 s; the callers run under
timeout(1).
"""
import socket
import threading

lock = threading.Lock()


class Notes:
    def __init__(self, path):
        self.path = path

    def note(self, line):
        with lock:
            with open(self.path, "a") as f:
                f.write(line + "\n")


class Conn:
    def __init__(self, up, uf):
        self.up, self.uf, self.keep_up = up, uf, False


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


def relay(cl, up_port, at_dot, on_connect=None):
    up = socket.create_connection(("127.0.0.1", up_port), timeout=30)
    cl.settimeout(30)
    cf, uf = cl.makefile("rb"), up.makefile("rb")
    conn = Conn(up, uf)
    if on_connect:
        on_connect()
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
            rep = at_dot(conn)
            if rep is None:
                return                             # the client sees the connection close
            cl.sendall(rep)
    except OSError:
        return
    finally:
        cl.close()
        if not conn.keep_up:
            up.close()


def run(listen_port, serve):
    ls = socket.socket()
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("127.0.0.1", listen_port))
    ls.listen(64)
    while True:
        cl, _ = ls.accept()
        threading.Thread(target=serve, args=(cl,), daemon=True).start()
