-- pansaar_refresh_due: the images of one partition due for an early refresh, the longest due first, with what
-- the scheduler needs to judge whether each is worth one (io.pansaar.algorithm.EarlyRefresh). It reads the schedule's
-- entries due by now; one whose hash is gone is an image Redis expired (or someone deleted): it is unindexed, as the
-- sweep would, instead of listed, and counts toward the limit all the same, so the call stays bounded.
--
-- KEYS[1] statistics      pansaar:{p}:stats (expired)
-- KEYS[2] priority index  pansaar:{p}:priority
-- KEYS[3] schedule        pansaar:{p}:schedule
-- KEYS[4] used bytes      pansaar:{p}:bytes
-- KEYS[5] histories       pansaar:{p}:history
-- KEYS[6] departed        pansaar:{p}:departed
-- KEYS[7] repair state    pansaar:{p}:repair (only while a rebuild of the used bytes runs: its count and marks)
-- ARGV[1] the most schedule entries to read
-- ARGV[2] the half-life the caller judges with, ms: each access score is listed moved to it (see scoreInHalfLife), as
--         the image's next update will count it; empty or absent (a caller of API 10 or older): as stored, in the
--         half-life of the image's own
--
-- Returns {server time ms, swept, key, access-score, fresh-ttl ms, key, ...}: how many entries were unindexed as
-- expired, then for each due image its key and those values of its hash's meta (the score moved to ARGV[2]'s
-- half-life), '' where missing (a hash without
-- meta, written by API 5 or older: the scheduler drops it), for a score that is no finite number and for a fresh TTL
-- that is no whole number of ms.
-- Errors: PANSAAR_BAD_ARGUMENT

redis.register_function{
  function_name = 'pansaar_refresh_due',
  callback = function(keys, args)
    local statsKey = keys[1]
    local index = indexKeysFrom(keys, 2)
    local limit = requireInteger('limit', args[1], 1)
    local halfLife = optionalHalfLife(args[2])
    local now = serverTimeMillis()
    local listed = {}
    local gone = {}
    local imageHashPrefix = imageHashPrefixBeside(index.schedule)
    for _, key in ipairs(redis.call('ZRANGEBYSCORE', index.schedule, '-inf', now, 'LIMIT', 0, limit)) do
      local imageHash = imageHashPrefix .. key
      local meta = readMeta(imageHash)
      if not meta and redis.call('EXISTS', imageHash) == 0 then
        gone[#gone + 1] = key
      else
        local fields = metaValues(meta, { 'access-score', 'fresh-ttl', 'half-life' })
        local score = metaNumber(fields[1])
        listed[#listed + 1] = key
        -- '' for a score mangled into no finite number: the worker judges the image unknown and leaves it to expire.
        listed[#listed + 1] = finiteNumberText(score and scoreInHalfLife(score, metaHalfLife(fields[3]), halfLife))
        -- A fresh TTL in whole ms, as the worker parses it; '' for one mangled into anything else.
        local freshTtl = metaWholeNumber(fields[2])
        listed[#listed + 1] = (freshTtl and freshTtl >= 0) and string.format('%d', freshTtl) or ''
      end
    end
    unindexExpired(index, statsKey, gone, now)
    local reply = { now, #gone }
    for position = 1, #listed do
      reply[#reply + 1] = listed[position]
    end
    return reply
  end
}
