package io.pansaar.api;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;

import org.junit.jupiter.api.Test;

import io.pansaar.key.ImageKey;
import io.pansaar.redis.ReadConnections;
import io.pansaar.testing.InjectRedisServer;
import io.pansaar.testing.InjectTestOrigin;
import io.pansaar.testing.LocalRedisServer;
import io.pansaar.testing.PersistentRedisResource;
import io.pansaar.testing.Reply;
import io.pansaar.testing.TestImages;
import io.pansaar.testing.TestKeys;
import io.pansaar.testing.TestOrigin;
import io.pansaar.testing.TestOriginResource;
import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import jakarta.inject.Inject;

/**
 * Reads are pipelined on long-lived connections to a single Redis server; when Redis drops them, for real, the next
 * reads open new ones by themselves: after {@code CLIENT KILL TYPE normal} the very next read is a hit, and after
 * a crash and restart of the server reads are hits again as soon as it has loaded its data.
 */
@QuarkusTest
@QuarkusTestResource(value = PersistentRedisResource.class, restrictToAnnotatedClass = true)
@QuarkusTestResource(value = TestOriginResource.class, restrictToAnnotatedClass = true)
class ReadConnectionsRecoverIT {

    private static final int ROUNDS = 5;
    private static final int READS_PER_ROUND = 20;

    @InjectRedisServer
    LocalRedisServer server;

    @InjectTestOrigin
    TestOrigin origin;

    @Inject
    RedisDataSource redis;

    @Inject
    ReadConnections readConnections;

    @Test
    void theReadAfterClientKillIsAHit() {
        assertTrue(readConnections.pipelines(), "a single Redis server: reads are pipelined on read connections");
        ImageKey key = TestKeys.unique("avatars", "png");
        byte[] png = TestImages.png(4_000);
        origin.serve(key.value(), Reply.image(png, "image/png"));
        assertEquals(200, get(key).statusCode());

        for (int round = 0; round < ROUNDS; round++) {
            for (int read = 0; read < READS_PER_ROUND; read++) {
                assertHit(key, png);
            }
            // Every normal connection but the one sending the command: the read connections among them.
            long killed = redis.execute("CLIENT", "KILL", "TYPE", "normal", "SKIPME", "yes").toLong();
            assertTrue(killed > 0, "no connection was killed");
            assertHit(key, png);
        }
        assertEquals(1, origin.fetches(key.value()));
    }

    @Test
    void readsAreHitsAgainAfterRedisRestarts() {
        ImageKey key = TestKeys.unique("avatars", "png");
        byte[] png = TestImages.png(4_000);
        origin.serve(key.value(), Reply.image(png, "image/png"));
        assertEquals(200, get(key).statusCode());
        for (int read = 0; read < READS_PER_ROUND; read++) {
            assertHit(key, png);
        }

        // A crash (SIGKILL) and a start on the same port; the append-only file brings the image back.
        server.restart();
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100))
                .until(() -> get(key).statusCode() == 200);
        for (int read = 0; read < READS_PER_ROUND; read++) {
            assertHit(key, png);
        }
        assertEquals(1, origin.fetches(key.value()));
    }

    private void assertHit(ImageKey key, byte[] png) {
        Response response = get(key);
        assertEquals(200, response.statusCode(), response.asString());
        assertTrue(response.header("Cache-Status").startsWith("pansaar; hit; ttl="), response.header("Cache-Status"));
        assertArrayEquals(png, response.asByteArray());
    }

    private static Response get(ImageKey key) {
        return given().urlEncodingEnabled(false).get("/images/" + key.value());
    }
}
