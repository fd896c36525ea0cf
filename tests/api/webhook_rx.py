#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""webhook_rx.py - a loopback webhook receiver for cadence's tests.

  webhook_rx.py PORTFILE LOG SECRET|@FILE [--fail N] [--hold-at K --hold S]
                [--delay S]

Listens on 127.0.0.1 (a free port, written to PORTFILE). For each POST it
checks the Cadence-Signature header (t=T,v1=hex HMAC-SHA256(SECRET,
"T.body")), then appends one JSON line to LOG: the event id, the delivery
id, whether the signature verified and the status it answers. The first N
requests are answered 500 (after being logged); the K-th request is held S
seconds before its answer (the test kills cadenced meanwhile); with
--delay every answer waits S seconds (two cadenced overlap). A bad
signature is answered 401. This is also the verification example of
cadence-api(7).
"""
import hashlib
import hmac
import json
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def verify(secret, header, body, tolerance=None, now=None):
    """True when header "t=T,v1=SIG" signs body with secret."""
    parts = dict(p.split("=", 1) for p in header.split(",") if "=" in p)
    t, sig = parts.get("t", ""), parts.get("v1", "")
    want = hmac.new(secret.encode(), t.encode() + b"." + body, hashlib.sha256).hexdigest()
    if not hmac.compare_digest(want, sig):
        return False
    if tolerance is not None and abs((now or time.time()) - int(t)) > tolerance:
        return False
    return True


def main():
    portfile, logpath, secret = sys.argv[1:4]
    opts = sys.argv[4:]
    fail = int(opts[opts.index("--fail") + 1]) if "--fail" in opts else 0
    hold_at = int(opts[opts.index("--hold-at") + 1]) if "--hold-at" in opts else 0
    hold = float(opts[opts.index("--hold") + 1]) if "--hold" in opts else 0
    delay = float(opts[opts.index("--delay") + 1]) if "--delay" in opts else 0
    count = [0]

    class H(BaseHTTPRequestHandler):
        def log_message(self, *a):
            pass

        def do_POST(self):
            n = int(self.headers.get("Content-Length", "0"))
            body = self.rfile.read(n)
            count[0] += 1
            key = open(secret[1:]).read().strip() if secret.startswith("@") else secret
            ok = verify(key, self.headers.get("Cadence-Signature", ""), body)
            try:
                ev = json.loads(body)
            except ValueError:
                ev = {}
            status = 200
            if not ok:
                status = 401
            elif count[0] <= fail:
                status = 500
            rec = {"n": count[0], "event": ev.get("id"), "type": ev.get("type"),
                   "hdrEvent": self.headers.get("Cadence-Event-Id"),
                   "delivery": self.headers.get("Cadence-Delivery-Id"),
                   "sigOk": ok, "status": status, "held": count[0] == hold_at,
                   "sig": self.headers.get("Cadence-Signature", ""),
                   "body": body.decode("utf-8", "replace")}
            with open(logpath, "a") as f:
                f.write(json.dumps(rec) + "\n")
            if count[0] == hold_at:
                time.sleep(hold)
            elif delay:
                time.sleep(delay)
            self.send_response(status)
            self.send_header("Content-Type", "text/plain")
            self.end_headers()
            self.wfile.write(b"ok\n" if status == 200 else b"try again\n")

    srv = ThreadingHTTPServer(("127.0.0.1", 0), H)
    with open(portfile + ".tmp", "w") as f:
        f.write(str(srv.server_address[1]))
    import os
    os.rename(portfile + ".tmp", portfile)
    srv.serve_forever()


if __name__ == "__main__":
    main()
