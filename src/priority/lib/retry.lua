-- Shared by several priority scripts; scripts/gen-lua.ts copies it into each one that includes it.
-- @include lib/batched.lua
-- @include lib/lookups.lua
-- @include lib/delayed.lua
-- @include lib/events.lua

-- What happens to a lease that ended without an ack (a nack, or a lease that ran out): the item's
-- count of such leases in KEYS[10] goes up by one; once it reaches the stream's maxAttempts (meta
-- "ma"; none = unlimited) the item moves to the dead letters with the reason, else it returns for
-- another attempt: at once, in its place, when the delay is 0, or into the delayed set after the
-- delay (given by the caller, or the stream's backoff: meta bt "e"xponential / "f"ixed, bd delay,
-- bm largest delay, bj jitter 0..1).

local function retry_policy()
  local p = redis.call("HMGET", KEYS[6], "ma", "bt", "bd", "bm", "bj")
  return {
    max = tonumber(p[1]),
    kind = p[2],
    delay = tonumber(p[3]) or 0,
    cap = tonumber(p[4]),
    jitter = tonumber(p[5]) or 0,
  }
end

-- The backoff before attempt `attempts + 1`; `salt` spreads the jitter (from the server's clock).
local function backoff_ms(policy, attempts, salt)
  local d = policy.delay
  if policy.kind == "e" then
    d = d * 2 ^ math.min(attempts - 1, 60)
  end
  if policy.cap and d > policy.cap then
    d = policy.cap
  end
  if policy.jitter > 0 and d > 0 then
    local r = (salt * 2654435761) % 1000003 / 1000003
    d = d * (1 - policy.jitter * r)
  end
  return math.floor(d)
end

-- A dead letter's record: attempts|deadAt|priority|reason, a line feed, the tagged payload (a
-- reason holds no control characters).
local function dead_record(attempts, now, priority, reason, value)
  return string.format("%d|%d|%.17g|", attempts, now, priority) .. reason .. "\n"
    .. string.sub(value, PREFIX + 1)
end

-- Ends the leases of `members` (leased, in KEYS[4]/KEYS[5]) without an ack. `delay`: ms before the
-- next attempt, or nil for the stream's backoff. Returns the ids retried and the ids dead-lettered.
local function fail(members, reason, delay, now, us)
  local n = #members
  if n == 0 then
    return {}, {}
  end
  local policy = retry_policy()
  local ids = {}
  for i = 1, n do
    ids[i] = id_of(members[i])
  end
  local scores = zmscore(KEYS[5], members)
  local values = hmget(KEYS[2], ids)
  -- Attempts so far, read at once and written back at once (not one HINCRBY per item).
  local counts = hmget(KEYS[10], ids)
  batched("ZREM", KEYS[4], members)
  batched("ZREM", KEYS[5], members)
  local offset = tonumber(redis.call("HGET", KEYS[6], "o") or "0")

  local back, later, dead = {}, {}, {}
  local retried, buried = {}, {}
  local later_ids, later_scores, later_due, later_values, later_members = {}, {}, {}, {}, {}
  local counted, uncounted, records, dead_at = {}, {}, {}, {}
  for i = 1, n do
    local attempts = (tonumber(counts[i]) or 0) + 1
    if not values[i] or not scores[i] then
      uncounted[#uncounted + 1] = ids[i]
    elseif policy.max and attempts >= policy.max then
      buried[#buried + 1] = ids[i]
      dead[#dead + 1] = members[i]
      records[#records + 1] = ids[i]
      records[#records + 1] = dead_record(attempts, now, offset - tonumber(scores[i]), reason, values[i])
      dead_at[#dead_at + 1] = now
      dead_at[#dead_at + 1] = ids[i]
    else
      counted[#counted + 1] = ids[i]
      counted[#counted + 1] = string.format("%d", attempts)
      retried[#retried + 1] = ids[i]
      local wait = delay or backoff_ms(policy, attempts, us + i * 7919)
      if wait <= 0 then
        back[#back + 1] = scores[i]
        back[#back + 1] = members[i]
      else
        local k = #later_ids + 1
        later_ids[k] = ids[i]
        later_scores[k] = scores[i]
        later_due[k] = now + wait
        later_values[k] = values[i]
        later_members[k] = members[i]
      end
    end
  end
  batched("HSET", KEYS[10], counted)
  batched("HDEL", KEYS[10], uncounted)
  batched("HSET", KEYS[11], records)
  batched("ZADD", KEYS[12], dead_at)
  batched("ZADD", KEYS[1], back)
  if #later_ids > 0 then
    forget(later_members)
    delay_items(later_ids, later_scores, later_due, later_values)
  end
  if #buried > 0 then
    batched("HDEL", KEYS[2], buried)
    batched("HDEL", KEYS[10], buried)
    forget(dead)
  end
  emit("nacked", retried, reason)
  emit("dead-lettered", buried, reason)
  return retried, buried
end
