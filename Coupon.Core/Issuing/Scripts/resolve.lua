-- Reads back what the issue script of a request whose reply was lost did, and makes sure it can
-- do nothing more. KEYS[1] = winners, KEYS[2] = requests, KEYS[3] = the request's void marker,
-- KEYS[4] = entrants; ARGV[1] = user id, ARGV[2] = request id, ARGV[3] = its deadline (unix ms).
-- Returns { 1, acceptedAt } when this request recorded the winner ({ 7, enteredAt } the
-- entrant); otherwise the request is voided (its script, still on its way, records nothing) and
-- it returns { 4, acceptedAt } when another request of the user holds the coupon ({ 8, enteredAt }
-- the entry), { 0, 0 } when nobody does.
local accepted = redis.call('HGET', KEYS[1], ARGV[1])
local mine, other = 1, 4
if not accepted then
  accepted = redis.call('HGET', KEYS[4], ARGV[1])
  mine, other = 7, 8
end
if accepted and redis.call('HGET', KEYS[2], ARGV[1]) == ARGV[2] then
  return { mine, tonumber(accepted) }
end
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
-- Past the deadline the script refuses by itself; the marker covers the minute around it.
redis.call('SET', KEYS[3], ARGV[2], 'PX', math.max(tonumber(ARGV[3]) - now, 0) + 60000)
if accepted then
  return { other, tonumber(accepted) }
end
return { 0, 0 }
