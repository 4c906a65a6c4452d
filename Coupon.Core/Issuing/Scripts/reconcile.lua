-- Claims a winner without a row for re-publication. KEYS[1] = winners, KEYS[2] = reconciled;
-- ARGV[1] = user id, ARGV[2] = its acceptedAt as the reconciler read it, ARGV[3] = now (unix
-- ms), ARGV[4] = how long a claim holds (ms). Once claimed, an undo keeps the winner (it is on
-- its way to a row), and it is not re-published again until the claim is that old.
-- Returns 1 claimed, 0 not (gone, changed, or claimed recently).
if redis.call('HGET', KEYS[1], ARGV[1]) ~= ARGV[2] then
  return 0
end
local claimed = tonumber(redis.call('HGET', KEYS[2], ARGV[1]))
if claimed and tonumber(ARGV[3]) - claimed < tonumber(ARGV[4]) then
  return 0
end
redis.call('HSET', KEYS[2], ARGV[1], ARGV[3])
return 1
