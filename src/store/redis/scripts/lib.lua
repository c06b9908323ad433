-- lib.lua: the library of every operation script (scripts.cpp). On Redis 7 and later it
-- is the top of one Redis Function library (FUNCTION LOAD once per node), each operation
-- a function registered behind it whose body is begin_call(KEYS, ARGV) then the
-- operation's file; on older Redis each operation is one EVAL script, lib .. begin_call
-- .. the file, and this top level runs on every call (docs/redis.md, "How the scripts run").
-- Shared by all: the key schema of one queue, the queue's stats (read once per call,
-- written once at the end), cursors, the "apply what is due" step, task creation and
-- acquisition, and the event message published on pub/sub.
--
-- Cost model (docs/redis.md, "What a script costs"): each redis.call costs Redis about
-- as much as a small command sent by a client, so the scripts issue as few as they can:
-- one HMGET of the stats, one HSET of them at the end, and one command per key for a
-- whole batch (HMGET / HSET / ZADD / ZREM / HDEL with many fields) rather than per task.
--
-- KEYS[1] = "<prefix>:{<tag>}:" -- the queue's key base (keys.cpp: the tag is the name
--           with '%' and '}' percent-escaped); every key below starts with it, so one
--           script touches one cluster slot.
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
--   B.."tasks"   hash   id -> cmsgpack {state, key, attempts, cache_ms, fwd, max_attempts, dlq,
--                        info, content, result_info, incarnation}; state: P pending,
--                        D delayed, L leased, F finished (result cached); key: the ckey
--                        while P, the skey while D or L; content: the task's (P, D, L)
--                        or the result's (F);
--                        result_info means something only when F; incarnation: see
--                        create_tasks (nil in records written before it existed). One
--                        record per task, so a put, a take and a reply each write one
--                        hash field, not two.
--   B.."pending" zset   all scores 0, member = ckey .. id; ckey = "%015d-%010d" of the
--                        cursor, fixed width so lexical order is cursor order
--   B.."prio"    zset   the pending tasks whose priority is not 0 (they are in
--                        pending too), all scores 0, member = "%04d" of 1000 - priority
--                        .. ckey .. id: highest priority first, then cursor order
--   B.."bkey:"..k zset  the pending tasks with batch_key k (they are in pending, and
--                        in prio when their priority is not 0, too), all scores 0,
--                        member = "%04d" of 1000 - priority .. ckey .. id (as prio's, for
--                        every priority): take order. take_keyed.lua
--   B.."bkeys"   set    every k that had such a set (for clear_queue; never shrinks
--                        while the queue lives)
--   B.."delayed" zset   member = skey .. id scored by the ms it becomes visible
--   B.."leased"  zset   member = skey .. id scored by its lease deadline; skey = "%015d"
--                        of the queue's schedule sequence (stats.sched), so equal
--                        deadlines are applied in the order they were scheduled
--   B.."done"    zset   id scored by the ms its cached result expires
--   B.."stats"   hash   totals, last_ms/last_seq (the last cursor), due, sched; exists =
--                        queue exists
--   B.."outbox"  list   forwards / dead letters not yet delivered to their target queue
--   B.."expiring" zset  the pending and delayed tasks that have a deadline, scored by
--                        expires_at; member = "D" .. skey .. id while delayed, "P" .. ckey
--                        .. id while pending (expiry_member): at one instant the delayed
--                        ones first in schedule order, then the pending in cursor order
--   B.."limits"  hash   queue settings (config_queue): paused, max_leased, rate, burst,
--                        tat (the token bucket, see lease_allowance); exists only while
--                        a setting is in force, and then stats.limited = 1
--   B.."ev:"..id list  the task's progress events, oldest first, each cmsgpack {seq, info,
--                        content}: the newest 1,000, at most 1 MiB of info + content
--                        (progress.lua trims it); meta fields 20 (the last seq given) and
--                        21 (the kept bytes) describe it. Deleted with the task's record
--                        (forget).
--   B.."byid"    zset   all scores 0, member = state letter (D, L or F) .. id: the delayed,
--                        leased and done tasks by state and id, the order list_tasks pages
--                        them in (it does not change while a task keeps its state, as a
--                        deadline does on touch). Every change of one of those states
--                        changes this set in the same script.
--
-- stats.due is a lower bound of every score in delayed, leased, done and expiring (NEVER when they
-- are empty): while NOW < due nothing is due and apply_due costs no command. Every ZADD
-- into those sets lowers it (note_deadline); apply_due recomputes it when it scans.

-- The state of one call. Declared here without values and set by begin_call() at the
-- start of every call (the end of this file): as a Redis Function library this top
-- level runs once per load, not per call, so nothing that belongs to one call may be
-- initialised here, only constants and functions.
local B, QUEUE, NOW, ORIGIN, CHANNEL
local K_TASKS, K_PENDING, K_DELAYED, K_LEASED, K_DONE, K_STATS, K_OUTBOX
-- K_PRIO: pending tasks whose priority is not 0, also in K_PENDING (prio_member); see
-- take.lua. K_EXPIRING: pending / delayed tasks with a deadline, by expires_at
-- (expiry_member, expire_task).
local K_PRIO, K_BYID, K_EXPIRING, K_BKEYS, K_LIMITS

local CKEY_LEN = 26  -- #"%015d-%010d"
local SKEY_LEN = 15  -- #"%015d"
local DUE_LIMIT = 1000
local NEVER = 9000000000000000  -- due when nothing is scheduled (< 2^53, exact in Lua)
local CHUNK = 2000              -- values per multi-field command (Lua's unpack limit is ~8000)

-- meta fields
local M_STATE, M_CKEY, M_ATTEMPTS, M_CACHE, M_FWD, M_MAXATT, M_DLQ, M_INFO = 1, 2, 3, 4, 5, 6, 7, 8
local M_CONTENT, M_RINFO, M_INCARNATION = 9, 10, 11
-- Version 2 fields, present only in records of tasks that set one of them (parse_extras):
-- priority, cost, batch_key ('' none), retry_delay_ms, expires_at (ms its deadline
-- passes, 0 none). A record without them has the defaults 0, 1, '', 0, 0.
local M_PRIORITY, M_COST, M_BKEY, M_RETRY, M_EXPIRES = 12, 13, 14, 15, 16
-- NOW of the put that created the task (get's age). Fields 20..23 are reserved (progress
-- and others), so a record with it is a msgpack map (docs/redis.md); indexing is the same.
local M_CREATED = 24
-- Progress events (progress.lua): the seq of the last event given, the info + content
-- bytes of those kept in B.."ev:"..id; absent until the task's first progress.
local M_EVSEQ, M_EVBYTES = 20, 21
-- NOW of the acquire or take that leased the task (the service time's start); read only
-- while the state is L (a record leased before it existed has none: no service time).
local M_LEASED = 22

-- stats fields, read by one HMGET here and written back by one HSET in finish()
local S_NAMES = {'due', 'last_ms', 'last_seq', 'put', 'acquired', 'replied', 'redelivered',
                 'dead', 'removed', 'sched', 'limited', 'failed', 'released', 'expired'}
local S_DUE, S_LAST_MS, S_LAST_SEQ, S_PUT, S_ACQUIRED, S_REPLIED, S_REDELIVERED, S_DEAD,
      S_REMOVED, S_SCHED, S_LIMITED = 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11
local S_FAILED, S_RELEASED, S_EXPIRED = 12, 13, 14
-- ST: the stats by field index (begin_call reads them); ST_DIRTY: field index -> true
-- when finish() must write it. The due index (docs/redis.md, "The reaper"): finish()
-- reports stats.due when this call lowered it below DUE_AT_START (or always, when
-- REPORT_DUE is set: reap.lua), so the instance can record it as the queue's hint in P:due.
local ST, QUEUE_EXISTS, ST_DIRTY, DUE_AT_START, REPORT_DUE

local function stat_incr(field, by)
  ST[field] = ST[field] + (by or 1)
  ST_DIRTY[field] = true
end
-- A deadline was scheduled in delayed / leased / done.
local function note_deadline(ms)
  if ms < ST[S_DUE] then
    ST[S_DUE] = ms
    ST_DIRTY[S_DUE] = true
  end
end

-- Sends `cmd key v1 v2 ...` in chunks (multi-field HSET / ZADD / ZREM / HDEL).
local function call_many(cmd, key, values)
  local n = #values
  local i = 1
  while i <= n do
    local j = math.min(i + CHUNK - 1, n)
    redis.call(cmd, key, unpack(values, i, j))
    i = j + 1
  end
end
-- HMGET of many fields, in chunks; one result per field (false when absent).
local function hmget_many(key, fields)
  local n = #fields
  if n == 0 then return {} end
  if n <= CHUNK then return redis.call('HMGET', key, unpack(fields)) end
  local out = {}
  local i = 1
  while i <= n do
    local j = math.min(i + CHUNK - 1, n)
    local part = redis.call('HMGET', key, unpack(fields, i, j))
    for k = 1, #part do out[#out + 1] = part[k] end
    i = j + 1
  end
  return out
end

-- A netstring's length prefix. `#s .. ':'` would format the length as a Lua number
-- (sprintf "%.14g": the floating-point path, several times string.format('%d')'s cost,
-- and six of them per finished event), so short lengths come from LEN_TEXT (index n + 1:
-- "n:") and the rest from string.format('%d:').
local LEN_TEXT = {'0:', '1:', '2:', '3:', '4:', '5:', '6:', '7:', '8:', '9:', '10:', '11:',
                  '12:', '13:', '14:', '15:', '16:', '17:', '18:', '19:', '20:', '21:', '22:',
                  '23:', '24:', '25:', '26:', '27:', '28:', '29:', '30:', '31:', '32:', '33:',
                  '34:', '35:', '36:', '37:', '38:', '39:', '40:', '41:', '42:', '43:', '44:',
                  '45:', '46:', '47:', '48:', '49:', '50:', '51:', '52:', '53:', '54:', '55:',
                  '56:', '57:', '58:', '59:', '60:', '61:', '62:', '63:'}
local function len_prefix(s)
  local n = #s
  return LEN_TEXT[n + 1] or string.format('%d:', n)
end
local function ns(s) return len_prefix(s) .. s end

-- events: netstrings; message = ns(origin) then per event:
--   ns("p") ns(queue)                                  tasks became visible
--   ns("f") ns(queue) ns(id) ns(info) ns(content) ns(incarnation)  finished with a result
--   ns("r") ns(queue) ns(id) ns(incarnation)                       removed without a result
-- incarnation: the finished task's (create_tasks), "" for a record without one.
-- EV: the events of this call, but progress events, which go to EV_PROGRESS: finish()
-- publishes those in a message of their own, so that an instance of a version before
-- them, which drops a message with a kind it does not know, still gets the others.
local EV, EV_PROGRESS, ev_pending_sent
local function ev_pending()
  if not ev_pending_sent then
    ev_pending_sent = true
    EV[#EV + 1] = ns('p') .. ns(QUEUE)
  end
end
-- (One concatenation per event, not one per netstring: each would be a new Lua string,
-- hashed and copied, with the info and content in it; NS_QUEUE is ns(QUEUE), set by
-- begin_call.)
local NS_QUEUE
local function ev_finished(id, info, content, incarnation)
  incarnation = incarnation or ''
  EV[#EV + 1] = '1:f' .. NS_QUEUE .. len_prefix(id) .. id .. len_prefix(info) .. info ..
                len_prefix(content) .. content .. len_prefix(incarnation) .. incarnation
end
local function ev_removed(id, incarnation)
  EV[#EV + 1] = ns('r') .. ns(QUEUE) .. ns(id) .. ns(incarnation or '')
end
--   ns("x") ns(queue) ns(id) ns(incarnation)   removed: its deadline passed unleased
local function ev_expired(id, incarnation)
  EV[#EV + 1] = ns('x') .. ns(QUEUE) .. ns(id) .. ns(incarnation or '')
end
--   ns("g") ns(queue) ns(id) ns(incarnation) ns(seq) ns(info) ns(content)
--                                             a progress event of a leased task
local function ev_progress(id, incarnation, seq, info, content)
  EV_PROGRESS[#EV_PROGRESS + 1] = ns('g') .. ns(QUEUE) .. ns(id) .. ns(incarnation or '') ..
                ns(string.format('%d', seq)) .. ns(info) .. ns(content)
end

local OUTBOX  -- this call's outbox items
-- Queues a put of (id, info, content) into queue `target` (another slot in a cluster)
-- with the task's cache_ms ('' = the default), and the order key of the put among
-- others delivered together: the ms the item became due and the skey it was scheduled
-- with ('' for a forward, which is due when replied).
local function outbox_push(target, id, info, content, cache_ms, due_ms, skey)
  local item = ns(target) .. ns(id) .. ns(info) .. ns(content) .. ns(cache_ms) ..
               ns(string.format('%d', due_ms)) .. ns(skey)
  redis.call('RPUSH', K_OUTBOX, item)
  OUTBOX[#OUTBOX + 1] = item
end

-- Writes the stats that changed (one HSET), publishes the events, builds the reply:
-- {reply, event message, due hint ('' = none), outbox items...}.
local function finish(reply)
  local kv = {}
  for i = 1, #S_NAMES do
    if ST_DIRTY[i] then
      kv[#kv + 1] = S_NAMES[i]
      kv[#kv + 1] = string.format('%d', ST[i])
    end
  end
  if #kv > 0 then redis.call('HSET', K_STATS, unpack(kv)) end
  local msg = ''
  if #EV > 0 then
    msg = ns(ORIGIN) .. table.concat(EV)
    redis.call('PUBLISH', CHANNEL, msg)
  end
  if #EV_PROGRESS > 0 then
    local progress = table.concat(EV_PROGRESS)
    redis.call('PUBLISH', CHANNEL, ns(ORIGIN) .. progress)
    msg = (msg == '' and ns(ORIGIN) or msg) .. progress
  end
  local due = ''
  if REPORT_DUE or ST[S_DUE] < DUE_AT_START then due = string.format('%d', ST[S_DUE]) end
  local out = {reply, msg, due}
  for i = 1, #OUTBOX do out[#out + 1] = OUTBOX[i] end
  return out
end

local function get_meta(id)
  local raw = redis.call('HGET', K_TASKS, id)
  if not raw then return nil end
  return cmsgpack.unpack(raw)
end
local function set_meta(id, m) redis.call('HSET', K_TASKS, id, cmsgpack.pack(m)) end

-- cursors: strictly increasing per queue, "<ms>-<seq>" with ms following NOW. The new
-- values reach stats in finish(); commit_ckey() after the cursor was used.
local function peek_ckey()
  if NOW > ST[S_LAST_MS] then return NOW, 0 end
  return ST[S_LAST_MS], ST[S_LAST_SEQ] + 1
end
local function commit_ckey(ms, seq)
  ST[S_LAST_MS], ST[S_LAST_SEQ] = ms, seq
  ST_DIRTY[S_LAST_MS], ST_DIRTY[S_LAST_SEQ] = true, true
end
local function ckey_of(ms, seq) return string.format('%015d-%010d', ms, seq) end
-- The schedule key of a task entering delayed or leased: string.format(SKEY_FMT, seq)
-- with seq = ++stats.sched, increasing per queue, so among equal deadlines the sorted
-- sets order members (skey .. id) by when they were scheduled. (Written inline: a
-- helper closure would cost every call of every script.)
local SKEY_FMT = '%015d'

-- The member of a pending task in B.."prio" (score 0): "<1000 - priority, 4 digits>
-- <ckey><id>", so the set's lexical order is highest priority first, then cursor order;
-- nil for priority 0 (such tasks are only in B.."pending").
local PRIO_LEN = 4
local function prio_member(id, m)
  local p = m[M_PRIORITY]
  if not p or p == 0 then return nil end
  return string.format('%04d', 1000 - p) .. m[M_CKEY] .. id
end

-- The index of a pending task's batch_key: its zset and member there (as prio_member,
-- for every priority), or nil for a task without a key. Adding registers the key in
-- B.."bkeys" (clear_queue deletes the sets from that list).
local function key_index_add(id, m)
  local k = m[M_BKEY]
  if not k or k == '' then return end
  redis.call('ZADD', B .. 'bkey:' .. k, 0, string.format('%04d', 1000 - (m[M_PRIORITY] or 0)) .. m[M_CKEY] .. id)
  redis.call('SADD', K_BKEYS, k)
end
local function key_index_rem(id, m)
  local k = m[M_BKEY]
  if not k or k == '' then return end
  redis.call('ZREM', B .. 'bkey:' .. k, string.format('%04d', 1000 - (m[M_PRIORITY] or 0)) .. m[M_CKEY] .. id)
end

-- The member of a pending or delayed task in B.."expiring" (scored by its expires_at);
-- nil for a task without a deadline (never in it). Read before M_STATE / M_CKEY change.
local function expiry_member(id, m)
  local x = m[M_EXPIRES]
  if not x or x == 0 then return nil end
  return (m[M_STATE] == 'D' and 'D' or 'P') .. m[M_CKEY] .. id
end
-- Whether the task's deadline has passed (false without one).
local function deadline_passed(m)
  local x = m[M_EXPIRES]
  return x ~= nil and x ~= 0 and x <= NOW
end

-- removes the task from whichever index its state puts it in
local function unindex(id, m)
  local s = m[M_STATE]
  if s == 'P' then
    redis.call('ZREM', K_PENDING, m[M_CKEY] .. id)
    local pm = prio_member(id, m)
    if pm then redis.call('ZREM', K_PRIO, pm) end
    key_index_rem(id, m)
    local xm = expiry_member(id, m)
    if xm then redis.call('ZREM', K_EXPIRING, xm) end
  elseif s == 'D' then
    redis.call('ZREM', K_DELAYED, m[M_CKEY] .. id)
    local xm = expiry_member(id, m)
    if xm then redis.call('ZREM', K_EXPIRING, xm) end
  elseif s == 'L' then
    redis.call('ZREM', K_LEASED, m[M_CKEY] .. id)
    if ST[S_LIMITED] == 1 then ev_pending() end  -- room freed under max_leased
  elseif s == 'F' then redis.call('ZREM', K_DONE, id) end
  if s ~= 'P' then redis.call('ZREM', K_BYID, s .. id) end
end

-- Deletes the task's record and its progress events: every path that deletes a task
-- comes here. `m`, its record when the caller read it, saves the DEL of a task that
-- never reported progress; without it the events key is deleted blindly.
local function forget(id, m)
  redis.call('HDEL', K_TASKS, id)
  if not m or m[M_EVSEQ] then redis.call('DEL', B .. 'ev:' .. id) end
end

-- Moves the leased task's lease end to NOW + lease_ms, scheduled again (a new skey), as
-- on the memory store: among leases of the same deadline it now comes after those
-- scheduled before. Writes m. (touch.lua, progress.lua)
local function extend_lease(id, m, lease_ms)
  local deadline = NOW + lease_ms
  redis.call('ZREM', K_LEASED, m[M_CKEY] .. id)
  stat_incr(S_SCHED)
  m[M_CKEY] = string.format(SKEY_FMT, ST[S_SCHED])
  redis.call('ZADD', K_LEASED, deadline, m[M_CKEY] .. id)
  set_meta(id, m)
  note_deadline(deadline)
end

-- Creates tasks unless one with the id exists in any state; `tasks` is a list of
-- {id, info, content, cache_ms, fwd, max_att, dlq, delay_ms}. One command per key for the
-- whole list. Returns a list of 1 (created) / 0. Zero scores are passed as the text '0':
-- Redis formats a Lua number argument with snprintf("%.17g"), several times the cost of
-- a constant string (likewise in acquire_many and complete_tasks).
-- Each task gets its incarnation "<µs>.<n>": the Redis server's TIME in microseconds
-- (read once per script) and n, the queue's put count with it. Unique per (queue, id)
-- over time: n grows while the queue lives, and a cleared queue (n starts again) comes
-- back only in a later script, at a later TIME of the node that holds the queue's slot.
-- Not NOW: instances' clocks differ, and two may share a ms. Events of the task carry
-- it, so a call can ignore the late event of the task the id named before.
local CREATED_INCARNATION  -- of the last task create_tasks created ('' none)
local incarnation_time     -- the TIME part of this call's incarnations, read once
-- Writes the Version 2 fields of put.lua's `extras` argument into meta record m (all
-- five, so the record stays a msgpack array); nothing for "" (the defaults).
local function parse_extras(m, extras)
  if extras == nil or extras == '' then return end
  local p1 = string.find(extras, '|', 1, true)
  local p2 = string.find(extras, '|', p1 + 1, true)
  local p3 = string.find(extras, '|', p2 + 1, true)
  local p4 = string.find(extras, '|', p3 + 1, true)
  local deadline_ms = tonumber(string.sub(extras, p3 + 1, p4 - 1))
  m[M_PRIORITY] = tonumber(string.sub(extras, 1, p1 - 1))
  m[M_COST] = tonumber(string.sub(extras, p1 + 1, p2 - 1))
  m[M_RETRY] = tonumber(string.sub(extras, p2 + 1, p3 - 1))
  m[M_EXPIRES] = deadline_ms > 0 and NOW + deadline_ms or 0
  m[M_BKEY] = string.sub(extras, p4 + 1)
end

local function create_tasks(tasks)
  local created = {}
  local pending, delayed, prio, byid, expiring, records = {}, {}, {}, {}, {}, {}
  -- Which ids exist already: one HMGET for a batch (then one HSET of the new records);
  -- a single task asks with its own HSETNX (one command, not two). `fresh` holds the
  -- ids this call creates, so a repeated id finds the first one's task.
  local existing, fresh
  if #tasks > 1 then
    local ids = {}
    for i, t in ipairs(tasks) do ids[i] = t[1] end
    existing, fresh = hmget_many(K_TASKS, ids), {}
  end
  for i, t in ipairs(tasks) do
    local id, delay_ms = t[1], t[8]
    if not incarnation_time then
      local time = redis.call('TIME')
      incarnation_time = time[1] .. string.format('%06d', tonumber(time[2]))
    end
    local m = {'P', '', 0, t[4], t[5], t[6], t[7], t[2], t[3], '',
               incarnation_time .. '.' .. string.format('%d', ST[S_PUT] + 1)}
    parse_extras(m, t[9])
    m[M_CREATED] = NOW
    local cms, cseq
    if delay_ms > 0 then
      m[M_STATE] = 'D'
      m[M_CKEY] = string.format(SKEY_FMT, ST[S_SCHED] + 1)
    else
      cms, cseq = peek_ckey()
      m[M_CKEY] = ckey_of(cms, cseq)
    end
    local new
    if existing then
      new = not existing[i] and not fresh[id]
      if new then
        fresh[id] = true
        records[#records + 1] = id
        records[#records + 1] = cmsgpack.pack(m)
      end
    else
      new = redis.call('HSETNX', K_TASKS, id, cmsgpack.pack(m)) == 1
    end
    if new then
      created[i] = 1
      CREATED_INCARNATION = m[M_INCARNATION]
      if delay_ms > 0 then
        ST[S_SCHED] = ST[S_SCHED] + 1
        ST_DIRTY[S_SCHED] = true
        delayed[#delayed + 1] = NOW + delay_ms
        delayed[#delayed + 1] = m[M_CKEY] .. id
        byid[#byid + 1] = '0'
        byid[#byid + 1] = 'D' .. id
        note_deadline(NOW + delay_ms)
      else
        commit_ckey(cms, cseq)
        pending[#pending + 1] = '0'
        pending[#pending + 1] = m[M_CKEY] .. id
        local pm = prio_member(id, m)
        if pm then
          prio[#prio + 1] = '0'
          prio[#prio + 1] = pm
        end
        key_index_add(id, m)
      end
      local xm = expiry_member(id, m)
      if xm then
        expiring[#expiring + 1] = m[M_EXPIRES]
        expiring[#expiring + 1] = xm
        note_deadline(m[M_EXPIRES])
      end
      stat_incr(S_PUT)
    else
      created[i] = 0
    end
  end
  call_many('HSET', K_TASKS, records)
  -- A new queue records that nothing is due yet, so its next call need not scan.
  if not QUEUE_EXISTS and ST_DIRTY[S_PUT] then ST_DIRTY[S_DUE] = true end
  call_many('ZADD', K_PENDING, pending)
  call_many('ZADD', K_PRIO, prio)
  call_many('ZADD', K_DELAYED, delayed)
  call_many('ZADD', K_BYID, byid)
  call_many('ZADD', K_EXPIRING, expiring)
  if #pending > 0 then ev_pending() end
  return created
end

-- Applies leases, delays and result TTLs that are due at NOW (at most `limit` of each).
-- Atomic with the rest of the script, so two instances never apply one expiry twice.
-- Costs no command while NOW < stats.due.
--
-- Order (docs/protocol.md, "Orders"): leases and delays are applied by due time, then
-- by when they were scheduled (their skey), one merged sequence, so the tasks they make
-- visible get cursors in that order; a dead letter into this same queue is created at
-- its place in it. Dead letters for other queues carry their due time and skey in the
-- outbox item, for the reaper to deliver those of one pass in the same order.
local attempt_failed  -- (id, m, failed_at, skey): defined at the end of this file
local expire_task     -- (id, m, due_ms, skey): likewise
local function apply_due(limit)
  if NOW < ST[S_DUE] then return 0 end
  -- Helpers of this rare path are created here, not at the top: every closure a
  -- script creates costs Redis time on every call.
  local function make_pending(id, m)
    local xm = expiry_member(id, m)
    if xm then
      redis.call('ZREM', K_EXPIRING, xm)
      -- Its deadline passed while it was delayed: it expires instead (at its deadline's
      -- place among dead letters, as the expiring set would have applied it).
      if deadline_passed(m) then
        expire_task(id, m, m[M_EXPIRES], 'x' .. string.sub(xm, 1, #xm - #id))
        return
      end
    end
    local ms, seq = peek_ckey()
    commit_ckey(ms, seq)
    local ckey = ckey_of(ms, seq)
    m[M_STATE] = 'P'
    m[M_CKEY] = ckey
    redis.call('ZADD', K_PENDING, 0, ckey .. id)
    local pm = prio_member(id, m)
    if pm then redis.call('ZADD', K_PRIO, 0, pm) end
    key_index_add(id, m)
    if xm then redis.call('ZADD', K_EXPIRING, m[M_EXPIRES], expiry_member(id, m)) end
    set_meta(id, m)
    ev_pending()
  end

  -- The earliest score of a sorted set, or NEVER.
  local function first_score(key)
    local r = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
    if r[2] then return tonumber(r[2]) end
    return NEVER
  end

  local n = 0
  local leased = redis.call('ZRANGEBYSCORE', K_LEASED, '-inf', NOW, 'WITHSCORES', 'LIMIT', 0, limit)
  local delayed = redis.call('ZRANGEBYSCORE', K_DELAYED, '-inf', NOW, 'WITHSCORES', 'LIMIT', 0,
                             limit)
  -- A list cut at `limit` may hide members that sort before the other's rest: the merge
  -- stops where a cut list ends (the next call goes on, as `due` stays <= NOW).
  local l_cut, d_cut = #leased >= 2 * limit, #delayed >= 2 * limit
  local li, di = 1, 1
  while true do
    local l_left, d_left = li <= #leased, di <= #delayed
    if (not l_left and (l_cut or not d_left)) or (not d_left and d_cut) then break end
    local from_leased = l_left
    if l_left and d_left then
      local ls, ds = tonumber(leased[li + 1]), tonumber(delayed[di + 1])
      from_leased = ls < ds or (ls == ds and leased[li] < delayed[di])
    end
    if from_leased then
      local member, due_ms = leased[li], tonumber(leased[li + 1])
      li = li + 2
      redis.call('ZREM', K_LEASED, member)
      if ST[S_LIMITED] == 1 then ev_pending() end  -- room freed under max_leased
      local id = string.sub(member, SKEY_LEN + 1)
      redis.call('ZREM', K_BYID, 'L' .. id)
      local m = get_meta(id)
      if m then attempt_failed(id, m, due_ms, string.sub(member, 1, SKEY_LEN)) end
    else
      local member = delayed[di]
      di = di + 2
      redis.call('ZREM', K_DELAYED, member)
      local id = string.sub(member, SKEY_LEN + 1)
      redis.call('ZREM', K_BYID, 'D' .. id)
      local m = get_meta(id)
      if m then make_pending(id, m) end
    end
    n = n + 1
  end
  -- Tasks whose deadline passed while pending or delayed (after the leases and delays:
  -- those already made due expiries of their own above).
  local expiring = redis.call('ZRANGEBYSCORE', K_EXPIRING, '-inf', NOW, 'WITHSCORES', 'LIMIT', 0,
                              limit)
  for i = 1, #expiring, 2 do
    local member = expiring[i]
    local kind = string.sub(member, 1, 1)
    local key_len = 1 + (kind == 'D' and SKEY_LEN or CKEY_LEN)
    local id = string.sub(member, key_len + 1)
    local m = get_meta(id)
    if m and expiry_member(id, m) == member then
      unindex(id, m)
      expire_task(id, m, tonumber(expiring[i + 1]), 'x' .. string.sub(member, 1, key_len))
    else
      redis.call('ZREM', K_EXPIRING, member)  -- stale (its task is gone: clear_queue)
    end
    n = n + 1
  end
  -- Expired results: forget's work for all of them with one command per key (their
  -- records are not read, so each one's progress events key is deleted blindly, as
  -- forget(id) does). Once results expire, every call of a busy queue comes here.
  local ids = redis.call('ZRANGEBYSCORE', K_DONE, '-inf', NOW, 'LIMIT', 0, limit)
  if #ids > 0 then
    local byid, events = {}, {}
    for i, id in ipairs(ids) do
      byid[i] = 'F' .. id
      events[i] = B .. 'ev:' .. id
    end
    call_many('ZREM', K_DONE, ids)
    call_many('ZREM', K_BYID, byid)
    call_many('HDEL', K_TASKS, ids)
    for i = 1, #events, CHUNK do
      redis.call('DEL', unpack(events, i, math.min(i + CHUNK - 1, #events)))
    end
    n = n + #ids
  end
  -- What is left is not due (or more than `limit` was: then due <= NOW, scan again).
  local due = math.min(first_score(K_LEASED), first_score(K_DELAYED), first_score(K_DONE),
                       first_score(K_EXPIRING))
  if QUEUE_EXISTS and due ~= ST[S_DUE] then
    ST[S_DUE] = due
    ST_DIRTY[S_DUE] = true
  end
  return n
end

-- Acquires the listed tasks that are pending (each once, in the order given): leased
-- until NOW + lease_ms, or deleted when lease_ms == 0 (waiters are told "removed").
-- `popped`: true when the caller already removed them from the pending set (take).
-- Returns the flat list {id, info, content, attempt, priority, batch_key, cost,
-- queue_delay_ms, ...} of the acquired ones (ACQUIRED_FIELDS per task); queue_delay_ms:
-- NOW - the ms of the cursor it was pending with (when it became visible), at least 0.
-- `cap` (optional): acquire at most this many.
local ACQUIRED_FIELDS = 8
local function acquire_many(ids, lease_ms, popped, cap)
  local raws = hmget_many(K_TASKS, ids)
  local got, metas, seen = {}, {}, {}
  local late = nil  -- pending tasks whose deadline passed (more came due than apply_due did)
  for i, id in ipairs(ids) do
    local raw = raws[i]
    if cap and #got >= cap then break end
    if raw and not seen[id] then
      local m = cmsgpack.unpack(raw)
      if m[M_STATE] == 'P' then
        seen[id] = true
        if deadline_passed(m) then
          late = late or {}
          late[#late + 1] = {id, m}
        else
          got[#got + 1] = id
          metas[#metas + 1] = m
        end
      end
    end
  end
  if late then
    -- Never leased: they expire here. take popped them from pending and prio already.
    for _, t in ipairs(late) do
      local id, m = t[1], t[2]
      local xm = expiry_member(id, m)
      if popped then
        redis.call('ZREM', K_EXPIRING, xm)
        key_index_rem(id, m)  -- take.lua pops pending and prio only
      else
        unindex(id, m)
      end
      expire_task(id, m, m[M_EXPIRES], 'x' .. string.sub(xm, 1, #xm - #id))
    end
  end
  local out = {}
  if #got == 0 then return out end
  if not popped then
    local members, pms = {}, {}
    for i, id in ipairs(got) do
      members[i] = metas[i][M_CKEY] .. id
      local pm = prio_member(id, metas[i])
      if pm then pms[#pms + 1] = pm end
    end
    call_many('ZREM', K_PENDING, members)
    call_many('ZREM', K_PRIO, pms)
  end
  local xms = {}  -- leased tasks leave the expiring set: their lease governs them
  for i, id in ipairs(got) do
    local xm = expiry_member(id, metas[i])
    if xm then xms[#xms + 1] = xm end
  end
  call_many('ZREM', K_EXPIRING, xms)
  local leased, records, byid = {}, {}, {}
  local sched = ST[S_SCHED]
  local deadline = string.format('%d', NOW + lease_ms)  -- every lease's score, as text
  for i, id in ipairs(got) do
    local m = metas[i]
    key_index_rem(id, m)  -- also when popped: take.lua pops pending and prio only
    m[M_ATTEMPTS] = m[M_ATTEMPTS] + 1
    local n = #out
    out[n + 1] = id
    out[n + 2] = m[M_INFO]
    out[n + 3] = m[M_CONTENT]
    out[n + 4] = m[M_ATTEMPTS]
    -- priority, batch_key ('' none), cost: as text (a Lua number in a reply would be
    -- cut to an integer); the defaults (a record without the Version 2 fields) as
    -- constants, what string.format gives for them.
    local priority, cost = m[M_PRIORITY], m[M_COST]
    out[n + 5] = (priority == nil or priority == 0) and '0' or string.format('%d', priority)
    out[n + 6] = m[M_BKEY] or ''
    out[n + 7] = (cost == nil or cost == 1) and '1' or string.format('%.17g', cost)
    out[n + 8] = string.format('%d', math.max(NOW - tonumber(string.sub(m[M_CKEY], 1, 15)), 0))
    if lease_ms > 0 then
      sched = sched + 1
      m[M_STATE] = 'L'
      m[M_LEASED] = NOW
      m[M_CKEY] = string.format(SKEY_FMT, sched)
      leased[#leased + 1] = deadline
      leased[#leased + 1] = m[M_CKEY] .. id
      byid[#byid + 1] = '0'
      byid[#byid + 1] = 'L' .. id
      records[#records + 1] = id
      records[#records + 1] = cmsgpack.pack(m)
    else
      ev_removed(id, m[M_INCARNATION])
    end
  end
  if lease_ms > 0 then
    ST[S_SCHED] = sched
    ST_DIRTY[S_SCHED] = true
    call_many('ZADD', K_LEASED, leased)
    call_many('ZADD', K_BYID, byid)
    call_many('HSET', K_TASKS, records)
    note_deadline(NOW + lease_ms)
  else
    call_many('HDEL', K_TASKS, got)
    -- As forget does: a redelivered task may carry progress events of earlier leases.
    for i, id in ipairs(got) do
      if metas[i][M_EVSEQ] then redis.call('DEL', B .. 'ev:' .. id) end
    end
  end
  stat_incr(S_ACQUIRED, #got)
  return out
end

-- Completes pending (or delayed) or leased tasks with replies, in the order given; the
-- first reply wins. Each caches the result for the task's cache_ms (0: forgets the task
-- now), queues a forward in the outbox when the task has forward_result_to, notes
-- "finished". A forward is a put made while this task still holds its id: one into the
-- task's own queue finds the id taken and creates nothing (docs/protocol.md), so none
-- is queued. The replies are argv[a..]: n triplets (id, result info, result content).
-- Returns {completed_1, service_ms_1, ...}: 1 if the reply completed the task, else 0
-- (done already, absent, or an id repeated in this call, which the first completed);
-- the service time (NOW - the lease start) when it completed a leased task, else -1.
-- (reply.lua, reply_batch.lua)
-- One command per key for the whole list (HMGET, ZREM, ZADD, HSET with many members) on
-- the common path, a leased task kept as a result; the rest (a pending or delayed task,
-- cache_ms 0) go the per-task way. Members of different tasks differ, so the order of
-- the commands does not matter.
local function complete_tasks(argv, a, n)
  local ids = {}
  for i = 1, n do ids[i] = argv[a + 3 * (i - 1)] end
  local raws = hmget_many(K_TASKS, ids)
  local out, seen = {}, {}
  local leased_rem, byid_rem, done_add, byid_add, records = {}, {}, {}, {}, {}
  local expiry_cache_ms, expiry_text
  for i = 1, n do
    local id = ids[i]
    local info, content = argv[a + 3 * (i - 1) + 1], argv[a + 3 * (i - 1) + 2]
    local m = (raws[i] and not seen[id]) and cmsgpack.unpack(raws[i]) or nil
    if not m or m[M_STATE] == 'F' then
      out[#out + 1], out[#out + 2] = 0, -1
    else
      seen[id] = true
      local service_ms = -1
      if m[M_STATE] == 'L' then
        if m[M_LEASED] then service_ms = math.max(NOW - m[M_LEASED], 0) end
        -- unindex() of a leased task, batched
        leased_rem[#leased_rem + 1] = m[M_CKEY] .. id
        byid_rem[#byid_rem + 1] = 'L' .. id
        if ST[S_LIMITED] == 1 then ev_pending() end  -- room freed under max_leased
      else
        unindex(id, m)
      end
      if m[M_FWD] ~= '' and m[M_FWD] ~= QUEUE then outbox_push(m[M_FWD], id, info, content, '', NOW, '') end
      if m[M_CACHE] > 0 then
        -- the expiry as text, formatted once per distinct cache_ms of the batch
        if m[M_CACHE] ~= expiry_cache_ms then
          expiry_cache_ms = m[M_CACHE]
          expiry_text = string.format('%d', NOW + expiry_cache_ms)
        end
        done_add[#done_add + 1] = expiry_text
        done_add[#done_add + 1] = id
        byid_add[#byid_add + 1] = '0'
        byid_add[#byid_add + 1] = 'F' .. id
        note_deadline(NOW + m[M_CACHE])
        m[M_STATE] = 'F'
        m[M_CKEY] = ''
        m[M_CONTENT] = content
        m[M_RINFO] = info
        records[#records + 1] = id
        records[#records + 1] = cmsgpack.pack(m)
      else
        forget(id, m)
      end
      stat_incr(S_REPLIED)
      ev_finished(id, info, content, m[M_INCARNATION])
      out[#out + 1], out[#out + 2] = 1, service_ms
    end
  end
  call_many('ZREM', K_LEASED, leased_rem)
  call_many('ZREM', K_BYID, byid_rem)
  call_many('ZADD', K_DONE, done_add)
  call_many('ZADD', K_BYID, byid_add)
  call_many('HSET', K_TASKS, records)
  return out
end

-- Queue settings (config_queue): pause, max_leased and a token bucket over leases.
-- Queues without settings pay nothing here: stats.limited (read with the other stats)
-- says whether B.."limits" exists. The bucket is a GCRA, as in src/core/queue_settings.hpp
-- (same formulas): one number, tat, the ms at which the bucket is full again, on the
-- Redis server's clock (TIME), never an instance's, so all instances share one bucket.
-- TIME in a script that writes is fine: scripts are replicated by their effects
-- (the default since Redis 5; Debian's Redis is 7).
local LIMITS      -- {paused, max_leased, rate, burst, tat, rate_text, burst_text}, once read
local LIMITS_NOW  -- the Redis clock in ms, read once per call when a bucket is used
local U32_MAX = 4294967295

local function load_limits()
  if ST[S_LIMITED] ~= 1 then return nil end
  if LIMITS then return LIMITS end
  local v = redis.call('HMGET', K_LIMITS, 'paused', 'max_leased', 'rate', 'burst', 'tat')
  LIMITS = {tonumber(v[1]) or 0, tonumber(v[2]) or 0, tonumber(v[3]) or 0, tonumber(v[4]) or 0,
            tonumber(v[5]) or 0, v[3] or '0', v[4] or '0'}
  return LIMITS
end
local function limits_now()
  if not LIMITS_NOW then
    local t = redis.call('TIME')
    LIMITS_NOW = tonumber(t[1]) * 1000 + tonumber(t[2]) / 1000
  end
  return LIMITS_NOW
end
local function effective_burst(rate, burst)
  if rate <= 0 then return 0 end
  if burst > 0 then return burst end
  return math.max(1, rate)
end
local function bucket_available(rate, burst, tat, now)
  local t = 1000 / rate
  local tokens = (now - math.max(tat, now)) / t + burst
  if tokens < 1 then return 0 end
  return math.min(math.floor(tokens + 1e-9), U32_MAX)
end

-- How many tasks this take / acquire may lease now (U32_MAX: no limit). O(1).
local function lease_allowance()
  local l = load_limits()
  if not l then return U32_MAX end
  if l[1] == 1 then return 0 end
  local allowance = U32_MAX
  if l[2] > 0 then allowance = math.max(0, l[2] - redis.call('ZCARD', K_LEASED)) end
  if l[3] > 0 and allowance > 0 then
    allowance = math.min(allowance,
                         bucket_available(l[3], effective_burst(l[3], l[4]), l[5], limits_now()))
  end
  return allowance
end
-- `n` leases were handed out: spends n tokens of the bucket, if there is one.
local function spend_lease_tokens(n)
  local l = LIMITS
  if not l or l[3] <= 0 or n <= 0 then return end
  l[5] = math.max(l[5], limits_now()) + n * 1000 / l[3]
  redis.call('HSET', K_LIMITS, 'tat', string.format('%.17g', l[5]))
end
-- Ms until the bucket has a token (0: it has one, or there is no bucket).
local function bucket_wait_ms()
  local l = load_limits()
  if not l or l[1] == 1 or l[3] <= 0 then return 0 end
  local rate, burst, now = l[3], effective_burst(l[3], l[4]), limits_now()
  if bucket_available(rate, burst, l[5], now) > 0 then return 0 end
  local t = 1000 / rate
  local wait = math.max(l[5], now) + t - burst * t - now
  if wait < 1 then return 1 end
  return math.floor(wait + 0.999999)
end

-- Failures (docs/scheduling.md): the retry delay, and what follows a failed attempt.
local M_LAST_ERROR_INFO, M_LAST_ERROR_CONTENT, M_SOURCE_QUEUE = 17, 18, 19
-- Every field up to 19 is given before one of 17..19 is set, so that the record stays a
-- msgpack array (a table with holes would be packed as a map): the defaults of 12..16
-- (see parse_extras), no last_error (false, ''), no source queue (false).
local RECORD_DEFAULTS = {0, 1, '', 0, 0, false, '', false}
local function fill_record(m)
  for i = 12, 19 do
    if m[i] == nil then m[i] = RECORD_DEFAULTS[i - 11] end
  end
end

-- The dead-lettered copy `id` (just created here) carries what its source knew: the
-- queue it came from with the attempts used there ({queue, attempts} in field 19; the
-- copy's own count starts from 0) and the last_error (when there was one).
local function mark_dead_letter(id, source, attempts, has_error, error_info, error_content)
  local m = get_meta(id)
  fill_record(m)
  m[M_SOURCE_QUEUE] = {source, attempts}
  if has_error then
    m[M_LAST_ERROR_INFO] = error_info
    m[M_LAST_ERROR_CONTENT] = error_content
  end
  set_meta(id, m)
end

-- The delay after attempt `attempt` of task `id` failed, for a retry_delay of `base` ms:
-- min(base x 2^(attempt-1), 3600 s) minus a jitter of up to 20% picked by a hash of
-- (queue, id, attempt). Exactly src/core/retry_delay.cpp's arithmetic: every value stays
-- an integer below 2^53, so Lua's doubles compute the same numbers.
local function retry_delay_ms(base, id, attempt)
  if not base or base <= 0 then return 0 end
  local delay = base
  local i = 1
  while i < attempt and delay < 3600000 do
    delay = delay * 2
    i = i + 1
  end
  if delay > 3600000 then delay = 3600000 end
  local h = 0
  local text = QUEUE .. '\0' .. id .. '\0' .. string.format('%d', attempt)
  for k = 1, #text do h = (h * 257 + string.byte(text, k) + 1) % 2147483647 end
  return delay - math.floor(delay * (h % 2001) / 10000)
end

-- A task back in pending or delayed with a deadline rejoins B.."expiring", and the
-- deadline bounds stats.due like every other score there: without that, a queue whose due
-- had moved past the deadline (a touched lease) would expire the task only at that later
-- time, while the memory engine expires it at its deadline.
local function note_expiry(id, m)
  local xm = expiry_member(id, m)
  if not xm then return end
  redis.call('ZADD', K_EXPIRING, m[M_EXPIRES], xm)
  note_deadline(m[M_EXPIRES])
end

-- Task `id`, out of the leased set, goes back to its queue: delayed until `visible_at`
-- when that is in the future, else pending now (with its priority entry). Writes m.
-- (A retry after a failed attempt, and release.lua.)
local function back_to_queue(id, m, visible_at)
  if visible_at > NOW then
    stat_incr(S_SCHED)
    m[M_STATE] = 'D'
    m[M_CKEY] = string.format(SKEY_FMT, ST[S_SCHED])
    redis.call('ZADD', K_DELAYED, visible_at, m[M_CKEY] .. id)
    redis.call('ZADD', K_BYID, 0, 'D' .. id)
    note_deadline(visible_at)
    note_expiry(id, m)
  else
    local ms, seq = peek_ckey()
    commit_ckey(ms, seq)
    m[M_STATE] = 'P'
    m[M_CKEY] = ckey_of(ms, seq)
    redis.call('ZADD', K_PENDING, 0, m[M_CKEY] .. id)
    local pm = prio_member(id, m)
    if pm then redis.call('ZADD', K_PRIO, 0, pm) end
    key_index_add(id, m)
    note_expiry(id, m)
    ev_pending()
  end
  set_meta(id, m)
end

-- Task `id` (its record `m`, already forgotten) leaves the queue for good: into its
-- dead_letter_to when set, as a dead-lettered copy (a fresh task: no retries, no
-- forwarding) that keeps id, info, content and the result cache time, plus its origin
-- and last error. Into this same queue at once; into another through the outbox, where
-- `due_ms` and `skey` order the item among one pass's dead letters (parse_outbox_item in
-- messages.cpp reads it). Shared by attempts used up (attempt_failed) and expiry.
local function dead_letter(id, m, due_ms, skey)
  local dlq = m[M_DLQ]
  local has_error = m[M_LAST_ERROR_INFO] and true or false
  if dlq == QUEUE then
    local created = create_tasks({{id, m[M_INFO], m[M_CONTENT], m[M_CACHE], '', 0, '', 0}})
    if created[1] == 1 then
      mark_dead_letter(id, QUEUE, m[M_ATTEMPTS], has_error, m[M_LAST_ERROR_INFO],
                       m[M_LAST_ERROR_CONTENT])
    end
  elseif dlq ~= '' then
    local item = ns(dlq) .. ns(id) .. ns(m[M_INFO]) .. ns(m[M_CONTENT]) ..
                 ns(string.format('%d', m[M_CACHE])) .. ns(string.format('%d', due_ms)) ..
                 ns(skey) .. ns('d') .. ns(QUEUE) .. ns(string.format('%d', m[M_ATTEMPTS])) ..
                 ns(has_error and '1' or '0') .. ns(has_error and m[M_LAST_ERROR_INFO] or '') ..
                 ns(m[M_LAST_ERROR_CONTENT] or '')
    redis.call('RPUSH', K_OUTBOX, item)
    OUTBOX[#OUTBOX + 1] = item
  end
end

-- Attempt m[M_ATTEMPTS] of task `id` failed at `failed_at` (its lease ran out then, or
-- fail was called): with attempts left, the task is redelivered at failed_at + its retry
-- delay (pending at once when that is not in the future); else it is dead-lettered or
-- dropped. The caller has taken it out of the leased set. The dead-lettered copy is a
-- fresh task (no retries, no forwarding) that keeps id, info, content and the result
-- cache time; `skey` orders outbox items of one pass (the lease's schedule key).
attempt_failed = function(id, m, failed_at, skey)
  if m[M_MAXATT] > 0 and m[M_ATTEMPTS] >= m[M_MAXATT] then
    forget(id, m)
    stat_incr(S_DEAD)
    ev_removed(id, m[M_INCARNATION])
    dead_letter(id, m, failed_at, skey)
    return
  end
  -- A redelivery after the task's deadline is an expiry instead.
  if deadline_passed(m) then
    expire_task(id, m, failed_at, skey)
    return
  end
  stat_incr(S_REDELIVERED)
  back_to_queue(id, m, failed_at + retry_delay_ms(m[M_RETRY], id, m[M_ATTEMPTS]))
end

-- Deadlines (docs/scheduling.md, "Deadlines"): task `id`, out of every set, expired (its
-- deadline passed before a consumer leased it): it leaves the queue, into its
-- dead_letter_to when set (a dead-lettered copy, as attempt_failed makes; due_ms and
-- skey order the outbox item among the pass's dead letters: an expiry's skey is "x" ..
-- its expiring member's key, after the leases of the same ms), and waiting calls are
-- told "expired" (0008). The same as MemoryState::expire (state_expiry.cpp).
expire_task = function(id, m, due_ms, skey)
  forget(id, m)
  stat_incr(S_EXPIRED)
  ev_expired(id, m[M_INCARNATION])
  dead_letter(id, m, due_ms, skey)
end

-- One task's row as get_task.lua and list_tasks.lua answer it, appended to `out`:
-- {id, state, info, attempt, age_ms, ms_left or "", key, priority, cost, batch_key,
-- last_error info, last_error content, source_queue, progress}. `deadline`: the score of a delayed
-- or leased task in its set (nil otherwise); key: its ckey when pending, else its id;
-- info is "null" for a done task (it keeps only its result); cost as %.17g (exact); the
-- optional fields are '' when absent (last_error info is JSON text when there).
local function append_view(out, id, m, deadline)
  local s = m[M_STATE]
  out[#out + 1] = id
  out[#out + 1] = s
  out[#out + 1] = s == 'F' and 'null' or m[M_INFO]
  out[#out + 1] = string.format('%d', m[M_ATTEMPTS])
  out[#out + 1] = string.format('%d', math.max(NOW - (m[M_CREATED] or NOW), 0))
  out[#out + 1] = deadline and string.format('%d', math.max(tonumber(deadline) - NOW, 0)) or ''
  out[#out + 1] = s == 'P' and m[M_CKEY] or id
  out[#out + 1] = string.format('%d', m[M_PRIORITY] or 0)
  out[#out + 1] = string.format('%.17g', m[M_COST] or 1)
  out[#out + 1] = m[M_BKEY] or ''
  out[#out + 1] = m[M_LAST_ERROR_INFO] or ''
  out[#out + 1] = m[M_LAST_ERROR_CONTENT] or ''
  local source = m[M_SOURCE_QUEUE]
  out[#out + 1] = source and source[1] or ''
  -- the info of the latest progress event kept ('' none: an info is never empty)
  local latest = ''
  if m[M_EVBYTES] and m[M_EVBYTES] > 0 then
    local raw = redis.call('LINDEX', B .. 'ev:' .. id, -1)
    if raw then latest = cmsgpack.unpack(raw)[2] end
  end
  out[#out + 1] = latest
end

-- Sets the state of one call (see the top of this file) from its KEYS and ARGV: the
-- first statement of every operation, in both ways the scripts run (scripts.cpp).
local function begin_call(keys, argv)
  B, QUEUE, NOW, ORIGIN, CHANNEL = keys[1], argv[1], tonumber(argv[2]), argv[3], argv[4]
  NS_QUEUE = ns(QUEUE)
  K_TASKS, K_PENDING, K_DELAYED, K_LEASED = B .. 'tasks', B .. 'pending', B .. 'delayed', B .. 'leased'
  K_DONE, K_STATS, K_OUTBOX, K_PRIO = B .. 'done', B .. 'stats', B .. 'outbox', B .. 'prio'
  K_BYID, K_EXPIRING, K_BKEYS, K_LIMITS = B .. 'byid', B .. 'expiring', B .. 'bkeys', B .. 'limits'
  ST = redis.call('HMGET', K_STATS, unpack(S_NAMES))
  QUEUE_EXISTS = false
  for i = 1, #S_NAMES do
    if ST[i] then QUEUE_EXISTS = true end
    ST[i] = tonumber(ST[i]) or 0
  end
  if not QUEUE_EXISTS then ST[S_DUE] = NEVER end  -- no keys: nothing can be due
  ST_DIRTY, DUE_AT_START, REPORT_DUE = {}, ST[S_DUE], false
  EV, EV_PROGRESS, ev_pending_sent, OUTBOX = {}, {}, false, {}
  CREATED_INCARNATION, incarnation_time, LIMITS, LIMITS_NOW = '', nil, nil, nil
end
