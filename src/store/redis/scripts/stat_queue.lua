-- stat_queue.lua: counters of one queue.
-- KEYS[1]  queue key base; ARGV[1..4] common (lib.lua)
-- reply    false (nil) for an unknown queue, else
--          { length, delayed, leased, done, oldest_ckey ("" none), newest_ckey,
--            put, acquired, replied, redelivered, dead, removed, failed, released,
--            paused (0/1), max_leased, rate, burst (as given; 0 = default), expired }
apply_due(DUE_LIMIT)
if not QUEUE_EXISTS then return finish(false) end
local oldest = redis.call('ZRANGEBYLEX', K_PENDING, '-', '+', 'LIMIT', 0, 1)[1]
local newest = redis.call('ZREVRANGEBYLEX', K_PENDING, '+', '-', 'LIMIT', 0, 1)[1]
local out = {
  redis.call('ZCARD', K_PENDING), redis.call('ZCARD', K_DELAYED), redis.call('ZCARD', K_LEASED),
  redis.call('ZCARD', K_DONE),
  oldest and string.sub(oldest, 1, CKEY_LEN) or '', newest and string.sub(newest, 1, CKEY_LEN) or '',
  ST[S_PUT], ST[S_ACQUIRED], ST[S_REPLIED], ST[S_REDELIVERED], ST[S_DEAD], ST[S_REMOVED],
  ST[S_FAILED], ST[S_RELEASED]}
local limits = load_limits() or {0, 0, 0, 0, 0, '0', '0'}
out[#out + 1] = limits[1]
out[#out + 1] = limits[2]
out[#out + 1] = limits[6]
out[#out + 1] = limits[7]
out[#out + 1] = ST[S_EXPIRED]
return finish(out)
