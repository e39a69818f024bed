package io.pansaar.redis.function;

import java.time.Duration;

/**
 * {@code pansaar_origin_acquire}'s reply.
 *
 * @param verdict whether the fetch may go, and if not, why
 * @param retryIn when no permit was granted, how long until asking again makes sense; zero otherwise
 */
public record OriginAcquireReply(Verdict verdict, Duration retryIn) {

    /** The verdict on one fetch to an origin. */
    public enum Verdict {
        /** A permit is held until released or lapsed. */
        GRANTED,
        /** Granted as the half-open breaker's one probe, whose outcome closes or reopens it. */
        PROBE,
        /** The origin asked every client to pause (Retry-After). */
        PAUSED,
        /** The breaker is open. */
        OPEN,
        /** The breaker is half-open and another fetch is the probe. */
        PROBING,
        /** Max-concurrency permits are held. */
        BUSY,
        /** The origin's rate allows the next fetch a little later. */
        RATE
    }
}
