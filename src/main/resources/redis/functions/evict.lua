-- pansaar_evict: the scheduler's memory duty for one partition. Unindexes images Redis has expired, so the
-- used bytes count only images that exist, then unlinks the lowest-priority images while the partition is
-- over its byte budget, then forgets the histories of departed images beyond as many as are held. Each step is
-- O(log n) per image in the partition's images and handles at most ARGV[3] of them: nothing is scanned, and each
-- step unfiles its images with a few variadic commands, not a dozen per image. The scheduler passes half its slice,
-- so that a call that both sweeps and evicts stays within the slice.
--
-- KEYS[1] lease           pansaar:{p}:lease (the caller must hold it)
-- KEYS[2] statistics      pansaar:{p}:stats (expired, evicted)
-- KEYS[3] priority index  pansaar:{p}:priority
-- KEYS[4] expiry index    pansaar:{p}:expiry
-- KEYS[5] refresh index   pansaar:{p}:refresh
-- KEYS[6] sizes           pansaar:{p}:sizes
-- KEYS[7] used bytes      pansaar:{p}:bytes
-- KEYS[8] histories       pansaar:{p}:history (an evicted or expired image's history is kept, within bounds)
-- KEYS[9] departed        pansaar:{p}:departed
-- ARGV[1] lease holder
-- ARGV[2] the partition's byte budget; empty: no budget, only the sweep runs
-- ARGV[3] the most images this call sweeps, the most it evicts and the most departed histories it forgets
--
-- Returns {swept, evicted, used bytes after, images indexed after}
-- Errors: PANSAAR_BAD_ARGUMENT, PANSAAR_NOT_LEASE_HOLDER

redis.register_function{
  function_name = 'pansaar_evict',
  callback = function(keys, args)
    local leaseKey = keys[1]
    local statsKey = keys[2]
    local index = indexKeysFrom(keys, 3)
    local holder = requireNonEmpty('lease holder', args[1])
    local budget = requireInteger('byte budget', args[2], 0, -1)
    local limit = requireInteger('sweep and eviction limit', args[3], 1)
    requireLease(leaseKey, holder)

    local now = serverTimeMillis()
    local swept = sweepExpired(index, statsKey, now, limit)
    local evicted = 0
    if budget >= 0 then
      evicted = evictOverBudget(index, statsKey, budget, limit, nil, now)
    end
    forgetExcessDeparted(index, limit)
    return { swept, evicted, usedBytes(index), redis.call('ZCARD', index.priority) }
  end
}
