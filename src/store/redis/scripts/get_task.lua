-- get_task.lua: what a client sees of one task (/task/get). O(1).
-- KEYS[1]  queue key base; ARGV[1..4] common (lib.lua)
-- ARGV[5]  id   ARGV[6] "1" to include the task's content
-- reply    {} when there is no such task, else one row as list_tasks.lua's
--          {id, state, info, attempt, age_ms, ms_left or "", key, priority, cost,
--          batch_key, last_error info, last_error content, source_queue} followed by
--          content (the result's when done; the task's with ARGV[6]; else "") and
--          result_info ("" unless done)
-- The Version 2 fields of a view, appended to its row: priority, cost (%.17g: exact),
-- batch_key ('' none), last_error info ('' none: it is JSON text when there) and content,
-- source_queue ('' none).
local function append_fields(row, m)
  row[#row + 1] = string.format('%d', m[M_PRIORITY] or 0)
  row[#row + 1] = string.format('%.17g', m[M_COST] or 1)
  row[#row + 1] = m[M_BKEY] or ''
  row[#row + 1] = m[M_LAST_ERROR_INFO] or ''
  row[#row + 1] = m[M_LAST_ERROR_CONTENT] or ''
  local source = m[M_SOURCE_QUEUE]
  row[#row + 1] = source and source[1] or ''
end
apply_due(DUE_LIMIT)
local id = ARGV[5]
local m = get_meta(id)
if not m then return finish({}) end
local s = m[M_STATE]
local deadline = nil
if s == 'D' then deadline = redis.call('ZSCORE', K_DELAYED, m[M_CKEY] .. id)
elseif s == 'L' then deadline = redis.call('ZSCORE', K_LEASED, m[M_CKEY] .. id) end
local left = ''
if deadline then left = string.format('%d', math.max(tonumber(deadline) - NOW, 0)) end
local row = {id, s, s == 'F' and 'null' or m[M_INFO], string.format('%d', m[M_ATTEMPTS]),
             string.format('%d', math.max(NOW - (m[M_CREATED] or NOW), 0)), left,
             s == 'P' and m[M_CKEY] or id}
append_fields(row, m)
row[#row + 1] = (s == 'F' or ARGV[6] == '1') and m[M_CONTENT] or ''
row[#row + 1] = s == 'F' and m[M_RINFO] or ''
return finish(row)
