package io.pansaar.redis.function;

/**
 * A partition's tuning settings, as {@code pansaar_tune} stores them in {@code pansaar:{p}:tuning}: what tuned writes
 * count with in place of the configured half-life and newcomer penalty.
 *
 * @param halfLifeMillis the half-life of the eviction priority, ms
 * @param newcomerPenalty how many half-lives a new image's first request is dated back
 */
public record Tuning(double halfLifeMillis, double newcomerPenalty) {

    /** The tuning hash's field of the half-life, ms. */
    public static final String HALF_LIFE_FIELD = "half-life";

    /** The tuning hash's field of the newcomer penalty, half-lives. */
    public static final String NEWCOMER_PENALTY_FIELD = "newcomer-penalty";
}
