-- reply_batch.lua: each reply as reply.lua, in the order given, in one atomic step
-- (complete_tasks in lib.lua); a repeated id finds its task done (or forgotten) and
-- answers 0.
-- KEYS[1]  queue key base; ARGV[1..4] common (lib.lua)
-- ARGV[5]  n, the number of replies; then 3 values per reply: id, result info (JSON
--          text), result content
-- reply    { completed_1 (0/1), service_ms_1 (-1: not leased), ..., completed_n,
--          service_ms_n }
apply_due(DUE_LIMIT)
return finish(complete_tasks(ARGV, 6, tonumber(ARGV[5])))
