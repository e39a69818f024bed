package io.pansaar.worker;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import io.pansaar.key.ImageKey;
import io.pansaar.key.Partitioner;
import io.pansaar.key.RedisKeys;
import io.pansaar.origin.OriginId;
import io.pansaar.testing.LocalRedisConnection;
import io.pansaar.testing.LocalTestOrigin;
import io.pansaar.testing.Reply;
import io.pansaar.testing.TestImages;
import io.pansaar.testing.TestOrigin;
import io.pansaar.testing.WorkerProcess;
import io.vertx.mutiny.redis.client.Command;
import io.vertx.mutiny.redis.client.Request;
import io.vertx.mutiny.redis.client.Response;

/**
 * The packaged application as operators run it ({@code java -jar target/quarkus-app/quarkus-run.jar}),
 * in separate processes: one killed in the middle of a fetch, one started after it that takes the
 * abandoned job over, reloads nothing it need not, and on SIGTERM finishes the job in flight and
 * shuts down without a warning.
 */
class WorkerProcessIT {

    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final Partitioner PARTITIONER = new Partitioner(16);

    @RegisterExtension
    static final LocalRedisConnection REDIS = new LocalRedisConnection();

    @RegisterExtension
    static final LocalTestOrigin ORIGIN = new LocalTestOrigin();

    @Test
    void aWorkerKilledMidFetchIsReplacedAndAStoppedWorkerFinishesItsJobFirst() {
        TestOrigin origin = ORIGIN.origin();
        ImageKey slow = ImageKey.of("avatars/killed-mid-fetch.png");
        origin.serve(slow.value(), Reply.image(TestImages.png(3_000), "image/png").withDelay(Duration.ofSeconds(2)));
        ImageKey later = ImageKey.of("avatars/after-restart.png");
        origin.serve(later.value(), Reply.image(TestImages.png(3_000), "image/png"));
        ImageKey inFlightAtStop = ImageKey.of("avatars/in-flight-at-stop.png");
        origin.serve(inFlightAtStop.value(), Reply.image(TestImages.png(3_000), "image/png").withDelay(Duration.ofSeconds(2)));

        try (WorkerProcess first = WorkerProcess.start("first", environment())) {
            first.awaitLog("loaded function library");
            first.awaitLog("Profile prod activated");
            REDIS.publishJob(slow, "manual");
            await().atMost(WAIT).until(() -> origin.fetches(slow.value()) == 1);
            first.kill();
        }
        assertEquals(1, pendingCount(slow), "the killed worker's entry stays pending");
        assertTrue(!REDIS.cached(slow), "nothing was written");

        try (WorkerProcess second = WorkerProcess.start("second", environment())) {
            second.awaitLog("already loaded");
            await().atMost(WAIT).until(() -> REDIS.cached(slow));
            assertEquals(2, origin.fetches(slow.value()));
            await().atMost(WAIT).until(() -> pendingCount(slow) == 0);

            REDIS.publishJob(later, "manual");
            await().atMost(WAIT).until(() -> REDIS.cached(later));

            // SIGTERM in the middle of a fetch: the worker stops reading, lets the job finish, then exits.
            REDIS.publishJob(inFlightAtStop, "manual");
            await().atMost(WAIT).until(() -> origin.fetches(inFlightAtStop.value()) == 1);
            second.stop();
            assertTrue(REDIS.cached(inFlightAtStop),
                    "the job in flight at SIGTERM was finished before the worker exited");
            assertEquals(0, pendingCount(inFlightAtStop));
            // The permit goes back while the image is written; the job, and so the drain at stop, ends after both.
            assertEquals(0, livePermits(origin),
                    "the job finished at SIGTERM gave its origin permit back before the worker exited");
            second.awaitLog("stopped in");
            List<String> complaints = second.lines().stream()
                    .filter(line -> line.contains(" ERROR ") || line.contains(" WARN ")).toList();
            assertEquals(List.of(), complaints, "a clean restart and stop log no warnings or errors");
        }
    }

    /**
     * Permits for the origin that have not lapsed. The killed worker's permit lapses 9 s (timeout + 5 s) after its
     * fetch began, and stays in the set until the next acquire sweeps it; by the stop, the takeover after claim-idle
     * (6 s) and two 2-s fetches have passed since.
     */
    private static long livePermits(TestOrigin origin) {
        Response time = REDIS.call(Request.cmd(Command.TIME));
        long nowMillis = time.get(0).toLong() * 1000 + time.get(1).toLong() / 1000;
        return REDIS.call(Request.cmd(Command.ZCOUNT).arg(RedisKeys.originPermits(
                OriginId.of(URI.create(origin.baseUrl())).toString())).arg("(" + nowMillis).arg("+inf")).toLong();
    }

    /** Redis and the origin of this test, with a lease and claim-idle short enough for a test. */
    private static Map<String, String> environment() {
        return Map.of("QUARKUS_REDIS_HOSTS", REDIS.server().uri(), "PANSAAR_ORIGIN_BASE_URL", ORIGIN.origin().baseUrl(),
                "PANSAAR_ORIGIN_TIMEOUT", "4s", "PANSAAR_WORKER_FETCH_LEASE", "5s", "PANSAAR_STREAM_CLAIM_IDLE", "6s");
    }

    private static long pendingCount(ImageKey key) {
        return REDIS.call(Request.cmd(Command.XPENDING).arg(RedisKeys.jobs(PARTITIONER.partitionOf(key)))
                .arg(RedisKeys.CONSUMER_GROUP)).get(0).toLong();
    }
}
