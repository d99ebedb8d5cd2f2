-- receive: one consumer's non-blocking receive, in one round trip and atomically.
--   1. reclaim messages idle longer than claimIdleMs from any consumer of the group (XAUTOCLAIM),
--      reading each one's delivery count (XPENDING on its id);
--   2. move reclaimed messages delivered more than maxDeliveries times to the dead-letter stream
--      (XADD) and acknowledge them (XACK), instead of delivering them again;
--   3. fill the rest of `count` with new messages (XREADGROUP ... >), delivered for the first time;
--   4. refresh the TTL of the stream and of its dead letters, as STEP's receive_message does, so a
--      stream that is read but not written to stays alive.
--
-- KEYS (2): KEYS[1] the stream, KEYS[2] its dead-letter stream (same hash tag: one slot).
-- ARGV (7): [1] group, [2] consumer, [3] count, [4] claimIdleMs (0: no reclaim),
--           [5] maxDeliveries (0: unlimited), [6] ttl in ms of both streams (0: leave it),
--           [7] dead-letter MAXLEN ~ (0: none).
-- Returns a flat array: id, fields (the entry's field/value list), deliveries, ... — reclaimed
-- messages first (oldest first), then new ones.
--
-- The reclaim scan follows XAUTOCLAIM's cursor from the start of the pending list for at most
-- MAX_SCANS calls (each looks at up to 10 x count pending entries), so one call's work stays
-- bounded however long the pending list is.
local MAX_SCANS = 4

local stream, dead = KEYS[1], KEYS[2]
local group, consumer = ARGV[1], ARGV[2]
local count = tonumber(ARGV[3])
local claimIdle = tonumber(ARGV[4])
local maxDeliveries = tonumber(ARGV[5])
local ttl = tonumber(ARGV[6])
local deadMaxLen = tonumber(ARGV[7])

local out = {}
local taken = 0
local buried = 0

local function bury(id, fields, deliveries)
  local entry = { "XADD", dead }
  if deadMaxLen > 0 then
    table.insert(entry, "MAXLEN")
    table.insert(entry, "~")
    table.insert(entry, deadMaxLen)
  end
  for _, v in ipairs({ "*", "id", id, "group", group, "consumer", consumer, "deliveries", deliveries }) do
    table.insert(entry, v)
  end
  for _, v in ipairs(fields) do
    table.insert(entry, v)
  end
  redis.call(unpack(entry))
  redis.call("XACK", stream, group, id)
  buried = buried + 1
end

if claimIdle > 0 then
  local cursor = "0-0"
  for _ = 1, MAX_SCANS do
    local need = count - taken
    if need <= 0 then break end
    local reply = redis.call("XAUTOCLAIM", stream, group, consumer, claimIdle, cursor, "COUNT", need)
    cursor = reply[1]
    for _, entry in ipairs(reply[2]) do
      local id, fields = entry[1], entry[2]
      if not fields then
        -- Redis 6.2 keeps pending entries of trimmed messages and returns them as nil: drop them.
        redis.call("XACK", stream, group, id)
      else
        local pending = redis.call("XPENDING", stream, group, id, id, 1)
        local deliveries = pending[1] and tonumber(pending[1][4]) or 1
        if maxDeliveries > 0 and deliveries > maxDeliveries then
          -- This claim would be delivery number maxDeliveries + 1: it was delivered maxDeliveries times.
          bury(id, fields, deliveries - 1)
        else
          table.insert(out, id)
          table.insert(out, fields)
          table.insert(out, deliveries)
          taken = taken + 1
        end
      end
    end
    if cursor == "0-0" then break end
  end
end

local need = count - taken
if need > 0 then
  local reply = redis.call("XREADGROUP", "GROUP", group, consumer, "COUNT", need, "STREAMS", stream, ">")
  if reply and reply[1] then
    for _, entry in ipairs(reply[1][2]) do
      table.insert(out, entry[1])
      table.insert(out, entry[2])
      table.insert(out, 1)
    end
  end
end

-- Last: a receive that fails (NOGROUP) refreshes nothing. PEXPIRE leaves a missing key missing.
if ttl > 0 then
  redis.call("PEXPIRE", stream, ttl)
  redis.call("PEXPIRE", dead, ttl)
end

return out
