package io.pansaar.testing;

import java.util.Map;

/**
 * Gives a {@code @QuarkusTest} a local {@code redis-server} that keeps every acknowledged write in its append-only
 * file, and injects it into fields annotated {@link InjectRedisServer}, so the test can kill and restart it, stop
 * it with SIGSTOP, or kill its clients, as faults in production would. Always a local process, even where Docker
 * runs: the test needs the process itself.
 */
public class PersistentRedisResource extends LocalRedisResource {

    @Override
    public Map<String, String> start() {
        server = LocalRedisServer.startPersistent();
        return Map.of("quarkus.redis.hosts", server.uri());
    }
}
