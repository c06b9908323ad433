-- reap.lua: applies the queue's due leases (redelivery / dead letter), delays and
-- result TTLs, and hands back outbox items left by an instance that died before
-- delivering them. Safe when several instances run it at once: each due item is
-- applied by exactly one script run.
-- KEYS[1]  queue key base; ARGV[1..4] common (lib.lua)
-- ARGV[5]  limit per kind of due item
-- reply    number of items applied (outbox items ride in the common reply's tail; the
--          due hint is always reported, for the reaper's due index)
local n = apply_due(tonumber(ARGV[5]))
local pending = redis.call('LRANGE', K_OUTBOX, 0, 99)
for _, item in ipairs(pending) do
  local seen = false
  for _, mine in ipairs(OUTBOX) do if mine == item then seen = true end end
  if not seen then OUTBOX[#OUTBOX + 1] = item end
end
REPORT_DUE = true
return finish(n)
