"""HTTP/1.1 keep-alive transport: a small thread-safe pool of http.client connections.

Why a pool rather than one connection per thread: consumers run many threads that
come and go, producers are often web servers with thread pools; a LIFO pool of
idle connections serves both, keeps the number of sockets at the concurrency
actually used, and lets one `close()` release everything.
"""

import http.client
import select
import socket
import threading
from typing import Dict, List, Optional, Tuple
from urllib.parse import urlsplit

from .errors import ConnectionFailed

# Errors that mean "the peer closed a connection we believed alive". On a reused
# keep-alive connection this is usually the server's idle timeout racing our send,
# in which case the request was never processed and may be sent again.
_DROPPED = (http.client.RemoteDisconnected, http.client.BadStatusLine,
            BrokenPipeError, ConnectionResetError, ConnectionAbortedError)


def _peer_closed(sock: Optional[socket.socket]) -> bool:
    """True when an idle connection is unusable: the peer closed it (readable EOF)
    or sent something unasked. Cheap (a zero-timeout poll) and avoids most of the
    idle-timeout race before it can happen."""
    if sock is None:
        return True
    try:
        if hasattr(select, "poll"):
            poller = select.poll()
            poller.register(sock, select.POLLIN | select.POLLERR | select.POLLHUP)
            return bool(poller.poll(0))
        readable, _, _ = select.select([sock], [], [], 0)
        return bool(readable)
    except (OSError, ValueError):
        return True


class Transport:
    """Sends requests to one base URL over pooled keep-alive connections."""

    def __init__(self, url: str, token: Optional[str] = None, max_idle: int = 16) -> None:
        parts = urlsplit(url if "://" in url else "http://" + url)
        if parts.scheme not in ("http", "https"):
            raise ValueError("url must be http:// or https://, got %r" % url)
        if not parts.hostname:
            raise ValueError("url has no host: %r" % url)
        self.url = url
        self._https = parts.scheme == "https"
        self._host = parts.hostname
        self._port = parts.port or (443 if self._https else 80)
        self._prefix = parts.path.rstrip("/")
        self._headers: Dict[str, str] = {"Content-Type": "application/json",
                                         "Accept": "application/json"}
        if token:
            self._headers["Authorization"] = "Bearer " + token
        self._max_idle = max_idle
        self._idle: List[http.client.HTTPConnection] = []
        self._lock = threading.Lock()

    def _connect(self, timeout: float) -> http.client.HTTPConnection:
        conn: http.client.HTTPConnection
        if self._https:
            conn = http.client.HTTPSConnection(self._host, self._port, timeout=timeout)
        else:
            conn = http.client.HTTPConnection(self._host, self._port, timeout=timeout)
        conn.connect()
        # Small request/response pairs: Nagle + delayed ACK would add ~40 ms each.
        conn.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return conn

    def _checkout(self) -> Optional[http.client.HTTPConnection]:
        with self._lock:
            while self._idle:
                conn = self._idle.pop()
                if not _peer_closed(conn.sock):
                    return conn
                conn.close()
        return None

    def _checkin(self, conn: http.client.HTTPConnection) -> None:
        with self._lock:
            if len(self._idle) < self._max_idle:
                self._idle.append(conn)
                return
        conn.close()

    def request(self, method: str, path: str, body: Optional[bytes], timeout: float,
                retry_if_dropped: bool) -> Tuple[int, str, bytes]:
        """Send one request and return (status, content type, body).

        timeout bounds every socket operation (connect, send, each read).
        retry_if_dropped: when a reused keep-alive connection turns out to be dead
        before any response byte arrived, send once more on a fresh connection.
        Only callers whose request is safe to repeat set it (see client.py).
        Raises ConnectionFailed for every failure below HTTP.
        """
        target = self._prefix + path
        for attempt in (0, 1):
            conn = self._checkout()
            reused = conn is not None
            try:
                if conn is None:
                    conn = self._connect(timeout)
                else:
                    conn.timeout = timeout
                    conn.sock.settimeout(timeout)
                conn.request(method, target, body=body, headers=self._headers)
                response = conn.getresponse()
                data = response.read()
            except _DROPPED as exc:
                if conn is not None:
                    conn.close()
                if reused and retry_if_dropped and attempt == 0:
                    continue
                raise ConnectionFailed("connection to %s dropped: %s" % (self.url, exc or type(exc).__name__)) from exc
            except (OSError, http.client.HTTPException) as exc:
                # Includes socket.timeout and ConnectionRefusedError.
                if conn is not None:
                    conn.close()
                raise ConnectionFailed("cannot reach %s: %s" % (self.url, exc or type(exc).__name__)) from exc
            if response.will_close:
                conn.close()
            else:
                self._checkin(conn)
            return response.status, response.getheader("Content-Type", ""), data
        raise AssertionError("unreachable")

    def close(self) -> None:
        """Close every idle connection; requests in flight finish on their own.
        The transport stays usable: a later request opens a new connection."""
        with self._lock:
            idle, self._idle = self._idle, []
        for conn in idle:
            conn.close()
