package io.pansaar.api;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

import io.pansaar.key.ImageKey;
import io.pansaar.key.Partitioner;
import io.pansaar.key.RedisKeys;
import io.pansaar.testing.InjectTestOrigin;
import io.pansaar.testing.RedisClock;
import io.pansaar.testing.RedisServerResource;
import io.pansaar.testing.Reply;
import io.pansaar.testing.TestImages;
import io.pansaar.testing.TestKeys;
import io.pansaar.testing.TestOrigin;
import io.pansaar.testing.TestOriginResource;
import io.pansaar.testing.StoredImages;
import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.path.json.JsonPath;
import io.restassured.response.Response;
import jakarta.inject.Inject;

/**
 * Stale-if-error end to end, with the worker, a real Redis and a real origin that fails: a copy past its fresh TTL
 * and grace is served, marked stale, while its origin answers 503 or drops the connection; with a healthy origin the
 * same copy is fetched again instead; once stale-if-error is over, the copy is gone.
 */
@QuarkusTest
@TestProfile(StaleIfErrorIT.Profile.class)
@QuarkusTestResource(value = RedisServerResource.class, restrictToAnnotatedClass = true)
@QuarkusTestResource(value = TestOriginResource.class, restrictToAnnotatedClass = true)
class StaleIfErrorIT {

    /** Segment "outage": fresh for a fixed second, stale for a second of grace, then kept 8 s for stale-if-error. */
    public static class Profile implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of(
                    "pansaar.segments.\"outage\".base-ttl", "1s",
                    "pansaar.segments.\"outage\".min-ttl", "1s",
                    "pansaar.segments.\"outage\".max-ttl", "1s",
                    "pansaar.segments.\"outage\".grace", "1s",
                    "pansaar.segments.\"outage\".stale-if-error", STALE_IF_ERROR.toSeconds() + "s");
        }
    }

    private static final Duration STALE_IF_ERROR = Duration.ofSeconds(8);
    private static final String SERVED_STALE_IF_ERROR = "pansaar; hit; fwd=stale; detail=stale-if-error";
    private static final Duration WAIT = Duration.ofSeconds(30);

    @InjectTestOrigin
    TestOrigin origin;

    @Inject
    RedisDataSource redis;

    @Inject
    Partitioner partitioner;

    @Inject
    ReadyNotifications notifications;

    @Test
    void aCopyPastGraceIsServedStaleWhileItsOriginIsDownUntilStaleIfErrorEnds() {
        ImageKey key = TestKeys.unique("outage", "png");
        byte[] png = TestImages.png(4_000);
        origin.serve(key.value(), Reply.image(png, "image/png"));
        assertEquals(200, get(key).statusCode());
        origin.serve(key.value(), Reply.status(503));
        awaitPast(key, "grace-until");

        // Nothing said the origin fails yet: the read is a miss, waits for its fetch, and is woken by the failure.
        Response waited = get(key);
        assertEquals(200, waited.statusCode());
        assertArrayEquals(png, waited.asByteArray());
        assertEquals(SERVED_STALE_IF_ERROR, waited.header("Cache-Status"));
        assertEquals("max-age=0", waited.header("Cache-Control"));
        assertTrue(origin.fetches(key.value()) >= 2, "the read's fetch reached the origin");
        assertEquals(0, notifications.waiting(), "the waiter was woken, not left to time out");

        // Now the copy is marked: served at once.
        Response atOnce = get(key);
        assertEquals(200, atOnce.statusCode());
        assertArrayEquals(png, atOnce.asByteArray());
        assertEquals(SERVED_STALE_IF_ERROR, atOnce.header("Cache-Status"));

        JsonPath details = given().urlEncodingEnabled(false).get("/api/keys/" + key.value()).then().statusCode(200)
                .extract().jsonPath();
        Instant failedAt = Instant.parse(details.getString("originFailedAt"));
        Instant graceUntil = Instant.parse(details.getString("graceUntil"));
        Instant staleIfErrorUntil = Instant.parse(details.getString("staleIfErrorUntil"));
        assertEquals(graceUntil.plus(STALE_IF_ERROR), staleIfErrorUntil);
        assertTrue(failedAt.isAfter(graceUntil) && failedAt.isBefore(staleIfErrorUntil), "failed at " + failedAt);

        // Counted apart from hits, in the meter and in the status totals.
        await().atMost(WAIT).until(() -> readsCounted("stale_if_error") >= 2);
        await().atMost(WAIT).until(() -> given().get("/api/status").then().statusCode(200).extract().jsonPath()
                .getLong("totals.staleIfErrorHits") >= 2);

        // Past stale-if-error the hash expires, and a reader waits for a fetch that fails, then gets 503.
        awaitPast(key, "stale-if-error-until");
        await().atMost(WAIT).until(() -> !redis.key().exists(imageHash(key)));
        given().urlEncodingEnabled(false).get("/images/" + key.value()).then().statusCode(503)
                .body("detail", containsString("not ready within"));
    }

    @Test
    void aCopyPastGraceIsFetchedAgainWhileItsOriginIsHealthy() {
        ImageKey key = TestKeys.unique("outage", "png");
        byte[] first = TestImages.png(3_000, 1);
        byte[] second = TestImages.png(3_000, 2);
        origin.serveInTurn(key.value(), Reply.image(first, "image/png"), Reply.image(second, "image/png"));
        assertArrayEquals(first, get(key).asByteArray());
        awaitPast(key, "grace-until");

        Response refetched = get(key);
        assertEquals(200, refetched.statusCode());
        assertArrayEquals(second, refetched.asByteArray(), "the kept copy is not served while the origin answers");
        assertEquals("pansaar; fwd=miss; stored", refetched.header("Cache-Status"));
        assertEquals(2, origin.fetches(key.value()));
    }

    @Test
    void pansaarGetTellsAnAppServerToServeTheKeptCopyOnceTheOriginDropsConnections() {
        ImageKey key = TestKeys.unique("outage", "png");
        byte[] png = TestImages.png(2_500);
        origin.serve(key.value(), Reply.image(png, "image/png"));
        assertEquals(200, get(key).statusCode());
        origin.serve(key.value(), Reply.dropConnection());
        awaitPast(key, "grace-until");
        long counted = statsCounter(key, "stale-if-error-hits");

        io.vertx.mutiny.redis.client.Response miss = pansaarGet(key);
        assertEquals("MISS", miss.get(0).toString(), "an app server must not serve the kept copy yet");
        assertEquals(1, miss.get(2).toInteger(), "one job fetches it");

        // The job's fetch fails on the dropped connection and marks the copy.
        io.vertx.mutiny.redis.client.Response served = await().atMost(WAIT).pollInterval(Duration.ofMillis(50))
                .until(() -> pansaarGet(key), reply -> reply.get(0).toString().equals("STALE_IF_ERROR"));
        assertTrue(served.get(1).toLong() < -1_000, "fresh-for is the time past fresh-until: " + served.get(1));
        assertArrayEquals(png, redis.execute("HGET", imageHash(key), "body").toBytes(), "the body the app serves");
        assertEquals(counted + 1, statsCounter(key, "stale-if-error-hits"));
        assertNotNull(StoredImages.metaField(redis, imageHash(key), "origin-failed-at"));
    }

    private Response get(ImageKey key) {
        return given().urlEncodingEnabled(false).get("/images/" + key.value());
    }

    /** The FCALL an app server pipelines with its HMGET, as README.md shows it. */
    private io.vertx.mutiny.redis.client.Response pansaarGet(ImageKey key) {
        int partition = partitioner.partitionOf(key);
        return redis.execute("FCALL", "pansaar_get", "6", imageHash(key), RedisKeys.marker(partition, key),
                RedisKeys.jobs(partition), RedisKeys.tokenCounter(partition), RedisKeys.stats(partition),
                RedisKeys.priorityIndex(partition), key.value());
    }

    /** Waits until the Redis server's clock is past an epoch-ms value of the key's image hash's meta. */
    private void awaitPast(ImageKey key, String field) {
        long deadline = Long.parseLong(StoredImages.metaField(redis, imageHash(key), field));
        await().atMost(WAIT).pollInterval(Duration.ofMillis(50)).until(() -> RedisClock.millis(redis) > deadline);
    }

    private String imageHash(ImageKey key) {
        return RedisKeys.image(partitioner.partitionOf(key), key);
    }

    private long statsCounter(ImageKey key, String name) {
        String value = redis.hash(String.class).hget(RedisKeys.stats(partitioner.partitionOf(key)), name);
        return value == null ? 0 : Long.parseLong(value);
    }

    /** The sample of {@code pansaar_reads_total} for a result, as Prometheus scrapes it. */
    private static double readsCounted(String result) {
        String metrics = given().get("/q/metrics").then().statusCode(200).extract().asString();
        Matcher sample = Pattern.compile("(?m)^pansaar_reads_total\\{result=\"" + result + "\"} (\\S+)$").matcher(metrics);
        return sample.find() ? Double.parseDouble(sample.group(1)) : 0;
    }
}
