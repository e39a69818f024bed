package io.pansaar.scheduler;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.pansaar.key.ImageKey;
import io.pansaar.key.Partitioner;
import io.pansaar.redis.PansaarFunctions;
import io.pansaar.store.ImageStore;
import io.pansaar.testing.RedisServerResource;
import io.pansaar.testing.StoredImages;
import io.pansaar.testing.TestKeys;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;

/**
 * A worker that lowered its tuning sample raises it again, up to the configured one, once the shadows of the
 * partitions it still tunes have each replayed two half-lives of folds and lie within a quarter of the line: here after
 * the lease of the partition that passed the line moved away. The line is 60 shadow objects of this JVM's heap.
 */
@QuarkusTest
@TestProfile(TunerSampleRaiseIT.Profile.class)
@QuarkusTestResource(value = RedisServerResource.class, restrictToAnnotatedClass = true)
class TunerSampleRaiseIT {

    private static final int BODY = TuningProfile.BODY;
    /** The shortest half-life tuning accepts (a name of its own: the profile would read TuningProfile's). */
    private static final long SHORTEST_HALF_LIFE_MILLIS = 4_000;
    /** How long folds must span before shadows count as settled. */
    private static final long SETTLING_MILLIS = PartitionTuners.SETTLING_HALF_LIVES * SHORTEST_HALF_LIFE_MILLIS;
    private static final Duration HOUR = Duration.ofHours(1);
    private static final Duration WAIT = Duration.ofSeconds(30);

    /**
     * Room for 40 of the test's images per partition, the shortest half-life tuning accepts, and a line between 60 and
     * 61 shadow objects: 20 images fill four shadows past it, a quarter of it holds 15.
     */
    public static class Profile extends TuningProfile {
        @Override
        int imagesPerPartition() {
            return 40;
        }

        @Override
        public Map<String, String> getConfigOverrides() {
            Map<String, String> overrides = new HashMap<>(super.getConfigOverrides());
            overrides.put("pansaar.priority.half-life", SHORTEST_HALF_LIFE_MILLIS + "ms");
            overrides.put("pansaar.priority.tuning-heap-share", heapShareFor(60.5));
            return overrides;
        }
    }

    @Inject
    ImageStore store;

    @Inject
    PansaarFunctions functions;

    @Inject
    PartitionScheduler scheduler;

    @Inject
    PartitionTuners tuners;

    @Inject
    Partitioner partitioner;

    @Test
    void settledShadowsWithinAQuarterOfTheLineRaiseTheSampleBack() throws InterruptedException {
        List<ImageKey> crowded = TestKeys.inPartition(partitioner, 1, "raise/crowded", 20);
        List<ImageKey> quiet = TestKeys.inPartition(partitioner, 2, "raise/quiet", 2);
        assertEquals(1.0, tuners.sample(), "the configured sample");

        StoredImages.writeAll(store, crowded, BODY, HOUR, 8);
        runDuties(1);
        assertEquals(0.5, tuners.sample(), "20 images in four shadows: 80 objects, past the line");

        StoredImages.writeAll(store, quiet, BODY, HOUR, 2);
        runDuties(2);
        runDuties(3);
        Thread.sleep(SETTLING_MILLIS + 200);
        StoredImages.readAllHits(store, quiet);
        runDuties(2);
        runDuties(3);
        assertEquals(0.5, tuners.sample(), "partitions 2 and 3 settled (at most 8 objects, and none), but partition 1's "
                + "shadows, rebuilt empty, have replayed no fold since: nothing tells how large they grow");

        // Partition 1's lease moves to another worker: what is left has settled within a quarter of the line.
        functions.releaseLease(1, scheduler.holder()).await().atMost(WAIT);
        tuners.forget(1);
        runDuties(2);
        assertEquals(1.0, tuners.sample(), "doubled back to the configured sample; partition 3, held without traffic, "
                + "did not stand in the way");
        runDuties(2);
        assertEquals(1.0, tuners.sample(), "never above the configured sample");
    }

    private void runDuties(int partition) {
        assertTrue(scheduler.runDuties(partition), "this worker holds the partition's lease");
    }
}
