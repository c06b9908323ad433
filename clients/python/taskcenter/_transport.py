"""HTTP/1.1 keep-alive transport: a small thread-safe pool of connections.

Why a pool rather than one connection per thread: consumers run many threads that
come and go, producers are often web servers with thread pools; a LIFO pool of
idle connections serves both, keeps the number of sockets at the concurrency
actually used, and lets one `close()` release everything.
"""

import http.client
import select
import socket
import ssl
import threading
from typing import Iterator, List, Optional, Tuple
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


class _Connection:
    """One keep-alive socket. Each request is written with a single sendall
    (http.client writes headers and body separately: two segments, two wake-ups
    of the server per request); responses are parsed by http.client.HTTPResponse."""

    def __init__(self, host: str, port: int, timeout: float,
                 tls: Optional[ssl.SSLContext]) -> None:
        sock = socket.create_connection((host, port), timeout)
        # Small request/response pairs: Nagle + delayed ACK would add ~40 ms each.
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        if tls is not None:
            sock = tls.wrap_socket(sock, server_hostname=host)
        self.sock = sock

    def exchange(self, request: bytes, method: str, timeout: float) -> Tuple[int, str, bytes, bool]:
        """Send one request, read its whole response: (status, content type, body,
        whether the server will close the connection)."""
        self.sock.settimeout(timeout)
        self.sock.sendall(request)
        response = http.client.HTTPResponse(self.sock, method=method)
        try:
            response.begin()
            data = response.read()
        finally:
            response.close()  # closes the response's file object, not our socket
        return response.status, response.getheader("Content-Type", "") or "", data, \
            bool(response.will_close)

    def close(self) -> None:
        try:
            self.sock.close()
        except OSError:
            pass


class Transport:
    """Sends requests to one base URL over pooled keep-alive connections."""

    def __init__(self, url: str, token: Optional[str] = None, max_idle: int = 16) -> None:
        parts = urlsplit(url if "://" in url else "http://" + url)
        if parts.scheme not in ("http", "https"):
            raise ValueError("url must be http:// or https://, got %r" % url)
        if not parts.hostname:
            raise ValueError("url has no host: %r" % url)
        self.url = url
        self._tls = ssl.create_default_context() if parts.scheme == "https" else None
        self._host = parts.hostname
        self._port = parts.port or (443 if self._tls else 80)
        self._prefix = parts.path.rstrip("/")
        host_header = parts.netloc.rpartition("@")[2]
        fixed = "Host: %s\r\nAccept: application/json\r\n" % host_header
        if token:
            fixed += "Authorization: Bearer %s\r\n" % token
        self._fixed_headers = fixed
        self._max_idle = max_idle
        self._idle: List[_Connection] = []
        self._lock = threading.Lock()

    def _connect(self, timeout: float) -> _Connection:
        return _Connection(self._host, self._port, timeout, self._tls)

    def _checkout(self) -> Optional[_Connection]:
        with self._lock:
            while self._idle:
                conn = self._idle.pop()
                if not _peer_closed(conn.sock):
                    return conn
                conn.close()
        return None

    def _checkin(self, conn: _Connection) -> None:
        with self._lock:
            if len(self._idle) < self._max_idle:
                self._idle.append(conn)
                return
        conn.close()

    def _request_bytes(self, method: str, path: str, body: Optional[bytes]) -> bytes:
        head = "%s %s%s HTTP/1.1\r\n%s" % (method, self._prefix, path, self._fixed_headers)
        if body is None:
            return (head + "\r\n").encode("latin-1")
        head += "Content-Type: application/json\r\nContent-Length: %d\r\n\r\n" % len(body)
        return head.encode("latin-1") + body

    def request(self, method: str, path: str, body: Optional[bytes], timeout: float,
                retry_if_dropped: bool) -> Tuple[int, str, bytes]:
        """Send one request and return (status, content type, body).

        timeout bounds every socket operation (connect, send, each read).
        retry_if_dropped: when a reused keep-alive connection turns out to be dead
        before any response byte arrived, send once more on a fresh connection.
        Only callers whose request is safe to repeat set it (see client.py).
        Raises ConnectionFailed for every failure below HTTP.
        """
        request = self._request_bytes(method, path, body)
        for attempt in (0, 1):
            conn = self._checkout()
            reused = conn is not None
            try:
                if conn is None:
                    conn = self._connect(timeout)
                status, content_type, data, will_close = conn.exchange(request, method, timeout)
            except _DROPPED as exc:
                if conn is not None:
                    conn.close()
                if reused and retry_if_dropped and attempt == 0:
                    continue
                raise ConnectionFailed("connection to %s dropped: %s"
                                       % (self.url, exc or type(exc).__name__)) from exc
            except (OSError, http.client.HTTPException) as exc:
                # Includes socket.timeout, ConnectionRefusedError and TLS errors.
                if conn is not None:
                    conn.close()
                raise ConnectionFailed("cannot reach %s: %s"
                                       % (self.url, exc or type(exc).__name__)) from exc
            if will_close:
                conn.close()
            else:
                self._checkin(conn)
            return status, content_type, data
        raise AssertionError("unreachable")

    def stream(self, path: str, body: bytes, timeout: float
               ) -> Tuple[int, str, Iterator[bytes]]:
        """POST a request whose answer may be streamed: (status, content type, lines).
        A streamed answer's lines are read as they arrive (the connection is its own
        and goes back to the pool once the body ended); any other answer is read whole
        and handed over as one line. timeout bounds each read, so it must exceed the
        longest quiet spell of the stream."""
        request = self._request_bytes("POST", path, body).replace(
            b"Accept: application/json\r\n", b"Accept: application/x-ndjson\r\n", 1)
        try:
            conn = self._connect(timeout)
            conn.sock.settimeout(timeout)
            conn.sock.sendall(request)
            response = http.client.HTTPResponse(conn.sock, method="POST")
            response.begin()
        except (OSError, http.client.HTTPException) as exc:
            raise ConnectionFailed("cannot reach %s: %s"
                                   % (self.url, exc or type(exc).__name__)) from exc
        content_type = response.getheader("Content-Type", "") or ""

        def lines() -> Iterator[bytes]:
            complete = False
            try:
                while True:
                    line = response.readline()
                    if not line:
                        complete = not response.will_close and response.isclosed()
                        return
                    yield line
            except (OSError, http.client.HTTPException):
                return  # the caller sees a stream without its result line
            finally:
                response.close()
                if complete:
                    self._checkin(conn)
                else:
                    conn.close()

        if not content_type.startswith("application/x-ndjson"):
            data = response.read()
            response.close()
            conn.close()
            return response.status, content_type, iter([data])
        return response.status, content_type, lines()

    def close(self) -> None:
        """Close every idle connection; requests in flight finish on their own.
        The transport stays usable: a later request opens a new connection."""
        with self._lock:
            idle, self._idle = self._idle, []
        for conn in idle:
            conn.close()
