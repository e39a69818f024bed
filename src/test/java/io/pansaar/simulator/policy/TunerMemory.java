package io.pansaar.simulator.policy;

import java.lang.ref.Reference;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;

/**
 * Measures the heap a {@link PartitionTuner} holds per key of the partition, all its shadows together, as
 * docs/simulation.md ("The tuners' memory") reports it: the used heap after full collections, before a tuner is built
 * and after it has been fed, divided by the keys, averaged over a few runs. Keys are named by {@link
 * PartitionTuner#keyId} of production-like image keys, so that the shadows hold them in hash maps as production's
 * would, not in the array that a trace's dense ids fill.
 *
 * <p>Two states: every key resident in shadows large enough for all of them, and the steady state of a full
 * partition, which has forgotten as many keys as it holds and so remembers as many evicted ones in its ghost.
 *
 * <p>The tuner is production's: with a probation share above 0 (the default, {@code pansaar.priority.probation-share}'s
 * 0.1) it tunes the share too and holds six shadows; with 0, four.
 *
 * <p>Not a test: run it by hand, with {@code -XX:+UseSerialGC} so that {@code System.gc()} collects the whole heap
 * at once, {@code java -XX:+UseSerialGC -Xmx4g -cp ... io.pansaar.simulator.policy.TunerMemory [keys] [runs]
 * [probation-share]}.
 */
final class TunerMemory {

    /** Every key's bytes: small and alike, so that the capacity counts keys. */
    private static final long KEY_BYTES = 1000;
    /** Keys per fold, as a partition's scheduler would fold them every second. */
    private static final int KEYS_PER_FOLD = 100;
    /** An epoch clock in milliseconds, in 2027. */
    private static final long EPOCH_MS = 1_800_000_000_000L;

    private TunerMemory() {
    }

    /** Prints the heap bytes per key of a PartitionTuner fed {@code keys} keys, averaged over {@code runs} runs. */
    public static void main(String[] args) throws InterruptedException {
        int keys = args.length > 0 ? Integer.parseInt(args[0]) : 200_000;
        int runs = args.length > 1 ? Integer.parseInt(args[1]) : 3;
        double probationShare = args.length > 2 ? Double.parseDouble(args[2]) : PansaarPolicy.PROBATION_SHARE;
        int shadows = probationShare > 0 ? 6 : 4;
        // A run to warm up the JIT and size the heap's generations, not counted.
        measure(keys, 1, probationShare);
        measure(keys, 3, probationShare);
        double fits = 0;
        double steady = 0;
        for (int run = 0; run < runs; run++) {
            double fitsNow = measure(keys, 1, probationShare);
            double steadyNow = measure(keys, 3, probationShare);
            System.out.printf("run %d: %.1f bytes per key, every key resident; %.1f per resident key, ghost full%n",
                    run + 1, fitsNow, steadyNow);
            fits += fitsNow;
            steady += steadyNow;
        }
        System.out.printf("%d keys, mean of %d runs: %.1f bytes per key, every key resident; %.1f per resident key, "
                + "ghost full (%d shadows)%n", keys, runs, fits / runs, steady / runs, shadows);
    }

    /**
     * The heap bytes per resident key of a tuner whose shadows hold {@code keys} keys, fed {@code passes} times as
     * many distinct keys once each: 1 fills it, 3 leaves its ghost as full as its residents; with a probationary FIFO
     * of {@code probationShare} of the bytes, none if 0.
     */
    private static double measure(int keys, int passes, double probationShare) throws InterruptedException {
        long before = usedHeapAfterCollection();
        PansaarSettings settings = PansaarSettings.DEFAULT;
        PartitionTuner tuner = new PartitionTuner(keys * KEY_BYTES, settings, settings.halfLife(),
                settings.newcomerPenalty(), probationShare);
        long clock = EPOCH_MS;
        for (long key = 0; key < (long) keys * passes; key++) {
            tuner.deliver(PartitionTuner.keyId("tenant-" + (key % 7) + "/products/" + key + "/image.webp"), KEY_BYTES,
                    1, clock);
            if ((key + 1) % KEYS_PER_FOLD == 0) {
                tuner.tickEnded();
                clock += 1000;
            }
        }
        long after = usedHeapAfterCollection();
        tuner.finished();
        Reference.reachabilityFence(tuner);
        return (after - before) / (double) keys;
    }

    private static long usedHeapAfterCollection() throws InterruptedException {
        MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(50);
        }
        return memory.getHeapMemoryUsage().getUsed();
    }
}
