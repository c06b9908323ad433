"""get and list_tasks: what a client sees of tasks, in every state, on every backend."""

import unittest

from base import ConformanceTest
from client import b64, unb64

VIEW_KEYS = {"id", "state", "info", "priority", "batch_key", "cost", "attempt", "age"}


class GetTest(ConformanceTest):
    def test_unknown_task_is_null(self):
        q = self.queue()
        self.assertIsNone(self.ok(self.c.get_task(q, "nobody")))
        self.put(q, "a")
        self.assertIsNone(self.ok(self.c.get_task(q, "nobody")))

    def test_pending(self):
        q = self.queue()
        self.put(q, "a", info={"n": [1, 2]}, content=b"\x00bytes")
        view = self.ok(self.c.get_task(q, "a"))
        self.assertEqual(set(view), VIEW_KEYS)
        self.assertEqual(view["id"], "a")
        self.assertEqual(view["state"], "pending")
        self.assertEqual(view["info"], {"n": [1, 2]})
        self.assertEqual((view["priority"], view["batch_key"], view["cost"]), (0, None, 1))
        self.assertEqual(view["attempt"], 0)
        self.assertGreaterEqual(view["age"], 0)
        view = self.ok(self.c.get_task(q, "a", with_content=True))
        self.assertEqual(unb64(view["content"]), b"\x00bytes")
        self.assertNotIn("content", self.ok(self.c.get_task(q, "a", with_content=False)))

    def test_delayed(self):
        q = self.queue()
        self.put(q, "a", config={"delay": 300})
        view = self.ok(self.c.get_task(q, "a"))
        self.assertEqual(view["state"], "delayed")
        self.assertGreater(view["visible_in"], 0)
        self.assertLessEqual(view["visible_in"], 300)
        self.assertNotIn("lease_left", view)

    def test_leased_counts_attempts(self):
        q = self.queue()
        self.put(q, "a", content=b"abc")
        self.ok(self.c.acquire(q, ["a"], 600))
        view = self.ok(self.c.get_task(q, "a", with_content=True))
        self.assertEqual(view["state"], "leased")
        self.assertEqual(view["attempt"], 1)
        self.assertGreater(view["lease_left"], 0)
        self.assertLessEqual(view["lease_left"], 600)
        self.assertNotIn("visible_in", view)
        self.assertEqual(unb64(view["content"]), b"abc")

    def test_done_shows_the_result(self):
        q = self.queue()
        self.put(q, "a", info="question", content=b"in")
        self.ok(self.c.take(q, 60))
        self.ok(self.c.reply(q, "a", info={"answer": 42}, content=b"out"))
        view = self.ok(self.c.get_task(q, "a", with_content=True))
        self.assertEqual(view["state"], "done")
        self.assertEqual(view["attempt"], 1)
        self.assertIsNone(view["info"], "a done task keeps only its result")
        self.assertEqual(view["result_info"], {"answer": 42})
        self.assertEqual(unb64(view["result_content"]), b"out")
        self.assertNotIn("content", view)

    def test_a_forgotten_result_is_null(self):
        q = self.queue()
        self.put(q, "a", config={"cache_result_time": 0})
        self.ok(self.c.reply(q, "a"))
        self.assertIsNone(self.ok(self.c.get_task(q, "a")))


class ListTasksTest(ConformanceTest):
    def scan(self, q, state=None, size=None):
        ids, cursor, pages = [], None, 0
        while True:
            resp = self.c.list_tasks(q, state=state, cursor=cursor, size=size)
            data = self.ok(resp)
            pages += 1
            for view in data:
                self.assertTrue(VIEW_KEYS <= set(view), view)
                self.assertNotIn("content", view)
                self.assertNotIn("result_info", view)
                ids.append((view["id"], view["state"]))
            cursor = resp.json["cursor"]
            if cursor is None:
                return ids, pages
            self.assertIsInstance(cursor, str)
            self.assertLess(pages, 1000)

    def test_unknown_queue_is_an_empty_page(self):
        resp = self.c.list_tasks(self.queue())
        self.assertEqual(self.ok(resp), [])
        self.assertIsNone(resp.json["cursor"])

    def test_states_in_order_each_task_once(self):
        q = self.queue()
        self.ok(self.c.put_batch(q, [{"id": i} for i in ("p3", "p1", "p2", "lb", "la", "fz", "fa")]))
        self.ok(self.c.put_batch(q, [{"id": i, "config": {"delay": 300}} for i in ("dz", "da")]))
        self.ok(self.c.acquire(q, ["lb", "la", "fz", "fa"], 300))
        for i in ("fz", "fa"):
            self.ok(self.c.reply(q, i))
        expected = [("p3", "pending"), ("p1", "pending"), ("p2", "pending"),
                    ("da", "delayed"), ("dz", "delayed"), ("la", "leased"), ("lb", "leased"),
                    ("fa", "done"), ("fz", "done")]
        for size in (None, 1, 2, 4, 9, 1000):
            ids, pages = self.scan(q, size=size)
            self.assertEqual(ids, expected, f"size {size}")
            if size:
                self.assertEqual(pages, -(-len(expected) // size), "no empty last page")
        for state in ("pending", "delayed", "leased", "done"):
            ids, _ = self.scan(q, state=state, size=1)
            self.assertEqual(ids, [e for e in expected if e[1] == state])
        view = self.ok(self.c.list_tasks(q, state="leased", size=1))[0]
        self.assertEqual(view["attempt"], 1)
        self.assertGreater(view["lease_left"], 0)

    def test_a_scan_lists_a_task_that_keeps_its_state_once(self):
        q = self.queue()
        self.ok(self.c.put_batch(q, [{"id": f"t{i:03}"} for i in range(30)]))
        self.ok(self.c.acquire(q, [f"t{i:03}" for i in range(15, 30)], 300))
        seen = {}
        cursor = None
        step = 0
        while True:
            resp = self.c.list_tasks(q, cursor=cursor, size=4)
            for view in self.ok(resp):
                seen[view["id"]] = seen.get(view["id"], 0) + 1
            cursor = resp.json["cursor"]
            if cursor is None:
                break
            # Leases are extended (their deadlines reorder) and new tasks arrive.
            for i in range(15, 30):
                self.ok(self.c.touch(q, f"t{i:03}", 300 + (30 - i) * step))
            self.put(q, f"new{step}")
            step += 1
            self.assertLess(step, 100)
        for i in range(30):
            self.assertEqual(seen.get(f"t{i:03}"), 1, f"t{i:03}")
        self.assertTrue(all(n == 1 for n in seen.values()), seen)

    def test_bad_cursor_and_state(self):
        q = self.queue()
        self.put(q, "a")
        for body in ({"queue": q, "state": "running"}, {"queue": q, "state": 1},
                     {"queue": q, "cursor": "x"}, {"queue": q, "cursor": "p:notacursor"},
                     {"queue": q, "cursor": 5}, {"queue": q, "size": 0},
                     {"queue": q, "size": 1001},
                     {"queue": q, "state": "leased", "cursor": "p:1-0"}):
            self.err(self.c.post("/task/list_tasks", body), "0002", 400, repr(body))


class SeeingTasksAfterVersion2PathsTest(ConformanceTest):
    """get and list_tasks after fail, release, retry delays, dead letters, redrive and
    reply_batch: the fields those paths store, and the state lists kept right."""

    def states(self, q):
        out, cursor = [], None
        while True:
            resp = self.c.list_tasks(q, cursor=cursor, size=2)
            out += [(v["id"], v["state"]) for v in self.ok(resp)]
            cursor = resp.json["cursor"]
            if cursor is None:
                return out

    def test_version2_fields(self):
        q = self.queue()
        self.put(q, "a", config={"priority": 5, "cost": 2.5, "batch_key": "gpu"})
        view = self.ok(self.c.get_task(q, "a"))
        self.assertEqual((view["priority"], view["batch_key"], view["cost"]), (5, "gpu", 2.5))
        listed = self.ok(self.c.list_tasks(q))[0]
        self.assertEqual((listed["priority"], listed["batch_key"], listed["cost"]), (5, "gpu", 2.5))

    def test_after_fail_last_error_attempt_and_visible_in(self):
        q = self.queue()
        self.put(q, "a", config={"retry_delay": 300})
        self.put(q, "b")
        self.ok(self.c.take(q, 60, size=2))
        self.ok(self.c.fail(q, "a", info={"why": "oom"}, content=b"trace"))
        self.ok(self.c.fail(q, "b"))
        view = self.ok(self.c.get_task(q, "a"))
        self.assertEqual(view["state"], "delayed")
        self.assertEqual(view["attempt"], 1)
        self.assertGreater(view["visible_in"], 200)  # 300 s less a jitter of at most 20%
        self.assertLessEqual(view["visible_in"], 300)
        self.assertEqual(view["last_error"], {"info": {"why": "oom"}, "content": b64(b"trace")})
        view = self.ok(self.c.get_task(q, "b"))
        self.assertEqual(view["state"], "pending")
        self.assertEqual(view["last_error"], {"info": None, "content": ""})
        self.assertEqual(self.states(q), [("b", "pending"), ("a", "delayed")])

    def test_after_release(self):
        q = self.queue()
        self.put(q, "a")
        self.put(q, "b")
        self.ok(self.c.take(q, 60, size=2))
        self.ok(self.c.release(q, "a"))
        self.ok(self.c.release(q, "b", delay=300))
        view = self.ok(self.c.get_task(q, "a"))
        self.assertEqual((view["state"], view["attempt"]), ("pending", 0))
        self.assertNotIn("last_error", view)
        view = self.ok(self.c.get_task(q, "b"))
        self.assertEqual(view["state"], "delayed")
        self.assertGreater(view["visible_in"], 0)
        self.assertLessEqual(view["visible_in"], 300)
        self.assertNotIn("lease_left", view)
        self.assertEqual(self.states(q), [("a", "pending"), ("b", "delayed")])

    def test_dead_lettered_copy_list_of_the_dead_letter_queue_and_redrive(self):
        q, dlq = self.queue(), self.queue("dlq")
        for i in ("a", "b"):
            self.put(q, i, info={"v": i}, config={"max_attempts": 1, "dead_letter_to": dlq})
        self.ok(self.c.take(q, 60, size=2))
        self.ok(self.c.fail(q, "a", info="bad", content=b"why"))
        self.ok(self.c.fail(q, "b"))
        self.wait_until(lambda: len(self.states(dlq)) == 2, what="the dead letters")
        self.assertEqual(self.states(q), [])
        view = self.ok(self.c.get_task(dlq, "a"))
        self.assertEqual((view["state"], view["source_queue"], view["attempt"]),
                         ("pending", q, 0))
        self.assertEqual(view["info"], {"v": "a"})
        self.assertEqual(view["last_error"], {"info": "bad", "content": b64(b"why")})
        listed = self.ok(self.c.list_tasks(dlq, state="pending"))
        self.assertEqual([(v["id"], v["source_queue"]) for v in listed], [("a", q), ("b", q)])
        self.ok(self.c.acquire(dlq, ["b"], 60))
        self.assertEqual(self.states(dlq), [("a", "pending"), ("b", "leased")])
        self.assertEqual(self.ok(self.c.post("/task/redrive", {"queue": dlq})), 1)
        self.assertEqual(self.states(dlq), [("b", "leased")])
        self.assertEqual(self.states(q), [("a", "pending")])
        view = self.ok(self.c.get_task(q, "a"))
        self.assertEqual((view["state"], view["attempt"]), ("pending", 0))
        self.assertNotIn("source_queue", view)
        self.assertIsNone(self.ok(self.c.get_task(dlq, "a")))

    def test_after_reply_batch(self):
        q = self.queue()
        self.ok(self.c.put_batch(q, [{"id": i} for i in ("a", "b", "c")]))
        self.put(q, "e", config={"cache_result_time": 0})
        self.ok(self.c.take(q, 60, size=4))
        done = self.ok(self.c.reply_batch(q, [("a", 1, b"ra"), ("c", 2, b""), ("a", 3, b""),
                                             ("e", 4, b"")]))
        self.assertEqual(done, [True, True, False, True])
        self.assertEqual(self.states(q), [("b", "leased"), ("a", "done"), ("c", "done")])
        view = self.ok(self.c.get_task(q, "a"))
        self.assertEqual((view["result_info"], unb64(view["result_content"])), (1, b"ra"))
        self.assertIsNone(self.ok(self.c.get_task(q, "e")))


if __name__ == "__main__":
    unittest.main()
