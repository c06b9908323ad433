"""Races: 8 consumers acquiring 2,000 tasks, many puts of one id, many acquires of
one id, many replies to one id. Each must have exactly one winner."""

import collections
import threading
import unittest

from base import Background, ConformanceTest


class RaceTest(ConformanceTest):
    def test_eight_consumers_acquire_two_thousand_tasks_exactly_once(self):
        q = self.queue("race")
        total, consumers = 2000, 8
        ids = [f"task-{i:05d}" for i in range(total)]
        for start in range(0, total, 500):
            chunk = ids[start:start + 500]
            created = self.ok(self.c.put_batch(q, [{"id": i, "info": {"n": i}} for i in chunk]))
            self.assertEqual(created, [True] * len(chunk))
        self.assertEqual(self.stat(q)["length"], total)

        barrier = threading.Barrier(consumers)

        def consumer():
            mine, cursor = [], None
            barrier.wait()
            while True:
                resp = self.c.peek(q, cursor=cursor, size=50)
                batch = self.ok(resp)
                if not batch:
                    return mine
                cursor = resp.json["cursor"]
                got = self.ok(self.c.acquire(q, [t["id"] for t in batch], 60))
                for t in got:
                    self.assertEqual(t["info"], {"n": t["id"]})
                mine.extend(t["id"] for t in got)
                for t in got:
                    self.assertIs(self.ok(self.c.reply(q, t["id"], info="ok")), True)

        workers = [Background(consumer) for _ in range(consumers)]
        results = [w.join(120) for w in workers]
        acquired = [i for r in results for i in r]
        dupes = [i for i, n in collections.Counter(acquired).items() if n > 1]
        self.assertEqual(dupes, [], "no task acquired twice")
        self.assertEqual(sorted(acquired), ids, "every task acquired")
        stat = self.stat(q)
        self.assertEqual(stat["length"], 0)
        self.assertEqual(stat.get("leased", 0), 0)
        if "total_acquired" in stat:
            self.assertEqual(stat["total_acquired"], total)
            self.assertEqual(stat["total_replied"], total)

    def test_concurrent_puts_of_one_id_create_one_task(self):
        q = self.queue()
        n = 16
        barrier = threading.Barrier(n)

        def put():
            barrier.wait()
            return self.ok(self.c.put(q, "same", info="x"))

        results = [w.join() for w in [Background(put) for _ in range(n)]]
        self.assertEqual(sorted(results), [False] * (n - 1) + [True])
        self.assertEqual(self.peek_ids(q), ["same"])

    def test_concurrent_acquires_of_one_id_have_one_winner(self):
        q = self.queue()
        self.ok(self.c.put_batch(q, [{"id": f"t{i}"} for i in range(20)]))
        n = 12
        barrier = threading.Barrier(n)
        wanted = [f"t{i}" for i in range(20)]

        def acquire():
            barrier.wait()
            return [t["id"] for t in self.ok(self.c.acquire(q, wanted, 60))]

        results = [w.join() for w in [Background(acquire) for _ in range(n)]]
        acquired = [i for r in results for i in r]
        self.assertEqual(sorted(acquired), sorted(wanted))

    def test_concurrent_replies_have_one_winner(self):
        q = self.queue()
        self.put(q, "a")
        self.ok(self.c.acquire(q, ["a"], 60))
        n = 12
        barrier = threading.Barrier(n)

        def reply(k):
            barrier.wait()
            return self.ok(self.c.reply(q, "a", info=k))

        results = [w.join() for w in [Background(reply, k) for k in range(n)]]
        self.assertEqual(results.count(True), 1)
        winner = results.index(True)
        self.assertEqual(self.ok(self.c.call(q, "a", 0))[0]["result_info"], winner)

    def test_concurrent_takes_split_the_queue(self):
        q = self.queue()
        total = 300
        self.ok(self.c.put_batch(q, [{"id": f"t{i}"} for i in range(total)]))
        n = 6

        def taker():
            mine = []
            while True:
                got = self.ok(self.c.take(q, 60, size=7))
                if not got:
                    return mine
                mine.extend(t["id"] for t in got)

        results = [w.join(120) for w in [Background(taker) for _ in range(n)]]
        acquired = [i for r in results for i in r]
        self.assertEqual(len(acquired), len(set(acquired)))
        self.assertEqual(sorted(acquired), sorted(f"t{i}" for i in range(total)))


if __name__ == "__main__":
    unittest.main()
