-- take.lua: acquires up to `size` visible pending tasks, highest priority first, then
-- cursor order (peek + acquire).
-- KEYS[1]  queue key base; ARGV[1..4] common (lib.lua)
-- ARGV[5]  lease_ms (0: the task is deleted on acquire)
-- ARGV[6]  size
-- reply    { id_1, info_1, content_1, attempt_1, priority_1, batch_key_1, cost_1, id_2, ... }
apply_due(DUE_LIMIT)
local lease_ms = tonumber(ARGV[5])
local size = math.min(tonumber(ARGV[6]), lease_allowance())  -- queue settings
if size <= 0 then return finish({}) end
local ids = {}
if redis.call('EXISTS', K_PRIO) == 0 then
  -- Only priority-0 tasks are pending. Every score is 0, so the lowest members are the
  -- lexically first: the oldest cursors.
  local popped = redis.call('ZPOPMIN', K_PENDING, size)
  for i = 1, #popped, 2 do ids[#ids + 1] = string.sub(popped[i], CKEY_LEN + 1) end
else
  -- The first members of B.."prio" between min and max (lex range bounds), removed
  -- from both sets.
  local function take_prio(min, max)
    local members = redis.call('ZRANGEBYLEX', K_PRIO, min, max, 'LIMIT', 0, size - #ids)
    if #members == 0 then return end
    local pendings = {}
    for i, member in ipairs(members) do
      pendings[i] = string.sub(member, PRIO_LEN + 1)
      ids[#ids + 1] = string.sub(member, PRIO_LEN + CKEY_LEN + 1)
    end
    call_many('ZREM', K_PRIO, members)
    call_many('ZREM', K_PENDING, pendings)
  end
  take_prio('-', '(1000')  -- priorities above 0: prefixes 0000..0999
  if #ids < size then
    -- Priority 0: the rest of B.."pending" but the negative tasks, which are stepped
    -- over, only up to the last priority-0 task needed (`zeros` counts those left).
    local zeros = redis.call('ZCARD', K_PENDING) - redis.call('ZCARD', K_PRIO)
    if redis.call('EXISTS', K_PRIO) == 0 then
      local popped = redis.call('ZPOPMIN', K_PENDING, size - #ids)
      for i = 1, #popped, 2 do ids[#ids + 1] = string.sub(popped[i], CKEY_LEN + 1) end
    else
      local start = '-'
      while #ids < size and zeros > 0 do
        local members = redis.call('ZRANGEBYLEX', K_PENDING, start, '+', 'LIMIT', 0, size - #ids)
        if #members == 0 then break end
        local found = {}
        for i, member in ipairs(members) do found[i] = string.sub(member, CKEY_LEN + 1) end
        local raws = hmget_many(K_TASKS, found)
        local chosen = {}
        for i, member in ipairs(members) do
          local p = raws[i] and cmsgpack.unpack(raws[i])[M_PRIORITY] or 0
          if p == 0 and #ids < size then
            ids[#ids + 1] = found[i]
            chosen[#chosen + 1] = member
            zeros = zeros - 1
          end
        end
        call_many('ZREM', K_PENDING, chosen)
        start = '(' .. members[#members]
      end
    end
    if #ids < size then take_prio('[1001', '+') end  -- priorities below 0: 1001..2000
  end
end
if #ids == 0 then return finish({}) end
local got = acquire_many(ids, lease_ms, true)
spend_lease_tokens(#got / ACQUIRED_FIELDS)
return finish(got)
