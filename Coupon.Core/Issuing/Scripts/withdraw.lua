-- Takes back a request's acceptance that was not answered with a 202: its event could not be
-- delivered, or its script's reply was lost. KEYS[1] = winners, KEYS[2] = reconciled, KEYS[3] =
-- requests, KEYS[4] = the request's void marker, KEYS[5] = entrants (an entry is taken back the
-- same way); ARGV[1] = user id, ARGV[2] = request id, ARGV[3]
-- = its deadline (unix ms). The request is voided first, so a script still on its way records
-- nothing. Another request's acceptance stays, and so does one the reconciler has re-published:
-- it is on its way to a row.
-- Returns 1 removed, 0 absent (or another request's), 2 kept for the reconciler.
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
redis.call('SET', KEYS[4], ARGV[2], 'PX', math.max(tonumber(ARGV[3]) - now, 0) + 60000)
if redis.call('HGET', KEYS[3], ARGV[1]) ~= ARGV[2] then
  return 0
end
if redis.call('HEXISTS', KEYS[2], ARGV[1]) == 1 then
  return 2
end
redis.call('HDEL', KEYS[1], ARGV[1])
redis.call('HDEL', KEYS[5], ARGV[1])
redis.call('HDEL', KEYS[3], ARGV[1])
return 1
