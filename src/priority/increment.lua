--[[
priority stream: increment — adds delta to one item's priority (ready or leased; a leased item
keeps its lease and gets the new priority when it returns). O(log N).

KEYS (6, the same for every priority script):
  1 ps:{name}:q   ZSET ready items      member prefix..id, score offset - priority
  2 ps:{name}:h   HASH items            id -> prefix .. ("s"|"j") .. payload
  3 ps:{name}:x   STREAM time index     one entry per live item, field i = id
  4 ps:{name}:l   ZSET leased items     member prefix..id, score lease deadline (ms)
  5 ps:{name}:lp  ZSET leased items     member prefix..id, score = its ready-set score
  6 ps:{name}:m   HASH meta             o = priority offset, g = gate
ARGV: 1 id, 2 delta
Reply: nil when the id is absent, else {offset, new score}.
]]

local id = ARGV[1]
local value = redis.call("HGET", KEYS[2], id)
if not value then
  return false
end
local member = string.sub(value, 1, 18) .. id
local set = KEYS[1]
if redis.call("ZSCORE", KEYS[5], member) then
  set = KEYS[5]
end
local score = redis.call("ZINCRBY", set, -tonumber(ARGV[2]), member)
return { redis.call("HGET", KEYS[6], "o") or "0", score }
