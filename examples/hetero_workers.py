#!/usr/bin/env python3
"""Heterogeneous workers on one queue: the load balancing taskcenter promises, shown.

One fast batch consumer ("GPU": up to 32 tasks per batch, a fixed cost per batch,
as a GPU model has) and one slow single consumer ("CPU": a fixed cost per task)
consume the same queue. A producer issues many synchronous `call`s concurrently.
Nobody assigns work: each consumer pulls when it is free, so the fast one ends up
with most of it and the slow one still contributes. The summary shows who
processed how many, the GPU's batch sizes, and the producer's latencies.

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
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Dict, List, Tuple

# Run from a checkout without installing the package.
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "clients", "python"))

from taskcenter import CallTimeout, Task, TaskCenter, TaskConsumer  # noqa: E402


class GpuWorker(TaskConsumer):
    """Batches of up to 32: the cost is per batch, not per task."""

    batch_size = 32
    batch_window = 0.01  # once one task is there, let the batch fill this long
    batch_cost = 0.03

    def process_batch(self, tasks: List[Task]) -> List[Tuple[Dict[str, Any], bytes]]:
        time.sleep(self.batch_cost)  # one forward pass for the whole batch
        return [({"worker": "gpu", "batch": len(tasks)}, t.content.upper()) for t in tasks]


class CpuWorker(TaskConsumer):
    """One task at a time, slower per task than the GPU per batch."""

    task_cost = 0.01

    def process(self, task: Task) -> Tuple[Dict[str, Any], bytes]:
        time.sleep(self.task_cost)
        return {"worker": "cpu", "batch": 1}, task.content.upper()


def percentile(sorted_values: List[float], fraction: float) -> float:
    if not sorted_values:
        return float("nan")
    index = min(len(sorted_values) - 1, int(round(fraction * (len(sorted_values) - 1))))
    return sorted_values[index]


def produce(url: str, queue: str, calls: int, concurrency: int, timeout: float) -> int:
    """Issue `calls` synchronous calls from `concurrency` threads; print the summary."""
    tc = TaskCenter(url)
    by_worker: Dict[str, int] = collections.Counter()
    batch_sizes: Dict[str, List[int]] = collections.defaultdict(list)
    latencies: List[float] = []
    failures: Dict[str, int] = collections.Counter()
    lock = threading.Lock()
    run_id = "%d-%d" % (os.getpid(), int(time.time()))

    def one(i: int) -> None:
        start = time.perf_counter()
        try:
            result = tc.call(queue, "%s-%d" % (run_id, i), info={"i": i},
                             content=b"payload %d" % i, timeout=timeout)
        except CallTimeout:
            with lock:
                failures["timeout"] += 1
            return
        except Exception as exc:  # summarised, not fatal: this is a demo
            with lock:
                failures[type(exc).__name__] += 1
            return
        elapsed = time.perf_counter() - start
        info = result.info if result and isinstance(result.info, dict) else {}
        with lock:
            latencies.append(elapsed)
            by_worker[info.get("worker", "?")] += 1
            batch_sizes[info.get("worker", "?")].append(info.get("batch", 1))

    began = time.perf_counter()
    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        list(pool.map(one, range(calls)))
    wall = time.perf_counter() - began
    tc.close()

    latencies.sort()
    done = sum(by_worker.values())
    print("\n%d calls on queue %r with %d concurrent callers in %.2f s (%.0f calls/s)"
          % (calls, queue, concurrency, wall, done / wall if wall else 0))
    print("%-8s %10s %8s %8s %16s" % ("worker", "processed", "share", "batches", "mean batch size"))
    for worker in sorted(by_worker, key=lambda w: -by_worker[w]):
        # Each task knows the size of its batch: a batch of n contributes n times 1/n.
        batches = sum(1.0 / size for size in batch_sizes[worker])
        print("%-8s %10d %7.1f%% %8.0f %16.1f" % (worker, by_worker[worker],
                                                  100.0 * by_worker[worker] / max(done, 1),
                                                  batches, by_worker[worker] / batches))
    print("call latency: p50 %.1f ms, p99 %.1f ms, max %.1f ms"
          % (1000 * percentile(latencies, 0.50), 1000 * percentile(latencies, 0.99),
             1000 * (latencies[-1] if latencies else float("nan"))))
    if failures:
        print("failed calls:", dict(failures))
    return 0 if not failures and done == calls else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", default=os.environ.get("TASKCENTER_URL", "http://127.0.0.1:8000"))
    parser.add_argument("--queue", default="hetero-demo")
    parser.add_argument("--role", choices=("all", "gpu", "cpu", "producer"), default="all",
                        help="run everything here (default) or one part")
    parser.add_argument("--calls", type=int, default=3000, help="synchronous calls to issue")
    parser.add_argument("--concurrency", type=int, default=64, help="concurrent callers")
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds one call may wait")
    parser.add_argument("--gpu-batch", type=int, default=32, help="GPU batch size")
    parser.add_argument("--gpu-batch-cost", type=float, default=GpuWorker.batch_cost,
                        help="simulated seconds per GPU batch")
    parser.add_argument("--cpu-task-cost", type=float, default=CpuWorker.task_cost,
                        help="simulated seconds per CPU task")
    args = parser.parse_args()

    consumers: List[TaskConsumer] = []
    if args.role in ("all", "gpu"):
        gpu = GpuWorker(args.url, queue=args.queue, batch_size=args.gpu_batch)
        gpu.batch_cost = args.gpu_batch_cost
        consumers.append(gpu)
    if args.role in ("all", "cpu"):
        cpu = CpuWorker(args.url, queue=args.queue)
        cpu.task_cost = args.cpu_task_cost
        consumers.append(cpu)

    if args.role in ("gpu", "cpu"):
        print("%s worker on %s queue %r; Ctrl-C to stop" % (args.role, args.url, args.queue))
        consumers[0].run()
        print("processed %d tasks" % consumers[0].processed)
        return 0

    for consumer in consumers:
        consumer.start()
    try:
        status = produce(args.url, args.queue, args.calls, args.concurrency, args.timeout)
    finally:
        for consumer in consumers:
            consumer.stop()
        for consumer in consumers:
            consumer.join()
    for consumer in consumers:
        print("%s consumer replied %d tasks" % (type(consumer).__name__, consumer.processed))
    return status


if __name__ == "__main__":
    sys.exit(main())
