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
import io.pansaar.redis.function.Tuning;
import io.pansaar.store.ImageStore;
import io.pansaar.testing.RedisServerResource;
import io.pansaar.testing.StoredImages;
import io.pansaar.testing.TestKeys;
import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;

/**
 * A tuner the heap guard rebuilt, empty, at a halved sample goes on tuning: on the traffic of {@link PartitionTuningIT}
 * ({@link NewcomerFlood}), of which it replays about half the keys in shadows of half the bytes, it raises the newcomer
 * penalty as a tuner of every key does, and stores it.
 *
 * <p>The line lies at 250 shadow objects. A crowd of images in another partition, 30 at a time, fills that
 * partition's four shadows of 45 images with 45 residents and as many remembered each, up to 360 objects: at the third
 * batch the sample halves, and every tuner the worker holds is rebuilt. The flood's partition then holds 80 images, about 40 of them sampled, at most 160 objects in
 * its shadows: the sample stays halved. The crowded partition is left alone after that: its rebuilt tuner, fed no fold,
 * never counts as settled, so the sample is not raised again while the test runs.
 */
@QuarkusTest
@TestProfile(RebuiltTunerIT.Profile.class)
@QuarkusTestResource(value = RedisServerResource.class, restrictToAnnotatedClass = true)
class RebuiltTunerIT {

    private static final int IMAGES_PER_PARTITION = 45;
    private static final int CROWD = 120;
    private static final int CROWD_BATCH = 30;
    private static final int WARM = 20;
    /** More than PartitionTuningIT's 40, so that the sampled half of the flood alone overflows a halved shadow. */
    private static final int FLOOD = 60;
    private static final double LINE_IN_SHADOW_OBJECTS = 250.5;
    private static final Duration HOUR = Duration.ofHours(1);
    private static final Duration WAIT = Duration.ofSeconds(30);

    /** Room for 45 of the test's images per partition, and the line at 250 shadow objects of this JVM's heap. */
    public static class Profile extends TuningProfile {
        @Override
        int imagesPerPartition() {
            return IMAGES_PER_PARTITION;
        }

        @Override
        public Map<String, String> getConfigOverrides() {
            Map<String, String> overrides = new HashMap<>(super.getConfigOverrides());
            overrides.put("pansaar.priority.tuning-heap-share", heapShareFor(LINE_IN_SHADOW_OBJECTS));
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

    @Inject
    RedisDataSource redis;

    @Test
    void aTunerRebuiltAtAHalvedSampleRaisesTheNewcomerPenalty() throws InterruptedException {
        int crowded = 1;
        int partition = 2;
        List<ImageKey> crowd = TestKeys.inPartition(partitioner, crowded, "rebuilt/c", CROWD);
        List<ImageKey> keys = TestKeys.inPartition(partitioner, partition, "rebuilt/i", WARM + FLOOD);
        runDuties(partition);
        assertEquals(1.0, tuners.sample(), "the configured sample: this partition's tuner replays every key");

        // A write records an arrival for the tuner only while the partition holds more images than arrivals wait, so
        // the crowd comes in batches, each folded, until its shadows pass the line.
        for (int from = 0; from < CROWD && tuners.sample() == 1.0; from += CROWD_BATCH) {
            StoredImages.writeAll(store, crowd.subList(from, Math.min(CROWD, from + CROWD_BATCH)), TuningProfile.BODY,
                    HOUR, 8);
            runDuties(crowded);
        }
        assertEquals(0.5, tuners.sample(), "the crowd's shadows passed the line: halved, every tuner rebuilt");

        NewcomerFlood traffic = new NewcomerFlood(store, scheduler, redis, partition, keys.subList(0, WARM),
                keys.subList(WARM, WARM + FLOOD));
        traffic.warmUp();
        traffic.flood();
        traffic.readWarmAgain();
        assertEquals(1.0, tuners.priorityOf(partition).newcomerPenalty(), "nothing moved yet");
        traffic.endSecondWindow();

        assertEquals(0.5, tuners.sample(), "still halved: the flood's sampled keys stay within the line");
        assertEquals(1.5, tuners.priorityOf(partition).newcomerPenalty(), 1e-12, "the rebuilt tuner moved the penalty");
        Tuning stored = functions.tuning(partition).await().atMost(WAIT).orElseThrow();
        assertEquals(1.5, stored.newcomerPenalty(), 1e-12, "and stored it for every worker's writes");
        assertEquals(TuningProfile.HALF_LIFE_MILLIS, stored.halfLifeMillis(), 1e-9, "the half-life has not been judged yet");
    }

    private void runDuties(int partition) {
        assertTrue(scheduler.runDuties(partition), "this worker holds the partition's lease");
    }
}
