#!/usr/bin/env python3
"""What one GET /metrics costs with many queues, for one or more server binaries in the
same run (a benchmark: it prints figures and asserts nothing).

  python3 tests/ops/scrape_cost.py [--queues 10000] [--scrapes 5] [--server-args '...']
                                   SERVER [SERVER ...]

SERVER is a binary, optionally with flags of its own in the same argument
('build/taskcenter --metrics-queue-histograms 0').

For each binary in turn: a fresh server (embedded store, memory only, two threads), one
task in each of --queues queues, a take on every third queue and a reply on every sixth
(so a third of the queues have batch-size and queue-delay histograms and a sixth a
service-time one), then --scrapes scrapes, alternating between the binaries round by
round so that a change of machine load hits each alike. Prints per binary: the scrape's
size, the lines of each per-queue histogram family, the server's time per scrape (from
taskcenter_request_duration_seconds{endpoint="metrics"}: the scrapes' own) and the
client's wall time, min/median/max.
"""

import argparse
import os
import shlex
import statistics
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "conformance"))

from client import Client  # noqa: E402
from harness import ServerProcess  # noqa: E402

FAMILIES = ("taskcenter_queue_take_batch_size", "taskcenter_queue_delay_seconds",
            "taskcenter_queue_service_seconds", "taskcenter_all_queues_")


def server_seconds(text):
    """(sum, count) of the metrics endpoint's request durations."""
    total = count = 0.0
    for line in text.splitlines():
        if line.startswith('taskcenter_request_duration_seconds_sum{endpoint="metrics"}'):
            total = float(line.rsplit(" ", 1)[1])
        elif line.startswith('taskcenter_request_duration_seconds_count{endpoint="metrics"}'):
            count = float(line.rsplit(" ", 1)[1])
    return total, count


def populate(client, queues):
    for i in range(queues):
        q = f"bulk-{i:05d}"
        assert client.put(q, "t").data is True
        if i % 3 == 0:
            assert len(client.take(q, promise_reply_time=600).data) == 1
        if i % 6 == 0:
            assert client.reply(q, "t").data is True


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("servers", nargs="+", help="a binary, optionally with its own flags")
    parser.add_argument("--queues", type=int, default=10_000)
    parser.add_argument("--scrapes", type=int, default=5)
    parser.add_argument("--server-args", default="", help="more flags for every server")
    args = parser.parse_args()

    runs = []
    for command in args.servers:
        binary, *own = shlex.split(command)
        server = ServerProcess(binary=binary, extra_args=["--threads", "2"] +
                               shlex.split(args.server_args) + own).start()
        client = Client([server.url], timeout=120)
        started = time.monotonic()
        populate(client, args.queues)
        print(f"{command}: {args.queues} queues populated in {time.monotonic() - started:.1f} s",
              file=sys.stderr)
        runs.append({"binary": command, "server": server, "client": client,
                     "sizes": [], "wall": [], "server_s": [], "lines": None})
    try:
        for _ in range(args.scrapes):
            for run in runs:
                before = server_seconds(run["client"].get("/metrics").text)
                t0 = time.monotonic()
                resp = run["client"].get("/metrics")
                wall = time.monotonic() - t0
                text = resp.text
                after = server_seconds(run["client"].get("/metrics").text)
                run["sizes"].append(len(resp.raw))
                run["wall"].append(wall)
                # The scrape in the middle: `after` counts it and the one that read `before`.
                run["server_s"].append((after[0] - before[0]) / max(after[1] - before[1], 1))
                run["lines"] = {f: sum(1 for line in text.splitlines() if line.startswith(f))
                                for f in FAMILIES}
    finally:
        for run in runs:
            run["client"].close()
            run["server"].terminate()
            run["server"].close()

    def spread(values, scale, unit):
        return (f"{min(values) * scale:.1f} / {statistics.median(values) * scale:.1f} / "
                f"{max(values) * scale:.1f} {unit}")

    for run in runs:
        print(f"== {run['binary']}")
        print(f"  scrape size        {statistics.median(run['sizes']) / 1e6:.2f} MB")
        for family, n in run["lines"].items():
            print(f"  {family + '*' if family.endswith('_') else family:40s} {n} lines")
        print(f"  server per scrape  {spread(run['server_s'], 1000, 'ms')} (min/median/max)")
        print(f"  client wall        {spread(run['wall'], 1000, 'ms')} (min/median/max)")


if __name__ == "__main__":
    main()
