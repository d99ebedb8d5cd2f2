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

local CHUNK = 1000

local function batched(cmd, key, list)
  for i = 1, #list, CHUNK do
    redis.call(cmd, key, unpack(list, i, math.min(i + CHUNK - 1, #list)))
  end
end

local function hmget(key, fields)
  local out = {}
  for i = 1, #fields, CHUNK do
    local part = redis.call("HMGET", key, unpack(fields, i, math.min(i + CHUNK - 1, #fields)))
    for k = 1, #part do
      out[i + k - 1] = part[k]
    end
  end
  return out
end

-- The time-index entry id `<ms>-<seq>` encoded in a member's 18-character prefix.
local function stream_id(member)
  return string.sub(member, 1, 13) .. "-" .. string.sub(member, 14, 18)
end

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
