package io.pansaar.api;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.greaterThanOrEqualTo;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

import io.pansaar.key.ImageKey;
import io.pansaar.key.Partitioner;
import io.pansaar.key.RedisKeys;
import io.pansaar.origin.OriginId;
import io.pansaar.testing.InjectTestOrigin;
import io.pansaar.testing.RedisClock;
import io.pansaar.testing.RedisServerResource;
import io.pansaar.testing.Reply;
import io.pansaar.testing.TestImages;
import io.pansaar.testing.TestOrigin;
import io.pansaar.testing.TestOriginResource;
import io.pansaar.testing.StoredImages;
import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;

/**
 * What operators see of an origin in trouble: {@code GET /api/status}'s origins section and the origin meters, as
 * the breaker opens and jobs wait for it, against a real Redis and origin.
 */
@QuarkusTest
@TestProfile(OriginStatusIT.FragileOriginProfile.class)
@QuarkusTestResource(value = RedisServerResource.class, restrictToAnnotatedClass = true)
@QuarkusTestResource(value = TestOriginResource.class, restrictToAnnotatedClass = true)
class OriginStatusIT {

    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final Partitioner PARTITIONER = new Partitioner(16);

    /**
     * Two failures open the breaker, for longer than the test: its state holds still while it is read. Segment
     * "brief" is fresh for a second and stale for another, then kept an hour for stale-if-error.
     */
    public static class FragileOriginProfile implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("pansaar.origin.breaker.failures", "2", "pansaar.origin.breaker.open-for", "1h",
                    "pansaar.origin.max-concurrency", "3", "pansaar.origin.max-rate", "50",
                    "pansaar.segments.\"brief\".base-ttl", "1s", "pansaar.segments.\"brief\".min-ttl", "1s",
                    "pansaar.segments.\"brief\".max-ttl", "1s", "pansaar.segments.\"brief\".grace", "1s",
                    "pansaar.segments.\"brief\".stale-if-error", "1h");
        }
    }

    @InjectTestOrigin
    TestOrigin origin;

    @Inject
    RedisDataSource redis;

    @Test
    void theStatusAndTheMetersShowTheBreakerOpenAndTheJobsWaitingForIt() {
        String name = OriginId.of(URI.create(origin.baseUrl())).toString();
        given().get("/api/status").then().statusCode(200)
                .body("origins.size()", equalTo(1))
                .body("origins[0].origin", equalTo(name))
                .body("origins[0].breaker", equalTo("closed"))
                .body("origins[0].maxConcurrency", equalTo(3))
                .body("origins[0].maxRate", equalTo(50.0f))
                .body("origins[0].inFlight", equalTo(0));

        // A copy cached while the origin is fine, read again once past grace while the breaker is open.
        ImageKey kept = ImageKey.of("brief/origin-status-" + UUID.randomUUID() + ".png");
        byte[] keptBytes = TestImages.png(1_500);
        origin.serve(kept.value(), Reply.image(keptBytes, "image/png"));
        given().urlEncodingEnabled(false).get("/images/" + kept.value()).then().statusCode(200);

        ImageKey first = key();
        ImageKey second = key();
        ImageKey waiting = key();
        origin.serve(first.value(), Reply.status(503));
        origin.serve(second.value(), Reply.status(502));
        origin.serve(waiting.value(), Reply.image(TestImages.png(1_000), "image/png"));
        addJob(first);
        addJob(second);
        await().atMost(WAIT).untilAsserted(() -> given().get("/api/status").then()
                .body("origins[0].breaker", equalTo("open"))
                .body("origins[0].openForMillis", greaterThanOrEqualTo(3_500_000))
                .body("origins[0].consecutiveFailures", equalTo(2))
                .body("origins[0].lastFailure", startsWith("origin " + origin.baseUrl())));

        addJob(waiting);
        await().atMost(WAIT).untilAsserted(() -> given().get("/api/status").then()
                .body("worker.parked", greaterThanOrEqualTo(3))
                .body("origins[0].deferred", greaterThanOrEqualTo(1)));
        assertEquals(0, origin.fetches(waiting.value()), "nothing is sent while the breaker is open");
        // Jobs put back to wait are counted as deferred, not as failed deliveries: of the two failures, only the one
        // before the breaker opened used a delivery; the other, and every wait since, is a deferral.
        assertEquals(1, statsCounter("failed"));
        assertTrue(statsCounter("deferred") >= 3, "deferred " + statsCounter("deferred"));

        // The kept copy's job is deferred at once, which marks the copy: the reader gets it, marked stale, without
        // waiting out the read-through timeout (it would get 503 then) and without a request to the origin.
        String imageHash = RedisKeys.image(PARTITIONER.partitionOf(kept), kept);
        long graceUntil = Long.parseLong(StoredImages.metaField(redis, imageHash, "grace-until"));
        await().atMost(WAIT).until(() -> RedisClock.millis(redis) > graceUntil);
        io.restassured.response.Response stale = given().urlEncodingEnabled(false).get("/images/" + kept.value());
        assertEquals(200, stale.statusCode());
        assertEquals("pansaar; hit; fwd=stale; detail=stale-if-error", stale.header("Cache-Status"));
        assertArrayEquals(keptBytes, stale.asByteArray());
        assertEquals(1, origin.fetches(kept.value()), "only the first fetch reached the origin");

        await().atMost(WAIT).untilAsserted(() -> {
            String metrics = given().get("/q/metrics").then().statusCode(200).extract().asString();
            String tag = "origin=\"" + name + "\"";
            assertEquals(1.0, sample(metrics, "pansaar_origin_breaker_open{" + tag + "}"));
            assertEquals(0.0, sample(metrics, "pansaar_origin_in_flight{" + tag + "}"));
            assertTrue(sample(metrics, "pansaar_origin_deferred_total{" + tag + ",reason=\"open\"}") >= 1);
            assertEquals(0.0, sample(metrics, "pansaar_origin_deferred_total{" + tag + ",reason=\"busy\"}"));
        });
        for (ImageKey key : new ImageKey[] { first, second, waiting }) {
            assertEquals(0, redis.execute("XLEN", RedisKeys.deadLetters(PARTITIONER.partitionOf(key))).toLong(),
                    "a job waiting for its origin is not dead-lettered");
        }
    }

    /** A counter of the partitions' statistics hashes, summed. */
    private long statsCounter(String counter) {
        long sum = 0;
        for (int partition = 0; partition < 16; partition++) {
            String value = redis.hash(String.class).hget(RedisKeys.stats(partition), counter);
            sum += value == null ? 0 : Long.parseLong(value);
        }
        return sum;
    }

    private static ImageKey key() {
        return ImageKey.of("avatars/origin-status-" + UUID.randomUUID() + ".png");
    }

    private void addJob(ImageKey key) {
        redis.execute("XADD", RedisKeys.jobs(PARTITIONER.partitionOf(key)), "*", "key", key.value(), "reason", "miss");
    }

    private static double sample(String metrics, String series) {
        Matcher matcher = Pattern.compile("(?m)^" + Pattern.quote(series) + " (\\S+)$").matcher(metrics);
        assertTrue(matcher.find(), "no sample " + series);
        return Double.parseDouble(matcher.group(1));
    }
}
