"""Runs examples/ against real servers on free loopback ports: a memory-only server, and
for the streaming example also two instances sharing a redis-server of their own."""

import contextlib
import os
import shutil
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


def wait_until_up(url: str, process: subprocess.Popen) -> None:
    for _ in range(200):
        if process.poll() is not None:
            raise AssertionError("%s exited with %s" % (process.args[0], process.returncode))
        try:
            urllib.request.urlopen(url + "/readyz", timeout=1).read()
            return
        except OSError:
            time.sleep(0.05)
    raise AssertionError("%s did not come up" % url)


@contextlib.contextmanager
def started(args, cwd, url=None):
    """A process of `args`, stopped at the end; with `url`, once it answers /readyz (its
    store is reachable)."""
    process = subprocess.Popen(args, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    try:
        if url:
            wait_until_up(url, process)
        yield process
    finally:
        process.terminate()
        process.wait(timeout=30)


def run_example(test: unittest.TestCase, script: str, args, expected: str) -> None:
    """Runs examples/`script` with `args`; it must exit 0 and print `expected`."""
    run = subprocess.run([sys.executable, os.path.join(ROOT, "examples", script), *args],
                         capture_output=True, text=True, timeout=240)
    print(run.stdout)
    test.assertEqual(run.returncode, 0, run.stdout + run.stderr)
    test.assertIn(expected, run.stdout)


def run_streaming_example(test: unittest.TestCase, url: str, caller_url: str) -> None:
    run_example(test, "streaming.py",
                ["--url", url, "--caller-url", caller_url, "--calls", "8", "--tokens", "30"],
                "failures: 0")


class HeteroWorkersTest(unittest.TestCase):
    def test_batches_hold_one_model_within_max_cost_and_every_call_is_answered(self):
        port = free_port()
        url = "http://127.0.0.1:%d" % port
        with tempfile.TemporaryDirectory() as tmp, \
                started([os.environ["TC_BINARY"], "--port", str(port), "--data-dir", ""], tmp, url):
            # The example exits 1 when a call failed or went unanswered, or a GPU batch
            # mixed models or went over max_cost.
            run_example(self, "hetero_workers.py",
                        ["--url", url, "--calls", "400", "--concurrency", "32"],
                        "in a batch of another model: 0;")


class StreamingTest(unittest.TestCase):
    def test_every_caller_sees_every_token_in_order_then_the_reply(self):
        port = free_port()
        url = "http://127.0.0.1:%d" % port
        with tempfile.TemporaryDirectory() as tmp, \
                started([os.environ["TC_BINARY"], "--port", str(port), "--data-dir", ""], tmp, url):
            run_streaming_example(self, url, url)

    @unittest.skipUnless(shutil.which("redis-server"), "needs redis-server (scripts/deps.sh installs it)")
    def test_across_two_instances_on_redis_the_tokens_reach_the_callers(self):
        # The consumer reports progress on one instance, the callers stream from the other:
        # every event crosses Redis pub/sub.
        redis_port, ports = free_port(), [free_port(), free_port()]
        urls = ["http://127.0.0.1:%d" % p for p in ports]
        with tempfile.TemporaryDirectory() as tmp, contextlib.ExitStack() as stack:
            stack.enter_context(started(
                ["redis-server", "--port", str(redis_port), "--bind", "127.0.0.1", "--save", "",
                 "--appendonly", "no", "--dir", tmp], tmp))
            for port, url in zip(ports, urls):
                stack.enter_context(started(
                    [os.environ["TC_BINARY"], "--port", str(port), "--data-dir", "",
                     "--redis", "redis://127.0.0.1:%d" % redis_port], tmp, url))
            run_streaming_example(self, urls[0], urls[1])


if __name__ == "__main__":
    unittest.main()
