-- Shared by several priority scripts; scripts/gen-lua.ts copies it into each one that includes it.
-- @include lib/batched.lua
-- @include lib/lookups.lua
-- @include lib/prefix.lua

-- The time index (KEYS[3]) has one entry per add call, a batch: field i = the ids it enqueued,
-- joined by "\n". A prefix's first 13 characters name the batch, the last 3 the item's place in
-- it: "000" for an item alone in its batch, "001".. otherwise. Batches of more than one item
-- count their items still present in KEYS[7] (a ZSET: member = the batch's 13 characters, score =
-- the count; a ZSET rather than a hash because a hash stays a listpack, scanned end to end on
-- every lookup, up to 512 fields, where a ZSET turns into a dict past 128), so the entry is
-- deleted once, when the last one leaves, instead of one XDEL per item (XDEL scans its stream
-- node from the start).
local BATCH = 13
local ALONE = "000"
local MAX_SEQ = 1679615 -- 36^4 - 1
local DIGITS = "0123456789abcdefghijklmnopqrstuvwxyz"

-- A whole number >= 0 as `width` base-36 digits.
local function base36(n, width)
  local out = ""
  for _ = 1, width do
    local d = n % 36
    out = string.sub(DIGITS, d + 1, d + 1) .. out
    n = (n - d) / 36
  end
  return out
end

-- The batch part of a prefix from a stream id `<ms>-<seq>`, or nil when seq needs more than 4
-- digits (over 1.6 million entries in one millisecond: only after the clock stepped back).
local function batch_of(sid)
  local dash = string.find(sid, "-", 1, true)
  local seq = tonumber(string.sub(sid, dash + 1))
  if seq > MAX_SEQ then
    return nil
  end
  return base36(tonumber(string.sub(sid, 1, dash - 1)), 9) .. base36(seq, 4)
end

local function stream_id(batch)
  local ms = tonumber(string.sub(batch, 1, 9), 36)
  return string.format("%d-%d", ms, tonumber(string.sub(batch, 10, BATCH), 36))
end

-- The prefix of the k-th item of a batch of n.
local function prefix_of(batch, k, n)
  if n == 1 then
    return batch .. ALONE
  end
  return batch .. base36(k, 3)
end

-- Takes leaving items (their members) off the time index: the counts of every batch touched are
-- read in one ZMSCORE and written back in one ZADD (not one increment per batch: a pull by
-- priority touches about one batch per item, and each call from Lua costs more than the
-- arithmetic), and the batches left empty are deleted (ZREM of their count, XDEL of their entry).
local function forget(members)
  local gone, leaving, touched = {}, {}, {}
  for i = 1, #members do
    local member = members[i]
    local batch = string.sub(member, 1, BATCH)
    if string.sub(member, BATCH + 1, PREFIX) == ALONE then
      gone[#gone + 1] = stream_id(batch)
    elseif leaving[batch] then
      leaving[batch] = leaving[batch] + 1
    else
      leaving[batch] = 1
      touched[#touched + 1] = batch
    end
  end
  local counts = zmscore(KEYS[7], touched)
  local updated, emptied = {}, {}
  for i = 1, #touched do
    local batch = touched[i]
    -- A missing count reads as 0.
    local left = (tonumber(counts[i]) or 0) - leaving[batch]
    if left <= 0 then
      emptied[#emptied + 1] = batch
      gone[#gone + 1] = stream_id(batch)
    else
      updated[#updated + 1] = string.format("%d", left)
      updated[#updated + 1] = batch
    end
  end
  batched("ZADD", KEYS[7], updated)
  batched("ZREM", KEYS[7], emptied)
  batched("XDEL", KEYS[3], gone)
end
