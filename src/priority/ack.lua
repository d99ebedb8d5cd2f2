--[[
priority stream: ack — completes leased items: each id whose lease is still running (deadline
> now) is removed for good. An id that is not leased, whose lease ran out, or whose deadline
differs from the one given (a lease granted to someone else since) is refused.
Leases that ran out are first returned to the ready set.

KEYS (7, the same for every priority script):
  1 ps:{name}:q   ZSET ready items      member prefix..id, score offset - priority
  2 ps:{name}:h   HASH items            id -> prefix .. ("s"|"j") .. payload
  3 ps:{name}:x   STREAM time index     one entry per add call (batch), i = its new ids, "\n"-joined
  4 ps:{name}:l   ZSET leased items     member prefix..id, score lease deadline (ms)
  5 ps:{name}:lp  ZSET leased items     member prefix..id, score = its ready-set score
  6 ps:{name}:m   HASH meta             o = priority offset, g = gate
  7 ps:{name}:xc  HASH batch counts     batch (prefix's first 13 chars) -> items left, batches of 2+
ARGV: pairs of id, lease deadline ("" = any running lease), at most 10,000 pairs.
Reply: the acked ids, in the order given.
]]

-- @include lib/batched.lua
-- @include lib/now.lua
-- @include lib/time-index.lua
-- @include lib/requeue.lua

local now = now_ms()
requeue(now)

local acked, members, done = {}, {}, {}
for i = 1, #ARGV, 2 do
  local id, token = ARGV[i], ARGV[i + 1]
  if not done[id] then
    local value = redis.call("HGET", KEYS[2], id)
    if value then
      local member = member_of(value, id)
      local deadline = redis.call("ZSCORE", KEYS[4], member)
      if deadline and tonumber(deadline) > now and (token == "" or tonumber(token) == tonumber(deadline)) then
        done[id] = true
        acked[#acked + 1] = id
        members[#members + 1] = member
      end
    end
  end
end

if #acked > 0 then
  batched("ZREM", KEYS[4], members)
  batched("ZREM", KEYS[5], members)
  batched("HDEL", KEYS[2], acked)
  forget(members)
end
return acked
