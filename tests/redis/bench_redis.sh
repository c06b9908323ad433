#!/usr/bin/env bash
# Figures for the Redis backend (docs/redis.md), all in one run on one redis-server:
#   1. the ceiling: redis-benchmark running the put script (lib.lua + put.lua) as EVAL,
#      unpipelined and with -P 16;
#   2. put requests/s and end-to-end tasks/s (put -> take -> reply) through 1 and 3
#      taskcenter instances (taskcenter-bench);
#   3. round trips to Redis per API operation, from INFO commandstats.
#
#   tests/redis/bench_redis.sh [BUILD_DIR]     (default build-redis; needs taskcenter and
#                                               taskcenter-bench built there)
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
BUILD=${1:-$ROOT/build-redis}
DURATION=${DURATION:-5}
SERVER=$BUILD/taskcenter
BENCH=$BUILD/bench/taskcenter-bench
TMP=$(mktemp -d)
PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$TMP"
}
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

rport=$(free_port)
redis-server --port "$rport" --bind 127.0.0.1 --save '' --appendonly no --dir "$TMP" >"$TMP/redis.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 100); do redis-cli -p "$rport" ping >/dev/null 2>&1 && break; sleep 0.05; done
REDIS=redis://127.0.0.1:$rport/0
echo "== $(date -u +%FT%TZ) $(nproc) CPUs, load: $(cut -d' ' -f1-3 /proc/loadavg)"

echo "== 1. ceiling: redis-benchmark, EVALSHA of lib.lua + put.lua (one new task per call),"
echo "   64 connections like the put below"
# (the EVAL way: lib.lua, begin_call, put.lua; the server runs FCALL on Redis 7, which
# skips lib.lua's top level, so its put may exceed this ceiling)
src=$(cat src/store/redis/scripts/lib.lua; echo; echo 'begin_call(KEYS, ARGV)'; cat src/store/redis/scripts/put.lua)
sha=$(redis-cli -p "$rport" SCRIPT LOAD "$src")
now=$(date +%s%3N)
CEILING=0
for pipeline in 1 16; do
  rps=$(redis-benchmark -p "$rport" -c 64 -n "${REDIS_BENCH_REQUESTS:-100000}" -P "$pipeline" -r 1000000000 --csv \
          EVALSHA "$sha" 1 'bench:{rb}:' rb "$now" benchorigin benchchan 1 'id:__rand_int__' \
          '{"n":1}' 0123456789abcdef 60000 '' 0 '' 0 | tail -1 | awk -F'","' '{print $2}')
  echo "redis-benchmark EVALSHA put -c 64 -P $pipeline: $rps requests/s"
  [[ $pipeline == 1 ]] && CEILING=${rps%.*}
done
echo "Redis's own time per put script: $(redis-cli -p "$rport" INFO commandstats | grep evalsha | sed 's/.*usec_per_call=\([0-9.]*\).*/\1/') us"
redis-cli -p "$rport" FLUSHALL >/dev/null

INSTANCES=()
start_instance() {  # sets URL to a new instance on $REDIS
  local pf=$TMP/port.$RANDOM
  "$SERVER" --host 127.0.0.1 --port 0 --port-file "$pf" --redis "$REDIS" "$@" >>"$TMP/server.log" 2>&1 &
  PIDS+=($!)
  INSTANCES+=($!)
  for _ in $(seq 200); do [[ -s $pf ]] && break; sleep 0.05; done
  [[ -s $pf ]] || { echo "taskcenter did not start:"; cat "$TMP/server.log"; exit 1; }
  URL="http://127.0.0.1:$(cat "$pf")"
}

echo "== 2. taskcenter on Redis (taskcenter-bench, ${DURATION}s runs)"
start_instance; u1=$URL
"$BENCH" put --url "$u1" --connections 64 --duration "$DURATION" --ceiling none --label redis1 --csv "$TMP/put1.csv" | tail -1
echo "put, 1 instance: $(tail -1 "$TMP/put1.csv" | cut -d, -f13) requests/s over the unpipelined ceiling $CEILING:" \
     "$(tail -1 "$TMP/put1.csv" | awk -F, -v c="$CEILING" '{printf "%.2fx", $13 / c}')"
"$BENCH" cycle --url "$u1" --producers 8 --consumers 8 --batch 16 --duration "$DURATION" --ceiling none --label redis1 | tail -1
redis-cli -p "$rport" FLUSHALL >/dev/null
start_instance; u2=$URL; start_instance; u3=$URL
urls="$u1,$u2,$u3"
"$BENCH" put --url "$urls" --connections 64 --duration "$DURATION" --ceiling none --label redis3 | tail -1
"$BENCH" cycle --url "$urls" --producers 8 --consumers 8 --batch 16 --duration "$DURATION" --ceiling none --label redis3 | tail -1
for pid in "${INSTANCES[@]}"; do kill "$pid"; wait "$pid" 2>/dev/null || true; done
redis-cli -p "$rport" FLUSHALL >/dev/null

echo "== 3. round trips to Redis per API operation (redis-cli MONITOR, commands sent by"
echo "   clients, not those run inside scripts; reaper interval 60 s)"
start_instance --reap-interval-ms 60000; u=$URL
sleep 0.3
python3 - "$u" "$rport" <<'PY'
import socket, subprocess, sys, threading, time
sys.path.insert(0, "tests/conformance")
from client import Client
url, rport = sys.argv[1], sys.argv[2]
c = Client(url)
class Monitor:
    """MONITOR on a raw socket, read by a thread (redis-cli buffers its output)."""
    def __init__(self):
        self.sock = socket.create_connection(("127.0.0.1", int(rport)))
        self.sock.sendall(b"MONITOR\r\n")
        self.lines, self.buf = [], b""
        threading.Thread(target=self._read, daemon=True).start()
    def _read(self):
        while True:
            try:
                data = self.sock.recv(65536)
            except OSError:
                return
            if not data:
                return
            self.buf += data
            *done, self.buf = self.buf.split(b"\r\n")
            self.lines += done
    def close(self):
        self.sock.close()
def measure(label, fn, n=100):
    mon = Monitor()
    time.sleep(0.2)
    for i in range(n):
        fn(i)
    time.sleep(0.3)
    mon.close()
    sent = {}
    for line in mon.lines:
        line = line.decode("utf-8", "replace")
        if "lua]" in line or '"' not in line:
            continue  # run inside a script, or the +OK line
        cmd = line.split('"')[1].lower()
        sent[cmd] = sent.get(cmd, 0) + 1
    print(f"{label:34s} {sum(sent.values()) / n:5.2f} round trips/op  {sent}")
c.put("rt", "warm")
measure("put (existing queue)", lambda i: c.put("rt", f"p{i}"))
measure("put (first put of a new queue)", lambda i: c.put(f"rtq{i}", "x"))
measure("put_batch of 100", lambda i: c.put_batch("rtb", [{"id": f"b{i}-{j}"} for j in range(100)]))
measure("peek of 10", lambda i: c.peek("rt", size=10))
measure("acquire of 1 id", lambda i: c.acquire("rt", [f"p{i}"], 60))
measure("reply", lambda i: c.reply("rt", f"p{i}", info="ok"))
measure("call (cached result)", lambda i: c.call("rt", f"p{i}", 1))
measure("take of 10", lambda i: c.take("rtb", 60, size=10))
measure("acquire of 1000 ids", lambda i: c.acquire("rtb", [f"b{i}-{j}" for j in range(100)] * 10, 60), n=20)
measure("touch", lambda i: c.touch("rt", "missing", 10))
measure("stat_queue", lambda i: c.stat_queue("rt"))
measure("remove", lambda i: c.remove("rt", f"p{i}"))
PY
