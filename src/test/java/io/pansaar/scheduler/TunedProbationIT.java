package io.pansaar.scheduler;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Optional;

import org.junit.jupiter.api.Test;

import io.pansaar.key.RedisKeys;
import io.pansaar.ops.PartitionInspector;
import io.pansaar.ops.PartitionState;
import io.pansaar.redis.PansaarFunctions;
import io.pansaar.redis.function.Tuning;
import io.pansaar.testing.RedisServerResource;
import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;

/**
 * With a probationary stage and tuning on, the lease holder tunes the stage's share as it tunes the half-life and
 * newcomer penalty: it stores the share it starts from with them, counts with the stored share after a takeover, and
 * the status page shows it. How the share moves with the traffic is the simulator's PartitionTuner's, which the
 * scheduler runs as it is (PansaarProbationTest); which share a write counts with is ProbationIT's.
 */
@QuarkusTest
@TestProfile(TunedProbationIT.Profile.class)
@QuarkusTestResource(value = RedisServerResource.class, restrictToAnnotatedClass = true)
class TunedProbationIT {

    private static final double CONFIGURED_SHARE = 0.1;
    private static final Duration WAIT = Duration.ofSeconds(30);

    /** The tuning tests' deployment with a stage of a tenth of each partition's budget. */
    public static class Profile extends TuningProfile {
        @Override
        int imagesPerPartition() {
            return 20;
        }

        @Override
        double probationShare() {
            return CONFIGURED_SHARE;
        }
    }

    @Inject
    PansaarFunctions functions;

    @Inject
    PartitionScheduler scheduler;

    @Inject
    PartitionTuners tuners;

    @Inject
    PartitionInspector inspector;

    @Inject
    RedisDataSource redis;

    @Test
    void theLeaseHolderStoresTheShareItTunesAndATakeoverStartsFromTheStoredOne() {
        int partition = 1;
        assertTrue(scheduler.runDuties(partition), "this worker holds the partition's lease");
        assertEquals(CONFIGURED_SHARE, tuners.priorityOf(partition).probationShare());
        assertEquals(Optional.of(new Tuning(TuningProfile.HALF_LIFE_MILLIS, 1, CONFIGURED_SHARE)),
                functions.tuning(partition).await().atMost(WAIT),
                "stored with the half-life and penalty at the first tick");

        // Another holder stored a larger share; this worker takes the lease over and starts from it.
        functions.tune(partition, scheduler.holder(), TuningProfile.HALF_LIFE_MILLIS, 1, 0.3)
                .await().atMost(WAIT);
        functions.releaseLease(partition, scheduler.holder()).await().atMost(WAIT);
        tuners.forget(partition);
        assertTrue(scheduler.runDuties(partition), "the lease is free again");
        assertEquals(0.3, tuners.priorityOf(partition).probationShare(), 1e-12, "seeded from the store");

        PartitionState.Priority shown = inspector.inspect(partition).await().atMost(WAIT)
                .priority();
        assertEquals(new PartitionState.Priority(TuningProfile.HALF_LIFE_MILLIS, 1, 0.3, true), shown);
    }

    @Test
    void aStoredShareOutOfTheTunersRangeIsRefusedAndOneTheHashHoldsByHandIsPassedOver() {
        int partition = 2;
        assertTrue(scheduler.runDuties(partition), "this worker holds the partition's lease");
        for (double share : new double[] {0.01, 0.5}) {
            RuntimeException refused = assertThrows(RuntimeException.class,
                    () -> functions.tune(partition, scheduler.holder(), TuningProfile.HALF_LIFE_MILLIS, 1, share)
                            .await().atMost(WAIT));
            assertTrue(refused.getMessage().contains("probation share must lie between 0.025 and 0.4"),
                    refused.getMessage());
        }
        functions.tune(partition, scheduler.holder(), TuningProfile.HALF_LIFE_MILLIS, 1, 0.2)
                .await().atMost(WAIT);
        // A hand edit out of range: a takeover starts from the configured share, as a tuned write would count with it.
        redis.hash(String.class).hset(RedisKeys.tuning(partition), Tuning.PROBATION_SHARE_FIELD, "7");
        functions.releaseLease(partition, scheduler.holder()).await().atMost(WAIT);
        tuners.forget(partition);
        assertTrue(scheduler.runDuties(partition), "the lease is free again");
        assertEquals(CONFIGURED_SHARE, tuners.priorityOf(partition).probationShare(), 1e-12);
    }
}
