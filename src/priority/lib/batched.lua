-- Shared by several priority scripts; scripts/gen-lua.ts copies it into each one that includes it.
-- Runs `cmd key ...` over a long list in chunks: Lua's unpack() has a stack limit.
local CHUNK = 1000

local function batched(cmd, key, list)
  for i = 1, #list, CHUNK do
    redis.call(cmd, key, unpack(list, i, math.min(i + CHUNK - 1, #list)))
  end
end
