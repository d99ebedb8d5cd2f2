-- Shared by several priority scripts; scripts/gen-lua.ts copies it into each one that includes it.
-- @include lib/lookups.lua
-- @include lib/prefix.lua
-- @include lib/time-index.lua

-- Delayed items wait in KEYS[8] (member -> due ms) and KEYS[9] (member -> their ready-set score,
-- as :lp keeps a leased item's). They are in no time-index batch: their 16-character prefix is
-- the due time as 9 base-36 digits (so enqueuedAt reads as the due time) and a 7-digit sequence
-- from the meta field "ds" (equal due times keep the order they were added in). When due they are
-- promoted: each gets a time-index batch whose stream id is its due time (or the next free id,
-- when a later batch exists already), so equal priorities are served first-in first-out by due
-- time. The meta field "d" says that KEYS[8] may hold items: without it no script looks there.
local SEQ_SPAN = 78364164096 -- 36^7

-- Prefixes for `n` new delayed items due at `due` (a table of ms, one per item).
local function delayed_prefixes(due)
  local last = redis.call("HINCRBY", KEYS[6], "ds", #due)
  local prefixes = {}
  for i = 1, #due do
    local seq = (last - #due + i) % SEQ_SPAN
    prefixes[i] = base36(due[i], 9) .. base36(seq, 7)
  end
  redis.call("HSET", KEYS[6], "d", "1")
  return prefixes
end

-- Moves items from their current set to the delayed sets. `members` and `scores` (ready-set
-- scores) are parallel; `due` the due time of each. Returns the new members. The caller has
-- taken them off the time index (forget) and out of their old set.
local function delay_items(ids, scores, due, values)
  local prefixes = delayed_prefixes(due)
  local dpairs, spairs, hpairs, members = {}, {}, {}, {}
  for i = 1, #ids do
    local member = prefixes[i] .. ids[i]
    members[i] = member
    dpairs[2 * i - 1] = due[i]
    dpairs[2 * i] = member
    spairs[2 * i - 1] = scores[i]
    spairs[2 * i] = member
    hpairs[2 * i - 1] = ids[i]
    hpairs[2 * i] = prefixes[i] .. string.sub(values[i], PREFIX + 1)
  end
  batched("ZADD", KEYS[8], dpairs)
  batched("ZADD", KEYS[9], spairs)
  batched("HSET", KEYS[2], hpairs)
  return members
end

-- Appends one batch's entry to the time index for `listed` ids, with the stream id `<ms>-*` when
-- that is after the last entry (else "*"), and returns its batch (13 characters).
local function batch_at(ms, listed)
  local ok, sid = pcall(redis.call, "XADD", KEYS[3], string.format("%d-*", ms), "i", listed)
  if not ok then
    sid = redis.call("XADD", KEYS[3], "*", "i", listed)
  end
  local batch = batch_of(sid)
  if not batch then
    redis.call("XDEL", KEYS[3], sid)
    local next_ms = tonumber(string.sub(sid, 1, string.find(sid, "-", 1, true) - 1)) + 1
    sid = string.format("%d-0", next_ms)
    redis.call("XADD", KEYS[3], sid, "i", listed)
    batch = batch_of(sid)
  end
  return batch
end

local PROMOTE_LIMIT = 10000
local MAX_PROMOTE_BATCH = 128

-- Promotes delayed items due at `now` (at most PROMOTE_LIMIT per call, in due order; the rest on
-- the next calls) into the ready set. O(log N + promoted). Returns the promoted ids.
local function promote(now)
  local due = redis.call("ZRANGE", KEYS[8], "-inf", now, "BYSCORE", "LIMIT", 0, PROMOTE_LIMIT,
    "WITHSCORES")
  if #due == 0 then
    if redis.call("ZCARD", KEYS[8]) == 0 then
      redis.call("HDEL", KEYS[6], "d")
    end
    return {}
  end
  local n = #due / 2
  local members, ids = {}, {}
  for i = 1, n do
    members[i] = due[2 * i - 1]
    ids[i] = id_of(members[i])
  end
  local scores = {}
  for i = 1, n, CHUNK do
    local part = redis.call("ZMSCORE", KEYS[9], unpack(members, i, math.min(i + CHUNK - 1, n)))
    for k = 1, #part do
      scores[i + k - 1] = part[k]
    end
  end
  local values = hmget(KEYS[2], ids)
  local qpairs, hpairs = {}, {}
  -- Batches of equal due times (at most 128 ids each), in due order.
  local from = 1
  while from <= n do
    local ms = due[2 * from]
    local to = from
    while to < n and to - from + 1 < MAX_PROMOTE_BATCH and due[2 * (to + 1)] == ms do
      to = to + 1
    end
    local count = to - from + 1
    local batch = batch_at(tonumber(ms), table.concat(ids, "\n", from, to))
    if count > 1 then
      redis.call("ZADD", KEYS[7], count, batch)
    end
    for i = from, to do
      local prefix = prefix_of(batch, i - from + 1, count)
      if values[i] and scores[i] then
        qpairs[#qpairs + 1] = scores[i]
        qpairs[#qpairs + 1] = prefix .. ids[i]
        hpairs[#hpairs + 1] = ids[i]
        hpairs[#hpairs + 1] = prefix .. string.sub(values[i], PREFIX + 1)
      end
    end
    from = to + 1
  end
  batched("ZREM", KEYS[8], members)
  batched("ZREM", KEYS[9], members)
  batched("ZADD", KEYS[1], qpairs)
  batched("HSET", KEYS[2], hpairs)
  return ids
end
