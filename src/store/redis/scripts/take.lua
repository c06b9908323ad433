-- take.lua: acquires up to `size` of the oldest visible pending tasks (peek + acquire).
-- KEYS[1]  queue key base; ARGV[1..4] common (lib.lua)
-- ARGV[5]  lease_ms (0: the task is deleted on acquire)
-- ARGV[6]  size
-- reply    { id_1, info_1, content_1, attempt_1, id_2, ... }
apply_due(DUE_LIMIT)
local lease_ms = tonumber(ARGV[5])
-- Every score is 0, so the lowest members are the lexically first: the oldest cursors.
local size = math.min(tonumber(ARGV[6]), lease_allowance())  -- queue settings
if size <= 0 then return finish({}) end
local popped = redis.call('ZPOPMIN', K_PENDING, size)
local ids = {}
for i = 1, #popped, 2 do ids[#ids + 1] = string.sub(popped[i], CKEY_LEN + 1) end
if #ids == 0 then return finish({}) end
local got = acquire_many(ids, lease_ms, true)
spend_lease_tokens(#got / 4)
return finish(got)
