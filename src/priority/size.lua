--[[
priority stream: size — counts ready and leased items without changing anything (a read-only
caller's call must write nothing): a lease that ran out counts as ready, since the next pull
returns it to the ready set. O(log N).

KEYS (7, the same for every priority script):
  1 ps:{name}:q   ZSET ready items      member prefix..id, score offset - priority
  2 ps:{name}:h   HASH items            id -> prefix .. ("s"|"j") .. payload
  3 ps:{name}:x   STREAM time index     one entry per add call (batch), i = its new ids, "\n"-joined
  4 ps:{name}:l   ZSET leased items     member prefix..id, score lease deadline (ms)
  5 ps:{name}:lp  ZSET leased items     member prefix..id, score = its ready-set score
  6 ps:{name}:m   HASH meta             o = priority offset, g = gate
  7 ps:{name}:xc  HASH batch counts     batch (prefix's first 13 chars) -> items left, batches of 2+
ARGV: none
Reply: {ready, leased} (integers).
]]
-- @read-only

-- @include lib/now.lua

local ran_out = redis.call("ZCOUNT", KEYS[4], "-inf", now_ms())
local leased = redis.call("ZCARD", KEYS[4])
return { redis.call("ZCARD", KEYS[1]) + ran_out, leased - ran_out }
