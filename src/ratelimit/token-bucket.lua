--[[
ratelimit: token bucket — a bucket of `limit` tokens, refilled continuously at `limit` per
windowMs; a call takes `cost` tokens if the bucket holds them. Bursts up to `limit`, a steady
rate of limit / windowMs. Atomic and exact across clients; time is the server's (TIME). O(1).

KEYS (1):
  1 rl:{prefix:identifier}:t   HASH   t = tokens left, m = when they were counted (ms); expires
                                      once the bucket would be full again (a missing key is full)
ARGV: 1 limit, 2 windowMs, 3 cost (tokens this call takes; 0 only checks)
Reply: {success 1|0, remaining (whole tokens), resetAt ms (when the bucket is full again),
retryAfterMs (0 on success; else when it will hold `cost` tokens)}.
]]

local t = redis.call("TIME")
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local limit, window, cost = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local rate = limit / window
local stored = redis.call("HMGET", KEYS[1], "t", "m")
local tokens = limit
if stored[1] then
  tokens = math.min(limit, tonumber(stored[1]) + (now - tonumber(stored[2])) * rate)
end
if tokens < cost then
  local wait = math.ceil((cost - tokens) / rate)
  return { 0, math.floor(tokens), now + math.ceil((limit - tokens) / rate), wait }
end
tokens = tokens - cost
local full = math.ceil((limit - tokens) / rate)
if cost > 0 then
  redis.call("HSET", KEYS[1], "t", string.format("%.17g", tokens), "m", now)
  redis.call("PEXPIRE", KEYS[1], math.max(full, 1))
end
return { 1, math.floor(tokens), now + full, 0 }
