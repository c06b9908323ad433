-- release.lua: the consumer gives the leased task back untried: pending again after
-- `delay_ms` (0: at once), and the attempt it used does not count against max_attempts.
-- KEYS[1]  queue key base; ARGV[1..4] common (lib.lua)
-- ARGV[5]  id   ARGV[6] delay_ms
-- reply    1 if the task was leased (and is now released), else 0
apply_due(DUE_LIMIT)
local id = ARGV[5]
local m = get_meta(id)
if not m or m[M_STATE] ~= 'L' then return finish(0) end
unindex(id, m)  -- out of leased and byid; wakes a take waiting on max_leased room
if m[M_ATTEMPTS] > 0 then m[M_ATTEMPTS] = m[M_ATTEMPTS] - 1 end
stat_incr(S_RELEASED)
if deadline_passed(m) then
  expire_task(id, m, NOW, m[M_CKEY])  -- given back after its deadline: it expires instead
else
  back_to_queue(id, m, NOW + tonumber(ARGV[6]))
end
return finish(1)
