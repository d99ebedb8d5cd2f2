-- Shared by several priority scripts; scripts/gen-lua.ts copies it into each one that includes it.
-- Every item carries a 16-character prefix, at the start of its ready-set member (prefix .. id)
-- and of its stored value (prefix .. tag .. payload): its batch's time-index entry `<ms>-<seq>`
-- as 9 + 4 base-36 digits, then its place in the batch as 3 (digits 0-9a-z sort in that order).
-- Fixed width, so members with equal scores sort by enqueue order, and the member is rebuilt
-- from the stored value without a lookup. Base 36 rather than decimal keeps the member of a
-- 12-character id under 32 bytes, where Redis stores it in a smaller allocation.
local PREFIX = 16

local function member_of(value, id)
  return string.sub(value, 1, PREFIX) .. id
end

local function id_of(member)
  return string.sub(member, PREFIX + 1)
end
