--[[
priority stream: expired — lists items (ready and leased) enqueued more than ttlMs ago by the
server's clock, oldest first, at most `limit`; with purge also removes them (a later ack of a
purged leased item is refused). O(log N + limit) per item listed.

KEYS (6, the same for every priority script):
  1 ps:{name}:q   ZSET ready items      member prefix..id, score offset - priority
  2 ps:{name}:h   HASH items            id -> prefix .. ("s"|"j") .. payload
  3 ps:{name}:x   STREAM time index     one entry per live item, field i = id
  4 ps:{name}:l   ZSET leased items     member prefix..id, score lease deadline (ms)
  5 ps:{name}:lp  ZSET leased items     member prefix..id, score = its ready-set score
  6 ps:{name}:m   HASH meta             o = priority offset, g = gate
ARGV: 1 ttlMs, 2 "1" purge / "0" list only, 3 limit (1..10000)
Reply: {offset, then per item: member, score, stored value, lease deadline or ""}.
]]

-- @include lib/batched.lua
-- @include lib/now.lua

local now = now_ms()
local offset_text = redis.call("HGET", KEYS[6], "o") or "0"
local reply = { offset_text }
local cutoff = now - tonumber(ARGV[1]) - 1
if cutoff < 0 then
  return reply
end
local purge = ARGV[2] == "1"
local entries = redis.call("XRANGE", KEYS[3], "-", string.format("%d", cutoff), "COUNT", tonumber(ARGV[3]))

local members, ids, sids = {}, {}, {}
for i = 1, #entries do
  local id = entries[i][2][2]
  local value = redis.call("HGET", KEYS[2], id)
  if value then
    local member = string.sub(value, 1, 18) .. id
    local score = redis.call("ZSCORE", KEYS[1], member)
    local deadline = ""
    if not score then
      score = redis.call("ZSCORE", KEYS[5], member)
      local until_ = redis.call("ZSCORE", KEYS[4], member)
      if until_ and tonumber(until_) > now then
        deadline = until_
      end
    end
    reply[#reply + 1] = member
    reply[#reply + 1] = score
    reply[#reply + 1] = value
    reply[#reply + 1] = deadline
    members[#members + 1] = member
    ids[#ids + 1] = id
    sids[#sids + 1] = entries[i][1]
  end
end

if purge and #ids > 0 then
  batched("ZREM", KEYS[1], members)
  batched("ZREM", KEYS[4], members)
  batched("ZREM", KEYS[5], members)
  batched("HDEL", KEYS[2], ids)
  batched("XDEL", KEYS[3], sids)
end
return reply
