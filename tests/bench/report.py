#!/usr/bin/env python3
"""The table of `make bench`, and its JSON.

  report.py RESULTS.jsonl OUT.json

RESULTS holds one JSON object a line, written by tests/bench/run.sh
(probe.py record).  Prints the tables (Markdown) and writes OUT.json:
the summary (machine, data sets, floors, endpoints, growth, memory, page
weight, targets) and every raw record.
"""

import json
import re
import statistics
import sys

READS = ["top", "new", "trending", "search", "idea", "api"]
LABEL = {
    "top": "GET / (top)",
    "new": "GET /?sort=new",
    "trending": "GET /?sort=trending",
    "search": "GET /?q=<word>",
    "idea": "GET /ideas/<id>",
    "api": "GET /api/v1/ideas",
    "vote": "POST/DELETE vote (API)",
    "signin": "POST /api/v1/session",
}
# Whose SQL bounds an endpoint (pgbench floor name).
FLOOR_OF = {"top": "top", "api": "top", "new": "new", "trending": "trending",
            "search": "search", "idea": "idea", "vote": "vote"}
RSS_GROWTH_TOLERANCE_KB = 256
NOISY_PCT = 15


def load(path):
    """The records: a results.jsonl, or a JSON this script wrote."""
    with open(path) as f:
        text = f.read()
    if text.lstrip().startswith("{") and '"records"' in text[:200000] \
            and text.count("\n{") == 0:
        try:
            return json.loads(text)["records"]
        except (ValueError, KeyError):
            pass
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def ok_rps(w):
    """Answers per second that were not errors (wrk counts 4xx/5xx in
    its requests: a 503 is quick and would flatter the rate)."""
    return (w["requests"] - w["errors"]["status"]) / w["duration_s"]


def fmt(n, digits=0):
    if n is None:
        return "-"
    if digits == 0:
        return "{:,.0f}".format(n)
    return "{:,.{}f}".format(n, digits)


def pct(x):
    return "-" if x is None else "{:.0f} %".format(100 * x)


def norm_sql(q):
    """A statement's text without what may differ between the app and
    pgbench: parameters and constants (pg_stat_statements shows them as
    $n or as written, depending on when it first saw the statement: true
    too), NULL (pgbench cannot send a NULL parameter), whitespace."""
    q = re.sub(r"'(?:[^']|'')*'", "?", q)
    q = re.sub(r"\$\d+", "?", q)
    q = re.sub(r"\b(?:NULL|true|false)\b", "?", q, flags=re.I)
    q = re.sub(r"(?<![\w.])\d+(?:\.\d+)?\b", "?", q)
    q = re.sub(r"extract\(\s*\w+\s+FROM", "extract(? FROM", q, flags=re.I)
    q = re.sub(r"\s+", " ", q).strip().rstrip(";").strip()
    q = re.sub(r"\s*([(),])\s*", r"\1", q)
    return q


def summarize(recs):
    by = {}
    for r in recs:
        by.setdefault(r["kind"], []).append(r)
    machine = next((r for r in by.get("machine", []) if r["name"] == "machine"),
                   {})
    end = next((r for r in by.get("machine", []) if r["name"] == "end"), {})
    cores = int(machine.get("cores", 2))
    mode = machine.get("app_mode") or "extended"
    other = machine.get("other_mode") or "prepared"
    main_ideas = 50000 * int(machine.get("scale", 1))

    # floors
    floors = {}
    static = None
    for r in by.get("floor", []):
        if r["name"] == "static":
            w = r["wrk"]
            static = {"rps": w["rps"], "p50_ms": w["latency_ms"]["p50"],
                      "p99_ms": w["latency_ms"]["p99"], "cpu": r.get("cpu")}
            continue
        pb = r.get("pgbench", {})
        f = floors.setdefault(r["name"], {})
        if str(r.get("as_app")) == "1":
            f["as_app"] = r.get("mode", "extended")
        f[r.get("mode", "extended")] = {
            "tps": pb.get("tps"), "latency_avg_ms": pb.get("latency_avg_ms"),
            "failed": pb.get("failed"), "statements": pb.get("statements"),
            "cpu": r.get("cpu")}
    argon2_s = float(machine.get("argon2_s") or 0) or None

    # statements per request
    stmts = {}
    for r in by.get("statements", []):
        n = r["n"]
        s = r.get("statements") or []
        top = [x for x in s if x["toplevel"]]
        stmts[r["name"]] = {
            "n": n,
            "answers": (r.get("answers") or {}).get("statuses"),
            "per_request": sum(x["calls"] for x in top) / n,
            "nested_per_request": sum(x["calls"] for x in s
                                      if not x["toplevel"]) / n,
            "db_ms_per_request": sum(x["ms"] for x in top) / n,
            "plan_ms_per_request": sum(x.get("plan_ms") or 0 for x in top) / n,
            "plans_per_request": sum(x.get("plans") or 0 for x in top) / n,
            "jit": any((x.get("jit_functions") or 0) > 0 for x in s),
            "statements": [{"calls_per_request": x["calls"] / n,
                            "ms_per_call": x["ms"] / max(1, x["calls"]),
                            "plan_ms_per_call": (x.get("plan_ms") or 0) /
                            max(1, x["calls"]),
                            "plans_per_call": (x.get("plans") or 0) /
                            max(1, x["calls"]),
                            "toplevel": x["toplevel"],
                            "query": x["query"][:160]} for x in s],
        }
    # do the pgbench scripts send what the pages send?
    drift = {}
    app_of = {"top": ["top", "api"], "new": ["new"], "trending": ["trending"],
              "search": ["search"], "idea": ["idea"], "vote": ["vote"]}
    # The body of a SQL function (its parameters are named p_...) may
    # run while a statement is planned and then count as top level; it
    # belongs to the function, not to what the page sends.
    def sent(x):
        return x["toplevel"] and not re.search(r"\bp_[a-z]+\b", x["query"])
    app_sql = {}
    for r in by.get("statements", []):
        app_sql[r["name"]] = {norm_sql(x["query"]) for x in
                              r.get("statements") or [] if sent(x)}
    for r in by.get("pgbench_statements", []):
        mine = {norm_sql(x["query"]) for x in r.get("statements") or []
                if sent(x)}
        for page in app_of.get(r["name"], []):
            theirs = app_sql.get(page, set())
            drift[page] = {"same": mine == theirs,
                           "only_pgbench": sorted(mine - theirs),
                           "only_app": sorted(theirs - mine)}

    # endpoints
    eps = {}
    for r in by.get("read", []):
        eps.setdefault(r["name"], []).append(r)
    endpoints = {}
    for name in READS:
        runs = eps.get(name, [])
        if not runs:
            continue
        endpoints[name] = endpoint(runs, name, static, floors, stmts, mode)
    votes = [r for r in by.get("vote", []) if r["name"] == "main"]
    checks = {r["name"]: r for r in by.get("vote_check", [])}
    if votes:
        endpoints["vote"] = vote_endpoint(votes[0], checks.get("main"),
                                          static, floors, stmts, mode)
    signin = by.get("signin", [])
    if signin:
        w = signin[0]["wrk"]
        c = w.get("counts", {})
        ok = c.get("status_200", 0)
        floor = cores / argon2_s if argon2_s else None
        endpoints["signin"] = {
            "rps": w["rps"], "ok_per_s": ok / w["duration_s"],
            "p50_ms": w["latency_ms"]["p50"], "p99_ms": w["latency_ms"]["p99"],
            "answers": c, "argon2_floor_rps": floor,
            "ratio": (ok / w["duration_s"]) / floor if floor else None,
            "stmts": stmts.get("signin", {}).get("per_request"),
            "cpu": signin[0].get("cpu"),
            "note": "Argon2id (t=2, 19 MiB) per sign-in on Kore's task "
                    "threads: slow by design; floor = cores / one hash",
        }

    # growth
    growth = {}
    for r in by.get("growth", []):
        g = growth.setdefault(str(r["ideas"]), {})
        g[r["name"]] = {"rps": ok_rps(r["wrk"]),
                        "p99_ms": r["wrk"]["latency_ms"]["p99"],
                        "non_2xx": r["wrk"]["errors"]["status"]}
    for r in by.get("vote", []):
        if r["name"].startswith("growth-"):
            c = r["wrk"].get("counts", {})
            ok = c.get("cast_ok", 0) + c.get("withdraw_ok", 0)
            chk = checks.get(r["name"])
            growth.setdefault(str(r["ideas"]), {})["vote"] = {
                "rps": ok / r["wrk"]["duration_s"],
                "p99_ms": r["wrk"]["latency_ms"]["p99"],
                "exact": vote_exact(r, chk)[0]}
    if "top" in endpoints:
        g = growth.setdefault(str(main_ideas), {})
        g["top"] = {"rps": endpoints["top"]["rps"],
                    "p99_ms": endpoints["top"]["p99_ms"]}
        if "idea" in endpoints:
            g["idea"] = {"rps": endpoints["idea"]["rps"],
                         "p99_ms": endpoints["idea"]["p99_ms"]}
        if "vote" in endpoints:
            g["vote"] = {"rps": endpoints["vote"]["rps"],
                         "p99_ms": endpoints["vote"]["p99_ms"],
                         "exact": endpoints["vote"]["exact"]}
    sizes = sorted(growth, key=int)
    if sizes:
        base = growth[sizes[0]]
        for s in sizes:
            for k, v in growth[s].items():
                b = base.get(k, {}).get("rps")
                v["ratio_to_smallest"] = v["rps"] / b if b else None

    # memory
    rss = {}
    for r in by.get("rss", []):
        p = r["procs"]
        rss[r["name"]] = {
            "kore_workers_kb": [w["rss_kb"] for w in p["kore"]["workers"]],
            "kore_workers_pss_kb": [w["pss_kb"] for w in p["kore"]["workers"]],
            "pg_rss_kb": p["pg"]["rss_kb"], "pg_pss_kb": p["pg"]["pss_kb"],
            "pg_processes": p["pg"]["processes"]}

    weight = next((r["page"] for r in by.get("weight", [])), None)
    no_accesslog = {r["name"]: {"rps": r["wrk"]["rps"],
                                "p50_ms": r["wrk"]["latency_ms"]["p50"],
                                "p99_ms": r["wrk"]["latency_ms"]["p99"],
                                "cpu": r.get("cpu")}
                    for r in by.get("noaccesslog", [])}
    datasets = {str(r["name"]): dict(r.get("data") or {}, load_s=r["load_s"],
                                     check=r.get("check"))
                for r in by.get("dataset", [])}
    search_hits = next((r["hits"] for r in by.get("search_words", [])), None)
    final_checks = {r["name"]: r["counts"] for r in by.get("check", [])}

    summary = {
        "machine": {k: machine.get(k) for k in (
            "cores", "cpu", "kernel", "mem_mb", "pg_version", "kore_version",
            "wrk_version", "commit", "dirty", "started")},
        "settings": {k: machine.get(k) for k in (
            "scale", "duration_s", "connections", "threads", "pg_clients",
            "kore_workers", "kore_conn_max", "argon2_s", "search_words",
            "growth", "app_mode", "other_mode")},
        "runtime_s": end.get("runtime_s"),
        "datasets": datasets, "search_word_hits": search_hits,
        "floors": {"static": static, "pgbench": floors,
                   "argon2_signin_rps": cores / argon2_s if argon2_s else None},
        "endpoints": endpoints, "statements": stmts,
        "pgbench_matches_app": drift, "growth": growth, "rss": rss,
        "weight": weight, "checks": final_checks,
        "no_accesslog": no_accesslog,
    }
    summary["targets"] = targets(summary)
    return summary


def lower_floor(name, static, floors, mode="extended"):
    fl = floors.get(FLOOR_OF.get(name, ""), {})
    f = fl.get(fl.get("as_app", mode), {})
    tps = f.get("tps")
    if name == "vote" and tps:
        tps *= 2	# two votes per pgbench transaction
    cands = [x for x in (tps, static and static["rps"]) if x]
    return (min(cands) if cands else None), tps


def cpu_mean(runs):
    cs = [r.get("cpu") for r in runs if r.get("cpu")]
    if not cs:
        return None
    return {k: statistics.mean(c.get(k, 0) for c in cs) for k in
            ("kore_pct", "pg_pct", "client_pct", "other_pct", "busy_pct")}


def endpoint(runs, name, static, floors, stmts, mode):
    rps = [ok_rps(r["wrk"]) for r in runs]
    low, pg = lower_floor(name, static, floors, mode)
    mean = statistics.mean(rps)
    return {
        "rps": mean, "rps_passes": rps,
        "p50_ms": max(r["wrk"]["latency_ms"]["p50"] for r in runs),
        "p99_ms": max(r["wrk"]["latency_ms"]["p99"] for r in runs),
        "non_2xx": sum(r["wrk"]["errors"]["status"] for r in runs),
        "socket_errors": sum(r["wrk"]["errors"]["connect"] +
                             r["wrk"]["errors"]["read"] +
                             r["wrk"]["errors"]["write"] +
                             r["wrk"]["errors"]["timeout"] for r in runs),
        "pg_floor_tps": pg, "static_floor_rps": static and static["rps"],
        "lower_floor": low, "ratio": mean / low if low else None,
        "stmts": stmts.get(name, {}).get("per_request"),
        "db_ms": stmts.get(name, {}).get("db_ms_per_request"),
        "cpu": cpu_mean(runs),
        "other_cpu_max_pct": max((r.get("cpu") or {}).get("other_pct", 0)
                                 for r in runs),
    }


def vote_exact(r, chk):
    """Exact when the votes table and SUM(vote_count) moved by exactly
    what the pairs sent did (a cast pair now has a vote, a withdrawn one
    has none), and that is what wrk's 200 answers say, give or take the
    requests still in flight when wrk stopped (sent, never answered)."""
    c = r["wrk"].get("counts", {})
    cast, wd = c.get("cast_ok", 0), c.get("withdraw_ok", 0)
    if not chk:
        return None, {}
    b, a, e = chk["before"], chk["after"], chk.get("effect") or {}
    d_votes = a["votes"] - b["votes"]
    d_sum = a["sum_vote_count"] - b["sum_vote_count"]
    cs, ws = c.get("cast_sent", 0), c.get("withdraw_sent", 0)
    ce, we = e.get("cast_effective"), e.get("withdraw_effective")
    exact = ce is not None and d_votes == d_sum == ce - we and \
        cast <= ce <= cs and wd <= we <= ws and not c.get("exhausted") \
        and not any(k.startswith("status_") or k == "ok_other" for k in c)
    return exact, {
        "cast_200": cast, "withdraw_200": wd,
        "cast_sent": cs, "withdraw_sent": ws,
        "cast_effective": ce, "withdraw_effective": we,
        "in_flight_at_stop": (cs - cast) + (ws - wd),
        "delta_from_200_answers": cast - wd,
        "delta_votes": d_votes, "delta_sum_vote_count": d_sum,
        "other_answers": {k: v for k, v in c.items() if k not in (
            "cast_ok", "withdraw_ok", "cast_sent", "withdraw_sent")}}


def vote_endpoint(r, chk, static, floors, stmts, mode):
    c = r["wrk"].get("counts", {})
    ok = c.get("cast_ok", 0) + c.get("withdraw_ok", 0)
    rps = ok / r["wrk"]["duration_s"]
    low, pg = lower_floor("vote", static, floors, mode)
    exact, detail = vote_exact(r, chk)
    return {
        "rps": rps, "p50_ms": r["wrk"]["latency_ms"]["p50"],
        "p99_ms": r["wrk"]["latency_ms"]["p99"],
        "pg_floor_tps": pg, "static_floor_rps": static and static["rps"],
        "lower_floor": low, "ratio": rps / low if low else None,
        "stmts": stmts.get("vote", {}).get("per_request"),
        "db_ms": stmts.get("vote", {}).get("db_ms_per_request"),
        "exact": exact, "exactness": detail, "cpu": r.get("cpu"),
        "other_cpu_max_pct": (r.get("cpu") or {}).get("other_pct", 0),
        "non_2xx": r["wrk"]["errors"]["status"],
    }


def targets(s):
    t = []
    e = s["endpoints"]

    def add(name, ok, value, goal):
        t.append({"target": name, "met": ok, "value": value, "goal": goal})

    for name in READS:
        if name in e and e[name]["ratio"] is not None:
            add("%s >= 60 %% of its lower floor" % LABEL[name],
                e[name]["ratio"] >= 0.6, pct(e[name]["ratio"]), ">= 60 %")
    if "top" in e:
        add("list page >= 15,000 req/s", e["top"]["rps"] >= 15000,
            fmt(e["top"]["rps"]), ">= 15,000")
        add("list page p99 < 20 ms at 64 connections",
            e["top"]["p99_ms"] < 20, fmt(e["top"]["p99_ms"], 1) + " ms",
            "< 20 ms")
    if "idea" in e:
        add("idea page >= 10,000 req/s", e["idea"]["rps"] >= 10000,
            fmt(e["idea"]["rps"]), ">= 10,000")
        add("idea page p99 < 20 ms at 64 connections",
            e["idea"]["p99_ms"] < 20, fmt(e["idea"]["p99_ms"], 1) + " ms",
            "< 20 ms")
    if "vote" in e:
        add("votes >= 3,000/s", e["vote"]["rps"] >= 3000,
            fmt(e["vote"]["rps"]), ">= 3,000")
        add("vote counts exact", bool(e["vote"]["exact"]),
            "exact" if e["vote"]["exact"] else "NOT exact", "exact")
    if "search" in e:
        add("search >= 2,000 req/s", e["search"]["rps"] >= 2000,
            fmt(e["search"]["rps"]), ">= 2,000")
    g = s["growth"]
    sizes = sorted(g, key=int)
    if len(sizes) >= 2:
        lo, hi = sizes[0], sizes[-1]
        for k in ("top", "idea", "vote"):
            a, b = g[lo].get(k, {}).get("rps"), g[hi].get(k, {}).get("rps")
            if a and b:
                add("%s at %s ideas within 20 %% of %s" % (
                    {"top": "list", "idea": "idea page", "vote": "votes"}[k],
                    fmt(int(hi)), fmt(int(lo))), b / a >= 0.8,
                    pct(b / a), ">= 80 %")
    r = s["rss"]
    if "end" in r and r["end"]["kore_workers_kb"]:
        m = max(r["end"]["kore_workers_kb"])
        add("Kore worker RSS < 30 MB after the run", m < 30 * 1024,
            "%.1f MB" % (m / 1024), "< 30 MB")
    if "pass1" in r and "pass2" in r:
        d = [b - a for a, b in zip(r["pass1"]["kore_workers_kb"],
                                   r["pass2"]["kore_workers_kb"])]
        if d:
            add("no worker RSS growth between read passes",
                max(d) <= RSS_GROWTH_TOLERANCE_KB,
                ", ".join("%+d KB" % x for x in d),
                "<= %d KB" % RSS_GROWTH_TOLERANCE_KB)
    w = s["weight"]
    if w:
        add("/ under 30 KB (HTML + CSS + JS), no third party",
            w["total_bytes"] < 30 * 1024 and not w["third_party"],
            "%.1f KB, %d third-party" % (w["total_bytes"] / 1024,
                                         len(w["third_party"])),
            "< 30 KB, 0")
    return t


def errors_str(x):
    """Answers >= 400 and socket errors (timeouts) during the runs."""
    if "answers" in x:	# sign-in: by status
        bad = sum(v for k, v in x["answers"].items()
                  if not k.endswith("_200"))
        return fmt(bad)
    n = (x.get("non_2xx") or 0)
    t = x.get("socket_errors") or 0
    return fmt(n) + (" (+%s timeouts)" % fmt(t) if t else "")


def cpu_str(c):
    if not c:
        return "-"
    return "%.0f/%.0f/%.0f/%.0f" % (c.get("kore_pct", 0), c.get("pg_pct", 0),
                                    c.get("client_pct", 0),
                                    max(0, c.get("other_pct", 0)))


def render(s):
    out = []
    p = out.append
    m, st = s["machine"], s["settings"]
    ds = s["datasets"].get(str(50000 * int(st.get("scale") or 1)), {})
    p("Drive benchmark, %s (commit %s%s)" % (
        m.get("started"), m.get("commit"),
        ", with uncommitted changes" if str(m.get("dirty")) not in
        ("0", "None") else ""))
    p("Machine: %s cores, %s, Linux %s, %s MB; %s; %s" % (
        m.get("cores"), m.get("cpu"), m.get("kernel"), m.get("mem_mb"),
        m.get("pg_version"), m.get("kore_version")))
    mode = st.get("app_mode") or "extended"
    other = st.get("other_mode") or "prepared"
    p("Load: wrk -t%s -c%s, %s s per run; pgbench -c %s (= %s workers x "
      "pgsql_conn_max %s), each page's statements sent as the app sends "
      "them (prepared, or planned at every call)" % (
          st.get("threads"), st.get("connections"), st.get("duration_s"),
          st.get("pg_clients"), st.get("kore_workers"),
          st.get("kore_conn_max")))
    if ds:
        p("Data: %s ideas, %s votes (max %s, median %s, %s ideas with >= "
          "1,000), %s comments, %s responses, %s people, %s organisations; "
          "%s MB; loaded in %s s" % (
              fmt(ds.get("ideas")), fmt(ds.get("votes")),
              fmt(ds.get("max_votes")), ds.get("median_votes"),
              ds.get("ideas_1000_votes_or_more"), fmt(ds.get("comments")),
              fmt(ds.get("responses")), fmt(ds.get("people")),
              fmt(ds.get("organizations")), ds.get("db_mb"),
              ds.get("load_s")))
    p("")
    fl = s["floors"]
    p("Floors")
    p("")
    p("| floor | req/s or tps | p50 ms | p99 ms | pgbench -M (as the app) "
      "| tps the other way |")
    p("|---|---:|---:|---:|---|---:|")
    if fl["static"]:
        p("| Kore: GET /static/drive.css | %s | %s | %s | | |" % (
            fmt(fl["static"]["rps"]), fmt(fl["static"]["p50_ms"], 2),
            fmt(fl["static"]["p99_ms"], 2)))
    for name in ("top", "new", "trending", "search", "idea", "vote",
                 "select1"):
        f = fl["pgbench"].get(name)
        if not f:
            continue
        m = f.get("as_app") or mode
        o = "prepared" if m == "extended" else "extended"
        ext, pre = f.get(m, {}), f.get(o, {})
        p("| pgbench: %s | %s%s | avg %s | | %s | %s |" % (
            {"top": "top list (as the page sends it)",
             "new": "newest list (as the page sends it)",
             "trending": "trending list (as the page sends it)",
             "search": "list with q (as the page sends it)",
             "idea": "idea with comments/history (as sent)",
             "vote": "(session + vote_cast/withdraw) x 2",
             "select1": "SELECT 1 (one statement's fixed cost)"}[name],
            fmt(ext.get("tps")), " (= %s votes/s)" % fmt(2 * ext["tps"])
            if name == "vote" and ext.get("tps") else "",
            fmt(ext.get("latency_avg_ms"), 2), m,
            ("%s (-M %s)" % (fmt(pre.get("tps")), o)) if pre else ""))
    na = s.get("no_accesslog") or {}
    if "static" in na:
        p("| Kore: GET /static/drive.css, access log off | %s | %s | %s | | |" % (
            fmt(na["static"]["rps"]), fmt(na["static"]["p50_ms"], 2),
            fmt(na["static"]["p99_ms"], 2)))
    if "top" in na:
        p("| (GET / with the access log off: %s req/s, p99 %s ms) | | | | | |" % (
            fmt(na["top"]["rps"]), fmt(na["top"]["p99_ms"], 1)))
    if fl.get("argon2_signin_rps"):
        p("| Argon2id: cores / one hash (%s s) | %s | | | | |" % (
            st.get("argon2_s"), fmt(fl["argon2_signin_rps"])))
    p("")
    p("Endpoints (signed in; req/s is the mean of the two read passes; p50/"
      "p99 the worse pass; CPU = share of all cores: kore/postgres/wrk/"
      "other, %)")
    p("")
    p("| endpoint | req/s | p50 ms | p99 ms | errors | lower floor | ratio "
      "| statements/req | DB ms/req | CPU k/pg/wrk/other |")
    p("|---|---:|---:|---:|---:|---:|---:|---:|---:|---|")
    e = s["endpoints"]
    noisy = False
    for name in READS + ["vote"]:
        if name not in e:
            continue
        x = e[name]
        extra = ""
        if name != "vote" and len(x.get("rps_passes", [])) > 1:
            extra = " (%s)" % " / ".join(fmt(v) for v in x["rps_passes"])
        if x.get("other_cpu_max_pct", 0) > NOISY_PCT:
            extra += " †"
            noisy = True
        p("| %s | %s%s | %s | %s | %s | %s | %s | %s | %s | %s |" % (
            LABEL[name], fmt(x["rps"]), extra, fmt(x["p50_ms"], 2),
            fmt(x["p99_ms"], 2), errors_str(x), fmt(x["lower_floor"]),
            pct(x["ratio"]),
            fmt(x["stmts"], 2), fmt(x.get("db_ms"), 3), cpu_str(x["cpu"])))
    if "signin" in e:
        x = e["signin"]
        p("| %s (slow by design: Argon2id) | %s | %s | %s | %s | %s (Argon2) "
          "| %s | %s | | %s |" % (
              LABEL["signin"], fmt(x["ok_per_s"], 1), fmt(x["p50_ms"], 0),
              fmt(x["p99_ms"], 0), errors_str(x),
              fmt(x["argon2_floor_rps"], 1),
              pct(x["ratio"]), fmt(x["stmts"], 2), cpu_str(x["cpu"])))
    if noisy:
        p("")
        p("† other processes used more than %d %% of the machine during "
          "the run: that figure is low by about that much." % NOISY_PCT)
    p("")
    if "vote" in e:
        v = e["vote"]["exactness"]
        p("Votes: wrk got 200 for %s casts and %s withdrawals (%+d); %s "
          "more were in flight when wrk stopped. Of the pairs sent, %s casts "
          "and %s withdrawals took effect (%+d); the votes table moved by "
          "%+d and SUM(vote_count) by %+d: %s. Other answers: %s" % (
              fmt(v.get("cast_200")), fmt(v.get("withdraw_200")),
              v.get("delta_from_200_answers", 0),
              v.get("in_flight_at_stop"), fmt(v.get("cast_effective")),
              fmt(v.get("withdraw_effective")),
              (v.get("cast_effective") or 0) -
              (v.get("withdraw_effective") or 0),
              v.get("delta_votes", 0), v.get("delta_sum_vote_count", 0),
              "exact" if e["vote"]["exact"] else "NOT EXACT",
              v.get("other_answers") or "none"))
    for k, c in s["checks"].items():
        bad = {a: b for a, b in c.items() if a.startswith("bad_") and b}
        p("Recount %s: %s" % (k, "all maintained counts agree" if not bad
                              else "DISAGREE: %s" % bad))
    if "signin" in e:
        p("Sign-in answers: %s" % e["signin"]["answers"])
    p("")
    g = s["growth"]
    if g:
        p("Growth (votes in proportion, the same 5,000 people per scale "
          "unit; the idea pages shown carry the same votes and comments at "
          "every size; in brackets: ratio to the smallest)")
        p("")
        p("| ideas | votes | votes/person | list req/s | idea req/s | votes/s "
          "| list p99 | idea p99 | vote p99 |")
        p("|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
        for size in sorted(g, key=int):
            r = g[size]

            def cell(k):
                if k not in r:
                    return "-"
                return "%s (%s)" % (fmt(r[k]["rps"]),
                                    pct(r[k].get("ratio_to_smallest")))
            dd = s["datasets"].get(size, {})
            p("| %s | %s | %s | %s | %s | %s | %s | %s | %s |" % (
                fmt(int(size)), fmt(dd.get("votes")),
                fmt(dd.get("votes_per_person")),
                cell("top"), cell("idea"), cell("vote"),
                fmt(r.get("top", {}).get("p99_ms"), 1),
                fmt(r.get("idea", {}).get("p99_ms"), 1),
                fmt(r.get("vote", {}).get("p99_ms"), 1)))
        p("")
    r = s["rss"]
    if r:
        p("Memory (RSS; PostgreSQL: all its processes, PSS in brackets)")
        p("")
        p("| when | Kore workers | PostgreSQL |")
        p("|---|---|---|")
        for label in ("start", "floors", "pass1", "pass2", "votes", "end"):
            if label not in r:
                continue
            x = r[label]
            p("| %s | %s | %.0f MB (%.0f MB) |" % (
                {"start": "started", "floors": "after floors + statements",
                 "pass1": "after read pass 1", "pass2": "after read pass 2",
                 "votes": "after votes", "end": "after sign-in"}[label],
                ", ".join("%.1f MB" % (k / 1024) for k in
                          x["kore_workers_kb"]),
                x["pg_rss_kb"] / 1024, x["pg_pss_kb"] / 1024))
        p("")
    w = s["weight"]
    if w:
        p("GET / weighs %.1f KB: HTML %.1f KB + %s; third-party: %s" % (
            w["total_bytes"] / 1024, w["html_bytes"] / 1024,
            " + ".join("%s %.1f KB" % (a["path"], a["bytes"] / 1024)
                       for a in w["assets"]),
            ", ".join(w["third_party"]) or "none"))
        p("")
    d = s["pgbench_matches_app"]
    if d:
        bad = [k for k, v in d.items() if not v["same"]]
        p("pgbench scripts send the pages' statements: %s" % (
            "yes, all" if not bad else "NO for " + ", ".join(bad) +
            " (tests/bench/pgbench is out of date; see the JSON)"))
    st_ = s["statements"]
    if st_:
        p("Statements per request: " + "; ".join(
            "%s %.2f%s" % (k, v["per_request"],
                           " (+%.1f in functions)" % v["nested_per_request"]
                           if v["nested_per_request"] else "")
            for k, v in st_.items()))
        if any(v["jit"] for v in st_.values()):
            p("JIT compiled: " + ", ".join(k for k, v in st_.items()
                                           if v["jit"]))
        p("")
        p("Each request's statements (pg_stat_statements, track_planning on; "
          "plans/call 1.00 = planned at every execution)")
        p("")
        p("| request | statement | per request | exec ms | plan ms | plans/call |")
        p("|---|---|---:|---:|---:|---:|")
        for k, v in st_.items():
            for x in v["statements"]:
                if not x["toplevel"]:
                    continue
                q = re.sub(r"\s+", " ", x["query"]).strip()
                p("| %s | `%s` | %.2f | %.3f | %.3f | %.2f |" % (
                    k, q[:58].replace("|", "\\|"), x["calls_per_request"],
                    x["ms_per_call"], x["plan_ms_per_call"],
                    x["plans_per_call"]))
    p("")
    p("Targets")
    p("")
    p("| target | value | goal | met |")
    p("|---|---:|---:|---|")
    for t in s["targets"]:
        p("| %s | %s | %s | %s |" % (t["target"], t["value"], t["goal"],
                                    "yes" if t["met"] else "**no**"))
    if s.get("runtime_s"):
        p("")
        p("Runtime: %d min %02d s" % (int(s["runtime_s"]) // 60,
                                      int(s["runtime_s"]) % 60))
    return "\n".join(out)


def before_after(s, base_path):
    """The same endpoints of the older commit run.sh measured after this
    one (BENCH_BASE), from its own report's summary."""
    try:
        with open(base_path) as f:
            b = json.load(f)["summary"]
    except (OSError, ValueError, KeyError):
        return None
    rows = []
    for name in READS + ["vote"]:
        a, o = s["endpoints"].get(name), b.get("endpoints", {}).get(name)
        if not a or not o or not o.get("rps"):
            continue
        rows.append({"name": name, "before_rps": o["rps"],
                     "after_rps": a["rps"], "times": a["rps"] / o["rps"],
                     "before_stmts": o.get("stmts"),
                     "after_stmts": a.get("stmts"),
                     "before_ratio": o.get("ratio"),
                     "after_ratio": a.get("ratio"),
                     "before_p99_ms": o.get("p99_ms"),
                     "after_p99_ms": a.get("p99_ms")})
    return {"commit": b.get("machine", {}).get("commit"),
            "started": b.get("machine", {}).get("started"),
            "static_rps": (b.get("floors", {}).get("static") or {}).get("rps"),
            "rows": rows}


def render_before_after(ba):
    out = []
    p = out.append
    p("")
    p("Before and after, the same machine, one run of make bench: commit %s "
      "rebuilt and measured by its own bench (main data set) right after "
      "this one" % ba["commit"])
    p("")
    p("| endpoint | req/s before | req/s now | times | statements/req "
      "before -> now | floor ratio before -> now | p99 ms before -> now |")
    p("|---|---:|---:|---:|---|---|---|")
    for r in ba["rows"]:
        p("| %s | %s | %s | %.2fx | %s -> %s | %s -> %s | %s -> %s |" % (
            LABEL.get(r["name"], r["name"]), fmt(r["before_rps"]),
            fmt(r["after_rps"]), r["times"],
            fmt(r["before_stmts"], 2) if r["before_stmts"] is not None
            else "-", fmt(r["after_stmts"], 2)
            if r["after_stmts"] is not None else "-",
            pct(r["before_ratio"]) if r["before_ratio"] else "-",
            pct(r["after_ratio"]) if r["after_ratio"] else "-",
            fmt(r["before_p99_ms"], 1), fmt(r["after_p99_ms"], 1)))
    return "\n".join(out)


# A recorded reference, not measured by this bench (no peer runs here).
PEER = ("Peer reference (recorded in issue 18, not measured here): against "
        "LogChimp 0.9.1 (Node/Express + PostgreSQL) on the same 50,000 "
        "ideas and 1,000,000 votes, 2 cores, Drive listed 28x faster, "
        "served an idea page 4.3x faster and took votes 5.1x faster.")


def main(argv):
    recs = load(argv[1])
    s = summarize(recs)
    if len(argv) > 3 and argv[3]:
        s["before_after"] = before_after(s, argv[3])
        for r in (s["before_after"] or {}).get("rows", []):
            if r["name"] in ("top", "idea", "api"):
                s["targets"].append({
                    "target": "%s at least twice commit %s's req/s" % (
                        LABEL[r["name"]], s["before_after"]["commit"]),
                    "met": r["times"] >= 2, "value": "%.2fx" % r["times"],
                    "goal": ">= 2x"})
    text = render(s)
    if s.get("before_after"):
        text += "\n" + render_before_after(s["before_after"])
    text += "\n\n" + PEER
    print(text)
    if len(argv) > 2:
        with open(argv[2], "w") as f:
            json.dump({"summary": s, "table": text, "records": recs}, f,
                      indent=1)
            f.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
