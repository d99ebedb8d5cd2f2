--[[
priority stream: remove — deletes items by id, ready or leased (a later ack of a removed leased
item is refused). Unknown ids are ignored.

KEYS (6, the same for every priority script):
  1 ps:{name}:q   ZSET ready items      member prefix..id, score offset - priority
  2 ps:{name}:h   HASH items            id -> prefix .. ("s"|"j") .. payload
  3 ps:{name}:x   STREAM time index     one entry per live item, field i = id
  4 ps:{name}:l   ZSET leased items     member prefix..id, score lease deadline (ms)
  5 ps:{name}:lp  ZSET leased items     member prefix..id, score = its ready-set score
  6 ps:{name}:m   HASH meta             o = priority offset, g = gate
ARGV: ids, at most 10,000.
Reply: the removed ids, in the order given, each once.
]]

-- @include lib/batched.lua
-- @include lib/hmget.lua
-- @include lib/stream-id.lua

local values = hmget(KEYS[2], ARGV)
local removed, members, sids, done = {}, {}, {}, {}
for i = 1, #ARGV do
  local id = ARGV[i]
  if values[i] and not done[id] then
    done[id] = true
    local member = string.sub(values[i], 1, 18) .. id
    removed[#removed + 1] = id
    members[#members + 1] = member
    sids[#sids + 1] = stream_id(member)
  end
end

if #removed > 0 then
  batched("ZREM", KEYS[1], members)
  batched("ZREM", KEYS[4], members)
  batched("ZREM", KEYS[5], members)
  batched("HDEL", KEYS[2], removed)
  batched("XDEL", KEYS[3], sids)
end
return removed
