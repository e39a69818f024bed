package io.pansaar.api;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.Socket;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import io.pansaar.key.ImageKey;
import io.pansaar.redis.PooledReplies;
import io.pansaar.store.ImageStore;
import io.pansaar.store.ReadResult;
import io.pansaar.testing.InjectTestOrigin;
import io.pansaar.testing.RawHttp;
import io.pansaar.testing.RedisServerResource;
import io.pansaar.testing.Reply;
import io.pansaar.testing.TestImages;
import io.pansaar.testing.TestKeys;
import io.pansaar.testing.TestOrigin;
import io.pansaar.testing.TestOriginResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import io.restassured.response.Response;
import jakarta.inject.Inject;

/**
 * What {@code GET /images/<key>} offers beside the image itself, on a real Redis and a real origin: HEAD, the
 * OpenAPI document, the HTTP server metrics' route tag, and the methods the route does not take.
 */
@QuarkusTest
@QuarkusTestResource(value = RedisServerResource.class, restrictToAnnotatedClass = true)
@QuarkusTestResource(value = TestOriginResource.class, restrictToAnnotatedClass = true)
class ImagesRouteIT {

    /** The URI tag GET /images/<key> has always had in the HTTP server metrics; dashboards select by it. */
    private static final String ROUTE_TAG = "/images/{key: .+}";

    @InjectTestOrigin
    TestOrigin origin;

    @TestHTTPResource("/")
    URL root;

    @Inject
    ImageStore store;

    @Test
    void headAnswersAGetsStatusAndHeadersWithoutTheBody() {
        ImageKey key = TestKeys.unique("avatars", "png");
        byte[] png = TestImages.png(5_000);
        origin.serve(key.value(), Reply.image(png, "image/png").withETag("\"h1\""));
        Response get = given().urlEncodingEnabled(false).get("/images/" + key.value());
        assertEquals(200, get.statusCode());

        RawHttp.Answer head = RawHttp.send(root.getPort(), "HEAD", "/images/" + key.value(), Map.of(), null);
        assertEquals(200, head.status());
        assertEquals("", head.body());
        assertEquals("image/png", head.header("Content-Type"));
        assertEquals("\"h1\"", head.header("ETag"));
        assertEquals("nosniff", head.header("X-Content-Type-Options"));
        assertTrue(head.header("Cache-Control").startsWith("max-age="), head.header("Cache-Control"));
        assertTrue(head.header("Cache-Status").startsWith("pansaar; hit; ttl="), head.header("Cache-Status"));
        assertEquals(1, origin.fetches(key.value()));
    }

    @Test
    void theOpenApiDocumentDescribesTheImageRoute() {
        JsonPath document = given().queryParam("format", "json").get("/q/openapi").then().statusCode(200)
                .extract().jsonPath();
        Map<String, Object> get = document.getMap("paths.'/images/{key}'.get");
        assertNotNull(get, "GET /images/{key} is documented");
        assertEquals("Read an image through the cache", get.get("summary"));
        Map<String, Object> responses = document.getMap("paths.'/images/{key}'.get.responses");
        assertEquals(List.of("200", "304", "400", "404", "503"), responses.keySet().stream().sorted().toList());
        List<Map<String, Object>> parameters = document.getList("paths.'/images/{key}'.get.parameters");
        assertTrue(parameters.stream().anyMatch(parameter -> "key".equals(parameter.get("name"))
                && "path".equals(parameter.get("in"))), String.valueOf(parameters));
    }

    @Test
    void theServerMetricsTagEveryImageWithOneRouteTemplate() {
        ImageKey key = TestKeys.unique("avatars", "png");
        origin.serve(key.value(), Reply.image(TestImages.png(2_000), "image/png"));
        assertEquals(200, given().urlEncodingEnabled(false).get("/images/" + key.value()).statusCode());

        String metrics = given().get("/q/metrics").then().statusCode(200).extract().asString();
        assertTrue(metrics.lines().anyMatch(line -> line.startsWith("http_server_requests_seconds_count{")
                && line.contains("uri=\"" + ROUTE_TAG + "\"") && line.contains("status=\"200\"")),
                () -> "no " + ROUTE_TAG + " series among " + metrics.lines().filter(line -> line.startsWith("http_server_requests"))
                        .toList());
        assertFalse(metrics.contains(key.value()), "a series names the key itself");
    }

    @Test
    void everyAnswerIsTimedOnceWithItsMethodStatusAndOutcome() {
        ImageKey key = TestKeys.unique("avatars", "png");
        origin.serve(key.value(), Reply.image(TestImages.png(2_000), "image/png").withETag("\"m1\""));
        assertEquals(200, given().urlEncodingEnabled(false).get("/images/" + key.value()).statusCode());
        double ok = requests("GET", "200", "SUCCESS");
        double notModified = requests("GET", "304", "REDIRECTION");
        double head = requests("HEAD", "200", "SUCCESS");
        double badRequest = requests("GET", "400", "CLIENT_ERROR");

        for (int i = 0; i < 3; i++) {
            assertEquals(200, given().urlEncodingEnabled(false).get("/images/" + key.value()).statusCode());
        }
        assertEquals(304, given().urlEncodingEnabled(false).header("If-None-Match", "\"m1\"")
                .get("/images/" + key.value()).statusCode());
        assertEquals(200, RawHttp.send(root.getPort(), "HEAD", "/images/" + key.value(), Map.of(), null).status());
        assertEquals(400, given().urlEncodingEnabled(false).get("/images/avatars/%00.png").statusCode());

        // Quarkus' own recording of the route's template is off (application.properties): each answer counts once.
        assertEquals(ok + 3, requests("GET", "200", "SUCCESS"));
        assertEquals(notModified + 1, requests("GET", "304", "REDIRECTION"));
        assertEquals(head + 1, requests("HEAD", "200", "SUCCESS"));
        assertEquals(badRequest + 1, requests("GET", "400", "CLIENT_ERROR"));
    }

    /** The count of the route's http_server_requests_seconds series with these tags; 0 before the first. */
    private static double requests(String method, String status, String outcome) {
        String metrics = given().get("/q/metrics").then().statusCode(200).extract().asString();
        return metrics.lines().filter(line -> line.startsWith("http_server_requests_seconds_count{")
                && line.contains("uri=\"" + ROUTE_TAG + "\"") && line.contains("method=\"" + method + "\"")
                && line.contains("status=\"" + status + "\"") && line.contains("outcome=\"" + outcome + "\""))
                .mapToDouble(line -> Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1)))
                .sum();
    }

    @Test
    void aCopysPooledBufferIsReleasedWhateverTheAnswer() throws Exception {
        ImageKey key = TestKeys.unique("banners", "png");
        // Near the test profile's largest image (1 MB), so a client that hangs up may leave the write unfinished.
        byte[] png = TestImages.png(900_000);
        origin.serve(key.value(), Reply.image(png, "image/png").withETag("\"p1\""));
        assertEquals(200, given().urlEncodingEnabled(false).get("/images/" + key.value()).statusCode());
        assertReleased();

        CompletableFuture<ReadResult> read = new CompletableFuture<>();
        store.read(key, result -> read.complete(result.result()));
        ReadResult hit = read.get(30, TimeUnit.SECONDS);
        assertTrue(PooledReplies.isPooled(hit.content().orElseThrow()), "a hit's body comes in a pooled buffer");
        assertTrue(PooledReplies.held() > 0);
        hit.release();
        assertReleased();

        byte[] served = given().urlEncodingEnabled(false).get("/images/" + key.value()).then().statusCode(200)
                .extract().asByteArray();
        assertArrayEquals(png, served);
        assertReleased();
        assertEquals(304, given().urlEncodingEnabled(false).header("If-None-Match", "\"p1\"")
                .get("/images/" + key.value()).statusCode());
        assertReleased();
        assertEquals(200, RawHttp.send(root.getPort(), "HEAD", "/images/" + key.value(), Map.of(), null).status());
        assertReleased();
        for (int i = 0; i < 5; i++) {
            try (Socket client = new Socket("localhost", root.getPort())) {
                client.getOutputStream().write(("GET /images/" + key.value() + " HTTP/1.1\r\nHost: localhost\r\n\r\n")
                        .getBytes(StandardCharsets.US_ASCII));
                // Reads the status line and hangs up with most of the body unsent.
                assertTrue(client.getInputStream().readNBytes(12).length > 0);
            }
        }
        assertReleased();
    }

    /** Every pooled buffer a read took is released once its answer is done with. */
    private static void assertReleased() {
        await().atMost(Duration.ofSeconds(30)).until(() -> PooledReplies.held() == 0);
    }

    @Test
    void otherMethodsAreRefusedWithAllow() {
        RawHttp.Answer post = RawHttp.send(root.getPort(), "POST", "/images/avatars/a.png",
                Map.of("Content-Type", "application/json"), "{}");
        assertEquals(405, post.status(), post.body());
        assertEquals(Problem.MEDIA_TYPE, post.header("Content-Type"));
        assertTrue(post.body().contains("does not take POST"), post.body());
    }
}
