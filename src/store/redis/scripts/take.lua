-- take.lua: acquires up to `size` of the oldest visible pending tasks (peek + acquire).
-- KEYS[1]  queue key base; ARGV[1..4] common (lib.lua)
-- ARGV[5]  lease_ms (0: the task is deleted on acquire)
-- ARGV[6]  size
-- reply    { id_1, info_1, content_1, attempt_1, id_2, ... }
apply_due(DUE_LIMIT)
local lease_ms = tonumber(ARGV[5])
local members = redis.call('ZRANGEBYLEX', K_PENDING, '-', '+', 'LIMIT', 0, tonumber(ARGV[6]))
local out = {}
for _, member in ipairs(members) do
  local t = acquire_one(string.sub(member, CKEY_LEN + 1), lease_ms)
  if t then
    for j = 1, 4 do out[#out + 1] = t[j] end
  end
end
return finish(out)
