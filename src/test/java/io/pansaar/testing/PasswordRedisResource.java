package io.pansaar.testing;

import java.util.List;
import java.util.Map;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

/**
 * Gives a {@code @QuarkusTest} a local {@code redis-server} that refuses unauthenticated clients
 * ({@code requirepass}) and has an ACL user of its own, {@link #USER}; the application connects as that user to
 * database {@link #DATABASE}, all of it in {@code quarkus.redis.hosts}. The server is injected into fields
 * annotated {@link InjectRedisServer}.
 */
public class PasswordRedisResource implements QuarkusTestResourceLifecycleManager {

    public static final String USER = "pansaar";
    public static final String PASSWORD = "read-through secret";
    public static final String DEFAULT_USER_PASSWORD = "only-the-default-user";
    public static final int DATABASE = 2;

    private LocalRedisServer server;

    @Override
    public Map<String, String> start() {
        server = LocalRedisServer.start(List.of("--requirepass", DEFAULT_USER_PASSWORD,
                "--user", USER, "on", ">" + PASSWORD, "~*", "&*", "+@all"));
        return Map.of("quarkus.redis.hosts", "redis://" + USER + ":" + PASSWORD.replace(" ", "%20") + "@127.0.0.1:"
                + server.port() + "/" + DATABASE);
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
