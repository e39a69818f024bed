package io.pansaar.redis.function;

import java.util.List;

/**
 * {@code pansaar_fold_hits}'s reply: what one fold call did, and what it folded, for a tuner to replay.
 *
 * @param images images whose hits were folded
 * @param requests requests folded
 * @param waiting entries still waiting for a fold: images whose hits were counted, and arrivals
 * @param serverMillis the Redis server time of the fold
 * @param folded each image whose requests were folded (hits on negative entries left out) and each arrival drained
 */
public record FoldHitsReply(long images, long requests, long waiting, long serverMillis, List<FoldedImage> folded) {

    /**
     * One folded entry: an image's requests counted since the last fold, or its arrival (a tuned write stored it new,
     * count 1).
     *
     * @param key the image key
     * @param count the requests folded
     * @param chargedBytes what the image is charged against the memory budget; 0 when it is not held any more
     */
    public record FoldedImage(String key, long count, long chargedBytes) {
    }
}
