-- get_task.lua: what a client sees of one task (/task/get). O(1).
-- KEYS[1]  queue key base; ARGV[1..4] common (lib.lua)
-- ARGV[5]  id   ARGV[6] "1" to include the task's content
-- reply    {} when there is no such task, else one row as list_tasks.lua's (lib.lua's
--          append_view)
--          {id, state, info, attempt, age_ms, ms_left or "", key, priority, cost,
--          batch_key, last_error info, last_error content, source_queue, progress} followed by
--          content (the result's when done; the task's with ARGV[6]; else "") and
--          result_info ("" unless done)
apply_due(DUE_LIMIT)
local id = ARGV[5]
local m = get_meta(id)
if not m then return finish({}) end
local s = m[M_STATE]
local deadline = nil
if s == 'D' then deadline = redis.call('ZSCORE', K_DELAYED, m[M_CKEY] .. id)
elseif s == 'L' then deadline = redis.call('ZSCORE', K_LEASED, m[M_CKEY] .. id) end
local row = {}
append_view(row, id, m, deadline)
row[#row + 1] = (s == 'F' or ARGV[6] == '1') and m[M_CONTENT] or ''
row[#row + 1] = s == 'F' and m[M_RINFO] or ''
return finish(row)
