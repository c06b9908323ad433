-- reply.lua: completes a pending (or delayed) or leased task; the first reply wins.
-- Caches the result for the task's cache_ms (0: forgets the task now), queues a
-- forward in the outbox when the task has forward_result_to, publishes "finished".
-- A forward is a put made while this task still holds its id: one into the task's own
-- queue finds the id taken and creates nothing (docs/protocol.md), so none is queued.
-- KEYS[1]  queue key base; ARGV[1..4] common (lib.lua)
-- ARGV[5]  id   ARGV[6] result info (JSON text)   ARGV[7] result content
-- reply    1 if this reply completed the task, else 0
apply_due(DUE_LIMIT)
local id, info, content = ARGV[5], ARGV[6], ARGV[7]
local m = get_meta(id)
if not m or m[M_STATE] == 'F' then return finish(0) end
unindex(id, m)
if m[M_FWD] ~= '' and m[M_FWD] ~= QUEUE then outbox_push(m[M_FWD], id, info, content, '', NOW, '') end
if m[M_CACHE] > 0 then
  redis.call('ZADD', K_DONE, NOW + m[M_CACHE], id)
  redis.call('ZADD', K_BYID, 0, 'F' .. id)
  note_deadline(NOW + m[M_CACHE])
  m[M_STATE] = 'F'
  m[M_CKEY] = ''
  m[M_CONTENT] = content
  m[M_RINFO] = info
  set_meta(id, m)
else
  forget(id)
end
stat_incr(S_REPLIED)
ev_finished(id, info, content, m[M_INCARNATION])
return finish(1)
