package io.pansaar.api;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;

import org.junit.jupiter.api.Test;

import io.pansaar.key.ImageKey;
import io.pansaar.testing.InjectTestOrigin;
import io.pansaar.testing.RedisServerResource;
import io.pansaar.testing.Reply;
import io.pansaar.testing.TestImages;
import io.pansaar.testing.TestKeys;
import io.pansaar.testing.TestOrigin;
import io.pansaar.testing.TestOriginResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;

/** A reader whose image takes longer than {@code pansaar.read-through.timeout} gets 503 with Retry-After. */
@QuarkusTest
@QuarkusTestResource(value = RedisServerResource.class, restrictToAnnotatedClass = true)
@QuarkusTestResource(value = TestOriginResource.class, restrictToAnnotatedClass = true)
@TestProfile(ShortReadThroughProfile.class)
class ReadThroughTimeoutIT {

    private static final Duration WAIT = Duration.ofSeconds(30);

    @InjectTestOrigin
    TestOrigin origin;

    @Inject
    ReadyNotifications notifications;

    @Test
    void aFetchSlowerThanTheTimeoutIsA503WithRetryAfterAndTheImageArrivesLater() {
        ImageKey key = TestKeys.unique("avatars", "png");
        byte[] png = TestImages.png(2_000);
        // Longer than the profile's 300 ms wait, shorter than the test profile's 1 s origin timeout.
        origin.serve(key.value(), Reply.image(png, "image/png").withDelay(Duration.ofMillis(600)));

        given().urlEncodingEnabled(false).get("/images/" + key.value())
                .then().statusCode(503).contentType("application/problem+json")
                .header("Retry-After", "1")
                .body("status", equalTo(503))
                .body("detail", containsString("not ready within 300 ms"));
        assertEquals(0, notifications.waiting(), "the timed-out waiter was cancelled");

        byte[] later = await().atMost(WAIT).until(() -> given().urlEncodingEnabled(false).get("/images/" + key.value()),
                response -> response.statusCode() == 200).asByteArray();
        assertArrayEquals(png, later);
        assertEquals(1, origin.fetches(key.value()), "the retry joined the job the first read enqueued");
    }
}
