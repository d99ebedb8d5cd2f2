--[[
ratelimit: sliding window — the weighted two-window estimate (as Upstash's and Cloudflare's
sliding windows): units taken in the current fixed window plus those of the previous one,
weighted by how much of it the sliding window still covers, must stay within `limit`. O(1) time
and memory per identifier, whatever the limit (an exact log would keep one entry per unit).
Atomic, so concurrent calls from any number of clients are counted exactly; within one window a
limit of L admits exactly L units. Time is the server's (TIME).

KEYS (1):
  1 rl:{prefix:identifier}:s   HASH   w = current window index, c = its units, p = the previous
                                      window's units (expires two windows after the last call)
ARGV: 1 limit, 2 windowMs, 3 cost (units this call takes; 0 only checks)
Reply: {success 1|0, remaining, resetAt ms (the current window's end), retryAfterMs (0 on
success; else when the estimate will have dropped enough)}.
]]

local t = redis.call("TIME")
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local limit, window, cost = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local index = math.floor(now / window)
local stored = redis.call("HMGET", KEYS[1], "w", "c", "p")
local current, previous = 0, 0
local w = tonumber(stored[1])
if w == index then
  current, previous = tonumber(stored[2]) or 0, tonumber(stored[3]) or 0
elseif w == index - 1 then
  previous = tonumber(stored[2]) or 0
end
local into = now - index * window
local weight = (window - into) / window
local estimate = previous * weight + current
local reset = (index + 1) * window
if estimate + cost > limit then
  -- The estimate falls as the previous window slides out: by previous / window per ms, until
  -- the current window ends (then the current window's units start sliding out).
  local over = estimate + cost - limit
  local wait = reset - now
  if previous > 0 and current + cost <= limit then
    wait = math.min(wait, math.ceil(over * window / previous))
  end
  return { 0, math.max(math.floor(limit - estimate), 0), reset, math.max(wait, 1) }
end
if cost > 0 then
  redis.call("HSET", KEYS[1], "w", index, "c", current + cost, "p", previous)
  redis.call("PEXPIRE", KEYS[1], 2 * window)
end
return { 1, math.floor(limit - estimate - cost), reset, 0 }
