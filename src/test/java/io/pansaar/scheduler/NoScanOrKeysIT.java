package io.pansaar.scheduler;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;

import org.junit.jupiter.api.Test;

import io.pansaar.algorithm.AccessPriority;
import io.pansaar.algorithm.EarlyRefresh;
import io.pansaar.config.PansaarConfig;
import io.pansaar.config.WorkerIdentity;
import io.pansaar.key.Partitioner;
import io.pansaar.redis.PansaarFunctions;
import io.pansaar.testing.InjectTestOrigin;
import io.pansaar.testing.OperatorControls;
import io.pansaar.testing.RedisServerResource;
import io.pansaar.testing.TestOrigin;
import io.pansaar.testing.TestOriginResource;
import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;

/**
 * What Redis runs for the operator's controls and the scheduler, counted by Redis itself ({@code INFO commandstats},
 * which counts the commands a function runs inside as well): never SCAN or KEYS, whose cost grows with the whole
 * keyspace. In this package so that it can run a scheduler tick itself, as the test profile turns the timer off.
 */
@QuarkusTest
@QuarkusTestResource(value = RedisServerResource.class, restrictToAnnotatedClass = true)
@QuarkusTestResource(value = TestOriginResource.class, restrictToAnnotatedClass = true)
class NoScanOrKeysIT {

    @InjectTestOrigin
    TestOrigin origin;

    @Inject
    RedisDataSource redis;

    @Inject
    Partitioner partitioner;

    @Inject
    PansaarFunctions functions;

    @Inject
    AccessPriority priority;

    @Inject
    EarlyRefresh earlyRefresh;

    @Inject
    PansaarConfig config;

    @Test
    void warmUpsPurgesEventsStatusAndASchedulerTickRunNeitherScanNorKeys() {
        redis.execute("CONFIG", "RESETSTAT");

        new OperatorControls(origin, redis, partitioner).warmPurgeAndFollowEvents();
        given().get("/api/status").then().statusCode(200);
        given().header("Authorization", "Bearer test-admin-token").get("/api/dead-letters").then().statusCode(200);
        PartitionScheduler scheduler = new PartitionScheduler(functions,
                new PartitionTuners(functions, priority, config, partitioner), earlyRefresh, config, partitioner,
                WorkerIdentity.mint(config.worker().name()));
        try {
            scheduler.tick();
            assertEquals(partitioner.partitions(), scheduler.heldPartitions().size(), "the tick ran every partition's duties");
        } finally {
            scheduler.releaseLeases(null);
        }

        Map<String, Long> calls = OperatorControls.commandCalls(redis.execute("INFO", "commandstats").toString());
        System.out.println("commands Redis ran: " + calls);
        assertFalse(calls.containsKey("scan"), calls::toString);
        assertFalse(calls.containsKey("keys"), calls::toString);
        // Proof that the count reaches inside the functions: the purge by prefix and the scheduler's duties ran these.
        assertTrue(calls.containsKey("zrangebylex") && calls.containsKey("fcall"), calls::toString);
    }
}
