#!/usr/bin/env python3
"""The statements a page sends, as PostgreSQL received them, turned into a
pgbench script (tests/bench/run.sh, the floors).

  capture.py LOG OFFSET SCRIPT PREFIX [VALUE=VAR HEADER]

LOG is PostgreSQL's server log, written with log_min_duration_statement = 0
while one request of the page ran; OFFSET where that request's part of it
starts.  Every "execute" entry there (a prepared statement, or an unnamed
one planned at each call) with its "parameters:" detail becomes one
statement of SCRIPT: its text exactly as the portal sent it, each $n a
pgbench variable PREFIX<statement>_<n> whose value (what the portal sent)
goes, one "name=value" a line, to SCRIPT.defs for pgbench's -D.  A NULL
or empty value is written into the text (pgbench cannot send a NULL
parameter, nor take an empty -D value).
With VALUE=VAR, a parameter sent as VALUE becomes :VAR, which the lines
of HEADER (pgbench meta-commands) set before the statements: the idea
page's floor rotates over the ideas its wrk run shows.
Prints how many statements it found; exit 1 when none.
"""

import re
import sys

ENTRY = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d[.\d]* \S+ \[\d+\] ")
EXECUTE = re.compile(r"LOG:\s+duration: [\d.]+ ms\s+execute [^:]+: (.*)$", re.S)
PARAMS = re.compile(r"DETAIL:\s+parameters: (.*)$", re.S)
VALUE = re.compile(r"\$(\d+) = (NULL|'(?:[^']|'')*')")


def entries(text):
    """The log's entries: a prefixed line and the lines continuing it."""
    cur = None
    for line in text.split("\n"):
        if ENTRY.match(line):
            if cur is not None:
                yield cur
            cur = ENTRY.sub("", line, count=1)
        elif cur is not None:
            cur += "\n" + line
    if cur is not None:
        yield cur


def main(argv):
    log, offset, script, prefix = argv[1], int(argv[2]), argv[3], argv[4]
    rotate, header = (None, None), []
    if len(argv) > 6:
        rotate = tuple(argv[5].split("=", 1))
        with open(argv[6]) as f:
            header = [l.rstrip("\n") for l in f if l.startswith("\\set")]
    with open(log, "rb") as f:
        f.seek(offset)
        text = f.read().decode("utf-8", "replace")
    found = []
    last = None
    for e in entries(text):
        m = EXECUTE.match(e)
        if m:
            last = {"sql": m.group(1).rstrip(), "params": {}}
            found.append(last)
            continue
        m = PARAMS.match(e)
        if m and last is not None and not last["params"]:
            for n, v in VALUE.findall(m.group(1)):
                last["params"][int(n)] = None if v == "NULL" else \
                    v[1:-1].replace("''", "'")
        last = None if not m else last
    if not found:
        print("capture: no statement in %s after byte %d" % (log, offset))
        return 1
    lines, defs = list(header), []
    for i, st in enumerate(found, 1):
        sql = st["sql"]
        # The highest numbers first: $1 must not eat the start of $12.
        for n in sorted(st["params"], reverse=True):
            v = st["params"][n]
            if v is None:
                sql = re.sub(r"\$%d(?!\d)" % n, "NULL", sql)
            elif v == "":
                # pgbench takes no empty -D value: the text carries it.
                sql = re.sub(r"\$%d(?!\d)" % n, "''", sql)
            elif v == rotate[0]:
                sql = re.sub(r"\$%d(?!\d)" % n, ":" + rotate[1], sql)
            else:
                name = "%s%d_%d" % (prefix, i, n)
                sql = re.sub(r"\$%d(?!\d)" % n, ":" + name, sql)
                if "\n" in v or "\0" in v:
                    print("capture: a value with a line break")
                    return 1
                defs.append("%s=%s" % (name, v))
        lines.append("-- statement %d of the page, as the portal sent it" % i)
        lines.append(re.sub(r"\s*\n\s*", " ", sql).rstrip().rstrip(";") + ";")
    with open(script, "w") as f:
        f.write("\n".join(lines) + "\n")
    with open(script + ".defs", "w") as f:
        f.write("\n".join(defs) + ("\n" if defs else ""))
    print(len(found))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
