#!/usr/bin/env python3
"""Heterogeneous workers on one queue: batches formed the way a GPU wants them.

Callers issue synchronous `call`s for three "models" (each task's `batch_key`) with
mixed sizes (each task's `cost`: tokens, pixels). Three consumers pull from the same
queue at their own pace; nobody assigns work:

- a simulated GPU takes batches of one model at a time (`group_by_key`), bounded by a
  total cost (`max_cost`), and answers each batch with one `reply_batch`; a batch takes
  `fixed + per_cost * total cost` seconds, as a forward pass does;
- two slow CPU workers take single tasks, `cpu_per_cost * cost` seconds each.

The fast consumer ends up with most of the work and the slow ones still contribute. The
summary shows each consumer's share, batch sizes and costs, and each model's call rate
and latency; with `--png FILE` (needs Debian's python3-matplotlib) it also draws batch
sizes and call latencies over time.

Run against a server (python 3.8+, no dependencies beyond the taskcenter package):

    taskcenter --port 8000 &                                   # the server
    PYTHONPATH=clients/python python3 examples/hetero_workers.py --url http://127.0.0.1:8000

Or run the parts as separate processes (on separate machines if you like):

    python3 examples/hetero_workers.py --role gpu &
    python3 examples/hetero_workers.py --role cpu &
    python3 examples/hetero_workers.py --role producer --calls 5000
"""

import argparse
import collections
import os
import random
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Dict, List, Optional, Tuple

# Run from a checkout without installing the package.
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "clients", "python"))

from taskcenter import CallTimeout, Task, TaskCenter, TaskConsumer  # noqa: E402

# model -> (lowest cost, highest cost) of one request: small images, sentences, audio clips.
MODELS = {"resnet": (1, 4), "bert": (2, 16), "whisper": (8, 32)}


class GpuWorker(TaskConsumer):
    """One model per batch, at most max_cost in total: time is per batch and per cost."""

    batch_size = 32
    batch_window = 0.005  # once one task is there, let the batch fill this long
    group_by_key = True
    max_cost = 128.0
    fixed = 0.004         # seconds per batch whatever its size (kernel launches, transfer)
    per_cost = 0.0002     # seconds per unit of cost in the batch

    def process_batch(self, tasks: List[Task]) -> List[Tuple[Dict[str, Any], bytes]]:
        total = sum(float(t.info.get("cost", 1)) for t in tasks)
        time.sleep(self.fixed + self.per_cost * total)  # one forward pass for the whole batch
        model = tasks[0].info.get("model")
        info = {"worker": "gpu", "batch": len(tasks), "batch_cost": total, "model": model}
        return [(info, t.content.upper()) for t in tasks]


class CpuWorker(TaskConsumer):
    """One task at a time, far slower per unit of cost than the GPU."""

    per_cost = 0.002
    name = "cpu"

    def process(self, task: Task) -> Tuple[Dict[str, Any], bytes]:
        cost = float(task.info.get("cost", 1))
        time.sleep(self.per_cost * cost)
        return ({"worker": self.name, "batch": 1, "batch_cost": cost,
                 "model": task.info.get("model")}, task.content.upper())


def percentile(sorted_values: List[float], fraction: float) -> float:
    if not sorted_values:
        return float("nan")
    index = min(len(sorted_values) - 1, int(round(fraction * (len(sorted_values) - 1))))
    return sorted_values[index]


class Outcome:
    """What one call saw: when it ended, how long it took, who served it in what batch."""

    __slots__ = ("ended", "latency", "model", "worker", "batch", "batch_cost", "batch_model")

    def __init__(self, ended: float, latency: float, model: str, info: Dict[str, Any]) -> None:
        self.ended, self.latency, self.model = ended, latency, model
        self.worker = info.get("worker", "?")
        self.batch_model = info.get("model")  # the model of the batch's first task
        self.batch = int(info.get("batch", 1))
        self.batch_cost = float(info.get("batch_cost", 0))


def produce(url: str, queue: str, calls: int, concurrency: int, timeout: float,
            seed: int) -> Tuple[List[Outcome], Dict[str, int], float]:
    """Issue `calls` synchronous calls from `concurrency` threads."""
    tc = TaskCenter(url, max_idle_connections=concurrency)
    rng = random.Random(seed)
    plan = []
    for i in range(calls):
        model = rng.choice(sorted(MODELS))
        low, high = MODELS[model]
        plan.append((i, model, rng.randint(low, high)))
    outcomes: List[Outcome] = []
    failures: Dict[str, int] = collections.Counter()
    lock = threading.Lock()
    run_id = "%d-%d" % (os.getpid(), int(time.time()))
    began = time.perf_counter()

    def one(step: Tuple[int, str, int]) -> None:
        i, model, cost = step
        start = time.perf_counter()
        try:
            result = tc.call(queue, "%s-%d" % (run_id, i), info={"model": model, "cost": cost},
                             content=b"payload %d" % i, timeout=timeout, batch_key=model,
                             cost=cost)
        except CallTimeout:
            with lock:
                failures["timeout"] += 1
            return
        except Exception as exc:  # summarised, not fatal: this is a demo
            with lock:
                failures[type(exc).__name__] += 1
            return
        ended = time.perf_counter()
        info = result.info if result and isinstance(result.info, dict) else {}
        with lock:
            outcomes.append(Outcome(ended - began, ended - start, model, info))

    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        list(pool.map(one, plan))
    wall = time.perf_counter() - began
    tc.close()
    return outcomes, failures, wall


def summarize(outcomes: List[Outcome], failures: Dict[str, int], calls: int, concurrency: int,
              wall: float, queue: str, max_cost: float) -> int:
    done = len(outcomes)
    print("\n%d calls on queue %r with %d concurrent callers in %.2f s (%.0f calls/s)"
          % (calls, queue, concurrency, wall, done / wall if wall else 0))
    by_worker: Dict[str, List[Outcome]] = collections.defaultdict(list)
    for o in outcomes:
        by_worker[o.worker].append(o)
    print("%-8s %9s %7s %8s %11s %11s %s" % ("worker", "processed", "share", "batches",
                                              "mean batch", "mean cost", "models"))
    for worker in sorted(by_worker, key=lambda w: -len(by_worker[w])):
        served = by_worker[worker]
        # Each task knows its batch's size: a batch of n contributes n times 1/n.
        batches = sum(1.0 / o.batch for o in served)
        cost = sum(o.batch_cost / o.batch for o in served)
        models = collections.Counter(o.model for o in served)
        print("%-8s %9d %6.1f%% %8.0f %11.1f %11.1f %s" % (
            worker, len(served), 100.0 * len(served) / max(done, 1), batches,
            len(served) / batches, cost / batches,
            " ".join("%s:%d" % kv for kv in sorted(models.items()))))
    print("%-8s %7s %8s %9s %9s" % ("model", "calls", "calls/s", "p50 ms", "p99 ms"))
    for model in sorted(MODELS):
        lat = sorted(o.latency for o in outcomes if o.model == model)
        print("%-8s %7d %8.0f %9.1f %9.1f" % (model, len(lat), len(lat) / wall if wall else 0,
                                              1000 * percentile(lat, 0.5),
                                              1000 * percentile(lat, 0.99)))
    lat = sorted(o.latency for o in outcomes)
    print("all calls: p50 %.1f ms, p99 %.1f ms, max %.1f ms"
          % (1000 * percentile(lat, 0.50), 1000 * percentile(lat, 0.99),
             1000 * (lat[-1] if lat else float("nan"))))
    gpu = [o for o in outcomes if o.worker == "gpu"]
    mixed = sum(1 for o in gpu if o.model != o.batch_model)
    over = sum(1 for o in gpu if o.batch > 1 and o.batch_cost > max_cost)
    print("GPU tasks in a batch of another model: %d; in a batch of several over max_cost "
          "%.0f: %d" % (mixed, max_cost, over))
    if failures:
        print("failed calls:", dict(failures))
    return 0 if not failures and done == calls and not mixed and not over else 1


def draw(outcomes: List[Outcome], path: str) -> None:
    """Batch sizes and call latencies over time, one colour per worker."""
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("no PNG: matplotlib is missing (apt-get install python3-matplotlib, then run "
              "this with /usr/bin/python3)")
        return
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(9, 6), sharex=True)
    for worker in sorted({o.worker for o in outcomes}):
        mine = [o for o in outcomes if o.worker == worker]
        top.scatter([o.ended for o in mine], [o.batch for o in mine], s=6, label=worker)
        bottom.scatter([o.ended for o in mine], [1000 * o.latency for o in mine], s=4,
                       label=worker)
    top.set_ylabel("batch size of the task's batch")
    bottom.set_ylabel("call latency (ms)")
    bottom.set_xlabel("seconds since the first call")
    top.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    print("wrote", path)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", default=os.environ.get("TASKCENTER_URL", "http://127.0.0.1:8000"))
    parser.add_argument("--queue", default="hetero-demo")
    parser.add_argument("--role", choices=("all", "gpu", "cpu", "producer"), default="all",
                        help="run everything here (default) or one part")
    parser.add_argument("--calls", type=int, default=3000, help="synchronous calls to issue")
    parser.add_argument("--concurrency", type=int, default=64, help="concurrent callers")
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds one call may wait")
    parser.add_argument("--seed", type=int, default=1, help="seed of the models and costs drawn")
    parser.add_argument("--gpu-batch", type=int, default=GpuWorker.batch_size,
                        help="most tasks in one GPU batch")
    parser.add_argument("--gpu-max-cost", type=float, default=GpuWorker.max_cost,
                        help="most total cost in one GPU batch")
    parser.add_argument("--gpu-fixed", type=float, default=GpuWorker.fixed,
                        help="simulated seconds per GPU batch")
    parser.add_argument("--gpu-per-cost", type=float, default=GpuWorker.per_cost,
                        help="simulated GPU seconds per unit of cost")
    parser.add_argument("--cpu-per-cost", type=float, default=CpuWorker.per_cost,
                        help="simulated CPU seconds per unit of cost")
    parser.add_argument("--cpu-workers", type=int, default=2, help="single-task CPU consumers")
    parser.add_argument("--png", help="draw batch sizes and latencies over time into this file")
    args = parser.parse_args()

    consumers: List[TaskConsumer] = []
    if args.role in ("all", "gpu"):
        gpu = GpuWorker(args.url, queue=args.queue, batch_size=args.gpu_batch,
                        max_cost=args.gpu_max_cost)
        gpu.fixed, gpu.per_cost = args.gpu_fixed, args.gpu_per_cost
        consumers.append(gpu)
    if args.role in ("all", "cpu"):
        for n in range(args.cpu_workers):
            cpu = CpuWorker(args.url, queue=args.queue)
            cpu.per_cost, cpu.name = args.cpu_per_cost, "cpu%d" % (n + 1)
            consumers.append(cpu)

    if args.role in ("gpu", "cpu"):
        print("%s worker(s) on %s queue %r; Ctrl-C to stop" % (args.role, args.url, args.queue))
        for consumer in consumers[1:]:
            consumer.start()
        consumers[0].run()
        for consumer in consumers[1:]:
            consumer.stop()
            consumer.join()
        print("processed %d tasks" % sum(c.processed for c in consumers))
        return 0

    for consumer in consumers:
        consumer.start()
    status = 1
    outcomes: Optional[List[Outcome]] = None
    try:
        outcomes, failures, wall = produce(args.url, args.queue, args.calls, args.concurrency,
                                           args.timeout, args.seed)
        status = summarize(outcomes, failures, args.calls, args.concurrency, wall, args.queue,
                           args.gpu_max_cost)
    finally:
        for consumer in consumers:
            consumer.stop()
        for consumer in consumers:
            consumer.join()
    if outcomes and args.png:
        draw(outcomes, args.png)
    return status


if __name__ == "__main__":
    sys.exit(main())
