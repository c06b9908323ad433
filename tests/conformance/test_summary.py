"""POST /task/summary, the dashboard's overview: a page of queues with their stat_queue
figures in one request, paged by cursor, filtered by a substring search (ASCII case
ignored), scope-filtered like list_queue, bounded work per request; bad input is 0002 and
changes nothing."""

import json
import os
import socket
import tempfile
import threading
import time
import unittest

import harness
from base import ConformanceTest
from client import Client
import test_bad_input
from test_bad_input import BAD_COUNTS, encode


def summary(client, **body):
    return client.post("/task/summary", body)


class SummaryTest(ConformanceTest):
    def walk(self, search, size=100):
        """Every page of a search, the way the dashboard pages it."""
        items, cursor = [], None
        for _ in range(10000):
            page = summary(self.c, cursor=cursor, size=size, search=search)
            self.ok(page)
            self.assertIn("cursor", page.json)
            items += page.data
            cursor = page.json["cursor"]
            if cursor is None:
                return items
        self.fail("summary never reached the last page")

    def test_figures_are_stat_queue_figures(self):
        tag = harness.unique("sum")
        q = f"{tag}-a"
        self.ok(self.c.put_batch(q, [{"id": f"t{i}"} for i in range(5)]))
        self.ok(self.c.acquire(q, ["t0", "t1"], 30))
        self.ok(self.c.reply(q, "t2"))
        self.put(q, "later", config={"delay": 30})
        items = self.walk(tag)
        self.assertEqual([i["queue"] for i in items], [q])
        stats = items[0]["stats"]
        expected = dict(self.stat(q))
        for field in ("waiting",):  # may move between the two requests
            stats.pop(field, None)
            expected.pop(field, None)
        self.assertEqual(stats, expected)
        self.assertEqual((stats["length"], stats["leased"], stats["done"], stats["delayed"]), (2, 2, 1, 1))
        self.assertGreaterEqual(items[0]["oldest_pending_age"], 0)

    def test_oldest_pending_age_grows_and_is_zero_when_empty(self):
        tag = harness.unique("age")
        full, empty = f"{tag}-full", f"{tag}-empty"
        self.put(full, "a")
        self.put(empty, "a")
        self.ok(self.c.acquire(empty, ["a"], 30))
        time.sleep(0.05)
        ages = {i["queue"]: i["oldest_pending_age"] for i in self.walk(tag)}
        self.assertEqual(ages[empty], 0)
        self.assertGreater(ages[full], 0)

    def test_paging_lists_each_queue_once_in_list_queue_order(self):
        tag = harness.unique("page")
        names = sorted(f"{tag}-{i:02d}" for i in range(23))
        for name in names:
            self.put(name, "a")
        items = self.walk(tag, size=5)
        self.assertEqual([i["queue"] for i in items], names)

    def test_search_is_a_substring_ignoring_ascii_case(self):
        tag = harness.unique("Srch")
        names = [f"x-{tag}-gpu", f"{tag}-cpu", f"y-{tag.upper()}-GPU-z"]
        for name in names:
            self.put(name, "a")
        found = [i["queue"] for i in self.walk(tag.lower())]
        self.assertEqual(found, sorted(names))
        gpu = [i["queue"] for i in self.walk(f"{tag.lower()}-gpu")]
        self.assertEqual(gpu, sorted([names[0], names[2]]))
        self.assertEqual(self.walk(tag + "-nothing-matches"), [])

    def test_a_cleared_queue_leaves_the_summary(self):
        tag = harness.unique("gone")
        self.put(tag, "a")
        self.assertEqual(len(self.walk(tag)), 1)
        while self.ok(self.c.clear_queue(tag)) is not True:
            pass
        self.assertEqual(self.walk(tag), [])

    def test_empty_search_and_no_body_fields_list_queues(self):
        q = self.queue("plain")
        self.put(q, "a")
        page = summary(self.c)
        self.ok(page)
        self.assertLessEqual(len(page.data), 100)
        self.ok(summary(self.c, search="", cursor="", size=1))
        self.ok(summary(self.c, search=None, cursor=None, size=None))


class SummaryBadInputTest(ConformanceTest):
    # The fixture and the case runner of the bad-input table (borrowed, not inherited:
    # inheriting would run that table's every test a second time).
    setUp = test_bad_input.BadInputTest.setUp
    tearDown = test_bad_input.BadInputTest.tearDown
    snapshot = test_bad_input.BadInputTest.snapshot
    assertStateUnchanged = test_bad_input.BadInputTest.assertStateUnchanged
    run_cases = test_bad_input.BadInputTest.run_cases

    def test_summary(self):
        valid = {"cursor": None, "size": 10, "search": "bad"}
        cases = [(["size"], v) for v in BAD_COUNTS]
        cases += [(["cursor"], v) for v in (5, True, [], {}, "x" * 2000)]
        cases += [(["search"], v) for v in (5, True, [], {}, "x" * 257, "é" * 129)]
        self.ok(self.c.post("/task/summary", encode(valid)))
        self.run_cases("/task/summary", valid, cases, malformed=True)

    def test_wrong_method(self):
        for method in ("GET", "PUT", "DELETE"):
            body = encode({}) if method != "GET" else None
            self.err(self.c.request(method, "/task/summary", body), "0007", 405)


TOKENS = """reader-token read    team.*
prod-token   produce team.a*
"""


@unittest.skipUnless(harness.can_start_servers(), "needs the server binary (TC_BINARY)")
class SummaryScopeTest(unittest.TestCase):
    """Through a private server with scoped tokens: only the queues a token may read."""

    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.TemporaryDirectory(prefix="tc-summary-")
        path = os.path.join(cls.dir.name, "tokens")
        with open(path, "w") as f:
            f.write(TOKENS)
        cls.server = harness.ServerProcess(
            extra_args=["--token-file", path, "--token", "root-token"]).start()

    @classmethod
    def tearDownClass(cls):
        try:
            cls.server.stop_checked("summary token server")
        finally:
            cls.dir.cleanup()

    def names(self, token, search=""):
        c = Client(self.server.url, token=token)
        out, cursor = [], None
        while True:
            page = summary(c, cursor=cursor, size=2, search=search)
            self.assertEqual((page.status, page.err_code), (200, "0000"), page)
            out += [i["queue"] for i in page.data]
            cursor = page.json["cursor"]
            if cursor is None:
                return out

    def test_only_readable_queues(self):
        # Unique names: on Redis the private server shares the store with the suite's.
        tag = harness.unique("s")
        a1, a2, b = f"team.a-{tag}-1", f"team.a-{tag}-2", f"team.b-{tag}"
        secret, other = f"secret-{tag}", f"other-{tag}"
        root = Client(self.server.url, token="root-token")
        for q in (a1, a2, b, secret, other):
            self.assertEqual(root.put(q, "x").err_code, "0000")
        self.assertEqual(self.names("root-token", tag), sorted([a1, a2, b, secret, other]))
        self.assertEqual(self.names("reader-token", tag), [a1, a2, b])
        self.assertEqual(self.names("prod-token", tag), [a1, a2])
        self.assertEqual(self.names("reader-token", "TEAM.B-" + tag), [b])
        bad = summary(Client(self.server.url, token="nope"))
        self.assertEqual((bad.status, bad.err_code), (401, "0004"))
        anonymous = summary(Client(self.server.url))
        self.assertEqual((anonymous.status, anonymous.err_code), (401, "0004"))


def put_pipelined(url, queues, connections=8):
    """One put into each queue (a queue exists from its first put), pipelined on a few
    keep-alive connections at once: 12,000 round trips one by one (to Redis each) would
    make this test slow."""
    if connections > 1:
        parts = [queues[i::connections] for i in range(connections)]
        errors = []

        def one(part):
            try:
                put_pipelined(url, part, connections=1)
            except Exception as e:  # reported by the caller's thread
                errors.append(e)
        threads = [threading.Thread(target=one, args=(p,)) for p in parts]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        if errors:
            raise errors[0]
        return
    host, port = url.removeprefix("http://").split(":")
    requests = []
    for q in queues:
        body = json.dumps({"queue": q, "id": "x"}).encode()
        requests.append(b"POST /task/put HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                        b"Content-Length: %d\r\n\r\n%s" % (len(body), body))
    with socket.create_connection((host, int(port))) as sock:
        sender = threading.Thread(target=sock.sendall, args=(b"".join(requests),))
        sender.start()
        created = b'{"err_code":"0000","data":true}'
        seen, tail = 0, b""
        while seen < len(queues):
            chunk = sock.recv(1 << 16)
            if not chunk:
                raise AssertionError(f"connection closed after {seen} answers")
            text = tail + chunk
            seen += text.count(created)
            # an answer cut at the chunk's end is counted with the next chunk
            last = text.rfind(created)
            rest = text[last + len(created):] if last >= 0 else text
            tail = rest[-(len(created) - 1):]
        sender.join()


@unittest.skipUnless(harness.can_start_servers(), "needs the server binary (TC_BINARY)")
class SummaryScanBoundTest(unittest.TestCase):
    """A search that matches nothing among more names than one request scans answers
    short pages with a cursor until the scan reaches the end (the work bound)."""

    @classmethod
    def setUpClass(cls):
        cls.server = harness.ServerProcess().start()

    @classmethod
    def tearDownClass(cls):
        cls.server.stop_checked("summary scan server")

    def test_scan_bound_pages(self):
        c = Client(self.server.url)
        tag = harness.unique("bulk")
        put_pipelined(self.server.url, [f"{tag}-{i:05d}" for i in range(12000)])
        needle = harness.unique("zz-needle")
        self.assertEqual(c.put(needle, "x").err_code, "0000")
        pages, found, cursor = 0, [], None
        while True:
            page = summary(c, cursor=cursor, size=10, search=needle)
            self.assertEqual(page.err_code, "0000", page)
            pages += 1
            found += [i["queue"] for i in page.data]
            cursor = page.json["cursor"]
            if cursor is None:
                break
            self.assertLess(pages, 10, "the scan never ended")
        self.assertEqual(found, [needle])
        # 12,001 names (more when the store is shared) take at least two scans of 10,000.
        self.assertGreaterEqual(pages, 2)
        full = summary(c, size=1000, search=tag)
        self.assertEqual([i["queue"] for i in full.data], [f"{tag}-{i:05d}" for i in range(1000)])
        self.assertIsNotNone(full.json["cursor"])


if __name__ == "__main__":
    unittest.main()
