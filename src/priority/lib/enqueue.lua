-- Shared by several priority scripts; scripts/gen-lua.ts copies it into each one that includes it.
-- @include lib/time-index.lua

-- Enqueues the new ids in batches of at most MAX_BATCH ids, one time-index entry each, and returns
-- their prefixes, in order. The cap bounds what `expired` reads: it checks every id of an entry
-- it reaches, so a batch whose items mostly left costs at most MAX_BATCH checks per item it
-- returns (with batches of 1,000 a few survivors per batch made one call scan millions of ids).
-- 128 keeps most of the saving of larger batches (a pull touches fewer batches, one count each)
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
      redis.call("ZADD", KEYS[7], n, batch)
    end
    for i = from, to do
      prefixes[i] = prefix_of(batch, i - from + 1, n)
    end
  end
  return prefixes
end
