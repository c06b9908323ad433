-- peek.lua: up to `size` visible pending tasks after a cursor, in cursor order.
-- KEYS[1]  queue key base; ARGV[1..4] common (lib.lua)
-- ARGV[5]  first ckey to return, inclusive ("" = from the start); the caller passes the
--          ckey of (cursor.ms, cursor.seq + 1) to mean "after cursor"
-- ARGV[6]  size
-- reply    { id_1, info_1, ckey_1, priority_1, id_2, ... }
apply_due(DUE_LIMIT)
local start = ARGV[5] == '' and '-' or ('[' .. ARGV[5])
local members = redis.call('ZRANGEBYLEX', K_PENDING, start, '+', 'LIMIT', 0, tonumber(ARGV[6]))
local ids = {}
for i, member in ipairs(members) do ids[i] = string.sub(member, CKEY_LEN + 1) end
local raws = hmget_many(K_TASKS, ids)
local out = {}
for i, member in ipairs(members) do
  local raw = raws[i]
  local m = raw and cmsgpack.unpack(raw)
  -- A task whose deadline passed is never shown, even when more came due than
  -- apply_due applied (the next call or the reaper expires it).
  if not (m and deadline_passed(m)) then
    out[#out + 1] = ids[i]
    out[#out + 1] = m and m[M_INFO] or 'null'
    out[#out + 1] = string.sub(member, 1, CKEY_LEN)
    out[#out + 1] = m and m[M_PRIORITY] or 0
  end
end
return finish(out)
