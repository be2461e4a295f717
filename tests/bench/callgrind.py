#!/usr/bin/env python3
"""Reads the dumps of tests/bench/callgrind.sh (standard library only).

  callgrind.py report MANIFEST OUT.json [CHECK.json]
      MANIFEST has one line per dump: KIND NAME REQUESTS PATH FILE (NAME
      with _ for a space; PATH: the first path requested), where KIND
      is "marker" (two /healthz markers back to back: what one marker
      adds to a dump), "idle" (two markers IDLE seconds apart; REQUESTS
      is the seconds) or "endpoint" (REQUESTS requests of NAME between
      two markers).  Prints instructions per request of each endpoint
      and the inclusive share of each part; writes it all as JSON.
      CHECK.json (probe.py check) gives each path's answer size.

How the parts are counted, from the call arcs of the dump (a call's
inclusive cost, as callgrind_annotate --inclusive=yes adds them up, but
only arcs that cross a boundary, so that recursion such as tpl.c's
render() or jansson's json_delete() is not counted twice):

  json_build   calls from the module's page code (drive.so outside
               tpl.c) into libjansson that make or change values
               (json_object_set*, json_string*, json_pack, ...)
  json_free    calls from the module into json_delete (json_decref
               reaching zero: the request's context tree freed)
  json_read    calls from the page code into jansson that read values
  json_parse   json_loads* (JSON text from PostgreSQL, e.g. the comments)
  json_dump    json_dumps* (the API's answer)
  tpl          calls from outside tpl.c into tpl.c (tpl_render: the
               page and the layout; tpl_message: the messages)
  tpl_json     of which calls from tpl.c into jansson: the templates'
               look-ups of names in objects and arrays
  tpl_escape   of which html_escape
  tpl_lookup_self  the templates' own look-up code (tpl.c lookup(),
               self cost: the walk up the context stack, strlen)
  rest         the endpoint's instructions outside all the above (page
               logic, Markdown, formatting, Kore's event loop)
  libpq        calls into libpq from outside it (Kore's pgsql layer and
               the module): sending, reading and parsing the results
  kore_http    Kore's HTTP: request parsing (http_header_recv and the
               http_populate_*/http_request_header/cookie helpers) and
               the answer (http_response*, net_send*/net_recv*)

"The tree" adds json_build, json_free, json_read, json_parse, tpl_json
and tpl_lookup_self: what building, reading and freeing the jansson
context costs, the instructions that rendering straight from the result
rows would not spend (it would spend some of its own instead).
"""

import json
import os
import re
import subprocess
import sys

JSON_FREE = {"json_delete"}
JSON_PARSE_RE = re.compile(r"^json_loads|^json_loadb|^json_loadf")
JSON_DUMP_RE = re.compile(r"^json_dump")
JSON_READ = {
    "json_object_get", "json_object_getn", "json_array_get",
    "json_array_size", "json_object_size", "json_string_value",
    "json_string_length", "json_integer_value", "json_real_value",
    "json_number_value", "json_object_iter", "json_object_iter_next",
    "json_object_iter_key", "json_object_iter_value",
    "json_object_key_to_iter", "json_object_iter_at", "json_unpack",
    "json_unpack_ex", "json_vunpack_ex", "json_equal",
    "json_object_iter_key_len",
}
KORE_HTTP = {
    "http_header_recv", "http_populate_qs", "http_populate_cookies",
    "http_populate_post", "http_populate_get", "http_argument_get",
    "http_argument_urldecode", "http_request_header", "http_request_cookie",
    "http_body_read", "http_response", "http_response_header",
    "http_response_cookie", "http_response_stream", "net_send_flush",
    "net_recv_flush", "net_send_queue", "net_send", "net_recv_queue",
    "net_read", "net_write", "net_send_stream", "net_recv_reset",
    "net_recv_resize", "net_remove_netbuf", "net_recv_expand",
}


def names(s, table):
    """(id) name | (id) -> name, with the table of compressed names."""
    m = re.match(r"\((\d+)\)(?: (.*))?$", s)
    if not m:
        return s
    if m.group(2) is not None:
        table[m.group(1)] = m.group(2)
        return m.group(2)
    return table.get(m.group(1), s)


def parse(path):
    """Self cost per function and inclusive cost per call arc, functions
    keyed by (object, file, name) as callgrind_annotate keys them (static
    functions of the same name in two files stay apart)."""
    obs, fls, fns = {}, {}, {}
    selfc, arcs = {}, {}
    ob = fl = fn = None
    cur = None	# the function's key
    cob = cfl = cfn = None
    calls = 0
    total = 0
    with open(path, errors="replace") as f:
        for line in f:
            c = line[0] if line else ""
            if c.isdigit() or c in "+-*":
                parts = line.split()
                cost = int(parts[1]) if len(parts) > 1 else 0
                if calls:
                    k = (cur, (cob or ob, cfl or fl, cfn))
                    a = arcs.get(k)
                    if a is None:
                        arcs[k] = [calls, cost]
                    else:
                        a[0] += calls
                        a[1] += cost
                    calls = 0
                    cob = cfl = cfn = None
                else:
                    selfc[cur] = selfc.get(cur, 0) + cost
                continue
            key, _, val = line.rstrip("\n").partition("=")
            if key == "ob":
                ob = names(val, obs)
            elif key in ("fl", "fi", "fe"):
                fl = names(val, fls)
            elif key == "fn":
                fn = names(val, fns)
                cur = (ob, fl, fn)
            elif key == "cob":
                cob = names(val, obs)
            elif key in ("cfi", "cfl"):
                cfl = names(val, fls)
            elif key == "cfn":
                cfn = names(val, fns)
            elif key == "calls":
                calls = int(val.split()[0])
            elif line.startswith("summary:") or line.startswith("totals:"):
                total = max(total, int(line.split()[1]))
    return {"total": total, "self": selfc, "arcs": arcs}


def isobj(ob, name):
    return ob is not None and name in os.path.basename(ob)


def parts(d):
    """The parts of a dump (see the module's doc), in instructions."""
    def in_tpl(k):
        return isobj(k[0], "drive.so") and (k[1] or "").endswith(
            "app/tpl.c")

    out = {k: 0 for k in ("json_build", "json_free", "json_read",
                          "json_parse", "json_dump", "tpl", "tpl_json",
                          "tpl_escape", "tpl_lookup_self", "libpq",
                          "libpq_kore", "libpq_module", "kore_http")}
    build_by = {}
    for (caller, callee), (_, cost) in d["arcs"].items():
        cob, _, cfn = callee
        drive_caller = isobj(caller[0], "drive.so")
        if isobj(cob, "libjansson"):
            if drive_caller and in_tpl(caller):
                out["tpl_json"] += cost
            elif not isobj(caller[0], "libjansson"):
                if cfn in JSON_FREE:
                    out["json_free"] += cost
                elif JSON_PARSE_RE.match(cfn or ""):
                    out["json_parse"] += cost
                elif JSON_DUMP_RE.match(cfn or ""):
                    out["json_dump"] += cost
                elif cfn in JSON_READ:
                    out["json_read"] += cost
                else:
                    out["json_build"] += cost
                    build_by[cfn] = build_by.get(cfn, 0) + cost
        if in_tpl(callee) and not in_tpl(caller):
            out["tpl"] += cost
        if in_tpl(caller) and cfn == "html_escape":
            out["tpl_escape"] += cost
        if isobj(cob, "libpq") and not isobj(caller[0], "libpq"):
            out["libpq"] += cost
            out["libpq_module" if drive_caller else "libpq_kore"] += cost
        if (cfn in KORE_HTTP and isobj(cob, "kore") and
                not (caller[2] in KORE_HTTP and isobj(caller[0], "kore"))):
            out["kore_http"] += cost
    # The templates' own name look-up (tpl.c lookup(): the walk from the
    # innermost context outward and the strlen of each path segment).
    out["tpl_lookup_self"] = sum(
        v for k, v in d["self"].items() if in_tpl(k) and k[2] == "lookup")
    out["json_build_by"] = dict(sorted(build_by.items(),
                                       key=lambda kv: -kv[1])[:12])
    return out


def inclusive_top(path, n, total):
    """callgrind_annotate --inclusive=yes: the first n functions below
    the worker's own loop (those at 100 %), without the names of a
    recursion's deeper levels (fn'2: their inclusive cost counts the
    recursion again)."""
    txt = subprocess.run(
        ["callgrind_annotate", "--inclusive=yes", "--threshold=100",
         "--auto=no", path], capture_output=True, text=True,
        # From the dumps' folder: callgrind_annotate strips the working
        # directory from some file names and not others, and would list
        # a function twice.
        cwd=os.path.dirname(os.path.abspath(path)) or "/").stdout
    rows = []
    for line in txt.splitlines():
        m = re.match(r"\s*([\d,]+) \(\s*([\d.]+)%\)\s+(\S.*)$", line)
        if not m or "PROGRAM TOTALS" in line:
            continue
        ir = int(m.group(1).replace(",", ""))
        name = m.group(3)
        fn = name.split(" [")[0].rsplit(":", 1)[-1]
        if ir >= 0.97 * total or "'" in fn:
            continue
        # Shorter: the module's sources from app/, objects by file name.
        name = re.sub(r"\S*/(app/[^/\s]+:)", r"\1", name)
        name = re.sub(r"\[\S*/([^/\]]+)\]$", r"[\1]", name)
        rows.append({"ir": ir, "function": name})
        if len(rows) == n:
            break
    return rows


def report(manifest, out_path, check_path=None):
    entries = []
    with open(manifest) as f:
        for line in f:
            p = line.split()
            if len(p) == 5:
                entries.append({"kind": p[0], "name": p[1].replace("_", " "),
                                "n": int(p[2]), "path": p[3], "file": p[4]})
    sizes = {}
    if check_path:
        with open(check_path) as f:
            sizes = {k: v.get("bytes") for k, v in json.load(f).items()}
    markers = sorted(parse(e["file"])["total"] for e in entries
                     if e["kind"] == "marker")
    marker = markers[len(markers) // 2] if markers else 0
    idle = [e for e in entries if e["kind"] == "idle"]
    idle_rate = 0.0
    if idle:
        idle_rate = max(0.0, (parse(idle[0]["file"])["total"] - marker) /
                        max(1, idle[0]["n"]))
    res = {"marker_ir": marker, "markers": markers,
           "idle_ir_per_s": round(idle_rate), "endpoints": []}
    print("Instructions of the Kore worker (callgrind Ir) per request, one "
          "worker, requests one after another on a keep-alive connection;")
    print("a /healthz marker between endpoints adds %s Ir (taken off); the "
          "idle worker runs %s Ir/s (left in)." % (
              format(marker, ","), format(round(idle_rate), ",")))
    print()
    cols = ("build", "free", "read", "parse", "dump", "tpl", "tpl:js",
            "libpq", "http", "rest")
    print("%-20s %4s %7s %10s " % ("endpoint", "n", "bytes", "Ir/request") +
          " ".join("%6s" % c for c in cols))
    for e in entries:
        if e["kind"] != "endpoint":
            continue
        d = parse(e["file"])
        t = max(1, d["total"] - marker)
        p = parts(d)
        flat = {k: v for k, v in p.items() if not isinstance(v, dict)}
        flat["rest"] = t - sum(flat[k] for k in (
            "json_build", "json_free", "json_read", "json_parse",
            "json_dump", "tpl", "libpq", "kore_http"))
        row = {"name": e["name"], "path": e["path"], "n": e["n"],
               "bytes": sizes.get(e["path"]),
               "file": os.path.basename(e["file"]), "total_ir": d["total"],
               "ir_per_request": round(t / e["n"])}
        row["parts_ir_per_request"] = {
            k: round(v / e["n"]) for k, v in flat.items()}
        row["parts_share_pct"] = {
            k: round(100.0 * v / t, 2) for k, v in flat.items()}
        row["json_build_by_callee_ir_per_request"] = {
            k: round(v / e["n"]) for k, v in p["json_build_by"].items()}
        tree = sum(flat[k] for k in ("json_build", "json_free", "json_read",
                                     "json_parse", "tpl_json",
                                     "tpl_lookup_self"))
        row["tree_ir_per_request"] = round(tree / e["n"])
        row["tree_share_pct"] = round(100.0 * tree / t, 2)
        row["top_inclusive"] = [
            {"ir_per_request": round(r["ir"] / e["n"]),
             "share_pct": round(100.0 * r["ir"] / t, 2),
             "function": r["function"]}
            for r in inclusive_top(e["file"], 15, d["total"])]
        res["endpoints"].append(row)
        s = row["parts_share_pct"]
        print("%-20s %4d %7s %10s " % (
            e["name"], e["n"], format(row["bytes"], ",") if row["bytes"]
            else "", format(row["ir_per_request"], ",")) + " ".join(
            "%5.1f%%" % s[k] for k in (
                "json_build", "json_free", "json_read", "json_parse",
                "json_dump", "tpl", "tpl_json", "libpq", "kore_http",
                "rest")))
    print("""
build, free, read, parse, dump: the page code's calls into jansson (making
  the context tree; json_delete of it; reading it; json_loads; json_dumps)
tpl: the templates (tpl_render, tpl_message), of which tpl:js their
  look-ups in the tree; libpq: every call into libpq; http: Kore's request
  parsing and answer; rest: all else (page logic, Markdown, formatting,
  Kore's loop); bytes: one answer (the idea page: its first idea)
""")
    for row in res["endpoints"]:
        print("%-20s the tree (build + free + read + parse + the templates' "
              "look-ups) %s Ir/request, %.1f %%" % (
                  row["name"] + ":", format(row["tree_ir_per_request"], ","),
                  row["tree_share_pct"]))
    first = res["endpoints"][0] if res["endpoints"] else None
    if first:
        print()
        print("Top 15 inclusive functions of %s (callgrind_annotate "
              "--inclusive=yes, per request;\nthe worker loop's frames "
              "above 97 %% and a recursion's deeper levels left out):" %
              first["name"])
        for r in first["top_inclusive"]:
            print("  %10s %5.1f%%  %s" % (
                format(r["ir_per_request"], ","), r["share_pct"],
                r["function"]))
    with open(out_path, "w") as f:
        json.dump(res, f, indent=1)
    return 0


def main(argv):
    if len(argv) in (4, 5) and argv[1] == "report":
        return report(argv[2], argv[3], argv[4] if len(argv) == 5 else None)
    sys.stderr.write(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
