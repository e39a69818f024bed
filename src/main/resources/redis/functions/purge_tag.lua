-- pansaar_purge_tag: purges, hard or soft, the next images of one partition that have a tag, up to 100 of them in key
-- order after a cursor, in one atomic step, as pansaar_purge purges keys (see purgeImages in shared.lua: fences,
-- events, statistics and the refetch of an image whose fetch was in flight are the same). The images come from the
-- tag's index pansaar:{p}:tag:<tag> (a sorted set of the held images with the tag, all scored 0, kept by tagImage and
-- untagImages) with one ZRANGEBYLEX after the cursor, LIMIT 0 100, never SCAN or KEYS, so the call stays bounded
-- however many images have the tag. The caller calls again from the cursor returned until a call lists fewer than 100
-- keys. A soft purge leaves the images in the index, a hard one removes them (they leave every index); the cursor
-- serves both. A listed key whose hash Redis has already expired is unindexed as the sweep would (counted as expired).
-- The first call (empty cursor) also records the purge in the purges hash pansaar:{p}:purges, field tag:<tag>, for the
-- purge-record TTL: a first fetch in flight, of a key with no copy yet and so in no index, whose answer carries the tag
-- has its write refused by pansaar_put and is fetched again once (see recordPurge and purgeFencing in shared.lua).
--
-- KEYS[1..11]             as pansaar_purge: statistics, fence counter, job stream, token counter, events stream,
--                         and the partition's indexes (priority, schedule, bytes, history, departed, repair)
-- ARGV[1..4]              as pansaar_purge: mode, purge-record TTL ms, queued-marker TTL ms, events stream's cap
-- ARGV[5] tag             1 to 128 characters of A-Z a-z 0-9 . _ : / -
-- ARGV[6] cursor          the last key the previous call of this purge listed, or empty to begin at the first
--
-- The tag's index, the tags hash, the purges hash, the image hashes, markers and purge records are named from the
-- partition's prefix of KEYS[6], in the same slot, as pansaar:{p}:tag:<tag>, pansaar:{p}:tags, pansaar:{p}:purges,
-- pansaar:{p}:img:<key>, pansaar:{p}:marker:<key> and pansaar:{p}:purged:<key>.
--
-- Returns {purged, listed, cursor}: the images that existed and were purged (deleted, or marked stale), the keys
-- listed from the index (fewer than 100: the tag is done in this partition), and the last key listed ('' when none).
-- Errors: PANSAAR_BAD_ARGUMENT (nothing changed)

redis.register_function{
  function_name = 'pansaar_purge_tag',
  callback = function(keys, args)
    local purge = purgeFrom(keys, args)
    if #keys ~= 11 then
      fail('BAD_ARGUMENT', 'a tag purge takes 11 KEYS, got ' .. #keys)
    end
    local tag = requireTag(args[5])
    local cursor = args[6] or ''
    local from = cursor == '' and '-' or ('(' .. cursor)
    local tagIndex = tagIndexOf(purge.index, tag)
    if cursor == '' then
      -- The first call of this purge in the partition: a first fetch in flight now, whose answer may carry the tag,
      -- is in no index, so its write is fenced by the purges hash instead (see recordPurge in shared.lua).
      recordPurge(purge, 'tag:' .. tag)
    end
    local listed = redis.call('ZRANGEBYLEX', tagIndex, from, '+', 'LIMIT', 0, PURGE_BATCH)
    return purgeListed(purge, listed, tagIndex)
  end
}
