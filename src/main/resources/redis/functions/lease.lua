-- pansaar_lease: the per-partition lease under which one worker at a time runs a partition's scheduler
-- duties (evict, sweep, early refresh). A holder that stops renewing loses it when it lapses.
--
-- KEYS[1] lease           pansaar:{p}:lease
-- ARGV[1] holder: a name unique to one worker process
-- ARGV[2] 'acquire' (take it when free, renew it when held) or 'release' (give it up when held)
-- ARGV[3] lease TTL in ms (used by 'acquire')
--
-- Returns:
--   {'HELD', ms left}           acquire: this holder has the lease now, for ms left
--   {'TAKEN', holder, ms left}  acquire: another holder has it
--   {'RELEASED'}                release: deleted, or already not this holder's
-- Errors: PANSAAR_BAD_ARGUMENT

redis.register_function{
  function_name = 'pansaar_lease',
  callback = function(keys, args)
    local leaseKey = keys[1]
    local holder = requireNonEmpty('holder', args[1])
    local mode = args[2]
    if mode == 'release' then
      if redis.call('GET', leaseKey) == holder then
        redis.call('DEL', leaseKey)
      end
      return { 'RELEASED' }
    end
    if mode ~= 'acquire' then
      fail('BAD_ARGUMENT', 'mode must be acquire or release, was "' .. tostring(mode) .. '"')
    end
    local ttl = requireInteger('lease TTL', args[3], 1)
    local current = redis.call('GET', leaseKey)
    if current and current ~= holder then
      return { 'TAKEN', current, redis.call('PTTL', leaseKey) }
    end
    redis.call('SET', leaseKey, holder, 'PX', ttl)
    return { 'HELD', ttl }
  end
}
