-- reply.lua: completes a pending (or delayed) or leased task; the first reply wins
-- (complete_tasks in lib.lua: caches, forwards, publishes "finished").
-- KEYS[1]  queue key base; ARGV[1..4] common (lib.lua)
-- ARGV[5]  id   ARGV[6] result info (JSON text)   ARGV[7] result content
-- reply    { completed (1 if this reply completed the task, else 0), service_ms (how
--          long the task had been leased; -1 when it was not leased) }
apply_due(DUE_LIMIT)
return finish(complete_tasks(ARGV, 5, 1))
