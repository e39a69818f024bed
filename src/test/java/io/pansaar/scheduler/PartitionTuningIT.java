package io.pansaar.scheduler;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.Test;

import io.pansaar.key.ImageKey;
import io.pansaar.key.Partitioner;
import io.pansaar.key.RedisKeys;
import io.pansaar.redis.PansaarFunctions;
import io.pansaar.redis.function.Tuning;
import io.pansaar.store.ImageStore;
import io.pansaar.testing.RedisClock;
import io.pansaar.testing.RedisServerResource;
import io.pansaar.testing.StoredImages;
import io.pansaar.testing.TestKeys;
import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;

/**
 * The scheduler tunes a partition's newcomer penalty from what it folds, stores it, the partition's writes admit with
 * it, and a worker that takes the lease over starts from it.
 *
 * <p>The traffic is one the penalty decides, with the half-life at 6 s ({@code h}). Warm images arrive and are read
 * once, at t0. A flood of new images arrives at t0 + 1.4 h and takes the partition over its share. A warm image then
 * ranks at t0 + h·log2(1 + 2^-p) and a newcomer at t0 + 1.4 h − p·h, so that the shadow of the lower penalty (2/3)
 * evicts warm images first and the shadow of the higher one (1.5) the newcomers, as the partition itself does at the
 * configured 1: the shadows by 0.4 s or more, the partition by 1.1 s less the time the flood takes to write. The warm
 * images, read again, hit in the higher shadow alone, and at the end of its second window of one half-life the tuner
 * moves the penalty up one factor of 1.5. The half-life's tuner, whose windows span two half-lives and must agree
 * twice, has judged one window by then and stays.
 */
@QuarkusTest
@TestProfile(PartitionTuningIT.Profile.class)
@QuarkusTestResource(value = RedisServerResource.class, restrictToAnnotatedClass = true)
class PartitionTuningIT {

    private static final int WARM = 20;
    private static final int FLOOD = 40;
    private static final int BODY = TuningProfile.BODY;
    private static final long HALF_LIFE_MILLIS = TuningProfile.HALF_LIFE_MILLIS;
    private static final int IMAGES_PER_PARTITION = 45;
    private static final long SHARE = TuningProfile.share(IMAGES_PER_PARTITION);
    private static final Duration HOUR = Duration.ofHours(1);
    private static final Duration WAIT = Duration.ofSeconds(30);

    /** Room for 45 of the test's images per partition: the warm ones and most of the flood. */
    public static class Profile extends TuningProfile {
        @Override
        int imagesPerPartition() {
            return IMAGES_PER_PARTITION;
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
    void aFloodOfNewcomersThatWouldPushOutWarmImagesRaisesTheNewcomerPenalty() throws InterruptedException {
        int partition = 2;
        List<ImageKey> keys = TestKeys.inPartition(partitioner, partition, "tuning/i", WARM + FLOOD + 1);
        List<ImageKey> warm = keys.subList(0, WARM);
        List<ImageKey> flood = keys.subList(WARM, WARM + FLOOD);
        ImageKey afterwards = keys.get(WARM + FLOOD);
        assertEquals(Optional.empty(), functions.tuning(partition).await().atMost(WAIT), "nothing tuned yet");
        assertEquals(1.0, tuners.priorityOf(partition).newcomerPenalty(), "the configured penalty to start from");

        NewcomerFlood traffic = new NewcomerFlood(store, scheduler, redis, partition, warm, flood);
        traffic.warmUp();
        assertTrue(StoredImages.usedBytes(redis, partition) < SHARE / 2, "the warm images leave room for most of the flood");

        traffic.flood();
        for (ImageKey key : warm) {
            assertEquals(1L, redis.execute("EXISTS", RedisKeys.image(partition, key)).toLong(),
                    key + ": the partition, at the configured penalty, keeps the warm images");
        }
        traffic.readWarmAgain();
        assertEquals(Optional.of(new Tuning(HALF_LIFE_MILLIS, 1)), functions.tuning(partition).await().atMost(WAIT),
                "nothing moved yet: the values the tuner started from stored");

        // A read past the end of the first two windows of one half-life has the tuner judge the second.
        traffic.endSecondWindow();

        Tuning stored = functions.tuning(partition).await().atMost(WAIT).orElseThrow();
        assertEquals(1.5, stored.newcomerPenalty(), 1e-12, "the penalty moved up one factor");
        assertEquals(HALF_LIFE_MILLIS, stored.halfLifeMillis(), 1e-9, "the half-life has not been judged yet");
        assertEquals(1.5, tuners.priorityOf(partition).newcomerPenalty(), 1e-12, "the scheduler counts with it");

        // A write admits a new image with the stored penalty: its first request dated 1.5 half-lives back.
        long before = RedisClock.millis(redis);
        StoredImages.write(store, afterwards, BODY, HOUR);
        long after = RedisClock.millis(redis);
        double rank = redis.execute("ZSCORE", RedisKeys.priorityIndex(partition), afterwards.value()).toDouble();
        assertTrue(rank >= before - 1.5 * HALF_LIFE_MILLIS - 1 && rank <= after - 1.5 * HALF_LIFE_MILLIS + 1,
                "ranked 9 s before its write (" + before + ".." + after + "): " + rank);

        // A worker that takes the lease over starts from the stored values.
        functions.releaseLease(partition, scheduler.holder()).await().atMost(WAIT);
        tuners.forget(partition);
        assertTrue(scheduler.runDuties(partition), "the lease is free again");
        assertEquals(1.5, tuners.priorityOf(partition).newcomerPenalty(), 1e-12, "seeded from the store");
    }

    @Test
    void aTuningHashThatCannotBeReadOrWrittenLeavesTheDutiesRunningAndIsTriedAgain() {
        int partition = 3;
        String tuningHash = RedisKeys.tuning(partition);
        ImageKey key = TestKeys.inPartition(partitioner, partition, "tuning/fault", 1).get(0);
        StoredImages.write(store, key, BODY, HOUR);
        StoredImages.readAllHits(store, List.of(key));
        // Not a hash: HMGET and HSET on it fail with WRONGTYPE.
        redis.execute("SET", tuningHash, "not a hash");
        try {
            runDuties(partition);
            assertEquals("1", StoredImages.metaField(redis, RedisKeys.image(partition, key), "hits"),
                    "the fold ran, whatever the tuning hash");
            assertEquals(HALF_LIFE_MILLIS, tuners.priorityOf(partition).halfLifeMillis(), 1e-9,
                    "the configured values, the tuner not started");

            redis.execute("DEL", tuningHash);
            tuners.priorityOf(partition);
            redis.execute("SET", tuningHash, "not a hash");
            tuners.tickEnded(partition, scheduler.holder());
            assertEquals("not a hash", redis.execute("GET", tuningHash).toString(), "the store failed");
            redis.execute("DEL", tuningHash);
            tuners.tickEnded(partition, scheduler.holder());
            assertEquals(Optional.of(new Tuning(HALF_LIFE_MILLIS, 1)), functions.tuning(partition).await().atMost(WAIT),
                    "stored at the next tick");
        } finally {
            redis.execute("DEL", tuningHash);
            tuners.forget(partition);
        }
    }

    private void runDuties(int partition) {
        assertTrue(scheduler.runDuties(partition), "this worker holds the partition's lease");
    }

}
