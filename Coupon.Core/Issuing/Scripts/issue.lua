-- Issues one coupon atomically. KEYS[1] = meta, KEYS[2] = winners, KEYS[3] = requests, KEYS[4] =
-- this request's void marker; ARGV[1] = user id, ARGV[2] = the rows MySQL held when the api last
-- read the campaign (every row is a winner: fewer winners means Redis lost part of the state,
-- which is then forgotten and rebuilt, as after a full loss), ARGV[3] = the request's id, ARGV[4]
-- = its deadline (unix ms, Redis's clock). Past its deadline, or once the api voided the request
-- (it stopped waiting for this reply and answered without it), the script records nothing, so
-- the answer stays true however late Redis runs it. The winner is stored with the request's id.
-- Returns { outcome, now (unix ms, Redis TIME), accepted count }; outcomes are IssueOutcome.
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
if now > tonumber(ARGV[4]) or redis.call('EXISTS', KEYS[4]) == 1 then
  return { 6, now, 0 }
end
local meta = redis.call('HMGET', KEYS[1], 'total', 'start', 'end')
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
redis.call('HSET', KEYS[3], ARGV[1], ARGV[3])
return { 1, now, count + 1 }
