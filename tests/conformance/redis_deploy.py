#!/usr/bin/env python3
"""Runs the conformance suite against a Redis deployment that this script starts.

  python3 tests/conformance/redis_deploy.py single   # (a) one taskcenter on one Redis
  python3 tests/conformance/redis_deploy.py shared   # (b) three taskcenters on one Redis
  python3 tests/conformance/redis_deploy.py cluster  # (c) three taskcenters on a 3-master cluster
  ... [--instances N] [--keep] [-- run_suite.py arguments]

Redis servers get free loopback ports and a temporary directory, and are shut down at
the end. Every run uses a fresh key prefix. TC_BINARY names the taskcenter binary, as for
run_suite.py; REDIS_SERVER / REDIS_CLI override the redis-server / redis-cli paths.
Exit code: run_suite.py's (0 = every test passed and every server exited 0).
"""

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from harness import _free_port  # noqa: E402


class RedisProcess:
    """One redis-server on a loopback port, in its own directory."""

    def __init__(self, root, cluster=False):
        self.port = _free_port()
        self.dir = os.path.join(root, f"redis-{self.port}")
        os.makedirs(self.dir)
        exe = os.environ.get("REDIS_SERVER") or shutil.which("redis-server")
        if not exe:
            raise SystemExit("redis-server not found (apt-get install redis-server)")
        args = [exe, "--port", str(self.port), "--bind", "127.0.0.1", "--dir", self.dir,
                "--save", "", "--appendonly", "no", "--protected-mode", "no",
                "--daemonize", "no", "--logfile", os.path.join(self.dir, "redis.log")]
        if cluster:
            args += ["--cluster-enabled", "yes",
                     "--cluster-config-file", os.path.join(self.dir, "nodes.conf"),
                     "--cluster-node-timeout", "5000",
                     # The bus port defaults to port + 10000, which may be taken or > 65535.
                     "--cluster-port", str(_free_port())]
        self.proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while cli(self.port, "PING") != "PONG":
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"redis-server on {self.port} did not start; see {self.dir}")
            time.sleep(0.05)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def redis_cli():
    exe = os.environ.get("REDIS_CLI") or shutil.which("redis-cli")
    if not exe:
        raise SystemExit("redis-cli not found (apt-get install redis-tools)")
    return exe


def cli(port, *args):
    result = subprocess.run([redis_cli(), "-p", str(port), *args], capture_output=True,
                            text=True, timeout=30)
    return result.stdout.strip()


def start_cluster(root, masters=3):
    nodes = [RedisProcess(root, cluster=True) for _ in range(masters)]
    addrs = [f"127.0.0.1:{n.port}" for n in nodes]
    subprocess.run([redis_cli(), "--cluster", "create", *addrs, "--cluster-replicas", "0",
                    "--cluster-yes"], check=True, capture_output=True, timeout=60)
    deadline = time.monotonic() + 30
    while "cluster_state:ok" not in cli(nodes[0].port, "CLUSTER", "INFO"):
        if time.monotonic() > deadline:
            raise SystemExit("the Redis cluster never reached cluster_state:ok")
        time.sleep(0.1)
    return nodes


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("mode", choices=["single", "shared", "cluster"])
    parser.add_argument("--instances", type=int, help="taskcenter instances (default 1 / 3 / 3)")
    parser.add_argument("--keep", action="store_true", help="keep the temp dir (Redis logs)")
    parser.add_argument("suite_args", nargs=argparse.REMAINDER,
                        help="after --: arguments for run_suite.py")
    args = parser.parse_args()
    suite_args = args.suite_args[1:] if args.suite_args[:1] == ["--"] else args.suite_args

    root = tempfile.mkdtemp(prefix="tc-redis-")
    servers = []
    try:
        if args.mode == "cluster":
            servers = start_cluster(root)
        else:
            servers = [RedisProcess(root)]
        instances = args.instances or (1 if args.mode == "single" else 3)
        # Any node of a cluster will do: taskcenter discovers the others.
        url = f"redis://127.0.0.1:{servers[-1].port}/0"
        prefix = f"tcconf{uuid.uuid4().hex[:8]}"
        env = dict(os.environ,
                   TC_SERVER_ARGS=f"--redis {url} --redis-prefix {prefix} "
                                  + os.environ.get("TC_SERVER_ARGS", ""),
                   TC_INSTANCES=str(instances))
        env.pop("TC_BASE_URLS", None)
        print(f"[redis_deploy] {args.mode}: redis ports {[s.port for s in servers]}, "
              f"{instances} taskcenter instance(s), prefix {prefix}", flush=True)
        code = subprocess.call([sys.executable, os.path.join(HERE, "run_suite.py"), *suite_args],
                               env=env)
    finally:
        for s in servers:
            s.stop()
        if args.keep:
            print(f"[redis_deploy] kept {root}")
        else:
            shutil.rmtree(root, ignore_errors=True)
    return code


if __name__ == "__main__":
    sys.exit(main())
