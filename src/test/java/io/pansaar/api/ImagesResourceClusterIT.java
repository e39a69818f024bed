package io.pansaar.api;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

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
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import io.restassured.response.Response;
import jakarta.inject.Inject;

/**
 * Read-through on a real 3-primary Redis Cluster: a reader waiting for a missing image is told it is
 * ready whichever shard wrote it, because a PUBLISH on any node reaches subscribers on every node. A purge of keys of
 * every partition purges each partition's keys with one call on the shard that holds them, and a purge by prefix walks
 * each partition's keys index on its shard, and fences the first fetches in flight there.
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

    @Test
    void aPurgeOfKeysOfEveryPartitionDeletesThemOnEveryShardWithOneCallPerPartition() {
        List<ImageKey> keys = new ArrayList<>();
        Map<Integer, Integer> perPartition = new HashMap<>();
        // Two keys of each partition, so each partition's call purges more than one image, on all three shards.
        for (int i = 0; keys.size() < 2 * partitioner.partitions(); i++) {
            ImageKey candidate = ImageKey.of("avatars/cluster-purge-" + i + "-" + UUID.randomUUID() + ".png");
            if (perPartition.merge(partitioner.partitionOf(candidate), 1, Integer::sum) <= 2) {
                keys.add(candidate);
            }
        }
        for (ImageKey key : keys) {
            origin.serve(key.value(), Reply.image(TestImages.png(1_500, key.hashCode()), "image/png"));
            assertEquals(200, given().urlEncodingEnabled(false).get("/images/" + key.value()).statusCode(), key.value());
        }

        JsonPath purge = given().contentType(ContentType.JSON).header("Authorization", "Bearer test-admin-token")
                .body(Map.of("keys", keys.stream().map(ImageKey::value).toList())).post("/api/purges")
                .then().statusCode(200).extract().jsonPath();
        assertEquals(keys.size(), purge.getInt("purged"));
        assertEquals(List.of("purged"), purge.getList("keys.outcome", String.class).stream().distinct().toList());

        for (ImageKey key : keys) {
            Response next = given().urlEncodingEnabled(false).get("/images/" + key.value());
            assertEquals(200, next.statusCode(), key.value());
            assertEquals("pansaar; fwd=miss; stored", next.header("Cache-Status"), key.value());
            assertEquals(2, origin.fetches(key.value()), key.value());
        }
    }

    @Test
    void aPurgeByPrefixOrTagSoftThenHardReachesTheImagesOfEveryPartitionOnEveryShard() {
        String prefix = "avatars/cluster-prefix-" + UUID.randomUUID() + "/";
        String tag = "cluster-tag-" + UUID.randomUUID();
        List<ImageKey> under = new ArrayList<>();
        Map<Integer, Integer> perPartition = new HashMap<>();
        // Two images of each partition under the prefix, so each partition's call on its shard purges more than one.
        for (int i = 0; under.size() < 2 * partitioner.partitions(); i++) {
            ImageKey candidate = ImageKey.of(prefix + i + ".png");
            if (perPartition.merge(partitioner.partitionOf(candidate), 1, Integer::sum) <= 2) {
                under.add(candidate);
            }
        }
        ImageKey outside = ImageKey.of(prefix.substring(0, prefix.length() - 1) + "0/kept.png");
        List<ImageKey> all = new ArrayList<>(under);
        all.add(outside);
        for (ImageKey key : all) {
            // The images under the prefix carry the tag too; the one outside another.
            origin.serve(key.value(), Reply.image(TestImages.png(1_500, key.hashCode()), "image/png")
                    .withHeader("Surrogate-Key", key.equals(outside) ? "other-" + tag : tag));
            assertEquals(200, given().urlEncodingEnabled(false).get("/images/" + key.value()).statusCode(), key.value());
        }
        assertEquals(List.of(tag), given().urlEncodingEnabled(false).get("/api/keys/" + under.get(0).value())
                .then().statusCode(200).extract().jsonPath().getList("tags", String.class));

        // Soft: the copies stay, so each purge after it finds every one of them again; the hard purge by tag takes
        // them all, leaving none for the prefix.
        assertEquals(under.size(), purge("prefixes", prefix, true));
        assertEquals(under.size(), purge("tags", tag, true));
        assertEquals(under.size(), purge("tags", tag, false));
        assertEquals(0, purge("prefixes", prefix, false));

        for (ImageKey key : under) {
            Response next = given().urlEncodingEnabled(false).get("/images/" + key.value());
            assertEquals("pansaar; fwd=miss; stored", next.header("Cache-Status"), key.value());
        }
        Response kept = given().urlEncodingEnabled(false).get("/images/" + outside.value());
        assertEquals(1, origin.fetches(outside.value()), "the image outside the prefix is still cached");
        assertEquals(200, kept.statusCode());
    }

    @Test
    void aFirstFetchInFlightDuringAPurgeByPrefixIsFetchedAgainOnEveryShard() throws Exception {
        String prefix = "avatars/cluster-first-" + UUID.randomUUID() + "/";
        // Partitions 0 to 5: their hash tags {0} to {5} fall in the slot ranges of all three primaries.
        Map<Integer, ImageKey> keyPerPartition = new HashMap<>();
        for (int i = 0; keyPerPartition.size() < 6; i++) {
            ImageKey candidate = ImageKey.of(prefix + i + ".png");
            if (partitioner.partitionOf(candidate) < 6) {
                keyPerPartition.putIfAbsent(partitioner.partitionOf(candidate), candidate);
            }
        }
        Map<ImageKey, CompletableFuture<Response>> readers = new HashMap<>();
        for (ImageKey key : keyPerPartition.values()) {
            // The origin holds the first answer, the old content, until the purge has come; then it has new content.
            origin.serveInTurn(key.value(), Reply.image(TestImages.png(1_500, 1), "image/png")
                    .withDelay(Duration.ofMillis(900)), Reply.image(TestImages.png(1_500, 2), "image/png"));
            readers.put(key, CompletableFuture.supplyAsync(() -> given().urlEncodingEnabled(false)
                    .get("/images/" + key.value())));
        }
        await().atMost(Duration.ofSeconds(30))
                .until(() -> readers.keySet().stream().allMatch(key -> origin.fetches(key.value()) == 1));

        assertEquals(0, purge("prefixes", prefix, false));

        for (Map.Entry<ImageKey, CompletableFuture<Response>> reader : readers.entrySet()) {
            Response waited = reader.getValue().get(30, TimeUnit.SECONDS);
            assertEquals(200, waited.statusCode(), reader.getKey().value());
            assertArrayEquals(TestImages.png(1_500, 2), waited.asByteArray(), reader.getKey().value());
            assertEquals(2, origin.fetches(reader.getKey().value()), reader.getKey().value());
        }
    }

    /** Purges one prefix or tag ({@code field} prefixes or tags) through POST /api/purges; returns how many images. */
    private static int purge(String field, String name, boolean soft) {
        return given().contentType(ContentType.JSON).header("Authorization", "Bearer test-admin-token")
                .body(Map.of(field, List.of(name), "soft", soft)).post("/api/purges")
                .then().statusCode(200).extract().jsonPath().getInt("purged");
    }
}
