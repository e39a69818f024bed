package io.pansaar.worker;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.time.Duration;
import java.time.Instant;
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

/**
 * A worker killed (SIGKILL) while it holds an origin's only fetch permit: the permit lapses after
 * {@code pansaar.origin.timeout} + 5 s, and another instance fetches from that origin again without anyone's help.
 */
class KilledWorkerPermitIT {

    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final Partitioner PARTITIONER = new Partitioner(16);

    @RegisterExtension
    static final LocalRedisConnection REDIS = new LocalRedisConnection();

    @RegisterExtension
    static final LocalTestOrigin ORIGIN = new LocalTestOrigin();

    @Test
    void aFetchPermitHeldByAKilledWorkerComesBack() {
        TestOrigin origin = ORIGIN.origin();
        ImageKey slow = ImageKey.of("avatars/held-by-the-killed.png");
        origin.serve(slow.value(), Reply.image(TestImages.png(2_000), "image/png").withDelay(Duration.ofSeconds(30)));
        ImageKey next = ImageKey.of("avatars/after-the-kill.png");
        origin.serve(next.value(), Reply.image(TestImages.png(2_000), "image/png"));
        String permits = RedisKeys.originPermits(OriginId.of(URI.create(origin.baseUrl())).toString());

        Instant permitTaken;
        try (WorkerProcess doomed = WorkerProcess.start("doomed", environment())) {
            doomed.awaitLog("Profile prod activated");
            REDIS.publishJob(slow, "miss");
            await().atMost(WAIT).until(() -> origin.fetches(slow.value()) == 1);
            permitTaken = origin.requests(slow.value()).get(0).receivedAt();
            doomed.kill();
        }
        assertEquals(1, REDIS.call(Request.cmd(Command.ZCARD).arg(permits)).toLong(), "the killed worker's permit is held");

        try (WorkerProcess survivor = WorkerProcess.start("survivor", environment())) {
            survivor.awaitLog("Profile prod activated");
            REDIS.publishJob(next, "miss");
            await().atMost(WAIT).until(() -> REDIS.cached(next));
            Instant fetched = origin.requests(next.value()).get(0).receivedAt();
            long waitedMillis = Duration.between(permitTaken, fetched).toMillis();
            // The permit lasts the origin timeout (3 s) + 5 s from its grant, a moment before the origin saw the
            // request: nothing reached the origin while it was held.
            assertTrue(waitedMillis >= 7_500, "the next fetch came " + waitedMillis + " ms after the permit was taken");
            System.out.printf("the killed worker's permit came back %d ms after it was taken%n", waitedMillis);
            assertEquals(0, REDIS.call(Request.cmd(Command.XLEN).arg(RedisKeys.deadLetters(PARTITIONER.partitionOf(next))))
                    .toLong());
        }
    }

    /** One fetch at a time to the origin, a 3 s origin timeout, and a claim-idle long enough to outlast the test. */
    private static Map<String, String> environment() {
        return Map.of("QUARKUS_REDIS_HOSTS", REDIS.server().uri(), "PANSAAR_ORIGIN_BASE_URL", ORIGIN.origin().baseUrl(),
                "PANSAAR_ORIGIN_MAX_CONCURRENCY", "1", "PANSAAR_ORIGIN_TIMEOUT", "3s",
                "PANSAAR_WORKER_FETCH_LEASE", "5s", "PANSAAR_STREAM_CLAIM_IDLE", "60s");
    }
}
