-- fail.lua: the consumer reports that the leased task's attempt failed. Keeps the error
-- as the task's last_error, then redelivers it after its retry delay, or dead-letters /
-- drops it when out of attempts (lib.lua's attempt_failed, as for a lease that ran out).
-- KEYS[1]  queue key base; ARGV[1..4] common (lib.lua)
-- ARGV[5]  id   ARGV[6] error info (JSON text)   ARGV[7] error content
-- reply    1 if the task was leased (and is now failed), else 0
apply_due(DUE_LIMIT)
local id = ARGV[5]
local m = get_meta(id)
if not m or m[M_STATE] ~= 'L' then return finish(0) end
local skey = m[M_CKEY]
unindex(id, m)  -- out of leased and byid; wakes a take waiting on max_leased room
fill_record(m)
m[M_LAST_ERROR_INFO] = ARGV[6]
m[M_LAST_ERROR_CONTENT] = ARGV[7]
stat_incr(S_FAILED)
attempt_failed(id, m, NOW, skey)
return finish(1)
