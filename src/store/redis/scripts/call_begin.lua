-- call_begin.lua: the atomic first step of a synchronous call: the cached result if
-- the task is finished, else put the task unless it exists (when asked to).
-- KEYS[1]  queue key base; ARGV[1..4] common (lib.lua)
-- ARGV[5]  put_if_absent (0/1)
-- ARGV[6..14] the task as in put.lua: id, info, content, cache_ms, forward_to,
--          max_attempts, dead_letter_to, delay_ms, extras
-- reply    { kind, result_info, result_content, new_queue, incarnation }
--          kind: "cached" (result follows), "exists", "created", "absent";
--          incarnation: of the task that exists or was created ("" if none or unknown)
apply_due(DUE_LIMIT)
local id = ARGV[6]
local m = get_meta(id)
if m and m[M_STATE] == 'F' then
  return finish({'cached', m[M_RINFO], m[M_CONTENT], 0, m[M_INCARNATION] or ''})
end
if m then return finish({'exists', '', '', 0, m[M_INCARNATION] or ''}) end
if ARGV[5] ~= '1' then return finish({'absent', '', '', 0, ''}) end
local new_queue = QUEUE_EXISTS and 0 or 1
create_tasks({{id, ARGV[7], ARGV[8], tonumber(ARGV[9]), ARGV[10], tonumber(ARGV[11]), ARGV[12],
               tonumber(ARGV[13]), ARGV[14]}})
return finish({'created', '', '', new_queue, CREATED_INCARNATION})
