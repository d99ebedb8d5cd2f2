--[[
priority stream: schedule — creates or replaces a schedule (lib/schedules.lua) and makes sure its
next occurrence is in the stream, exactly once: if the current occurrence is still there (ready,
delayed or leased) it stays, else the next one is enqueued as a delayed item. Mode "extend" only
adds cron times after the last stored one (a client tops a schedule up when a pull says it runs
low) and enqueues the next occurrence when none is. Both are safe to repeat. Sets meta "s".

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
ARGV:
  mode "set": 1 "set", 2 schedule id, 3 every ms ("" for cron), 4 cron expression, 5 time zone,
              6 priority, 7 tagged payload, 8 upcoming cron times (ms, "\n"-joined, ascending)
  mode "extend": 1 "extend", 2 schedule id, 3 more cron times (ms, "\n"-joined, ascending)
Reply: {next occurrence's item id or "", its due time or ""}; for "extend" of an unknown
schedule, {"", ""}.
]]

-- @include lib/now.lua
-- @include lib/schedules.lua

local now = now_ms()
local sid = ARGV[2]

local function split(text)
  local out = {}
  for t in string.gmatch(text, "[^\n]+") do
    out[#out + 1] = t
  end
  return out
end

local spec
local old = redis.call("HGET", KEYS[15], sid)
if ARGV[1] == "set" then
  spec = { p = ARGV[6], v = ARGV[7], c = "", t = {} }
  if ARGV[3] ~= "" then
    spec.e = tonumber(ARGV[3])
  else
    spec.cron = ARGV[4]
    spec.t = split(ARGV[8])
    if ARGV[5] ~= "" then
      spec.tz = ARGV[5]
    end
  end
  if old then
    spec.c = cjson.decode(old).c
  end
else
  if not old then
    return { "", "" }
  end
  spec = cjson.decode(old)
  local last = 0
  if #spec.t > 0 then
    last = tonumber(spec.t[#spec.t])
  end
  for _, t in ipairs(split(ARGV[3])) do
    if tonumber(t) > last then
      spec.t[#spec.t + 1] = t
    end
  end
end
-- The current occurrence stays while it is in the stream; otherwise the next one is enqueued.
if spec.c == "" or redis.call("HEXISTS", KEYS[2], spec.c) == 0 then
  local at
  if spec.e then
    at = every_after(spec.e, now)
  else
    at = next_cron(spec, now)
  end
  spec.c = ""
  if at then
    enqueue_occurrence(sid, spec, at)
  end
end
local encoded = cjson.encode(spec)
redis.call("HSET", KEYS[15], sid, encoded)
redis.call("HSET", KEYS[6], "s", "1")
if spec.c == "" then
  return { "", "" }
end
return { spec.c, string.sub(spec.c, string.find(spec.c, "@[^@]*$") + 1) }
