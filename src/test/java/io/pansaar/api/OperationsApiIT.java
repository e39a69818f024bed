package io.pansaar.api;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.hasItems;
import static org.hamcrest.Matchers.matchesPattern;
import static org.hamcrest.Matchers.notNullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.eclipse.microprofile.reactive.messaging.spi.Connector;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import io.pansaar.key.ImageKey;
import io.pansaar.key.Partitioner;
import io.pansaar.key.RedisKeys;
import io.pansaar.ops.PartitionState;
import io.pansaar.redis.FunctionLibrary;
import io.pansaar.stream.RedisStreamsConnector;
import io.pansaar.testing.InjectTestOrigin;
import io.pansaar.testing.RedisServerResource;
import io.pansaar.testing.Reply;
import io.pansaar.testing.TestImages;
import io.pansaar.testing.TestOrigin;
import io.pansaar.testing.TestOriginResource;
import io.pansaar.testing.StoredImages;
import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import io.restassured.specification.RequestSpecification;
import jakarta.inject.Inject;

/**
 * The operations API against a real Redis and a real origin, with the worker of this process running:
 * /api/status, the dead-letter endpoints, health, metrics and OpenAPI.
 */
@QuarkusTest
@QuarkusTestResource(value = RedisServerResource.class, restrictToAnnotatedClass = true)
@QuarkusTestResource(value = TestOriginResource.class, restrictToAnnotatedClass = true)
class OperationsApiIT {

    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final String ADMIN_TOKEN = "test-admin-token";
    private static final AtomicInteger SEQUENCE = new AtomicInteger();

    @InjectTestOrigin
    TestOrigin origin;

    @Inject
    RedisDataSource redis;

    @Inject
    Partitioner partitioner;

    @Inject
    FunctionLibrary library;

    @Inject
    @Connector(RedisStreamsConnector.NAME)
    RedisStreamsConnector connector;

    // ---------------------------------------------------------------------------------------------
    // GET /api/status

    @Test
    void statusCountsARegeneratedJobAndListsThisWorkerAsConsumer() {
        ImageKey key = uniqueKey("avatars");
        int partition = partitioner.partitionOf(key);
        origin.serve(key.value(), Reply.image(TestImages.png(2_000), "image/png"));
        long regeneratedBefore = status().getLong("totals.regenerated");
        long processedBefore = status().getLong("process.regenerated");

        publishJob(partition, Map.of("key", key.value()));
        awaitCached(key);

        // The Redis figures come from a snapshot up to a second old: wait for one taken after the write.
        JsonPath status = await().atMost(WAIT).until(OperationsApiIT::status,
                answer -> answer.getLong("totals.regenerated") > regeneratedBefore);
        assertTrue(status.getLong("process.regenerated") > processedBefore);
        assertTrue(status.getLong("totals.jobsProcessed") >= status.getLong("totals.regenerated"));
        String consumer = connector.consumerName().orElseThrow();
        assertEquals(consumer, status.getString("worker.consumerName"));
        assertTrue(status.getBoolean("worker.reading"));
        assertEquals(library.version(), status.getString("library.version"));
        assertTrue(status.getBoolean("library.current"));
        assertEquals(List.of(library.version()), List.copyOf(status.getMap("library.loaded").values()));
        assertEquals(16, status.getList("partitions").size());

        String path = "partitions[" + partition + "]";
        assertEquals(partition, status.getInt(path + ".partition"));
        assertTrue(status.getBoolean(path + ".groupExists"));
        assertTrue(status.getList(path + ".consumers.name", String.class).contains(consumer));
        assertTrue(status.getLong(path + ".statistics.regenerated") >= 1);
        // The image is counted in its partition's memory, and in the totals.
        assertTrue(status.getLong(path + ".memory.usedBytes") >= 2_000, status.getString(path + ".memory"));
        assertTrue(status.getLong(path + ".memory.images") >= 1);
        assertTrue(status.getLong("totals.usedBytes") >= status.getLong(path + ".memory.usedBytes"));
        assertTrue(status.getLong("totals.images") >= 1);
        assertEquals(null, status.getString("totals.memoryBudgetBytes"), "no pansaar.memory-budget is set");
        // The image just written is among its partition's hot keys, unless five hotter ones fill the list;
        // they come highest priority first.
        List<String> hotKeys = status.getList(path + ".hotKeys.key", String.class);
        List<Double> priorities = status.getList(path + ".hotKeys.priority", Double.class);
        assertTrue(hotKeys.contains(key.value()) || hotKeys.size() == PartitionState.HOT_KEYS, hotKeys.toString());
        assertEquals(priorities.stream().sorted(Comparator.reverseOrder()).toList(), priorities);
        // The worker acknowledges with XDEL: once finished, the job is neither pending nor in the stream.
        await().atMost(WAIT).untilAsserted(() -> {
            JsonPath settled = status();
            assertEquals(0, settled.getLong(path + ".pending"));
            assertEquals(0, settled.getLong(path + ".length"));
            assertEquals(0, settled.getLong(path + ".lag"));
        });
    }

    /** The job stream's figures are the partition's own; the early-refresh stream's are under {@code earlyRefresh}. */
    @ParameterizedTest
    @ValueSource(strings = { "", "earlyRefresh." })
    void statusShowsAJobInFlightAsPendingAndInTheStream(String lane) {
        // While the origin delays its answer, the job is delivered and unacknowledged: pending, still in the stream.
        ImageKey key = uniqueKey("thumbnails");
        int partition = partitioner.partitionOf(key);
        // Four slow failures, then the image: the job stays pending through its deliveries and backoffs.
        origin.serveAfterFailures(key.value(), 4, Reply.status(503).withDelay(Duration.ofMillis(700)),
                Reply.image(TestImages.png(1_000), "image/png"));

        if (lane.isEmpty()) {
            publishJob(partition, Map.of("key", key.value()));
        } else {
            redis.stream(String.class).xadd(RedisKeys.earlyRefresh(partition), Map.of("key", key.value(), "reason", "refresh"));
        }

        String path = "partitions[" + partition + "]." + lane;
        await().atMost(WAIT).untilAsserted(() -> {
            JsonPath status = status();
            assertTrue(status.getLong(path + "pending") >= 1, "pending " + status.getLong(path + "pending"));
            assertTrue(status.getLong(path + "length") >= 1);
            if (lane.isEmpty()) {
                assertNotNull(status.getString(path + "oldestPendingId"));
            }
        });
        awaitCached(key);
    }

    // ---------------------------------------------------------------------------------------------
    // Dead letters

    @Test
    void aJobDeadLetteredForABadOriginReplyIsRetriedOnceTheOriginIsFixed() {
        ImageKey key = uniqueKey("banners");
        int partition = partitioner.partitionOf(key);
        // HTML with an image content type fails validation, which no retry can fix: dead-lettered at once.
        origin.serve(key.value(), Reply.body(200, TestImages.html(), "image/png"));
        publishJob(partition, Map.of("key", key.value(), "reason", "refresh", "requested-at", "1000"));

        JsonPath letter = awaitDeadLetter(partition, "key", key.value());
        String id = letter.getString("id");
        assertEquals(partition, letter.getInt("partition"));
        assertEquals("refresh", letter.getString("fields.reason"));
        assertEquals("1000", letter.getString("fields.requested-at"));
        assertEquals(null, letter.getString("fields.last-error"));
        assertTrue(letter.getString("lastError").length() > 0);
        assertEquals(1, letter.getLong("deliveries"));
        assertTrue(letter.getString("originalId").matches("\\d+-\\d+"));
        assertTrue(letter.getLong("deadLetteredAt") > 0);

        origin.serve(key.value(), Reply.image(TestImages.png(1_500), "image/png"));
        String jobId = admin().post("/api/dead-letters/{partition}/{id}/retry", partition, id)
                .then().statusCode(202)
                .body("partition", equalTo(partition)).body("deadLetterId", equalTo(id))
                .body("jobId", matchesPattern("\\d+-\\d+"))
                .extract().path("jobId");
        assertTrue(!jobId.equals(letter.getString("originalId")));

        awaitCached(key);
        assertEquals(2, origin.fetches(key.value()));
        // The dead letter left its stream in the same step.
        admin().post("/api/dead-letters/{partition}/{id}/retry", partition, id).then().statusCode(404)
                .contentType(Problem.MEDIA_TYPE);
        admin().delete("/api/dead-letters/{partition}/{id}", partition, id).then().statusCode(404);
    }

    @Test
    void aMalformedEntryIsListedInAllPartitionsAndDeleted() {
        String marker = UUID.randomUUID().toString();
        int partition = SEQUENCE.incrementAndGet() % 16;
        publishJob(partition, Map.of("note", marker));

        JsonPath letter = awaitDeadLetter(null, "note", marker);
        assertEquals(partition, letter.getInt("partition"));
        String id = letter.getString("id");

        admin().delete("/api/dead-letters/{partition}/{id}", partition, id).then().statusCode(204);
        admin().delete("/api/dead-letters/{partition}/{id}", partition, id).then().statusCode(404)
                .body("status", equalTo(404));
        assertEquals(0, deadLettersWith(partition, "note", marker).size());
    }

    @Test
    void listingIsNewestFirstAndHonoursCount() {
        int partition = SEQUENCE.incrementAndGet() % 16;
        String marker = UUID.randomUUID().toString();
        String dead = RedisKeys.deadLetters(partition);
        for (int index = 0; index < 3; index++) {
            redis.stream(String.class).xadd(dead, Map.of("key", "avatars/listing-" + index, "note", marker,
                    "last-error", "written by the test", "deliveries", "5"));
        }
        List<String> ids = admin().queryParam("partition", partition).queryParam("count", 2).get("/api/dead-letters")
                .then().statusCode(200).extract().jsonPath().getList("entries.id", String.class);
        assertEquals(2, ids.size());
        List<String> all = admin().queryParam("partition", partition).queryParam("count", 1000).get("/api/dead-letters")
                .then().statusCode(200).extract().jsonPath().getList("entries.id", String.class);
        assertEquals(all.subList(0, 2), ids);
        assertTrue(compareIds(all.get(0), all.get(1)) > 0 && compareIds(all.get(1), all.get(2)) > 0, all.toString());
        assertEquals("avatars/listing-2", admin().queryParam("partition", partition).queryParam("count", 1)
                .get("/api/dead-letters").then().extract().path("entries[0].fields.key"));
    }

    @Test
    void deadLettersNeedTheAdminToken() {
        given().get("/api/dead-letters").then().statusCode(401).contentType(Problem.MEDIA_TYPE)
                .header("WWW-Authenticate", containsString("Bearer"));
        given().header("Authorization", "Bearer wrong-token").get("/api/dead-letters").then().statusCode(401);
        given().header("Authorization", "Bearer wrong-token").post("/api/dead-letters/0/1-0/retry").then().statusCode(401);
        given().delete("/api/dead-letters/0/1-0").then().statusCode(401);
        admin().get("/api/dead-letters").then().statusCode(200).body("entries", notNullValue());
    }

    @Test
    void badPartitionsCountsAndIdsAreRefusedWith400() {
        for (String partition : List.of("-1", "16", "x", "1.5")) {
            admin().queryParam("partition", partition).get("/api/dead-letters").then().statusCode(400)
                    .contentType(Problem.MEDIA_TYPE).body("detail", containsString("partition"));
            admin().post("/api/dead-letters/{partition}/1-0/retry", partition).then().statusCode(400);
            admin().delete("/api/dead-letters/{partition}/1-0", partition).then().statusCode(400);
        }
        for (String count : List.of("0", "1001", "many", "-5")) {
            admin().queryParam("count", count).get("/api/dead-letters").then().statusCode(400)
                    .body("detail", containsString("count"));
        }
        for (String id : List.of("abc", "1", "1-", "-1", "1-0-0", "99999999999999999999-0")) {
            admin().post("/api/dead-letters/0/{id}/retry", id).then().statusCode(400)
                    .body("detail", containsString("dead-letter id"));
            admin().delete("/api/dead-letters/0/{id}", id).then().statusCode(400);
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Health, metrics, OpenAPI

    @Test
    void readinessReportsRedisTheLibraryTheReadyChannelsAndTheStreamConsumer() {
        given().get("/q/health/live").then().statusCode(200).body("status", equalTo("UP"));
        JsonPath ready = given().get("/q/health/ready").then().statusCode(200).body("status", equalTo("UP"))
                .body("checks.name", hasItems("Redis connection health check", "function-library", "ready-channels"))
                .extract().jsonPath();
        assertEquals(library.version(), ready.getString("checks.find { it.name == 'function-library' }.data.expected"));
        assertEquals("UP", ready.getString("checks.find { it.name == 'ready-channels' }.status"));
        // SmallRye Reactive Messaging's readiness check carries the connector's per-channel report.
        String messaging = ready.getString("checks.find { it.name.contains('Messaging') }.data.'regeneration-jobs'");
        assertNotNull(messaging, ready.prettify());
        assertTrue(messaging.startsWith("[OK]") && messaging.contains(connector.consumerName().orElseThrow()), messaging);
    }

    @Test
    void metricsCountJobsTimeRegenerationsAndShowStreamGauges() {
        ImageKey key = uniqueKey("avatars");
        int partition = partitioner.partitionOf(key);
        byte[] png = TestImages.png(4_000);
        origin.serve(key.value(), Reply.image(png, "image/png"));
        publishJob(partition, Map.of("key", key.value()));
        awaitCached(key);

        await().atMost(WAIT).untilAsserted(() -> {
            String metrics = given().get("/q/metrics").then().statusCode(200).extract().asString();
            assertTrue(sample(metrics, "pansaar_jobs_total{outcome=\"regenerated\"}") >= 1, "regenerated");
            assertTrue(metrics.contains("pansaar_jobs_total{outcome=\"dead_lettered\"}"), () -> pansaarLines(metrics));
            assertTrue(sample(metrics, "pansaar_regeneration_seconds_count") >= 1, "regeneration timer");
            assertTrue(metrics.contains("pansaar_regeneration_seconds_bucket{le="), "regeneration histogram");
            assertTrue(sample(metrics, "pansaar_origin_fetch_seconds_count{result=\"fetched\"}") >= 1, "origin timer");
            assertTrue(sample(metrics, "pansaar_origin_bytes_max") >= png.length, "origin bytes");
            // Refreshed by the scheduler from Redis: the job was acknowledged, so nothing is left.
            assertEquals(0.0, sample(metrics, "pansaar_stream_pending{partition=\"" + partition + "\"}"));
            assertEquals(0.0, sample(metrics, "pansaar_stream_lag{partition=\"" + partition + "\"}"));
            assertTrue(sample(metrics, "pansaar_reads_total{result=\"miss\"}") >= 0, "reads counter");
            assertTrue(sample(metrics, "pansaar_cache_bytes{partition=\"" + partition + "\"}") >= png.length,
                    "cache bytes");
            assertTrue(sample(metrics, "pansaar_cache_images{partition=\"" + partition + "\"}") >= 1, "cache images");
            assertTrue(sample(metrics, "pansaar_cache_events_total{event=\"evicted\"}") >= 0, "cache events");
        });
    }

    @Test
    void openApiDescribesTheOperationsEndpoints() {
        given().queryParam("format", "json").get("/q/openapi").then().statusCode(200)
                .body("info.title", equalTo("Pansaar"))
                .body("paths.keySet()", hasItems("/api/status", "/api/dead-letters",
                        "/api/dead-letters/{partition}/{id}/retry", "/api/dead-letters/{partition}/{id}"))
                .body("components.securitySchemes.keySet()", hasItem("admin"));
    }

    // ---------------------------------------------------------------------------------------------
    // Helpers

    private static JsonPath status() {
        return given().get("/api/status").then().statusCode(200).extract().jsonPath();
    }

    private static RequestSpecification admin() {
        return given().header("Authorization", "Bearer " + ADMIN_TOKEN);
    }

    private void publishJob(int partition, Map<String, String> fields) {
        redis.stream(String.class).xadd(RedisKeys.jobs(partition), fields);
    }

    private void awaitCached(ImageKey key) {
        String image = RedisKeys.image(partitioner.partitionOf(key), key);
        await().atMost(WAIT).until(() -> "ok".equals(StoredImages.metaField(redis, image, "status")));
    }

    /** The dead letter (as listed by the API) whose job field has the value; partition null lists all partitions. */
    private JsonPath awaitDeadLetter(Integer partition, String field, String value) {
        return await().atMost(WAIT).until(() -> deadLettersWith(partition, field, value), found -> found.size() == 1)
                .get(0);
    }

    private List<JsonPath> deadLettersWith(Integer partition, String field, String value) {
        RequestSpecification request = admin().queryParam("count", 1000);
        if (partition != null) {
            request = request.queryParam("partition", partition);
        }
        String listing = request.get("/api/dead-letters").then().statusCode(200).extract().asString();
        List<Map<String, Object>> entries = JsonPath.from(listing).getList("entries");
        List<JsonPath> found = new ArrayList<>();
        for (int index = 0; index < entries.size(); index++) {
            Map<?, ?> fields = (Map<?, ?>) entries.get(index).get("fields");
            if (value.equals(fields.get(field))) {
                found.add(JsonPath.from(listing).setRootPath("entries[" + index + "]"));
            }
        }
        return found;
    }

    private static String pansaarLines(String metrics) {
        return metrics.lines().filter(line -> line.startsWith("pansaar_")).collect(java.util.stream.Collectors.joining("\n"));
    }

    /** The value of one Prometheus sample line, by its exact name and labels. */
    private static double sample(String metrics, String series) {
        Matcher matcher = Pattern.compile("(?m)^" + Pattern.quote(series) + " (\\S+)$").matcher(metrics);
        assertTrue(matcher.find(), "no sample " + series);
        return Double.parseDouble(matcher.group(1));
    }

    private static int compareIds(String left, String right) {
        String[] a = left.split("-");
        String[] b = right.split("-");
        int byTime = Long.compare(Long.parseLong(a[0]), Long.parseLong(b[0]));
        return byTime != 0 ? byTime : Long.compare(Long.parseLong(a[1]), Long.parseLong(b[1]));
    }

    private static ImageKey uniqueKey(String segment) {
        return ImageKey.of(segment + "/ops-" + SEQUENCE.incrementAndGet() + "-" + UUID.randomUUID() + ".png");
    }
}
