package io.pansaar.scheduler;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.jboss.logmanager.ExtLogRecord;
import org.jboss.logmanager.Level;
import org.junit.jupiter.api.Test;

import io.pansaar.algorithm.AccessPriority;
import io.pansaar.key.ImageKey;
import io.pansaar.key.Partitioner;
import io.pansaar.key.RedisKeys;
import io.pansaar.redis.PansaarFunctions;
import io.pansaar.redis.function.Tuning;
import io.pansaar.store.ImageStore;
import io.pansaar.testing.LogCapture;
import io.pansaar.testing.RedisServerResource;
import io.pansaar.testing.StoredImages;
import io.pansaar.testing.TestKeys;
import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;

/**
 * A worker whose tuners' shadows pass {@code pansaar.priority.tuning-heap-share} of its heap halves its tuning sample
 * and rebuilds its tuners from their values, which Redis keeps as stored, while the partition's duties run on. The
 * share here is so small that one shadow object passes it.
 */
@QuarkusTest
@TestProfile(TunerHeapGuardIT.Profile.class)
@QuarkusTestResource(value = RedisServerResource.class, restrictToAnnotatedClass = true)
class TunerHeapGuardIT {

    private static final int BODY = TuningProfile.BODY;
    private static final int IMAGES_PER_PARTITION = 20;
    private static final long SHARE = TuningProfile.share(IMAGES_PER_PARTITION);
    /** Values within the ranges of the configured half-life, written as no store writes them: a store would show. */
    private static final String STORED_HALF_LIFE = "1.2e4";
    private static final String STORED_PENALTY = "1.5e0";
    private static final Duration HOUR = Duration.ofHours(1);
    private static final Duration WAIT = Duration.ofSeconds(30);

    /** Room for 20 of the test's images per partition, and a line below one shadow object. */
    public static class Profile extends TuningProfile {
        @Override
        int imagesPerPartition() {
            return IMAGES_PER_PARTITION;
        }

        @Override
        public Map<String, String> getConfigOverrides() {
            Map<String, String> overrides = new HashMap<>(super.getConfigOverrides());
            overrides.put("pansaar.priority.tuning-heap-share", "1e-9");
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
    void shadowsPastTheLineHalveTheSampleAndTheTunersGoOnFromTheirValues() {
        int partition = 1;
        List<ImageKey> keys = TestKeys.inPartition(partitioner, partition, "guard/i", 50);
        List<ImageKey> first = keys.subList(0, 10);
        List<ImageKey> flood = keys.subList(10, 50);
        redis.execute("HSET", RedisKeys.tuning(partition), Tuning.HALF_LIFE_FIELD, STORED_HALF_LIFE,
                Tuning.NEWCOMER_PENALTY_FIELD, STORED_PENALTY);
        assertEquals(1.0, tuners.sample(), "the configured sample");

        StoredImages.writeAll(store, first, BODY, HOUR, 8);
        StoredImages.readAllHits(store, first);
        try (LogCapture captured = LogCapture.start()) {
            runDuties(partition);
            List<ExtLogRecord> halvings = captured.recordsOf(PartitionTuners.class.getName()).stream()
                    .filter(record -> record.getMessage().contains("the tuning sample drops")).toList();
            assertEquals(1, halvings.size(), "one line for the halving");
            assertEquals(Level.INFO, halvings.get(0).getLevel(),
                    "a halving to 1/2, where busy partitions still tune well, is no warning");
        }
        assertEquals(0.5, tuners.sample(), "the first fold's images in the shadows passed the line: halved once");
        assertEquals("1", StoredImages.metaField(redis, RedisKeys.image(partition, first.get(0)), "hits"),
                "the fold ran");
        assertTunedAsStored(partition);
        runDuties(partition);
        assertEquals(0.5, tuners.sample(), "a tick that folds nothing: the rebuilt shadows are empty, within the line");

        // The rebuilt tuner replays half the keys: some of the flood's fill its shadows past the line again.
        StoredImages.writeAll(store, flood, BODY, HOUR, 8);
        runDuties(partition);
        assertEquals(0.25, tuners.sample(), "halved again, a tick later");
        assertTrue(StoredImages.usedBytes(redis, partition) <= SHARE, "eviction ran: " + StoredImages.usedBytes(redis, partition) + " bytes in " + SHARE);
        assertTunedAsStored(partition);

        // A worker that takes the lease over starts from the stored values, at the sample in force.
        functions.releaseLease(partition, scheduler.holder()).await().atMost(WAIT);
        tuners.forget(partition);
        runDuties(partition);
        assertEquals(0.25, tuners.sample(), "no image folded: the new shadows hold nothing");
        assertTunedAsStored(partition);
    }

    /** The partition counts with the values stored, which no store rewrote (it would write them as digits). */
    private void assertTunedAsStored(int partition) {
        AccessPriority priority = tuners.priorityOf(partition);
        assertEquals(12_000, priority.halfLifeMillis(), 1e-9, "the tuner's half-life");
        assertEquals(1.5, priority.newcomerPenalty(), 1e-12, "the tuner's newcomer penalty");
        assertEquals(Optional.of(new Tuning(12_000, 1.5)), functions.tuning(partition).await().atMost(WAIT));
        assertEquals(STORED_HALF_LIFE, redis.execute("HGET", RedisKeys.tuning(partition), Tuning.HALF_LIFE_FIELD)
                .toString(), "nothing stored anew");
        assertEquals(STORED_PENALTY, redis.execute("HGET", RedisKeys.tuning(partition), Tuning.NEWCOMER_PENALTY_FIELD)
                .toString(), "nothing stored anew");
    }


    private void runDuties(int partition) {
        assertTrue(scheduler.runDuties(partition), "this worker holds the partition's lease");
    }

}
