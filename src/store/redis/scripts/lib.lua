-- lib.lua: prepended to every operation script (RedisStore concatenates lib .. op).
-- Shared by all: the key schema of one queue, cursors, the "apply what is due" step,
-- task creation, and the event message published on pub/sub.
--
-- KEYS[1] = "<prefix>:{<queue>}:" -- the queue's key base; every key below starts with
--           it, so one script touches one cluster slot (hash tag {<queue>}).
-- ARGV[1] = queue name (for events and outbox items)
-- ARGV[2] = now, ms since the epoch (the calling instance's clock; instances are
--           assumed NTP-synced, as leases and delays compare these across instances)
-- ARGV[3] = origin: the calling instance's id (receivers skip their own events)
-- ARGV[4] = pub/sub channel for events
-- ARGV[5..] = the operation's own arguments (see each script's header)
--
-- Reply of every script: { op_reply, events_message, outbox_item... }
--   events_message: "" or the message also PUBLISHed (netstrings, see below)
--   outbox_item:    forwards / dead letters this call queued for other queues
--
-- Keys of a queue (base B = KEYS[1]):
--   B.."tasks"   hash   id -> cmsgpack {state, ckey, attempts, cache_ms, fwd, max_attempts, dlq, info}
--                        state: P pending, D delayed, L leased, F finished (result cached)
--   B.."body"    hash   id -> content (pending / delayed / leased tasks)
--   B.."result"  hash   id -> cmsgpack {info, content} (finished tasks)
--   B.."pending" zset   all scores 0, member = ckey .. id; ckey = "%015d-%010d" of the
--                        cursor, fixed width so lexical order is cursor order
--   B.."delayed" zset   id scored by the ms it becomes visible
--   B.."leased"  zset   id scored by its lease deadline
--   B.."done"    zset   id scored by the ms its cached result expires
--   B.."stats"   hash   totals + last_ms/last_seq (the last cursor); exists = queue exists
--   B.."outbox"  list   forwards / dead letters not yet delivered to their target queue

local B = KEYS[1]
local QUEUE = ARGV[1]
local NOW = tonumber(ARGV[2])
local ORIGIN = ARGV[3]
local CHANNEL = ARGV[4]

local K_TASKS = B .. 'tasks'
local K_BODY = B .. 'body'
local K_RESULT = B .. 'result'
local K_PENDING = B .. 'pending'
local K_DELAYED = B .. 'delayed'
local K_LEASED = B .. 'leased'
local K_DONE = B .. 'done'
local K_STATS = B .. 'stats'
local K_OUTBOX = B .. 'outbox'

local CKEY_LEN = 26  -- #"%015d-%010d"
local DUE_LIMIT = 1000

-- meta fields
local M_STATE, M_CKEY, M_ATTEMPTS, M_CACHE, M_FWD, M_MAXATT, M_DLQ, M_INFO = 1, 2, 3, 4, 5, 6, 7, 8

local function ns(s) return #s .. ':' .. s end

-- events: netstrings; message = ns(origin) then per event:
--   ns("p") ns(queue)                                  tasks became visible
--   ns("f") ns(queue) ns(id) ns(info) ns(content)      finished with a result
--   ns("r") ns(queue) ns(id)                           removed without a result
local EV = {}
local ev_pending_sent = false
local function ev_pending()
  if not ev_pending_sent then
    ev_pending_sent = true
    EV[#EV + 1] = ns('p') .. ns(QUEUE)
  end
end
local function ev_finished(id, info, content)
  EV[#EV + 1] = ns('f') .. ns(QUEUE) .. ns(id) .. ns(info) .. ns(content)
end
local function ev_removed(id)
  EV[#EV + 1] = ns('r') .. ns(QUEUE) .. ns(id)
end

local OUTBOX = {}
-- queues a put of (id, info, content) into queue `target` (another slot in a cluster)
local function outbox_push(target, id, info, content)
  local item = ns(target) .. ns(id) .. ns(info) .. ns(content)
  redis.call('RPUSH', K_OUTBOX, item)
  OUTBOX[#OUTBOX + 1] = item
end

local function finish(reply)
  local msg = ''
  if #EV > 0 then
    msg = ns(ORIGIN) .. table.concat(EV)
    redis.call('PUBLISH', CHANNEL, msg)
  end
  local out = {reply, msg}
  for i = 1, #OUTBOX do out[#out + 1] = OUTBOX[i] end
  return out
end

local function get_meta(id)
  local raw = redis.call('HGET', K_TASKS, id)
  if not raw then return nil end
  return cmsgpack.unpack(raw)
end
local function set_meta(id, m) redis.call('HSET', K_TASKS, id, cmsgpack.pack(m)) end

local function stat_incr(field, by) redis.call('HINCRBY', K_STATS, field, by or 1) end

-- cursors: strictly increasing per queue, "<ms>-<seq>" with ms following NOW
local last_ms, last_seq = nil, nil
local function next_ckey()
  if last_ms == nil then
    local v = redis.call('HMGET', K_STATS, 'last_ms', 'last_seq')
    last_ms = tonumber(v[1]) or 0
    last_seq = tonumber(v[2]) or 0
  end
  if NOW > last_ms then
    last_ms, last_seq = NOW, 0
  else
    last_seq = last_seq + 1
  end
  redis.call('HSET', K_STATS, 'last_ms', string.format('%d', last_ms), 'last_seq',
             string.format('%d', last_seq))
  return string.format('%015d-%010d', last_ms, last_seq)
end

local function make_pending(id, m)
  local ckey = next_ckey()
  m[M_STATE] = 'P'
  m[M_CKEY] = ckey
  redis.call('ZADD', K_PENDING, 0, ckey .. id)
  set_meta(id, m)
  ev_pending()
end

-- removes the task from whichever index its state puts it in
local function unindex(id, m)
  local s = m[M_STATE]
  if s == 'P' then redis.call('ZREM', K_PENDING, m[M_CKEY] .. id)
  elseif s == 'D' then redis.call('ZREM', K_DELAYED, id)
  elseif s == 'L' then redis.call('ZREM', K_LEASED, id)
  elseif s == 'F' then redis.call('ZREM', K_DONE, id) end
end

local function forget(id)
  redis.call('HDEL', K_TASKS, id)
  redis.call('HDEL', K_BODY, id)
  redis.call('HDEL', K_RESULT, id)
end

-- attempts used up: dead-letter (through the outbox) or drop
local function dead(id, m)
  if m[M_DLQ] ~= '' then
    local content = redis.call('HGET', K_BODY, id) or ''
    outbox_push(m[M_DLQ], id, m[M_INFO], content)
  end
  forget(id)
  stat_incr('dead')
  ev_removed(id)
end

-- Applies leases, delays and result TTLs that are due at NOW (at most `limit` of each).
-- Atomic with the rest of the script, so two instances never apply one expiry twice.
local function apply_due(limit)
  local n = 0
  local ids = redis.call('ZRANGEBYSCORE', K_LEASED, '-inf', NOW, 'LIMIT', 0, limit)
  for _, id in ipairs(ids) do
    redis.call('ZREM', K_LEASED, id)
    local m = get_meta(id)
    if m then
      if m[M_MAXATT] > 0 and m[M_ATTEMPTS] >= m[M_MAXATT] then
        dead(id, m)
      else
        make_pending(id, m)
        stat_incr('redelivered')
      end
    end
    n = n + 1
  end
  ids = redis.call('ZRANGEBYSCORE', K_DELAYED, '-inf', NOW, 'LIMIT', 0, limit)
  for _, id in ipairs(ids) do
    redis.call('ZREM', K_DELAYED, id)
    local m = get_meta(id)
    if m then make_pending(id, m) end
    n = n + 1
  end
  ids = redis.call('ZRANGEBYSCORE', K_DONE, '-inf', NOW, 'LIMIT', 0, limit)
  for _, id in ipairs(ids) do
    redis.call('ZREM', K_DONE, id)
    forget(id)
    n = n + 1
  end
  return n
end

-- Creates a task unless one with this id exists in any state. true = created.
local function create_task(id, info, content, cache_ms, fwd, max_att, dlq, delay_ms)
  if redis.call('HEXISTS', K_TASKS, id) == 1 then return false end
  local m = {'P', '', 0, cache_ms, fwd, max_att, dlq, info}
  if content ~= '' then redis.call('HSET', K_BODY, id, content) end
  if delay_ms > 0 then
    m[M_STATE] = 'D'
    redis.call('ZADD', K_DELAYED, NOW + delay_ms, id)
    set_meta(id, m)
  else
    make_pending(id, m)
  end
  stat_incr('put')
  return true
end

-- Takes a pending task: leased until NOW + lease_ms, or deleted when lease_ms == 0.
-- Returns {id, info, content, attempt} or nil when the task is not pending.
local function acquire_one(id, lease_ms)
  local m = get_meta(id)
  if not m or m[M_STATE] ~= 'P' then return nil end
  redis.call('ZREM', K_PENDING, m[M_CKEY] .. id)
  m[M_ATTEMPTS] = m[M_ATTEMPTS] + 1
  local content = redis.call('HGET', K_BODY, id) or ''
  if lease_ms > 0 then
    m[M_STATE] = 'L'
    m[M_CKEY] = ''
    redis.call('ZADD', K_LEASED, NOW + lease_ms, id)
    set_meta(id, m)
  else
    forget(id)
  end
  stat_incr('acquired')
  return {id, m[M_INFO], content, m[M_ATTEMPTS]}
end
