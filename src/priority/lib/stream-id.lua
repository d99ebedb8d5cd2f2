-- Shared by several priority scripts; scripts/gen-lua.ts copies it into each one that includes it.
-- The time-index entry id `<ms>-<seq>` encoded in a member's 18-character prefix.
local function stream_id(member)
  return string.sub(member, 1, 13) .. "-" .. string.sub(member, 14, 18)
end
