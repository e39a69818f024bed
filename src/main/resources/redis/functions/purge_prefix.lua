-- pansaar_purge_prefix: purges, hard or soft, the next images of one partition whose key starts with a prefix, up to
-- 100 of them in key order after a cursor, in one atomic step, as pansaar_purge purges keys (see purgeImages in
-- shared.lua: fences, events, statistics and the refetch of an image whose fetch was in flight are the same). The
-- images come from the partition's keys index pansaar:{p}:keys (a sorted set of every image held, all scored 0) with
-- one ZRANGEBYLEX [prefix (prefix\255 LIMIT 0 100, never SCAN or KEYS, so the call stays bounded however large the
-- prefix. The caller calls again from the cursor returned until a call lists fewer than 100 keys. A soft purge leaves
-- the images in the index, a hard one removes them; the cursor serves both. A listed key whose hash Redis has already
-- expired is unindexed as the sweep would (counted as expired), so nothing is left for the sweep to find. Negative
-- entries (remembered 404/410) are not in the indexes, so a prefix purge leaves them to their short TTL. The first call
-- (empty cursor) also records the purge in the purges hash pansaar:{p}:purges, field prefix:<prefix>, for the
-- purge-record TTL: a first fetch in flight of a key under the prefix, with no copy yet and so in no index, has its
-- write refused by pansaar_put and is fetched again once (see recordPurge and purgeFencing in shared.lua).
--
-- KEYS[1..11]             as pansaar_purge: statistics, fence counter, job stream, token counter, events stream,
--                         and the partition's indexes (priority, schedule, bytes, history, departed, repair)
-- ARGV[1..4]              as pansaar_purge: mode, purge-record TTL ms, queued-marker TTL ms, events stream's cap
-- ARGV[5] prefix          the key prefix, not empty
-- ARGV[6] cursor          the last key the previous call of this purge listed, or empty to begin at the prefix
--
-- The keys index, the purges hash, the image hashes, markers and purge records are named from the partition's prefix
-- of KEYS[6], in the same slot, as pansaar:{p}:keys, pansaar:{p}:purges, pansaar:{p}:img:<key>,
-- pansaar:{p}:marker:<key> and pansaar:{p}:purged:<key>.
--
-- Returns {purged, listed, cursor}: the images that existed and were purged (deleted, or marked stale), the keys
-- listed from the index (fewer than 100: the prefix is done in this partition), and the last key listed ('' when none).
-- Errors: PANSAAR_BAD_ARGUMENT (nothing changed)

redis.register_function{
  function_name = 'pansaar_purge_prefix',
  callback = function(keys, args)
    local purge = purgeFrom(keys, args)
    if #keys ~= 11 then
      fail('BAD_ARGUMENT', 'a prefix purge takes 11 KEYS, got ' .. #keys)
    end
    local prefix = requireNonEmpty('prefix', args[5])
    local cursor = args[6] or ''
    if cursor ~= '' and string.sub(cursor, 1, #prefix) ~= prefix then
      fail('BAD_ARGUMENT', 'the cursor "' .. cursor .. '" does not start with the prefix "' .. prefix .. '"')
    end
    local from = cursor == '' and ('[' .. prefix) or ('(' .. cursor)
    -- Keys hold only [A-Za-z0-9._/-], all below byte 255, so every key under the prefix sorts before prefix..\255.
    local keysIndex = keysIndexOf(purge.index)
    if cursor == '' then
      -- The first call of this purge in the partition: a first fetch of a key under the prefix in flight now is
      -- in no index, so its write is fenced by the purges hash instead (see recordPurge in shared.lua).
      recordPurge(purge, 'prefix:' .. prefix)
    end
    local listed = redis.call('ZRANGEBYLEX', keysIndex, from, '(' .. prefix .. '\255', 'LIMIT', 0, PURGE_BATCH)
    return purgeListed(purge, listed, keysIndex)
  end
}
