package io.pansaar.worker;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import io.pansaar.key.ImageKey;
import io.pansaar.testing.LocalRedisCluster;
import io.pansaar.testing.LocalRedisServer;
import io.pansaar.testing.LocalTestOrigin;
import io.pansaar.testing.Reply;
import io.pansaar.testing.TestImages;
import io.pansaar.testing.WorkerProcess;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;

/**
 * The packaged application started while its Redis is down, as when a deployment brings both up at once, or while its
 * Redis Cluster is still forming: it starts unready rather than exit, and once Redis answers it loads the function
 * library, subscribes to the ready channels, turns ready and serves a read-through miss, without a restart.
 */
class WorkerStartsBeforeRedisIT {

    private static final Duration WAIT = Duration.ofSeconds(60);

    @RegisterExtension
    static final LocalTestOrigin ORIGIN = new LocalTestOrigin();

    @Test
    void aWorkerStartedBeforeItsRedisTurnsReadyWhenRedisAnswers() {
        ImageKey key = ImageKey.of("avatars/before-redis.png");
        int httpPort = LocalRedisServer.freePort();
        try (LocalRedisServer server = LocalRedisServer.start()) {
            // The port stays this test's: Redis comes back on it after the worker has started.
            server.kill();
            try (WorkerProcess worker = startWorker("before-redis", Map.of("QUARKUS_REDIS_HOSTS", server.uri()), httpPort)) {
                assertUnready(worker, httpPort);
                server.restart();
                assertTurnsReadyAndReadsThrough(worker, httpPort, key);
            }
        }
    }

    @Test
    void aWorkerStartedBeforeItsClusterFormsTurnsReadyWhenItIsOk() {
        ImageKey key = ImageKey.of("avatars/before-cluster.png");
        int httpPort = LocalRedisServer.freePort();
        // Three cluster-enabled servers that serve no slot yet: each answers, but every keyed command is refused.
        try (LocalRedisCluster cluster = LocalRedisCluster.startUnjoined()) {
            try (WorkerProcess worker = startWorker("before-cluster",
                    Map.of("QUARKUS_REDIS_CLIENT_TYPE", "cluster", "QUARKUS_REDIS_HOSTS", cluster.hosts()), httpPort)) {
                assertUnready(worker, httpPort);
                cluster.join();
                assertTurnsReadyAndReadsThrough(worker, httpPort, key);
            }
        }
    }

    /** Starts the packaged worker with these Redis settings, the test origin and {@code httpPort}, and waits for it. */
    private static WorkerProcess startWorker(String name, Map<String, String> redis, int httpPort) {
        Map<String, String> environment = new HashMap<>(redis);
        environment.put("PANSAAR_ORIGIN_BASE_URL", ORIGIN.origin().baseUrl());
        environment.put("QUARKUS_HTTP_PORT", String.valueOf(httpPort));
        WorkerProcess worker = WorkerProcess.start(name, environment);
        worker.awaitLog("Profile prod activated");
        return worker;
    }

    /**
     * Asserts that the worker answers, unready and not yet listening for written images, and that its scheduler, which
     * fails to announce the worker at every tick of a second, warns of it once over several ticks.
     */
    private static void assertUnready(WorkerProcess worker, int httpPort) {
        Response unready = worker(httpPort).get("/q/health/ready");
        assertEquals(503, unready.statusCode(), "started, and unready without Redis");
        assertEquals("DOWN", readyChannels(unready), "not listening for written images yet");
        await().atMost(WAIT).until(() -> warnings(worker, "could not announce this worker") == 1);
        await().during(Duration.ofSeconds(4)).atMost(Duration.ofSeconds(6))
                .until(() -> warnings(worker, "could not announce this worker") == 1);
    }

    /** How many WARN lines of the worker's log hold {@code text}. */
    private static long warnings(WorkerProcess worker, String text) {
        return worker.lines().stream().filter(line -> line.contains(" WARN ") && line.contains(text)).count();
    }

    /**
     * Waits for the worker to turn ready, then reads {@code key} through it: a miss that waits for its regeneration,
     * the job consumed, the image written and announced. The log must hold no ERROR line.
     */
    private static void assertTurnsReadyAndReadsThrough(WorkerProcess worker, int httpPort, ImageKey key) {
        byte[] image = TestImages.png(2_000);
        ORIGIN.origin().serve(key.value(), Reply.image(image, "image/png"));
        // Ready means every check is UP, function-library's included: the library is on every primary.
        await().atMost(WAIT).until(() -> worker(httpPort).get("/q/health/ready").statusCode() == 200);
        assertEquals("UP", readyChannels(worker(httpPort).get("/q/health/ready")));
        Response read = worker(httpPort).get("/images/" + key.value());
        assertEquals(200, read.statusCode());
        assertEquals(image.length, read.asByteArray().length, "the origin's image, read through the cache");
        // The outage's end is logged: the scheduler ticks every second, so it has announced the worker by now.
        await().atMost(WAIT).until(() -> worker.lines().stream()
                .anyMatch(line -> line.contains(" INFO ") && line.contains("announcing this worker works again")));
        List<String> errors = worker.lines().stream().filter(line -> line.contains(" ERROR ")).toList();
        assertEquals(List.of(), errors, "an outage at start-up is warned of, not an error");
    }

    /** Requests to the worker process listening on {@code port}. */
    private static RequestSpecification worker(int port) {
        return given().baseUri("http://127.0.0.1").port(port);
    }

    /** The status of the {@code ready-channels} check in a readiness response. */
    private static String readyChannels(Response readiness) {
        return readiness.jsonPath().getString("checks.find { it.name == 'ready-channels' }.status");
    }
}
