-- pansaar_put: the fenced write of a fetched image. The caller sends, in the same pipeline and
-- before this call, HSET <staging> body <bytes> and PEXPIRE <staging> 60000. The staging hash is renamed into
-- place, so the bytes never pass through Lua, and the image's other values, which come as arguments, are packed
-- with what this write adds into the image hash's meta field (see META_FIELDS in shared.lua): the image hash is
-- {body, meta}. Then the image is filed in the partition's indexes, counted against the byte budget as chargedBytes
-- (its body and its measured overhead), and when that leaves the partition over its budget, images Redis has expired
-- are unindexed and then the lowest-priority other images are evicted while it still is.
--
-- KEYS[1] image hash      pansaar:{p}:img:<key>
-- KEYS[2] marker          pansaar:{p}:marker:<key>
-- KEYS[3] staging hash    pansaar:{p}:staging:<token>:<key>, holding one field, body
-- KEYS[4] statistics      pansaar:{p}:stats (regenerated, expired, evicted, fresh-ttl-*)
-- KEYS[5] priority index  pansaar:{p}:priority
-- KEYS[6] schedule        pansaar:{p}:schedule (the image is filed under its early-refresh due time)
-- KEYS[7] used bytes      pansaar:{p}:bytes
-- KEYS[8] histories       pansaar:{p}:history (the staged exposure and changes, and the charged bytes)
-- KEYS[9] departed        pansaar:{p}:departed
-- KEYS[10] repair state   pansaar:{p}:repair (only while a rebuild of the used bytes runs: its count and marks)
-- KEYS[11] job stream     the stream of the job this write finishes (pansaar:{p}:jobs or pansaar:{p}:warm); when
--                         the write finishes no job, any stream of the partition
-- KEYS[12] events stream  pansaar:{p}:events (regenerated, and evicted for each image the write evicts)
-- KEYS[13] purges hash    pansaar:{p}:purges: the purges by prefix and by tag of the last fetch lease (see purgesHashOf)
-- KEYS[14] first lane     pansaar:{p}:jobs, where a write refused by a purge by prefix or tag enqueues the refetch
-- KEYS[15] token counter  pansaar:{p}:token-seq (for that job's token)
-- KEYS[16] tuning settings pansaar:{p}:tuning (see tune.lua); needed only with ARGV[26] '1'
-- ARGV[1] claim token
-- ARGV[2] fence (from pansaar_claim)
-- ARGV[3] claimed-at, epoch ms (from pansaar_claim; becomes fetched-at)
-- ARGV[4] fresh TTL in ms
-- ARGV[5] grace in ms: past fresh-until the copy is served stale this long while one refresh runs
-- ARGV[6] stale-if-error in ms: the copy is kept this much longer past grace, served only once its origin fails
--         (the hash's Redis TTL is fresh TTL + grace + stale-if-error; 0: it expires at the end of grace)
-- ARGV[7] early refresh: the image falls due for refresh this many ms before fresh-until
-- ARGV[8] the partition's byte budget; empty: no budget, nothing is evicted
-- ARGV[9] the most images one call sweeps and the most it evicts
-- ARGV[10] content-type, as detected from the bytes
-- ARGV[11] ETag; empty: none
-- ARGV[12] Last-Modified; empty: none
-- ARGV[13] size: the body's length in bytes
-- ARGV[14] fetch-ms: how long the fetch took
-- ARGV[15] digest: the body's SHA-256 in hex
-- ARGV[16] size-term: a·log2(size), taken off the eviction priority
-- ARGV[17] half-life of the eviction priority, ms (positive): the image's score is counted with it from now on, a
--         score carried from a copy of another half-life moved to it (scoreInHalfLife), and eviction folds its
--         candidates' waiting hits with it
-- ARGV[18] exposure, ms, and ARGV[19] changes: the image's change history after this fetch
-- ARGV[20] the job's consumer group; ARGV[21] the job's entry id. The entry is acknowledged (XACK) and
--         deleted (XDEL) once the write is decided, WRITTEN or STALE_WRITE alike, as the worker would do next; on an
--         error it stays pending, for a retry. Both empty: the write finishes no job.
-- ARGV[22] the events stream's cap (XADD MAXLEN ~); 0: no events
-- ARGV[23] the image's tags, space-separated, at most 32 of 1 to 128 characters of A-Z a-z 0-9 . _ : / - each; empty
--         or absent: none. They replace the former copy's: the image joins the index pansaar:{p}:tag:<tag> of each
--         and leaves those of tags it no longer has; the list is kept in the tags hash pansaar:{p}:tags (see tagImage)
-- ARGV[24] queued-marker TTL in ms of the refetch a purge by prefix or tag makes this write enqueue
-- ARGV[25] newcomer penalty, in half-lives (a number, 0 or more): taken off the score of an image the partition neither
--         holds nor remembers (no entry in the histories hash), so its one request counts as 2^-penalty of one; empty
--         or absent: 0
-- ARGV[26] tuned: '1' to count with the partition's tuning settings (KEYS[16]) and to record an arrival; empty or
--         absent (a caller of API 11 or older): neither. With '1' the write reads the tuning hash (one HMGET) and
--         uses its half-life instead of ARGV[17] and its newcomer penalty instead of ARGV[25], each where the hash
--         holds one pansaar_tune could have stored (a number within its bounds; any other is passed over); and an
--         image it writes new (one that counts the request that asked for it) is recorded in the arrivals hash
--         pansaar:{p}:arrivals (image key -> charged bytes), which pansaar_fold_hits drains into its report. A second
--         arrival of the same image before that fold overwrites the first. The arrivals hash holds no more fields than
--         the partition holds images: past that, an arrival is not recorded, so with no fold running it stops growing
--         there; and it expires an hour after the last arrival recorded, so that a deployment that turns tuning off
--         sheds it. With a probation share above 0 (ARGV[27]) it also uses the hash's probation share in place of
--         that argument, where the hash holds one pansaar_tune could have stored
-- ARGV[27] probation share: the share of the byte budget, in [0, 1), of the probationary stage (see evictOverBudget in
--         shared.lua). Above 0 an image the partition neither holds nor remembers enters the stage, at the top of the
--         priority index, rather than main; 0, empty or absent (a caller of API 13 or older): new images enter main,
--         and any image still on probation leaves it as eviction needs room. An image on probation stays there when
--         rewritten.
--
-- Returns:
--   {'WRITTEN', fresh-until ms, evicted}  image replaced; hits, last-access and access-score carried over
--                                  (a new image counts the request that asked for it, at the write, less
--                                  the newcomer penalty when the partition does not remember it), any
--                                  origin-failed-at mark is not; grace-until and stale-if-error-until stored; own
--                                  marker deleted; the key published on pansaar:{p}:ready; a regenerated event
--                                  (size, etag) appended, after the evicted events of the images it evicted
--   {'STALE_WRITE', stored fence}  a newer claim already wrote this key, or a purge since this
--                                  claim fenced it (stored fence: the purge's); staging deleted, nothing changed.
--                                  A purge by key, or by prefix or tag of a key held, fenced it with a purge record
--                                  and enqueued the refetch itself. A purge by prefix or tag that reached this key
--                                  only through the purges hash (a first fetch: the key was in no index; or the
--                                  tags this answer carries) did not: then this write releases its marker and
--                                  enqueues one job on KEYS[14] (reason miss, refresh when a copy is held), unless
--                                  another marker is there. Waiting readers are not told: the refetch's write is.
-- Errors: PANSAAR_BAD_ARGUMENT (nothing written, the staging hash left to expire), PANSAAR_STAGING_MISSING (the
-- staging hash expired or was never written; nothing written)

redis.register_function{
  function_name = 'pansaar_put',
  callback = function(keys, args)
    local imageKey = keys[1]
    local markerKey = keys[2]
    local stagingKey = keys[3]
    local statsKey = keys[4]
    local index = indexKeysFrom(keys, 5)
    local token, fence, claimedAt = requireClaimArguments(args)
    local freshTtl = requireInteger('fresh TTL', args[4], 1)
    local grace = requireInteger('grace', args[5], 0)
    local staleIfError = requireInteger('stale-if-error', args[6], 0)
    local earlyBy = requireInteger('early refresh', args[7], 0)
    local budget = requireInteger('byte budget', args[8], 0, -1)
    local limit = requireInteger('sweep and eviction limit', args[9], 0)
    local purgesKey = requireNonEmpty('purges hash (KEYS[13])', keys[13])
    local firstLane = requireNonEmpty('job stream (KEYS[14])', keys[14])
    local tokenCounterKey = requireNonEmpty('token counter (KEYS[15])', keys[15])
    local queuedTtl = requireInteger('queued-marker TTL', args[24], 1)
    local key = keyOfImage(imageKey)
    if not key then
      fail('BAD_ARGUMENT', 'KEYS[1] must be an image hash pansaar:{p}:img:<key>, was "' .. imageKey .. '"')
    end
    if purgesKey ~= purgesHashOf(imageKey) then
      fail('BAD_ARGUMENT', 'KEYS[13] must be the purges hash ' .. purgesHashOf(imageKey) .. ', was "' .. purgesKey .. '"')
    end

    -- The image's own values, checked before anything is written and stored as sent. Values from the origin's headers
    -- pass through oneLine, as meta holds one value per line.
    requireInteger('size', args[13], 0)
    requireInteger('fetch-ms', args[14], 0)
    requireInteger('exposure', args[18], 0)
    requireInteger('changes', args[19], 0)
    local sizeTerm = tonumber(args[16])
    if sizeTerm == nil or sizeTerm ~= sizeTerm then
      fail('BAD_ARGUMENT', 'size-term must be a number, was "' .. tostring(args[16]) .. '"')
    end
    local halfLifeText, newcomerPenaltyText = requireNonEmpty('half-life', args[17]), args[25]
    local probationShare = optionalProbationShare(args[27])
    local tuned = args[26] == '1'
    if not tuned and args[26] ~= nil and args[26] ~= '' then
      fail('BAD_ARGUMENT', 'tuned must be 1 or empty, was "' .. args[26] .. '"')
    end
    if tuned then
      local tuningKey = requireNonEmpty('tuning hash (KEYS[16])', keys[16])
      if tuningKey ~= tuningHashOf(imageKey) then
        fail('BAD_ARGUMENT', 'KEYS[16] must be the tuning hash ' .. tuningHashOf(imageKey) .. ', was "' .. tuningKey
          .. '"')
      end
      local settings = redis.call('HMGET', tuningKey, 'half-life', 'newcomer-penalty', 'probation-share')
      -- A value pansaar_tune would not have stored (a hand edit) is passed over for the argument rather than failing
      -- the write: no fetched image is lost to it, and the lease holder stores its own at its next move or takeover.
      if storedTuning(settings[1], MIN_TUNED_HALF_LIFE, MAX_TUNED_HALF_LIFE) then
        halfLifeText = settings[1]
      end
      if storedTuning(settings[2], 0, MAX_TUNED_NEWCOMER_PENALTY) then
        newcomerPenaltyText = settings[2]
      end
      -- A deployment without the stage keeps it off whatever a tuner stored before.
      if probationShare > 0 and storedTuning(settings[3], MIN_TUNED_PROBATION_SHARE, MAX_TUNED_PROBATION_SHARE) then
        probationShare = tonumber(settings[3])
      end
    end
    local halfLife = optionalHalfLife(halfLifeText)
    local newcomerPenalty = optionalNewcomerPenalty(newcomerPenaltyText)
    local meta = {
      ['content-type'] = oneLine(requireNonEmpty('content-type', args[10])),
      etag = oneLine(args[11]),
      ['last-modified'] = oneLine(args[12]),
      size = args[13],
      ['fetch-ms'] = args[14],
      digest = oneLine(requireNonEmpty('digest', args[15])),
      ['size-term'] = args[16],
      ['half-life'] = halfLifeText,
      exposure = args[18],
      changes = args[19],
    }

    local tags = requireTags(args[23])
    local job = finishedJob(keys[11], args[20], args[21])
    local events = eventsFrom(keys[12], args[22])

    local current = readMeta(imageKey)
    local storedFence = refusingFence(imageKey, current, fence)
    if storedFence then
      redis.call('DEL', stagingKey)
      acknowledgeJob(job)
      return { 'STALE_WRITE', storedFence }
    end
    local purgedFence = purgeFencing(purgesKey, key, tags, fence)
    if purgedFence then
      -- The fetch began before a purge by prefix or tag that found no copy of it to fence: refuse it here, and fetch
      -- the image once more, as the purge does for a fetch in flight it found.
      redis.call('DEL', stagingKey)
      releaseOwnMarker(markerKey, token)
      enqueueOnce(markerKey, firstLane, tokenCounterKey, key,
        (current and current.status == 'ok') and 'refresh' or 'miss', nil, queuedTtl, serverTimeMillis())
      acknowledgeJob(job)
      return { 'STALE_WRITE', purgedFence }
    end

    -- The staged hash, the body alone, replaces the old one whole, so the old copy's origin-failed-at goes with it: the
    -- origin answered. RENAME is the first write: when the staging hash is gone it fails and nothing has changed.
    local renamed = redis.pcall('RENAME', stagingKey, imageKey)
    if type(renamed) == 'table' and renamed.err then
      fail('STAGING_MISSING', 'staging hash ' .. stagingKey .. ' does not exist; it expired or was never written')
    end
    local now = serverTimeMillis()
    -- What the replaced copy had counted, carried over; a negative entry holds none of it. A new image counts the request
    -- that asked for it now, as Pansaar's Algorithm admits an image (docs/algorithm.md): the eviction below folds its
    -- candidates' waiting hits at now too, so the two are ranked on one clock, as the simulator ranks them. Unless the
    -- partition remembers the image (held, or departed within as many departures as images are held: its history
    -- entry), that request is dated the newcomer penalty back, as the simulator's ghost decides.
    local carried = current or {}
    -- Read once: whether the partition remembers the image, and what the used bytes count for it (indexImage).
    local historyEntry = redis.call('HGET', index.history, key)
    -- A score carried from a copy written with another half-life moves to this write's, keeping the time the image
    -- goes cold (see scoreInHalfLife).
    local score = scoreInHalfLife(tonumber(carried['access-score']), tonumber(carried['half-life']), halfLife)
    local arrived = not score
    if arrived then
      score = scoreAfterRequest(nil, now, halfLife)
      if newcomerPenalty > 0 and not historyEntry then
        score = score - newcomerPenalty
      end
    end
    local freshUntil = now + freshTtl
    local expiresAt = freshUntil + grace + staleIfError
    meta.status = 'ok'
    meta.fence = fence
    meta['fetched-at'] = claimedAt
    meta['fresh-until'] = freshUntil
    meta['grace-until'] = freshUntil + grace
    meta['stale-if-error-until'] = expiresAt
    meta['fresh-ttl'] = freshTtl
    meta.hits = carried.hits or 0
    meta['access-score'] = formatScore(score)
    meta['last-access'] = carried['last-access']
    writeMeta(imageKey, meta)
    redis.call('PEXPIREAT', imageKey, expiresAt)
    local charged = chargedBytes(key, tonumber(meta.size))
    -- A new image the partition does not remember waits on probation, as the simulator's ghost decides.
    local admittedAt = (probationShare > 0 and arrived and not historyEntry) and now or nil
    local used = indexImage(index, key, charged, rankOf(score, sizeTerm, halfLife), freshUntil - earlyBy, meta.exposure,
      meta.changes, historyEntry, admittedAt)
    if tuned and arrived then
      recordArrival(index, key, charged)
    end
    tagImage(index, key, tags)

    local evicted = 0
    -- Expired images still count in the used bytes until swept, so the count is never too low: a partition within its
    -- budget by it is within it and nothing would be evicted; its expired images are left to the scheduler's sweep.
    -- Over it, sweep first and judge again, as the excess may be expired images alone.
    if budget >= 0 and (used or usedBytes(index)) > budget then
      sweepExpired(index, statsKey, now, limit)
      evicted = evictOverBudget(index, statsKey, budget, limit, key, now, events, halfLife, probationShare)
    end
    releaseOwnMarker(markerKey, token)
    count(statsKey, 'regenerated')
    countFreshTtl(statsKey, freshTtl)
    appendEvent(events, 'regenerated', key, { size = meta.size, etag = meta.etag }, now)
    announceReady(imageKey)
    acknowledgeJob(job)
    return { 'WRITTEN', freshUntil, evicted }
  end
}
