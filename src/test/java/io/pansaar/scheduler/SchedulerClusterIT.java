package io.pansaar.scheduler;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.pansaar.algorithm.AccessPriority;
import io.pansaar.algorithm.EarlyRefresh;
import io.pansaar.config.PansaarConfig;
import io.pansaar.config.WorkerIdentity;
import io.pansaar.key.Partitioner;
import io.pansaar.redis.PansaarFunctions;
import io.pansaar.testing.LocalRedisServer;
import io.pansaar.testing.OperatorControls;
import io.pansaar.testing.RedisClusterResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.redis.client.Command;
import io.vertx.mutiny.redis.client.Redis;
import io.vertx.mutiny.redis.client.Request;
import jakarta.inject.Inject;

/**
 * A scheduler tick on a real 3-primary Redis Cluster: every partition's duties run on the shard that holds it, and no
 * node runs SCAN or KEYS for them. In this package so that it can run the tick itself, as the test profile turns the
 * timer off.
 */
@QuarkusTest
@QuarkusTestResource(value = RedisClusterResource.class, restrictToAnnotatedClass = true)
class SchedulerClusterIT {

    private static final Duration WAIT = Duration.ofSeconds(10);

    @Inject
    PansaarFunctions functions;

    @Inject
    AccessPriority priority;

    @Inject
    EarlyRefresh earlyRefresh;

    @Inject
    PansaarConfig config;

    @Inject
    Partitioner partitioner;

    @Inject
    Vertx vertx;

    @Test
    void aTickRunsEveryPartitionsDutiesOnItsShardWithNoScanOrKeys() {
        List<Redis> nodes = new ArrayList<>();
        RedisClusterResource.cluster().nodes().stream().map(LocalRedisServer::uri)
                .forEach(uri -> nodes.add(Redis.createClient(vertx, uri)));
        PartitionScheduler scheduler = new PartitionScheduler(functions,
                new PartitionTuners(functions, priority, config, partitioner), earlyRefresh, config, partitioner,
                WorkerIdentity.mint(config.worker().name()));
        try {
            nodes.forEach(node -> node.send(Request.cmd(Command.CONFIG).arg("RESETSTAT")).await().atMost(WAIT));
            scheduler.tick();
            assertEquals(partitioner.partitions(), scheduler.heldPartitions().size(), "the tick ran every partition's duties");
            for (Redis node : nodes) {
                Map<String, Long> calls = OperatorControls.commandCalls(
                        node.send(Request.cmd(Command.INFO).arg("commandstats")).await().atMost(WAIT).toString());
                System.out.println("commands of a tick on a cluster node: " + calls);
                assertFalse(calls.containsKey("scan"), calls::toString);
                assertFalse(calls.containsKey("keys"), calls::toString);
                assertTrue(calls.containsKey("fcall"), "every node holds partitions whose duties ran: " + calls);
            }
        } finally {
            scheduler.releaseLeases(null);
            nodes.forEach(Redis::close);
        }
    }
}
