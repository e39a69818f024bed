-- pansaar_evict: the scheduler's memory duty for one partition. Unindexes images Redis has expired (due entries of
-- the schedule whose hash is gone), so the used bytes count only images that exist, then unlinks the lowest-priority images while the partition is
-- over its byte budget, then forgets the histories of departed images beyond as many as are held. Each step is
-- O(log n) per image in the partition's images and handles at most ARGV[3] of them: nothing is scanned, and each
-- step unfiles its images with a few variadic commands, not a dozen per image. The scheduler passes half its slice,
-- so that a call that both sweeps and evicts stays within the slice.
--
-- KEYS[1] lease           pansaar:{p}:lease (the caller must hold it)
-- KEYS[2] statistics      pansaar:{p}:stats (expired, evicted)
-- KEYS[3] priority index  pansaar:{p}:priority
-- KEYS[4] schedule        pansaar:{p}:schedule (swept: the due entries whose hash is gone; live ones stay)
-- KEYS[5] used bytes      pansaar:{p}:bytes
-- KEYS[6] histories       pansaar:{p}:history (an evicted or expired image's history is kept, within bounds)
-- KEYS[7] departed        pansaar:{p}:departed
-- KEYS[8] repair state    pansaar:{p}:repair (only while a rebuild of the used bytes runs: its count and marks)
-- KEYS[9] events stream   pansaar:{p}:events (one evicted event per evicted image, size and etag; none for the swept)
-- ARGV[1] lease holder
-- ARGV[2] the partition's byte budget; empty: no budget, only the sweep runs
-- ARGV[3] the most schedule entries this call sweeps (live due ones count too), the most images it evicts and the
--         most departed histories it forgets
-- ARGV[4] the events stream's cap (XADD MAXLEN ~); 0 or absent (a caller of API 7, without the key): no events
-- ARGV[5] the half-life to fold candidates' waiting hits with, ms (see pansaar_fold_hits); empty or absent (a caller
--         of API 10 or older): each image's own
-- ARGV[6] probation share, in [0, 1): the share of the byte budget the probationary stage may hold before its oldest
--         images leave it first (see evictOverBudget in shared.lua); 0, empty or absent (a caller of API 13 or older):
--         the stage is off, and any image still on it leaves it as eviction needs room
--
-- Returns {swept, evicted, used bytes after, images indexed after, candidates ranked anew}: a candidate is ranked anew
-- rather than evicted when hits of it waited in the hit counter, or when API 10 or older ranked it (see
-- evictOverBudget); a call that ranked its limit of them anew may have stopped short of the budget, and the scheduler
-- calls again
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
    local events = eventsFrom(keys[9], args[4])
    local halfLife = optionalHalfLife(args[5])
    local probationShare = optionalProbationShare(args[6])
    requireLease(leaseKey, holder)

    local now = serverTimeMillis()
    local swept = sweepExpired(index, statsKey, now, limit)
    local evicted, rankedAnew = 0, 0
    if budget >= 0 then
      evicted, rankedAnew = evictOverBudget(index, statsKey, budget, limit, nil, now, events, halfLife, probationShare)
    end
    forgetExcessDeparted(index, limit)
    return { swept, evicted, usedBytes(index), redis.call('ZCARD', index.priority), rankedAnew }
  end
}
