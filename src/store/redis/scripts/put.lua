-- put.lua: creates each task unless its id exists in the queue in any state (put and
-- put_batch; one call = one atomic step for the whole batch).
-- KEYS[1]  queue key base (see lib.lua); ARGV[1..4] common (lib.lua)
-- ARGV[5]  n, the number of tasks; then 9 values per task:
--          id, info, content, cache_ms, forward_to ("" none), max_attempts,
--          dead_letter_to ("" none), delay_ms, extras (the Version 2 fields: "" for
--          the defaults, else "priority|cost|retry_delay_ms|deadline_ms|batch_key";
--          messages.cpp encode_task_extras)
-- reply    { new_queue (1 if this call created the queue), created_1 (0/1), ..., created_n }
apply_due(DUE_LIMIT)
local new_queue = QUEUE_EXISTS and 0 or 1
local n = tonumber(ARGV[5])
local tasks = {}
for i = 0, n - 1 do
  local a = 6 + i * 9
  tasks[i + 1] = {ARGV[a], ARGV[a + 1], ARGV[a + 2], tonumber(ARGV[a + 3]), ARGV[a + 4],
                  tonumber(ARGV[a + 5]), ARGV[a + 6], tonumber(ARGV[a + 7]), ARGV[a + 8]}
end
local created = create_tasks(tasks)
local out = {new_queue}
for i = 1, n do out[i + 1] = created[i] end
return finish(out)
