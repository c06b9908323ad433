"""The Redis reaper's due index and safety sweep (docs/redis.md, "The reaper"), with real
processes, on one Redis and on a 3-master Cluster:
  - leases taken on several instances, on queues nobody sends a request to afterwards,
    are redelivered by the reapers (each exactly once), with the sweep too rare to have
    done it: the due index did;
  - with the due index unusable (hints lost), the sweep still redelivers them.
Redelivery is observed in Redis itself (the queue's stats hash), never by a request to
the queue, since every request applies what is due on its own.
"""

import os
import shutil
import sys
import tempfile
import time
import unittest
import uuid
import warnings

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "conformance"))

from client import Client  # noqa: E402
from harness import ServerProcess  # noqa: E402
from redis_deploy import RedisProcess, cli, start_cluster  # noqa: E402

QUEUES = 12


class ReaperTest:
    """Mixed into one test class per deployment (cluster = False / True)."""
    cluster = False

    def setUp(self):
        warnings.simplefilter("ignore", ResourceWarning)
        if not shutil.which("redis-server") or not shutil.which("redis-cli") \
                or not os.environ.get("TC_BINARY"):
            self.skipTest("needs redis-server, redis-cli and TC_BINARY")
        self.root = tempfile.mkdtemp(prefix="tc-reaper-")
        self.redis = start_cluster(self.root) if self.cluster else [RedisProcess(self.root)]
        self.prefix = "tcreap" + uuid.uuid4().hex[:8]
        self.servers = []

    def tearDown(self):
        for s in self.servers:
            s.close()
        for r in self.redis:
            r.stop()
        shutil.rmtree(self.root, ignore_errors=True)

    def start_instances(self, n, sweep_interval):
        url = f"redis://127.0.0.1:{self.redis[0].port}/0"
        for _ in range(n):
            s = ServerProcess(extra_args=["--redis", url, "--redis-prefix", self.prefix,
                                          "--threads", "1", "--redis-sweep-interval",
                                          sweep_interval], memory_only=False)
            self.servers.append(s.start())
        return [s.url for s in self.servers]

    def redis_cli(self, *args):
        # -c follows MOVED in a cluster; any node will do.
        return cli(self.redis[0].port, "-c", *args)

    def ok(self, response):
        self.assertEqual(response.err_code, "0000", response)
        return response.data

    def lease_on_every_instance(self, urls):
        queues = [f"idle{i}" for i in range(QUEUES)]
        for i, q in enumerate(queues):
            c = Client(urls[i % len(urls)])
            self.ok(c.put(q, "x", info="work"))
            got = self.ok(c.take(q, 1, size=1))  # a 1 s lease, never replied
            self.assertEqual([t["id"] for t in got], ["x"])
        return queues

    def redelivered(self, queue):
        value = self.redis_cli("HGET", f"{self.prefix}:{{{queue}}}:stats", "redelivered")
        return int(value or 0)

    def wait_all_redelivered(self, queues, seconds=60):
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if all(self.redelivered(q) >= 1 for q in queues):
                return
            time.sleep(0.05)
        self.fail(f"not redelivered: {[q for q in queues if self.redelivered(q) < 1]}")

    def test_idle_queues_expired_leases_are_redelivered_by_the_due_index(self):
        # One hour: only the sweep at start-up (before any queue exists) can run.
        urls = self.start_instances(3, "3600")
        queues = self.lease_on_every_instance(urls)
        self.wait_all_redelivered(queues)
        for q in queues:
            self.assertEqual(self.redelivered(q), 1, q)
        # Nothing is scheduled any more: the queues left the index.
        deadline = time.monotonic() + 30
        while self.redis_cli("ZCARD", f"{self.prefix}:{{%due}}:index") != "0":
            self.assertLess(time.monotonic(), deadline, "the due index kept idle queues")
            time.sleep(0.05)
        # The tasks are pending again (asked only now, after the check above).
        for i, q in enumerate(queues):
            again = self.ok(Client(urls[(i + 1) % 3]).take(q, 30, size=1))
            self.assertEqual([(t["id"], t["attempt"]) for t in again], [("x", 2)])

    def test_a_lost_hint_is_caught_by_the_sweep(self):
        # The index key holds a string: every hint and every claim fails (WRONGTYPE), as
        # if every hint had been lost; only the sweep (every 500 ms) can reap.
        self.redis_cli("SET", f"{self.prefix}:{{%due}}:index", "broken")
        urls = self.start_instances(2, "500ms")
        queues = self.lease_on_every_instance(urls)
        self.wait_all_redelivered(queues)
        for q in queues:
            self.assertEqual(self.redelivered(q), 1, q)


class SingleRedisReaperTest(ReaperTest, unittest.TestCase):
    cluster = False


class ClusterReaperTest(ReaperTest, unittest.TestCase):
    cluster = True


if __name__ == "__main__":
    unittest.main()
