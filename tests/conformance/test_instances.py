"""Across instances (every step of a task may go to a different instance): each step pinned to a chosen instance.
Runs only when the suite talks to two or more instances (TC_INSTANCES / TC_BASE_URLS);
with one instance every other test already covers the same rules."""

import time
import unittest

from base import Background, ConformanceTest


class CrossInstanceTest(ConformanceTest):
    def setUp(self):
        self.n = len(self.c.base_urls)
        if self.n < 2:
            self.skipTest("needs two or more instances")

    def test_call_on_one_instance_answered_by_reply_on_another(self):
        q = self.queue()
        caller = Background(self.c.call, q, "x", 30, info="job", instance=0)
        data = self.ok(self.c.peek(q, timeout=10, instance=1))
        self.assertEqual([t["id"] for t in data], ["x"])
        self.assertEqual(len(self.ok(self.c.acquire(q, ["x"], 30, instance=1))), 1)
        self.assertIs(self.ok(self.c.reply(q, "x", info="done", instance=self.n - 1)), True)
        self.assertEqual(self.ok(caller.join())[0]["result_info"], "done")

    def test_peek_blocked_on_one_instance_woken_by_put_on_another(self):
        q = self.queue()
        waiter = Background(self.c.peek, q, size=1, timeout=30, instance=0)
        time.sleep(0.3)
        self.assertIs(self.ok(self.c.put(q, "p", instance=1)), True)
        self.assertEqual([t["id"] for t in self.ok(waiter.join())], ["p"])

    def test_every_instance_sees_the_same_queue(self):
        q = self.queue()
        self.put(q, "a")
        for i in range(self.n):
            with self.subTest(instance=i):
                self.assertEqual([t["id"] for t in self.ok(self.c.peek(q, instance=i))], ["a"])
                self.assertEqual(self.ok(self.c.stat_queue(q, instance=i))["length"], 1)
                self.assertIs(self.ok(self.c.put(q, "a", instance=i)), False)

    def test_one_task_acquired_once_across_instances(self):
        q = self.queue()
        self.ok(self.c.put_batch(q, [{"id": f"t{i}"} for i in range(50)]))
        ids = [f"t{i}" for i in range(50)]
        racers = [Background(self.c.acquire, q, ids, 30, instance=i % self.n)
                  for i in range(2 * self.n)]
        got = [t["id"] for r in racers for t in self.ok(r.join())]
        self.assertEqual(sorted(got), sorted(ids))

    def test_lease_expiry_redelivers_once_with_several_reapers(self):
        q = self.queue()
        self.put(q, "a")
        self.ok(self.c.acquire(q, ["a"], 0.3, instance=0))
        data = self.ok(self.c.peek(q, timeout=10, instance=1))
        self.assertEqual([t["id"] for t in data], ["a"])
        time.sleep(0.5)  # every instance's reaper has had its turn
        self.assertEqual(self.peek_ids(q), ["a"], "redelivered once, not once per instance")
        stat = self.stat(q)
        self.assertEqual(stat["length"], 1)
        if "total_redelivered" in stat:
            self.assertEqual(stat["total_redelivered"], 1)

    def test_cached_result_answered_by_every_instance(self):
        q = self.queue()
        self.put(q, "a", instance=0)
        self.ok(self.c.reply(q, "a", info="r", instance=1))
        for i in range(self.n):
            self.assertEqual(self.ok(self.c.call(q, "a", 5, instance=i))[0]["result_info"], "r")


if __name__ == "__main__":
    unittest.main()
