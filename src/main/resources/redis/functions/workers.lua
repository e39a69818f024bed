-- pansaar_workers: the workers taking part in the scheduler, so each can hold a fair share of the partitions'
-- leases. Each worker announces itself every tick; one that stops announcing is forgotten after the lease TTL,
-- when its leases lapse too.
--
-- KEYS[1] workers         pansaar:scheduler:workers (sorted set: holder -> last announcement, ms)
-- ARGV[1] holder: a name unique to one worker process
-- ARGV[2] 'announce' (this worker is alive) or 'leave' (this worker stops)
-- ARGV[3] how long an announcement counts, in ms (the lease TTL)
--
-- Returns the number of live workers, this one included when announcing
-- Errors: PANSAAR_BAD_ARGUMENT

redis.register_function{
  function_name = 'pansaar_workers',
  callback = function(keys, args)
    local workersKey = keys[1]
    local holder = requireNonEmpty('holder', args[1])
    local mode = args[2]
    if mode ~= 'announce' and mode ~= 'leave' then
      fail('BAD_ARGUMENT', 'mode must be announce or leave, was "' .. tostring(mode) .. '"')
    end
    local lifetime = requireInteger('announcement lifetime', args[3], 1)
    local now = serverTimeMillis()
    if mode == 'announce' then
      redis.call('ZADD', workersKey, now, holder)
    else
      redis.call('ZREM', workersKey, holder)
    end
    redis.call('ZREMRANGEBYSCORE', workersKey, '-inf', now - lifetime)
    return redis.call('ZCARD', workersKey)
  end
}
