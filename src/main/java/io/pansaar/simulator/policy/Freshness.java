package io.pansaar.simulator.policy;

/**
 * How a replay treats content freshness: the content-change model that makes copies stale, and the base TTL
 * after which a policy without its own TTL refetches a copy (clock units of the trace).
 */
public record Freshness(ChangeModel changes, long baseTtl) {
    /** Nothing changes and nothing expires: the replay measures eviction alone. */
    public static final Freshness NONE = new Freshness(ChangeModel.NONE, Long.MAX_VALUE);

    /** Checks that the base TTL is positive. */
    public Freshness {
        if (baseTtl < 1) {
            throw new IllegalArgumentException("base TTL must be at least 1 clock unit, got " + baseTtl);
        }
    }
}
