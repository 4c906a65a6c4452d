-- Takes back an acceptance that was not answered with a 202: its event could not be delivered,
-- or its script's reply was lost. KEYS[1] = winners, KEYS[2] = reconciled; ARGV[1] = user id,
-- ARGV[2], ARGV[3] = the window (unix ms) in which this request's script recorded it (one
-- instant when the reply said when). ARGV[3] = 'now' bounds it by Redis TIME: sent on the same
-- connection after the script, the undo runs after it, so a script that ran late (Redis
-- stalled) is still inside. An acceptance outside the window is another request's, and one the
-- reconciler has already re-published is on its way to a row: both stay.
-- Returns 1 removed, 0 absent or outside the window, 2 kept for the reconciler.
if redis.call('HEXISTS', KEYS[2], ARGV[1]) == 1 then
  return 2
end
local notAfter = tonumber(ARGV[3])
if ARGV[3] == 'now' then
  local time = redis.call('TIME')
  notAfter = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
end
local accepted = tonumber(redis.call('HGET', KEYS[1], ARGV[1]))
if accepted and accepted >= tonumber(ARGV[2]) and accepted <= notAfter then
  return redis.call('HDEL', KEYS[1], ARGV[1])
end
return 0
