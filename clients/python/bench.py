#!/usr/bin/env python3
"""Figures of the Python client against a running server (not a test: it prints).

    python3 clients/python/bench.py --url http://127.0.0.1:8000            # all figures
    python3 clients/python/bench.py --binary build/taskcenter               # start a server
    python3 clients/python/bench.py --url ... throughput --tasks 20000 --workers 1 4
    python3 clients/python/bench.py --url ... latency --calls 2000

throughput: a producer process puts N tasks one by one (put, keep-alive) while the
  consumer framework in this process echoes them (TaskConsumer, W worker threads);
  tasks/s = N / (time from the first put to the last reply). Both fetch modes:
  "take" (accept not overridden) and "peek+acquire" (accept overridden).
latency: one consumer process (1 worker, take long-poll) waits; this process issues
  sequential calls; p50/p99 of the call round trip.
"""

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from typing import Any, List, Optional

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from taskcenter import Task, TaskCenter, TaskConsumer  # noqa: E402


class EchoTake(TaskConsumer):
    poll_timeout = 1.0

    def process(self, task: Task) -> Any:
        return task.info, task.content


class EchoAccept(EchoTake):
    def accept(self, task: Task) -> bool:
        return True


def produce(url: str, queue: str, tasks: int) -> None:
    tc = TaskCenter(url)
    payload = b"x" * 100
    start = time.perf_counter()
    for i in range(tasks):
        tc.put(queue, "t%d" % i, info={"i": i}, content=payload)
    elapsed = time.perf_counter() - start
    print("producer: %d puts in %.2f s = %.0f puts/s" % (tasks, elapsed, tasks / elapsed),
          flush=True)


def throughput(url: str, tasks: int, workers: int, mode: str, drain: bool) -> float:
    """drain=False: a producer process puts while the consumer runs (end to end).
    drain=True: the queue is filled first (put_batch), then the consumer empties it,
    which measures the consumer framework alone."""
    queue = "bench-tp-" + uuid.uuid4().hex[:8]
    cls = EchoTake if mode == "take" else EchoAccept
    consumer = cls(url, workers=workers, queue=queue)
    producer = None
    if drain:
        tc = TaskCenter(url)
        for first in range(0, tasks, 1000):
            tc.put_batch(queue, [("t%d" % i, {"i": i}, b"x" * 100)
                                 for i in range(first, min(tasks, first + 1000))])
        tc.close()
        start = time.perf_counter()
        consumer.start()
    else:
        consumer.start()
        start = time.perf_counter()
        producer = subprocess.Popen([sys.executable, os.path.abspath(__file__), "--url", url,
                                     "produce", queue, str(tasks)])
    while consumer.processed < tasks:
        time.sleep(0.005)
        if producer is not None and producer.poll() not in (None, 0):
            raise SystemExit("producer failed")
    elapsed = time.perf_counter() - start
    if producer is not None:
        producer.wait()
    consumer.stop()
    consumer.join()
    TaskCenter(url).clear_queue(queue)
    rate = tasks / elapsed
    print("throughput (%s): mode=%-12s workers=%d tasks=%d: %.2f s = %.0f tasks/s"
          % ("drain a filled queue" if drain else "producer putting meanwhile",
             mode, workers, tasks, elapsed, rate), flush=True)
    return rate


def latency(url: str, calls: int) -> None:
    queue = "bench-lat-" + uuid.uuid4().hex[:8]
    consumer = subprocess.Popen([sys.executable, os.path.abspath(__file__), "--url", url,
                                 "consume", queue])
    tc = TaskCenter(url)
    try:
        tc.call(queue, "warmup", timeout=10)
        samples: List[float] = []
        for i in range(calls):
            start = time.perf_counter()
            tc.call(queue, "c%d" % i, info={"i": i}, content=b"x" * 100, timeout=10)
            samples.append(time.perf_counter() - start)
    finally:
        consumer.send_signal(signal.SIGTERM)
        consumer.wait()
    samples.sort()

    def pct(p: float) -> float:
        return 1000 * samples[min(len(samples) - 1, int(p * len(samples)))]

    print("latency: %d sequential calls, one consumer waiting: p50 %.2f ms, p90 %.2f ms, "
          "p99 %.2f ms, max %.2f ms" % (calls, pct(0.5), pct(0.9), pct(0.99), 1000 * samples[-1]),
          flush=True)
    tc.clear_queue(queue)


def start_server(binary: str) -> "tuple[subprocess.Popen, str, tempfile.TemporaryDirectory]":
    tmp = tempfile.TemporaryDirectory()
    port_file = os.path.join(tmp.name, "port")
    proc = subprocess.Popen([binary, "--port", "0", "--port-file", port_file, "--data-dir", ""],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(200):
        if os.path.exists(port_file) and open(port_file).read().strip():
            url = "http://127.0.0.1:%s" % open(port_file).read().strip()
            if TaskCenter(url).healthz():
                return proc, url, tmp
        time.sleep(0.05)
    proc.kill()
    raise SystemExit("server did not start")


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", default=os.environ.get("TASKCENTER_URL", "http://127.0.0.1:8000"))
    parser.add_argument("--binary", help="start this server binary (in-memory) and use it")
    sub = parser.add_subparsers(dest="command")
    p = sub.add_parser("throughput")
    p.add_argument("--tasks", type=int, default=20000)
    p.add_argument("--workers", type=int, nargs="+", default=[1, 4])
    p.add_argument("--modes", nargs="+", default=["take", "peek+acquire"])
    p.add_argument("--drain", action="store_true",
                   help="fill the queue first, then time the consumer alone")
    p = sub.add_parser("latency")
    p.add_argument("--calls", type=int, default=2000)
    p = sub.add_parser("produce")  # internal: the producer process
    p.add_argument("queue")
    p.add_argument("tasks", type=int)
    p = sub.add_parser("consume")  # internal: the consumer process of `latency`
    p.add_argument("queue")
    args = parser.parse_args(argv)

    if args.command == "produce":
        produce(args.url, args.queue, args.tasks)
        return 0
    if args.command == "consume":
        EchoTake(args.url, queue=args.queue).run()
        return 0

    server = None
    if args.binary:
        server, args.url, tmp = start_server(args.binary)
    try:
        if args.command in (None, "throughput"):
            tasks = getattr(args, "tasks", 20000)
            for mode in getattr(args, "modes", ["take", "peek+acquire"]):
                for workers in getattr(args, "workers", [1, 4]):
                    throughput(args.url, tasks, workers, mode, getattr(args, "drain", False))
        if args.command in (None, "latency"):
            latency(args.url, getattr(args, "calls", 2000))
    finally:
        if server is not None:
            server.send_signal(signal.SIGTERM)
            server.wait()
    return 0


if __name__ == "__main__":
    sys.exit(main())
