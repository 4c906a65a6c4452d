-- Writes an operator's edit of a live campaign in two steps around the MySQL commit, which alone
-- makes it the truth. KEYS[1] = meta, KEYS[2] = winners; ARGV = total (-1 = unlimited), start,
-- end (unix ms), the row's version, the step, a token naming the edit and the draw (unix ms, 0 =
-- none; the api changes it only before the window opens).
-- 'pending' (before the commit): narrows the meta to what both the held and the new version
-- allow (the lower total, the later start, the earlier end) and records the token, so whatever
-- is accepted meanwhile is within the version MySQL keeps, whichever it is.
-- 'live' (after the commit, or by the worker with MySQL's row): writes the version itself, only
-- over the pending edit of that token ('' = none pending) and never over a newer version.
-- Refuses when the state is lost (-1: an edit must not recreate meta without its winners), the
-- total is below the accepted count (-2), Redis holds a newer version, or the same for 'pending'
-- (-3: a late or replayed write never wins), or another edit is pending (-4).
-- Returns { result, accepted count }.
if redis.call('EXISTS', KEYS[1]) == 0 then
  return { -1, 0 }
end
local held = redis.call('HMGET', KEYS[1], 'total', 'start', 'end', 'version', 'pending', 'draw')
local heldVersion = tonumber(held[4]) or 0
local version = tonumber(ARGV[4])
local live = ARGV[5] == 'live'
if heldVersion > version or (not live and heldVersion == version) then
  return { -3, 0 }
end
if live and (held[5] or '') ~= ARGV[6] then
  return { -4, 0 }
end
local count = redis.call('HLEN', KEYS[2])
local total = tonumber(ARGV[1])
if total >= 0 and total < count then
  return { -2, count }
end
if live then
  redis.call('HSET', KEYS[1], 'total', ARGV[1], 'start', ARGV[2], 'end', ARGV[3], 'version', ARGV[4])
  redis.call('HDEL', KEYS[1], 'pending')
  if ARGV[7] == '0' then
    redis.call('HDEL', KEYS[1], 'draw')
  else
    redis.call('HSET', KEYS[1], 'draw', ARGV[7])
  end
else
  local heldTotal = tonumber(held[1])
  if heldTotal >= 0 and (total < 0 or heldTotal < total) then
    total = heldTotal
  end
  redis.call('HSET', KEYS[1], 'total', total, 'start', math.max(tonumber(held[2]), tonumber(ARGV[2])),
    'end', math.min(tonumber(held[3]), tonumber(ARGV[3])), 'pending', ARGV[6])
  -- Either version's draw: a request in its window enters rather than takes a coupon.
  local draw = math.max(tonumber(held[6] or 0), tonumber(ARGV[7]))
  if draw > 0 then
    redis.call('HSET', KEYS[1], 'draw', draw)
  end
end
return { 1, count }
