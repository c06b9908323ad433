-- redrive_drop.lua: the last step of redrive, on the dead-letter queue: the task was put
-- into its source queue, so its copy here goes, unless it changed since redrive_pick saw
-- it (acquired, or another copy of the id: then it stays, and the task exists twice).
-- KEYS[1]  queue key base (the dead-letter queue); ARGV[1..4] common (lib.lua)
-- ARGV[5]  id   ARGV[6] the ckey redrive_pick saw
-- reply    1 if the copy was removed, else 0
apply_due(DUE_LIMIT)
local id = ARGV[5]
local m = get_meta(id)
if not m or m[M_STATE] ~= 'P' or m[M_CKEY] ~= ARGV[6] then return finish(0) end
unindex(id, m)
forget(id, m)
ev_removed(id, m[M_INCARNATION])
return finish(1)
