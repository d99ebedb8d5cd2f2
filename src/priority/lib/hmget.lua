-- Shared by several priority scripts; scripts/gen-lua.ts copies it into each one that includes it.
-- @include lib/batched.lua

-- HMGET over a long list of fields, in chunks.
local function hmget(key, fields)
  local out = {}
  for i = 1, #fields, CHUNK do
    local part = redis.call("HMGET", key, unpack(fields, i, math.min(i + CHUNK - 1, #fields)))
    for k = 1, #part do
      out[i + k - 1] = part[k]
    end
  end
  return out
end
