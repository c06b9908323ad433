"""A small HTTP/1.1 keep-alive client for the conformance suite (stdlib only).

Each thread keeps one persistent http.client connection per base URL, so tests that
run many threads do not share sockets. Requests are spread round-robin over the base
URLs: with several server instances, every step of a task may land on a different one.
"""

import base64
import http.client
import itertools
import json
import threading
import urllib.parse
import weakref

import openapi_check

_clients = weakref.WeakSet()  # every Client, so a finishing thread can close its sockets


def close_thread_connections():
    """Closes the calling thread's connections of every Client (call before a thread ends)."""
    for client in list(_clients):
        client.close()


class Response:
    """One HTTP answer: status, raw body bytes, parsed JSON (or None), headers."""

    def __init__(self, status, raw, headers):
        self.status = status
        self.raw = raw
        self.headers = headers
        try:
            self.json = json.loads(raw.decode("utf-8")) if raw else None
        except (UnicodeDecodeError, ValueError):
            self.json = None

    @property
    def err_code(self):
        return self.json.get("err_code") if isinstance(self.json, dict) else None

    @property
    def data(self):
        return self.json.get("data") if isinstance(self.json, dict) else None

    @property
    def text(self):
        return self.raw.decode("utf-8", errors="replace")

    def __repr__(self):
        return f"<Response {self.status} {self.raw[:300]!r}>"


class Client:
    """Posts JSON to /task/* and returns Response objects.

    base_urls: list of "http://host:port". token: bearer token or None.
    """

    def __init__(self, base_urls, token=None, timeout=60.0):
        if isinstance(base_urls, str):
            base_urls = [base_urls]
        self.base_urls = list(base_urls)
        self.token = token
        self.timeout = timeout
        self._next = itertools.count()  # next() on itertools.count is atomic in CPython
        self._local = threading.local()
        _clients.add(self)

    # -- transport ---------------------------------------------------------------

    def _pick(self, instance):
        if instance is None:
            instance = next(self._next) % len(self.base_urls)
        return instance % len(self.base_urls)

    def _conn(self, index):
        conns = getattr(self._local, "conns", None)
        if conns is None:
            conns = self._local.conns = {}
        conn = conns.get(index)
        if conn is None:
            url = urllib.parse.urlsplit(self.base_urls[index])
            conn = http.client.HTTPConnection(url.hostname, url.port, timeout=self.timeout)
            conns[index] = conn
        return conn

    def _drop(self, index):
        conns = getattr(self._local, "conns", {})
        conn = conns.pop(index, None)
        if conn is not None:
            conn.close()

    def close(self):
        """Closes the calling thread's connections."""
        for index in list(getattr(self._local, "conns", {})):
            self._drop(index)

    def __del__(self):
        # A throwaway client dies in the thread that used it: close what it opened there.
        try:
            self.close()
        except Exception:  # noqa: BLE001 - interpreter shutdown
            pass

    def request(self, method, path, body=None, headers=None, instance=None, http_timeout=None):
        """Sends one request; body is bytes/str (sent as is). Retries once on a stale
        keep-alive connection (the server may close idle ones)."""
        index = self._pick(instance)
        hdrs = {}
        if body is not None:
            if isinstance(body, str):
                body = body.encode("utf-8")
            hdrs["Content-Type"] = "application/json"
        if self.token is not None:
            hdrs["Authorization"] = f"Bearer {self.token}"
        if headers:
            hdrs.update(headers)
        for attempt in range(2):
            conn = self._conn(index)
            if http_timeout is not None:
                conn.timeout = http_timeout
                if conn.sock is not None:
                    conn.sock.settimeout(http_timeout)
            try:
                conn.request(method, path, body=body, headers=hdrs)
                resp = conn.getresponse()
                raw = resp.read()
                # Every answer must be what src/web/openapi.json says it can be.
                openapi_check.check_response(method, path, resp.status,
                                             resp.getheader("Content-Type"), raw)
                if resp.getheader("Connection", "").lower() == "close" or resp.will_close:
                    self._drop(index)
                return Response(resp.status, raw, resp.headers)
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError,
                    http.client.CannotSendRequest, http.client.BadStatusLine):
                self._drop(index)
                if attempt == 1:
                    raise
            finally:
                if http_timeout is not None and index in getattr(self._local, "conns", {}):
                    conn.timeout = self.timeout
                    if conn.sock is not None:
                        conn.sock.settimeout(self.timeout)
        raise AssertionError("unreachable")

    def post(self, path, payload, **kw):
        """POST a JSON value (dict/list) or raw text/bytes."""
        if isinstance(payload, (bytes, str)):
            body = payload
        else:
            body = json.dumps(payload)
        return self.request("POST", path, body, **kw)

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    # -- endpoint helpers (return Response; callers assert on it) -----------------

    def put(self, queue, id, info=None, content=b"", config=None, **kw):
        payload = {"queue": queue, "id": id, "info": info, "content": b64(content)}
        if config is not None:
            payload["config"] = config
        return self.post("/task/put", payload, **kw)

    def put_batch(self, queue, tasks, **kw):
        return self.post("/task/put_batch", {"queue": queue, "tasks": tasks}, **kw)

    def peek(self, queue, cursor=None, size=1, timeout=0, batch_window=None, **kw):
        payload = {"queue": queue, "cursor": cursor, "size": size, "timeout": timeout}
        if batch_window is not None:
            payload["batch_window"] = batch_window
        return self.post("/task/peek", payload, **_http_timeout(kw, timeout, batch_window))

    def acquire(self, queue, ids, promise_reply_time, **kw):
        return self.post("/task/acquire", {"queue": queue, "ids": list(ids),
                                           "promise_reply_time": promise_reply_time}, **kw)

    def take(self, queue, promise_reply_time, size=1, timeout=0, batch_window=None,
             max_cost=None, batch_key=None, group_by_key=None, **kw):
        payload = {"queue": queue, "size": size, "timeout": timeout,
                   "promise_reply_time": promise_reply_time}
        if batch_window is not None:
            payload["batch_window"] = batch_window
        for name, value in (("max_cost", max_cost), ("batch_key", batch_key),
                            ("group_by_key", group_by_key)):
            if value is not None:
                payload[name] = value
        return self.post("/task/take", payload, **_http_timeout(kw, timeout, batch_window))

    def reply(self, queue, id, info=None, content=b"", **kw):
        return self.post("/task/reply", {"queue": queue, "id": id, "info": info,
                                         "content": b64(content)}, **kw)

    def call(self, queue, id, timeout, info=None, content=b"", config=None, **kw):
        payload = {"queue": queue, "id": id, "info": info, "content": b64(content),
                   "timeout": timeout}
        if config is not None:
            payload["config"] = config
        return self.post("/task/call", payload, **_http_timeout(kw, timeout, None))

    def touch(self, queue, id, promise_reply_time, **kw):
        return self.post("/task/touch", {"queue": queue, "id": id,
                                         "promise_reply_time": promise_reply_time}, **kw)

    def remove(self, queue, id, **kw):
        return self.post("/task/remove", {"queue": queue, "id": id}, **kw)

    def clear_queue(self, queue, **kw):
        return self.post("/task/clear_queue", {"queue": queue}, **kw)

    def list_queue(self, cursor=None, size=100, **kw):
        return self.post("/task/list_queue", {"cursor": cursor, "size": size}, **kw)

    def stat_queue(self, queue, **kw):
        return self.post("/task/stat_queue", {"queue": queue}, **kw)

    def reply_batch(self, queue, replies, **kw):
        """replies: (id, info, content) tuples or ready reply objects."""
        items = [r if isinstance(r, dict) else {"id": r[0], "info": r[1], "content": b64(r[2])}
                 for r in replies]
        return self.post("/task/reply_batch", {"queue": queue, "replies": items}, **kw)

    def fail(self, queue, id, info=None, content=b"", **kw):
        return self.post("/task/fail", {"queue": queue, "id": id, "info": info,
                                        "content": b64(content)}, **kw)

    def release(self, queue, id, delay=None, **kw):
        payload = {"queue": queue, "id": id}
        if delay is not None:
            payload["delay"] = delay
        return self.post("/task/release", payload, **kw)

    def get_task(self, queue, id, with_content=None, **kw):
        payload = {"queue": queue, "id": id}
        if with_content is not None:
            payload["with_content"] = with_content
        return self.post("/task/get", payload, **kw)

    def list_tasks(self, queue, state=None, cursor=None, size=None, **kw):
        payload = {"queue": queue}
        for key, value in (("state", state), ("cursor", cursor), ("size", size)):
            if value is not None:
                payload[key] = value
        return self.post("/task/list_tasks", payload, **kw)

    def progress(self, queue, id, info=None, content=None, promise_reply_time=None, **kw):
        payload = {"queue": queue, "id": id}
        if info is not None:
            payload["info"] = info
        if content is not None:
            payload["content"] = b64(content)
        if promise_reply_time is not None:
            payload["promise_reply_time"] = promise_reply_time
        return self.post("/task/progress", payload, **kw)


def _http_timeout(kw, timeout, window):
    """A long-poll must not hit the socket timeout before the server answers."""
    wait = (timeout or 0) + (window or 0)
    if isinstance(wait, (int, float)) and wait > 30 and "http_timeout" not in kw:
        kw = dict(kw, http_timeout=wait + 30)
    return kw


def b64(data):
    if isinstance(data, str):
        data = data.encode("utf-8")
    return base64.b64encode(data).decode("ascii")


def unb64(text):
    return base64.b64decode(text, validate=True)
