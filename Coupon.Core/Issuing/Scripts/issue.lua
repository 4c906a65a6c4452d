-- Issues one coupon atomically. KEYS[1] = meta, KEYS[2] = winners; ARGV[1] = user id, ARGV[2] =
-- the rows MySQL held when the api last read the campaign (every row is a winner: fewer winners
-- means Redis lost part of the state, which is then forgotten and rebuilt, as after a full loss).
-- Returns { outcome, now (unix ms, Redis TIME), accepted count }; outcomes are IssueOutcome.
local meta = redis.call('HMGET', KEYS[1], 'total', 'start', 'end')
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
if not meta[1] then
  return { 0, now, 0 }
end
if now < tonumber(meta[2]) then
  return { 2, now, 0 }
end
if now >= tonumber(meta[3]) then
  return { 3, now, 0 }
end
local count = redis.call('HLEN', KEYS[2])
if count < tonumber(ARGV[2]) then
  redis.call('DEL', KEYS[1])
  return { 0, now, count }
end
if redis.call('HEXISTS', KEYS[2], ARGV[1]) == 1 then
  return { 4, now, count }
end
local total = tonumber(meta[1])
if total >= 0 and count >= total then
  return { 5, now, count }
end
redis.call('HSET', KEYS[2], ARGV[1], now)
return { 1, now, count + 1 }
