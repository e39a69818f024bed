package io.pansaar.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.eclipse.microprofile.reactive.messaging.Message;
import org.junit.jupiter.api.Test;

import io.pansaar.redis.FunctionLibrary;
import io.pansaar.testing.LocalRedisCluster;
import io.pansaar.testing.LocalRedisServer;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.redis.client.Command;
import io.vertx.mutiny.redis.client.Redis;
import io.vertx.mutiny.redis.client.Request;
import io.vertx.redis.client.RedisClientType;
import io.vertx.redis.client.RedisOptions;

/** The consumer on a real 3-primary Redis Cluster: one read per partition, each on its own connection. */
class RedisStreamConsumerClusterIT {

    private static final int PARTITIONS = 16;

    @Test
    void entriesOnPartitionsOfEveryShardAreDeliveredAndAcked() {
        Vertx vertx = Vertx.vertx();
        try (LocalRedisCluster cluster = LocalRedisCluster.start()) {
            RedisOptions options = new RedisOptions().setType(RedisClientType.CLUSTER)
                    .setMaxPoolSize(PARTITIONS + 8).setMaxPoolWaiting(64);
            cluster.nodes().forEach(node -> options.addConnectionString(node.uri()));
            Redis redis = Redis.createClient(vertx, options);
            new FunctionLibrary(redis, vertx, "cluster", List.of(cluster.nodes().get(0).uri())).loadEverywhere()
                    .await().atMost(StreamHarness.WAIT);
            StreamSettings settings = StreamHarness.settings(PARTITIONS, true, 2, Duration.ofSeconds(60),
                    Duration.ofMillis(200));
            try (StreamHarness harness = StreamHarness.start(vertx, redis, cluster.nodes().get(0).uri(), settings)) {
                harness.awaitRunning();
                // MKSTREAM put each partition's stream on the shard owning its slot: every shard holds some.
                for (LocalRedisServer node : cluster.nodes()) {
                    Redis direct = Redis.createClient(vertx, node.uri());
                    long keys = direct.send(Request.cmd(Command.DBSIZE)).await().atMost(StreamHarness.WAIT).toLong();
                    direct.close();
                    assertTrue(keys > 0, "shard on port " + node.port() + " holds job streams");
                }
                // Keyed by stream and id: streams on different shards can hand out the same id.
                Map<String, Integer> partitionOfId = new HashMap<>();
                for (int partition = 0; partition < PARTITIONS; partition++) {
                    String id = harness.add(partition, "key", "avatars/" + partition + ".png");
                    partitionOfId.put(harness.jobs(partition) + "/" + id, partition);
                }
                // One entry fails once, so redelivery (XCLAIM + XPENDING in one batch) and dead letters
                // (the function on the shard of partition 5) run on the cluster too.
                String deadId = harness.add(5, "reason", "miss");
                for (int delivered = 0; delivered < PARTITIONS + 2; delivered++) {
                    Message<StreamEntry> message = harness.next();
                    StreamEntry entry = message.getPayload();
                    if (entry.stream().equals(harness.jobs(5)) && entry.id().equals(deadId)) {
                        message.nack(new IllegalStateException("failing on purpose")).toCompletableFuture().join();
                        continue;
                    }
                    assertEquals(partitionOfId.remove(entry.stream() + "/" + entry.id()), entry.partition());
                    assertEquals("avatars/" + entry.partition() + ".png", entry.field("key"));
                    message.ack().toCompletableFuture().join();
                }
                assertEquals(Map.of(), partitionOfId, "every partition's entry was delivered once");
                StreamHarness.await("the failing entry dead-lettered", () -> harness.length(harness.dead(5)) == 1);
                for (int partition = 0; partition < PARTITIONS; partition++) {
                    assertEquals(0, harness.length(harness.jobs(partition)));
                    assertEquals(0, harness.pending(harness.jobs(partition)));
                }
                assertEquals(deadId, harness.entries(harness.dead(5)).get(0).get("original-id"));
            } finally {
                redis.close();
            }
        } finally {
            vertx.closeAndAwait();
        }
    }
}
