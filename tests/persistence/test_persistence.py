"""The embedded store keeps what it acknowledged, seen through the real server.

Starts build/taskcenter (TC_BINARY) on a temporary --data-dir, drives it over HTTP,
stops it (SIGTERM, or kill -9 mid-traffic) and starts it again on the same directory.
"""
import base64
import json
import os
import random
import signal
import socket
import subprocess
import tempfile
import threading
import time
import unittest
import http.client


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, data_dir, fsync="everysec"):
        self.data_dir, self.fsync, self.proc = data_dir, fsync, None

    def start(self):
        self.port = free_port()
        self.log = open(os.path.join(os.path.dirname(self.data_dir), f"server-{self.port}.log"), "w")
        self.proc = subprocess.Popen(
            [os.environ["TC_BINARY"], "--port", str(self.port), "--data-dir", self.data_dir,
             "--fsync", self.fsync, "--threads", "2", "--reap-interval-ms", "20"],
            stdout=self.log, stderr=self.log)
        deadline = time.time() + 30
        while time.time() < deadline:
            try:
                self.get("/healthz")
                return self
            except OSError:
                if self.proc.poll() is not None:
                    raise AssertionError(f"server exited with {self.proc.returncode}")
                time.sleep(0.05)
        raise AssertionError("server did not answer /healthz")

    def get(self, path):
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        try:
            c.request("GET", path)
            return c.getresponse().read()
        finally:
            c.close()

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        assert self.proc.wait(20) == 0, "graceful shutdown must exit 0"
        self.log.close()

    def kill9(self):
        self.proc.kill()
        self.proc.wait(20)
        self.log.close()


class Client:
    def __init__(self, port):
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)

    def post(self, path, body):
        self.conn.request("POST", path, json.dumps(body), {"Content-Type": "application/json"})
        reply = json.loads(self.conn.getresponse().read())
        assert reply["err_code"] == "0000", reply
        return reply


def b64(data):
    return base64.b64encode(data).decode()


class RestartTest(unittest.TestCase):
    def test_state_after_a_clean_restart_equals_state_before(self):
        with tempfile.TemporaryDirectory() as tmp:
            server = Server(os.path.join(tmp, "data")).start()
            c = Client(server.port)
            for i in range(20):
                c.post("/task/put", {"queue": "q", "id": f"t{i}", "info": {"i": i, "f": 1.50},
                                     "content": b64(bytes([i]) * i)})
            c.post("/task/put", {"queue": "q", "id": "later", "config": {"delay": 300}})
            c.post("/task/acquire", {"queue": "q", "ids": ["t0", "t1"], "promise_reply_time": 300})
            c.post("/task/reply", {"queue": "q", "id": "t0", "info": {"ok": True}, "content": b64(b"r")})
            c.post("/task/put", {"queue": "other", "id": "x", "config": {"forward_result_to": "res"}})
            before_stat = c.post("/task/stat_queue", {"queue": "q"})["data"]
            before_peek = c.post("/task/peek", {"queue": "q", "size": 100})
            before_list = c.post("/task/list_queue", {})["data"]
            server.stop()

            server = Server(os.path.join(tmp, "data")).start()
            c = Client(server.port)
            self.assertEqual(c.post("/task/stat_queue", {"queue": "q"})["data"], before_stat)
            self.assertEqual(c.post("/task/peek", {"queue": "q", "size": 100}), before_peek)
            self.assertEqual(c.post("/task/list_queue", {})["data"], before_list)
            cached = c.post("/task/call", {"queue": "q", "id": "t0", "timeout": 0})["data"]
            self.assertEqual(cached, [{"id": "t0", "result_info": {"ok": True},
                                       "result_content": b64(b"r")}])
            # The lease survived: t1 is still leased, so a reply completes it.
            self.assertTrue(c.post("/task/reply", {"queue": "q", "id": "t1"})["data"])
            # New cursors keep growing past the replayed ones.
            c.post("/task/put", {"queue": "q", "id": "new"})
            peek = c.post("/task/peek", {"queue": "q", "size": 100})["data"]
            self.assertEqual(peek[-1]["id"], "new")
            self.assertGreater(tuple(map(int, peek[-1]["cursor"].split("-"))),
                               tuple(map(int, before_peek["cursor"].split("-"))))
            server.stop()


class SettingsTest(unittest.TestCase):
    """config_queue settings, and the token bucket's state, survive kill -9."""

    def test_settings_and_bucket_survive_kill_9(self):
        with tempfile.TemporaryDirectory() as tmp:
            data = os.path.join(tmp, "data")
            server = Server(data, fsync="always").start()
            c = Client(server.port)
            c.post("/task/config_queue", {"queue": "gpu", "max_leased": 2, "paused": True})
            c.post("/task/config_queue", {"queue": "gpu", "paused": False})
            c.post("/task/config_queue", {"queue": "api", "rate": 0.001, "burst": 2})
            c.post("/task/config_queue", {"queue": "empty", "paused": True})  # no task ever
            c.post("/task/put_batch", {"queue": "api", "tasks": [{"id": f"t{i}"} for i in range(5)]})
            c.post("/task/put_batch", {"queue": "gpu", "tasks": [{"id": f"g{i}"} for i in range(5)]})
            self.assertEqual(len(c.post("/task/take", {"queue": "api", "size": 5,
                                                       "promise_reply_time": 300})["data"]), 2)
            self.assertEqual(len(c.post("/task/take", {"queue": "gpu", "size": 5,
                                                       "promise_reply_time": 300})["data"]), 2)
            before = {q: c.post("/task/stat_queue", {"queue": q})["data"]["settings"]
                      for q in ("gpu", "api", "empty")}
            server.kill9()

            server = Server(data, fsync="always").start()
            c = Client(server.port)
            for q, settings in before.items():
                self.assertEqual(c.post("/task/stat_queue", {"queue": q})["data"]["settings"],
                                 settings, q)
            self.assertIn("empty", c.post("/task/list_queue", {})["data"])
            # The bucket spent its burst before the crash, and max_leased is still reached.
            for q in ("api", "gpu"):
                self.assertEqual(c.post("/task/take", {"queue": q, "size": 5,
                                                       "promise_reply_time": 300})["data"], [], q)
            server.stop()


class DeadlinesTest(unittest.TestCase):
    """Deadlines survive a restart and a kill -9: counted expiries stay counted, and a
    deadline that passes while the server is down expires the task at the next start."""

    def check(self, crash):
        with tempfile.TemporaryDirectory() as tmp:
            data = os.path.join(tmp, "data")
            server = Server(data, fsync="always").start()
            c = Client(server.port)
            c.post("/task/put", {"queue": "q", "id": "gone", "config": {"deadline": 0.1,
                                                                      "dead_letter_to": "dlq"}})
            deadline = time.time() + 10
            while c.post("/task/stat_queue", {"queue": "q"})["data"]["total_expired"] != 1:
                self.assertLess(time.time(), deadline, "the first task never expired")
                time.sleep(0.05)
            c.post("/task/put", {"queue": "q", "id": "soon", "config": {"deadline": 1.5}})
            c.post("/task/put", {"queue": "q", "id": "hour", "config": {"deadline": 3600}})
            c.post("/task/put", {"queue": "q", "id": "delayed",
                                 "config": {"deadline": 1.5, "delay": 60}})
            if crash:
                server.kill9()
            else:
                server.stop()
            time.sleep(2)  # "soon" and "delayed" pass their deadlines while it is down

            server = Server(data).start()
            c = Client(server.port)
            stat = c.post("/task/stat_queue", {"queue": "q"})["data"]
            self.assertEqual((stat["total_expired"], stat["length"], stat["delayed"]), (3, 1, 0))
            peek = c.post("/task/peek", {"queue": "q", "size": 100})["data"]
            self.assertEqual([t["id"] for t in peek], ["hour"])
            peek = c.post("/task/peek", {"queue": "dlq", "size": 100})["data"]
            self.assertEqual([t["id"] for t in peek], ["gone"])
            server.stop()

    def test_a_clean_restart(self):
        self.check(crash=False)

    def test_kill_9(self):
        self.check(crash=True)


class FailuresTest(unittest.TestCase):
    """fail, release (with a delay) and redrive are replayed after a restart and a kill -9."""

    def check(self, crash):
        with tempfile.TemporaryDirectory() as tmp:
            data = os.path.join(tmp, "data")
            server = Server(data, fsync="always").start()
            c = Client(server.port)
            for tid in ("a", "b", "c"):
                c.post("/task/put", {"queue": "q", "id": tid,
                                     "config": {"max_attempts": 2, "dead_letter_to": "dlq"}})
            c.post("/task/acquire", {"queue": "q", "ids": ["a", "b", "c"], "promise_reply_time": 300})
            self.assertTrue(c.post("/task/fail", {"queue": "q", "id": "a", "info": "oom"})["data"])
            self.assertTrue(c.post("/task/release", {"queue": "q", "id": "b", "delay": 300})["data"])
            c.post("/task/acquire", {"queue": "q", "ids": ["a"], "promise_reply_time": 300})
            self.assertTrue(c.post("/task/fail", {"queue": "q", "id": "a"})["data"])  # dead
            c.post("/task/put", {"queue": "dlq", "id": "z", "config": {"max_attempts": 1,
                                                                       "dead_letter_to": "dlq2"}})
            c.post("/task/acquire", {"queue": "dlq", "ids": ["z"], "promise_reply_time": 300})
            c.post("/task/fail", {"queue": "dlq", "id": "z"})  # z dead-lettered into dlq2
            self.assertEqual(c.post("/task/redrive", {"queue": "dlq2"})["data"], 1)
            before = {q: c.post("/task/stat_queue", {"queue": q})["data"] for q in ("q", "dlq")}
            before_peek = {q: c.post("/task/peek", {"queue": q, "size": 100}) for q in ("q", "dlq")}
            if crash:
                server.kill9()
            else:
                server.stop()

            server = Server(data).start()
            c = Client(server.port)
            for q in ("q", "dlq"):
                self.assertEqual(c.post("/task/stat_queue", {"queue": q})["data"], before[q], q)
                self.assertEqual(c.post("/task/peek", {"queue": q, "size": 100}), before_peek[q], q)
            stat = before["q"]
            self.assertEqual((stat["total_failed"], stat["total_released"], stat["delayed"],
                              stat["leased"]), (2, 1, 1, 1))
            # The dead letter still knows its source queue: redrive moves it back.
            self.assertEqual(c.post("/task/redrive", {"queue": "dlq", "ids": ["a"]})["data"], 1)
            got = c.post("/task/take", {"queue": "q", "size": 5, "promise_reply_time": 300})["data"]
            self.assertEqual([(t["id"], t["attempt"]) for t in got], [("a", 1)])
            server.stop()

    def test_a_clean_restart(self):
        self.check(crash=False)

    def test_kill_9(self):
        self.check(crash=True)


class CrashTest(unittest.TestCase):
    """kill -9 with --fsync always at random moments: nothing acknowledged is lost."""

    def run_once(self, tmp, round_no, kill_after):
        data = os.path.join(tmp, "data")
        server = Server(data, fsync="always").start()
        acked_puts, acked_replies, lock = {}, {}, threading.Lock()
        stop = threading.Event()

        def worker(w):
            c = Client(server.port)
            n = 0
            try:
                while not stop.is_set():
                    tid = f"r{round_no}-w{w}-{n}"
                    info, content = {"w": w, "n": n}, os.urandom(8)
                    c.post("/task/put", {"queue": "crash", "id": tid, "info": info, "content": b64(content)})
                    with lock:
                        acked_puts[tid] = (info, content)
                    if n % 2 == 0:
                        got = c.post("/task/acquire", {"queue": "crash", "ids": [tid], "promise_reply_time": 300})
                        if got["data"]:
                            c.post("/task/reply", {"queue": "crash", "id": tid, "info": {"done": tid}})
                            with lock:
                                acked_replies[tid] = True
                    n += 1
            except (OSError, http.client.HTTPException, ValueError):
                pass  # the server was killed under us

        threads = [threading.Thread(target=worker, args=(w,)) for w in range(4)]
        for t in threads:
            t.start()
        time.sleep(kill_after)
        server.kill9()
        stop.set()
        for t in threads:
            t.join()
        self.assertGreater(len(acked_puts), 0)

        server = Server(data, fsync="always").start()
        c = Client(server.port)
        pending = {}
        cursor = None
        while True:
            page = c.post("/task/peek", {"queue": "crash", "cursor": cursor, "size": 1000})
            if not page["data"]:
                break
            for t in page["data"]:
                self.assertNotIn(t["id"], pending, "a task came back twice")
                pending[t["id"]] = t["info"]
            cursor = page["cursor"]
        for tid in acked_replies:
            self.assertNotIn(tid, pending, f"{tid} was replied yet came back")
            result = c.post("/task/call", {"queue": "crash", "id": tid, "timeout": 0})["data"]
            self.assertEqual(result[0]["result_info"], {"done": tid})
        for tid, (info, content) in acked_puts.items():
            if tid in acked_replies:
                continue
            # Still there in some state: a second put must not create it.
            self.assertFalse(c.post("/task/put", {"queue": "crash", "id": tid})["data"], tid)
            if tid in pending:
                self.assertEqual(pending[tid], info)
                got = c.post("/task/acquire", {"queue": "crash", "ids": [tid], "promise_reply_time": 0})["data"]
                self.assertEqual(base64.b64decode(got[0]["content"]), content)
        server.stop()
        return len(acked_puts), len(acked_replies)

    def test_kill_9_at_random_moments_loses_nothing_acknowledged(self):
        rng = random.Random(os.environ.get("TC_CRASH_SEED"))
        with tempfile.TemporaryDirectory() as tmp:
            for round_no in range(3):
                puts, replies = self.run_once(tmp, round_no, rng.uniform(0.3, 1.2))
                print(f"round {round_no}: {puts} acknowledged puts, {replies} replies survived kill -9")


if __name__ == "__main__":
    unittest.main()
