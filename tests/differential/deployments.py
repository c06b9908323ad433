"""The five deployments the differential test compares, started on loopback ports.

  a  memory only (--data-dir '')
  b  memory + append-only log (--data-dir <tmp>)
  c  one taskcenter on one Redis
  d  two taskcenters on one Redis, requests alternating between them
  e  two taskcenters on a 3-master Redis Cluster, requests alternating

Processes come from the conformance suite's harness (ServerProcess, RedisProcess,
start_cluster), so both suites start servers the same way.
"""

import os
import sys
import tempfile
import uuid

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "conformance"))

from client import Client  # noqa: E402
from harness import ServerProcess  # noqa: E402
from redis_deploy import RedisProcess, start_cluster  # noqa: E402

DESCRIPTIONS = {
    "a": "memory only",
    "b": "memory + log",
    "c": "1 taskcenter on 1 Redis, scripts as EVAL (--redis-scripts eval)",
    "d": "2 taskcenters on 1 Redis (alternating)",
    "e": "2 taskcenters on a 3-master Redis Cluster (alternating)",
}
ALL = "abcde"


class Deployment:
    """The taskcenter instances of one deployment; requests alternate over them."""

    def __init__(self, name, servers, args, redis=()):
        self.name = name
        self.servers = servers
        self.args = args  # the taskcenter arguments, to start an instance again
        self.redis = list(redis)
        self.next_instance = 0
        self._connect()

    def _connect(self):
        self.urls = [s.url for s in self.servers]
        self.clients = [Client([u]) for u in self.urls]

    @property
    def durable(self):
        """True when the state outlives the taskcenter processes (a log or Redis)."""
        return self.name != "a"

    def restart(self, crash):
        """Stops every instance (SIGKILL when crash, else SIGTERM) and starts it again on
        the same data directory or Redis; the exit codes (None for a crash)."""
        codes = []
        for client in self.clients:
            client.close()
        for index, server in enumerate(self.servers):
            if crash:
                server.kill()
                codes.append(None)
            else:
                codes.append(server.terminate())
            server.close()
            self.servers[index] = ServerProcess(extra_args=self.args, memory_only=False).start()
        self._connect()
        return codes

    def pick(self):
        """The instance for the next compared request (round robin)."""
        index = self.next_instance % len(self.clients)
        self.next_instance += 1
        return index

    def post(self, path, payload, instance=None, http_timeout=None):
        """(instance index, Response). Without instance: the next one in turn."""
        index = self.pick() if instance is None else instance
        kw = {"http_timeout": http_timeout} if http_timeout else {}
        return index, self.clients[index].post(path, payload, **kw)

    def waiting(self, instance):
        """taskcenter_waiting of one instance (long-polls waiting there now)."""
        text = self.clients[instance].get("/metrics").text
        for line in text.splitlines():
            if line.startswith("taskcenter_waiting "):
                return int(float(line.split()[1]))
        raise RuntimeError(f"{self.name}: /metrics has no taskcenter_waiting")

    def close(self):
        for client in self.clients:
            client.close()
        for server in self.servers:
            server.terminate()
            server.close()
        for redis in self.redis:
            redis.stop()


def _taskcenters(count, args):
    started = []
    try:
        for _ in range(count):
            started.append(ServerProcess(extra_args=args, memory_only=False).start())
    except Exception:
        for s in started:
            s.close()
        raise
    return started


def start(names, root):
    """Starts the named deployments (letters of ALL) under the directory root."""
    deployments = []
    try:
        for name in names:
            if name == "a":
                args = ["--data-dir", ""]
                deployments.append(Deployment(name, _taskcenters(1, args), args))
            elif name == "b":
                data = tempfile.mkdtemp(prefix="log-", dir=root)
                args = ["--data-dir", data]
                deployments.append(Deployment(name, _taskcenters(1, args), args))
            else:
                if name == "e":
                    redis = start_cluster(root)
                else:
                    redis = [RedisProcess(root)]
                args = ["--data-dir", "", "--redis", f"redis://127.0.0.1:{redis[-1].port}/0",
                        "--redis-prefix", f"tcdiff{uuid.uuid4().hex[:8]}"]
                # One Redis runs the scripts as EVAL scripts (as on Redis before 7), the
                # other two as a Function library: the differential test holds the two
                # ways of running them to the same behaviour.
                if name == "c":
                    args += ["--redis-scripts", "eval"]
                try:
                    servers = _taskcenters(1 if name == "c" else 2, args)
                except Exception:
                    for r in redis:
                        r.stop()
                    raise
                deployments.append(Deployment(name, servers, args, redis))
    except BaseException:
        for d in deployments:
            d.close()
        raise
    return deployments
