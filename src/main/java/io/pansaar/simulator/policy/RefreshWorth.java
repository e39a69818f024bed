package io.pansaar.simulator.policy;

import io.pansaar.algorithm.AccessPriority;
import io.pansaar.algorithm.EarlyRefresh;

/**
 * Decides whether a refresh at a copy's due time is worth it, as
 * {@code earlyRefresh.worthRefreshing(access.expectedRequests(score, due, ttl))} decides, mostly without its power
 * of two. The expected requests are 2^(score - due/h)·ln 2/h·ttl, so the refresh is worth it when the exponent
 * score - due/h reaches log2(m·h/(ln 2·ttl)) for the minimum expected requests m: a threshold that depends on the TTL
 * alone, worked out once for it ({@link #thresholdFor}). The replay asks about most copies several times (when one is
 * scheduled, requested while unlisted, and when it falls due) and about most copies of the same starting TTL.
 */
final class RefreshWorth {
    /**
     * How near the threshold an exponent must lie for rounding to decide, with room to spare: the power, its products
     * and the threshold's logarithm are each within a few units in the last place, relative errors below 1e-15.
     */
    static final double MARGIN = 1e-9;
    private static final double LN_2 = Math.log(2);

    private final AccessPriority access;
    private final EarlyRefresh earlyRefresh;

    /** Creates the decision of this priority's half-life and this early refresh's minimum expected requests. */
    RefreshWorth(AccessPriority access, EarlyRefresh earlyRefresh) {
        this.access = access;
        this.earlyRefresh = earlyRefresh;
    }

    /** Returns the exponent threshold of copies with this TTL, for {@link #worthRefreshing}. */
    double thresholdFor(long ttl) {
        double halfLife = access.halfLifeMillis();
        return Math.log(earlyRefresh.minimumExpectedRequests() * halfLife / (LN_2 * ttl)) / LN_2;
    }

    /**
     * Returns whether a refresh at {@code due} of a copy of this score and TTL is worth it, were it requested no more
     * until then; {@code threshold} is {@link #thresholdFor} the TTL.
     */
    boolean worthRefreshing(double score, long due, long ttl, double threshold) {
        // The exponent exactly as AccessPriority.decayedCount works it out.
        double exponent = score - due / access.halfLifeMillis();
        if (exponent > threshold + MARGIN) {
            return true;
        }
        if (exponent < threshold - MARGIN) {
            return false;
        }
        // Near the threshold, or at an infinity (a copy never requested, or no minimum): the exact test.
        return earlyRefresh.worthRefreshing(access.expectedRequests(score, due, ttl));
    }
}
