"""Runs examples/ against a real memory-only server on a free loopback port."""

import os
import socket
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.request

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class HeteroWorkersTest(unittest.TestCase):
    def test_batches_hold_one_model_within_max_cost_and_every_call_is_answered(self):
        port = free_port()
        with tempfile.TemporaryDirectory() as tmp:
            server = subprocess.Popen([os.environ["TC_BINARY"], "--port", str(port),
                                       "--data-dir", ""], cwd=tmp,
                                      stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
            try:
                url = "http://127.0.0.1:%d" % port
                for _ in range(200):
                    try:
                        urllib.request.urlopen(url + "/healthz", timeout=1).read()
                        break
                    except OSError:
                        time.sleep(0.05)
                run = subprocess.run(
                    [sys.executable, os.path.join(ROOT, "examples", "hetero_workers.py"),
                     "--url", url, "--calls", "400", "--concurrency", "32"],
                    capture_output=True, text=True, timeout=240)
                print(run.stdout)
                # The example exits 1 when a call failed or went unanswered, or a GPU batch
                # mixed models or went over max_cost.
                self.assertEqual(run.returncode, 0, run.stdout + run.stderr)
                self.assertIn("in a batch of another model: 0;", run.stdout)
            finally:
                server.terminate()
                server.wait(timeout=30)


class StreamingTest(unittest.TestCase):
    def test_every_caller_sees_every_token_in_order_then_the_reply(self):
        port = free_port()
        with tempfile.TemporaryDirectory() as tmp:
            server = subprocess.Popen([os.environ["TC_BINARY"], "--port", str(port),
                                       "--data-dir", ""], cwd=tmp,
                                      stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
            try:
                url = "http://127.0.0.1:%d" % port
                for _ in range(200):
                    try:
                        urllib.request.urlopen(url + "/healthz", timeout=1).read()
                        break
                    except OSError:
                        time.sleep(0.05)
                run = subprocess.run(
                    [sys.executable, os.path.join(ROOT, "examples", "streaming.py"),
                     "--url", url, "--calls", "8", "--tokens", "30"],
                    capture_output=True, text=True, timeout=240)
                print(run.stdout)
                self.assertEqual(run.returncode, 0, run.stdout + run.stderr)
                self.assertIn("failures: 0", run.stdout)
            finally:
                server.terminate()
                server.wait(timeout=30)


if __name__ == "__main__":
    unittest.main()
