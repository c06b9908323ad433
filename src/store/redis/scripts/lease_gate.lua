-- lease_gate.lua: for a take that got nothing and will wait: do the queue's settings
-- stop it from leasing now, and in how many ms does the bucket's next token come.
-- KEYS[1]  queue key base; ARGV[1..4] common (lib.lua)
-- reply    { blocked (0/1), retry_in_ms (0: wait for an event) }
apply_due(DUE_LIMIT)
if lease_allowance() > 0 then return finish({0, 0}) end
return finish({1, bucket_wait_ms()})
