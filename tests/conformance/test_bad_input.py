"""The bad-input table: for each endpoint, malformed JSON, wrong types, missing fields,
empty/oversize names, control characters, invalid base64, negative and huge numbers,
oversize bodies, unknown paths and methods -> the right err_code, HTTP status and a
message, and the state of the queue is unchanged."""

import copy
import json
import time
import unittest

import harness
from base import ConformanceTest
from client import Client

MISSING = object()  # remove the field


class Raw:
    """JSON text to splice in as is (numbers Python cannot write, like 1e400)."""

    def __init__(self, text):
        self.text = text

    def __repr__(self):
        return f"Raw({self.text})"


def encode(body):
    """dict -> JSON text, splicing Raw values in."""
    raws = []

    def walk(v):
        if isinstance(v, Raw):
            raws.append(v.text)
            return f"__raw_{len(raws) - 1}__"
        if isinstance(v, dict):
            return {k: walk(x) for k, x in v.items()}
        if isinstance(v, list):
            return [walk(x) for x in v]
        return v

    text = json.dumps(walk(body))
    for i, raw in enumerate(raws):
        text = text.replace(f'"__raw_{i}__"', raw)
    return text


def mutate(body, path, value):
    out = copy.deepcopy(body)
    node = out
    for key in path[:-1]:
        node = node[key]
    if value is MISSING:
        if isinstance(node, dict):
            node.pop(path[-1], None)
    else:
        node[path[-1]] = value
    return out


CONTROL_CHARS = ["a\x00b", "a\x01b", "line\nbreak", "tab\there", "a\x1fb", "del\x7f"]
WRONG_TYPES = [1, 1.5, True, [], {}, ["a"]]
BAD_NAMES = ["", "x" * 257, "é" * 129] + CONTROL_CHARS
BAD_SECONDS = [-1, -0.001, "1", True, [], {}, Raw("1e400"), Raw("-1e400"), 1e30]
BAD_COUNTS = [0, 1001, -1, 1.5, "1", True, [], Raw("1e400"), 1e30, Raw("18446744073709551616")]
BAD_BASE64 = ["abc", "!!!!", "YQ=", "Y===", "YQ==YQ==", "YQ", "Y Q==", "YQ==\n", "====",
              "YWJj\u00e9", 5, True, [], {}]
BAD_INTEGERS = [-1, 1.5, "2", True, [], Raw("1e400"), 1e30]

MALFORMED = ["", " ", "{", "}", "not json", '{"queue": }', '{"queue": "q",}',
             '{"queue": "q"} x', "{'queue': 'q'}", '{"queue": "q" "id": "a"}',
             "[]", '"text"', "1", "null", "true", '{"queue": "\\q"}', '{"queue": "a\x01b"}',
             '{"queue": "q", "id": "a", "info": [1,]}', '{"queue": "q", "id": "a", "info": 01}',
             '{"queue": "q", "id": "a", "info": NaN}', '{"queue": "q", "id": "a", "info": tru}',
             '{"queue": "q", "id": "a", "info": .5}', '{"queue": "q", "id": "a", "info": 1.}',
             '{"queue": "q", "id": "a", "info": Infinity}', '{"queue": "q", "id": "a", "info": {"k"}}',
             '{"queue": "q", "id": "a", "info": "unterminated}', b'{"queue": "\xff\xfe", "id": "a"}',
             b'{"queue": "q", "id": "a", "info": "\xc3\x28"}',
             '{"queue": "q", "id": "a", "info": ' + "[" * 5000 + "]" * 5000 + "}"]


def name_cases(path, required=True):
    cases = [(path, v) for v in BAD_NAMES + WRONG_TYPES]
    if required:
        cases += [(path, MISSING), (path, None)]
    return cases


def seconds_cases(path, required):
    cases = [(path, v) for v in BAD_SECONDS]
    if required:
        cases += [(path, MISSING), (path, None)]
    return cases


def config_cases(prefix):
    cases = [(prefix + ["config"], v) for v in ["x", 5, [], True]]
    for field in ("cache_result_time", "delay"):
        cases += seconds_cases(prefix + ["config", field], required=False)
    for field in ("forward_result_to", "dead_letter_to"):
        cases += name_cases(prefix + ["config", field], required=False)
    cases += [(prefix + ["config", "max_attempts"], v) for v in BAD_INTEGERS]
    return cases


class BadInputTest(ConformanceTest):
    """Each endpoint gets a valid body; each case breaks one field of it."""

    def setUp(self):
        self.q = self.queue("bad")
        c = self.c
        self.ok(c.put_batch(self.q, [{"id": i} for i in ("p1", "p2", "l1", "d1")]))
        self.ok(c.acquire(self.q, ["l1"], 600))
        self.ok(c.reply(self.q, "d1", info="result"))
        self.before = self.snapshot()

    def tearDown(self):
        self.assertEqual(self.c.get("/healthz").status, 200, "the server survived")

    def snapshot(self):
        stat = dict(self.stat(self.q))
        stat.pop("waiting", None)
        return {"stat": stat, "pending": self.peek_all(self.q),
                "done": self.ok(self.c.call(self.q, "d1", 0)),
                "new": self.ok(self.c.call(self.q, "new", 0))}

    def assertStateUnchanged(self, what):
        self.assertEqual(self.snapshot(), self.before, f"state changed by {what}")

    def run_cases(self, path, valid, cases, malformed=True):
        # The valid body must be accepted, or the cases below prove nothing.
        for field_path, value in cases:
            body = mutate(valid, field_path, value)
            label = f"{path} {'.'.join(map(str, field_path))}={value!r}"
            with self.subTest(case=label):
                resp = self.c.post(path, encode(body))
                self.err(resp, "0002", 400, label)
        if malformed:
            for text in MALFORMED:
                with self.subTest(case=f"{path} body={text[:60]!r}"):
                    if isinstance(text, str):
                        text = text.replace('"queue": "q"', f'"queue": "{self.q}"')
                    else:
                        text = text.replace(b'"queue": "q"', f'"queue": "{self.q}"'.encode())
                    self.err(self.c.post(path, text), "0002", 400, f"{path} {text[:60]!r}")
        self.assertStateUnchanged(path)

    def test_put(self):
        valid = {"queue": self.q, "id": "new", "info": {"a": 1}, "content": "YQ==",
                 "config": {"cache_result_time": 1, "max_attempts": 3, "delay": 0}}
        cases = name_cases(["queue"]) + name_cases(["id"])
        cases += [(["content"], v) for v in BAD_BASE64]
        cases += config_cases([])
        self.run_cases("/task/put", valid, cases)

    def test_put_batch(self):
        valid = {"queue": self.q, "tasks": [{"id": "new"},
                                            {"id": "new2", "content": "YQ==", "config": {}}]}
        cases = name_cases(["queue"])
        cases += [(["tasks"], v) for v in (MISSING, None, "x", {}, 5, [], [5], [None], [[]])]
        cases += [(["tasks"], [{"id": "new"}] * 1001)]
        cases += name_cases(["tasks", 1, "id"])
        cases += [(["tasks", 1, "content"], v) for v in BAD_BASE64]
        cases += config_cases(["tasks", 1])
        self.run_cases("/task/put_batch", valid, cases)

    def test_peek(self):
        valid = {"queue": self.q, "cursor": None, "size": 2, "timeout": 0, "batch_window": 0}
        cases = name_cases(["queue"])
        cases += [(["cursor"], v) for v in (5, True, [], {}, "abc", "1-2-3", "-1-0", "1-",
                                            "-", "1--2", " 1-0", "1-0 ", "+1-0", "0x1-0",
                                            "99999999999999999999999-0")]
        cases += [(["size"], v) for v in BAD_COUNTS]
        cases += seconds_cases(["timeout"], required=False)
        cases += seconds_cases(["batch_window"], required=False)
        self.run_cases("/task/peek", valid, cases)

    def test_acquire(self):
        valid = {"queue": self.q, "ids": ["p1"], "promise_reply_time": 30}
        cases = name_cases(["queue"])
        cases += [(["ids"], v) for v in (MISSING, None, "p1", 5, {}, [], [5], [None],
                                         ["p1", 5], [""], ["x" * 257], ["a\nb"],
                                         ["p1"] * 1001)]
        cases += seconds_cases(["promise_reply_time"], required=True)
        self.run_cases("/task/acquire", valid, cases)

    def test_take(self):
        valid = {"queue": self.q, "size": 1, "timeout": 0, "promise_reply_time": 30}
        cases = name_cases(["queue"])
        cases += [(["size"], v) for v in BAD_COUNTS]
        cases += seconds_cases(["timeout"], required=False)
        cases += seconds_cases(["promise_reply_time"], required=True)
        cases += seconds_cases(["batch_window"], required=False)
        cases += [(["max_cost"], v) for v in (0, -1, -0.5, 1e9 + 1, 1e30, "1", True, [], {},
                                              Raw("1e400"), Raw("-1e400"))]
        cases += name_cases(["batch_key"], required=False)
        cases += [(["group_by_key"], v) for v in (0, 1, "true", [], {})]
        self.run_cases("/task/take", valid, cases)

    def test_reply(self):
        valid = {"queue": self.q, "id": "p1", "info": {"r": 1}, "content": "YQ=="}
        cases = name_cases(["queue"]) + name_cases(["id"])
        cases += [(["content"], v) for v in BAD_BASE64]
        self.run_cases("/task/reply", valid, cases)

    def test_call(self):
        valid = {"queue": self.q, "id": "new", "info": 1, "content": "YQ==", "timeout": 0.2,
                 "config": {"cache_result_time": 1}}
        cases = name_cases(["queue"]) + name_cases(["id"])
        cases += [(["content"], v) for v in BAD_BASE64]
        cases += seconds_cases(["timeout"], required=True)
        cases += config_cases([])
        self.run_cases("/task/call", valid, cases)

    def test_touch(self):
        valid = {"queue": self.q, "id": "l1", "promise_reply_time": 600}
        cases = name_cases(["queue"]) + name_cases(["id"])
        cases += seconds_cases(["promise_reply_time"], required=True)
        self.run_cases("/task/touch", valid, cases)

    def test_remove(self):
        valid = {"queue": self.q, "id": "p1"}
        cases = name_cases(["queue"]) + name_cases(["id"])
        self.run_cases("/task/remove", valid, cases)

    def test_clear_queue(self):
        valid = {"queue": self.q, "iter_num": 10, "step_size": 100}
        cases = name_cases(["queue"])
        cases += [(["iter_num"], v) for v in BAD_INTEGERS + [0, "x"]]
        cases += [(["step_size"], v) for v in BAD_INTEGERS + [0, "x"]]
        self.run_cases("/task/clear_queue", valid, cases)

    def test_list_queue(self):
        valid = {"cursor": None, "size": 10}
        cases = [(["size"], v) for v in BAD_COUNTS]
        cases += [(["cursor"], v) for v in (5, True, [], {}, "x" * 2000)]
        self.run_cases("/task/list_queue", valid, cases,
                       malformed=True)

    def test_stat_queue(self):
        valid = {"queue": self.q}
        self.run_cases("/task/stat_queue", valid, name_cases(["queue"]))

    def test_get(self):
        valid = {"queue": self.q, "id": "p1", "with_content": True}
        cases = name_cases(["queue"]) + name_cases(["id"])
        cases += [(["with_content"], v) for v in (1, 0, "true", [], {})]
        self.run_cases("/task/get", valid, cases)

    def test_list_tasks(self):
        valid = {"queue": self.q, "state": "pending", "cursor": None, "size": 10}
        cases = name_cases(["queue"]) + [(["size"], v) for v in BAD_COUNTS]
        cases += [(["state"], v) for v in ("running", "", "PENDING", 1, True, [], {})]
        cases += [(["cursor"], v) for v in (5, True, [], {}, "x", "p:x", "l:a", "q:1-0",
                                            "p:" + "1" * 2000)]
        self.run_cases("/task/list_tasks", valid, cases)

    def test_call_stream(self):
        valid = {"queue": self.q, "id": "new", "timeout": 0.2, "stream": True}
        cases = [(["stream"], v) for v in (1, 0, "true", [], {})]
        cases += seconds_cases(["timeout"], required=True)
        self.run_cases("/task/call", valid, cases, malformed=False)

    def test_watch(self):
        valid = {"queue": self.q, "id": "p1", "after": 0, "timeout": 0}
        cases = name_cases(["queue"]) + name_cases(["id"])
        cases += [(["after"], v) for v in BAD_INTEGERS + ["x", Raw("9007199254740993")]]
        cases += seconds_cases(["timeout"], required=True)
        self.run_cases("/task/watch", valid, cases)

    def test_valid_bodies_are_accepted(self):
        """The baseline of the table: the bodies above, unbroken, are valid."""
        c = self.c
        self.ok(c.post("/task/peek", {"queue": self.q, "cursor": None, "size": 2, "timeout": 0,
                                      "batch_window": 0}))
        self.ok(c.post("/task/stat_queue", {"queue": self.q}))
        self.ok(c.post("/task/list_queue", {"cursor": None, "size": 10}))
        self.ok(c.post("/task/touch", {"queue": self.q, "id": "l1", "promise_reply_time": 600}))
        self.ok(c.post("/task/get", {"queue": self.q, "id": "p1", "with_content": True}))
        self.ok(c.post("/task/list_tasks", {"queue": self.q, "state": "pending", "cursor": None,
                                            "size": 10}))
        # null optional fields take their defaults.
        self.ok(c.post("/task/peek", {"queue": self.q, "size": 2, "timeout": None,
                                      "cursor": None, "batch_window": None}))
        self.ok(c.post("/task/put", {"queue": self.q, "id": "new", "content": None,
                                     "config": {"max_attempts": 3, "forward_result_to": None,
                                                "dead_letter_to": None, "delay": None}}))
        self.assertEqual(self.peek_ids(self.q), ["p1", "p2", "new"])

    def test_unknown_fields_are_ignored_everywhere(self):
        extra = {"zz_future": {"x": [1, "y"]}, "zz_flag": True}
        q = self.queue()
        bodies = [("put", {"queue": q, "id": "a", "config": {"zz": 1}}),
                  ("put_batch", {"queue": q, "tasks": [{"id": "b", "zz": 2}]}),
                  ("peek", {"queue": q}),
                  ("acquire", {"queue": q, "ids": ["a"], "promise_reply_time": 30}),
                  ("touch", {"queue": q, "id": "a", "promise_reply_time": 30}),
                  ("take", {"queue": q, "promise_reply_time": 30}),
                  ("reply", {"queue": q, "id": "a"}),
                  ("call", {"queue": q, "id": "a", "timeout": 0}),
                  ("remove", {"queue": q, "id": "b"}),
                  ("stat_queue", {"queue": q}),
                  ("list_queue", {}),
                  ("clear_queue", {"queue": q}),
                  ("get", {"queue": q, "id": "a"}),
                  ("list_tasks", {"queue": q})]
        for path, body in bodies:
            with self.subTest(path=path):
                self.ok(self.c.post(f"/task/{path}", dict(body, **extra)), path)

    def test_wrong_method_and_unknown_path(self):
        for path in ("/task/put", "/task/peek", "/task/acquire", "/task/reply", "/task/call",
                     "/task/remove", "/task/clear_queue", "/task/list_queue",
                     "/task/stat_queue", "/task/take", "/task/touch", "/task/put_batch",
                     "/task/get", "/task/list_tasks", "/task/watch"):
            for method in ("GET", "PUT", "DELETE"):
                with self.subTest(case=f"{method} {path}"):
                    body = encode({"queue": self.q, "id": "new"}) if method != "GET" else None
                    self.err(self.c.request(method, path, body), "0007", 405)
        for method, path in (("POST", "/healthz"), ("POST", "/metrics"), ("DELETE", "/readyz")):
            with self.subTest(case=f"{method} {path}"):
                self.err(self.c.request(method, path, "{}"), "0007", 405)
        for method, path in (("POST", "/task/nope"), ("POST", "/task/"), ("POST", "/task"),
                             ("POST", "/task/put/extra"), ("POST", "/taskput"),
                             ("GET", "/nope"), ("POST", "/nope"), ("GET", "/task/PUT")):
            with self.subTest(case=f"{method} {path}"):
                body = encode({"queue": self.q, "id": "new"}) if method == "POST" else None
                self.err(self.c.request(method, path, body), "0007", 404)
        self.assertStateUnchanged("unknown paths and methods")

    def test_reply_batch(self):
        valid = {"queue": self.q, "replies": [{"id": "p1", "info": {"r": 1}, "content": "YQ=="},
                                              {"id": "l1"}]}
        cases = name_cases(["queue"])
        cases += [(["replies"], v) for v in (MISSING, None, "x", {}, 5, [], [5], [None], [[]],
                                             [{}], [{"info": 1}])]
        cases += [(["replies"], [{"id": "p1"}] * 1001)]
        cases += name_cases(["replies", 1, "id"])
        cases += [(["replies", 0, "content"], v) for v in BAD_BASE64]
        self.run_cases("/task/reply_batch", valid, cases)
        # One bad reply refuses the whole batch: the good one before it changed nothing.
        self.err(self.c.post("/task/reply_batch", {"queue": self.q, "replies": [
            {"id": "p1"}, {"id": "p2", "content": "!!"}]}), "0002", 400)
        self.assertStateUnchanged("a batch with one bad reply")

    def test_config_queue(self):
        valid = {"queue": self.q, "paused": True, "max_leased": 3, "rate": 2.5, "burst": 4}
        cases = name_cases(["queue"])
        cases += [(["paused"], v) for v in (1, 0, "true", [], {}, 1.5)]
        cases += [(["max_leased"], v) for v in BAD_INTEGERS + [1_000_000_001, "x"]]
        cases += [(["rate"], v) for v in (-1, -0.5, "1", True, [], {}, 1_000_001, Raw("1e400"))]
        cases += [(["burst"], v) for v in (0, 0.5, -1, "2", True, [], {}, 1e10, Raw("1e400"))]
        # burst needs a rate above 0 in the same request
        cases += [(["rate"], MISSING), (["rate"], None), (["rate"], 0)]
        self.run_cases("/task/config_queue", valid, cases)
        # the unbroken body is valid (on another queue: this one's state must not change)
        other = self.queue()
        data = self.ok(self.c.post("/task/config_queue", dict(valid, queue=other)))
        self.assertEqual(data, {"paused": True, "max_leased": 3, "rate": 2.5, "burst": 4})

    # --- version 2: failures ---

    def test_fail(self):
        valid = {"queue": self.q, "id": "l1", "info": {"why": "oom"}, "content": "YQ=="}
        cases = name_cases(["queue"]) + name_cases(["id"])
        cases += [(["content"], v) for v in BAD_BASE64]
        self.run_cases("/task/fail", valid, cases)

    def test_release(self):
        valid = {"queue": self.q, "id": "l1", "delay": 1}
        cases = name_cases(["queue"]) + name_cases(["id"])
        cases += seconds_cases(["delay"], required=False)
        self.run_cases("/task/release", valid, cases)

    def test_redrive(self):
        valid = {"queue": self.q, "ids": ["p1"], "size": 10}
        cases = name_cases(["queue"])
        cases += [(["ids"], v) for v in ("p1", 5, {}, [], [5], [None], ["p1", 5], [""],
                                         ["x" * 257], ["a\nb"], ["p1"] * 1001)]
        cases += [(["size"], v) for v in BAD_COUNTS]
        self.run_cases("/task/redrive", valid, cases)

    def test_failure_endpoints_ignore_unknown_fields_and_refuse_other_methods(self):
        extra = {"zz_future": {"x": [1, "y"]}, "zz_flag": True}
        q = self.queue()
        self.ok(self.c.put_batch(q, [{"id": "a"}, {"id": "b"}]))
        self.ok(self.c.acquire(q, ["a", "b"], 30))
        for path, body, answer in (("fail", {"queue": q, "id": "a"}, True),
                                   ("release", {"queue": q, "id": "b"}, True),
                                   ("redrive", {"queue": q}, 0)):
            with self.subTest(path=path):
                self.assertEqual(self.ok(self.c.post(f"/task/{path}", dict(body, **extra))),
                                 answer)
            for method in ("GET", "PUT", "DELETE"):
                with self.subTest(case=f"{method} {path}"):
                    body = encode({"queue": self.q, "id": "l1"}) if method != "GET" else None
                    self.err(self.c.request(method, f"/task/{path}", body), "0007", 405)
        self.assertStateUnchanged("failure endpoints on another queue")

    def test_progress(self):
        valid = {"queue": self.q, "id": "l1", "info": {"step": 1}, "content": "YQ==",
                 "promise_reply_time": 600}
        cases = name_cases(["queue"]) + name_cases(["id"])
        cases += [(["content"], v) for v in BAD_BASE64]
        cases += seconds_cases(["promise_reply_time"], required=False)
        self.run_cases("/task/progress", valid, cases)
        # Nothing was recorded by the refused bodies.
        self.assertNotIn("progress", self.ok(self.c.post("/task/get", {"queue": self.q,
                                                                       "id": "l1"})))
        for method in ("GET", "PUT", "DELETE"):
            with self.subTest(case=f"{method} progress"):
                body = encode({"queue": self.q, "id": "l1"}) if method != "GET" else None
                self.err(self.c.request(method, "/task/progress", body), "0007", 405)


@unittest.skipUnless(harness.can_start_servers(), "needs the server binary (TC_BINARY)")
class LimitsTest(unittest.TestCase):
    """Server-level limits need a server started with small limits."""

    @classmethod
    def setUpClass(cls):
        cls.server = harness.ServerProcess(
            extra_args=["--max-body", "1024", "--max-wait", "0.5"]).start()
        cls.c = Client(cls.server.url)

    @classmethod
    def tearDownClass(cls):
        cls.server.stop_checked("limits server")

    def test_oversize_body_is_413(self):
        q = harness.unique()
        self.assertEqual(self.c.put(q, "small", content=b"x" * 100).err_code, "0000")
        for size in (1100, 4000, 100_000):
            with self.subTest(size=size):
                resp = self.c.put(q, f"big{size}", content=b"x" * size)
                self.assertEqual(resp.status, 413, resp)
                self.assertEqual(resp.err_code, "0003", resp)
                self.assertTrue(resp.json.get("message", "").strip(), resp)
        self.assertEqual(self.c.stat_queue(q).data["length"], 1)
        ids = [t["id"] for t in self.c.peek(q, size=10).data]
        self.assertEqual(ids, ["small"])
        self.assertEqual(self.c.get("/healthz").status, 200)
        # The transport refused them before routing: /metrics counts them all the same.
        metrics = self.c.get("/metrics").text
        self.assertIn('taskcenter_requests_total{endpoint="unknown",err_code="0003",status="413"} 3',
                      metrics)

    def test_long_poll_timeout_is_capped_by_max_wait(self):
        q = harness.unique()
        for path, body in (("/task/peek", {"queue": q, "timeout": 60}),
                           ("/task/take", {"queue": q, "timeout": 60, "promise_reply_time": 1}),
                           ("/task/call", {"queue": q, "id": "c", "timeout": 60})):
            with self.subTest(path=path):
                start = time.monotonic()
                resp = self.c.post(path, body)
                self.assertLess(time.monotonic() - start, 30, "capped well below 60 s")
                self.assertIn(resp.err_code, ("0000", "0001"), resp)


if __name__ == "__main__":
    unittest.main()
