package io.pansaar.worker;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import io.pansaar.key.ImageKey;
import io.pansaar.testing.LocalRedisServer;
import io.pansaar.testing.LocalTestOrigin;
import io.pansaar.testing.Reply;
import io.pansaar.testing.TestImages;
import io.pansaar.testing.WorkerProcess;

/**
 * The packaged application started while its Redis is down, as when a deployment brings both up at once: it starts
 * unready rather than exit, and once Redis answers it loads the function library, subscribes to the ready channels,
 * turns ready and serves a read-through miss, without a restart.
 */
class WorkerStartsBeforeRedisIT {

    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private static final Pattern READY_CHANNELS = Pattern.compile("\"name\"\\s*:\\s*\"ready-channels\",\\s*\"status\"\\s*:\\s*\"(UP|DOWN)\"");

    @RegisterExtension
    static final LocalTestOrigin ORIGIN = new LocalTestOrigin();

    @Test
    void aWorkerStartedBeforeItsRedisTurnsReadyWhenRedisAnswers() {
        ImageKey key = ImageKey.of("avatars/before-redis.png");
        byte[] image = TestImages.png(2_000);
        ORIGIN.origin().serve(key.value(), Reply.image(image, "image/png"));
        int httpPort = LocalRedisServer.freePort();
        try (LocalRedisServer server = LocalRedisServer.start()) {
            // The port stays this test's: Redis comes back on it after the worker has started.
            server.kill();
            try (WorkerProcess worker = WorkerProcess.start("before-redis", Map.of("QUARKUS_REDIS_HOSTS", server.uri(),
                    "PANSAAR_ORIGIN_BASE_URL", ORIGIN.origin().baseUrl(), "QUARKUS_HTTP_PORT", String.valueOf(httpPort)))) {
                worker.awaitLog("Profile prod activated");
                HttpResponse<byte[]> unready = get(httpPort, "/q/health/ready");
                assertEquals(503, unready.statusCode(), "started, and unready without Redis");
                assertEquals("DOWN", readyChannels(unready), "not listening for written images yet");

                server.restart();
                await().atMost(WAIT).until(() -> get(httpPort, "/q/health/ready").statusCode() == 200);
                assertEquals("UP", readyChannels(get(httpPort, "/q/health/ready")));
                // A miss waits for its regeneration: the job is consumed, the image written and announced.
                HttpResponse<byte[]> read = get(httpPort, "/images/" + key.value());
                assertEquals(200, read.statusCode());
                assertEquals(image.length, read.body().length, "the origin's image, read through the cache");
                List<String> errors = worker.lines().stream().filter(line -> line.contains(" ERROR ")).toList();
                assertEquals(List.of(), errors, "an outage at start-up is warned of, not an error");
            }
        }
    }

    /** The status of the {@code ready-channels} check in a readiness response. */
    private static String readyChannels(HttpResponse<byte[]> readiness) {
        Matcher check = READY_CHANNELS.matcher(new String(readiness.body(), StandardCharsets.UTF_8));
        assertTrue(check.find(), "the readiness response lists the ready-channels check");
        return check.group(1);
    }

    private static HttpResponse<byte[]> get(int port, String path) {
        try {
            return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                    .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofByteArray());
        } catch (IOException e) {
            throw new IllegalStateException("GET " + path + " failed: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}
