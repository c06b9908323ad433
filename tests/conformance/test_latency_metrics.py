"""The queue delay and service time histograms of /metrics: a put -> take -> reply cycle
moves the _count and _sum of both for its queue. Each instance exposes what it served,
so the figures are summed over every instance; with several instances the put, the take
and the reply each go to a different one, and the times stay right because the store,
not the instance, keeps when the task became pending and when its lease began."""

import re
import time

from base import ConformanceTest

FAMILIES = ("taskcenter_queue_delay_seconds", "taskcenter_queue_service_seconds")
SAMPLE = re.compile(r'^(\w+)\{queue="((?:[^"\\]|\\.)*)"(?:,le="([^"]+)")?\} (\S+)$')


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
