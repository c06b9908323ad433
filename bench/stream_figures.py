#!/usr/bin/env python3
"""Figures for streamed answers (a benchmark, not a test): events per second through
one watch stream, and the latency from a consumer's /task/progress to the stream's line
(p50 / p99), on the embedded store and on Redis with the consumer and the watcher on two
instances. Starts its own servers (and redis-server) on free loopback ports.

    python3 bench/stream_figures.py --binary build/taskcenter [--events 5000] [--streams 1000]

With --streams N it also holds N watch streams open at once on the embedded store (one
leased task each): the server's RSS per open stream, its CPU while they wait, and its CPU
per event delivered (a /task/progress and the stream line it causes) against a /task/touch
of the same tasks without streams, both read from /proc.

For the latency with the tool's own overhead out of it, see `taskcenter-bench stream`
(C++, the trivial responder's round trip beside it). Here the latency is measured by two
Python processes: the sender notes the time before it
writes each POST /task/progress, the reader (forked, so it never waits for the sender's
hold on the GIL) notes when the event's line arrives, both on CLOCK_MONOTONIC; both
include Python's own overhead.
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
    # The reader is a process of its own (forked, the stream's socket inherited), so the
    # sender and the reader never wait for each other's hold on Python's GIL; both read
    # CLOCK_MONOTONIC (time.perf_counter), one clock for the whole machine.
    results_r, results_w = os.pipe()
    child = os.fork()
    if child == 0:
        os.close(results_r)
        arrived = []
        while len(arrived) < events:
            line = reader.next_line()
            if line is None or line["event"] != "progress":
                break
            arrived.append(f"{line['seq']} {time.perf_counter()!r}")
        with os.fdopen(results_w, "w") as out:
            out.write("\n".join(arrived))
        os._exit(0)
    os.close(results_w)
    started = time.perf_counter()
    content = base64.b64encode(b"tok").decode()
    for seq in range(1, events + 1):
        sent[seq] = time.perf_counter()
        post(s, "/task/progress", {"queue": q, "id": "t", "info": seq, "content": content})
        if paced:
            time.sleep(0.001)  # latency run: one event at a time, the stream idle between
    received = arrivals(results_r, child)
    elapsed = time.perf_counter() - started
    reader.close()
    s.close()
    if not received:
        return None
    return dict(latencies(sent, received), events=len(received), per_s=len(received) / elapsed)


def arrivals(results_r, child):
    """The forked reader's "seq time" rows, once it has exited."""
    received = {}
    with os.fdopen(results_r) as results:
        for row in results.read().split("\n"):
            if row:
                seq, at = row.split()
                received[int(seq)] = float(at)
    os.waitpid(child, 0)
    return received


def latencies(sent, received):
    lat = sorted((received[k] - sent[k]) * 1e3 for k in received)
    return {"p50_ms": lat[len(lat) // 2], "p99_ms": lat[min(len(lat) - 1, int(len(lat) * 0.99))]}


def loopback_baseline(events, relay):
    """The host's own floor for the same measurement, taken in the same run: the same two
    Python processes, the same pacing and clock, but the sender writes each line straight
    to a loopback TCP socket the reader reads (relay=False), or through a third forked
    process that copies bytes from one socket to another (relay=True, the server's place
    in the path without any of its work). The ratio of the server's p99 to this one says
    how much of the tail is taskcenter's and how much the machine's."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(2)
    addr = listener.getsockname()
    relay_pid = None
    if relay:
        inner = socket.socket()
        inner.bind(("127.0.0.1", 0))
        inner.listen(1)
        relay_pid = os.fork()
        if relay_pid == 0:
            upstream, _ = inner.accept()
            downstream = socket.create_connection(addr)
            downstream.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            while True:
                chunk = upstream.recv(65536)
                if not chunk:
                    os._exit(0)
                downstream.sendall(chunk)
        writer = socket.create_connection(inner.getsockname())
        inner.close()
    else:
        writer = socket.create_connection(addr)
    writer.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    conn, _ = listener.accept()
    listener.close()
    results_r, results_w = os.pipe()
    child = os.fork()
    if child == 0:
        os.close(results_r)
        arrived = []
        buf = b""
        while len(arrived) < events:
            chunk = conn.recv(65536)
            if not chunk:
                break
            now = time.perf_counter()
            buf += chunk
            *lines, buf = buf.split(b"\n")
            arrived.extend(f"{int(x)} {now!r}" for x in lines)
        with os.fdopen(results_w, "w") as out:
            out.write("\n".join(arrived))
        os._exit(0)
    os.close(results_w)
    conn.close()
    sent = {}
    for seq in range(1, events + 1):
        sent[seq] = time.perf_counter()
        writer.sendall(b"%d\n" % seq)
        time.sleep(0.001)
    received = arrivals(results_r, child)
    writer.close()
    if relay_pid:
        os.waitpid(relay_pid, 0)
    return latencies(sent, received)


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        return int(next(line for line in f if line.startswith("VmRSS:")).split()[1])


def cpu_s(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def many_streams(n):
    import resource
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, max(soft, n + 256)), hard))
    # All the streams come from one address: lift the per-address limit (1,000 by default).
    server = harness.ServerProcess(extra_args=["--max-connections-per-client", "0"]).start()
    try:
        pid = server.proc.pid
        q = harness.unique("streams")
        host, port = harness.host_port(server.url)
        s = socket.create_connection((host, port))
        ids = [f"t{i}" for i in range(n)]
        for i in range(0, n, 500):
            post(s, "/task/put_batch", {"queue": q, "tasks": [{"id": x} for x in ids[i:i + 500]]})
        taken = 0
        while taken < n:
            got = post(s, "/task/take", {"queue": q, "size": 500, "promise_reply_time": 600})["data"]
            taken += len(got)

        def each(path, extra):
            began = cpu_s(pid)
            for x in ids:
                post(s, path, dict({"queue": q, "id": x}, **extra))
            return (cpu_s(pid) - began) / n

        touch_cpu = each("/task/touch", {"promise_reply_time": 600})
        time.sleep(0.5)
        rss_before = rss_kib(pid)
        readers = [StreamReader(server.url, "/task/watch", {"queue": q, "id": x, "timeout": 300})
                   for x in ids]
        for r in readers:
            r.read_head()
        time.sleep(1)
        rss_open = rss_kib(pid)
        idle_began = cpu_s(pid)
        time.sleep(5)
        idle_cpu = (cpu_s(pid) - idle_began) / 5
        began = time.perf_counter()
        progress_cpu = each("/task/progress", {"info": 1})
        lines = sum(1 for r in readers if (r.next_line() or {}).get("event") == "progress")
        delivered_in = time.perf_counter() - began
        for r in readers:
            r.close()
        s.close()
        print(f"{n} open watch streams, embedded: server RSS +{(rss_open - rss_before) / n:.1f} KiB "
              f"per stream ({rss_before / 1024:.1f} -> {rss_open / 1024:.1f} MiB); CPU while "
              f"they wait {idle_cpu * 100:.2f}% of a core; one event to each: {lines}/{n} lines in "
              f"{delivered_in:.2f} s, server CPU {progress_cpu * 1e6:.0f} us per progress + line "
              f"against {touch_cpu * 1e6:.0f} us per touch without streams")
    finally:
        server.close()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", default=os.path.join(HERE, "..", "build", "taskcenter"))
    ap.add_argument("--events", type=int, default=5000)
    ap.add_argument("--streams", type=int, default=0,
                    help="also hold this many watch streams open at once (0: not)")
    args = ap.parse_args()
    os.environ["TC_BINARY"] = os.path.abspath(args.binary)
    if args.streams:
        many_streams(args.streams)
    rows = []
    # The host's floor, before and after the servers' runs (the machine is shared: a noisy
    # neighbour shows as a high floor, and the ratios below stay comparable across runs).
    floors = [loopback_baseline(1000, False), loopback_baseline(1000, True)]
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
    floors += [loopback_baseline(1000, False), loopback_baseline(1000, True)]
    direct = [f for i, f in enumerate(floors) if i % 2 == 0]
    relayed = [f for i, f in enumerate(floors) if i % 2 == 1]
    for label, runs in (("direct socket", direct), ("through a copying relay process", relayed)):
        print(f"host floor, {label}: p50 " + " / ".join(f"{f['p50_ms']:.2f}" for f in runs)
              + " ms, p99 " + " / ".join(f"{f['p99_ms']:.2f}" for f in runs)
              + " ms (before / after the servers)")
    relay_p99 = max(f["p99_ms"] for f in relayed)
    for name, flat, paced in rows:
        print(f"{name}: {flat['per_s']:.0f} events/s through one stream "
              f"(one sender, back to back); latency progress -> line p50 {paced['p50_ms']:.2f} ms, "
              f"p99 {paced['p99_ms']:.2f} ms ({paced['events']} paced events), "
              f"p99 {paced['p99_ms'] / relay_p99:.2f}x the relay floor's worse p99")


if __name__ == "__main__":
    main()
