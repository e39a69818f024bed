package io.pansaar.scheduler;

import java.util.HashMap;
import java.util.Map;

import io.pansaar.store.ImageLayout;
import io.pansaar.testing.NoConsumerProfile;

/**
 * The tuning tests' deployment: tuning on by default (a memory budget, and pansaar.priority.tuning unset), no
 * probationary stage unless a test sets its share, a half-life of 6 s, 4 partitions each with room for
 * {@link #imagesPerPartition} images of {@link #BODY} bytes under keys of at most 20 bytes; no consumer, so the tests
 * run the scheduler's duties themselves.
 */
abstract class TuningProfile extends NoConsumerProfile {

    static final int PARTITIONS = 4;
    static final int BODY = 1_000;
    static final long HALF_LIFE_MILLIS = 6_000;

    /** How many of the test's images one partition's share of the budget holds. */
    abstract int imagesPerPartition();

    /**
     * The probationary stage's share: none unless a test of the stage says, as the traffic of the penalty's tests and
     * the heap guard's lines in shadow objects are those of four shadows and a partition that ranks new images at once.
     */
    double probationShare() {
        return 0;
    }

    /** The {@code pansaar.priority.tuning-heap-share} that puts the heap guard's line at this many shadow objects. */
    static String heapShareFor(double shadowObjects) {
        return String.valueOf(shadowObjects * TunerHeapGuard.BYTES_PER_SHADOW_OBJECT / Runtime.getRuntime().maxMemory());
    }

    /** One partition's share of the memory budget, in bytes. */
    static long share(int imagesPerPartition) {
        return imagesPerPartition * ImageLayout.chargedBytes(20, BODY);
    }

    @Override
    public Map<String, String> getConfigOverrides() {
        Map<String, String> overrides = new HashMap<>(super.getConfigOverrides());
        overrides.put("pansaar.partitions", String.valueOf(PARTITIONS));
        // pansaar.priority.tuning is left unset: with a budget and this half-life, tuning is on by default.
        overrides.put("pansaar.priority.half-life", HALF_LIFE_MILLIS + "ms");
        overrides.put("pansaar.origin.max-bytes", "16K");
        overrides.put("pansaar.memory-budget", String.valueOf(PARTITIONS * share(imagesPerPartition())));
        overrides.put("pansaar.priority.probation-share", String.valueOf(probationShare()));
        return overrides;
    }
}
