package io.pansaar.api;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.emptyString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

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
import io.pansaar.testing.StoredImages;
import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import jakarta.inject.Inject;

/** {@code GET /images/<key>} against the running application, a real Redis and a real origin. */
@QuarkusTest
@QuarkusTestResource(value = RedisServerResource.class, restrictToAnnotatedClass = true)
@QuarkusTestResource(value = TestOriginResource.class, restrictToAnnotatedClass = true)
class ImagesResourceIT {

    private static final Duration WAIT = Duration.ofSeconds(30);

    @InjectTestOrigin
    TestOrigin origin;

    @Inject
    ReadyNotifications notifications;

    @Inject
    RedisDataSource redis;

    @Inject
    Partitioner partitioner;

    @TestHTTPResource("/images/")
    URL images;

    @Test
    void aMissIsFetchedOnceAndServedThenHitsAreServedFromTheCache() {
        ImageKey key = TestKeys.unique("avatars", "png");
        byte[] png = TestImages.png(20_000);
        origin.serve(key.value(), Reply.image(png, "image/png").withETag("\"v1\""));

        Response miss = get(key.value());
        assertEquals(200, miss.statusCode());
        assertArrayEquals(png, miss.asByteArray());
        assertEquals("image/png", miss.contentType());
        assertEquals("\"v1\"", miss.header("ETag"));
        assertEquals("nosniff", miss.header("X-Content-Type-Options"));
        assertEquals("pansaar; fwd=miss; stored", miss.header("Cache-Status"));
        long maxAge = maxAge(miss);
        // The dynamic TTL chose the fresh TTL; max-age is what is left of it.
        long freshTtl = Long.parseLong(StoredImages.metaField(redis,
                RedisKeys.image(partitioner.partitionOf(key), key), "fresh-ttl")) / 1000;
        assertTrue(maxAge > freshTtl - 100 && maxAge <= freshTtl, "max-age " + maxAge + " against a fresh TTL of " + freshTtl + " s");

        Response hit = get(key.value());
        assertEquals(200, hit.statusCode());
        assertArrayEquals(png, hit.asByteArray());
        assertTrue(hit.header("Cache-Status").startsWith("pansaar; hit; ttl="), hit.header("Cache-Status"));
        assertEquals(1, origin.fetches(key.value()));
    }

    @Test
    void ifNoneMatchAnswers304WhenAnyListedTagMatchesWeakly() {
        ImageKey key = TestKeys.unique("avatars", "png");
        origin.serve(key.value(), Reply.image(TestImages.png(3_000), "image/png").withETag("\"v1\""));
        assertEquals(200, get(key.value()).statusCode());

        for (String matching : List.of("\"v1\"", "W/\"v1\"", "\"other\", W/\"v1\"", "*")) {
            given().urlEncodingEnabled(false).header("If-None-Match", matching).get("/images/" + key.value())
                    .then().statusCode(304).body(emptyString())
                    .header("ETag", "\"v1\"").header("Cache-Control", startsWith("max-age="));
        }
        given().urlEncodingEnabled(false).header("If-None-Match", "\"v0\", W/\"v2\"").get("/images/" + key.value())
                .then().statusCode(200).header("ETag", "\"v1\"");
        assertEquals(1, origin.fetches(key.value()));
    }

    @Test
    void withoutAnOriginETagAStableDerivedETagAllows304() {
        ImageKey key = TestKeys.unique("avatars", "png");
        origin.serve(key.value(), Reply.image(TestImages.png(3_000), "image/png"));
        String etag = get(key.value()).header("ETag");
        assertTrue(etag.startsWith("\"sha256-"), etag);

        assertEquals(etag, get(key.value()).header("ETag"));
        given().urlEncodingEnabled(false).header("If-None-Match", etag).get("/images/" + key.value())
                .then().statusCode(304);
    }

    @Test
    void aStaleCopyIsServedAtOnceWhileOneRefreshRuns() {
        // Segment "shortlived" is fresh for 1 s in the test profile, then stale within a minute's grace.
        ImageKey key = TestKeys.unique("shortlived", "png");
        byte[] first = TestImages.png(3_000, 1);
        byte[] second = TestImages.png(3_000, 2);
        origin.serveInTurn(key.value(), Reply.image(first, "image/png"),
                Reply.image(second, "image/png").withDelay(Duration.ofMillis(500)));
        assertArrayEquals(first, get(key.value()).asByteArray());

        Response stale = await().atMost(WAIT).pollInterval(Duration.ofMillis(50))
                .until(() -> get(key.value()), response -> "pansaar; hit; detail=stale".equals(response.header("Cache-Status")));
        assertEquals(200, stale.statusCode());
        assertArrayEquals(first, stale.asByteArray());
        assertEquals("max-age=0", stale.header("Cache-Control"));

        await().atMost(WAIT).until(() -> Arrays.equals(second, get(key.value()).asByteArray()));
        assertEquals(2, origin.fetches(key.value()), "the stale reads shared one refresh");
    }

    @Test
    void anImageTheOriginDoesNotHaveIsA404Problem() {
        ImageKey key = TestKeys.unique("avatars", "png");
        origin.serve(key.value(), Reply.status(404));

        for (int read = 0; read < 2; read++) {
            given().urlEncodingEnabled(false).get("/images/" + key.value())
                    .then().statusCode(404).contentType("application/problem+json")
                    .body("status", equalTo(404))
                    .body("detail", containsString("the origin answered 404 for " + key.value()))
                    .body("instance", equalTo("/images/" + key.value()));
        }
        assertEquals(1, origin.fetches(key.value()), "the remembered 404 is answered without asking the origin again");
    }

    @Test
    void invalidKeysAre400ProblemsNamingTheRule() throws Exception {
        assertInvalid("avatars/%2E%2E/x.png", "'..' path element");
        assertInvalid("avatars/./x.png", "'.' path element");
        assertInvalid("avatars/a%20b.png", "character U+0020 at position 9");
        assertInvalid("avatars/" + "x".repeat(600) + ".png", "612 bytes long; the limit is 512");
        assertInvalid("avatars//x.png", "empty path element");
        for (String rewritten : List.of("x.png", "avatars/x.png")) {
            ImageKey key = ImageKey.of(rewritten);
            assertEquals(0, redis.key().exists(RedisKeys.marker(partitioner.partitionOf(key), key),
                    RedisKeys.image(partitioner.partitionOf(key), key)), "a normalized path was read as " + rewritten);
        }
    }

    @Test
    void twoHundredConcurrentReadersOfAMissingImageGetTheSameBytesFromOneOriginFetch() throws Exception {
        ImageKey key = TestKeys.unique("avatars", "png");
        byte[] png = TestImages.png(8_000);
        origin.serve(key.value(), Reply.image(png, "image/png").withDelay(Duration.ofMillis(300)));

        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        HttpRequest request = HttpRequest.newBuilder(URI.create(images + key.value())).timeout(WAIT).build();
        List<CompletableFuture<HttpResponse<byte[]>>> readers = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            readers.add(client.sendAsync(request, HttpResponse.BodyHandlers.ofByteArray()));
        }
        CompletableFuture.allOf(readers.toArray(CompletableFuture[]::new)).get(WAIT.toSeconds(), TimeUnit.SECONDS);

        for (CompletableFuture<HttpResponse<byte[]>> reader : readers) {
            HttpResponse<byte[]> response = reader.get();
            assertEquals(200, response.statusCode());
            assertArrayEquals(png, response.body());
        }
        long waitedForTheFetch = readers.stream().map(CompletableFuture::join)
                .filter(response -> response.headers().firstValue("Cache-Status").orElse("").contains("fwd=miss"))
                .count();
        assertTrue(waitedForTheFetch > 1, "only " + waitedForTheFetch + " readers overlapped the fetch");
        assertEquals(1, origin.fetches(key.value()));
        assertEquals(0, notifications.waiting(), "every waiter was woken or cancelled");
    }

    private Response get(String key) {
        return given().urlEncodingEnabled(false).get("/images/" + key);
    }

    /** Sends the path exactly as given (RestAssured would collapse '//'), and expects a 400 problem naming the rule. */
    private void assertInvalid(String rawKey, String rule) throws Exception {
        HttpResponse<String> response = HttpClient.newHttpClient().send(
                HttpRequest.newBuilder(URI.create(images + rawKey)).timeout(WAIT).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(400, response.statusCode(), rawKey + ": " + response.body());
        assertEquals("application/problem+json", response.headers().firstValue("Content-Type").orElseThrow());
        assertTrue(response.body().contains(rule), rawKey + ": " + response.body());
    }

    private static long maxAge(Response response) {
        String cacheControl = response.header("Cache-Control");
        assertTrue(cacheControl.startsWith("max-age="), cacheControl);
        return Long.parseLong(cacheControl.substring("max-age=".length()));
    }
}
