-- pansaar_fold_hits: the scheduler's counting duty for one partition. A reader counts a hit with a plain
-- HINCRBY pansaar:{p}:hits <key> 1, pipelined with its HMGET, so a hit costs Redis no function call; this folds
-- up to ARGV[1] of the counted images into their hits, access score and eviction priority, dated now, and the
-- partition's statistics. A fold runs every scheduler tick, and eviction folds a candidate's hits before it
-- decides, so the ranking never loses a hit; it only dates them up to a tick late.
--
-- It also reports what it folded, so that a tuner can replay the partition's requests: each image whose requests it
-- folded, and each arrival (an image a tuned pansaar_put wrote new, see put.lua's ARGV[26]) it drained from the
-- arrivals hash. Arrivals are drained first, within the same limit: they cost a fold no image update, and a fold whose
-- limit the hits alone fill every tick would otherwise never drain them.
--
-- KEYS[1] hit counter     pansaar:{p}:hits (image key -> requests not yet folded)
-- KEYS[2] statistics      pansaar:{p}:stats (hits, negative-hits)
-- KEYS[3] priority index  pansaar:{p}:priority
-- KEYS[4] histories       pansaar:{p}:history (the charged bytes the report gives)
-- KEYS[5] arrivals        pansaar:{p}:arrivals (image key -> charged bytes at its write; drained)
--         KEYS[4] and KEYS[5] absent (a caller of API 11 or older): no arrival is drained and nothing reported
-- ARGV[1] the most images this call folds, arrivals and counted images together
-- ARGV[2] the half-life to count the requests with, ms: each image's score moves to it (see scoreInHalfLife); empty or
--         absent (a caller of API 10 or older): each image's own
--
-- Returns {images folded, requests folded, entries still waiting, server time ms, then per folded entry: image key,
--          count, charged bytes}
--   images folded, requests folded: of the hit counter alone, as before API 12
--   entries still waiting: fields left in the hit counter and the arrivals hash
--   per folded entry: an arrival with count 1 and the charged bytes it was written with; an image whose requests
--     were folded with their count and the charged bytes of its history entry, 0 when it is not held any more.
--     Hits on a negative entry (counted as negative-hits) are not of an image and are left out, and so is a count of
--     0 or less: a correction of a request pansaar_get recorded itself, which an earlier report already gave.
-- Errors: PANSAAR_BAD_ARGUMENT

redis.register_function{
  function_name = 'pansaar_fold_hits',
  callback = function(keys, args)
    local hitsKey = keys[1]
    local statsKey = keys[2]
    local priorityKey = requireNonEmpty('KEYS[3], the priority index', keys[3])
    local historyKey, arrivalsKey = keys[4], keys[5]
    local reporting = historyKey ~= nil and historyKey ~= ''
    if reporting then
      requireNonEmpty('KEYS[5], the arrivals hash', arrivalsKey)
    end
    local limit = requireInteger('fold limit', args[1], 1)
    local halfLife = optionalHalfLife(args[2])

    local now = serverTimeMillis()
    local report = {}
    local waiting = 0
    if reporting then
      -- HRANDFIELD picks without walking the hash: O(limit) whatever it holds.
      local arrived = redis.call('HRANDFIELD', arrivalsKey, limit, 'WITHVALUES')
      for i = 1, #arrived, 2 do
        report[#report + 1] = arrived[i]
        report[#report + 1] = 1
        report[#report + 1] = tonumber(arrived[i + 1]) or 0
        redis.call('HDEL', arrivalsKey, arrived[i])
      end
      limit = limit - #arrived / 2
      waiting = redis.call('HLEN', arrivalsKey)
    end

    local images, requests = 0, 0
    local counted, reported = {}, {}
    if limit > 0 then
      local pending = redis.call('HRANDFIELD', hitsKey, limit, 'WITHVALUES')
      for i = 1, #pending, 2 do
        local key, count = pending[i], tonumber(pending[i + 1])
        redis.call('HDEL', hitsKey, key)
        if count and count ~= 0 then
          local counter = foldRequests(priorityKey, key, count, now, halfLife)
          counted[counter] = (counted[counter] or 0) + count
          images = images + 1
          requests = requests + count
          if reporting and counter == 'hits' and count > 0 then
            reported[#reported + 1] = { key = key, count = count }
          end
        end
      end
    end
    for counter, total in pairs(counted) do
      redis.call('HINCRBY', statsKey, counter, total)
    end
    if #reported > 0 then
      local folded = {}
      for position, entry in ipairs(reported) do
        folded[position] = entry.key
      end
      local entries = callWithList('HMGET', historyKey, folded)
      for position, entry in ipairs(reported) do
        local _, _, charged = historyParts(entries[position])
        report[#report + 1] = entry.key
        report[#report + 1] = entry.count
        report[#report + 1] = charged or 0
      end
    end
    local reply = { images, requests, waiting + redis.call('HLEN', hitsKey), now }
    for _, value in ipairs(report) do
      reply[#reply + 1] = value
    end
    return reply
  end
}
