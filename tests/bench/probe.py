#!/usr/bin/env python3
"""Helpers of tests/bench/run.sh (standard library only).

  probe.py procs KORE_PIDFILE PGDATA
      JSON: RSS/PSS of each Kore worker and of PostgreSQL, CPU ticks of
      Kore, of PostgreSQL and of the whole machine (/proc/stat).
  probe.py check BASE SESSIONS PATH...
      GET each path with the first session's cookie; JSON of status and
      size; exit 1 unless all are 200.
  probe.py weight BASE SESSIONS
      What GET / costs a browser: the HTML and every stylesheet, script,
      icon and image it references, fetched and summed; third-party
      references listed.
  probe.py requests BASE N get PATHS SESSIONS
  probe.py requests BASE N vote CAST WITHDRAW SESSIONS
  probe.py requests BASE N signin USERS PASSWORD
      N requests, one after another on one keep-alive connection (for
      counting statements); JSON of the statuses.
  probe.py quiet MAX_WAIT THRESHOLD
      Waits (at most MAX_WAIT s) until the machine is under THRESHOLD %
      busy over one second; JSON of how long and how busy.
  probe.py record RESULTS KIND NAME [key=value | key=@file.json |
                 wrk=@output | pgbench=@output | time=@file | cpu0=@f ...]
      Appends one JSON line to RESULTS.
"""

import http.client
import json
import os
import re
import sys
import time
from html.parser import HTMLParser
from urllib.parse import urlsplit

CLK = os.sysconf("SC_CLK_TCK")
PAGE_KB = os.sysconf("SC_PAGE_SIZE") // 1024


def read(path, default=""):
    try:
        with open(path) as f:
            return f.read()
    except OSError:
        return default


def stat_ticks(pid, children=False):
    s = read("/proc/%d/stat" % pid)
    if not s:
        return 0
    f = s[s.rindex(")") + 2:].split()
    # fields after the name: state(0) ... utime(11) stime(12) cutime(13)
    # cstime(14)
    t = int(f[11]) + int(f[12])
    if children:
        t += int(f[13]) + int(f[14])
    return t


def mem_kb(pid):
    rss = pss = 0
    for line in read("/proc/%d/status" % pid).splitlines():
        if line.startswith("VmRSS:"):
            rss = int(line.split()[1])
    for line in read("/proc/%d/smaps_rollup" % pid).splitlines():
        if line.startswith("Pss:"):
            pss = int(line.split()[1])
    return rss, pss


def children(pid):
    out = []
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        s = read("/proc/%s/stat" % d)
        if not s:
            continue
        f = s[s.rindex(")") + 2:].split()
        if int(f[1]) == pid:
            out.append(int(d))
    return out


def cmdline(pid):
    return read("/proc/%d/cmdline" % pid).replace("\0", " ").strip()


def procs(kore_pidfile, pgdata):
    snap = {"t": time.time()}
    cpu = read("/proc/stat").splitlines()[0].split()[1:]
    cpu = [int(x) for x in cpu]
    snap["machine"] = {"total": sum(cpu[:8]), "idle": cpu[3] + cpu[4]}
    snap["ncpu"] = os.cpu_count()
    snap["loadavg"] = read("/proc/loadavg").split()[:3]

    kore = {"workers": [], "ticks": 0}
    try:
        parent = int(read(kore_pidfile).strip())
        kore["ticks"] += stat_ticks(parent)
        kore["parent_rss_kb"] = mem_kb(parent)[0]
        for c in children(parent):
            rss, pss = mem_kb(c)
            kore["ticks"] += stat_ticks(c)
            kore["workers"].append({"pid": c, "name": cmdline(c),
                                    "rss_kb": rss, "pss_kb": pss})
        kore["workers"] = [w for w in kore["workers"]
                           if "wrk" in w["name"]] or kore["workers"]
    except (ValueError, OSError):
        pass
    snap["kore"] = kore

    pg = {"ticks": 0, "rss_kb": 0, "pss_kb": 0, "processes": 0}
    try:
        pm = int(read(os.path.join(pgdata, "postmaster.pid")).split()[0])
        pg["ticks"] += stat_ticks(pm, children=True)
        for p in [pm] + children(pm):
            rss, pss = mem_kb(p)
            pg["rss_kb"] += rss
            pg["pss_kb"] += pss
            pg["processes"] += 1
            if p != pm:
                pg["ticks"] += stat_ticks(p)
    except (ValueError, OSError, IndexError):
        pass
    snap["pg"] = pg
    return snap


def cpu_split(a, b, tool_secs=None):
    """Shares of the machine's CPU time between two procs() snapshots."""
    total = b["machine"]["total"] - a["machine"]["total"]
    if total <= 0:
        return None
    idle = b["machine"]["idle"] - a["machine"]["idle"]
    out = {
        "kore_pct": 100.0 * (b["kore"]["ticks"] - a["kore"]["ticks"]) / total,
        "pg_pct": 100.0 * (b["pg"]["ticks"] - a["pg"]["ticks"]) / total,
        "busy_pct": 100.0 * (total - idle) / total,
        "cores": b["ncpu"],
        "wall_s": b["t"] - a["t"],
    }
    if tool_secs is not None:
        out["client_pct"] = 100.0 * tool_secs * CLK / total
    out["other_pct"] = out["busy_pct"] - out["kore_pct"] - out["pg_pct"] - \
        out.get("client_pct", 0.0)
    return out


# ---- HTTP ----

def session_lines(path):
    out = []
    for line in read(path).splitlines():
        f = line.split()
        if len(f) >= 3:
            out.append({"user": f[0], "token": f[1], "csrf": f[2]})
    return out


class Client:
    def __init__(self, base):
        u = urlsplit(base)
        self.host, self.port = u.hostname, u.port
        self.conn = None

    def req(self, method, path, headers=None, body=None):
        for attempt in (0, 1):
            if self.conn is None:
                self.conn = http.client.HTTPConnection(self.host, self.port,
                                                       timeout=30)
            try:
                self.conn.request(method, path, body=body,
                                  headers=headers or {})
                r = self.conn.getresponse()
                data = r.read()
                if r.getheader("connection", "").lower() == "close":
                    self.conn.close()
                    self.conn = None
                return r.status, data, r
            except (http.client.HTTPException, OSError):
                self.conn.close()
                self.conn = None
                if attempt:
                    raise
        raise RuntimeError("unreachable")


def check(base, sessions, paths):
    s = session_lines(sessions)[0]
    c = Client(base)
    out, ok = {}, True
    for p in paths:
        st, data, _ = c.req("GET", p, {"Cookie": "drive_session=" + s["token"]})
        out[p] = {"status": st, "bytes": len(data)}
        ok = ok and st == 200
    print(json.dumps(out))
    return 0 if ok else 1


class Refs(HTMLParser):
    def __init__(self):
        super().__init__()
        self.refs = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "link" and a.get("href") and a.get("rel") in (
                "stylesheet", "icon", "preload", "modulepreload",
                "manifest", "apple-touch-icon"):
            self.refs.append((a.get("rel"), a["href"]))
        elif tag in ("script", "img", "iframe", "source", "audio",
                     "video") and a.get("src"):
            self.refs.append((tag, a["src"]))


def weight(base, sessions):
    s = session_lines(sessions)[0]
    c = Client(base)
    st, html, _ = c.req("GET", "/", {"Cookie": "drive_session=" + s["token"]})
    p = Refs()
    p.feed(html.decode("utf-8", "replace"))
    out = {"status": st, "html_bytes": len(html), "assets": [],
           "third_party": []}
    total = len(html)
    seen = set()
    for kind, ref in p.refs:
        u = urlsplit(ref)
        if u.scheme or u.netloc:
            if u.netloc != urlsplit(base).netloc:
                out["third_party"].append(ref)
                continue
        if ref in seen:
            continue
        seen.add(ref)
        ast, data, _ = c.req("GET", u.path or ref)
        out["assets"].append({"kind": kind, "path": ref, "status": ast,
                              "bytes": len(data)})
        total += len(data)
    # CSS may pull more (url(...), @import): count same-origin ones.
    for a in list(out["assets"]):
        if a["kind"] != "stylesheet":
            continue
        _, css, _ = c.req("GET", a["path"])
        for ref in re.findall(r"url\(\s*['\"]?([^'\")]+)", css.decode(
                "utf-8", "replace")):
            if ref.startswith("data:") or ref in seen:
                continue
            u = urlsplit(ref)
            if u.netloc and u.netloc != urlsplit(base).netloc:
                out["third_party"].append(ref)
                continue
            seen.add(ref)
            ast, data, _ = c.req("GET", u.path)
            out["assets"].append({"kind": "css-url", "path": ref,
                                  "status": ast, "bytes": len(data)})
            total += len(data)
    out["total_bytes"] = total
    print(json.dumps(out))
    return 0


def requests(base, n, kind, args):
    """At most n requests, and no more than BENCH_PROBE_SECONDS (5) s:
    the answer says how many were sent."""
    c = Client(base)
    statuses = {}
    deadline = time.time() + float(os.environ.get("BENCH_PROBE_SECONDS", 5))

    def note(st):
        statuses[str(st)] = statuses.get(str(st), 0) + 1

    if kind == "get":
        paths = [l for l in read(args[0]).splitlines() if l]
        sess = session_lines(args[1])
        for i in range(n):
            if time.time() > deadline and i >= 2 and i % 2 == 0:
                break
            st, _, _ = c.req("GET", paths[i % len(paths)], {
                "Cookie": "drive_session=" + sess[i % len(sess)]["token"]})
            note(st)
    elif kind == "vote":
        cast = [l.split() for l in read(args[0]).splitlines() if l]
        withdraw = [l.split() for l in read(args[1]).splitlines() if l]
        by = {s["user"]: s for s in session_lines(args[2])}
        for i in range(n):
            if time.time() > deadline and i >= 2 and i % 2 == 0:
                break
            pair = (cast if i % 2 == 0 else withdraw)[i // 2]
            s = by[pair[1]]
            st, _, _ = c.req("POST" if i % 2 == 0 else "DELETE",
                             "/api/v1/ideas/%s/vote" % pair[0], {
                                 "Cookie": "drive_session=" + s["token"],
                                 "X-CSRF-Token": s["csrf"],
                                 "Content-Length": "0"})
            note(st)
    elif kind == "signin":
        users = [l for l in read(args[0]).splitlines() if l]
        for i in range(n):
            if time.time() > deadline and i >= 2 and i % 2 == 0:
                break
            body = json.dumps({"email": users[i % len(users)],
                               "password": args[1]})
            st, _, _ = c.req("POST", "/api/v1/session", {
                "Content-Type": "application/json"}, body)
            note(st)
    print(json.dumps({"n": sum(statuses.values()), "statuses": statuses}))
    return 0


def quiet(max_wait, threshold):
    """Waits until the machine is under threshold % busy over a second,
    at most max_wait seconds."""
    t0 = time.time()
    while True:
        a = [int(x) for x in read("/proc/stat").splitlines()[0].split()[1:]]
        time.sleep(1)
        b = [int(x) for x in read("/proc/stat").splitlines()[0].split()[1:]]
        total = sum(b[:8]) - sum(a[:8])
        idle = (b[3] + b[4]) - (a[3] + a[4])
        busy = 100.0 * (total - idle) / total if total > 0 else 0.0
        waited = time.time() - t0 - 1
        if busy <= threshold or waited >= max_wait:
            print(json.dumps({"waited_s": round(waited, 1),
                              "busy_pct": round(busy, 1),
                              "quiet": busy <= threshold}))
            return 0
        time.sleep(1)


# ---- recording ----

def parse_wrk(text):
    for line in text.splitlines():
        if line.startswith("BENCH_JSON "):
            return json.loads(line[len("BENCH_JSON "):])
    return {"error": text[-2000:]}


def parse_pgbench(text):
    out = {}
    m = re.search(r"^tps = ([0-9.]+) \(without initial", text, re.M)
    out["tps"] = float(m.group(1)) if m else None
    m = re.search(r"^latency average = ([0-9.]+) ms", text, re.M)
    out["latency_avg_ms"] = float(m.group(1)) if m else None
    m = re.search(r"^number of transactions actually processed: (\d+)",
                  text, re.M)
    out["transactions"] = int(m.group(1)) if m else None
    m = re.search(r"^number of failed transactions: (\d+)", text, re.M)
    out["failed"] = int(m.group(1)) if m else 0
    out["aborted"] = len(re.findall(r"aborted|error", text, re.I)) > 0 and \
        bool(re.search(r"client \d+ aborted", text))
    # per-statement latencies (-r): "   0.123  0  WITH s AS ("
    stm, on = [], False
    for line in text.splitlines():
        if "statement latencies" in line:
            on = True
            continue
        if on:
            m = re.match(r"\s+([0-9.]+)\s+(\d+)\s+(.*)$", line)
            if m:
                stm.append({"ms": float(m.group(1)),
                            "text": m.group(3)[:70]})
            elif stm and not line.startswith(" "):
                on = False
    out["statements"] = stm
    if out["tps"] is None:
        out["error"] = text[-2000:]
    return out


def record(results, kind, name, items):
    rec = {"kind": kind, "name": name}
    before = after = None
    tool_secs = None
    for it in items:
        k, _, v = it.partition("=")
        if v.startswith("@"):
            text = read(v[1:])
            if k == "wrk":
                rec["wrk"] = parse_wrk(text)
                continue
            if k == "pgbench":
                rec["pgbench"] = parse_pgbench(text)
                continue
            if k == "time":
                f = text.split()
                tool_secs = float(f[0]) + float(f[1]) if len(f) >= 2 else None
                continue
            try:
                val = json.loads(text) if text.strip() else None
            except ValueError:
                val = text.strip()
        else:
            try:
                val = json.loads(v)
            except ValueError:
                val = v
        if k == "cpu0":
            before = val
        elif k == "cpu1":
            after = val
        else:
            rec[k] = val
    if before and after:
        rec["cpu"] = cpu_split(before, after, tool_secs)
        rec["procs_after"] = {"kore": after["kore"], "pg": after["pg"],
                              "loadavg": after["loadavg"]}
        rec["loadavg_before"] = before["loadavg"]
    with open(results, "a") as f:
        f.write(json.dumps(rec) + "\n")
    return 0


def main(argv):
    if len(argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    cmd = argv[1]
    if cmd == "procs":
        print(json.dumps(procs(argv[2], argv[3])))
        return 0
    if cmd == "check":
        return check(argv[2], argv[3], argv[4:])
    if cmd == "weight":
        return weight(argv[2], argv[3])
    if cmd == "requests":
        return requests(argv[2], int(argv[3]), argv[4], argv[5:])
    if cmd == "quiet":
        return quiet(float(argv[2]), float(argv[3]))
    if cmd == "record":
        return record(argv[2], argv[3], argv[4], argv[5:])
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
