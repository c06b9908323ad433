"""Faults and races of the Redis backend, with real processes.

Each test starts its own redis-server (free loopback port, temp dir) and taskcenter
instances (TC_BINARY) pointed at it, and stops them at the end:
  - 8 consumers over 3 instances acquire 10,000 tasks: each exactly once, all replied;
  - Redis (appendonly, fsync always) killed and restarted mid-run: nothing acknowledged
    is lost and the instances resume without a restart;
  - an instance killed (-9) while a call waits on it: the task is still completed and a
    repeated call on another instance answers the cached result;
  - a lease held by an instance that dies is redelivered by the others.
"""

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import unittest
import uuid
import warnings

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "conformance"))

from client import Client  # noqa: E402
from harness import ServerProcess, _free_port  # noqa: E402


class RedisServer:
    """One redis-server; restartable on the same port and directory."""

    def __init__(self, appendonly=False):
        self.port = _free_port()
        self.dir = tempfile.mkdtemp(prefix="tc-redis-faults-")
        self.appendonly = appendonly
        self.proc = None
        self.start()

    @property
    def url(self):
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self):
        exe = shutil.which("redis-server")
        args = [exe, "--port", str(self.port), "--bind", "127.0.0.1", "--dir", self.dir,
                "--save", "", "--protected-mode", "no", "--daemonize", "no",
                "--appendonly", "yes" if self.appendonly else "no", "--appendfsync", "always",
                "--logfile", os.path.join(self.dir, "redis.log")]
        self.proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while not self.ping():
            if time.monotonic() > deadline:
                raise RuntimeError("redis-server did not start")
            time.sleep(0.02)

    def ping(self):
        import socket
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1) as s:
                s.sendall(b"PING\r\n")
                return s.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def kill(self):
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()

    def close(self):
        self.kill()
        shutil.rmtree(self.dir, ignore_errors=True)


class RedisFaultTest(unittest.TestCase):
    appendonly = False

    def setUp(self):
        warnings.simplefilter("ignore", ResourceWarning)  # clients left to the GC
        if not shutil.which("redis-server") or not os.environ.get("TC_BINARY"):
            self.skipTest("needs redis-server and TC_BINARY")
        self.redis = RedisServer(appendonly=self.appendonly)
        self.prefix = "tcfault" + uuid.uuid4().hex[:8]
        self.servers = []

    def tearDown(self):
        for s in self.servers:
            s.close()
        self.redis.close()

    def start_instances(self, n):
        for _ in range(n):
            s = ServerProcess(extra_args=["--redis", self.redis.url, "--redis-prefix", self.prefix,
                                          "--threads", "1"], memory_only=False)
            self.servers.append(s.start())
        return [s.url for s in self.servers]

    def ok(self, response):
        self.assertEqual(response.err_code, "0000", response)
        return response.data


class RaceTest(RedisFaultTest):
    def test_8_consumers_over_3_instances_acquire_10000_tasks_exactly_once(self):
        urls = self.start_instances(3)
        producer = Client(urls)
        total = 10_000
        for base in range(0, total, 1000):
            tasks = [{"id": f"t{i}", "info": i} for i in range(base, base + 1000)]
            self.assertEqual(self.ok(producer.put_batch("race", tasks)), [True] * 1000)
        got = [[] for _ in range(8)]
        errors = []

        def consume(k):
            c = Client(urls[k % 3])
            try:
                while True:
                    tasks = self.ok(c.take("race", 60, size=50))
                    if not tasks:
                        return
                    for t in tasks:
                        got[k].append(t["id"])
                        self.assertIs(self.ok(c.reply("race", t["id"], info="ok")), True)
            except Exception as e:  # noqa: BLE001 -- reported below
                errors.append(e)

        threads = [threading.Thread(target=consume, args=(k,)) for k in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.assertEqual(errors, [])
        every = [i for ids in got for i in ids]
        self.assertEqual(len(every), total)               # nobody got a task twice
        self.assertEqual(len(set(every)), total)          # every task was acquired
        for url in urls:                                   # every instance agrees
            stats = self.ok(Client(url).stat_queue("race"))
            self.assertEqual((stats["length"], stats["leased"]), (0, 0))
            self.assertEqual(stats["total_put"], total)
            self.assertEqual(stats["total_acquired"], total)
            self.assertEqual(stats["total_replied"], total)


class RedisRestartTest(RedisFaultTest):
    appendonly = True

    def test_redis_restart_loses_nothing_acknowledged_and_service_resumes(self):
        urls = self.start_instances(2)
        acked, unavailable = [], []
        stop = threading.Event()

        def produce(k):
            c = Client(urls[k % 2])
            i = 0
            while not stop.is_set():
                tid = f"p{k}-{i}"
                r = c.put("restart", tid)
                if r.err_code == "0000":
                    acked.append(tid)
                    i += 1
                else:
                    self.assertEqual(r.err_code, "0005", r)  # never anything but unavailable
                    self.assertEqual(r.status, 503)
                    unavailable.append(tid)
                    time.sleep(0.01)

        producers = [threading.Thread(target=produce, args=(k,)) for k in range(4)]
        for t in producers:
            t.start()
        time.sleep(0.5)
        self.redis.kill()  # a crash, not a clean shutdown
        time.sleep(0.5)
        for url in urls:
            self.assertEqual(Client(url).get("/readyz").status, 503)
        self.redis.start()
        deadline = time.monotonic() + 10
        while any(Client(u).get("/readyz").status != 200 for u in urls):
            self.assertLess(time.monotonic(), deadline, "instances did not reconnect")
            time.sleep(0.05)
        time.sleep(0.3)
        stop.set()
        for t in producers:
            t.join()
        self.assertTrue(unavailable, "Redis was down but no request noticed")
        # Every acknowledged put survived the crash (appendfsync always).
        c = Client(urls[0])
        seen, cursor = set(), None
        while True:
            r = c.peek("restart", cursor=cursor, size=1000)
            page = self.ok(r)
            if not page:
                break
            seen.update(t["id"] for t in page)
            cursor = r.json["cursor"]
        missing = [t for t in acked if t not in seen]
        self.assertEqual(missing, [])
        # Each instance logged the outage once and the recovery once (however many
        # connections saw it), and counted the reconnects and the failures.
        for server in self.servers:
            log = server.log()
            self.assertEqual(log.count("redis: unreachable"), 1, log)
            self.assertEqual(log.count("redis: reachable again"), 1, log)
            metrics = Client(server.url).get("/metrics").text
            self.assertRegex(metrics, r"\ntaskcenter_redis_reconnects_total [1-9]")
            self.assertRegex(metrics, r'\ntaskcenter_store_errors_total\{kind="redis"\} [1-9]')


class InstanceDeathTest(RedisFaultTest):
    def test_kill_instance_mid_call_task_completes_and_result_is_cached(self):
        a, b = self.start_instances(2)
        result = {}

        def call_on_a():
            try:
                result["r"] = Client(a).call("calls", "job", 30, info="question")
            except OSError as e:  # the instance died under the request
                result["r"] = e

        caller = threading.Thread(target=call_on_a)
        caller.start()
        worker = Client(b)
        peeked = self.ok(worker.peek("calls", size=1, timeout=10))
        self.assertEqual([t["id"] for t in peeked], ["job"])
        self.assertEqual(len(self.ok(worker.acquire("calls", ["job"], 30))), 1)
        self.servers[0].kill()  # the instance the caller waits on dies
        caller.join()
        # Its caller lost the connection (an error, or a response without JSON).
        self.assertTrue(isinstance(result["r"], OSError) or result["r"].json is None, result)
        self.assertIs(self.ok(worker.reply("calls", "job", info="answer")), True)
        again = self.ok(worker.call("calls", "job", 5))
        self.assertEqual(again[0]["result_info"], "answer")

    def test_lease_held_through_an_instance_death_is_redelivered(self):
        a, b = self.start_instances(2)
        self.ok(Client(a).put("leases", "x", info="work"))
        got = self.ok(Client(a).take("leases", 1, size=1))
        self.assertEqual([t["id"] for t in got], ["x"])
        self.servers[0].kill()
        # b's reaper redelivers the task once the 1 s lease runs out and wakes the peek.
        again = self.ok(Client(b).take("leases", 30, size=1, timeout=10))
        self.assertEqual([t["id"] for t in again], ["x"])
        self.assertEqual(again[0]["attempt"], 2)
        self.assertEqual(self.ok(Client(b).stat_queue("leases"))["total_redelivered"], 1)


if __name__ == "__main__":
    unittest.main()
