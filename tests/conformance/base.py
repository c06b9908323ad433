"""Shared assertions and helpers for the conformance tests."""

import re
import threading
import time
import unittest

import harness
from client import b64, close_thread_connections, unb64  # noqa: F401  (b64/unb64 re-exported)

CURSOR_RE = re.compile(r"^[0-9]+-[0-9]+$")


def cursor_key(cursor):
    """'<ms>-<seq>' -> (ms, seq), for ordering."""
    ms, seq = cursor.split("-")
    return int(ms), int(seq)


class ConformanceTest(unittest.TestCase):
    """A test against the shared deployment. Every test makes its own queue names."""

    maxDiff = 4000

    @classmethod
    def setUpClass(cls):
        cls.deployment = harness.deployment()
        cls.c = cls.deployment.client()

    @classmethod
    def tearDownClass(cls):
        cls.c.close()

    def queue(self, prefix="q"):
        return harness.unique(prefix)

    # -- assertions -------------------------------------------------------------

    def ok(self, resp, msg=None):
        """Asserts the 0000/200 envelope and returns data."""
        where = f"{msg}: " if msg else ""
        self.assertEqual(resp.status, 200, f"{where}{resp!r}")
        self.assertIsInstance(resp.json, dict, f"{where}{resp!r}")
        self.assertEqual(resp.err_code, "0000", f"{where}{resp!r}")
        self.assertIn("data", resp.json, f"{where}{resp!r}")
        self.assertIn("application/json", resp.headers.get("Content-Type", ""), where)
        return resp.data

    def err(self, resp, code, status, msg=None):
        """Asserts an error envelope with a non-empty message."""
        where = f"{msg}: " if msg else ""
        self.assertEqual(resp.status, status, f"{where}{resp!r}")
        self.assertIsInstance(resp.json, dict, f"{where}not a JSON object: {resp!r}")
        self.assertEqual(resp.err_code, code, f"{where}{resp!r}")
        self.assertIn("data", resp.json, f"{where}{resp!r}")
        self.assertIsNone(resp.json["data"], f"{where}{resp!r}")
        self.assertIn("application/json", resp.headers.get("Content-Type", ""), where)
        message = resp.json.get("message")
        self.assertIsInstance(message, str, f"{where}no message: {resp!r}")
        self.assertTrue(message.strip(), f"{where}empty message: {resp!r}")

    def assertCursor(self, cursor):
        self.assertIsInstance(cursor, str)
        self.assertRegex(cursor, CURSOR_RE)

    # -- common steps -----------------------------------------------------------

    def put(self, queue, id, **kw):
        created = self.ok(self.c.put(queue, id, **kw), f"put {queue}/{id}")
        self.assertIs(created, True, f"put {queue}/{id} should create")
        return created

    def peek_all(self, queue, cursor=None):
        """Every visible pending task after cursor, following cursors page by page."""
        out = []
        while True:
            resp = self.c.peek(queue, cursor=cursor, size=1000)
            data = self.ok(resp)
            if not data:
                return out
            out.extend(data)
            cursor = resp.json["cursor"]

    def peek_ids(self, queue, cursor=None):
        return [t["id"] for t in self.peek_all(queue, cursor)]

    def wait_peek(self, queue, cursor=None, timeout=5.0, size=1):
        """Long-polls until a task shows up after cursor; returns the peek data."""
        return self.ok(self.c.peek(queue, cursor=cursor, size=size, timeout=timeout))

    def stat(self, queue):
        return self.ok(self.c.stat_queue(queue))

    def wait_until(self, predicate, timeout=5.0, interval=0.05, what="condition"):
        deadline = time.monotonic() + timeout
        while True:
            value = predicate()
            if value:
                return value
            if time.monotonic() > deadline:
                self.fail(f"timed out waiting for {what}")
            time.sleep(interval)


class Background:
    """Runs fn in a thread and keeps its result or exception for join()."""

    def __init__(self, fn, *args, **kwargs):
        self.result = None
        self.error = None
        self.finished_at = None

        def run():
            try:
                self.result = fn(*args, **kwargs)
            except BaseException as e:  # noqa: BLE001 - re-raised in join()
                self.error = e
            finally:
                self.finished_at = time.monotonic()
                close_thread_connections()

        self.thread = threading.Thread(target=run, daemon=True)
        self.started_at = time.monotonic()
        self.thread.start()

    def join(self, timeout=60.0):
        self.thread.join(timeout)
        if self.thread.is_alive():
            raise AssertionError("background request did not finish")
        if self.error is not None:
            raise self.error
        return self.result

    @property
    def done(self):
        return not self.thread.is_alive()
