"""Timers in bulk: many leases, delays and result TTLs coming due together are each
applied exactly once (with several instances, several reapers race for them)."""

import collections
import time
import unittest

from base import ConformanceTest

N = 300


class BulkTimersTest(ConformanceTest):
    def ids(self):
        return [f"t{i:04d}" for i in range(N)]

    def fill(self, q, config=None):
        tasks = [{"id": i, "info": i} for i in self.ids()]
        if config:
            for t in tasks:
                t["config"] = config
        self.assertEqual(self.ok(self.c.put_batch(q, tasks)), [True] * N)

    def test_many_expired_leases_are_each_redelivered_once(self):
        q = self.queue()
        self.fill(q)
        got = []
        while len(got) < N:
            batch = self.ok(self.c.take(q, 1.0, size=100))
            self.assertTrue(batch, "take found the tasks")
            got.extend(t["id"] for t in batch)
        self.assertEqual(sorted(got), self.ids())
        self.wait_until(lambda: self.stat(q)["length"] == N, timeout=15,
                        what="every lease to run out")
        back = self.peek_ids(q)
        self.assertEqual(sorted(back), self.ids(), "each task is back once")
        stat = self.stat(q)
        self.assertEqual(stat["total_redelivered"], N)
        self.assertEqual(stat["leased"], 0)
        again = []
        while len(again) < N:
            batch = self.ok(self.c.take(q, 60, size=100))
            self.assertTrue(batch)
            again.extend(batch)
        self.assertEqual({t["attempt"] for t in again}, {2})
        for t in again:
            self.assertIs(self.ok(self.c.reply(q, t["id"])), True)
        self.assertEqual(self.stat(q)["total_replied"], N)

    def test_many_delays_run_out_into_one_visible_copy_each(self):
        q = self.queue()
        self.fill(q, {"delay": 1.0})
        self.assertEqual(self.peek_all(q), [])
        self.wait_until(lambda: self.stat(q)["length"] == N, timeout=15,
                        what="every delay to run out")
        tasks = self.peek_all(q)
        counts = collections.Counter(t["id"] for t in tasks)
        self.assertEqual(sorted(counts), self.ids())
        self.assertEqual(set(counts.values()), {1})
        self.assertEqual(self.stat(q)["delayed"], 0)

    def test_many_result_ttls_expire(self):
        q = self.queue()
        self.fill(q, {"cache_result_time": 2.0})
        start = time.monotonic()
        for i in self.ids():
            self.assertIs(self.ok(self.c.reply(q, i, info="r")), True)
        stat = self.stat(q)
        if time.monotonic() - start < 1.5:  # else the first results may be gone already
            self.assertEqual(stat["done"], N)
        self.wait_until(lambda: self.stat(q)["done"] == 0, timeout=15,
                        what="every cached result to expire")
        self.assertIsNone(self.ok(self.c.call(q, "t0000", 0)))
        self.assertEqual(self.ok(self.c.put_batch(q, [{"id": i} for i in self.ids()])),
                         [True] * N, "every id is free again")


if __name__ == "__main__":
    unittest.main()
