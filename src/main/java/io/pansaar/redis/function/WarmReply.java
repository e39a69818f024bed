package io.pansaar.redis.function;

/**
 * What {@code pansaar_warm} did with a batch of keys.
 *
 * @param queued  warm-up jobs added to the warm stream
 * @param skipped keys that needed none: a fresh copy, a remembered 404/410, or a job already queued or fetching
 */
public record WarmReply(long queued, long skipped) {

    /** The sum of two batches' replies. */
    public WarmReply plus(WarmReply other) {
        return new WarmReply(queued + other.queued, skipped + other.skipped);
    }
}
