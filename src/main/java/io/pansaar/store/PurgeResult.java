package io.pansaar.store;

import java.util.List;
import java.util.Optional;

import io.pansaar.key.ImageKey;
import io.pansaar.redis.function.PurgeOutcome;

/**
 * What a purge did, over every partition its keys belong to.
 *
 * @param purged the images that existed and were purged (deleted, or marked stale by a soft purge)
 * @param keys one entry per key, in the order the keys were given
 */
public record PurgeResult(long purged, List<PurgedKey> keys) {

    /**
     * What a purge did to one key.
     *
     * @param refetchJobId the job enqueued to fetch the key again because a fetch of it was in flight and was fenced
     */
    public record PurgedKey(ImageKey key, int partition, PurgeOutcome outcome, Optional<String> refetchJobId) {
    }
}
