#!/usr/bin/env python3
"""Aggregation and table for benchmarks/compare/run.sh (standard library only).

  compare.py report --records R.jsonl --machine M.env --out FILE.json [--latest latest.json] [--params k=v ...]
      reads the per-run records written by run.sh and the load tool's JSON files, computes the figures, writes
      the results JSON (to --out and --latest) and prints the table.
  compare.py table FILE.json [--markdown]
      prints the table of a saved results file (--markdown: as a Markdown table, for the README).
"""
import argparse
import json
import os
import sys

TARGETS = ["direct", "nginx", "haproxy", "wsproxy-1", "wsproxy-N"]


def first(d, *names):
    """The first of the given fields that the load tool's JSON has (names differ between versions)."""
    for n in names:
        if d is not None and d.get(n) is not None:
            return d[n]
    return None


def load_json(path):
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def per(numerator, denominator):
    if numerator is None or not denominator:
        return None
    return numerator / denominator


def compute(rec, clk_tck):
    """Figures for one record (one target x one workload)."""
    w = rec["workload"]
    load = load_json(rec["loadJson"])
    out = {"exitStatus": rec["exitStatus"], "load": load}
    errors = first(load, "errors")
    out["errors"] = errors
    out["ok"] = rec["exitStatus"] == 0 and load is not None and not errors
    if w == "idle":
        n = rec["connections"]
        before, with_n = rec.get("proxyRssKibBefore"), rec.get("proxyRssKibWith")
        out.update(connections=n, proxyRssKibBefore=before, proxyRssKibWith=with_n,
                   proxyFdsWith=rec.get("proxyFdsWith"),
                   rssKibPerConnection=per(with_n - before, n) if before is not None and with_n is not None else None,
                   backendRssKibBefore=rec.get("backendRssKibBefore"), backendRssKibWith=rec.get("backendRssKibWith"),
                   closedDuringHold=first(load, "closedDuringHold"),
                   connected=first(load, "connected", "connections", "ready"))
        if out["closedDuringHold"]:
            out["ok"] = False
        return out

    duration = rec["durationSeconds"]
    window = rec["windowNanos"] / 1e9
    cpu = None
    if rec.get("proxyTicksBefore") is not None and rec.get("proxyTicksAfter") is not None:
        cpu = (rec["proxyTicksAfter"] - rec["proxyTicksBefore"]) / clk_tck
    backend_cpu = (rec["backendTicksAfter"] - rec["backendTicksBefore"]) / clk_tck
    busy = rec["machineBusyAfter"] - rec["machineBusyBefore"]
    total = rec["machineTotalAfter"] - rec["machineTotalBefore"]
    ncpu = os.cpu_count() or 1
    out.update(proxyCpuSeconds=cpu, windowSeconds=window, durationSeconds=duration,
               proxyCpuCores=per(cpu, duration), backendCpuCores=per(backend_cpu, duration),
               machineBusyCores=per(busy * ncpu, total), proxyRssKibAfter=rec.get("proxyRssKibAfter"))
    elapsed = first(load, "seconds") or duration  # the load tool's measured window
    lc = first(load, "cpuPercent")
    out["loadCpuCores"] = lc / 100 if lc is not None else None
    if w in ("echo128", "rate", "echo64k"):
        mps = first(load, "messagesPerSecond")
        msgs = first(load, "messages", "roundTrips") or (mps * elapsed if mps is not None else None)
        out.update(messagesPerSecond=mps, messages=msgs, cpuMicrosPerMessage=per(cpu * 1e6 if cpu is not None else None, msgs),
                   p50Micros=first(load, "p50Micros"), p99Micros=first(load, "p99Micros"),
                   p999Micros=first(load, "p999Micros"), maxMicros=first(load, "maxMicros"))
        if w == "echo64k":
            mbs = first(load, "mbPerSecond")
            mb = mbs * elapsed if mbs is not None else None
            out.update(mbPerSecond=mbs, mb=mb, cpuMicrosPerMB=per(cpu * 1e6 if cpu is not None else None, mb))
    elif w == "churn":
        hps = first(load, "handshakesPerSecond")
        hs = first(load, "handshakes") or (hps * elapsed if hps is not None else None)
        out.update(handshakesPerSecond=hps, handshakes=hs,
                   cpuMicrosPerHandshake=per(cpu * 1e6 if cpu is not None else None, hs),
                   p50Micros=first(load, "p50Micros"), p99Micros=first(load, "p99Micros"))
    return out


def report(args):
    machine = {}
    with open(args.machine) as f:
        for line in f:
            if "=" in line:
                k, v = line.rstrip("\n").split("=", 1)
                machine[k] = v.strip()
    params = {}
    for kv in args.params or []:
        k, v = kv.split("=", 1)
        params[k] = v
    clk_tck = int(params.get("clkTck") or machine.get("clkTck") or 100)
    results = {}
    with open(args.records) as f:
        for line in f:
            line = line.strip()
            if not line:
                continue
            rec = json.loads(line)
            results.setdefault(rec["workload"], {})[rec["target"]] = compute(rec, clk_tck)
    # Added latency at the fixed rate: each proxy's percentiles minus direct's.
    rate = results.get("rate", {})
    base = rate.get("direct")
    for t, r in rate.items():
        for p in ("p50Micros", "p99Micros"):
            added = None
            if base and base.get(p) is not None and r.get(p) is not None:
                added = r[p] - base[p]
            r["added" + p[0].upper() + p[1:]] = added
    doc = {"machine": machine, "params": params, "results": results}
    text = json.dumps(doc, indent=2, sort_keys=False) + "\n"
    for path in filter(None, [args.out, args.latest]):
        with open(path, "w") as f:
            f.write(text)
    print_table(doc, markdown=False)


def fmt(v, digits=0, signed=False):
    if v is None:
        return "-"
    if isinstance(v, float) and digits > 0:
        s = f"{v:+,.{digits}f}" if signed else f"{v:,.{digits}f}"
    else:
        s = f"{round(v):+,}" if signed else f"{round(v):,}"
    return s


def rows(doc):
    res = doc["results"]
    p = doc.get("params", {})

    def cell(w, t, key, digits=0, signed=False):
        r = res.get(w, {}).get(t)
        if r is None:
            return ""
        v = r.get(key)
        s = fmt(v, digits, signed)
        if not r.get("ok", True) and v is not None:
            s += " !"
        elif not r.get("ok", True):
            s = "ERR"
        return s

    def lat(w, t, a, b, signed=False):
        r = res.get(w, {}).get(t)
        if r is None:
            return ""
        if r.get(a) is None and r.get(b) is None:
            return "ERR" if not r.get("ok", True) else "-"
        s = f"{fmt(r.get(a), 0, signed)} / {fmt(r.get(b), 0, signed)}"
        return s + (" !" if not r.get("ok", True) else "")

    def two(w, t, a, b):
        r = res.get(w, {}).get(t)
        if r is None:
            return ""
        return f"{fmt(r.get(a), 2)} / {fmt(r.get(b), 2)}"

    def kib_per_conn(t):
        r = res.get("idle", {}).get(t)
        if r is None:
            return ""
        if t == "direct":
            return "n/a"
        return cell("idle", t, "rssKibPerConnection", 2)

    def mib(t, key):
        r = res.get("idle", {}).get(t)
        if r is None or t == "direct" or r.get(key) is None:
            return "" if r is None else ("n/a" if t == "direct" else "-")
        return f"{r[key] / 1024:,.1f}"

    def na_direct(fn):
        return lambda t: "n/a" if t == "direct" and fn(t) not in ("",) else fn(t)

    e, ra, b, c, i = (p.get(k, "?") for k in ("echo128", "rate", "echo64k", "churn", "idle"))
    out = [
        (f"echo 128 B ({e}): messages/s", lambda t: cell("echo128", t, "messagesPerSecond")),
        ("  proxy CPU-µs per message", na_direct(lambda t: cell("echo128", t, "cpuMicrosPerMessage", 2))),
        ("  latency p50 / p99 µs", lambda t: lat("echo128", t, "p50Micros", "p99Micros")),
        ("  proxy CPU, cores", na_direct(lambda t: cell("echo128", t, "proxyCpuCores", 2))),
        ("  load tool / backend CPU, cores", lambda t: two("echo128", t, "loadCpuCores", "backendCpuCores")),
        ("  machine busy, cores", lambda t: cell("echo128", t, "machineBusyCores", 2)),
        (f"rate ({ra}/s): latency p50 / p99 µs", lambda t: lat("rate", t, "p50Micros", "p99Micros")),
        ("  added p50 / p99 over direct µs", na_direct(lambda t: lat("rate", t, "addedP50Micros", "addedP99Micros", True))),
        ("  achieved messages/s", lambda t: cell("rate", t, "messagesPerSecond")),
        ("  proxy CPU-µs per message", na_direct(lambda t: cell("rate", t, "cpuMicrosPerMessage", 2))),
        (f"echo 64 KiB ({b}): MB/s", lambda t: cell("echo64k", t, "mbPerSecond", 1)),
        ("  proxy CPU-µs per MB", na_direct(lambda t: cell("echo64k", t, "cpuMicrosPerMB", 1))),
        ("  latency p50 / p99 µs", lambda t: lat("echo64k", t, "p50Micros", "p99Micros")),
        (f"churn ({c}): handshakes/s", lambda t: cell("churn", t, "handshakesPerSecond")),
        ("  proxy CPU-µs per handshake", na_direct(lambda t: cell("churn", t, "cpuMicrosPerHandshake", 1))),
        (f"idle ({i}): RSS KiB per connection", kib_per_conn),
        ("  proxy RSS before, MiB", lambda t: mib(t, "proxyRssKibBefore")),
        ("  proxy RSS with N, MiB", lambda t: mib(t, "proxyRssKibWith")),
        ("  closed during hold", lambda t: cell("idle", t, "closedDuringHold")),
    ]
    return out


def print_table(doc, markdown):
    targets = [t for t in TARGETS if any(t in w for w in doc["results"].values())]
    table = [[label] + [f(t) for t in targets] for label, f in rows(doc)]
    header = ["workload / metric"] + targets
    if markdown:
        print("| " + " | ".join(header) + " |")
        print("|---" + "|---:" * len(targets) + "|")
        for r in table:
            label = "&emsp;" + r[0].strip() if r[0].startswith("  ") else r[0]
            print("| " + " | ".join(c.replace("|", "\\|") for c in [label] + r[1:]) + " |")
    else:
        widths = [max(len(r[k]) for r in table + [header]) for k in range(len(header))]
        line = lambda r: "  ".join(r[0].ljust(widths[0]) if k == 0 else r[k].rjust(widths[k]) for k in range(len(r)))
        print(line(header))
        print("-" * (sum(widths) + 2 * len(widths)))
        for r in table:
            print(line(r))
    m = doc.get("machine", {})
    print()
    print(f"machine: nproc {m.get('nproc')}, {m.get('kernel')}, {m.get('cpu')}; ulimit -n {m.get('ulimitNofile')}")
    print(f"java: {m.get('java')}")
    print(f"{m.get('nginx')}; {m.get('haproxy')}")
    print(f"commit {m.get('gitCommit')}{' (dirty tree)' if m.get('gitDirty') == 'true' else ''}, {m.get('date')}; "
          f"'!' = the run had errors or closed connections; µs per message = per round trip (2 relayed frames)")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("report")
    r.add_argument("--records", required=True)
    r.add_argument("--machine", required=True)
    r.add_argument("--out")
    r.add_argument("--latest")
    r.add_argument("--params", nargs="*")
    t = sub.add_parser("table")
    t.add_argument("file")
    t.add_argument("--markdown", action="store_true")
    args = ap.parse_args()
    if args.cmd == "report":
        report(args)
    else:
        with open(args.file) as f:
            print_table(json.load(f), args.markdown)


if __name__ == "__main__":
    sys.exit(main())
