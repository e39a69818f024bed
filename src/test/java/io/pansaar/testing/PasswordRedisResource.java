package io.pansaar.testing;

import java.util.List;
import java.util.Map;

/**
 * Gives a {@code @QuarkusTest} a local {@code redis-server} that refuses unauthenticated clients
 * ({@code requirepass}) and has an ACL user of its own, {@link #USER}; the application connects as that user to
 * database {@link #DATABASE}, all of it in {@code quarkus.redis.hosts}. The server is injected into fields
 * annotated {@link InjectRedisServer}.
 */
public class PasswordRedisResource extends LocalRedisResource {

    public static final String USER = "pansaar";
    public static final String PASSWORD = "read-through secret";
    public static final int DATABASE = 2;
    /** The default user's password: no client of the application uses it. */
    private static final String DEFAULT_USER_PASSWORD = "only-the-default-user";

    @Override
    public Map<String, String> start() {
        server = LocalRedisServer.start(List.of("--requirepass", DEFAULT_USER_PASSWORD,
                "--user", USER, "on", ">" + PASSWORD, "~*", "&*", "+@all"));
        return Map.of("quarkus.redis.hosts", "redis://" + USER + ":" + PASSWORD.replace(" ", "%20") + "@127.0.0.1:"
                + server.port() + "/" + DATABASE);
    }
}
