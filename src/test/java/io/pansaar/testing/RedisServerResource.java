package io.pansaar.testing;

import java.util.Map;

import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.GenericContainer;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

/**
 * Gives a {@code @QuarkusTest} its own real Redis: through Testcontainers when a Docker engine
 * answers, otherwise a local {@code redis-server} process on a free port.
 */
public class RedisServerResource implements QuarkusTestResourceLifecycleManager {

    private LocalRedisServer localServer;
    private GenericContainer<?> container;

    @Override
    public Map<String, String> start() {
        if (dockerAvailable()) {
            container = new GenericContainer<>("redis:7.0").withExposedPorts(6379);
            container.start();
            return Map.of("quarkus.redis.hosts",
                    "redis://" + container.getHost() + ":" + container.getMappedPort(6379));
        }
        localServer = LocalRedisServer.start();
        return Map.of("quarkus.redis.hosts", localServer.uri());
    }

    @Override
    public void stop() {
        if (container != null) {
            container.stop();
        }
        if (localServer != null) {
            localServer.close();
        }
    }

    private static boolean dockerAvailable() {
        // Asking Testcontainers logs an ERROR when no engine exists; skip the question when no socket is there.
        boolean socketPresent = new java.io.File("/var/run/docker.sock").exists() || System.getenv("DOCKER_HOST") != null;
        if (!socketPresent || Boolean.getBoolean("pansaar.test.no-docker")) {
            return false;
        }
        return DockerClientFactory.instance().isDockerAvailable();
    }
}
