"""Python client of taskcenter, a lightweight HTTP task-queue server.

Standard library only. The pieces:

- :class:`TaskCenter`: one method per endpoint (put, call, peek, acquire, reply,
  take, touch, remove, clear_queue, list_queue, stat_queue, health...), plus
  :meth:`TaskCenter.results` for the asynchronous producer's result queue.
- :class:`TaskConsumer`: subclass it to write a worker (accept / process /
  process_batch), run N worker threads, stop gracefully on SIGTERM.
- Typed errors: :class:`TaskCenterError` and its subclasses.
- ``taskcenter-cli`` / ``python -m taskcenter``: the command line.
"""

from .client import DEFAULT_URL, TaskCenter
from .consumer import TaskConsumer
from .errors import (BadRequest, CallTimeout, ConnectionFailed, Forbidden, NotFound,
                     PayloadTooLarge, TaskCenterError, TaskExpired, TaskRemoved, Unauthorized,
                     Unavailable)
from .model import Result, Task

__version__ = "0.1.0"

__all__ = [
    "TaskCenter", "TaskConsumer", "Task", "Result", "DEFAULT_URL",
    "TaskCenterError", "CallTimeout", "BadRequest", "PayloadTooLarge", "Unauthorized",
    "Unavailable", "ConnectionFailed", "TaskRemoved", "NotFound", "Forbidden",
    "TaskExpired",
]
