#!/usr/bin/python3
"""Plots taskcenter-bench CSV output and summarises it against the performance targets (docs/performance.md).

    /usr/bin/python3 bench/plot.py bench/results/latest.csv bench/results/latest.png

Needs matplotlib from Debian (`apt-get install -y python3-matplotlib`; PyPI is not
reachable here), hence /usr/bin/python3. Prints a Markdown table of the targets (each as a
ratio or figure measured in the same run) for docs/performance.md; with --table, also a
Markdown table of every row.
"""

import csv
import re
import sys
from collections import defaultdict


def load(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def num(row, key):
    try:
        return float(row.get(key) or "nan")
    except ValueError:
        return float("nan")


def latest(rows):
    """Keeps the last row for each (scenario, backend, mode, connections, batch)."""
    keyed = {}
    for r in rows:
        keyed[(r["scenario"], r["backend"], r["mode"], r["connections"], r["batch"])] = r
    return list(keyed.values())


def series(rows, scenario, mode=None, x="connections"):
    """{backend: sorted [(x, row)]} for one scenario."""
    out = defaultdict(list)
    for r in rows:
        if r["scenario"] == scenario and (mode is None or r["mode"] == mode):
            out[r["backend"]].append((num(r, x), r))
    return {b: sorted(v, key=lambda t: t[0]) for b, v in out.items()}


def plot(rows, png):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    palette = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    backends = sorted({r["backend"] for r in rows})
    color = {b: palette[i % len(palette)] for i, b in enumerate(backends)}

    fig, axes = plt.subplots(2, 2, figsize=(12, 8.5))
    (tput, lat), (cyc, call) = axes

    for scenario, style in (("ceiling", "--"), ("put", "-")):
        for backend, pts in series(rows, scenario, "closed").items():
            xs = [x for x, _ in pts]
            label = f"{backend} ceiling" if scenario == "ceiling" else f"put {backend}"
            tput.plot(xs, [num(r, "req_per_s") for _, r in pts], style, marker="o", label=label,
                      color=color[backend])
    for backend, pts in series(rows, "redis-ceiling", "EVALSHA").items():
        tput.plot([x for x, _ in pts], [num(r, "req_per_s") for _, r in pts], ":", marker="s",
                  label="redis-benchmark EVALSHA put.lua", color=color.get(backend))
    tput.set(xscale="log", xlabel="connections", ylabel="requests/s",
             title="put throughput vs connections (dashed: ceilings)")
    tput.legend(fontsize=7)
    tput.grid(alpha=0.3)

    for backend, pts in series(rows, "put", "closed").items():
        xs = [x for x, _ in pts]
        lat.plot(xs, [num(r, "p50_ms") for _, r in pts], "-", marker="o", label=f"{backend} p50",
                 color=color[backend])
        lat.plot(xs, [num(r, "p99_ms") for _, r in pts], "--", marker="^", label=f"{backend} p99",
                 color=color[backend])
    lat.set(xscale="log", yscale="log", xlabel="connections", ylabel="ms",
            title="put latency vs connections")
    lat.legend(fontsize=7)
    lat.grid(alpha=0.3)

    for mode in ("take", "peek"):
        for backend, pts in series(rows, "cycle", mode, x="batch").items():
            cyc.plot([x for x, _ in pts], [num(r, "ops_per_s") for _, r in pts],
                     "-" if mode == "take" else "none", marker="o" if mode == "take" else "s",
                     label=f"{backend} {mode}", color=color[backend])
    cyc.axhline(40000, color="grey", linestyle=":", label="target (memory, batch 16)")
    cyc.set(xscale="log", xlabel="consumer batch size", ylabel="tasks/s (put+take+reply)",
            title="cycle: end-to-end tasks/s vs batch")
    cyc.legend(fontsize=7)
    cyc.grid(alpha=0.3)

    for backend, pts in series(rows, "call", "closed", x="producers").items():
        xs = [x for x, _ in pts]
        call.plot(xs, [num(r, "p50_ms") for _, r in pts], "-", marker="o", label=f"{backend} p50",
                  color=color[backend])
        call.plot(xs, [num(r, "p99_ms") for _, r in pts], "--", marker="^", label=f"{backend} p99",
                  color=color[backend])
    call.set(xscale="log", yscale="log", xlabel="callers (one consumer)", ylabel="ms",
             title="call round trip vs callers")
    call.legend(fontsize=7)
    call.grid(alpha=0.3)

    fig.tight_layout()
    fig.savefig(png, dpi=90)


TAKE_P50 = r"take p50=([\d.]+)ms"


def note_value(row, pattern):
    m = re.search(pattern, row.get("note", ""))
    return float(m.group(1)) if m else float("nan")


def summary(rows):
    """Markdown lines: each performance target and where it stands in this run."""
    out = ["| target | measured | ratio / verdict |", "|---|---|---|"]

    def best(scenario, backend, key="req_per_s", mode=None):
        cands = [r for r in rows if r["scenario"] == scenario and r["backend"] == backend
                 and (mode is None or r["mode"] == mode)]
        return max(cands, key=lambda r: num(r, key)) if cands else None

    def verdict(ok):
        return "met" if ok else "MISSED"

    ceiling = best("ceiling", "trivial")
    puts = [r for r in rows if r["scenario"] == "put" and r["backend"] == "memory"
            and r["mode"] == "closed" and num(r, "ratio") > 0]
    if puts:
        ratios = sorted(num(r, "ratio") for r in puts)
        median = ratios[len(ratios) // 2]
        cells = ", ".join(f"{r['connections']}: {num(r, 'req_per_s'):.0f}/{num(r, 'ceiling_req_per_s'):.0f}"
                          for r in puts)
        out.append(f"| memory put >= 0.8x trivial ceiling (same connections, ceiling measured right after) "
                   f"| put/ceiling req/s by connections: {cells} | median {median:.2f}x "
                   f"(range {ratios[0]:.2f}-{ratios[-1]:.2f}), {verdict(median >= 0.8)} |")
    cpu_ratios = []
    for r in puts:
        c = [x for x in rows if x["scenario"] == "ceiling" and x["backend"] == "trivial"
             and x["connections"] == r["connections"]]
        if c and cpu_per_request(r) and cpu_per_request(c[-1]):
            cpu_ratios.append((r["connections"], float(cpu_per_request(c[-1])) / float(cpu_per_request(r)),
                               float(cpu_per_request(r)), float(cpu_per_request(c[-1]))))
    if cpu_ratios:
        cells = ", ".join(f"{c}: {a:.1f} vs {b:.1f} us" for c, _, a, b in cpu_ratios)
        mid = sorted(x[1] for x in cpu_ratios)[len(cpu_ratios) // 2]
        out.append(f"| (same target as server CPU per request: put vs trivial, by connections) | {cells} "
                   f"| median {mid:.2f}x, {verdict(mid >= 0.8)} |")
    def median_cpu(backend):
        vals = sorted(float(cpu_per_request(r)) for r in rows if r["scenario"] == "ceiling"
                      and r["backend"] == backend and cpu_per_request(r))
        return vals[len(vals) // 2] if vals else None
    trivial_cpu, nginx_cpu = median_cpu("trivial"), median_cpu("nginx")
    if trivial_cpu and nginx_cpu:
        out.append(f"| (trivial responder vs nginx `return 200`: CPU per request, median over connections) "
                   f"| {trivial_cpu:.1f} vs {nginx_cpu:.1f} us | trivial is {nginx_cpu / trivial_cpu:.2f}x "
                   f"as cheap as nginx |")
    for backend, goal in (("memory", 40000), ("redis1", 15000), ("redis3", 15000)):
        cyc = [r for r in rows if r["scenario"] == "cycle" and r["backend"] == backend
               and r["mode"] == "take" and r["batch"] == "16"]
        if cyc:
            v = num(cyc[-1], "ops_per_s")
            out.append(f"| {backend} cycle >= {goal // 1000}k tasks/s (batch 16) | {v:.0f} tasks/s "
                       f"(server CPU {cpu_per_op(cyc[-1])} us/task; {projected(cyc[-1])}) "
                       f"| {v / goal:.2f}x of target, {verdict(v >= goal)} |")
    call = [r for r in rows if r["scenario"] == "call" and r["backend"] == "memory"
            and r["producers"] == "1" and r["mode"] == "closed"]
    if call:
        p50, p99 = num(call[-1], "p50_ms"), num(call[-1], "p99_ms")
        floor = [r for r in rows if r["scenario"] == "ceiling" and r["backend"] == "trivial"
                 and r["connections"] == "1"]
        floor_text = (f"; the trivial responder's own p50/p99 at 1 connection in this run: "
                      f"{num(floor[-1], 'p50_ms'):.3f} / {num(floor[-1], 'p99_ms'):.3f} ms" if floor else "")
        out.append(f"| memory call p50 <= 0.3 ms, p99 <= 1 ms (1 caller, 1 consumer) | p50 {p50:.3f} ms, "
                   f"p99 {p99:.3f} ms{floor_text} | {verdict(p50 <= 0.3 and p99 <= 1.0)} |")
    for backend in ("redis1", "redis3"):
        cells, ratios = [], []
        for rb in rows:
            if rb["scenario"] != "redis-ceiling" or rb["mode"] != "EVALSHA":
                continue
            put = [r for r in rows if r["scenario"] == "put" and r["backend"] == backend
                   and r["mode"] == "closed" and r["connections"] == rb["connections"]]
            ev = [r for r in rows if r["scenario"] == "redis-ceiling" and r["mode"] == "EVAL"
                  and r["connections"] == rb["connections"]]
            if put:
                ratio = num(put[-1], "req_per_s") / num(rb, "req_per_s")
                ratios.append(ratio)
                ev_text = f" (EVAL {num(ev[-1], 'req_per_s'):.0f})" if ev else ""
                cells.append(f"{rb['connections']} conns: {num(put[-1], 'req_per_s'):.0f} vs "
                             f"{num(rb, 'req_per_s'):.0f}{ev_text} = {ratio:.2f}x")
        if cells:
            out.append(f"| {backend} put >= 0.8x redis-benchmark EVALSHA put.lua, same connections | "
                       f"{'; '.join(cells)} | {verdict(min(ratios) >= 0.8)} (lowest {min(ratios):.2f}x) |")
    for r in rows:
        if r["scenario"] == "idle":
            delta = note_value(r, r"delta=([-\d.]+)MB")
            cpu = num(r, "server_cpu_pct")
            p99 = num(r, "p99_ms")
            out.append(f"| {r['backend']} {r['connections']} idle waiters: <= 100 MB RSS, ~0% CPU, wake p99 <= 2 ms "
                       f"| +{delta:.1f} MB, {cpu:.1f}% CPU, put-to-wake p99 {p99:.3f} ms "
                       f"| {verdict(delta <= 100 and cpu < 5 and p99 <= 2)} |")
    for r in rows:
        if r["scenario"] == "depth" and r["backend"] == "memory" and r["mode"] == "1m":
            beyond = note_value(r, r"\(([-\d.]+) B beyond")
            out.append(f"| memory: <= 150 B per pending task beyond id/info/content | {beyond:.0f} B "
                       f"(RSS growth over 1M tasks) | {verdict(beyond <= 150)} |")
    depth = [r for r in rows if r["scenario"] == "depth"]
    for backend in sorted({r["backend"] for r in depth}):
        cells = ", ".join(f"{r['mode']}: {num(r, 'ops_per_s'):.0f} pairs/s, put p50 {num(r, 'p50_ms'):.3f} ms, "
                          f"take p50 {note_value(r, TAKE_P50):.3f} ms, "
                          f"server {cpu_per_op(r)} us/pair" for r in depth if r["backend"] == backend)
        out.append(f"| {backend} put+take cost flat over depth | {cells} | compare p50 and CPU per pair |")
    return "\n".join(out)


def cpu_per_request(row):
    """Server CPU microseconds per request: steadier than req/s when other processes take
    the cores, since it counts only the time the server actually ran."""
    cpu, rps = num(row, "server_cpu_pct"), num(row, "req_per_s")
    if cpu != cpu or rps != rps or rps <= 0 or row["scenario"] == "idle":
        return ""
    return f"{cpu * 1e4 / rps:.1f}"


def cpu_per_op(row):
    cpu, ops = num(row, "server_cpu_pct"), num(row, "ops_per_s")
    return "" if cpu != cpu or ops != ops or ops <= 0 else f"{cpu * 1e4 / ops:.1f}"


def projected(row):
    """Throughput if server + client had both cores to themselves (linear in CPU)."""
    cpu = num(row, "server_cpu_pct") + num(row, "client_cpu_pct")
    if cpu != cpu or cpu <= 0:
        return ""
    return f"{num(row, 'ops_per_s') * 200 / cpu:.0f}/s if server + client had both cores"


def table(rows):
    """Markdown table of every row (the figures quoted in docs/performance.md)."""
    out = ["| scenario | backend | mode | conns | batch | ops/s | req/s | p50 ms | p99 ms | p99.9 ms "
           "| server CPU % | server CPU us/req | client CPU % | ceiling req/s | ratio |",
           "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        def f(key, digits=0):
            v = num(r, key)
            return "" if v != v else f"{v:.{digits}f}"
        out.append(f"| {r['scenario']} | {r['backend']} | {r['mode']} | {r['connections']} | {r['batch']} "
                   f"| {f('ops_per_s')} | {f('req_per_s')} | {f('p50_ms', 3)} | {f('p99_ms', 3)} "
                   f"| {f('p999_ms', 3)} | {f('server_cpu_pct')} | {cpu_per_request(r)} | {f('client_cpu_pct')} "
                   f"| {f('ceiling_req_per_s')} | {f('ratio', 2)} |")
    return "\n".join(out)


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    if not args:
        print(__doc__)
        return 2
    rows = latest(load(args[0]))
    if len(args) > 1:
        plot(rows, args[1])
        print(f"plot: {args[1]}")
    if "--table" in sys.argv:
        print(table(rows))
        print()
    print(summary(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
