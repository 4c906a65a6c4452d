-- Takes back one accepted issue whose event could not be delivered. KEYS[1] = winners;
-- ARGV[1] = user id, ARGV[2] = the acceptedAt the issue script recorded. Only that exact entry
-- is removed, so an undo can never remove someone else's acceptance. Returns 1 if removed.
if redis.call('HGET', KEYS[1], ARGV[1]) == ARGV[2] then
  return redis.call('HDEL', KEYS[1], ARGV[1])
end
return 0
