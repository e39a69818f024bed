package io.pansaar.testing;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.time.Duration;

import io.pansaar.key.ImageKey;
import io.pansaar.key.Partitioner;
import io.pansaar.key.RedisKeys;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.redis.client.Command;
import io.vertx.mutiny.redis.client.Redis;
import io.vertx.mutiny.redis.client.Request;
import io.vertx.mutiny.redis.client.Response;

/**
 * A {@code redis-server} of its own with a Vert.x client connected to it, for a test class that starts no
 * application: register it as a static {@code @RegisterExtension} field, and it runs from before the first test to
 * after the last.
 */
public final class LocalRedisConnection implements BeforeAllCallback, AfterAllCallback {

    private static final Duration TIMEOUT = Duration.ofSeconds(10);
    /** The default partition count, which the applications these tests start use. */
    private static final Partitioner PARTITIONER = new Partitioner(16);

    private LocalRedisServer server;
    private Vertx vertx;
    private Redis redis;

    @Override
    public void beforeAll(ExtensionContext context) {
        server = LocalRedisServer.start();
        vertx = Vertx.vertx();
        redis = Redis.createClient(vertx, server.uri());
    }

    @Override
    public void afterAll(ExtensionContext context) {
        redis.close();
        vertx.closeAndAwait();
        server.close();
    }

    /** The client connected to the server. */
    public Redis redis() {
        return redis;
    }

    /** The server, for its port. */
    public LocalRedisServer server() {
        return server;
    }

    /** The Vert.x instance the client runs on, for further clients. */
    public Vertx vertx() {
        return vertx;
    }

    /** Sends one command and waits for its reply. */
    public Response call(Request request) {
        return redis.send(request).await().atMost(TIMEOUT);
    }

    /** Publishes a job for {@code key} with {@code reason} on its partition's stream, as an app server would. */
    public void publishJob(ImageKey key, String reason) {
        call(Request.cmd(Command.XADD).arg(RedisKeys.jobs(PARTITIONER.partitionOf(key))).arg("*")
                .arg("key").arg(key.value()).arg("reason").arg(reason));
    }

    /** Whether the cache holds an image (or a negative entry) for {@code key}. */
    public boolean cached(ImageKey key) {
        return call(Request.cmd(Command.EXISTS).arg(RedisKeys.image(PARTITIONER.partitionOf(key), key))).toInteger() == 1;
    }
}
