package io.pansaar.api;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;

import org.junit.jupiter.api.Test;

import io.pansaar.key.ImageKey;
import io.pansaar.key.Partitioner;
import io.pansaar.testing.InjectTestOrigin;
import io.pansaar.testing.RedisServerResource;
import io.pansaar.testing.Reply;
import io.pansaar.testing.TestImages;
import io.pansaar.testing.TestKeys;
import io.pansaar.testing.TestOrigin;
import io.pansaar.testing.TestOriginResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import jakarta.inject.Inject;

/** {@code GET /api/keys/<key>} against the running application, a real Redis and a real origin. */
@QuarkusTest
@QuarkusTestResource(value = RedisServerResource.class, restrictToAnnotatedClass = true)
@QuarkusTestResource(value = TestOriginResource.class, restrictToAnnotatedClass = true)
class KeysResourceIT {

    private static final Duration WAIT = Duration.ofSeconds(30);

    @InjectTestOrigin
    TestOrigin origin;

    @Inject
    Partitioner partitioner;

    @Test
    void aKeyThatIsNotCachedIsA404Problem() {
        ImageKey key = TestKeys.unique("avatars", "png");
        given().urlEncodingEnabled(false).get("/api/keys/" + key.value())
                .then().statusCode(404).contentType("application/problem+json")
                .body("detail", equalTo("nothing is cached for " + key.value()));
    }

    @Test
    void aCachedKeyIsDescribedWithoutCountingARead() {
        ImageKey key = TestKeys.unique("avatars", "png");
        byte[] png = TestImages.png(7_000);
        Instant lastModified = Instant.parse("2024-03-01T12:00:00Z");
        origin.serve(key.value(), Reply.image(png, "image/png").withETag("\"k1\"").withLastModified(lastModified));
        given().urlEncodingEnabled(false).get("/images/" + key.value()).then().statusCode(200);

        JsonPath first = describe(key);
        assertEquals(key.value(), first.getString("key"));
        assertEquals("avatars", first.getString("segment"));
        assertEquals(partitioner.partitionOf(key), first.getInt("partition"));
        assertEquals("pansaar:{" + partitioner.partitionOf(key) + "}:img:" + key.value(), first.getString("redisKey"));
        assertEquals("ok", first.getString("status"));
        long ttl = first.getLong("ttlSeconds");
        long freshTtl = first.getLong("freshTtlSeconds");
        long kept = freshTtl + 300 + 86_400;
        assertTrue(freshTtl > 0 && ttl > kept - 100 && ttl <= kept,
                "ttlSeconds " + ttl + ", expected about the fresh TTL (" + freshTtl + " s) + 5 min grace + 1 d stale-if-error");
        assertEquals(Instant.parse(first.getString("freshUntil")).plusSeconds(300), Instant.parse(first.getString("graceUntil")));
        assertEquals(Instant.parse(first.getString("graceUntil")).plusSeconds(86_400),
                Instant.parse(first.getString("staleIfErrorUntil")));
        assertNull(first.get("originFailedAt"), "the origin has not failed");
        assertEquals(0, first.getLong("changes"));
        long freshFor = first.getLong("freshForSeconds");
        assertTrue(freshFor > freshTtl - 100 && freshFor <= freshTtl, "freshForSeconds " + freshFor + " of " + freshTtl);
        assertEquals(png.length, first.getLong("sizeBytes"));
        assertEquals("image/png", first.getString("contentType"));
        assertEquals("\"k1\"", first.getString("etag"));
        assertEquals("Fri, 1 Mar 2024 12:00:00 GMT", first.getString("lastModified"));
        Instant fetchedAt = Instant.parse(first.getString("fetchedAt"));
        assertTrue(Duration.between(fetchedAt, Instant.now()).abs().compareTo(Duration.ofMinutes(1)) < 0, "fetchedAt " + fetchedAt);
        Instant.parse(first.getString("freshUntil"));
        assertTrue(first.getLong("fetchMillis") >= 0);
        assertEquals(1, first.getLong("hits"), "the read that waited for the fetch counts once");
        assertNull(first.get("pending"));

        assertEquals(1, describe(key).getLong("hits"), "describing a key is not a read");
    }

    @Test
    void aNegativeEntryIsDescribedWithTheOriginsStatus() {
        ImageKey key = TestKeys.unique("avatars", "png");
        origin.serve(key.value(), Reply.status(404));
        given().urlEncodingEnabled(false).get("/images/" + key.value()).then().statusCode(404);

        JsonPath negative = describe(key);
        assertEquals("404", negative.getString("status"));
        assertNull(negative.get("sizeBytes"));
        assertNull(negative.get("contentType"));
        long ttl = negative.getLong("ttlSeconds");
        assertTrue(ttl > 0 && ttl <= 60, "ttlSeconds " + ttl + ", expected at most the 1 min negative TTL");
    }

    @Test
    void aStaleKeyHasNegativeFreshnessAndItsPendingRefreshIsShown() {
        ImageKey key = TestKeys.unique("shortlived", "png");
        origin.serveInTurn(key.value(), Reply.image(TestImages.png(2_000, 1), "image/png"),
                Reply.image(TestImages.png(2_000, 2), "image/png").withDelay(Duration.ofMillis(500)));
        given().urlEncodingEnabled(false).get("/images/" + key.value()).then().statusCode(200);
        await().atMost(WAIT).until(() -> describe(key).getLong("freshForSeconds") < 0);

        // A stale read enqueues the one refresh; the slow origin keeps it pending while it is described.
        given().urlEncodingEnabled(false).get("/images/" + key.value()).then().statusCode(200)
                .header("Cache-Control", "max-age=0");
        String pending = describe(key).getString("pending");
        assertTrue(pending != null && pending.matches("(queued|fetching):.+"), "pending " + pending);
    }

    @Test
    void anInvalidKeyIsA400Problem() {
        given().urlEncodingEnabled(false).get("/api/keys/avatars/%2E%2E/x.png")
                .then().statusCode(400).contentType("application/problem+json")
                .body("detail", containsString("'..' path element"));
        given().urlEncodingEnabled(false).get("/api/keys/avatars/a%20b.png")
                .then().statusCode(400).body("detail", containsString("U+0020"));
        given().urlEncodingEnabled(false).get("/api/keys/" + "x".repeat(513))
                .then().statusCode(400).body("detail", containsString("the limit is 512"));
    }

    private static JsonPath describe(ImageKey key) {
        return given().urlEncodingEnabled(false).get("/api/keys/" + key.value())
                .then().statusCode(200).contentType("application/json").extract().jsonPath();
    }
}
