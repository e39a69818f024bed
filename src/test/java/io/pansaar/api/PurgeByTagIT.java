package io.pansaar.api;

import static io.pansaar.testing.AdminApi.admin;
import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.IntStream;

import org.junit.jupiter.api.Test;

import io.pansaar.key.ImageKey;
import io.pansaar.key.Partitioner;
import io.pansaar.key.RedisKeys;
import io.pansaar.store.ImageStore;
import io.pansaar.testing.InjectTestOrigin;
import io.pansaar.testing.KeysIndex;
import io.pansaar.testing.OperatorControls;
import io.pansaar.testing.PartitionCounters;
import io.pansaar.testing.RedisClock;
import io.pansaar.testing.RedisServerResource;
import io.pansaar.testing.Reply;
import io.pansaar.testing.StoredImages;
import io.pansaar.testing.TestImages;
import io.pansaar.testing.TestKeys;
import io.pansaar.testing.TestOrigin;
import io.pansaar.testing.TestOriginResource;
import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.redis.datasource.stream.StreamMessage;
import io.quarkus.redis.datasource.stream.StreamRange;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import jakarta.inject.Inject;

/**
 * Image tags from the origin's Surrogate-Key and Cache-Tag headers, and {@code POST /api/purges} by tag, against the
 * running application, its worker, a real Redis and a real origin.
 */
@QuarkusTest
@QuarkusTestResource(value = RedisServerResource.class, restrictToAnnotatedClass = true)
@QuarkusTestResource(value = TestOriginResource.class, restrictToAnnotatedClass = true)
class PurgeByTagIT {

    private static final Duration WAIT = Duration.ofSeconds(30);

    @InjectTestOrigin
    TestOrigin origin;

    @Inject
    RedisDataSource redis;

    @Inject
    Partitioner partitioner;

    @Inject
    ImageStore store;

    @Test
    void theOriginsTagsAreShownAndAHardPurgeByOneDeletesTheImageFromEveryIndexAndTheNextReadIsAMiss() {
        String product = unique("product");
        String brand = "brand:" + UUID.randomUUID();
        ImageKey tagged = TestKeys.unique("products", "png");
        ImageKey other = TestKeys.unique("products", "png");
        ImageKey untagged = TestKeys.unique("products", "png");
        byte[] png = TestImages.png(2_000);
        // Both headers, merged; product repeated in the second.
        origin.serve(tagged.value(), Reply.image(png, "image/png").withETag("\"t1\"")
                .withHeader("Surrogate-Key", product + " sale").withHeader("Cache-Tag", brand + ", " + product));
        origin.serve(other.value(), Reply.image(png, "image/png").withHeader("Cache-Tag", brand));
        origin.serve(untagged.value(), Reply.image(png, "image/png"));
        for (ImageKey key : List.of(tagged, other, untagged)) {
            assertEquals(200, read(key).statusCode());
        }
        assertEquals(List.of(product, "sale", brand), tagsShown(tagged));
        assertEquals(List.of(), tagsShown(untagged));
        int partition = partitioner.partitionOf(tagged);
        assertFalse(redis.hash(String.class).hexists(RedisKeys.tags(partitioner.partitionOf(untagged)),
                untagged.value()), "an image without tags takes no field of the tags hash");
        KeysIndex.assertTagIndexesExact(redis, partitioner.partitions(), List.of(product, "sale", brand));
        long purgedBefore = PartitionCounters.of(redis, partition, "purged");
        long scansBefore = OperatorControls.scanAndKeysCalls(redis);

        admin().body(Map.of("tags", List.of(product))).post("/api/purges")
                .then().statusCode(200).contentType(ContentType.JSON)
                .body("purged", equalTo(1)).body("keys.size()", equalTo(0));

        assertFalse(redis.key().exists(RedisKeys.image(partition, tagged)), "the image hash is gone");
        assertTrue(redis.sortedSet(String.class).zscore(RedisKeys.keysIndex(partition), tagged.value()).isEmpty());
        assertNull(redis.hash(String.class).hget(RedisKeys.tags(partition), tagged.value()));
        for (String tag : List.of(product, "sale", brand)) {
            assertTrue(redis.sortedSet(String.class).zscore(RedisKeys.tagIndex(partition, tag), tagged.value())
                    .isEmpty(), "it left the index of " + tag);
        }
        assertEquals(List.of(brand), tagsShown(other), "an image of another of its tags stays");
        KeysIndex.assertTagIndexesExact(redis, partitioner.partitions(), List.of(product, "sale", brand));
        KeysIndex.assertAllMatchPriority(redis, partitioner.partitions());
        assertEquals(purgedBefore + 1, PartitionCounters.of(redis, partition, "purged"));
        assertEquals(scansBefore, OperatorControls.scanAndKeysCalls(redis), "a purge uses neither SCAN nor KEYS");
        assertTrue(events(partition).contains(Map.of("event", "purged", "key", tagged.value(), "mode", "hard",
                "size", String.valueOf(png.length), "etag", "\"t1\"")), "a purged event: " + events(partition));

        Response next = read(tagged);
        assertEquals("pansaar; fwd=miss; stored", next.header("Cache-Status"));
        assertArrayEquals(png, next.asByteArray());
        assertEquals(2, origin.fetches(tagged.value()));
        assertEquals(List.of(product, "sale", brand), tagsShown(tagged), "the refetched copy is tagged again");
    }

    @Test
    void aSoftPurgeByTagServesTheCopyStaleAndItsRefreshIsAConditionalGetAnswered304ThatKeepsTheTags() {
        String campaign = unique("campaign");
        ImageKey key = TestKeys.unique("banners", "png");
        byte[] png = TestImages.png(3_000);
        origin.serve(key.value(), Reply.image(png, "image/png").withETag("\"v1\"")
                .withHeader("Surrogate-Key", campaign + " banner"));
        assertEquals(200, read(key).statusCode());
        int partition = partitioner.partitionOf(key);
        long softBefore = PartitionCounters.of(redis, partition, "soft-purged");

        admin().body(Map.of("tags", List.of(campaign), "soft", true)).post("/api/purges")
                .then().statusCode(200).body("purged", equalTo(1));
        assertTrue(redis.key().exists(RedisKeys.image(partition, key)), "the copy stays");
        assertEquals(softBefore + 1, PartitionCounters.of(redis, partition, "soft-purged"));
        assertEquals(List.of(campaign, "banner"), tagsShown(key), "a soft purge keeps the tags");

        Response stale = read(key);
        assertEquals("pansaar; hit; detail=stale", stale.header("Cache-Status"));
        assertArrayEquals(png, stale.asByteArray());
        await().atMost(WAIT).until(() -> read(key).header("Cache-Status").startsWith("pansaar; hit; ttl="));
        assertEquals(2, origin.fetches(key.value()), "one refresh after the purge");
        assertEquals("\"v1\"", origin.requests(key.value()).get(1).header("If-None-Match").orElseThrow(),
                "the refresh is a conditional GET");
        assertEquals(304, origin.deliveries(key.value()).get(1).status());
        // The 304 carries no tag header; the image keeps the tags its 200 gave it, and stays in their indexes.
        assertEquals(List.of(campaign, "banner"), tagsShown(key));
        KeysIndex.assertTagIndexesExact(redis, partitioner.partitions(), List.of(campaign, "banner"));
        admin().body(Map.of("tags", List.of(campaign))).post("/api/purges")
                .then().statusCode(200).body("purged", equalTo(1));
        assertFalse(redis.key().exists(RedisKeys.image(partition, key)), "still reachable by its tag after the 304");
    }

    @Test
    void anImageWhoseTagsChangeOnRefetchLeavesTheIndexesOfTagsItNoLongerHasAndANegativeEntryLeavesThemAll() {
        String old = unique("old");
        String kept = unique("kept");
        String fresh = unique("new");
        ImageKey key = TestKeys.unique("products", "png");
        origin.serveInTurn(key.value(),
                Reply.image(TestImages.png(2_000, 1), "image/png").withETag("\"a\"")
                        .withHeader("Surrogate-Key", old + " " + kept),
                Reply.image(TestImages.png(2_000, 2), "image/png").withETag("\"b\"")
                        .withHeader("Cache-Tag", kept + "," + fresh),
                Reply.image(TestImages.png(2_000, 3), "image/png").withETag("\"c\""));
        int partition = partitioner.partitionOf(key);
        assertEquals(200, read(key).statusCode());
        assertEquals(List.of(old, kept), tagsShown(key));

        regenerateAndAwait(key, "\"b\"");
        assertEquals(List.of(kept, fresh), tagsShown(key));
        assertTrue(redis.sortedSet(String.class).zscore(RedisKeys.tagIndex(partition, old), key.value()).isEmpty());
        KeysIndex.assertTagIndexesExact(redis, partitioner.partitions(), List.of(old, kept, fresh));
        admin().body(Map.of("tags", List.of(old))).post("/api/purges")
                .then().statusCode(200).body("purged", equalTo(0));
        assertTrue(redis.key().exists(RedisKeys.image(partition, key)), "a tag it no longer has does not reach it");

        regenerateAndAwait(key, "\"c\"");
        assertEquals(List.of(), tagsShown(key));
        assertFalse(redis.hash(String.class).hexists(RedisKeys.tags(partition), key.value()),
                "a copy without tags takes no field of the tags hash");
        KeysIndex.assertTagIndexesExact(redis, partitioner.partitions(), List.of(old, kept, fresh));

        // Tagged again, then replaced by a remembered 404: it leaves every tag's index.
        origin.serveInTurn(key.value(), Reply.image(TestImages.png(2_000, 4), "image/png").withETag("\"d\"")
                .withHeader("Surrogate-Key", kept), Reply.status(404));
        regenerateAndAwait(key, "\"d\"");
        assertEquals(List.of(kept), tagsShown(key));
        admin().body(Map.of("key", key.value())).post("/api/regenerations").then().statusCode(202);
        await().atMost(WAIT).until(() -> "404".equals(StoredImages.metaField(redis, RedisKeys.image(partition, key),
                "status")));
        assertNull(redis.hash(String.class).hget(RedisKeys.tags(partition), key.value()));
        KeysIndex.assertTagIndexesExact(redis, partitioner.partitions(), List.of(old, kept, fresh));
    }

    @Test
    void tagsThatBreakTheRulesAreDroppedAndCountedAndTheImageIsStoredWithTheOthers() {
        String good = unique("good");
        ImageKey key = TestKeys.unique("products", "png");
        List<String> many = IntStream.range(0, 40).mapToObj(i -> "many-" + i).toList();
        origin.serve(key.value(), Reply.image(TestImages.png(1_500), "image/png")
                .withHeader("Surrogate-Key", good + " bad!tag " + "x".repeat(129) + " {p}")
                .withHeader("Cache-Tag", String.join(", ", many)));
        double droppedBefore = droppedTags();

        Response first = read(key);
        assertEquals(200, first.statusCode(), "no image is lost for a bad tag");
        List<String> expected = new ArrayList<>(List.of(good));
        expected.addAll(many.subList(0, 31));
        assertEquals(expected, tagsShown(key), "the valid ones, the first 32");
        // Three that break the rules and the nine valid ones beyond the 32nd.
        assertEquals(droppedBefore + 12, droppedTags());
        KeysIndex.assertTagIndexesExact(redis, partitioner.partitions(), List.of(good, "many-31", "many-39"));
    }

    @Test
    void aHardPurgeByTagsGoesThroughEveryPartitionInBatchesAndUnindexesTheImagesRedisHasExpired() {
        String tag = unique("bulk");
        String elsewhere = unique("elsewhere");
        String kept = unique("kept");
        String shared = unique("shared");
        // 230 in partition 0, more than two of pansaar_purge_tag's batches of 100, and 20 anywhere.
        List<ImageKey> tagged = taggedKeys(230, 20);
        List<ImageKey> other = TestKeys.inPartition(partitioner, 0, "products/" + UUID.randomUUID() + "/", 5);
        List<ImageKey> untouched = TestKeys.inPartition(partitioner, 0, "products/" + UUID.randomUUID() + "/", 3);
        StoredImages.writeAll(store, tagged, 500, Duration.ofHours(1), 16, List.of(tag, shared));
        StoredImages.writeAll(store, other, 500, Duration.ofHours(1), 16, List.of(elsewhere, shared));
        StoredImages.writeAll(store, untouched, 500, Duration.ofHours(1), 16, List.of(kept, shared));
        ImageKey expired = tagged.get(7);
        // As Redis expiring the hash would, before the sweep has seen it: its tags are still known from the tags hash.
        redis.key().del(RedisKeys.image(0, expired));
        long purgedBefore = PartitionCounters.sum(redis, partitioner.partitions(), "purged");
        long expiredBefore = PartitionCounters.of(redis, 0, "expired");
        long scansBefore = OperatorControls.scanAndKeysCalls(redis);

        admin().body(Map.of("tags", List.of(tag, elsewhere))).post("/api/purges")
                .then().statusCode(200).body("purged", equalTo(tagged.size() - 1 + other.size()));

        for (ImageKey key : tagged) {
            assertFalse(redis.key().exists(RedisKeys.image(partitioner.partitionOf(key), key)), key + " is gone");
        }
        for (ImageKey key : untouched) {
            assertTrue(redis.key().exists(RedisKeys.image(0, key)), key + " has neither tag");
        }
        assertEquals(purgedBefore + tagged.size() - 1 + other.size(),
                PartitionCounters.sum(redis, partitioner.partitions(), "purged"));
        assertEquals(expiredBefore + 1, PartitionCounters.of(redis, 0, "expired"),
                "the expired image was unindexed as the sweep would");
        assertNull(redis.hash(String.class).hget(RedisKeys.tags(0), expired.value()));
        assertEquals(0, tagIndexSize(tag));
        assertEquals(0, tagIndexSize(elsewhere));
        assertEquals(untouched.size(), tagIndexSize(shared), "the images left the index of their other tag too");
        KeysIndex.assertTagIndexesExact(redis, partitioner.partitions(), List.of(tag, elsewhere, kept, shared));
        KeysIndex.assertAllMatchPriority(redis, partitioner.partitions());
        assertEquals(scansBefore, OperatorControls.scanAndKeysCalls(redis), "a purge uses neither SCAN nor KEYS");
    }

    @Test
    void aSoftPurgeByTagMarksEveryImageWithItStaleInBatchesAndKeepsThemInItsIndex() {
        String tag = unique("seasonal");
        List<ImageKey> tagged = taggedKeys(150, 10);
        StoredImages.writeAll(store, tagged, 500, Duration.ofHours(1), 16, List.of(tag));
        long softBefore = PartitionCounters.sum(redis, partitioner.partitions(), "soft-purged");
        long startedAt = RedisClock.millis(redis);

        admin().body(Map.of("tags", List.of(tag), "soft", true)).post("/api/purges")
                .then().statusCode(200).body("purged", equalTo(tagged.size()));

        for (ImageKey key : tagged) {
            String image = RedisKeys.image(partitioner.partitionOf(key), key);
            assertTrue(redis.key().exists(image), key + " stays");
            long freshUntil = Long.parseLong(StoredImages.metaField(redis, image, "fresh-until"));
            assertTrue(freshUntil <= RedisClock.millis(redis) && freshUntil >= startedAt,
                    key + " is stale from the purge on");
        }
        assertEquals(softBefore + tagged.size(), PartitionCounters.sum(redis, partitioner.partitions(), "soft-purged"));
        assertEquals(tagged.size(), tagIndexSize(tag), "a soft purge keeps the images in the index");
        KeysIndex.assertTagIndexesExact(redis, partitioner.partitions(), List.of(tag));
    }

    @Test
    void aPurgeByTagTakesAnImageThatLeftWithoutItsTagsOutOfTheTagsIndex() {
        String tag = unique("orphan");
        ImageKey gone = TestKeys.unique("products", "png");
        int partition = partitioner.partitionOf(gone);
        // As when the tags hash lost the image's field (an allkeys-* policy) before the image left: the index of its
        // tag still lists it, and nothing else does.
        redis.sortedSet(String.class).zadd(RedisKeys.tagIndex(partition, tag), 0, gone.value());

        admin().body(Map.of("tags", List.of(tag))).post("/api/purges")
                .then().statusCode(200).body("purged", equalTo(0));

        assertEquals(0, tagIndexSize(tag), "the purge took it out");
    }

    @Test
    void aBadTagInThePurgeRequestIsA400ProblemNamingItAndPurgesNothing() {
        String tag = unique("kept");
        ImageKey key = TestKeys.unique("products", "png");
        origin.serve(key.value(), Reply.image(TestImages.png(1_000), "image/png").withHeader("Surrogate-Key", tag));
        assertEquals(200, read(key).statusCode());
        String t = "\"" + tag + "\"";

        assertBadRequest("{\"tags\": [" + t + ", \"bad tag\"]}",
                "tags[1] is not a valid tag: tag holds a character other than A-Z a-z 0-9 . _ : / -");
        assertBadRequest("{\"tags\": [" + t + ", \"\"]}", "tags[1] is not a valid tag: tag is empty");
        assertBadRequest("{\"tags\": [\"" + "x".repeat(129) + "\", " + t + "]}",
                "tags[0] is not a valid tag: tag is 129 characters long, the most is 128");
        assertBadRequest("{\"tags\": [" + t + ", " + t + "]}", "tags[1] (" + tag + ") appears more than once");
        assertBadRequest("{\"tags\": [" + t + ", 7]}", "field 'tags[1]' must be a JSON string, was a number (7)");
        assertBadRequest("{\"tags\": " + t + "}", "field 'tags' must be a JSON array of tags, was a string");
        assertBadRequest("{\"tags\": []}", "names no key, prefix or tag to purge");
        List<String> tooMany = new ArrayList<>(List.of(tag));
        IntStream.range(0, 100).forEach(i -> tooMany.add("too-many-" + i));
        String problem = admin().body(Map.of("tags", tooMany)).post("/api/purges")
                .then().statusCode(400).extract().jsonPath().getString("detail");
        assertTrue(problem.contains("at most 100 tags"), problem);

        assertTrue(redis.key().exists(RedisKeys.image(partitioner.partitionOf(key), key)), "nothing was purged");
    }

    private void regenerateAndAwait(ImageKey key, String etag) {
        admin().body(Map.of("key", key.value())).post("/api/regenerations").then().statusCode(202);
        String image = RedisKeys.image(partitioner.partitionOf(key), key);
        await().atMost(WAIT).until(() -> etag.equals(StoredImages.metaField(redis, image, "etag")));
    }

    private static List<String> tagsShown(ImageKey key) {
        return given().urlEncodingEnabled(false).get("/api/keys/" + key.value())
                .then().statusCode(200).extract().jsonPath().getList("tags", String.class);
    }

    /** {@code inPartitionZero} new keys of partition 0, then {@code anywhere} new keys of any partition. */
    private List<ImageKey> taggedKeys(int inPartitionZero, int anywhere) {
        List<ImageKey> keys = new ArrayList<>(
                TestKeys.inPartition(partitioner, 0, "products/" + UUID.randomUUID() + "/", inPartitionZero));
        IntStream.range(0, anywhere).forEach(i -> keys.add(TestKeys.unique("products", "png")));
        return keys;
    }

    /** How many images the index of the tag holds, over every partition. */
    private long tagIndexSize(String tag) {
        return IntStream.range(0, partitioner.partitions())
                .mapToLong(partition -> redis.sortedSet(String.class).zcard(RedisKeys.tagIndex(partition, tag))).sum();
    }

    private static String unique(String stem) {
        return stem + "-" + UUID.randomUUID();
    }

    private List<Map<String, String>> events(int partition) {
        List<Map<String, String>> events = new ArrayList<>();
        for (StreamMessage<String, String, String> message : redis.stream(String.class)
                .xrange(RedisKeys.events(partition), StreamRange.of("-", "+"))) {
            Map<String, String> event = new java.util.HashMap<>(message.payload());
            event.remove("at");
            events.add(event);
        }
        return events;
    }

    /** This process's pansaar_origin_tags_dropped_total. */
    private static double droppedTags() {
        String metrics = given().get("/q/metrics").then().statusCode(200).extract().asString();
        Matcher value = Pattern.compile("(?m)^pansaar_origin_tags_dropped_total(?:\\{[^}]*\\})? (\\S+)$")
                .matcher(metrics);
        assertTrue(value.find(), "pansaar_origin_tags_dropped_total is exposed");
        return Double.parseDouble(value.group(1));
    }

    private void assertBadRequest(String body, String problem) {
        String detail = admin().body(body).post("/api/purges")
                .then().statusCode(400).contentType(Problem.MEDIA_TYPE)
                .extract().jsonPath().getString("detail");
        assertTrue(detail.contains(problem), "detail '" + detail + "' lacks '" + problem + "'");
    }

    private static Response read(ImageKey key) {
        return given().urlEncodingEnabled(false).get("/images/" + key.value());
    }

}
