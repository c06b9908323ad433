"""Task deadlines (config.deadline): a task still pending or delayed when its deadline
passes expires: it leaves the queue (into dead_letter_to when set), stat_queue's
total_expired grows, and a call waiting on it answers 0008 at once, on any instance
(with several instances the call waits on the first while the others' reapers and
requests see the deadline pass). A leased task is governed by its lease."""

import time
import unittest

from base import Background, ConformanceTest


class ExpiryTest(ConformanceTest):
    def last_instance(self):
        return len(self.c.base_urls) - 1

    def test_a_new_queue_counts_no_expiry(self):
        q = self.queue()
        self.put(q, "a", config={"deadline": 60})
        self.assertEqual(self.stat(q)["total_expired"], 0)
        self.assertEqual(self.peek_ids(q), ["a"])

    def test_a_pending_task_expires_at_its_deadline(self):
        q = self.queue()
        self.put(q, "a", config={"deadline": 0.2})
        self.put(q, "b")
        self.wait_until(lambda: self.stat(q)["total_expired"] == 1, what="the expiry")
        self.assertEqual(self.peek_ids(q), ["b"])
        stat = self.stat(q)
        self.assertEqual(stat["length"], 1)
        self.assertEqual(stat["total_dead"], 0)
        self.assertEqual(self.ok(self.c.take(q, 30, size=10))[0]["id"], "b")
        self.assertIs(self.ok(self.c.put(q, "a")), True, "the id is free again")

    def test_a_delayed_task_expires_before_it_is_visible(self):
        q = self.queue()
        self.ok(self.c.put(q, "a", config={"delay": 30, "deadline": 0.2}))
        self.wait_until(lambda: self.stat(q)["total_expired"] == 1, what="the expiry")
        self.assertEqual(self.stat(q)["delayed"], 0)

    def test_an_expired_task_goes_to_its_dead_letter_queue(self):
        q, dlq = self.queue(), self.queue("dlq")
        self.put(q, "a", info={"v": 1}, config={"deadline": 0.2, "dead_letter_to": dlq})
        got = self.wait_until(lambda: self.peek_all(dlq), what="the dead letter")
        self.assertEqual([(t["id"], t["info"]) for t in got], [("a", {"v": 1})])
        self.assertEqual(self.stat(q)["total_expired"], 1)
        self.assertEqual(self.ok(self.c.post("/task/redrive", {"queue": dlq})), 1)
        self.wait_until(lambda: self.peek_ids(q) == ["a"], what="the redriven task")

    def test_a_leased_task_is_governed_by_its_lease(self):
        q = self.queue()
        self.put(q, "a", config={"deadline": 0.2})
        self.assertEqual(len(self.ok(self.c.take(q, 30))), 1)
        time.sleep(0.5)
        self.assertEqual(self.stat(q)["total_expired"], 0)
        self.assertIs(self.ok(self.c.reply(q, "a")), True)

    def test_a_lease_running_out_after_the_deadline_expires_the_task(self):
        q = self.queue()
        self.put(q, "a", config={"deadline": 0.2})
        self.assertEqual(len(self.ok(self.c.take(q, 0.4))), 1)
        self.wait_until(lambda: self.stat(q)["total_expired"] == 1, what="the expiry")
        stat = self.stat(q)
        self.assertEqual(stat["total_redelivered"], 0)
        self.assertEqual(stat["leased"] + stat["length"], 0)

    def test_a_release_after_the_deadline_expires_the_task(self):
        q = self.queue()
        self.put(q, "a", config={"deadline": 0.2})
        self.assertEqual(len(self.ok(self.c.take(q, 30))), 1)
        time.sleep(0.4)
        self.assertIs(self.ok(self.c.post("/task/release", {"queue": q, "id": "a"})), True)
        stat = self.stat(q)
        self.assertEqual(stat["total_expired"], 1)
        self.assertEqual(stat["length"], 0)

    def test_a_waiting_call_answers_0008_when_its_task_expires(self):
        q = self.queue()
        call = Background(self.c.call, q, "c", 30, config={"deadline": 0.3}, instance=0)
        # Watched from the last instance (another one, when there are several).
        self.wait_until(lambda: self.stat_on(q, self.last_instance()).get("total_expired") == 1,
                        what="the expiry")
        resp = call.join()
        self.err(resp, "0008", 200)
        self.assertIn("deadline", resp.json["message"])

    def test_a_call_on_a_task_leased_before_its_deadline_waits_for_the_reply(self):
        q = self.queue()
        call = Background(self.c.call, q, "c", 30, config={"deadline": 0.3}, instance=0)
        got = self.wait_until(lambda: self.ok(self.c.take(q, 30, instance=self.last_instance())),
                              what="the call's task")
        self.assertEqual(got[0]["id"], "c")
        time.sleep(0.5)
        self.ok(self.c.reply(q, "c", info="late but leased", instance=self.last_instance()))
        self.assertEqual(self.ok(call.join())[0]["result_info"], "late but leased")

    def stat_on(self, q, instance):
        resp = self.c.stat_queue(q, instance=instance)
        return (resp.data or {}) if resp.err_code == "0000" else {}


if __name__ == "__main__":
    unittest.main()
