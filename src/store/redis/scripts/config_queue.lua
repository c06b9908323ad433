-- config_queue.lua: changes the queue's settings (creates the queue if it does not
-- exist) and answers the settings in force.
-- KEYS[1]  queue key base; ARGV[1..4] common (lib.lua)
-- ARGV[5]  mask of the settings given: 1 paused, 2 max_leased, 4 the bucket (rate+burst)
-- ARGV[6]  paused (0/1)   ARGV[7] max_leased   ARGV[8] rate   ARGV[9] burst (0 = default)
--          (rate and burst as decimal text, kept as given)
-- reply    { new_queue (0/1), paused (0/1), max_leased, rate, burst (as given) }
apply_due(DUE_LIMIT)
local new_queue = QUEUE_EXISTS and 0 or 1
local mask = tonumber(ARGV[5])
local l = load_limits() or {0, 0, 0, 0, 0, '0', '0'}
if mask % 2 == 1 then l[1] = tonumber(ARGV[6]) end
if math.floor(mask / 2) % 2 == 1 then l[2] = tonumber(ARGV[7]) end
if math.floor(mask / 4) % 2 == 1 then
  l[3], l[6] = tonumber(ARGV[8]), ARGV[8]
  if l[3] > 0 then l[4], l[7] = tonumber(ARGV[9]), ARGV[9] else l[4], l[7] = 0, '0' end
  l[5] = 0  -- a new bucket starts full
end
local limited = 0
if l[1] == 1 or l[2] > 0 or l[3] > 0 then
  limited = 1
  redis.call('HSET', K_LIMITS, 'paused', l[1], 'max_leased', l[2], 'rate', l[6], 'burst', l[7],
             'tat', string.format('%.17g', l[5]))
else
  redis.call('DEL', K_LIMITS)
end
ST[S_LIMITED] = limited
ST_DIRTY[S_LIMITED] = true  -- also makes a new queue exist (its stats hash)
if not QUEUE_EXISTS then ST_DIRTY[S_DUE] = true end
-- Resuming or raising a limit may let waiting takes lease, on any instance.
ev_pending()
return finish({new_queue, l[1], l[2], l[6], l[7]})
