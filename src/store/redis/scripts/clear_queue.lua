-- clear_queue.lua: removes every task of the queue, then the queue itself. Bounded:
-- removes at most max_steps tasks per call and answers 0 ("call again") until done.
-- Waiting callers of removed unfinished tasks are told "removed".
-- KEYS[1]  queue key base; ARGV[1..4] common (lib.lua)
-- ARGV[5]  max_steps (0 = no bound)
-- reply    1 when the queue is gone, 0 when more work remains
local budget = tonumber(ARGV[5])
if budget <= 0 then budget = -1 end
-- key_len: the length of the sort key before the id in the set's members; state: the
-- tasks' state letter in K_BYID (nil for pending tasks, which are not in it)
local function drain(key, key_len, state)
  while budget ~= 0 do
    local chunk = budget > 0 and math.min(budget, 500) or 500
    local members = redis.call('ZRANGE', key, 0, chunk - 1)
    if #members == 0 then return true end
    local ids = {}
    for i, member in ipairs(members) do
      ids[i] = string.sub(member, key_len + 1)
    end
    local raws = hmget_many(K_TASKS, ids)
    local event_keys = {}  -- the progress events of those that have some (lib.lua's forget)
    for i, id in ipairs(ids) do
      local raw = raws[i]
      if raw then
        local m = cmsgpack.unpack(raw)
        if m[M_EVSEQ] then event_keys[#event_keys + 1] = B .. 'ev:' .. id end
        if m[M_STATE] ~= 'F' then ev_removed(id, m[M_INCARNATION]) end
        -- A pending task leaves its batch_key's set and the priority index here, so the
        -- sets left for the last step below are empty and a bounded clear stays bounded,
        -- and a clear that stops halfway leaves no entry of a drained task for take to
        -- trust (take.lua reads ids from B.."prio" and counts priority-0 tasks by
        -- subtracting its size). Likewise its place in B.."expiring".
        if key == K_PENDING and m[M_STATE] == 'P' then
          key_index_rem(id, m)
          local pm = prio_member(id, m)
          if pm then redis.call('ZREM', K_PRIO, pm) end
        end
        if (key == K_PENDING and m[M_STATE] == 'P') or (key == K_DELAYED and m[M_STATE] == 'D') then
          local xm = expiry_member(id, m)
          if xm then redis.call('ZREM', K_EXPIRING, xm) end
        end
      end
    end
    call_many('HDEL', K_TASKS, ids)
    for i = 1, #event_keys, CHUNK do
      redis.call('DEL', unpack(event_keys, i, math.min(i + CHUNK - 1, #event_keys)))
    end
    if state then
      local indexed = {}
      for i, id in ipairs(ids) do indexed[i] = state .. id end
      call_many('ZREM', K_BYID, indexed)
    end
    if budget > 0 then budget = budget - #members end
    call_many('ZREM', key, members)
  end
  return redis.call('EXISTS', key) == 0
end
local done = drain(K_PENDING, CKEY_LEN) and drain(K_DELAYED, SKEY_LEN, 'D') and
             drain(K_LEASED, SKEY_LEN, 'L') and drain(K_DONE, 0, 'F')
if not done then return finish(0) end
-- The drain took each task out of B.."prio", B.."expiring" and its batch_key set; the
-- sets are deleted here with the rest (B.."bkeys" lists the key sets).
for _, k in ipairs(redis.call('SMEMBERS', K_BKEYS)) do redis.call('DEL', B .. 'bkey:' .. k) end
redis.call('DEL', K_BKEYS, K_TASKS, K_PENDING, K_DELAYED, K_LEASED, K_DONE, K_STATS,
           K_OUTBOX, K_LIMITS, K_PRIO, K_BYID, K_EXPIRING)
ST_DIRTY = {}  -- the stats are gone with the queue: finish() must not write them back
return finish(1)
