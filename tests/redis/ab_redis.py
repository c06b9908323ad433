#!/usr/bin/env python3
"""A/B figures for the Redis backend: variants alternate in one run on one redis-server,
so a busy shared machine affects them alike. For each variant and round: the ceiling
(redis-benchmark, EVALSHA of that variant's lib.lua + put.lua, unpipelined, at each
connection count), taskcenter put at the same connection counts, Redis's usec_per_call of
the put script (INFO commandstats), and the end-to-end cycle (8 producers put, 8
consumers take 16 and reply each). SLOWLOG=1 adds Redis's time per script from SLOWLOG
during one more cycle (inflated by SLOWLOG itself; compare variants, not absolutes).

  tests/redis/ab_redis.py BENCH VARIANT_DIR...
    BENCH         build/bench/taskcenter-bench
    VARIANT_DIR   a directory holding a `taskcenter` binary and its `scripts/*.lua`, e.g.
                  mkdir -p /tmp/new/scripts && cp build/taskcenter /tmp/new/ &&
                  cp src/store/redis/scripts/*.lua /tmp/new/scripts/
                  and optionally a file `args` with more server arguments, one per
                  line (e.g. --redis-scripts then eval: one binary, two variants)
  env: ROUNDS (2) DUR seconds per run (5) CONNS (16,64) SLOWLOG (0)
       CYCLE_ARGS: the cycle's arguments (default "--producers 8 --consumers 8 --batch 16";
                   e.g. "... --put-batch 16 --reply batch" for the batched cycle)
       ONLY_CYCLE=1: the cycle alone (no redis-benchmark ceiling, no put runs), with the
                   trivial responder's rate the bench measures after each run"""
import csv, hashlib, os, socket, subprocess, sys, tempfile, time

BENCH = sys.argv[1]
VARIANTS = sys.argv[2:]
DUR = os.environ.get("DUR", "5")
ROUNDS = int(os.environ.get("ROUNDS", "2"))
CONNS = os.environ.get("CONNS", "16,64").split(",")
CYCLE_ARGS = os.environ.get("CYCLE_ARGS", "--producers 8 --consumers 8 --batch 16").split()
ONLY_CYCLE = os.environ.get("ONLY_CYCLE", "0") == "1"
OPS = ["put", "peek", "acquire", "take", "reply", "call_begin", "touch", "remove",
       "clear_queue", "stat_queue", "reap"]


def free_port():
    s = socket.socket(); s.bind(("127.0.0.1", 0)); p = s.getsockname()[1]; s.close(); return p


tmp = tempfile.mkdtemp(prefix="hredis-")
rport = free_port()
redis = subprocess.Popen(["redis-server", "--port", str(rport), "--bind", "127.0.0.1", "--save", "",
                          "--appendonly", "no", "--dir", tmp], stdout=subprocess.DEVNULL)


def rc(*args):
    return subprocess.run(["redis-cli", "-p", str(rport), *args], capture_output=True,
                          text=True).stdout


for _ in range(100):
    if rc("ping").strip() == "PONG": break
    time.sleep(0.05)


def src(v, op):
    d = os.path.join(v, "scripts")
    lib = open(os.path.join(d, "lib.lua")).read()
    # A lib.lua that keeps a call's state in begin_call() needs it first (scripts.cpp).
    begin = "begin_call(KEYS, ARGV)\n" if "local function begin_call(" in lib else ""
    return lib + "\n" + begin + open(os.path.join(d, op + ".lua")).read()


def shas(v):
    return {hashlib.sha1(src(v, op).encode()).hexdigest(): op for op in OPS}


def evalsha_stats():
    """Calls and us per call of the scripts: EVALSHA and FCALL together."""
    calls, usec = 0, 0.0
    for line in rc("info", "commandstats").splitlines():
        if line.startswith("cmdstat_evalsha:") or line.startswith("cmdstat_fcall:"):
            f = dict(kv.split("=") for kv in line.split(":", 1)[1].split(","))
            calls += int(f["calls"]); usec += float(f["usec"])
    return calls, (usec / calls if calls else 0.0)


def ceiling(v, c):
    sha = rc("script", "load", src(v, "put")).strip()
    now = str(int(time.time() * 1000))
    rc("config", "resetstat")
    out = subprocess.run(["redis-benchmark", "-p", str(rport), "-c", c, "-n", "60000", "-r",
                          "1000000000", "--csv", "EVALSHA", sha, "1", "bench:{rb}:", "rb", now,
                          "benchorigin", "benchchan", "1", "id:__rand_int__", '{"n":1}',
                          "0123456789abcdef", "60000", "", "0", "", "0"], capture_output=True,
                         text=True).stdout.strip().splitlines()[-1]
    rps = float(out.split('","')[1])
    calls, us = evalsha_stats()
    rc("flushall")
    return rps, us


def start_server(v):
    pf = os.path.join(tmp, "port%d" % time.monotonic_ns())
    extra = os.path.join(v, "args")
    extra = open(extra).read().split() if os.path.exists(extra) else []
    p = subprocess.Popen([os.path.join(v, "taskcenter"), "--host", "127.0.0.1", "--port", "0",
                          "--port-file", pf, "--redis", "redis://127.0.0.1:%d/0" % rport, *extra],
                         stderr=subprocess.DEVNULL)
    for _ in range(200):
        if os.path.exists(pf) and open(pf).read().strip(): break
        time.sleep(0.05)
    return p, "http://127.0.0.1:" + open(pf).read().strip()


def bench(args, ceiling="none"):
    csvf = os.path.join(tmp, "b%d.csv" % time.monotonic_ns())
    subprocess.run([BENCH, *args, "--duration", DUR, "--ceiling", ceiling, "--csv", csvf],
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return list(csv.DictReader(open(csvf)))


def per_script(v, url):
    """SLOWLOG with threshold 0 during a short cycle: Redis' own us per call, per script."""
    names = shas(v)
    rc("config", "set", "slowlog-max-len", "100000")
    rc("slowlog", "reset")
    rc("config", "set", "slowlog-log-slower-than", "0")
    bench(["cycle", "--url", url, *CYCLE_ARGS])
    rc("config", "set", "slowlog-log-slower-than", "10000")
    raw = subprocess.run(["redis-cli", "-p", str(rport), "--no-raw", "slowlog", "get", "100000"],
                         capture_output=True, text=True).stdout
    # entries: id, time, duration, args...; find duration lines followed by EVALSHA <sha>
    lines = [l.strip() for l in raw.splitlines()]
    acc = {}
    for i, l in enumerate(lines):
        if l.lower().endswith(('"evalsha"', '"fcall"')):
            sha = lines[i + 1].split('"')[1] if i + 1 < len(lines) else ""
            # duration is 2 lines above the args array start ("1) ..." 3) (integer) dur)
            dur = None
            for j in range(i - 1, max(i - 4, 0), -1):
                if "(integer)" in lines[j]:
                    dur = int(lines[j].split("(integer)")[1]); break
            if dur is None: continue
            # a function's name: tc_<hash>_<operation>
            name = names.get(sha, sha.split("_", 2)[-1] if sha.startswith("tc_") else sha[:8])
            n, s = acc.get(name, (0, 0)); acc[name] = (n + 1, s + dur)
    rc("slowlog", "reset")
    return {k: (n, s / n) for k, (n, s) in acc.items()}


print(f"== {time.strftime('%FT%TZ', time.gmtime())} load {open('/proc/loadavg').read().split()[:3]}")
for rnd in range(ROUNDS):
    for v in VARIANTS:
        name = os.path.basename(v.rstrip("/"))
        for c in ([] if ONLY_CYCLE else CONNS):
            rps, us = ceiling(v, c)
            print(f"[{rnd}] {name:8s} redis-benchmark EVALSHA put -c {c}: {rps:8.0f} req/s, "
                  f"{us:.2f} us/call")
            sys.stdout.flush()
        p, url = start_server(v)
        rc("config", "resetstat")
        for c in ([] if ONLY_CYCLE else CONNS):
            r = bench(["put", "--url", url, "--connections", c])[0]
            print(f"[{rnd}] {name:8s} put -c {c}: {float(r['req_per_s']):8.0f} req/s  server CPU "
                  f"{r['server_cpu_pct']}%  errors {r['errors']}")
            sys.stdout.flush()
        calls, us = evalsha_stats()
        if not ONLY_CYCLE:
            print(f"[{rnd}] {name:8s} put script {us:.2f} us/call over {calls} calls")
        rc("flushall"); rc("config", "resetstat")
        r = bench(["cycle", "--url", url, *CYCLE_ARGS], "spawn" if ONLY_CYCLE else "none")[0]
        calls, us = evalsha_stats()
        ceiling_text = f", trivial responder {float(r['ceiling_req_per_s']):,.0f} req/s" \
            if ONLY_CYCLE else ""
        print(f"[{rnd}] {name:8s} cycle: {float(r['ops_per_s']):8.0f} tasks/s  "
              f"{float(r['req_per_s']):8.0f} req/s server CPU {r['server_cpu_pct']}% errors "
              f"{r['errors']}; script {us:.2f} us/call avg over {calls}{ceiling_text}")
        sys.stdout.flush()
        rc("flushall")
        if os.environ.get("SLOWLOG", "0") == "1" and rnd == 0:
            ps = per_script(v, url)
            print(f"[{rnd}] {name:8s} per script (SLOWLOG, us): " +
                  ", ".join(f"{k} {a:.1f} (n={n})" for k, (n, a) in sorted(ps.items())))
            rc("flushall")
        p.terminate(); p.wait()
redis.terminate(); redis.wait()
