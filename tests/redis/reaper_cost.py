#!/usr/bin/env python3
"""Redis CPU spent on idle queues: --queues idle queues (one pending task each, nothing
due), --instances taskcenter instances on one redis-server, nothing else running. Prints
Redis's CPU (INFO cpu, user + sys) per second over --seconds, and the reap.lua calls.

  TC_BINARY=build/taskcenter python3 tests/redis/reaper_cost.py [--queues 10000]
      [--server-args '--redis-sweep-interval 10']

The EVALSHA count is every script the reapers run: reap.lua, and the due index's
due_index.lua (one claim per pass per instance).
"""
import argparse
import os
import subprocess
import sys
import time
import uuid

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "conformance"))

from client import Client  # noqa: E402
from harness import ServerProcess  # noqa: E402
from test_faults import RedisServer  # noqa: E402


def info(port, section):
    out = subprocess.run(["redis-cli", "-p", str(port), "INFO", section], capture_output=True,
                         text=True, timeout=30).stdout
    return dict(line.split(":", 1) for line in out.splitlines() if ":" in line)


def cpu(port):
    i = info(port, "cpu")
    return float(i["used_cpu_user"]) + float(i["used_cpu_sys"])


def evalsha_calls(port):
    # INFO commandstats: cmdstat_evalsha:calls=N,...
    for key, value in info(port, "commandstats").items():
        if key == "cmdstat_evalsha":
            return int(value.split(",")[0].split("=")[1])
    return 0


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--queues", type=int, default=10000)
    parser.add_argument("--instances", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--server-args", default="",
                        help="more taskcenter arguments, e.g. '--redis-sweep-interval 10'")
    args = parser.parse_args()
    redis = RedisServer()
    servers = []
    try:
        prefix = "tcreap" + uuid.uuid4().hex[:8]
        servers.append(ServerProcess(extra_args=["--redis", redis.url, "--redis-prefix", prefix,
                                                 "--threads", "1", *args.server_args.split()],
                                    memory_only=False).start())
        c = Client(servers[0].url)
        for q in range(args.queues):
            r = c.put(f"idle{q}", "t")
            assert r.err_code == "0000", r
        for _ in range(args.instances - 1):
            servers.append(ServerProcess(extra_args=["--redis", redis.url, "--redis-prefix",
                                                     prefix, "--threads", "1",
                                                     *args.server_args.split()],
                                         memory_only=False).start())
        time.sleep(2)
        cpu0, calls0, t0 = cpu(redis.port), evalsha_calls(redis.port), time.monotonic()
        time.sleep(args.seconds)
        cpu1, calls1, t1 = cpu(redis.port), evalsha_calls(redis.port), time.monotonic()
        seconds = t1 - t0
        print(f"[reaper_cost] {args.queues} idle queues, {args.instances} instances: Redis CPU "
              f"{100 * (cpu1 - cpu0) / seconds:.1f}% of a core, "
              f"{(calls1 - calls0) / seconds:.0f} EVALSHA/s (reap.lua, due_index.lua), over {seconds:.0f} s")
        # How late an idle queue's expired lease is redelivered among them (seen in Redis:
        # a request to the queue would apply the expiry itself).
        probe = Client(servers[1].url)
        assert probe.put("probe", "p").err_code == "0000"
        assert probe.take("probe", 1, size=1).err_code == "0000"
        deadline = time.time() + 1.0
        stats_key = f"{prefix}:{{probe}}:stats"
        while int(subprocess.run(["redis-cli", "-p", str(redis.port), "HGET", stats_key,
                                  "redelivered"], capture_output=True, text=True,
                                 timeout=30).stdout.strip() or 0) < 1:
            if time.time() > deadline + 60:
                raise SystemExit("[reaper_cost] the probe's lease was never redelivered")
            time.sleep(0.01)
        print(f"[reaper_cost] an idle queue's 1 s lease was redelivered "
              f"{1000 * (time.time() - deadline):.0f} ms after its deadline")
    finally:
        for s in servers:
            s.close()
        redis.close()


if __name__ == "__main__":
    main()
