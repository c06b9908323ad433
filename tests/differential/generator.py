"""A seeded, bounded generator of API operation sequences for the differential test.

An operation is a plain dict (JSON-serialisable, so a sequence can be printed and shrunk):

  {"kind": "request", "path": "/task/put", "payload": {...}, "wait_after": 0}
  {"kind": "list_queue", "size": 2}                       every page, in order
  {"kind": "list_tasks", "queue", "size", "state"?}       every page, in order
  {"kind": "wait", "wait_after": 1.0}                     a pause on every deployment
  {"kind": "restart", "crash": bool}     every durable deployment's taskcenters restart
  {"kind": "call_reply" | "call_remove" | "call_acquire0", "queue", "id", "config", "info",
   "content", "reply_info"}
  {"kind": "take_put" | "peek_put", "queue", "wait_payload", "put_payload"}
  (requests include /task/fail and /task/release, appended last)

A peek's "cursor" may be {"$pick": r}: at run time it becomes one of the cursors the
deployment has returned so far (the same symbolic one on every deployment, see lockstep.py).

The timing rule (README.md): a time is either SHORT (0.1-0.3 s) or LONG (3600 s, longer
than any run). An operation that starts a SHORT timer carries "wait_after" >= 1 s, so the
timer has run out on every deployment before the next operation can observe it.
"""

import base64
import random

SHORT_TIMES = (0.1, 0.2, 0.3)
LONG = 3600
LONG_POLL = 10  # the timeout of the waiting side of a concurrent operation

QUEUE_SHAPES = ["jobs", "q", "}x", "{a}", "x}y", "队列-ü", "é" * 128, "n" * 256, "a b", "{}"]
ID_SHAPES = ["t1", "t2", "t3", "t4", "t5", "t6", "}i", "{i}", "i}j", "ид-☃", "x" * 256, "7"]
INFOS = [None, 0, 1.5, -7, "s", "ü☃\"\\", True, False, [], {}, {"a": [1, {"b": None}]},
         "x" * 40]


class Generator:
    def __init__(self, seed, skips=(), wait_seconds=1.0):
        self.rng = random.Random(seed)
        self.skips = set(skips)
        self.wait_seconds = wait_seconds
        shapes = [q for q in QUEUE_SHAPES
                  if not ("cluster-brace-name" in self.skips and q.startswith("}"))]
        self.queues = self.rng.sample(shapes, 4)
        self.ids = list(ID_SHAPES)
        self.short_cache_ids = set()  # ids ever put with a SHORT cache_result_time
        # Priorities come from a stream of their own, so adding them left every other
        # draw of a seed as it was.
        self.priority_rng = random.Random(seed * 7919 + 17)
        # Keyed takes (cost, batch_key, max_cost, group_by_key): a stream of their own too.
        self.keyed_rng = random.Random(seed * 104729 + 31)
        # Deadlines likewise, from a third stream.
        self.deadline_rng = random.Random(seed * 104729 + 29)

    # -- small draws -------------------------------------------------------------

    def queue(self):
        return self.rng.choice(self.queues)

    def id(self):
        return self.rng.choice(self.ids)

    def short(self):
        return self.rng.choice(SHORT_TIMES)

    def info(self):
        return self.rng.choice(INFOS)

    def content(self):
        size = self.rng.choice([0, 0, 1, 3, 8])
        return base64.b64encode(bytes(self.rng.randrange(256) for _ in range(size))).decode()

    def config(self, queue, task_id, allow_short=True):
        """A random config, or None; returns (config, starts_short_timer)."""
        rng = self.rng
        if rng.random() < 0.15:
            return None, False
        short_timer = False
        config = {}
        cache = rng.choice([0, 0, LONG, LONG, "short"] if allow_short else [0, LONG])
        if cache == "short":
            cache = self.short()
            self.short_cache_ids.add(task_id)
        config["cache_result_time"] = cache
        if rng.random() < 0.3:
            config["forward_result_to"] = self.queue()
        if rng.random() < 0.4:
            config["max_attempts"] = rng.choice([0, 1, 2])
        if rng.random() < 0.35:
            config["dead_letter_to"] = self.queue()
        if allow_short and rng.random() < 0.12:
            config["delay"] = self.short()
            short_timer = True
        elif rng.random() < 0.05:
            config["delay"] = LONG
        # A retry delay is LONG or absent: a SHORT one would make the next visibility of a
        # failed task depend on when the next operation runs.
        if rng.random() < 0.15:
            config["retry_delay"] = LONG
        # Known findings the caller asked to avoid (findings.py).
        if "deadletter-cache" in self.skips and config.get("dead_letter_to") is not None:
            config["cache_result_time"] = LONG
        if ("forward-self-cache0" in self.skips and config.get("forward_result_to") == queue
                and config["cache_result_time"] == 0):
            config["cache_result_time"] = LONG
        # A few levels, both signs, so take's priority order is exercised on every engine.
        if self.priority_rng.random() < 0.4:
            config["priority"] = self.priority_rng.choice([-1000, -2, -1, 1, 1, 2, 5, 1000])
        if self.keyed_rng.random() < 0.3:
            config["cost"] = self.keyed_rng.choice([0.5, 1, 2, 3.5, 10])
        if self.keyed_rng.random() < 0.35:
            config["batch_key"] = self.keyed_rng.choice(["ka", "kb", "{k}"])
        # A deadline is SHORT (the task expires, or is leased by then: the wait after the
        # operation settles which before anything else runs) or LONG.
        if self.deadline_rng.random() < 0.2:
            if allow_short and self.deadline_rng.random() < 0.6:
                config["deadline"] = self.deadline_rng.choice(SHORT_TIMES)
                short_timer = True
            else:
                config["deadline"] = LONG
        return config, short_timer

    def lease(self, allow_zero=True):
        """(promise_reply_time, starts_short_timer)."""
        choice = self.rng.choice(["long", "long", "short", "zero"] if allow_zero
                                 else ["long", "long", "short"])
        if choice == "short":
            return self.short(), True
        return (0 if choice == "zero" else LONG), False

    def waited(self, op, short_timer):
        op["wait_after"] = self.wait_seconds if short_timer else 0
        return op

    # -- operations --------------------------------------------------------------

    def op(self):
        kinds = [("put", 18), ("put_batch", 6), ("peek", 10), ("acquire", 8), ("take", 8),
                 ("reply", 10), ("touch", 4), ("remove", 4), ("clear_queue", 2),
                 ("stat_queue", 8), ("list_queue", 3), ("call0", 4), ("wait", 1),
                 ("concurrent", 3), ("restart", 1), ("reply_batch", 6), ("config_queue", 2), ("fail", 4),
                 ("release", 3), ("get", 6), ("list_tasks", 3), ("progress", 5),
                 ("watch", 3)]
        total = sum(w for _, w in kinds)
        pick = self.rng.uniform(0, total)
        for kind, weight in kinds:
            pick -= weight
            if pick <= 0:
                return getattr(self, "op_" + kind)()
        return self.op_stat_queue()

    def request(self, path, payload, short_timer=False):
        return self.waited({"kind": "request", "path": path, "payload": payload}, short_timer)

    def op_put(self):
        queue, task_id = self.queue(), self.id()
        config, short_timer = self.config(queue, task_id)
        payload = {"queue": queue, "id": task_id, "info": self.info(), "content": self.content()}
        if config is not None:
            payload["config"] = config
        return self.request("/task/put", payload, short_timer)

    def op_put_batch(self):
        queue = self.queue()
        tasks, short_timer = [], False
        for _ in range(self.rng.randint(1, 4)):
            task_id = self.id()
            # One SHORT delay per batch at most when same-instant orders are skipped.
            allow_short = not (short_timer and "same-instant-order" in self.skips)
            config, short = self.config(queue, task_id, allow_short=allow_short)
            short_timer |= short
            task = {"id": task_id, "info": self.info(), "content": self.content()}
            if config is not None:
                task["config"] = config
            tasks.append(task)
        return self.request("/task/put_batch", {"queue": queue, "tasks": tasks}, short_timer)

    def cursor(self):
        r = self.rng.random()
        if r < 0.35:
            return None
        if r < 0.4:
            return ""
        return {"$pick": round(self.rng.random(), 4)}

    def poll_timeout(self):
        """0, or a short long-poll: with nothing arriving (lockstep) it answers [] after it,
        and a queue with tasks answers at once, so no result depends on timing."""
        return self.rng.choice([0, 0, 0, 0.1])

    def op_peek(self):
        return self.request("/task/peek", {"queue": self.queue(), "cursor": self.cursor(),
                                           "size": self.rng.randint(1, 5),
                                           "timeout": self.poll_timeout()})

    def op_acquire(self):
        count = self.rng.randint(1, 4)
        ids = [self.id() for _ in range(count)]
        lease, short_timer = self.lease()
        if short_timer and "same-instant-order" in self.skips:
            ids = ids[:1]
        return self.request("/task/acquire", {"queue": self.queue(), "ids": ids,
                                              "promise_reply_time": lease}, short_timer)

    def op_take(self):
        lease, short_timer = self.lease()
        size = 1 if short_timer and "same-instant-order" in self.skips else self.rng.randint(1, 3)
        payload = {"queue": self.queue(), "size": size, "timeout": self.poll_timeout(),
                   "promise_reply_time": lease}
        krng = self.keyed_rng
        if krng.random() < 0.3:
            payload["max_cost"] = krng.choice([0.5, 1, 2.5, 4, 100])
        if krng.random() < 0.2:
            payload["batch_key"] = krng.choice(["ka", "kb", "{k}", "none"])
        if krng.random() < 0.25:
            payload["group_by_key"] = krng.random() < 0.8
        return self.request("/task/take", payload, short_timer)

    def op_reply(self):
        task_id = self.id()
        payload = {"queue": self.queue(), "id": task_id, "info": self.info(),
                   "content": self.content()}
        return self.request("/task/reply", payload, task_id in self.short_cache_ids)

    def op_reply_batch(self):
        # Ids drawn with repeats on purpose: a repeated id must answer false everywhere.
        ids = [self.id() for _ in range(self.rng.randint(1, 4))]
        replies = [{"id": task_id, "info": self.info(), "content": self.content()}
                   for task_id in ids]
        return self.request("/task/reply_batch", {"queue": self.queue(), "replies": replies},
                            any(task_id in self.short_cache_ids for task_id in ids))

    def op_touch(self):
        lease, short_timer = self.lease(allow_zero=self.rng.random() < 0.2)
        short_timer |= lease == 0  # a lease that ends now is redelivered by the next reap
        return self.request("/task/touch", {"queue": self.queue(), "id": self.id(),
                                            "promise_reply_time": lease}, short_timer)

    def op_remove(self):
        return self.request("/task/remove", {"queue": self.queue(), "id": self.id()})

    def op_clear_queue(self):
        payload = {"queue": self.queue()}
        if self.rng.random() < 0.5:
            # A bounded clear: "false" means "call again".
            payload.update(iter_num=1, step_size=self.rng.choice([1, 2]))
            # How many calls a bounded clear takes is the backend's business (the memory
            # store clears in one atomic step, Redis in bounded ones; docs/protocol.md):
            # compare only the end, calling again until it answers true.
            op = self.request("/task/clear_queue", payload)
            op["until_true"] = True
            return op
        return self.request("/task/clear_queue", payload)

    def op_stat_queue(self):
        return self.request("/task/stat_queue", {"queue": self.queue()})

    def op_list_queue(self):
        return {"kind": "list_queue", "size": self.rng.randint(1, 5), "wait_after": 0}

    def op_call0(self):
        return self.request("/task/call", {"queue": self.queue(), "id": self.id(),
                                           "info": self.info(), "timeout": 0})

    def op_wait(self):
        return {"kind": "wait", "wait_after": self.wait_seconds}

    def op_restart(self):
        return {"kind": "restart", "crash": self.rng.random() < 0.5, "wait_after": 0}

    def op_concurrent(self):
        kinds = ["call_reply", "call_remove", "take_put", "peek_put"]
        if "prt0-call" not in self.skips:
            kinds.append("call_acquire0")
        kind = self.rng.choice(kinds)
        queue, task_id = self.queue(), self.id()
        if kind.startswith("call_"):
            config, _ = self.config(queue, task_id, allow_short=False)
            if config is not None:
                config.pop("delay", None)  # a delayed task would not be there to reply to
            op = {"kind": kind, "queue": queue, "id": task_id, "config": config,
                  "info": self.info(), "content": self.content(),
                  "reply_info": self.info(), "wait_after": 0}
            if "stale-task-event" in self.skips:
                # Let the events of the id's earlier life arrive before the call begins.
                op["settle"] = self.wait_seconds
            if kind == "call_reply" and task_id in self.short_cache_ids:
                op["wait_after"] = self.wait_seconds
            return op
        config, _ = self.config(queue, task_id, allow_short=False)
        if config is not None:
            config.pop("delay", None)
        put = {"queue": queue, "id": task_id, "info": self.info(), "content": self.content()}
        if config is not None:
            put["config"] = config
        if kind == "take_put":
            waiting = {"queue": queue, "size": self.rng.randint(1, 3), "timeout": LONG_POLL,
                       "promise_reply_time": LONG}
        else:
            waiting = {"queue": queue, "cursor": self.cursor(), "size": self.rng.randint(1, 3),
                       "timeout": LONG_POLL}
        return {"kind": kind, "queue": queue, "wait_payload": waiting, "put_payload": put,
                "wait_after": 0}

    def op_config_queue(self):
        # Settings that every deployment applies alike whatever the timing: pause,
        # max_leased, and a bucket so slow (one token per 1000 s) that no token comes back
        # during a run, so only its burst counts.
        payload = {"queue": self.queue()}
        if self.rng.random() < 0.5:
            payload["paused"] = self.rng.random() < 0.3
        if self.rng.random() < 0.5:
            payload["max_leased"] = self.rng.randint(0, 3)
        if self.rng.random() < 0.3:
            payload["rate"] = self.rng.choice([0, 0.001])
            if payload["rate"] and self.rng.random() < 0.5:
                payload["burst"] = self.rng.randint(1, 3)
        return self.request("/task/config_queue", payload)

    def op_fail(self):
        payload = {"queue": self.queue(), "id": self.id()}
        if self.rng.random() < 0.7:
            payload["info"] = self.info()
            payload["content"] = self.content()
        return self.request("/task/fail", payload)

    def op_release(self):
        payload = {"queue": self.queue(), "id": self.id()}
        choice = self.rng.choice(["none", "zero", "short", "long"])
        if choice == "zero":
            payload["delay"] = 0
        elif choice == "short":
            payload["delay"] = self.short()
        elif choice == "long":
            payload["delay"] = LONG
        return self.request("/task/release", payload, choice == "short")

    def op_get(self):
        payload = {"queue": self.queue(), "id": self.id()}
        if self.rng.random() < 0.3:
            payload["with_content"] = True
        return self.request("/task/get", payload)

    def op_list_tasks(self):
        op = {"kind": "list_tasks", "queue": self.queue(), "size": self.rng.randint(1, 5),
              "wait_after": 0}
        if self.rng.random() < 0.5:
            op["state"] = self.rng.choice(["pending", "delayed", "leased", "done"])
        return op

    def op_progress(self):
        payload = {"queue": self.queue(), "id": self.id(), "info": self.info(),
                   "content": self.content()}
        short_timer = False
        if self.rng.random() < 0.3:
            lease, short_timer = self.lease(allow_zero=self.rng.random() < 0.2)
            short_timer |= lease == 0  # a lease that ends now is redelivered by the next reap
            payload["promise_reply_time"] = lease
        return self.request("/task/progress", payload, short_timer)

    def op_watch(self):
        # timeout 0: the kept events after `after`, then the result line (or 0001) at once,
        # so every deployment streams the same lines.
        return self.request("/task/watch", {"queue": self.queue(), "id": self.id(),
                                            "after": self.rng.randint(0, 3), "timeout": 0})

    def sequence(self, count):
        return [self.op() for _ in range(count)]


def generate(seed, count, skips=(), wait_seconds=1.0):
    """(universe queues, ops) for one seed."""
    gen = Generator(seed, skips, wait_seconds)
    return gen.queues, gen.sequence(count)
