#!/usr/bin/env python3
"""Where the Redis cycle's time goes: CPU of redis-server, taskcenter and the bench client
during `taskcenter-bench cycle` (put_batch 16 -> take 16 -> reply_batch by default), Redis's
own time per command (INFO commandstats: FCALL and the commands the scripts issue), and
Redis's time per function from SLOWLOG in one more run with every call logged (which
inflates every figure a little: compare the functions with each other). A benchmark,
not a test.

  tests/redis/cycle_bound.py BENCH TASKCENTER [BENCH_ARG...]
    BENCH       build/bench/taskcenter-bench
    TASKCENTER  build/taskcenter
    BENCH_ARG   replaces the default cycle arguments (--producers 8 --consumers 8
                --batch 16 --put-batch 16 --reply batch)
  env: DUR seconds per run (5), ROUNDS (2: runs of the cycle, each with a fresh queue),
       SLOWLOG (1: the per-function run)

CPU is utime + stime from /proc (10 ms ticks) for redis-server and taskcenter, and the
bench's own rusage; per task = CPU seconds / tasks done in the run.
"""
import csv
import os
import socket
import subprocess
import sys
import tempfile
import time

BENCH, SERVER = sys.argv[1], sys.argv[2]
CYCLE = sys.argv[3:] or ["--producers", "8", "--consumers", "8", "--batch", "16",
                         "--put-batch", "16", "--reply", "batch"]
DUR = os.environ.get("DUR", "5")
ROUNDS = int(os.environ.get("ROUNDS", "2"))
TICK = os.sysconf("SC_CLK_TCK")


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class Resp:
    """A minimal RESP2 client for INFO / SLOWLOG / CONFIG (nested arrays, bulk strings)."""

    def __init__(self, port):
        self.sock = socket.create_connection(("127.0.0.1", port))
        self.buf = b""

    def _line(self):
        while b"\r\n" not in self.buf:
            self.buf += self.sock.recv(1 << 16)
        line, self.buf = self.buf.split(b"\r\n", 1)
        return line

    def _read(self):
        line = self._line()
        kind, rest = line[:1], line[1:]
        if kind in (b"+", b"-"):
            return rest.decode()
        if kind == b":":
            return int(rest)
        if kind == b"$":
            n = int(rest)
            if n < 0:
                return None
            while len(self.buf) < n + 2:
                self.buf += self.sock.recv(1 << 16)
            data, self.buf = self.buf[:n], self.buf[n + 2:]
            return data.decode(errors="replace")
        if kind == b"*":
            n = int(rest)
            return None if n < 0 else [self._read() for _ in range(n)]
        raise RuntimeError(f"unexpected RESP {line!r}")

    def __call__(self, *args):
        out = b"*%d\r\n" % len(args)
        for a in args:
            a = str(a).encode()
            out += b"$%d\r\n%s\r\n" % (len(a), a)
        self.sock.sendall(out)
        return self._read()


def cpu_s(pid):
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK  # utime, stime


def commandstats(r):
    out = {}
    for line in r("INFO", "commandstats").splitlines():
        if line.startswith("cmdstat_"):
            name, rest = line[len("cmdstat_"):].split(":", 1)
            f = dict(kv.split("=") for kv in rest.split(","))
            out[name] = (int(f["calls"]), float(f["usec"]))
    return out


def run_cycle(url, tmp):
    """One cycle run without warm-up or ceiling run, so that the CPU read around it is
    the measured seconds' (plus the bench's start and stop)."""
    csvf = os.path.join(tmp, "c%d.csv" % time.monotonic_ns())
    p = subprocess.Popen([BENCH, "cycle", "--url", url, *CYCLE, "--duration", DUR,
                          "--warmup", "0", "--ceiling", "none", "--csv", csvf],
                         stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    out = p.stdout.read()
    _, _, usage = os.wait4(p.pid, 0)
    row = list(csv.DictReader(open(csvf)))[0]
    return row, usage.ru_utime + usage.ru_stime, out


tmp = tempfile.mkdtemp(prefix="bound-")
rport = free_port()
redis = subprocess.Popen(["redis-server", "--port", str(rport), "--bind", "127.0.0.1", "--save", "",
                          "--appendonly", "no", "--dir", tmp], stdout=subprocess.DEVNULL)
try:
    for _ in range(100):
        try:
            r = Resp(rport)
            if r("PING") == "PONG":
                break
        except OSError:
            time.sleep(0.05)
    pf = os.path.join(tmp, "port")
    server = subprocess.Popen([SERVER, "--host", "127.0.0.1", "--port", "0", "--port-file", pf,
                               "--redis", f"redis://127.0.0.1:{rport}/0"], stderr=subprocess.DEVNULL)
    for _ in range(200):
        if os.path.exists(pf) and open(pf).read().strip():
            break
        time.sleep(0.05)
    url = "http://127.0.0.1:" + open(pf).read().strip()
    print(f"== {time.strftime('%FT%TZ', time.gmtime())} cycle {' '.join(CYCLE)}, {DUR} s; "
          f"load {' '.join(open('/proc/loadavg').read().split()[:3])}")
    for rnd in range(ROUNDS):
        r("CONFIG", "RESETSTAT")
        r0, s0 = cpu_s(redis.pid), cpu_s(server.pid)
        row, bench_cpu, out = run_cycle(url, tmp)
        r1, s1 = cpu_s(redis.pid), cpu_s(server.pid)
        stats = commandstats(r)
        tasks = float(row["ops"])
        secs = float(row["seconds"])
        print(out.strip().splitlines()[-1])
        fcalls, fusec = stats.get("fcall", (0, 0.0))
        inner = sorted(((u, n, c) for n, (c, u) in stats.items()
                        if n not in ("fcall", "config|resetstat", "info")), reverse=True)
        print(f"[{rnd}] {float(row['ops_per_s']):,.0f} tasks/s ({row['note']})")
        us = 1e6 / tasks
        print(f"[{rnd}]   CPU over {secs:.1f} s: redis-server {(r1 - r0) / secs:.0%} of a core, "
              f"{(r1 - r0) * us:.1f} us per task; taskcenter {(s1 - s0) / secs:.0%}, "
              f"{(s1 - s0) * us:.1f} us per task; bench {bench_cpu / secs:.0%}, "
              f"{bench_cpu * us:.1f} us per task")
        print(f"[{rnd}]   Redis in commands: FCALL {fcalls} calls, {fusec / max(fcalls, 1):.1f} "
              f"us per call, {fusec / tasks:.1f} us per task")
        print(f"[{rnd}]   inside the scripts: " + ", ".join(
            f"{n} {c} x {u / c:.1f} us" for u, n, c in inner[:10]))
        sys.stdout.flush()
        r("FLUSHALL")
    if os.environ.get("SLOWLOG", "1") == "1":
        r("CONFIG", "SET", "slowlog-max-len", "1000000")
        r("SLOWLOG", "RESET")
        r("CONFIG", "SET", "slowlog-log-slower-than", "0")
        row, _, _ = run_cycle(url, tmp)
        r("CONFIG", "SET", "slowlog-log-slower-than", "10000")
        per = {}
        for entry in r("SLOWLOG", "GET", "1000000"):
            args = entry[3]
            if args and args[0].lower() == "fcall":
                name = args[1].split("_", 2)[-1]  # tc_<hash>_<operation>
                n, u = per.get(name, (0, 0))
                per[name] = (n + 1, u + entry[2])
        print(f"per function (SLOWLOG, every call logged, {float(row['ops_per_s']):,.0f} "
              f"tasks/s in that run): " + ", ".join(
                  f"{k} {n} x {u / n:.1f} us" for k, (n, u) in sorted(per.items())))
        r("SLOWLOG", "RESET")
    server.terminate()
    server.wait()
finally:
    redis.terminate()
    redis.wait()
