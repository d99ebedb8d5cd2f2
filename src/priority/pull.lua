--[[
priority stream: pull — takes up to `count` items, highest priority first, equal priorities in
enqueue order. O(log N + count), plus O(log N) once per lease that ran out.

First returns leases that ran out to the ready set (at most 10,000 per call; the rest on the next
calls). Then selects: the first `count` ready items, or with the gate the first `count` whose
priority >= gate (score <= offset - gate). No gate stored = no filtering.
  purge -> removed for good (ready set, items hash, their batches' counts in the time index)
  lease -> moved to the leased set until now + leaseMs; their score is kept in :lp
(A peek is peek.lua's: it must write nothing, and this script returns leases that ran out.)

A purge pull is made safe to repeat by its pull id (chosen by the client, one per pull): its reply
is kept under KEYS[8] for keepMs (server time, PEXPIRE), and a pull whose KEYS[8] exists returns
that reply and changes nothing. So a retry after a timeout or a lost connection gets the items the
first attempt removed, whichever attempt Redis runs first, instead of removing new ones. An empty
reply is not kept: nothing was removed, so a repeat that finds new items loses nothing.

KEYS (7, the same for every priority script):
  1 ps:{name}:q   ZSET ready items      member prefix..id, score offset - priority
  2 ps:{name}:h   HASH items            id -> prefix .. ("s"|"j") .. payload
  3 ps:{name}:x   STREAM time index     one entry per add call (batch), i = its new ids, "\n"-joined
  4 ps:{name}:l   ZSET leased items     member prefix..id, score lease deadline (ms)
  5 ps:{name}:lp  ZSET leased items     member prefix..id, score = its ready-set score
  6 ps:{name}:m   HASH meta             o = priority offset, g = gate
  7 ps:{name}:xc  HASH batch counts     batch (prefix's first 13 chars) -> items left, batches of 2+
and an 8th, for this script only:
  8 ps:{name}:pull:<pull id>  LIST     a purge pull's reply: offset, members and scores, values
                                       (mode "purge" only; the other modes pass it unused)
ARGV:
  1 count (1..10000)
  2 mode: "purge" | "lease"
  3 "1" to apply the gate, "0" not to
  4 leaseMs (mode "lease" only)
  5 keepMs: how long a purge pull's reply is kept for repeats (mode "purge" only)
Reply: {offset, leasedUntil or "", "member\nscore\nmember\nscore...", {stored value, ...}}: members
and scores joined in one string (ids hold no control characters) cost one reply element instead
of two per item.
]]

-- @include lib/batched.lua
-- @include lib/hmget.lua
-- @include lib/now.lua
-- @include lib/time-index.lua
-- @include lib/requeue.lua

local count = tonumber(ARGV[1])
local mode = ARGV[2]

if mode == "purge" then
  local kept = redis.call("LRANGE", KEYS[8], 0, -1)
  if #kept > 0 then
    local values = {}
    for i = 3, #kept do
      values[i - 2] = kept[i]
    end
    return { kept[1], "", kept[2], values }
  end
end

local now = now_ms()
requeue(now)

local meta = redis.call("HMGET", KEYS[6], "o", "g")
local offset_text = meta[1] or "0"
local picked
local popped = false
if ARGV[3] == "1" and meta[2] then
  local bound = string.format("%.17g", tonumber(offset_text) - tonumber(meta[2]))
  picked = redis.call("ZRANGE", KEYS[1], "-inf", bound, "BYSCORE", "LIMIT", 0, count, "WITHSCORES")
elseif mode == "purge" then
  picked = redis.call("ZPOPMIN", KEYS[1], count)
  popped = true
else
  picked = redis.call("ZRANGE", KEYS[1], 0, count - 1, "WITHSCORES")
end

local n = #picked / 2
if n == 0 then
  return { offset_text, "", "", {} }
end

local members, ids = {}, {}
for i = 1, n do
  local member = picked[2 * i - 1]
  members[i] = member
  ids[i] = id_of(member)
end
local values = hmget(KEYS[2], ids)

if mode == "purge" then
  if not popped then
    batched("ZREM", KEYS[1], members)
  end
  batched("HDEL", KEYS[2], ids)
  forget(members)
  local joined = table.concat(picked, "\n")
  local copy = { offset_text, joined }
  for i = 1, n do
    -- A missing value (nil, a damaged stream) cannot be pushed; "" fails decoding like nil does.
    copy[i + 2] = values[i] or ""
  end
  batched("RPUSH", KEYS[8], copy)
  redis.call("PEXPIRE", KEYS[8], ARGV[5])
  return { offset_text, "", joined, values }
elseif mode == "lease" then
  local deadline = now + tonumber(ARGV[4])
  local leased, kept = {}, {}
  for i = 1, n do
    leased[2 * i - 1] = deadline
    leased[2 * i] = members[i]
    kept[2 * i - 1] = picked[2 * i]
    kept[2 * i] = members[i]
  end
  batched("ZREM", KEYS[1], members)
  batched("ZADD", KEYS[4], leased)
  batched("ZADD", KEYS[5], kept)
  return { offset_text, string.format("%d", deadline), table.concat(picked, "\n"), values }
end

return { offset_text, "", table.concat(picked, "\n"), values }
