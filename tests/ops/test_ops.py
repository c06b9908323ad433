"""What an operator sees, with real processes: /metrics checked by promtool with
per-queue series that appear and go away with their queue, the access log and the
JSON log lines, and the size and time of a scrape over 10,000 queues (printed, not
asserted: benchmarks are not tests; tests/ops/scrape_cost.py compares servers).

Needs TC_BINARY (else build/taskcenter) and promtool (Debian package `prometheus`,
installed by scripts/deps.sh).
"""

import json
import os
import re
import shutil
import subprocess
import sys
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "conformance"))

from harness import ServerProcess  # noqa: E402

PROMTOOL = shutil.which("promtool")
RFC3339_MS = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")


def promtool_check(text):
    """promtool's verdict on an exposition: (ok, its complaints)."""
    done = subprocess.run([PROMTOOL, "check", "metrics"], input=text.encode(),
                          capture_output=True, timeout=60)
    return done.returncode == 0, (done.stdout + done.stderr).decode()


def series(text, name):
    """{labels-text: value} of the samples of one metric name."""
    out = {}
    for line in text.splitlines():
        if line.startswith(name + "{") or line.startswith(name + " "):
            key, _, value = line.rpartition(" ")
            out[key[len(name):]] = float(value)
    return out


class MetricsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = ServerProcess(extra_args=["--threads", "2"]).start()
        from client import Client
        cls.client = Client([cls.server.url])

    @classmethod
    def tearDownClass(cls):
        cls.client.close()
        cls.server.terminate()
        cls.server.close()

    def metrics(self):
        r = self.client.get("/metrics")
        self.assertEqual(r.status, 200)
        self.assertTrue(r.headers["Content-Type"].startswith("text/plain; version=0.0.4"))
        return r.raw.decode()

    @unittest.skipIf(PROMTOOL is None, "promtool not installed (apt-get install prometheus)")
    def test_exposition_is_promtool_clean_with_every_family(self):
        c = self.client
        c.put("m-q", "a", content=b"x")
        c.put("m-q", "b")
        c.take("m-q", promise_reply_time=30)
        c.post("/task/call", {"queue": "m-q", "id": "c", "timeout": 0.05})
        text = self.metrics()
        ok, complaints = promtool_check(text)
        self.assertTrue(ok, complaints)
        for family in ["taskcenter_requests_total", "taskcenter_request_duration_seconds_bucket",
                       "taskcenter_store_errors_total", "taskcenter_connections",
                       "taskcenter_connections_refused_total", "taskcenter_call_wait_duration_seconds_count",
                       "taskcenter_call_timeouts_total", "taskcenter_redis_reconnects_total",
                       "process_cpu_seconds_total", "process_resident_memory_bytes",
                       "process_open_fds", "process_max_fds", "process_start_time_seconds",
                       "taskcenter_store_ready", "taskcenter_queue_pending",
                       "taskcenter_queue_take_batch_size_bucket",
                       "taskcenter_all_queues_take_batch_size_bucket",
                       "taskcenter_all_queues_delay_seconds_bucket",
                       "taskcenter_all_queues_service_seconds_count",
                       "taskcenter_streams{", "taskcenter_streams_ended_total{"]:
            self.assertIn("\n" + family, text, family)
        q = '{queue="m-q"}'
        self.assertEqual(series(text, "taskcenter_queue_leased")[q], 1)
        self.assertEqual(series(text, "taskcenter_queue_pending")[q], 2)  # b... and the call's c
        self.assertEqual(series(text, "taskcenter_queue_put_total")[q], 3)
        self.assertGreaterEqual(series(text, "taskcenter_call_timeouts_total")[""], 1)
        self.assertEqual(series(text, "taskcenter_queue_take_batch_size_count")[q], 1)
        self.assertEqual(series(text, "taskcenter_queue_take_batch_size_sum")[q], 1)

    def test_take_batch_sizes_by_queue(self):
        c = self.client
        c.post("/task/put_batch", {"queue": "m-sizes", "tasks": [{"id": str(i)} for i in range(7)]})
        self.assertEqual(len(c.take("m-sizes", size=5, promise_reply_time=30).data), 5)
        self.assertEqual(len(c.take("m-sizes", size=5, promise_reply_time=30).data), 2)
        c.take("m-sizes", size=5, promise_reply_time=30)  # empty: not a batch
        buckets = series(self.metrics(), "taskcenter_queue_take_batch_size_bucket")
        self.assertEqual(buckets['{queue="m-sizes",le="1"}'], 0)
        self.assertEqual(buckets['{queue="m-sizes",le="2"}'], 1)
        self.assertEqual(buckets['{queue="m-sizes",le="8"}'], 2)
        self.assertEqual(buckets['{queue="m-sizes",le="+Inf"}'], 2)
        self.assertEqual(c.post("/task/clear_queue", {"queue": "m-sizes"}).data, True)
        self.assertNotIn("m-sizes", self.metrics())

    def test_queue_delay_and_service_time_by_queue(self):
        c = self.client
        c.put("m-lat", "a")
        self.assertEqual(len(c.take("m-lat", promise_reply_time=30).data), 1)
        self.assertIs(c.reply("m-lat", "a").data, True)
        text = self.metrics()
        if PROMTOOL:
            ok, complaints = promtool_check(text)
            self.assertTrue(ok, complaints)
        q = '{queue="m-lat"}'
        for family in ["taskcenter_queue_delay_seconds", "taskcenter_queue_service_seconds"]:
            self.assertIn(f"# TYPE {family} histogram", text)
            self.assertEqual(series(text, family + "_count")[q], 1)
            self.assertEqual(series(text, family + "_bucket")['{queue="m-lat",le="+Inf"}'], 1)
            self.assertEqual(len([k for k in series(text, family + "_bucket") if "m-lat" in k]), 19)
        self.assertEqual(c.post("/task/clear_queue", {"queue": "m-lat"}).data, True)
        self.assertNotIn("m-lat", self.metrics())

    def test_per_queue_series_appear_and_go_away_with_their_queue(self):
        c = self.client
        q = 'q "quoted" \\ name'
        self.assertNotIn("m-gone", self.metrics())
        c.put("m-gone", "a")
        c.put(q, "a")
        text = self.metrics()
        self.assertEqual(series(text, "taskcenter_queue_pending")['{queue="m-gone"}'], 1)
        self.assertEqual(series(text, "taskcenter_queue_pending")['{queue="q \\"quoted\\" \\\\ name"}'], 1)
        if PROMTOOL:
            ok, complaints = promtool_check(text)
            self.assertTrue(ok, complaints)
        self.assertEqual(c.post("/task/clear_queue", {"queue": "m-gone"}).data, True)
        self.assertEqual(c.post("/task/clear_queue", {"queue": q}).data, True)
        text = self.metrics()
        self.assertNotIn("m-gone", text)
        self.assertNotIn("quoted", text)

    def test_scrape_of_10000_queues(self):
        """Prints the size and time of one scrape with 10,000 queues (one task each)."""
        c = self.client
        n = 10_000
        for i in range(n):
            c.put(f"bulk-{i:05d}", "t")
        started = time.monotonic()
        text = self.metrics()
        took = time.monotonic() - started
        self.assertEqual(len(series(text, "taskcenter_queue_pending")), n + 1)  # + m-q
        print(f"\nscrape with {n} queues: {len(text) / 1e6:.2f} MB in {took * 1000:.0f} ms "
              f"(client and server on this machine)", file=sys.stderr)
        if PROMTOOL:
            ok, complaints = promtool_check(text)
            self.assertTrue(ok, complaints)
        for i in range(n):
            c.post("/task/clear_queue", {"queue": f"bulk-{i:05d}"})


class LogsTest(unittest.TestCase):
    def test_access_log_has_one_line_per_request_and_never_content(self):
        server = ServerProcess(extra_args=["--token", "s3cret-token", "--log-format", "json"])
        access = os.path.join(server.tmp.name, "access.log")
        server.args += ["--access-log", access]
        server.start()
        try:
            from client import Client
            c = Client([server.url], token="s3cret-token")
            c.put("secret-queue", "secret-id", info={"secret": "info"}, content=b"secret content")
            c.post("/task/stat_queue?token=s3cret-token", {"queue": "secret-queue"})
            c.post("/task/nope", {})
            c.post("/task/put", "{not json")
            c.get("/healthz")
            c.close()
        finally:
            server.terminate()
        with open(access) as f:
            lines = [json.loads(line) for line in f]
        while lines and lines[0]["path"] == "/healthz":
            lines.pop(0)  # the harness's readiness probes
        self.assertEqual([(l["method"], l["path"], l["status"], l["err_code"]) for l in lines],
                         [("POST", "/task/put", 200, "0000"),
                          ("POST", "/task/stat_queue", 200, "0000"),
                          ("POST", "/task/nope", 404, "0007"),
                          ("POST", "/task/put", 400, "0002"),
                          ("GET", "/healthz", 200, "0000")])
        for line in lines:
            self.assertRegex(line["time"], RFC3339_MS)
            self.assertTrue(line["peer"].startswith("127.0.0.1:"))
            self.assertGreater(line["bytes"], 0)
            self.assertGreaterEqual(line["duration_ms"], 0)
        with open(access) as f:
            raw = f.read()
        for secret in ["secret", "s3cret", "c2VjcmV0"]:
            self.assertNotIn(secret, raw)
        # The server's own lines are JSON with time, level and msg.
        own = [json.loads(line) for line in server.log().splitlines() if line.startswith("{")]
        self.assertTrue(any("listening on" in l["msg"] for l in own), server.log())
        for l in own:
            self.assertRegex(l["time"], RFC3339_MS)
            self.assertIn(l["level"], ["debug", "info", "warn", "error"])
        server.close()

    def test_bad_log_flags_are_usage_errors(self):
        binary = ServerProcess().binary
        for flag in (["--log-level", "loud"], ["--log-format", "xml"]):
            done = subprocess.run([binary, "--port", "0"] + flag, capture_output=True, text=True,
                                  timeout=30)
            self.assertEqual(done.returncode, 2, done.stderr)
            self.assertIn(flag[0], done.stderr)


if __name__ == "__main__":
    unittest.main()
