#!/usr/bin/env bash
# Same-run A/B of two taskcenter binaries on the embedded store (memory only, and with the
# log): put (64 connections) and the put -> take 16 -> reply cycle, in alternating rounds so
# both see the same machine; odd rounds run A first, even rounds B first, so a machine
# whose load drifts within a round favours neither. Prints one line per round and the
# median ratio B/A.
#   bench/ab_embedded.sh OLD_BINARY NEW_BINARY [ROUNDS] [BENCH_BINARY]
set -euo pipefail
A=${1:?old binary}; B=${2:?new binary}; ROUNDS=${3:-4}
BENCH=${4:-$(dirname "$0")/../build-bench/bench/taskcenter-bench}
DURATION=${DURATION:-3}
TMP=$(mktemp -d); trap 'rm -rf "$TMP"' EXIT

start() {  # start BINARY DIR ARGS... -> sets PORT, PID
  local bin=$1 dir=$2; shift 2
  mkdir -p "$dir"; rm -f "$dir/port"
  "$bin" --host 127.0.0.1 --port 0 --port-file "$dir/port" "$@" \
    >"$dir/log" 2>&1 &
  PID=$!
  for _ in $(seq 200); do [[ -s $dir/port ]] && break; sleep 0.05; done
  PORT=$(cat "$dir/port")
}
rate() {  # rate SCENARIO ARGS... : ops/s (puts, or tasks through the cycle) of the figure
  "$BENCH" "$@" --duration "$DURATION" --warmup 1 --ceiling none 2>/dev/null |
    awk -v s="$1" '$1 == s && $9 ~ /^[0-9]+$/ {v = $9} END {print v}'
}
for round in $(seq "$ROUNDS"); do
  for store in memory log; do
    sides=(A B); (( round % 2 == 0 )) && sides=(B A)
    for side in "${sides[@]}"; do
      bin=$A; [[ $side = B ]] && bin=$B
      args=(--data-dir ""); [[ $store = log ]] && args=(--data-dir "$TMP/data-$side-$round")
      start "$bin" "$TMP/$side" "${args[@]}"
      put=$(rate put --url "http://127.0.0.1:$PORT" --connections 64 --server-pid "$PID")
      cyc=$(rate cycle --url "http://127.0.0.1:$PORT" --batch 16 --server-pid "$PID")
      kill "$PID"; wait "$PID" 2>/dev/null || true
      echo "round $round $store $side put/s $put cycle tasks/s $cyc"
      echo "$store $side $put $cyc" >>"$TMP/all"
    done
  done
done
python3 - "$TMP/all" <<'PY'
import statistics, sys
rows = [l.split() for l in open(sys.argv[1])]
for store in ("memory", "log"):
    for i, name in ((2, "put"), (3, "cycle")):
        a = [float(r[i]) for r in rows if r[0] == store and r[1] == "A"]
        b = [float(r[i]) for r in rows if r[0] == store and r[1] == "B"]
        ratios = [y / x for x, y in zip(a, b) if x]
        print(f"{store:6} {name:5}  A median {statistics.median(a):9.0f}  B median {statistics.median(b):9.0f}"
              f"  B/A per round {' '.join(f'{r:.2f}' for r in ratios)}  median {statistics.median(ratios):.2f}")
PY
