"""`TaskConsumer`: the worker side, as in the original service's client/example.py.

Subclass it, name the queue, implement ``process`` (or ``process_batch``) and,
when this consumer should take only some of the queue's tasks, ``accept``::

    class Echo(TaskConsumer):
        queue = "q"
        def accept(self, task):            # optional: default takes every task
            return task.info.get("kind") == "text"
        def process(self, task):
            return {"ok": True}, task.content

    Echo("http://127.0.0.1:8000", workers=4).run()   # until SIGTERM/SIGINT or .stop()

How tasks are fetched:
- ``accept`` not overridden: each worker calls ``take`` (one round trip, long-poll).
- ``accept`` overridden: the workers of one consumer share one cursor; one worker
  at a time long-polls ``peek`` from it (so the workers do not all race for the
  same tasks), filters with ``accept`` and ``acquire``s what it accepted. Tasks it
  declines stay pending for other consumers; tasks redelivered after an expired
  lease reappear at the queue's tail, so the cursor meets them again.

Leases: each task is acquired with ``promise_reply_time`` and a heartbeat thread
``touch``es every task held longer than a third of it, so a long job keeps its
lease while its process lives, and loses it (the task is redelivered) when the
process dies. A task whose ``touch`` answers false (its lease ran out, or it was
removed) is given up: not started if it was still waiting in a batch, and not
replied to (the reply could complete the redelivered task another consumer now
holds); long ``process`` code may check ``lease_lost(task.id)`` to stop early.

Errors: an exception in ``process``/``process_batch`` is logged and reported with
``fail`` (``info`` = ``{"error": "<ExceptionType>: <message>"}``, kept as the task's
``last_error``), so the task is redelivered after its retry delay, or dead-lettered
when its ``max_attempts`` is used up, without waiting for the lease to run out; with
``reply_on_error = True`` it is replied to with that info instead.

Replies: a batch of ``process_batch`` is answered with one ``reply_batch``
request (one by one when that is not possible, e.g. a result too large); tasks of
``process`` are answered with ``reply``. ``max_cost``, ``batch_key`` and
``group_by_key`` shape the batches ``take`` forms (see the server's protocol).

Stopping: ``stop()`` (or SIGTERM/SIGINT during ``run()``) makes each worker finish
and reply the task it is processing, ``release`` the tasks it holds but has not
started (they are pending again at once, their attempt not counted), then exit;
nothing new is taken. A second signal
restores the previous handlers' behaviour (a second Ctrl-C interrupts at once).
"""

import logging
import signal
import threading
import time
from typing import Any, Dict, List, Optional, Sequence, Tuple

from .client import DEFAULT_URL, TaskCenter
from .errors import TaskCenterError, Unavailable
from .model import Task

__all__ = ["TaskConsumer"]

log = logging.getLogger("taskcenter.consumer")

Outcome = Tuple[Any, Optional[bytes]]


def _cursor_key(cursor: Optional[str]) -> Tuple[int, int]:
    """Order of "<ms>-<seq>" cursors; None (the queue's start) sorts first."""
    if not cursor:
        return (-1, -1)
    try:
        ms, _, seq = cursor.partition("-")
        return (int(ms), int(seq or 0))
    except ValueError:
        return (-1, -1)


def _as_outcome(value: Any) -> Outcome:
    """What process() returned, as (info, content): a 2-tuple is (info, content);
    anything else is info with empty content."""
    if isinstance(value, tuple) and len(value) == 2:
        return value[0], value[1]
    return value, None


class TaskConsumer:
    """Base class of consumers; see the module docstring. Class attributes are the
    defaults; constructor keywords override them per instance."""

    #: queue to consume (required, as class attribute or constructor keyword)
    queue: Optional[str] = None
    #: concurrent worker threads
    workers: int = 1
    #: seconds promised to reply; renewed by the heartbeat while processing
    promise_reply_time: float = 30.0
    #: tasks handed to one process_batch call (1: process() per task)
    batch_size: int = 1
    #: once a first task is available, seconds to wait for the batch to fill
    batch_window: float = 0.0
    #: long-poll seconds of one peek/take; also the longest stop() may wait for it
    poll_timeout: float = 2.0
    #: reply {"error": ...} when processing raises, instead of letting the lease expire
    reply_on_error: bool = False
    #: seconds to wait after a failed request (server down) before trying again
    retry_delay: float = 1.0
    #: take: bound on the total task ``cost`` of one batch (None: no bound)
    max_cost: Optional[float] = None
    #: take: only tasks with this ``batch_key`` (a consumer serving one model)
    batch_key: Optional[str] = None
    #: take: every task of a batch shares the ``batch_key`` of the first one
    group_by_key: bool = False

    def __init__(self, url: str = DEFAULT_URL, workers: Optional[int] = None,
                 token: Optional[str] = None, client: Optional[TaskCenter] = None,
                 **options: Any) -> None:
        """
        Args:
            url: server base URL (ignored when ``client`` is given).
            workers: concurrent worker threads (default: the class attribute).
            token: bearer token.
            client: an existing TaskCenter to share.
            options: overrides of the class attributes: queue, promise_reply_time,
                batch_size, batch_window, poll_timeout, reply_on_error, retry_delay,
                max_cost, batch_key, group_by_key.
        """
        for name, value in options.items():
            if name not in ("queue", "promise_reply_time", "batch_size", "batch_window",
                            "poll_timeout", "reply_on_error", "retry_delay", "max_cost",
                            "batch_key", "group_by_key"):
                raise TypeError("unknown option %r" % name)
            setattr(self, name, value)
        if workers is not None:
            self.workers = workers
        if self.promise_reply_time <= 0:
            raise ValueError("promise_reply_time must be > 0: a consumer replies")
        if self.batch_size < 1 or self.workers < 1:
            raise ValueError("batch_size and workers must be >= 1")
        self._owns_client = client is None
        # One keep-alive connection per worker plus the heartbeat's, kept between requests.
        self.client = client or TaskCenter(url, token=token,
                                           max_idle_connections=max(16, self.workers + 2))
        self.processed = 0  # tasks whose reply this consumer sent
        self.failed = 0     # tasks whose processing raised
        self._stopping = threading.Event()
        self._counts_lock = threading.Lock()
        self._held: Dict[str, float] = {}  # task id -> monotonic time of last lease renewal
        self._lost: set = set()  # held task ids whose touch answered false
        self._held_lock = threading.Lock()
        self._cursor: Optional[str] = None
        self._peek_lock = threading.Lock()
        self._threads: List[threading.Thread] = []
        # Per worker thread: the task its process() works on (self.progress reports it).
        self._current = threading.local()
        self._heartbeat_thread: Optional[threading.Thread] = None
        self._workers_done = threading.Event()  # ends the heartbeat

    # -- what subclasses implement --------------------------------------------

    def accept(self, task: Task) -> bool:
        """Whether this consumer wants the task (sees ``id`` and ``info``, no content).
        Not overriding it means "every task" and lets the workers use ``take``."""
        return True

    def process(self, task: Task) -> Any:
        """Handle one task (with content); return ``(info, content)`` for the reply,
        or just ``info``."""
        raise NotImplementedError("implement process() or process_batch()")

    def process_batch(self, tasks: List[Task]) -> Sequence[Any]:
        """Handle a batch of up to ``batch_size`` tasks; return one ``(info, content)``
        (or info) per task, in order. The default calls ``process`` per task."""
        return [self.process(task) for task in tasks]

    # -- running --------------------------------------------------------------

    def run(self, install_signal_handlers: bool = True) -> None:
        """Run the workers until ``stop()`` or SIGTERM/SIGINT; return when every
        worker has replied what it held."""
        restore = self._install_signals() if install_signal_handlers else {}
        try:
            self.start()
            # Short joins keep the main thread responsive to signals.
            while not self.join(0.2):
                pass
        except BaseException:  # e.g. a second Ctrl-C: the workers must not take more
            self.stop()
            raise
        finally:
            for sig, handler in restore.items():
                signal.signal(sig, handler)

    def mainloop(self) -> None:
        """``run()`` under the original client's name."""
        self.run()

    def start(self) -> None:
        """Start the worker and heartbeat threads and return (see ``join``/``stop``)."""
        if not self.queue:
            # `queue_name`: the original client's attribute, often set after construction.
            self.queue = getattr(self, "queue_name", None)
        if not self.queue:
            raise ValueError("%s: set `queue` (class attribute or keyword)" % type(self).__name__)
        # _stopping is not cleared here: a stop() that came before (a signal racing
        # with the start of run()) must not be lost. join() clears it once done.
        self._workers_done.clear()
        name = type(self).__name__
        self._threads = [threading.Thread(target=self._worker, name="%s-worker-%d" % (name, i),
                                          daemon=True) for i in range(self.workers)]
        heartbeat = threading.Thread(target=self._heartbeat, name="%s-heartbeat" % name,
                                     daemon=True)
        for thread in self._threads:
            thread.start()
        heartbeat.start()
        self._heartbeat_thread = heartbeat

    def stop(self) -> None:
        """Ask the workers to finish what they hold and exit. Returns at once."""
        self._stopping.set()

    def join(self, timeout: Optional[float] = None) -> bool:
        """Wait for the workers to exit; True when they all did."""
        deadline = None if timeout is None else time.monotonic() + timeout
        for thread in self._threads:
            remaining = None if deadline is None else max(0.0, deadline - time.monotonic())
            thread.join(remaining)
        if any(t.is_alive() for t in self._threads):
            return False
        # The workers are gone: end the heartbeat, which then closes our connections.
        self._workers_done.set()
        if self._heartbeat_thread is not None:
            self._heartbeat_thread.join()
            self._heartbeat_thread = None
        if self._threads:
            self._threads = []
            self._stopping.clear()  # this run is over; start() may run again
        return True

    def lease_lost(self, task_id: str) -> bool:
        """True when the heartbeat learnt that this held task's lease is gone (touch
        answered false): its reply would be ignored or complete someone else's attempt."""
        with self._held_lock:
            return task_id in self._lost

    @property
    def stopping(self) -> bool:
        """True once stop() was asked: long process() code may check it."""
        return self._stopping.is_set()

    def _install_signals(self) -> Dict[int, Any]:
        if threading.current_thread() is not threading.main_thread():
            return {}
        previous = {sig: signal.getsignal(sig) for sig in (signal.SIGTERM, signal.SIGINT)}

        def on_signal(signum: int, frame: Any) -> None:
            log.info("signal %d: finishing held tasks, taking no new ones", signum)
            self.stop()
            for sig, handler in previous.items():
                signal.signal(sig, handler)

        for sig in previous:
            signal.signal(sig, on_signal)
        return previous

    # -- the worker loop ------------------------------------------------------

    def _accepts_everything(self) -> bool:
        return type(self).accept is TaskConsumer.accept

    def _worker(self) -> None:
        use_take = self._accepts_everything()
        while not self._stopping.is_set():
            try:
                tasks = self._fetch_take() if use_take else self._fetch_filtered()
            except TaskCenterError as exc:
                log.warning("%s: fetching from %r failed: %s", type(self).__name__, self.queue, exc)
                self._stopping.wait(self.retry_delay)
                continue
            if tasks:
                # Tasks in hand are finished even when stop() came meanwhile.
                try:
                    self._handle(tasks)
                except Exception:  # a bug here must not silently kill the worker
                    log.exception("%s: unexpected error handling %s", type(self).__name__,
                                  [t.id for t in tasks])

    def _fetch_take(self) -> List[Task]:
        return self.client.take(self.queue, size=self.batch_size, timeout=self.poll_timeout,
                                promise_reply_time=self.promise_reply_time,
                                batch_window=self.batch_window, max_cost=self.max_cost,
                                batch_key=self.batch_key, group_by_key=self.group_by_key)

    def _fetch_filtered(self) -> List[Task]:
        # One worker at a time peeks from the shared cursor; the others wait here.
        while not self._peek_lock.acquire(timeout=0.2):
            if self._stopping.is_set():
                return []
        try:
            if self._stopping.is_set():
                return []
            before = self._cursor
            peeked, self._cursor = self.client.peek(self.queue, cursor=before,
                                                    size=self.batch_size,
                                                    timeout=self.poll_timeout,
                                                    batch_window=self.batch_window)
        finally:
            self._peek_lock.release()
        wanted = []
        for task in peeked:
            try:
                if self.accept(task):
                    wanted.append(task.id)
            except Exception:  # a broken accept() must not kill the worker
                log.exception("%s.accept raised on task %r; skipping it",
                              type(self).__name__, task.id)
        if not wanted:
            return []
        try:
            return self.client.acquire(self.queue, wanted,
                                       promise_reply_time=self.promise_reply_time)
        except TaskCenterError:
            # We moved the shared cursor past tasks we may not have got: move it back
            # so they are seen again (acquire is exactly-once, a second look is harmless).
            with self._peek_lock:
                if _cursor_key(before) < _cursor_key(self._cursor):
                    self._cursor = before
            raise

    def _handle(self, tasks: List[Task]) -> None:
        now = time.monotonic()
        with self._held_lock:
            for task in tasks:
                self._held[task.id] = now
        try:
            if type(self).process_batch is TaskConsumer.process_batch:
                for i, task in enumerate(tasks):
                    if self._stopping.is_set():
                        self._release(tasks[i:])
                        break
                    if not self.lease_lost(task.id):
                        self._run_one(task)
            elif self._stopping.is_set():
                self._release(tasks)
            else:
                self._run_batch(tasks)
        finally:
            with self._held_lock:
                for task in tasks:
                    self._held.pop(task.id, None)
                    self._lost.discard(task.id)

    def _release(self, tasks: List[Task]) -> None:
        """Gives back tasks fetched but not started (stopping): pending again at once."""
        for task in tasks:
            try:
                self.client.release(self.queue, task.id)
            except TaskCenterError as exc:
                log.warning("%s: release of %r failed (%s); its lease will run out",
                            type(self).__name__, task.id, exc)

    def _run_one(self, task: Task) -> None:
        self._current.task = task
        try:
            outcome = _as_outcome(self.process(task))
        except Exception as exc:
            self._failed([task], exc)
            return
        finally:
            self._current.task = None
        if self.lease_lost(task.id):
            log.warning("%s: not replying to %r: its lease was lost while processing",
                        type(self).__name__, task.id)
            return
        self._reply(task, outcome)

    def _run_batch(self, tasks: List[Task]) -> None:
        # A batch of one has a current task too; a larger one names its task to progress().
        self._current.task = tasks[0] if len(tasks) == 1 else None
        try:
            outcomes = list(self.process_batch(tasks))
            if len(outcomes) != len(tasks):
                raise ValueError("process_batch returned %d results for %d tasks"
                                 % (len(outcomes), len(tasks)))
        except Exception as exc:
            self._failed(tasks, exc)
            return
        finally:
            self._current.task = None
        kept = [(task, outcome) for task, outcome in zip(tasks, outcomes)
                if not self.lease_lost(task.id)]
        self._reply_all([task for task, _ in kept], [_as_outcome(outcome) for _, outcome in kept])

    def _reply_all(self, tasks: List[Task], outcomes: List[Outcome]) -> None:
        """A batch's replies in one reply_batch request; one by one (each with its own
        error handling) when the batch cannot go as one."""
        if not tasks:
            return
        if len(tasks) == 1:
            self._reply(tasks[0], outcomes[0])
            return
        replies = [(task.id, info, content) for task, (info, content) in zip(tasks, outcomes)]
        for attempt in range(3):
            try:
                answers = self.client.reply_batch(self.queue, replies)
                break
            except Unavailable as exc:
                log.warning("%s: reply_batch of %d tasks failed (%s)", type(self).__name__,
                            len(tasks), exc)
                time.sleep(self.retry_delay * (attempt + 1))
            except (TaskCenterError, TypeError, ValueError) as exc:
                # Some result is unacceptable (not JSON, too large) or the server has no
                # reply_batch: reply one by one, so only the bad ones fail.
                log.info("%s: reply_batch not possible (%s); replying one by one",
                         type(self).__name__, exc)
                for task, outcome in zip(tasks, outcomes):
                    self._reply(task, outcome)
                return
        else:
            return
        late = [task.id for task, done in zip(tasks, answers) if not done]
        if late:
            log.warning("%s: replies to %s came too late: already done, removed or "
                        "redelivered", type(self).__name__, late)
        with self._counts_lock:
            self.processed += len(tasks)

    def _failed(self, tasks: List[Task], exc: Exception) -> None:
        with self._counts_lock:
            self.failed += len(tasks)
        ids = [t.id for t in tasks]
        info = {"error": "%s: %s" % (type(exc).__name__, exc)}
        if not self.reply_on_error:
            log.exception("%s: processing %s raised; reporting the failed attempt",
                          type(self).__name__, ids)
            for task in tasks:
                try:
                    self.client.fail(self.queue, task.id, info=info)
                except TaskCenterError as fail_exc:
                    # Not reported: the lease runs out instead, which is a failed attempt too.
                    log.warning("%s: fail for %r did not reach the server (%s); its lease "
                                "will run out", type(self).__name__, task.id, fail_exc)
            return
        log.exception("%s: processing %s raised; replying with the error",
                      type(self).__name__, ids)
        for task in tasks:
            self._reply(task, (info, None))

    def _reply(self, task: Task, outcome: Outcome, error_reply: bool = True) -> None:
        info, content = outcome
        # The work is done and the lease still runs: a reply that cannot reach the
        # server is worth a few more tries before the task is left to redelivery.
        for attempt in range(3):
            try:
                done = self.client.reply(self.queue, task.id, info=info, content=content)
                break
            except Unavailable as exc:
                log.warning("%s: reply to %r failed (%s)", type(self).__name__, task.id, exc)
                time.sleep(self.retry_delay * (attempt + 1))
            except (TaskCenterError, TypeError, ValueError) as exc:
                # The result itself is unacceptable (not JSON-serialisable, not bytes,
                # too large): retrying cannot help. Reply the error or let it expire.
                log.error("%s: cannot reply to %r with what process returned: %s",
                          type(self).__name__, task.id, exc)
                with self._counts_lock:
                    self.failed += 1
                if self.reply_on_error and error_reply:
                    self._reply(task, ({"error": "%s: %s" % (type(exc).__name__, exc)}, None),
                                error_reply=False)
                return
        else:
            return
        if not done:
            log.warning("%s: reply to %r came too late: the task was already done, "
                        "removed or redelivered", type(self).__name__, task.id)
        with self._counts_lock:
            self.processed += 1

    # -- leases ---------------------------------------------------------------

    def _heartbeat(self) -> None:
        interval = self.promise_reply_time / 3.0
        tick = min(1.0, interval / 2.0)
        while not self._workers_done.wait(tick):
            now = time.monotonic()
            with self._held_lock:
                due = [tid for tid, renewed in self._held.items() if now - renewed >= interval]
            for task_id in due:
                try:
                    alive = self.client.touch(self.queue, task_id,
                                              promise_reply_time=self.promise_reply_time)
                except TaskCenterError as exc:
                    log.warning("heartbeat for %r failed: %s", task_id, exc)
                    continue
                with self._held_lock:
                    if task_id in self._held:
                        self._held[task_id] = now
                        if not alive:
                            self._lost.add(task_id)
                if not alive:
                    log.warning("%s: lost the lease of %r (expired or removed); giving it up",
                                type(self).__name__, task_id)
        if self._owns_client:
            self.client.close()  # every worker has exited: release the sockets

    def progress(self, info: Any = None, content: Optional[bytes] = None,
                 task: Optional[Task] = None) -> bool:
        """Inside ``process``: report progress of the task being processed (an event
        callers streaming it see as it comes; ``get`` shows its ``info`` as
        ``progress``). Inside ``process_batch`` of more than one task, name the task.
        The report also renews the lease (as the heartbeat's ``touch``). False when the
        lease is lost (expired or removed): nothing was recorded, the task will not be
        replied to, and ``process`` may stop early."""
        task = task or getattr(self._current, "task", None)
        if task is None:
            raise RuntimeError("progress() outside process(): name the task")
        alive = self.client.progress(self.queue, task.id, info=info, content=content,
                                     promise_reply_time=self.promise_reply_time)
        with self._held_lock:
            if task.id in self._held:
                if alive:
                    self._held[task.id] = time.monotonic()  # the lease was just renewed
                else:
                    self._lost.add(task.id)
        return alive
