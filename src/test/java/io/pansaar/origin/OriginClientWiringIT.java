package io.pansaar.origin;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.EnumSet;
import java.util.Optional;
import java.util.UUID;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import io.pansaar.config.Segments;
import io.pansaar.key.ImageKey;
import io.pansaar.testing.InjectTestOrigin;
import io.pansaar.testing.RedisServerResource;
import io.pansaar.testing.Reply;
import io.pansaar.testing.TestImages;
import io.pansaar.testing.TestOrigin;
import io.pansaar.testing.TestOriginResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;

/** The injected client takes its limits and its origin from the configuration. */
@QuarkusTest
@QuarkusTestResource(value = RedisServerResource.class, restrictToAnnotatedClass = true)
@QuarkusTestResource(value = TestOriginResource.class, restrictToAnnotatedClass = true)
class OriginClientWiringIT {

    @Inject
    OriginClient client;

    @Inject
    Segments segments;

    @InjectTestOrigin
    TestOrigin origin;

    @Test
    void fetchesFromTheConfiguredOrigin() {
        String key = "wiring/" + UUID.randomUUID() + ".png";
        byte[] png = TestImages.png(1_500);
        origin.serve(key, Reply.image(png, "image/png"));

        FetchResult result = client.fetch(ImageKey.of(key), segments.of("wiring"), Optional.empty())
                .await().atMost(Duration.ofSeconds(30));

        assertArrayEquals(png, assertInstanceOf(FetchResult.Fetched.class, result).body());
        String userAgent = origin.requests(key).get(0).header("User-Agent").orElseThrow();
        assertTrue(userAgent.matches("Pansaar/\\d+\\.\\d+\\.\\d+.*"), userAgent);
    }

    @Test
    void takesItsLimitsFromTheConfiguration() {
        OriginLimits limits = client.limits();

        assertEquals(1024L * 1024, limits.maxBytes(), "the test profile lowers max-bytes to 1M");
        assertEquals(50_000_000L, limits.maxPixels());
        assertEquals(Duration.ofSeconds(2), limits.timeout(), "the test profile shortens the timeout");
        assertEquals(Duration.ofSeconds(2), limits.connectTimeout());
        assertEquals(3, limits.maxRedirects());
        assertEquals(8, limits.maxConnections(), "unset: the smaller of the worker's concurrency (8 in the test "
                + "profile) and the test origin's fleet-wide max-concurrency (16)");
        assertEquals(EnumSet.allOf(ImageFormat.class), limits.allowedFormats());
    }
}
