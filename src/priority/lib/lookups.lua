-- Shared by several priority scripts; scripts/gen-lua.ts copies it into each one that includes it.
-- @include lib/batched.lua

-- A command with one reply element per argument after the key (HMGET, ZMSCORE) over a long list,
-- in chunks (Lua's unpack() has a stack limit): one element per entry of `list`, in order.
local function each_reply(cmd, key, list)
  local out = {}
  for i = 1, #list, CHUNK do
    local part = redis.call(cmd, key, unpack(list, i, math.min(i + CHUNK - 1, #list)))
    for k = 1, #part do
      out[i + k - 1] = part[k]
    end
  end
  return out
end

local function hmget(key, fields)
  return each_reply("HMGET", key, fields)
end

-- One score (or false) per member.
local function zmscore(key, members)
  return each_reply("ZMSCORE", key, members)
end
