-- Forgets a campaign's state when Redis holds fewer winners than MySQL holds rows (a failover to
-- a lagging replica lost part of it): without meta the campaign answers 503 until the worker
-- rebuilds it from MySQL, as after a full loss. KEYS[1] = meta, KEYS[2] = winners; ARGV[1] = the
-- row count, read before this runs (rows only grow, and every row is a winner while the state is
-- whole). Returns 1 forgotten, 0 whole.
if redis.call('EXISTS', KEYS[1]) == 1 and redis.call('HLEN', KEYS[2]) < tonumber(ARGV[1]) then
  redis.call('DEL', KEYS[1])
  return 1
end
return 0
