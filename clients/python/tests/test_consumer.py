"""TaskConsumer in this process: take and accept modes, batches, errors, leases, stop."""

import threading
import time
import unittest
from concurrent.futures import ThreadPoolExecutor
from typing import Any, List

from support import Server, unique, wait_until

from taskcenter import Task, TaskCenter, TaskConsumer

SERVER: Server


def setUpModule() -> None:
    global SERVER
    SERVER = Server().start()


def tearDownModule() -> None:
    SERVER.stop()


class Echo(TaskConsumer):
    def process(self, task: Task) -> Any:
        return {"echo": task.info, "by": self.name}, task.content

    name = "echo"


def call_many(tc: TaskCenter, queue: str, n: int, timeout: float = 15) -> List[Any]:
    """n concurrent calls; their results in order."""
    with ThreadPoolExecutor(max_workers=min(n, 16)) as pool:
        futures = [pool.submit(tc.call, queue, "t%d" % i, info={"n": i},
                               content=b"c%d" % i, timeout=timeout) for i in range(n)]
        return [f.result() for f in futures]


class ConsumerTest(unittest.TestCase):
    def setUp(self) -> None:
        self.tc = TaskCenter(SERVER.url)
        self.q = unique()
        self.consumers: List[TaskConsumer] = []

    def tearDown(self) -> None:
        for c in self.consumers:
            c.stop()
        for c in self.consumers:
            self.assertTrue(c.join(15), "consumer stopped")
        self.tc.close()

    def start(self, consumer: TaskConsumer) -> TaskConsumer:
        self.consumers.append(consumer)
        consumer.start()
        return consumer

    def test_echo_with_four_workers(self) -> None:
        echo = self.start(Echo(SERVER.url, workers=4, queue=self.q, poll_timeout=0.5))
        results = call_many(self.tc, self.q, 40)
        for i, r in enumerate(results):
            self.assertEqual((r.id, r.info["echo"], r.content), ("t%d" % i, {"n": i}, b"c%d" % i))
        self.assertTrue(wait_until(lambda: echo.processed == 40))

    def test_accept_filters_between_consumers(self) -> None:
        class Even(TaskConsumer):
            def accept(self, task: Task) -> bool:
                return task.info["n"] % 2 == 0

            def process(self, task: Task) -> Any:
                return {"by": "even"}

        class Odd(Even):
            def accept(self, task: Task) -> bool:
                return task.info["n"] % 2 == 1

            def process(self, task: Task) -> Any:
                return {"by": "odd"}

        self.start(Even(SERVER.url, workers=2, queue=self.q, poll_timeout=0.5))
        self.start(Odd(SERVER.url, workers=2, queue=self.q, poll_timeout=0.5))
        results = call_many(self.tc, self.q, 30)
        self.assertEqual([r.info["by"] for r in results], ["even", "odd"] * 15)

    def test_declined_tasks_stay_pending(self) -> None:
        class OnlyA(TaskConsumer):
            def accept(self, task: Task) -> bool:
                return task.info == "a"

            def process(self, task: Task) -> Any:
                return "done"

        consumer = self.start(OnlyA(SERVER.url, workers=3, queue=self.q, poll_timeout=0.3))
        self.tc.put(self.q, "b1", info="b")
        self.assertEqual(self.tc.call(self.q, "a1", info="a", timeout=10).info, "done")
        self.tc.put(self.q, "b2", info="b")
        self.assertEqual(self.tc.call(self.q, "a2", info="a", timeout=10).info, "done")
        self.assertTrue(wait_until(lambda: consumer.processed == 2))
        pending, _ = self.tc.peek(self.q, size=10)
        self.assertEqual([t.id for t in pending], ["b1", "b2"])

    def test_process_batch(self) -> None:
        sizes: List[int] = []

        class Gpu(TaskConsumer):
            batch_size = 8
            batch_window = 0.3

            def process_batch(self, tasks: List[Task]) -> List[Any]:
                sizes.append(len(tasks))
                return [({"n": t.info["n"] * 10}, t.content.upper()) for t in tasks]

        self.start(Gpu(SERVER.url, queue=self.q, poll_timeout=0.5))
        results = call_many(self.tc, self.q, 24)
        self.assertEqual([(r.info["n"], r.content) for r in results],
                         [(i * 10, b"C%d" % i) for i in range(24)])
        self.assertEqual(sum(sizes), 24)
        self.assertTrue(all(1 <= s <= 8 for s in sizes))
        self.assertGreater(max(sizes), 1, "concurrent calls were batched")

    def test_a_batch_is_answered_with_one_reply_batch(self) -> None:
        def requests(endpoint: str) -> int:
            needle = 'taskcenter_requests_total{endpoint="%s",err_code="0000"' % endpoint
            return sum(int(line.rsplit(" ", 1)[1]) for line in self.tc.metrics().splitlines()
                       if line.startswith(needle))

        class Gpu(TaskConsumer):
            batch_size = 8

            def process_batch(self, tasks: List[Task]) -> List[Any]:
                return [t.info["n"] for t in tasks]

        self.tc.put_batch(self.q, [("t%d" % i, {"n": i}) for i in range(8)])
        replies, batches = requests("reply"), requests("reply_batch")
        gpu = self.start(Gpu(SERVER.url, queue=self.q, poll_timeout=0.5))
        self.assertTrue(wait_until(lambda: gpu.processed == 8))
        self.assertEqual(requests("reply"), replies, "no reply one by one")
        self.assertEqual(requests("reply_batch"), batches + 1)
        self.assertEqual([self.tc.call(self.q, "t%d" % i, timeout=0).info for i in range(8)],
                         list(range(8)))

    def test_process_batch_with_accept(self) -> None:
        class Picky(TaskConsumer):
            batch_size = 4

            def accept(self, task: Task) -> bool:
                return task.info["n"] < 100

            def process_batch(self, tasks: List[Task]) -> List[Any]:
                return [t.info["n"] + 1 for t in tasks]

        self.start(Picky(SERVER.url, workers=2, queue=self.q, poll_timeout=0.3))
        self.tc.put(self.q, "big", info={"n": 1000})
        results = call_many(self.tc, self.q, 12)
        self.assertEqual([r.info for r in results], [i + 1 for i in range(12)])
        self.assertEqual([t.id for t in self.tc.peek(self.q, size=5)[0]], ["big"])

    def test_exception_lets_the_lease_expire_and_the_task_come_back(self) -> None:
        attempts: List[str] = []

        class Flaky(TaskConsumer):
            promise_reply_time = 0.5

            def process(self, task: Task) -> Any:
                attempts.append(task.id)
                if len(attempts) == 1:
                    raise RuntimeError("first attempt fails")
                return "second attempt"

        flaky = self.start(Flaky(SERVER.url, queue=self.q, poll_timeout=0.3))
        result = self.tc.call(self.q, "f", timeout=15)
        self.assertEqual(result.info, "second attempt")
        self.assertEqual(attempts, ["f", "f"])
        # The reply reached the caller just before the counter moved: wait for it.
        self.assertTrue(wait_until(lambda: (flaky.failed, flaky.processed) == (1, 1)))

    def test_reply_on_error(self) -> None:
        class Broken(TaskConsumer):
            reply_on_error = True

            def process(self, task: Task) -> Any:
                raise ValueError("cannot handle %s" % task.id)

        self.start(Broken(SERVER.url, queue=self.q, poll_timeout=0.3))
        result = self.tc.call(self.q, "e", timeout=10)
        self.assertEqual(result.info, {"error": "ValueError: cannot handle e"})

    def test_unserialisable_result_is_an_error_not_a_dead_worker(self) -> None:
        class Sloppy(TaskConsumer):
            reply_on_error = True

            def process(self, task: Task) -> Any:
                return {"when": object()} if task.id == "bad" else "fine"

        sloppy = self.start(Sloppy(SERVER.url, queue=self.q, poll_timeout=0.3))
        self.assertTrue(self.tc.call(self.q, "bad", timeout=10).info["error"].startswith("TypeError"))
        self.assertEqual(self.tc.call(self.q, "good", timeout=10).info, "fine", "the worker lives on")
        self.assertTrue(wait_until(lambda: sloppy.failed == 1))

    def test_heartbeat_keeps_the_lease_of_a_long_task(self) -> None:
        calls: List[str] = []

        class Slow(TaskConsumer):
            promise_reply_time = 1.0

            def process(self, task: Task) -> Any:
                calls.append(task.id)
                time.sleep(2.5)  # more than two leases: only heartbeats keep it
                return "slow"

        # Two workers: a redelivered task would be picked up by the idle one.
        self.start(Slow(SERVER.url, workers=2, queue=self.q, poll_timeout=0.3))
        self.assertEqual(self.tc.call(self.q, "long", timeout=15).info, "slow")
        self.assertEqual(calls, ["long"], "never redelivered while its consumer lived")

    def test_stop_finishes_held_tasks_and_takes_nothing_new(self) -> None:
        started, release = threading.Event(), threading.Event()

        class Blocking(TaskConsumer):
            def process(self, task: Task) -> Any:
                started.set()
                release.wait(10)
                return "finished"

        consumer = self.start(Blocking(SERVER.url, queue=self.q, poll_timeout=0.3))
        self.tc.put(self.q, "held")
        self.assertTrue(started.wait(10))
        consumer.stop()
        self.tc.put(self.q, "after-stop")
        release.set()
        self.assertTrue(consumer.join(10))
        self.assertEqual(self.tc.call(self.q, "held", timeout=0).info, "finished")
        self.assertEqual([t.id for t in self.tc.peek(self.q)[0]], ["after-stop"])

    def test_run_returns_after_stop(self) -> None:
        echo = Echo(SERVER.url, workers=2, queue=self.q, poll_timeout=0.3)
        timer = threading.Timer(0.5, lambda: self.tc.put(self.q, "x"))
        timer.start()
        stopper = threading.Thread(target=lambda: (wait_until(lambda: echo.processed == 1),
                                                   echo.stop()))
        stopper.start()
        echo.run()  # main thread: installs and restores the signal handlers
        timer.join()
        stopper.join()
        self.assertEqual(echo.processed, 1)

    def test_the_original_clients_shape_still_works(self) -> None:
        class Original(TaskConsumer):  # as the original client/example.py was written
            def accept(self, data: Any) -> bool:
                return data["info"]["ok"]

            def process(self, data: Any) -> Any:
                return {"msg": "ok", "id": data["id"]}, data["content"]

        consumer = Original(SERVER.url)
        consumer.queue_name = self.q
        consumer.poll_timeout = 0.3
        self.consumers.append(consumer)
        runner = threading.Thread(target=consumer.mainloop)  # not the main thread: no signals
        runner.start()
        result = self.tc.call(self.q, "o1", info={"ok": True}, content=b"c", timeout=10)
        self.assertEqual((result.info, result.content), ({"msg": "ok", "id": "o1"}, b"c"))
        consumer.stop()
        runner.join(10)

    def test_stop_before_run_is_not_lost(self) -> None:
        echo = Echo(SERVER.url, workers=2, queue=self.q, poll_timeout=0.3)
        echo.stop()  # e.g. SIGTERM arriving while the program was still starting
        echo.run()   # returns at once
        self.tc.put(self.q, "first")
        self.assertEqual(echo.processed, 0)
        self.assertEqual(self.tc.stat_queue(self.q)["length"], 1)
        # That run is over; the consumer can run again.
        self.start(echo)
        self.assertEqual(self.tc.call(self.q, "second", timeout=10).id, "second")
        self.assertTrue(wait_until(lambda: echo.processed == 2))

    def test_bad_configuration(self) -> None:
        self.assertRaises(ValueError, Echo(SERVER.url).start)  # no queue
        self.assertRaises(ValueError, Echo, SERVER.url, queue="q", promise_reply_time=0)
        self.assertRaises(TypeError, Echo, SERVER.url, queue="q", batchsize=3)

    # -- version 2: fail, release, lost leases ------------------------------------

    def test_an_exception_reports_fail_and_the_task_comes_back_at_once(self) -> None:
        attempts: List[int] = []

        class Flaky(TaskConsumer):
            promise_reply_time = 600  # far longer than the test: only fail brings it back

            def process(self, task: Task) -> Any:
                attempts.append(task.attempt)
                if len(attempts) == 1:
                    raise RuntimeError("first attempt fails")
                return "second attempt"

        self.start(Flaky(SERVER.url, queue=self.q, poll_timeout=0.3))
        self.assertEqual(self.tc.call(self.q, "f", timeout=15).info, "second attempt")
        self.assertEqual(attempts, [1, 2])
        self.assertEqual(self.tc.stat_queue(self.q)["total_failed"], 1)

    def test_stop_releases_the_tasks_held_but_not_started(self) -> None:
        started, go_on = threading.Event(), threading.Event()
        seen: List[str] = []

        class Blocking(TaskConsumer):
            batch_size = 3

            def process(self, task: Task) -> Any:
                seen.append(task.id)
                started.set()
                go_on.wait(10)
                return "finished"

        self.tc.put_batch(self.q, [{"id": i} for i in ("a", "b", "c")])
        consumer = self.start(Blocking(SERVER.url, queue=self.q, poll_timeout=0.3,
                                       promise_reply_time=600))
        self.assertTrue(started.wait(10))
        consumer.stop()
        go_on.set()
        self.assertTrue(consumer.join(10))
        self.assertEqual(seen, ["a"])
        self.assertEqual(self.tc.call(self.q, "a", timeout=0).info, "finished")
        stat = self.tc.stat_queue(self.q)
        self.assertEqual((stat["length"], stat["leased"], stat["total_released"]), (2, 0, 2))
        again = self.tc.take(self.q, size=2, timeout=0, promise_reply_time=30)
        self.assertEqual([(t.id, t.attempt) for t in again], [("b", 1), ("c", 1)])

    def test_a_task_whose_touch_answers_false_is_given_up(self) -> None:
        started, go_on = threading.Event(), threading.Event()

        class Slow(TaskConsumer):
            promise_reply_time = 0.6

            def process(self, task: Task) -> Any:
                started.set()
                go_on.wait(10)
                return "too late"

        consumer = self.start(Slow(SERVER.url, queue=self.q, poll_timeout=0.3))
        self.tc.put(self.q, "x")
        self.assertTrue(started.wait(10))
        self.assertTrue(self.tc.remove(self.q, "x"))  # the next touch answers false
        self.assertTrue(wait_until(lambda: consumer.lease_lost("x"), timeout=10))
        go_on.set()
        consumer.stop()
        self.assertTrue(consumer.join(10))
        self.assertFalse(consumer.lease_lost("x"), "forgotten once handled")
        self.assertEqual(consumer.processed, 0, "no reply sent for a lost lease")


    def test_progress_inside_process_reports_the_current_task(self) -> None:
        seen = []

        class Steps(TaskConsumer):
            def process(self, task: Task) -> Any:
                for step in range(3):
                    seen.append(self.progress({"step": step}, b"part%d" % step))
                return "done"

        self.start(Steps(SERVER.url, workers=2, queue=self.q, poll_timeout=0.3))
        self.tc.put(self.q, "a", cache_result_time=60)
        self.assertEqual(self.tc.call(self.q, "a", timeout=10).info, "done")
        self.assertEqual(seen, [True, True, True])
        self.assertEqual(self.tc.get(self.q, "a")["progress"], {"step": 2})

    def test_progress_answering_false_gives_the_task_up(self) -> None:
        answers, go_on = [], threading.Event()

        class Removed(TaskConsumer):
            def process(self, task: Task) -> Any:
                answers.append(self.progress("first"))
                go_on.wait(10)
                answers.append(self.progress("second"))
                return "too late"

        consumer = self.start(Removed(SERVER.url, queue=self.q, poll_timeout=0.3))
        self.tc.put(self.q, "x")
        self.assertTrue(wait_until(lambda: answers == [True], timeout=10))
        self.assertTrue(self.tc.remove(self.q, "x"))
        go_on.set()
        self.assertTrue(wait_until(lambda: len(answers) == 2, timeout=10))
        self.assertEqual(answers, [True, False])
        consumer.stop()
        self.assertTrue(consumer.join(10))
        self.assertEqual(consumer.processed, 0, "no reply sent for a lost lease")

    def test_progress_outside_process_needs_the_task(self) -> None:
        echo = Echo(SERVER.url, queue=self.q)
        try:
            with self.assertRaises(RuntimeError):
                echo.progress("nothing")
        finally:
            echo.client.close()


if __name__ == "__main__":
    unittest.main()
