--[[
priority stream: deleteBelow — removes every item (ready or leased) whose priority is below the
threshold (priority < t, i.e. score > offset - t; with inclusive, <= / >=). O(log N + M).

KEYS (6, the same for every priority script):
  1 ps:{name}:q   ZSET ready items      member prefix..id, score offset - priority
  2 ps:{name}:h   HASH items            id -> prefix .. ("s"|"j") .. payload
  3 ps:{name}:x   STREAM time index     one entry per live item, field i = id
  4 ps:{name}:l   ZSET leased items     member prefix..id, score lease deadline (ms)
  5 ps:{name}:lp  ZSET leased items     member prefix..id, score = its ready-set score
  6 ps:{name}:m   HASH meta             o = priority offset, g = gate
ARGV: 1 threshold, 2 "1" inclusive / "0" strictly below
Reply: the removed ids: ready ones from the highest priority down, then leased ones.
]]

-- @include lib/batched.lua
-- @include lib/stream-id.lua

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

local ids, sids = {}, {}
for _, list in ipairs({ ready, leased }) do
  for i = 1, #list do
    ids[#ids + 1] = string.sub(list[i], 19)
    sids[#sids + 1] = stream_id(list[i])
  end
end
if #ids > 0 then
  batched("HDEL", KEYS[2], ids)
  batched("XDEL", KEYS[3], sids)
end
return ids
