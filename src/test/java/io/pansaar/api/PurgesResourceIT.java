package io.pansaar.api;

import static io.pansaar.testing.AdminApi.admin;
import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import java.util.stream.IntStream;

import org.junit.jupiter.api.Test;

import io.pansaar.key.ImageKey;
import io.pansaar.key.Partitioner;
import io.pansaar.key.RedisKeys;
import io.pansaar.store.ImageLayout;
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
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import io.restassured.response.Response;
import jakarta.inject.Inject;

/** {@code POST /api/purges} against the running application, its worker, a real Redis and a real origin. */
@QuarkusTest
@QuarkusTestResource(value = RedisServerResource.class, restrictToAnnotatedClass = true)
@QuarkusTestResource(value = TestOriginResource.class, restrictToAnnotatedClass = true)
class PurgesResourceIT {

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
    void aHardPurgeDeletesTheImageAndItsIndexEntriesAndTheNextReadIsAMiss() {
        ImageKey key = TestKeys.unique("avatars", "png");
        ImageKey never = TestKeys.unique("avatars", "png");
        byte[] png = TestImages.png(3_000);
        origin.serve(key.value(), Reply.image(png, "image/png").withETag("\"v1\""));
        assertEquals(200, read(key).statusCode());
        int partition = partitioner.partitionOf(key);
        String image = RedisKeys.image(partition, key);
        long bytesBefore = StoredImages.usedBytes(redis, partition);
        String historyBefore = redis.hash(String.class).hget(RedisKeys.histories(partition), key.value());
        assertTrue(historyBefore.endsWith(":" + ImageLayout.chargedBytes(key.value().length(), png.length)), historyBefore);
        long purgedBefore = PartitionCounters.of(redis, partition, "purged");
        long purgedInTotalBefore = statusTotal("purged");
        long scansBefore = OperatorControls.scanAndKeysCalls(redis);

        admin().body(Map.of("keys", List.of(key.value(), never.value()))).post("/api/purges")
                .then().statusCode(200).contentType(ContentType.JSON)
                .body("purged", equalTo(1))
                .body("keys[0].key", equalTo(key.value())).body("keys[0].partition", equalTo(partition))
                .body("keys[0].outcome", equalTo("purged")).body("keys[0].refetchJobId", nullValue())
                .body("keys[1].key", equalTo(never.value())).body("keys[1].outcome", equalTo("absent"));

        assertEquals(0, redis.key().exists(image) ? 1 : 0, "the image hash is gone");
        assertTrue(redis.sortedSet(String.class).zscore(RedisKeys.priorityIndex(partition), key.value()).isEmpty());
        assertTrue(redis.sortedSet(String.class).zscore(RedisKeys.schedule(partition), key.value()).isEmpty());
        // The change history stays, without its charge, as for an evicted image; the charge leaves the used bytes.
        String history = redis.hash(String.class).hget(RedisKeys.histories(partition), key.value());
        assertEquals(historyBefore.substring(0, historyBefore.lastIndexOf(':')), history);
        assertTrue(redis.sortedSet(String.class).zscore(RedisKeys.departed(partition), key.value()).isPresent());
        assertEquals(bytesBefore - ImageLayout.chargedBytes(key.value().length(), png.length), StoredImages.usedBytes(redis, partition));
        assertEquals(purgedBefore + 1, PartitionCounters.of(redis, partition, "purged"));
        // The status may be up to a second old.
        await().atMost(WAIT).until(() -> statusTotal("purged") == purgedInTotalBefore + 1);
        assertEquals(scansBefore, OperatorControls.scanAndKeysCalls(redis), "a purge uses neither SCAN nor KEYS");

        Response next = read(key);
        assertEquals(200, next.statusCode());
        assertEquals("pansaar; fwd=miss; stored", next.header("Cache-Status"));
        assertArrayEquals(png, next.asByteArray());
        assertEquals(2, origin.fetches(key.value()));
    }

    @Test
    void aSoftPurgeServesTheCopyStaleAtOnceAndRefreshesItOnceWithAConditionalGet() {
        ImageKey key = TestKeys.unique("avatars", "png");
        byte[] png = TestImages.png(4_000);
        // Slow enough that the reads below come while the refresh is still under way.
        origin.serve(key.value(), Reply.image(png, "image/png").withETag("\"v1\"").withDelay(Duration.ofMillis(500)));
        assertEquals(200, read(key).statusCode());
        int partition = partitioner.partitionOf(key);
        long softBefore = PartitionCounters.of(redis, partition, "soft-purged");
        long softInTotalBefore = statusTotal("softPurged");

        admin().body(Map.of("keys", List.of(key.value()), "soft", true)).post("/api/purges")
                .then().statusCode(200).body("purged", equalTo(1)).body("keys[0].outcome", equalTo("marked-stale"));
        assertTrue(redis.key().exists(RedisKeys.image(partition, key)), "the copy stays");
        assertEquals(softBefore + 1, PartitionCounters.of(redis, partition, "soft-purged"));
        await().atMost(WAIT).until(() -> statusTotal("softPurged") == softInTotalBefore + 1);

        // Every read gets the copy at once, marked stale; together they cause one refresh.
        for (int i = 0; i < 5; i++) {
            Response stale = read(key);
            assertEquals(200, stale.statusCode());
            assertEquals("pansaar; hit; detail=stale", stale.header("Cache-Status"));
            assertArrayEquals(png, stale.asByteArray());
        }
        await().atMost(WAIT).until(() -> read(key).header("Cache-Status").startsWith("pansaar; hit; ttl="));
        assertEquals(2, origin.fetches(key.value()), "one refresh after the purge");
        TestOrigin.Request refresh = origin.requests(key.value()).get(1);
        assertEquals("\"v1\"", refresh.header("If-None-Match").orElseThrow(), "the refresh is a conditional GET");
        TestOrigin.Delivery answered = origin.deliveries(key.value()).get(1);
        assertEquals(304, answered.status());
        assertEquals(0, answered.bodyBytesSent(), "an unchanged image costs no body bytes");
    }

    @Test
    void aFetchThatBeganBeforeAPurgeNeverWritesAndTheImageIsFetchedAgainOnce() {
        ImageKey key = TestKeys.unique("banners", "png");
        byte[] old = TestImages.png(5_000, 1);
        byte[] fresh = TestImages.png(5_000, 2);
        // The origin's content changes while the first fetch is slow; the second fetch, slower still (both within the
        // test's 2 s origin timeout), ends after the first, so when the first one writes no newer copy guards the key
        // and only the purge can refuse it.
        origin.serveInTurn(key.value(), Reply.image(old, "image/png").withDelay(Duration.ofMillis(1_000)),
                Reply.image(fresh, "image/png").withDelay(Duration.ofMillis(1_800)));
        int partition = partitioner.partitionOf(key);
        String marker = RedisKeys.marker(partition, key);
        admin().body(Map.of("key", key.value())).post("/api/regenerations").then().statusCode(202);
        // The marker says the job is claimed; the origin's count says its request took the first reply. Purging
        // before that would let the job the purge enqueues reach the origin first and take the old content.
        await().atMost(WAIT).until(() -> String.valueOf(redis.value(String.class).get(marker)).startsWith("fetching:")
                && origin.fetches(key.value()) == 1);

        JsonPath purge = admin().body(Map.of("keys", List.of(key.value()))).post("/api/purges")
                .then().statusCode(200).body("purged", equalTo(0)).body("keys[0].outcome", equalTo("absent"))
                .extract().jsonPath();
        assertNotNull(purge.getString("keys[0].refetchJobId"), "the purge enqueues one job to fetch the key again");

        String image = RedisKeys.image(partition, key);
        await().atMost(WAIT).pollInterval(Duration.ofMillis(20)).until(() -> {
            byte[] body = redis.hash(String.class, String.class, byte[].class).hget(image, "body");
            assertFalse(body != null && Arrays.equals(old, body), "the fetch that began before the purge wrote its bytes");
            return body != null && Arrays.equals(fresh, body);
        });
        assertEquals(2, origin.fetches(key.value()), "fetched once more after the purge");
        assertTrue(origin.deliveries(key.value()).stream().allMatch(TestOrigin.Delivery::complete), "both fetches finished");
        assertArrayEquals(fresh, read(key).asByteArray());
    }

    @Test
    void aFirstFetchThatBeganBeforeAPurgeByPrefixNeverWritesAndTheWaitingReaderGetsTheImageFetchedAgain()
            throws Exception {
        String prefix = "avatars/x" + UUID.randomUUID();
        assertAFirstFetchInFlightIsFencedBy(ImageKey.of(prefix + "/1.png"), Map.of("prefixes", List.of(prefix)),
                reply -> reply);
    }

    @Test
    void aFirstFetchThatBeganBeforeAPurgeByTagItsAnswerCarriesNeverWritesAndTheReaderGetsTheImageFetchedAgain()
            throws Exception {
        String tag = "product-" + UUID.randomUUID();
        assertAFirstFetchInFlightIsFencedBy(TestKeys.unique("products", "png"), Map.of("tags", List.of(tag)),
                reply -> reply.withHeader("Surrogate-Key", tag + " sale"));
    }

    /**
     * A reader's miss starts the first fetch of {@code key} (no copy, so in no index), which the origin holds; the
     * purge is posted meanwhile, and the origin's content changes. The held answer, the old content, is never written:
     * the image is fetched once more, and the waiting reader, then every reader, gets the new content.
     */
    private void assertAFirstFetchInFlightIsFencedBy(ImageKey key, Map<String, List<String>> purge,
            UnaryOperator<Reply> answer) throws Exception {
        byte[] old = TestImages.png(5_000, 1);
        byte[] fresh = TestImages.png(5_000, 2);
        origin.serveInTurn(key.value(), answer.apply(Reply.image(old, "image/png").withDelay(Duration.ofMillis(900))),
                answer.apply(Reply.image(fresh, "image/png")));
        int partition = partitioner.partitionOf(key);
        String marker = RedisKeys.marker(partition, key);
        CompletableFuture<Response> reader = CompletableFuture.supplyAsync(() -> read(key));
        // The fetch is claimed and the origin holds its answer, the old content, when the purge comes.
        await().atMost(WAIT).until(() -> String.valueOf(redis.value(String.class).get(marker)).startsWith("fetching:")
                && origin.fetches(key.value()) == 1);

        admin().body(purge).post("/api/purges").then().statusCode(200).body("purged", equalTo(0));

        Response waited = reader.get(WAIT.toSeconds(), TimeUnit.SECONDS);
        assertEquals(200, waited.statusCode());
        assertArrayEquals(fresh, waited.asByteArray(), "the waiting reader got the image fetched after the purge");
        assertEquals(2, origin.fetches(key.value()), "fetched once more after the purge");
        assertTrue(origin.deliveries(key.value()).stream().allMatch(TestOrigin.Delivery::complete), "both fetches finished");
        assertArrayEquals(fresh, redis.hash(String.class, String.class, byte[].class)
                .hget(RedisKeys.image(partition, key), "body"));
        assertEquals(1L, regeneratedEvents(partition, key), "only the fetch after the purge wrote");
        assertArrayEquals(fresh, read(key).asByteArray());
    }

    @Test
    void aRevalidationThatBeganBeforeASoftPurgeCannotMakeThePurgedCopyFreshAgain() {
        ImageKey key = TestKeys.unique("banners", "png");
        byte[] v1 = TestImages.png(3_000, 1);
        byte[] v2 = TestImages.png(3_000, 2);
        origin.serve(key.value(), Reply.image(v1, "image/png").withETag("\"v1\""));
        assertEquals(200, read(key).statusCode());
        // The refresh in flight at the purge is answered 304, slowly; the one after it finds new content and, slower
        // still (both within the test's 2 s origin timeout), ends after it, so only the purge can refuse the 304.
        origin.serveInTurn(key.value(),
                Reply.image(v1, "image/png").withETag("\"v1\"").withDelay(Duration.ofMillis(800)),
                Reply.image(v2, "image/png").withETag("\"v2\"").withDelay(Duration.ofMillis(1_500)));
        int partition = partitioner.partitionOf(key);
        String marker = RedisKeys.marker(partition, key);
        admin().body(Map.of("key", key.value(), "reason", "refresh")).post("/api/regenerations").then().statusCode(202);
        // Claimed, and its conditional GET has taken the slow 304 (the first read made the first request).
        await().atMost(WAIT).until(() -> String.valueOf(redis.value(String.class).get(marker)).startsWith("fetching:")
                && origin.fetches(key.value()) == 2);

        JsonPath purge = admin().body(Map.of("keys", List.of(key.value()), "soft", true)).post("/api/purges")
                .then().statusCode(200).body("keys[0].outcome", equalTo("marked-stale")).extract().jsonPath();
        long purgedBy = System.currentTimeMillis();
        assertNotNull(purge.getString("keys[0].refetchJobId"));

        String image = RedisKeys.image(partition, key);
        // One read of the meta per poll (the body and its ETag are written together): a second read could see the
        // copy that replaced the one the first read saw.
        await().atMost(WAIT).pollInterval(Duration.ofMillis(20)).until(() -> {
            Map<String, String> meta = StoredImages.meta(redis, image);
            long freshUntil = Long.parseLong(meta.get("fresh-until"));
            assertFalse("\"v1\"".equals(meta.get("etag")) && freshUntil > purgedBy,
                    "the 304 of the earlier fetch made the purged copy fresh: " + meta);
            return "\"v2\"".equals(meta.get("etag"));
        });
        assertArrayEquals(v2, redis.hash(String.class, String.class, byte[].class).hget(image, "body"));
        assertEquals(3, origin.fetches(key.value()), "the first fetch, the refused revalidation and the fetch after the purge");
        assertEquals(List.of(200, 304, 200), origin.deliveries(key.value()).stream().map(TestOrigin.Delivery::status).toList(),
                "the 304 came back before the new content");
    }

    @Test
    void aHardPurgeByPrefixDeletesEveryImageUnderItInEveryPartitionInBatchesAndNothingElse() {
        String prefix = "avatars/" + UUID.randomUUID() + "/";
        // 230 in partition 0, more than two of pansaar_purge_prefix's batches of 100, and 20 in any partition.
        List<ImageKey> under = new ArrayList<>(TestKeys.inPartition(partitioner, 0, prefix + "a", 230));
        IntStream.range(0, 20).forEach(i -> under.add(ImageKey.of(prefix + "b/" + i + ".png")));
        // Keys that share all but the prefix's last character, sorting on either side of the keys under it.
        String stem = prefix.substring(0, prefix.length() - 1);
        List<ImageKey> outside = new ArrayList<>(TestKeys.inPartition(partitioner, 0, stem + "0/", 3));
        outside.addAll(TestKeys.inPartition(partitioner, 0, stem + "-/", 3));
        outside.add(ImageKey.of(stem + ".png"));
        StoredImages.writeAll(store, under, 500, Duration.ofHours(1), 16);
        StoredImages.writeAll(store, outside, 500, Duration.ofHours(1), 16);
        long purgedBefore = PartitionCounters.sum(redis, partitioner.partitions(), "purged");
        long usedBefore = totalUsedBytes();
        long scansBefore = OperatorControls.scanAndKeysCalls(redis);

        admin().body(Map.of("prefixes", List.of(prefix))).post("/api/purges")
                .then().statusCode(200).body("purged", equalTo(under.size())).body("keys.size()", equalTo(0));

        for (ImageKey key : under) {
            int partition = partitioner.partitionOf(key);
            assertFalse(redis.key().exists(RedisKeys.image(partition, key)), key + " is gone");
            assertTrue(redis.sortedSet(String.class).zscore(RedisKeys.keysIndex(partition), key.value()).isEmpty());
        }
        for (ImageKey key : outside) {
            int partition = partitioner.partitionOf(key);
            assertTrue(redis.key().exists(RedisKeys.image(partition, key)), key + " is not under the prefix");
            assertTrue(redis.sortedSet(String.class).zscore(RedisKeys.keysIndex(partition), key.value()).isPresent());
        }
        KeysIndex.assertAllMatchPriority(redis, partitioner.partitions());
        assertEquals(purgedBefore + under.size(), PartitionCounters.sum(redis, partitioner.partitions(), "purged"));
        assertEquals(usedBefore - under.stream().mapToLong(key -> ImageLayout.chargedBytes(key.value().length(), 500))
                .sum(), totalUsedBytes(), "their charges left the used bytes");
        assertEquals(scansBefore, OperatorControls.scanAndKeysCalls(redis), "a purge uses neither SCAN nor KEYS");

        admin().body(Map.of("prefixes", List.of(prefix))).post("/api/purges")
                .then().statusCode(200).body("purged", equalTo(0));
    }

    @Test
    void aSoftPurgeByPrefixMarksEveryImageUnderItStaleAndKeepsThemIndexed() {
        String prefix = "avatars/" + UUID.randomUUID() + "/";
        List<ImageKey> under = new ArrayList<>(TestKeys.inPartition(partitioner, 3, prefix, 150));
        IntStream.range(0, 10).forEach(i -> under.add(ImageKey.of(prefix + "any/" + i + ".png")));
        List<ImageKey> outside = TestKeys.inPartition(partitioner, 3, prefix.substring(0, prefix.length() - 1) + "0/",
                2);
        StoredImages.writeAll(store, under, 500, Duration.ofHours(1), 16);
        StoredImages.writeAll(store, outside, 500, Duration.ofHours(1), 16);
        long softBefore = PartitionCounters.sum(redis, partitioner.partitions(), "soft-purged");
        long startedAt = RedisClock.millis(redis);

        // With a key named beside the prefix: purged counts both, each image once.
        ImageKey named = outside.get(0);
        admin().body(Map.of("keys", List.of(named.value()), "prefixes", List.of(prefix), "soft", true))
                .post("/api/purges")
                .then().statusCode(200).body("purged", equalTo(under.size() + 1))
                .body("keys.size()", equalTo(1)).body("keys[0].outcome", equalTo("marked-stale"));

        for (ImageKey key : under) {
            int partition = partitioner.partitionOf(key);
            String image = RedisKeys.image(partition, key);
            assertTrue(redis.key().exists(image), key + " stays");
            long freshUntil = Long.parseLong(StoredImages.metaField(redis, image, "fresh-until"));
            assertTrue(freshUntil <= RedisClock.millis(redis) && freshUntil >= startedAt,
                    key + " is stale from the purge on");
        }
        ImageKey untouched = outside.get(1);
        assertTrue(Long.parseLong(StoredImages.metaField(redis, RedisKeys.image(3, untouched), "fresh-until"))
                > RedisClock.millis(redis) + Duration.ofMinutes(30).toMillis(),
                "an image outside the prefix stays fresh");
        KeysIndex.assertAllMatchPriority(redis, partitioner.partitions());
        for (ImageKey key : under) {
            assertTrue(redis.sortedSet(String.class).zscore(RedisKeys.keysIndex(partitioner.partitionOf(key)),
                    key.value()).isPresent(), key + " stays in the keys index");
        }
        assertEquals(softBefore + under.size() + 1,
                PartitionCounters.sum(redis, partitioner.partitions(), "soft-purged"));
    }

    @Test
    void aPurgeByPrefixUnindexesTheImagesRedisHasExpiredAsTheSweepWould() {
        String prefix = "avatars/" + UUID.randomUUID() + "/";
        List<ImageKey> under = TestKeys.inPartition(partitioner, 5, prefix, 3);
        StoredImages.writeAll(store, under, 500, Duration.ofHours(1), 3);
        ImageKey expired = under.get(1);
        // As Redis expiring the hash would, before the sweep has seen it.
        redis.key().del(RedisKeys.image(5, expired));
        long expiredBefore = PartitionCounters.of(redis, 5, "expired");

        admin().body(Map.of("prefixes", List.of(prefix))).post("/api/purges")
                .then().statusCode(200).body("purged", equalTo(2));

        assertTrue(redis.sortedSet(String.class).zscore(RedisKeys.priorityIndex(5), expired.value()).isEmpty());
        assertTrue(redis.sortedSet(String.class).zscore(RedisKeys.schedule(5), expired.value()).isEmpty());
        assertNull(StoredImages.charged(redis, 5).get(expired.value()), "its charge left with it");
        assertEquals(expiredBefore + 1, PartitionCounters.of(redis, 5, "expired"));
        KeysIndex.assertMatchesPriority(redis, 5);
    }

    @Test
    void badRequestsAre400ProblemsNamingTheBadItemAndPurgeNothing() {
        ImageKey kept = TestKeys.unique("avatars", "png");
        origin.serve(kept.value(), Reply.image(TestImages.png(1_000), "image/png"));
        assertEquals(200, read(kept).statusCode());
        String k = "\"" + kept.value() + "\"";

        assertBadRequest("{\"keys\": [" + k + ", \"avatars/../x.png\"]}", "keys[1] is not a valid image key");
        assertBadRequest("{\"keys\": [" + k + ", 7]}", "field 'keys[1]' must be a JSON string, was a number (7)");
        assertBadRequest("{\"keys\": [" + k + ", " + k + "]}", "keys[1] (" + kept.value() + ") appears more than once");
        assertBadRequest("{\"keys\": []}", "names no key, prefix or tag to purge");
        assertBadRequest("{\"soft\": true}", "names no key, prefix or tag to purge");
        assertBadRequest("{\"keys\": " + k + "}", "field 'keys' must be a JSON array of image keys, was a string");
        assertBadRequest("{\"keys\": [" + k + "], \"soft\": \"yes\"}", "field 'soft' must be true or false");
        assertBadRequest("{\"prefixes\": [\"avatars//\"]}", "prefixes[0] is not the start of a valid image key: "
                + "key has an empty path element");
        assertBadRequest("{\"prefixes\": [\"\"]}",
                "prefixes[0] is not the start of a valid image key: prefix is empty");
        assertBadRequest("{\"prefixes\": [\"/avatars\"]}", "key starts with '/'");
        assertBadRequest("{\"prefixes\": [\"avatars/../\"]}", "key has a '..' path element");
        assertBadRequest("{\"prefixes\": [\"avatars/\", \"avatars/\"]}",
                "prefixes[1] (avatars/) appears more than once");
        assertBadRequest("{\"prefixes\": \"avatars/\"}", "field 'prefixes' must be a JSON array of key prefixes");
        assertBadRequest("{\"prefixes\": []}", "names no key, prefix or tag to purge");
        List<String> tooManyPrefixes = IntStream.range(0, 101).mapToObj(i -> "avatars/too-many-" + i).toList();
        String prefixProblem = admin().body(Map.of("prefixes", tooManyPrefixes)).post("/api/purges")
                .then().statusCode(400).extract().jsonPath().getString("detail");
        assertTrue(prefixProblem.contains("at most 100 prefixes"), prefixProblem);
        assertBadRequest("{\"keys\": [" + k + "], \"hard\": true}", "unknown field 'hard'");
        assertBadRequest("{\"keys\": [" + k + "], \"keys\": [" + k + "]}", "field 'keys' appears more than once");
        List<String> tooMany = new ArrayList<>(List.of(kept.value()));
        IntStream.range(0, 100).forEach(i -> tooMany.add("avatars/too-many-" + i + ".png"));
        String body = admin().body(Map.of("keys", tooMany)).post("/api/purges")
                .then().statusCode(400).extract().jsonPath().getString("detail");
        assertTrue(body.contains("at most 100 keys"), body);

        assertTrue(redis.key().exists(RedisKeys.image(partitioner.partitionOf(kept), kept)), "nothing was purged");
    }

    @Test
    void withoutTheBearerTokenOrWithTheWrongOneTheAnswerIs401AndNothingIsPurged() {
        ImageKey kept = TestKeys.unique("avatars", "png");
        origin.serve(kept.value(), Reply.image(TestImages.png(1_000), "image/png"));
        assertEquals(200, read(kept).statusCode());
        Map<String, List<String>> body = Map.of("keys", List.of(kept.value()));

        given().contentType(ContentType.JSON).body(body).post("/api/purges")
                .then().statusCode(401).contentType(Problem.MEDIA_TYPE).header("WWW-Authenticate", containsString("Bearer"));
        given().contentType(ContentType.JSON).header("Authorization", "Bearer wrong-token").body(body).post("/api/purges")
                .then().statusCode(401).body("detail", containsString("not pansaar.admin-token"));
        assertTrue(redis.key().exists(RedisKeys.image(partitioner.partitionOf(kept), kept)), "nothing was purged");
    }

    private void assertBadRequest(String body, String problem) {
        String detail = admin().body(body).post("/api/purges")
                .then().statusCode(400).contentType(Problem.MEDIA_TYPE)
                .extract().jsonPath().getString("detail");
        assertTrue(detail.contains(problem), "detail '" + detail + "' lacks '" + problem + "'");
    }

    private long totalUsedBytes() {
        long sum = 0;
        for (int partition = 0; partition < partitioner.partitions(); partition++) {
            String used = redis.value(String.class).get(RedisKeys.usedBytes(partition));
            sum += used == null ? 0 : Long.parseLong(used);
        }
        return sum;
    }

    private static Response read(ImageKey key) {
        return given().urlEncodingEnabled(false).get("/images/" + key.value());
    }


    /** The regenerated events of the key in its partition's events stream: one per write of its bytes. */
    private long regeneratedEvents(int partition, ImageKey key) {
        long count = 0;
        for (io.vertx.mutiny.redis.client.Response entry : redis.execute("XRANGE", RedisKeys.events(partition), "-",
                "+")) {
            // Every event begins with its fields event and key (see appendEvent in shared.lua).
            io.vertx.mutiny.redis.client.Response fields = entry.get(1);
            if (fields.get(1).toString().equals("regenerated") && fields.get(3).toString().equals(key.value())) {
                count++;
            }
        }
        return count;
    }

    /** One of /api/status's totals. */
    private static long statusTotal(String name) {
        return given().get("/api/status").then().statusCode(200).extract().jsonPath().getLong("totals." + name);
    }

}
