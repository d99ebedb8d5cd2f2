-- Shared by several priority scripts; scripts/gen-lua.ts copies it into each one that includes it.
-- Lifecycle events: one entry per operation (not per item) in the capped stream KEYS[13], fields
-- t = type, i = the ids ("\n"-joined: ids hold no control characters), r = a reason when there is
-- one. MAXLEN ~ trims whole stream nodes, so capping costs O(1) amortised. The entry's id and type
-- are also published on the channel named after the stream's key, for subscribers (a PUBLISH
-- without subscribers costs next to nothing); readers who need the ids read the entry.
local EVENTS_MAX_LEN = 10000

local function emit(kind, ids, reason)
  if #ids == 0 then
    return
  end
  local eid
  local joined = table.concat(ids, "\n")
  if reason and reason ~= "" then
    eid = redis.call("XADD", KEYS[13], "MAXLEN", "~", EVENTS_MAX_LEN, "*", "t", kind, "i", joined, "r", reason)
  else
    eid = redis.call("XADD", KEYS[13], "MAXLEN", "~", EVENTS_MAX_LEN, "*", "t", kind, "i", joined)
  end
  redis.call("PUBLISH", KEYS[13], eid .. " " .. kind)
end
