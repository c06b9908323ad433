"""Consumers as separate processes: SIGKILL mid-task (redelivery), SIGTERM (graceful stop)."""

import os
import signal
import subprocess
import sys
import tempfile
import unittest
from typing import Any

from support import HERE, Server, child_env, unique, wait_until

from taskcenter import Task, TaskCenter, TaskConsumer

SERVER: Server


def setUpModule() -> None:
    global SERVER
    SERVER = Server().start()


def tearDownModule() -> None:
    SERVER.stop()


class ConsumerProcessTest(unittest.TestCase):
    def setUp(self) -> None:
        self.tc = TaskCenter(SERVER.url)
        self.q = unique()
        self.tmp = tempfile.TemporaryDirectory()
        self.marker = os.path.join(self.tmp.name, "started")

    def tearDown(self) -> None:
        self.tc.close()
        self.tmp.cleanup()

    def spawn(self, hold: float, prt: float) -> subprocess.Popen:
        return subprocess.Popen([sys.executable, os.path.join(HERE, "consumer_proc.py"),
                                 SERVER.url, self.q, self.marker, str(hold), str(prt)],
                                env=child_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE)

    def started(self) -> list:
        try:
            with open(self.marker) as f:
                return f.read().split()
        except FileNotFoundError:
            return []

    def test_killed_consumer_task_is_redelivered_to_another(self) -> None:
        child = self.spawn(hold=60, prt=1)
        try:
            self.tc.put(self.q, "job", info="x", content=b"payload")
            self.assertTrue(wait_until(lambda: self.started() == ["job"], timeout=15))
            self.assertEqual(self.tc.peek(self.q)[0], [], "leased by the child")
            child.send_signal(signal.SIGKILL)
            child.wait(10)
        finally:
            if child.poll() is None:
                child.kill()
            child.communicate()

        class Rescuer(TaskConsumer):
            poll_timeout = 0.3

            def process(self, task: Task) -> Any:
                return {"by": "rescuer"}, task.content

        rescuer = Rescuer(SERVER.url, queue=self.q)
        rescuer.start()
        try:
            result = self.tc.call(self.q, "job", timeout=15)
        finally:
            rescuer.stop()
            rescuer.join(10)
        self.assertEqual((result.info, result.content), ({"by": "rescuer"}, b"payload"))

    def test_sigterm_finishes_the_held_task_then_exits(self) -> None:
        self.check_graceful_stop(signal.SIGTERM)

    def test_sigint_finishes_the_held_task_then_exits(self) -> None:
        self.check_graceful_stop(signal.SIGINT)

    def check_graceful_stop(self, signum: int) -> None:
        child = self.spawn(hold=1.5, prt=30)
        try:
            self.tc.put(self.q, "first", content=b"1")
            self.assertTrue(wait_until(lambda: self.started() == ["first"], timeout=15))
            self.tc.put(self.q, "second", content=b"2")
            child.send_signal(signum)
            out, err = child.communicate(timeout=20)
        finally:
            if child.poll() is None:
                child.kill()
                child.communicate()
        self.assertEqual(child.returncode, 0, err.decode())
        self.assertIn(b"consumer exited cleanly", out)
        result = self.tc.call(self.q, "first", timeout=0)
        self.assertIsNotNone(result, "the held task was replied before exit")
        self.assertEqual((result.info["by"], result.content), ("child", b"1"))
        self.assertEqual(self.started(), ["first"], "nothing new was taken after the signal")
        self.assertEqual([t.id for t in self.tc.peek(self.q)[0]], ["second"])


class ServerRestartTest(unittest.TestCase):
    def test_consumer_rides_out_a_server_restart(self) -> None:
        first = Server().start()
        port = int(first.url.rsplit(":", 1)[1])
        q = unique()

        class Echo(TaskConsumer):
            poll_timeout = 0.3
            retry_delay = 0.1

            def process(self, task: Task) -> Any:
                return "echo"

        echo = Echo(first.url, queue=q, workers=2)
        echo.start()
        try:
            with TaskCenter(first.url) as tc:
                self.assertEqual(tc.call(q, "before", timeout=10).info, "echo")
                first.stop()
                self.assertFalse(tc.healthz())
                second = Server(port=port).start()  # same address, new (empty) server
                try:
                    self.assertEqual(tc.call(q, "after", timeout=10).info, "echo")
                finally:
                    echo.stop()
                    self.assertTrue(echo.join(10))
                    second.stop()
        finally:
            echo.stop()


if __name__ == "__main__":
    unittest.main()
