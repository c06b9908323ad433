-- progress.lua: the consumer holding the lease reports progress: appends an event to the
-- task's events (B.."ev:"..id, lib.lua), drops the oldest beyond 1,000 events or 1 MiB
-- of info + content, publishes it (the "g" event carries it whole, so a stream on any
-- instance needs no read), and with a lease time extends the lease as touch.lua does.
-- The same step as MemoryState::progress (state_events.cpp).
-- KEYS[1]  queue key base; ARGV[1..4] common (lib.lua)
-- ARGV[5]  id   ARGV[6] info (JSON text)   ARGV[7] content
-- ARGV[8]  lease_ms ("" = the lease stays as it is)
-- reply    the event's seq, or 0 when the task is not leased (nothing recorded)
apply_due(DUE_LIMIT)
local id = ARGV[5]
local m = get_meta(id)
if not m or m[M_STATE] ~= 'L' then return finish(0) end
local info, content = ARGV[6], ARGV[7]
local KEPT, BYTES_KEPT = 1000, 1048576
local key = B .. 'ev:' .. id
local seq = (m[M_EVSEQ] or 0) + 1
local bytes = (m[M_EVBYTES] or 0) + #info + #content
local kept = redis.call('RPUSH', key, cmsgpack.pack({seq, info, content}))
-- The oldest go first; the new one too when it alone is over the budget ("at most").
while kept > 0 and (kept > KEPT or bytes > BYTES_KEPT) do
  local oldest = cmsgpack.unpack(redis.call('LPOP', key))
  bytes = bytes - #oldest[2] - #oldest[3]
  kept = kept - 1
end
m[M_EVSEQ] = seq
m[M_EVBYTES] = bytes
if ARGV[8] ~= '' then
  extend_lease(id, m, tonumber(ARGV[8]))  -- writes m
else
  set_meta(id, m)
end
ev_progress(id, m[M_INCARNATION], seq, info, content)
return finish(seq)
