package io.pansaar.testing;

import java.util.Map;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

/**
 * Gives a {@code @QuarkusTest} a local {@code redis-server} that keeps every acknowledged write in its append-only
 * file, and injects it into fields annotated {@link InjectRedisServer}, so the test can kill and restart it, stop
 * it with SIGSTOP, or kill its clients, as faults in production would. Always a local process, even where Docker
 * runs: the test needs the process itself.
 */
public class PersistentRedisResource implements QuarkusTestResourceLifecycleManager {

    private LocalRedisServer server;

    @Override
    public Map<String, String> start() {
        server = LocalRedisServer.startPersistent();
        return Map.of("quarkus.redis.hosts", server.uri());
    }

    @Override
    public void inject(TestInjector testInjector) {
        testInjector.injectIntoFields(server,
                new TestInjector.AnnotatedAndMatchesType(InjectRedisServer.class, LocalRedisServer.class));
    }

    @Override
    public void stop() {
        if (server != null) {
            server.close();
        }
    }
}
