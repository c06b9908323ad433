-- remove.lua: removes a task in any state; callers waiting on it are told "removed".
-- KEYS[1]  queue key base; ARGV[1..4] common (lib.lua)
-- ARGV[5]  id
-- reply    1 if a task was removed, else 0
apply_due(DUE_LIMIT)
local id = ARGV[5]
local m = get_meta(id)
if not m then return finish(0) end
unindex(id, m)
forget(id, m)
stat_incr(S_REMOVED)
if m[M_STATE] ~= 'F' then ev_removed(id, m[M_INCARNATION]) end
return finish(1)
