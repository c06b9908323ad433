"""Streamed answers (``call(..., stream=True)`` and ``watch``): NDJSON lines read as they
arrive, turned into event dicts and a final result.

Each progress line becomes ``{"event": "progress", "seq": n, "info": ..., "content":
bytes}``; the result line becomes ``{"event": "result", "result": Result or None}``
(None: ``call`` with ``timeout=0`` and no result yet). A result line with another code
raises its typed error (CallTimeout at the timeout or at a server shutdown,
TaskRemoved, TaskExpired) once every event before it was yielded. A stream that ends
without a result line (the server cut off a reader that fell too far behind, or the
connection broke) raises ConnectionFailed with ``last_seq``: resume with
``watch(queue, id, after=last_seq)``.
"""

import json
from typing import Any, Dict, Iterable, Iterator

from .errors import ConnectionFailed, error_for
from .model import Result, decode_content


def events(lines: Iterable[bytes], what: str) -> Iterator[Dict[str, Any]]:
    last_seq = 0
    for raw in lines:
        if not raw.strip():
            continue
        line = json.loads(raw)
        if line.get("event") == "progress":
            last_seq = line.get("seq", last_seq)
            yield {"event": "progress", "seq": line.get("seq"), "info": line.get("info"),
                   "content": decode_content(line.get("content"))}
            continue
        code = line.get("err_code")
        if code != "0000":
            raise error_for(code, line.get("message") or "%s failed" % what, 200)
        data = line.get("data")
        if isinstance(data, list):
            data = data[0] if data else None
        yield {"event": "result", "result": Result.from_wire(data) if data else None}
        return
    error = ConnectionFailed("%s: the stream ended before its result line (a reader that "
                             "falls too far behind is cut off); resume with watch(after=%d)"
                             % (what, last_seq))
    error.last_seq = last_seq  # type: ignore[attr-defined]
    raise error
