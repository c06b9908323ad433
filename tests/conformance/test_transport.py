"""HTTP transport behaviour over raw sockets: chunked bodies, pipelining, Expect:
100-continue, garbage, and the limits that keep slow or silent clients from holding
resources (read timeout, idle timeout, max connections)."""

import http.client
import json
import re
import socket
import time
import unittest

import harness
from base import ConformanceTest
from client import Client


def connect(url, timeout=10.0):
    host, port = harness.host_port(url)
    return socket.create_connection((host, port), timeout=timeout)


def read_until_closed(sock, limit=1 << 22):
    """Everything the server sends until it closes (socket timeout -> AssertionError)."""
    chunks, total = [], 0
    while total < limit:
        try:
            data = sock.recv(65536)
        except ConnectionResetError:
            break
        except socket.timeout:
            raise AssertionError("the server kept the connection open")
        if not data:
            break
        chunks.append(data)
        total += len(data)
    return b"".join(chunks)


def post_bytes(path, body, extra_headers=b"", close=True):
    head = (b"POST %s HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
            b"Content-Length: %d\r\n" % (path.encode(), len(body)))
    if close:
        head += b"Connection: close\r\n"
    return head + extra_headers + b"\r\n" + body


def statuses(raw):
    """Status codes of the responses in raw (bodies here never contain 'HTTP/1.')."""
    return [int(m) for m in re.findall(rb"HTTP/1\.[01] (\d{3}) ", raw)]


class RawHttpTest(ConformanceTest):
    """Runs on the shared server (the first instance)."""

    def setUp(self):
        if self.deployment.token:
            self.skipTest("raw requests carry no token")
        self.url = self.c.base_urls[0]

    def exchange(self, data):
        with connect(self.url) as s:
            s.sendall(data)
            return read_until_closed(s)

    def test_chunked_request_body(self):
        q = self.queue()
        body = json.dumps({"queue": q, "id": "chunked"}).encode()
        head = (b"POST /task/put HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
                b"Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n")
        chunks = b"".join(b"%x\r\n%s\r\n" % (len(body[i:i + 7]), body[i:i + 7])
                          for i in range(0, len(body), 7))
        raw = self.exchange(head + chunks + b"0\r\n\r\n")
        self.assertEqual(statuses(raw), [200], raw)
        self.assertEqual(self.peek_ids(q), ["chunked"])

    def test_pipelined_requests_are_answered_in_order(self):
        q = self.queue()
        reqs = b"".join(post_bytes("/task/put", json.dumps({"queue": q, "id": str(i)}).encode(),
                                   close=False) for i in range(5))
        reqs += post_bytes("/task/stat_queue", json.dumps({"queue": q}).encode())
        raw = self.exchange(reqs)
        self.assertEqual(statuses(raw), [200] * 6, raw)
        self.assertIn(b'"length":5', raw.replace(b" ", b""))
        self.assertEqual(self.peek_ids(q), ["0", "1", "2", "3", "4"])

    def waiting_here(self, queue):
        """Long-polls waiting on `queue` in the instance behind self.url."""
        resp = self.c.post("/task/stat_queue", {"queue": queue}, instance=0)
        data = self.ok(resp)
        return (data or {}).get("waiting", 0)

    def abandon_long_poll(self, queue, path, body):
        """Sends a waiting request, makes sure the server waits on it, then closes the
        connection without reading the answer."""
        with connect(self.url) as s:
            s.sendall(post_bytes(path, json.dumps(body).encode(), close=False))
            self.wait_until(lambda: self.waiting_here(queue) >= 1, what="the server waits")
        # The server notices the close and stops waiting: nothing is left registered.
        self.wait_until(lambda: self.waiting_here(queue) == 0, what="the wait ends")

    def test_take_of_a_consumer_that_disconnected_leases_nothing(self):
        q = self.queue("gone")
        # A delayed task makes the queue exist (so stat_queue reports its waiters)
        # without being takeable.
        self.ok(self.c.put(q, "later", config={"delay": 600}))
        self.abandon_long_poll(q, "/task/take", {"queue": q, "size": 1, "timeout": 60,
                                                 "promise_reply_time": 600})
        self.ok(self.c.put(q, "now"))
        # Had the abandoned take still been waiting, it would have leased "now" for
        # 600 s to nobody; it is pending for the next consumer instead.
        stat = self.stat(q)
        self.assertEqual(stat["length"], 1, stat)
        self.assertEqual(self.peek_ids(q), ["now"])

    def test_abandoned_peek_stops_waiting(self):
        q = self.queue("gone")
        self.ok(self.c.put(q, "later", config={"delay": 600}))
        self.abandon_long_poll(q, "/task/peek", {"queue": q, "size": 1, "timeout": 60})
        self.ok(self.c.put(q, "now"))
        self.assertEqual(self.peek_ids(q), ["now"])

    def test_expect_100_continue(self):
        q = self.queue()
        body = json.dumps({"queue": q, "id": "e"}).encode()
        head = post_bytes("/task/put", b"", b"Expect: 100-continue\r\n")
        head = head.replace(b"Content-Length: 0", b"Content-Length: %d" % len(body))
        with connect(self.url) as s:
            s.sendall(head)
            first = s.recv(4096)
            self.assertTrue(first.startswith(b"HTTP/1.1 100"), first)
            s.sendall(body)
            raw = read_until_closed(s)
        self.assertEqual(statuses(raw), [200], raw)
        self.assertEqual(self.peek_ids(q), ["e"])

    def test_task_requests_must_be_declared_json(self):
        # A page of another site can POST text/plain without a preflight; JSON it cannot.
        q = self.queue()
        body = json.dumps({"queue": q, "id": "form"}).encode()
        for ctype in (b"application/x-www-form-urlencoded", b"text/plain", b"multipart/form-data",
                      b"application/jsonx", None):
            with self.subTest(content_type=ctype):
                data = post_bytes("/task/put", body)
                data = data.replace(b"Content-Type: application/json\r\n",
                                    b"Content-Type: %s\r\n" % ctype if ctype else b"")
                raw = self.exchange(data)
                self.assertEqual(statuses(raw), [415], raw)
                self.assertIn(b'"err_code":"0002"', raw)
                self.assertIn(b"application/json", raw.split(b"\r\n\r\n", 1)[1])
        self.assertIsNone(self.ok(self.c.stat_queue(q)))
        for ctype in (b"application/json; charset=utf-8", b"Application/JSON", b"application/json ;x=y"):
            with self.subTest(content_type=ctype):
                data = post_bytes("/task/put", body).replace(
                    b"Content-Type: application/json\r\n", b"Content-Type: %s\r\n" % ctype)
                self.assertEqual(statuses(self.exchange(data)), [200])
        self.assertEqual(self.peek_ids(q), ["form"])

    def test_oversized_header_is_431(self):
        raw = self.exchange(b"GET /healthz HTTP/1.1\r\nHost: t\r\nX-Big: " + b"a" * 40_000 +
                            b"\r\n\r\n")
        self.assertEqual(statuses(raw), [431], raw[:300])
        self.assertEqual(self.c.get("/healthz").status, 200)

    def test_query_string_is_ignored_for_routing(self):
        q = self.queue()
        self.put(q, "a")
        resp = self.c.post("/task/stat_queue?verbose=1", {"queue": q})
        self.assertEqual(self.ok(resp)["length"], 1)

    def test_garbage_does_not_hurt_the_server(self):
        for junk in (b"HELLO\r\n\r\n", b"\x00\xff" * 100 + b"\r\n\r\n",
                     b"POST /task/put HTTP/9.9\r\n\r\n",
                     b"POST /task/put HTTP/1.1\r\nContent-Length: -5\r\n\r\n",
                     b"POST /task/put HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n",
                     b"GET /healthz HTTP/1.1\r\nX: " + b"a" * 200_000 + b"\r\n\r\n"):
            with self.subTest(junk=junk[:40]):
                with connect(self.url) as s:
                    try:
                        s.sendall(junk)
                        s.shutdown(socket.SHUT_WR)
                        raw = read_until_closed(s)
                    except (BrokenPipeError, ConnectionResetError):
                        raw = b""
                for status in statuses(raw):
                    self.assertGreaterEqual(status, 400, raw[:200])
                self.assertEqual(self.c.get("/healthz").status, 200)

    def test_body_shorter_than_content_length_changes_nothing(self):
        q = self.queue()
        body = json.dumps({"queue": q, "id": "cut"}).encode()
        data = post_bytes("/task/put", body)
        with connect(self.url) as s:
            s.sendall(data[:-5])
            s.shutdown(socket.SHUT_WR)
            read_until_closed(s)
        self.assertIsNone(self.ok(self.c.stat_queue(q)))


@unittest.skipUnless(harness.can_start_servers(), "needs the server binary (TC_BINARY)")
class SlowClientTest(unittest.TestCase):
    """A server with short read and idle timeouts."""

    @classmethod
    def setUpClass(cls):
        cls.server = harness.ServerProcess(
            extra_args=["--read-timeout", "0.5", "--idle-timeout", "0.5"]).start()

    @classmethod
    def tearDownClass(cls):
        cls.server.stop_checked("slow-client server")

    def assert_closed_by_server(self, sent):
        with connect(self.server.url, timeout=15) as s:
            s.sendall(sent)
            raw = read_until_closed(s)  # raises if the server keeps it open
        for status in statuses(raw):
            self.assertIn(status, (400, 408), raw[:200])

    def test_silent_client_is_disconnected(self):
        self.assert_closed_by_server(b"")

    def test_half_sent_header_is_disconnected(self):
        self.assert_closed_by_server(b"POST /task/put HTTP/1.1\r\nHost: t\r\n")

    def test_half_sent_body_is_disconnected_and_changes_nothing(self):
        q = harness.unique()
        body = json.dumps({"queue": q, "id": "a"}).encode()
        self.assert_closed_by_server(post_bytes("/task/put", body)[:-3])
        self.assertIsNone(Client(self.server.url).stat_queue(q).data)

    def test_idle_keep_alive_connection_is_closed(self):
        with connect(self.server.url, timeout=15) as s:
            s.sendall(b"GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n")
            first = s.recv(4096)
            self.assertTrue(first.startswith(b"HTTP/1.1 200"), first)
            rest = read_until_closed(s)
        self.assertNotIn(b"HTTP/1.1", rest)

    def test_long_poll_outlives_the_transport_timeouts(self):
        q = harness.unique()
        resp = Client(self.server.url).peek(q, timeout=1.2)
        self.assertEqual((resp.status, resp.err_code, resp.data), (200, "0000", []))


def metric(url, name, wait=10.0):
    """The value of one series on GET /metrics (0 when absent). Retried while the new
    connection is refused: right after a test closes its connections the server may not
    have seen the closes yet, and a per-client limit still counts them (a slow build, such
    as the sanitizer one, shows this)."""
    deadline = time.monotonic() + wait
    while True:
        try:
            text = Client(url).get("/metrics").text
            break
        except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)
    for line in text.splitlines():
        if line.startswith(name + " "):
            return float(line.split()[-1])
    return 0.0


def healthz_on_new_connection(url):
    s = connect(url)
    try:
        s.sendall(b"GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n")
        return s, s.recv(4096)
    except (BrokenPipeError, ConnectionResetError):
        return s, b""


def admitted_connection(url, wait=10.0):
    """A new connection whose /healthz was answered 200 (retried while refused)."""
    deadline = time.monotonic() + wait
    while True:
        s, first = healthz_on_new_connection(url)
        if first.startswith(b"HTTP/1.1 200"):
            return s
        s.close()
        if time.monotonic() > deadline:
            raise AssertionError("no connection was admitted within %.0f s" % wait)
        time.sleep(0.05)


@unittest.skipUnless(harness.can_start_servers(), "needs the server binary (TC_BINARY)")
class MaxConnectionsTest(unittest.TestCase):
    def test_busy_connections_over_the_limit_are_refused_and_capacity_returns(self):
        server = harness.ServerProcess(extra_args=["--max-connections", "3"]).start()
        try:
            held = []
            for _ in range(3):  # busy: a request has begun and is not finished
                s = connect(server.url)
                s.sendall(b"POST /task/put HTTP/1.1\r\nHost: t\r\nContent-Type: application/json"
                          b"\r\nContent-Length: 10\r\nExpect: 100-continue\r\n\r\n")
                # "100 Continue": the server has read the header and waits for the body.
                self.assertTrue(s.recv(4096).startswith(b"HTTP/1.1 100"))
                held.append(s)
            extra, first = healthz_on_new_connection(server.url)
            self.assertNotIn(b"HTTP/1.1 200", first + read_until_closed(extra))
            extra.close()
            for s in held:
                s.close()
            # Capacity comes back once the held connections are gone.
            deadline = time.monotonic() + 10
            while True:
                resp = None
                try:
                    resp = Client(server.url).get("/healthz")
                except OSError:
                    pass
                if resp is not None and resp.status == 200:
                    break
                self.assertLess(time.monotonic(), deadline, "capacity never came back")
                time.sleep(0.05)
            refused = 'taskcenter_connections_refused_total{reason="max_connections"}'
            self.assertGreaterEqual(metric(server.url, refused), 1)
            self.assertEqual(server.terminate(), 0, server.log())
            self.assertIn("connection(s) refused", server.log())
        finally:
            server.close()

    def test_idle_connections_give_way_to_new_ones_oldest_first(self):
        server = harness.ServerProcess(extra_args=["--max-connections", "3", "--threads", "1"]).start()
        try:
            held = []
            for _ in range(3):  # idle keep-alive connections, oldest first
                s, first = healthz_on_new_connection(server.url)
                self.assertTrue(first.startswith(b"HTTP/1.1 200"), first)
                held.append(s)
            for round_ in range(2):
                s, first = healthz_on_new_connection(server.url)
                self.assertTrue(first.startswith(b"HTTP/1.1 200"), (round_, first))
                # The one idle longest was closed to make room; the others still answer.
                self.assertEqual(read_until_closed(held[0]), b"")
                held.pop(0).close()
                held.append(s)
            for s in held:
                s.sendall(b"GET /readyz HTTP/1.1\r\nHost: t\r\n\r\n")
                self.assertTrue(s.recv(4096).startswith(b"HTTP/1.1 200"))
                s.close()
            self.assertGreaterEqual(metric(server.url, "taskcenter_idle_connections_closed_total"), 2)
            self.assertEqual(server.terminate(), 0, server.log())
        finally:
            server.close()

    def test_connections_per_client_address_are_limited(self):
        server = harness.ServerProcess(extra_args=["--max-connections-per-client", "2"]).start()
        try:
            # Both places taken by connections that were answered: a connection the harness
            # closed while starting the server may still count until the server has seen
            # the close, and then a held connection is refused, not the extra one.
            held = [admitted_connection(server.url) for _ in range(2)]
            extra, first = healthz_on_new_connection(server.url)
            self.assertNotIn(b"HTTP/1.1 200", first + read_until_closed(extra))
            extra.close()
            held.pop().close()
            admitted_connection(server.url).close()  # once the server has seen the close
            for s in held:
                s.close()
            refused = 'taskcenter_connections_refused_total{reason="per_client"}'
            self.assertGreaterEqual(metric(server.url, refused), 1)
            self.assertEqual(server.terminate(), 0, server.log())
        finally:
            server.close()


if __name__ == "__main__":
    unittest.main()
