package io.pansaar.api;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.pansaar.key.RedisKeys;
import io.pansaar.redis.PansaarFunctions;
import io.pansaar.redis.function.Tuning;
import io.pansaar.testing.NoConsumerProfile;
import io.pansaar.testing.RedisServerResource;
import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.path.json.JsonPath;
import jakarta.inject.Inject;

/**
 * {@code GET /api/status} shows, per partition, the half-life and newcomer penalty its eviction priority counts with:
 * the configured ones until its lease holder stores tuned ones in {@code pansaar:{p}:tuning}, then those. Each test
 * uses a partition of its own, so their order does not matter.
 */
@QuarkusTest
@TestProfile(StatusResourceIT.WithTuning.class)
@QuarkusTestResource(value = RedisServerResource.class, restrictToAnnotatedClass = true)
class StatusResourceIT {

    private static final long CONFIGURED_HALF_LIFE_MILLIS = Duration.ofHours(2).toMillis();
    private static final double CONFIGURED_NEWCOMER_PENALTY = 0.5;
    private static final Duration WAIT = Duration.ofSeconds(30);

    /** Tuning on (it needs a memory budget), with settings other than the defaults so that a default cannot pass. */
    public static class WithTuning extends NoConsumerProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            Map<String, String> overrides = new HashMap<>(super.getConfigOverrides());
            overrides.put("pansaar.priority.tuning", "true");
            overrides.put("pansaar.priority.half-life", "2h");
            overrides.put("pansaar.priority.newcomer-penalty", String.valueOf(CONFIGURED_NEWCOMER_PENALTY));
            overrides.put("pansaar.memory-budget", "64M");
            return overrides;
        }
    }

    @Inject
    PansaarFunctions functions;

    @Inject
    RedisDataSource redis;

    @Test
    void aPartitionNotTunedShowsTheConfiguredSettings() {
        int partition = 1;
        redis.execute("DEL", RedisKeys.tuning(partition));

        awaitPriority(partition, CONFIGURED_HALF_LIFE_MILLIS, CONFIGURED_NEWCOMER_PENALTY, false);
    }

    @Test
    void aPartitionItsLeaseHolderTunedShowsTheStoredSettings() {
        int partition = 2;
        String holder = "status-test-holder";
        assertTrue(functions.acquireLease(partition, holder, WAIT.toMillis()).await().atMost(WAIT), "the lease taken");
        try {
            Tuning stored = functions.tune(partition, holder, 5 * 3_600_000.0 + 0.4, 1.5).await().atMost(WAIT);
            assertEquals(new Tuning(5 * 3_600_000.0 + 0.4, 1.5), stored);
        } finally {
            functions.releaseLease(partition, holder).await().atMost(WAIT);
        }

        // The half-life in whole ms, as the configured one is.
        awaitPriority(partition, 5 * 3_600_000, 1.5, true);
    }

    @Test
    void aHashHoldingOneSettingReplacesThatOneOnlyAsAWriteDoes() {
        int partition = 3;
        redis.execute("HSET", RedisKeys.tuning(partition), Tuning.NEWCOMER_PENALTY_FIELD, "3");

        awaitPriority(partition, CONFIGURED_HALF_LIFE_MILLIS, 3, true);
    }

    /** Waits out the status snapshot until the partition shows these settings. */
    private static void awaitPriority(int partition, long halfLifeMillis, double newcomerPenalty, boolean tuned) {
        String path = "partitions[" + partition + "].priority.";
        await().atMost(WAIT).untilAsserted(() -> {
            JsonPath status = given().get("/api/status").then().statusCode(200).extract().jsonPath();
            assertEquals(partition, status.getInt("partitions[" + partition + "].partition"));
            String shown = String.valueOf(status.getMap("partitions[" + partition + "].priority"));
            assertEquals(halfLifeMillis, status.getLong(path + "halfLifeMillis"), shown);
            assertEquals(newcomerPenalty, status.getDouble(path + "newcomerPenalty"), shown);
            assertEquals(tuned, status.getBoolean(path + "tuned"), shown);
        });
    }
}
