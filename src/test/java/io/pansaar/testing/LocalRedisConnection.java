package io.pansaar.testing;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.redis.client.Redis;

/**
 * A {@code redis-server} of its own with a Vert.x client connected to it, for a test class that starts no
 * application: register it as a static {@code @RegisterExtension} field, and it runs from before the first test to
 * after the last.
 */
public final class LocalRedisConnection implements BeforeAllCallback, AfterAllCallback {

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
}
