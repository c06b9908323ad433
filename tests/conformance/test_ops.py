"""Operational endpoints, HTTP behaviour, auth and graceful shutdown."""

import http.client
import json
import socket
import time
import unittest

import harness
from base import Background, ConformanceTest
from client import Client


class OpsEndpointsTest(ConformanceTest):
    def each_instance(self):
        return range(len(self.c.base_urls))

    def test_healthz_and_readyz(self):
        for i in self.each_instance():
            for path in ("/healthz", "/readyz"):
                with self.subTest(instance=i, path=path):
                    self.assertEqual(self.c.get(path, instance=i).status, 200)

    def test_version_and_buildtime(self):
        for path in ("/version", "/buildtime"):
            with self.subTest(path=path):
                resp = self.c.get(path)
                self.assertEqual(resp.status, 200)
                self.assertTrue(resp.text.strip(), f"{path} says something")

    def test_metrics_is_prometheus_text(self):
        q = self.queue()
        self.put(q, "a")
        resp = self.c.get("/metrics")
        self.assertEqual(resp.status, 200)
        self.assertIn("text/plain", resp.headers.get("Content-Type", ""))
        lines = [ln for ln in resp.text.splitlines() if ln and not ln.startswith("#")]
        self.assertTrue(lines, "at least one sample")
        for ln in lines:
            name, _, value = ln.rpartition(" ")
            self.assertTrue(name, ln)
            float(value)  # every sample ends with a number
        self.assertIn("# TYPE", resp.text)

    def test_waiting_long_polls_are_visible(self):
        q = self.queue()
        self.put(q, "first")
        cursor = self.c.peek(q, instance=0).json["cursor"]
        waiter = Background(self.c.peek, q, cursor=cursor, timeout=30, instance=0)

        def waiting():
            stat = self.ok(self.c.stat_queue(q, instance=0))
            return stat.get("waiting", 0) >= 1 and stat

        self.wait_until(waiting, what="stat_queue.waiting >= 1")
        metrics = self.c.get("/metrics", instance=0).text
        samples = {ln.rsplit(" ", 1)[0]: float(ln.rsplit(" ", 1)[1])
                   for ln in metrics.splitlines() if ln and not ln.startswith("#")}
        self.assertGreaterEqual(samples.get("taskcenter_waiting", 0), 1, metrics)
        self.put(q, "wake")
        self.assertEqual([t["id"] for t in self.ok(waiter.join())], ["wake"])

    def test_head_is_get_without_a_body(self):
        for path in ("/healthz", "/version"):
            with self.subTest(path=path):
                resp = self.c.request("HEAD", path)
                self.assertEqual(resp.status, 200, resp)
                self.assertEqual(resp.raw, b"", resp)
        # HEAD of a POST endpoint stays a wrong method.
        self.assertEqual(self.c.request("HEAD", "/task/put").status, 405)

    def test_request_counters_grow(self):
        def total():
            text = self.c.get("/metrics", instance=0).text
            return sum(float(ln.rsplit(" ", 1)[1]) for ln in text.splitlines()
                       if ln.startswith("taskcenter_requests_total"))

        before = total()
        for _ in range(3):
            self.ok(self.c.stat_queue(self.queue(), instance=0))
        self.assertGreaterEqual(total(), before + 3)

    def test_openapi_describes_the_endpoints(self):
        resp = self.c.get("/openapi.json")
        self.assertEqual(resp.status, 200)
        doc = json.loads(resp.text)
        self.assertIn("openapi", doc)
        for path in ("/task/put", "/task/peek", "/task/acquire", "/task/reply", "/task/call",
                     "/task/remove", "/task/clear_queue", "/task/list_queue",
                     "/task/stat_queue", "/task/take", "/task/touch", "/task/put_batch"):
            self.assertIn(path, doc.get("paths", {}))

    def test_docs_and_dashboard_are_html(self):
        for path in ("/docs", "/"):
            with self.subTest(path=path):
                resp = self.c.get(path)
                self.assertEqual(resp.status, 200)
                self.assertIn("text/html", resp.headers.get("Content-Type", ""))
                self.assertIn("<html", resp.text.lower())

    def test_error_responses_are_json(self):
        resp = self.c.get("/no/such/page")
        self.err(resp, "0007", 404)
        self.assertIn("application/json", resp.headers.get("Content-Type", ""))


class HttpBehaviourTest(ConformanceTest):
    def raw_exchange(self, request_bytes):
        host, port = harness.host_port(self.c.base_urls[0])
        with socket.create_connection((host, port), timeout=10) as s:
            s.sendall(request_bytes)
            chunks = []
            while True:
                data = s.recv(65536)
                if not data:
                    break
                chunks.append(data)
            return b"".join(chunks)

    def test_http_1_0_is_answered_and_closed(self):
        q = self.queue()
        body = json.dumps({"queue": q, "id": "a"}).encode()
        req = (b"POST /task/put HTTP/1.0\r\nContent-Type: application/json\r\n"
               b"Content-Length: %d\r\n\r\n" % len(body)) + body
        if self.deployment.token:
            self.skipTest("raw request carries no token")
        answer = self.raw_exchange(req)
        self.assertTrue(answer.startswith(b"HTTP/1."), answer[:100])
        self.assertIn(b" 200 ", answer.split(b"\r\n")[0])
        self.assertTrue(answer.endswith(b'"data":true}') or b'"data": true' in answer
                        or b'"data":true' in answer, answer)

    def test_keep_alive_serves_many_requests_on_one_connection(self):
        host, port = harness.host_port(self.c.base_urls[0])
        conn = http.client.HTTPConnection(host, port, timeout=10)
        q = self.queue()
        headers = {"Content-Type": "application/json"}
        if self.deployment.token:
            headers["Authorization"] = f"Bearer {self.deployment.token}"
        for i in range(20):
            conn.request("POST", "/task/put", json.dumps({"queue": q, "id": str(i)}), headers)
            resp = conn.getresponse()
            self.assertEqual(resp.status, 200)
            resp.read()
        conn.close()
        self.assertEqual(self.stat(q)["length"], 20)


@unittest.skipUnless(harness.can_start_servers(), "needs the server binary (TC_BINARY)")
class AuthTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = harness.ServerProcess(extra_args=["--token", "s3cret"]).start()

    @classmethod
    def tearDownClass(cls):
        cls.server.stop_checked("auth server")

    def check_error(self, resp, code, status):
        self.assertEqual(resp.status, status, resp)
        self.assertEqual(resp.err_code, code, resp)
        self.assertTrue(str(resp.json.get("message", "")).strip(), resp)

    def test_missing_and_wrong_token_are_refused(self):
        q = harness.unique()
        anonymous = Client(self.server.url)
        wrong = Client(self.server.url, token="wrong")
        right = Client(self.server.url, token="s3cret")
        for client in (anonymous, wrong):
            for path in ("put", "put_batch", "peek", "acquire", "take", "reply", "call",
                         "touch", "remove", "clear_queue", "list_queue", "stat_queue"):
                with self.subTest(path=path, token=client.token):
                    self.check_error(client.post(f"/task/{path}", {"queue": q, "id": "a"}),
                                     "0004", 401)
            self.check_error(client.put(q, "a"), "0004", 401)
        basic = anonymous.post("/task/put", {"queue": q, "id": "a"},
                               headers={"Authorization": "Basic czNjcmV0"})
        self.check_error(basic, "0004", 401)
        # Nothing was put by the refused requests.
        self.assertIsNone(right.stat_queue(q).data)
        resp = right.put(q, "a")
        self.assertEqual((resp.status, resp.err_code, resp.data), (200, "0000", True))
        self.assertEqual(right.stat_queue(q).data["length"], 1)
        # Probes stay open so orchestrators can reach them.
        self.assertEqual(anonymous.get("/healthz").status, 200)


@unittest.skipUnless(harness.can_start_servers(), "needs the server binary (TC_BINARY)")
class GracefulShutdownTest(unittest.TestCase):
    def test_sigterm_answers_waiting_peek_and_exits_zero(self):
        server = harness.ServerProcess().start()
        try:
            client = Client(server.url)
            q = harness.unique()
            client.put(q, "a")
            cursor = client.peek(q).json["cursor"]
            waiters = [Background(client.peek, q, cursor=cursor, size=1, timeout=60),
                       Background(client.call, harness.unique(), "c", 60)]
            time.sleep(0.5)
            self.assertTrue(all(not w.done for w in waiters), "long-polls are waiting")
            code_holder = Background(server.terminate, 30)
            peek = waiters[0].join(30)
            self.assertEqual(peek.status, 200, peek)
            self.assertEqual(peek.err_code, "0000", peek)
            self.assertEqual(peek.data, [])
            call = waiters[1].join(30)
            self.assertIn(call.err_code, ("0001", "0005"), call)
            self.assertEqual(code_holder.join(40), 0, server.log())
            with self.assertRaises(OSError):
                socket.create_connection(("127.0.0.1", server.port), timeout=2).close()
        finally:
            server.close()

    def test_sigterm_when_idle_exits_zero(self):
        server = harness.ServerProcess().start()
        try:
            Client(server.url).put(harness.unique(), "a")
            self.assertEqual(server.terminate(), 0, server.log())
        finally:
            server.close()


if __name__ == "__main__":
    unittest.main()
