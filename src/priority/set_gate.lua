--[[
priority stream: setGate — stores the gate value (pull with gate returns only items whose
priority is >= it), or removes it.

KEYS (6, the same for every priority script):
  1 ps:{name}:q   ZSET ready items      member prefix..id, score offset - priority
  2 ps:{name}:h   HASH items            id -> prefix .. ("s"|"j") .. payload
  3 ps:{name}:x   STREAM time index     one entry per live item, field i = id
  4 ps:{name}:l   ZSET leased items     member prefix..id, score lease deadline (ms)
  5 ps:{name}:lp  ZSET leased items     member prefix..id, score = its ready-set score
  6 ps:{name}:m   HASH meta             o = priority offset, g = gate
ARGV: 1 gate value, or "" to remove the gate
Reply: "OK".
]]

if ARGV[1] == "" then
  redis.call("HDEL", KEYS[6], "g")
else
  redis.call("HSET", KEYS[6], "g", ARGV[1])
end
return "OK"
