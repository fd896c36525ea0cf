#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
# killmid.py LOG PATTERN MAXMS COMMAND... - runs COMMAND and kills it with
# SIGKILL as soon as a line matching the regular expression PATTERN is
# appended to LOG (plus 0..MAXMS milliseconds, drawn at random), so that the
# kill lands inside the work that line announces. The file is polled every
# half millisecond: a polling shell loop of grep took 5-10 ms, in which a
# fast machine had already finished what the kill was meant to interrupt.
# Prints "killed" or "exited N" (N the command's exit status); exit 0, or 2
# on bad arguments. Gives up watching after 60 s and waits for the command.
#
# killmid.py --hold SHELLCMD LOG PATTERN MAXMS COMMAND... stops COMMAND
# with SIGSTOP instead, runs SHELLCMD (sh -c, with COMMAND's pid as $1),
# lets it go on (SIGCONT; SHELLCMD may send it earlier) and waits for it:
# the event SHELLCMD makes (a database going down) falls inside COMMAND's
# work whatever the machine's speed.
# Prints "held N exited M" (N SHELLCMD's status) or "exited M" when the
# command ended before the line came.
import os, random, re, signal, subprocess, sys, time

hold = None
if len(sys.argv) > 2 and sys.argv[1] == "--hold":
    hold = sys.argv[2]
    del sys.argv[1:3]
if len(sys.argv) < 5:
    sys.stderr.write("usage: killmid.py [--hold SHELLCMD] LOG PATTERN MAXMS COMMAND...\n")
    sys.exit(2)
log, pat, maxms = sys.argv[1], re.compile(sys.argv[2].encode()), int(sys.argv[3])
try:
    off = os.path.getsize(log)
except OSError:
    off = 0
proc = subprocess.Popen(sys.argv[4:])
buf = b""
end = time.monotonic() + 60
while time.monotonic() < end:
    if proc.poll() is not None:
        print("exited %d" % proc.returncode)
        sys.exit(0)
    try:
        with open(log, "rb") as f:
            f.seek(off)
            new = f.read()
    except OSError:
        new = b""
    if new:
        off += len(new)
        buf = (buf + new).rsplit(b"\n", 1)
        lines, buf = buf[0], (buf[1] if len(buf) > 1 else b"")
        if pat.search(lines):
            time.sleep(random.randint(0, maxms) / 1000.0)
            if hold is not None and proc.poll() is None:
                proc.send_signal(signal.SIGSTOP)
                st = subprocess.call(["sh", "-c", hold, "killmid", str(proc.pid)])
                proc.send_signal(signal.SIGCONT)
                print("held %d exited %d" % (st, proc.wait()))
            elif proc.poll() is None:
                proc.send_signal(signal.SIGKILL)
                proc.wait()
                print("killed")
            else:
                print("exited %d" % proc.returncode)
            sys.exit(0)
    time.sleep(0.0005)
print("exited %d" % proc.wait())
