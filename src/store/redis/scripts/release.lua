-- release.lua: the consumer gives the leased task back untried: pending again after
-- `delay_ms` (0: at once), and the attempt it used does not count against max_attempts.
-- KEYS[1]  queue key base; ARGV[1..4] common (lib.lua)
-- ARGV[5]  id   ARGV[6] delay_ms
-- reply    1 if the task was leased (and is now released), else 0
apply_due(DUE_LIMIT)
local id = ARGV[5]
local m = get_meta(id)
if not m or m[M_STATE] ~= 'L' then return finish(0) end
redis.call('ZREM', K_LEASED, m[M_CKEY] .. id)
if m[M_ATTEMPTS] > 0 then m[M_ATTEMPTS] = m[M_ATTEMPTS] - 1 end
stat_incr(S_RELEASED)
local delay_ms = tonumber(ARGV[6])
if delay_ms > 0 then
  stat_incr(S_SCHED)
  m[M_STATE] = 'D'
  m[M_CKEY] = string.format(SKEY_FMT, ST[S_SCHED])
  redis.call('ZADD', K_DELAYED, NOW + delay_ms, m[M_CKEY] .. id)
  note_deadline(NOW + delay_ms)
else
  local ms, seq = peek_ckey()
  commit_ckey(ms, seq)
  m[M_STATE] = 'P'
  m[M_CKEY] = ckey_of(ms, seq)
  redis.call('ZADD', K_PENDING, 0, m[M_CKEY] .. id)
  local pm = prio_member(id, m)
  if pm then redis.call('ZADD', K_PRIO, 0, pm) end
  ev_pending()
end
set_meta(id, m)
return finish(1)
