package io.pansaar.scheduler;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import io.pansaar.key.ImageKey;
import io.pansaar.key.Partitioner;
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
 * The scheduler tunes a partition's probation share from what it folds, through Redis, and stores it: on traffic whose
 * new images are read again only after more newcomers than the smaller shadow's stage holds, the larger stage wins
 * every window and the share moves up one factor of 1.5.
 *
 * <p>The traffic: every tick of {@link #TICK} two new images arrive, and the two that arrived {@link #READ_AFTER} ticks
 * before are read once. Between an image's arrival and its read, 7 more images arrive (9 counting this tick's, which
 * a fold reports before its reads), so that it is read while still on probation in a stage of 10 or 15 images: the
 * partition's, a quarter of 40 images' budget, and the higher shadow's, 1.5 times as large; the lower shadow's holds
 * 6.7 and has let it go, so its read misses. The share's windows span two half-lives of 6 s and must agree twice: the
 * share moves at the end of the second, 24 s after the first fold.
 */
@QuarkusTest
@TestProfile(ProbationShareTuningIT.Profile.class)
@QuarkusTestResource(value = RedisServerResource.class, restrictToAnnotatedClass = true)
class ProbationShareTuningIT {

    private static final int IMAGES_PER_PARTITION = 40;
    private static final double CONFIGURED_SHARE = 0.25;
    private static final int ARRIVALS_PER_TICK = 2;
    private static final int READ_AFTER = 4;
    private static final long TICK = 250;
    /** The share's second window ends this long after the first fold: 2 windows of 2 half-lives. */
    private static final long SECOND_WINDOW_ENDS = 4 * TuningProfile.HALF_LIFE_MILLIS;
    private static final Duration HOUR = Duration.ofHours(1);
    private static final Duration WAIT = Duration.ofSeconds(30);

    /** The tuning tests' deployment with room for 40 images per partition, a quarter of it the stage's. */
    public static class Profile extends TuningProfile {
        @Override
        int imagesPerPartition() {
            return IMAGES_PER_PARTITION;
        }

        @Override
        double probationShare() {
            return CONFIGURED_SHARE;
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
    void newImagesReadAgainAfterTheSmallerStageLetThemGoRaiseTheShare() throws InterruptedException {
        int partition = 1;
        // Two seconds past the second window's end: a slow tick or fold moves the windows' start that much at most.
        int ticks = Math.toIntExact((SECOND_WINDOW_ENDS + 2_000) / TICK);
        List<ImageKey> keys = TestKeys.inPartition(partitioner, partition, "share/i", ticks * ARRIVALS_PER_TICK);
        List<List<ImageKey>> arrivals = new ArrayList<>();
        for (int tick = 0; tick < ticks; tick++) {
            arrivals.add(keys.subList(tick * ARRIVALS_PER_TICK, (tick + 1) * ARRIVALS_PER_TICK));
        }
        runDuties(partition);
        assertEquals(CONFIGURED_SHARE, tuners.priorityOf(partition).probationShare(), "the configured share to start");

        long firstFold = RedisClock.millis(redis);
        for (int tick = 0; tick < ticks; tick++) {
            RedisClock.sleepUntil(redis, firstFold + tick * TICK);
            if (tick >= READ_AFTER) {
                // Hits: the partition's own stage, of 10 images, still holds them.
                StoredImages.readAllHits(store, arrivals.get(tick - READ_AFTER));
            }
            StoredImages.writeAll(store, arrivals.get(tick), TuningProfile.BODY, HOUR, ARRIVALS_PER_TICK);
            runDuties(partition);
            if (RedisClock.millis(redis) < firstFold + SECOND_WINDOW_ENDS - TICK) {
                assertEquals(CONFIGURED_SHARE, tuners.priorityOf(partition).probationShare(), 1e-12,
                        "tick " + tick + ": the share moves at the end of its second window, not before");
            }
        }

        double raised = CONFIGURED_SHARE * 1.5;
        assertEquals(raised, tuners.priorityOf(partition).probationShare(), 1e-12,
                "the larger stage won both windows: the share moved up one factor");
        Tuning stored = functions.tuning(partition).await().atMost(WAIT).orElseThrow();
        assertEquals(raised, stored.probationShare(), 1e-12, "stored for every worker's writes");
    }

    private void runDuties(int partition) {
        assertTrue(scheduler.runDuties(partition), "this worker holds the partition's lease");
    }
}
