-- touch.lua: extends a lease to now + lease_ms (a heartbeat).
-- KEYS[1]  queue key base; ARGV[1..4] common (lib.lua)
-- ARGV[5]  id   ARGV[6] lease_ms
-- reply    1 if the task is still leased (and now extended), else 0
-- The lease is scheduled again (a new skey), as on the memory store: among leases of
-- the same deadline it now comes after those scheduled before this touch.
apply_due(DUE_LIMIT)
local id = ARGV[5]
local m = get_meta(id)
if not m or m[M_STATE] ~= 'L' then return finish(0) end
local deadline = NOW + tonumber(ARGV[6])
redis.call('ZREM', K_LEASED, m[M_CKEY] .. id)
stat_incr(S_SCHED)
m[M_CKEY] = string.format(SKEY_FMT, ST[S_SCHED])
redis.call('ZADD', K_LEASED, deadline, m[M_CKEY] .. id)
set_meta(id, m)
note_deadline(deadline)
return finish(1)
