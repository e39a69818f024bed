package io.pansaar.origin;

import java.time.Instant;

import io.pansaar.redis.function.OriginStatusReply;

/**
 * One origin's shared state, as {@code GET /api/status} shows it.
 *
 * @param origin              {@code scheme://host:port}
 * @param maxConcurrency      the fetches in flight it allows, fleet-wide
 * @param maxRate             the fetches per second it allows, fleet-wide; null: no limit
 * @param breaker             {@code closed}, {@code open} or {@code half-open}
 * @param inFlight            fetch permits held now, by every worker
 * @param pausedForMillis     how much longer a Retry-After pause lasts; 0: none
 * @param openForMillis       how much longer the open breaker lets nothing through; 0: not open
 * @param consecutiveFailures failures since the last answer
 * @param timesOpened         how often the breaker has opened
 * @param deferred            jobs put back to wait for this origin, by every worker, ever
 * @param lastFailure         what the latest failure was; null when there was none
 * @param lastFailureAt       when it happened; null when there was none
 */
public record OriginStatus(String origin, int maxConcurrency, Double maxRate, String breaker, long inFlight,
        long pausedForMillis, long openForMillis, long consecutiveFailures, long timesOpened, long deferred,
        String lastFailure, Instant lastFailureAt) {

    /** The status from {@code pansaar_origin_status}'s reply. */
    static OriginStatus of(OriginId origin, OriginPolicy policy, OriginStatusReply reply) {
        return new OriginStatus(origin.toString(), policy.maxConcurrency(),
                policy.maxRate().isPresent() ? policy.maxRate().getAsDouble() : null, reply.breaker(), reply.inFlight(),
                reply.pausedForMillis(), reply.openForMillis(), reply.consecutiveFailures(), reply.timesOpened(),
                reply.deferred(), reply.lastFailure().orElse(null), reply.lastFailureAt().orElse(null));
    }

    /** Whether the breaker lets nothing but a probe through (open or half-open). */
    public boolean breakerOpen() {
        return !"closed".equals(breaker);
    }
}
