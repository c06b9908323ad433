"""Typed errors of the taskcenter client.

Every error the server reports arrives as a subclass of :class:`TaskCenterError`
chosen by the envelope's ``err_code`` (see docs/protocol.md), so callers can catch exactly
what they can handle::

    try:
        result = tc.call("q", "id", timeout=5)
    except CallTimeout:
        ...   # the task stays queued; call again later with the same id
"""

from typing import Dict, Optional, Type

__all__ = [
    "TaskCenterError",
    "CallTimeout",
    "BadRequest",
    "PayloadTooLarge",
    "Unauthorized",
    "Unavailable",
    "ConnectionFailed",
    "TaskRemoved",
    "NotFound",
    "Forbidden",
    "error_for",
]


class TaskCenterError(Exception):
    """Base class of every error raised by this package.

    Attributes:
        err_code: the envelope's ``err_code`` ("0001".."0009"), or None when the
            failure happened below HTTP (connection refused, reset, non-JSON body).
        message: the server's sentence, or a description of the local failure.
        status: the HTTP status, or None when no response was received.
    """

    def __init__(self, message: str, err_code: Optional[str] = None,
                 status: Optional[int] = None) -> None:
        super().__init__(message)
        self.message = message
        self.err_code = err_code
        self.status = status

    def __str__(self) -> str:
        parts = [self.message]
        if self.err_code is not None:
            parts.append("err_code %s" % self.err_code)
        if self.status is not None:
            parts.append("HTTP %d" % self.status)
        if len(parts) == 1:
            return self.message
        return "%s (%s)" % (parts[0], ", ".join(parts[1:]))


class CallTimeout(TaskCenterError):
    """``call`` waited its timeout without a reply (0001). The task stays queued:
    a later ``call`` with the same id picks up the result."""


class BadRequest(TaskCenterError):
    """The server rejected a field or the JSON (0002); ``message`` says which."""


class PayloadTooLarge(BadRequest):
    """The request body was larger than the server's limit (0003)."""


class Unauthorized(TaskCenterError):
    """Missing or wrong bearer token (0004)."""


class Forbidden(Unauthorized):
    """The token is known but its scope does not cover this endpoint or queue (0009, HTTP
    403). An ``Unauthorized``, so one ``except Unauthorized`` covers every token problem."""


class Unavailable(TaskCenterError):
    """The server's store is unavailable (0005): nothing was changed. Also the base
    of :class:`ConnectionFailed` so one ``except Unavailable`` covers "try later"."""


class ConnectionFailed(Unavailable):
    """No usable HTTP response: connection refused or reset, socket timeout, or a
    body that is not the API's JSON envelope (for example a proxy's error page)."""


class TaskRemoved(TaskCenterError):
    """``call``: the task was removed while the caller waited (0006)."""


class TaskExpired(TaskRemoved):
    """``call``: the task's deadline passed before any consumer leased it (0008); the
    task is gone. A TaskRemoved, so code written before deadlines existed still catches it."""


class NotFound(TaskCenterError):
    """Unknown path or method (0007): usually a wrong base URL or an old server."""


_BY_CODE: Dict[str, Type[TaskCenterError]] = {
    "0001": CallTimeout,
    "0002": BadRequest,
    "0003": PayloadTooLarge,
    "0004": Unauthorized,
    "0005": Unavailable,
    "0006": TaskRemoved,
    "0007": NotFound,
    "0008": TaskExpired,
    "0009": Forbidden,
}

_BY_STATUS: Dict[int, Type[TaskCenterError]] = {
    400: BadRequest,
    401: Unauthorized,
    403: Forbidden,
    404: NotFound,
    405: NotFound,
    413: PayloadTooLarge,
    502: ConnectionFailed,
    503: Unavailable,
    504: ConnectionFailed,
}


def error_for(err_code: Optional[str], message: str,
              status: Optional[int]) -> TaskCenterError:
    """The typed error for an envelope's err_code, falling back on the HTTP status
    when the code is missing or unknown (a newer server, or a proxy's answer)."""
    cls = _BY_CODE.get(err_code or "")
    if cls is None and status is not None:
        cls = _BY_STATUS.get(status)
    return (cls or TaskCenterError)(message, err_code=err_code, status=status)
