--[[
ratelimit: fixed window — at most `limit` units per window of windowMs, windows aligned to the
epoch by the server's clock (TIME). One counter per identifier, expiring at its window's end.
Exact: every call of a window is counted atomically, whichever client makes it. O(1).

KEYS (1):
  1 rl:{prefix:identifier}:f   STRING   units taken in the current window (expires at its end)
ARGV: 1 limit, 2 windowMs, 3 cost (units this call takes; 0 only checks)
Reply: {success 1|0, remaining, resetAt ms (the window's end), retryAfterMs (0 on success)}.
]]

local t = redis.call("TIME")
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local limit, window, cost = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local reset = (math.floor(now / window) + 1) * window
local used = tonumber(redis.call("GET", KEYS[1]) or "0")
if used + cost > limit then
  return { 0, math.max(limit - used, 0), reset, reset - now }
end
if cost > 0 then
  redis.call("INCRBY", KEYS[1], cost)
  if used == 0 then
    redis.call("PEXPIREAT", KEYS[1], reset)
  end
end
return { 1, limit - used - cost, reset, 0 }
