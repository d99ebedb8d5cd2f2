--[[
priority stream: add (also addMany) — upserts items, one atomic call.

The ids this call enqueues share one time-index entry (a batch): XADD gives the server's
`<ms>-<seq>` id, and each new item gets a 16-character sortable prefix: that id as 9 + 4 base-36
digits, then 3 of its place in the batch ("000" when it is alone; "001".. otherwise, with the
batch's item count in :xc). The ready set's member is prefix .. id, scored offset - priority
(negated, so ascending order = highest priority first, and equal scores sort by prefix = enqueue
order). The items hash maps id -> prefix .. tagged payload.
An existing id (ready, leased or delayed) keeps its prefix, hence its enqueue time and FIFO
place (and a delayed one its due time):
  replace   -> new data and priority
  keep      -> nothing changes
  increment -> priority += given priority, new data
A new id with a due time after now (a delay, or a runAt, by the server's clock) waits in the
delayed sets (lib/delayed.lua) instead of the ready set; it has no time-index batch until due.
Items that came due are promoted first, so a batch this call writes comes after theirs (equal
priorities are served in due-time order). Emits an "added" event with the new ids.

KEYS (16, the same for every priority script):
  1 ps:{name}:q   ZSET ready items      member prefix..id, score offset - priority
  2 ps:{name}:h   HASH items            id -> prefix .. ("s"|"j") .. payload
  3 ps:{name}:x   STREAM time index     one entry per add call (batch), i = its new ids, "\n"-joined
  4 ps:{name}:l   ZSET leased items     member prefix..id, score lease deadline (ms)
  5 ps:{name}:lp  ZSET leased items     member prefix..id, score = its ready-set score
  6 ps:{name}:m   HASH meta             o offset, g gate, d delays, options, limits (keys.ts)
  7 ps:{name}:xc  ZSET batch counts     batch (prefix's first 13 chars), score items left, batches of 2+
  8 ps:{name}:d   ZSET delayed items    member prefix..id, score due time (ms)
  9 ps:{name}:dp  ZSET delayed items    member prefix..id, score = its ready-set score
 10 ps:{name}:a   HASH attempts         id -> its leases that ended without an ack
 11 ps:{name}:dl  HASH dead letters     id -> attempts|deadAt|priority|reason, LF, data
 12 ps:{name}:dz  ZSET dead letters     id -> when it was dead-lettered (ms)
 13 ps:{name}:ev  STREAM events         t type, i ids ("\n"-joined), r reason; capped (MAXLEN ~)
 14 ps:{name}:rw  LIST rate window      "<ms>:<n>": n items taken at ms, oldest first
 15 ps:{name}:s   HASH schedules        id -> JSON spec (every or cron times, data, current id)
 16 ps:{name}:lt  ZSET retired leases   deadline -> itself: leases nacked before their deadline
ARGV:
  1 ifExists: "replace" | "keep" | "increment"
  2 "1" to reply for one item ({added, offset, score}), "0" to reply with counts
  3 "3": items as triples; "4": quadruples with a due time each
  4.. triples: id, negated priority (-priority, as text), tagged payload; quadruples add the due
     time: "" now, "+<ms>" after a delay, "@<ms>" at an epoch time (server clock)
Reply: {"1"|"0", offset, score} or {added count, existing count}, all strings.
]]

-- @include lib/batched.lua
-- @include lib/lookups.lua
-- @include lib/now.lua
-- @include lib/time-index.lua
-- @include lib/enqueue.lua
-- @include lib/delayed.lua
-- @include lib/events.lua

local mode = ARGV[1]
local report = ARGV[2] == "1"
local stride = tonumber(ARGV[3])
local meta = redis.call("HMGET", KEYS[6], "o", "d")
local offset_text = meta[1] or "0"
local offset = tonumber(offset_text)
local n = (#ARGV - 3) / stride

-- The score of a new priority, from its negation as sent: with no offset the text goes to Redis
-- as it is (no number -> text conversion per item).
local function score_of(negated)
  if offset == 0 then
    return negated
  end
  return offset + tonumber(negated)
end

local now = nil
if stride == 4 or meta[2] then
  now = now_ms()
end
if meta[2] then
  emit("promoted", promote(now))
end

-- The due time of item i when it is after now, else nil.
local function due_of(i)
  if stride ~= 4 then
    return nil
  end
  local spec = ARGV[3 + 4 * i]
  if spec == "" then
    return nil
  end
  local at = tonumber(string.sub(spec, 2))
  if string.sub(spec, 1, 1) == "+" then
    at = now + at
  end
  if at <= now then
    return nil
  end
  return at
end

local ids = {}
for i = 1, n do
  ids[i] = ARGV[4 + stride * (i - 1)]
end
local current = hmget(KEYS[2], ids)

-- The ids this call creates (absent ones, first occurrence) are known before the loop below, so
-- their batch entry is written once with all of them; delayed ones get no batch until due.
local new_ids, seen, delayed_at = {}, {}, {}
local late_ids, late_due = {}, {}
for i = 1, n do
  if not current[i] and not seen[ids[i]] then
    seen[ids[i]] = true
    local due = due_of(i)
    if due then
      delayed_at[ids[i]] = #late_ids + 1
      late_ids[#late_ids + 1] = ids[i]
      late_due[#late_due + 1] = due
    else
      new_ids[#new_ids + 1] = ids[i]
    end
  end
end
local prefixes = enqueue(new_ids)
local late_prefixes = {}
if #late_ids > 0 then
  late_prefixes = delayed_prefixes(late_due)
end

-- New items go straight into the ZADD and HSET argument lists, flushed at the end; `fresh` maps
-- an id created by this call to its place there (negative: in the delayed lists, dpairs: due
-- time, spairs: ready-set score), and `fresh_h` to its place in hpairs, so a repeated id updates
-- it in place.
local fresh, fresh_h = {}, {}
local zpairs, hpairs, dpairs, spairs = {}, {}, {}, {}
local added, existing, added_ready = 0, 0, 0

-- The set holding an existing member: ready, leased or delayed.
local function set_of(member)
  if redis.call("ZSCORE", KEYS[1], member) then
    return KEYS[1]
  end
  if redis.call("ZSCORE", KEYS[5], member) then
    return KEYS[5]
  end
  return KEYS[9]
end

for i = 1, n do
  local base = 4 + stride * (i - 1)
  local id = ARGV[base]
  local negated = ARGV[base + 1]
  local data = ARGV[base + 2]
  local k = fresh[id]
  if k then
    existing = existing + 1
    if mode ~= "keep" then
      local list = k > 0 and zpairs or spairs
      local at = math.abs(k)
      if mode == "replace" then
        list[at - 1] = score_of(negated)
      else
        list[at - 1] = tonumber(list[at - 1]) + tonumber(negated)
      end
      hpairs[fresh_h[id]] = string.sub(list[at], 1, PREFIX) .. data
    end
  elseif current[i] then
    existing = existing + 1
    if mode ~= "keep" then
      local prefix = string.sub(current[i], 1, PREFIX)
      local member = prefix .. id
      local set = set_of(member)
      if mode == "replace" then
        redis.call("ZADD", set, score_of(negated), member)
      else
        redis.call("ZINCRBY", set, negated, member)
      end
      redis.call("HSET", KEYS[2], id, prefix .. data)
    end
  else
    added = added + 1
    local late = delayed_at[id]
    local prefix
    if late then
      prefix = late_prefixes[late]
      k = #spairs + 2
      spairs[k - 1] = score_of(negated)
      spairs[k] = prefix .. id
      dpairs[k - 1] = late_due[late]
      dpairs[k] = prefix .. id
      fresh[id] = -k
    else
      added_ready = added_ready + 1
      prefix = prefixes[added_ready]
      k = #zpairs + 2
      zpairs[k - 1] = score_of(negated)
      zpairs[k] = prefix .. id
      fresh[id] = k
    end
    local h = #hpairs + 2
    hpairs[h - 1] = id
    hpairs[h] = prefix .. data
    fresh_h[id] = h
  end
end

if #zpairs > 0 then
  batched("ZADD", KEYS[1], zpairs)
end
if #spairs > 0 then
  batched("ZADD", KEYS[8], dpairs)
  batched("ZADD", KEYS[9], spairs)
end
if #hpairs > 0 then
  batched("HSET", KEYS[2], hpairs)
end
if added > 0 then
  local listed = {}
  for i = 1, #new_ids do
    listed[i] = new_ids[i]
  end
  for i = 1, #late_ids do
    listed[#listed + 1] = late_ids[i]
  end
  emit("added", listed)
end

if report then
  local id = ARGV[4]
  local member = member_of(redis.call("HGET", KEYS[2], id), id)
  local score = redis.call("ZSCORE", KEYS[1], member) or redis.call("ZSCORE", KEYS[5], member)
    or redis.call("ZSCORE", KEYS[9], member)
  return { added > 0 and "1" or "0", offset_text, score }
end
return { tostring(added), tostring(existing) }
