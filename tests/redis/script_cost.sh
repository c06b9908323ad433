#!/usr/bin/env bash
# Redis's own CPU time per call of the put, take (16), reply and reply_batch (16) scripts, without the
# network: each script runs N times inside one EVAL (N/16 for take), on a private
# redis-server, timed by that process's CPU time (/proc/PID/stat utime+stime, 10 ms
# ticks), so neither the client nor a preempted Redis counts. Compare two script
# directories in one run (e.g. a checkout of the previous commit's scripts):
#
#   tests/redis/script_cost.sh [SCRIPTS_DIR...]   (default src/store/redis/scripts)
#   N=32000 ROUNDS=2 tests/redis/script_cost.sh /tmp/old/scripts src/store/redis/scripts
set -euo pipefail
cd "$(dirname "$0")/../.."
N=${N:-32000}
ROUNDS=${ROUNDS:-2}
DIRS=("$@")
[[ ${#DIRS[@]} -gt 0 ]] || DIRS=(src/store/redis/scripts)
source tests/redis/private_redis.sh
start_private_redis
port=$REDIS_PORT pid=$REDIS_PID

cpu() { awk '{print $14+$15}' "/proc/$pid/stat"; }
# runloop DIR OP ITERATIONS LUA_PER_ITERATION ARGV_FROM_5...
runloop() {
  local dir=$1 op=$2 n=$3 setup=$4
  shift 4
  local body src t0 t1 r
  # A lib.lua that sets a call's state in begin_call() needs it first (scripts.cpp);
  # this loop is the EVAL way, lib.lua's top level on every call.
  local begin=""
  grep -q '^local function begin_call(' "$dir/lib.lua" && begin="begin_call(KEYS, ARGV)"
  body="$(cat "$dir/lib.lua"; echo; echo "$begin"; cat "$dir/$op.lua")"
  src="for it = 1, $n do $setup; local r = (function() $body
end)() end return 1"
  t0=$(cpu)
  r=$(redis-cli -p "$port" eval "$src" 1 'bench:{rb}:' rb "$(date +%s%3N)" benchorigin benchchan "$@")
  t1=$(cpu)
  [[ $r == 1 ]] || { echo "$op: $r"; return 1; }
  # ticks of 10 ms -> us per call, one decimal
  local tenths=$(( (t1 - t0) * 100000 / n ))
  printf '%s %d.%d us  ' "$op" $((tenths / 10)) $((tenths % 10))
}
for round in $(seq "$ROUNDS"); do
  for dir in "${DIRS[@]}"; do
    redis-cli -p "$port" flushall >/dev/null
    redis-cli -p "$port" script flush >/dev/null
    printf '[%d] %-40s ' "$round" "$dir"
    runloop "$dir" put "$N" "ARGV[6] = 'id' .. it" 1 x '{"n":1}' 0123456789abcdef 60000 '' 0 '' 0
    runloop "$dir" take $((N / 16)) "local _ = 0" 60000 16
    runloop "$dir" reply "$N" "ARGV[5] = 'id' .. it" x '{"ok":1}' result0123456789
    # the same tasks again, answered 16 per reply_batch (us per call of 16 replies)
    redis-cli -p "$port" flushall >/dev/null
    runloop "$dir" put "$N" "ARGV[6] = 'id' .. it" 1 x '{"n":1}' 0123456789abcdef 60000 '' 0 '' 0 >/dev/null
    runloop "$dir" take $((N / 16)) "local _ = 0" 60000 16 >/dev/null
    runloop "$dir" reply_batch $((N / 16)) "for j = 0, 15 do ARGV[6 + 3 * j] = 'id' .. ((it - 1) * 16 + j + 1); ARGV[7 + 3 * j] = '{\"ok\":1}'; ARGV[8 + 3 * j] = 'result0123456789' end" 16
    echo
  done
done
