"""Streamed answers over raw sockets: `call` with "stream": true and /task/watch, as NDJSON
and as server-sent events (HTTP/1.1 chunked framing checked byte by byte): kept events
before live ones before exactly one result line, resume with `after`, the result line
for a timeout (0001) and a removal (0006), a disconnect mid-stream that frees the
connection slot, the final line at shutdown, and a slow reader cut off that resumes
without losing an event. With several instances the progress is posted on another
instance than the one holding the stream. The stream metrics of /metrics (open streams
by kind, how each ended) on a server of its own, on the suite's store."""

import base64
import json
import re
import socket
import threading
import time
import unittest

import harness
from base import ConformanceTest


def b64(data):
    return base64.b64encode(data).decode("ascii")


class StreamReader:
    """One request on its own socket, and its streamed (chunked) answer read as it comes."""

    def __init__(self, url, path, body, accept=None, version="1.1", rcvbuf=None, token=None):
        host, port = harness.host_port(url)
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        if rcvbuf:
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
        self.sock.settimeout(30)
        self.sock.connect((host, port))
        data = json.dumps(body).encode()
        head = (f"POST {path} HTTP/{version}\r\nHost: t\r\nContent-Type: application/json\r\n"
                f"Content-Length: {len(data)}\r\n")
        if accept:
            head += f"Accept: {accept}\r\n"
        if token:
            head += f"Authorization: Bearer {token}\r\n"
        self.sock.sendall(head.encode() + b"\r\n" + data)
        self.buf = b""
        self.status = None
        self.headers = {}
        self.chunked = False
        self.ended = False       # the terminating chunk arrived
        self.closed = False      # the server closed the connection
        self.body = b""          # decoded body so far (not yet split into lines)

    def _fill(self):
        try:
            data = self.sock.recv(65536)
        except ConnectionResetError:
            data = b""
        if not data:
            self.closed = True
            return False
        self.buf += data
        return True

    def _line(self):
        while b"\r\n" not in self.buf:
            if not self._fill():
                return None
        line, self.buf = self.buf.split(b"\r\n", 1)
        return line

    def read_head(self):
        status = self._line()
        assert status is not None, "closed before the status line"
        self.status = int(status.split()[1])
        while True:
            line = self._line()
            assert line is not None, "closed in the head"
            if not line:
                break
            name, value = line.decode().split(":", 1)
            self.headers[name.strip().lower()] = value.strip()
        self.chunked = self.headers.get("transfer-encoding", "").lower() == "chunked"
        return self

    def _more_body(self):
        """Appends the next chunk (or, without chunks, the next bytes) to self.body."""
        if self.ended or self.closed:
            return False
        if not self.chunked:
            if self.buf:
                self.body += self.buf
                self.buf = b""
                return True
            if not self._fill():
                return False
            self.body += self.buf
            self.buf = b""
            return True
        size_line = self._line()
        if size_line is None:
            return False
        size = int(size_line.split(b";")[0], 16)
        assert size_line == b"%x" % size, f"chunk size line {size_line!r}"
        while len(self.buf) < size + 2:
            if not self._fill():
                return False
        assert self.buf[size:size + 2] == b"\r\n", "a chunk must end with CRLF"
        self.body += self.buf[:size]
        self.buf = self.buf[size + 2:]
        if size == 0:
            self.ended = True
        return True

    def next_line(self):
        """The next NDJSON object, or None at the end of the body."""
        while b"\n" not in self.body:
            if not self._more_body():
                return None
        line, self.body = self.body.split(b"\n", 1)
        return json.loads(line)

    def next_event(self):
        """The next server-sent event as {field: value}, or None at the end."""
        while b"\n\n" not in self.body:
            if not self._more_body():
                return None
        block, self.body = self.body.split(b"\n\n", 1)
        fields = {}
        for line in block.decode().split("\n"):
            name, value = line.split(": ", 1)
            fields[name] = value
        return fields

    def lines_until_result(self):
        lines = []
        while True:
            line = self.next_line()
            assert line is not None, f"the stream ended without a result line: {lines}"
            lines.append(line)
            if line["event"] == "result":
                return lines

    def finish(self):
        """After the result line: the body ends (terminating chunk), nothing follows."""
        while not self.ended and self._more_body():
            pass
        if self.chunked:
            assert self.ended, "no terminating chunk"
        assert self.body == b"", f"bytes after the result line: {self.body!r}"

    def close(self):
        self.sock.close()


def skip_without_events(test, client):
    """Streams need the store's progress events (Store::events): a store without them
    answers 0010 "this store has no progress events"."""
    resp = client.post("/task/watch", {"queue": harness.unique(), "id": "probe", "timeout": 0})
    if resp.err_code == "0010" and "no progress events" in (resp.json or {}).get("message", ""):
        test.skipTest("this server's store has no progress events")


class StreamTestBase(ConformanceTest):
    def setUp(self):
        if self.deployment.token:
            self.skipTest("raw requests carry no token")
        skip_without_events(self, self.c)
        self.url = self.c.base_urls[0]
        # Progress is posted on another instance when there is one: the event travels.
        self.other = 1 if len(self.c.base_urls) > 1 else 0
        self.readers = []

    def tearDown(self):
        for r in self.readers:
            r.close()

    def open(self, path, body, url=None, **kw):
        reader = StreamReader(url or self.url, path, body, **kw)
        self.readers.append(reader)
        return reader

    def progress(self, q, id, info, content=b""):
        resp = self.c.post("/task/progress", {"queue": q, "id": id, "info": info,
                                              "content": b64(content)}, instance=self.other)
        if resp.status == 404:
            self.skipTest("this server has no /task/progress")
        self.assertEqual(self.ok(resp), True, resp)

    def leased(self, q, id):
        """Puts (unless there) and leases task `id`, as its consumer."""
        self.c.put(q, id)
        taken = self.ok(self.c.take(q, promise_reply_time=60, timeout=5, instance=self.other))
        self.assertEqual([t["id"] for t in taken], [id])

    def assert_progress(self, line, seq, info, content=b""):
        self.assertEqual(line, {"event": "progress", "seq": seq, "info": info,
                                "content": b64(content)})


class CallStreamTest(StreamTestBase):
    def test_ndjson_events_then_exactly_one_result_in_chunks(self):
        q = self.queue()
        r = self.open("/task/call", {"queue": q, "id": "a", "timeout": 30, "stream": True})
        r.read_head()
        self.assertEqual(r.status, 200)
        self.assertEqual(r.headers["content-type"], "application/x-ndjson")
        self.assertTrue(r.chunked)
        taken = self.ok(self.c.take(q, promise_reply_time=60, timeout=10, instance=self.other))
        self.assertEqual([t["id"] for t in taken], ["a"])
        for i in range(3):
            self.progress(q, "a", {"token": i}, b"t%d" % i)
        self.ok(self.c.reply(q, "a", info="done", content=b"R", instance=self.other))
        lines = r.lines_until_result()
        for i in range(3):
            self.assert_progress(lines[i], i + 1, {"token": i}, b"t%d" % i)
        self.assertEqual(lines[3], {"event": "result", "err_code": "0000",
                                    "data": [{"id": "a", "result_info": "done",
                                              "result_content": b64(b"R")}]})
        self.assertEqual(len(lines), 4)
        r.finish()

    def test_a_call_on_a_done_task_streams_its_kept_events_and_its_result(self):
        q = self.queue()
        self.leased(q, "d")
        self.progress(q, "d", 1)
        self.ok(self.c.reply(q, "d", info=2))
        r = self.open("/task/call", {"queue": q, "id": "d", "timeout": 5, "stream": True})
        r.read_head()
        lines = r.lines_until_result()
        self.assert_progress(lines[0], 1, 1)
        self.assertEqual(lines[1]["err_code"], "0000")
        self.assertEqual(lines[1]["data"][0]["result_info"], 2)
        r.finish()

    def test_result_without_progress_and_the_timeout_line(self):
        q = self.queue()
        r = self.open("/task/call", {"queue": q, "id": "t", "timeout": 0.3, "stream": True})
        lines = r.read_head().lines_until_result()
        self.assertEqual(len(lines), 1)
        self.assertEqual(lines[0]["event"], "result")
        self.assertEqual(lines[0]["err_code"], "0001")
        self.assertIsNone(lines[0]["data"])
        self.assertTrue(lines[0]["message"])
        r.finish()
        # The task stays queued, as after a call that timed out.
        self.assertEqual(self.c.stat_queue(q).data["length"], 1)

    def test_removed_while_streaming(self):
        q = self.queue()
        r = self.open("/task/call", {"queue": q, "id": "x", "timeout": 30, "stream": True})
        r.read_head()
        # The stream's head is written once the task is put.
        self.assertEqual(self.ok(self.c.remove(q, "x", instance=self.other)), True)
        lines = r.lines_until_result()
        self.assertEqual(lines[-1]["err_code"], "0006")
        self.assertIsNone(lines[-1]["data"])
        r.finish()

    def test_server_sent_events(self):
        q = self.queue()
        r = self.open("/task/call", {"queue": q, "id": "s", "timeout": 30, "stream": True},
                      accept="text/event-stream")
        r.read_head()
        self.assertEqual(r.headers["content-type"], "text/event-stream")
        self.ok(self.c.take(q, promise_reply_time=60, timeout=10, instance=self.other))
        self.progress(q, "s", "p")
        self.ok(self.c.reply(q, "s", info="r", instance=self.other))
        first = r.next_event()
        self.assertEqual(first["event"], "progress")
        self.assertEqual(first["id"], "1")
        self.assertEqual(json.loads(first["data"]), {"event": "progress", "seq": 1,
                                                     "info": "p", "content": ""})
        last = r.next_event()
        self.assertEqual(last["event"], "result")
        self.assertEqual(json.loads(last["data"])["err_code"], "0000")
        r.finish()

    def test_http_1_0_gets_the_stream_until_the_connection_closes(self):
        q = self.queue()
        r = self.open("/task/call", {"queue": q, "id": "o", "timeout": 0.2, "stream": True},
                      version="1.0")
        r.read_head()
        self.assertFalse(r.chunked)
        self.assertEqual(r.headers.get("connection", "").lower(), "close")
        lines = r.lines_until_result()
        self.assertEqual(lines[-1]["err_code"], "0001")
        self.assertIsNone(r.next_line())
        self.assertTrue(r.closed)

    def test_keep_alive_after_a_stream(self):
        q = self.queue()
        r = self.open("/task/call", {"queue": q, "id": "k", "timeout": 0, "stream": True})
        lines = r.read_head().lines_until_result()
        self.assertEqual(lines, [{"event": "result", "err_code": "0000", "data": None}])
        r.finish()
        # The same connection serves the next request.
        r.sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n")
        while b"\r\n\r\n" not in r.buf:
            self.assertTrue(r._fill())
        self.assertTrue(r.buf.startswith(b"HTTP/1.1 200"))


class WatchTest(StreamTestBase):
    def test_no_such_task_is_the_ordinary_envelope(self):
        resp = self.c.post("/task/watch", {"queue": self.queue(), "id": "none", "timeout": 1})
        self.assertIsNone(self.ok(resp))

    def test_resume_after_a_seq_then_live_events_then_the_result(self):
        q = self.queue()
        self.leased(q, "w")
        for i in range(1, 5):
            self.progress(q, "w", i)
        r = self.open("/task/watch", {"queue": q, "id": "w", "after": 2, "timeout": 30})
        r.read_head()
        self.assert_progress(r.next_line(), 3, 3)
        self.assert_progress(r.next_line(), 4, 4)
        self.progress(q, "w", 5)
        self.assert_progress(r.next_line(), 5, 5)
        self.ok(self.c.reply(q, "w", info="end", instance=self.other))
        last = r.next_line()
        self.assertEqual(last["event"], "result")
        self.assertEqual(last["data"][0]["result_info"], "end")
        r.finish()

    def test_watch_times_out_with_0001_and_puts_nothing(self):
        q = self.queue()
        self.c.put(q, "p")
        r = self.open("/task/watch", {"queue": q, "id": "p", "timeout": 0.2})
        lines = r.read_head().lines_until_result()
        self.assertEqual([line["err_code"] for line in lines], ["0001"])
        r.finish()
        self.assertEqual(self.c.stat_queue(q).data["length"], 1)

    def test_two_watchers_see_the_same_events(self):
        q = self.queue()
        self.leased(q, "m")
        readers = [self.open("/task/watch", {"queue": q, "id": "m", "timeout": 30},
                             url=url).read_head()
                   for url in (self.c.base_urls[0], self.c.base_urls[self.other])]
        for i in range(1, 4):
            self.progress(q, "m", i)
        self.ok(self.c.reply(q, "m", instance=self.other))
        seen = [[line.get("seq") for line in r.lines_until_result()] for r in readers]
        for s in seen:
            self.assertEqual(s, [1, 2, 3, None])


class PrivateServerStreamTest(unittest.TestCase):
    """Streams against a server of its own: connection limit, shutdown, slow readers."""

    def setUp(self):
        if not harness.can_start_servers() or harness.uses_extra_store():
            self.skipTest("needs a server of its own on the embedded store")

    def start(self, *args):
        server = harness.ServerProcess(extra_args=list(args)).start()
        self.addCleanup(server.close)
        from client import Client
        client = Client([server.url])
        self.addCleanup(client.close)
        skip_without_events(self, client)
        return server, client

    def test_a_stream_holds_a_connection_slot_until_its_client_goes(self):
        server, client = self.start("--max-connections", "1", "--threads", "1")
        q = harness.unique()
        r = StreamReader(server.url, "/task/call",
                         {"queue": q, "id": "a", "timeout": 60, "stream": True}).read_head()
        # A second connection is refused while the stream holds the only slot.
        host, port = harness.host_port(server.url)
        with socket.create_connection((host, port), timeout=10) as s:
            s.sendall(b"GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n")
            try:
                self.assertEqual(s.recv(64), b"")
            except ConnectionResetError:
                pass
        r.close()
        # Once its client has gone, the slot is free (the server notices the FIN).
        deadline = time.monotonic() + 20
        while True:
            try:
                with socket.create_connection((host, port), timeout=10) as s:
                    s.sendall(b"GET /healthz HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
                    if s.recv(64).startswith(b"HTTP/1.1 200"):
                        break
            except (ConnectionResetError, BrokenPipeError):
                pass
            self.assertLess(time.monotonic(), deadline, "the slot was never freed")
            time.sleep(0.05)
        self.assertEqual(server.terminate(), 0, server.log())

    def test_shutdown_ends_each_stream_with_a_final_line(self):
        server, client = self.start()
        q = harness.unique()
        r = StreamReader(server.url, "/task/call",
                         {"queue": q, "id": "a", "timeout": 60, "stream": True}).read_head()
        w = StreamReader(server.url, "/task/watch",
                         {"queue": q, "id": "a", "timeout": 60},
                         accept="text/event-stream").read_head()
        server.proc.send_signal(__import__("signal").SIGTERM)
        lines = r.lines_until_result()
        self.assertEqual(lines[-1]["err_code"], "0001")
        self.assertIn("shutting down", lines[-1]["message"])
        r.finish()
        event = w.next_event()
        self.assertEqual(event["event"], "result")
        self.assertIn("shutting down", json.loads(event["data"])["message"])
        w.finish()
        self.assertEqual(server.proc.wait(20), 0, server.log())
        r.close()
        w.close()

    def test_a_slow_reader_is_cut_off_and_resumes_without_losing_an_event(self):
        server, client = self.start()
        q = harness.unique()
        client.put(q, "s")
        self.assertEqual(len(client.take(q, promise_reply_time=120).data), 1)
        # A tiny receive buffer: the server's writes stall soon after the reader stops.
        r = StreamReader(server.url, "/task/watch", {"queue": q, "id": "s", "timeout": 120},
                         rcvbuf=4096).read_head()
        total = 900  # within what a task keeps (1,000 events, 1 MiB)
        content = b"x" * 1000
        for i in range(1, total + 1):
            resp = client.post("/task/progress", {"queue": q, "id": "s", "info": i,
                                                  "content": b64(content)})
            if resp.status == 404:
                self.skipTest("this server has no /task/progress")
        seen = []
        while True:
            line = r.next_line()
            if line is None:
                break
            seen.append(line["seq"])
        self.assertFalse(r.ended, "a reader cut off gets no terminating chunk")
        self.assertTrue(r.closed)
        self.assertLess(len(seen), total, "the reader was not cut off")
        self.assertEqual(seen, list(range(1, len(seen) + 1)))
        self.assertIn("stream cut off", server.log())
        r.close()
        # Resume after the last seq seen: every later event, then the result.
        client.reply(q, "s", info="fin")
        w = StreamReader(server.url, "/task/watch",
                         {"queue": q, "id": "s", "after": seen[-1] if seen else 0,
                          "timeout": 10}).read_head()
        lines = w.lines_until_result()
        resumed = [line["seq"] for line in lines[:-1]]
        self.assertEqual(seen + resumed, list(range(1, total + 1)))
        self.assertEqual(lines[-1]["err_code"], "0000")
        w.finish()
        w.close()
        self.assertEqual(server.terminate(), 0, server.log())


class StreamMetricsTest(unittest.TestCase):
    """taskcenter_streams{kind} and taskcenter_streams_ended_total{kind,reason}, on a
    server of its own (the suite's store, Redis included) so no other test's streams
    move them."""

    SAMPLE = re.compile(r'^(taskcenter_streams(?:_ended_total)?)\{([^}]*)\} (\S+)$')

    def setUp(self):
        if not harness.can_start_servers():
            self.skipTest("needs a server of its own")
        self.server = harness.ServerProcess().start()
        self.addCleanup(self.server.close)
        from client import Client
        self.client = Client([self.server.url])
        self.addCleanup(self.client.close)
        skip_without_events(self, self.client)
        self.readers = []
        self.addCleanup(lambda: [r.close() for r in self.readers])

    def open(self, path, body, **kw):
        reader = StreamReader(self.server.url, path, body, **kw).read_head()
        self.readers.append(reader)
        return reader

    def figures(self):
        """{(family, 'kind=...,reason=...'): value} of the stream families."""
        out = {}
        for line in self.client.get("/metrics").text.splitlines():
            m = self.SAMPLE.match(line)
            if m:
                labels = m.group(2).replace('"', "")
                out[(m.group(1), labels)] = float(m.group(3))
        return out

    def wait_for(self, expected):
        """Until every (family, labels) of `expected` has its value: the session drops a
        stream just after its last write, so the client may read the end first."""
        deadline = time.monotonic() + 20
        while True:
            got = self.figures()
            if all(got.get(key) == value for key, value in expected.items()):
                return got
            self.assertLess(time.monotonic(), deadline, f"expected {expected}, got {got}")
            time.sleep(0.02)

    def test_open_streams_by_kind_and_how_each_ended(self):
        got = self.figures()
        self.assertEqual(got[("taskcenter_streams", "kind=call")], 0)
        self.assertEqual(got[("taskcenter_streams", "kind=watch")], 0)
        for kind in ("call", "watch"):
            for reason in ("result", "shutdown", "cut_off", "disconnect"):
                self.assertEqual(got[("taskcenter_streams_ended_total",
                                      f"kind={kind},reason={reason}")], 0)
        q = harness.unique()
        self.client.put(q, "w")
        watch = self.open("/task/watch", {"queue": q, "id": "w", "timeout": 60})
        call = self.open("/task/call", {"queue": q, "id": "c", "timeout": 60, "stream": True})
        self.wait_for({("taskcenter_streams", "kind=call"): 1,
                       ("taskcenter_streams", "kind=watch"): 1})
        # The watch ends with its result line: result.
        self.assertIs(self.client.reply(q, "w", info="done").data, True)
        self.assertEqual(watch.lines_until_result()[-1]["err_code"], "0000")
        watch.finish()
        self.wait_for({("taskcenter_streams", "kind=watch"): 0,
                       ("taskcenter_streams_ended_total", "kind=watch,reason=result"): 1,
                       ("taskcenter_streams", "kind=call"): 1})
        # The caller goes away mid-stream: disconnect.
        call.close()
        self.wait_for({("taskcenter_streams", "kind=call"): 0,
                       ("taskcenter_streams_ended_total", "kind=call,reason=disconnect"): 1,
                       ("taskcenter_streams_ended_total", "kind=call,reason=result"): 0})

    def test_a_slow_reader_cut_off_is_counted(self):
        q = harness.unique()
        self.client.put(q, "s")
        self.assertEqual(len(self.client.take(q, promise_reply_time=120).data), 1)
        r = self.open("/task/watch", {"queue": q, "id": "s", "timeout": 120}, rcvbuf=4096)
        content = b"x" * 1000
        for i in range(1, 901):
            resp = self.client.post("/task/progress", {"queue": q, "id": "s", "info": i,
                                                       "content": b64(content)})
            self.assertEqual(resp.status, 200, resp)
        while r.next_line() is not None:
            pass
        self.assertFalse(r.ended, "the reader was not cut off")
        self.wait_for({("taskcenter_streams", "kind=watch"): 0,
                       ("taskcenter_streams_ended_total", "kind=watch,reason=cut_off"): 1,
                       ("taskcenter_streams_ended_total", "kind=watch,reason=disconnect"): 0})


if __name__ == "__main__":
    unittest.main()
