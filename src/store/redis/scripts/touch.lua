-- touch.lua: extends a lease to now + lease_ms (a heartbeat).
-- KEYS[1]  queue key base; ARGV[1..4] common (lib.lua)
-- ARGV[5]  id   ARGV[6] lease_ms
-- reply    1 if the task is still leased (and now extended), else 0
-- The lease is scheduled again (lib.lua's extend_lease, shared with progress.lua).
apply_due(DUE_LIMIT)
local id = ARGV[5]
local m = get_meta(id)
if not m or m[M_STATE] ~= 'L' then return finish(0) end
extend_lease(id, m, tonumber(ARGV[6]))
return finish(1)
