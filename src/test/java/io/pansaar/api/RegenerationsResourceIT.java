package io.pansaar.api;

import static io.pansaar.testing.AdminApi.ADMIN_TOKEN;
import static io.pansaar.testing.AdminApi.admin;
import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;

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
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import jakarta.inject.Inject;

/** {@code POST /api/regenerations} against the running application, its worker, a real Redis and a real origin. */
@QuarkusTest
@QuarkusTestResource(value = RedisServerResource.class, restrictToAnnotatedClass = true)
@QuarkusTestResource(value = TestOriginResource.class, restrictToAnnotatedClass = true)
class RegenerationsResourceIT {

    private static final Duration WAIT = Duration.ofSeconds(30);

    @InjectTestOrigin
    TestOrigin origin;

    @Inject
    Partitioner partitioner;

    @TestHTTPResource("/api/regenerations")
    URL regenerations;

    @Test
    void aRequestEnqueuesOneJobAndARepeatWhileItIsPendingAddsNone() {
        ImageKey key = TestKeys.unique("banners", "png");
        // Slow, so the job is still queued or fetching when the second request arrives.
        origin.serve(key.value(), Reply.image(TestImages.png(2_000), "image/png").withDelay(Duration.ofMillis(400)));
        int partition = partitioner.partitionOf(key);

        JsonPath first = admin().body(Map.of("key", key.value())).post("/api/regenerations")
                .then().statusCode(202).contentType(ContentType.JSON)
                .header("Location", containsString("/api/keys/" + key.value()))
                .body("key", equalTo(key.value())).body("partition", equalTo(partition))
                .body("stream", equalTo("pansaar:{" + partition + "}:jobs"))
                .body("pending", equalTo(false)).body("marker", nullValue())
                .extract().jsonPath();
        assertTrue(first.getString("id").matches("\\d+-\\d+"), first.getString("id"));

        JsonPath second = admin().body(Map.of("key", key.value(), "reason", "refresh")).post("/api/regenerations")
                .then().statusCode(202).body("pending", equalTo(true)).body("id", nullValue())
                .extract().jsonPath();
        String marker = second.getString("marker");
        assertTrue(marker.equals("queued:" + first.getString("token")) || marker.equals("fetching:" + first.getString("token")),
                "marker " + marker + " is not the first job's (token " + first.getString("token") + ")");

        await().atMost(WAIT).until(() -> given().urlEncodingEnabled(false).get("/api/keys/" + key.value()).statusCode() == 200);
        assertEquals(1, origin.fetches(key.value()));
    }

    @Test
    void theJobCarriesTheRequestedReasonAndManualByDefault() {
        ImageKey manual = TestKeys.unique("avatars", "png");
        ImageKey miss = TestKeys.unique("avatars", "png");
        origin.serve(manual.value(), Reply.image(TestImages.png(1_000), "image/png"));
        origin.serve(miss.value(), Reply.image(TestImages.png(1_000), "image/png"));

        admin().body(Map.of("key", manual.value())).post("/api/regenerations").then().statusCode(202);
        admin().body(Map.of("key", miss.value(), "reason", "miss")).post("/api/regenerations").then().statusCode(202);

        // A manual job is a conditional refresh, a miss job a plain fetch: both end in a cached image.
        for (ImageKey key : new ImageKey[] { manual, miss }) {
            await().atMost(WAIT).until(() -> given().urlEncodingEnabled(false).get("/api/keys/" + key.value())
                    .statusCode() == 200);
        }
        assertEquals(1, origin.fetches(manual.value()));
        assertEquals(1, origin.fetches(miss.value()));
    }

    @Test
    void badRequestsAre400ProblemsSayingWhatIsWrong() {
        assertBadRequest("{\"key\": \"avatars/../x.png\"}", "'..' path element");
        assertBadRequest("{\"key\": \"avatars/a b.png\"}", "U+0020");
        assertBadRequest("{\"key\": \"" + "x".repeat(600) + "\"}", "the limit is 512");
        assertBadRequest("{\"key\": \"avatars/x.png\", \"reason\": \"urgent\"}", "unknown job reason 'urgent'");
        assertBadRequest("{\"key\": \"avatars/x.png\", \"reason\": \"warm\"}", "reason 'warm' is for POST /api/warmups");
        assertBadRequest("{\"reason\": \"manual\"}", "no \"key\" field");
        assertBadRequest("{\"key\": \"avatars/x.png\", \"priority\": 1}", "unknown field 'priority'");
        assertBadRequest("{\"key\": ", "not valid JSON");
        assertBadRequest("[\"avatars/x.png\"]", "the body is an array, not a JSON object");
        assertBadRequest("", "no body");
    }

    @Test
    void onlyStringsAreTakenWhereStringsAreMeant() {
        assertBadRequest("{\"key\": 123}", "field 'key' must be a JSON string, was a number (123)");
        assertBadRequest("{\"key\": [\"avatars/x.png\"]}", "field 'key' must be a JSON string, was an array");
        assertBadRequest("{\"key\": {\"path\": \"avatars/x.png\"}}", "field 'key' must be a JSON string, was an object");
        assertBadRequest("{\"key\": true}", "field 'key' must be a JSON string, was a boolean (true)");
        assertBadRequest("{\"key\": \"avatars/x.png\", \"reason\": 1}", "field 'reason' must be a JSON string");
        assertBadRequest("{\"key\": null}", "no \"key\" field");
    }

    @Test
    void aRepeatedFieldAndDataAfterTheObjectAreRefused() {
        assertBadRequest("{\"key\": \"avatars/a.png\", \"key\": \"avatars/b.png\"}", "field 'key' appears more than once");
        assertBadRequest("{\"key\": \"avatars/a.png\"} {\"key\": \"avatars/b.png\"}", "goes on after its JSON object");
        assertBadRequest("{\"key\": \"avatars/a.png\"}]", "goes on after its JSON object");
        assertBadRequest("{\"key\": \"avatars/a.png\"}garbage", "goes on after its JSON object");
    }

    @Test
    void aBodyNotSentAsJsonIsRefusedWith415() throws Exception {
        given().contentType(ContentType.TEXT).header("Authorization", "Bearer " + ADMIN_TOKEN)
                .body("avatars/x.png").post("/api/regenerations")
                .then().statusCode(415).contentType(Problem.MEDIA_TYPE)
                .body("detail", containsString("is not accepted here; send application/json"));
        // Without any Content-Type (RestAssured would add one, the JDK client adds none).
        HttpResponse<String> untyped = HttpClient.newHttpClient().send(HttpRequest.newBuilder(regenerations.toURI())
                .header("Authorization", "Bearer " + ADMIN_TOKEN)
                .POST(HttpRequest.BodyPublishers.ofString("{\"key\": \"avatars/untyped.png\"}")).timeout(WAIT).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(415, untyped.statusCode(), untyped.body());
        assertEquals(Problem.MEDIA_TYPE, untyped.headers().firstValue("Content-Type").orElseThrow());
        assertTrue(untyped.body().contains("the request has no Content-Type"), untyped.body());
    }

    @Test
    void withoutTheBearerTokenTheAnswerIs401() {
        given().contentType(ContentType.JSON).body(Map.of("key", "avatars/x.png")).post("/api/regenerations")
                .then().statusCode(401).contentType("application/problem+json")
                .header("WWW-Authenticate", containsString("Bearer"));
        given().contentType(ContentType.JSON).header("Authorization", "Bearer wrong-token")
                .body(Map.of("key", "avatars/x.png")).post("/api/regenerations")
                .then().statusCode(401).body("detail", containsString("not pansaar.admin-token"));
    }

    private void assertBadRequest(String body, String problem) {
        String detail = admin().body(body).post("/api/regenerations")
                .then().statusCode(400).contentType("application/problem+json")
                .extract().jsonPath().getString("detail");
        assertTrue(detail.contains(problem), "detail '" + detail + "' lacks '" + problem + "'");
    }

}
