-- Shared by several priority scripts; scripts/gen-lua.ts copies it into each one that includes it.
-- @include lib/batched.lua

-- Splits leaving members into those in a time-index batch (ready or leased) and delayed ones
-- (KEYS[8]), and takes the delayed ones out of the delayed sets. Looks only when the stream may
-- have delayed items (meta "d"). Returns the members that the caller must `forget`.
local function drop_delayed(members)
  if #members == 0 or not redis.call("HGET", KEYS[6], "d") then
    return members
  end
  local indexed, delayed = {}, {}
  for i = 1, #members, CHUNK do
    local j = math.min(i + CHUNK - 1, #members)
    local due = redis.call("ZMSCORE", KEYS[8], unpack(members, i, j))
    for k = 1, j - i + 1 do
      if due[k] then
        delayed[#delayed + 1] = members[i + k - 1]
      else
        indexed[#indexed + 1] = members[i + k - 1]
      end
    end
  end
  batched("ZREM", KEYS[8], delayed)
  batched("ZREM", KEYS[9], delayed)
  return indexed
end
