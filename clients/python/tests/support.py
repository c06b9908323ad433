"""Test support: a real taskcenter server process per test module.

The binary comes from the environment variable TC_BINARY (CTest sets it to the
freshly built server). Without it the tests are skipped, not failed, so that
`python -m unittest` in a checkout without a build says so plainly.
"""

import os
import signal
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.request
import uuid
from typing import Callable, List, Optional, Sequence

HERE = os.path.dirname(os.path.abspath(__file__))
PACKAGE_ROOT = os.path.dirname(HERE)
if PACKAGE_ROOT not in sys.path:
    sys.path.insert(0, PACKAGE_ROOT)


def child_env() -> dict:
    """Environment for Python child processes: finds this package first."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([PACKAGE_ROOT, HERE] +
                                        [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p])
    return env


class Server:
    """One taskcenter process on a free loopback port, in-memory (no data dir)."""

    def __init__(self, extra_args: Sequence[str] = (), port: int = 0) -> None:
        self.binary = os.environ.get("TC_BINARY")
        if not self.binary:
            raise unittest.SkipTest("TC_BINARY is not set (path of the taskcenter server binary)")
        self.extra_args = list(extra_args)
        self.port = port
        self.process: Optional[subprocess.Popen] = None
        self.url = ""
        self._tmp = tempfile.TemporaryDirectory(prefix="tc-py-test-")

    def start(self) -> "Server":
        port_file = os.path.join(self._tmp.name, "port")
        self._log = open(os.path.join(self._tmp.name, "server.log"), "wb")
        args = [self.binary, "--host", "127.0.0.1", "--port", str(self.port), "--port-file", port_file,
                "--data-dir", "", "--reap-interval-ms", "50"] + self.extra_args
        self.process = subprocess.Popen(args, stdout=self._log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError("server exited with %s: %s" % (self.process.returncode, self.log()))
            try:
                with open(port_file) as f:
                    port = f.read().strip()
            except FileNotFoundError:
                port = ""
            if port:
                self.url = "http://127.0.0.1:%s" % port
                try:
                    with urllib.request.urlopen(self.url + "/healthz", timeout=2) as r:
                        if r.status == 200:
                            return self
                except OSError:
                    pass
            time.sleep(0.05)
        self.stop()
        raise RuntimeError("server did not become healthy: %s" % self.log())

    def log(self) -> str:
        try:
            with open(os.path.join(self._tmp.name, "server.log"), "rb") as f:
                return f.read()[-2000:].decode("utf-8", "replace")
        except OSError:
            return ""

    def stop(self) -> None:
        """SIGTERM and wait. Raises when the server did not exit cleanly (crash,
        sanitizer report, hang): the tests' traffic found a server bug."""
        problem = ""
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
                problem = "did not stop within 15 s of SIGTERM"
        if self.process and self.process.returncode not in (0, None) and not problem:
            problem = "exited with status %s" % self.process.returncode
        log = self.log() if problem else ""
        if getattr(self, "_log", None):
            self._log.close()
        self._tmp.cleanup()
        if problem:
            raise RuntimeError("taskcenter server %s; its log ends with:\n%s" % (problem, log))


def unique(prefix: str = "q") -> str:
    """A queue or id name no other test uses."""
    return "%s-%s" % (prefix, uuid.uuid4().hex[:10])


def wait_until(predicate: Callable[[], bool], timeout: float = 10.0,
               interval: float = 0.05) -> bool:
    """Poll predicate until true or timeout; returns its last value."""
    deadline = time.monotonic() + timeout
    while True:
        if predicate():
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(interval)


def run_python(args: List[str], input_bytes: Optional[bytes] = None,
               timeout: float = 30.0) -> subprocess.CompletedProcess:
    """Run `python <args>` with this package importable; capture output."""
    return subprocess.run([sys.executable] + args, input=input_bytes, capture_output=True,
                          timeout=timeout, env=child_env())
