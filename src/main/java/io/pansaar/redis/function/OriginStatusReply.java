package io.pansaar.redis.function;

import java.time.Instant;
import java.util.Optional;

/**
 * {@code pansaar_origin_status}'s reply: one origin's shared state at the Redis server's time.
 *
 * @param breaker {@code closed}, {@code open} or {@code half-open}
 * @param inFlight fetch permits held now, by every worker
 * @param pausedForMillis how much longer a Retry-After pause lasts; 0: none
 * @param openForMillis how much longer the open breaker lets nothing through; 0: not open
 * @param consecutiveFailures failures since the last answer
 * @param timesOpened how often the breaker has opened
 * @param deferred jobs put back to wait for the origin, by every worker, ever
 * @param lastFailure what the latest failure was; empty when there was none
 * @param lastFailureAt when it happened; empty when there was none
 */
public record OriginStatusReply(String breaker, long inFlight, long pausedForMillis, long openForMillis,
        long consecutiveFailures, long timesOpened, long deferred, Optional<String> lastFailure,
        Optional<Instant> lastFailureAt) {
}
