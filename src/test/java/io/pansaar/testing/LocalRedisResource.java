package io.pansaar.testing;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

/**
 * A test resource that starts a local {@code redis-server} process of its own (its subclass says how) and injects
 * it into fields annotated {@link InjectRedisServer}, so the test can kill, restart or pause it. Always a local
 * process, even where Docker runs: the test needs the process itself.
 */
public abstract class LocalRedisResource implements QuarkusTestResourceLifecycleManager {

    /** The server started by {@link #start()}. */
    protected LocalRedisServer server;

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
