--[[
priority stream: remove — deletes items by id, ready or leased (a later ack of a removed leased
item is refused). Unknown ids are ignored.

KEYS (7, the same for every priority script):
  1 ps:{name}:q   ZSET ready items      member prefix..id, score offset - priority
  2 ps:{name}:h   HASH items            id -> prefix .. ("s"|"j") .. payload
  3 ps:{name}:x   STREAM time index     one entry per add call (batch), i = its new ids, "\n"-joined
  4 ps:{name}:l   ZSET leased items     member prefix..id, score lease deadline (ms)
  5 ps:{name}:lp  ZSET leased items     member prefix..id, score = its ready-set score
  6 ps:{name}:m   HASH meta             o = priority offset, g = gate
  7 ps:{name}:xc  HASH batch counts     batch (prefix's first 13 chars) -> items left, batches of 2+
ARGV: ids, at most 10,000.
Reply: the removed ids, in the order given, each once.
]]

-- @include lib/batched.lua
-- @include lib/hmget.lua
-- @include lib/time-index.lua

local values = hmget(KEYS[2], ARGV)
local removed, members, done = {}, {}, {}
for i = 1, #ARGV do
  local id = ARGV[i]
  if values[i] and not done[id] then
    done[id] = true
    local member = member_of(values[i], id)
    removed[#removed + 1] = id
    members[#members + 1] = member
  end
end

if #removed > 0 then
  batched("ZREM", KEYS[1], members)
  batched("ZREM", KEYS[4], members)
  batched("ZREM", KEYS[5], members)
  batched("HDEL", KEYS[2], removed)
  forget(members)
end
return removed
