-- Shared by several priority scripts; scripts/gen-lua.ts copies it into each one that includes it.
-- @include lib/lookups.lua
-- @include lib/prefix.lua

-- The leases that ARGV[first], ARGV[first + 1], ... (pairs of id, lease deadline; "" = any running
-- lease) name and that still run at `now` with that deadline: their ids and members, in the order
-- given, each id once. Every pair is looked up first, in one HMGET and one ZMSCORE per 1,000 (not
-- an HGET and a ZSCORE per pair): nothing changes before the choice, so it is the same.
local function running_leases(first, now)
  local ids = {}
  for i = first, #ARGV, 2 do
    ids[#ids + 1] = ARGV[i]
  end
  local values = hmget(KEYS[2], ids)
  local found, at = {}, {}
  for i = 1, #ids do
    if values[i] then
      found[#found + 1] = member_of(values[i], ids[i])
      at[i] = #found
    end
  end
  local deadlines = zmscore(KEYS[4], found)
  local taken, members, done = {}, {}, {}
  for i = 1, #ids do
    local id, token, k = ids[i], ARGV[first + 2 * i - 1], at[i]
    if k and not done[id] then
      local deadline = deadlines[k]
      if deadline and tonumber(deadline) > now and (token == "" or tonumber(token) == tonumber(deadline)) then
        done[id] = true
        taken[#taken + 1] = id
        members[#members + 1] = found[k]
      end
    end
  end
  return taken, members
end
