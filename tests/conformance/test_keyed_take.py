"""Keyed takes: `max_cost`, `batch_key` and `group_by_key` on take, the config items
carry (`priority`, `batch_key`, `cost`; peek items `priority`), and a `batch_window`
that waits only for tasks that fit, on every instance and backend."""

import time
import unittest

from base import Background, ConformanceTest


class KeyedTakeTest(ConformanceTest):
    def put_keyed(self, q, id, key=None, cost=None, priority=None, **kw):
        config = {}
        if key is not None:
            config["batch_key"] = key
        if cost is not None:
            config["cost"] = cost
        if priority is not None:
            config["priority"] = priority
        self.put(q, id, config=config, **kw)

    def take_ids(self, q, size=10, **kw):
        return [t["id"] for t in self.ok(self.c.take(q, size=size, promise_reply_time=30, **kw))]

    def last_instance(self):
        return len(self.c.base_urls) - 1

    def test_items_carry_priority_batch_key_and_cost(self):
        q = self.queue()
        self.put(q, "plain")
        self.put_keyed(q, "rich", key="gpu-a", cost=2.5, priority=-7)
        peeked = self.peek_all(q)
        self.assertEqual([(t["id"], t["priority"]) for t in peeked], [("plain", 0), ("rich", -7)])
        taken = self.ok(self.c.take(q, size=10, promise_reply_time=30))
        self.assertEqual([(t["id"], t["attempt"], t["priority"], t["batch_key"], t["cost"])
                          for t in taken],
                         [("plain", 1, 0, None, 1), ("rich", 1, -7, "gpu-a", 2.5)])
        self.put_keyed(q, "acq", key="k", cost=0.25, priority=3)
        acquired = self.ok(self.c.acquire(q, ["acq"], 30, instance=self.last_instance()))
        self.assertEqual((acquired[0]["priority"], acquired[0]["batch_key"], acquired[0]["cost"]),
                         (3, "k", 0.25))

    def test_max_cost_stops_before_the_task_that_would_exceed_it(self):
        q = self.queue()
        for id, cost in (("a", 3), ("b", 4), ("c", 1), ("huge", 100), ("d", 0.5)):
            self.put_keyed(q, id, cost=cost)
        self.assertEqual(self.take_ids(q, max_cost=6), ["a"])
        self.assertEqual(self.take_ids(q, max_cost=5, instance=self.last_instance()), ["b", "c"])
        self.assertEqual(self.take_ids(q, max_cost=5), ["huge"])  # alone: costlier than max_cost
        self.assertEqual(self.take_ids(q, size=1, max_cost=5), ["d"])
        self.assertEqual(self.take_ids(q, max_cost=5), [])

    def test_batch_key_takes_only_that_key_in_take_order(self):
        q = self.queue()
        self.put_keyed(q, "a1", key="a")
        self.put_keyed(q, "b1", key="b")
        self.put(q, "none")
        self.put_keyed(q, "a2", key="a", priority=4)
        self.put_keyed(q, "a3", key="a", cost=2)
        self.assertEqual(self.take_ids(q, batch_key="a", max_cost=3), ["a2", "a1"])
        self.assertEqual(self.take_ids(q, batch_key="a", instance=self.last_instance()), ["a3"])
        self.assertEqual(self.take_ids(q, batch_key="a"), [])
        self.assertEqual(self.take_ids(q, batch_key="nothing"), [])
        self.assertEqual(self.take_ids(q), ["b1", "none"])

    def test_group_by_key_takes_the_first_tasks_group(self):
        q = self.queue()
        self.put_keyed(q, "x1", key="x")
        self.put(q, "n1")
        self.put_keyed(q, "y1", key="y")
        self.put_keyed(q, "x2", key="x")
        self.put(q, "n2")
        self.assertEqual(self.take_ids(q, group_by_key=True), ["x1", "x2"])
        self.assertEqual(self.take_ids(q, group_by_key=True, instance=self.last_instance()),
                         ["n1", "n2"])
        self.assertEqual(self.take_ids(q, group_by_key=True), ["y1"])
        self.assertEqual(self.take_ids(q, group_by_key=True), [])
        # null fields take their defaults: a plain take
        self.put(q, "p")
        resp = self.c.post("/task/take", {"queue": q, "size": 5, "promise_reply_time": 30,
                                          "max_cost": None, "batch_key": None,
                                          "group_by_key": None})
        self.assertEqual([t["id"] for t in self.ok(resp)], ["p"])

    def test_a_waiting_keyed_take_gets_only_its_key(self):
        q = self.queue()
        waiting = Background(self.c.take, q, promise_reply_time=30, size=5, timeout=10,
                             batch_key="want")
        time.sleep(0.2)
        self.put_keyed(q, "other", key="not-this")
        self.put(q, "plain")
        self.put_keyed(q, "mine", key="want", instance=self.last_instance())
        taken = self.ok(waiting.join())
        self.assertEqual([t["id"] for t in taken], ["mine"])
        self.assertEqual(self.peek_ids(q), ["other", "plain"])

    def test_batch_window_counts_only_fitting_tasks(self):
        q = self.queue()
        for i in range(4):
            self.put_keyed(q, f"o{i}", key="other")
        self.put_keyed(q, "k0", key="k")
        # Four tasks of another key are there: they do not fill this take's window (had
        # they counted, it would end at once with k0 alone).
        waiting = Background(self.c.take, q, promise_reply_time=30, size=3, timeout=10,
                             batch_window=10, batch_key="k")
        time.sleep(0.3)
        self.put_keyed(q, "k1", key="k")
        self.put_keyed(q, "k2", key="k", instance=self.last_instance())
        taken = self.ok(waiting.join())
        self.assertEqual([t["id"] for t in taken], ["k0", "k1", "k2"])
        self.assertEqual(len(self.peek_ids(q)), 4)

    def test_max_cost_ends_the_window_early(self):
        q = self.queue()
        for id in ("a", "b", "c"):
            self.put_keyed(q, id, cost=1)
        # The batch is closed by max_cost at once: the take answers without waiting out
        # its (hour-long) window.
        waiting = Background(self.c.take, q, promise_reply_time=30, size=10, timeout=3600,
                             batch_window=3600, max_cost=2)
        self.assertEqual([t["id"] for t in self.ok(waiting.join(60))], ["a", "b"])
        self.assertEqual(self.peek_ids(q), ["c"])


if __name__ == "__main__":
    unittest.main()
