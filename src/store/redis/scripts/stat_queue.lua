-- stat_queue.lua: counters of one queue.
-- KEYS[1]  queue key base; ARGV[1..4] common (lib.lua)
-- reply    false (nil) for an unknown queue, else
--          { length, delayed, leased, done, oldest_ckey ("" none), newest_ckey,
--            put, acquired, replied, redelivered, dead, removed }
apply_due(DUE_LIMIT)
if redis.call('EXISTS', K_STATS) == 0 then return finish(false) end
local oldest = redis.call('ZRANGEBYLEX', K_PENDING, '-', '+', 'LIMIT', 0, 1)[1]
local newest = redis.call('ZREVRANGEBYLEX', K_PENDING, '+', '-', 'LIMIT', 0, 1)[1]
local totals = redis.call('HMGET', K_STATS, 'put', 'acquired', 'replied', 'redelivered', 'dead',
                          'removed')
local out = {
  redis.call('ZCARD', K_PENDING), redis.call('ZCARD', K_DELAYED), redis.call('ZCARD', K_LEASED),
  redis.call('ZCARD', K_DONE),
  oldest and string.sub(oldest, 1, CKEY_LEN) or '', newest and string.sub(newest, 1, CKEY_LEN) or ''}
for i = 1, 6 do out[#out + 1] = tonumber(totals[i]) or 0 end
return finish(out)
