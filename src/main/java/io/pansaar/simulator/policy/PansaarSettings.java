package io.pansaar.simulator.policy;

/**
 * What a run may set of {@code pansaar} besides its capacity and freshness, as production's settings do: how its hits
 * are counted, the half-life its scores decay with, and the size exponent its priority divides by.
 *
 * @param foldInterval 0: every request counts at once; else how many clock units hits wait before they are folded in
 *                     ({@code --fold-interval})
 * @param halfLife     the half-life of the decayed request count, in clock units ({@code --half-life}; production's
 *                     {@code pansaar.priority.half-life})
 * @param sizeExponent a, the priority being the decayed count per size^a: 0 ranks by requests alone, 1 by requests
 *                     per byte (production's {@code pansaar.priority.size-exponent}, in [0, 2] as there)
 * @param newcomerPenalty how many half-lives a new image's first request is dated back, so that it counts as
 *                     2^-penalty of a request until it is requested again; an image the ghost remembers pays none
 *                     ({@code --newcomer-penalty}; production's {@code pansaar.priority.newcomer-penalty})
 * @param tunerSample  the share of the keys, in (0, 1], that {@code pansaar-tuned}'s shadow caches replay, in caches
 *                     scaled down by the same share ({@code --tuner-sample}; 1: every key, in caches of full size)
 * @param tunerSampleSeed which sample of that share: each seed hashes the keys otherwise ({@code --tuner-sample-seed})
 * @param tunerWindow  what {@code pansaar-tuned}'s windows count: requests, or half-lives of clock time
 *                     ({@code --tuner-window})
 */
public record PansaarSettings(long foldInterval, double halfLife, double sizeExponent, double newcomerPenalty,
        double tunerSample, long tunerSampleSeed, TunerWindow tunerWindow) {

    /** What a window of {@code pansaar-tuned}'s tuners counts before it is judged. */
    public enum TunerWindow {
        /** A fixed number of requests, whatever time they span. */
        REQUESTS,
        /** A fixed number of the starting half-life's clock units, whatever number of requests fall in them. */
        HALF_LIVES
    }

    /**
     * Hits counted at once, the half-life, size exponent and newcomer penalty the simulator chose (10,000 clock units,
     * 0, 1), and tuners whose shadows replay every key (the sample of seed 0, were it smaller) and whose windows count
     * requests.
     */
    public static final PansaarSettings DEFAULT = new PansaarSettings(0, PansaarPolicy.HALF_LIFE,
            PansaarPolicy.SIZE_EXPONENT, PansaarPolicy.NEWCOMER_PENALTY, 1, 0, TunerWindow.REQUESTS);

    public PansaarSettings {
        if (foldInterval < 0) {
            throw new IllegalArgumentException("fold interval must be 0 or more clock units, got " + foldInterval);
        }
        if (!(halfLife > 0) || Double.isInfinite(halfLife)) {
            throw new IllegalArgumentException("half-life must be a positive number of clock units, got " + halfLife);
        }
        if (!(sizeExponent >= 0 && sizeExponent <= 2)) {
            throw new IllegalArgumentException("size exponent must lie in [0, 2], got " + sizeExponent);
        }
        if (!(newcomerPenalty >= 0) || Double.isInfinite(newcomerPenalty)) {
            throw new IllegalArgumentException("newcomer penalty must be 0 or more half-lives, got " + newcomerPenalty);
        }
        if (!(tunerSample > 0 && tunerSample <= 1)) {
            throw new IllegalArgumentException("tuner sample must be a share of the keys in (0, 1], got " + tunerSample);
        }
        if (tunerWindow == null) {
            throw new IllegalArgumentException("a tuner window must count requests or half-lives, got none");
        }
    }

    /** These settings, folding hits every {@code interval} clock units (0: at once). */
    public PansaarSettings withFoldInterval(long interval) {
        return new PansaarSettings(interval, halfLife, sizeExponent, newcomerPenalty, tunerSample,
                tunerSampleSeed, tunerWindow);
    }

    /** These settings, with scores decaying with {@code units} clock units of half-life. */
    public PansaarSettings withHalfLife(double units) {
        return new PansaarSettings(foldInterval, units, sizeExponent, newcomerPenalty, tunerSample,
                tunerSampleSeed, tunerWindow);
    }

    /** These settings, ranking by the decayed count per size^{@code exponent}. */
    public PansaarSettings withSizeExponent(double exponent) {
        return new PansaarSettings(foldInterval, halfLife, exponent, newcomerPenalty, tunerSample,
                tunerSampleSeed, tunerWindow);
    }

    /** These settings, dating a new image's first request {@code halfLives} half-lives back. */
    public PansaarSettings withNewcomerPenalty(double halfLives) {
        return new PansaarSettings(foldInterval, halfLife, sizeExponent, halfLives, tunerSample,
                tunerSampleSeed, tunerWindow);
    }

    /** These settings, with {@code pansaar-tuned}'s shadows replaying the keys whose hash falls below {@code share}. */
    public PansaarSettings withTunerSample(double share) {
        return new PansaarSettings(foldInterval, halfLife, sizeExponent, newcomerPenalty, share,
                tunerSampleSeed, tunerWindow);
    }

    /** These settings, with {@code pansaar-tuned}'s shadows replaying the sample of their share that {@code seed} picks. */
    public PansaarSettings withTunerSampleSeed(long seed) {
        return new PansaarSettings(foldInterval, halfLife, sizeExponent, newcomerPenalty, tunerSample, seed,
                tunerWindow);
    }

    /** These settings, with {@code pansaar-tuned}'s windows counting {@code window}. */
    public PansaarSettings withTunerWindow(TunerWindow window) {
        return new PansaarSettings(foldInterval, halfLife, sizeExponent, newcomerPenalty, tunerSample, tunerSampleSeed,
                window);
    }
}
