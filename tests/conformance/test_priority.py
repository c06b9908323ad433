"""Priority: take serves the highest `priority` first, then cursor order, on every
instance and backend; peek stays in cursor order."""

import unittest

from base import ConformanceTest


class PriorityTest(ConformanceTest):
    def put_prio(self, q, id, priority, **config):
        config["priority"] = priority
        self.put(q, id, config=config)

    def take_ids(self, q, size, **kw):
        return [t["id"] for t in self.ok(self.c.take(q, size=size, promise_reply_time=30, **kw))]

    def test_take_serves_highest_priority_first_then_cursor_order(self):
        q = self.queue()
        for id, priority in (("z1", 0), ("n1", -5), ("p1", 3), ("z2", 0), ("top", 1000),
                             ("p2", 3), ("n2", -1), ("low", -1000), ("z3", 0)):
            self.put_prio(q, id, priority)
        self.assertEqual(self.peek_ids(q),
                         ["z1", "n1", "p1", "z2", "top", "p2", "n2", "low", "z3"])
        self.assertEqual(self.take_ids(q, 4), ["top", "p1", "p2", "z1"])
        n = len(self.c.base_urls)
        self.assertEqual(self.take_ids(q, 3, instance=n - 1), ["z2", "z3", "n2"])
        self.assertEqual(self.take_ids(q, 10), ["n1", "low"])
        self.assertEqual(self.stat(q)["length"], 0)

    def test_put_batch_priorities_and_acquire_keep_the_order(self):
        q = self.queue()
        self.ok(self.c.put_batch(q, [{"id": "a", "config": {"priority": 1}},
                                     {"id": "b"},
                                     {"id": "c", "config": {"priority": 2}},
                                     {"id": "d", "config": {"priority": 1}}]))
        self.ok(self.c.acquire(q, ["c"], 30))
        self.assertEqual(self.take_ids(q, 10), ["a", "d", "b"])

    def test_a_waiting_take_gets_the_highest_of_a_batch_put(self):
        q = self.queue()
        self.ok(self.c.put_batch(q, [{"id": "low", "config": {"priority": -1}},
                                     {"id": "mid"},
                                     {"id": "high", "config": {"priority": 9}}]))
        self.assertEqual(self.take_ids(q, 1, timeout=5), ["high"])


if __name__ == "__main__":
    unittest.main()
