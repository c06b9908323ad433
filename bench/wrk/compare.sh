#!/usr/bin/env bash
# Puts/s of taskcenter beside nginx `return 200` (the ceiling), in one run, alternating
# rounds so both see the same machine load. Also prints server CPU time per request,
# which is steadier than requests/s on a shared, busy machine.
#
# Usage: bench/wrk/compare.sh [path/to/taskcenter] [rounds] [seconds]
# Env: THREADS (server threads, default 2), WRK_THREADS (2), CONNECTIONS (32),
#      TARGET=health to send GET /healthz instead (the transport alone, no store).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
binary=${1:-$here/../../build/taskcenter}
rounds=${2:-3}
seconds=${3:-10}
threads=${THREADS:-2}
wrk_threads=${WRK_THREADS:-2}
connections=${CONNECTIONS:-32}

work=$(mktemp -d)
cleanup() {
  if [[ -n ${tc_pid:-} ]] && ! kill -0 "$tc_pid" 2>/dev/null; then
    echo "taskcenter exited early; its log:" >&2
    tail -20 "$work/tc.log" >&2
  fi
  [[ -n ${tc_pid:-} ]] && kill "$tc_pid" 2>/dev/null || true
  [[ -f $work/nginx.pid ]] && kill "$(cat "$work/nginx.pid")" 2>/dev/null || true
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# nginx: 2 workers, `return 200 "ok"`, everything under the temp dir.
nginx_port=$(free_port)
mkdir -p "$work/logs"
cat >"$work/nginx.conf" <<CONF
worker_processes 2;
pid $work/nginx.pid;
error_log $work/logs/error.log;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path $work/body; proxy_temp_path $work/proxy;
  fastcgi_temp_path $work/fastcgi; uwsgi_temp_path $work/uwsgi; scgi_temp_path $work/scgi;
  keepalive_requests 100000000;
  server { listen 127.0.0.1:$nginx_port reuseport; location / { return 200 "ok"; } }
}
CONF
# In the foreground (as a child of this script) so it shares the scheduler's view of
# this session with taskcenter and wrk: a daemon gets its own autogroup and CPU share.
/usr/sbin/nginx -p "$work" -c "$work/nginx.conf" -e "$work/logs/error.log" -g 'daemon off;' &
for _ in $(seq 100); do [[ -s $work/nginx.pid ]] && break; sleep 0.05; done

"$binary" --port 0 --port-file "$work/tc.port" --threads "$threads" --data-dir '' \
  2>"$work/tc.log" &
tc_pid=$!
for _ in $(seq 100); do [[ -s $work/tc.port ]] && break; sleep 0.05; done
tc_port=$(cat "$work/tc.port")
sleep 0.2

# CPU ticks (utime+stime) of a set of processes.
ticks() { local t=0; for p in "$@"; do t=$((t + $(awk '{print $14 + $15}' "/proc/$p/stat"))); done; echo $t; }
hz=$(getconf CLK_TCK)
nginx_workers=$(pgrep -P "$(cat "$work/nginx.pid")" | tr '\n' ' ')

# Runs wrk and appends "wrk_cpu_seconds N" to its output (its user+system CPU time).
wrk_timed() {
  python3 -c '
import resource, subprocess, sys
out = subprocess.run(sys.argv[1:], stdout=subprocess.PIPE, text=True).stdout
ru = resource.getrusage(resource.RUSAGE_CHILDREN)
print(out + "wrk_cpu_seconds %.3f" % (ru.ru_utime + ru.ru_stime))' "$@"
}

# run URL PIDS... -> "requests/s server-cpu-us-per-request wrk-cpu-us-per-request"
run() {
  local url=$1; shift
  local before after out rps requests
  before=$(ticks "$@")
  if [[ ${TARGET:-put} == health ]]; then
    out=$(wrk_timed wrk -t"$wrk_threads" -c"$connections" -d"${seconds}s" "$url/healthz")
  else
    out=$(wrk_timed wrk -t"$wrk_threads" -c"$connections" -d"${seconds}s" -s "$here/put.lua" "$url")
  fi
  after=$(ticks "$@")
  rps=$(awk '/Requests\/sec/{print $2}' <<<"$out")
  requests=$(awk '/requests in/{print $1}' <<<"$out")
  if grep -q "Non-2xx" <<<"$out"; then echo "warning: $(grep Non-2xx <<<"$out")" >&2; fi
  awk -v r="$rps" -v n="$requests" -v t=$((after - before)) -v hz="$hz" \
    -v w="$(awk '/wrk_cpu_seconds/{print $2}' <<<"$out")" \
    'BEGIN { printf "%10.0f %8.1f %8.1f", r, (n > 0 ? t * 1e6 / hz / n : 0), (n > 0 ? w * 1e6 / n : 0) }'
}

what="POST /task/put (bench/wrk/put.lua)"
[[ ${TARGET:-put} == health ]] && what="GET /healthz"
echo "wrk -t$wrk_threads -c$connections -d${seconds}s, $what; load: $(cut -d' ' -f1-3 /proc/loadavg)"
# us/req: server CPU per request; wrk: the load generator's. cpu_ratio projects the
# ratio for a machine where server and wrk share the cores and nothing else runs:
# (nginx + its wrk) / (taskcenter + its wrk) CPU per request.
printf "%-6s %10s %7s %6s %10s %7s %6s %6s %9s\n" \
  round nginx_rps us/req wrk tc_rps us/req wrk ratio cpu_ratio
for round in $(seq "$rounds"); do
  read -r n_rps n_cpu n_wrk <<<"$(run "http://127.0.0.1:$nginx_port" $nginx_workers)"
  read -r t_rps t_cpu t_wrk <<<"$(run "http://127.0.0.1:$tc_port" "$tc_pid")"
  printf "%-6s %10s %7s %6s %10s %7s %6s %6.2f %9.2f\n" "$round" "$n_rps" "$n_cpu" "$n_wrk" \
    "$t_rps" "$t_cpu" "$t_wrk" "$(awk -v a="$t_rps" -v b="$n_rps" 'BEGIN{print a/b}')" \
    "$(awk -v a="$n_cpu" -v b="$n_wrk" -v c="$t_cpu" -v d="$t_wrk" 'BEGIN{print (a+b)/(c+d)}')"
done
