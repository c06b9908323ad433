"""Starts and stops real `taskcenter` processes for the conformance suite.

Configuration (environment):
  TC_BASE_URLS     comma-separated base URLs of servers that are already running; the
                   suite then starts no shared server and spreads requests over them.
  TC_BINARY        the server binary (default: <repo>/build/taskcenter). Also used for the
                   tests that need a private server (auth, --max-body, graceful shutdown).
  TC_SERVER_ARGS   extra arguments for every server the suite starts (shell-split), e.g.
                   "--redis redis://127.0.0.1:6379/0". Without it servers run memory-only
                   (`--data-dir ''`).
  TC_INSTANCES     how many shared servers to start (default 1); requests go round-robin.
  TC_TOKEN         bearer token to send (for TC_BASE_URLS servers started with --token).
"""

import atexit
import os
import shlex
import signal
import socket
import subprocess
import tempfile
import threading
import time
import urllib.parse
import uuid

from client import Client

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))


def binary_path():
    path = os.environ.get("TC_BINARY") or os.path.join(REPO, "build", "taskcenter")
    return path if os.path.isfile(path) and os.access(path, os.X_OK) else None


def server_args():
    return shlex.split(os.environ.get("TC_SERVER_ARGS", ""))


def uses_extra_store():
    """True when the servers run on an external store (e.g. Redis)."""
    return any(a.startswith("--redis") for a in server_args())


def unique(prefix="q"):
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


def _free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ServerProcess:
    """One `taskcenter` process on a loopback port, with its output in a temp file."""

    def __init__(self, binary=None, extra_args=(), memory_only=None):
        self.binary = binary or binary_path()
        if self.binary is None:
            raise RuntimeError("no server binary: set TC_BINARY or build build/taskcenter")
        self.tmp = tempfile.TemporaryDirectory(prefix="tc-conf-")
        self.port_file = os.path.join(self.tmp.name, "port")
        self.log_path = os.path.join(self.tmp.name, "server.log")
        args = list(server_args()) + list(extra_args)
        if memory_only is None:
            memory_only = not any(a.startswith("--data-dir") for a in args)
        self.args = [self.binary, "--host", "127.0.0.1"]
        self.args += ["--port", "0", "--port-file", self.port_file]
        if memory_only:
            self.args += ["--data-dir", ""]
        self.args += args
        self.proc = None
        self.port = None

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}"

    def start(self, ready_timeout=20.0):
        self._log = open(self.log_path, "wb")
        self.proc = subprocess.Popen(self.args, stdout=self._log, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + ready_timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited with {self.proc.returncode} at start: "
                                   f"{' '.join(self.args)}\n{self.log()}")
            if self.port is None:
                try:
                    with open(self.port_file) as f:
                        text = f.read().strip()
                    if text:
                        self.port = int(text)
                except (FileNotFoundError, ValueError):
                    pass
            if self.port is not None and self._healthy():
                return self
            time.sleep(0.02)
        self.kill()
        raise RuntimeError(f"server did not become healthy: {' '.join(self.args)}\n{self.log()}")

    def _healthy(self):
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1) as s:
                s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                data = s.recv(64)
                return data.startswith(b"HTTP/1.1 200") or data.startswith(b"HTTP/1.0 200")
        except OSError:
            return False

    def log(self):
        """The server's output: from the first sanitizer report if there is one, else the tail."""
        try:
            with open(self.log_path, "rb") as f:
                text = f.read().decode("utf-8", errors="replace")
        except OSError:
            return ""
        for marker in ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "runtime error:",
                       "ThreadSanitizer"):
            at = text.find(marker)
            if at >= 0:
                start = text.rfind("\n", 0, max(0, at - 200)) + 1
                return text[:300] + "\n...\n" + text[start:start + 6000]
        return text[-6000:]

    def terminate(self, timeout=20.0):
        """SIGTERM and wait; returns the exit code (None if it had to be killed)."""
        if self.proc is None or self.proc.poll() is not None:
            return self.proc.returncode if self.proc else None
        self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            return None

    def stop_checked(self, what):
        """SIGTERM, close, and fail unless it exited 0 (for private servers' tearDownClass)."""
        code = self.terminate()
        log = self.log()
        self.close()
        assert code == 0, f"{what} exited with {code}; log tail:\n{log}"

    def kill(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()

    def close(self):
        self.kill()
        if getattr(self, "_log", None):
            self._log.close()
        self.tmp.cleanup()


# The suite's tests run in parallel over thousands of queues on the shared servers, and
# each reads its own queue's histograms: no bound on which queues have them.
SHARED_SERVER_ARGS = ("--metrics-queue-histograms", "1000000")


class Deployment:
    """The servers the suite talks to: given URLs, or processes it started itself."""

    def __init__(self):
        self.servers = []
        urls = os.environ.get("TC_BASE_URLS", "").strip()
        if urls:
            self.urls = [u.strip().rstrip("/") for u in urls.split(",") if u.strip()]
        else:
            count = int(os.environ.get("TC_INSTANCES", "1"))
            started = []
            try:
                for _ in range(count):
                    started.append(ServerProcess(extra_args=SHARED_SERVER_ARGS).start())
            except Exception:
                for s in started:
                    s.close()
                raise
            self.servers = started
            self.urls = [s.url for s in self.servers]
        self.token = os.environ.get("TC_TOKEN") or None
        self.exit_codes = []

    def client(self):
        return Client(self.urls, token=self.token)

    def stop(self):
        """Stops the servers this deployment started; returns their exit codes."""
        codes = [s.terminate() for s in self.servers]
        for s in self.servers:
            if s.proc and s.proc.returncode != 0:
                print(f"\n[harness] server {s.url} exited with {s.proc.returncode}; log tail:\n"
                      f"{s.log()}")
            s.close()
        self.servers = []
        self.exit_codes = codes
        return codes


_deployment = None
_lock = threading.Lock()


def deployment():
    """The shared deployment, started on first use and stopped at exit."""
    global _deployment
    with _lock:
        if _deployment is None:
            _deployment = Deployment()
            atexit.register(_stop_at_exit)
        return _deployment


def _stop_at_exit():
    # run_suite.py stops the deployment itself and turns a bad exit code into a failure;
    # under plain `python3 -m unittest` this is the fallback.
    if _deployment is not None and _deployment.servers:
        codes = _deployment.stop()
        if any(c != 0 for c in codes):
            print(f"[harness] FAILURE: shared servers exited with {codes}, expected 0")
            os._exit(1)


def can_start_servers():
    return binary_path() is not None


def host_port(url):
    parts = urllib.parse.urlsplit(url)
    return parts.hostname, parts.port
