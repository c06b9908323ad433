#!/usr/bin/env python3
"""Figures for streamed answers (a benchmark, not a test): events per second through
one watch stream, and the latency from a consumer's /task/progress to the stream's line
(p50 / p99), on the embedded store and on Redis with the consumer and the watcher on two
instances. Starts its own servers (and redis-server) on free loopback ports.

    python3 bench/stream_figures.py --binary build/taskcenter [--events 5000]

The latency is measured in one Python process: the sender notes the time before it
writes each POST /task/progress, the reader notes when the event's line arrives (one
socket each, two threads); both include Python's own overhead.
"""

import argparse
import base64
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "conformance"))

import harness  # noqa: E402
from test_streams import StreamReader  # noqa: E402


def post(sock, path, body):
    data = json.dumps(body).encode()
    sock.sendall(b"POST %s HTTP/1.1\r\nHost: b\r\nContent-Type: application/json\r\n"
                 b"Content-Length: %d\r\n\r\n" % (path.encode(), len(data)) + data)
    buf = b""
    while b"\r\n\r\n" not in buf:
        buf += sock.recv(65536)
    head, rest = buf.split(b"\r\n\r\n", 1)
    length = int([h for h in head.split(b"\r\n") if h.lower().startswith(b"content-length")][0]
                 .split(b":")[1])
    while len(rest) < length:
        rest += sock.recv(65536)
    return json.loads(rest[:length])


def measure(consumer_url, watcher_url, events, paced):
    q = harness.unique("bench")
    host, port = harness.host_port(consumer_url)
    s = socket.create_connection((host, port))
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    post(s, "/task/put", {"queue": q, "id": "t"})
    post(s, "/task/take", {"queue": q, "promise_reply_time": 600})
    reader = StreamReader(watcher_url, "/task/watch", {"queue": q, "id": "t", "timeout": 300})
    reader.read_head()
    sent = {}
    received = {}

    def read():
        while len(received) < events:
            line = reader.next_line()
            if line is None or line["event"] != "progress":
                return
            received[line["seq"]] = time.perf_counter()

    thread = threading.Thread(target=read)
    thread.start()
    started = time.perf_counter()
    content = base64.b64encode(b"tok").decode()
    for seq in range(1, events + 1):
        sent[seq] = time.perf_counter()
        post(s, "/task/progress", {"queue": q, "id": "t", "info": seq, "content": content})
        if paced:
            time.sleep(0.001)  # latency run: one event at a time, the stream idle between
    thread.join(60)
    elapsed = time.perf_counter() - started
    reader.close()
    s.close()
    lat = sorted((received[k] - sent[k]) * 1e3 for k in received)
    if not lat:
        return None
    return {"events": len(received), "per_s": len(received) / elapsed,
            "p50_ms": lat[len(lat) // 2], "p99_ms": lat[min(len(lat) - 1, int(len(lat) * 0.99))]}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", default=os.path.join(HERE, "..", "build", "taskcenter"))
    ap.add_argument("--events", type=int, default=5000)
    args = ap.parse_args()
    os.environ["TC_BINARY"] = os.path.abspath(args.binary)
    rows = []
    embedded = harness.ServerProcess().start()
    try:
        rows.append(("embedded, one instance", measure(embedded.url, embedded.url, args.events, False),
                     measure(embedded.url, embedded.url, 1000, True)))
    finally:
        embedded.close()
    exe = shutil.which("redis-server")
    if exe:
        root = tempfile.mkdtemp(prefix="tc-bench-")
        rport = harness._free_port()
        redis = subprocess.Popen([exe, "--port", str(rport), "--bind", "127.0.0.1", "--dir", root,
                                  "--save", "", "--appendonly", "no"],
                                 stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
        time.sleep(0.5)
        extra = ["--redis", f"redis://127.0.0.1:{rport}/0", "--redis-prefix", "bench"]
        a = harness.ServerProcess(extra_args=extra, memory_only=False).start()
        b = harness.ServerProcess(extra_args=extra, memory_only=False).start()
        try:
            rows.append(("Redis, consumer and watcher on two instances",
                         measure(a.url, b.url, args.events, False),
                         measure(a.url, b.url, 1000, True)))
        finally:
            a.close()
            b.close()
            redis.terminate()
            redis.wait()
            shutil.rmtree(root, ignore_errors=True)
    for name, flat, paced in rows:
        print(f"{name}: {flat['per_s']:.0f} events/s through one stream "
              f"(one sender, back to back); latency progress -> line p50 {paced['p50_ms']:.2f} ms, "
              f"p99 {paced['p99_ms']:.2f} ms ({paced['events']} paced events)")


if __name__ == "__main__":
    main()
