"""fail and release: the attempt's error kept, redelivery, dead letters when out of
attempts, release without counting the attempt, release with a delay, wake-ups."""

import time
import unittest

from base import Background, ConformanceTest, unb64


class FailTest(ConformanceTest):
    def test_fail_redelivers_the_task_as_the_next_attempt(self):
        q = self.queue()
        self.put(q, "a", info={"v": 1}, content=b"payload")
        self.assertEqual(len(self.ok(self.c.take(q, 30))), 1)
        self.assertIs(self.ok(self.c.fail(q, "a", info={"why": "oom"}, content=b"trace")), True)
        again = self.ok(self.c.take(q, 30))
        self.assertEqual([t["id"] for t in again], ["a"])
        self.assertEqual(again[0]["attempt"], 2)
        self.assertEqual(again[0]["info"], {"v": 1}, "the error does not replace the task")
        self.assertEqual(unb64(again[0]["content"]), b"payload")
        stat = self.stat(q)
        self.assertEqual(stat["total_failed"], 1)
        self.assertEqual(stat["total_redelivered"], 1)
        self.assertEqual(stat["total_released"], 0)

    def test_fail_answers_false_unless_the_task_is_leased(self):
        q = self.queue()
        self.assertIs(self.ok(self.c.fail(q, "a")), False, "no such queue")
        self.put(q, "a")
        self.assertIs(self.ok(self.c.fail(q, "a")), False, "pending")
        self.assertIs(self.ok(self.c.fail(q, "missing")), False)
        self.ok(self.c.take(q, 30))
        self.ok(self.c.reply(q, "a"))
        self.assertIs(self.ok(self.c.fail(q, "a")), False, "done")
        self.assertEqual(self.stat(q)["total_failed"], 0)

    def test_fail_on_the_last_attempt_dead_letters(self):
        q, dlq = self.queue(), self.queue("dlq")
        self.put(q, "a", info={"v": 2}, config={"max_attempts": 1, "dead_letter_to": dlq})
        self.ok(self.c.take(q, 30))
        self.assertIs(self.ok(self.c.fail(q, "a", info="bad")), True)
        self.assertEqual(self.peek_ids(q), [])
        self.assertEqual(self.stat(q)["total_dead"], 1)
        got = self.wait_until(lambda: self.peek_all(dlq), what="the dead letter")
        self.assertEqual([(t["id"], t["info"]) for t in got], [("a", {"v": 2})])

    def test_fail_on_the_last_attempt_drops_without_dead_letter_queue(self):
        q = self.queue()
        self.put(q, "a", config={"max_attempts": 1})
        self.ok(self.c.take(q, 30))
        self.assertIs(self.ok(self.c.fail(q, "a")), True)
        self.assertEqual(self.peek_ids(q), [])
        self.assertIs(self.ok(self.c.put(q, "a")), True, "the id is free again")

    def test_a_waiting_take_gets_the_failed_task(self):
        q = self.queue()
        self.put(q, "a")
        self.ok(self.c.take(q, 30))
        waiting = Background(self.c.take, q, 30, timeout=20)
        # A hint, not a condition: stat_queue.waiting counts one instance's waiters only.
        deadline = time.monotonic() + 3
        while self.stat(q).get("waiting", 0) < 1 and time.monotonic() < deadline:
            time.sleep(0.05)
        self.assertIs(self.ok(self.c.fail(q, "a")), True)
        got = self.ok(waiting.join())
        self.assertEqual([(t["id"], t["attempt"]) for t in got], [("a", 2)])

    def test_a_call_waiting_on_a_dropped_task_learns_it_was_removed(self):
        q = self.queue()
        call = Background(self.c.call, q, "c", 20, config={"max_attempts": 1})
        self.wait_until(lambda: self.peek_ids(q) == ["c"], what="the call's put")
        self.ok(self.c.take(q, 30))
        self.assertIs(self.ok(self.c.fail(q, "c")), True)
        self.err(call.join(), "0006", 200)


class ReleaseTest(ConformanceTest):
    def test_release_does_not_count_the_attempt(self):
        q = self.queue()
        self.put(q, "a", config={"max_attempts": 1})
        self.ok(self.c.take(q, 30))
        self.assertIs(self.ok(self.c.release(q, "a")), True)
        self.assertIs(self.ok(self.c.release(q, "a")), False, "pending now")
        again = self.ok(self.c.take(q, 30))
        self.assertEqual([(t["id"], t["attempt"]) for t in again], [("a", 1)])
        self.assertIs(self.ok(self.c.release(q, "a", delay=0)), True)
        stat = self.stat(q)
        self.assertEqual(stat["total_released"], 2)
        self.assertEqual(stat["total_dead"], 0)
        self.assertEqual(stat["length"], 1)

    def test_release_with_a_delay_hides_the_task_until_it_runs_out(self):
        q = self.queue()
        self.put(q, "a")
        self.put(q, "b")
        self.ok(self.c.acquire(q, ["a"], 30))
        self.assertIs(self.ok(self.c.release(q, "a", delay=0.3)), True)
        self.assertEqual(self.stat(q)["delayed"], 1)
        self.assertNotIn("a", self.peek_ids(q))
        self.wait_until(lambda: self.peek_ids(q) == ["b", "a"], what="a visible again")

    def test_release_of_what_is_not_leased_is_false(self):
        q = self.queue()
        self.assertIs(self.ok(self.c.release(q, "a")), False)
        self.put(q, "a")
        self.assertIs(self.ok(self.c.release(q, "a", delay=5)), False)
        self.assertEqual(self.peek_ids(q), ["a"])
        self.assertEqual(self.stat(q)["total_released"], 0)



class RedriveTest(ConformanceTest):
    def dead_letter(self, q, dlq, ids):
        for i in ids:
            self.put(q, i, info={"i": i}, content=i.encode(),
                     config={"max_attempts": 1, "dead_letter_to": dlq})
        self.ok(self.c.acquire(q, list(ids), 30))
        for i in ids:
            self.assertIs(self.ok(self.c.fail(q, i, info="boom")), True)
        self.wait_until(lambda: len(self.peek_ids(dlq)) == len(ids), what="the dead letters")

    def test_redrive_moves_dead_letters_back_as_new_tasks(self):
        q, dlq = self.queue(), self.queue("dlq")
        self.dead_letter(q, dlq, ["a", "b"])
        self.put(dlq, "plain")  # not a dead letter: stays
        self.assertEqual(self.ok(self.c.post("/task/redrive", {"queue": dlq})), 2)
        self.assertEqual(self.peek_ids(dlq), ["plain"])
        got = self.ok(self.c.take(q, 30, size=2))
        self.assertEqual([(t["id"], t["attempt"], t["info"], unb64(t["content"])) for t in got],
                         [("a", 1, {"i": "a"}, b"a"), ("b", 1, {"i": "b"}, b"b")])
        self.assertEqual(self.ok(self.c.post("/task/redrive", {"queue": dlq})), 0)

    def test_redrive_by_ids_leaves_an_id_taken_in_the_source(self):
        q, dlq = self.queue(), self.queue("dlq")
        self.dead_letter(q, dlq, ["a", "b", "c"])
        self.put(q, "a")
        moved = self.ok(self.c.post("/task/redrive", {"queue": dlq, "ids": ["a", "b", "zz"]}))
        self.assertEqual(moved, 1)
        self.assertEqual(self.peek_ids(dlq), ["a", "c"])
        self.assertEqual(self.peek_ids(q), ["a", "b"])
        self.assertEqual(self.ok(self.c.post("/task/redrive", {"queue": dlq, "size": 1})), 0,
                         "the oldest one is a, still taken in the source")
        self.assertEqual(self.ok(self.c.post("/task/redrive", {"queue": dlq, "size": 2})), 1)
        self.assertEqual(self.peek_ids(dlq), ["a"])

    def test_redrive_of_an_unknown_queue_moves_nothing(self):
        self.assertEqual(self.ok(self.c.post("/task/redrive", {"queue": self.queue()})), 0)


if __name__ == "__main__":
    unittest.main()
