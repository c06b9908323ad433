#!/usr/bin/env bash
# Server instructions per put on the Redis backend (this VM has no hardware counters for
# `perf stat`): the server under callgrind with one HTTP thread, a private redis-server,
# `taskcenter-bench put --connections 4` for 5 s; counters are zeroed after startup and
# dumped before shutdown, so startup and teardown do not count.
#
#   tests/redis/callgrind_put.sh TASKCENTER_BINARY [BENCH]   (BENCH: build-redis/bench/taskcenter-bench)
set -euo pipefail
cd "$(dirname "$0")/../.."
BIN=$1
BENCH=${2:-build-redis/bench/taskcenter-bench}
TMP=$(mktemp -d)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no --dir "$TMP" >/dev/null 2>&1 &
rpid=$!
trap 'kill $rpid 2>/dev/null; wait $rpid 2>/dev/null; rm -rf "$TMP"' EXIT
sleep 0.3
valgrind --tool=callgrind --callgrind-out-file="$TMP/cg.out" "$BIN" --host 127.0.0.1 --port 0 \
  --port-file "$TMP/port" --threads 1 --redis "redis://127.0.0.1:$port/0" 2>/dev/null &
tpid=$!
for _ in $(seq 200); do [[ -s $TMP/port ]] && break; sleep 0.1; done
sleep 2
callgrind_control -z "$tpid" >/dev/null 2>&1
"$BENCH" put --url "http://127.0.0.1:$(cat "$TMP/port")" --connections 4 --duration 5 --warmup 0 \
  --ceiling none --csv "$TMP/put.csv" >/dev/null 2>&1
callgrind_control -d "$tpid" >/dev/null 2>&1
sleep 1
kill "$tpid"; wait "$tpid" || true
puts=$(tail -1 "$TMP/put.csv" | cut -d, -f11)
total=$(callgrind_annotate "$(ls "$TMP"/cg.out.* | head -1)" 2>/dev/null | grep "PROGRAM TOTALS" | awk '{gsub(",","",$1); print $1}')
echo "$total instructions over $puts puts = $((total / puts)) per put"
