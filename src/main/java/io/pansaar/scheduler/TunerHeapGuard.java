package io.pansaar.scheduler;

/**
 * Keeps the tuners' shadow caches within a share of this worker's heap ({@code pansaar.priority.tuning-heap-share}),
 * so that tuning never runs the worker out of heap: a shadow object costs up to {@value #BYTES_PER_SHADOW_OBJECT}
 * bytes (docs/simulation.md, "The tuners' memory"), and every partition whose lease the worker holds fills four
 * shadows with its images and their ghosts. Past the line it halves the share of the keys the shadows replay (the
 * tuning sample), whose shadows are then rebuilt empty; at {@link #MIN_SAMPLE} it halves no more and warns once per
 * crossing: again only after the shadows have shrunk below the line.
 *
 * <p>It doubles a lowered sample again, up to the configured one, when the shadows have settled within a quarter of
 * the line ({@link #RAISE_BELOW}): after leases moved to other workers, or the partitions' traffic shrank. Doubling
 * the sample about doubles the shadows, so they then take at most half the line, and a halving leaves shadows that
 * settle above a quarter of it: the sample does not swing between two values.
 */
final class TunerHeapGuard {

    /** The most heap one object of a shadow took in the measurement: its entry, id-map slot and heap slot. */
    static final long BYTES_PER_SHADOW_OBJECT = 230;
    /** The smallest sample the guard halves to: below it the shadows see too few keys to judge a setting by. */
    static final double MIN_SAMPLE = 1.0 / 1024;
    /** The share of the line settled shadows must lie within for the guard to double a lowered sample. */
    static final double RAISE_BELOW = 0.25;

    /** What the shadows' size calls for. */
    enum Step {
        /** Within the line, or over it and already warned of at the floor. */
        NONE,
        /** Over the line: the sample was halved ({@link #sample}), and the shadows must be rebuilt with it. */
        HALVE,
        /** Over the line at the floor, just crossed: worth one warning. */
        WARN_AT_FLOOR,
        /**
         * Settled within a quarter of the line below the configured sample: the sample was doubled ({@link #sample}),
         * and the shadows must be rebuilt with it.
         */
        RAISE
    }

    private final long heapLimitBytes;
    /** The sample the deployment configured: the guard never raises the sample above it. */
    private final double configuredSample;
    /** Read by the tests' thread while the scheduler's writes it. */
    private volatile double sample;
    private boolean over;

    /**
     * A guard of a heap of {@code maxHeapBytes} ({@link Runtime#maxMemory()}), whose line is {@code heapShare} of it,
     * starting from the configured {@code sample}.
     */
    TunerHeapGuard(long maxHeapBytes, double heapShare, double sample) {
        this.heapLimitBytes = (long) (maxHeapBytes * heapShare);
        this.configuredSample = sample;
        this.sample = sample;
    }

    /** The heap the shadows' objects take, estimated. */
    static long shadowBytes(long shadowObjects) {
        return shadowObjects * BYTES_PER_SHADOW_OBJECT;
    }

    /**
     * Judges {@code shadowObjects} objects against the line, {@code settled} when every tuner's shadows have replayed
     * long enough since they were built (a rebuilt shadow starts empty, which says nothing of the size it grows to); on
     * {@link Step#HALVE} or {@link Step#RAISE} the sample has moved already.
     */
    Step check(long shadowObjects, boolean settled) {
        long bytes = shadowBytes(shadowObjects);
        boolean nowOver = bytes > heapLimitBytes;
        boolean crossed = nowOver && !over;
        if (nowOver && sample > MIN_SAMPLE) {
            sample = Math.max(MIN_SAMPLE, sample / 2);
            // The shadows are rebuilt empty, below the line: the next time they pass it is a crossing of its own.
            over = false;
            return Step.HALVE;
        }
        over = nowOver;
        if (settled && sample < configuredSample && bytes <= heapLimitBytes * RAISE_BELOW) {
            sample = Math.min(configuredSample, sample * 2);
            return Step.RAISE;
        }
        return crossed ? Step.WARN_AT_FLOOR : Step.NONE;
    }

    /** The share of the keys the shadows replay now. */
    double sample() {
        return sample;
    }

    /** The share of the heap the shadows may take, in bytes: the line. */
    long limitBytes() {
        return heapLimitBytes;
    }
}
