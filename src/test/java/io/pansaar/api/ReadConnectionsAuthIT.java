package io.pansaar.api;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import java.util.stream.IntStream;

import org.junit.jupiter.api.Test;

import io.pansaar.key.ImageKey;
import io.pansaar.redis.ReadConnections;
import io.pansaar.testing.InjectTestOrigin;
import io.pansaar.testing.PasswordRedisResource;
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
 * Read connections to a Redis that requires a password, as a user of its own, on a database other than 0, all from
 * {@code quarkus.redis.hosts}: they authenticate and select that database before their first read, so reads are
 * hits on the images the worker wrote there.
 */
@QuarkusTest
@QuarkusTestResource(value = PasswordRedisResource.class, restrictToAnnotatedClass = true)
@QuarkusTestResource(value = TestOriginResource.class, restrictToAnnotatedClass = true)
class ReadConnectionsAuthIT {

    @InjectTestOrigin
    TestOrigin origin;

    @Inject
    RedisDataSource redis;

    @Inject
    ReadConnections readConnections;

    @Test
    void readsAreHitsOnTheConfiguredDatabaseAsTheConfiguredUser() {
        assertTrue(readConnections.pipelines(), "a single Redis server over TCP: reads are pipelined");
        ImageKey key = TestKeys.unique("avatars", "png");
        byte[] png = TestImages.png(6_000);
        origin.serve(key.value(), Reply.image(png, "image/png"));
        // The first read waits for the worker to fetch the image; the others find what it wrote.
        List<Response> reads = IntStream.range(0, 21).mapToObj(read -> get(key)).toList();
        for (Response read : reads) {
            assertEquals(200, read.statusCode(), read.asString());
            assertArrayEquals(png, read.asByteArray());
        }
        List<String> later = reads.subList(1, reads.size()).stream().map(read -> read.header("Cache-Status")).toList();
        assertTrue(later.stream().allMatch(status -> status.startsWith("pansaar; hit; ttl=")), String.valueOf(later));
        assertEquals(1, origin.fetches(key.value()));

        // Every connection the application holds, its read connections among them, is the user's, on its database.
        List<String> clients = Arrays.stream(redis.execute("CLIENT", "LIST").toString().split("\n"))
                .filter(line -> !line.isBlank()).toList();
        // A read connection's last command is a read's HINCRBY of the hit counter.
        assertTrue(clients.stream().anyMatch(client -> client.contains(" cmd=hincrby ")), String.valueOf(clients));
        for (String client : clients) {
            assertTrue(client.contains(" db=" + PasswordRedisResource.DATABASE + " ")
                    && client.contains(" user=" + PasswordRedisResource.USER + " "), client);
        }
    }

    private static Response get(ImageKey key) {
        return given().urlEncodingEnabled(false).get("/images/" + key.value());
    }
}
