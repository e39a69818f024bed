-- pansaar_refresh_early: the scheduler's decision on due images of one partition. Goes through the images
-- judged worth a refresh, in order, enqueuing one refresh job each (single-flight, as a stale read would)
-- until the refresh budget is spent; images whose job is already queued or fetching (a stale read got there
-- first) cost nothing. Every image it enqueued, found pending or was told to drop leaves the refresh index:
-- a refreshed image is filed again when its refresh is written, a dropped one is left to expire. Images
-- beyond the budget stay due, first in line for the next call.
--
-- KEYS[1] lease           pansaar:{p}:lease (the caller must hold it)
-- KEYS[2] refresh index   pansaar:{p}:refresh
-- KEYS[3] job stream      pansaar:{p}:jobs
-- KEYS[4] token counter   pansaar:{p}:token-seq
-- KEYS[5] statistics      pansaar:{p}:stats (refreshed-early, refresh-skipped)
-- ARGV[1] lease holder
-- ARGV[2] queued-marker TTL in ms
-- ARGV[3] budget: the most refresh jobs to enqueue
-- ARGV[4] n: how many of the following keys are worth a refresh
-- ARGV[5 .. 4+n] image keys worth a refresh, the most urgent first
-- ARGV[5+n ..] image keys not worth a refresh
--
-- Returns {enqueued, already pending, deferred}: refresh jobs added; images whose job was already queued or
-- fetching; images left due because the budget was spent
-- Errors: PANSAAR_BAD_ARGUMENT, PANSAAR_NOT_LEASE_HOLDER

redis.register_function{
  function_name = 'pansaar_refresh_early',
  callback = function(keys, args)
    local leaseKey = keys[1]
    local refreshKey = keys[2]
    local jobStreamKey = keys[3]
    local tokenCounterKey = keys[4]
    local statsKey = keys[5]
    local holder = requireNonEmpty('lease holder', args[1])
    local queuedTtl = requireInteger('queued-marker TTL', args[2], 1)
    local budget = requireInteger('refresh budget', args[3], 0)
    local worth = requireInteger('number of keys worth a refresh', args[4], 0)
    if 4 + worth > #args then
      fail('BAD_ARGUMENT', 'ARGV[4] says ' .. worth .. ' keys are worth a refresh, but only ' .. (#args - 4) .. ' follow')
    end
    requireLease(leaseKey, holder)

    local now = serverTimeMillis()
    local prefix = partitionPrefixOf(refreshKey)
    local enqueued, pending, deferred = 0, 0, 0
    -- Every image that leaves the refresh index, taken out by one ZREM at the end.
    local leaving = {}
    for position = 5, 4 + worth do
      local key = args[position]
      local markerKey = prefix .. 'marker:' .. key
      if enqueued < budget then
        -- enqueueOnce reads the marker itself: a job already queued or fetching is found pending, at no cost.
        if enqueueOnce(markerKey, jobStreamKey, tokenCounterKey, key, 'refresh', nil, queuedTtl, now) == 1 then
          enqueued = enqueued + 1
        else
          pending = pending + 1
        end
        leaving[#leaving + 1] = key
      elseif redis.call('EXISTS', markerKey) == 1 then
        pending = pending + 1
        leaving[#leaving + 1] = key
      else
        deferred = deferred + 1
      end
    end
    for position = 5 + worth, #args do
      leaving[#leaving + 1] = args[position]
    end
    callWithList('ZREM', refreshKey, leaving)
    if enqueued > 0 then
      redis.call('HINCRBY', statsKey, 'refreshed-early', enqueued)
    end
    if #args - 4 - worth > 0 then
      redis.call('HINCRBY', statsKey, 'refresh-skipped', #args - 4 - worth)
    end
    return { enqueued, pending, deferred }
  end
}
