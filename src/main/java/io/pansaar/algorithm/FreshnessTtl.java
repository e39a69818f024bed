package io.pansaar.algorithm;

/**
 * Pansaar's dynamic TTL. Each image's changes are modelled as a Poisson process whose mean interval m is
 * estimated from its own revalidations: exposure E is the total age of copies that were revalidated, C the
 * number of revalidations that found the content changed, and a prior worth w changes (a Gamma prior on the
 * change rate), whose mean interval m0 is the segment's own (all its images' exposure over all their
 * changes), stands in for history not yet seen, so m = (E + w·m0) / (C + w). A small w lets a few
 * revalidations move the TTL far from the segment's. A copy served uniformly over its TTL T is stale on about T / (2m) of its
 * hits, so the TTL that spends a freshness budget b (the share of hits allowed to be stale) is T = 2·b·m,
 * clamped to the segment's bounds. An unchanged revalidation (a 304) adds exposure and lengthens the TTL; a
 * change adds to C and shortens it.
 */
public final class FreshnessTtl {
    private final double budget;
    private final long minimumTtl;
    private final long maximumTtl;
    private final double priorWeight;

    /** Creates the formula for a freshness budget in (0, 1), the segment's TTL bounds and the prior's weight in changes. */
    public FreshnessTtl(double budget, long minimumTtl, long maximumTtl, double priorWeight) {
        if (!(budget > 0 && budget < 1)) {
            throw new IllegalArgumentException("freshness budget must lie in (0, 1), got " + budget);
        }
        if (minimumTtl < 1 || maximumTtl < minimumTtl) {
            throw new IllegalArgumentException("TTL bounds must satisfy 1 <= min <= max, got " + minimumTtl + ".." + maximumTtl);
        }
        if (!(priorWeight > 0)) {
            throw new IllegalArgumentException("prior weight must be positive, got " + priorWeight);
        }
        this.priorWeight = priorWeight;
        this.budget = budget;
        this.minimumTtl = minimumTtl;
        this.maximumTtl = maximumTtl;
    }

    /** Returns the prior mean change interval under which an image without history gets the given TTL. */
    public double priorFor(long ttl) {
        return ttl / (2 * budget);
    }

    /** Returns the estimated mean interval between content changes of an image with the given history. */
    public double meanChangeInterval(ChangeHistory history, double priorMeanInterval) {
        if (!(priorMeanInterval > 0)) {
            throw new IllegalArgumentException("prior mean change interval must be positive, got " + priorMeanInterval);
        }
        return (history.exposure() + priorWeight * priorMeanInterval) / (history.changes() + priorWeight);
    }

    /** Returns the TTL for an image with the given history under the segment's prior, within the bounds. */
    public long ttl(ChangeHistory history, double priorMeanInterval) {
        double unbounded = 2 * budget * meanChangeInterval(history, priorMeanInterval);
        if (unbounded >= maximumTtl) {
            return maximumTtl;
        }
        return Math.max(minimumTtl, (long) unbounded);
    }

    /** Returns the expected share of hits that are stale when a copy lives ttl under a mean change interval. */
    public static double expectedStaleShare(double ttl, double meanChangeInterval) {
        double ratio = ttl / meanChangeInterval;
        if (ratio < 1e-9) {
            return ratio / 2;
        }
        // Hits spread evenly over the copy's life: the mean of 1 - e^(-a/m) for a in [0, T].
        return 1 - (1 - Math.exp(-ratio)) / ratio;
    }
}
