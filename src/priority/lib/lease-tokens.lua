-- Shared by several priority scripts; scripts/gen-lua.ts copies it into each one that includes it.
-- @include lib/lookups.lua
-- A lease's deadline is its fencing token (ack/nack with `leasedUntil` complete only the lease
-- that has it), so no two leases of one item may share a deadline. A lease that ran out cannot
-- collide: the next one starts later. A lease that ends before its deadline (nack, or its item
-- removed and added again) could: the next lease of that item, with a shorter leaseMs or in the
-- same ms, may end at that very ms. So such deadlines are retired into KEYS[16] until they pass,
-- and a new lease whose deadline is retired ends at the next ms that is not (in practice 1 ms
-- later). Deadlines that passed are dropped by the next lease pull that finds any, and the key
-- expires with the last of them.

-- Retires the deadlines still to come of `members`' running leases (call before removing them
-- from KEYS[4]).
local function retire_leases(members, now)
  if #members == 0 or redis.call("EXISTS", KEYS[4]) == 0 then
    return
  end
  local retired = {}
  local deadlines = zmscore(KEYS[4], members)
  for i = 1, #members do
    local deadline = deadlines[i]
    if deadline and tonumber(deadline) > now then
      retired[#retired + 1] = deadline
      retired[#retired + 1] = deadline
    end
  end
  if #retired > 0 then
    batched("ZADD", KEYS[16], retired)
    local last = redis.call("ZRANGE", KEYS[16], -1, -1, "WITHSCORES")
    redis.call("PEXPIREAT", KEYS[16], last[2])
  end
end

-- The deadline of a lease granted at `now` for `lease_ms`: the first ms from now + lease_ms on
-- that is not a retired deadline.
local function lease_deadline(now, lease_ms)
  local deadline = now + lease_ms
  if redis.call("EXISTS", KEYS[16]) == 1 then
    redis.call("ZREMRANGEBYSCORE", KEYS[16], "-inf", now)
    while redis.call("ZSCORE", KEYS[16], deadline) do
      deadline = deadline + 1
    end
  end
  return deadline
end
