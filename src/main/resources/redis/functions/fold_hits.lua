-- pansaar_fold_hits: the scheduler's counting duty for one partition. A reader counts a hit with a plain
-- HINCRBY pansaar:{p}:hits <key> 1, pipelined with its HMGET, so a hit costs Redis no function call; this folds
-- up to ARGV[1] of the counted images into their hits, access score and eviction priority, dated now, and the
-- partition's statistics. A fold runs every scheduler tick, and eviction folds a candidate's hits before it
-- decides, so the ranking never loses a hit; it only dates them up to a tick late.
--
-- KEYS[1] hit counter     pansaar:{p}:hits (image key -> requests not yet folded)
-- KEYS[2] statistics      pansaar:{p}:stats (hits, negative-hits)
-- KEYS[3] priority index  pansaar:{p}:priority
-- ARGV[1] the most images this call folds
-- ARGV[2] the half-life to count the requests with, ms: each image's score moves to it (see scoreInHalfLife); empty or
--         absent (a caller of API 10 or older): each image's own
--
-- Returns {images folded, requests folded, images still waiting}
-- Errors: PANSAAR_BAD_ARGUMENT

redis.register_function{
  function_name = 'pansaar_fold_hits',
  callback = function(keys, args)
    local hitsKey = keys[1]
    local statsKey = keys[2]
    local priorityKey = requireNonEmpty('KEYS[3], the priority index', keys[3])
    local limit = requireInteger('fold limit', args[1], 1)
    local halfLife = optionalHalfLife(args[2])

    local now = serverTimeMillis()
    -- HRANDFIELD picks without walking the hash: O(limit) whatever the counter holds.
    local waiting = redis.call('HRANDFIELD', hitsKey, limit, 'WITHVALUES')
    local images, requests = 0, 0
    local counted = {}
    for i = 1, #waiting, 2 do
      local key, count = waiting[i], tonumber(waiting[i + 1])
      redis.call('HDEL', hitsKey, key)
      if count and count ~= 0 then
        local counter = foldRequests(priorityKey, key, count, now, halfLife)
        counted[counter] = (counted[counter] or 0) + count
        images = images + 1
        requests = requests + count
      end
    end
    for counter, total in pairs(counted) do
      redis.call('HINCRBY', statsKey, counter, total)
    end
    return { images, requests, redis.call('HLEN', hitsKey) }
  end
}
