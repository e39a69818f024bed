-- pansaar_origin_acquire: asks for a permit to send one fetch to an origin, for the whole fleet. The permit
-- is granted only when the origin is not paused (a Retry-After), its circuit breaker lets the fetch through
-- (closed, or half-open with no probe out yet: this fetch becomes the probe), fewer than max-concurrency
-- permits are held, and the origin's rate allows one more fetch now.
--
-- KEYS[1] permits   pansaar:{o:<origin>}:permits  sorted set: holder -> when the permit lapses, ms
-- KEYS[2] state     pansaar:{o:<origin>}:state    hash: paused-until, open-until, probe, probe-until, failures,
--                                                 rate-due (us), deferred, last-failure, ... (see origin_release)
-- ARGV[1] holder: a token unique to this fetch
-- ARGV[2] max-concurrency: permits held at once, at least 1
-- ARGV[3] rate interval in microseconds between fetches; 0: no rate limit
-- ARGV[4] rate burst: fetches that may go at once after a quiet spell, at least 1
-- ARGV[5] permit lease in ms: a permit whose holder never gives it back (a killed worker) lapses after this
--
-- Returns {verdict, wait ms, permits held}:
--   {'GRANTED', 0, n}           permit held until released or lapsed
--   {'PROBE', 0, n}             granted as the breaker's one half-open probe; its outcome closes or reopens it
--   {'PAUSED', ms left, n}      the origin asked for a pause (Retry-After); nothing is sent before it ends
--   {'OPEN', ms left, n}        the breaker is open
--   {'PROBING', ms left, n}     half-open and another fetch is the probe; ms until that probe's permit lapses
--   {'BUSY', ms, n}             max-concurrency permits are held; ms until the earliest of them lapses
--   {'RATE', ms, n}             the rate allows the next fetch in ms
-- Every verdict but GRANTED and PROBE adds one to the state's 'deferred' counter.
-- Errors: PANSAAR_BAD_ARGUMENT

redis.register_function{
  function_name = 'pansaar_origin_acquire',
  callback = function(keys, args)
    local permitsKey = keys[1]
    local stateKey = keys[2]
    local holder = requireNonEmpty('holder', args[1])
    local maxConcurrency = requireInteger('max-concurrency', args[2], 1)
    local rateInterval = requireInteger('rate interval', args[3], 0)
    local rateBurst = requireInteger('rate burst', args[4], 1)
    local lease = requireInteger('permit lease', args[5], 1)
    local time = redis.call('TIME')
    local nowMicros = tonumber(time[1]) * 1000000 + tonumber(time[2])
    local now = math.floor(nowMicros / 1000)

    redis.call('ZREMRANGEBYSCORE', permitsKey, '-inf', now)
    local held = redis.call('ZCARD', permitsKey)
    local function deferred(verdict, wait)
      redis.call('HINCRBY', stateKey, 'deferred', 1)
      return { verdict, math.max(1, math.ceil(wait)), held }
    end

    local state = redis.call('HMGET', stateKey, 'paused-until', 'open-until', 'probe-until', 'rate-due')
    local pausedUntil = tonumber(state[1]) or 0
    local openUntil = tonumber(state[2])
    local probeUntil = tonumber(state[3]) or 0
    if pausedUntil > now then
      return deferred('PAUSED', pausedUntil - now)
    end
    local probe = false
    if openUntil then
      if openUntil > now then
        return deferred('OPEN', openUntil - now)
      end
      -- Half-open: the first fetch after the open spell is the probe; the others wait for its outcome.
      if probeUntil > now then
        return deferred('PROBING', probeUntil - now)
      end
      probe = true
    end
    if held >= maxConcurrency then
      local earliest = redis.call('ZRANGE', permitsKey, 0, 0, 'WITHSCORES')
      return deferred('BUSY', tonumber(earliest[2]) - now)
    end
    local rateDue
    if rateInterval > 0 then
      -- GCRA: rate-due is when the fetch after the last granted one would be on schedule; up to burst - 1
      -- intervals ahead of schedule are allowed.
      rateDue = math.max(tonumber(state[4]) or 0, nowMicros)
      local earliestStart = rateDue - rateInterval * (rateBurst - 1)
      if earliestStart > nowMicros then
        return deferred('RATE', (earliestStart - nowMicros) / 1000)
      end
      redis.call('HSET', stateKey, 'rate-due', string.format('%d', rateDue + rateInterval))
    end

    redis.call('ZADD', permitsKey, now + lease, holder)
    redis.call('PEXPIRE', permitsKey, lease)
    if probe then
      redis.call('HSET', stateKey, 'probe', holder, 'probe-until', now + lease)
      return { 'PROBE', 0, held + 1 }
    end
    return { 'GRANTED', 0, held + 1 }
  end
}
