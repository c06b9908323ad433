#!/usr/bin/env bash
# Smoke test of the load generator (not a timing test): starts a memory-only server on a
# free port, runs a 1-second put, a short cycle, a short overlapped call scenario (take the
# next batch while the last one's reply_batch is in flight) and the stream scenario, and
# checks that each printed its row and the call and stream rows counted no errors.
set -euo pipefail
bench=$1
server=$2
dir=$(mktemp -d)
trap 'kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; rm -rf "$dir"' EXIT
"$server" --host 127.0.0.1 --port 0 --port-file "$dir/port" --data-dir '' >"$dir/server.log" 2>&1 &
pid=$!
for _ in $(seq 200); do
  [[ -s "$dir/port" ]] && break
  sleep 0.05
done
port=$(cat "$dir/port")
url="http://127.0.0.1:$port"
"$bench" put --url "$url" --connections 2 --duration 1 --warmup 0.2 --ceiling none --csv "$dir/out.csv" | tee "$dir/put.txt"
grep -q '^put ' "$dir/put.txt"
"$bench" cycle --url "$url" --producers 1 --consumers 1 --batch 4 --duration 1 --warmup 0.2 --ceiling none --csv "$dir/out.csv" | tee "$dir/cycle.txt"
grep -q '^cycle ' "$dir/cycle.txt"
"$bench" call --url "$url" --callers 8 --consumers 1 --batch 4 --reply batch --overlap 1 --duration 1 \
  --warmup 0.2 --ceiling none --csv "$dir/out.csv" | tee "$dir/call.txt"
grep -q '^call .*overlapped take' "$dir/call.txt"
# errors is the 19th CSV field: the overlapped consumer's two connections answer cleanly.
[[ $(tail -1 "$dir/out.csv" | cut -d, -f19) == 0 ]]
# The stream scenario, both ways, with the trivial round trip beside each: every event the
# sender posted in the window reached the reader (ops counted, no errors).
"$bench" stream --url "$url" --duration 1 --warmup 0.2 --csv "$dir/out.csv" | tee "$dir/stream.txt"
grep -q '^stream .* watch .*progress -> watch stream line' "$dir/stream.txt"
grep -q '^stream .* call .*progress -> call stream line' "$dir/stream.txt"
while IFS= read -r row; do
  [[ $(echo "$row" | cut -d, -f19) == 0 && $(echo "$row" | cut -d, -f11) -gt 0 ]]
done < <(tail -4 "$dir/out.csv")
[[ $(wc -l <"$dir/out.csv") -eq 8 ]]
echo "bench smoke ok"
