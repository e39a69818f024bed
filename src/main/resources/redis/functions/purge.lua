-- pansaar_purge: purges up to 100 images of one partition, hard or soft, in one atomic step (purgeImages in
-- shared.lua, which pansaar_purge_prefix shares).
--
-- Hard: the image hash is unlinked, so the next read is a miss, and the image leaves every index as an evicted one
-- does (priority, schedule, its charged bytes in its history entry and in the used bytes; its change history is kept
-- among the departed). Soft: an ok copy stays but is stale from now on: fresh-until becomes the server's time,
-- grace-until keeps the copy's grace from now (never later than it was), and the schedule files it as due now. The
-- next read gets it at once as STALE and enqueues one refresh, which sends the copy's validators (a 304 costs no
-- bytes). A negative entry or a hash without meta has no copy to serve stale: a soft purge deletes it as a hard one.
--
-- A purge takes a fence from the partition's counter (past every stored fence of its images), so every claim made
-- before it carries a smaller one. A soft purge stores that fence in the copy's meta. When a fetch of an image is in
-- flight (its marker is 'fetching:<token>'), the purge also writes the purge record pansaar:{p}:purged:<key> = fence
-- for ARGV[2] ms, by which pansaar_put, pansaar_revalidated and pansaar_put_negative refuse that fetch's write
-- (STALE_WRITE, see refusingFence in shared.lua): its bytes may be the purged content. It then replaces the marker and
-- enqueues one job for the image (reason miss after a hard purge, refresh after a soft one), so the image is fetched
-- again once.
--
-- KEYS[1] statistics      pansaar:{p}:stats (purged, soft-purged)
-- KEYS[2] fence counter   pansaar:{p}:fence
-- KEYS[3] job stream      pansaar:{p}:jobs (the job that fetches again an image whose fetch was in flight)
-- KEYS[4] token counter   pansaar:{p}:token-seq (for that job's token)
-- KEYS[5] events stream   pansaar:{p}:events (a purged event per image that existed: mode hard or soft, size, etag)
-- KEYS[6..11]             the partition's indexes: priority, schedule, bytes, history, departed, repair (see
--                         indexKeysFrom in shared.lua)
-- KEYS[9 + 3i], KEYS[10 + 3i], KEYS[11 + 3i], for the i-th image key (i = 1, 2, ...): its image hash
--                         pansaar:{p}:img:<key>, its marker pansaar:{p}:marker:<key> and its purge record
--                         pansaar:{p}:purged:<key>
-- ARGV[1] mode: hard or soft
-- ARGV[2] purge-record TTL in ms: how long a fetch in flight may still try to write (the fetch lease)
-- ARGV[3] queued-marker TTL in ms of the job enqueued for a fetch in flight
-- ARGV[4] the events stream's cap (XADD MAXLEN ~); 0: no events
-- ARGV[5..] the image keys, 1 to 100, each named by its three KEYS
--
-- Returns {purged, outcome 1, job id 1, outcome 2, job id 2, ...}: purged counts the images that existed; for each
-- image key in order its outcome, 'PURGED' (deleted), 'MARKED_STALE' (soft: the copy stays, stale) or 'ABSENT'
-- (nothing cached), and the id of the job enqueued because a fetch was in flight ('' when none was).
-- Errors: PANSAAR_BAD_ARGUMENT (nothing changed)

local MAX_PURGED_PER_CALL = 100

redis.register_function{
  function_name = 'pansaar_purge',
  callback = function(keys, args)
    local purge = purgeFrom(keys, args)
    local keyCount = #args - 4
    if keyCount < 1 or keyCount > MAX_PURGED_PER_CALL then
      fail('BAD_ARGUMENT', 'between 1 and ' .. MAX_PURGED_PER_CALL .. ' image keys are purged per call, got ' .. keyCount)
    end
    if #keys ~= 11 + 3 * keyCount then
      fail('BAD_ARGUMENT', keyCount .. ' image keys need ' .. (11 + 3 * keyCount) .. ' KEYS, got ' .. #keys)
    end
    local images = {}
    for i = 1, keyCount do
      local key = args[4 + i]
      local imageKey, markerKey, recordKey = keys[9 + 3 * i], keys[10 + 3 * i], keys[11 + 3 * i]
      local prefix = partitionPrefixOf(imageKey)
      if keyOfImage(imageKey) ~= key or markerKey ~= prefix .. 'marker:' .. key or recordKey ~= purgeRecordOf(imageKey) then
        fail('BAD_ARGUMENT', 'image key ' .. i .. ' ("' .. key .. '") does not match its KEYS "' .. imageKey .. '", "'
          .. tostring(markerKey) .. '", "' .. tostring(recordKey) .. '"')
      end
      images[i] = { key = key, imageKey = imageKey, markerKey = markerKey, recordKey = recordKey }
    end
    local purged, _, outcomes = purgeImages(purge, images)
    local reply = { purged }
    for _, value in ipairs(outcomes) do
      reply[#reply + 1] = value
    end
    return reply
  end
}
