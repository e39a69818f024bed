package io.pansaar.algorithm;

/**
 * The TTL of an image without change history, learnt per segment from the first revalidation of each image. A
 * segment's images differ: most never change, a few change often. Pooling their revalidations (all exposure over all
 * changes) lets the images that never change, whose TTLs grow long, outweigh the volatile ones, and gives new images
 * too long a first life. Here every image counts once, by its first revalidation, whatever its later TTLs: a copy
 * whose first life is T is stale on about half of the share p(T) of first revalidations that find a change (the change
 * falls uniformly within the life when p is small), so holding p(T) at a target of about twice the freshness budget
 * spends the budget on first copies. The TTL is adjusted by stochastic approximation in log space: a change shortens
 * it by the factor e^(-step), an unchanged revalidation lengthens it by e^(step · target / (1 - target)), and the two
 * balance where the share of changes equals the target.
 */
public final class StartingTtl {
    /** The cap on the expected share of changes, so that a very old copy found unchanged moves the TTL by at most one step. */
    private static final double MAXIMUM_EXPECTED_SHARE = 0.5;

    private final double targetChangeShare;
    private final double step;
    private final long minimumTtl;
    private final long maximumTtl;
    /** The bounds' logarithms, which bound logTtl at every revalidation. */
    private final double logMinimumTtl;
    private final double logMaximumTtl;
    private double logTtl;
    /** e^logTtl, worked out whenever logTtl moves: the next revalidation needs it, as {@link #ttl()} needs the TTL. */
    private double exactTtl;
    /** The TTL that {@link #ttl()} returns, worked out whenever logTtl moves: it is asked far more often than it moves. */
    private long ttl;

    /**
     * Creates the estimate at {@code initialTtl}, for a target share of first revalidations that find a change in
     * (0, 1), a positive step and the segment's TTL bounds.
     */
    public StartingTtl(double targetChangeShare, double step, long minimumTtl, long maximumTtl, long initialTtl) {
        if (!(targetChangeShare > 0 && targetChangeShare < 1)) {
            throw new IllegalArgumentException("target change share must lie in (0, 1), got " + targetChangeShare);
        }
        if (!(step > 0) || Double.isInfinite(step)) {
            throw new IllegalArgumentException("step must be a positive number, got " + step);
        }
        if (minimumTtl < 1 || maximumTtl < minimumTtl) {
            throw new IllegalArgumentException("TTL bounds must satisfy 1 <= min <= max, got " + minimumTtl + ".." + maximumTtl);
        }
        this.targetChangeShare = targetChangeShare;
        this.step = step;
        this.minimumTtl = minimumTtl;
        this.maximumTtl = maximumTtl;
        this.logMinimumTtl = Math.log(minimumTtl);
        this.logMaximumTtl = Math.log(maximumTtl);
        this.logTtl = Math.log(Math.max(minimumTtl, Math.min(maximumTtl, initialTtl)));
        logTtlMoved();
    }

    /** Returns the TTL for an image without change history, within the bounds. */
    public long ttl() {
        return ttl;
    }

    /** Works out e^logTtl and the TTL within the bounds again, after logTtl moved. */
    private void logTtlMoved() {
        exactTtl = Math.exp(logTtl);
        ttl = exactTtl >= maximumTtl ? maximumTtl : Math.max(minimumTtl, Math.round(exactTtl));
    }

    /**
     * Learns from the first revalidation of an image, of a copy {@code age} old: whether it found the content changed.
     * A copy a old has changed with probability about target · a / T, so that is the share the step balances at.
     */
    public void firstRevalidation(long age, boolean changed) {
        double expected = Math.min(MAXIMUM_EXPECTED_SHARE, targetChangeShare * Math.max(0, age) / exactTtl);
        if (changed) {
            logTtl -= step;
        } else {
            logTtl += step * expected / (1 - expected);
        }
        // Kept within the bounds, so that a run of one outcome cannot push it where the other takes long to undo.
        logTtl = Math.max(logMinimumTtl, Math.min(logMaximumTtl, logTtl));
        logTtlMoved();
    }
}
