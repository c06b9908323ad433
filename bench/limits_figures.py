#!/usr/bin/env python3
"""Figures of the queue settings (config_queue), a benchmark, not a test: it prints
numbers and asserts nothing.

1. Wake-up: a take waiting on max_leased, woken by the reply that frees room. The time
   from sending the reply to the waiting take's answer, p50/p99 over N rounds; embedded
   (one instance), and Redis with the take on one instance and the reply on another.
2. Rate accuracy: consumers take as fast as the bucket lets them for D seconds; leases
   per second against the configured rate (embedded and Redis across instances).

    TC_BINARY=build/taskcenter python3 bench/limits_figures.py [--rounds 300] [--seconds 60]

Measured from Python clients on the same machine: the figures include the client's own
HTTP round trips (a reply and a take answer), not only the server's wake-up.
"""
import argparse
import http.client
import json
import os
import statistics
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "conformance"))
import harness  # noqa: E402
import redis_deploy  # noqa: E402


class Conn:
    def __init__(self, url):
        host, port = url.replace("http://", "").split(":")
        self.c = http.client.HTTPConnection(host, int(port), timeout=120)

    def post(self, path, body):
        self.c.request("POST", path, json.dumps(body), {"Content-Type": "application/json"})
        reply = json.loads(self.c.getresponse().read())
        if reply["err_code"] != "0000":
            raise RuntimeError(f"{path}: {reply}")
        return reply["data"]


def pct(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def wake_latency(urls, rounds, label):
    q = f"wake-{time.time_ns()}"
    ctl = Conn(urls[-1])
    ctl.post("/task/config_queue", {"queue": q, "max_leased": 1})
    ctl.post("/task/put", {"queue": q, "id": "held0"})
    held = ctl.post("/task/take", {"queue": q, "size": 1, "promise_reply_time": 60})[0]["id"]
    waiter_conn, stat_conn = Conn(urls[0]), Conn(urls[0])
    samples = []
    for i in range(rounds):
        ctl.post("/task/put", {"queue": q, "id": f"t{i}"})
        answer = {}

        def wait():
            got = waiter_conn.post("/task/take", {"queue": q, "size": 1, "timeout": 30,
                                                  "promise_reply_time": 60})
            answer["at"] = time.perf_counter()
            answer["tasks"] = got

        t = threading.Thread(target=wait)
        t.start()
        while stat_conn.post("/task/stat_queue", {"queue": q})["waiting"] < 1:
            time.sleep(0.001)
        time.sleep(0.005)  # the take is parked on its waiter, not between two looks
        sent = time.perf_counter()
        ctl.post("/task/reply", {"queue": q, "id": held})
        t.join()
        samples.append((answer["at"] - sent) * 1000)
        held = answer["tasks"][0]["id"]
    print(f"{label}: reply -> waiting take answered, {rounds} rounds: "
          f"p50 {pct(samples, 50):.2f} ms, p99 {pct(samples, 99):.2f} ms, "
          f"max {max(samples):.2f} ms")
    return samples


def rate_accuracy(urls, rate, burst, seconds, consumers, label):
    q = f"rate-{time.time_ns()}"
    ctl = Conn(urls[0])
    total = int(rate * seconds * 1.2) + 100
    for start in range(0, total, 1000):
        ctl.post("/task/put_batch", {"queue": q, "tasks": [{"id": f"t{i}"} for i in
                                                           range(start, min(total, start + 1000))]})
    ctl.post("/task/config_queue", {"queue": q, "rate": rate, "burst": burst})
    counts = [0] * consumers
    stop_at = time.monotonic() + seconds

    def consume(n):
        c = Conn(urls[n % len(urls)])
        while time.monotonic() < stop_at:
            counts[n] += len(c.post("/task/take", {"queue": q, "size": 10, "timeout": 1,
                                                   "promise_reply_time": 0}))

    began = time.monotonic()
    threads = [threading.Thread(target=consume, args=(n,)) for n in range(consumers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - began
    leased = sum(counts)
    # The bucket starts full: its first `burst` leases are not paced by the rate.
    print(f"{label}: rate {rate}/s burst {burst}, {consumers} consumers, {elapsed:.1f} s: "
          f"{leased} leases = {leased / elapsed:.2f}/s ({100 * leased / elapsed / rate:.2f}% "
          f"of the rate)")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=300)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--rate", type=float, default=50)
    parser.add_argument("--skip-redis", action="store_true")
    args = parser.parse_args()

    server = harness.ServerProcess(extra_args=["--data-dir", ""]).start()
    try:
        wake_latency([server.url], args.rounds, "embedded, 1 instance")
        for burst in (1, 5):
            rate_accuracy([server.url], args.rate, burst, args.seconds, 4, "embedded, 1 instance")
    finally:
        server.stop_checked("embedded server")
    if args.skip_redis:
        return
    root = tempfile.mkdtemp(prefix="tc-limits-bench-")
    redis = redis_deploy.RedisProcess(root)
    servers = []
    try:
        url = f"redis://127.0.0.1:{redis.port}/0"
        servers = [harness.ServerProcess(extra_args=["--redis", url]).start() for _ in range(3)]
        urls = [s.url for s in servers]
        wake_latency(urls, args.rounds, "Redis, take on instance 1, reply on instance 3")
        for burst in (1, 5):
            rate_accuracy(urls, args.rate, burst, args.seconds, 6, "Redis, 3 instances")
    finally:
        for s in servers:
            s.stop_checked("Redis-backed server")
        redis.stop()


if __name__ == "__main__":
    main()
