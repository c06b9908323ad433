#!/usr/bin/env python3
"""The stalled-bodies attack: N connections each announce a BODY-byte request body, send
half of it and stall. Prints the server's RSS before and at its peak during the attack,
and whether a normal request is still answered, once per --max-inflight-bytes value.

  python3 bench/security/stalled_bodies.py [--binary build/taskcenter] [--connections 100]
      [--body 16000000] [--budgets 0,256M]

A benchmark, not a test: it prints figures. Budget 0 turns the budget off (the server's
behaviour before --max-inflight-bytes existed)."""

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
import http.client

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))


def rss_mib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def start_server(binary, budget, tmp):
    tag = f"{budget}-{time.monotonic_ns()}"
    port_file = os.path.join(tmp, f"port-{tag}")
    log = open(os.path.join(tmp, f"log-{tag}"), "wb")
    budget_args = [] if budget == "-" else ["--max-inflight-bytes", budget]
    proc = subprocess.Popen([binary, "--host", "127.0.0.1", "--port", "0", "--port-file", port_file,
                             "--data-dir", "", "--read-timeout", "60", *budget_args],
                            stdout=log, stderr=subprocess.STDOUT)
    for _ in range(200):
        if os.path.exists(port_file) and open(port_file).read().strip():
            return proc, int(open(port_file).read())
        time.sleep(0.05)
    raise RuntimeError("server did not start")


def stall(port, body_size, sent, errors):
    try:
        s = socket.create_connection(("127.0.0.1", port), timeout=30)
        s.sendall(b"POST /task/put HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
                  b"Content-Length: %d\r\n\r\n" % body_size)
        half = body_size // 2
        chunk = b"x" * 65536
        done = 0
        while done < half:
            n = min(len(chunk), half - done)
            s.sendall(chunk[:n])
            done += n
        sent.append(s)  # kept open, stalled
    except OSError as e:
        errors.append(e)


def timed_put(port):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    started = time.monotonic()
    conn.request("POST", "/task/put", body=json.dumps({"queue": "probe", "id": str(started)}),
                 headers={"Content-Type": "application/json"})
    status = conn.getresponse().status
    conn.close()
    return status, (time.monotonic() - started) * 1000


def run(binary, budget, connections, body_size, tmp):
    proc, port = start_server(binary, budget, tmp)
    try:
        time.sleep(0.3)
        before = rss_mib(proc.pid)
        sent, errors, peak = [], [], before
        threads = [threading.Thread(target=stall, args=(port, body_size, sent, errors), daemon=True)
                   for _ in range(connections)]
        for t in threads:
            t.start()
        deadline = time.monotonic() + 20
        while any(t.is_alive() for t in threads) and time.monotonic() < deadline:
            peak = max(peak, rss_mib(proc.pid))
            time.sleep(0.05)
        for _ in range(40):  # and a while after the last byte
            peak = max(peak, rss_mib(proc.pid))
            time.sleep(0.05)
        status, ms = timed_put(port)
        print(f"budget {budget:>5}: RSS {before:6.1f} MiB before, {peak:6.1f} MiB peak with "
              f"{connections} connections x {body_size // 2:,} of {body_size:,} bytes stalled "
              f"({len(sent)} still open, {len(errors)} cut off); a put meanwhile: {status} "
              f"in {ms:.1f} ms", flush=True)
        for s in sent:
            s.close()
    finally:
        proc.terminate()
        proc.wait(20)


def main():
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--binary", default=os.path.join(REPO, "build", "taskcenter"))
    p.add_argument("--connections", type=int, default=100)
    p.add_argument("--body", type=int, default=16_000_000)
    p.add_argument("--budgets", default="0,256M",
                   help="comma-separated --max-inflight-bytes values; '-' passes no flag "
                        "(for a binary older than the flag)")
    args = p.parse_args()
    with tempfile.TemporaryDirectory(prefix="tc-stalled-") as tmp:
        for budget in args.budgets.split(","):
            run(args.binary, budget, args.connections, args.body, tmp)


if __name__ == "__main__":
    sys.exit(main())
