#!/usr/bin/env python3
"""Aggregation and table for benchmarks/compare/run.sh (standard library only).

  compare.py report --records R.jsonl --machine M.env --out FILE.json [--latest latest.json] [--params k=v ...]
                    [--tls-probes PROBES.env] [--plain latest.json]
      reads the per-run records written by run.sh and the load tool's JSON files, computes the figures, writes
      the results JSON (to --out and --latest) and prints the table; with --plain (a TLS run, and the plain results
      exist) also the wss vs ws table.
  compare.py table FILE.json [--markdown]
      prints the table of a saved results file (--markdown: as a Markdown table, for the README).
  compare.py vs PLAIN.json TLS.json [--markdown]
      the wss vs ws table: per proxy the plain figure, the TLS figure and the change, for the same workloads.
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
    if w in ("idle", "scale"):
        return compute_held(rec, out)

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
                   p50Micros=first(load, "p50Micros"), p99Micros=first(load, "p99Micros"),
                   tlsSessions=first(load, "tlsSessions"), tlsResumed=first(load, "tlsResumed"))
    return out


def compute_held(rec, out):
    """idle and scale: N connections opened in batches by one load tool each, RSS after every batch."""
    loads = [load_json(path) for path in rec.get("loadJsons") or [rec["loadJson"]]]
    out["load"] = loads
    n = rec["connections"]
    steps = rec.get("steps") or 1
    per_batch = n // steps
    before = rec.get("proxyRssKibBefore")
    rss = [v for v in rec.get("proxyRssKibSteps") or [] if v is not None]
    with_n = rss[-1] if len(rss) == steps else None
    complete = all(d is not None for d in loads) and len(loads) == steps

    def total(name):
        vals = [first(d, name) for d in loads]
        return sum(v for v in vals if v is not None) if complete else None

    errors = total("errors")
    closed = total("closedDuringHold")
    out.update(connections=n, steps=steps, holdSeconds=rec.get("holdSeconds"), proxyRssKibBefore=before,
               proxyRssKibSteps=rss, proxyRssKibWith=with_n, proxyRssKibAfterHold=rec.get("proxyRssKibAfterHold"),
               proxyFdsWith=rec.get("proxyFdsWith"), backendRssKibBefore=rec.get("backendRssKibBefore"),
               backendRssKibWith=rec.get("backendRssKibWith"), errors=errors, closedDuringHold=closed,
               pingsAnswered=total("pingsAnswered"),
               connected=sum(first(d, "connections") or 0 for d in loads if d is not None and d.get("ok")))
    # From a fresh process: everything the N connections cost, one-time costs included.
    out["rssKibPerConnection"] = (per(with_n - before, n)
                                  if before is not None and with_n is not None else None)
    # Marginal: what each connection after the first batch added, and per batch (linear growth: all about equal).
    batches = [per(rss[i] - rss[i - 1], per_batch) for i in range(1, len(rss))] if with_n is not None else []
    out["rssKibPerConnectionBatches"] = batches
    out["rssKibPerConnectionMarginal"] = (per(rss[-1] - rss[0], n - per_batch)
                                          if with_n is not None and steps > 1 else None)
    h0, h1 = rec.get("liveHeapBytesBefore"), rec.get("liveHeapBytesWith")
    out.update(liveHeapBytesBefore=h0, liveHeapBytesWith=h1,
               liveHeapBytesPerConnection=per(h1 - h0, n) if h0 is not None and h1 is not None else None)
    held = rec.get("proxyRssKibAfterHold")
    out["rssKibGrowthDuringHold"] = held - with_n if held is not None and with_n is not None else None
    out["ok"] = rec["exitStatus"] == 0 and complete and not errors and not closed
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
    if params.get("tls") == "1":
        doc["tls"] = tls_summary(results, args.tls_probes)
    text = json.dumps(doc, indent=2, sort_keys=False) + "\n"
    for path in filter(None, [args.out, args.latest]):
        with open(path, "w") as f:
            f.write(text)
    print_table(doc, markdown=False)
    if args.plain and doc.get("tls") and os.path.exists(args.plain):
        with open(args.plain) as f:
            plain = json.load(f)
        print()
        print_vs(plain, doc, markdown=False)


def tls_summary(results, probes_path):
    """What each target negotiated: the load tool's (JDK client) protocol and suite, and openssl s_client's view."""
    negotiated = {}
    for workload in results.values():
        for t, r in workload.items():
            loads = r.get("load") if isinstance(r.get("load"), list) else [r.get("load")]
            for d in loads:
                if d and d.get("tlsProtocol") and t not in negotiated:
                    negotiated[t] = f"{d['tlsProtocol']} {d.get('tlsCipherSuite')}"
    probes = {}
    if probes_path and os.path.exists(probes_path):
        with open(probes_path) as f:
            for line in f:
                if "=" in line:
                    k, v = line.rstrip("\n").split("=", 1)
                    probes[k] = v
    return {"loadTool": negotiated, "sClient": probes}


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

    def kib_per_conn(w, key):
        def f(t):
            r = res.get(w, {}).get(t)
            if r is None:
                return ""
            if t == "direct":
                return "n/a"
            return cell(w, t, key, 2)
        return f

    def batch_range(w):
        def f(t):
            r = res.get(w, {}).get(t)
            if r is None:
                return ""
            b = r.get("rssKibPerConnectionBatches") or []
            if t == "direct" or not b:
                return "n/a" if t == "direct" else "-"
            return f"{min(b):,.2f} – {max(b):,.2f}"
        return f

    def mib(w, key, key2=None):
        def one(r, k):
            return "-" if r.get(k) is None else f"{r[k] / 1024:,.1f}"

        def f(t):
            r = res.get(w, {}).get(t)
            if r is None or t == "direct":
                return "" if r is None else "n/a"
            return one(r, key) + ("" if key2 is None else " / " + one(r, key2))
        return f

    def held(w, t):
        r = res.get(w, {}).get(t)
        if r is None:
            return ""
        if r.get("connected") is None and r.get("closedDuringHold") is None:
            return "ERR"
        s = f"{fmt(r.get('connected'))} / {fmt(r.get('closedDuringHold'))}"
        return s + (" !" if not r.get("ok", True) else "")

    def pings(t):
        r = res.get("scale", {}).get(t)
        if r is None:
            return ""
        return "n/a" if not t.startswith("wsproxy") else fmt(r.get("pingsAnswered"))

    def resumed(t):
        r = res.get("churn", {}).get(t)
        if r is None or r.get("tlsSessions") is None:
            return ""
        return f"{fmt(r.get('tlsResumed'))} / {fmt(r.get('tlsSessions'))}"

    def na_direct(fn):
        return lambda t: "n/a" if t == "direct" and fn(t) not in ("",) else fn(t)

    e, ra, b, c, i, sc = (p.get(k, "?") for k in ("echo128", "rate", "echo64k", "churn", "idle", "scale"))
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
        ("  TLS sessions resumed / established", resumed),
        (f"idle ({i}): RSS KiB per connection, from fresh", kib_per_conn("idle", "rssKibPerConnection")),
        ("  RSS KiB per connection after the first batch", kib_per_conn("idle", "rssKibPerConnectionMarginal")),
        ("  proxy RSS before / with N, MiB", mib("idle", "proxyRssKibBefore", "proxyRssKibWith")),
        ("  connections held / closed by the proxy", lambda t: held("idle", t)),
        (f"scale ({sc}): held / closed", lambda t: held("scale", t)),
        ("  RSS KiB per connection, from fresh", kib_per_conn("scale", "rssKibPerConnection")),
        ("  RSS KiB per connection after the first batch", kib_per_conn("scale", "rssKibPerConnectionMarginal")),
        ("  the same, per batch (min – max)", batch_range("scale")),
        ("  proxy RSS with N / after the hold, MiB", mib("scale", "proxyRssKibWith", "proxyRssKibAfterHold")),
        ("  pings answered by the clients", pings),
        ("  live heap per connection, bytes (JVM)", lambda t: "" if res.get("scale", {}).get(t) is None else
         (fmt(res["scale"][t].get("liveHeapBytesPerConnection")) if t.startswith("wsproxy") else "n/a")),
    ]
    return out


def print_table(doc, markdown):
    targets = [t for t in TARGETS if any(t in w for w in doc["results"].values())]
    table = [[label] + [f(t) for t in targets] for label, f in rows(doc)]
    table = [r for r in table if any(c not in ("", "n/a") for c in r[1:])]  # workloads that did not run
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
    tls = doc.get("tls")
    if tls is not None:
        resumed = doc.get("params", {}).get("tlsResume") == "1"
        print("wss:// on the client hop of every proxy (direct: plain ws://); "
              + ("sessions resumed by the load tool" if resumed else "a full TLS handshake per connection in churn"))
        for t in targets:
            if t == "direct":
                continue
            print(f"  {t}: load tool negotiated {tls.get('loadTool', {}).get(t, '-')}; "
                  f"openssl s_client: {tls.get('sClient', {}).get(t, '-')}")
        if m.get("openssl"):
            print(f"{m.get('openssl')}; haproxy {m.get('haproxySsl', '-')}")
    print(f"machine: nproc {m.get('nproc')}, {m.get('kernel')}, {m.get('cpu')}; ulimit -n {m.get('ulimitNofile')}")
    print(f"java: {m.get('java')}")
    print(f"{m.get('nginx')}; {m.get('haproxy')}")
    print(f"commit {m.get('gitCommit')}{' (dirty tree)' if m.get('gitDirty') == 'true' else ''}, {m.get('date')}; "
          f"'!' = the run had errors or closed connections; µs per message = per round trip (2 relayed frames)")


# wss vs ws: (label, workload, key, digits); each cell is "ws → wss (change)". Lower is better for CPU, latency and
# RSS, higher for throughput; the change is printed either way, the reader knows which.
VS_ROWS = [
    ("echo 128 B: proxy CPU-µs per message", "echo128", "cpuMicrosPerMessage", 2),
    ("  messages/s", "echo128", "messagesPerSecond", 0),
    ("  latency p50 µs", "echo128", "p50Micros", 0),
    ("  latency p99 µs", "echo128", "p99Micros", 0),
    ("  proxy CPU, cores", "echo128", "proxyCpuCores", 2),
    ("rate: proxy CPU-µs per message", "rate", "cpuMicrosPerMessage", 2),
    ("  added p50 over direct µs", "rate", "addedP50Micros", 0),
    ("  added p99 over direct µs", "rate", "addedP99Micros", 0),
    ("echo 64 KiB: proxy CPU-µs per MB", "echo64k", "cpuMicrosPerMB", 1),
    ("  MB/s", "echo64k", "mbPerSecond", 1),
    ("churn: handshakes/s", "churn", "handshakesPerSecond", 0),
    ("  proxy CPU-µs per handshake", "churn", "cpuMicrosPerHandshake", 1),
    ("  connect+upgrade p50 µs", "churn", "p50Micros", 0),
    ("idle: RSS KiB per connection, from fresh", "idle", "rssKibPerConnection", 2),
    ("  RSS KiB per connection after the first batch", "idle", "rssKibPerConnectionMarginal", 2),
    ("scale: RSS KiB per connection, from fresh", "scale", "rssKibPerConnection", 2),
    ("  live heap per connection, bytes (JVM)", "scale", "liveHeapBytesPerConnection", 0),
]
# Parameters that must match for the two runs to be compared.
VS_PARAMS = ["quick", "durationSeconds", "warmupSeconds", "echo128", "rate", "echo64k", "churn", "idle", "scale",
             "wsproxyJavaOpts", "loadExtraArgs", "sources"]


def vs_cell(plain, tls, w, t, key, digits):
    a = plain["results"].get(w, {}).get(t)
    b = tls["results"].get(w, {}).get(t)
    if a is None or b is None:
        return ""
    va, vb = a.get(key), b.get(key)
    if va is None and vb is None:
        return "-"
    s = f"{fmt(va, digits)} → {fmt(vb, digits)}"
    if va is not None and vb is not None and va > 0 and not key.startswith("added"):
        s += f" ({(vb / va - 1) * 100:+.0f}%)"
    elif va is not None and vb is not None and key.startswith("added"):
        s += f" ({vb - va:+,.0f})"
    if not a.get("ok", True) or not b.get("ok", True):
        s += " !"
    return s


def print_vs(plain, tls, markdown):
    """Per proxy and metric: the plain run's figure, the TLS run's, and the change (direct is plain in both runs)."""
    targets = [t for t in TARGETS
               if any(t in w for w in plain["results"].values()) and any(t in w for w in tls["results"].values())]
    table = []
    for label, w, key, digits in VS_ROWS:
        row = [label] + [vs_cell(plain, tls, w, t, key, digits) for t in targets]
        if any(c not in ("", "-") for c in row[1:]):
            table.append(row)
    resumed = tls.get("params", {}).get("tlsResume") == "1"
    title = ("wss vs ws: plain run → TLS run (change); direct is plain ws:// in both runs, its change is run-to-run "
             "noise; churn " + ("resumes TLS sessions" if resumed else "makes a full TLS handshake per connection"))
    header = ["workload / metric"] + targets
    print(title)
    if markdown:
        print()
        print("| " + " | ".join(header) + " |")
        print("|---" + "|---:" * len(targets) + "|")
        for r in table:
            label = "&emsp;" + r[0].strip() if r[0].startswith("  ") else r[0]
            print("| " + " | ".join([label] + r[1:]) + " |")
    else:
        widths = [max(len(r[k]) for r in table + [header]) for k in range(len(header))]
        line = lambda r: "  ".join(r[0].ljust(widths[0]) if k == 0 else r[k].rjust(widths[k]) for k in range(len(r)))
        print(line(header))
        print("-" * (sum(widths) + 2 * len(widths)))
        for r in table:
            print(line(r))
    print()
    pm, tm = plain.get("machine", {}), tls.get("machine", {})
    print(f"ws run: {pm.get('date')}, commit {pm.get('gitCommit')}; wss run: {tm.get('date')}, commit "
          f"{tm.get('gitCommit')}; '!' = a run had errors or closed connections")
    pp, tp = plain.get("params", {}), tls.get("params", {})
    differ = [k for k in VS_PARAMS if pp.get(k) != tp.get(k)]
    if differ:
        print("WARNING: the two runs differ in " + ", ".join(f"{k} ({pp.get(k)!r} vs {tp.get(k)!r})" for k in differ)
              + ": the comparison is not like for like")
    for k in ("nproc", "kernel", "cpu", "java", "nginx", "haproxy"):
        if pm.get(k) != tm.get(k):
            print(f"WARNING: the runs were on different {k}: {pm.get(k)!r} vs {tm.get(k)!r}")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("report")
    r.add_argument("--records", required=True)
    r.add_argument("--machine", required=True)
    r.add_argument("--out")
    r.add_argument("--latest")
    r.add_argument("--params", nargs="*")
    r.add_argument("--tls-probes")
    r.add_argument("--plain")
    t = sub.add_parser("table")
    t.add_argument("file")
    t.add_argument("--markdown", action="store_true")
    v = sub.add_parser("vs")
    v.add_argument("plain")
    v.add_argument("tls")
    v.add_argument("--markdown", action="store_true")
    args = ap.parse_args()
    if args.cmd == "report":
        report(args)
    elif args.cmd == "vs":
        with open(args.plain) as f:
            plain = json.load(f)
        with open(args.tls) as f:
            tls = json.load(f)
        print_vs(plain, tls, args.markdown)
    else:
        with open(args.file) as f:
            print_table(json.load(f), args.markdown)


if __name__ == "__main__":
    sys.exit(main())
