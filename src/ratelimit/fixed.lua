--[[
ratelimit: fixed window — at most `limit` units per window of windowMs, windows aligned to the
epoch by the server's clock (TIME). One hash per identifier holding the window it counts for, so
a count never leaks into the next window (a key expiring exactly at the window's end would still
be there during that millisecond). Exact: every call of a window is counted atomically, whichever
client makes it. O(1).

KEYS (1):
  1 rl:{prefix:identifier}:f   HASH   w = the window's index, c = units taken in it; expires
                                      just after the window's end
ARGV: 1 limit, 2 windowMs, 3 cost (units this call takes; 0 only checks)
Reply: {success 1|0, remaining, resetAt ms (the window's end), retryAfterMs (0 on success)}.
]]

local t = redis.call("TIME")
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local limit, window, cost = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local index = math.floor(now / window)
local reset = (index + 1) * window
local stored = redis.call("HMGET", KEYS[1], "w", "c")
local used = 0
if tonumber(stored[1]) == index then
  used = tonumber(stored[2]) or 0
end
if used + cost > limit then
  return { 0, math.max(limit - used, 0), reset, reset - now }
end
if cost > 0 then
  redis.call("HSET", KEYS[1], "w", index, "c", used + cost)
  redis.call("PEXPIREAT", KEYS[1], reset + 1)
end
return { 1, limit - used - cost, reset, 0 }
