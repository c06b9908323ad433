"""How the store's scripts run on Redis (docs/redis.md, "How the scripts run").

Each test starts its own redis-server and taskcenter (TC_BINARY) and checks, through
Redis's own INFO commandstats and FUNCTION LIST, which way the scripts ran:
  - `--redis-scripts auto` on Redis 7: one Function library, FCALL, no EVALSHA;
  - `--redis-scripts eval`: EVALSHA only, no library loaded;
  - the library flushed (FUNCTION FLUSH) while running: loaded again, nothing fails;
  - a server whose ACL refuses FUNCTION (as Redis before 7 refuses the command): `auto`
    falls back to EVALSHA once, logged, and keeps working; `functions` answers 0010
    and changes nothing.
The HTTP conformance suite and the differential test run the rules themselves in both
ways (its deployment c runs `eval`).
"""

import os
import shutil
import subprocess
import sys
import unittest
import uuid
import warnings

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "conformance"))
sys.path.insert(0, HERE)

from client import Client  # noqa: E402
from harness import ServerProcess  # noqa: E402
from test_faults import RedisServer  # noqa: E402


def redis_cli(server, *args):
    return subprocess.run(["redis-cli", "-p", str(server.port), *args], capture_output=True,
                          text=True, check=True).stdout


def script_calls(server):
    """{'fcall': n, 'evalsha': n, 'function|load': n} from INFO commandstats."""
    calls = {"fcall": 0, "evalsha": 0, "function|load": 0}
    for line in redis_cli(server, "INFO", "commandstats").splitlines():
        for name in calls:
            if line.startswith(f"cmdstat_{name}:"):
                fields = dict(kv.split("=") for kv in line.split(":", 1)[1].split(","))
                calls[name] = int(fields["calls"])
    return calls


def libraries(server):
    out = redis_cli(server, "FUNCTION", "LIST")
    return [w for w in out.split() if w.startswith("taskcenter_")]


class ScriptModeTest(unittest.TestCase):
    def setUp(self):
        warnings.simplefilter("ignore", ResourceWarning)
        if not (shutil.which("redis-server") and shutil.which("redis-cli")
                and os.environ.get("TC_BINARY")):
            self.skipTest("needs redis-server, redis-cli and TC_BINARY")
        self.redis = RedisServer()
        self.servers = []

    def tearDown(self):
        for s in self.servers:
            s.close()
        self.redis.close()

    def start(self, *extra):
        s = ServerProcess(extra_args=["--redis", self.redis.url, "--redis-prefix",
                                      "tcmode" + uuid.uuid4().hex[:8], *extra],
                          memory_only=False)
        self.servers.append(s.start())
        return s

    def ok(self, response):
        self.assertEqual(response.err_code, "0000", response)
        return response.data

    def round_trip(self, client, queue="q"):
        """put, take, reply and stat_queue: a few scripts of each kind."""
        self.assertIs(self.ok(client.put(queue, "a", info=1)), True)
        taken = self.ok(client.take(queue, 30, size=1))
        self.assertEqual([t["id"] for t in taken], ["a"])
        self.assertIs(self.ok(client.reply(queue, "a", info="done")), True)
        return self.ok(client.stat_queue(queue))

    def test_auto_runs_a_function_library_on_redis_7(self):
        server = self.start()
        self.round_trip(Client(server.url))
        calls = script_calls(self.redis)
        self.assertGreater(calls["fcall"], 0)
        self.assertEqual(calls["evalsha"], 0)
        self.assertEqual(len(libraries(self.redis)), 1)

    def test_eval_runs_evalsha_and_loads_no_library(self):
        server = self.start("--redis-scripts", "eval")
        self.round_trip(Client(server.url))
        calls = script_calls(self.redis)
        self.assertGreater(calls["evalsha"], 0)
        self.assertEqual(calls["fcall"], 0)
        self.assertEqual(libraries(self.redis), [])

    def test_a_flushed_library_is_loaded_again(self):
        server = self.start("--redis-scripts", "functions")
        client = Client(server.url)
        self.round_trip(client, "before")
        redis_cli(self.redis, "FUNCTION", "FLUSH")
        self.round_trip(client, "after")
        self.assertEqual(len(libraries(self.redis)), 1)
        # Loaded again (by this round trip or a background pass that came first).
        self.assertGreaterEqual(script_calls(self.redis)["function|load"], 2)

    def refuse_functions(self):
        # The default user may not run FUNCTION (LOAD), as a server without the command
        # refuses it; FCALL stays allowed and finds no function.
        redis_cli(self.redis, "ACL", "SETUSER", "default", "-function")

    def test_auto_falls_back_to_evalsha_when_functions_are_refused(self):
        self.refuse_functions()
        server = self.start()
        client = Client(server.url)
        self.round_trip(client, "one")
        self.round_trip(client, "two")
        calls = script_calls(self.redis)
        self.assertGreater(calls["evalsha"], 0)
        self.assertEqual(libraries(self.redis), [])
        self.assertEqual(server.log().count("refuses Redis Functions"), 1, server.log())

    def test_functions_asked_for_and_refused_answer_0010_and_change_nothing(self):
        self.refuse_functions()
        server = self.start("--redis-scripts", "functions")
        r = Client(server.url).put("q", "a")
        self.assertEqual(r.err_code, "0010", r)
        self.assertIn("NOPERM", r.json["message"])
        # No key but the reaper's sweep token, a plain SET NX that its first pass may
        # have written already (it runs no script).
        keys = [k for k in redis_cli(self.redis, "KEYS", "*").split()
                if not k.endswith(":{%due}:sweep")]
        self.assertEqual(keys, [])


if __name__ == "__main__":
    unittest.main()
