"""The queue delay and service time histograms of /metrics: a put -> take -> reply cycle
moves the _count and _sum of both for its queue. Each instance exposes what it served,
so the figures are summed over every instance; with several instances the put, the take
and the reply each go to a different one, and the times stay right because the store,
not the instance, keeps when the task became pending and when its lease began.

The per-queue histograms (these two and the take batch sizes) are bounded by
--metrics-queue-histograms: a server of its own with a small bound shows exactly that
many queues' series, and the all-queues families count every observation."""

import re
import shutil
import subprocess
import time
import unittest

import harness
from base import ConformanceTest

FAMILIES = ("taskcenter_queue_delay_seconds", "taskcenter_queue_service_seconds")
SAMPLE = re.compile(r'^(\w+)\{queue="((?:[^"\\]|\\.)*)"(?:,le="([^"]+)")?\} (\S+)$')
ALL_QUEUES = {"taskcenter_queue_delay_seconds": "taskcenter_all_queues_delay_seconds",
              "taskcenter_queue_service_seconds": "taskcenter_all_queues_service_seconds",
              "taskcenter_queue_take_batch_size": "taskcenter_all_queues_take_batch_size"}


def all_queues_count(text, family):
    """The _count of the all-queues family beside per-queue `family`."""
    prefix = ALL_QUEUES[family] + "_count "
    values = [float(line[len(prefix):]) for line in text.splitlines() if line.startswith(prefix)]
    assert len(values) == 1, f"{prefix!r} {values}"
    return values[0]


class LatencyMetricsTest(ConformanceTest):
    def figures(self, queue, instance):
        """{(family, 'count' | 'sum' | 'le=<bound>'): value} of `queue` on one instance."""
        text = self.c.get("/metrics", instance=instance).text
        out = {}
        for line in text.splitlines():
            m = SAMPLE.match(line)
            if not m or m.group(2) != queue:
                continue
            name, le, value = m.group(1), m.group(3), float(m.group(4))
            for family in FAMILIES:
                if name == family + "_count":
                    out[(family, "count")] = value
                elif name == family + "_sum":
                    out[(family, "sum")] = value
                elif name == family + "_bucket":
                    out[(family, "le=" + le)] = value
        return out

    def all_queues(self, family):
        """The all-queues _count of `family`, summed over every instance."""
        return sum(all_queues_count(self.c.get("/metrics", instance=i).text, family)
                   for i in range(len(self.c.base_urls)))

    def summed(self, queue):
        total = {}
        for i in range(len(self.c.base_urls)):
            for key, value in self.figures(queue, i).items():
                total[key] = total.get(key, 0) + value
        return total

    def test_put_take_reply_moves_both_histograms_of_the_queue(self):
        q = self.queue("lat")
        n = len(self.c.base_urls)
        self.assertEqual(self.summed(q), {}, "no series before the queue had a lease")
        before = {family: self.all_queues(family) for family in FAMILIES}
        self.assertIs(self.ok(self.c.put(q, "a", instance=0)), True)
        self.assertIs(self.ok(self.c.put(q, "b", instance=0)), True)
        time.sleep(0.03)  # so that each _sum has something to add (ms clocks)
        taken = self.ok(self.c.take(q, 30, size=2, instance=1 % n))
        self.assertEqual([t["id"] for t in taken], ["a", "b"])
        time.sleep(0.03)
        self.assertIs(self.ok(self.c.reply(q, "a", info="done", instance=2 % n)), True)
        self.assertEqual(self.ok(self.c.reply_batch(q, [("b", "done", b""), ("b", "again", b"")],
                                                     instance=2 % n)), [True, False])
        # A reply to a task nobody leased completes it, but has no service time.
        self.assertIs(self.ok(self.c.put(q, "never-leased", instance=0)), True)
        self.assertIs(self.ok(self.c.reply(q, "never-leased", instance=2 % n)), True)

        got = self.summed(q)
        for family in FAMILIES:
            with self.subTest(family=family):
                self.assertEqual(got.get((family, "count")), 2, got)
                self.assertEqual(got.get((family, "le=+Inf")), 2, got)
                self.assertGreater(got.get((family, "sum"), 0), 0, got)
                # A cycle this quick is in the buckets below 10 minutes, cumulatively.
                self.assertEqual(got.get((family, "le=600")), 2, got)
        # Every observation is in the all-queues families too (other tests add theirs).
        for family in FAMILIES:
            self.assertGreaterEqual(self.all_queues(family) - before[family], 2, family)
        # The instance that served the take observed the delays; the one that served
        # the replies, the service times.
        if n >= 3:
            self.assertEqual(self.figures(q, 1).get((FAMILIES[0], "count")), 2)
            self.assertIsNone(self.figures(q, 1).get((FAMILIES[1], "count")))
            self.assertEqual(self.figures(q, 2).get((FAMILIES[1], "count")), 2)
            self.assertIsNone(self.figures(q, 2).get((FAMILIES[0], "count")))

    def test_acquire_observes_the_delay_and_clear_forgets_the_queue(self):
        q = self.queue("lat")
        self.put(q, "a")
        self.assertEqual(len(self.ok(self.c.acquire(q, ["a"], 30, instance=0))), 1)
        self.assertEqual(self.figures(q, 0).get((FAMILIES[0], "count")), 1)
        self.assertIs(self.ok(self.c.clear_queue(q, instance=0)), True)
        self.assertEqual(self.figures(q, 0), {}, "cleared: its series went away")


class QueueHistogramBoundTest(unittest.TestCase):
    """--metrics-queue-histograms N, on a server of its own (on the suite's store)."""

    BOUND = 2

    def setUp(self):
        if not harness.can_start_servers():
            self.skipTest("needs a server of its own")

    def start(self, bound):
        server = harness.ServerProcess(
            extra_args=["--metrics-queue-histograms", str(bound)]).start()
        self.addCleanup(server.close)
        from client import Client
        self.c = Client([server.url])
        self.addCleanup(self.c.close)

    def metrics(self):
        resp = self.c.get("/metrics")
        self.assertEqual(resp.status, 200)
        return resp.text

    def queues_with_series(self, text, family):
        return {m.group(2) for m in map(SAMPLE.match, text.splitlines())
                if m and m.group(1) == family + "_count"}

    def test_bound_queues_have_series_and_the_all_queues_families_count_everything(self):
        self.start(self.BOUND)
        prefix = harness.unique("bound")
        queues = [f"{prefix}-{i}" for i in range(self.BOUND + 2)]
        for q in queues:
            self.assertIs(self.c.put(q, "a").data, True)
            self.assertIs(self.c.put(q, "b").data, True)
            self.assertEqual(len(self.c.take(q, promise_reply_time=30, size=2).data), 2)
            self.assertIs(self.c.reply(q, "a").data, True)
        text = self.metrics()
        if shutil.which("promtool"):
            done = subprocess.run(["promtool", "check", "metrics"], input=text.encode(),
                                  capture_output=True, timeout=60)
            self.assertEqual(done.returncode, 0, (done.stdout + done.stderr).decode())
        # The first BOUND queues served, in every per-queue histogram family.
        for family in ALL_QUEUES:
            with self.subTest(family=family):
                self.assertEqual(self.queues_with_series(text, family), set(queues[:self.BOUND]))
                self.assertIn(f"# TYPE {ALL_QUEUES[family]} histogram", text)
        n = len(queues)
        self.assertEqual(all_queues_count(text, "taskcenter_queue_delay_seconds"), 2 * n)
        self.assertEqual(all_queues_count(text, "taskcenter_queue_service_seconds"), n)
        self.assertEqual(all_queues_count(text, "taskcenter_queue_take_batch_size"), n)
        self.assertIn(f"taskcenter_all_queues_take_batch_size_sum {2 * n}\n", text)
        self.assertIn(f'taskcenter_all_queues_take_batch_size_bucket{{le="2"}} {n}\n', text)

        # Clearing a queue with series frees its place for the next queue served; the
        # totals keep what the cleared queue added.
        self.assertIs(self.c.post("/task/clear_queue", {"queue": queues[0]}).data, True)
        late = queues[-1]
        self.assertIs(self.c.put(late, "c").data, True)
        self.assertEqual(len(self.c.take(late, promise_reply_time=30).data), 1)
        newcomer = f"{prefix}-new"
        self.assertIs(self.c.put(newcomer, "a").data, True)
        self.assertEqual(len(self.c.take(newcomer, promise_reply_time=30).data), 1)
        text = self.metrics()
        # `late` was served first after the clear: it has series now (from 0), not newcomer.
        self.assertEqual(self.queues_with_series(text, "taskcenter_queue_delay_seconds"),
                         {queues[1], late})
        self.assertEqual(all_queues_count(text, "taskcenter_queue_delay_seconds"), 2 * n + 2)
        self.assertIn(f'taskcenter_queue_delay_seconds_count{{queue="{late}"}} 1\n', text)

    def test_zero_leaves_only_the_all_queues_families(self):
        self.start(0)
        q = harness.unique("bound")
        self.assertIs(self.c.put(q, "a").data, True)
        self.assertEqual(len(self.c.take(q, promise_reply_time=30).data), 1)
        self.assertIs(self.c.reply(q, "a").data, True)
        text = self.metrics()
        for family in ALL_QUEUES:
            self.assertEqual(self.queues_with_series(text, family), set(), family)
            self.assertEqual(all_queues_count(text, family), 1, family)
