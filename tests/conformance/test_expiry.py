"""Task deadlines (config.deadline): a task still pending or delayed when its deadline
passes expires: it leaves the queue (into dead_letter_to when set), stat_queue's
total_expired grows, and a call waiting on it answers 0008 at once, on any instance
(with several instances the call waits on the first while the others' reapers and
requests see the deadline pass). A leased task is governed by its lease."""

import time
import unittest

from base import Background, ConformanceTest


# Deadlines (s) tried in turn by the tests that must lease a task before its deadline: on a
# slow machine the take may come after a short one, and the next, longer one is tried.
DEADLINES = (0.3, 1, 3, 10)


class ExpiryTest(ConformanceTest):
    def last_instance(self):
        return len(self.c.base_urls) - 1

    def leased_before_deadline(self, q, lease=30):
        """Puts a task with a deadline and takes it before that passes; returns (id, deadline)."""
        for deadline in DEADLINES:
            tid = f"a{deadline}"
            self.put(q, tid, config={"deadline": deadline})
            got = self.ok(self.c.take(q, lease if lease else 2 * deadline))
            if got:
                self.assertEqual(got[0]["id"], tid)
                return tid, deadline
        self.fail("no take came before the task's deadline")

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
        tid, deadline = self.leased_before_deadline(q)
        expired_before = self.stat(q)["total_expired"]  # the tries that came too late
        time.sleep(deadline + 0.3)
        self.assertEqual(self.stat(q)["total_expired"], expired_before)
        self.assertIs(self.ok(self.c.reply(q, tid)), True)

    def test_a_lease_running_out_after_the_deadline_expires_the_task(self):
        q = self.queue()
        _, deadline = self.leased_before_deadline(q, lease=0)  # a lease of twice the deadline
        tries = DEADLINES.index(deadline) + 1
        self.wait_until(lambda: self.stat(q)["total_expired"] == tries, timeout=30,
                        what="the expiry")
        stat = self.stat(q)
        self.assertEqual(stat["total_redelivered"], 0)
        self.assertEqual(stat["leased"] + stat["length"], 0)

    def test_a_release_after_the_deadline_expires_the_task(self):
        q = self.queue()
        tid, deadline = self.leased_before_deadline(q)
        tries = DEADLINES.index(deadline) + 1
        time.sleep(deadline + 0.2)
        self.assertIs(self.ok(self.c.post("/task/release", {"queue": q, "id": tid})), True)
        stat = self.stat(q)
        self.assertEqual(stat["total_expired"], tries)
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
        for deadline in DEADLINES:
            tid = f"c{deadline}"
            call = Background(self.c.call, q, tid, 30, config={"deadline": deadline},
                              instance=0)
            got = self.ok(self.c.take(q, 30, timeout=deadline, instance=self.last_instance()))
            if got:
                break
            self.err(call.join(), "0008", 200)  # leased too late: the next deadline is tried
        else:
            self.fail("no take came before the call's deadline")
        self.assertEqual(got[0]["id"], tid)
        time.sleep(deadline + 0.2)
        self.ok(self.c.reply(q, tid, info="late but leased", instance=self.last_instance()))
        self.assertEqual(self.ok(call.join())[0]["result_info"], "late but leased")

    def stat_on(self, q, instance):
        resp = self.c.stat_queue(q, instance=instance)
        return (resp.data or {}) if resp.err_code == "0000" else {}


if __name__ == "__main__":
    unittest.main()
