-- events.lua: a task's kept progress events after a seq, and its result when done
-- (Store::events, for watch and streamed calls). O(events answered): the kept events
-- have consecutive seqs ending at meta field 20, so `after` is an index by subtraction.
-- The same read as MemoryState::events (state_events.cpp).
-- KEYS[1]  queue key base; ARGV[1..4] common (lib.lua)
-- ARGV[5]  id   ARGV[6] after (events with seq > after)
-- reply    {} when there is no such task, else {incarnation, done ("1"/"0"), result info,
--          result content, then seq, info, content per event, oldest first}
apply_due(DUE_LIMIT)
local id = ARGV[5]
local after = tonumber(ARGV[6])
local m = get_meta(id)
if not m then return finish({}) end
local done = m[M_STATE] == 'F'
local out = {m[M_INCARNATION] or '', done and '1' or '0', done and m[M_RINFO] or '',
             done and m[M_CONTENT] or ''}
local last = m[M_EVSEQ] or 0
if last > after then
  local key = B .. 'ev:' .. id
  local n = redis.call('LLEN', key)
  local first = last - n + 1
  local start = after < first and 0 or (after - first + 1)
  for _, raw in ipairs(redis.call('LRANGE', key, start, -1)) do
    local ev = cmsgpack.unpack(raw)
    out[#out + 1] = string.format('%d', ev[1])
    out[#out + 1] = ev[2]
    out[#out + 1] = ev[3]
  end
end
return finish(out)
