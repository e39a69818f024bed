package io.pansaar.redis.function;

import java.util.List;
import java.util.Optional;

/**
 * {@code pansaar_purge}'s reply for one partition.
 *
 * @param purged the images that existed and were purged (deleted, or marked stale by a soft purge)
 * @param keys one entry per purged key, in the order they were passed
 */
public record PurgeReply(long purged, List<KeyOutcome> keys) {

    /**
     * What happened to one key.
     *
     * @param outcome what the purge did to the cached image
     * @param refetchJobId the job enqueued because a fetch of the key was in flight and was fenced; empty when none was
     */
    public record KeyOutcome(PurgeOutcome outcome, Optional<String> refetchJobId) {
    }
}
