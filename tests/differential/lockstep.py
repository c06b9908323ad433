"""Runs one operation sequence in lockstep on every deployment and compares what they answer.

Each operation goes to every deployment (in parallel threads), and the next one starts only
when all have answered; a "wait_after" pause then runs once, on all of them at the same time.
Every answer is reduced to its observable content (HTTP status, err_code, data, message):
cursor strings differ by nature, so each deployment keeps a map from the cursor strings it
returned to symbolic names ("op12.item3": item 3 of operation 12's answer, named where the
string first appeared). Two deployments agree on an answer when the answers are equal
after that substitution: same order, same positions, same resumption points.
"""

import concurrent.futures
import json
import threading
import time

from generator import LONG_POLL

CLEAR_ATTEMPTS = 50


# get / list_tasks: how many seconds a task has waited differs between deployments by
# nature (they run one after the other); that a time is there does not.
TIME_FIELDS = ("age", "visible_in", "lease_left")


def timeless_views(data):
    def timeless(view):
        if not isinstance(view, dict):
            return view
        return {k: (isinstance(v, (int, float)) if k in TIME_FIELDS else v)
                for k, v in view.items()}
    if isinstance(data, list):
        return [timeless(v) for v in data]
    return timeless(data)

class Session:
    """One deployment during one run: its cursor symbols and the requests it was sent."""

    def __init__(self, deployment):
        self.dep = deployment
        # A cursor is a position in one queue: two queues may hand out the same string.
        self.by_string = {}   # (queue, cursor string) -> symbol
        self.strings = {}     # symbol -> cursor string
        self.order = {}       # queue -> its symbols in the order they appeared
        self.origins = {}     # symbol -> (request number, python expression on the answer)
        self.requests = []    # {"op", "instance", "path", "payload", "subst", "background"}
                              # or {"op", "sleep"}: a pause inside an operation
                              # or {"op", "restart"}: the servers were restarted

    # -- cursors -----------------------------------------------------------------

    def symbol(self, queue, text, name, request_no, expr):
        if text is None:
            return None
        if not isinstance(text, str):
            return {"not a string": text}
        sym = self.by_string.get((queue, text))
        if sym is None:
            sym = self.by_string[(queue, text)] = name
            self.strings[sym] = text
            self.order.setdefault(queue, []).append(sym)
            self.origins[sym] = (request_no, expr)
        return sym

    def resolve(self, payload):
        """A copy of payload with a {"$pick": r} cursor replaced by one of the cursors of
        the same queue seen so far (null if none); (payload, subst)."""
        cursor = payload.get("cursor")
        if not isinstance(cursor, dict):
            return payload, {}
        payload = dict(payload)
        known = self.order.get(payload.get("queue"), [])
        if not known:
            payload["cursor"] = None
            return payload, {}
        sym = known[min(int(cursor["$pick"] * len(known)), len(known) - 1)]
        payload["cursor"] = self.strings[sym]
        return payload, {"cursor": sym}

    # -- requests ----------------------------------------------------------------

    def send(self, op_no, path, payload, instance=None, subst=None, background=False,
             http_timeout=None):
        """Posts and records one compared request; (request number, instance, Response)."""
        index = self.dep.pick() if instance is None else instance
        number = len(self.requests)
        self.requests.append({"op": op_no, "instance": index, "path": path, "payload": payload,
                              "subst": subst or {}, "background": background})
        _, response = self.dep.post(path, payload, instance=index, http_timeout=http_timeout)
        return number, index, response

    def restart(self, op_no, crash):
        """Restarts the deployment's taskcenters on the same log or Redis: from here on its
        answers must still be those of deployment a, which keeps running (memory only, it
        would lose everything). A graceful stop must exit 0."""
        self.requests.append({"op": op_no, "restart": crash})
        if not self.dep.durable:
            return {"restarted": True}
        codes = self.dep.restart(crash)
        if not crash and any(code != 0 for code in codes):
            return {"restarted": True, "exit codes": codes}
        return {"restarted": True}

    def pause(self, op_no, seconds):
        """A pause inside an operation (recorded so the reproduction shows it)."""
        self.requests.append({"op": op_no, "sleep": seconds})
        time.sleep(seconds)

    def observe(self, op_no, path, number, response, tag=""):
        """The observable content of one answer, cursors made symbolic."""
        body = response.json
        if (response.headers.get("Content-Type") or "").startswith("application/x-ndjson"):
            # A stream (watch): the events seen and the result line, one object each.
            return {"status": response.status,
                    "lines": [json.loads(line) for line in response.text.splitlines() if line]}
        if not isinstance(body, dict):
            return {"status": response.status, "body": response.text[:500]}
        obs = {"status": response.status, "err_code": body.get("err_code")}
        if "message" in body:
            obs["message"] = body["message"]
        data = body.get("data")
        prefix = f"op{op_no}{tag}"
        queue = self.requests[number]["payload"].get("queue")
        if path == "/task/peek" and isinstance(data, list):
            data = [dict(item, cursor=self.symbol(queue, item.get("cursor"),
                                                  f"{prefix}.item{k}", number,
                                                  f'["data"][{k}]["cursor"]'))
                    if isinstance(item, dict) else item for k, item in enumerate(data)]
        if path == "/task/stat_queue" and isinstance(data, dict):
            data = dict(data)
            for field in ("oldest_cursor", "newest_cursor"):
                data[field] = self.symbol(queue, data.get(field), f"{prefix}.{field}", number,
                                          f'["data"]["{field}"]')
        if path in ("/task/get", "/task/list_tasks"):
            data = timeless_views(data)
        obs["data"] = data
        if "cursor" in body:
            if path in ("/task/list_queue", "/task/list_tasks"):
                obs["more"] = body["cursor"] is not None
            else:
                obs["cursor"] = self.symbol(queue, body["cursor"], f"{prefix}.cursor", number,
                                            '["cursor"]')
        for key in body:
            if key not in ("err_code", "message", "data", "cursor"):
                obs[key] = body[key]
        return obs

    def request(self, op_no, path, payload, tag="", **kw):
        payload, subst = self.resolve(payload)
        number, _, response = self.send(op_no, path, payload, subst=subst, **kw)
        return self.observe(op_no, path, number, response, tag)

    # -- operations --------------------------------------------------------------

    def execute(self, op_no, op):
        kind = op["kind"]
        if kind == "request" and op.get("until_true"):
            for _ in range(CLEAR_ATTEMPTS):
                obs = self.request(op_no, op["path"], op["payload"])
                if obs.get("data") is not True and obs.get("status") == 200:
                    continue
                return obs
            return obs
        if kind == "request":
            return self.request(op_no, op["path"], op["payload"])
        if kind == "wait":
            return None
        if kind == "restart":
            return self.restart(op_no, op["crash"])
        if kind == "list_queue":
            return self.list_queue(op_no, op["size"])
        if kind == "list_tasks":
            return self.list_tasks(op_no, op)
        if kind in ("call_reply", "call_remove", "call_acquire0"):
            return self.call_while(op_no, op)
        if kind in ("take_put", "peek_put"):
            return self.wait_while_put(op_no, op)
        raise ValueError(f"unknown operation kind {kind!r}")

    def list_tasks(self, op_no, op):
        pages, cursor, previous = [], None, None
        for page in range(100):
            subst = {"cursor": ("request", previous)} if previous is not None else {}
            payload = {"queue": op["queue"], "cursor": cursor, "size": op["size"]}
            if op.get("state"):
                payload["state"] = op["state"]
            number, _, response = self.send(op_no, "/task/list_tasks", payload, subst=subst)
            pages.append(self.observe(op_no, "/task/list_tasks", number, response, f".p{page}"))
            body = response.json if isinstance(response.json, dict) else {}
            cursor, previous = body.get("cursor"), number
            if cursor is None:
                break
        return pages

    def list_queue(self, op_no, size):
        pages, cursor, previous = [], None, None
        for page in range(100):
            subst = {"cursor": ("request", previous)} if previous is not None else {}
            number, _, response = self.send(op_no, "/task/list_queue",
                                            {"cursor": cursor, "size": size}, subst=subst)
            pages.append(self.observe(op_no, "/task/list_queue", number, response, f".p{page}"))
            body = response.json if isinstance(response.json, dict) else {}
            cursor, previous = body.get("cursor"), number
            if cursor is None:
                break
        return pages

    def in_background(self, op_no, path, payload, subst=None, index=None):
        """Starts one long-poll in a thread (on the next instance unless given);
        (thread, result box)."""
        index = self.dep.pick() if index is None else index
        number = len(self.requests)
        self.requests.append({"op": op_no, "instance": index, "path": path, "payload": payload,
                              "subst": subst or {}, "background": True})
        box = {"number": number, "instance": index}

        def run():
            client = self.dep.clients[index]
            try:
                box["response"] = client.post(path, payload, http_timeout=LONG_POLL + 30)
            except Exception as exc:  # noqa: BLE001 - reported as the observation
                box["error"] = repr(exc)
            finally:
                client.close()

        thread = threading.Thread(target=run, daemon=True)
        thread.start()
        return thread, box

    def finish(self, op_no, path, thread, box):
        thread.join(LONG_POLL + 40)
        if "response" not in box:
            return {"error": box.get("error", "no answer")}
        return self.observe(op_no, path, box["number"], box["response"], ".wait")

    def _total_put(self, queue, instance):
        _, response = self.dep.post("/task/stat_queue", {"queue": queue}, instance=instance)
        data = response.data
        return data.get("total_put", 0) if isinstance(data, dict) else 0

    def call_while(self, op_no, op):
        """A call waits on a task it put itself; then a reply, a remove or an acquire with
        promise_reply_time 0 (which deletes the task) arrives."""
        queue, task_id = op["queue"], op["id"]
        obs = {"remove": self.request(op_no, "/task/remove", {"queue": queue, "id": task_id},
                                      ".rm")}
        if op.get("settle"):
            self.pause(op_no, op["settle"])
        call = {"queue": queue, "id": task_id, "info": op["info"], "content": op["content"],
                "timeout": LONG_POLL}
        if op.get("config") is not None:
            call["config"] = op["config"]
        # The call's own put must land before the reply, or a reply could come first and a
        # result cached for 0 s would be forgotten before the call begins.
        index = self.dep.pick()
        before = self._total_put(queue, index)
        thread, box = self.in_background(op_no, "/task/call", call, index=index)
        deadline = time.monotonic() + LONG_POLL
        while thread.is_alive() and time.monotonic() < deadline:
            if self._total_put(queue, box["instance"]) > before:
                break
            time.sleep(0.005)
        if op["kind"] == "call_reply":
            obs["reply"] = self.request(op_no, "/task/reply",
                                        {"queue": queue, "id": task_id,
                                         "info": op["reply_info"], "content": ""}, ".reply")
        elif op["kind"] == "call_acquire0":
            obs["acquire"] = self.request(op_no, "/task/acquire",
                                          {"queue": queue, "ids": [task_id],
                                           "promise_reply_time": 0}, ".acq")
        else:
            obs["remove2"] = self.request(op_no, "/task/remove",
                                          {"queue": queue, "id": task_id}, ".rm2")
        obs["call"] = self.finish(op_no, "/task/call", thread, box)
        return obs

    def wait_while_put(self, op_no, op):
        """A take or peek waits on a queue (if nothing is there yet) while a put arrives."""
        path = "/task/take" if op["kind"] == "take_put" else "/task/peek"
        payload, subst = self.resolve(op["wait_payload"])
        thread, box = self.in_background(op_no, path, payload, subst)
        deadline = time.monotonic() + LONG_POLL
        while thread.is_alive() and time.monotonic() < deadline:
            if self.dep.waiting(box["instance"]) > 0:
                break
            time.sleep(0.005)
        obs = {"put": self.request(op_no, "/task/put", op["put_payload"], ".put")}
        obs["wait"] = self.finish(op_no, path, thread, box)
        return obs


def audit_ops(queues):
    """Operations appended to every run: the final state of every queue of the universe."""
    ops = []
    for queue in queues:
        ops.append({"kind": "request", "path": "/task/stat_queue", "payload": {"queue": queue},
                    "wait_after": 0, "audit": True})
        ops.append({"kind": "request", "path": "/task/peek",
                    "payload": {"queue": queue, "cursor": None, "size": 1000, "timeout": 0},
                    "wait_after": 0, "audit": True})
    ops.append({"kind": "list_queue", "size": 1000, "wait_after": 0, "audit": True})
    return ops


class Difference(Exception):
    def __init__(self, op_no, op, observations, sessions):
        super().__init__(f"deployments differ at operation {op_no}")
        self.op_no = op_no
        self.op = op
        self.observations = observations  # deployment name -> observation
        self.sessions = sessions          # deployment name -> Session

    def groups(self):
        """[(deployment names, observation)], one entry per distinct answer."""
        found = {}
        for name, obs in self.observations.items():
            key = json.dumps(obs, sort_keys=True, ensure_ascii=False)
            found.setdefault(key, ([], obs))[0].append(name)
        return [("".join(names), obs) for names, obs in found.values()]


class Runner:
    def __init__(self, deployments):
        self.deployments = deployments
        self.pool = concurrent.futures.ThreadPoolExecutor(max_workers=len(deployments))
        self.ops_run = 0

    def close(self):
        self.pool.shutdown()

    def _clear(self, dep, queues):
        """Clears every queue of the universe and any other the deployment lists."""
        for _ in range(3):
            for queue in queues:
                for _ in range(CLEAR_ATTEMPTS):
                    _, response = dep.post("/task/clear_queue", {"queue": queue}, instance=0)
                    # A failing clear (a name the deployment cannot handle) is left to the
                    # check below: fresh means list_queue shows nothing.
                    if response.status != 200 or response.data is True:
                        break
            _, response = dep.post("/task/list_queue", {"cursor": None, "size": 1000},
                                   instance=0)
            left = response.data or []
            if not left and response.json.get("cursor") is None:
                dep.next_instance = 0
                return
            queues = list(left)
        raise RuntimeError(f"{dep.name}: queues left after clearing: {left}")

    def fresh(self, queues):
        list(self.pool.map(lambda d: self._clear(d, queues), self.deployments))

    def run(self, queues, ops):
        """Runs ops (then the audit) from fresh state; raises Difference on the first one."""
        self.fresh(queues)
        sessions = {d.name: Session(d) for d in self.deployments}
        for op_no, op in enumerate(list(ops) + audit_ops(queues)):
            results = self.pool.map(lambda s: s.execute(op_no, op), sessions.values())
            observations = dict(zip(sessions, results))
            self.ops_run += 0 if op.get("audit") else 1  # generated operations only
            first = next(iter(observations.values()))
            if any(obs != first for obs in observations.values()):
                raise Difference(op_no, op, observations, sessions)
            if op.get("wait_after"):
                time.sleep(op["wait_after"])
        return sessions
