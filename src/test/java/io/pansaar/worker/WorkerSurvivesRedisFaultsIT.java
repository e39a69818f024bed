package io.pansaar.worker;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.pansaar.key.ImageKey;
import io.pansaar.key.Partitioner;
import io.pansaar.key.RedisKeys;
import io.pansaar.redis.RedisFailures;
import io.pansaar.stream.RedisStreamsConnector;
import io.pansaar.testing.InjectRedisServer;
import io.pansaar.testing.InjectTestOrigin;
import io.pansaar.testing.LocalRedisServer;
import io.pansaar.testing.PersistentRedisResource;
import io.pansaar.testing.Reply;
import io.pansaar.testing.TestImages;
import io.pansaar.testing.TestOrigin;
import io.pansaar.testing.TestOriginResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.redis.client.Command;
import io.vertx.mutiny.redis.client.Redis;
import io.vertx.mutiny.redis.client.Request;
import io.vertx.mutiny.redis.client.Response;
import jakarta.inject.Inject;
import org.eclipse.microprofile.reactive.messaging.spi.Connector;

/**
 * The worker in this process against faults of its Redis, provoked for real: connections killed under load, the
 * server killed with SIGKILL and restarted from its append-only file in the middle of a backlog. After each, every
 * job completes, none is dead-lettered, and the worker is ready again, without a restart.
 */
@QuarkusTest
@QuarkusTestResource(value = PersistentRedisResource.class, restrictToAnnotatedClass = true)
@QuarkusTestResource(value = TestOriginResource.class, restrictToAnnotatedClass = true)
class WorkerSurvivesRedisFaultsIT {

    private static final Duration WAIT = Duration.ofSeconds(180);
    private static final byte[] IMAGE = TestImages.png(2_000);

    @InjectRedisServer
    LocalRedisServer server;

    @InjectTestOrigin
    TestOrigin origin;

    @Inject
    Partitioner partitioner;

    @Inject
    @Connector(RedisStreamsConnector.NAME)
    RedisStreamsConnector connector;

    private Vertx vertx;
    private Redis redis;

    @BeforeEach
    void connect() {
        vertx = Vertx.vertx();
        redis = Redis.createClient(vertx, server.uri());
    }

    @AfterEach
    void disconnect() {
        redis.close();
        vertx.closeAndAwait();
    }

    @Test
    void twentyConnectionKillsDuringTwoThousandJobsLoseNone() {
        List<ImageKey> keys = publish("killed-connections", 2_000);
        long deadLettersBefore = deadLetters();
        for (int kill = 1; kill <= 20; kill++) {
            awaitWritten(keys, 2_000 * kill / 25);
            // Every connection of the worker: its stream reads, the pool serving its functions and acknowledgements;
            // every fifth kill also the subscription that tells readers an image is ready.
            call("CLIENT", "KILL", "TYPE", "normal", "SKIPME", "yes");
            if (kill % 5 == 0) {
                call("CLIENT", "KILL", "TYPE", "pubsub");
            }
        }
        awaitAllDone(keys, deadLettersBefore);
    }

    @Test
    void redisKilledAndRestartedFromItsAppendOnlyFileDuringABacklogLosesNoJobInFiveTrials() {
        for (int trial = 1; trial <= 5; trial++) {
            List<ImageKey> keys = publish("restart-" + trial, 400);
            long deadLettersBefore = deadLetters();
            awaitWritten(keys, 40);
            server.restart();
            awaitAllDone(keys, deadLettersBefore);
        }
    }

    /** Publishes one job per key, as a backend would, each with an image the origin serves; returns the keys. */
    private List<ImageKey> publish(String name, int count) {
        String run = name + "-" + UUID.randomUUID().toString().substring(0, 8);
        List<ImageKey> keys = new ArrayList<>();
        List<Request> additions = new ArrayList<>();
        for (int index = 0; index < count; index++) {
            ImageKey key = ImageKey.of("avatars/" + run + "/" + index + ".png");
            origin.serve(key.value(), Reply.image(IMAGE, "image/png"));
            keys.add(key);
            additions.add(Request.cmd(Command.XADD).arg(RedisKeys.jobs(partitioner.partitionOf(key))).arg("*")
                    .arg("key").arg(key.value()).arg("reason").arg("miss"));
        }
        for (int from = 0; from < additions.size(); from += 100) {
            List<Request> batch = additions.subList(from, Math.min(additions.size(), from + 100));
            redis.batch(batch).await().atMost(Duration.ofSeconds(30));
        }
        return keys;
    }

    /** Waits until at least {@code count} of the keys have their image in Redis. */
    private void awaitWritten(List<ImageKey> keys, int count) {
        await().atMost(WAIT).pollInterval(Duration.ofMillis(50)).until(() -> written(keys) >= count);
    }

    /**
     * Waits until every key has its image, every job stream is empty with nothing pending, and no job went to the
     * dead-letter streams; then the worker reads again and says it is ready and alive.
     */
    private void awaitAllDone(List<ImageKey> keys, long deadLettersBefore) {
        await().atMost(WAIT).pollInterval(Duration.ofMillis(200)).until(() -> written(keys) == keys.size());
        await().atMost(WAIT).pollInterval(Duration.ofMillis(200)).until(() -> unfinishedJobs() == 0);
        assertEquals(deadLettersBefore, deadLetters(), "no job was dead-lettered");
        assertTrue(connector.running(), "the consumer reads the job streams");
        await().atMost(WAIT).untilAsserted(() -> given().get("/q/health/ready").then().statusCode(200)
                .body("status", equalTo("UP")));
        given().get("/q/health/live").then().statusCode(200).body("status", equalTo("UP"));
    }

    private long written(List<ImageKey> keys) {
        List<Request> exists = new ArrayList<>();
        for (ImageKey key : keys) {
            exists.add(Request.cmd(Command.EXISTS).arg(RedisKeys.image(partitioner.partitionOf(key), key)));
        }
        return batch(exists).stream().mapToLong(Response::toLong).sum();
    }

    /** Entries in the job streams plus entries pending in the group, over every partition. */
    private long unfinishedJobs() {
        long unfinished = 0;
        for (int partition = 0; partition < partitioner.partitions(); partition++) {
            unfinished += call("XLEN", RedisKeys.jobs(partition)).toLong();
            unfinished += call("XPENDING", RedisKeys.jobs(partition), RedisKeys.CONSUMER_GROUP).get(0).toLong();
        }
        return unfinished;
    }

    private long deadLetters() {
        long total = 0;
        for (int partition = 0; partition < partitioner.partitions(); partition++) {
            total += call("XLEN", RedisKeys.deadLetters(partition)).toLong();
        }
        return total;
    }

    private List<Response> batch(List<Request> requests) {
        return retryingWhileRedisIsAway(() -> redis.batch(requests).await().atMost(Duration.ofSeconds(30)));
    }

    private Response call(String command, String... arguments) {
        Request request = Request.cmd(Command.create(command));
        for (String argument : arguments) {
            request.arg(argument);
        }
        return retryingWhileRedisIsAway(() -> redis.send(request).await().atMost(Duration.ofSeconds(30)));
    }

    /** The test's own commands meet the same faults as the worker's; it waits them out too. */
    private static <T> T retryingWhileRedisIsAway(java.util.function.Supplier<T> call) {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (true) {
            try {
                return call.get();
            } catch (RuntimeException failure) {
                if (!RedisFailures.isPassing(failure) || System.nanoTime() > deadline) {
                    throw failure;
                }
                pause(100);
            }
        }
    }

    private static void pause(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}
