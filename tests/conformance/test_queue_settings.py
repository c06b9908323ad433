"""config_queue: pause, max_leased and rate/burst, the waiting take that each of them holds
back, and the settings in stat_queue. With several instances (TC_INSTANCES / TC_BASE_URLS)
the steps of each test go to different instances: the limits and their wake-ups are shared."""

import threading
import time
import unittest

from base import Background, ConformanceTest


class QueueSettingsTest(ConformanceTest):
    def config(self, queue, instance=None, **settings):
        kw = {} if instance is None else {"instance": instance}
        return self.ok(self.c.post("/task/config_queue", dict(settings, queue=queue), **kw))

    def all_queues(self):
        names, cursor = [], None
        for _ in range(100000):
            resp = self.c.list_queue(cursor=cursor, size=1000)
            names.extend(self.ok(resp))
            cursor = resp.json["cursor"]
            if cursor is None:
                return names
        self.fail("list_queue never ended")

    def inst(self, i):
        """The i-th instance (mod their number): steps spread over every instance."""
        return i % len(self.c.base_urls)

    def test_settings_in_force_and_left_out_fields(self):
        q = self.queue()
        self.assertEqual(self.config(q, max_leased=4),
                         {"paused": False, "max_leased": 4, "rate": 0, "burst": 0})
        self.assertEqual(self.config(q, paused=True),
                         {"paused": True, "max_leased": 4, "rate": 0, "burst": 0})
        self.assertEqual(self.config(q, rate=0.5),
                         {"paused": True, "max_leased": 4, "rate": 0.5, "burst": 1})
        self.assertEqual(self.config(q, rate=20, burst=5)["burst"], 5)
        self.assertEqual(self.config(q, rate=20)["burst"], 20)
        self.assertEqual(self.config(q, rate=0, max_leased=0, paused=False),
                         {"paused": False, "max_leased": 0, "rate": 0, "burst": 0})
        # null fields keep their value, like absent ones
        self.config(q, max_leased=2)
        self.assertEqual(self.config(q, max_leased=None, paused=None, rate=None)["max_leased"], 2)

    def test_a_configured_queue_exists_and_goes_with_clear(self):
        q = self.queue()
        self.assertIsNone(self.ok(self.c.stat_queue(q)))
        self.config(q, max_leased=2)
        stat = self.stat(q)
        self.assertEqual(stat["length"], 0)
        self.assertEqual(stat["total_put"], 0)
        self.assertEqual(stat["settings"],
                         {"paused": False, "max_leased": 2, "rate": 0, "burst": 0})
        self.assertIn(q, self.all_queues())
        self.put(q, "a")
        for _ in range(1000):
            if self.ok(self.c.clear_queue(q)) is True:
                break
        self.assertIsNone(self.ok(self.c.stat_queue(q)))
        self.put(q, "b")
        self.assertEqual(self.stat(q)["settings"]["max_leased"], 0)

    def test_pause_stops_take_and_acquire_but_not_put_peek_call(self):
        q = self.queue()
        self.put(q, "a")
        self.config(q, paused=True, instance=self.inst(1))
        self.assertEqual(self.ok(self.c.take(q, 30, size=5)), [])
        self.assertEqual(self.ok(self.c.acquire(q, ["a"], 30)), [])
        self.put(q, "b")
        self.assertEqual(self.peek_ids(q), ["a", "b"])
        self.assertIsNone(self.ok(self.c.call(q, "a", 0)))
        self.assertEqual(self.stat(q)["leased"], 0)

    def test_resume_wakes_a_waiting_take_on_any_instance(self):
        q = self.queue()
        self.put(q, "a")
        self.config(q, paused=True)
        waiter = Background(self.c.take, q, 30, size=1, timeout=30, instance=self.inst(0))
        time.sleep(0.3)
        self.assertIsNone(waiter.finished_at, "a paused queue leases nothing")
        self.config(q, paused=False, instance=self.inst(1))
        self.assertEqual([t["id"] for t in self.ok(waiter.join())], ["a"])

    def test_a_reply_that_frees_room_wakes_a_take_waiting_on_max_leased(self):
        q = self.queue()
        self.config(q, max_leased=1)
        self.ok(self.c.put_batch(q, [{"id": "a"}, {"id": "b"}]))
        first = self.ok(self.c.take(q, 30, size=2))
        self.assertEqual(len(first), 1)
        waiter = Background(self.c.take, q, 30, size=2, timeout=30, instance=self.inst(0))
        time.sleep(0.3)
        self.assertIsNone(waiter.finished_at, "max_leased is reached")
        self.assertIs(self.ok(self.c.reply(q, first[0]["id"], instance=self.inst(2))), True)
        self.assertEqual(len(self.ok(waiter.join())), 1)
        self.assertEqual(self.stat(q)["leased"], 1)

    def test_a_delayed_release_or_a_fail_that_frees_room_wakes_a_waiting_take(self):
        # The task given back does not become pending at once (release delay, retry delay),
        # so only the freed room can wake the waiting take, which then leases another task.
        for step in ("release", "fail"):
            with self.subTest(step=step):
                q = self.queue()
                self.config(q, max_leased=1)
                cfg = {"retry_delay": 60}
                self.ok(self.c.put_batch(q, [{"id": "a", "config": cfg}, {"id": "b", "config": cfg}]))
                first = self.ok(self.c.take(q, 30, size=2))
                self.assertEqual(len(first), 1)
                waiter = Background(self.c.take, q, 30, size=2, timeout=30, instance=self.inst(0))
                time.sleep(0.3)
                self.assertIsNone(waiter.finished_at, "max_leased is reached")
                body = {"queue": q, "id": first[0]["id"]}
                if step == "release":
                    body["delay"] = 60
                self.assertIs(self.ok(self.c.post("/task/" + step, body, instance=self.inst(2))), True)
                self.assertEqual(len(self.ok(waiter.join())), 1)
                # Woken, not timed out: a take's last look at its timeout would lease b too.
                self.assertLess(waiter.finished_at - waiter.started_at, 30,
                                "the freed room did not wake the waiting take")
                self.assertEqual(self.stat(q)["leased"], 1)

    def test_a_take_waiting_on_the_bucket_wakes_at_the_next_token(self):
        q = self.queue()
        self.config(q, rate=4, burst=1)  # a token every 250 ms
        self.ok(self.c.put_batch(q, [{"id": f"t{i}"} for i in range(3)]))
        self.assertEqual(len(self.ok(self.c.take(q, 30, size=3))), 1)
        # Nothing announces a token: the waiting take looks again when it is due.
        got = self.ok(self.c.take(q, 30, size=3, timeout=20, instance=self.inst(1)))
        self.assertEqual(len(got), 1)

    def test_a_take_without_timeout_is_limited_by_the_bucket(self):
        q = self.queue()
        self.config(q, rate=0.001, burst=3)  # no token comes back during the test
        self.ok(self.c.put_batch(q, [{"id": f"t{i}"} for i in range(10)]))
        got = []
        for i in range(4):
            got += self.ok(self.c.take(q, 30, size=2, instance=self.inst(i)))
        self.assertEqual(len(got), 3, "one bucket for every instance")
        self.assertEqual(self.stat(q)["settings"]["rate"], 0.001)

    def test_max_leased_is_never_exceeded_by_racing_consumers(self):
        """8 consumers (spread over the instances) race take/reply; neither the consumers'
        own count of the leases they hold nor stat_queue's ever goes above max_leased."""
        q = self.queue()
        limit, total = 3, 240
        self.config(q, max_leased=limit)
        self.ok(self.c.put_batch(q, [{"id": f"t{i}"} for i in range(total)]))
        lock = threading.Lock()
        held = [0]
        worst = {"held": 0, "stat": 0}
        done = [0]
        stop = threading.Event()

        def consumer(n):
            while not stop.is_set():
                with lock:
                    if done[0] >= total:
                        return
                tasks = self.ok(self.c.take(q, 30, size=2, timeout=1, instance=self.inst(n)))
                with lock:
                    held[0] += len(tasks)
                    worst["held"] = max(worst["held"], held[0])
                for t in tasks:
                    with lock:
                        held[0] -= 1  # before the reply: the count never runs ahead of the store's
                    self.assertIs(self.ok(self.c.reply(q, t["id"], instance=self.inst(n + 1))), True)
                    with lock:
                        done[0] += 1

        def sampler():
            while not stop.is_set():
                leased = self.stat(q)["leased"]
                with lock:
                    worst["stat"] = max(worst["stat"], leased)

        workers = [Background(consumer, n) for n in range(8)]
        watch = Background(sampler)
        try:
            for w in workers:
                w.join(120)
        finally:
            stop.set()
            watch.join()
        self.assertEqual(done[0], total)
        self.assertLessEqual(worst["held"], limit, worst)
        self.assertLessEqual(worst["stat"], limit, worst)
        self.assertEqual(self.stat(q)["total_acquired"], total)


if __name__ == "__main__":
    unittest.main()
