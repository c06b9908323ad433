"""call: the seed's synchronous flow, cached results, timeout (0001), removal (0006),
timeout 0, coalescing of 50 concurrent calls on one id, and the object shape of
--call-data object."""

import threading
import time
import unittest

import harness
from base import Background, ConformanceTest, unb64
from client import Client


def consume_one(test, queue, reply_info, reply_content, lease=30):
    """A consumer: long-poll peek, acquire, reply. Returns the acquired task."""
    data = test.wait_peek(queue, timeout=10)
    test.assertEqual(len(data), 1, "the task to consume")
    got = test.ok(test.c.acquire(queue, [data[0]["id"]], lease))
    test.assertEqual(len(got), 1)
    test.assertIs(test.ok(test.c.reply(queue, got[0]["id"], info=reply_info,
                                       content=reply_content)), True)
    return got[0]


class CallTest(ConformanceTest):
    def test_seed_synchronous_flow(self):
        q = self.queue("A")
        caller = Background(self.c.call, q, "job", 30, info={"text": "hello"},
                            content=b"\x01\x02", config={"cache_result_time": 3})
        task = consume_one(self, q, {"answer": 42}, b"\xffbinary")
        self.assertEqual(task["info"], {"text": "hello"})
        self.assertEqual(unb64(task["content"]), b"\x01\x02")
        resp = caller.join()
        data = self.ok(resp)
        self.assertEqual(len(data), 1)
        self.assertEqual(data[0]["id"], "job")
        self.assertEqual(data[0]["result_info"], {"answer": 42})
        self.assertEqual(unb64(data[0]["result_content"]), b"\xffbinary")

    def test_cached_result_is_answered_at_once(self):
        q = self.queue()
        self.put(q, "a")
        self.ok(self.c.reply(q, "a", info="cached", content=b"c"))
        for timeout in (0, 5):
            data = self.ok(self.c.call(q, "a", timeout, info="ignored"))
            self.assertEqual(data, [{"id": "a", "result_info": "cached",
                                     "result_content": "Yw=="}])
        self.assertEqual(self.peek_all(q), [], "no new task was put")

    def test_timeout_answers_0001_and_a_later_call_picks_up_the_result(self):
        q = self.queue()
        resp = self.c.call(q, "a", 0.3, info={"n": 1})
        self.err(resp, "0001", 200)
        self.assertIsNone(resp.data)
        # The task stays queued.
        self.assertEqual([t["id"] for t in self.peek_all(q)], ["a"])
        self.err(self.c.call(q, "a", 0.2), "0001", 200)
        self.assertEqual(self.stat(q)["length"], 1, "a repeated call shares the task")
        self.ok(self.c.acquire(q, ["a"], 30))
        self.ok(self.c.reply(q, "a", info="late"))
        self.assertEqual(self.ok(self.c.call(q, "a", 5))[0]["result_info"], "late")

    def test_timeout_zero_without_result_is_null_and_puts_nothing(self):
        q = self.queue()
        self.assertIsNone(self.ok(self.c.call(q, "a", 0)))
        self.assertEqual(self.peek_all(q), [])
        self.put(q, "a")
        self.assertIsNone(self.ok(self.c.call(q, "a", 0)), "pending: not done yet")
        self.assertEqual(self.peek_ids(q), ["a"])

    def test_call_config_is_honoured(self):
        q = self.queue()
        caller = Background(self.c.call, q, "a", 30, config={"cache_result_time": 0})
        consume_one(self, q, "r", b"")
        self.assertEqual(self.ok(caller.join())[0]["result_info"], "r")
        self.assertIsNone(self.ok(self.c.call(q, "a", 0)), "cache_result_time 0: forgotten")
        self.assertIs(self.ok(self.c.put(q, "a")), True)

    def test_remove_while_waiting_answers_0006(self):
        q = self.queue()
        caller = Background(self.c.call, q, "a", 30)
        self.wait_peek(q, timeout=10)
        time.sleep(0.1)
        self.assertIs(self.ok(self.c.remove(q, "a")), True)
        self.err(caller.join(), "0006", 200)

    def test_clear_queue_while_waiting_answers_0006(self):
        q = self.queue()
        caller = Background(self.c.call, q, "a", 30)
        self.wait_peek(q, timeout=10)
        time.sleep(0.1)
        for _ in range(100):
            if self.ok(self.c.clear_queue(q)) is True:
                break
        self.err(caller.join(), "0006", 200)

    def test_acquire_or_take_without_lease_answers_a_waiting_call_0006(self):
        # promise_reply_time 0 deletes the task: no reply can come, so a call waiting
        # on it answers 0006 at once on every backend (well before its 30 s timeout).
        for how in ("acquire", "take"):
            q = self.queue(how)
            caller = Background(self.c.call, q, "a", 30)
            self.wait_peek(q, timeout=10)
            time.sleep(0.1)
            if how == "acquire":
                got = self.ok(self.c.acquire(q, ["a"], 0))
            else:
                got = self.ok(self.c.take(q, 0))
            self.assertEqual([t["id"] for t in got], ["a"])
            self.err(caller.join(timeout=10), "0006", 200)

    def test_call_waits_through_a_redelivery(self):
        q = self.queue()
        caller = Background(self.c.call, q, "a", 30, info="job")
        self.wait_peek(q, timeout=10)
        # The first consumer dies with the task; the lease runs out; a second one replies.
        self.assertEqual(len(self.ok(self.c.acquire(q, ["a"], 0.3))), 1)
        data = self.wait_peek(q, timeout=10)
        self.assertEqual([t["id"] for t in data], ["a"])
        self.assertFalse(caller.done, "the call still waits")
        self.assertEqual(len(self.ok(self.c.acquire(q, ["a"], 30))), 1)
        self.ok(self.c.reply(q, "a", info="second"))
        self.assertEqual(self.ok(caller.join())[0]["result_info"], "second")

    def test_call_on_an_existing_leased_task_waits_for_its_reply(self):
        q = self.queue()
        self.put(q, "a", info="original")
        self.ok(self.c.acquire(q, ["a"], 30))
        caller = Background(self.c.call, q, "a", 30, info="other")
        time.sleep(0.3)
        self.assertEqual(self.peek_all(q), [], "the call did not put a second task")
        self.ok(self.c.reply(q, "a", info="r"))
        self.assertEqual(self.ok(caller.join())[0]["result_info"], "r")

    def test_call_honours_forward_result_to(self):
        q = self.queue()
        results = q + "-result"
        caller = Background(self.c.call, q, "a", 30, config={"forward_result_to": results})
        consume_one(self, q, "r", b"c")
        self.assertEqual(self.ok(caller.join())[0]["result_info"], "r")
        self.assertEqual([(t["id"], t["info"]) for t in self.peek_all(results)], [("a", "r")])

    def test_fifty_concurrent_calls_share_one_task_and_one_result(self):
        q = self.queue()
        n = 50
        barrier = threading.Barrier(n + 1)

        def one_call():
            barrier.wait()
            return self.c.call(q, "shared", 30, info={"caller": "x"})

        callers = [Background(one_call) for _ in range(n)]
        barrier.wait()
        peeked = self.wait_peek(q, timeout=10)
        self.assertEqual([t["id"] for t in peeked], ["shared"])
        time.sleep(0.5)  # let every call arrive and wait
        self.assertEqual(self.peek_ids(q), ["shared"], "only one task was created")
        stat = self.stat(q)
        self.assertEqual(stat["length"], 1)
        if "total_put" in stat:
            self.assertEqual(stat["total_put"], 1)
        got = self.ok(self.c.acquire(q, ["shared"], 30))
        self.assertEqual(len(got), 1)
        self.assertIs(self.ok(self.c.reply(q, "shared", info={"r": "one"}, content=b"R")), True)
        answers = [c.join() for c in callers]
        for resp in answers:
            self.assertEqual(self.ok(resp), [{"id": "shared", "result_info": {"r": "one"},
                                              "result_content": "Ug=="}])


if __name__ == "__main__":
    unittest.main()


@unittest.skipUnless(harness.can_start_servers(), "needs the server binary (TC_BINARY)")
class CallDataObjectTest(unittest.TestCase):
    """--call-data object: a successful call answers its result as one object (the shape
    the running original service answered), everything else as by default."""

    @classmethod
    def setUpClass(cls):
        cls.server = harness.ServerProcess(extra_args=["--call-data", "object"]).start()
        cls.c = Client(cls.server.url)

    @classmethod
    def tearDownClass(cls):
        cls.server.stop_checked("--call-data object server")

    def ok(self, resp):
        self.assertEqual((resp.status, resp.err_code), (200, "0000"), resp)
        return resp.data

    def test_cached_and_waited_results_are_one_object(self):
        q = harness.unique()
        self.assertIsNone(self.ok(self.c.call(q, "a", 0)), "not done yet: data null")
        self.ok(self.c.put(q, "a"))
        self.ok(self.c.take(q, 30))
        self.ok(self.c.reply(q, "a", info={"ok": True}, content=b"\x01"))
        self.assertEqual(self.ok(self.c.call(q, "a", 5)),
                         {"id": "a", "result_info": {"ok": True}, "result_content": "AQ=="})

        caller = Background(self.c.call, q, "b", 30, info={"n": 2})
        taken = []
        deadline = time.monotonic() + 20
        while not taken and time.monotonic() < deadline:
            taken = self.ok(self.c.take(q, 30, size=1, timeout=5))
        self.assertEqual([t["id"] for t in taken], ["b"])
        self.ok(self.c.reply(q, "b", info="done"))
        self.assertEqual(self.ok(caller.join()),
                         {"id": "b", "result_info": "done", "result_content": ""})

    def test_a_timeout_is_still_0001(self):
        resp = self.c.call(harness.unique(), "slow", 0.2)
        self.assertEqual((resp.status, resp.err_code, resp.data), (200, "0001", None), resp)
