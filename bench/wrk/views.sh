#!/usr/bin/env bash
# get and list_tasks requests/s beside put, in one run on one embedded server, alternating
# rounds so each sees the same machine load: IDS tasks are put first (get picks one at
# random, list_tasks pages the first SIZE pending ones), then each round runs wrk on put,
# get and list_tasks in turn. Prints each round's requests/s and the ratio to put.
#
# Usage: bench/wrk/views.sh [path/to/taskcenter] [rounds] [seconds]
# Env: IDS (100000), SIZE (100), CONNECTIONS (32), WRK_THREADS (2), THREADS (2).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
binary=${1:-$here/../../build/taskcenter}
rounds=${2:-3}
seconds=${3:-5}
ids=${IDS:-100000}
size=${SIZE:-100}
connections=${CONNECTIONS:-32}
wrk_threads=${WRK_THREADS:-2}
work=$(mktemp -d)
cleanup() {
  [[ -n ${tc_pid:-} ]] && kill "$tc_pid" 2>/dev/null || true
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
"$binary" --host 127.0.0.1 --port 0 --port-file "$work/port" --data-dir '' \
  --threads "${THREADS:-2}" >"$work/tc.log" 2>&1 &
tc_pid=$!
for _ in $(seq 100); do [[ -s $work/port ]] && break; sleep 0.1; done
url="http://127.0.0.1:$(cat "$work/port")"
python3 - "$url" "$ids" <<'PY'
import json, sys, urllib.request
url, n = sys.argv[1], int(sys.argv[2])
for start in range(0, n, 1000):
    body = {"queue": "views", "tasks": [{"id": f"t{i}", "info": {"n": i}}
                                        for i in range(start, min(n, start + 1000))]}
    req = urllib.request.Request(url + "/task/put_batch", json.dumps(body).encode(),
                                 {"Content-Type": "application/json"})
    assert json.load(urllib.request.urlopen(req))["err_code"] == "0000"
PY
rps() {  # scenario script [env...]
  local script=$1; shift
  env "$@" wrk -t"$wrk_threads" -c"$connections" -d"${seconds}s" -s "$here/$script" "$url" |
    awk '/Requests\/sec/ {print $2}'
}
echo "round put/s get/s list_tasks/s get/put list_tasks/put ($ids tasks queued, pages of $size)"
for round in $(seq "$rounds"); do
  put=$(rps put.lua QUEUE=views-put)
  get=$(rps get.lua QUEUE=views IDS="$ids" PREFIX=t)
  list=$(rps list_tasks.lua QUEUE=views SIZE="$size")
  awk -v r="$round" -v p="$put" -v g="$get" -v l="$list" \
    'BEGIN {printf "%d %.0f %.0f %.0f %.2f %.2f\n", r, p, g, l, g / p, l / p}'
done
