package io.pansaar.scheduler;

/**
 * Says when the tuners' shadow caches take more than half of this worker's heap, so that an operator hears of it
 * before the heap runs out: a shadow object costs up to {@value #BYTES_PER_SHADOW_OBJECT} bytes (docs/simulation.md,
 * "The tuners' memory"), and every partition whose lease the worker holds fills four shadows with its images and
 * their ghosts. It warns once per crossing: again only after the shadows have shrunk below the line.
 */
final class TunerHeapGuard {

    /** The most heap one object of a shadow took in the measurement: its entry, id-map slot and heap slot. */
    static final long BYTES_PER_SHADOW_OBJECT = 230;

    private final long heapLimitBytes;
    private boolean over;

    /** A guard of a heap of {@code maxHeapBytes} ({@link Runtime#maxMemory()}), warning past half of it. */
    TunerHeapGuard(long maxHeapBytes) {
        this.heapLimitBytes = maxHeapBytes / 2;
    }

    /** The heap the shadows' objects take, estimated. */
    static long shadowBytes(long shadowObjects) {
        return shadowObjects * BYTES_PER_SHADOW_OBJECT;
    }

    /** Whether {@code shadowObjects} objects just crossed the line, which is worth one warning. */
    boolean crossed(long shadowObjects) {
        boolean nowOver = shadowBytes(shadowObjects) > heapLimitBytes;
        boolean crossed = nowOver && !over;
        over = nowOver;
        return crossed;
    }

    /** Half the heap, in bytes: the line. */
    long limitBytes() {
        return heapLimitBytes;
    }
}
