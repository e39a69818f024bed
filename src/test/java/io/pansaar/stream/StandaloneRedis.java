package io.pansaar.stream;

import java.util.List;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import io.pansaar.redis.FunctionLibrary;
import io.pansaar.testing.LocalRedisConnection;
import io.vertx.mutiny.redis.client.Redis;

/**
 * A single {@code redis-server} of the test class's own, with the function library loaded, for tests of the consumer:
 * register it as a static {@code @RegisterExtension} field and start each test's consumer on it.
 */
final class StandaloneRedis implements BeforeAllCallback, AfterAllCallback {

    private final LocalRedisConnection connection = new LocalRedisConnection();

    @Override
    public void beforeAll(ExtensionContext context) {
        connection.beforeAll(context);
        // Loaded before the first test, so that no test's first function call also loads it.
        new FunctionLibrary(redis(), connection.vertx(), "standalone", List.of(connection.server().uri()))
                .loadEverywhere().await().atMost(StreamHarness.WAIT);
    }

    @Override
    public void afterAll(ExtensionContext context) {
        connection.afterAll(context);
    }

    /** The client connected to the server, for commands sent before a consumer exists. */
    Redis redis() {
        return connection.redis();
    }

    /** Starts a consumer on the server. */
    StreamHarness start(StreamSettings settings) {
        return StreamHarness.start(connection, settings);
    }

    /** Starts a consumer on the server whose subscriber asks for {@code demand} messages at first. */
    StreamHarness startWithDemand(StreamSettings settings, long demand) {
        return StreamHarness.startWithDemand(connection.vertx(), redis(), connection.server().uri(), settings, demand);
    }
}
