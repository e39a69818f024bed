package io.pansaar.simulator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pansaar.simulator.policy.Policies;
import io.pansaar.simulator.policy.PolicyStats;
import io.pansaar.simulator.trace.WebCacheSimReader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/** Compares the simulator with reference numbers (from an independent simulator) on the shared AdaptSize trace at 5%. */
class SharedTraceTest {
    private static final Path TRACE = Path.of("../shared/traces/adaptsize_request.trace.gz");
    private static final double TOLERANCE_POINTS = 5;
    /** Object and byte hit ratios in percent from the reference simulator. */
    private static final Map<String, double[]> REFERENCE = Map.of(
            "lru", new double[] {25.8, 28.1},
            "lfu", new double[] {28.1, 28.9},
            "gdsf", new double[] {33.4, 28.2},
            "s3fifo", new double[] {30.0, 30.4},
            "wtinylfu", new double[] {27.3, 25.6},
            "belady", new double[] {37.8, 35.7});

    @Test
    void landsNearTheReferenceAndBeladyBeatsEveryOnlinePolicy() throws IOException {
        Assumptions.assumeTrue(Files.isReadable(TRACE),
                "skipped: the shared trace " + TRACE.toAbsolutePath().normalize() + " is not present");
        Trace trace = Trace.load(new WebCacheSimReader(TRACE));
        assertEquals(66_987, trace.requests().size());
        long capacity = trace.uniqueBytes() * 5 / 100;
        List<PolicyStats> results = Simulator.run(trace, capacity, Policies.NAMES);
        PolicyStats belady = results.stream().filter(stats -> stats.name().equals("belady")).findFirst().orElseThrow();
        for (PolicyStats stats : results) {
            double[] reference = REFERENCE.get(stats.name());
            if (reference != null) {
                assertNear(stats.name() + " object hit %", reference[0], 100 * stats.objectHitRatio());
                assertNear(stats.name() + " byte hit %", reference[1], 100 * stats.byteHitRatio());
            }
            assertTrue(belady.objectHitRatio() >= stats.objectHitRatio(), "belady below " + stats.name());
            assertTrue(belady.byteHitRatio() >= stats.byteHitRatio(), "belady's byte hit ratio below " + stats.name());
        }
    }

    private static void assertNear(String what, double expected, double actual) {
        assertTrue(Math.abs(expected - actual) <= TOLERANCE_POINTS,
                what + ": " + String.format("%.2f", actual) + " is not within " + TOLERANCE_POINTS + " points of " + expected);
    }
}
