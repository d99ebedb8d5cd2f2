--[[
priority stream: deleteBelow — removes every item (ready or leased) whose priority is below the
threshold (priority < t, i.e. score > offset - t; with inclusive, <= / >=). O(log N + M).

KEYS (7, the same for every priority script):
  1 ps:{name}:q   ZSET ready items      member prefix..id, score offset - priority
  2 ps:{name}:h   HASH items            id -> prefix .. ("s"|"j") .. payload
  3 ps:{name}:x   STREAM time index     one entry per add call (batch), i = its new ids, "\n"-joined
  4 ps:{name}:l   ZSET leased items     member prefix..id, score lease deadline (ms)
  5 ps:{name}:lp  ZSET leased items     member prefix..id, score = its ready-set score
  6 ps:{name}:m   HASH meta             o = priority offset, g = gate
  7 ps:{name}:xc  HASH batch counts     batch (prefix's first 13 chars) -> items left, batches of 2+
ARGV: 1 threshold, 2 "1" inclusive / "0" strictly below
Reply: the removed ids: ready ones from the highest priority down, then leased ones.
]]

-- @include lib/batched.lua
-- @include lib/time-index.lua

local offset = tonumber(redis.call("HGET", KEYS[6], "o") or "0")
local bound = string.format("%.17g", offset - tonumber(ARGV[1]))
if ARGV[2] ~= "1" then
  bound = "(" .. bound
end

local ready = redis.call("ZRANGE", KEYS[1], bound, "+inf", "BYSCORE")
local leased = redis.call("ZRANGE", KEYS[5], bound, "+inf", "BYSCORE")
if #ready > 0 then
  redis.call("ZREMRANGEBYSCORE", KEYS[1], bound, "+inf")
end
if #leased > 0 then
  batched("ZREM", KEYS[5], leased)
  batched("ZREM", KEYS[4], leased)
end

local ids, members = {}, {}
for _, list in ipairs({ ready, leased }) do
  for i = 1, #list do
    ids[#ids + 1] = id_of(list[i])
    members[#members + 1] = list[i]
  end
end
if #ids > 0 then
  batched("HDEL", KEYS[2], ids)
  forget(members)
end
return ids
