#!/usr/bin/env bash
# One command for the whole benchmark: builds Release, starts each server on a free
# loopback port (fresh per scenario group), runs every scenario with the trivial-responder
# ceiling measured in the same run, adds nginx and redis-benchmark ceilings when present,
# and writes bench/results/run-<UTC time>.{csv,txt} (+ latest.csv, latest.txt, latest.png).
#
#   bench/run.sh                  full run (~10-12 minutes)
#   QUICK=1 bench/run.sh          1-second runs, fewer rows (a check that everything works)
#   TARGETS=1 bench/run.sh        only the rows the Version 2 targets are judged by (~3 minutes,
#                                 bench/results/targets-<UTC time>.{csv,txt} and targets-latest.*):
#                                 batched calls (64 and 256 callers, reply and reply_batch), the
#                                 cycle with take 16 + reply_batch (memory, one Redis instance),
#                                 stream latency (embedded; Redis across two instances)
#   DURATION=5 BUILD_DIR=... RESULTS_DIR=... SKIP_REDIS=1 SKIP_NGINX=1 OPEN_RATE=5000 OPEN_CALL_RATE=500 bench/run.sh
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
BUILD=${BUILD_DIR:-$ROOT/build-bench}
QUICK=${QUICK:-0}
TARGETS=${TARGETS:-0}
DURATION=${DURATION:-$([[ $QUICK = 1 ]] && echo 1 || echo 3)}
WARMUP=${WARMUP:-$([[ $QUICK = 1 ]] && echo 0.3 || echo 1)}
RESULTS=${RESULTS_DIR:-$ROOT/bench/results}
STAMP=$(date -u +%Y%m%dT%H%M%SZ)
KIND=$([[ $TARGETS = 1 ]] && echo targets || echo run)  # a targets run keeps its own "latest"
CSV=$RESULTS/$KIND-$STAMP.csv
LOG=$RESULTS/$KIND-$STAMP.txt
mkdir -p "$RESULTS"

# Release build, every option explicit (the folder is this script's own).
cmake -S . -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release -DTC_TESTS=OFF -DTC_WERROR=ON -DTC_SANITIZE=OFF >/dev/null
ninja -C "$BUILD" -j2 taskcenter taskcenter_bench
BENCH=$BUILD/bench/taskcenter-bench
SERVER=$BUILD/taskcenter

ulimit -n "$(ulimit -Hn)"  # 10,000 idle waiters need as many descriptors on both sides
TMP=$(mktemp -d)
PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$TMP"
}
trap cleanup EXIT

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
say() { echo "$*" | tee -a "$LOG"; }
# A failed scenario is reported and the run goes on with the next one.
bench() {
  "$BENCH" "$@" --duration "$DURATION" --warmup "$WARMUP" --csv "$CSV" 2>&1 | tee -a "$LOG" ||
    say "FAILED: taskcenter-bench $*"
}

# start_server NAME ARGS... : starts a taskcenter, sets URL and SERVER_PID (0 on failure).
start_server() {
  local name=$1; shift
  local dir=$TMP/$name-$RANDOM
  mkdir -p "$dir"
  "$SERVER" --host 127.0.0.1 --port 0 --port-file "$dir/port" --max-connections 15000 --max-connections-per-client 0 "$@" \
    >"$dir/log" 2>&1 &
  SERVER_PID=$!
  PIDS+=("$SERVER_PID")
  for _ in $(seq 100); do
    if [[ -s $dir/port ]]; then URL=http://127.0.0.1:$(cat "$dir/port"); return 0; fi
    if ! kill -0 "$SERVER_PID" 2>/dev/null; then break; fi
    sleep 0.05
  done
  say "server $name did not start: $(tail -3 "$dir/log")"
  SERVER_PID=0
  return 1
}
stop_pid() { kill "$1" 2>/dev/null || true; wait "$1" 2>/dev/null || true; }

say "# taskcenter benchmark $STAMP on $(nproc) x $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), load $(cut -d' ' -f1-3 /proc/loadavg)"

# The ceiling: the tool's trivial responder, same threads as the server (one per CPU).
"$BENCH" --serve-trivial 0 >"$TMP/trivial" &
PIDS+=($!)
for _ in $(seq 100); do [[ -s $TMP/trivial ]] && break; sleep 0.05; done
CEILING=http://127.0.0.1:$(awk '{print $2}' "$TMP/trivial")

CONNS=$([[ $QUICK = 1 ]] && echo 1,16 || echo 1,4,16,64,256)
BATCHES=$([[ $QUICK = 1 ]] && echo 16 || echo 1,16,64)
CALLERS=$([[ $QUICK = 1 ]] && echo 1 || echo 1,16,64)
DEPTHS=$([[ $QUICK = 1 ]] && echo 1k || echo 1k,100k,1m)
WAITERS=$([[ $QUICK = 1 ]] && echo 1000 || echo 10000)

[[ $TARGETS = 1 ]] || bench ceiling --url "$CEILING" --label trivial --connections "$CONNS" --ceiling none

if [[ $TARGETS = 1 ]]; then
  say "nginx: skipped (TARGETS=1)"
elif [[ ${SKIP_NGINX:-0} != 1 ]] && command -v nginx >/dev/null; then
  port=$(free_port)
  mkdir -p "$TMP/nginx"
  cat >"$TMP/nginx/nginx.conf" <<CONF
worker_processes $(nproc);
daemon off;
pid $TMP/nginx/nginx.pid;
error_log $TMP/nginx/error.log;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path $TMP/nginx;
  proxy_temp_path $TMP/nginx; fastcgi_temp_path $TMP/nginx; uwsgi_temp_path $TMP/nginx; scgi_temp_path $TMP/nginx;
  keepalive_requests 1000000;
  server {
    listen 127.0.0.1:$port reuseport;
    location / { default_type application/json; return 200 '{"err_code":"0000","data":true}'; }
  }
}
CONF
  nginx -p "$TMP/nginx" -c "$TMP/nginx/nginx.conf" 2>>"$LOG" &
  nginx_pid=$!
  PIDS+=("$nginx_pid")
  sleep 0.5
  bench ceiling --url "http://127.0.0.1:$port" --label nginx --connections "$CONNS" --ceiling none \
    --server-pid "$(pgrep -d, -P "$nginx_pid" || echo "$nginx_pid")"
  stop_pid "$nginx_pid"
else
  say "nginx: skipped"
fi

# run_targets LABEL URLS PIDS : the rows the Version 2 targets are judged by.
run_targets() {
  local label=$1 urls=$2 pids=$3
  local common=(--url "$urls" --label "$label" --ceiling "$CEILING" --server-pid "$pids")
  # The batched-call targets are the embedded store's; Redis is judged by the cycle.
  [[ $label != memory ]] || bench call "${common[@]}" --callers 64,256 --consumers 1 --batch 64 --reply both
  bench cycle "${common[@]}" --producers 8 --consumers 8 --batch 16 --put-batch 16 --reply both
  # progress -> stream line: the sender on the first URL, the reader on the last.
  bench stream "${common[@]}"
}

# run_backend LABEL URLS PIDS : every scenario against servers already started.
run_backend() {
  local label=$1 urls=$2 pids=$3
  local common=(--url "$urls" --label "$label" --ceiling "$CEILING" --server-pid "$pids")
  if [[ $TARGETS = 1 ]]; then
    run_targets "$@"
    return
  fi
  bench put "${common[@]}" --connections "$CONNS"
  bench cycle "${common[@]}" --batch "$BATCHES"
  bench cycle "${common[@]}" --batch 16 --mode peek
  bench call "${common[@]}" --callers "$CALLERS" --consumers 1
  # Open loop: latency at a fixed offered load, charged from the intended send time.
  bench put --url "$urls" --label "$label" --ceiling none --server-pid "$pids" --connections 16 --rate "${OPEN_RATE:-5000}"
  bench call --url "$urls" --label "$label" --ceiling none --server-pid "$pids" --callers 4 --consumers 1 --rate "${OPEN_CALL_RATE:-500}"
  # Batches answered with one reply_batch beside the same load answered one by one.
  bench call "${common[@]}" --callers 64,256 --consumers 1 --batch 64 --reply both
  bench cycle "${common[@]}" --batch 16 --reply both
  bench stream "${common[@]}"
}

# Embedded store, memory only. idle runs first on a fresh server ("above the empty server").
if [[ $TARGETS != 1 ]]; then
  start_server memory-idle --data-dir ''
  bench idle --url "$URL" --label memory --waiters "$WAITERS" --ceiling none --server-pid "$SERVER_PID"
  stop_pid "$SERVER_PID"
fi
start_server memory --data-dir ''
run_backend memory "$URL" "$SERVER_PID"
stop_pid "$SERVER_PID"
# depth on a fresh server: memory freed by earlier scenarios (expired results) would be
# reused by the fill and hide the per-task cost.
if [[ $TARGETS != 1 ]]; then
  start_server memory-depth --data-dir ''
  bench depth --url "$URL" --label memory --ceiling "$CEILING" --server-pid "$SERVER_PID" --depths "$DEPTHS"
  stop_pid "$SERVER_PID"
fi

# Redis: 1 and 3 taskcenter instances sharing one redis-server.
if [[ ${SKIP_REDIS:-0} == 1 ]]; then
  say "redis: skipped (SKIP_REDIS=1)"
elif ! command -v redis-server >/dev/null; then
  say "redis: skipped (no redis-server)"
else
  rport=$(free_port)
  redis-server --port "$rport" --bind 127.0.0.1 --save '' --appendonly no >"$TMP/redis.log" 2>&1 &
  redis_pid=$!
  PIDS+=("$redis_pid")
  for _ in $(seq 100); do redis-cli -p "$rport" ping >/dev/null 2>&1 && break; sleep 0.05; done
  REDIS=redis://127.0.0.1:$rport
  if start_server redis-probe --redis "$REDIS" && sleep 0.5 && kill -0 "$SERVER_PID" 2>/dev/null; then
    stop_pid "$SERVER_PID"
    # Redis ceiling: redis-benchmark running the put script (lib.lua + put.lua, as the
    # server sends it), unpipelined, at the same connection counts.
    scripts=$ROOT/src/store/redis/scripts
    if [[ $TARGETS = 1 ]]; then
      say "redis-benchmark ceiling: skipped (TARGETS=1)"
    elif [[ -f $scripts/put.lua && -f $scripts/lib.lua ]]; then
      src=$(cat "$scripts/lib.lua"; echo; cat "$scripts/put.lua")
      sha=$(redis-cli -p "$rport" SCRIPT LOAD "$src")
      now=$(date +%s%3N)
      for c in $(echo "${REDIS_BENCH_CONNS:-1,16,64}" | tr , " "); do
        for cmd in EVALSHA EVAL; do
          body=$sha; [[ $cmd == EVAL ]] && body=$src
          rps=$(redis-benchmark -p "$rport" -c "$c" -n "${REDIS_BENCH_REQUESTS:-10000}" -r 1000000000 --csv \
                  "$cmd" "$body" 1 'bench:{rb}:' rb "$now" benchorigin benchchan 1 'id:__rand_int__' \
                  '{"n":1}' 0123456789abcdef 60000 '' 0 '' 0 | tail -1 | cut -d, -f2 | tr -d '"')
          say "redis-benchmark $cmd put.lua -c $c: $rps requests/s"
          echo "$(date -u +%Y-%m-%dT%H:%M:%SZ),redis-ceiling,redis,$cmd,$c,$c,0,0,0,,,,${rps},,,,,,0,,,,,,redis-benchmark $cmd of lib.lua+put.lua unpipelined" >>"$CSV"
        done
      done
      redis-cli -p "$rport" FLUSHALL >/dev/null
    else
      say "redis ceiling: skipped (no src/store/redis/scripts/put.lua)"
    fi
    redis-cli -p "$rport" CONFIG RESETSTAT >/dev/null
    start_server redis1 --redis "$REDIS"
    run_backend redis1 "$URL" "$SERVER_PID"
    [[ $TARGETS = 1 ]] ||
      bench depth --url "$URL" --label redis1 --ceiling "$CEILING" --server-pid "$SERVER_PID" --depths 1k,100k
    stop_pid "$SERVER_PID"
    # Time Redis itself spent per script call (the server runs each op as one FCALL, or
    # EVALSHA where Functions are refused).
    say "redis commandstats after redis1 (usec_per_call is Redis' own time per script call):"
    redis-cli -p "$rport" INFO commandstats | grep -E 'fcall|eval|publish|subscribe' | tee -a "$LOG"
    redis-cli -p "$rport" FLUSHALL >/dev/null
    urls=(); pids=()
    for i in 1 2 3; do start_server "redis3-$i" --redis "$REDIS"; urls+=("$URL"); pids+=("$SERVER_PID"); done
    joined_urls=$(IFS=,; echo "${urls[*]}"); joined_pids=$(IFS=,; echo "${pids[*]}")
    if [[ $TARGETS = 1 ]]; then
      # Only the stream across instances (the sender on the first, the reader on the last).
      bench stream --url "$joined_urls" --label redis3 --ceiling "$CEILING" --server-pid "$joined_pids"
    else
      bench idle --url "$joined_urls" --label redis3 --waiters "$WAITERS" --ceiling none --server-pid "$joined_pids"
      run_backend redis3 "$joined_urls" "$joined_pids"
      bench depth --url "$joined_urls" --label redis3 --ceiling "$CEILING" --server-pid "$joined_pids" --depths 1k,100k
    fi
    for p in "${pids[@]}"; do stop_pid "$p"; done
  else
    say "redis: skipped (this taskcenter has no working --redis backend yet)"
  fi
  stop_pid "$redis_pid"
fi

if [[ $TARGETS = 1 ]]; then
  cp "$CSV" "$RESULTS/targets-latest.csv"
  cp "$LOG" "$RESULTS/targets-latest.txt"
  say "results: $CSV"
  exit 0
fi
cp "$CSV" "$RESULTS/latest.csv"
cp "$LOG" "$RESULTS/latest.txt"
if /usr/bin/python3 -c 'import matplotlib' 2>/dev/null; then
  /usr/bin/python3 "$ROOT/bench/plot.py" "$RESULTS/latest.csv" "$RESULTS/latest.png" | tee -a "$LOG"
else
  say "plot: skipped (apt-get install -y python3-matplotlib)"
fi
say "results: $CSV"
