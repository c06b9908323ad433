-- list_tasks.lua: a page of a queue's tasks (/task/list_tasks), O(size + log n).
-- States are listed in the order P, D, L, F: pending tasks in cursor order (K_PENDING),
-- the others by id (K_BYID); orders that stay put while a task keeps its state.
-- KEYS[1]  queue key base; ARGV[1..4] common (lib.lua)
-- ARGV[5]  state letter to list only ("" = every state)
-- ARGV[6]  state letter of the last task listed ("" = from the start)
-- ARGV[7]  its key: its ckey when P, else its id
-- ARGV[8]  how many to return at most
-- reply    flat rows {id, state, info, attempt, age_ms, ms_left or "", key, priority, cost,
--          batch_key, last_error info, last_error content, source_queue, progress}: ms_left is
--          the delay's or the lease's rest (D, L), key as ARGV[7]; info is "null" for a
--          done task (it keeps only its result); lib.lua's append_view writes them
apply_due(DUE_LIMIT)
local only, after_state, after_key, want = ARGV[5], ARGV[6], ARGV[7], tonumber(ARGV[8])
local ORDER = {'P', 'D', 'L', 'F'}
local after_rank = 0
for r, s in ipairs(ORDER) do if s == after_state then after_rank = r end end
-- '\255' sorts after every byte of UTF-8: "everything that starts with this prefix"
local ids, states = {}, {}
for r, s in ipairs(ORDER) do
  if #ids >= want then break end
  if (only == '' or only == s) and r >= after_rank then
    local resume = r == after_rank
    if s == 'P' then
      local start = resume and ('(' .. after_key .. '\255') or '-'
      local members = redis.call('ZRANGEBYLEX', K_PENDING, start, '+', 'LIMIT', 0, want - #ids)
      for _, member in ipairs(members) do
        ids[#ids + 1] = string.sub(member, CKEY_LEN + 1)
        states[#ids] = s
      end
    else
      local start = resume and ('(' .. s .. after_key) or ('[' .. s)
      local members = redis.call('ZRANGEBYLEX', K_BYID, start, '(' .. s .. '\255', 'LIMIT', 0,
                                 want - #ids)
      for _, member in ipairs(members) do
        ids[#ids + 1] = string.sub(member, 2)
        states[#ids] = s
      end
    end
  end
end
local raws = hmget_many(K_TASKS, ids)
-- deadlines of the delayed and leased ones, one ZMSCORE per set
local members = {D = {}, L = {}}
local slots = {D = {}, L = {}}
local metas = {}
for i, id in ipairs(ids) do
  local raw = raws[i]
  if raw then
    local m = cmsgpack.unpack(raw)
    metas[i] = m
    local list = members[m[M_STATE]]
    if list then
      list[#list + 1] = m[M_CKEY] .. id
      slots[m[M_STATE]][#list] = i
    end
  end
end
local deadlines = {}
for s, key in pairs({D = K_DELAYED, L = K_LEASED}) do
  if #members[s] > 0 then
    local scores = redis.call('ZMSCORE', key, unpack(members[s]))
    for j = 1, #members[s] do  -- a missing member's score is false: ipairs would stop
      if scores[j] then deadlines[slots[s][j]] = scores[j] end
    end
  end
end
local out = {}
for i, id in ipairs(ids) do
  local m = metas[i]
  -- an index entry always has its record (same scripts write both); skip one that does not
  if m and m[M_STATE] == states[i] then
    append_view(out, id, m, deadlines[i])
  end
end
return finish(out)
