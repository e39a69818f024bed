package io.pansaar.api;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import io.pansaar.key.ImageKey;
import io.pansaar.key.Partitioner;
import io.pansaar.key.RedisKeys;
import io.pansaar.redis.FunctionLibrary;
import io.pansaar.testing.InjectTestOrigin;
import io.pansaar.testing.RedisClusterResource;
import io.pansaar.testing.Reply;
import io.pansaar.testing.TestImages;
import io.pansaar.testing.TestOrigin;
import io.pansaar.testing.TestOriginResource;
import io.pansaar.testing.StoredImages;
import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import jakarta.inject.Inject;

/** GET /api/status and readiness on a real 3-primary Redis Cluster: one batch per partition, every primary checked. */
@QuarkusTest
@QuarkusTestResource(value = RedisClusterResource.class, restrictToAnnotatedClass = true)
@QuarkusTestResource(value = TestOriginResource.class, restrictToAnnotatedClass = true)
class StatusClusterIT {

    @InjectTestOrigin
    TestOrigin origin;

    @Inject
    RedisDataSource redis;

    @Inject
    Partitioner partitioner;

    @Inject
    FunctionLibrary library;

    @Test
    void statusCoversEveryPartitionAndEveryPrimary() {
        ImageKey key = ImageKey.of("avatars/cluster-status-" + UUID.randomUUID() + ".png");
        int partition = partitioner.partitionOf(key);
        origin.serve(key.value(), Reply.image(TestImages.png(1_000), "image/png"));
        redis.stream(String.class).xadd(RedisKeys.jobs(partition), Map.of("key", key.value()));
        String image = RedisKeys.image(partition, key);
        await().atMost(Duration.ofSeconds(30)).until(() -> "ok".equals(StoredImages.metaField(redis, image, "status")));

        JsonPath status = given().get("/api/status").then().statusCode(200).extract().jsonPath();
        assertEquals(16, status.getList("partitions").size());
        assertTrue(status.getList("partitions.groupExists", Boolean.class).stream().allMatch(Boolean::booleanValue));
        assertTrue(status.getLong("partitions[" + partition + "].statistics.regenerated") >= 1);
        assertTrue(status.getLong("totals.regenerated") >= 1);
        // The hot keys come from the partition's own node, read like the other figures of its batch.
        List<String> hotKeys = status.getList("partitions[" + partition + "].hotKeys.key", String.class);
        assertTrue(hotKeys.contains(key.value()), hotKeys.toString());
        Map<String, String> loaded = status.getMap("library.loaded");
        assertEquals(3, loaded.size(), loaded.toString());
        assertTrue(loaded.values().stream().allMatch(library.version()::equals), loaded.toString());
        assertTrue(status.getBoolean("library.current"));

        given().get("/q/health/ready").then().statusCode(200);
    }
}
