"""reply (first wins, idempotent, of a pending task), cache_result_time, and the
seed's asynchronous flow with forward_result_to."""

import time
import unittest

from base import Background, ConformanceTest, unb64


class ReplyTest(ConformanceTest):
    def test_first_reply_wins_and_replies_are_idempotent(self):
        q = self.queue()
        self.put(q, "a")
        self.ok(self.c.acquire(q, ["a"], 30))
        self.assertIs(self.ok(self.c.reply(q, "a", info={"r": 1}, content=b"one")), True)
        self.assertIs(self.ok(self.c.reply(q, "a", info={"r": 2}, content=b"two")), False)
        self.assertIs(self.ok(self.c.reply(q, "a", info={"r": 1}, content=b"one")), False)
        got = self.ok(self.c.call(q, "a", 0))
        self.assertEqual(got[0]["result_info"], {"r": 1})
        self.assertEqual(unb64(got[0]["result_content"]), b"one")

    def test_reply_of_a_pending_task_completes_it(self):
        q = self.queue()
        self.put(q, "a")
        self.assertIs(self.ok(self.c.reply(q, "a", info="done")), True)
        self.assertEqual(self.peek_all(q), [])
        self.assertEqual(self.ok(self.c.acquire(q, ["a"], 30)), [])
        self.assertIs(self.ok(self.c.put(q, "a")), False, "the result is cached")
        self.assertEqual(self.ok(self.c.call(q, "a", 0))[0]["result_info"], "done")

    def test_reply_of_unknown_task_is_false(self):
        q = self.queue()
        self.assertIs(self.ok(self.c.reply(q, "nope")), False)
        self.put(q, "a")
        self.assertIs(self.ok(self.c.reply(q, "nope")), False)
        self.assertEqual(self.peek_ids(q), ["a"])

    def test_reply_info_and_content_default(self):
        q = self.queue()
        self.put(q, "a")
        self.assertIs(self.ok(self.c.post("/task/reply", {"queue": q, "id": "a"})), True)
        got = self.ok(self.c.call(q, "a", 0))
        self.assertEqual(got, [{"id": "a", "result_info": None, "result_content": ""}])


class CacheResultTimeTest(ConformanceTest):
    def test_default_cache_keeps_the_result(self):
        q = self.queue()
        self.put(q, "a")
        self.ok(self.c.reply(q, "a", info=7))
        time.sleep(0.5)
        self.assertIs(self.ok(self.c.put(q, "a")), False)
        self.assertEqual(self.ok(self.c.call(q, "a", 0))[0]["result_info"], 7)

    def test_short_cache_expires_and_the_id_can_be_put_again(self):
        q = self.queue()
        self.put(q, "a", config={"cache_result_time": 1.0})
        self.ok(self.c.reply(q, "a", info="r"))
        self.assertEqual(self.ok(self.c.call(q, "a", 0))[0]["result_info"], "r")
        self.wait_until(lambda: self.ok(self.c.call(q, "a", 0)) is None, timeout=10,
                        what="the cached result to expire")
        self.assertIs(self.ok(self.c.put(q, "a")), True)
        self.assertEqual(self.peek_ids(q), ["a"])

    def test_zero_cache_forgets_at_once(self):
        q = self.queue()
        self.put(q, "a", config={"cache_result_time": 0})
        self.ok(self.c.acquire(q, ["a"], 30))
        self.assertIs(self.ok(self.c.reply(q, "a", info="r")), True)
        self.assertIsNone(self.ok(self.c.call(q, "a", 0)))
        self.assertIs(self.ok(self.c.reply(q, "a")), False)
        self.assertIs(self.ok(self.c.put(q, "a")), True)

    def test_stat_counts_done_results(self):
        q = self.queue()
        self.put(q, "a")
        self.put(q, "b")
        self.ok(self.c.reply(q, "a"))
        stat = self.stat(q)
        self.assertEqual(stat["length"], 1)
        if "done" in stat:
            self.assertEqual(stat["done"], 1)


class ForwardResultTest(ConformanceTest):
    def test_seed_asynchronous_flow(self):
        q = self.queue("A")
        results = q + "-result"
        # Producer.
        self.put(q, "job-1", info={"img": "cat.png"}, content=b"\x89PNG",
                 config={"forward_result_to": results})
        # Consumer: peek, acquire, reply.
        peeked = self.wait_peek(q, timeout=5)
        self.assertEqual([t["id"] for t in peeked], ["job-1"])
        got = self.ok(self.c.acquire(q, ["job-1"], 30))
        self.assertEqual(unb64(got[0]["content"]), b"\x89PNG")
        self.assertIs(self.ok(self.c.reply(q, "job-1", info={"label": "cat"},
                                          content=b"\x00result")), True)
        # Producer long-polls the result queue.
        res = self.wait_peek(results, timeout=5)
        self.assertEqual([(t["id"], t["info"]) for t in res], [("job-1", {"label": "cat"})])
        fetched = self.ok(self.c.acquire(results, ["job-1"], 30))
        self.assertEqual(unb64(fetched[0]["content"]), b"\x00result")
        # Producer replies to clear the result.
        self.assertIs(self.ok(self.c.reply(results, "job-1")), True)
        self.assertEqual(self.peek_all(results), [])
        self.assertEqual(self.stat(results)["length"], 0)

    def test_forward_with_zero_cache_still_forwards(self):
        q = self.queue("A")
        results = q + "-result"
        self.put(q, "j", config={"forward_result_to": results, "cache_result_time": 0})
        self.assertIs(self.ok(self.c.reply(q, "j", info="r", content=b"c")), True)
        self.assertEqual([(t["id"], t["info"]) for t in self.peek_all(results)], [("j", "r")])
        self.assertIs(self.ok(self.c.put(q, "j")), True, "the source task is forgotten")

    def test_forward_wakes_a_producer_already_waiting(self):
        q = self.queue("A")
        results = q + "-result"
        waiter = Background(self.c.peek, results, size=1, timeout=30)
        time.sleep(0.2)
        self.put(q, "j", config={"forward_result_to": results})
        self.ok(self.c.reply(q, "j", info="r"))
        data = self.ok(waiter.join())
        self.assertEqual([(t["id"], t["info"]) for t in data], [("j", "r")])

    def test_producer_clears_result_with_reply_without_acquire(self):
        q = self.queue("A")
        results = q + "-result"
        self.put(q, "j", config={"forward_result_to": results})
        self.ok(self.c.reply(q, "j", info="r"))
        self.assertEqual(self.peek_ids(results), ["j"])
        self.assertIs(self.ok(self.c.reply(results, "j")), True)
        self.assertEqual(self.peek_all(results), [])


if __name__ == "__main__":
    unittest.main()
