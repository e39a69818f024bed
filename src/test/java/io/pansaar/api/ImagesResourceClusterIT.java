package io.pansaar.api;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.HashMap;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import io.pansaar.key.ImageKey;
import io.pansaar.key.Partitioner;
import io.pansaar.testing.InjectTestOrigin;
import io.pansaar.testing.RedisClusterResource;
import io.pansaar.testing.Reply;
import io.pansaar.testing.TestImages;
import io.pansaar.testing.TestOrigin;
import io.pansaar.testing.TestOriginResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import jakarta.inject.Inject;

/**
 * Read-through on a real 3-primary Redis Cluster: a reader waiting for a missing image is told it is
 * ready whichever shard wrote it, because a PUBLISH on any node reaches subscribers on every node.
 */
@QuarkusTest
@QuarkusTestResource(value = RedisClusterResource.class, restrictToAnnotatedClass = true)
@QuarkusTestResource(value = TestOriginResource.class, restrictToAnnotatedClass = true)
class ImagesResourceClusterIT {

    @InjectTestOrigin
    TestOrigin origin;

    @Inject
    Partitioner partitioner;

    @Test
    void aMissOnEveryPartitionIsReadThroughWhicheverShardHoldsIt() {
        Map<Integer, ImageKey> keyPerPartition = new HashMap<>();
        for (int i = 0; keyPerPartition.size() < partitioner.partitions(); i++) {
            ImageKey candidate = ImageKey.of("avatars/cluster-read-" + i + "-" + UUID.randomUUID() + ".png");
            keyPerPartition.putIfAbsent(partitioner.partitionOf(candidate), candidate);
        }
        keyPerPartition.values().forEach(key -> {
            byte[] png = TestImages.png(2_000, key.hashCode());
            origin.serve(key.value(), Reply.image(png, "image/png"));

            // Answered within the 2 s read-through timeout only if the write's announcement arrived.
            Response response = given().urlEncodingEnabled(false).get("/images/" + key.value());
            assertEquals(200, response.statusCode(), key.value() + ": " + response.asString());
            assertEquals("pansaar; fwd=miss; stored", response.header("Cache-Status"), key.value());
            assertArrayEquals(png, response.asByteArray(), key.value());
            assertEquals(1, origin.fetches(key.value()), key.value());
        });
    }
}
