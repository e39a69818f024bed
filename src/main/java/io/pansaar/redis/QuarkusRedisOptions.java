package io.pansaar.redis;

import java.util.Optional;

import io.quarkus.redis.client.RedisOptionsCustomizer;
import io.quarkus.redis.runtime.client.config.RedisConfig;
import io.vertx.redis.client.RedisOptions;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * Keeps the options Quarkus built its default Redis client with ({@code quarkus.redis.*}, after every customizer),
 * so that {@link ReadConnections} connects to the same server, with the same credentials, database and TCP settings.
 * Quarkus builds its clients at start-up, before any application bean is used.
 */
@ApplicationScoped
public class QuarkusRedisOptions implements RedisOptionsCustomizer {

    private volatile RedisOptions defaultClient;

    @Override
    public void customize(String clientName, RedisOptions options) {
        if (RedisConfig.isDefaultClient(clientName)) {
            // Kept, not copied: customizers called after this one change the same object.
            defaultClient = options;
        }
    }

    /** The default client's options; empty when Quarkus has built no default client. */
    public Optional<RedisOptions> defaultClient() {
        return Optional.ofNullable(defaultClient);
    }
}
