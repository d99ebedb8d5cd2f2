--[[
priority stream: expired — lists items (ready and leased) enqueued more than ttlMs ago by the
server's clock, oldest first, at most `limit`; with purge also removes them (a later ack of a
purged leased item is refused). O(limit log N), plus the listed ids of the batches read (each
batch entry lists the ids its add call enqueued, some of which may have left). A delayed item is
enqueued when it is due: it has no batch before, so it is listed only once promoted, by its due
time. A purge emits a "removed" event.

KEYS (16, the same for every priority script):
  1 ps:{name}:q   ZSET ready items      member prefix..id, score offset - priority
  2 ps:{name}:h   HASH items            id -> prefix .. ("s"|"j") .. payload
  3 ps:{name}:x   STREAM time index     one entry per add call (batch), i = its new ids, "\n"-joined
  4 ps:{name}:l   ZSET leased items     member prefix..id, score lease deadline (ms)
  5 ps:{name}:lp  ZSET leased items     member prefix..id, score = its ready-set score
  6 ps:{name}:m   HASH meta             o offset, g gate, d delays, options, limits (keys.ts)
  7 ps:{name}:xc  ZSET batch counts     batch (prefix's first 13 chars), score items left, batches of 2+
  8 ps:{name}:d   ZSET delayed items    member prefix..id, score due time (ms)
  9 ps:{name}:dp  ZSET delayed items    member prefix..id, score = its ready-set score
 10 ps:{name}:a   HASH attempts         id -> its leases that ended without an ack
 11 ps:{name}:dl  HASH dead letters     id -> attempts|deadAt|priority|reason, LF, data
 12 ps:{name}:dz  ZSET dead letters     id -> when it was dead-lettered (ms)
 13 ps:{name}:ev  STREAM events         t type, i ids ("\n"-joined), r reason; capped (MAXLEN ~)
 14 ps:{name}:rw  LIST rate window      "<ms>:<n>": n items taken at ms, oldest first
 15 ps:{name}:s   HASH schedules        id -> JSON spec (every or cron times, data, current id)
 16 ps:{name}:lt  ZSET retired leases   deadline -> itself: leases nacked before their deadline
ARGV: 1 ttlMs, 2 "1" purge / "0" list only, 3 limit (1..10000)
Reply: {offset, then per item: member, score, stored value, lease deadline or ""}.
]]

-- @include lib/batched.lua
-- @include lib/now.lua
-- @include lib/time-index.lua
-- @include lib/events.lua
-- @include lib/lease-tokens.lua

local now = now_ms()
local offset_text = redis.call("HGET", KEYS[6], "o") or "0"
local reply = { offset_text }
local cutoff = now - tonumber(ARGV[1]) - 1
if cutoff < 0 then
  return reply
end
local purge = ARGV[2] == "1"
local limit = tonumber(ARGV[3])
-- An entry stays only while an item of its batch does, so `limit` entries hold enough items.
local entries = redis.call("XRANGE", KEYS[3], "-", string.format("%d", cutoff), "COUNT", limit)

-- The items of a batch still present: a listed id counts only if the item stored under it has
-- this batch's prefix (an id that left and came back belongs to a later batch). Stops at `wanted`
-- items, or at the batch's count of items left, after which the rest of the list is dead.
local function survivors(batch, listed, wanted)
  local found = {}
  local left = 1
  if #listed > 1 then
    left = tonumber(redis.call("ZSCORE", KEYS[7], batch) or "0")
  end
  wanted = math.min(wanted, left)
  local step = 256
  for from = 1, #listed, step do
    local to = math.min(from + step - 1, #listed)
    local values = redis.call("HMGET", KEYS[2], unpack(listed, from, to))
    for k = 1, to - from + 1 do
      local value = values[k]
      if value then
        local place = from + k - 1
        local prefix = prefix_of(batch, place, #listed)
        if string.sub(value, 1, PREFIX) == prefix then
          found[#found + 1] = { listed[place], prefix, value }
          if #found >= wanted then
            return found
          end
        end
      end
    end
  end
  return found
end

local members, ids = {}, {}
for e = 1, #entries do
  local batch = batch_of(entries[e][1])
  local wanted = limit - #ids
  if wanted <= 0 then
    break
  end
  if batch then
    local listed = {}
    for id in string.gmatch(entries[e][2][2], "[^\n]+") do
      listed[#listed + 1] = id
    end
    local found = survivors(batch, listed, wanted)
    for f = 1, #found do
      local id, prefix, value = found[f][1], found[f][2], found[f][3]
      local member = prefix .. id
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
    end
  end
end

if purge and #ids > 0 then
  retire_leases(members, now)
  batched("ZREM", KEYS[1], members)
  batched("ZREM", KEYS[4], members)
  batched("ZREM", KEYS[5], members)
  batched("HDEL", KEYS[2], ids)
  batched("HDEL", KEYS[10], ids)
  forget(members)
  emit("removed", ids)
end
return reply
