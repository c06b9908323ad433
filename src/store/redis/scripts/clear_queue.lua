-- clear_queue.lua: removes every task of the queue, then the queue itself. Bounded:
-- removes at most max_steps tasks per call and answers 0 ("call again") until done.
-- Waiting callers of removed unfinished tasks are told "removed".
-- KEYS[1]  queue key base; ARGV[1..4] common (lib.lua)
-- ARGV[5]  max_steps (0 = no bound)
-- reply    1 when the queue is gone, 0 when more work remains
local budget = tonumber(ARGV[5])
if budget <= 0 then budget = -1 end
local function drain(key, lexical)
  while budget ~= 0 do
    local chunk = budget > 0 and math.min(budget, 500) or 500
    local members = redis.call('ZRANGE', key, 0, chunk - 1)
    if #members == 0 then return true end
    for _, member in ipairs(members) do
      local id = lexical and string.sub(member, CKEY_LEN + 1) or member
      local m = get_meta(id)
      forget(id)
      if m and m[M_STATE] ~= 'F' then ev_removed(id) end
      if budget > 0 then budget = budget - 1 end
    end
    redis.call('ZREM', key, unpack(members))
  end
  return redis.call('EXISTS', key) == 0
end
local done = drain(K_PENDING, true) and drain(K_DELAYED, false) and drain(K_LEASED, false)
             and drain(K_DONE, false)
if not done then return finish(0) end
redis.call('DEL', K_TASKS, K_BODY, K_RESULT, K_PENDING, K_DELAYED, K_LEASED, K_DONE, K_STATS,
           K_OUTBOX)
return finish(1)
