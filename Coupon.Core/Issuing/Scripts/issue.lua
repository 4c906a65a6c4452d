-- Decides a group of issue requests for one campaign atomically, in arrival order, each as if it
-- ran alone (the api gathers the requests that arrive while the previous group is in Redis: a
-- group commit). KEYS[1] = meta, KEYS[2] = winners, KEYS[3] = requests, KEYS[4] = entrants,
-- KEYS[4 + i] = request i's void marker; ARGV[1] = the rows MySQL held when the api last read the
-- campaign (every row is a winner: fewer winners means Redis lost part of the state, which is then
-- forgotten and rebuilt, as after a full loss); then for request i, ARGV[3i - 1] = user id,
-- ARGV[3i] = the request's id, ARGV[3i + 1] = its deadline (unix ms, Redis's clock). Past its
-- deadline, or once the api voided it (it stopped waiting for this reply and answered without
-- it), a request records nothing, so its answer stays true however late Redis runs the script.
-- A winner is stored with its request's id. Before a campaign's draw (meta 'draw'), a request
-- enters it instead, stored with its id the same way, and after the draw window it waits.
-- Returns { now (unix ms, Redis TIME), outcome 1, count 1, outcome 2, ... }; outcomes are
-- IssueOutcome, counts the winners (or entrants) after each request.
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local reply = { now }
local meta = redis.call('HMGET', KEYS[1], 'total', 'start', 'end', 'draw')
local draw = tonumber(meta[4] or 0)
local count = 0
-- An outcome shared by every live request of the group, when the campaign decides it alone.
local shared
-- The hash a request is recorded in, and the outcomes for a new and a known user.
local into, fresh, known = KEYS[2], 1, 4
if not meta[1] then
  shared = 0
elseif now < tonumber(meta[2]) then
  shared = 2
elseif now >= tonumber(meta[3]) then
  shared = 3
elseif draw > 0 and now >= draw then
  shared = 9
elseif draw > 0 then
  into, fresh, known = KEYS[4], 7, 8
  count = redis.call('HLEN', KEYS[4])
else
  count = redis.call('HLEN', KEYS[2])
  if count < tonumber(ARGV[1]) then
    redis.call('DEL', KEYS[1])
    shared = 0
  end
end
local total = fresh == 1 and tonumber(meta[1] or -1) or -1
for i = 1, #KEYS - 4 do
  local user = ARGV[3 * i - 1]
  local outcome
  if now > tonumber(ARGV[3 * i + 1]) or redis.call('EXISTS', KEYS[4 + i]) == 1 then
    outcome = 6
  elseif shared then
    outcome = shared
  elseif redis.call('HEXISTS', into, user) == 1 then
    outcome = known
  elseif total >= 0 and count >= total then
    outcome = 5
  else
    redis.call('HSET', into, user, now)
    redis.call('HSET', KEYS[3], user, ARGV[3 * i])
    count = count + 1
    outcome = fresh
  end
  reply[2 * i] = outcome
  reply[2 * i + 1] = (outcome == 6 or outcome == 2 or outcome == 3 or outcome == 9) and 0 or count
end
return reply
