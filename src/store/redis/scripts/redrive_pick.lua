-- redrive_pick.lua: the first step of redrive, on the dead-letter queue: which tasks go
-- back to their source queue (another slot, so the move takes three steps; RedisStore::
-- redrive and docs/redis.md). Changes nothing but what was due.
-- KEYS[1]  queue key base (the dead-letter queue); ARGV[1..4] common (lib.lua)
-- ARGV[5]  size   ARGV[6] n   ARGV[7..6+n] ids (n = 0: the first `size` pending tasks)
-- reply    flat { id, info, content, cache_ms, source_queue, ckey, ... } of the pending
--          dead-lettered copies among them
apply_due(DUE_LIMIT)
local n = tonumber(ARGV[6])
local ids = {}
if n > 0 then
  for i = 1, n do ids[i] = ARGV[6 + i] end
else
  local members = redis.call('ZRANGEBYLEX', K_PENDING, '-', '+', 'LIMIT', 0, tonumber(ARGV[5]))
  for i, member in ipairs(members) do ids[i] = string.sub(member, CKEY_LEN + 1) end
end
local out, seen = {}, {}
local raws = hmget_many(K_TASKS, ids)
for i, id in ipairs(ids) do
  local raw = raws[i]
  if raw and not seen[id] then
    seen[id] = true
    local m = cmsgpack.unpack(raw)
    if m[M_STATE] == 'P' and m[M_SOURCE_QUEUE] then
      local k = #out
      out[k + 1] = id
      out[k + 2] = m[M_INFO]
      out[k + 3] = m[M_CONTENT]
      out[k + 4] = string.format('%d', m[M_CACHE])
      out[k + 5] = m[M_SOURCE_QUEUE][1]
      out[k + 6] = m[M_CKEY]
    end
  end
end
return finish(out)
