"""`TaskCenter`: one method per endpoint of the taskcenter HTTP API (docs/protocol.md).

Thread-safe: share one instance between threads; each request borrows a pooled
keep-alive connection for its duration.

Which requests are repeated when a reused keep-alive connection turns out to be
dead (the server's idle timeout racing our send)? Those whose repetition cannot
change the outcome: reads (peek, stat, list, health), and writes the API makes
idempotent by id (put, put_batch, call, reply, touch, remove, clear_queue). A
repeated put or reply whose first attempt did land answers False ("already
there" / "already done"). acquire and take are never repeated: if the first
attempt landed but its answer was lost, a repeat would lease *other* tasks while
the first ones sit leased to nobody until their lease runs out; the caller gets
ConnectionFailed instead and decides.
"""

import json
import logging
import time
from typing import (Any, Dict, Iterable, Iterator, List, Mapping, Optional, Sequence,
                    Tuple, Union)

from .errors import ConnectionFailed, Unavailable, error_for
from .model import BytesLike, Result, Task, decode_content, encode_content
from ._transport import Transport
from . import _streams

__all__ = ["TaskCenter", "DEFAULT_URL"]

DEFAULT_URL = "http://127.0.0.1:8000"

log = logging.getLogger("taskcenter.client")

# Extra seconds on top of a long-poll before the socket gives up: the server
# answers a long-poll when its timeout passes, so the socket must outwait it.
_LONG_POLL_MARGIN = 1.0

PutSpec = Union[Mapping[str, Any], Tuple[Any, ...]]


# The task config fields the keywords of put / put_batch / call set (the wire names).
_CONFIG_KEYS = ("cache_result_time", "forward_result_to", "max_attempts", "dead_letter_to",
                "delay", "priority", "deadline", "cost", "batch_key", "retry_delay")


def _config(**fields: Any) -> Dict[str, Any]:
    """The task config of the keywords given (None: left out, the server's default)."""
    return {key: value for key, value in fields.items() if value is not None}


def _task_body(task_id: str, info: Any, content: Optional[BytesLike],
               config: Dict[str, Any]) -> Dict[str, Any]:
    body: Dict[str, Any] = {"id": task_id}
    if info is not None:
        body["info"] = info
    encoded = encode_content(content)
    if encoded:
        body["content"] = encoded
    if config:
        body["config"] = config
    return body


class TaskCenter:
    """Client of one taskcenter server (or a load balancer in front of several).

    Args:
        url: base URL, e.g. ``http://127.0.0.1:8000`` (a path prefix is kept).
        token: bearer token when the server has auth enabled.
        timeout: seconds a request may take beyond its own long-poll time
            (peek/take ``timeout`` + ``batch_window``, call ``timeout``).
        max_idle_connections: keep-alive connections kept open between requests.
    """

    def __init__(self, url: str = DEFAULT_URL, token: Optional[str] = None,
                 timeout: float = 30.0, max_idle_connections: int = 16) -> None:
        self.url = url
        self.timeout = timeout
        self._transport = Transport(url, token=token, max_idle=max_idle_connections)

    # -- plumbing -------------------------------------------------------------

    def _post(self, endpoint: str, payload: Dict[str, Any], long_poll: float = 0.0,
              retry: bool = True) -> Dict[str, Any]:
        """POST /task/<endpoint> and return the decoded envelope, or raise the
        typed error its err_code names."""
        body = json.dumps(payload, separators=(",", ":")).encode("utf-8")
        wait = self.timeout + (long_poll + _LONG_POLL_MARGIN if long_poll > 0 else 0.0)
        status, _, data = self._transport.request("POST", "/task/" + endpoint, body,
                                                  wait, retry)
        try:
            envelope = json.loads(data)
        except ValueError:
            envelope = None
        if not isinstance(envelope, dict):
            snippet = data[:200].decode("utf-8", "replace")
            if 200 <= status < 300:
                raise ConnectionFailed("/task/%s: response is not the API's JSON envelope: %r"
                                       % (endpoint, snippet), status=status)
            raise error_for(None, "/task/%s: HTTP %d: %s" % (endpoint, status, snippet), status)
        code = envelope.get("err_code")
        if code is None and status == 200:
            code = "0000"  # the seed's server omitted err_code on success
        if code != "0000":
            message = envelope.get("message") or "/task/%s failed" % endpoint
            raise error_for(code, message, status)
        return envelope

    def _get(self, path: str) -> Tuple[int, bytes]:
        status, _, data = self._transport.request("GET", path, None, self.timeout, True)
        return status, data

    def close(self) -> None:
        """Close the idle keep-alive connections (a later request reconnects)."""
        self._transport.close()

    def __enter__(self) -> "TaskCenter":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def __repr__(self) -> str:
        return "TaskCenter(%r)" % self.url

    # -- producing ------------------------------------------------------------

    def put(self, queue: str, id: str, info: Any = None, content: Optional[BytesLike] = None,
            *, forward_result_to: Optional[str] = None,
            cache_result_time: Optional[float] = None, max_attempts: Optional[int] = None,
            dead_letter_to: Optional[str] = None, delay: Optional[float] = None,
            priority: Optional[int] = None, deadline: Optional[float] = None,
            cost: Optional[float] = None, batch_key: Optional[str] = None,
            retry_delay: Optional[float] = None) -> bool:
        """Queue a task. True if created, False if a task with this id already
        exists in the queue (pending, leased, or done with a cached result).

        forward_result_to: queue that receives the reply as a task with the same id
            (the asynchronous flow; read it with :meth:`results`).
        cache_result_time: seconds the result stays readable by ``call`` (server default 60).
        max_attempts / dead_letter_to: redeliveries before the task is dropped or
            moved to ``dead_letter_to``. delay: seconds before it becomes visible.
        priority: -1000..1000, higher is taken first. deadline: seconds within which a
            consumer must lease it, else it expires. cost / batch_key: what ``take``'s
            ``max_cost`` counts and which tasks may share a batch. retry_delay: seconds
            before a failed attempt is retried (doubling per attempt).
        """
        config = _config(cache_result_time=cache_result_time,
                         forward_result_to=forward_result_to, max_attempts=max_attempts,
                         dead_letter_to=dead_letter_to, delay=delay, priority=priority,
                         deadline=deadline, cost=cost, batch_key=batch_key,
                         retry_delay=retry_delay)
        payload = _task_body(id, info, content, config)
        payload["queue"] = queue
        return bool(self._post("put", payload)["data"])

    def put_batch(self, queue: str, tasks: Iterable[PutSpec]) -> List[bool]:
        """Queue many tasks in one request; one bool per task, as for :meth:`put`.

        Each task is a mapping with ``id`` and optional ``info``, ``content`` (bytes),
        ``config`` (a dict) or the config keywords of :meth:`put` directly; or a
        tuple ``(id, info, content)``.
        """
        items: List[Dict[str, Any]] = []
        for spec in tasks:
            if isinstance(spec, tuple):
                task_id, info, content = (tuple(spec) + (None, None))[:3]
                items.append(_task_body(task_id, info, content, {}))
                continue
            config = dict(spec.get("config") or {})
            config.update(_config(**{key: spec.get(key) for key in _CONFIG_KEYS}))
            items.append(_task_body(spec["id"], spec.get("info"), spec.get("content"), config))
        data = self._post("put_batch", {"queue": queue, "tasks": items})["data"]
        return [bool(x) for x in data]

    def call(self, queue: str, id: str, info: Any = None, content: Optional[BytesLike] = None,
             timeout: float = 10.0, *, cache_result_time: Optional[float] = None,
             forward_result_to: Optional[str] = None, max_attempts: Optional[int] = None,
             dead_letter_to: Optional[str] = None, priority: Optional[int] = None,
             deadline: Optional[float] = None, cost: Optional[float] = None,
             batch_key: Optional[str] = None,
             retry_delay: Optional[float] = None, stream: bool = False) -> Any:
        """Put the task (unless it exists) and wait up to ``timeout`` seconds for
        its reply. Calls with the same id share one task and one result.

        With ``stream=True`` it returns an iterator instead: the task's progress
        events as they arrive, then its result (see :meth:`watch` for their shape).

        Raises CallTimeout when no reply came in time (the task stays queued; call
        again with the same id to pick the result up), TaskRemoved when the task
        was removed meanwhile. With ``timeout=0`` it only checks: the cached
        Result, or None when not done. The config keywords are those of :meth:`put`.
        """
        config = _config(cache_result_time=cache_result_time,
                         forward_result_to=forward_result_to, max_attempts=max_attempts,
                         dead_letter_to=dead_letter_to, priority=priority, deadline=deadline,
                         cost=cost, batch_key=batch_key, retry_delay=retry_delay)
        payload = _task_body(id, info, content, config)
        payload["queue"] = queue
        payload["timeout"] = timeout
        if stream:
            payload["stream"] = True
            return self._stream("call", payload, timeout)
        data = self._post("call", payload, long_poll=timeout)["data"]
        if not data:
            return None
        # A list of one (the default), or the result object itself (a server started
        # with --call-data object, and the running original service).
        return Result.from_wire(data if isinstance(data, dict) else data[0])

    def watch(self, queue: str, id: str, after: int = 0,
              timeout: float = 10.0) -> Iterator[Dict[str, Any]]:
        """Follow an existing task: its events with ``seq > after`` (those kept first,
        then live ones), then its result, for up to ``timeout`` seconds. Yields
        ``{"event": "progress", "seq", "info", "content": bytes}`` per event and last
        ``{"event": "result", "result": Result}``; raises CallTimeout at the timeout
        (or when the server shuts down), TaskRemoved / TaskExpired, and
        ConnectionFailed (with ``last_seq``) when the stream broke off: call again
        with ``after=last_seq``. Yields nothing when there is no such task.
        """
        return self._stream("watch", {"queue": queue, "id": id, "after": after,
                                      "timeout": timeout}, timeout)

    def _stream(self, endpoint: str, payload: Dict[str, Any],
                timeout: float) -> Iterator[Dict[str, Any]]:
        body = json.dumps(payload, separators=(",", ":")).encode("utf-8")
        # Between two events the server may be quiet for the whole timeout.
        wait = self.timeout + timeout + _LONG_POLL_MARGIN
        status, content_type, lines = self._transport.stream("/task/" + endpoint, body, wait)
        if not content_type.startswith("application/x-ndjson"):
            envelope_text = next(iter(lines), b"")
            try:
                envelope = json.loads(envelope_text)
            except ValueError:
                envelope = None
            if not isinstance(envelope, dict):
                raise error_for(None, "/task/%s: HTTP %d: %r"
                                % (endpoint, status, envelope_text[:200]), status)
            if envelope.get("err_code") != "0000":
                raise error_for(envelope.get("err_code"),
                                envelope.get("message") or "/task/%s failed" % endpoint, status)
            return iter(())  # watch of no such task
        return _streams.events(lines, "/task/" + endpoint)

    # -- consuming ------------------------------------------------------------

    def peek(self, queue: str, cursor: Optional[str] = None, size: int = 1,
             timeout: float = 0, batch_window: float = 0) -> Tuple[List[Task], Optional[str]]:
        """Up to ``size`` pending tasks after ``cursor`` (from the start when None),
        without content, and the cursor to pass next time. With ``timeout > 0`` it
        waits for a first task; ``batch_window`` then waits for the batch to fill.
        Peek never changes state: acquire what you want next."""
        payload: Dict[str, Any] = {"queue": queue, "size": size}
        if cursor is not None:
            payload["cursor"] = cursor
        if timeout:
            payload["timeout"] = timeout
        if batch_window:
            payload["batch_window"] = batch_window
        envelope = self._post("peek", payload, long_poll=timeout + batch_window)
        tasks = [Task.from_wire(item, queue) for item in envelope.get("data") or []]
        return tasks, envelope.get("cursor", cursor)

    def acquire(self, queue: str, ids: Union[str, Sequence[str]],
                promise_reply_time: float = 30) -> List[Task]:
        """Lease the given pending tasks; returns those this request got, with
        content. Each task is acquired by exactly one request. Reply within
        ``promise_reply_time`` seconds (or :meth:`touch`), else the task is
        redelivered. ``promise_reply_time=0`` deletes the tasks on acquire."""
        id_list = [ids] if isinstance(ids, str) else list(ids)
        payload = {"queue": queue, "ids": id_list, "promise_reply_time": promise_reply_time}
        data = self._post("acquire", payload, retry=False)["data"] or []
        return [Task.from_wire(item, queue) for item in data]

    def take(self, queue: str, size: int = 16, timeout: float = 5,
             promise_reply_time: float = 30, batch_window: float = 0,
             max_cost: Optional[float] = None, batch_key: Optional[str] = None,
             group_by_key: bool = False) -> List[Task]:
        """peek + acquire in one round trip, for consumers that accept any task:
        up to ``size`` leased tasks with content, waiting up to ``timeout`` for one.
        ``max_cost`` bounds the batch's total task ``cost`` (at least one task comes);
        ``batch_key`` takes only tasks of that key; ``group_by_key`` makes every task
        of the batch share the key of the first."""
        payload: Dict[str, Any] = {"queue": queue, "size": size,
                                   "promise_reply_time": promise_reply_time}
        if timeout:
            payload["timeout"] = timeout
        if batch_window:
            payload["batch_window"] = batch_window
        if max_cost is not None:
            payload["max_cost"] = max_cost
        if batch_key is not None:
            payload["batch_key"] = batch_key
        if group_by_key:
            payload["group_by_key"] = True
        data = self._post("take", payload, long_poll=timeout + batch_window,
                          retry=False)["data"] or []
        return [Task.from_wire(item, queue) for item in data]

    def reply(self, queue: str, id: str, info: Any = None,
              content: Optional[BytesLike] = None) -> bool:
        """Complete a task with its result. True if this reply completed it, False
        if it does not exist or was already done (the first reply wins)."""
        payload = _task_body(id, info, content, {})
        payload["queue"] = queue
        return bool(self._post("reply", payload)["data"])

    def touch(self, queue: str, id: str, promise_reply_time: float = 30) -> bool:
        """Extend a lease to ``promise_reply_time`` seconds from now (heartbeat).
        False when the task is no longer leased (lease lost, removed, or done)."""
        payload = {"queue": queue, "id": id, "promise_reply_time": promise_reply_time}
        return bool(self._post("touch", payload)["data"])

    # -- administration -------------------------------------------------------

    def remove(self, queue: str, id: str) -> bool:
        """Remove a task in any state; callers waiting on it get TaskRemoved."""
        return bool(self._post("remove", {"queue": queue, "id": id})["data"])

    def clear_queue(self, queue: str, iter_num: Optional[int] = None,
                    step_size: Optional[int] = None, until_done: bool = True) -> bool:
        """Delete every task of the queue and the queue itself. The server may
        bound the work of one request (Redis backend) and answer False ("call
        again"); with ``until_done`` this method repeats until it answers True."""
        payload: Dict[str, Any] = {"queue": queue}
        if iter_num is not None:
            payload["iter_num"] = iter_num
        if step_size is not None:
            payload["step_size"] = step_size
        while True:
            done = bool(self._post("clear_queue", payload)["data"])
            if done or not until_done:
                return done

    def list_queue(self, cursor: Optional[str] = None,
                   size: int = 100) -> Tuple[List[str], Optional[str]]:
        """One page of queue names and the cursor of the next page (None at the end)."""
        payload: Dict[str, Any] = {"size": size}
        if cursor is not None:
            payload["cursor"] = cursor
        envelope = self._post("list_queue", payload)
        return list(envelope.get("data") or []), envelope.get("cursor")

    def iter_queues(self, page_size: int = 100) -> Iterator[str]:
        """Every queue name, fetching pages of ``page_size`` as needed."""
        cursor: Optional[str] = None
        while True:
            names, cursor = self.list_queue(cursor=cursor, size=page_size)
            yield from names
            if not cursor:
                return

    def stat_queue(self, queue: str) -> Optional[Dict[str, Any]]:
        """The queue's figures (``length`` = pending tasks, ``oldest_cursor``,
        ``newest_cursor``, and whatever else the server counts), or None when the
        queue does not exist."""
        return self._post("stat_queue", {"queue": queue})["data"]

    def healthz(self) -> bool:
        """True when the server process answers /healthz."""
        try:
            status, _ = self._get("/healthz")
        except ConnectionFailed:
            return False
        return status == 200

    def readyz(self) -> bool:
        """True when the server answers /readyz with 200 (its store is reachable)."""
        try:
            status, _ = self._get("/readyz")
        except ConnectionFailed:
            return False
        return status == 200

    def version(self) -> Any:
        """The server's version: the envelope's ``data`` (e.g. "0.1.0"), or the
        body itself when it is not the API's envelope."""
        status, data = self._get("/version")
        if status != 200:
            raise error_for(None, "/version: HTTP %d" % status, status)
        text = data.decode("utf-8", "replace")
        try:
            decoded = json.loads(text)
        except ValueError:
            return text.strip()
        if isinstance(decoded, dict) and "data" in decoded:
            return decoded["data"]
        return decoded

    def metrics(self) -> str:
        """The server's Prometheus metrics text."""
        status, data = self._get("/metrics")
        if status != 200:
            raise error_for(None, "/metrics: HTTP %d" % status, status)
        return data.decode("utf-8", "replace")

    # -- the asynchronous producer's side ------------------------------------

    def results(self, queue: str, timeout: Optional[float] = None, size: int = 16,
                promise_reply_time: float = 60, poll_timeout: float = 5) -> Iterator[Task]:
        """Iterate over the result queue that producers named in
        ``put(..., forward_result_to=queue)``; each item is a Task whose ``id`` is
        the original task's and whose ``info``/``content`` are the reply's.

        Each result is acknowledged (replied to, so it leaves the result queue)
        when the loop asks for the next one, that is after your loop body handled
        it. If the loop stops early (break, exception), the result in hand and any
        fetched but not yet yielded stay leased and come back after
        ``promise_reply_time``: at-least-once delivery, so make handling idempotent.

        timeout: stop when no result arrived for this many seconds (None: never).
        Errors fetching results are raised; a failed acknowledgement is logged and
        the iteration goes on (that result will come back).
        """
        last_seen = time.monotonic()
        while True:
            wait = poll_timeout
            if timeout is not None:
                remaining = timeout - (time.monotonic() - last_seen)
                if remaining <= 0:
                    return
                wait = min(poll_timeout, remaining)
            batch = self.take(queue, size=size, timeout=wait,
                              promise_reply_time=promise_reply_time)
            if batch:
                last_seen = time.monotonic()
            for task in batch:
                yield task
                try:
                    self.reply(queue, task.id)
                except Unavailable as exc:
                    # Handled but not acknowledged: it comes back after its lease
                    # (at-least-once); a passing outage must not end the iteration.
                    log.warning("acknowledging result %r on %r failed: %s", task.id, queue, exc)

    def reply_batch(self, queue: str, replies: Iterable[Tuple[Any, ...]]) -> List[bool]:
        """Complete many tasks in one request: ``replies`` holds ``(id, info)`` or
        ``(id, info, content)`` tuples (1 to 1000). One bool per reply, each as
        ``reply`` answers it (the first reply of an id wins)."""
        items = []
        for reply in replies:
            task_id, info = reply[0], reply[1] if len(reply) > 1 else None
            content = reply[2] if len(reply) > 2 else None
            items.append(_task_body(task_id, info, content, {}))
        return [bool(done) for done in
                self._post("reply_batch", {"queue": queue, "replies": items})["data"]]

    # -- queue settings ------------------------------------------------------

    def config_queue(self, queue: str, paused: Optional[bool] = None,
                     max_leased: Optional[int] = None, rate: Optional[float] = None,
                     burst: Optional[float] = None) -> Dict[str, Any]:
        """Change a queue's settings and return those in force
        (``{"paused", "max_leased", "rate", "burst"}``). A setting left as None keeps
        its value; 0 removes a limit. ``paused``: take and acquire lease nothing.
        ``max_leased``: at most this many tasks leased at once over all consumers.
        ``rate`` (leases per second) with ``burst`` (default max(1, rate)): a token
        bucket shared by all instances; ``burst`` needs a ``rate`` in the same call.
        Creates the queue if it does not exist."""
        body: Dict[str, Any] = {"queue": queue}
        for name, value in (("paused", paused), ("max_leased", max_leased),
                            ("rate", rate), ("burst", burst)):
            if value is not None:
                body[name] = value
        return self._post("config_queue", body)["data"]


    # -- failures (version 2) --------------------------------------------------

    def fail(self, queue: str, id: str, info: Any = None,
             content: Optional[BytesLike] = None) -> bool:
        """Report that the attempt on a leased task failed. ``info``/``content`` are
        kept as the task's ``last_error``; the task is redelivered after its retry
        delay, or dead-lettered (or dropped) when its max_attempts is used up.
        False when the task was not leased (lease lost, removed, or done)."""
        payload = _task_body(id, info, content, {})
        payload["queue"] = queue
        return bool(self._post("fail", payload)["data"])

    def release(self, queue: str, id: str, delay: float = 0) -> bool:
        """Give a leased task back untried: pending again after ``delay`` seconds, the
        attempt not counted against max_attempts. False when it was not leased."""
        payload: Dict[str, Any] = {"queue": queue, "id": id}
        if delay:
            payload["delay"] = delay
        return bool(self._post("release", payload)["data"])

    def redrive(self, queue: str, ids: Optional[Sequence[str]] = None, size: int = 100) -> int:
        """Move dead-lettered tasks of ``queue`` (a dead-letter queue) back to their source
        queue as new pending tasks: the given ``ids``, or those among the first ``size``
        pending tasks. One whose id exists in its source queue stays. Returns how many
        moved (repeat until 0 to empty a large queue). Needs the admin role."""
        payload: Dict[str, Any] = {"queue": queue, "size": size}
        if ids is not None:
            payload["ids"] = [ids] if isinstance(ids, str) else list(ids)
        return int(self._post("redrive", payload)["data"])

    # -- seeing tasks ----------------------------------------------------------

    def get(self, queue: str, id: str, with_content: bool = False) -> Optional[Dict[str, Any]]:
        """What the server shows of one task, or None when there is no such task: a dict
        with ``id``, ``state`` ("pending", "delayed", "leased" or "done"), ``info``,
        ``priority``, ``batch_key``, ``cost``, ``attempt``, ``age`` (seconds) and, where
        they apply, ``visible_in``, ``lease_left``, ``progress``, ``last_error``,
        ``source_queue``, ``result_info``/``result_content`` (done) and ``content``
        (``with_content``). Contents come back as bytes."""
        payload: Dict[str, Any] = {"queue": queue, "id": id}
        if with_content:
            payload["with_content"] = True
        return _decoded_view(self._post("get", payload)["data"])

    def list_tasks(self, queue: str, state: Optional[str] = None, cursor: Optional[str] = None,
                   size: int = 100) -> Tuple[List[Dict[str, Any]], Optional[str]]:
        """One page of the queue's tasks (as ``get`` shows them, without content or
        results) and the cursor of the next page (None at the end). ``state``: only
        the tasks in that state. Pending tasks come first in cursor order, then the
        delayed, leased and done ones by id; a scan lists each task that keeps its state
        throughout once."""
        payload: Dict[str, Any] = {"queue": queue, "size": size}
        if state is not None:
            payload["state"] = state
        if cursor is not None:
            payload["cursor"] = cursor
        envelope = self._post("list_tasks", payload)
        views = [_decoded_view(v) for v in envelope.get("data") or []]
        return [v for v in views if v is not None], envelope.get("cursor")

    def iter_tasks(self, queue: str, state: Optional[str] = None,
                   page_size: int = 100) -> Iterator[Dict[str, Any]]:
        """Every task of the queue (or of one state), fetching pages as needed."""
        cursor: Optional[str] = None
        while True:
            views, cursor = self.list_tasks(queue, state=state, cursor=cursor, size=page_size)
            yield from views
            if not cursor:
                return

    # -- progress ----------------------------------------------------------------

    def progress(self, queue: str, id: str, info: Any = None,
                 content: Optional[BytesLike] = None,
                 promise_reply_time: Optional[float] = None) -> bool:
        """Report progress of a task this consumer holds the lease of: appends an event
        (``info``, any JSON value; ``content``, bytes) that callers streaming the task see
        and ``get`` shows as ``progress``. With ``promise_reply_time`` the lease is
        extended as :meth:`touch` does. False when the task is no longer leased (lease
        lost, removed or done): nothing was recorded; stop working on it."""
        payload = _task_body(id, info, content, {})
        payload["queue"] = queue
        if promise_reply_time is not None:
            payload["promise_reply_time"] = promise_reply_time
        return bool(self._post("progress", payload)["data"])


def _decoded_view(view: Optional[Dict[str, Any]]) -> Optional[Dict[str, Any]]:
    """A task view with its base64 fields as bytes."""
    if view is None:
        return None
    out = dict(view)
    for key in ("content", "result_content"):
        if key in out:
            out[key] = decode_content(out[key])
    if isinstance(out.get("last_error"), dict):
        error = dict(out["last_error"])
        error["content"] = decode_content(error.get("content"))
        out["last_error"] = error
    return out
