package io.pansaar.redis.function;

import java.util.Optional;
import java.util.OptionalDouble;

import io.pansaar.simulator.policy.PartitionTuner;

/**
 * A partition's tuning settings, as {@code pansaar_tune} stores them in {@code pansaar:{p}:tuning}: what tuned writes
 * count with in place of the configured half-life and newcomer penalty.
 *
 * @param halfLifeMillis the half-life of the eviction priority, ms
 * @param newcomerPenalty how many half-lives a new image's first request is dated back
 * @param probationShare the probationary stage's share of the partition's budget, which tuned writes of a deployment
 *     with the stage count with; 0 when none is stored
 */
public record Tuning(double halfLifeMillis, double newcomerPenalty, double probationShare) {

    /** Settings with no probation share stored. */
    public Tuning(double halfLifeMillis, double newcomerPenalty) {
        this(halfLifeMillis, newcomerPenalty, 0);
    }

    /** The tuning hash's field of the half-life, ms. */
    public static final String HALF_LIFE_FIELD = "half-life";

    /** The tuning hash's field of the newcomer penalty, half-lives. */
    public static final String NEWCOMER_PENALTY_FIELD = "newcomer-penalty";

    /** The tuning hash's field of the probation share, of the partition's budget. */
    public static final String PROBATION_SHARE_FIELD = "probation-share";

    /**
     * The bounds {@code pansaar_tune} stores within (MIN_TUNED_HALF_LIFE and the others in shared.lua), which start-up
     * puts on {@code pansaar.priority.half-life} and {@code .newcomer-penalty} too: within them every rank in ms lies
     * far above the ranks in half-lives an older library wrote.
     */
    public static final double MIN_HALF_LIFE_MILLIS = 1_000;
    public static final double MAX_HALF_LIFE_MILLIS = 30 * 24 * 3_600_000.0;
    public static final double MAX_NEWCOMER_PENALTY = 64;
    /** The bounds of a stored probation share, its tuner's (MIN_TUNED_PROBATION_SHARE and MAX_... in shared.lua). */
    public static final double MIN_PROBATION_SHARE = PartitionTuner.MIN_PROBATION_SHARE;
    public static final double MAX_PROBATION_SHARE = PartitionTuner.MAX_PROBATION_SHARE;

    /**
     * A stored half-life as a tuned write reads it: empty when absent, not a number or out of bounds (a hand edit),
     * which the write passes over for its own.
     */
    public static OptionalDouble halfLifeOf(Optional<String> stored) {
        return within(stored, MIN_HALF_LIFE_MILLIS, MAX_HALF_LIFE_MILLIS);
    }

    /** A stored newcomer penalty as a tuned write reads it: empty when absent, not a number or out of bounds. */
    public static OptionalDouble newcomerPenaltyOf(Optional<String> stored) {
        return within(stored, 0, MAX_NEWCOMER_PENALTY);
    }

    /** A stored probation share as a tuned write reads it: empty when absent, not a number or out of bounds. */
    public static OptionalDouble probationShareOf(Optional<String> stored) {
        return within(stored, MIN_PROBATION_SHARE, MAX_PROBATION_SHARE);
    }

    private static OptionalDouble within(Optional<String> stored, double least, double most) {
        if (stored.isEmpty()) {
            return OptionalDouble.empty();
        }
        double value;
        try {
            value = Double.parseDouble(stored.get());
        } catch (NumberFormatException damaged) {
            // Not a value pansaar_tune wrote: the caller counts with its own, as put.lua does.
            return OptionalDouble.empty();
        }
        return value >= least && value <= most ? OptionalDouble.of(value) : OptionalDouble.empty();
    }
}
