package io.pansaar.simulator.policy;

/**
 * What a run may set of {@code pansaar} besides its capacity and freshness, as production's settings do: how its hits
 * are counted, and the half-life its scores decay with.
 *
 * @param foldInterval 0: every request counts at once; else how many clock units hits wait before they are folded in
 *                     ({@code --fold-interval})
 * @param halfLife     the half-life of the decayed request count, in clock units ({@code --half-life}; production's
 *                     {@code pansaar.priority.half-life})
 */
public record PansaarSettings(long foldInterval, double halfLife) {

    /** Hits counted at once, and the half-life the simulator chose (10,000 clock units). */
    public static final PansaarSettings DEFAULT = new PansaarSettings(0, PansaarPolicy.HALF_LIFE);

    public PansaarSettings {
        if (foldInterval < 0) {
            throw new IllegalArgumentException("fold interval must be 0 or more clock units, got " + foldInterval);
        }
        if (!(halfLife > 0) || Double.isInfinite(halfLife)) {
            throw new IllegalArgumentException("half-life must be a positive number of clock units, got " + halfLife);
        }
    }

    /** These settings, folding hits every {@code interval} clock units (0: at once). */
    public PansaarSettings withFoldInterval(long interval) {
        return new PansaarSettings(interval, halfLife);
    }

    /** These settings, with scores decaying with {@code units} clock units of half-life. */
    public PansaarSettings withHalfLife(double units) {
        return new PansaarSettings(foldInterval, units);
    }
}
