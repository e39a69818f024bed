package io.pansaar.worker;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import io.pansaar.key.ImageKey;
import io.pansaar.key.Partitioner;
import io.pansaar.redis.function.ReadOutcome;
import io.pansaar.store.ImageStore;
import io.pansaar.store.ReadResult;
import io.pansaar.testing.InjectTestOrigin;
import io.pansaar.testing.RedisClusterResource;
import io.pansaar.testing.Reply;
import io.pansaar.testing.TestImages;
import io.pansaar.testing.TestOrigin;
import io.pansaar.testing.TestOriginResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;

/** The pipeline on a real 3-primary Redis Cluster: every partition, on whichever shard it lives, is served. */
@QuarkusTest
@QuarkusTestResource(value = RedisClusterResource.class, restrictToAnnotatedClass = true)
@QuarkusTestResource(value = TestOriginResource.class, restrictToAnnotatedClass = true)
class RegenerationPipelineClusterIT {

    private static final Duration WAIT = Duration.ofSeconds(30);

    @InjectTestOrigin
    TestOrigin origin;

    @Inject
    ImageStore store;

    @Inject
    Partitioner partitioner;

    @Test
    void missesOnEveryPartitionAreRegeneratedOnTheirShards() {
        Map<Integer, ImageKey> keyPerPartition = new HashMap<>();
        for (int i = 0; keyPerPartition.size() < partitioner.partitions(); i++) {
            ImageKey candidate = ImageKey.of("avatars/cluster-" + i + "-" + UUID.randomUUID() + ".png");
            keyPerPartition.putIfAbsent(partitioner.partitionOf(candidate), candidate);
        }
        Map<ImageKey, byte[]> bodies = new HashMap<>();
        keyPerPartition.values().forEach(key -> {
            byte[] png = TestImages.png(2_000, bodies.size());
            bodies.put(key, png);
            origin.serve(key.value(), Reply.image(png, "image/png"));
            assertTrue(store.read(key).await().atMost(WAIT).enqueued(), key.value());
        });

        bodies.forEach((key, png) -> {
            ReadResult hit = await().atMost(WAIT).until(() -> store.read(key).await().atMost(WAIT),
                    result -> result.outcome() == ReadOutcome.HIT);
            assertArrayEquals(png, hit.body().orElseThrow(), key.value());
            assertEquals(1, origin.fetches(key.value()), key.value());
        });
    }
}
