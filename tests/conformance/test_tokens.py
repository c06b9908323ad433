"""Scoped tokens (--token-file) through a private server: roles on queue patterns,
0009/403 outside a scope, 0004/401 for unknown tokens, list_queue filtered, the file
re-read on SIGHUP (a malformed file keeps the table in force), and a malformed file at
start refusing to start with a message naming the line."""

import os
import signal
import subprocess
import tempfile
import time
import unittest

import harness
from client import Client

TOKENS = """# scoped tokens for the test
prod-token   produce jobs.*
cons-token   consume jobs.gpu
cons-token   produce results
reader-token read    *
"""


def write(path, text):
    # Written beside and renamed, as an operator's editor or config manager would.
    with open(path + ".tmp", "w") as f:
        f.write(text)
    os.replace(path + ".tmp", path)


@unittest.skipUnless(harness.can_start_servers(), "needs the server binary (TC_BINARY)")
class ScopedTokensTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.TemporaryDirectory(prefix="tc-tokens-")
        cls.path = os.path.join(cls.dir.name, "tokens")
        write(cls.path, TOKENS)
        cls.server = harness.ServerProcess(
            extra_args=["--token-file", cls.path, "--token", "root-token"]).start()

    @classmethod
    def tearDownClass(cls):
        try:
            cls.server.stop_checked("token server")
        finally:
            cls.dir.cleanup()

    def client(self, token):
        return Client(self.server.url, token=token)

    def check(self, resp, status, code):
        self.assertEqual((resp.status, resp.err_code), (status, code), resp)
        if code != "0000":
            self.assertTrue(str(resp.json.get("message", "")).strip(), resp)

    def test_roles_on_queue_patterns(self):
        q = harness.unique("jobs.")
        prod, cons = self.client("prod-token"), self.client("cons-token")
        reader, root = self.client("reader-token"), self.client("root-token")
        self.check(prod.put(q, "a"), 200, "0000")
        self.check(prod.put(harness.unique("other"), "a"), 403, "0009")
        self.check(prod.post("/task/take", {"queue": q, "promise_reply_time": 5}), 403, "0009")
        self.check(cons.post("/task/take", {"queue": q, "promise_reply_time": 5}), 403, "0009")
        self.check(reader.put(q, "b"), 403, "0009")
        self.check(reader.post("/task/clear_queue", {"queue": q}), 403, "0009")
        self.check(prod.put(q, "c", config={"forward_result_to": harness.unique("x")}), 403, "0009")
        self.check(reader.stat_queue(q), 200, "0000")
        self.assertEqual(reader.stat_queue(q).data["length"], 1)  # refused requests changed nothing
        for token in (None, "unknown-token", "prod-token-but-longer"):
            self.check(self.client(token).stat_queue(q), 401, "0004")
        gpu = harness.unique("jobs.gpu")
        self.check(root.put(gpu, "g"), 200, "0000")
        self.assertEqual(cons.stat_queue(gpu).data, None)  # "jobs.gpu" is a name, not a prefix
        self.check(root.post("/task/clear_queue", {"queue": q}), 200, "0000")
        self.assertEqual(self.client(None).get("/healthz").status, 200)

    def test_get_and_list_tasks_are_read_endpoints(self):
        q = harness.unique("jobs.")
        root, reader = self.client("root-token"), self.client("reader-token")
        self.check(root.put(q, "a"), 200, "0000")
        self.check(reader.get_task(q, "a"), 200, "0000")
        self.check(reader.list_tasks(q), 200, "0000")
        cons = self.client("cons-token")  # reads jobs.gpu only
        self.check(cons.get_task(q, "a"), 403, "0009")
        self.check(cons.list_tasks(q), 403, "0009")
        self.check(self.client(None).get_task(q, "a"), 401, "0004")

    def test_progress_is_a_consume_endpoint(self):
        task_id = harness.unique("t")
        root, cons = self.client("root-token"), self.client("cons-token")
        self.check(root.put("jobs.gpu", task_id), 200, "0000")
        self.check(root.acquire("jobs.gpu", [task_id], 60), 200, "0000")
        self.check(cons.progress("jobs.gpu", task_id, info=1), 200, "0000")
        self.check(self.client("prod-token").progress("jobs.gpu", task_id, info=2), 403, "0009")
        self.check(self.client("reader-token").progress("jobs.gpu", task_id, info=3), 403, "0009")
        self.assertEqual(root.get_task("jobs.gpu", task_id).data["progress"], 1)

    def test_list_queue_shows_only_readable_queues(self):
        mine, theirs = harness.unique("jobs."), harness.unique("secret")
        root = self.client("root-token")
        self.check(root.put(mine, "a"), 200, "0000")
        self.check(root.put(theirs, "a"), 200, "0000")
        # Every page: a shared Redis holds the queues of the whole suite (over 1000).
        def all_names(client):
            names, cursor = [], None
            while True:
                page = client.post("/task/list_queue", {"size": 1000, "cursor": cursor})
                names += page.data
                cursor = page.json.get("cursor")
                if cursor is None:
                    return names
        names = all_names(self.client("prod-token"))
        self.assertIn(mine, names)
        self.assertNotIn(theirs, names)
        self.assertTrue(all(n.startswith("jobs.") for n in names), names)
        self.assertIn(theirs, all_names(root))

    def test_sighup_rereads_the_file(self):
        q = harness.unique("jobs.")
        fresh = self.client("fresh-token")
        self.check(fresh.put(q, "a"), 401, "0004")
        try:
            # A malformed file keeps the table in force, and the log says why.
            write(self.path, TOKENS + "fresh-token produce\n")
            self.server.proc.send_signal(signal.SIGHUP)
            deadline = time.monotonic() + 20
            while "keeping the" not in self.server.log():
                self.assertLess(time.monotonic(), deadline, self.server.log())
                time.sleep(0.02)
            self.assertIn("line 6", self.server.log())
            self.check(fresh.put(q, "a"), 401, "0004")
            self.check(self.client("prod-token").put(q, "b"), 200, "0000")

            write(self.path, "fresh-token produce jobs.*\n")
            self.server.proc.send_signal(signal.SIGHUP)
            deadline = time.monotonic() + 20
            while fresh.put(q, "a").err_code != "0000":
                self.assertLess(time.monotonic(), deadline, self.server.log())
                time.sleep(0.02)
            self.check(self.client("prod-token").put(q, "c"), 401, "0004")
            self.check(self.client("root-token").stat_queue(q), 200, "0000")  # --token stays
        finally:
            write(self.path, TOKENS)
            self.server.proc.send_signal(signal.SIGHUP)
            deadline = time.monotonic() + 20
            while self.client("prod-token").stat_queue(q).err_code != "0000":
                self.assertLess(time.monotonic(), deadline, self.server.log())
                time.sleep(0.02)


@unittest.skipUnless(harness.can_start_servers(), "needs the server binary (TC_BINARY)")
class TokenFileAtStartTest(unittest.TestCase):
    def test_malformed_file_refuses_to_start_naming_the_line(self):
        with tempfile.TemporaryDirectory(prefix="tc-tokens-") as d:
            path = os.path.join(d, "tokens")
            write(path, "ok-token read *\n\nbad-token superuser *\n")
            server = harness.ServerProcess(extra_args=["--token-file", path])
            proc = subprocess.run(server.args, capture_output=True, text=True, timeout=30)
            server.close()
            self.assertEqual(proc.returncode, 2, proc.stderr)
            self.assertIn("line 3", proc.stderr)
            self.assertIn("superuser", proc.stderr)
            missing = harness.ServerProcess(extra_args=["--token-file", os.path.join(d, "nope")])
            proc = subprocess.run(missing.args, capture_output=True, text=True, timeout=30)
            missing.close()
            self.assertEqual(proc.returncode, 2, proc.stderr)
            self.assertIn("cannot read the token file", proc.stderr)


if __name__ == "__main__":
    unittest.main()
