"""Batches: /task/reply_batch answers each reply exactly as /task/reply (the first reply
of an id wins), wakes the callers of every task it completes, on any instance."""

import unittest

from base import Background, ConformanceTest, unb64


class ReplyBatchTest(ConformanceTest):
    def test_each_reply_answers_as_reply_would(self):
        q = self.queue()
        self.ok(self.c.put_batch(q, [{"id": i} for i in ("pending", "leased", "done")]))
        self.ok(self.c.acquire(q, ["leased"], 30))
        self.assertIs(self.ok(self.c.reply(q, "done", info="first")), True)
        data = self.ok(self.c.reply_batch(q, [("pending", {"r": 1}, b"one"),
                                              ("leased", 2, b""),
                                              ("done", "second", b""),
                                              ("nosuch", None, b""),
                                              ("pending", "again", b"")]))
        self.assertEqual(data, [True, True, False, False, False])
        got = self.ok(self.c.call(q, "pending", 0))
        self.assertEqual(got[0]["result_info"], {"r": 1})
        self.assertEqual(unb64(got[0]["result_content"]), b"one")
        self.assertEqual(self.ok(self.c.call(q, "leased", 0))[0]["result_info"], 2)
        self.assertEqual(self.ok(self.c.call(q, "done", 0))[0]["result_info"], "first")
        stat = self.stat(q)
        self.assertEqual(stat["length"], 0)
        if "total_replied" in stat:
            self.assertEqual(stat["total_replied"], 3)

    def test_info_and_content_default(self):
        q = self.queue()
        self.put(q, "a")
        self.assertEqual(self.ok(self.c.reply_batch(q, [{"id": "a"}])), [True])
        self.assertEqual(self.ok(self.c.call(q, "a", 0)),
                         [{"id": "a", "result_info": None, "result_content": ""}])

    def test_an_unknown_queue_answers_false_for_each_and_stays_unknown(self):
        q = self.queue()
        self.assertEqual(self.ok(self.c.reply_batch(q, [("a", None, b""), ("b", None, b"")])),
                         [False, False])
        self.assertIsNone(self.ok(self.c.stat_queue(q)))

    def test_a_thousand_replies_complete_a_taken_batch(self):
        q = self.queue()
        for start in range(0, 1000, 500):
            self.ok(self.c.put_batch(q, [{"id": f"t{i}"} for i in range(start, start + 500)]))
        taken = self.ok(self.c.take(q, size=1000, promise_reply_time=30))
        self.assertEqual(len(taken), 1000)
        data = self.ok(self.c.reply_batch(q, [(t["id"], t["id"], b"") for t in taken]))
        self.assertEqual(data, [True] * 1000)
        self.assertEqual(self.stat(q)["length"], 0)
        self.assertEqual(self.ok(self.c.call(q, "t999", 0))[0]["result_info"], "t999")

    def test_waiting_calls_are_answered_on_any_instance(self):
        q = self.queue()
        n = len(self.c.base_urls)
        callers = [Background(self.c.call, q, f"c{i}", 30, info=i, instance=i % n)
                   for i in range(4)]
        self.wait_until(lambda: len(self.peek_ids(q)) == 4, what="four calls queued")
        taken = self.ok(self.c.take(q, size=4, promise_reply_time=30, instance=n - 1))
        self.assertEqual(len(taken), 4)
        data = self.ok(self.c.reply_batch(q, [(t["id"], {"echo": t["info"]}, b"r")
                                              for t in taken], instance=n - 1))
        self.assertEqual(data, [True] * 4)
        for i, caller in enumerate(callers):
            got = self.ok(caller.join())
            self.assertEqual(got[0]["result_info"], {"echo": i})
            self.assertEqual(unb64(got[0]["result_content"]), b"r")

    def test_forwarded_results_arrive_as_with_reply(self):
        q, results = self.queue(), self.queue("results")
        self.put(q, "a", config={"forward_result_to": results})
        self.put(q, "b", config={"forward_result_to": results, "cache_result_time": 0})
        self.assertEqual(self.ok(self.c.reply_batch(q, [("a", "ra", b"x"), ("b", "rb", b"y"),
                                                        ("b", "again", b"")])),
                         [True, True, False])
        self.wait_until(lambda: sorted(self.peek_ids(results)) == ["a", "b"],
                        what="both results forwarded")
        by_id = {t["id"]: t for t in self.peek_all(results)}
        self.assertEqual(by_id["a"]["info"], "ra")
        self.assertEqual(by_id["b"]["info"], "rb")
        self.assertIs(self.ok(self.c.put(q, "b")), True, "cache 0: the id is free at once")


if __name__ == "__main__":
    unittest.main()
