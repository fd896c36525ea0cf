#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""http_harness.py - abusive and ordinary HTTP clients for tests/security/http.sh.

Every client is bounded in count and in time; all go to 127.0.0.1 only.
Slow clients bind distinct loopback source addresses (127.0.1.N): the
per-address limit must not be what protects the server in the starvation
test. Results are printed as one JSON object.

  slow PORT N TOKEN   N clients trickle header lines (one each 0.5 s,
                      never ending the request) while, once all are
                      connected, GET /healthz and a one-click POST for
                      TOKEN ("-" = none) are timed (3 s timeout each)
  trickle PORT MAX    one client trickles a header line every 0.5 s for
                      at most MAX seconds: when did the server cut it?
  perip PORT N        N clients from one address (127.0.3.1) each send a
                      partial request; how many did the server close at
                      once? (and /healthz from 127.0.3.2 meanwhile)
  req PORT METHOD PATH [CONTENT-TYPE BODY-FILE]
                      one request (Connection: close); status, headers,
                      the raw bytes after the header block
"""
import json
import socket
import sys
import threading
import time

HOST = "127.0.0.1"


def connect(port, src=None, timeout=3.0):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.settimeout(timeout)
    if src:
        s.bind((src, 0))
    s.connect((HOST, port))
    return s


def closed_by_peer(s):
    """True when the server has closed (or reset) the connection."""
    try:
        s.setblocking(False)
        data = s.recv(1, socket.MSG_PEEK)
        return data == b""
    except BlockingIOError:
        return False
    except OSError:
        return True
    finally:
        s.setblocking(True)


def request(port, method, path, ctype=None, body=b"", src=None, timeout=3.0):
    """One HTTP/1.1 request; returns (status or None, headers dict, rest bytes, seconds)."""
    t0 = time.monotonic()
    try:
        s = connect(port, src, timeout)
        head = "%s %s HTTP/1.1\r\nHost: cadence.test\r\nConnection: close\r\n" % (method, path)
        if ctype:
            head += "Content-Type: %s\r\n" % ctype
        if body or method == "POST":
            head += "Content-Length: %d\r\n" % len(body)
        s.sendall(head.encode() + b"\r\n" + body)
        raw = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            raw += chunk
        s.close()
    except OSError as e:
        return None, {"error": str(e)}, b"", time.monotonic() - t0
    took = time.monotonic() - t0
    if b"\r\n\r\n" not in raw:
        return None, {"error": "no complete answer"}, raw, took
    hdr, rest = raw.split(b"\r\n\r\n", 1)
    lines = hdr.decode("latin-1").split("\r\n")
    try:
        status = int(lines[0].split()[1])
    except (IndexError, ValueError):
        return None, {"error": "bad status line"}, raw, took
    headers = {}
    for ln in lines[1:]:
        k, _, v = ln.partition(":")
        headers[k.strip().lower()] = v.strip()
    return status, headers, rest, took


def one_click_body():
    return "application/x-www-form-urlencoded", b"List-Unsubscribe=One-Click"


def cmd_slow(port, n, token):
    n = min(n, 250)
    socks, stop = [], threading.Event()
    refused = 0
    for i in range(n):
        try:
            s = connect(port, "127.0.1.%d" % (i + 1))
            s.sendall(b"GET /healthz HTTP/1.1\r\n")
            socks.append(s)
        except OSError:
            refused += 1

    def trickle():
        k = 0
        while not stop.is_set():
            for s in socks:
                try:
                    s.sendall(b"X-Slow-%d: x\r\n" % k)
                except OSError:
                    pass
            k += 1
            stop.wait(0.5)
    th = threading.Thread(target=trickle, daemon=True)
    th.start()
    time.sleep(1.0)   # the flood is established and trickling
    open_before = sum(1 for s in socks if not closed_by_peer(s))
    hz, _, hzbody, hzt = request(port, "GET", "/healthz")
    res = {"slow": n, "refused": refused, "open": open_before,
           "healthz": hz, "healthz_s": round(hzt, 2)}
    if token != "-":
        ct, body = one_click_body()
        st, _, _, t = request(port, "POST", "/u/" + token, ct, body)
        res.update({"post": st, "post_s": round(t, 2)})
    res["open_after"] = sum(1 for s in socks if not closed_by_peer(s))
    stop.set()
    th.join(2)
    for s in socks:
        s.close()
    print(json.dumps(res))


def cmd_trickle(port, maxs):
    t0 = time.monotonic()
    s = connect(port, "127.0.2.1")
    s.sendall(b"GET /healthz HTTP/1.1\r\nHost: cadence.test\r\n")
    k, cut, sent = 0, None, 0
    while time.monotonic() - t0 < maxs:
        if closed_by_peer(s):
            cut = time.monotonic() - t0
            break
        try:
            s.sendall(b"X-Slow-%d: x\r\n" % k)
            sent += 1
        except OSError:
            cut = time.monotonic() - t0
            break
        k += 1
        time.sleep(0.5)
    s.close()
    print(json.dumps({"cut_s": None if cut is None else round(cut, 2), "lines": sent}))


def cmd_perip(port, n):
    socks, refused = [], 0
    for _ in range(n):
        try:
            s = connect(port, "127.0.3.1")
            s.sendall(b"GET /healthz HTTP/1.1\r\n")
            socks.append(s)
        except OSError:
            refused += 1
        time.sleep(0.05)
    time.sleep(1.0)
    closed = sum(1 for s in socks if closed_by_peer(s))
    hz, _, _, _ = request(port, "GET", "/healthz", src="127.0.3.2")
    for s in socks:
        s.close()
    print(json.dumps({"tried": n, "refused": refused, "closed": closed,
                      "open": len(socks) - closed, "other_ip_healthz": hz}))


def cmd_req(port, method, path, ctype=None, body=None):
    data = b""
    if body is not None:
        with open(body, "rb") as f:
            data = f.read()
    st, hdrs, rest, t = request(port, method, path, ctype, data, timeout=5.0)
    print(json.dumps({"status": st, "headers": hdrs, "rest_len": len(rest),
                      "rest": rest.decode("utf-8", "replace"), "s": round(t, 2)}))


def main(argv):
    cmd, port = argv[1], int(argv[2])
    if cmd == "slow":
        cmd_slow(port, int(argv[3]), argv[4])
    elif cmd == "trickle":
        cmd_trickle(port, float(argv[3]))
    elif cmd == "perip":
        cmd_perip(port, int(argv[3]))
    elif cmd == "req":
        cmd_req(port, *argv[3:])
    else:
        sys.exit("unknown command " + cmd)


if __name__ == "__main__":
    main(sys.argv)
