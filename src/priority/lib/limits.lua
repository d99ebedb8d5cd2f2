-- Shared by several priority scripts; scripts/gen-lua.ts copies it into each one that includes it.
-- The stream's limits, enforced here, inside the pull, so they hold across every consumer:
-- - concurrency (meta "lc"): a lease pull never makes more than lc items leased at once;
-- - rate (meta "lr" items per "lw" ms): no window of lw ms holds more than lr items taken (leased
--   or purged). KEYS[14] lists "<ms>:<n>" per pull that took n items at ms, oldest first, and meta
--   "ln" their total; entries leave once lw ms old. Popping them is amortised O(1) per pull.

local function entry_ms(entry)
  return tonumber(string.sub(entry, 1, string.find(entry, ":", 1, true) - 1))
end

-- How many of `count` items this pull may take now; when fewer, also how long (ms) until trying
-- again can succeed. `taken` (rate only) is the window's total, for record_taken.
local function limit_count(count, mode, now, lc, lr, lw)
  local allowed, retry, taken = count, nil, nil
  if lc and mode == "lease" then
    local free = lc - redis.call("ZCARD", KEYS[4])
    if free < allowed then
      allowed = math.max(free, 0)
      -- A slot is free at the latest when the first running lease ends (an ack frees one sooner).
      local first = redis.call("ZRANGE", KEYS[4], 0, 0, "WITHSCORES")
      retry = first[2] and math.max(1, tonumber(first[2]) - now) or 1
    end
  end
  if lr then
    taken = tonumber(redis.call("HGET", KEYS[6], "ln") or "0")
    local cutoff = now - lw
    while taken > 0 do
      local head = redis.call("LINDEX", KEYS[14], 0)
      if not head then
        taken = 0
        break
      end
      if entry_ms(head) > cutoff then
        break
      end
      redis.call("LPOP", KEYS[14])
      taken = taken - tonumber(string.sub(head, string.find(head, ":", 1, true) + 1))
    end
    local free = lr - taken
    if free < allowed then
      allowed = math.max(free, 0)
      local head = redis.call("LINDEX", KEYS[14], 0)
      local wait = 1
      if head then
        wait = math.max(1, entry_ms(head) + lw - now)
      end
      if not retry or wait > retry then
        retry = wait
      end
    end
  end
  return allowed, retry, taken
end

-- Records that this pull took n items at now (rate limits only).
local function record_taken(now, n, taken)
  if n > 0 then
    redis.call("RPUSH", KEYS[14], string.format("%d:%d", now, n))
  end
  redis.call("HSET", KEYS[6], "ln", taken + n)
end
