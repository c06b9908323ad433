-- acquire.lua: acquires each listed id that is pending and visible, in the order asked.
-- KEYS[1]  queue key base; ARGV[1..4] common (lib.lua)
-- ARGV[5]  lease_ms (0: the task is deleted on acquire)
-- ARGV[6..] ids
-- reply    { id_1, info_1, content_1, attempt_1, priority_1, batch_key_1, cost_1, id_2, ... } for the acquired ones
apply_due(DUE_LIMIT)
local lease_ms = tonumber(ARGV[5])
local ids = {}
for i = 6, #ARGV do ids[#ids + 1] = ARGV[i] end
local allowance = lease_allowance()  -- queue settings
if allowance <= 0 then return finish({}) end
local got = acquire_many(ids, lease_ms, false, allowance)
spend_lease_tokens(#got / ACQUIRED_FIELDS)
return finish(got)
