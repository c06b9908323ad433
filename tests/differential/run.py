#!/usr/bin/env python3
"""The differential test: random API sequences in lockstep on five deployments.

  python3 tests/differential/run.py --seed S --ops N [--deployments a,b,c,d,e] [--skip KIND]
  python3 tests/differential/run.py --ci          the fixed CI seeds (about two minutes)

--seed takes a list and ranges ("1,5,10-20"). Deployments: a memory only, b memory + log,
c one Redis, d two instances on one Redis, e two instances on a Redis Cluster (README.md).
On the first difference of a seed, the sequence is shrunk and printed as curl commands;
with several seeds the run carries on with the next one. Exit code 0 only when every seed
ran without a difference and at least one operation ran.
TC_BINARY names the taskcenter binary (default build/taskcenter); REDIS_SERVER / REDIS_CLI
the Redis tools.
"""

import argparse
import os
import shutil
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import deployments  # noqa: E402
import findings  # noqa: E402
from generator import generate  # noqa: E402
from lockstep import Difference, Runner  # noqa: E402
from shrink import render, shrink  # noqa: E402

# CI: these seeds, this many operations each, on all five deployments (README.md).
CI_SEEDS = list(range(1, 11))
CI_OPS = 80


def parse_seeds(text):
    seeds = []
    for part in text.split(","):
        part = part.strip()
        if "-" in part[1:]:
            low, high = part.split("-", 1)
            seeds.extend(range(int(low), int(high) + 1))
        elif part:
            seeds.append(int(part))
    return seeds


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seed", default="1", help="seeds: a list and ranges, e.g. 1,4,10-20")
    parser.add_argument("--ops", type=int, default=200, help="operations per seed")
    parser.add_argument("--deployments", default="a,b,c,d,e",
                        help="which deployments (letters a-e, comma separated)")
    parser.add_argument("--skip", action="append", default=[],
                        help="a known finding (findings.py) the generator avoids; repeatable")
    parser.add_argument("--ci", action="store_true",
                        help=f"the CI run: seeds {CI_SEEDS[0]}-{CI_SEEDS[-1]}, {CI_OPS} ops "
                             "each, skipping the open findings")
    parser.add_argument("--wait", type=float, default=1.0,
                        help="seconds of the pause after a short timer (>= 1)")
    parser.add_argument("--shrink-seconds", type=float,
                        help="time budget for shrinking one difference (default 300 s; "
                             "60 s with --ci, to stay inside the ctest timeout)")
    parser.add_argument("--no-shrink", action="store_true", help="print the unshrunk sequence")
    parser.add_argument("--print-ops", action="store_true", help="print each seed's sequence")
    args = parser.parse_args()

    skips = set(findings.check([k for s in args.skip for k in s.split(",") if k]))
    if args.shrink_seconds is None:
        args.shrink_seconds = 60 if args.ci else 300
    if args.ci:
        seeds, count = CI_SEEDS, CI_OPS
        skips |= set(findings.CI_SKIPS)
    else:
        seeds, count = parse_seeds(args.seed), args.ops
    names = [n.strip() for n in args.deployments.split(",") if n.strip()]
    if len(names) < 2 or any(n not in deployments.ALL for n in names) or len(set(names)) != len(
            names):
        parser.error("--deployments: two or more distinct letters of a,b,c,d,e")
    if args.wait < 1.0:
        parser.error("--wait must be >= 1 s: the short timers are up to 0.3 s")

    started = time.monotonic()
    root = tempfile.mkdtemp(prefix="tc-diff-")
    deps = []
    differences = []
    runner = None
    try:
        deps = deployments.start(names, root)
        print(f"[differential] deployments: "
              + "; ".join(f"{d.name} ({deployments.DESCRIPTIONS[d.name]}) {d.urls}" for d in deps)
              + f"; started in {time.monotonic() - started:.1f} s", flush=True)
        print(f"[differential] skipping known findings: {', '.join(sorted(skips)) or 'none'}",
              flush=True)
        runner = Runner(deps)
        for seed in seeds:
            t0 = time.monotonic()
            queues, ops = generate(seed, count, skips, args.wait)
            if args.print_ops:
                for i, op in enumerate(ops):
                    print(f"  {i}: {op}")
            try:
                runner.run(queues, ops)
                print(f"seed {seed}: {len(ops)} ops + audit on {''.join(names)}: same "
                      f"({time.monotonic() - t0:.1f} s)", flush=True)
                continue
            except Difference as diff:
                first = diff
            print(f"seed {seed}: DIFFERENCE at op {first.op_no} "
                  f"({' | '.join(n for n, _ in first.groups())}); shrinking...", flush=True)
            small, found, finished = ops, first, False
            if not args.no_shrink:
                small, found, finished = shrink(runner, queues, ops, first,
                                                args.shrink_seconds)
            print(f"seed {seed}: {len(small)} ops still differ"
                  + ("" if finished or args.no_shrink else " (shrink budget ran out)"))
            print(render(seed, small, found, names, skips), flush=True)
            differences.append(seed)
    finally:
        if runner is not None:
            runner.close()
        for d in deps:
            d.close()
        shutil.rmtree(root, ignore_errors=True)

    ops_run = runner.ops_run if runner else 0
    print(f"[differential] {len(seeds)} seed(s), {ops_run} generated operations (and the "
          f"audits) run on each of "
          f"{len(names)} deployments in {time.monotonic() - started:.1f} s; "
          f"{len(differences)} seed(s) differ{': ' + str(differences) if differences else ''}")
    if ops_run == 0:
        print("[differential] FAILED: no operation ran")
        return 1
    return 1 if differences else 0


if __name__ == "__main__":
    sys.exit(main())
