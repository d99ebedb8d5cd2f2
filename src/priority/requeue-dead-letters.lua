--[[
priority stream: requeueDeadLetters — returns dead letters to the stream as new items: with their
data and last priority, enqueued now (a new batch in the time index), attempts back to 0. A dead
letter whose id is in the stream again (added since) stays a dead letter and is not in the reply.
Emits an "added" event (reason "requeued"). O(k log N).

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
ARGV: ids, at most 10,000.
Reply: the ids requeued, in the order given, each once.
]]

-- @include lib/batched.lua
-- @include lib/enqueue.lua
-- @include lib/events.lua

local offset = tonumber(redis.call("HGET", KEYS[6], "o") or "0")
local ids, records, done = {}, {}, {}
for i = 1, #ARGV do
  local id = ARGV[i]
  if not done[id] then
    done[id] = true
    local record = redis.call("HGET", KEYS[11], id)
    if record and redis.call("HEXISTS", KEYS[2], id) == 0 then
      ids[#ids + 1] = id
      records[#records + 1] = record
    end
  end
end
if #ids == 0 then
  return {}
end

local prefixes = enqueue(ids)
local zpairs, hpairs = {}, {}
for i = 1, #ids do
  -- attempts|deadAt|priority|reason, a line feed, the tagged payload
  local record = records[i]
  local a = string.find(record, "|", 1, true)
  local b = string.find(record, "|", a + 1, true)
  local c = string.find(record, "|", b + 1, true)
  local priority = tonumber(string.sub(record, b + 1, c - 1))
  local payload = string.sub(record, string.find(record, "\n", c + 1, true) + 1)
  zpairs[2 * i - 1] = string.format("%.17g", offset - priority)
  zpairs[2 * i] = prefixes[i] .. ids[i]
  hpairs[2 * i - 1] = ids[i]
  hpairs[2 * i] = prefixes[i] .. payload
end
batched("ZADD", KEYS[1], zpairs)
batched("HSET", KEYS[2], hpairs)
batched("HDEL", KEYS[11], ids)
batched("ZREM", KEYS[12], ids)
emit("added", ids, "requeued")
return ids
