-- pansaar_origin_status: one origin's state as operators see it, at the Redis server's time. Reads only.
--
-- KEYS[1] permits   pansaar:{o:<origin>}:permits
-- KEYS[2] state     pansaar:{o:<origin>}:state
-- ARGV: none
--
-- Returns {breaker, permits held, paused for ms, open for ms, consecutive failures, times opened, deferred,
--          last failure, last failure at ms (0: never)}:
--   breaker is 'closed', 'open' (open-until ahead) or 'half-open' (open-until passed, waiting for a probe's
--   outcome); permits held counts only permits that have not lapsed.
-- Errors: none

redis.register_function{
  function_name = 'pansaar_origin_status',
  callback = function(keys, args)
    local permitsKey = keys[1]
    local stateKey = keys[2]
    local now = serverTimeMillis()
    local held = redis.call('ZCOUNT', permitsKey, '(' .. now, '+inf')
    local state = redis.call('HMGET', stateKey, 'paused-until', 'open-until', 'failures', 'opened', 'deferred',
      'last-failure', 'last-failure-at')
    local pausedFor = math.max(0, (tonumber(state[1]) or 0) - now)
    local openUntil = tonumber(state[2])
    local breaker = 'closed'
    local openFor = 0
    if openUntil then
      if openUntil > now then
        breaker = 'open'
        openFor = openUntil - now
      else
        breaker = 'half-open'
      end
    end
    return { breaker, held, pausedFor, openFor, tonumber(state[3]) or 0, tonumber(state[4]) or 0,
      tonumber(state[5]) or 0, state[6] or '', tonumber(state[7]) or 0 }
  end,
  flags = { 'no-writes', 'allow-stale' }
}
