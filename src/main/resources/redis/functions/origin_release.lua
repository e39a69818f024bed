-- pansaar_origin_release: gives a fetch permit back and records what the fetch showed about the origin, for
-- the fleet's circuit breaker and pause.
--
-- KEYS[1] permits   pansaar:{o:<origin>}:permits
-- KEYS[2] state     pansaar:{o:<origin>}:state
-- ARGV[1] holder (from pansaar_origin_acquire)
-- ARGV[2] outcome: 'success'  the origin answered (any answer that is not 5xx or 429): the breaker closes
--                  'failure'  5xx, 429, a timeout or a broken connection: one more consecutive failure
-- ARGV[3] pause in ms the origin asked for (Retry-After, already capped by the caller); 0: none
-- ARGV[4] breaker threshold: consecutive failures that open the breaker, at least 1
-- ARGV[5] breaker open-for in ms
-- ARGV[6] what failed, kept as last-failure for operators (cut to 200 bytes); may be empty
--
-- Returns {state, ms left}: the origin's state after this outcome, for the caller's next step:
--   {'CLOSED', 0}          fetches go on
--   {'OPEN', ms left}      the breaker is open (this failure opened it, or the probe failed)
--   {'PAUSED', ms left}    a pause is in force (a Retry-After)
-- State fields written: failures (consecutive), open-until (present while open or half-open), opened (times
-- it opened), probe and probe-until (the half-open probe), paused-until, last-failure, last-failure-at.
-- Errors: PANSAAR_BAD_ARGUMENT

redis.register_function{
  function_name = 'pansaar_origin_release',
  callback = function(keys, args)
    local permitsKey = keys[1]
    local stateKey = keys[2]
    local holder = requireNonEmpty('holder', args[1])
    local outcome = args[2]
    if outcome ~= 'success' and outcome ~= 'failure' then
      fail('BAD_ARGUMENT', 'outcome must be success or failure, was "' .. tostring(outcome) .. '"')
    end
    local pause = requireInteger('pause', args[3], 0)
    local threshold = requireInteger('breaker threshold', args[4], 1)
    local openFor = requireInteger('breaker open-for', args[5], 1)
    local what = string.sub(args[6] or '', 1, 200)
    -- One read of the state this call decides by; every later step knows what it wrote, so the reply needs no second
    -- read, and fields already absent are not deleted again. The server's time is read only when a failure, a pause
    -- or a deadline to compare with needs it: a success on a healthy origin is two commands.
    redis.call('ZREM', permitsKey, holder)
    local state = redis.call('HMGET', stateKey, 'probe', 'failures', 'open-until', 'paused-until')
    local wasProbe = state[1] == holder
    local openUntil = tonumber(state[3])
    local pausedUntil = tonumber(state[4]) or 0
    local now
    if wasProbe then
      redis.call('HDEL', stateKey, 'probe', 'probe-until')
    end
    if outcome == 'success' then
      if state[2] or state[3] then
        redis.call('HDEL', stateKey, 'failures', 'open-until')
      end
      openUntil = nil
    else
      now = serverTimeMillis()
      local failures = redis.call('HINCRBY', stateKey, 'failures', 1)
      redis.call('HSET', stateKey, 'last-failure', what, 'last-failure-at', now)
      local halfOpen = openUntil ~= nil and openUntil <= now
      if wasProbe or (failures >= threshold and openUntil == nil) or (halfOpen and failures >= threshold) then
        openUntil = now + openFor
        redis.call('HSET', stateKey, 'open-until', openUntil)
        redis.call('HDEL', stateKey, 'probe', 'probe-until')
        redis.call('HINCRBY', stateKey, 'opened', 1)
      end
    end
    if pause > 0 then
      now = now or serverTimeMillis()
      pausedUntil = math.max(pausedUntil, now + pause)
      redis.call('HSET', stateKey, 'paused-until', pausedUntil)
    end

    openUntil = openUntil or 0
    if pausedUntil <= 0 and openUntil <= 0 then
      -- No deadline at all: nothing is ahead of the server's time.
      return { 'CLOSED', 0 }
    end
    now = now or serverTimeMillis()
    if pausedUntil > now and pausedUntil >= openUntil then
      return { 'PAUSED', pausedUntil - now }
    end
    if openUntil > now then
      return { 'OPEN', openUntil - now }
    end
    return { 'CLOSED', 0 }
  end
}
