#!/usr/bin/env bash
# Server instructions per operation on the embedded memory store, under callgrind (this
# VM has no hardware counters for `perf stat`). Instruction counts do not depend on how
# loaded the machine is, so an A/B of two binaries made this way holds while other work
# runs; throughput A/Bs (bench/ab_embedded.sh) need a quiet machine.
#
#   bench/callgrind_embedded.sh BINARY BENCH [put|cycle|call] [PROFILE_COPY]
#
# put:   `taskcenter-bench put --connections 4`: instructions per put.
# cycle: `taskcenter-bench cycle --batch 1`, 2 producers and 2 consumers: instructions per
#        put + take + reply of one task (the bench counts replies).
# call:  `taskcenter-bench call --callers 64 --batch 64 --reply batch`, one consumer:
#        instructions per synchronous call, its share of take and reply_batch included.
# The server runs with one HTTP thread and no data directory; callgrind's counters are
# zeroed after start-up and dumped before shutdown, so start-up and teardown do not count.
# The bench runs 5 s (DURATION overrides). PROFILE_COPY keeps the callgrind profile, for
# callgrind_annotate or bench/callgrind_groups.py.
# Prints: "<scenario> <total> instructions over <ops> ops = <per op> per op".
set -euo pipefail
BIN=${1:?taskcenter binary}
BENCH=${2:?taskcenter-bench binary}
SCENARIO=${3:-put}
KEEP=${4:-}
DURATION=${DURATION:-5}
case $SCENARIO in
  put) args=(put --connections 4) ;;
  cycle) args=(cycle --batch 1 --producers 2 --consumers 2) ;;
  call) args=(call --callers 64 --consumers 1 --batch 64 --reply batch) ;;
  *) echo "scenario is put, cycle or call, not '$SCENARIO'" >&2; exit 2 ;;
esac
TMP=$(mktemp -d)
tpid=
cleanup() {
  [[ -n $tpid ]] && kill "$tpid" 2>/dev/null && wait "$tpid" 2>/dev/null
  rm -rf "$TMP"
}
trap cleanup EXIT
valgrind --tool=callgrind --callgrind-out-file="$TMP/cg.out" "$BIN" --host 127.0.0.1 --port 0 \
  --port-file "$TMP/port" --threads 1 --data-dir '' >"$TMP/server.log" 2>&1 &
tpid=$!
for _ in $(seq 300); do [[ -s $TMP/port ]] && break; sleep 0.1; done
[[ -s $TMP/port ]] || { echo "the server did not start:" >&2; cat "$TMP/server.log" >&2; exit 1; }
sleep 2
callgrind_control -z "$tpid" >/dev/null 2>&1
"$BENCH" "${args[@]}" --url "http://127.0.0.1:$(cat "$TMP/port")" --duration "$DURATION" \
  --warmup 0 --ceiling none --csv "$TMP/run.csv" >/dev/null 2>&1
callgrind_control -d "$tpid" >/dev/null 2>&1
sleep 1
kill "$tpid"; wait "$tpid" || true
tpid=
ops=$(tail -1 "$TMP/run.csv" | cut -d, -f11)
profile=$(ls "$TMP"/cg.out.* | head -1)
total=$(callgrind_annotate "$profile" 2>/dev/null | grep "PROGRAM TOTALS" |
  awk '{gsub(",","",$1); print $1}')
[[ -n $KEEP ]] && cp "$profile" "$KEEP"
echo "$SCENARIO $total instructions over $ops ops = $((total / ops)) per op"
