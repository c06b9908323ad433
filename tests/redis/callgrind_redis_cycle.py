#!/usr/bin/env python3
"""Redis's own instructions per task of a fixed put -> take -> reply workload, per
variant (this VM has no hardware counters, and a loaded machine inflates Redis's CPU
time; callgrind's instruction counts do not depend on the load). A benchmark, not a test.

redis-server runs under callgrind; each variant is a taskcenter (not under callgrind)
started against it, which then serves ROUNDS x (put_batch of 16, take 16, replies of
those 16: one reply each, or one reply_batch; BATCH instead of 16) over HTTP. Redis's
counters are zeroed before and dumped after each variant's workload, less what Redis
does idle meanwhile (measured for 5 s before, taken off pro rata); the figure is
instructions / tasks.

  tests/redis/callgrind_redis_cycle.py VARIANT...
    VARIANT  NAME=BINARY[,SERVER_ARG...][+batch], e.g.
             old=/tmp/old/taskcenter
             eval=build/taskcenter,--redis-scripts,eval
             functions+batch=build/taskcenter+batch   (answers with /task/reply_batch)
  env: ROUNDS (50), KEEP (a directory for the callgrind dumps), WORKLOAD (cycle; put: ROUNDS x BATCH single puts)
       BATCH (16): tasks per put_batch and take (and per ROUNDS of WORKLOAD=put)
       REDIS_SERVER: the redis-server to profile (default: the one on PATH; a build of
       Redis's source with symbols names the Lua VM's functions in the dumps)
       CACHE: the tasks' cache_result_time in seconds (default: the server's, 60 s); 1
       makes results expire during the workload, as they do in a run longer than 60 s
       SPLIT=1: the cycle's three steps measured apart, each over all rounds in turn
       (ROUNDS put_batch calls, then ROUNDS takes, then the replies; the queue holds up
       to ROUNDS x BATCH tasks meanwhile, so the figures differ a little from the cycle's)
"""
import glob
import os
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "conformance"))
import openapi_check  # noqa: E402
from client import Client  # noqa: E402
from harness import _free_port  # noqa: E402

openapi_check.ENABLED = False  # an old build's answers lack later fields

ROUNDS = int(os.environ.get("ROUNDS", "50"))
IDLE_S = 5
KEEP = os.environ.get("KEEP")  # a directory to keep the dumps in
ONLY_PUT = os.environ.get("WORKLOAD", "cycle") == "put"  # single puts only
BATCH = int(os.environ.get("BATCH", "16"))
CONFIG = {"config": {"cache_result_time": int(os.environ["CACHE"])}} if os.environ.get("CACHE") else {}
SPLIT = os.environ.get("SPLIT", "0") == "1"  # put / take / reply measured apart
tmp = tempfile.mkdtemp(prefix="cg-redis-")
rport = _free_port()
redis = subprocess.Popen(["valgrind", "--tool=callgrind", f"--callgrind-out-file={tmp}/cg.%p",
                          os.environ.get("REDIS_SERVER", "redis-server"), "--port", str(rport), "--bind", "127.0.0.1", "--save", "", "--hz", "1",
                          "--appendonly", "no", "--dir", tmp],
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def cli(*args):
    return subprocess.run(["redis-cli", "-p", str(rport), *args], capture_output=True,
                          text=True).stdout.strip()


def control(flag):
    subprocess.run(["callgrind_control", flag, str(redis.pid)], capture_output=True)


def dumped_total():
    dumps = sorted(glob.glob(f"{tmp}/cg.*"), key=os.path.getmtime)
    out = subprocess.run(["callgrind_annotate", dumps[-1]], capture_output=True, text=True).stdout
    if KEEP:  # the profile of each variant's workload, for callgrind_annotate
        shutil.copy(dumps[-1], os.path.join(KEEP, f"callgrind.{len(os.listdir(KEEP))}"))
    os.remove(dumps[-1])
    for line in out.splitlines():
        if "PROGRAM TOTALS" in line:
            return int(line.split()[0].replace(",", ""))
    raise RuntimeError("no totals in the dump")


def split_workload(client, batch, tag):
    """The cycle's steps in turn over all rounds; yields (step name, callable)."""
    queue = "cg"
    taken_all = []

    def puts():
        for r in range(ROUNDS):
            tasks = [{"id": f"{tag}{r}-{i}", "info": i, "content": "MDEyMzQ1Njc4OWFiY2RlZg==", **CONFIG}
                     for i in range(BATCH)]
            assert client.put_batch(queue, tasks).data == [True] * BATCH

    def takes():
        for _ in range(ROUNDS):
            taken = client.take(queue, 60, size=BATCH)
            assert len(taken.data or []) == BATCH, taken.text
            taken_all.append(taken.data)

    def replies():
        for taken in taken_all:
            answer(client, queue, taken, batch)
    return [("put_batch", puts), ("take", takes), ("reply_batch" if batch else "reply", replies)]


def answer(client, queue, taken, batch):
    """Replies to the taken tasks: one reply_batch, or one reply each."""
    if batch:
        assert client.reply_batch(queue, [(t["id"], {"ok": 1}, b"result0123456789")
                                          for t in taken]).err_code == "0000"
    else:
        for t in taken:
            assert client.reply(queue, t["id"], info={"ok": 1},
                                content=b"result0123456789").err_code == "0000"


def workload(client, batch, tag):
    queue = "cg"
    if ONLY_PUT:
        for r in range(ROUNDS * BATCH):
            assert client.put(queue, f"{tag}{r}", info=r, content=b"0123456789abcdef").data is True
        return
    for r in range(ROUNDS):
        tasks = [{"id": f"{tag}{r}-{i}", "info": i, "content": "MDEyMzQ1Njc4OWFiY2RlZg==", **CONFIG}
                 for i in range(BATCH)]
        put = client.put_batch(queue, tasks)
        assert put.data == [True] * BATCH, put.text
        taken = client.take(queue, 60, size=BATCH)
        assert len(taken.data or []) == BATCH, taken.text
        answer(client, queue, taken.data, batch)


try:
    for _ in range(200):
        if cli("ping") == "PONG":
            break
        time.sleep(0.2)
    for n, variant in enumerate(sys.argv[1:]):
        name, spec = variant.split("=", 1)
        batch = spec.endswith("+batch")
        spec = spec[:-len("+batch")] if batch else spec
        binary, *server_args = spec.split(",")
        hport = _free_port()
        server = subprocess.Popen([binary, "--host", "127.0.0.1", "--port", str(hport),
                                   "--redis", f"redis://127.0.0.1:{rport}/0",
                                   "--redis-prefix", f"cg{n}", *server_args],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        client = Client(f"http://127.0.0.1:{hport}")
        for _ in range(200):
            try:
                if client.get("/healthz").status == 200:
                    break
            except OSError:
                pass
            time.sleep(0.1)
        workload(client, batch, "w")   # warm: scripts loaded, queue registered
        # What Redis does meanwhile for nobody (its cron, the instance's reaper and
        # subscriber): measured idle, then taken off pro rata the workload's time.
        control("-z")
        time.sleep(IDLE_S)
        control("-d")
        time.sleep(1)
        idle_per_s = dumped_total() / IDLE_S
        tasks = ROUNDS * BATCH
        if SPLIT:
            for step, run in split_workload(client, batch, "s"):
                control("-z")
                started = time.monotonic()
                run()
                elapsed = time.monotonic() - started
                control("-d")
                time.sleep(1)
                total = dumped_total() - idle_per_s * elapsed
                print(f"{name}: {step} {total / tasks:,.0f} instructions per task", flush=True)
        control("-z")
        started = time.monotonic()
        workload(client, batch, "t")
        elapsed = time.monotonic() - started
        control("-d")
        time.sleep(1)
        total = dumped_total() - idle_per_s * elapsed
        print(f"{name}: {tasks} tasks in {elapsed:.1f} s, Redis {total:,.0f} instructions "
              f"(idle {idle_per_s:,.0f}/s taken off), {total / tasks:,.0f} per task", flush=True)
        server.terminate()
        server.wait()
finally:
    redis.terminate()
    redis.wait()
    shutil.rmtree(tmp, ignore_errors=True)
