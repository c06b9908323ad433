#!/usr/bin/env python3
"""put over TLS beside plain HTTP, in the same run: two servers from one binary (one with
--tls-cert/--tls-key and a throw-away self-signed certificate), the same load on each in
turn, several rounds alternating so that a noisy machine hurts both alike.

  python3 bench/security/tls_vs_plain.py [--binary build/taskcenter] [--clients 4]
      [--seconds 5] [--rounds 2] [--payload 100]

Each client is a process with one keep-alive connection putting unique ids as fast as
it can (Python's http.client: the client side costs more than the server's, so puts/s
says more about the client than the server). The server's CPU time per put (user +
system, from /proc) is the steadier figure on a shared machine. A benchmark, not a
test: it prints puts/s, latency percentiles and server CPU per put."""

import argparse
import base64
import http.client
import json
import multiprocessing
import os
import ssl
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))


def start(binary, tmp, name, extra):
    port_file = os.path.join(tmp, f"port-{name}")
    log = open(os.path.join(tmp, f"log-{name}"), "wb")
    proc = subprocess.Popen([binary, "--host", "127.0.0.1", "--port", "0", "--port-file", port_file,
                             "--data-dir", "", *extra], stdout=log, stderr=subprocess.STDOUT)
    for _ in range(200):
        if os.path.exists(port_file) and open(port_file).read().strip():
            return proc, int(open(port_file).read())
        time.sleep(0.05)
    raise RuntimeError(f"{name} server did not start")


def client(args):
    port, cafile, seconds, payload, tag = args
    if cafile:
        conn = http.client.HTTPSConnection("127.0.0.1", port, timeout=30,
                                           context=ssl.create_default_context(cafile=cafile))
    else:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    content = base64.b64encode(b"x" * payload).decode()
    latencies = []
    deadline = time.monotonic() + seconds
    n = 0
    while time.monotonic() < deadline:
        body = json.dumps({"queue": "bench-" + tag, "id": f"{os.getpid()}-{n}", "content": content})
        started = time.perf_counter()
        conn.request("POST", "/task/put", body=body, headers={"Content-Type": "application/json"})
        resp = conn.getresponse()
        resp.read()
        latencies.append(time.perf_counter() - started)
        if resp.status != 200:
            raise RuntimeError(f"put answered {resp.status}")
        n += 1
    conn.close()
    return latencies


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def measure(pool, pid, port, cafile, args, tag):
    jobs = [(port, cafile, args.seconds, args.payload, tag)] * args.clients
    cpu_before = cpu_seconds(pid)
    started = time.monotonic()
    results = pool.map(client, jobs)
    elapsed = time.monotonic() - started
    cpu = cpu_seconds(pid) - cpu_before
    latencies = sorted(x for r in results for x in r)
    pick = lambda q: latencies[min(len(latencies) - 1, int(q * len(latencies)))] * 1000
    return len(latencies) / elapsed, pick(0.5), pick(0.99), cpu / len(latencies) * 1e6


def main():
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--binary", default=os.path.join(REPO, "build", "taskcenter"))
    p.add_argument("--clients", type=int, default=4)
    p.add_argument("--seconds", type=float, default=5)
    p.add_argument("--rounds", type=int, default=2)
    p.add_argument("--payload", type=int, default=100)
    args = p.parse_args()
    with tempfile.TemporaryDirectory(prefix="tc-tlsbench-") as tmp:
        cert, key = os.path.join(tmp, "cert.pem"), os.path.join(tmp, "key.pem")
        subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                        "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", key, "-out", cert,
                        "-days", "1", "-subj", "/CN=localhost",
                        "-addext", "subjectAltName=IP:127.0.0.1"], check=True, capture_output=True)
        plain, plain_port = start(args.binary, tmp, "plain", [])
        tls, tls_port = start(args.binary, tmp, "tls", ["--tls-cert", cert, "--tls-key", key])
        try:
            with multiprocessing.Pool(args.clients) as pool:
                print(f"{args.clients} clients x keep-alive put ({args.payload}-byte content), "
                      f"{args.seconds:g} s per measurement", flush=True)
                for r in range(args.rounds):
                    for name, proc, port, cafile in (("plain", plain, plain_port, None),
                                                     ("tls", tls, tls_port, cert)):
                        rate, p50, p99, cpu_us = measure(pool, proc.pid, port, cafile, args,
                                                         f"{name}{r}")
                        print(f"round {r + 1} {name:>5}: {rate:8.0f} puts/s  p50 {p50:6.3f} ms  "
                              f"p99 {p99:6.3f} ms  server CPU {cpu_us:5.1f} us/put", flush=True)
        finally:
            for proc in (plain, tls):
                proc.terminate()
                proc.wait(20)


if __name__ == "__main__":
    sys.exit(main())
