-- put_dead_letter.lua: delivers a dead letter from the outbox of its source queue (another
-- slot): creates the copy unless its id exists here, carrying what the source knew.
-- KEYS[1]  queue key base (the dead-letter queue); ARGV[1..4] common (lib.lua)
-- ARGV[5]  id   ARGV[6] info   ARGV[7] content   ARGV[8] cache_ms
-- ARGV[9]  source queue   ARGV[10] attempts used there
-- ARGV[11] "1" when the source had a last_error, else "0"
-- ARGV[12] last_error info   ARGV[13] last_error content
-- reply    { new_queue (1 if this call created the queue), created (0/1) }
apply_due(DUE_LIMIT)
local new_queue = QUEUE_EXISTS and 0 or 1
local id = ARGV[5]
local created = create_tasks({{id, ARGV[6], ARGV[7], tonumber(ARGV[8]), '', 0, '', 0}})
if created[1] == 1 then
  mark_dead_letter(id, ARGV[9], tonumber(ARGV[10]), ARGV[11] == '1', ARGV[12], ARGV[13])
end
return finish({new_queue, created[1]})
