#!/usr/bin/env bash
# What every Redis operation pays before its own work: the top level of lib.lua (which
# RedisStore prepends to every script), run as `lib.lua` + `return 1` through EVALSHA by
# redis-benchmark against a redis-server of its own, beside a bare `return 1`. Alternates
# the given lib.lua files over ROUNDS rounds (the machine is shared: compare within a run).
# Prints Redis's usec_per_call (INFO commandstats) per file and round; for a lib.lua with
# begin_call() also the same through a Function library and FCALL (how the server runs
# the scripts on Redis 7).
#
#   bench/redis_lib_prologue.sh LIB.lua [LIB.lua ...]     env: ROUNDS (3), N (40000), C (4)
set -euo pipefail
rounds=${ROUNDS:-3}; n=${N:-40000}; c=${C:-4}
source "$(dirname "$0")/../tests/redis/private_redis.sh"
start_private_redis
port=$REDIS_PORT work=$REDIS_DIR
per_call() {  # script-text numkeys args...
  local sha
  sha=$(redis-cli -p "$port" script load "$1")
  shift
  redis-cli -p "$port" config resetstat >/dev/null
  redis-benchmark -p "$port" -c "$c" -n "$n" EVALSHA "$sha" "$@" >/dev/null 2>&1
  redis-cli -p "$port" info commandstats | sed -n 's/^cmdstat_evalsha:.*usec_per_call=\([0-9.]*\).*/\1/p'
}
# The Functions way (a lib.lua with begin_call, scripts.cpp): the library loaded once,
# then FCALL of a function that runs begin_call and returns 1.
fcall_per_call() {  # lib.lua
  { echo '#!lua name=prologue'; cat "$1"; echo
    echo "redis.register_function('prologue', function(KEYS, ARGV) begin_call(KEYS, ARGV) return 1 end)"
  } > "$work/library.lua"
  redis-cli -p "$port" -x function load replace < "$work/library.lua" >/dev/null
  redis-cli -p "$port" config resetstat >/dev/null
  redis-benchmark -p "$port" -c "$c" -n "$n" FCALL prologue 2 'bench:{rb}:' 'bench:{rb}:stats' \
    rb "$(date +%s%3N)" benchorigin benchchan >/dev/null 2>&1
  redis-cli -p "$port" info commandstats | sed -n 's/^cmdstat_fcall:.*usec_per_call=\([0-9.]*\).*/\1/p'
}
for round in $(seq "$rounds"); do
  echo "round $round: bare 'return 1' $(per_call 'return 1' 0) us/call"
  for lib in "$@"; do
    begin=""
    grep -q '^local function begin_call(' "$lib" && begin='begin_call(KEYS, ARGV)'
    # KEYS[1] a queue's key base that does not exist; ARGV as RedisStore sends them.
    echo "round $round: $lib + 'return 1' (EVALSHA) $(per_call "$(cat "$lib"; echo; echo "$begin"; echo 'return 1')" 1 \
      'bench:{rb}:' rb "$(date +%s%3N)" benchorigin benchchan) us/call"
    if [[ -n $begin ]]; then
      echo "round $round: $lib as a Function library, FCALL of begin_call + 'return 1' $(fcall_per_call "$lib") us/call"
    fi
  done
done
