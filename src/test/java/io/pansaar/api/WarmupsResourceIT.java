package io.pansaar.api;

import static io.pansaar.testing.AdminApi.admin;
import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.IntStream;

import org.junit.jupiter.api.Test;

import io.pansaar.key.ImageKey;
import io.pansaar.key.Partitioner;
import io.pansaar.key.RedisKeys;
import io.pansaar.testing.InjectTestOrigin;
import io.pansaar.testing.RedisServerResource;
import io.pansaar.testing.Reply;
import io.pansaar.testing.TestImages;
import io.pansaar.testing.TestKeys;
import io.pansaar.testing.TestOrigin;
import io.pansaar.testing.TestOriginResource;
import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import jakarta.inject.Inject;

/**
 * {@code POST /api/warmups} and the warm lane against the running application, its worker (concurrency 8 in the
 * test profile), a real Redis and a real, slow origin.
 */
@QuarkusTest
@QuarkusTestResource(value = RedisServerResource.class, restrictToAnnotatedClass = true)
@QuarkusTestResource(value = TestOriginResource.class, restrictToAnnotatedClass = true)
class WarmupsResourceIT {

    private static final Duration WAIT = Duration.ofSeconds(30);
    /** The test profile's pansaar.worker.concurrency: warm-ups can fill this many job slots. */
    private static final int CONCURRENCY = 8;

    @InjectTestOrigin
    TestOrigin origin;

    @Inject
    RedisDataSource redis;

    @Inject
    Partitioner partitioner;

    @Test
    void keysWithAFreshCopyOrAPendingJobAreSkippedAndTheOthersAreWarmedThroughTheWarmStream() {
        ImageKey fresh = TestKeys.unique("avatars", "png");
        ImageKey pending = TestKeys.unique("avatars", "png");
        ImageKey cold = TestKeys.unique("banners", "png");
        ImageKey published = TestKeys.unique("thumbs", "png");
        byte[] png = TestImages.png(2_000);
        origin.serve(fresh.value(), Reply.image(png, "image/png"));
        // Slow, so its regeneration is still queued or fetching when the warm-up asks.
        origin.serve(pending.value(), Reply.image(png, "image/png").withDelay(Duration.ofMillis(1_500)));
        origin.serve(cold.value(), Reply.image(png, "image/png"));
        origin.serve(published.value(), Reply.image(png, "image/png"));
        assertEquals(200, read(fresh).statusCode());
        admin().body(Map.of("key", pending.value())).post("/api/regenerations").then().statusCode(202);

        admin().body(Map.of("keys", List.of(fresh.value(), pending.value(), cold.value()))).post("/api/warmups")
                .then().statusCode(202).contentType(ContentType.JSON)
                .body("queued", equalTo(1)).body("skipped", equalTo(2));
        // An app may publish a warm-up itself, in the job stream's entry format.
        redis.stream(String.class).xadd(RedisKeys.warm(partitioner.partitionOf(published)),
                Map.of("key", published.value(), "reason", "warm"));

        await().atMost(WAIT).until(() -> stored(cold) && stored(published) && stored(pending));
        assertEquals(1, origin.fetches(fresh.value()), "a fresh copy is not fetched again");
        assertEquals(1, origin.fetches(pending.value()), "the pending job's fetch served the warm-up too");
        assertEquals(1, origin.fetches(cold.value()));
        assertEquals(1, origin.fetches(published.value()));
        await().atMost(WAIT).until(() -> warmLength() == 0);

        // Warmed, the copy is fresh: a second warm-up of it queues nothing.
        admin().body(Map.of("keys", List.of(cold.value()))).post("/api/warmups")
                .then().statusCode(202).body("queued", equalTo(0)).body("skipped", equalTo(1));
    }

    @Test
    void anInvalidRequestIsRefusedNamingTheBadItemAndQueuesNothing() {
        String good = "\"" + TestKeys.unique("avatars", "png").value() + "\"";
        long before = warmLength();
        assertBadRequest("{\"keys\": [" + good + ", \"avatars/../x.png\"]}", "keys[1] is not a valid image key");
        assertBadRequest("{\"keys\": [" + good + ", 7]}", "field 'keys[1]' must be a JSON string, was a number (7)");
        assertBadRequest("{\"keys\": [" + good + ", " + good + "]}", "keys[1] (");
        assertBadRequest("{\"keys\": []}", "names no key to warm");
        assertBadRequest("{\"keys\": [" + good + "], \"soft\": true}", "unknown field 'soft'");
        List<String> tooMany = IntStream.rangeClosed(0, WarmupsResource.MAX_KEYS)
                .mapToObj(i -> "avatars/too-many-" + i + ".png").toList();
        String detail = admin().body(Map.of("keys", tooMany)).post("/api/warmups")
                .then().statusCode(400).extract().jsonPath().getString("detail");
        assertTrue(detail.contains("at most 10000 keys are warmed per request"), detail);

        given().contentType(ContentType.JSON).body(Map.of("keys", List.of("avatars/a.png"))).post("/api/warmups")
                .then().statusCode(401).header("WWW-Authenticate", containsString("Bearer"));
        assertEquals(before, warmLength(), "nothing was queued");
    }

    /**
     * The lanes' bound: a backlog of 10,000 warm-ups delays a reader's miss by at most about one job's fetch time,
     * since a worker reads the job streams before the warm streams. The miss waits for one job slot to free (at most
     * one fetch, as every slot may hold a warm-up that has just begun) and then for its own fetch: two fetch times,
     * plus slack for a loaded machine. Were the warm-ups queued
     * ahead of the miss, it would wait for 10,000 / 8 fetches, about 10 minutes; the assertion that nearly all of the
     * backlog is still queued when the miss is served shows that it was not, whatever the machine's speed.
     */
    @Test
    void aBacklogOfTenThousandWarmUpsDelaysAMissByAboutOneFetchAtMost() {
        Duration fetch = Duration.ofMillis(500);
        Duration slack = Duration.ofSeconds(4);
        byte[] png = TestImages.png(1_000);
        // Origin requests the other tests of this class made: this one counts only its own.
        int baseline = origin.totalFetches();
        List<String> keys = new ArrayList<>();
        for (int i = 0; i < WarmupsResource.MAX_KEYS; i++) {
            ImageKey key = TestKeys.unique("warm", "png");
            origin.serve(key.value(), Reply.image(png, "image/png").withDelay(fetch));
            keys.add(key.value());
        }
        admin().body(Map.of("keys", keys)).post("/api/warmups")
                .then().statusCode(202).body("queued", equalTo(WarmupsResource.MAX_KEYS)).body("skipped", equalTo(0));
        // Every job slot is busy with a warm-up before the miss arrives.
        await().atMost(WAIT).until(() -> origin.totalFetches() >= baseline + 2 * CONCURRENCY);

        ImageKey miss = TestKeys.unique("avatars", "png");
        origin.serve(miss.value(), Reply.image(png, "image/png").withDelay(fetch));
        int warmFetchesBefore = origin.totalFetches();
        long start = System.nanoTime();
        Response served = readUntilServed(miss);
        Duration waited = Duration.ofNanos(System.nanoTime() - start);
        int warmFetchesAfter = origin.totalFetches() - origin.fetches(miss.value());
        long stillQueued = warmLength();
        System.out.printf("warm lane: miss served in %d ms (fetch %d ms); warm-up fetches %d before the miss, %d when "
                + "it was served; %d warm-ups still queued; load %s%n", waited.toMillis(), fetch.toMillis(),
                warmFetchesBefore - baseline, warmFetchesAfter - baseline, stillQueued, loadAverage());

        assertEquals(200, served.statusCode());
        assertEquals(1, origin.fetches(miss.value()));
        assertTrue(stillQueued > WarmupsResource.MAX_KEYS / 2, "the miss was served with " + stillQueued
                + " warm-ups still queued, not after the backlog");
        Duration bound = fetch.multipliedBy(2).plus(slack);
        assertTrue(waited.compareTo(bound) <= 0, "the miss waited " + waited.toMillis() + " ms, more than "
                + bound.toMillis() + " ms (one fetch for a slot, its own fetch, and slack)");

        // A miss on a key whose own warm-up is still queued, at the end of the backlog, waits no longer: its job moves
        // to the job stream rather than the reader waiting for the warm-up's turn.
        ImageKey warming = ImageKey.of(keys.get(keys.size() - 1));
        String warmingMarker = String.valueOf(
                redis.value(String.class).get(RedisKeys.marker(partitioner.partitionOf(warming), warming)));
        assertTrue(warmingMarker.startsWith("queued:"), "the last warm-up is still queued: " + warmingMarker);
        long warmingStart = System.nanoTime();
        Response warmed = readUntilServed(warming);
        Duration warmingWaited = Duration.ofNanos(System.nanoTime() - warmingStart);
        System.out.printf("warm lane: a miss on a key whose warm-up was queued served in %d ms%n", warmingWaited.toMillis());
        assertEquals(200, warmed.statusCode());
        assertEquals(1, origin.fetches(warming.value()), "fetched once, for the reader");
        assertTrue(warmingWaited.compareTo(bound) <= 0, "the miss on a queued warm-up waited " + warmingWaited.toMillis()
                + " ms, more than " + bound.toMillis() + " ms");

        // GET /api/status shows the backlog on the warm streams, and the warm-ups the worker holds.
        List<Integer> warmLengths = given().get("/api/status").then().statusCode(200)
                .extract().jsonPath().getList("partitions.warm.length", Integer.class);
        List<Integer> warmPending = given().get("/api/status").then().statusCode(200)
                .extract().jsonPath().getList("partitions.warm.pending", Integer.class);
        assertEquals(partitioner.partitions(), warmLengths.size());
        assertTrue(warmLengths.stream().mapToInt(Integer::intValue).sum() > WarmupsResource.MAX_KEYS / 2, warmLengths::toString);
        assertTrue(warmPending.stream().mapToInt(Integer::intValue).sum() > 0, warmPending::toString);

        // The rest of the backlog would keep the worker busy for minutes: drop it.
        for (int partition = 0; partition < partitioner.partitions(); partition++) {
            redis.execute("XTRIM", RedisKeys.warm(partition), "MAXLEN", "0");
        }
    }

    /** Reads the key until it is served: past pansaar.read-through.timeout a read answers 503, and a client tries again. */
    private static Response readUntilServed(ImageKey key) {
        long start = System.nanoTime();
        Response served = read(key);
        while (served.statusCode() != 200 && System.nanoTime() - start < WAIT.toNanos()) {
            served = read(key);
        }
        return served;
    }

    private void assertBadRequest(String body, String problem) {
        String detail = admin().body(body).post("/api/warmups")
                .then().statusCode(400).contentType(Problem.MEDIA_TYPE)
                .extract().jsonPath().getString("detail");
        assertTrue(detail.contains(problem), "detail '" + detail + "' lacks '" + problem + "'");
    }

    private long warmLength() {
        long length = 0;
        for (int partition = 0; partition < partitioner.partitions(); partition++) {
            length += redis.stream(String.class).xlen(RedisKeys.warm(partition));
        }
        return length;
    }

    private boolean stored(ImageKey key) {
        return redis.key().exists(RedisKeys.image(partitioner.partitionOf(key), key));
    }

    private static String loadAverage() {
        return String.format(Locale.ROOT, "%.2f", ManagementFactory.getOperatingSystemMXBean()
                .getSystemLoadAverage());
    }

    private static Response read(ImageKey key) {
        return given().urlEncodingEnabled(false).get("/images/" + key.value());
    }

}
