#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""tests/store/sqlcheck.py - every static SQL text of the store prepares on
PostgreSQL (issue 17: one text for both engines).

  sqlcheck.py SRCDIR BUILDDIR CONNINFO PSQL FILE.c...

Each FILE is preprocessed (cc -E, the build's config.h), every run of
adjacent string literals that starts with SELECT, INSERT, UPDATE, DELETE
or WITH is one statement; "?" and "?NNN" are numbered "$N" as
store_drv_pg.c does (outside quotes; a number the text skips is typed
text, the others inferred by the server) and PREPAREd through psql on
CONNINFO, a database at the current schema. Texts with printf formats
(%s) and SQLite's own catalog (pragma_table_info, which store_copy.c
reads only from SQLite) are skipped. The control: SUM of a boolean, which SQLite takes and
PostgreSQL refuses, must fail through the same path. Exit 0 when every
statement prepares and the control fails, 1 otherwise.
"""
import os
import re
import subprocess
import sys

LIT = r'"(?:[^"\\]|\\.)*"'


def unescape(s):
    return bytes(s, 'utf-8').decode('unicode_escape')


def translate(sql):
    """SQLite's ? and ?NNN as $N, outside '...' and "..."."""
    out, i, top, used = [], 0, 0, set()
    while i < len(sql):
        c = sql[i]
        if c in '\'"':
            j = i + 1
            while j < len(sql):
                if sql[j] == c:
                    if j + 1 < len(sql) and sql[j + 1] == c:
                        j += 2
                        continue
                    break
                j += 1
            out.append(sql[i:j + 1])
            i = j + 1
            continue
        if c == '?':
            j = i + 1
            while j < len(sql) and sql[j].isdigit():
                j += 1
            n = int(sql[i + 1:j]) if j > i + 1 else top + 1
            top = max(top, n)
            used.add(n)
            out.append('$%d' % n)
            i = j
            continue
        out.append(c)
        i += 1
    return ''.join(out), top, used


def statements(src, build, files):
    inc = ['-I' + build, '-I' + src + '/src'] + \
        ['-I%s/src/%s' % (src, d) for d in ('util', 'store', 'rules', 'classify', 'mail')]
    extra = subprocess.run(['pkg-config', '--cflags', 'gmime-3.0', 'libical', 'jansson',
                            'sqlite3', 'libpq'], capture_output=True, text=True).stdout.split()
    for f in files:
        pp = subprocess.run(['cc', '-E', '-DHAVE_CONFIG_H'] + inc + extra + [f],
                            capture_output=True, text=True, check=True).stdout
        pp = '\n'.join(l for l in pp.split('\n') if not l.startswith('#'))
        for m in re.finditer(r'(?:%s\s*)+' % LIT, pp):
            s = ''.join(unescape(p[1:-1]) for p in re.findall(LIT, m.group(0)))
            if re.match(r'\s*(SELECT|INSERT|UPDATE|DELETE|WITH)\s', s) and '%' not in \
                    s.replace('%\'', '').replace('%)', '') and 'pragma_' not in s:
                yield os.path.basename(f), s


def prepares(psql, conninfo, k, sql):
    t, top, used = translate(sql)
    types = ', '.join('unknown' if i in used else 'text' for i in range(1, top + 1))
    stmt = 'PREPARE q%d%s AS %s' % (k, '(%s)' % types if top else '', t)
    r = subprocess.run([psql, conninfo, '-X', '-q', '-v', 'ON_ERROR_STOP=1', '-c', stmt],
                       capture_output=True, text=True, timeout=60)
    return r.returncode == 0, (r.stderr.strip().split('\n') or [''])[0]


def main():
    src, build, conninfo, psql = sys.argv[1:5]
    bad = n = 0
    for k, (f, s) in enumerate(statements(src, build, sys.argv[5:])):
        n += 1
        ok, why = prepares(psql, conninfo, k, s)
        if not ok:
            bad += 1
            print('FAIL %s: %s\n    %s' % (f, why, s[:240]))
    ok, _ = prepares(psql, conninfo, 999999, "SELECT SUM(1 = 1)")
    print('sqlcheck: %d statements, %d fail on PostgreSQL; control (SUM of a boolean) %s'
          % (n, bad, 'refused: ok' if not ok else 'PASSED: the check sees nothing'))
    return 1 if bad or ok or n < 50 else 0


if __name__ == '__main__':
    sys.exit(main())
