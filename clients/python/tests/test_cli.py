"""taskcenter-cli (as `python -m taskcenter`) against a real server."""

import base64
import json
import os
import tempfile
import threading
import unittest
from typing import Any, List, Optional

from support import Server, run_python, unique

from taskcenter import TaskCenter

SERVER: Server


def setUpModule() -> None:
    global SERVER
    SERVER = Server().start()


def tearDownModule() -> None:
    SERVER.stop()


class CliTest(unittest.TestCase):
    def setUp(self) -> None:
        self.q = unique()
        self.tc = TaskCenter(SERVER.url)

    def tearDown(self) -> None:
        self.tc.close()

    def cli(self, *args: str, stdin: Optional[bytes] = None, expect: int = 0) -> Any:
        proc = run_python(["-m", "taskcenter", "--url", SERVER.url] + list(args), stdin)
        self.assertEqual(proc.returncode, expect, (args, proc.stdout, proc.stderr))
        self.last_stderr = proc.stderr.decode()
        self.last_stdout = proc.stdout
        if expect != 0 or "--table" in args or "--content-out" in args:
            return proc.stdout.decode()
        return json.loads(proc.stdout)

    def test_put_peek_take_reply_call(self) -> None:
        out = self.cli("put", self.q, "a", "--info", '{"k": [1, 2]}', "--content-file", "-",
                       stdin=b"\x00\x01binary")
        self.assertEqual(out, {"queue": self.q, "id": "a", "created": True})
        self.assertFalse(self.cli("put", self.q, "a")["created"])
        peeked = self.cli("peek", self.q)
        self.assertEqual([(t["id"], t["info"]) for t in peeked["tasks"]], [("a", {"k": [1, 2]})])
        self.assertEqual(peeked["cursor"], peeked["tasks"][0]["cursor"])
        taken = self.cli("take", self.q, "--promise-reply-time", "30")
        self.assertEqual(base64.b64decode(taken[0]["content"]), b"\x00\x01binary")
        self.assertTrue(self.cli("reply", self.q, "a", "--info", '"done"', "--content", "res")["replied"])
        self.assertFalse(self.cli("reply", self.q, "a")["replied"])
        result = self.cli("call", self.q, "a", "--timeout", "0")
        self.assertEqual((result["info"], base64.b64decode(result["content"])), ("done", b"res"))

    def test_call_content_out_and_timeout(self) -> None:
        def consumer() -> None:
            for t in self.tc.take(self.q, timeout=10):
                self.tc.reply(self.q, t.id, info="ok", content=t.content * 2)

        worker = threading.Thread(target=consumer)
        worker.start()
        with tempfile.TemporaryDirectory() as tmp:
            src, dst = os.path.join(tmp, "in"), os.path.join(tmp, "out")
            with open(src, "wb") as f:
                f.write(b"\xffab")
            self.cli("call", self.q, "c", "--content-file", src, "--content-out", dst)
            worker.join()
            with open(dst, "rb") as f:
                self.assertEqual(f.read(), b"\xffab\xffab")
        raw = run_python(["-m", "taskcenter", "--url", SERVER.url, "call", self.q, "c",
                          "--content-out", "-"])
        self.assertEqual(raw.stdout, b"\xffab\xffab")
        self.cli("call", self.q, "never", "--timeout", "0.2", expect=3)
        self.assertIn("timed out", self.last_stderr)

    def test_stat_list_touch_remove_clear(self) -> None:
        self.assertEqual(self.cli("stat", self.q, expect=5).strip(), "null")
        self.assertIn("no such queue", self.last_stderr)
        self.cli("put", self.q, "x")
        self.cli("put", self.q, "y")
        self.assertEqual(self.cli("stat", self.q)["length"], 2)
        table = self.cli("stat", self.q, "--table")
        self.assertIn("length", table)
        self.assertIn(self.q, self.cli("list"))
        page = self.cli("list", "--page", "--size", "1")
        self.assertEqual(len(page["queues"]), 1)
        self.cli("acquire", self.q, "x", "--promise-reply-time", "30")
        self.assertTrue(self.cli("touch", self.q, "x", "--promise-reply-time", "60")["leased"])
        self.assertFalse(self.cli("touch", self.q, "y")["leased"])
        self.assertTrue(self.cli("remove", self.q, "x")["removed"])
        self.assertFalse(self.cli("remove", self.q, "x")["removed"])
        self.assertTrue(self.cli("clear", self.q)["cleared"])
        self.cli("stat", self.q, expect=5)

    def test_redrive(self) -> None:
        dlq = unique()
        self.tc.put(self.q, "a", max_attempts=1, dead_letter_to=dlq)
        self.tc.take(self.q, timeout=0)
        self.assertTrue(self.tc.fail(self.q, "a", info="boom"))
        self.assertEqual(self.cli("redrive", dlq), {"queue": dlq, "moved": 1})
        self.assertEqual(self.cli("redrive", dlq, "a", "--size", "5")["moved"], 0)
        self.assertEqual(self.tc.stat_queue(self.q)["length"], 1)

    def test_pause_resume_limit(self) -> None:
        self.cli("put", self.q, "a")
        self.assertTrue(self.cli("pause", self.q)["paused"])
        self.assertEqual(self.cli("take", self.q), [])
        self.assertFalse(self.cli("resume", self.q)["paused"])
        limits = self.cli("limit", self.q, "--max-leased", "2", "--rate", "5", "--burst", "3")
        self.assertEqual(limits, {"paused": False, "max_leased": 2, "rate": 5, "burst": 3})
        self.assertEqual(self.cli("limit", self.q)["max_leased"], 2, "no option: shows them")
        self.assertEqual(self.cli("limit", self.q, "--max-leased", "0")["max_leased"], 0)
        self.assertIn("max_leased", self.cli("limit", self.q, "--table"))
        self.cli("limit", self.q, "--burst", "3", expect=1)  # burst needs a rate (0002)

    def test_tables(self) -> None:
        self.cli("put", self.q, "row1", "--info", '{"a":1}', "--content", "hello")
        table = self.cli("take", self.q, "--table")
        lines = table.splitlines()
        self.assertEqual(lines[0].split(), ["id", "cursor", "info", "content"])
        self.assertIn("row1", lines[2])
        self.assertIn('{"a":1}', lines[2])
        self.assertIn("hello", lines[2])
        self.assertIn("(no tasks)", self.cli("peek", self.q, "--table"))

    def test_health(self) -> None:
        health = self.cli("health")
        self.assertTrue(health["healthz"] and health["readyz"])
        proc = run_python(["-m", "taskcenter", "--url", "http://127.0.0.1:9", "health"])
        self.assertEqual(proc.returncode, 4)

    def test_errors_and_help(self) -> None:
        out = self.cli("put", "", "id", expect=1)
        self.assertEqual(out, "")
        self.assertIn("error", self.last_stderr)
        self.assertIn("0002", self.last_stderr)
        self.cli("put", self.q, "x", "--info", "{not json", expect=2)
        proc = run_python(["-m", "taskcenter", "--url", "http://127.0.0.1:9", "stat", "q"])
        self.assertEqual(proc.returncode, 1)
        self.assertIn(b"cannot reach", proc.stderr)
        commands: List[str] = ["put", "call", "peek", "take", "acquire", "reply", "touch",
                               "remove", "clear", "stat", "list", "health", "get", "tasks"]
        for command in commands:
            proc = run_python(["-m", "taskcenter", command, "--help"])
            self.assertEqual(proc.returncode, 0, command)
            self.assertIn(b"usage: taskcenter-cli " + command.encode(), proc.stdout)

    def test_get_and_tasks(self) -> None:
        self.assertIsNone(self.cli("get", self.q, "a"))
        self.tc.put(self.q, "a", info={"x": 1}, content=b"hi")
        self.tc.put(self.q, "b")
        self.tc.acquire(self.q, ["b"], promise_reply_time=60)
        view = self.cli("get", self.q, "a", "--with-content")
        self.assertEqual((view["state"], view["info"]), ("pending", {"x": 1}))
        self.assertEqual(base64.b64decode(view["content"]), b"hi")
        listed = self.cli("tasks", self.q)
        self.assertEqual([(v["id"], v["state"]) for v in listed], [("a", "pending"), ("b", "leased")])
        self.assertEqual([v["id"] for v in self.cli("tasks", self.q, "--state", "leased")], ["b"])
        page = self.cli("tasks", self.q, "--page", "--size", "1")
        self.assertEqual([v["id"] for v in page["tasks"]], ["a"])
        self.assertIsNotNone(page["cursor"])
        table = self.cli("tasks", self.q, "--table")
        self.assertEqual(table.splitlines()[0].split(), ["id", "state", "attempt", "age", "info"])

    def test_watch_prints_one_line_per_event_then_the_result(self) -> None:
        self.tc.put(self.q, "w")
        self.tc.take(self.q, timeout=0, promise_reply_time=60)
        self.tc.progress(self.q, "w", info={"t": 1}, content=b"hi")
        self.tc.progress(self.q, "w", info={"t": 2})
        self.tc.reply(self.q, "w", info="done")
        text = self.cli("watch", self.q, "w", "--timeout", "5", "--table")
        self.assertEqual(text.splitlines(), ["1  {\"t\":1}  hi", "2  {\"t\":2}", "result  \"done\""])
        proc = run_python(["-m", "taskcenter", "--url", SERVER.url, "watch", self.q, "w",
                           "--after", "1", "--timeout", "5"])
        lines = [json.loads(line) for line in proc.stdout.decode().splitlines()]
        self.assertEqual([line["event"] for line in lines], ["progress", "result"])
        self.assertEqual(lines[0]["seq"], 2)
        self.tc.put(self.q, "p")
        self.cli("watch", self.q, "p", "--timeout", "0.2", expect=3)  # timed out

    def test_url_from_environment(self) -> None:
        env_url = run_python(["-c", "import os, sys; os.environ['TASKCENTER_URL'] = sys.argv[1];"
                              "from taskcenter.cli import main; sys.exit(main(['put', sys.argv[2], 'e']))",
                              SERVER.url, self.q])
        self.assertEqual(env_url.returncode, 0, env_url.stderr)
        self.assertEqual(self.tc.stat_queue(self.q)["length"], 1)


if __name__ == "__main__":
    unittest.main()
