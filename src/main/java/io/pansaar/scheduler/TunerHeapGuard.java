package io.pansaar.scheduler;

/**
 * Keeps the tuners' shadow caches within a share of this worker's heap ({@code pansaar.priority.tuning-heap-share}),
 * so that tuning never runs the worker out of heap: a shadow object costs up to {@value #BYTES_PER_SHADOW_OBJECT}
 * bytes (docs/simulation.md, "The tuners' memory"), and every partition whose lease the worker holds fills four
 * shadows with its images and their ghosts. Past the line it halves the share of the keys the shadows replay (the
 * tuning sample), whose shadows are then rebuilt empty; at {@link #MIN_SAMPLE} it halves no more and warns once per
 * crossing: again only after the shadows have shrunk below the line.
 */
final class TunerHeapGuard {

    /** The most heap one object of a shadow took in the measurement: its entry, id-map slot and heap slot. */
    static final long BYTES_PER_SHADOW_OBJECT = 230;
    /** The smallest sample the guard halves to: below it the shadows see too few keys to judge a setting by. */
    static final double MIN_SAMPLE = 1.0 / 1024;

    /** What the shadows' size calls for. */
    enum Step {
        /** Within the line, or over it and already warned of at the floor. */
        NONE,
        /** Over the line: the sample was halved ({@link #sample}), and the shadows must be rebuilt with it. */
        HALVE,
        /** Over the line at the floor, just crossed: worth one warning. */
        WARN_AT_FLOOR
    }

    private final long heapLimitBytes;
    /** Read by the tests' thread while the scheduler's writes it. */
    private volatile double sample;
    private boolean over;

    /**
     * A guard of a heap of {@code maxHeapBytes} ({@link Runtime#maxMemory()}), whose line is {@code heapShare} of it,
     * starting from the configured {@code sample}.
     */
    TunerHeapGuard(long maxHeapBytes, double heapShare, double sample) {
        this.heapLimitBytes = (long) (maxHeapBytes * heapShare);
        this.sample = sample;
    }

    /** The heap the shadows' objects take, estimated. */
    static long shadowBytes(long shadowObjects) {
        return shadowObjects * BYTES_PER_SHADOW_OBJECT;
    }

    /** Judges {@code shadowObjects} objects against the line; on {@link Step#HALVE} the sample is halved already. */
    Step check(long shadowObjects) {
        boolean nowOver = shadowBytes(shadowObjects) > heapLimitBytes;
        boolean crossed = nowOver && !over;
        if (nowOver && sample > MIN_SAMPLE) {
            sample = Math.max(MIN_SAMPLE, sample / 2);
            // The shadows are rebuilt empty, below the line: the next time they pass it is a crossing of its own.
            over = false;
            return Step.HALVE;
        }
        over = nowOver;
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
