"""put (put-if-absent in every state), peek (order, cursors, size, long-poll,
batch_window), put_batch and delay."""

import time
import unittest

from base import Background, ConformanceTest, cursor_key


class PutTest(ConformanceTest):
    def test_put_creates_then_false_while_pending(self):
        q = self.queue()
        self.assertIs(self.ok(self.c.put(q, "a", info={"n": 1})), True)
        self.assertIs(self.ok(self.c.put(q, "a", info={"n": 2})), False)
        # The first put's info is kept.
        tasks = self.peek_all(q)
        self.assertEqual([(t["id"], t["info"]) for t in tasks], [("a", {"n": 1})])

    def test_put_false_while_leased(self):
        q = self.queue()
        self.put(q, "a")
        self.assertEqual(len(self.ok(self.c.acquire(q, ["a"], 30))), 1)
        self.assertIs(self.ok(self.c.put(q, "a")), False)
        self.assertEqual(self.peek_all(q), [])

    def test_put_false_while_done_with_cached_result(self):
        q = self.queue()
        self.put(q, "a")
        self.ok(self.c.acquire(q, ["a"], 30))
        self.assertIs(self.ok(self.c.reply(q, "a", info="r")), True)
        self.assertIs(self.ok(self.c.put(q, "a")), False)
        self.assertEqual(self.peek_all(q), [])

    def test_same_id_in_two_queues_is_two_tasks(self):
        q1, q2 = self.queue(), self.queue()
        self.put(q1, "x")
        self.put(q2, "x")
        self.assertEqual(self.peek_ids(q1), ["x"])
        self.assertEqual(self.peek_ids(q2), ["x"])

    def test_info_defaults_to_null_and_content_to_empty(self):
        q = self.queue()
        self.assertIs(self.ok(self.c.post("/task/put", {"queue": q, "id": "a"})), True)
        self.assertEqual(self.peek_all(q)[0]["info"], None)
        got = self.ok(self.c.acquire(q, ["a"], 0))
        self.assertEqual(got[0]["content"], "")

    def test_duplicate_keys_first_wins(self):
        # docs/protocol.md: the first occurrence of a key wins, for every field.
        q = self.queue()
        body = '{"queue": "%s", "id": "first", "id": "second", "info": 1, "info": 2}' % q
        self.assertIs(self.ok(self.c.post("/task/put", body)), True)
        self.assertEqual([(t["id"], t["info"]) for t in self.peek_all(q)], [("first", 1)])

    def test_unknown_fields_are_ignored(self):
        q = self.queue()
        resp = self.c.post("/task/put", {"queue": q, "id": "a", "future_field": [1, {"x": 2}],
                                         "config": {"future_option": True}})
        self.assertIs(self.ok(resp), True)


class PeekTest(ConformanceTest):
    def test_order_cursors_and_size(self):
        q = self.queue()
        ids = [f"t{i}" for i in range(7)]
        for i in ids:
            self.put(q, i, info={"id": i})
        resp = self.c.peek(q, size=3)
        data = self.ok(resp)
        self.assertEqual([t["id"] for t in data], ids[:3])
        self.assertEqual([t["info"] for t in data], [{"id": i} for i in ids[:3]])
        for t in data:
            self.assertCursor(t["cursor"])
            self.assertNotIn("content", t)
        keys = [cursor_key(t["cursor"]) for t in data]
        self.assertEqual(keys, sorted(set(keys)), "cursors strictly increase")
        self.assertEqual(resp.json["cursor"], data[-1]["cursor"])

        resp2 = self.c.peek(q, cursor=resp.json["cursor"], size=3)
        self.assertEqual([t["id"] for t in self.ok(resp2)], ids[3:6])
        resp3 = self.c.peek(q, cursor=resp2.json["cursor"], size=3)
        self.assertEqual([t["id"] for t in self.ok(resp3)], ids[6:])
        # Past the end: empty, and the cursor given comes back.
        resp4 = self.c.peek(q, cursor=resp3.json["cursor"], size=3)
        self.assertEqual(self.ok(resp4), [])
        self.assertEqual(resp4.json["cursor"], resp3.json["cursor"])

    def test_size_defaults_to_one(self):
        q = self.queue()
        self.put(q, "a")
        self.put(q, "b")
        data = self.ok(self.c.post("/task/peek", {"queue": q}))
        self.assertEqual([t["id"] for t in data], ["a"])

    def test_peek_never_changes_state(self):
        q = self.queue()
        self.put(q, "a")
        before = self.stat(q)
        for _ in range(3):
            self.assertEqual(self.peek_ids(q), ["a"])
        self.assertEqual(self.stat(q), before)
        self.assertEqual(len(self.ok(self.c.acquire(q, ["a"], 0))), 1)

    def test_unknown_queue_peeks_empty_and_keeps_null_cursor(self):
        q = self.queue()
        resp = self.c.peek(q, size=5)
        self.assertEqual(self.ok(resp), [])
        self.assertIsNone(resp.json["cursor"])

    def test_cursor_earlier_than_everything(self):
        q = self.queue()
        self.put(q, "a")
        self.assertEqual(self.peek_ids(q, cursor="0-0"), ["a"])

    def test_acquired_tasks_leave_the_peek_window(self):
        q = self.queue()
        for i in "abc":
            self.put(q, i)
        self.ok(self.c.acquire(q, ["b"], 30))
        self.assertEqual(self.peek_ids(q), ["a", "c"])

    def test_long_poll_times_out_empty(self):
        q = self.queue()
        start = time.monotonic()
        resp = self.c.peek(q, size=1, timeout=0.4)
        elapsed = time.monotonic() - start
        self.assertEqual(self.ok(resp), [])
        self.assertGreaterEqual(elapsed, 0.3, "a long-poll waits for its timeout")

    def test_long_poll_woken_by_put(self):
        q = self.queue()
        waiter = Background(self.c.peek, q, size=1, timeout=30)
        time.sleep(0.3)
        self.put(q, "late", info="hi")
        resp = waiter.join()
        data = self.ok(resp)
        self.assertEqual([(t["id"], t["info"]) for t in data], [("late", "hi")])
        self.assertLess(waiter.finished_at - waiter.started_at, 30, "woken before the timeout")

    def test_one_put_wakes_every_waiting_peek(self):
        q = self.queue()
        self.put(q, "zero")
        cursor = self.c.peek(q).json["cursor"]
        n = 40
        waiters = [Background(self.c.peek, q, cursor=cursor, size=1, timeout=30)
                   for _ in range(n)]
        # Give them time to arrive. stat_queue.waiting counts one instance's waiters only,
        # so it is a hint here, not a condition.
        deadline = time.monotonic() + 3
        while self.stat(q).get("waiting", 0) < n and time.monotonic() < deadline:
            time.sleep(0.05)
        self.put(q, "one")
        for w in waiters:
            self.assertEqual([t["id"] for t in self.ok(w.join())], ["one"])

    def test_put_in_another_queue_does_not_end_the_wait(self):
        q, other = self.queue(), self.queue()
        waiter = Background(self.c.peek, q, size=1, timeout=0.8)
        time.sleep(0.1)
        self.put(other, "elsewhere")
        self.assertEqual(self.ok(waiter.join()), [])
        self.assertGreaterEqual(waiter.finished_at - waiter.started_at, 0.7,
                                "a put elsewhere must not end the long-poll early")

    def test_long_poll_after_cursor_ignores_older_tasks(self):
        q = self.queue()
        self.put(q, "old")
        first = self.c.peek(q)
        self.assertEqual([t["id"] for t in self.ok(first)], ["old"])
        cursor = first.json["cursor"]
        waiter = Background(self.c.peek, q, cursor=cursor, size=1, timeout=30)
        time.sleep(0.2)
        self.put(q, "new")
        self.assertEqual([t["id"] for t in self.ok(waiter.join())], ["new"])

    def test_batch_window_collects_a_batch(self):
        q = self.queue()

        def producer():
            for i in range(5):
                self.put(q, f"b{i}")
                time.sleep(0.08)

        waiter = Background(self.c.peek, q, size=5, timeout=10, batch_window=2.0)
        time.sleep(0.2)
        prod = Background(producer)
        data = self.ok(waiter.join())
        prod.join()
        self.assertEqual([t["id"] for t in data], [f"b{i}" for i in range(5)])

    def test_batch_window_returns_what_it_has_when_the_window_ends(self):
        q = self.queue()
        self.put(q, "only")
        data = self.ok(self.c.peek(q, size=10, timeout=5, batch_window=0.3))
        self.assertEqual([t["id"] for t in data], ["only"])

    def test_batch_window_returns_early_when_full(self):
        q = self.queue()
        for i in range(3):
            self.put(q, f"f{i}")
        start = time.monotonic()
        data = self.ok(self.c.peek(q, size=3, timeout=5, batch_window=30))
        self.assertEqual(len(data), 3)
        self.assertLess(time.monotonic() - start, 30, "a full batch does not wait the window")


class PutBatchTest(ConformanceTest):
    def test_put_batch_returns_one_boolean_per_task(self):
        q = self.queue()
        self.put(q, "exists")
        tasks = [{"id": "a", "info": {"k": 1}, "content": "YQ=="},
                 {"id": "exists"},
                 {"id": "b", "config": {"cache_result_time": 0}},
                 {"id": "a"}]
        self.assertEqual(self.ok(self.c.put_batch(q, tasks)), [True, False, True, False])
        all_tasks = self.peek_all(q)
        self.assertEqual([t["id"] for t in all_tasks], ["exists", "a", "b"])
        self.assertEqual(all_tasks[1]["info"], {"k": 1})
        got = self.ok(self.c.acquire(q, ["a"], 0))
        self.assertEqual(got[0]["content"], "YQ==")

    def test_put_batch_wakes_a_peek(self):
        q = self.queue()
        waiter = Background(self.c.peek, q, size=10, timeout=30, batch_window=0.2)
        time.sleep(0.2)
        self.ok(self.c.put_batch(q, [{"id": "x"}, {"id": "y"}]))
        self.assertEqual([t["id"] for t in self.ok(waiter.join())], ["x", "y"])


class LimitsOfListsTest(ConformanceTest):
    def test_a_thousand_everywhere(self):
        q = self.queue()
        ids = [f"t{i:04d}" for i in range(1000)]
        self.assertEqual(self.ok(self.c.put_batch(q, [{"id": i} for i in ids])), [True] * 1000)
        resp = self.c.peek(q, size=1000)
        self.assertEqual([t["id"] for t in self.ok(resp)], ids)
        got = self.ok(self.c.acquire(q, ids[::-1], 30))
        self.assertEqual([t["id"] for t in got], ids[::-1])
        self.assertEqual(self.stat(q)["length"], 0)


class TakeBatchTest(ConformanceTest):
    def test_take_batch_window_collects_a_batch(self):
        q = self.queue()

        def producer():
            for i in range(4):
                self.put(q, f"b{i}")
                time.sleep(0.08)

        waiter = Background(self.c.take, q, 30, size=4, timeout=10, batch_window=2.0)
        time.sleep(0.2)
        prod = Background(producer)
        got = self.ok(waiter.join())
        prod.join()
        self.assertEqual([t["id"] for t in got], [f"b{i}" for i in range(4)])
        self.assertEqual(self.stat(q)["leased"], 4)


class DelayTest(ConformanceTest):
    def test_delayed_tasks_are_counted_apart(self):
        q = self.queue()
        self.put(q, "d", config={"delay": 30})
        self.put(q, "n")
        stat = self.stat(q)
        self.assertEqual(stat["length"], 1, "length counts visible pending tasks")
        self.assertEqual(stat["delayed"], 1)
        self.assertEqual(stat["oldest_cursor"], stat["newest_cursor"])


    def test_delayed_task_is_invisible_then_gets_a_cursor_at_the_tail(self):
        q = self.queue()
        self.put(q, "later", config={"delay": 1.0})
        self.put(q, "now")
        now = self.peek_all(q)
        self.assertEqual([t["id"] for t in now], ["now"])
        # Invisible tasks cannot be acquired, nor put again.
        self.assertEqual(self.ok(self.c.acquire(q, ["later"], 30)), [])
        self.assertIs(self.ok(self.c.put(q, "later")), False)
        data = self.wait_peek(q, cursor=now[0]["cursor"], timeout=10)
        self.assertEqual([t["id"] for t in data], ["later"])
        self.assertGreater(cursor_key(data[0]["cursor"]), cursor_key(now[0]["cursor"]))
        self.assertEqual(self.peek_ids(q), ["now", "later"])
        self.assertEqual(len(self.ok(self.c.acquire(q, ["later"], 0))), 1)

    def test_delay_zero_is_immediate(self):
        q = self.queue()
        self.put(q, "a", config={"delay": 0})
        self.assertEqual(self.peek_ids(q), ["a"])


if __name__ == "__main__":
    unittest.main()
