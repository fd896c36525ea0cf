#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""mailcheck.py - read delivered Maildir files for cadence's e2e tests.

  mailcheck.py header FILE NAME         values of header NAME, unfolded and
                                        RFC 2047-decoded, one per line
  mailcheck.py raw-header FILE NAME     the same, undecoded
  mailcheck.py localtime FILE ZONE      the Date header in the IANA ZONE, as
                                        "Mon 2026-12-07 08:00" (weekday, date, time)
  mailcheck.py same FILE SENT           exit 0 when FILE is SENT byte for byte
                                        once the MTA's trace header fields
                                        (Return-Path, Delivered-To,
                                        X-Original-To, Received) are removed
                                        from FILE and line ends are LF
  mailcheck.py body FILE                the decoded text body
  mailcheck.py fill TEMPLATE K=V...     TEMPLATE with each @K@ replaced by V
  mailcheck.py http METHOD URL [BODY]   one HTTP request (loopback only);
                                        prints the status code, exit 0 on 2xx
  mailcheck.py json EXPR                evaluate the Python expression EXPR
                                        with d = the JSON document on
                                        standard input; print the result
                                        (a list one item per line)

Only the standard library; never the network.
"""
import email
import email.header
import email.policy
import email.utils
import json
import sys
import zoneinfo

TRACE = {"return-path", "delivered-to", "x-original-to", "received"}


def load(path):
    with open(path, "rb") as f:
        return email.message_from_binary_file(f, policy=email.policy.compat32)


def decode(v):
    parts = []
    for text, cs in email.header.decode_header(v):
        if isinstance(text, bytes):
            text = text.decode(cs or "ascii", "replace")
        parts.append(text)
    return "".join(parts)


def unfold(v):
    return " ".join(v.replace("\r", "").split("\n")).strip()


def header(path, name, raw):
    m = load(path)
    for v in m.get_all(name) or []:
        v = unfold(str(v))
        print(v if raw else " ".join(decode(v).split()))


def localtime(path, zone):
    m = load(path)
    d = email.utils.parsedate_to_datetime(m["Date"])
    print(d.astimezone(zoneinfo.ZoneInfo(zone)).strftime("%a %Y-%m-%d %H:%M"))


def split_fields(data):
    """The header block as a list of (name, raw bytes) and the rest."""
    end = data.find(b"\n\n")
    head, rest = (data, b"") if end < 0 else (data[: end + 1], data[end + 1:])
    fields = []
    for line in head.splitlines(keepends=True):
        if line[:1] in (b" ", b"\t") and fields:
            fields[-1][1] += line
        else:
            fields.append([line.split(b":", 1)[0].strip().lower(), line])
    return fields, rest


def same(path, sent):
    with open(path, "rb") as f:
        got = f.read().replace(b"\r\n", b"\n")
    with open(sent, "rb") as f:
        want = f.read().replace(b"\r\n", b"\n")
    fields, rest = split_fields(got)
    kept = b"".join(raw for name, raw in fields if name.decode("ascii", "replace") not in TRACE)
    if kept + rest == want:
        return 0
    sys.stderr.write("mailcheck: %s differs from %s beyond trace headers\n" % (path, sent))
    a, b = (kept + rest).split(b"\n"), want.split(b"\n")
    for i in range(max(len(a), len(b))):
        x = a[i] if i < len(a) else b"<end>"
        y = b[i] if i < len(b) else b"<end>"
        if x != y:
            sys.stderr.write("  line %d: delivered %r\n          sent      %r\n" % (i + 1, x, y))
            break
    return 1


def body(path):
    m = load(path)
    for part in m.walk():
        if part.get_content_maintype() == "text":
            p = part.get_payload(decode=True) or b""
            sys.stdout.write(p.decode(part.get_content_charset() or "utf-8", "replace"))
            return


def jsonexpr(expr):
    d = json.load(sys.stdin)
    r = eval(expr, {"d": d})
    if isinstance(r, (list, tuple)):
        for x in r:
            print(x)
    elif r is not None:
        print(r)


def fill(path, pairs):
    with open(path, "rb") as f:
        t = f.read()
    for p in pairs:
        k, v = p.split("=", 1)
        t = t.replace(b"@" + k.encode() + b"@", v.encode())
    sys.stdout.buffer.write(t)


def http(method, url, body):
    import urllib.error
    import urllib.request
    if not url.startswith("http://127.0.0.1:"):
        sys.stderr.write("mailcheck: http: loopback URLs only\n")
        return 2
    data = body.encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method=method)
    if data is not None:
        req.add_header("Content-Type", "application/x-www-form-urlencoded")
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            print(r.status)
            return 0 if 200 <= r.status < 300 else 1
    except urllib.error.HTTPError as e:
        print(e.code)
        return 1
    except OSError as e:
        print("error: %s" % e)
        return 1


def main(argv):
    if len(argv) >= 4 and argv[1] in ("header", "raw-header"):
        header(argv[2], argv[3], argv[1] == "raw-header")
    elif len(argv) == 4 and argv[1] == "localtime":
        localtime(argv[2], argv[3])
    elif len(argv) == 4 and argv[1] == "same":
        return same(argv[2], argv[3])
    elif len(argv) >= 3 and argv[1] == "fill":
        fill(argv[2], argv[3:])
    elif len(argv) in (4, 5) and argv[1] == "http":
        return http(argv[2], argv[3], argv[4] if len(argv) == 5 else None)
    elif len(argv) == 3 and argv[1] == "json":
        jsonexpr(argv[2])
    elif len(argv) == 3 and argv[1] == "body":
        body(argv[2])
    else:
        sys.stderr.write(__doc__)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
