"""Plain data returned by the client: tasks and call results."""

import base64
from dataclasses import dataclass
from typing import Any, Dict, Optional, Union

BytesLike = Union[bytes, bytearray, memoryview, str]


def encode_content(content: Optional[BytesLike]) -> str:
    """Bytes to the wire's standard padded base64; str is taken as UTF-8 text."""
    if content is None:
        return ""
    if isinstance(content, str):
        content = content.encode("utf-8")
    elif not isinstance(content, (bytes, bytearray, memoryview)):
        raise TypeError("content must be bytes (or str), not %s" % type(content).__name__)
    return base64.b64encode(bytes(content)).decode("ascii")


def decode_content(text: Optional[str]) -> bytes:
    """The wire's base64 back to bytes (missing or null means empty)."""
    if not text:
        return b""
    return base64.b64decode(text)


@dataclass
class Task:
    """A task as a consumer sees it.

    ``content`` is None for tasks returned by ``peek`` (peek never carries content)
    and bytes for tasks returned by ``acquire``/``take``/``results``.
    ``cursor`` is set for peeked tasks only. ``attempt`` (acquired tasks, when the
    server reports it) is 1 on the first delivery and grows with each redelivery.
    ``priority``, ``batch_key`` and ``cost`` are the task's config as the server reports
    it (acquired tasks; peeked tasks carry ``priority``), None from an older server.
    """

    id: str
    info: Any = None
    cursor: Optional[str] = None
    content: Optional[bytes] = None
    queue: Optional[str] = None
    attempt: Optional[int] = None
    priority: Optional[int] = None
    batch_key: Optional[str] = None
    cost: Optional[float] = None

    def __getitem__(self, key: str) -> Any:
        """``task["id"]``, ``task["info"]``...: the original client handed consumers
        dicts; this keeps their ``accept``/``process`` code working."""
        if key not in ("id", "info", "cursor", "content", "queue", "attempt", "priority",
                       "batch_key", "cost"):
            raise KeyError(key)
        return getattr(self, key)

    @classmethod
    def from_wire(cls, item: Dict[str, Any], queue: Optional[str] = None) -> "Task":
        content = item.get("content")
        return cls(id=item["id"], info=item.get("info"), cursor=item.get("cursor"),
                   content=None if content is None else decode_content(content),
                   queue=queue, attempt=item.get("attempt"), priority=item.get("priority"),
                   batch_key=item.get("batch_key"), cost=item.get("cost"))


@dataclass
class Result:
    """The reply to a ``call``: what the consumer passed to ``reply``."""

    id: str
    info: Any = None
    content: bytes = b""

    @classmethod
    def from_wire(cls, item: Dict[str, Any]) -> "Result":
        return cls(id=item.get("id", ""), info=item.get("result_info"),
                   content=decode_content(item.get("result_content")))
