# Sourced by the Redis benchmark scripts (tests/redis/script_cost.sh,
# bench/redis_lib_prologue.sh): start_private_redis starts a redis-server of their own on a
# free loopback port with a temporary directory, waits until it answers, and stops and
# removes it on exit. Sets REDIS_PORT, REDIS_PID and REDIS_DIR.
start_private_redis() {
  REDIS_DIR=$(mktemp -d)
  REDIS_PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save '' --appendonly no \
    --dir "$REDIS_DIR" >/dev/null 2>&1 &
  REDIS_PID=$!
  trap 'kill $REDIS_PID 2>/dev/null; wait $REDIS_PID 2>/dev/null; rm -rf "$REDIS_DIR"' EXIT
  for _ in $(seq 100); do
    redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1 && return 0
    sleep 0.05
  done
  echo "redis-server did not start" >&2
  return 1
}
