--[[
priority stream: schedules — lists the schedules with their current occurrence, without changing
anything. O(S).

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
ARGV: none
Reply: flat {schedule id, JSON spec, current occurrence's due time or "" when it is not in the
stream, ...}.
]]
-- @read-only

local all = redis.call("HGETALL", KEYS[15])
local reply = {}
for i = 1, #all, 2 do
  local current = cjson.decode(all[i + 1]).c
  local due = ""
  if current ~= "" and redis.call("HEXISTS", KEYS[2], current) == 1 then
    due = string.sub(current, string.find(current, "@[^@]*$") + 1)
  end
  reply[#reply + 1] = all[i]
  reply[#reply + 1] = all[i + 1]
  reply[#reply + 1] = due
end
return reply
