#!/usr/bin/env python3
"""Groups a callgrind profile of the server by component (self cost) and divides by the
number of requests it served. How docs/performance.md profile 1 was made:

    valgrind --tool=callgrind --callgrind-out-file=put.out build-bench/taskcenter \
        --port 0 --port-file port --data-dir '' --threads 1 &
    build-bench/bench/taskcenter-bench put --url http://127.0.0.1:$(cat port) \
        --connections 4 --duration 5 --warmup 0 --ceiling none --csv put.csv
    kill %1; python3 bench/callgrind_groups.py put.out $(tail -1 put.csv | cut -d, -f11)
"""
import re, subprocess, sys, collections
out = subprocess.run(["callgrind_annotate", "--threshold=100", sys.argv[1]], capture_output=True, text=True).stdout
rows = []
started = False
for line in out.splitlines():
    if "file:function" in line: started = True; continue
    if not started: continue
    m = re.match(r"\s*([\d,]+)\s+\(\s*[\d.]+%\)\s+(.*)", line)
    if m: rows.append((int(m.group(1).replace(",", "")), m.group(2)))
total = sum(r[0] for r in rows)
groups = [
 ("beast write/serializer (buffers_cat/suffix/prefix, serializer, write_op)", r"buffers_cat_view|buffers_suffix|buffers_prefix|serializer|write_some_op|write_op|write_msg_op|reactive_socket_send_op|variant<boost::asio::const_buffer const\*"),
 ("beast read/parser (basic_parser, fields, read_op)", r"basic_parser|basic_fields|read_some_op|read_op|reactive_socket_recv_op|bstree_impl|flat_buffer|basic_flat"),
 ("malloc/free/new/delete", r"malloc|free|operator new|operator delete|_int_|cfree"),
 ("asio scheduler/any_executor/awaitable/timers", r"any_executor|scheduler|awaitable|executor_op|executor_function|epoll|wait_handler|timer|co_spawn|mutex|strand|handler_work"),
 ("simdjson parse", r"simdjson"),
 ("taskcenter api/json (parse_*, handlers, json writer)", r"tc::parse|tc::json|tc::detail|tc::Api|tc::\(anonymous namespace\)::(put|take|reply|peek|call|acquire)|JsonWriter|tc::write|base64|tc::.*encode|Response"),
 ("taskcenter service/store", r"tc::TaskService|tc::memory|tc::MemoryStore|Hashtable|_Hash_bytes|WaiterRegistry|tc::Cursor|rb_tree|_Rb_tree"),
 ("transport (tc::Server)", r"tc::Server"),
 ("memcpy/memmove/strings", r"memcpy|memmove|memset|memchr|strlen|basic_string|memcmp"),
]
acc = collections.Counter(); other = []
for cost, fn in rows:
    for name, pat in groups:
        if re.search(pat, fn): acc[name] += cost; break
    else:
        acc["other"] += cost; other.append((cost, fn[:150]))
n = float(sys.argv[2]) if len(sys.argv) > 2 else 0
print(f"total Ir {total:,}" + (f" = {total/n:,.0f} per request over {n:.0f} requests" if n else ""))
for name, cost in acc.most_common():
    print(f"{100*cost/total:5.1f}%  {cost/n if n else cost:>10,.0f}  {name}")
for cost, fn in sorted(other, reverse=True)[:8]:
    print("   other:", f"{100*cost/total:4.1f}%", fn)
