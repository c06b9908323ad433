-- due_index.lua: the reaper's due index P:due (docs/redis.md, "The reaper"), a sorted
-- set of queue names scored by a hint of the ms their next deadline comes due. Not
-- prefixed with lib.lua: it touches only the index's own slot, never a queue's keys.
-- A hint may be low (the queue reaps early and learns its real due) but must not stay
-- high, so scores are only ever lowered, except by the reaper that holds the claim.
-- KEYS[1]  the index's routing key P:{%due}: (no queue's tag holds a bare '%'); the index
--          is KEYS[1]..'index'
-- ARGV[1]  'hint':    then pairs queue, due ms; lowers each score (adds if absent)
--          'claim':   ARGV[2] now, ARGV[3] claim-until ms, ARGV[4] limit; scores of up
--                     to `limit` queues due at `now` become claim-until (other reapers
--                     skip them until then); reply: their names
--          'release': ARGV[2] the claim's score, then pairs queue, due ms (>= NEVER:
--                     nothing scheduled); a score still at the claim becomes `due` (or
--                     the queue leaves the index), one lowered since by a hint keeps the
--                     lower of the two
local NEVER = 9000000000000000
local key, mode = KEYS[1] .. 'index', ARGV[1]
if mode == 'hint' then
  for i = 2, #ARGV, 2 do
    local q, due = ARGV[i], tonumber(ARGV[i + 1])
    local s = redis.call('ZSCORE', key, q)
    if due < NEVER and (not s or tonumber(s) > due) then redis.call('ZADD', key, ARGV[i + 1], q) end
  end
  return 1
elseif mode == 'claim' then
  local names = redis.call('ZRANGEBYSCORE', key, '-inf', ARGV[2], 'LIMIT', 0, tonumber(ARGV[4]))
  for _, q in ipairs(names) do redis.call('ZADD', key, ARGV[3], q) end
  return names
elseif mode == 'release' then
  local claim = tonumber(ARGV[2])
  for i = 3, #ARGV, 2 do
    local q, due = ARGV[i], tonumber(ARGV[i + 1])
    local s = redis.call('ZSCORE', key, q)
    if s and tonumber(s) == claim then
      if due >= NEVER then redis.call('ZREM', key, q) else redis.call('ZADD', key, ARGV[i + 1], q) end
    elseif due < NEVER and (not s or tonumber(s) > due) then
      redis.call('ZADD', key, ARGV[i + 1], q)
    end
  end
  return 1
end
return redis.error_reply('due_index.lua: unknown mode ' .. tostring(mode))
