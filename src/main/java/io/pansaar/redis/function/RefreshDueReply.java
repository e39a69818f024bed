package io.pansaar.redis.function;

import java.util.List;
import java.util.Optional;

/**
 * {@code pansaar_refresh_due}'s reply: the images due for an early refresh, and the server time they were listed at.
 *
 * @param serverMillis the Redis server time of the listing
 * @param swept the due entries of the schedule whose hash was gone, unindexed instead of listed
 * @param images the due images, the longest due first
 */
public record RefreshDueReply(long serverMillis, long swept, List<DueImage> images) {

    /**
     * An image due for an early refresh.
     *
     * @param key the image key
     * @param accessScore its access score, empty when its hash has expired since
     * @param freshTtlMillis its last fresh TTL, empty when unknown
     */
    public record DueImage(String key, Optional<Double> accessScore, Optional<Long> freshTtlMillis) {
    }
}
