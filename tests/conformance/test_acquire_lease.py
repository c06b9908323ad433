"""acquire (subset, order, exactly once), leases: expiry and redelivery at the tail,
max_attempts with dead_letter_to or drop, touch, and take."""

import time
import unittest

from base import Background, ConformanceTest, cursor_key, unb64

SHORT_LEASE = 0.3


class AcquireTest(ConformanceTest):
    def test_acquire_returns_the_subset_acquired_in_the_order_asked(self):
        q = self.queue()
        for i in "abcd":
            self.put(q, i, info={"i": i}, content=i.encode() * 3)
        self.ok(self.c.acquire(q, ["b"], 30))
        got = self.ok(self.c.acquire(q, ["d", "b", "missing", "a"], 30))
        self.assertEqual([t["id"] for t in got], ["d", "a"])
        self.assertEqual([t["info"] for t in got], [{"i": "d"}, {"i": "a"}])
        self.assertEqual([unb64(t["content"]) for t in got], [b"ddd", b"aaa"])
        self.assertEqual(self.peek_ids(q), ["c"])

    def test_second_acquire_gets_nothing(self):
        q = self.queue()
        self.put(q, "a")
        self.assertEqual(len(self.ok(self.c.acquire(q, ["a"], 30))), 1)
        self.assertEqual(self.ok(self.c.acquire(q, ["a"], 30)), [])

    def test_duplicate_ids_in_one_request_acquire_once(self):
        q = self.queue()
        self.put(q, "a")
        got = self.ok(self.c.acquire(q, ["a", "a"], 30))
        self.assertEqual([t["id"] for t in got], ["a"])

    def test_acquire_on_unknown_queue_is_empty(self):
        self.assertEqual(self.ok(self.c.acquire(self.queue(), ["a"], 30)), [])

    def test_promise_reply_time_zero_deletes_on_acquire(self):
        q = self.queue()
        self.put(q, "a")
        self.assertEqual(len(self.ok(self.c.acquire(q, ["a"], 0))), 1)
        self.assertEqual(self.peek_all(q), [])
        self.assertIs(self.ok(self.c.reply(q, "a")), False, "nothing to reply to")
        self.assertIs(self.ok(self.c.put(q, "a")), True, "the id is free again")

    def test_fractional_promise_reply_time(self):
        q = self.queue()
        self.put(q, "a")
        self.assertEqual(len(self.ok(self.c.acquire(q, ["a"], 1.5))), 1)
        self.assertIs(self.ok(self.c.reply(q, "a")), True)


class LeaseTest(ConformanceTest):
    def test_expired_lease_is_redelivered_with_a_new_cursor_at_the_tail(self):
        q = self.queue()
        self.put(q, "a", info={"v": 1}, content=b"payload")
        first = self.peek_all(q)[0]
        # A longer lease: b must be put before a's lease runs out, even on a slow machine.
        first_try = self.ok(self.c.acquire(q, ["a"], 1.0))
        self.assertEqual(first_try[0]["attempt"], 1)
        self.put(q, "b")
        b_cursor = self.peek_all(q)[0]["cursor"]
        # A consumer following the queue from b sees a again once the lease runs out.
        data = self.wait_peek(q, cursor=b_cursor, timeout=10)
        self.assertEqual([t["id"] for t in data], ["a"])
        self.assertGreater(cursor_key(data[0]["cursor"]), cursor_key(b_cursor))
        self.assertGreater(cursor_key(data[0]["cursor"]), cursor_key(first["cursor"]))
        self.assertEqual(self.peek_ids(q), ["b", "a"])
        self.assertEqual(self.stat(q)["total_redelivered"], 1)
        again = self.ok(self.c.acquire(q, ["a"], 30))
        self.assertEqual(again[0]["info"], {"v": 1})
        self.assertEqual(unb64(again[0]["content"]), b"payload")
        self.assertEqual(again[0]["attempt"], 2, "the attempt count grows")
        self.assertIs(self.ok(self.c.reply(q, "a")), True)

    def test_reply_after_lease_expired_but_before_reacquire_completes(self):
        q = self.queue()
        self.put(q, "a")
        self.ok(self.c.acquire(q, ["a"], SHORT_LEASE))
        self.wait_peek(q, timeout=10)
        # Redelivered and pending: a late reply still completes it (first reply wins).
        self.assertIs(self.ok(self.c.reply(q, "a", info="late")), True)
        self.assertEqual(self.peek_all(q), [])

    def test_max_attempts_moves_task_to_dead_letter_queue(self):
        q, dlq = self.queue(), self.queue("dlq")
        self.put(q, "a", info={"x": [1, 2]}, content=b"\x00\x01",
                 config={"max_attempts": 2, "dead_letter_to": dlq})
        self.assertEqual(len(self.ok(self.c.acquire(q, ["a"], SHORT_LEASE))), 1)
        self.assertEqual([t["id"] for t in self.wait_peek(q, timeout=10)], ["a"])
        self.assertEqual(len(self.ok(self.c.acquire(q, ["a"], SHORT_LEASE))), 1)
        data = self.wait_peek(dlq, timeout=10)
        self.assertEqual([(t["id"], t["info"]) for t in data], [("a", {"x": [1, 2]})])
        self.assertEqual(self.peek_all(q), [])
        got = self.ok(self.c.acquire(dlq, ["a"], 0))
        self.assertEqual(unb64(got[0]["content"]), b"\x00\x01")
        # Gone from the source queue: the id is free there again.
        self.wait_until(lambda: self.ok(self.c.put(q, "a")) is True, what="source id freed")

    def test_max_attempts_without_dead_letter_drops_and_counts(self):
        q = self.queue()
        self.put(q, "keep")
        self.put(q, "a", config={"max_attempts": 1})
        self.assertEqual(len(self.ok(self.c.acquire(q, ["a"], SHORT_LEASE))), 1)

        def dropped():
            stat = self.stat(q)
            return stat if stat["total_dead"] >= 1 else None

        stat = self.wait_until(dropped, timeout=10, what="drop counted in stat_queue")
        self.assertEqual(stat["total_dead"], 1)
        self.assertEqual(stat["leased"], 0)
        self.assertEqual(stat["length"], 1)
        self.assertEqual(self.peek_ids(q), ["keep"])
        self.assertEqual(self.ok(self.c.acquire(q, ["a"], 30)), [])

    def test_touch_extends_a_lease(self):
        q = self.queue()
        self.put(q, "a")
        # Heartbeats every 0.3 s keep a 1.5 s lease alive for 3.5 s. The wide margin keeps
        # a slow (sanitizer, many instances) server from missing a beat.
        self.ok(self.c.acquire(q, ["a"], 1.5))
        deadline = time.monotonic() + 3.5
        while time.monotonic() < deadline:
            time.sleep(0.3)
            self.assertIs(self.ok(self.c.touch(q, "a", 1.5)), True)
        self.assertEqual(self.peek_all(q), [])
        self.assertIs(self.ok(self.c.touch(q, "a", 10)), True)
        time.sleep(0.7)
        self.assertEqual(self.peek_all(q), [])
        self.assertIs(self.ok(self.c.reply(q, "a")), True)
        self.assertIs(self.ok(self.c.touch(q, "a", 10)), False, "done tasks are not leased")

    def test_touch_of_pending_or_unknown_task_is_false(self):
        q = self.queue()
        self.put(q, "a")
        self.assertIs(self.ok(self.c.touch(q, "a", 10)), False)
        self.assertIs(self.ok(self.c.touch(q, "nope", 10)), False)
        self.assertIs(self.ok(self.c.touch(self.queue(), "nope", 10)), False)
        self.assertEqual(self.peek_ids(q), ["a"], "touch did not lease a pending task")

    def test_touch_after_expiry_is_false(self):
        q = self.queue()
        self.put(q, "a")
        self.ok(self.c.acquire(q, ["a"], SHORT_LEASE))
        self.wait_peek(q, timeout=10)
        self.assertIs(self.ok(self.c.touch(q, "a", 10)), False)


class TakeTest(ConformanceTest):
    def test_take_acquires_the_oldest(self):
        q = self.queue()
        for i in "abc":
            self.put(q, i, info=i, content=i.encode())
        got = self.ok(self.c.take(q, 30, size=2))
        self.assertEqual([t["id"] for t in got], ["a", "b"])
        self.assertEqual([t["info"] for t in got], ["a", "b"])
        self.assertEqual([unb64(t["content"]) for t in got], [b"a", b"b"])
        self.assertEqual(self.peek_ids(q), ["c"])
        self.assertEqual([t["id"] for t in self.ok(self.c.take(q, 30, size=5))], ["c"])
        self.assertEqual(self.ok(self.c.take(q, 30, size=5)), [])
        for i in "abc":
            self.assertIs(self.ok(self.c.reply(q, i)), True)

    def test_take_long_poll_times_out_and_wakes(self):
        q = self.queue()
        self.assertEqual(self.ok(self.c.take(q, 30, timeout=0.3)), [])
        waiter = Background(self.c.take, q, 30, size=1, timeout=30)
        time.sleep(0.2)
        self.put(q, "x", content=b"xyz")
        got = self.ok(waiter.join())
        self.assertEqual([(t["id"], unb64(t["content"])) for t in got], [("x", b"xyz")])

    def test_take_with_zero_promise_deletes(self):
        q = self.queue()
        self.put(q, "a")
        self.assertEqual(len(self.ok(self.c.take(q, 0))), 1)
        self.assertIs(self.ok(self.c.put(q, "a")), True)

    def test_take_lease_expires_like_acquire(self):
        q = self.queue()
        self.put(q, "a")
        self.assertEqual(len(self.ok(self.c.take(q, SHORT_LEASE))), 1)
        self.assertEqual([t["id"] for t in self.wait_peek(q, timeout=10)], ["a"])


if __name__ == "__main__":
    unittest.main()
