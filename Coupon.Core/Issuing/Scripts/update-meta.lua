-- Applies an operator's edit to a live campaign. KEYS[1] = meta, KEYS[2] = winners;
-- ARGV = total (-1 = unlimited), start, end (unix ms), the row's version. Refuses when the state is lost (-1: an
-- edit must not recreate meta without its winners) and when the new total is below the accepted
-- count (-2). Returns { result, accepted count }.
if redis.call('EXISTS', KEYS[1]) == 0 then
  return { -1, 0 }
end
local count = redis.call('HLEN', KEYS[2])
local total = tonumber(ARGV[1])
if total >= 0 and total < count then
  return { -2, count }
end
redis.call('HSET', KEYS[1], 'total', ARGV[1], 'start', ARGV[2], 'end', ARGV[3], 'version', ARGV[4])
return { 1, count }
