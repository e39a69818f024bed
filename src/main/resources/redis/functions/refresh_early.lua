-- pansaar_refresh_early: the scheduler's decision on due images of one partition. Goes through the images
-- judged worth a refresh, in order, enqueuing one refresh job each (single-flight, as a stale read would) until the
-- refresh budget is spent; nobody waits for these, so they go on the early-refresh stream, the lane after the job
-- stream's. Images whose job is already queued or fetching (a stale read got there first) cost nothing. Every image it enqueued, found pending or was told to drop is filed in the schedule again under
-- the time Redis expires its hash, for the sweep: a refreshed image is filed anew when its refresh is written, a
-- dropped one is left to expire. Images beyond the budget stay due, filed under now: first in line for the next call,
-- behind the images that had expired by then, which the sweep can thus reach. An image whose hash is gone (expired
-- since it was listed) is unindexed, as the sweep would, instead of refreshed.
--
-- KEYS[1] lease           pansaar:{p}:lease (the caller must hold it)
-- KEYS[2] early refreshes pansaar:{p}:early-refresh (the stream the refresh jobs go on)
-- KEYS[3] token counter   pansaar:{p}:token-seq
-- KEYS[4] statistics      pansaar:{p}:stats (refreshed-early, refresh-skipped, expired)
-- KEYS[5] priority index  pansaar:{p}:priority
-- KEYS[6] schedule        pansaar:{p}:schedule
-- KEYS[7] used bytes      pansaar:{p}:bytes
-- KEYS[8] histories       pansaar:{p}:history
-- KEYS[9] departed        pansaar:{p}:departed
-- KEYS[10] repair state   pansaar:{p}:repair (only while a rebuild of the used bytes runs: its count and marks)
-- ARGV[1] lease holder
-- ARGV[2] queued-marker TTL in ms
-- ARGV[3] budget: the most refresh jobs to enqueue
-- ARGV[4] n: how many of the following keys are worth a refresh
-- ARGV[5 .. 4+n] image keys worth a refresh, the most urgent first
-- ARGV[5+n ..] image keys not worth a refresh
--
-- Returns {enqueued, already pending, deferred, expired}: refresh jobs added; images whose job was already queued or
-- fetching; images left due because the budget was spent; images unindexed because their hash was gone
-- Errors: PANSAAR_BAD_ARGUMENT, PANSAAR_NOT_LEASE_HOLDER

redis.register_function{
  function_name = 'pansaar_refresh_early',
  callback = function(keys, args)
    local leaseKey = keys[1]
    local refreshStreamKey = keys[2]
    local tokenCounterKey = keys[3]
    local statsKey = keys[4]
    local index = indexKeysFrom(keys, 5)
    local holder = requireNonEmpty('lease holder', args[1])
    local queuedTtl = requireInteger('queued-marker TTL', args[2], 1)
    local budget = requireInteger('refresh budget', args[3], 0)
    local worth = requireInteger('number of keys worth a refresh', args[4], 0)
    if 4 + worth > #args then
      fail('BAD_ARGUMENT', 'ARGV[4] says ' .. worth .. ' keys are worth a refresh, but only ' .. (#args - 4) .. ' follow')
    end
    requireLease(leaseKey, holder)

    local now = serverTimeMillis()
    local prefix = partitionPrefixOf(index.schedule)
    local enqueued, pending, deferred, skipped = 0, 0, 0, 0
    local gone = {}
    -- Files a decided image under its hash's expiry, or notes it gone. XX: an image unindexed since it was listed
    -- (evicted, replaced by a negative entry) is not filed again.
    local function decided(key, expiresAt)
      redis.call('ZADD', index.schedule, 'XX', expiresAt, key)
    end
    for position = 5, #args do
      local key = args[position]
      local expiresAt = expiryOf(prefix .. 'img:' .. key)
      if not expiresAt then
        if redis.call('ZSCORE', index.schedule, key) then
          gone[#gone + 1] = key
        end
      elseif position > 4 + worth then
        skipped = skipped + 1
        decided(key, expiresAt)
      else
        local markerKey = prefix .. 'marker:' .. key
        if enqueued < budget then
          -- enqueueOnce reads the marker itself: a job already queued or fetching is found pending, at no cost.
          if enqueueOnce(markerKey, refreshStreamKey, tokenCounterKey, key, 'refresh', nil,
            queuedTtl, now, LOWER_LANE_TOKEN_PREFIX) == 1 then
            enqueued = enqueued + 1
          else
            pending = pending + 1
          end
          decided(key, expiresAt)
        elseif redis.call('EXISTS', markerKey) == 1 then
          pending = pending + 1
          decided(key, expiresAt)
        else
          deferred = deferred + 1
          redis.call('ZADD', index.schedule, 'XX', now, key)
        end
      end
    end
    if enqueued > 0 then
      redis.call('HINCRBY', statsKey, 'refreshed-early', enqueued)
    end
    if skipped > 0 then
      redis.call('HINCRBY', statsKey, 'refresh-skipped', skipped)
    end
    unindexExpired(index, statsKey, gone, now)
    return { enqueued, pending, deferred, #gone }
  end
}
