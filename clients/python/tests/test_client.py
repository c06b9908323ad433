"""TaskCenter against a real server: every method, typed errors, keep-alive."""

import os
import tempfile
import threading
import time
import unittest

from support import Server, unique, wait_until

from taskcenter import (BadRequest, CallTimeout, ConnectionFailed, Forbidden, NotFound,
                        TaskCenterError,
                        PayloadTooLarge, Result, TaskCenter, TaskRemoved, Unauthorized,
                        Unavailable)
from taskcenter import _transport

SERVER: Server


def setUpModule() -> None:
    global SERVER
    SERVER = Server().start()


def tearDownModule() -> None:
    SERVER.stop()


ALL_BYTES = bytes(range(256)) * 3


class ClientTest(unittest.TestCase):
    def setUp(self) -> None:
        self.tc = TaskCenter(SERVER.url, timeout=10)
        self.q = unique()

    def tearDown(self) -> None:
        self.tc.close()

    def test_put_peek_acquire_reply(self) -> None:
        self.assertTrue(self.tc.put(self.q, "a", info={"n": 1, "s": "ü"}, content=ALL_BYTES))
        self.assertFalse(self.tc.put(self.q, "a", info={"n": 2}), "same id: not created again")
        self.assertTrue(self.tc.put(self.q, "b"))
        tasks, cursor = self.tc.peek(self.q, size=10)
        self.assertEqual([t.id for t in tasks], ["a", "b"])
        self.assertEqual(tasks[0].info, {"n": 1, "s": "ü"})
        self.assertIsNone(tasks[0].content, "peek carries no content")
        self.assertIsNone(tasks[1].info)
        self.assertEqual(cursor, tasks[1].cursor)
        after, cursor2 = self.tc.peek(self.q, cursor=tasks[0].cursor, size=10)
        self.assertEqual([t.id for t in after], ["b"])
        empty, cursor3 = self.tc.peek(self.q, cursor=cursor2)
        self.assertEqual(empty, [])
        self.assertEqual(cursor3, cursor2, "an empty peek answers the cursor given")

        got = self.tc.acquire(self.q, ["a", "missing"], promise_reply_time=30)
        self.assertEqual(len(got), 1)
        self.assertEqual((got[0].id, got[0].content, got[0].info), ("a", ALL_BYTES, {"n": 1, "s": "ü"}))
        self.assertEqual(self.tc.acquire(self.q, "a"), [], "a task is acquired once")
        self.assertTrue(self.tc.reply(self.q, "a", info={"ok": True}, content=b"\x00r"))
        self.assertFalse(self.tc.reply(self.q, "a", info={"ok": False}), "the first reply wins")
        self.assertFalse(self.tc.reply(self.q, "nope"))
        result = self.tc.call(self.q, "a", timeout=0)
        self.assertEqual(result, Result(id="a", info={"ok": True}, content=b"\x00r"))

    def test_reply_to_a_pending_task_and_put_of_a_done_one(self) -> None:
        self.tc.put(self.q, "p", cache_result_time=30)
        self.assertTrue(self.tc.reply(self.q, "p", info=1), "a pending task can be completed")
        self.assertFalse(self.tc.put(self.q, "p"), "done with a cached result: still exists")
        self.tc.put(self.q, "forget", cache_result_time=0)
        self.assertTrue(self.tc.reply(self.q, "forget"))
        self.assertTrue(self.tc.put(self.q, "forget"), "cache_result_time 0: forgotten at once")

    def test_delay_max_attempts_and_dead_letter(self) -> None:
        dead = self.q + "-dead"
        self.tc.put(self.q, "later", delay=0.4)
        self.assertEqual(self.tc.peek(self.q)[0], [], "delayed: not visible yet")
        self.assertTrue(wait_until(lambda: bool(self.tc.peek(self.q)[0])))
        self.tc.put(self.q, "doomed", info="d", content=b"dd", max_attempts=1, dead_letter_to=dead)
        got = self.tc.acquire(self.q, ["doomed"], promise_reply_time=0.2)
        self.assertEqual(len(got), 1)
        self.assertTrue(wait_until(lambda: bool(self.tc.peek(dead)[0])), "moved to the dead letters")
        moved = self.tc.take(dead, timeout=0)
        self.assertEqual([(t.id, t.info, t.content) for t in moved], [("doomed", "d", b"dd")])
        self.assertEqual([t.id for t in self.tc.peek(self.q, size=5)[0]], ["later"])

    def test_put_batch(self) -> None:
        self.assertTrue(self.tc.put(self.q, "x"))
        created = self.tc.put_batch(self.q, [
            {"id": "x"},
            {"id": "y", "info": [1, 2], "content": b"yy", "cache_result_time": 5},
            ("z", {"k": "v"}, b"zz"),
        ])
        self.assertEqual(created, [False, True, True])
        got = self.tc.take(self.q, size=10, timeout=0)
        self.assertEqual([(t.id, t.info, t.content) for t in got],
                         [("x", None, b""), ("y", [1, 2], b"yy"), ("z", {"k": "v"}, b"zz")])

    def test_version_2_config_keywords(self) -> None:
        self.assertTrue(self.tc.put(self.q, "low", priority=-5, cost=2.5, batch_key="m1"))
        self.assertEqual(self.tc.put_batch(self.q, [{"id": "mid"},
                                                    {"id": "high", "priority": 7,
                                                     "retry_delay": 1, "deadline": 60}]),
                         [True, True])
        with self.assertRaises(BadRequest):
            self.tc.put(self.q, "bad", priority=1001)
        got = self.tc.take(self.q, size=10, timeout=0)
        self.assertEqual([t.id for t in got], ["high", "mid", "low"])

    def test_reply_batch(self) -> None:
        self.tc.put_batch(self.q, [("a",), ("b",)])
        got = self.tc.take(self.q, size=2, timeout=0)
        self.assertEqual(len(got), 2)
        self.assertEqual(self.tc.reply_batch(self.q, [("a", {"r": 1}, b"x"), ("b", 2), ("a", 3)]),
                         [True, True, False])
        self.assertEqual((self.tc.call(self.q, "a", timeout=0).info,
                          self.tc.call(self.q, "a", timeout=0).content), ({"r": 1}, b"x"))
        self.assertEqual(self.tc.call(self.q, "b", timeout=0).info, 2)

    def test_call_waits_for_the_reply(self) -> None:
        def consumer() -> None:
            tasks = self.tc.take(self.q, size=1, timeout=10)
            for t in tasks:
                self.tc.reply(self.q, t.id, info={"echo": t.info}, content=t.content[::-1])

        worker = threading.Thread(target=consumer)
        worker.start()
        result = self.tc.call(self.q, "c1", info={"v": 7}, content=ALL_BYTES, timeout=10)
        worker.join()
        self.assertIsInstance(result, Result)
        self.assertEqual(result.id, "c1")
        self.assertEqual(result.info, {"echo": {"v": 7}})
        self.assertEqual(result.content, ALL_BYTES[::-1])

    def test_call_timeout_then_cached_result(self) -> None:
        self.assertIsNone(self.tc.call(self.q, "t", timeout=0), "timeout 0: not done yet")
        with self.assertRaises(CallTimeout) as ctx:
            self.tc.call(self.q, "t", info="in", timeout=0.2)
        self.assertEqual(ctx.exception.err_code, "0001")
        # The task stays queued; a consumer completes it; the next call gets the result.
        tasks = self.tc.take(self.q, timeout=0)
        self.assertEqual([(t.id, t.info) for t in tasks], [("t", "in")])
        self.tc.reply(self.q, "t", info="out")
        self.assertEqual(self.tc.call(self.q, "t", timeout=5).info, "out")

    def test_concurrent_calls_share_one_task(self) -> None:
        results = []

        def caller() -> None:
            results.append(self.tc.call(self.q, "shared", info="x", timeout=10))

        callers = [threading.Thread(target=caller) for _ in range(4)]
        for c in callers:
            c.start()
        self.assertTrue(wait_until(lambda: (self.tc.stat_queue(self.q) or {}).get("length") == 1))
        tasks = self.tc.take(self.q, size=10, timeout=1)
        self.assertEqual([t.id for t in tasks], ["shared"])
        self.tc.reply(self.q, "shared", info="once")
        for c in callers:
            c.join()
        self.assertEqual([r.info for r in results], ["once"] * 4)

    def test_call_on_removed_task_raises_task_removed(self) -> None:
        errors = []

        def caller() -> None:
            try:
                self.tc.call(self.q, "r", timeout=10)
            except TaskRemoved as exc:
                errors.append(exc)

        worker = threading.Thread(target=caller)
        worker.start()
        self.assertTrue(wait_until(lambda: (self.tc.stat_queue(self.q) or {}).get("length") == 1))
        self.assertTrue(self.tc.remove(self.q, "r"))
        worker.join()
        self.assertEqual(len(errors), 1)
        self.assertEqual(errors[0].err_code, "0006")
        self.assertFalse(self.tc.remove(self.q, "r"))

    def test_peek_long_poll_wakes_on_put(self) -> None:
        timer = threading.Timer(0.2, lambda: self.tc.put(self.q, "late"))
        timer.start()
        tasks, _ = self.tc.peek(self.q, size=5, timeout=10)
        timer.join()
        self.assertEqual([t.id for t in tasks], ["late"])

    def test_take_touch_and_redelivery(self) -> None:
        self.tc.put(self.q, "lease", content=b"c")
        got = self.tc.take(self.q, size=1, timeout=0, promise_reply_time=0.5)
        self.assertEqual([t.id for t in got], ["lease"])
        first_cursor = self.tc.stat_queue(self.q)["newest_cursor"]
        self.assertEqual(self.tc.peek(self.q)[0], [], "leased: not pending")
        self.assertTrue(self.tc.touch(self.q, "lease", promise_reply_time=30))
        time.sleep(0.8)  # longer than the first lease: the touch must have extended it
        self.assertEqual(self.tc.peek(self.q)[0], [], "touched lease still held")
        self.assertTrue(self.tc.touch(self.q, "lease", promise_reply_time=0.3))
        # Lease runs out: the task is pending again, at the tail, with a new cursor.
        self.assertTrue(wait_until(lambda: bool(self.tc.peek(self.q)[0]), timeout=10))
        tasks, _ = self.tc.peek(self.q)
        self.assertEqual(tasks[0].id, "lease")
        self.assertNotEqual(tasks[0].cursor, first_cursor)
        self.assertFalse(self.tc.touch(self.q, "lease"), "pending again: no lease to touch")
        self.assertFalse(self.tc.touch(self.q, "never-put"))
        again = self.tc.take(self.q, timeout=0)
        self.assertEqual([(t.id, t.content, t.attempt) for t in again], [("lease", b"c", 2)])
        self.assertEqual(got[0].attempt, 1)

    def test_keyed_take_and_the_config_tasks_carry(self) -> None:
        self.tc.put_batch(self.q, [
            {"id": "a1", "config": {"batch_key": "a", "cost": 2}},
            {"id": "b1", "config": {"batch_key": "b", "priority": 3}},
            {"id": "a2", "config": {"batch_key": "a", "cost": 2}},
            {"id": "plain"}])
        peeked, _ = self.tc.peek(self.q, size=10)
        self.assertEqual([(t.id, t.priority) for t in peeked],
                         [("a1", 0), ("b1", 3), ("a2", 0), ("plain", 0)])
        got = self.tc.take(self.q, timeout=0, batch_key="a", max_cost=3)
        self.assertEqual([(t.id, t.batch_key, t.cost) for t in got], [("a1", "a", 2)])
        got = self.tc.take(self.q, timeout=0, group_by_key=True)
        self.assertEqual([(t.id, t["batch_key"], t.priority) for t in got], [("b1", "b", 3)])
        got = self.tc.take(self.q, timeout=0)
        self.assertEqual([(t.id, t.batch_key, t.cost) for t in got],
                         [("a2", "a", 2), ("plain", None, 1)])

    def test_acquire_with_zero_promise_deletes(self) -> None:
        self.tc.put(self.q, "gone")
        self.assertEqual(len(self.tc.acquire(self.q, ["gone"], promise_reply_time=0)), 1)
        self.assertFalse(self.tc.reply(self.q, "gone"), "deleted on acquire: nothing to reply to")
        self.assertTrue(self.tc.put(self.q, "gone"), "the id is free again")

    def test_config_queue(self) -> None:
        self.assertEqual(self.tc.config_queue(self.q, max_leased=1),
                         {"paused": False, "max_leased": 1, "rate": 0, "burst": 0})
        self.tc.put(self.q, "a")
        self.tc.put(self.q, "b")
        self.assertEqual(len(self.tc.take(self.q, size=2)), 1, "max_leased")
        settings = self.tc.config_queue(self.q, paused=True, rate=0.5)
        self.assertEqual(settings, {"paused": True, "max_leased": 1, "rate": 0.5, "burst": 1})
        self.assertEqual(self.tc.stat_queue(self.q)["settings"], settings)
        with self.assertRaises(BadRequest):
            self.tc.config_queue(self.q, burst=2)

    def test_stat_clear_and_list(self) -> None:
        self.assertIsNone(self.tc.stat_queue(self.q))
        names = [self.q + "-%d" % i for i in range(5)]
        for name in names:
            self.tc.put(name, "t1")
            self.tc.put(name, "t2")
        stat = self.tc.stat_queue(names[0])
        self.assertEqual(stat["length"], 2)
        self.assertIn("oldest_cursor", stat)
        self.assertIn("newest_cursor", stat)
        page, cursor = self.tc.list_queue(size=2)
        self.assertLessEqual(len(page), 2)
        self.assertIsNotNone(cursor, "more than 2 queues exist: there is a next page")
        everything = list(self.tc.iter_queues(page_size=2))
        self.assertTrue(set(names) <= set(everything))
        self.assertEqual(len(everything), len(set(everything)), "pages do not repeat names")
        self.assertTrue(self.tc.clear_queue(names[0]))
        self.assertIsNone(self.tc.stat_queue(names[0]))
        self.assertNotIn(names[0], list(self.tc.iter_queues()))
        self.assertTrue(self.tc.put(names[0], "t1"), "a cleared queue forgot its ids")

    def test_health_version_metrics(self) -> None:
        self.assertTrue(self.tc.healthz())
        self.assertTrue(self.tc.readyz())
        self.assertTrue(self.tc.version())
        self.assertIsInstance(self.tc.metrics(), str)

    def test_bad_requests_carry_the_servers_message(self) -> None:
        for bad in (lambda: self.tc.put("", "id"),
                    lambda: self.tc.put(self.q, ""),
                    lambda: self.tc.peek(self.q, size=0),
                    lambda: self.tc.acquire(self.q, []),
                    lambda: self.tc.take(self.q, promise_reply_time=-1),
                    lambda: self.tc.put(self.q, "x" * 300)):
            with self.assertRaises(BadRequest) as ctx:
                bad()
            self.assertEqual(ctx.exception.err_code, "0002")
            self.assertEqual(ctx.exception.status, 400)
            self.assertTrue(ctx.exception.message)
        self.assertIsNone(self.tc.stat_queue(self.q), "no bad request changed state")

    def test_unknown_path_is_not_found(self) -> None:
        with self.assertRaises(NotFound) as ctx:
            self.tc._post("no_such_endpoint", {"queue": self.q})
        self.assertEqual(ctx.exception.status, 404)

    def test_connection_refused_is_connection_failed(self) -> None:
        with TaskCenter("http://127.0.0.1:9", timeout=2) as dead:
            with self.assertRaises(ConnectionFailed) as ctx:
                dead.put(self.q, "x")
            self.assertIsInstance(ctx.exception, Unavailable)
            self.assertIsNone(ctx.exception.status)
            self.assertFalse(dead.healthz())

    def test_keep_alive_reuses_one_connection(self) -> None:
        connects = []
        original = _transport.Transport._connect

        def counting(transport: _transport.Transport, timeout: float):  # type: ignore[no-untyped-def]
            connects.append(1)
            return original(transport, timeout)

        _transport.Transport._connect = counting  # type: ignore[assignment]
        try:
            for i in range(30):
                self.tc.put(self.q, "k%d" % i)
                self.tc.stat_queue(self.q)
        finally:
            _transport.Transport._connect = original  # type: ignore[assignment]
        self.assertEqual(len(connects), 1)

    def test_thread_safety(self) -> None:
        failures = []

        def producer(n: int) -> None:
            try:
                for i in range(40):
                    if not self.tc.put(self.q, "p%d-%d" % (n, i), info=i):
                        failures.append((n, i))
            except Exception as exc:  # collected, asserted below
                failures.append(exc)

        threads = [threading.Thread(target=producer, args=(n,)) for n in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.assertEqual(failures, [])
        self.assertEqual(self.tc.stat_queue(self.q)["length"], 320)


class ProgressTest(unittest.TestCase):
    def setUp(self) -> None:
        self.tc = TaskCenter(SERVER.url, timeout=10)
        self.q = unique()

    def tearDown(self) -> None:
        self.tc.close()

    def test_progress_of_a_leased_task(self) -> None:
        self.assertFalse(self.tc.progress(self.q, "x", info=1), "no such task")
        self.tc.put(self.q, "x")
        self.assertFalse(self.tc.progress(self.q, "x", info=1), "pending: not leased")
        self.tc.take(self.q, size=1, timeout=0, promise_reply_time=5)
        self.assertTrue(self.tc.progress(self.q, "x", info={"step": 1}, content=b"tok"))
        self.assertEqual(self.tc.get(self.q, "x")["progress"], {"step": 1})
        self.assertTrue(self.tc.progress(self.q, "x", info="two", promise_reply_time=600))
        view = self.tc.get(self.q, "x")
        self.assertEqual(view["progress"], "two")
        self.assertGreater(view["lease_left"], 500, "the lease was extended")
        self.tc.reply(self.q, "x", info="done")
        self.assertFalse(self.tc.progress(self.q, "x", info=3), "done: not leased")


class ResultsIteratorTest(unittest.TestCase):
    """The seed's asynchronous flow: put with forward_result_to, read the results."""

    def test_results_are_forwarded_and_acknowledged(self) -> None:
        tc = TaskCenter(SERVER.url)
        q, rq = unique("work"), unique("results")
        for i in range(5):
            tc.put(q, "job%d" % i, info={"i": i}, forward_result_to=rq)
        for task in tc.take(q, size=5, timeout=0):
            tc.reply(q, task.id, info={"square": task.info["i"] ** 2}, content=b"r" + task.id.encode())
        seen = {}
        for result in tc.results(rq, timeout=1, poll_timeout=0.5):
            seen[result.id] = (result.info, result.content)
        self.assertEqual(seen, {"job%d" % i: ({"square": i * i}, b"rjob%d" % i) for i in range(5)})
        self.assertEqual(tc.stat_queue(rq)["length"], 0)
        self.assertEqual(tc.take(rq, timeout=0), [], "every yielded result was acknowledged")
        tc.close()

    def test_results_not_acknowledged_when_the_loop_breaks(self) -> None:
        tc = TaskCenter(SERVER.url)
        q, rq = unique("work"), unique("results")
        tc.put(q, "only", forward_result_to=rq)
        tc.reply(q, "only", info="done")
        for result in tc.results(rq, timeout=5, promise_reply_time=0.3):
            self.assertEqual(result.id, "only")
            break  # e.g. the handler failed: the result must come back
        self.assertTrue(wait_until(lambda: bool(tc.peek(rq)[0]), timeout=10))
        tc.close()


class ScopedTokenTest(unittest.TestCase):
    """A token outside its scope raises Forbidden (0009/403), still an Unauthorized."""

    def test_forbidden(self) -> None:
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "tokens")
            with open(path, "w") as f:
                f.write("reader read *\nwriter produce jobs.*\n")
            server = Server(["--token-file", path]).start()
            try:
                q = unique("jobs.")
                with TaskCenter(server.url, token="writer") as writer:
                    self.assertTrue(writer.put(q, "x"))
                    with self.assertRaises(Forbidden) as ctx:
                        writer.put(unique("other"), "x")
                    self.assertEqual((ctx.exception.err_code, ctx.exception.status),
                                     ("0009", 403))
                with TaskCenter(server.url, token="reader") as reader:
                    self.assertEqual(reader.stat_queue(q)["length"], 1)
                    self.assertRaises(Unauthorized, reader.put, q, "y")
            finally:
                server.stop()


class AuthAndLimitsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls) -> None:
        cls.server = Server(["--token", "s3cret", "--max-body", "4096",
                             "--idle-timeout", "300ms"]).start()

    @classmethod
    def tearDownClass(cls) -> None:
        cls.server.stop()

    def test_token(self) -> None:
        q = unique()
        with TaskCenter(self.server.url) as anonymous:
            with self.assertRaises(Unauthorized) as ctx:
                anonymous.put(q, "x")
            self.assertEqual((ctx.exception.err_code, ctx.exception.status), ("0004", 401))
        with TaskCenter(self.server.url, token="wrong") as wrong:
            self.assertRaises(Unauthorized, wrong.stat_queue, q)
        with TaskCenter(self.server.url, token="s3cret") as right:
            self.assertTrue(right.put(q, "x"))

    def test_body_too_large(self) -> None:
        with TaskCenter(self.server.url, token="s3cret") as tc:
            with self.assertRaises(PayloadTooLarge) as ctx:
                tc.put(unique(), "big", content=b"\xff" * 8192)
            self.assertEqual(ctx.exception.err_code, "0003")
            self.assertIsInstance(ctx.exception, BadRequest)
            self.assertTrue(tc.put(unique(), "small", content=b"ok"), "the client recovers")

    def test_reconnects_after_the_server_closed_an_idle_connection(self) -> None:
        q = unique()
        with TaskCenter(self.server.url, token="s3cret") as tc:
            self.assertTrue(tc.put(q, "before"))
            time.sleep(0.6)  # past --idle-timeout: the server closed our keep-alive connection
            self.assertTrue(tc.put(q, "after"))
            self.assertEqual(tc.stat_queue(q)["length"], 2)
            time.sleep(0.6)
            self.assertEqual(len(tc.take(q, size=2, timeout=0)), 2, "take reconnects too")

    def test_dropped_keep_alive_is_retried_only_when_repeating_is_safe(self) -> None:
        q = unique()
        original = _transport._peer_closed
        # Skip the pre-use check so the request really meets the closed connection
        # (the race the check cannot rule out: the server closing as we send).
        _transport._peer_closed = lambda sock: False  # type: ignore[assignment]
        try:
            with TaskCenter(self.server.url, token="s3cret") as tc:
                def server_closed_idle_connection() -> bool:
                    return original(tc._transport._idle[0].sock)

                self.assertTrue(tc.put(q, "a"))
                self.assertTrue(wait_until(server_closed_idle_connection))  # --idle-timeout
                self.assertTrue(tc.put(q, "b"), "put is repeated on a new connection")
                self.assertTrue(wait_until(server_closed_idle_connection))
                with self.assertRaises(ConnectionFailed):
                    tc.take(q, size=2, timeout=0)  # never repeated: it could lease others
                got = tc.take(q, size=2, timeout=0)
                self.assertEqual([t.id for t in got], ["a", "b"], "the failed take leased nothing")
        finally:
            _transport._peer_closed = original  # type: ignore[assignment]


class SeeingTasksTest(unittest.TestCase):
    def setUp(self) -> None:
        self.tc = TaskCenter(SERVER.url, timeout=10)
        self.q = unique()

    def tearDown(self) -> None:
        self.tc.close()

    def test_get(self) -> None:
        self.assertIsNone(self.tc.get(self.q, "a"))
        self.tc.put(self.q, "a", info={"n": 1}, content=ALL_BYTES)
        view = self.tc.get(self.q, "a", with_content=True)
        assert view is not None
        self.assertEqual((view["state"], view["info"], view["attempt"]), ("pending", {"n": 1}, 0))
        self.assertEqual(view["content"], ALL_BYTES)
        self.assertNotIn("content", self.tc.get(self.q, "a") or {})
        self.tc.take(self.q, timeout=0)
        self.tc.reply(self.q, "a", info="r", content=b"\x00out")
        done = self.tc.get(self.q, "a")
        assert done is not None
        self.assertEqual((done["state"], done["result_info"], done["result_content"]),
                         ("done", "r", b"\x00out"))

    def test_list_tasks_and_iter_tasks(self) -> None:
        self.tc.put_batch(self.q, [{"id": "t%d" % i} for i in range(5)])
        self.tc.acquire(self.q, ["t1", "t3"], promise_reply_time=60)
        views, cursor = self.tc.list_tasks(self.q, size=2)
        self.assertEqual([v["id"] for v in views], ["t0", "t2"])
        self.assertIsNotNone(cursor)
        self.assertEqual([(v["id"], v["state"]) for v in self.tc.iter_tasks(self.q, page_size=2)],
                         [("t0", "pending"), ("t2", "pending"), ("t4", "pending"),
                          ("t1", "leased"), ("t3", "leased")])
        self.assertEqual([v["id"] for v in self.tc.iter_tasks(self.q, state="leased")],
                         ["t1", "t3"])
        with self.assertRaises(BadRequest):
            self.tc.list_tasks(self.q, state="running")


class CallDataObjectTest(unittest.TestCase):
    """A server started with --call-data object answers a call's result as one object,
    as the running original service did; the client reads it as it reads the list."""

    @classmethod
    def setUpClass(cls) -> None:
        cls.server = Server(["--call-data", "object"]).start()

    @classmethod
    def tearDownClass(cls) -> None:
        cls.server.stop()

    def test_call_result_in_the_object_shape(self) -> None:
        q = unique()
        with TaskCenter(self.server.url, timeout=10) as tc:
            self.assertIsNone(tc.call(q, "a", timeout=0))
            tc.put(q, "a")
            tc.take(q, timeout=0)
            tc.reply(q, "a", info={"ok": 1}, content=b"\x00z")
            raw = tc._post("call", {"queue": q, "id": "a", "timeout": 0})
            self.assertEqual(raw["data"], {"id": "a", "result_info": {"ok": 1},
                                           "result_content": "AHo="})
            self.assertEqual(tc.call(q, "a", timeout=0),
                             Result(id="a", info={"ok": 1}, content=b"\x00z"))



class FailuresTest(unittest.TestCase):
    """fail, release and redrive (version 2)."""

    def setUp(self) -> None:
        self.tc = TaskCenter(SERVER.url, timeout=10)
        self.q, self.dlq = unique(), unique()

    def tearDown(self) -> None:
        self.tc.close()

    def test_fail_release_redrive(self) -> None:
        tc, q = self.tc, self.q
        tc.put(q, "a", max_attempts=2, dead_letter_to=self.dlq)
        self.assertFalse(tc.fail(q, "a"), "pending, not leased")
        self.assertEqual(tc.take(q, timeout=0)[0].attempt, 1)
        self.assertTrue(tc.release(q, "a"))
        self.assertEqual(tc.take(q, timeout=0)[0].attempt, 1, "a release does not count")
        self.assertTrue(tc.fail(q, "a", info={"error": "x"}, content=b"trace"))
        self.assertEqual(tc.take(q, timeout=0)[0].attempt, 2)
        self.assertTrue(tc.fail(q, "a"))
        self.assertTrue(wait_until(lambda: tc.stat_queue(self.dlq) is not None))
        stat = tc.stat_queue(q)
        self.assertEqual((stat["total_failed"], stat["total_released"], stat["total_dead"]),
                         (2, 1, 1))
        self.assertEqual(tc.redrive(self.dlq, ids="a"), 1)
        self.assertEqual(tc.redrive(self.dlq), 0)
        self.assertEqual([t.id for t in tc.peek(q)[0]], ["a"])
        tc.take(q, timeout=0)
        self.assertTrue(tc.release(q, "a", delay=30))
        self.assertEqual(tc.stat_queue(q)["delayed"], 1)


if __name__ == "__main__":
    unittest.main()


class StreamsTest(unittest.TestCase):
    """call(..., stream=True) and watch(): events as they arrive, then the result."""

    def setUp(self) -> None:
        self.tc = TaskCenter(SERVER.url, timeout=10)
        self.q = unique()
        try:
            list(self.tc.watch(self.q, "probe", timeout=0))
        except TaskCenterError as exc:
            if "no progress events" in str(exc):
                self.skipTest("this server's store has no progress events")
            raise

    def tearDown(self) -> None:
        self.tc.close()

    def progress(self, id: str, info: object) -> None:
        try:
            self.tc._post("progress", {"queue": self.q, "id": id, "info": info})
        except NotFound:
            self.skipTest("this server has no /task/progress")

    def test_call_stream_yields_the_events_then_the_result(self) -> None:
        stream = self.tc.call(self.q, "s", info="in", timeout=10, stream=True)
        tasks = self.tc.take(self.q, timeout=5)
        self.assertEqual([t.id for t in tasks], ["s"])
        self.progress("s", {"token": "Hel"})
        self.progress("s", {"token": "lo"})
        self.tc.reply(self.q, "s", info="Hello", content=b"\x00")
        events = list(stream)
        self.assertEqual([(e["event"], e.get("seq"), e.get("info")) for e in events[:2]],
                         [("progress", 1, {"token": "Hel"}), ("progress", 2, {"token": "lo"})])
        self.assertEqual(events[2]["event"], "result")
        self.assertEqual((events[2]["result"].info, events[2]["result"].content), ("Hello", b"\x00"))
        self.assertEqual(len(events), 3)

    def test_watch_resumes_after_a_seq(self) -> None:
        self.tc.put(self.q, "w")
        self.tc.take(self.q, timeout=0)
        for i in range(1, 4):
            self.progress("w", i)
        self.tc.reply(self.q, "w", info="done")
        events = list(self.tc.watch(self.q, "w", after=1, timeout=5))
        self.assertEqual([e.get("seq") for e in events], [2, 3, None])
        self.assertEqual(events[-1]["result"].info, "done")

    def test_a_stream_without_events_ends_with_its_result_or_its_error(self) -> None:
        self.assertEqual(list(self.tc.watch(self.q, "none", timeout=1)), [], "no such task")
        self.tc.put(self.q, "t")
        with self.assertRaises(CallTimeout):
            list(self.tc.watch(self.q, "t", timeout=0.2))
        done = list(self.tc.call(self.q, "z", timeout=0, stream=True))
        self.assertEqual(done, [{"event": "result", "result": None}])
        stream = self.tc.call(self.q, "r", timeout=10, stream=True)
        self.assertTrue(self.tc.remove(self.q, "r"))
        with self.assertRaises(TaskRemoved):
            list(stream)
