"""/task/progress: a consumer holding the lease reports progress; get shows the latest
event's info. On every backend, and across instances (progress on one instance, get on
another) when the suite talks to several."""

import unittest

from base import ConformanceTest


class ProgressTest(ConformanceTest):
    def test_only_a_leased_task_takes_progress(self):
        q = self.queue()
        self.assertIs(self.ok(self.c.progress(q, "nobody", info=1)), False)
        self.put(q, "a")
        self.assertIs(self.ok(self.c.progress(q, "a", info=1)), False)  # pending
        self.assertNotIn("progress", self.ok(self.c.get_task(q, "a")))
        self.ok(self.c.acquire(q, ["a"], 600))
        self.assertIs(self.ok(self.c.progress(q, "a", info={"step": 1}, content=b"tok")), True)
        self.assertEqual(self.ok(self.c.get_task(q, "a"))["progress"], {"step": 1})
        self.assertIs(self.ok(self.c.progress(q, "a", info="two")), True)
        self.assertEqual(self.ok(self.c.get_task(q, "a"))["progress"], "two")
        # Without info, the event's info is null: get shows null.
        self.assertIs(self.ok(self.c.progress(q, "a", content=b"only bytes")), True)
        view = self.ok(self.c.get_task(q, "a"))
        self.assertIn("progress", view)
        self.assertIsNone(view["progress"])

    def test_a_done_task_keeps_its_progress_and_takes_no_more(self):
        q = self.queue()
        self.put(q, "a", config={"cache_result_time": 60})
        self.ok(self.c.take(q, 600))
        self.assertIs(self.ok(self.c.progress(q, "a", info=[1, 2])), True)
        self.assertIs(self.ok(self.c.reply(q, "a", info="done")), True)
        self.assertIs(self.ok(self.c.progress(q, "a", info=3)), False)
        view = self.ok(self.c.get_task(q, "a"))
        self.assertEqual(view["state"], "done")
        self.assertEqual(view["progress"], [1, 2])

    def test_removed_task_takes_no_progress(self):
        q = self.queue()
        self.put(q, "a")
        self.ok(self.c.take(q, 600))
        self.ok(self.c.progress(q, "a", info=1))
        self.assertIs(self.ok(self.c.remove(q, "a")), True)
        self.assertIs(self.ok(self.c.progress(q, "a", info=2)), False)
        # A new task of the id starts without the old one's events.
        self.put(q, "a")
        self.assertNotIn("progress", self.ok(self.c.get_task(q, "a")))

    def test_promise_reply_time_extends_the_lease(self):
        q = self.queue()
        self.put(q, "a")
        self.ok(self.c.acquire(q, ["a"], 5))
        self.assertIs(self.ok(self.c.progress(q, "a", info=1, promise_reply_time=600)), True)
        self.assertGreater(self.ok(self.c.get_task(q, "a"))["lease_left"], 500)
        # Without it the lease stays as it is.
        self.assertIs(self.ok(self.c.progress(q, "a", info=2)), True)
        self.assertGreater(self.ok(self.c.get_task(q, "a"))["lease_left"], 500)

    def test_an_expired_lease_takes_no_progress(self):
        q = self.queue()
        self.put(q, "a")
        self.ok(self.c.acquire(q, ["a"], 0.2))
        self.wait_until(lambda: self.ok(self.c.get_task(q, "a"))["state"] == "pending",
                        what="the lease ran out")
        self.assertIs(self.ok(self.c.progress(q, "a", info=1)), False)
        self.assertNotIn("progress", self.ok(self.c.get_task(q, "a")))

    def test_events_survive_a_redelivery(self):
        q = self.queue()
        self.put(q, "a")
        self.ok(self.c.take(q, 600))
        self.ok(self.c.progress(q, "a", info="first attempt"))
        self.assertIs(self.ok(self.c.release(q, "a")), True)
        view = self.ok(self.c.get_task(q, "a"))
        self.assertEqual((view["state"], view["progress"]), ("pending", "first attempt"))

    def test_list_tasks_shows_progress_as_get(self):
        q = self.queue()
        self.put(q, "a")
        self.put(q, "b")
        self.ok(self.c.acquire(q, ["a", "b"], 600))
        self.ok(self.c.progress(q, "a", info={"pct": 50}))
        rows = {row["id"]: row for row in self.ok(self.c.list_tasks(q))}
        self.assertEqual(rows["a"]["progress"], {"pct": 50})
        self.assertNotIn("progress", rows["b"])


class ProgressAcrossInstancesTest(ConformanceTest):
    def setUp(self):
        self.n = len(self.c.base_urls)
        if self.n < 2:
            self.skipTest("needs two or more instances")

    def test_progress_on_one_instance_get_on_another(self):
        q = self.queue()
        self.put(q, "a", instance=0)
        self.ok(self.c.acquire(q, ["a"], 600, instance=1))
        self.assertIs(self.ok(self.c.progress(q, "a", info={"step": 7}, instance=1)), True)
        for i in range(self.n):
            self.assertEqual(self.ok(self.c.get_task(q, "a", instance=i))["progress"],
                             {"step": 7})
        self.assertIs(self.ok(self.c.reply(q, "a", info="done", instance=self.n - 1)), True)
        self.assertIs(self.ok(self.c.progress(q, "a", info=8, instance=0)), False)


if __name__ == "__main__":
    unittest.main()
