-- take_keyed.lua: a take with options (docs/protocol.md, "take, for batches a GPU
-- wants"): up to `size` visible pending tasks in take order (highest priority first,
-- then cursor order), stopping before the task that would bring the batch's cost above
-- max_cost (the first task always comes); with batch_key, only tasks of that key; with
-- group_by_key, only tasks of the first one's key (or, when it has none, only tasks
-- without a key). A plain take is take.lua.
-- KEYS[1]  queue key base; ARGV[1..4] common (lib.lua)
-- ARGV[5]  lease_ms (0: the task is deleted on acquire)
-- ARGV[6]  size
-- ARGV[7]  max_cost ('' none)
-- ARGV[8]  batch_key ('' none)
-- ARGV[9]  group_by_key ('1' or '0')
-- ARGV[10] '1': only count the tasks such a take would lease, ignoring the queue's
--          settings (batch_window's wait); nothing changes but what is due
-- reply    as take.lua's; when counting, the count
--
-- Cost: a take of one key reads that key's set B.."bkey:"..k (lib.lua), so it costs the
-- batch it returns; max_cost alone walks the take order and costs the same. The
-- key-less group of group_by_key walks the take order and steps over the keyed tasks
-- ahead of its tasks.
apply_due(DUE_LIMIT)
local lease_ms = tonumber(ARGV[5])
local size = tonumber(ARGV[6])
local max_cost = ARGV[7] ~= '' and tonumber(ARGV[7]) or nil
local key = ARGV[8] ~= '' and ARGV[8] or nil
local group = ARGV[9] == '1'
local counting = ARGV[10] == '1'
if not counting then size = math.min(size, lease_allowance()) end  -- queue settings
if size <= 0 then return finish(counting and 0 or {}) end

local chosen, chosen_m = {}, {}
local total_cost = 0
-- The next task in order: admitted unless it would break max_cost (the first always
-- is). false: the batch is complete.
local function offer(id, m)
  local cost = m[M_COST] or 1
  if #chosen > 0 and max_cost and total_cost + cost > max_cost then return false end
  chosen[#chosen + 1] = id
  chosen_m[#chosen_m + 1] = m
  total_cost = total_cost + cost
  return #chosen < size
end

-- The members of lex zset `zkey` between min and max, in order and in chunks, whose
-- task is pending under that member (`prefix_len` bytes come before the ckey), as
-- visit(id, m) until it answers false. Returns false when visit stopped it.
local function walk_zset(zkey, min, max, prefix_len, visit)
  local start = min
  while true do
    local n = math.max(size - #chosen, 32)
    local members = redis.call('ZRANGEBYLEX', zkey, start, max, 'LIMIT', 0, n)
    if #members == 0 then return true end
    local ids = {}
    for i, member in ipairs(members) do ids[i] = string.sub(member, prefix_len + CKEY_LEN + 1) end
    local raws = hmget_many(K_TASKS, ids)
    for i, member in ipairs(members) do
      if raws[i] then
        local m = cmsgpack.unpack(raws[i])
        -- (A task whose deadline passed is neither counted nor chosen, even when more came
        -- due than apply_due applied: the next step or the reaper expires it.)
        if m[M_STATE] == 'P' and m[M_CKEY] == string.sub(member, prefix_len + 1, prefix_len + CKEY_LEN)
           and not deadline_passed(m) then
          if not visit(ids[i], m) then return false end
        end
      end
    end
    if #members < n then return true end
    start = '(' .. members[#members]
  end
end

-- Every pending task in take order, as visit(id, m) until it answers false.
local function walk_take_order(visit)
  local has_prio = redis.call('EXISTS', K_PRIO) == 1
  if has_prio and not walk_zset(K_PRIO, '-', '(1000', PRIO_LEN, visit) then return end
  if not has_prio then
    walk_zset(K_PENDING, '-', '+', 0, visit)
    return
  end
  -- Priority 0: B.."pending" but the tasks of other priorities, stepped over up to the
  -- last priority-0 task (`zeros` counts those left).
  local zeros = redis.call('ZCARD', K_PENDING) - redis.call('ZCARD', K_PRIO)
  local stopped = false
  if zeros > 0 then
    walk_zset(K_PENDING, '-', '+', 0, function(id, m)
      if (m[M_PRIORITY] or 0) ~= 0 then return true end
      zeros = zeros - 1
      if not visit(id, m) then
        stopped = true
        return false
      end
      return zeros > 0
    end)
  end
  if not stopped then walk_zset(K_PRIO, '[1001', '+', PRIO_LEN, visit) end
end

local keyless = false
if not key and group then
  -- The group is the first task's: its key, or the tasks without one.
  local first = nil
  walk_take_order(function(_, m)
    first = m
    return false
  end)
  if not first then return finish(counting and 0 or {}) end
  if (first[M_BKEY] or '') ~= '' then key = first[M_BKEY] else keyless = true end
end
if key then
  walk_zset(B .. 'bkey:' .. key, '-', '+', PRIO_LEN, offer)
elseif keyless then
  walk_take_order(function(id, m)
    if (m[M_BKEY] or '') ~= '' then return true end
    return offer(id, m)
  end)
else
  walk_take_order(offer)
end
if counting then return finish(#chosen) end
if #chosen == 0 then return finish({}) end
-- Out of pending and prio here; acquire_many takes them out of their key's set.
local pendings, prios = {}, {}
for i, id in ipairs(chosen) do
  local m = chosen_m[i]
  pendings[i] = m[M_CKEY] .. id
  local pm = prio_member(id, m)
  if pm then prios[#prios + 1] = pm end
end
call_many('ZREM', K_PENDING, pendings)
call_many('ZREM', K_PRIO, prios)
local got = acquire_many(chosen, lease_ms, true)
spend_lease_tokens(#got / ACQUIRED_FIELDS)
return finish(got)
