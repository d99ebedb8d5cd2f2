--[[
priority stream: add (also addMany) — upserts items, one atomic call.

The ids this call enqueues share one time-index entry (a batch): XADD gives the server's
`<ms>-<seq>` id, and each new item gets a 16-character sortable prefix: that id as 9 + 4 base-36
digits, then 3 of its place in the batch ("000" when it is alone; "001".. otherwise, with the
batch's item count in :xc). The ready set's member is prefix .. id, scored offset - priority
(negated, so ascending order = highest priority first, and equal scores sort by prefix = enqueue
order). The items hash maps id -> prefix .. tagged payload.
An existing id (ready or leased) keeps its prefix, hence its enqueue time and FIFO place:
  replace   -> new data and priority
  keep      -> nothing changes
  increment -> priority += given priority, new data

KEYS (7, the same for every priority script):
  1 ps:{name}:q   ZSET ready items      member prefix..id, score offset - priority
  2 ps:{name}:h   HASH items            id -> prefix .. ("s"|"j") .. payload
  3 ps:{name}:x   STREAM time index     one entry per add call (batch), i = its new ids, "\n"-joined
  4 ps:{name}:l   ZSET leased items     member prefix..id, score lease deadline (ms)
  5 ps:{name}:lp  ZSET leased items     member prefix..id, score = its ready-set score
  6 ps:{name}:m   HASH meta             o = priority offset, g = gate
  7 ps:{name}:xc  HASH batch counts     batch (prefix's first 13 chars) -> items left, batches of 2+
ARGV:
  1 ifExists: "replace" | "keep" | "increment"
  2 "1" to reply for one item ({added, offset, score}), "0" to reply with counts
  3.. triples: id, negated priority (-priority, as text), tagged payload
Reply: {"1"|"0", offset, score} or {added count, existing count}, all strings.
]]

-- @include lib/batched.lua
-- @include lib/hmget.lua
-- @include lib/time-index.lua

-- Enqueues the new ids in batches of at most MAX_BATCH ids, one time-index entry each, and returns
-- their prefixes, in order. The cap bounds what `expired` reads: it checks every id of an entry
-- it reaches, so a batch whose items mostly left costs at most MAX_BATCH checks per item it
-- returns (with batches of 1,000 a few survivors per batch made one call scan millions of ids).
-- 128 keeps most of the saving of larger batches (a pull touches fewer batches, one HINCRBY each)
-- while bounding that scan. A sequence number too large for the prefix (only after the clock
-- stepped back) moves the entry to the next millisecond, so the prefix keeps its fixed width and
-- order.
local MAX_BATCH = 128 -- at most 36^3 - 1 (3 base-36 digits of place)

local function enqueue(new_ids)
  local prefixes = {}
  for from = 1, #new_ids, MAX_BATCH do
    local to = math.min(from + MAX_BATCH - 1, #new_ids)
    local listed = table.concat(new_ids, "\n", from, to)
    local sid = redis.call("XADD", KEYS[3], "*", "i", listed)
    local batch = batch_of(sid)
    if not batch then
      redis.call("XDEL", KEYS[3], sid)
      local ms = tonumber(string.sub(sid, 1, string.find(sid, "-", 1, true) - 1)) + 1
      sid = string.format("%d-0", ms)
      redis.call("XADD", KEYS[3], sid, "i", listed)
      batch = batch_of(sid)
    end
    local n = to - from + 1
    if n > 1 then
      redis.call("HSET", KEYS[7], batch, n)
    end
    for i = from, to do
      prefixes[i] = prefix_of(batch, i - from + 1, n)
    end
  end
  return prefixes
end

local mode = ARGV[1]
local report = ARGV[2] == "1"
local offset_text = redis.call("HGET", KEYS[6], "o") or "0"
local offset = tonumber(offset_text)
local n = (#ARGV - 2) / 3

-- The score of a new priority, from its negation as sent: with no offset the text goes to Redis
-- as it is (no number -> text conversion per item).
local function score_of(negated)
  if offset == 0 then
    return negated
  end
  return offset + tonumber(negated)
end

local ids = {}
for i = 1, n do
  ids[i] = ARGV[3 * i]
end
local current = hmget(KEYS[2], ids)

-- The ids this call creates (absent ones, first occurrence) are known before the loop below, so
-- their batch entry is written once with all of them.
local new_ids, seen = {}, {}
for i = 1, n do
  if not current[i] and not seen[ids[i]] then
    seen[ids[i]] = true
    new_ids[#new_ids + 1] = ids[i]
  end
end
local prefixes = enqueue(new_ids)

-- New items go straight into the ZADD and HSET argument lists, flushed at the end; `fresh` maps
-- an id created by this call to its place there, so a repeated id updates it in place.
local fresh = {}
local zpairs, hpairs = {}, {}
local added, existing = 0, 0

for i = 1, n do
  local id = ARGV[3 * i]
  local negated = ARGV[3 * i + 1]
  local data = ARGV[3 * i + 2]
  local k = fresh[id]
  if k then
    existing = existing + 1
    if mode ~= "keep" then
      if mode == "replace" then
        zpairs[k - 1] = score_of(negated)
      else
        zpairs[k - 1] = tonumber(zpairs[k - 1]) + tonumber(negated)
      end
      hpairs[k] = string.sub(zpairs[k], 1, PREFIX) .. data
    end
  elseif current[i] then
    existing = existing + 1
    if mode ~= "keep" then
      local prefix = string.sub(current[i], 1, PREFIX)
      local member = prefix .. id
      local set = KEYS[1]
      if not redis.call("ZSCORE", KEYS[1], member) then
        set = KEYS[5]
      end
      if mode == "replace" then
        redis.call("ZADD", set, score_of(negated), member)
      else
        redis.call("ZINCRBY", set, negated, member)
      end
      redis.call("HSET", KEYS[2], id, prefix .. data)
    end
  else
    added = added + 1
    local prefix = prefixes[added]
    k = #zpairs + 2
    zpairs[k - 1] = score_of(negated)
    zpairs[k] = prefix .. id
    hpairs[k - 1] = id
    hpairs[k] = prefix .. data
    fresh[id] = k
  end
end

if #zpairs > 0 then
  batched("ZADD", KEYS[1], zpairs)
  batched("HSET", KEYS[2], hpairs)
end

if report then
  local id = ARGV[3]
  local member = member_of(redis.call("HGET", KEYS[2], id), id)
  local score = redis.call("ZSCORE", KEYS[1], member) or redis.call("ZSCORE", KEYS[5], member)
  return { added > 0 and "1" or "0", offset_text, score }
end
return { tostring(added), tostring(existing) }
