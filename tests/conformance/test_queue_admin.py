"""remove, clear_queue, list_queue (paged) and stat_queue."""

import unittest

from base import ConformanceTest


class RemoveTest(ConformanceTest):
    def test_remove_pending(self):
        q = self.queue()
        self.put(q, "a")
        self.put(q, "b")
        self.assertIs(self.ok(self.c.remove(q, "a")), True)
        self.assertEqual(self.peek_ids(q), ["b"])
        self.assertIs(self.ok(self.c.remove(q, "a")), False)
        self.assertIs(self.ok(self.c.put(q, "a")), True, "the id is free again")

    def test_remove_leased(self):
        q = self.queue()
        self.put(q, "a")
        self.ok(self.c.acquire(q, ["a"], 30))
        self.assertIs(self.ok(self.c.remove(q, "a")), True)
        self.assertIs(self.ok(self.c.reply(q, "a")), False)
        self.assertIs(self.ok(self.c.touch(q, "a", 10)), False)

    def test_remove_done_forgets_the_result(self):
        q = self.queue()
        self.put(q, "a")
        self.ok(self.c.reply(q, "a", info="r"))
        self.assertIs(self.ok(self.c.remove(q, "a")), True)
        self.assertIsNone(self.ok(self.c.call(q, "a", 0)))
        self.assertIs(self.ok(self.c.put(q, "a")), True)

    def test_remove_delayed(self):
        q = self.queue()
        self.put(q, "a", config={"delay": 30})
        self.assertIs(self.ok(self.c.remove(q, "a")), True)
        self.assertIs(self.ok(self.c.put(q, "a")), True)
        self.assertEqual(self.peek_ids(q), ["a"])

    def test_remove_unknown(self):
        self.assertIs(self.ok(self.c.remove(self.queue(), "a")), False)


class ClearQueueTest(ConformanceTest):
    def clear(self, q):
        for _ in range(1000):
            if self.ok(self.c.clear_queue(q)) is True:
                return
        self.fail("clear_queue never finished")

    def test_clear_removes_every_task_and_the_queue(self):
        q = self.queue()
        other = self.queue()
        self.ok(self.c.put_batch(q, [{"id": f"t{i}"} for i in range(50)]))
        self.ok(self.c.acquire(q, ["t1", "t2"], 30))
        self.ok(self.c.reply(q, "t3"))
        self.put(q, "d", config={"delay": 30})
        self.put(other, "keep")
        self.clear(q)
        self.assertIsNone(self.ok(self.c.stat_queue(q)))
        self.assertEqual(self.peek_all(q), [])
        self.assertNotIn(q, self.all_queues())
        self.assertIs(self.ok(self.c.reply(q, "t1")), False)
        self.assertIsNone(self.ok(self.c.call(q, "t3", 0)))
        self.assertEqual(self.peek_ids(other), ["keep"])
        # The queue can be used again.
        self.assertIs(self.ok(self.c.put(q, "t1")), True)
        self.assertEqual(self.peek_ids(q), ["t1"])

    def test_clear_unknown_queue_is_true(self):
        self.assertIs(self.ok(self.c.clear_queue(self.queue())), True)

    def test_clear_in_small_steps(self):
        q = self.queue()
        self.ok(self.c.put_batch(q, [{"id": f"t{i}"} for i in range(30)]))
        for _ in range(1000):
            done = self.ok(self.c.post("/task/clear_queue",
                                       {"queue": q, "iter_num": 1, "step_size": 5}))
            if done is True:
                break
            self.assertIs(done, False)
        else:
            self.fail("clear_queue never finished")
        self.assertIsNone(self.ok(self.c.stat_queue(q)))

    def all_queues(self):
        names, cursor = [], None
        for _ in range(100000):
            resp = self.c.list_queue(cursor=cursor, size=1000)
            names.extend(self.ok(resp))
            cursor = resp.json["cursor"]
            if cursor is None:
                return names
        self.fail("list_queue never ended")


class ListQueueTest(ConformanceTest):
    def test_paging_returns_every_queue_once(self):
        prefix = self.queue("lq")
        mine = sorted(f"{prefix}-{i}" for i in range(7))
        for q in mine:
            self.put(q, "a")
        seen, cursor, pages = [], None, 0
        while True:
            resp = self.c.list_queue(cursor=cursor, size=3)
            page = self.ok(resp)
            self.assertIsInstance(page, list)
            self.assertLessEqual(len(page), 3)
            seen.extend(page)
            cursor = resp.json["cursor"]
            pages += 1
            if cursor is None:
                break
            self.assertLess(pages, 100000)
        self.assertEqual(sorted(q for q in seen if q.startswith(prefix)), mine)
        self.assertEqual(len([q for q in seen if q.startswith(prefix)]), len(mine))

    def test_cursor_survives_removal_of_its_queue(self):
        prefix = self.queue("lqgone")
        mine = [f"{prefix}-{i}" for i in range(4)]
        for q in mine:
            self.put(q, "a")
        seen, cursor = [], None
        while True:  # page one by one until a page ends on one of ours
            resp = self.c.list_queue(cursor=cursor, size=1)
            page = self.ok(resp)
            seen.extend(page)
            cursor = resp.json["cursor"]
            if page and page[-1] in mine:
                break
            self.assertIsNotNone(cursor, "our queues were never listed")
        gone = page[-1]
        for _ in range(100):
            if self.ok(self.c.clear_queue(gone)) is True:
                break
        while cursor is not None:
            resp = self.c.list_queue(cursor=cursor, size=1000)
            seen.extend(self.ok(resp))
            cursor = resp.json["cursor"]
        for q in mine:
            if q != gone:
                self.assertIn(q, seen)

    def test_default_size(self):
        q = self.queue()
        self.put(q, "a")
        resp = self.c.post("/task/list_queue", {})
        self.assertIsInstance(self.ok(resp), list)
        self.assertIn("cursor", resp.json)


class StatQueueTest(ConformanceTest):
    def test_unknown_queue_is_null(self):
        self.assertIsNone(self.ok(self.c.stat_queue(self.queue())))

    def test_fields_follow_the_queue(self):
        q = self.queue()
        for i in "abcd":
            self.put(q, i)
        cursors = [t["cursor"] for t in self.peek_all(q)]
        stat = self.stat(q)
        self.assertEqual(stat["length"], 4)
        self.assertEqual(stat["oldest_cursor"], cursors[0])
        self.assertEqual(stat["newest_cursor"], cursors[-1])

        self.ok(self.c.acquire(q, ["a"], 30))
        self.ok(self.c.acquire(q, ["b"], 30))
        self.ok(self.c.reply(q, "b"))
        stat = self.stat(q)
        self.assertEqual(stat["length"], 2)
        self.assertEqual(stat["oldest_cursor"], cursors[2])
        self.assertEqual(stat["newest_cursor"], cursors[3])
        self.assertEqual(stat["leased"], 1)
        self.assertEqual(stat["done"], 1)
        self.assertEqual(stat["total_put"], 4)
        self.assertEqual(stat["total_acquired"], 2)
        self.assertEqual(stat["total_replied"], 1)

    def test_empty_queue_still_exists(self):
        q = self.queue()
        self.put(q, "a")
        self.ok(self.c.acquire(q, ["a"], 0))
        stat = self.stat(q)
        self.assertIsNotNone(stat)
        self.assertEqual(stat["length"], 0)
        self.assertIn("oldest_cursor", stat)
        self.assertIn("newest_cursor", stat)
        self.assertIsNone(stat["oldest_cursor"])


if __name__ == "__main__":
    unittest.main()
